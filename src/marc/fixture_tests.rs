//! Tests over the repository's own MARC fixtures in `tests/fixtures/marc/` (see the README
//! there for what each file holds). They always run, and assert for every way of reading a
//! record what `tests.rs` asserts over the real files of the corpus when it is present.

use unicode_normalization::is_nfc;

use super::tests::{check_vectors, first_sub, fuzz, ok_records};
use super::*;
use crate::test_corpus::{fixture, fixtures_dir};

fn read_fixture(name: &str, encoding: Option<Encoding>) -> Vec<Result<Record, RecordError>> {
    read_records(&fixture(name), ReadOptions { encoding })
}

fn by_number<'a>(records: &'a [Record], number: &str) -> &'a Record {
    records.iter().find(|r| r.control_number() == Some(number)).unwrap_or_else(|| panic!("no record {number}"))
}

fn linked_title(record: &Record) -> &Field {
    let title = record.field("245").expect("245");
    record.linked_880(title).unwrap_or_else(|| panic!("{:?}: the 245 has no linked 880", record.control_number()))
}

#[test]
fn marc8_conversion_vectors_of_the_fixtures_all_match() {
    let marc8 = fixture("vectors_marc8.txt");
    let utf8 = String::from_utf8(fixture("vectors_utf8.txt")).expect("UTF-8 vectors");
    assert_eq!(check_vectors(&marc8, &utf8), 25);
}

#[test]
fn record_counts_for_every_fixture() {
    // (file, results, of which Ok)
    let expected: &[(&str, usize, usize)] = &[
        ("utf8_multilingual.mrc", 8, 8),
        ("collection.xml", 8, 8),
        ("marc8_eacc.mrc", 4, 4),
        ("marc8_scripts.mrc", 3, 3),
        ("windows1251.mrc", 3, 3),
        ("cp866.mrc", 2, 2),
        ("broken_records.mrc", 13, 6),
        ("truncated.mrc", 4, 3),
        ("bad_records.xml", 8, 3),
        ("unimarc.mrc", 2, 2),
    ];
    for &(name, total, ok) in expected {
        let results = read_fixture(name, None);
        assert_eq!(results.len(), total, "{name}: number of results");
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), ok, "{name}: records read");
    }
}

#[test]
fn every_fixture_file_is_covered() {
    let mut names: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("the fixtures directory")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| !matches!(n.as_str(), "README.md" | "make_fixtures.py" | ".gitattributes"))
        .collect();
    names.sort();
    let covered = [
        "bad_records.xml",
        "broken_records.mrc",
        "collection.xml",
        "cp866.mrc",
        "marc8_eacc.mrc",
        "marc8_scripts.mrc",
        "truncated.mrc",
        "unimarc.mrc",
        "utf8_multilingual.mrc",
        "vectors_marc8.txt",
        "vectors_utf8.txt",
        "windows1251.mrc",
    ];
    assert_eq!(names, covered, "a fixture was added or removed: add tests for it");
}

#[test]
fn utf8_880_fields_are_linked_to_their_regular_fields() {
    let records = ok_records(read_fixture("utf8_multilingual.mrc", None));
    assert!(
        records.iter().all(|r| r.leader.character_coding() == 'a' && r.fields("880").all(|f| f.linkage().is_some()))
    );
    let record = records
        .iter()
        .find(|r| r.fields("880").any(|f| f.subfield('a') == Some("撒马尔罕史 =")))
        .expect("record with a Han 880 title");
    let title = record.field("245").expect("245");
    let alt = record.linked_880(title).expect("245 is linked to an 880");
    assert_eq!(alt.subfield('c'), Some("王林著."));
    let link = alt.linkage().expect("880 $6");
    assert_eq!((link.tag.as_str(), link.occurrence.as_str()), ("245", "02"));
    assert_eq!(link.script, Some(Script::Cjk));
    assert!(!link.right_to_left);
    assert_eq!(record.linked_field(alt), Some(title));
    let pairs = record.parallel_fields();
    assert_eq!(pairs.iter().map(|(f, _)| f.tag()).collect::<Vec<_>>(), ["100", "245", "260", "700"]);
    assert!(pairs.iter().all(|(f, alt)| { alt.tag() == "880" && alt.linkage().is_some_and(|l| l.tag == f.tag()) }));
    let publisher = pairs.iter().find(|(f, _)| f.tag() == "260").map(|(_, alt)| alt.subfield('b'));
    assert_eq!(publisher, Some(Some("中华书局,")));

    // An Uzbek title in Latin script with its Cyrillic form.
    let uzbek = by_number(&records, "hk-u8-0003");
    assert_eq!(first_sub(uzbek, "245", 'a'), "Oʻzbek xalq ertaklari /");
    let alt = linked_title(uzbek);
    assert_eq!(alt.subfield('a'), Some("Ўзбек халқ эртаклари /"));
    assert_eq!(alt.linkage().and_then(|l| l.script), Some(Script::Cyrillic));
}

