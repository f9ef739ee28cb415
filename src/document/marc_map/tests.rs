use super::read::year_in_text;
use super::relators::{role_from_code, role_from_term};
use super::write::{indicators, new_008};
use super::*;
use crate::document::{Contributor, ContributorRole, Description, DocumentFormat, ParallelTitle};
use crate::marc::{Encoding, ReadOptions, read_records, to_iso2709, to_marcxml};
use crate::test_corpus::Corpus;

// The tests that read files here use the MARC corpus (see `crate::test_corpus`) and are
// skipped without it; `fixture_tests.rs` asserts the same kinds of mapping over the
// repository's own fixtures.

/// Every readable record of a file's bytes (the reader's errors are the reader's tests'
/// business).
pub(super) fn records_of(bytes: &[u8], encoding: Option<Encoding>) -> Vec<Record> {
    read_records(bytes, ReadOptions { encoding }).into_iter().filter_map(Result::ok).collect()
}

/// Every readable record of a corpus file.
fn records(corpus: &Corpus, name: &str, encoding: Option<Encoding>) -> Vec<Record> {
    records_of(&corpus.read(name), encoding)
}

pub(super) fn by_number<'a>(records: &'a [Record], number: &str) -> &'a Record {
    records.iter().find(|r| r.control_number() == Some(number)).unwrap_or_else(|| panic!("no record {number}"))
}

pub(super) fn valid(record: &Record) -> Description {
    let d = description_from_marc(record).unwrap_or_else(|e| panic!("{:?}: {e}", record.control_number()));
    d.validate().unwrap_or_else(|e| panic!("{:?}: {e}", record.control_number()))
}

pub(super) fn person(name: &str, role: ContributorRole) -> Contributor {
    Contributor { name: name.to_owned(), role, parallel_name: None }
}

pub(super) fn sub<'a>(record: &'a Record, tag: &str, code: char) -> Option<&'a str> {
    record.fields(tag).find_map(|f| f.subfield(code))
}

const ALL_FILES: &[(&str, Option<Encoding>)] = &[
    ("pride-and-prejudice-fixed.mrc", None),
    ("chabon.mrc", None),
    ("chabon.xml", None),
    ("brkrtest.mrc", None),
    ("chinese_mangled_multibyte.mrc", None),
    ("bad_leaders_10_11.mrc", None),
    ("bad-characters-in-various-fields.mrc", None),
    ("nepali.marc", None),
    ("hebrew.marc", None),
    ("serials_marc21.xml", None),
    ("lul_fre_500.mrc", None),
    ("jazz_1k.mrc", None),
    ("1251.dat", Some(Encoding::Windows1251)),
    ("utf8_invalid.mrc", None),
    ("bad_records.mrc", None),
    ("batch.xml", None),
    ("cp866_multirecord.marc", Some(Encoding::Cp866)),
];

#[test]
fn isbd_punctuation_is_trimmed_but_abbreviations_keep_their_period() {
    assert_eq!(
        trim_isbd("The amazing adventures of Kavalier and Clay :"),
        "The amazing adventures of Kavalier and Clay"
    );
    assert_eq!(trim_isbd("Summerland /"), "Summerland");
    assert_eq!(trim_isbd("Chabon, Michael."), "Chabon, Michael");
    assert_eq!(trim_isbd("Austen, Jane, 1775-1817."), "Austen, Jane, 1775-1817");
    assert_eq!(trim_isbd("Lovano, Joe, 1952-"), "Lovano, Joe, 1952-");
    assert_eq!(trim_isbd("Fantasy."), "Fantasy");
    assert_eq!(trim_isbd("Comic books, strips, etc."), "Comic books, strips, etc.");
    assert_eq!(trim_isbd("1st ed."), "1st ed.");
    assert_eq!(trim_isbd("Smith, J."), "Smith, J.");
    assert_eq!(trim_isbd("М."), "М.");
    assert_eq!(trim_isbd("that is, i.e."), "that is, i.e.");
    assert_eq!(trim_isbd("ספר דברי יעקב;"), "ספר דברי יעקב");
    assert_eq!(trim_isbd("Title. /"), "Title");
    assert_eq!(trim_isbd("  傲慢与偏见 = "), "傲慢与偏见");
    assert_eq!(trim_isbd("639 p. ; 25 cm."), "639 p. ; 25 cm");
}

