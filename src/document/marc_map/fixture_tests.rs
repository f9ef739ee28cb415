//! The mapping over the repository's own MARC fixtures (`tests/fixtures/marc/`): always run,
//! and asserting the kinds of things `tests.rs` asserts over the real files of the corpus.

use super::tests::{by_number, check_edited_round_trip, check_new_record_round_trip, person, records_of, sub, valid};
use super::write::indicators;
use super::*;
use crate::document::{Contributor, ContributorRole, DocumentFormat, ParallelTitle};
use crate::marc::Encoding;
use crate::test_corpus::fixture;

fn records(name: &str, encoding: Option<Encoding>) -> Vec<Record> {
    records_of(&fixture(name), encoding)
}

const ALL_FIXTURES: &[(&str, Option<Encoding>)] = &[
    ("utf8_multilingual.mrc", None),
    ("collection.xml", None),
    ("marc8_eacc.mrc", None),
    ("marc8_scripts.mrc", None),
    ("windows1251.mrc", Some(Encoding::Windows1251)),
    ("cp866.mrc", Some(Encoding::Cp866)),
    ("broken_records.mrc", None),
    ("truncated.mrc", None),
    ("bad_records.xml", None),
    ("unimarc.mrc", None),
];

fn hani(title: &str) -> ParallelTitle {
    ParallelTitle { title: title.to_owned(), subtitle: None, script: Some("Hani".to_owned()) }
}

#[test]
fn chinese_record_gets_its_han_title_and_names() {
    let all = records("utf8_multilingual.mrc", None);
    let d = valid(by_number(&all, "hk-u8-0001"));
    assert_eq!(d.title, "Samaerhan shi");
    // "撒马尔罕史 =$bA history of Samarkand": after " =" comes a parallel title, not a subtitle.
    assert_eq!(d.subtitle, None);
    assert_eq!(
        d.parallel_titles,
        [
            hani("撒马尔罕史"),
            ParallelTitle { title: "A history of Samarkand".to_owned(), subtitle: None, script: None }
        ]
    );
    assert_eq!(
        d.contributors,
        [
            Contributor {
                name: "Wang, Lin, 1962-".to_owned(),
                role: ContributorRole::Author,
                parallel_name: Some("王林, 1962-".to_owned())
            },
            Contributor {
                name: "Liu, Mei".to_owned(),
                role: ContributorRole::Editor,
                parallel_name: Some("刘梅".to_owned())
            },
        ]
    );
    assert_eq!(d.languages, ["zho"], "008 and 041 $a say chi");
    assert_eq!((d.place.as_deref(), d.publisher.as_deref()), (Some("Beijing"), Some("Zhonghua shu ju")));
    assert_eq!(d.year, Some(2019));
    assert_eq!(d.edition.as_deref(), Some("Di 1 ban"));
    assert_eq!(d.series_title.as_deref(), Some("Si chou zhi lu yan jiu cong shu"));
    assert_eq!(d.isbns, ["9787101000016"]);
    assert_eq!(d.physical_description.as_deref(), Some("312 p. : ill., maps ; 24 cm"));

    // The same from MARC-8: EACC Han, Hangul and kana give their scripts.
    let eacc = records("marc8_eacc.mrc", None);
    let d = valid(by_number(&eacc, "hk-m8-0001"));
    assert_eq!(d.title, "Si chou zhi lu");
    assert_eq!(d.parallel_titles, [hani("丝绸之路")]);
    assert_eq!(d.contributors[0].parallel_name.as_deref(), Some("曹文林"));
    assert_eq!(d.publisher.as_deref(), Some("Ren min wen xue chu ban she"));
    let script = |number: &str| valid(by_number(&eacc, number)).parallel_titles[0].script.clone();
    assert_eq!(script("hk-m8-0002").as_deref(), Some("Kore"));
    assert_eq!(script("hk-m8-0003").as_deref(), Some("Jpan"));
    let han = eacc
        .iter()
        .chain(&all)
        .filter_map(|r| description_from_marc(r).ok())
        .filter(|d| d.parallel_titles.iter().any(|t| t.script.as_deref() == Some("Hani")));
    assert_eq!(han.count(), 3, "every record with an 880 for its 245 in $1 script and Han characters only");
}

