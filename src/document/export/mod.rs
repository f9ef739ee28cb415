//! Exports of one document to what researchers load into reference managers (Zotero,
//! Mendeley, JabRef, citeproc) and what harvesters read: OAI Dublin Core, BibTeX, RIS and
//! CSL-JSON. MARCXML comes from `marc_map` (the stored record with the description's edits);
//! [`render`] dispatches to it.
//!
//! Decisions shared by the formats:
//!
//! - Titles carry the subtitle: `Title: Subtitle` (ISBD `Title : Subtitle` in Dublin Core),
//!   because none of the reference managers imports a separate subtitle.
//! - Authors and composers are the primary creators (BibTeX `author`, RIS `AU`, DC
//!   `dc:creator`): a composer is the author of the score or recording credited to them,
//!   and BibTeX and RIS have no composer field that Zotero reads. CSL-JSON keeps `composer`.
//! - Compilers stand with editors in BibTeX and RIS, which have no compiler field;
//!   CSL-JSON keeps CSL 1.0.2's `compiler`.
//! - A contributor with the publisher role is a publisher when the description names none.
//! - Parallel titles and parallel names (the same title or name in another script) go to
//!   Dublin Core only, as further `dc:title` and `dc:creator`/`dc:contributor` elements,
//!   where harvesters index them; BibTeX, RIS and CSL-JSON have no vernacular field that
//!   Zotero or citeproc read, and a second title or author there would be misread.
//! - The audiovisual format mixes sound, video and still images, so it gets the generic
//!   type of each format (no DCMI type, RIS `ADVS`, CSL `document`) rather than a guess
//!   that mislabels half of it in a citation (`[Film]`, `[Song]`).
//!
//! Each format has its module (`dublin_core`, `bibtex`, `ris`, `csl`); the helpers they
//! share (titles, publishers, languages, primary roles) are at the end of this file, and
//! the test fixtures they share are in `tests`.

mod bibtex;
mod csl;
mod dublin_core;
mod names;
mod ris;
#[cfg(test)]
mod tests;

pub use bibtex::bibtex;
pub use csl::csl_json;
pub use dublin_core::dublin_core;
pub use ris::ris;

use super::identifiers::short_language;
use super::{ContributorRole, Description, Document};

/// The export formats of a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// MARC 21 in XML (the stored record when there is one).
    MarcXml,
    /// Simple Dublin Core as served over OAI-PMH (`oai_dc`).
    DublinCore,
    Bibtex,
    /// RIS, the tagged format of EndNote, Zotero and Mendeley.
    Ris,
    /// CSL-JSON, the input of citeproc and Zotero's native JSON import.
    CslJson,
}

impl ExportFormat {
    /// The format a file name extension names; case and a leading dot are ignored, since
    /// the extension comes from a URL a person may have typed.
    pub fn from_extension(ext: &str) -> Option<Self> {
        let ext = ext.trim();
        let ext = ext.strip_prefix('.').unwrap_or(ext).to_ascii_lowercase();
        match ext.as_str() {
            "marcxml" => Some(Self::MarcXml),
            "dc" | "oai_dc" => Some(Self::DublinCore),
            "bib" | "bibtex" => Some(Self::Bibtex),
            "ris" => Some(Self::Ris),
            "json" | "csl" | "csljson" => Some(Self::CslJson),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::MarcXml => "marcxml",
            Self::DublinCore => "dc",
            Self::Bibtex => "bib",
            Self::Ris => "ris",
            Self::CslJson => "json",
        }
    }

    /// The media type, with the charset every export is written in (reference managers
    /// that are not told read BibTeX and RIS as Latin-1).
    pub fn media_type(self) -> &'static str {
        match self {
            Self::MarcXml => "application/marcxml+xml; charset=utf-8",
            // oai_dc has no registered media type of its own.
            Self::DublinCore => "application/xml; charset=utf-8",
            Self::Bibtex => "application/x-bibtex; charset=utf-8",
            Self::Ris => "application/x-research-info-systems; charset=utf-8",
            Self::CslJson => "application/vnd.citationstyles.csl+json; charset=utf-8",
        }
    }
}

/// What an export knows about a document beyond its description.
#[derive(Clone, Copy, Debug)]
pub struct ExportContext<'a> {
    /// The document's global id.
    pub id: &'a str,
    /// Its public URL, if known.
    pub url: Option<&'a str>,
}

/// A document in `format`: the one entry point of the `/documents/{id}.{ext}` route and the
/// GraphQL `export` field. `id` is the document's global id. No public URL is configured, so
/// the exports carry none.
pub fn render(doc: &Document, format: ExportFormat, id: &str) -> crate::error::Result<String> {
    let ctx = ExportContext { id, url: None };
    Ok(match format {
        ExportFormat::MarcXml => marc_xml(doc),
        ExportFormat::DublinCore => dublin_core(doc, &ctx),
        ExportFormat::Bibtex => bibtex(doc, &ctx),
        ExportFormat::Ris => ris(doc, &ctx),
        // `Value`'s alternate Display is serde_json's pretty printer, without an error path.
        ExportFormat::CslJson => format!("{:#}", csl_json(doc, &ctx)),
    })
}

/// How many documents one export of many gives at most.
pub const MAX_EXPORT_DOCUMENTS: usize = 100_000;

/// What goes before the first document of an export of many, in `format`.
pub fn collection_start(format: ExportFormat) -> &'static str {
    match format {
        ExportFormat::MarcXml => {
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<collection xmlns=\"http://www.loc.gov/MARC21/slim\">\n"
        }
        ExportFormat::DublinCore => "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<records>\n",
        ExportFormat::CslJson => "[\n",
        ExportFormat::Bibtex | ExportFormat::Ris => "",
    }
}

