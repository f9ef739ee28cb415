//! Fixtures shared by the tests of every format, and the tests of what spans the formats:
//! [`ExportFormat`], [`render`] and the type each format gives.

use quick_xml::events::Event;
use quick_xml::name::{Namespace, ResolveResult};
use quick_xml::reader::NsReader;
use serde_json::{Value, json};

use super::dublin_core::dcmi_type;
use super::*;
use crate::document::{Contributor, DocumentFormat, ParallelTitle};

pub(super) fn document(description: Description) -> Document {
    Document::described(7, description)
}

pub(super) fn person(name: &str, role: ContributorRole) -> Contributor {
    Contributor { name: name.into(), role, parallel_name: None }
}

pub(super) const CTX: ExportContext<'static> =
    ExportContext { id: "RG9jdW1lbnQ6Nw", url: Some("https://hamkor.example/d/7") };

pub(super) fn chinese_book() -> Document {
    document(Description {
        title: "She diao ying xiong zhuan".into(),
        subtitle: Some("di yi juan".into()),
        parallel_titles: vec![ParallelTitle {
            title: "射鵰英雄傳".into(),
            subtitle: Some("第一卷".into()),
            script: Some("Hani".into()),
        }],
        contributors: vec![Contributor {
            name: "Jin, Yong".into(),
            role: ContributorRole::Author,
            parallel_name: Some("金庸".into()),
        }],
        languages: vec!["zho".into()],
        publisher: Some("Ming he she".into()),
        place: Some("Xianggang".into()),
        year: Some(1976),
        isbns: vec!["9789622574325".into()],
        subjects: vec!["Kung fu -- Fiction".into(), "武侠小说".into()],
        format: DocumentFormat::Book,
        ..Description::default()
    })
}

pub(super) fn russian_book() -> Document {
    document(Description {
        title: "Война и мир".into(),
        contributors: vec![
            person("Толстой, Лев Николаевич", ContributorRole::Author),
            person("Бочаров, С. Г.", ContributorRole::Editor),
            person("Maude, Louise", ContributorRole::Translator),
        ],
        languages: vec!["rus".into(), "eng".into()],
        publisher: Some("Художественная литература".into()),
        place: Some("Москва".into()),
        year: Some(1983),
        edition: Some("2-е изд.".into()),
        series_title: Some("Собрание сочинений".into()),
        series_volume: Some("т. 4".into()),
        isbns: vec!["9780306406157".into()],
        issns: vec!["0378-5955".into()],
        abstract_text: Some("Роман-эпопея.\nЧетыре тома.".into()),
        notes: Some("Текст печатается по изданию 1873 г.".into()),
        physical_description: Some("718 с. ; 21 см".into()),
        format: DocumentFormat::Book,
        ..Description::default()
    })
}

pub(super) const SPECIAL_TITLE: &str = r"{Curly} 100% R&D_notes #1 $5 ~tilde^hat\path}";

pub(super) fn special_characters() -> Document {
    document(Description {
        title: SPECIAL_TITLE.into(),
        subtitle: Some("<tags> & \"quotes\"".into()),
        contributors: vec![
            person("Ministry of Culture and Sports", ContributorRole::Author),
            person("O'Brien, Anne & Co", ContributorRole::Editor),
        ],
        subjects: vec!["Tags & {braces}".into()],
        notes: Some("line one\r\nline two\u{2028}line three\u{0007}".into()),
        year: Some(2024),
        format: DocumentFormat::Other,
        ..Description::default()
    })
}

pub(super) fn title_only() -> Document {
    document(Description { title: "Untitled map".into(), format: DocumentFormat::Map, ..Description::default() })
}