#[test]
fn years_relator_terms_and_scripts() {
    assert_eq!(year_in_text("c1998."), Some(1998));
    assert_eq!(year_in_text("[2003?]"), Some(2003));
    assert_eq!(year_in_text("1993 (2003 yin)"), Some(1993));
    assert_eq!(year_in_text("19--"), None);
    assert_eq!(role_from_term("ed."), Some(ContributorRole::Editor));
    assert_eq!(role_from_term("Translator."), Some(ContributorRole::Translator));
    assert_eq!(role_from_term("joint author"), Some(ContributorRole::Author));
    assert_eq!(role_from_term("comp."), Some(ContributorRole::Compiler));
    assert_eq!(role_from_term("пер."), Some(ContributorRole::Translator));
    assert_eq!(role_from_term("譯."), Some(ContributorRole::Translator));
    assert_eq!(role_from_code("http://id.loc.gov/vocabulary/relators/ill"), Some(ContributorRole::Illustrator));
    assert_eq!(role_from_code("cmp"), Some(ContributorRole::Composer));
    assert_eq!(detect_script("Война и мир"), Some("Cyrl"));
    assert_eq!(detect_script("한국의 책"), Some("Kore"));
    assert_eq!(detect_script("吾輩は猫である"), Some("Jpan"));
    assert_eq!(detect_script("123 -"), None);
    assert_eq!(new_008().chars().count(), 40);
}

#[test]
fn chinese_record_gets_its_han_title_and_names() {
    let Some(corpus) = Corpus::find() else { return };
    let all = records(&corpus, "pride-and-prejudice-fixed.mrc", None);
    let d = valid(by_number(&all, "004054751"));
    assert_eq!(d.title, "Ao man yu pian jian");
    assert_eq!(
        d.parallel_titles,
        vec![ParallelTitle { title: "傲慢与偏见".to_owned(), subtitle: None, script: Some("Hani".to_owned()) }]
    );
    assert_eq!(d.contributors[0], person("Austen, Jane, 1775-1817", ContributorRole::Author));
    assert_eq!(
        d.contributors[1],
        Contributor {
            name: "Zhang, Ling".to_owned(),
            role: ContributorRole::Contributor,
            parallel_name: Some("张玲".to_owned())
        }
    );
    assert_eq!(d.languages, ["zho"], "008 and 041 $a say chi; 041 $h eng is the language of the original");
    assert_eq!(
        (d.place.as_deref(), d.publisher.as_deref()),
        (Some("Beijing Shi"), Some("Ren min wen xue chu ban she"))
    );
    assert_eq!(d.year, Some(1993));
    assert_eq!(d.edition.as_deref(), Some("Beijing di 1 ban"));
    assert_eq!(d.series_title.as_deref(), Some("Ming zhu ming yi cha tu ben"));
    assert_eq!(d.isbns, ["9787020040179"]);

    // "傲慢与偏见 =$bPride & prejudice": after " =" comes a parallel title, not a subtitle.
    let with_equals = all
        .iter()
        .find(|r| r.fields("880").any(|f| f.subfield('b') == Some("Pride & prejudice /")))
        .expect("the record with a parallel English title");
    let d = valid(with_equals);
    assert!(d.parallel_titles.contains(&ParallelTitle {
        title: "傲慢与偏见".to_owned(),
        subtitle: None,
        script: Some("Hani".to_owned())
    }));
    assert!(d.parallel_titles.iter().any(|t| t.title == "Pride & prejudice" && t.script.is_none()));
    let han = all
        .iter()
        .filter_map(|r| description_from_marc(r).ok())
        .filter(|d| d.parallel_titles.iter().any(|t| t.script.as_deref() == Some("Hani")));
    assert!(han.count() >= 10, "every record with an 880 for its 245 in $1 script");
}