#[test]
fn repeated_tags_for_a_romanized_title_and_decomposed_utf8_kept_as_sent() {
    let records = ok_records(read_fixture("utf8_multilingual.mrc", None));
    let hindi = by_number(&records, "hk-u8-0004");
    // This record repeats the 245 for the romanized form instead of using an 880.
    let titles: Vec<&str> = hindi.fields("245").filter_map(|f| f.subfield('a')).collect();
    assert_eq!(titles, ["समरकंद की यात्रा /", "Samarakanda ki\u{304} ya\u{304}tra\u{304} /"]);
    assert!(hindi.parallel_fields().is_empty());
    // UTF-8 input is kept exactly as sent (here: decomposed), not normalised.
    assert!(!is_nfc(titles[1]));
    assert_eq!(first_sub(hindi, "260", 'b'), "Ra\u{304}jakamala Praka\u{304}s\u{301}ana,");
    let extra_blank = records.iter().filter(|r| r.warnings.iter().any(|w| w.contains("extra blank"))).count();
    assert_eq!(extra_blank, 1);
    assert_eq!(hindi.field("300").and_then(|f| f.subfield('a')), Some("144 p. ;"));
}

#[test]
fn cyrillic_from_windows_1251() {
    let records = ok_records(read_fixture("windows1251.mrc", Some(Encoding::Windows1251)));
    assert_eq!(records.len(), 3);
    let first = &records[0];
    assert_eq!(first.control_number(), Some("hk-1251-01"));
    assert_eq!(first_sub(first, "245", 'a'), "История книгопечатания в Средней Азии :");
    assert_eq!(first_sub(first, "100", 'a'), "Смирнова, Ольга Петровна");
    assert_eq!(first_sub(&records[1], "490", 'a'), "Серия «История Востока»");
    assert!(records.iter().all(|r| r.warnings.is_empty()), "{:?}", first.warnings);
}

#[test]
fn windows_1251_is_detected_when_leader_claims_marc8() {
    let records = ok_records(read_fixture("windows1251.mrc", None));
    let first = &records[0];
    assert_eq!(first.leader.character_coding(), ' ');
    assert_eq!(first_sub(first, "100", 'a'), "Смирнова, Ольга Петровна");
    assert!(records.iter().all(|r| r.warnings.iter().any(|w| w.contains("Windows-1251"))));
    assert_eq!(records, ok_records(read_fixture("windows1251.mrc", Some(Encoding::Windows1251))));
}

#[test]
fn cyrillic_from_cp866() {
    for encoding in [Some(Encoding::Cp866), None] {
        let records = ok_records(read_fixture("cp866.mrc", encoding));
        assert_eq!(records.len(), 2);
        assert_eq!(first_sub(&records[0], "245", 'a'), "Библиотеки Средней Азии :", "{encoding:?}");
        assert_eq!(
            records[0].warnings.iter().any(|w| w.contains("CP866")),
            encoding.is_none(),
            "{:?}",
            records[0].warnings
        );
        let abstract_record = &records[1];
        assert_eq!(abstract_record.control_number(), Some("Рахимова Д. С."));
        // This record puts bare text in data fields; the title is 021.
        assert!(first_sub(abstract_record, "021", 'a').starts_with("Автоматизированные библиотечные системы"));
        assert!(abstract_record.warnings.iter().any(|w| w.contains("no subfield delimiters")));
        // Its directory lengths leave out each field terminator: located by terminators.
        assert!(abstract_record.warnings.iter().any(|w| w.contains("terminators")));
        assert_eq!(abstract_record.fields("514").next().and_then(|f| f.subfield('a')), Some("РЖ2009-ВИНИТИ"));
    }
}

