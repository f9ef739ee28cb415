//! Tests over the real partner and reference files of the MARC corpus (see
//! `crate::test_corpus`): skipped when the corpus is absent. The repository's own fixtures
//! cover the same kinds of input in `fixture_tests.rs`.

use std::path::Path;

use super::*;
use crate::test_corpus::Corpus;

pub(super) fn read_file(path: &Path, encoding: Option<Encoding>) -> Vec<Result<Record, RecordError>> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    read_records(&bytes, ReadOptions { encoding })
}

pub(super) fn ok_records(results: Vec<Result<Record, RecordError>>) -> Vec<Record> {
    results.into_iter().map(|r| r.unwrap_or_else(|e| panic!("unexpected error: {e}"))).collect()
}

pub(super) fn first_sub<'a>(record: &'a Record, tag: &str, code: char) -> &'a str {
    record
        .fields(tag)
        .find_map(|f| f.subfield(code))
        .unwrap_or_else(|| panic!("no {tag}${code} in {:?}", record.control_number()))
}

/// Converts each line of `marc8` and compares it with the same line of `utf8`: every one
/// must match exactly and convert without errors. Returns how many lines were compared.
pub(super) fn check_vectors(marc8: &[u8], utf8: &str) -> usize {
    let marc8_lines: Vec<&[u8]> = marc8.split(|&b| b == b'\n').collect();
    let utf8_lines: Vec<&str> = utf8.split('\n').collect();
    assert_eq!(marc8_lines.len(), utf8_lines.len());
    let mut mismatches = Vec::new();
    let mut compared = 0;
    for (i, (m, u)) in marc8_lines.iter().zip(&utf8_lines).enumerate() {
        if m.is_empty() && u.is_empty() {
            continue; // the trailing newline
        }
        compared += 1;
        let got = marc8_to_unicode(m);
        if got.text != *u {
            mismatches.push(format!("line {}: got {:?}, want {:?}", i + 1, got.text, u));
        } else {
            assert_eq!(got.errors, 0, "line {} converted with errors", i + 1);
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches[..mismatches.len().min(20)].join("\n")
    );
    compared
}

#[test]
fn marc8_conversion_vectors_all_match() {
    let Some(corpus) = Corpus::find() else { return };
    let marc8 = corpus.read("test_marc8.txt");
    let utf8 = String::from_utf8(corpus.read("test_utf8.txt")).expect("UTF-8 vectors");
    assert_eq!(check_vectors(&marc8, &utf8), 1515);
}

#[test]
fn record_counts_for_every_file() {
    let Some(corpus) = Corpus::find() else { return };
    // (file, results, of which Ok)
    let expected: &[(&str, usize, usize)] = &[
        ("pride-and-prejudice-fixed.mrc", 383, 383),
        ("chabon.mrc", 2, 2),
        ("chabon.xml", 2, 2),
        ("brkrtest.mrc", 8, 8),
        ("chinese_mangled_multibyte.mrc", 4, 4),
        ("bad_leaders_10_11.mrc", 1, 1),
        ("bad-characters-in-various-fields.mrc", 1, 0),
        ("nepali.marc", 96, 96),
        ("hebrew.marc", 20, 20),
        ("serials_marc21.xml", 7, 7),
        ("lul_fre_500.mrc", 500, 500),
        ("jazz_1k.mrc", 1000, 1000),
        ("1251.dat", 6, 6),
        ("utf8_invalid.mrc", 1, 1),
        ("bad_records.mrc", 8, 2),
        ("batch.xml", 2, 2),
        ("cp866_multirecord.marc", 2, 2),
    ];
    for &(name, total, ok) in expected {
        let results = read_file(&corpus.path(name), None);
        assert_eq!(results.len(), total, "{name}: number of results");
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), ok, "{name}: records read");
    }
}