#[test]
fn russian_records_in_windows_1251() {
    let Some(corpus) = Corpus::find() else { return };
    let all = records(&corpus, "1251.dat", Some(Encoding::Windows1251));
    assert_eq!(all.len(), 6);
    let d = valid(&all[0]);
    assert_eq!(d.title, "Основы гидравлического расчета инженерных сетей");
    assert!(d.subtitle.as_deref().is_some_and(|s| s.starts_with("учеб. пособие для вузов")), "{:?}", d.subtitle);
    assert_eq!(d.contributors, vec![person("Ильина, Татьяна Николаевна", ContributorRole::Author)]);
    assert_eq!(d.languages, ["rus"]);
    assert_eq!(
        (d.place.as_deref(), d.publisher.as_deref(), d.year),
        (Some("М."), Some("Изд-во Ассоц. строит. вузов"), Some(2005))
    );
    assert_eq!(d.isbns, ["9785930933420"]);
    assert_eq!(d.physical_description.as_deref(), Some("186 с. ил. 21 см"));
    assert_eq!(d.subjects, ["Трубопроводы -- Гидравлический расчет"]);
    assert_eq!(valid(&all[1]).series_title.as_deref(), Some("Серия <Эффективный тренинг>"));
    assert_eq!(valid(&all[2]).edition.as_deref(), Some("Перераб. и доп. изд."));
    // Relator codes: $4ill, $4aut.
    assert_eq!(valid(&all[4]).contributors[1], person("Еклерис, Виталий", ContributorRole::Illustrator));
    assert_eq!(valid(&all[5]).contributors[1], person("Крищенко, Александр Петрович", ContributorRole::Author));
}

#[test]
fn cp866_records_are_not_marc_21_bibliographic() {
    let Some(corpus) = Corpus::find() else { return };
    // The CP866 file decodes to Russian text, but in a pre-MARC 21 layout: the title is
    // in 021 and the abstract in 100; with no 245 there is no title to map.
    let all = records(&corpus, "cp866_multirecord.marc", Some(Encoding::Cp866));
    assert_eq!(all.len(), 2);
    for record in &all {
        assert!(sub(record, "021", 'a').is_some_and(|t| t.starts_with("Автоматизация проектирования")));
        let error = description_from_marc(record).expect_err("no 245");
        assert!(error.contains("245"), "{error}");
    }
}

#[test]
fn chabon_maps_completely() {
    let Some(corpus) = Corpus::find() else { return };
    let all = records(&corpus, "chabon.mrc", None);
    let d = valid(&all[0]);
    assert_eq!(d.title, "The amazing adventures of Kavalier and Clay");
    assert_eq!(d.subtitle.as_deref(), Some("a novel"));
    assert_eq!(d.contributors, vec![person("Chabon, Michael", ContributorRole::Author)]);
    assert_eq!(d.year, Some(2000));
    assert_eq!(d.isbns, ["9780679450047"]);
    assert_eq!((d.place.as_deref(), d.publisher.as_deref()), (Some("New York"), Some("Random House")));
    assert_eq!(d.languages, ["eng"]);
    assert_eq!(d.physical_description.as_deref(), Some("639 p. ; 25 cm"));
    assert_eq!(d.format, DocumentFormat::Book);
    assert_eq!(d.subjects[0], "Comic books, strips, etc. -- Authorship -- Fiction");
    assert_eq!(d.subjects.len(), 8);
    assert!(d.subjects.contains(&"New York (N.Y.) -- Fiction".to_owned()));
    assert!(d.subjects.contains(&"Bildungsromane".to_owned()));
    let d = valid(&all[1]);
    assert_eq!(d.title, "Summerland");
    assert_eq!(d.edition.as_deref(), Some("1st ed."));
    assert_eq!(d.isbns, ["9780786808779", "9780786816156"]);
    assert!(d.abstract_text.as_deref().is_some_and(|a| a.starts_with("Ethan Feld") && a.ends_with("enemy.")));
    // The MARCXML copy maps to the same descriptions.
    let xml = records(&corpus, "chabon.xml", None);
    assert_eq!(xml.iter().map(valid).collect::<Vec<_>>(), all.iter().map(valid).collect::<Vec<_>>());
}