#[test]
fn marc8_eacc_han_hangul_and_kana() {
    let records = ok_records(read_fixture("marc8_eacc.mrc", None));
    assert_eq!(records.len(), 4);
    assert!(records.iter().all(|r| r.leader.character_coding() == ' '));

    let chinese = by_number(&records, "hk-m8-0001");
    let alt = linked_title(chinese);
    assert_eq!(alt.subfield('a'), Some("丝绸之路 /"));
    assert_eq!(alt.subfield('c'), Some("曹文林编."));
    assert_eq!(alt.linkage().and_then(|l| l.script), Some(Script::Cjk));
    let imprint = chinese.linked_880(chinese.field("260").expect("260")).expect("260 880");
    assert_eq!(imprint.subfield('b'), Some("人民文学出版社,"));
    let name = chinese.linked_880(chinese.field("100").expect("100")).expect("100 880");
    assert_eq!(name.subfield('a'), Some("曹文林."));

    // ANSEL breves and EACC Hangul in one record.
    let korean = by_number(&records, "hk-m8-0002");
    assert_eq!(first_sub(korean, "245", 'a'), "Han'guk \u{16D}i chaek sa /");
    assert_eq!(linked_title(korean).subfield('a'), Some("한국의 책 사 /"));
    assert_eq!(first_sub(korean, "260", 'a'), "S\u{14F}ul :");

    let japanese = by_number(&records, "hk-m8-0003");
    assert_eq!(linked_title(japanese).subfield('a'), Some("ロシアの歴史."));
    assert_eq!(first_sub(japanese, "260", 'a'), "Tōkyō :");
    let imprint = japanese.linked_880(japanese.field("260").expect("260")).expect("260 880");
    assert_eq!((imprint.subfield('a'), imprint.subfield('b')), (Some("東京 :"), Some("岩波書店,")));

    for record in [chinese, korean, japanese] {
        assert!(record.warnings.is_empty(), "{:?}: {:?}", record.control_number(), record.warnings);
    }
}

#[test]
fn damaged_eacc_is_replaced_not_rejected() {
    let records = ok_records(read_fixture("marc8_eacc.mrc", None));
    let damaged = by_number(&records, "hk-m8-0004");
    assert!(damaged.warnings.iter().any(|w| w.contains("damaged multibyte")), "{:?}", damaged.warnings);
    let alt = linked_title(damaged);
    // The last Han character lost a byte: two replacement characters where it was.
    assert_eq!(alt.subfield('a'), Some("撒马尔罕\u{FFFD}\u{FFFD} /"));
    assert_eq!(alt.subfield('c'), Some("北京中华书局."));
    // The intact records carry no replacement characters.
    let clean = records.iter().filter(|r| r.warnings.is_empty()).count();
    assert_eq!(clean, 3);
}

#[test]
fn marc8_latin_diacritics_become_nfc() {
    let records = ok_records(read_fixture("marc8_scripts.mrc", None));
    let latin = by_number(&records, "hk-m8-0101");
    assert_eq!(first_sub(latin, "245", 'a'), "Łódź i Kraków :");
    assert_eq!(first_sub(latin, "100", 'a'), "Dvořák, Tomáš.");
    let notes: Vec<&str> = latin.fields("500").filter_map(|f| f.subfield('a')).collect();
    assert_eq!(
        notes,
        [
            "Vietnamese: Truyện Kiều; Turkish: Çağdaş Özbek şiiri; Uzbek: Oʻzbekiston.",
            "Danish: Øresund; Icelandic: Þórður; ℗2009 ©2009.",
        ]
    );
    // Two marks on one letter (ệ: dot below, circumflex) compose as well.
    assert!(notes[0].contains('\u{1EC7}'));
    for record in &records {
        assert!(record.warnings.is_empty(), "{:?}", record.warnings);
        for value in record.fields.iter().flat_map(Field::subfields).map(|s| s.value.as_str()) {
            assert!(is_nfc(value), "{value:?} is not NFC");
        }
    }
}

#[test]
fn marc8_cyrillic_escapes_basic_and_extended() {
    let records = ok_records(read_fixture("marc8_scripts.mrc", None));
    let record = by_number(&records, "hk-m8-0102");
    // ALA-LC romanization keeps its ligature ties.
    assert_eq!(first_sub(record, "245", 'a'), "Istorii\u{FE20}a\u{FE21} Bukhary /");
    let alt = linked_title(record);
    assert_eq!(alt.subfield('a'), Some("История Бухары /"));
    assert_eq!(alt.linkage().and_then(|l| l.script), Some(Script::Cyrillic));
    let imprint = record.linked_880(record.field("260").expect("260")).expect("260 880");
    // Ў is in the Extended Cyrillic set: another escape inside the same value.
    assert_eq!(imprint.subfield('b'), Some("Ўзбекистон,"));
    assert_eq!(first_sub(record, "260", 'b'), "Ŭzbekiston,");
}