#[test]
fn russian_records_in_windows_1251() {
    let all = records("windows1251.mrc", Some(Encoding::Windows1251));
    assert_eq!(all.len(), 3);
    let d = valid(&all[0]);
    assert_eq!(d.title, "История книгопечатания в Средней Азии");
    assert_eq!(d.subtitle.as_deref(), Some("учеб. пособие для вузов"));
    assert_eq!(d.contributors, vec![person("Смирнова, Ольга Петровна", ContributorRole::Author)]);
    assert_eq!(d.languages, ["rus"]);
    assert_eq!((d.place.as_deref(), d.publisher.as_deref(), d.year), (Some("М."), Some("Наука"), Some(2010)));
    assert_eq!(d.isbns, ["9785020001015"]);
    assert_eq!(d.physical_description.as_deref(), Some("286 с. ил. 21 см"));
    assert_eq!(d.subjects, ["Книгопечатание -- История"]);
    let d = valid(&all[1]);
    assert_eq!(d.series_title.as_deref(), Some("Серия «История Востока»"));
    assert_eq!(d.edition.as_deref(), Some("2-е изд., испр. и доп."));
    // Relator codes: $4aut, $4ill.
    let d = valid(&all[2]);
    assert_eq!(
        d.contributors,
        [
            person("Орлов, Денис Игоревич", ContributorRole::Author),
            person("Ли, Виктория", ContributorRole::Illustrator)
        ]
    );
    // A record in UTF-8 maps its Cyrillic the same way, with the photographer's $4pht.
    let utf8 = records("utf8_multilingual.mrc", None);
    let d = valid(by_number(&utf8, "hk-u8-0002"));
    assert_eq!(d.contributors[1], person("Юсупова, Нигора", ContributorRole::Photographer));
    assert_eq!((d.series_title.as_deref(), d.series_volume.as_deref()), (Some("Памятники Узбекистана"), Some("3")));
}

#[test]
fn cp866_abstract_record_is_not_marc_21_bibliographic() {
    let all = records("cp866.mrc", Some(Encoding::Cp866));
    assert_eq!(valid(&all[0]).title, "Библиотеки Средней Азии");
    // The second record decodes to Russian text, but in a pre-MARC 21 layout: the title is
    // in 021; with no 245 there is no title to map.
    assert!(sub(&all[1], "021", 'a').is_some_and(|t| t.starts_with("Автоматизированные библиотечные системы")));
    let error = description_from_marc(&all[1]).expect_err("no 245");
    assert!(error.contains("245"), "{error}");
    assert!(!error.contains("UNIMARC"), "{error}");
}

#[test]
fn unimarc_record_is_refused_as_unimarc() {
    let all = records("unimarc.mrc", None);
    assert_eq!(valid(&all[0]).title, "Qazaq kitap tarihy");
    let error = description_from_marc(&all[1]).expect_err("no 245");
    assert!(error.contains("UNIMARC") && error.contains("200"), "{error}");
}

#[test]
fn english_record_maps_completely() {
    let all = records("utf8_multilingual.mrc", None);
    let d = valid(by_number(&all, "hk-u8-0008"));
    assert_eq!(d.title, "The paper road");
    assert_eq!(d.subtitle.as_deref(), Some("books and binders between Bukhara and Venice"));
    assert_eq!(d.contributors, vec![person("Whitfield, Amelia", ContributorRole::Author)]);
    assert_eq!(d.year, Some(2021));
    // The ISBN-10 becomes its ISBN-13.
    assert_eq!(d.isbns, ["9781999990015", "9781999990022"]);
    assert_eq!((d.place.as_deref(), d.publisher.as_deref()), (Some("New York"), Some("Meridian Press")));
    assert_eq!(d.languages, ["eng"]);
    assert_eq!(d.edition.as_deref(), Some("2nd ed."));
    assert_eq!(d.physical_description.as_deref(), Some("xii, 402 p. : ill. ; 24 cm"));
    assert_eq!(d.format, DocumentFormat::Book);
    assert_eq!(
        d.subjects,
        [
            "Bookbinding -- Asia, Central -- History",
            "Paper making and trade -- Uzbekistan -- Samarkand -- History",
            "Silk Road -- Commerce",
            "History"
        ]
    );
    assert!(d.abstract_text.as_deref().is_some_and(|a| a.starts_with("How paper") && a.ends_with("printers.")));
    assert_eq!(d.notes.as_deref(), Some("Includes a glossary of binding terms."));
    // The MARCXML copy maps to the same descriptions.
    let xml = records("collection.xml", None);
    assert_eq!(xml.iter().map(valid).collect::<Vec<_>>(), all.iter().map(valid).collect::<Vec<_>>());
}