#[test]
fn jazz_records_map_by_leader_to_score_or_audiovisual() {
    let Some(corpus) = Corpus::find() else { return };
    let all = records(&corpus, "jazz_1k.mrc", None);
    let recording = by_number(&all, "03-0018137");
    assert_eq!(recording.leader.type_of_record(), 'j', "musical sound recording");
    let d = valid(recording);
    assert_eq!(d.format, DocumentFormat::Audiovisual);
    assert_eq!(d.contributors[0], person("Lovano, Joe, 1952-", ContributorRole::Author));
    assert_eq!(d.physical_description.as_deref(), Some("1 sound disc : digital, stereo"));
    let score = by_number(&all, "03-0017930");
    assert_eq!(score.leader.type_of_record(), 'c', "notated music");
    let d = valid(score);
    assert_eq!(d.format, DocumentFormat::Score);
    assert_eq!(d.series_title.as_deref(), Some("Les Hooper jazz combos"));
    let formats: Vec<DocumentFormat> = all.iter().map(|r| valid(r).format).collect();
    assert_eq!(formats.iter().filter(|f| **f == DocumentFormat::Score).count(), 230);
    assert_eq!(formats.iter().filter(|f| **f == DocumentFormat::Audiovisual).count(), 597);
}

#[test]
fn serial_record_gets_its_issns() {
    let Some(corpus) = Corpus::find() else { return };
    let all = records(&corpus, "serials_marc21.xml", None);
    let d = valid(by_number(&all, "21061"));
    assert_eq!(d.format, DocumentFormat::Serial);
    assert_eq!(d.title, "Circulation research");
    assert_eq!(d.issns, ["0009-7330", "1524-4571"]);
    assert_eq!(d.contributors, vec![person("American Heart Association", ContributorRole::Contributor)]);
}

/// Every record of every file maps to a description that validates, except those
/// that are not MARC 21 bibliographic records at all.
#[test]
fn every_readable_record_maps_to_a_valid_description() {
    let Some(corpus) = Corpus::find() else { return };
    let mut read = 0;
    let mut failures = Vec::new();
    for (name, encoding) in ALL_FILES {
        for record in records(&corpus, name, *encoding) {
            read += 1;
            let result = description_from_marc(&record).and_then(|d| d.validate().map_err(|e| e.to_string()));
            if let Err(e) = result {
                failures.push(format!("{name} {:?}: {e}", record.control_number()));
            }
        }
    }
    println!("{read} records, {} failed:\n{}", failures.len(), failures.join("\n"));
    assert!(read > 2000);
    // 17 UNIMARC records among the Chinese ones (title in 200), and the two CP866
    // records in a pre-MARC 21 layout: none has a 245.
    let unimarc = failures.iter().filter(|f| f.contains("pride-and-prejudice") && f.contains("UNIMARC")).count();
    let cp866 = failures.iter().filter(|f| f.contains("cp866_multirecord.marc") && f.contains("245")).count();
    assert_eq!((unimarc, cp866, failures.len()), (17, 2, 19), "{failures:#?}");
}