/// Parses the XML strictly and returns each element's namespace, local name and text,
/// in the order the elements close (the root last).
pub(super) fn parse_xml(xml: &str) -> Vec<(String, String, String)> {
    let mut reader = NsReader::from_str(xml);
    let mut elements = Vec::new();
    let mut open: Vec<(String, String, String)> = Vec::new();
    loop {
        let (ns, event) = reader.read_resolved_event().expect("well-formed XML");
        match event {
            Event::Start(start) => {
                let ns = match ns {
                    ResolveResult::Bound(Namespace(ns)) => ns.to_owned(),
                    other => panic!("unbound element {:?}: {other:?}", start.name()),
                };
                let local = start.local_name().as_ref().to_owned();
                open.push((ns, local, String::new()));
            }
            Event::Text(text) => {
                if let Some((_, _, value)) = open.last_mut() {
                    value.push_str(&text.xml10_content());
                }
            }
            Event::GeneralRef(reference) => {
                let entity = format!("&{};", &*reference.xml10_content());
                let resolved = quick_xml::escape::unescape(&entity).expect("known entity").into_owned();
                if let Some((_, _, value)) = open.last_mut() {
                    value.push_str(&resolved);
                }
            }
            Event::End(_) => elements.extend(open.pop()),
            Event::Empty(empty) => panic!("unexpected empty element {:?}", empty.name()),
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(open.is_empty());
    elements
}

pub(super) fn assert_balanced_braces(entry: &str) {
    let mut depth = 0i32;
    for c in entry.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        assert!(depth >= 0, "closing brace without opening one in {entry}");
    }
    assert_eq!(depth, 0, "unbalanced braces in {entry}");
}

pub(super) fn ris_lines(ris: &str) -> Vec<&str> {
    assert!(ris.ends_with("\r\n"));
    assert!(!ris.replace("\r\n", "").contains(['\r', '\n']), "bare line break in {ris:?}");
    ris.trim_end_matches("\r\n").split("\r\n").collect()
}

#[test]
fn format_metadata_round_trips_through_extensions() {
    for format in [
        ExportFormat::MarcXml,
        ExportFormat::DublinCore,
        ExportFormat::Bibtex,
        ExportFormat::Ris,
        ExportFormat::CslJson,
    ] {
        assert_eq!(ExportFormat::from_extension(format.extension()), Some(format));
        assert!(!format.media_type().is_empty());
    }
    assert_eq!(ExportFormat::from_extension("oai_dc"), Some(ExportFormat::DublinCore));
    assert_eq!(ExportFormat::from_extension(".BIB"), Some(ExportFormat::Bibtex));
    assert_eq!(ExportFormat::from_extension("csljson"), Some(ExportFormat::CslJson));
    assert_eq!(ExportFormat::from_extension("xml"), None);
    assert_eq!(ExportFormat::from_extension(""), None);
}

#[test]
fn empty_document_still_gives_well_formed_exports() {
    let empty = document(Description::default());
    let ctx = ExportContext { id: "", url: None };
    assert!(parse_xml(&dublin_core(&empty, &ctx)).iter().all(|(_, local, _)| local == "dc"));
    let entry = bibtex(&empty, &ctx);
    assert_balanced_braces(&entry);
    assert!(entry.starts_with("@misc{hamkor"));
    assert_eq!(ris_lines(&ris(&empty, &ctx)), ["TY  - GEN", "ER  - "]);
    assert_eq!(csl_json(&empty, &ctx), json!([{ "id": "", "type": "document" }]));
}

#[test]
fn render_gives_every_format() {
    let id = CTX.id;
    let doc = russian_book();
    let plain = ExportContext { url: None, ..CTX };
    let marc = render(&doc, ExportFormat::MarcXml, id).unwrap_or_default();
    let elements = parse_xml(&marc);
    assert_eq!(elements.last().map(|(_, local, _)| local.as_str()), Some("collection"));
    assert!(elements.iter().any(|(_, _, text)| text.contains("Война и мир")), "{marc}");
    let json = render(&doc, ExportFormat::CslJson, id).unwrap_or_default();
    let parsed: Value = serde_json::from_str(&json).unwrap_or_default();
    assert_eq!(parsed, csl_json(&doc, &plain));
    assert_eq!(render(&doc, ExportFormat::Ris, id).ok(), Some(ris(&doc, &plain)));
    assert_eq!(render(&doc, ExportFormat::Bibtex, id).ok(), Some(bibtex(&doc, &plain)));
    assert_eq!(render(&doc, ExportFormat::DublinCore, id).ok(), Some(dublin_core(&doc, &plain)));
}

#[test]
fn formats_map_to_the_documented_types() {
    let cases = [
        (DocumentFormat::Book, false, "book", "BOOK", "book", Some("Text")),
        (DocumentFormat::Electronic, true, "book", "EBOOK", "book", Some("Text")),
        (DocumentFormat::Electronic, false, "misc", "ELEC", "document", Some("Text")),
        (DocumentFormat::Serial, false, "misc", "SER", "periodical", Some("Text")),
        (DocumentFormat::Manuscript, false, "unpublished", "MANSCPT", "manuscript", Some("Text")),
        (DocumentFormat::Map, false, "misc", "MAP", "map", Some("Image")),
        (DocumentFormat::Score, false, "misc", "MUSIC", "musical_score", Some("Image")),
        (DocumentFormat::Audiovisual, false, "misc", "ADVS", "document", None),
        (DocumentFormat::Other, false, "misc", "GEN", "document", None),
    ];
    for (format, isbn, bib, ty, csl, dcmi) in cases {
        let mut doc = title_only();
        doc.description.format = format;
        if isbn {
            doc.description.isbns = vec!["9780306406157".into()];
        }
        assert!(bibtex(&doc, &CTX).starts_with(&format!("@{bib}{{")), "{format:?}");
        assert!(ris(&doc, &CTX).starts_with(&format!("TY  - {ty}\r\n")), "{format:?}");
        assert_eq!(csl_json(&doc, &CTX)[0]["type"], csl, "{format:?}");
        assert_eq!(dcmi_type(format), dcmi, "{format:?}");
    }
}