/// What goes after the last document.
pub fn collection_end(format: ExportFormat) -> &'static str {
    match format {
        ExportFormat::MarcXml => "</collection>\n",
        ExportFormat::DublinCore => "</records>\n",
        ExportFormat::CslJson => "]\n",
        ExportFormat::Bibtex | ExportFormat::Ris => "",
    }
}

/// One document of an export of many; `first` tells whether it opens the list (CSL-JSON
/// separates items with commas).
pub fn collection_item(doc: &Document, format: ExportFormat, id: &str, first: bool) -> String {
    let ctx = ExportContext { id, url: None };
    let strip_declaration = |xml: String| match xml.strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>") {
        Some(rest) => rest.trim_start().to_owned(),
        None => xml,
    };
    match format {
        ExportFormat::MarcXml => {
            // The record without its own <collection> wrapper.
            let xml = strip_declaration(marc_xml(doc));
            let start = xml.find("<record").unwrap_or(0);
            let end = xml.rfind("</record>").map_or(xml.len(), |e| e + "</record>".len());
            format!("{}\n", &xml[start..end])
        }
        ExportFormat::DublinCore => strip_declaration(dublin_core(doc, &ctx)),
        ExportFormat::Bibtex => format!("{}\n", bibtex(doc, &ctx)),
        ExportFormat::Ris => ris(doc, &ctx),
        ExportFormat::CslJson => {
            let item = match csl_json(doc, &ctx) {
                serde_json::Value::Array(mut items) if !items.is_empty() => items.remove(0),
                other => other,
            };
            format!("{}{:#}", if first { "" } else { ",\n" }, item)
        }
    }
}

/// The stored MARC record with the description's edits applied (or a new record when the
/// document was not imported from MARC), so that fields hamkor does not model survive.
fn marc_xml(doc: &Document) -> String {
    let stored = doc.marc_xml.as_deref().and_then(|xml| {
        crate::marc::read_records(xml.as_bytes(), crate::marc::ReadOptions::default()).into_iter().find_map(Result::ok)
    });
    let record = super::marc_map::marc_for_export(&doc.description, doc.control_number.as_deref(), stored.as_ref());
    crate::marc::to_marcxml(std::slice::from_ref(&record))
}

// ---------------------------------------------------------------------------------------
// Shared
// ---------------------------------------------------------------------------------------

/// What the stored MARC record says beyond the description: its links (856 `$u`) and DOIs
/// (024 with first indicator 7 and `$2 doi`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Links {
    urls: Vec<String>,
    dois: Vec<String>,
}

/// The links and DOIs of a document's stored record (none when it has no record, or when
/// it was read without it).
fn links(doc: &Document) -> Links {
    let Some(xml) = doc.marc_xml.as_deref() else { return Links::default() };
    let Some(record) =
        crate::marc::read_records(xml.as_bytes(), crate::marc::ReadOptions::default()).into_iter().find_map(Result::ok)
    else {
        return Links::default();
    };
    let mut out = Links::default();
    for field in record.fields("856") {
        for url in field.subfields_with('u').map(str::trim).filter(|u| u.starts_with("http")) {
            if !out.urls.iter().any(|u| u == url) {
                out.urls.push(url.to_owned());
            }
        }
    }
    for field in record.fields("024") {
        let is_doi = field.subfields_with('2').any(|source| source.trim().eq_ignore_ascii_case("doi"));
        if let (true, Some(doi)) = (is_doi, field.subfield('a')) {
            let doi = doi.trim().trim_start_matches("https://doi.org/").trim_start_matches("doi:").to_owned();
            if doi.starts_with("10.") && !out.dois.contains(&doi) {
                out.dois.push(doi);
            }
        }
    }
    out
}

fn is_primary(role: ContributorRole) -> bool {
    matches!(role, ContributorRole::Author | ContributorRole::Composer)
}

fn has_isbn(d: &Description) -> bool {
    d.isbns.iter().any(|i| !i.trim().is_empty())
}

/// Title and subtitle joined with `separator`, or with a space when the title already ends
/// in punctuation (a question, a colon carried over from ISBD).
fn join_title(title: &str, subtitle: Option<&str>, separator: &str) -> String {
    let title = title.trim();
    let subtitle = subtitle.map(str::trim).unwrap_or("");
    if subtitle.is_empty() {
        return title.to_owned();
    }
    if title.is_empty() {
        return subtitle.to_owned();
    }
    let punctuated = title.ends_with([':', ';', '.', '!', '?', '-', '–', '—', '：', '？', '！', '。', '؟']);
    format!("{title}{}{subtitle}", if punctuated { " " } else { separator })
}

/// The publisher, else the contributors with the publisher role.
fn publishers(d: &Description) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    if let Some(publisher) = d.publisher.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        out.push(publisher);
    }
    for contributor in &d.contributors {
        let name = contributor.name.trim();
        if contributor.role == ContributorRole::Publisher && !name.is_empty() && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

fn languages(d: &Description) -> Vec<String> {
    d.languages.iter().map(|code| code.trim()).filter(|code| !code.is_empty()).map(short_language).collect()
}

/// Any run of whitespace, control characters or line separators as one space, trimmed:
/// RIS is line-based, and a paragraph break inside a BibTeX field ends the paragraph in
/// LaTeX.
fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() || c.is_control() {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}