/// Exporting the description of `record` without a stored record and importing the result
/// gives the same description back. Returns false, checking nothing, for a record that does
/// not map to a valid description.
pub(super) fn check_new_record_round_trip(file: &str, record: &Record) -> bool {
    let Some(d) = description_from_marc(record).ok().and_then(|d| d.validate().ok()) else {
        return false;
    };
    let cn = control_number(record);
    let exported = marc_for_export(&d, cn.as_deref(), None);
    assert_eq!(control_number(&exported), cn);
    let back = valid(&exported);
    assert_eq!(back, d, "{file} {cn:?}\n{exported:#?}");
    // What hamkor writes, MARCXML reads back unchanged.
    let xml = to_marcxml(std::slice::from_ref(&exported));
    let reread = read_records(xml.as_bytes(), ReadOptions::default());
    assert!(matches!(reread.as_slice(), [Ok(r)] if *r == exported), "{file} {cn:?}");
    assert!(to_iso2709(&exported).is_ok(), "{file} {cn:?}");
    true
}

/// Exporting a description without a stored record and importing the result gives
/// the same description back, for every record of every file.
#[test]
fn new_records_round_trip() {
    let Some(corpus) = Corpus::find() else { return };
    let mut compared = 0;
    for (name, encoding) in ALL_FILES {
        for record in records(&corpus, name, *encoding) {
            if check_new_record_round_trip(name, &record) {
                compared += 1;
            }
        }
    }
    assert!(compared > 2000);
}

#[test]
fn new_record_has_the_marc_21_basics() {
    let d = Description {
        title: "The tale of Kieu".to_owned(),
        subtitle: Some("a bilingual edition".to_owned()),
        parallel_titles: vec![ParallelTitle {
            title: "Truyện Kiều".to_owned(),
            subtitle: None,
            script: Some("Latn".to_owned()),
        }],
        contributors: vec![
            person("Nguyễn, Du, 1765-1820", ContributorRole::Author),
            Contributor {
                parallel_name: Some("Хуйнь Шань Тхонг".to_owned()),
                ..person("Huỳnh, Sanh Thông", ContributorRole::Translator)
            },
        ],
        languages: vec!["eng".to_owned(), "vie".to_owned()],
        publisher: Some("Yale University Press".to_owned()),
        place: Some("New Haven".to_owned()),
        year: Some(1983),
        isbns: vec!["9780300028737".to_owned()],
        subjects: vec!["Vietnamese poetry -- Translations into English".to_owned()],
        format: DocumentFormat::Book,
        ..Description::default()
    };
    let r = marc_for_export(&d, Some("kieu-1"), None);
    assert_eq!(r.leader.as_str(), "00000nam a2200000ui 4500");
    assert_eq!(r.control_number(), Some("kieu-1"));
    let f008 = r.field("008").and_then(Field::value).expect("008");
    assert_eq!((&f008[6..11], &f008[35..38]), ("s1983", "eng"));
    assert_eq!(sub(&r, "100", 'a'), Some("Nguyễn, Du, 1765-1820,"));
    assert_eq!(sub(&r, "700", 'e'), Some("translator."));
    let f245 = r.field("245").expect("245");
    assert_eq!(indicators(f245), ('1', '4'));
    assert_eq!(f245.subfield('a'), Some("The tale of Kieu :"));
    assert_eq!(r.fields("041").flat_map(|f| f.subfields_with('a')).collect::<Vec<_>>(), ["eng", "vie"]);
    assert_eq!(sub(&r, "264", 'c'), Some("1983."));
    let alt: Vec<&str> = r.fields("880").filter_map(|f| f.subfield('6')).collect();
    assert_eq!(alt, ["245-01/(B", "700-02/(N"]);
    let tags: Vec<&str> = r.fields.iter().map(Field::tag).collect();
    assert_eq!(tags, ["001", "008", "020", "041", "100", "245", "264", "650", "700", "880", "880"]);
    assert_eq!(valid(&r), d.clone().validate().expect("valid"));
}