#[test]
fn every_file_in_the_data_directory_is_covered() {
    let Some(corpus) = Corpus::find() else { return };
    let mut names: Vec<String> = std::fs::read_dir(corpus.dir())
        .expect("data dir")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n != "README.md")
        .collect();
    names.sort();
    let covered = [
        "1251.dat",
        "bad-characters-in-various-fields.mrc",
        "bad_leaders_10_11.mrc",
        "bad_records.mrc",
        "batch.xml",
        "brkrtest.mrc",
        "chabon.mrc",
        "chabon.xml",
        "chinese_mangled_multibyte.mrc",
        "cp866_multirecord.marc",
        "hebrew.marc",
        "jazz_1k.mrc",
        "lul_fre_500.mrc",
        "nepali.marc",
        "pride-and-prejudice-fixed.mrc",
        "serials_marc21.xml",
        "test_marc8.txt",
        "test_utf8.txt",
        "utf8_invalid.mrc",
    ];
    assert_eq!(names, covered, "a data file was added or removed: add tests for it");
}

#[test]
fn pride_and_prejudice_chinese_880_fields_are_linked() {
    let Some(corpus) = Corpus::find() else { return };
    let records = ok_records(read_file(&corpus.path("pride-and-prejudice-fixed.mrc"), None));
    let with_880: Vec<&Record> = records.iter().filter(|r| r.field("880").is_some()).collect();
    assert!(!with_880.is_empty());
    // Find the record whose 880 carries the Han title 傲慢与偏见.
    let record = records
        .iter()
        .find(|r| r.fields("880").any(|f| f.subfield('a') == Some("傲慢与偏见 /")))
        .expect("record with Chinese 880 title");
    let title = record.field("245").expect("245");
    let alt = record.linked_880(title).expect("245 is linked to an 880");
    assert_eq!(alt.subfield('c'), Some("奧斯丁著 ; 张玲, 张扬译."));
    let link = alt.linkage().expect("880 $6");
    assert_eq!(link.tag, "245");
    assert_eq!(link.occurrence, "01");
    assert_eq!(link.script, Some(Script::Cjk));
    assert_eq!(record.linked_field(alt), Some(title));
    let pairs = record.parallel_fields();
    assert!(pairs.len() >= 5, "{} pairs", pairs.len());
    assert!(pairs.iter().all(|(f, alt)| { alt.tag() == "880" && alt.linkage().is_some_and(|l| l.tag == f.tag()) }));
    let publisher = pairs.iter().find(|(f, _)| f.tag() == "260").map(|(_, alt)| alt.subfield('b'));
    assert_eq!(publisher, Some(Some("人民文学出版社,")));
}

#[test]
fn nepali_devanagari_and_romanized_fields() {
    let Some(corpus) = Corpus::find() else { return };
    let records = ok_records(read_file(&corpus.path("nepali.marc"), None));
    let first = &records[0];
    // This file repeats the tag for the romanized form instead of using 880s.
    let titles: Vec<&str> = first.fields("245").filter_map(|f| f.subfield('a')).collect();
    assert_eq!(titles.len(), 2);
    assert!(titles[0].starts_with("बिहानी"));
    assert!(titles[1].starts_with("Biha\u{304}ni\u{304}"));
    assert!(first.parallel_fields().is_empty());
    // UTF-8 input is kept exactly as sent (here: decomposed), not normalised.
    let extra_blank = records.iter().filter(|r| r.warnings.iter().any(|w| w.contains("extra blank"))).count();
    assert_eq!(extra_blank, 1);
}

#[test]
fn cyrillic_from_windows_1251() {
    let Some(corpus) = Corpus::find() else { return };
    let records = ok_records(read_file(&corpus.path("1251.dat"), Some(Encoding::Windows1251)));
    assert_eq!(records.len(), 6);
    let first = &records[0];
    assert_eq!(first.control_number(), Some("ru03-000001RKP"));
    assert_eq!(first_sub(first, "245", 'a'), "Основы гидравлического расчета инженерных сетей");
    assert_eq!(first_sub(first, "100", 'a'), "Ильина, Татьяна Николаевна");
    assert!(first.warnings.is_empty(), "{:?}", first.warnings);
}

