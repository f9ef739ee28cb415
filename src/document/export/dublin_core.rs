//! Simple Dublin Core (`oai_dc`), as served over OAI-PMH.

use std::fmt::Write as _;

use super::{ExportContext, is_primary, join_title, languages, publishers};
use crate::document::{ContributorRole, Description, Document, DocumentFormat};

const OAI_DC_OPEN: &str = concat!(
    r#"<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/""#,
    r#" xmlns:dc="http://purl.org/dc/elements/1.1/""#,
    r#" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance""#,
    r#" xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/oai_dc/ http://www.openarchives.org/OAI/2.0/oai_dc.xsd">"#,
);

/// The document as an `oai_dc` XML document.
///
/// `dc:type` uses the DCMI Type Vocabulary: `Text` for books, serials, manuscripts and
/// electronic resources (in this catalogue, e-books and e-journals); `Image` for maps and
/// scores, whose DCMI definition lists maps and musical notation; none for audiovisual and
/// other material, which no single DCMI term describes.
pub fn dublin_core(doc: &Document, ctx: &ExportContext) -> String {
    let d = &doc.description;
    let mut out = String::with_capacity(2048);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(OAI_DC_OPEN);
    out.push('\n');
    let mut element = |name: &str, value: &str| {
        let value = xml_chars(value.trim());
        if !value.is_empty() {
            let _ = writeln!(out, "  <dc:{name}>{}</dc:{name}>", quick_xml::escape::partial_escape(value.as_str()));
        }
    };

    element("title", &join_title(&d.title, d.subtitle.as_deref(), " : "));
    for parallel in &d.parallel_titles {
        element("title", &join_title(&parallel.title, parallel.subtitle.as_deref(), " : "));
    }
    for contributor in &d.contributors {
        let name = match contributor.role {
            ContributorRole::Publisher => continue,
            role if is_primary(role) => "creator",
            _ => "contributor",
        };
        element(name, &contributor.name);
        if let Some(parallel) = &contributor.parallel_name {
            element(name, parallel);
        }
    }
    for subject in &d.subjects {
        element("subject", subject);
    }
    for text in [&d.abstract_text, &d.notes].into_iter().flatten() {
        element("description", text);
    }
    for publisher in publishers(d) {
        element("publisher", publisher);
    }
    if let Some(year) = d.year {
        element("date", &year.to_string());
    }
    if let Some(dcmi_type) = dcmi_type(d.format) {
        element("type", dcmi_type);
    }
    if let Some(physical) = &d.physical_description {
        element("format", physical);
    }
    for isbn in &d.isbns {
        element("identifier", &format!("urn:isbn:{}", isbn.trim()));
    }
    for issn in &d.issns {
        element("identifier", &format!("urn:issn:{}", issn.trim()));
    }
    let links = super::links(doc);
    for doi in &links.dois {
        element("identifier", &format!("https://doi.org/{doi}"));
    }
    for url in &links.urls {
        element("identifier", url);
    }
    if let Some(url) = ctx.url {
        element("identifier", url);
    }
    for language in languages(d) {
        element("language", &language);
    }
    if let Some(series) = series(d) {
        element("relation", &series);
    }
    out.push_str("</oai_dc:dc>\n");
    out
}

pub(super) fn dcmi_type(format: DocumentFormat) -> Option<&'static str> {
    match format {
        DocumentFormat::Book | DocumentFormat::Serial | DocumentFormat::Manuscript | DocumentFormat::Electronic => {
            Some("Text")
        }
        DocumentFormat::Map | DocumentFormat::Score => Some("Image"),
        DocumentFormat::Audiovisual | DocumentFormat::Other => None,
    }
}

/// Drops what XML 1.0 cannot carry even escaped (C0 controls other than tab and line
/// breaks, U+FFFE, U+FFFF): a stray control byte in a catalogue record must not make the
/// whole document unparsable.
fn xml_chars(text: &str) -> String {
    text.chars()
        .filter(|&c| matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}'))
        .collect()
}

