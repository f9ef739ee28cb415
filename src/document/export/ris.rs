//! RIS, the tagged format of EndNote, Zotero and Mendeley.

use super::{ExportContext, has_isbn, is_primary, join_title, languages, one_line, publishers};
use crate::document::{ContributorRole, Document, DocumentFormat};

/// The document as one RIS record with CRLF line endings.
///
/// Types: `BOOK`; `EBOOK` for electronic resources with an ISBN, else `ELEC`; `SER`;
/// `MANSCPT`; `MAP`; `MUSIC` (the RIS type for scores); `ADVS` (audiovisual material);
/// `GEN` for other. Editors (and compilers) go to `ED`, which Zotero, EndNote and JabRef all
/// read as editors: Zotero reads `A2` of a book as its series editor. Translators go to
/// `A4`, Zotero's translator tag. Illustrators, photographers and other contributors have
/// no RIS tag that the reference managers map, and are left out.
pub fn ris(doc: &Document, ctx: &ExportContext) -> String {
    let d = &doc.description;
    let ty = match d.format {
        DocumentFormat::Book => "BOOK",
        DocumentFormat::Electronic if has_isbn(d) => "EBOOK",
        DocumentFormat::Electronic => "ELEC",
        DocumentFormat::Serial => "SER",
        DocumentFormat::Manuscript => "MANSCPT",
        DocumentFormat::Map => "MAP",
        DocumentFormat::Score => "MUSIC",
        DocumentFormat::Audiovisual => "ADVS",
        DocumentFormat::Other => "GEN",
    };
    let mut out = String::with_capacity(1024);
    let mut line = |tag: &str, value: &str| {
        let value = one_line(value);
        if !value.is_empty() {
            out.push_str(tag);
            out.push_str("  - ");
            out.push_str(&value);
            out.push_str("\r\n");
        }
    };
    line("TY", ty);
    line("ID", ctx.id);
    line("TI", &join_title(&d.title, d.subtitle.as_deref(), ": "));
    for contributor in &d.contributors {
        let tag = match contributor.role {
            role if is_primary(role) => "AU",
            ContributorRole::Editor | ContributorRole::Compiler => "ED",
            ContributorRole::Translator => "A4",
            _ => continue,
        };
        // `Family, Given[, Suffix]` without the heading's dates and titles.
        let name = super::names::person_name(&contributor.name).map(|p| p.inverted());
        line(tag, name.as_deref().unwrap_or(&contributor.name));
    }
    if let Some(year) = d.year {
        line("PY", &year.to_string());
    }
    if let Some(publisher) = publishers(d).first() {
        line("PB", publisher);
    }
    for (tag, value) in [("CY", &d.place), ("ET", &d.edition), ("T3", &d.series_title), ("VL", &d.series_volume)] {
        if let Some(value) = value {
            line(tag, value);
        }
    }
    for number in d.isbns.iter().chain(&d.issns) {
        line("SN", number);
    }
    // Zotero keeps the first of repeated LA lines and turns the others into notes.
    line("LA", &languages(d).join(", "));
    for (tag, value) in [("AB", &d.abstract_text), ("N1", &d.notes)] {
        if let Some(value) = value {
            line(tag, value);
        }
    }
    for subject in &d.subjects {
        line("KW", subject);
    }
    let links = super::links(doc);
    for doi in &links.dois {
        line("DO", doi);
    }
    for url in ctx.url.into_iter().chain(links.urls.iter().map(String::as_str)) {
        line("UR", url);
    }
    out.push_str("ER  - \r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::export::tests::{
        CTX, SPECIAL_TITLE, chinese_book, ris_lines, russian_book, special_characters, title_only,
    };

    fn ris_values<'a>(lines: &[&'a str], tag: &str) -> Vec<&'a str> {
        let prefix = format!("{tag}  - ");
        lines.iter().filter_map(|line| line.strip_prefix(prefix.as_str())).collect()
    }

    #[test]
    fn ris_record_of_a_russian_book() {
        let ris = ris(&russian_book(), &CTX);
        let lines = ris_lines(&ris);
        assert_eq!(lines.first(), Some(&"TY  - BOOK"));
        assert_eq!(lines.last(), Some(&"ER  - "));
        assert!(lines.iter().all(|line| line.len() >= 6 && &line[2..6] == "  - "), "{lines:?}");
        assert_eq!(ris_values(&lines, "TI"), ["Война и мир"]);
        assert_eq!(ris_values(&lines, "AU"), ["Толстой, Лев Николаевич"]);
        assert_eq!(ris_values(&lines, "ED"), ["Бочаров, С. Г."]);
        assert_eq!(ris_values(&lines, "A4"), ["Maude, Louise"]);
        assert_eq!(ris_values(&lines, "PY"), ["1983"]);
        assert_eq!(ris_values(&lines, "PB"), ["Художественная литература"]);
        assert_eq!(ris_values(&lines, "CY"), ["Москва"]);
        assert_eq!(ris_values(&lines, "T3"), ["Собрание сочинений"]);
        assert_eq!(ris_values(&lines, "VL"), ["т. 4"]);
        assert_eq!(ris_values(&lines, "SN"), ["9780306406157", "0378-5955"]);
        assert_eq!(ris_values(&lines, "LA"), ["ru, en"]);
        assert_eq!(ris_values(&lines, "AB"), ["Роман-эпопея. Четыре тома."]);
        assert_eq!(ris_values(&lines, "ID"), [CTX.id]);
        assert_eq!(ris_values(&lines, "UR"), ["https://hamkor.example/d/7"]);
    }

    #[test]
    fn ris_keeps_every_value_on_its_line() {
        let chinese = ris(&chinese_book(), &CTX);
        let lines = ris_lines(&chinese);
        assert_eq!(ris_values(&lines, "TI"), ["She diao ying xiong zhuan: di yi juan"]);
        assert_eq!(ris_values(&lines, "KW"), ["Kung fu -- Fiction", "武侠小说"]);

        let special = ris(&special_characters(), &CTX);
        let lines = ris_lines(&special);
        assert_eq!(lines.first(), Some(&"TY  - GEN"));
        assert_eq!(lines.last(), Some(&"ER  - "));
        assert_eq!(ris_values(&lines, "N1"), ["line one line two line three"]);
        assert_eq!(ris_values(&lines, "TI"), [format!("{SPECIAL_TITLE}: <tags> & \"quotes\"").as_str()]);

        let map = ris(&title_only(), &ExportContext { id: "x", url: None });
        assert_eq!(ris_lines(&map), ["TY  - MAP", "ID  - x", "TI  - Untitled map", "ER  - "]);
    }
}