#[test]
fn windows_1251_is_detected_when_leader_claims_marc8() {
    let Some(corpus) = Corpus::find() else { return };
    let records = ok_records(read_file(&corpus.path("1251.dat"), None));
    let first = &records[0];
    assert_eq!(first.leader.character_coding(), ' ');
    assert_eq!(first_sub(first, "100", 'a'), "Ильина, Татьяна Николаевна");
    assert!(first.warnings.iter().any(|w| w.contains("Windows-1251")));
}

#[test]
fn cyrillic_from_cp866() {
    let Some(corpus) = Corpus::find() else { return };
    for encoding in [Some(Encoding::Cp866), None] {
        let records = ok_records(read_file(&corpus.path("cp866_multirecord.marc"), encoding));
        assert_eq!(records.len(), 2);
        let first = &records[0];
        assert_eq!(first.control_number(), Some("Никитенко Е. А."));
        // This export puts bare text in data fields; the title is 021.
        assert!(first_sub(first, "021", 'a').starts_with("Автоматизация проектирования"), "{encoding:?}");
        // Its directory lengths are one byte off: located by terminators.
        assert!(first.warnings.iter().any(|w| w.contains("terminators")));
        assert_eq!(first.fields("514").next().and_then(|f| f.subfield('a')), Some("AB2007-ВИНИТИ"));
    }
}

#[test]
fn hebrew_marc8_is_decoded() {
    let Some(corpus) = Corpus::find() else { return };
    let records = ok_records(read_file(&corpus.path("hebrew.marc"), None));
    assert_eq!(records.len(), 20);
    let record = records.iter().find(|r| r.control_number() == Some("13810341")).expect("record 13810341");
    let title = record.field("245").expect("245");
    let hebrew = record.linked_880(title).expect("linked 880");
    assert_eq!(hebrew.subfield('a'), Some("לתורה בלמועדים :"));
    let link = hebrew.linkage().expect("$6");
    assert_eq!(link.script, Some(Script::Hebrew));
    assert!(link.right_to_left);
    let hebrew_letters = records
        .iter()
        .flat_map(|r| r.fields("880"))
        .flat_map(Field::subfields)
        .filter(|s| s.value.chars().any(|c| ('\u{5D0}'..='\u{5EA}').contains(&c)))
        .count();
    assert!(hebrew_letters > 40, "{hebrew_letters}");
}

#[test]
fn marc8_latin_diacritics_from_brkrtest() {
    let Some(corpus) = Corpus::find() else { return };
    let records = ok_records(read_file(&corpus.path("brkrtest.mrc"), None));
    let notes: Vec<&str> = records.iter().flat_map(|r| r.fields("500")).filter_map(|f| f.subfield('a')).collect();
    assert!(notes.contains(&"This is a test of diacritics like the uppercase Polish L in Łódź"));
    assert!(notes.contains(&"the uppercase Scandinavia O in Øst"));
    assert!(records.iter().all(|r| r.warnings.is_empty()));
}

#[test]
fn mangled_cjk_is_replaced_not_rejected() {
    let Some(corpus) = Corpus::find() else { return };
    let records = ok_records(read_file(&corpus.path("chinese_mangled_multibyte.mrc"), None));
    assert_eq!(records.len(), 4);
    let damaged = records.iter().find(|r| r.control_number() == Some("u6080510")).expect("u6080510");
    assert!(!damaged.warnings.is_empty());
    let title = damaged.field("245").expect("245");
    let alt = damaged.linked_880(title).expect("880");
    assert!(alt.subfield('a').is_some_and(|a| a.contains('\u{FFFD}')));
    assert!(alt.subfield('c').is_some_and(|c| c.starts_with("长春电影制片厂")));
    // The intact records carry no replacement characters.
    let clean = records.iter().filter(|r| r.warnings.is_empty()).count();
    assert_eq!(clean, 3);
}