/// "Series; Volume" (or the series alone); a volume number without its series means nothing.
fn series(d: &Description) -> Option<String> {
    let title = d.series_title.as_deref().map(str::trim).filter(|t| !t.is_empty())?;
    Some(match d.series_volume.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        Some(volume) => format!("{title}; {volume}"),
        None => title.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::export::tests::{
        CTX, SPECIAL_TITLE, chinese_book, parse_xml, russian_book, special_characters, title_only,
    };

    const DC_NS: &str = "http://purl.org/dc/elements/1.1/";

    fn dc_values(elements: &[(String, String, String)], name: &str) -> Vec<String> {
        elements.iter().filter(|(ns, local, _)| ns == DC_NS && local == name).map(|(_, _, v)| v.clone()).collect()
    }

    #[test]
    fn dublin_core_is_namespaced_oai_dc_with_every_script_intact() {
        let xml = dublin_core(&chinese_book(), &CTX);
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<oai_dc:dc "));
        assert!(xml.contains(r#"xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/oai_dc/ http://www.openarchives.org/OAI/2.0/oai_dc.xsd""#));
        let elements = parse_xml(&xml);
        assert_eq!(elements.last().map(|(_, local, _)| local.as_str()), Some("dc"));
        assert_eq!(dc_values(&elements, "title"), ["She diao ying xiong zhuan : di yi juan", "射鵰英雄傳 : 第一卷"]);
        assert_eq!(dc_values(&elements, "creator"), ["Jin, Yong", "金庸"]);
        assert_eq!(dc_values(&elements, "subject"), ["Kung fu -- Fiction", "武侠小说"]);
        assert_eq!(dc_values(&elements, "language"), ["zh"]);
        assert_eq!(dc_values(&elements, "type"), ["Text"]);
        assert_eq!(dc_values(&elements, "date"), ["1976"]);
        assert_eq!(dc_values(&elements, "identifier"), ["urn:isbn:9789622574325", "https://hamkor.example/d/7"]);

        let elements = parse_xml(&dublin_core(&russian_book(), &CTX));
        assert_eq!(dc_values(&elements, "title"), ["Война и мир"]);
        assert_eq!(dc_values(&elements, "creator"), ["Толстой, Лев Николаевич"]);
        assert_eq!(dc_values(&elements, "contributor"), ["Бочаров, С. Г.", "Maude, Louise"]);
        assert_eq!(dc_values(&elements, "publisher"), ["Художественная литература"]);
        assert_eq!(dc_values(&elements, "relation"), ["Собрание сочинений; т. 4"]);
        assert_eq!(dc_values(&elements, "language"), ["ru", "en"]);
        assert_eq!(dc_values(&elements, "format"), ["718 с. ; 21 см"]);
        assert_eq!(dc_values(&elements, "description")[0], "Роман-эпопея.\nЧетыре тома.");
        assert!(dc_values(&elements, "identifier").contains(&"urn:issn:0378-5955".to_owned()));
    }

    #[test]
    fn dublin_core_escapes_markup_and_drops_characters_xml_cannot_carry() {
        let mut doc = special_characters();
        doc.description.abstract_text = Some("nul\u{0}bell\u{7}</dc:description><evil/>".into());
        let elements = parse_xml(&dublin_core(&doc, &ExportContext { id: "x", url: Some("https://e.org/?a=1&b=<2>") }));
        assert_eq!(dc_values(&elements, "title"), [format!("{SPECIAL_TITLE} : <tags> & \"quotes\"")]);
        assert_eq!(dc_values(&elements, "description")[0], "nulbell</dc:description><evil/>");
        assert_eq!(dc_values(&elements, "identifier"), ["https://e.org/?a=1&b=<2>"]);
        assert!(dc_values(&elements, "type").is_empty(), "no DCMI type fits other material");
        assert!(elements.iter().all(|(_, local, _)| local != "evil"));
    }

    #[test]
    fn dublin_core_of_a_bare_title() {
        let elements = parse_xml(&dublin_core(&title_only(), &ExportContext { id: "x", url: None }));
        assert_eq!(elements.len(), 3, "{elements:?}");
        assert_eq!(dc_values(&elements, "title"), ["Untitled map"]);
        assert_eq!(dc_values(&elements, "type"), ["Image"]);
    }
}