#[test]
fn hebrew_marc8_is_decoded_right_to_left() {
    let records = ok_records(read_fixture("marc8_scripts.mrc", None));
    let record = by_number(&records, "hk-m8-0103");
    let hebrew = linked_title(record);
    assert_eq!(hebrew.subfield('a'), Some("ספר הזכרונות :"));
    assert_eq!(hebrew.subfield('b'), Some("בוכרה וירושלים."));
    let link = hebrew.linkage().expect("$6");
    assert_eq!(link.script, Some(Script::Hebrew));
    assert!(link.right_to_left);
    // Two 880s without a regular field (occurrence 00): variant titles.
    let unlinked: Vec<&str> = record
        .fields("880")
        .filter(|f| f.linkage().is_some_and(|l| l.occurrence == "00"))
        .filter_map(|f| f.subfield('a'))
        .collect();
    assert_eq!(unlinked, ["זכרונות בוכרה", "סיפור הספרים"]);
    assert_eq!(record.parallel_fields().len(), 1);
}

#[test]
fn broken_records_are_rejected_one_by_one() {
    let bytes = fixture("broken_records.mrc");
    let results = read_records(&bytes, ReadOptions::default());
    let errors: Vec<&RecordError> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    let numbers: Vec<usize> = errors.iter().map(|e| e.record_number).collect();
    assert_eq!(numbers, [2, 3, 4, 5, 6, 7, 8]);
    // The first good record is followed by CR LF, which is skipped, not counted.
    assert_eq!(errors[0].byte_offset, Some(193));
    for e in &errors {
        let offset = e.byte_offset.expect("an offset");
        assert!(bytes[offset..offset + 5].iter().all(u8::is_ascii_digit), "{e}: the offset starts a record");
    }
    let expected = [
        "bad leader: base address of data 9500 is past the end of the record",
        "bad leader: base address of data 20 leaves no room for a directory",
        "bad directory: its length 49 is not a multiple of 12",
        "bad leader: base address of data \"0a2b3\" is not numeric",
        "record has no fields (empty directory)",
        "bad directory: entry 3 (tag 245) has a non-numeric length or offset",
        "bad leader: byte 0x14 at position 7",
    ];
    for (e, reason) in errors.iter().zip(expected) {
        assert!(e.reason.starts_with(reason), "record {}: {:?}, expected {reason:?}", e.record_number, e.reason);
    }
    // The 001 is reported whenever the directory still leads to it.
    let numbered: Vec<(usize, &str)> =
        errors.iter().filter_map(|e| Some((e.record_number, e.control_number.as_deref()?))).collect();
    assert_eq!(numbered, [(4, "hk-bad-0004"), (7, "hk-bad-0007"), (8, "hk-bad-0008"),]);
    // A damaged field costs the field (or its subfield), not the record.
    for (i, id, warning) in [
        (8, "hk-bad-0009", "field 245 $a: invalid UTF-8"),
        (9, "hk-bad-0010", "field 260: a subfield's code is byte 0xE9"),
        (10, "hk-bad-0011", "field 245 (directory entry 3)"),
    ] {
        let record = results[i].as_ref().unwrap_or_else(|e| panic!("record {} is kept: {e}", i + 1));
        assert_eq!(record.control_number(), Some(id));
        assert!(record.warnings.iter().any(|w| w.starts_with(warning)), "{id}: {:?}", record.warnings);
    }
    let good = |i: usize| results[i].as_ref().expect("a good record");
    assert_eq!(first_sub(good(0), "245", 'a'), "Paper and ink in Central Asia :");
    assert_eq!(first_sub(good(12), "245", 'a'), "Bukhara bindings :");
    assert!(good(0).warnings.is_empty() && good(12).warnings.is_empty());
}

#[test]
fn bad_leader_10_11_is_read_with_warning() {
    let results = read_fixture("broken_records.mrc", None);
    let record = results[11].as_ref().expect("record 12 is read");
    assert_eq!(record.control_number(), Some("hk-bad-0012"));
    assert!(record.warnings.iter().any(|w| w.contains("leader/10-11")));
    assert_eq!(first_sub(record, "245", 'a'), "Indicator count zero in the leader");
}

