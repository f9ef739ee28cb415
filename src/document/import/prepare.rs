//! Reading, mapping and validating every record of a file, on every core: each record's
//! fate is independent of the others'.

use std::collections::HashMap;

use super::{Rejection, Warning};
use crate::document::{Description, marc_map};
use crate::marc::{self, Encoding, ReadOptions};

/// A record that mapped to a valid description.
pub(super) struct Accepted {
    pub(super) position: i32,
    pub(super) description: Description,
    pub(super) control_number: Option<String>,
    pub(super) marc_xml: String,
    /// MD5 of `marc_xml` in lowercase hex, as PostgreSQL's `md5()` writes it (the stored
    /// `marc_hash`).
    pub(super) marc_hash: String,
    /// The 245's second indicator: characters of the title not filed on.
    pub(super) title_nonfiling: i16,
}

/// A file, read.
pub(super) struct Prepared {
    pub(super) read: usize,
    pub(super) accepted: Vec<Accepted>,
    pub(super) rejections: Vec<Rejection>,
    pub(super) warnings: Vec<Warning>,
    /// The organisation most of the file's records name in 003.
    pub(super) organisation: Option<String>,
    /// The bytes are not MARC at all.
    pub(super) not_marc: bool,
}

/// What became of one record read.
enum Outcome {
    Accepted(Box<Accepted>, Vec<Warning>, Option<String>),
    Rejected(Rejection, Vec<Warning>),
}

/// Whether the bytes begin as a MARC file does: MARCXML's `<`, or ISO 2709's five digits
/// of the first record's length.
fn looks_like_marc(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(bytes.len());
    let bytes = &bytes[start..];
    bytes.first() == Some(&b'<') || (bytes.len() >= 5 && bytes[..5].iter().all(u8::is_ascii_digit))
}

/// The 245's second indicator as a number of characters, 0 when it is not a digit.
fn nonfiling(record: &marc::Record) -> i16 {
    match record.field("245") {
        Some(marc::Field::Data { ind2, .. }) => ind2.to_digit(10).map_or(0, |d| d as i16),
        _ => 0,
    }
}

/// The key PostgreSQL stores for a record (`marc_hash`, generated as `md5(marc_xml)`).
pub(super) fn marc_hash(marc_xml: &str) -> String {
    use md5::{Digest, Md5};
    format!("{:x}", Md5::digest(marc_xml.as_bytes()))
}

pub(super) fn prepare(bytes: &[u8], encoding: Option<Encoding>) -> Prepared {
    use rayon::prelude::*;
    if !looks_like_marc(bytes) {
        return Prepared {
            read: 0,
            accepted: Vec::new(),
            rejections: Vec::new(),
            warnings: Vec::new(),
            organisation: None,
            not_marc: true,
        };
    }
    let results = marc::read_records(bytes, ReadOptions { encoding });
    let read = results.len();
    let outcomes: Vec<Outcome> = results
        .into_par_iter()
        .enumerate()
        .map(|(index, result)| {
            let position = (index + 1) as i32;
            let record = match result {
                Ok(record) => record,
                Err(err) => {
                    let rejection = Rejection {
                        position,
                        byte_offset: err.byte_offset.map(|o| o as i64),
                        control_number: err.control_number.clone(),
                        reason: err.reason.clone(),
                    };
                    return Outcome::Rejected(rejection, Vec::new());
                }
            };
            let control_number = marc_map::control_number(&record);
            let warnings = record
                .warnings
                .iter()
                .map(|message| Warning { position, control_number: control_number.clone(), message: message.clone() })
                .collect();
            let organisation = record.field("003").and_then(|f| f.value()).map(str::trim).filter(|o| !o.is_empty());
            let organisation = organisation.map(|o| o.chars().take(200).collect());
            let mapped = marc_map::description_from_marc(&record).and_then(|d| d.validate().map_err(|e| e.to_string()));
            match mapped {
                Ok(description) => {
                    let marc_xml = marc::to_marcxml(std::slice::from_ref(&record));
                    let marc_hash = marc_hash(&marc_xml);
                    Outcome::Accepted(
                        Box::new(Accepted {
                            position,
                            description,
                            control_number,
                            marc_xml,
                            marc_hash,
                            title_nonfiling: nonfiling(&record),
                        }),
                        warnings,
                        organisation,
                    )
                }
                Err(reason) => {
                    Outcome::Rejected(Rejection { position, byte_offset: None, control_number, reason }, warnings)
                }
            }
        })
        .collect();
    let mut accepted = Vec::with_capacity(read);
    let mut rejections = Vec::new();
    let mut all_warnings = Vec::new();
    let mut organisations: HashMap<String, usize> = HashMap::new();
    for outcome in outcomes {
        match outcome {
            Outcome::Accepted(a, warnings, organisation) => {
                accepted.push(*a);
                all_warnings.extend(warnings);
                if let Some(organisation) = organisation {
                    *organisations.entry(organisation).or_default() += 1;
                }
            }
            Outcome::Rejected(r, warnings) => {
                rejections.push(r);
                all_warnings.extend(warnings);
            }
        }
    }
    // The most common organisation; ties go to the alphabetically first, so the same file
    // always gets the same source.
    let organisation = organisations.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0))).map(|(o, _)| o);
    Prepared { read, accepted, rejections, warnings: all_warnings, organisation, not_marc: false }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_record_key_is_the_md5_postgresql_writes() {
        // What PostgreSQL's md5() returns for the same texts.
        assert_eq!(super::marc_hash(""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(super::marc_hash("The quick brown fox jumps over the lazy dog"), "9e107d9d372bb6826bd81d3542a419d6");
    }

    #[test]
    fn marc_files_are_told_from_other_files() {
        assert!(super::looks_like_marc(b"00714cam a2200205 a 4500"));
        assert!(super::looks_like_marc(b"\xEF\xBB\xBF  <?xml version=\"1.0\"?><collection/>"));
        assert!(!super::looks_like_marc(b"%PDF-1.7 ..."));
        assert!(!super::looks_like_marc(b"title,author\nBoburnoma,Babur\n"));
        assert!(!super::looks_like_marc(b""));
    }
}
