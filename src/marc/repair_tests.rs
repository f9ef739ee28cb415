//! The repairs the ISO 2709 reader makes to damaged fields, each on a record built here
//! byte by byte: the record is kept, the repair is a warning, and what cannot be repaired
//! costs the field or subfield, never the record.

use super::*;

const FT: u8 = 0x1E;
const SD: u8 = 0x1F;
const RT: u8 = 0x1D;

/// An ISO 2709 record of `fields` (tag, raw content including indicators and the field
/// terminator, or not when a test leaves it out), with a directory that gives each field
/// the length of its bytes. `utf8` sets leader/09.
fn record(fields: &[(&str, Vec<u8>)], utf8: bool) -> Vec<u8> {
    let mut directory = Vec::new();
    let mut data = Vec::new();
    for (tag, content) in fields {
        directory.extend_from_slice(format!("{tag}{:04}{:05}", content.len(), data.len()).as_bytes());
        data.extend_from_slice(content);
    }
    directory.push(FT);
    let base = 24 + directory.len();
    let length = base + data.len() + 1;
    let leader = format!("{length:05}nam {}22{base:05} a 4500", if utf8 { 'a' } else { ' ' });
    let mut out = leader.into_bytes();
    out.extend(directory);
    out.extend(data);
    out.push(RT);
    out
}

fn field(bytes: &[&[u8]]) -> Vec<u8> {
    let mut out: Vec<u8> = bytes.concat();
    out.push(FT);
    out
}

fn read_one(bytes: &[u8]) -> Record {
    let mut results = read_records(bytes, ReadOptions::default());
    assert_eq!(results.len(), 1);
    results.remove(0).unwrap_or_else(|e| panic!("the record is kept: {e}"))
}

fn warned(record: &Record, needle: &str) -> bool {
    record.warnings.iter().any(|w| w.contains(needle))
}

#[test]
fn three_bytes_where_two_indicators_belong_keep_the_field() {
    let bytes = record(
        &[("001", field(&[b"rep-1"])), ("245", field(&[b"10x", &[SD], b"aPaper and ink :", &[SD], b"bCentral Asia."]))],
        true,
    );
    let record = read_one(&bytes);
    let title = record.field("245").expect("the 245 is kept");
    assert_eq!(title.subfield('a'), Some("Paper and ink :"));
    let Field::Data { ind1, ind2, .. } = title else { panic!("a data field") };
    assert_eq!((*ind1, *ind2), ('1', '0'));
    assert!(warned(&record, "field 245: 3 bytes before the first subfield"), "{:?}", record.warnings);
}

#[test]
fn one_indicator_and_unprintable_indicators_read_as_blanks() {
    let bytes = record(
        &[
            ("001", field(&[b"rep-2"])),
            ("245", field(&[b"1", &[SD], b"aOne indicator"])),
            ("500", field(&[&[0x07, b'0', SD], b"aA bell for an indicator"])),
        ],
        true,
    );
    let record = read_one(&bytes);
    assert_eq!(record.field("245").and_then(|f| f.subfield('a')), Some("One indicator"));
    assert!(warned(&record, "field 245 has one indicator byte"));
    assert!(warned(&record, "field 500: indicator 1 is byte 0x07"));
    assert_eq!(record.field("500").and_then(|f| f.subfield('a')), Some("A bell for an indicator"));
}

#[test]
fn a_missing_field_terminator_is_read_to_the_directorys_length() {
    let mut title = vec![];
    title.extend_from_slice(b"10");
    title.push(SD);
    title.extend_from_slice(b"aNo terminator here");
    let bytes =
        record(&[("001", field(&[b"rep-3"])), ("245", title), ("260", field(&[b"  ", &[SD], b"aTashkent"]))], true);
    let record = read_one(&bytes);
    assert_eq!(record.field("245").and_then(|f| f.subfield('a')), Some("No terminator here"));
    assert_eq!(record.field("260").and_then(|f| f.subfield('a')), Some("Tashkent"));
    assert!(warned(&record, "field 245 (directory entry 2) has no field terminator"), "{:?}", record.warnings);
}

#[test]
fn a_lone_0x1f_in_cyrillic_marc8_is_the_capital_e() {
    // "Эксмо" in MARC-8 basic Cyrillic, with Э written as 0x1F by the known encoder bug.
    let publisher: &[u8] = &[0x1B, b'(', b'N', SD, 0x4B, 0x53, 0x4D, 0x4F, 0x1B, b'(', b'B'];
    let bytes = record(
        &[
            ("001", field(&[b"rep-4"])),
            ("245", field(&[b"10", &[SD], b"aA title"])),
            ("260", field(&[b"  ", &[SD], b"aMoskva :", &[SD], b"b", publisher, b",", &[SD], b"c2005."])),
        ],
        false,
    );
    let record = read_one(&bytes);
    let imprint = record.field("260").expect("260");
    assert_eq!(imprint.subfield('b'), Some("Эксмо,"));
    assert_eq!(imprint.subfield('c'), Some("2005."));
    assert!(warned(&record, "read as Э"), "{:?}", record.warnings);
}

#[test]
fn what_cannot_be_repaired_costs_the_subfield_or_the_field_not_the_record() {
    let bytes = record(
        &[
            ("001", field(&[b"rep-5"])),
            ("245", field(&[b"10", &[SD], b"aKept title", &[SD, 0x05], b"control code"])),
            ("500", field(&[b"  ", &[SD], b"a", &[0xFF, 0xFE], b" not UTF-8"])),
            ("520", field(&[b"  ", &[SD], b"aStill here"])),
        ],
        true,
    );
    let record = read_one(&bytes);
    assert_eq!(record.field("245").map(|f| f.subfields().len()), Some(1));
    assert!(warned(&record, "a subfield's code is byte 0x05"));
    assert!(warned(&record, "field 500 $a: invalid UTF-8"));
    assert_eq!(record.field("520").and_then(|f| f.subfield('a')), Some("Still here"));
}

#[test]
fn only_a_record_that_cannot_be_delimited_is_rejected() {
    let mut bytes = record(&[("001", field(&[b"rep-6"])), ("245", field(&[b"10", &[SD], b"aT"]))], true);
    // The directory's field terminator is gone: nothing says where the fields begin.
    let base = 24 + 2 * 12;
    bytes[base] = b'X';
    let results = read_records(&bytes, ReadOptions::default());
    assert!(results[0].is_err());
}