#[test]
fn control_characters_in_structure_reject_the_record() {
    for encoding in [None, Some(Encoding::Utf8)] {
        let results = read_fixture("broken_records.mrc", encoding);
        let err = results[7].as_ref().expect_err("rejected");
        assert_eq!(err.record_number, 8);
        assert_eq!(err.control_number.as_deref(), Some("hk-bad-0008"));
        assert!(err.reason.contains("0x14"), "{}", err.reason);
    }
}

#[test]
fn an_invalid_subfield_code_drops_the_subfield_not_the_record() {
    let results = read_fixture("broken_records.mrc", None);
    let record = results[9].as_ref().expect("kept");
    assert_eq!(record.control_number(), Some("hk-bad-0010"));
    let warning = record.warnings.iter().find(|w| w.contains("field 260")).expect("a warning for 260");
    assert!(warning.contains("0xE9") && warning.contains("dropped"), "{warning}");
}

#[test]
fn invalid_utf8_drops_the_subfield_rather_than_guess() {
    let mut bytes = fixture("utf8_multilingual.mrc");
    // Corrupt one byte inside the last record's 245 $a.
    let pos = bytes.windows(9).position(|w| w == b"paper roa").expect("title bytes");
    bytes[pos] = 0xFF;
    let results = read_records(&bytes, ReadOptions::default());
    assert_eq!(results.len(), 8);
    let record = results[7].as_ref().expect("kept");
    assert_eq!(record.control_number(), Some("hk-u8-0008"));
    let warning = record.warnings.iter().find(|w| w.contains("invalid UTF-8")).expect("a warning");
    assert!(warning.starts_with("field 245 $a") && warning.ends_with("the subfield was dropped"), "{warning}");
    let title = record.field("245").expect("the 245 stays");
    assert!(title.subfield('a').is_none(), "the damaged value is not guessed at");
    assert!(results[..7].iter().all(Result::is_ok));
}

#[test]
fn truncated_file_keeps_whole_records() {
    let results = read_fixture("truncated.mrc", None);
    assert_eq!(results.len(), 4);
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 3);
    let err = results[3].as_ref().expect_err("truncated tail");
    assert_eq!((err.record_number, err.byte_offset), (4, Some(551)));
    assert_eq!(err.control_number.as_deref(), Some("hk-bad-0023"));
    assert!(err.reason.contains("truncated"), "{}", err.reason);

    // Any whole file cut short loses only its last record.
    let bytes = fixture("utf8_multilingual.mrc");
    let results = read_records(&bytes[..bytes.len() - 100], ReadOptions::default());
    assert_eq!(results.len(), 8);
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 7);
    assert!(results[7].as_ref().is_err_and(|e| e.record_number == 8 && e.reason.contains("truncated")));
}

#[test]
fn garbage_between_records_does_not_stop_reading() {
    let good = fixture("utf8_multilingual.mrc");
    let mut bytes = b"not a record at all\x1d\r\n".to_vec();
    bytes.extend_from_slice(&good);
    let results = read_records(&bytes, ReadOptions::default());
    assert_eq!(results.len(), 9);
    assert!(results[0].is_err());
    assert_eq!(results[1].as_ref().map(|r| r.control_number()), Ok(Some("hk-u8-0001")));
    assert_eq!(
        results[8].as_ref().ok().and_then(|r| r.field("245")).and_then(|f| f.subfield('a')),
        Some("The paper road :")
    );
}

#[test]
fn iso2709_and_marcxml_of_the_same_records_are_equal() {
    let from_iso = ok_records(read_fixture("utf8_multilingual.mrc", None));
    let from_xml = ok_records(read_fixture("collection.xml", None));
    assert_eq!(from_iso.len(), 8);
    assert_eq!(from_iso, from_xml);
    assert_eq!(first_sub(&from_xml[7], "245", 'a'), "The paper road :");
}

#[test]
fn marcxml_round_trip() {
    for (name, encoding) in [
        ("utf8_multilingual.mrc", None),
        ("marc8_eacc.mrc", None),
        ("marc8_scripts.mrc", None),
        ("windows1251.mrc", Some(Encoding::Windows1251)),
        ("cp866.mrc", Some(Encoding::Cp866)),
    ] {
        let records = ok_records(read_fixture(name, encoding));
        let xml = to_marcxml(&records);
        assert!(xml.contains("<collection xmlns=\"http://www.loc.gov/MARC21/slim\">"));
        let back = ok_records(read_records(xml.as_bytes(), ReadOptions::default()));
        assert_eq!(back.len(), records.len(), "{name}");
        for (a, b) in records.iter().zip(&back) {
            assert_eq!(a.fields, b.fields, "{name}");
            assert_eq!(b.leader.character_coding(), 'a');
            assert_eq!(a.leader.with(9, 'a'), b.leader);
        }
    }
}

