//! Errors reported per record, so that one bad record never hides the rest.

use std::fmt;

/// Why one record of an input file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RecordError {
    /// 1-based position of the record in the file.
    pub record_number: usize,
    /// Byte offset of the record's first byte (ISO 2709), or of the `<record>`
    /// element (MARCXML).
    pub byte_offset: Option<usize>,
    /// The record's 001, when it could be read: helps a cataloguer find it.
    pub control_number: Option<String>,
    /// Human-readable reason.
    pub reason: String,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "record {}", self.record_number)?;
        if let Some(offset) = self.byte_offset {
            write!(f, " (byte offset {offset})")?;
        }
        if let Some(cn) = &self.control_number {
            write!(f, " [001 {cn}]")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// Why a record could not be serialised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    #[error("field {tag} is {len} bytes long; ISO 2709 allows at most 9999")]
    FieldTooLong { tag: String, len: usize },
    #[error("record is {len} bytes long; ISO 2709 allows at most 99999")]
    RecordTooLong { len: usize },
    #[error("field {tag}: {what} {value:?} must be a single ASCII character")]
    NotSingleByte { tag: String, what: &'static str, value: char },
    #[error("field {tag}: value contains the ISO 2709 structural character U+{code:04X}")]
    StructuralCharacter { tag: String, code: u32 },
    #[error("tag {0:?} must be three ASCII alphanumeric characters")]
    BadTag(String),
}