#[test]
fn records_map_by_leader_to_score_audiovisual_or_serial() {
    let all = records("utf8_multilingual.mrc", None);
    let score = by_number(&all, "hk-u8-0005");
    assert_eq!(score.leader.type_of_record(), 'c', "notated music");
    let d = valid(score);
    assert_eq!(d.format, DocumentFormat::Score);
    assert_eq!(d.contributors, vec![person("Rajabiy, Yunus, 1897-1976", ContributorRole::Composer)]);
    let recording = by_number(&all, "hk-u8-0006");
    assert_eq!(recording.leader.type_of_record(), 'j', "musical sound recording");
    let d = valid(recording);
    assert_eq!(d.format, DocumentFormat::Audiovisual);
    assert_eq!(d.physical_description.as_deref(), Some("1 sound disc : digital, stereo ; 4 3/4 in"));
    let serial = by_number(&all, "hk-u8-0007");
    let d = valid(serial);
    assert_eq!(d.format, DocumentFormat::Serial);
    assert_eq!(d.title, "Central Asian library review");
    assert_eq!(d.issns, ["2181-0427", "2181-0435"]);
    assert_eq!(
        d.contributors,
        vec![person("Alisher Navoiy nomidagi Oʻzbekiston Milliy kutubxonasi", ContributorRole::Contributor)]
    );
    let formats: Vec<DocumentFormat> = all.iter().map(|r| valid(r).format).collect();
    assert_eq!(formats.iter().filter(|f| **f == DocumentFormat::Book).count(), 5);
}

/// Every record of every fixture maps to a description that validates, except those that
/// are not MARC 21 bibliographic records at all.
#[test]
fn every_readable_fixture_record_maps_to_a_valid_description() {
    let mut read = 0;
    let mut failures = Vec::new();
    for (name, encoding) in ALL_FIXTURES {
        for record in records(name, *encoding) {
            read += 1;
            let result = description_from_marc(&record).and_then(|d| d.validate().map_err(|e| e.to_string()));
            if let Err(e) = result {
                failures.push(format!("{name} {:?}: {e}", record.control_number()));
            }
        }
    }
    assert_eq!(read, 42);
    // The UNIMARC record (title in 200) and the CP866 abstract record: neither has a 245.
    let unimarc = failures.iter().filter(|f| f.contains("unimarc.mrc") && f.contains("UNIMARC")).count();
    let cp866 = failures.iter().filter(|f| f.contains("cp866.mrc") && f.contains("245")).count();
    // A record whose only title subfield was dropped as damaged is refused here, by name.
    let untitled = failures.iter().filter(|f| f.contains("hk-bad-0009") && f.contains("245")).count();
    assert_eq!((unimarc, cp866, untitled, failures.len()), (1, 1, 1, 3), "{failures:#?}");
}