#[test]
fn iso2709_round_trip_writes_utf8() {
    for (name, encoding) in [
        ("utf8_multilingual.mrc", None),
        ("marc8_eacc.mrc", None),
        ("marc8_scripts.mrc", None),
        ("windows1251.mrc", None),
        ("cp866.mrc", Some(Encoding::Cp866)),
    ] {
        let records = ok_records(read_fixture(name, encoding));
        let mut out = Vec::new();
        for r in &records {
            out.extend(to_iso2709(r).expect("writable"));
        }
        let back = ok_records(read_records(&out, ReadOptions::default()));
        assert_eq!(back.len(), records.len());
        for (a, b) in records.iter().zip(&back) {
            assert_eq!(a.fields, b.fields, "{name}");
            assert_eq!(b.leader.character_coding(), 'a');
            assert!(b.warnings.is_empty(), "{name}: {:?}", b.warnings);
        }
    }
}

#[test]
fn marcxml_collection_with_a_serial() {
    let records = ok_records(read_fixture("collection.xml", None));
    let serial = by_number(&records, "hk-u8-0007");
    assert_eq!(serial.leader.bibliographic_level(), 's');
    assert_eq!(first_sub(serial, "245", 'a'), "Central Asian library review.");
    let issns: Vec<&str> = serial.fields("022").filter_map(|f| f.subfield('a')).collect();
    assert_eq!(issns, ["2181-0427", "2181-0435"]);
}

#[test]
fn marcxml_bad_records_are_reported_and_skipped() {
    let results = read_fixture("bad_records.xml", None);
    assert_eq!(results.len(), 8);
    let good: Vec<Option<&str>> = results.iter().filter_map(|r| r.as_ref().ok()).map(Record::control_number).collect();
    assert_eq!(good, [Some("hk-x-01"), Some("hk-x-03"), Some("hk-x-06")]);
    let errors: Vec<(usize, &str)> =
        results.iter().filter_map(|r| r.as_ref().err()).map(|e| (e.record_number, e.reason.as_str())).collect();
    let expected = [
        (2, "bad leader"),
        (4, "ind1 \"10\" is not a single character"),
        (5, "&nbsp;"),
        (7, "record has no leader"),
        (8, "truncated record at end of document"),
    ];
    assert_eq!(errors.len(), expected.len(), "{errors:?}");
    for ((number, reason), (want_number, want)) in errors.iter().zip(expected) {
        assert_eq!(*number, want_number);
        assert!(reason.contains(want), "record {number}: {reason:?}, expected {want:?}");
    }
    let first = results[0].as_ref().expect("record 1");
    assert_eq!(first_sub(first, "245", 'a'), "Margins & marginalia /");
    let third = results[2].as_ref().expect("record 3");
    assert_eq!(first_sub(third, "245", 'a'), "Qo\u{2018}lyozmalar fondi \u{2014} 格");
}

#[test]
fn a_unimarc_record_reads_but_has_no_245() {
    let records = ok_records(read_fixture("unimarc.mrc", None));
    let unimarc = &records[1];
    assert_eq!(unimarc.control_number(), Some("hk-uni-02"));
    assert!(unimarc.field("245").is_none());
    assert_eq!(first_sub(unimarc, "200", 'a'), "Библиотеки Великого шелкового пути");
    assert!(unimarc.warnings.iter().any(|w| w.contains("UTF-8")), "{:?}", unimarc.warnings);
}

#[test]
fn reading_a_thousand_records_is_fast() {
    let bytes = fixture("utf8_multilingual.mrc").repeat(125);
    let start = std::time::Instant::now();
    let results = read_records(&bytes, ReadOptions::default());
    let elapsed = start.elapsed();
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1000);
    // As generous as the bound over the corpus: debug builds on a loaded machine.
    assert!(elapsed.as_secs() < 5, "{elapsed:?}");
}

#[test]
fn fuzzed_fixtures_never_panic() {
    fuzz(&fixture("marc8_eacc.mrc"), &fixture("collection.xml"));
    fuzz(&fixture("broken_records.mrc"), &fixture("bad_records.xml"));
}