#[test]
fn unchanged_chabon_exports_the_stored_record() {
    let Some(corpus) = Corpus::find() else { return };
    for record in records(&corpus, "chabon.mrc", None) {
        let d = valid(&record);
        let cn = control_number(&record);
        assert_eq!(marc_for_export(&d, cn.as_deref(), Some(&record)), record);
        // An ISBN-10 in the description is the same identifier as the stored ISBN-13.
        let raw = description_from_marc(&record).expect("maps");
        assert_eq!(marc_for_export(&raw, cn.as_deref(), Some(&record)), record);
    }
}

#[test]
fn changed_title_rewrites_only_the_245() {
    let Some(corpus) = Corpus::find() else { return };
    let all = records(&corpus, "chabon.mrc", None);
    let record = &all[0];
    let mut d = valid(record);
    d.title = "Kavalier and Clay".to_owned();
    let exported = marc_for_export(&d, control_number(record).as_deref(), Some(record));
    let f245 = exported.field("245").expect("245");
    assert_eq!(f245.subfield('a'), Some("Kavalier and Clay :"));
    assert_eq!(f245.subfield('b'), Some("a novel /"));
    assert_eq!(f245.subfield('c'), Some("Michael Chabon."));
    assert_eq!(indicators(f245), ('1', '0'), "\"The \" is gone, so no nonfiling characters");
    // chabon.mrc has no 035; every field but the 245 is the stored one, in place.
    assert_eq!(exported.fields.len(), record.fields.len());
    for (new, old) in exported.fields.iter().zip(&record.fields) {
        if old.tag() != "245" {
            assert_eq!(new, old);
        }
    }
    assert_eq!(exported.field("008"), record.field("008"));
    assert_eq!(exported.fields("650").count(), 5);
    assert_eq!(exported.fields("655").count(), 2);
    assert_eq!(valid(&exported), d);
}

#[test]
fn changed_groups_keep_what_did_not_change() {
    let Some(corpus) = Corpus::find() else { return };
    let all = records(&corpus, "pride-and-prejudice-fixed.mrc", None);
    let record = by_number(&all, "004054751");
    let mut d = valid(record);
    // Drop the first added entry, add a translator, a subject and change the year.
    d.contributors.remove(1);
    d.contributors.push(person("Li, Na", ContributorRole::Translator));
    d.subjects.push("England -- Fiction".to_owned());
    d.year = Some(2003);
    let exported = marc_for_export(&d, control_number(record).as_deref(), Some(record));
    assert_eq!(valid(&exported), d);
    // The remaining added entry keeps its 880 (张扬), the dropped one loses it (张玲).
    let alt_names: Vec<&str> = exported.fields("880").filter_map(|f| f.subfield('a')).collect();
    assert!(alt_names.contains(&"张扬."), "{alt_names:?}");
    assert!(!alt_names.contains(&"张玲."), "{alt_names:?}");
    assert_eq!(sub(&exported, "700", 'e'), Some("translator."));
    assert!(exported.fields.iter().any(|f| f.tag() == "880" && f.subfield('a') == Some("傲慢与偏见 /")));
    let f008 = exported.field("008").and_then(Field::value).expect("008");
    assert_eq!(&f008[7..11], "2003");
    // The imprint keeps place and publisher as catalogued, with their 880.
    assert_eq!(sub(&exported, "260", 'a'), Some("Beijing Shi :"));
    assert_eq!(sub(&exported, "260", 'c'), Some("2003"), "the $g that follows has the period");
    assert_eq!(sub(&exported, "260", '6'), Some("880-03"));
    for tag in ["001", "020", "040", "041", "066", "090", "240", "250", "300", "440", "500", "910", "950"] {
        assert_eq!(exported.fields(tag).collect::<Vec<_>>(), record.fields(tag).collect::<Vec<_>>(), "{tag}");
    }
}

