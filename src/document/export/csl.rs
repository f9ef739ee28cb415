//! CSL-JSON, the input of citeproc and Zotero's native JSON import.

use serde_json::{Map, Value, json};

use super::{ExportContext, has_isbn, join_title, languages, publishers};
use crate::document::{ContributorRole, Document, DocumentFormat};

/// The document as a CSL-JSON array of one item, the shape citeproc and Zotero import.
///
/// Types: `book` (and electronic resources with an ISBN), `periodical`, `manuscript`,
/// `map`, `musical_score`, `document` for audiovisual, other and other electronic material.
/// Roles are CSL 1.0.2's: `author`, `editor`, `translator`, `illustrator`, `compiler`,
/// `composer`, and `contributor` for photographers and other contributors. `ISBN`, `ISSN`
/// and `language` (ISO 639-1 where there is one) carry the first value only: CSL has one of
/// each.
pub fn csl_json(doc: &Document, ctx: &ExportContext) -> Value {
    let d = &doc.description;
    let csl_type = match d.format {
        DocumentFormat::Book => "book",
        DocumentFormat::Electronic if has_isbn(d) => "book",
        DocumentFormat::Serial => "periodical",
        DocumentFormat::Manuscript => "manuscript",
        DocumentFormat::Map => "map",
        DocumentFormat::Score => "musical_score",
        DocumentFormat::Audiovisual | DocumentFormat::Electronic | DocumentFormat::Other => "document",
    };
    let mut item = Map::new();
    item.insert("id".into(), json!(ctx.id));
    item.insert("type".into(), json!(csl_type));
    let mut text = |key: &str, value: Option<&str>| {
        if let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) {
            item.insert(key.into(), json!(value));
        }
    };
    text("title", Some(&join_title(&d.title, d.subtitle.as_deref(), ": ")));
    text("publisher", publishers(d).first().copied());
    text("publisher-place", d.place.as_deref());
    text("edition", d.edition.as_deref());
    text("collection-title", d.series_title.as_deref());
    text("collection-number", d.series_volume.as_deref());
    text("ISBN", d.isbns.first().map(String::as_str));
    text("ISSN", d.issns.first().map(String::as_str));
    text("language", languages(d).first().map(String::as_str));
    text("abstract", d.abstract_text.as_deref());
    text("note", d.notes.as_deref());
    let subjects: Vec<&str> = d.subjects.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).collect();
    text("keyword", Some(&subjects.join(", ")));
    let links = super::links(doc);
    text("DOI", links.dois.first().map(String::as_str));
    text("URL", ctx.url.or(links.urls.first().map(String::as_str)));

    for contributor in &d.contributors {
        let role = match contributor.role {
            ContributorRole::Author => "author",
            ContributorRole::Editor => "editor",
            ContributorRole::Translator => "translator",
            ContributorRole::Illustrator => "illustrator",
            ContributorRole::Compiler => "compiler",
            ContributorRole::Composer => "composer",
            ContributorRole::Photographer | ContributorRole::Contributor => "contributor",
            ContributorRole::Publisher => continue,
        };
        if let Some(name) = csl_name(&contributor.name)
            && let Value::Array(names) = item.entry(role).or_insert_with(|| Value::Array(Vec::new()))
        {
            names.push(name);
        }
    }
    if let Some(year) = d.year {
        item.insert("issued".into(), json!({ "date-parts": [[year]] }));
    }
    Value::Array(vec![Value::Object(item)])
}

/// "Family, Given" as a structured name (its dates and titles left out, a particle and a
/// suffix apart); anything else (a corporate body, a single name, a name in a script
/// without inversion) as a literal, which citeproc never re-orders.
fn csl_name(name: &str) -> Option<Value> {
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    let Some(person) = super::names::person_name(name) else {
        return Some(json!({ "literal": name }));
    };
    let mut parts = Map::new();
    parts.insert("family".into(), json!(person.family));
    for (key, value) in [("given", &person.given), ("dropping-particle", &person.particle), ("suffix", &person.suffix)]
    {
        if let Some(value) = value {
            parts.insert(key.into(), json!(value));
        }
    }
    Some(Value::Object(parts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::export::tests::{
        CTX, SPECIAL_TITLE, chinese_book, person, russian_book, special_characters, title_only,
    };

    #[test]
    fn csl_json_item_of_a_russian_book() {
        let items = csl_json(&russian_book(), &CTX);
        assert_eq!(
            items,
            json!([{
                "id": CTX.id,
                "type": "book",
                "title": "Война и мир",
                "author": [{ "family": "Толстой", "given": "Лев Николаевич" }],
                "editor": [{ "family": "Бочаров", "given": "С. Г." }],
                "translator": [{ "family": "Maude", "given": "Louise" }],
                "publisher": "Художественная литература",
                "publisher-place": "Москва",
                "issued": { "date-parts": [[1983]] },
                "edition": "2-е изд.",
                "collection-title": "Собрание сочинений",
                "collection-number": "т. 4",
                "ISBN": "9780306406157",
                "ISSN": "0378-5955",
                "language": "ru",
                "abstract": "Роман-эпопея.\nЧетыре тома.",
                "note": "Текст печатается по изданию 1873 г.",
                "URL": "https://hamkor.example/d/7",
            }])
        );
        // Serialised, the Cyrillic stays as UTF-8 rather than \u escapes.
        assert!(serde_json::to_string(&items).unwrap_or_default().contains("Война и мир"));
    }

    #[test]
    fn csl_json_types_names_and_absent_fields() {
        let chinese = csl_json(&chinese_book(), &CTX);
        assert_eq!(chinese[0]["title"], "She diao ying xiong zhuan: di yi juan");
        assert_eq!(chinese[0]["author"], json!([{ "family": "Jin", "given": "Yong" }]));
        assert_eq!(chinese[0]["keyword"], "Kung fu -- Fiction, 武侠小说");
        assert_eq!(chinese[0]["language"], "zh");

        let special = csl_json(&special_characters(), &CTX);
        assert_eq!(special[0]["type"], "document");
        assert_eq!(special[0]["author"], json!([{ "literal": "Ministry of Culture and Sports" }]));
        assert_eq!(special[0]["title"], format!("{SPECIAL_TITLE}: <tags> & \"quotes\""));

        let map = csl_json(&title_only(), &ExportContext { id: "m", url: None });
        assert_eq!(map, json!([{ "id": "m", "type": "map", "title": "Untitled map" }]));

        let mut score = title_only();
        score.description.format = DocumentFormat::Score;
        score.description.contributors =
            vec![person("Dvořák, Antonín", ContributorRole::Composer), person("金庸", ContributorRole::Author)];
        let score = csl_json(&score, &CTX);
        assert_eq!(score[0]["type"], "musical_score");
        assert_eq!(score[0]["composer"], json!([{ "family": "Dvořák", "given": "Antonín" }]));
        assert_eq!(score[0]["author"], json!([{ "literal": "金庸" }]));
        assert!(score[0].as_object().is_some_and(|item| item.values().all(|v| !v.is_null())));
    }
}