#[test]
fn bad_records_are_rejected_one_by_one() {
    let Some(corpus) = Corpus::find() else { return };
    let results = read_file(&corpus.path("bad_records.mrc"), None);
    let reasons: Vec<(usize, Option<usize>, String)> = results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .map(|e| (e.record_number, e.byte_offset, e.reason.clone()))
        .collect();
    let numbers: Vec<usize> = reasons.iter().map(|r| r.0).collect();
    assert_eq!(numbers, [2, 3, 4, 5, 6, 7]);
    assert_eq!(reasons[0].1, Some(127));
    assert!(reasons[0].2.contains("base address of data 99937"));
    assert!(reasons[1].2.contains("leaves no room for a directory"));
    assert!(reasons[2].2.contains("not a multiple of 12"));
    assert!(reasons[4].2.contains("not numeric"));
    assert!(reasons[5].2.contains("no fields"));
    for i in [0, 7] {
        let record = results[i].as_ref().expect("good record");
        assert_eq!(first_sub(record, "245", 'a'), "The pragmatic programmer : ");
    }
}

#[test]
fn bad_leader_10_11_is_read_with_warning() {
    let Some(corpus) = Corpus::find() else { return };
    let records = ok_records(read_file(&corpus.path("bad_leaders_10_11.mrc"), None));
    assert_eq!(records[0].control_number(), Some("2600772"));
    assert!(records[0].warnings.iter().any(|w| w.contains("leader/10-11")));
    assert!(records[0].field("245").is_some());
}

#[test]
fn control_characters_in_structure_reject_the_record() {
    let Some(corpus) = Corpus::find() else { return };
    let results = read_file(&corpus.path("bad-characters-in-various-fields.mrc"), None);
    let err = results[0].as_ref().expect_err("rejected");
    assert_eq!(err.record_number, 1);
    assert_eq!(err.byte_offset, Some(0));
    assert_eq!(err.control_number.as_deref(), Some("o747947354"));
    assert!(err.reason.contains("0x14"), "{}", err.reason);
    // With the encoding given, the leader is still bad: it cannot be written out.
    let results = read_file(&corpus.path("bad-characters-in-various-fields.mrc"), Some(Encoding::Utf8));
    assert!(results[0].is_err());
}

#[test]
fn an_invalid_subfield_code_drops_the_subfield_not_the_record() {
    let Some(corpus) = Corpus::find() else { return };
    let results = read_file(&corpus.path("utf8_invalid.mrc"), None);
    let record = results[0].as_ref().expect("kept");
    assert_eq!(record.control_number(), Some("144917"));
    assert!(record.warnings.iter().any(|w| w.contains("field 260") && w.contains("dropped")), "{:?}", record.warnings);
}

#[test]
fn invalid_utf8_drops_the_subfield_rather_than_guess() {
    let Some(corpus) = Corpus::find() else { return };
    let mut bytes = corpus.read("chabon.mrc");
    // Corrupt one byte inside the first record's 245 $a.
    let pos = bytes.windows(7).position(|w| w == b"amazing").expect("title bytes");
    bytes[pos] = 0xFF;
    let results = read_records(&bytes, ReadOptions::default());
    assert_eq!(results.len(), 2);
    let record = results[0].as_ref().expect("kept");
    assert!(
        record.warnings.iter().any(|w| w.starts_with("field 245 $a: invalid UTF-8") && w.ends_with("dropped")),
        "{:?}",
        record.warnings
    );
    assert!(results[1].is_ok());
}