#[test]
fn a_main_entry_moved_down_keeps_its_alternate_script_name() {
    let Some(corpus) = Corpus::find() else { return };
    let all = records(&corpus, "pride-and-prejudice-fixed.mrc", None);
    let record = by_number(&all, "c03732958");
    let mut d = valid(record);
    let xiao = d.contributors[0].clone();
    assert_eq!(xiao.parallel_name.as_deref(), Some("蕭蔓"));
    d.contributors.insert(0, person("Austen, Jane, 1775-1817", ContributorRole::Author));
    let exported = marc_for_export(&d, control_number(record).as_deref(), Some(record));
    assert_eq!(sub(&exported, "100", 'a'), Some("Austen, Jane, 1775-1817,"));
    let moved = exported.fields("700").find(|f| f.subfield('6') == Some("880-01")).expect("Xiao as 700");
    assert_eq!(moved.subfield('e'), Some("author"), "no longer the main entry, still the author");
    let alt = exported.linked_880(moved).expect("its 880 follows it");
    assert_eq!(alt.subfield('6'), Some("700-01/$1"));
    assert_eq!(valid(&exported), d);
}

#[test]
fn an_alternate_script_title_outlives_its_246() {
    let Some(corpus) = Corpus::find() else { return };
    let all = records(&corpus, "hebrew.marc", None);
    let record = by_number(&all, "13810341");
    let mut d = valid(record);
    // Keep the Hebrew titles, drop the romanised 246 variants.
    d.parallel_titles.retain(|t| t.script.is_some());
    assert_eq!(d.parallel_titles.len(), 3);
    let exported = marc_for_export(&d, control_number(record).as_deref(), Some(record));
    assert_eq!(exported.fields("246").count(), 0);
    let links: Vec<&str> = exported.fields("880").filter_map(|f| f.subfield('6')).collect();
    assert_eq!(links, ["245-01/(2/r", "246-00/(2/r", "246-00/(2/r"]);
    assert_eq!(valid(&exported), d);
}

/// Edits to the description of `record` export to a record that maps back to the edited
/// description. Returns false, checking nothing, for a record that does not map to a valid
/// description.
pub(super) fn check_edited_round_trip(file: &str, record: &Record) -> bool {
    let Some(mut d) = description_from_marc(record).ok().and_then(|d| d.validate().ok()) else {
        return false;
    };
    d.title = format!("{} (revised)", d.title);
    d.subtitle = None;
    // Alternate-script titles come first on import, whatever the order of edits.
    d.parallel_titles.retain(|t| t.script.is_some());
    d.parallel_titles.push(ParallelTitle { title: "Variant".to_owned(), subtitle: None, script: None });
    d.contributors.reverse();
    d.subjects.truncate(1);
    d.subjects.push("Exchange collections -- Uzbekistan".to_owned());
    d.languages.reverse();
    d.year = d.year.map(|y| y + 1);
    d.publisher = d.publisher.map(|p| format!("{p} & Co"));
    d.edition = None;
    d.series_volume = d.series_title.as_ref().map(|_| "12".to_owned());
    d.isbns.truncate(1);
    d.notes = Some("Received from a partner library".to_owned());
    d.format = DocumentFormat::Electronic;
    let cn = control_number(record);
    let exported = marc_for_export(&d, cn.as_deref(), Some(record));
    let back = valid(&exported);
    assert_eq!(back, d, "{file} {cn:?}\n{exported:#?}");
    true
}

/// Edits to every record of the bigger files export to records that map back to the
/// edited description.
#[test]
fn edited_records_round_trip() {
    let Some(corpus) = Corpus::find() else { return };
    let mut compared = 0;
    for (name, encoding) in ALL_FILES {
        for record in records(&corpus, name, *encoding) {
            if check_edited_round_trip(name, &record) {
                compared += 1;
            }
        }
    }
    assert!(compared > 2000);
}
