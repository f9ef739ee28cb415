//! MARC 21 bibliographic records from partner libraries: reading ISO 2709 and
//! MARCXML, character set conversion (UTF-8, MARC-8 including EACC, and the
//! Cyrillic 8-bit encodings some partners still send), 880 alternate-script
//! linkage, and writing MARCXML and UTF-8 ISO 2709.
//!
//! ```text
//! let results = marc::read_records(&bytes, marc::ReadOptions::default());
//! for result in results {
//!     match result {
//!         Ok(record) => { /* record.fields("245") ... */ }
//!         Err(e) => eprintln!("{e}"), // record number, byte offset, reason
//!     }
//! }
//! ```

mod encoding;
mod error;
mod iso2709;
mod marc8;
mod marcxml;
mod record;
mod tables;

#[cfg(test)]
mod fixture_tests;
#[cfg(test)]
mod repair_tests;
#[cfg(test)]
mod tests;

pub use encoding::Encoding;
pub use error::{RecordError, WriteError};
pub use iso2709::to_iso2709;
pub use marc8::{Marc8Text, marc8_to_unicode};
pub use marcxml::{MARCXML_NAMESPACE, to_marcxml};
pub use record::{Field, Leader, Linkage, Record, Script, Subfield};

/// How to read an input file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Character encoding of ISO 2709 records. `None` follows leader/09 (`a` is
    /// UTF-8, blank is MARC-8), checked against the data: a blank leader/09 over
    /// data that is valid UTF-8, or that looks like 8-bit Cyrillic, is decoded
    /// accordingly with a warning on the record. Set it when a partner is known
    /// to send Windows-1251 or CP866. Ignored for MARCXML, which is always
    /// Unicode.
    pub encoding: Option<Encoding>,
}

/// Serialisation detected in an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Iso2709,
    MarcXml,
}

/// Detects MARCXML by its first non-blank character (after an optional BOM):
/// ISO 2709 starts with the five digits of the record length.
pub fn detect_format(bytes: &[u8]) -> Format {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'<') => Format::MarcXml,
        _ => Format::Iso2709,
    }
}

/// Reads all records from an ISO 2709 or MARCXML file, detecting which.
///
/// Returns one entry per record, in file order; a malformed record yields an
/// `Err` with its position and reason and reading continues with the next one.
pub fn read_records(bytes: &[u8], options: ReadOptions) -> Vec<Result<Record, RecordError>> {
    match detect_format(bytes) {
        Format::MarcXml => marcxml::read(bytes),
        Format::Iso2709 => iso2709::read(bytes, &options),
    }
}