#[test]
fn truncated_file_keeps_whole_records() {
    let Some(corpus) = Corpus::find() else { return };
    let bytes = corpus.read("jazz_1k.mrc");
    let cut = &bytes[..bytes.len() - 100];
    let results = read_records(cut, ReadOptions::default());
    assert_eq!(results.len(), 1000);
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 999);
    let err = results[999].as_ref().expect_err("truncated tail");
    assert_eq!(err.record_number, 1000);
    assert!(err.reason.contains("truncated"), "{}", err.reason);
}

#[test]
fn garbage_between_records_does_not_stop_reading() {
    let Some(corpus) = Corpus::find() else { return };
    let good = corpus.read("chabon.mrc");
    let mut bytes = b"not a record at all\x1d\r\n".to_vec();
    bytes.extend_from_slice(&good);
    let results = read_records(&bytes, ReadOptions::default());
    assert_eq!(results.len(), 3);
    assert!(results[0].is_err());
    assert_eq!(results[1].as_ref().map(|r| r.control_number()), Ok(Some("11939876")));
    assert_eq!(
        results[2].as_ref().ok().and_then(|r| r.field("245")).and_then(|f| f.subfield('a')),
        Some("Summerland /")
    );
}

#[test]
fn iso2709_and_marcxml_of_chabon_are_equal() {
    let Some(corpus) = Corpus::find() else { return };
    let from_iso = ok_records(read_file(&corpus.path("chabon.mrc"), None));
    let from_xml = ok_records(read_file(&corpus.path("chabon.xml"), None));
    assert_eq!(from_iso.len(), 2);
    assert_eq!(from_iso, from_xml);
    assert_eq!(first_sub(&from_iso[0], "245", 'a'), "The amazing adventures of Kavalier and Clay :");
}