#[test]
fn new_records_round_trip() {
    let mut compared = 0;
    for (name, encoding) in ALL_FIXTURES {
        for record in records(name, *encoding) {
            if check_new_record_round_trip(name, &record) {
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 39);
}

#[test]
fn edited_records_round_trip() {
    let mut compared = 0;
    for (name, encoding) in ALL_FIXTURES {
        for record in records(name, *encoding) {
            if check_edited_round_trip(name, &record) {
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 39);
}

#[test]
fn unchanged_records_export_the_stored_record() {
    for record in records("utf8_multilingual.mrc", None) {
        let d = valid(&record);
        let cn = control_number(&record);
        assert_eq!(marc_for_export(&d, cn.as_deref(), Some(&record)), record, "{cn:?}");
        // An ISBN-10 in the description is the same identifier as the stored ISBN-13.
        let raw = description_from_marc(&record).expect("maps");
        assert_eq!(marc_for_export(&raw, cn.as_deref(), Some(&record)), record, "{cn:?}");
    }
}

#[test]
fn changed_title_rewrites_only_the_245() {
    let all = records("utf8_multilingual.mrc", None);
    let record = by_number(&all, "hk-u8-0008");
    let mut d = valid(record);
    d.title = "Paper road".to_owned();
    let exported = marc_for_export(&d, control_number(record).as_deref(), Some(record));
    let f245 = exported.field("245").expect("245");
    assert_eq!(f245.subfield('a'), Some("Paper road :"));
    assert_eq!(f245.subfield('b'), Some("books and binders between Bukhara and Venice /"));
    assert_eq!(f245.subfield('c'), Some("Amelia Whitfield."));
    assert_eq!(indicators(f245), ('1', '0'), "\"The \" is gone, so no nonfiling characters");
    // Every field but the 245 is the stored one, in place.
    assert_eq!(exported.fields.len(), record.fields.len());
    for (new, old) in exported.fields.iter().zip(&record.fields) {
        if old.tag() != "245" {
            assert_eq!(new, old);
        }
    }
    assert_eq!(exported.field("008"), record.field("008"));
    assert_eq!(exported.fields("650").count(), 2);
    assert_eq!(exported.fields("655").count(), 1);
    assert_eq!(valid(&exported), d);
}

#[test]
fn changed_groups_keep_what_did_not_change() {
    let all = records("utf8_multilingual.mrc", None);
    let record = by_number(&all, "hk-u8-0001");
    let mut d = valid(record);
    // Drop the editor, add a translator, a subject and change the year.
    d.contributors.remove(1);
    d.contributors.push(person("Li, Na", ContributorRole::Translator));
    d.subjects.push("Uzbekistan -- Antiquities".to_owned());
    d.year = Some(2020);
    let exported = marc_for_export(&d, control_number(record).as_deref(), Some(record));
    assert_eq!(valid(&exported), d);
    // The author keeps its 880 (王林), the dropped editor loses it (刘梅).
    let alt_names: Vec<&str> = exported.fields("880").filter_map(|f| f.subfield('a')).collect();
    assert!(alt_names.contains(&"王林,"), "{alt_names:?}");
    assert!(!alt_names.contains(&"刘梅,"), "{alt_names:?}");
    assert_eq!(sub(&exported, "700", 'e'), Some("translator."));
    assert!(exported.fields.iter().any(|f| f.tag() == "880" && f.subfield('a') == Some("撒马尔罕史 =")));
    let f008 = exported.field("008").and_then(Field::value).expect("008");
    assert_eq!(&f008[7..11], "2020");
    // The imprint keeps place and publisher as catalogued, with their 880.
    assert_eq!(sub(&exported, "260", 'a'), Some("Beijing :"));
    assert_eq!(sub(&exported, "260", 'b'), Some("Zhonghua shu ju,"));
    assert_eq!(sub(&exported, "260", '6'), Some("880-03"));
    for tag in ["001", "020", "041", "245", "250", "300", "490"] {
        assert_eq!(exported.fields(tag).collect::<Vec<_>>(), record.fields(tag).collect::<Vec<_>>(), "{tag}");
    }
}

#[test]
fn a_main_entry_moved_down_keeps_its_alternate_script_name() {
    let all = records("marc8_eacc.mrc", None);
    let record = by_number(&all, "hk-m8-0001");
    let mut d = valid(record);
    let cao = d.contributors[0].clone();
    assert_eq!(cao.parallel_name.as_deref(), Some("曹文林"));
    d.contributors.insert(0, person("Whitfield, Amelia", ContributorRole::Author));
    let exported = marc_for_export(&d, control_number(record).as_deref(), Some(record));
    assert_eq!(sub(&exported, "100", 'a'), Some("Whitfield, Amelia,"));
    let moved = exported.fields("700").find(|f| f.subfield('6') == Some("880-01")).expect("Cao as 700");
    assert_eq!(moved.subfield('e'), Some("author"), "no longer the main entry, still the author");
    let alt = exported.linked_880(moved).expect("its 880 follows it");
    assert_eq!(alt.subfield('6'), Some("700-01/$1"));
    assert_eq!(valid(&exported), d);
}

#[test]
fn an_alternate_script_title_outlives_its_246() {
    let all = records("marc8_scripts.mrc", None);
    let record = by_number(&all, "hk-m8-0103");
    let mut d = valid(record);
    // Keep the Hebrew titles, drop the romanised 246 variants.
    d.parallel_titles.retain(|t| t.script.is_some());
    assert_eq!(d.parallel_titles.len(), 3);
    assert!(d.parallel_titles.iter().all(|t| t.script.as_deref() == Some("Hebr")));
    let exported = marc_for_export(&d, control_number(record).as_deref(), Some(record));
    assert_eq!(exported.fields("246").count(), 0);
    let links: Vec<&str> = exported.fields("880").filter_map(|f| f.subfield('6')).collect();
    assert_eq!(links, ["245-01/(2/r", "246-00/(2/r", "246-00/(2/r"]);
    assert_eq!(valid(&exported), d);
}