#[test]
fn marcxml_round_trip() {
    let Some(corpus) = Corpus::find() else { return };
    for (name, encoding) in [
        ("chabon.mrc", None),
        ("pride-and-prejudice-fixed.mrc", None),
        ("hebrew.marc", None),
        ("1251.dat", Some(Encoding::Windows1251)),
    ] {
        let records = ok_records(read_file(&corpus.path(name), encoding));
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
    let Some(corpus) = Corpus::find() else { return };
    for (name, encoding) in [
        ("chabon.mrc", None),
        ("brkrtest.mrc", None),
        ("hebrew.marc", None),
        ("cp866_multirecord.marc", Some(Encoding::Cp866)),
    ] {
        let records = ok_records(read_file(&corpus.path(name), encoding));
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
fn marcxml_variants_are_read() {
    let prefixed = "\u{FEFF}<?xml version=\"1.0\"?>\n<marc:collection xmlns:marc=\"http://www.loc.gov/MARC21/slim\">\
        <marc:record><marc:leader>00000nam a2200000 a 4500</marc:leader>\
        <marc:controlfield tag=\"001\">x1</marc:controlfield>\
        <marc:datafield tag=\"245\" ind1=\"1\" ind2=\"0\"><marc:subfield code=\"a\">Tom &amp; Jerry &#x4E00; </marc:subfield></marc:datafield>\
        </marc:record></marc:collection>";
    let records = ok_records(read_records(prefixed.as_bytes(), ReadOptions::default()));
    assert_eq!(records[0].control_number(), Some("x1"));
    assert_eq!(first_sub(&records[0], "245", 'a'), "Tom & Jerry \u{4E00} ");

    let bare = "<record><leader>00000nam a2200000 a 4500</leader>\
        <datafield tag=\"245\" ind1=\"0\" ind2=\"0\"><subfield code=\"a\">Solo</subfield></datafield></record>";
    let records = ok_records(read_records(bare.as_bytes(), ReadOptions::default()));
    assert_eq!(first_sub(&records[0], "245", 'a'), "Solo");

    let Some(corpus) = Corpus::find() else { return };
    let records = ok_records(read_file(&corpus.path("batch.xml"), None));
    assert_eq!(records.len(), 2);
    assert_eq!(first_sub(&records[0], "245", 'a'), "The Great Ray Charles");
    let serials = ok_records(read_file(&corpus.path("serials_marc21.xml"), None));
    assert_eq!(serials[0].control_number(), Some("21061"));
    assert_eq!(first_sub(&serials[0], "245", 'a'), "Circulation research");
}

#[test]
fn marcxml_bad_records_are_reported_and_skipped() {
    let xml = "<collection>\
        <record><leader>too short</leader><controlfield tag=\"001\">a</controlfield></record>\
        <record><leader>00000nam a2200000 a 4500</leader><datafield tag=\"245\" ind1=\"10\" ind2=\" \"><subfield code=\"a\">x</subfield></datafield></record>\
        <record><leader>00000nam a2200000 a 4500</leader><controlfield tag=\"001\">ok</controlfield></record>\
        <record><leader>00000nam a2200000 a 4500</leader><controlfield tag=\"001\">cut";
    let results = read_records(xml.as_bytes(), ReadOptions::default());
    assert_eq!(results.len(), 4);
    assert!(results[0].as_ref().is_err_and(|e| e.reason.contains("leader")));
    assert!(results[1].as_ref().is_err_and(|e| e.reason.contains("ind1")));
    assert_eq!(results[2].as_ref().map(|r| r.control_number()), Ok(Some("ok")));
    assert!(results[3].as_ref().is_err_and(|e| e.record_number == 4));
}

#[test]
fn format_detection() {
    assert_eq!(detect_format(b"  \n<collection/>"), Format::MarcXml);
    assert_eq!(detect_format(b"\xEF\xBB\xBF<record/>"), Format::MarcXml);
    assert_eq!(detect_format(b"00127     2200037   4500"), Format::Iso2709);
    assert!(read_records(b"", ReadOptions::default()).is_empty());
}

#[test]
fn reading_jazz_is_fast() {
    let Some(corpus) = Corpus::find() else { return };
    let bytes = corpus.read("jazz_1k.mrc");
    let start = std::time::Instant::now();
    let results = read_records(&bytes, ReadOptions::default());
    let elapsed = start.elapsed();
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1000);
    // Generous bound so that debug builds on a loaded CI machine pass too; a
    // release build takes a few tens of milliseconds.
    assert!(elapsed.as_secs() < 5, "{elapsed:?}");
}

/// Damages `seed` (ISO 2709) and `xml` (MARCXML) at pseudo-random places, many times over:
/// reading, writing and truncating must end in errors, never in a panic.
pub(super) fn fuzz(seed: &[u8], xml: &[u8]) {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..300 {
        let mut bytes = seed.to_vec();
        for _ in 0..20 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let i = (state % bytes.len() as u64) as usize;
            bytes[i] = (state >> 32) as u8;
        }
        for encoding in [None, Some(Encoding::Marc8), Some(Encoding::Utf8)] {
            for r in read_records(&bytes, ReadOptions { encoding }).into_iter().flatten() {
                let _ = to_iso2709(&r);
                let _ = to_marcxml(std::slice::from_ref(&r));
            }
        }
        let cut = (state % bytes.len() as u64) as usize;
        let _ = read_records(&bytes[..cut], ReadOptions::default());
    }
    // Same for MARCXML: damaged markup must end in errors, not panics.
    for _ in 0..300 {
        let mut bytes = xml.to_vec();
        for _ in 0..5 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let i = (state % bytes.len() as u64) as usize;
            bytes[i] = b"<>&\"/ax;#"[(state >> 40) as usize % 9];
        }
        let _ = read_records(&bytes, ReadOptions::default());
    }
}

#[test]
fn fuzzed_input_never_panics() {
    let Some(corpus) = Corpus::find() else { return };
    fuzz(&corpus.read("chinese_mangled_multibyte.mrc"), &corpus.read("chabon.xml"));
}
