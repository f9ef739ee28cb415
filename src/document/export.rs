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

use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use super::identifiers::short_language;
use super::{ContributorRole, Description, Document, DocumentFormat};

/// The export formats of a document.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
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

    pub fn media_type(self) -> &'static str {
        match self {
            Self::MarcXml => "application/marcxml+xml",
            // oai_dc has no registered media type of its own.
            Self::DublinCore => "application/xml",
            Self::Bibtex => "application/x-bibtex",
            Self::Ris => "application/x-research-info-systems",
            Self::CslJson => "application/vnd.citationstyles.csl+json",
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
pub fn render(doc: &Document, format: ExportFormat, id: &async_graphql::ID) -> crate::error::Result<String> {
    let ctx = ExportContext { id: id.as_str(), url: None };
    Ok(match format {
        ExportFormat::MarcXml => marc_xml(doc),
        ExportFormat::DublinCore => dublin_core(doc, &ctx),
        ExportFormat::Bibtex => bibtex(doc, &ctx),
        ExportFormat::Ris => ris(doc, &ctx),
        // `Value`'s alternate Display is serde_json's pretty printer, without an error path.
        ExportFormat::CslJson => format!("{:#}", csl_json(doc, &ctx)),
    })
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
// Dublin Core
// ---------------------------------------------------------------------------------------

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

fn dcmi_type(format: DocumentFormat) -> Option<&'static str> {
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

// ---------------------------------------------------------------------------------------
// BibTeX
// ---------------------------------------------------------------------------------------

/// The document as one BibTeX entry, UTF-8 (biber, Zotero, JabRef read it as is).
///
/// Entry types: `@book` for books and for electronic resources with an ISBN (e-books),
/// `@unpublished` for manuscripts (Zotero imports it as a manuscript), `@misc` for the rest:
/// `@periodical` is unknown to classic styles and Zotero drops entries of a type it does
/// not know. The key is the first author's (or composer's) family name folded to ASCII
/// letters (`hamkor` when nothing is left), the year, and four hex digits hashed from the
/// global id so that two works of one author and year get different keys.
///
/// Fields beyond classic BibTeX are biblatex's (`translator`, `illustrator`, `language`,
/// `abstract`, `keywords`, `isbn`, `issn`, `url`); classic styles ignore them.
pub fn bibtex(doc: &Document, ctx: &ExportContext) -> String {
    let d = &doc.description;
    let entry_type = match d.format {
        DocumentFormat::Book => "book",
        DocumentFormat::Electronic if has_isbn(d) => "book",
        DocumentFormat::Manuscript => "unpublished",
        _ => "misc",
    };
    let mut fields: Vec<(&str, String)> = Vec::new();

    let title = join_title(&d.title, d.subtitle.as_deref(), ": ");
    if !one_line(&title).is_empty() {
        // The inner braces keep styles from lower-casing the title (and proper names in it).
        fields.push(("title", format!("{{{}}}", bib_escape(&title))));
    }
    let names = |roles: &[ContributorRole]| {
        let names: Vec<String> = d
            .contributors
            .iter()
            .filter(|c| roles.contains(&c.role) && !one_line(&c.name).is_empty())
            .map(|c| bib_name(&c.name))
            .collect();
        (!names.is_empty()).then(|| names.join(" and "))
    };
    let name_fields = [
        ("author", &[ContributorRole::Author, ContributorRole::Composer][..]),
        ("editor", &[ContributorRole::Editor, ContributorRole::Compiler][..]),
        ("translator", &[ContributorRole::Translator][..]),
        ("illustrator", &[ContributorRole::Illustrator][..]),
    ];
    for (field, roles) in name_fields {
        if let Some(value) = names(roles) {
            fields.push((field, value));
        }
    }
    let mut text = |field: &'static str, value: Option<&str>| {
        if let Some(value) = value.map(bib_escape).filter(|v| !v.is_empty()) {
            fields.push((field, value));
        }
    };
    text("publisher", publishers(d).first().copied());
    text("address", d.place.as_deref());
    text("year", d.year.map(|y| y.to_string()).as_deref());
    text("edition", d.edition.as_deref());
    text("series", d.series_title.as_deref());
    text("volume", d.series_volume.as_deref());
    // Zotero keeps several ISBNs (or ISSNs) in one field, separated by spaces.
    text("isbn", Some(d.isbns.join(" ").as_str()));
    text("issn", Some(d.issns.join(" ").as_str()));
    // biblatex's language is a name list.
    text("language", Some(languages(d).join(" and ").as_str()));
    text("abstract", d.abstract_text.as_deref());
    text("note", d.notes.as_deref());
    let subjects: Vec<String> = d.subjects.iter().map(|s| one_line(s)).filter(|s| !s.is_empty()).collect();
    text("keywords", Some(subjects.join(", ").as_str()));
    if let Some(url) = ctx.url.map(bib_url).filter(|u| !u.is_empty()) {
        fields.push(("url", url));
    }

    let mut out = format!("@{entry_type}{{{},\n", bib_key(d, ctx.id));
    let last = fields.len().saturating_sub(1);
    for (i, (field, value)) in fields.iter().enumerate() {
        let _ = writeln!(out, "  {field} = {{{value}}}{}", if i == last { "" } else { "," });
    }
    out.push_str("}\n");
    out
}

fn has_isbn(d: &Description) -> bool {
    d.isbns.iter().any(|i| !i.trim().is_empty())
}

/// Escapes BibTeX and LaTeX specials. Braces become `{\textbraceleft}`/`{\textbraceright}`
/// rather than `\{`/`\}`: BibTeX counts escaped braces too, so a lone `\{` would unbalance
/// the entry; the wrapped macros keep every brace paired for BibTeX, biber and Zotero alike.
fn bib_escape(text: &str) -> String {
    let text = one_line(text);
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("{\\textbackslash}"),
            '{' => out.push_str("{\\textbraceleft}"),
            '}' => out.push_str("{\\textbraceright}"),
            '~' => out.push_str("{\\textasciitilde}"),
            '^' => out.push_str("{\\textasciicircum}"),
            '#' | '$' | '%' | '&' | '_' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// A name as BibTeX parses name lists: "Family, Given" stays as stored; a name without a
/// comma (a corporate body, a single name) is braced so that BibTeX takes it whole instead
/// of splitting off its last word as the family name. A standalone word "and" inside a name
/// is braced so that it does not split the list.
fn bib_name(name: &str) -> String {
    let name = one_line(name);
    if !name.contains(',') {
        return format!("{{{}}}", bib_escape(&name));
    }
    name.split(' ')
        .map(|word| if word.eq_ignore_ascii_case("and") { format!("{{{word}}}") } else { bib_escape(word) })
        .collect::<Vec<_>>()
        .join(" ")
}

/// URLs stay unescaped (biblatex reads `url` verbatim, `\url` typesets `%` and `#`), except
/// for what would break the entry or the URL: braces, backslashes and spaces are
/// percent-encoded.
fn bib_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.trim().chars() {
        match c {
            '{' => out.push_str("%7B"),
            '}' => out.push_str("%7D"),
            '\\' => out.push_str("%5C"),
            c if c.is_whitespace() || c.is_control() => out.push_str("%20"),
            c => out.push(c),
        }
    }
    out
}

fn bib_key(d: &Description, id: &str) -> String {
    let stem = d
        .contributors
        .iter()
        .find(|c| is_primary(c.role))
        .map(|c| family_stem(&c.name))
        .filter(|stem| !stem.is_empty())
        .unwrap_or_else(|| "hamkor".to_owned());
    let year = d.year.map(|y| y.unsigned_abs().to_string()).unwrap_or_default();
    format!("{stem}{year}{}", short_hash(id))
}

/// The family name (before the comma; the first word of a name without one) in lower-case
/// ASCII letters, at most 24 of them.
fn family_stem(name: &str) -> String {
    let family = match name.split_once(',') {
        Some((family, _)) => family,
        None => name.split_whitespace().next().unwrap_or(""),
    };
    let mut stem = String::new();
    for c in family.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() {
            stem.push(c);
        } else if let Some(ascii) = fold_to_ascii(c) {
            stem.push_str(ascii);
        }
        if stem.len() >= 24 {
            break;
        }
    }
    stem.truncate(24);
    stem
}

/// Lower-case Latin letters with diacritics (including pinyin tone marks) and Cyrillic
/// letters (Russian, Uzbek, Ukrainian, Kazakh) as ASCII, so that a key stays typeable.
fn fold_to_ascii(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' | 'ǎ' | 'а' | 'ә' => "a",
        'æ' => "ae",
        'б' => "b",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' | 'д' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' | 'ə' | 'е' | 'ё' | 'э' => "e",
        'ф' => "f",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' | 'г' | 'ғ' | 'ґ' => "g",
        'ĥ' | 'ħ' | 'ҳ' | 'һ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' | 'ǐ' | 'и' | 'й' | 'і' | 'ї' => "i",
        'ĵ' => "j",
        'ķ' | 'к' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' | 'л' => "l",
        'м' => "m",
        'ñ' | 'ń' | 'ņ' | 'ň' | 'н' | 'ң' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' | 'ǒ' | 'о' | 'ў' | 'ө' => "o",
        'œ' => "oe",
        'п' => "p",
        'қ' => "q",
        'ŕ' | 'ŗ' | 'ř' | 'р' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' | 'с' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'ț' | 'т' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' | 'ǔ' | 'ǖ' | 'ǘ' | 'ǚ' | 'ǜ' | 'у' | 'ү' | 'ұ' => {
            "u"
        }
        'в' => "v",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' | 'ы' => "y",
        'ź' | 'ż' | 'ž' | 'з' => "z",
        'ж' => "zh",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ю' => "iu",
        'я' => "ia",
        'є' => "ie",
        _ => return None,
    })
}

/// Four hex digits of FNV-1a: stable across runs and Rust versions, unlike `DefaultHasher`.
fn short_hash(text: &str) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in text.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    format!("{:04x}", (hash ^ (hash >> 16)) & 0xffff)
}

// ---------------------------------------------------------------------------------------
// RIS
// ---------------------------------------------------------------------------------------

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
        line(tag, &contributor.name);
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
    if let Some(url) = ctx.url {
        line("UR", url);
    }
    out.push_str("ER  - \r\n");
    out
}

// ---------------------------------------------------------------------------------------
// CSL-JSON
// ---------------------------------------------------------------------------------------

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
    text("URL", ctx.url);

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

/// "Family, Given" as a structured name; anything else (a corporate body, a single name, a
/// name in a script without inversion) as a literal, which citeproc never re-orders.
fn csl_name(name: &str) -> Option<Value> {
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    Some(match name.split_once(',') {
        Some((family, given)) if !family.trim().is_empty() => {
            let (family, given) = (family.trim(), given.trim());
            if given.is_empty() { json!({ "family": family }) } else { json!({ "family": family, "given": given }) }
        }
        _ => json!({ "literal": name }),
    })
}

// ---------------------------------------------------------------------------------------
// Shared
// ---------------------------------------------------------------------------------------

fn is_primary(role: ContributorRole) -> bool {
    matches!(role, ContributorRole::Author | ContributorRole::Composer)
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

/// "Series; Volume" (or the series alone); a volume number without its series means nothing.
fn series(d: &Description) -> Option<String> {
    let title = d.series_title.as_deref().map(str::trim).filter(|t| !t.is_empty())?;
    Some(match d.series_volume.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        Some(volume) => format!("{title}; {volume}"),
        None => title.to_owned(),
    })
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

#[cfg(test)]
mod tests {
    use quick_xml::events::Event;
    use quick_xml::name::{Namespace, ResolveResult};
    use quick_xml::reader::NsReader;

    use super::*;
    use crate::document::{Contributor, ParallelTitle};

    const DC_NS: &str = "http://purl.org/dc/elements/1.1/";

    fn document(description: Description) -> Document {
        Document {
            id: 7,
            description,
            source: None,
            control_number: None,
            origin_partner_id: None,
            origin_exchange_id: None,
            import_id: None,
            marc_xml: None,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        }
    }

    fn person(name: &str, role: ContributorRole) -> Contributor {
        Contributor { name: name.into(), role, parallel_name: None }
    }

    const CTX: ExportContext<'static> = ExportContext { id: "RG9jdW1lbnQ6Nw", url: Some("https://hamkor.example/d/7") };

    fn chinese_book() -> Document {
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

    fn russian_book() -> Document {
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

    const SPECIAL_TITLE: &str = r"{Curly} 100% R&D_notes #1 $5 ~tilde^hat\path}";

    fn special_characters() -> Document {
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

    fn title_only() -> Document {
        document(Description { title: "Untitled map".into(), format: DocumentFormat::Map, ..Description::default() })
    }

    /// Parses the XML strictly and returns each element's namespace, local name and text,
    /// in the order the elements close (the root last).
    fn parse_xml(xml: &str) -> Vec<(String, String, String)> {
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

    fn dc_values(elements: &[(String, String, String)], name: &str) -> Vec<String> {
        elements.iter().filter(|(ns, local, _)| ns == DC_NS && local == name).map(|(_, _, v)| v.clone()).collect()
    }

    fn assert_balanced_braces(entry: &str) {
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

    fn ris_lines(ris: &str) -> Vec<&str> {
        assert!(ris.ends_with("\r\n"));
        assert!(!ris.replace("\r\n", "").contains(['\r', '\n']), "bare line break in {ris:?}");
        ris.trim_end_matches("\r\n").split("\r\n").collect()
    }

    fn ris_values<'a>(lines: &[&'a str], tag: &str) -> Vec<&'a str> {
        let prefix = format!("{tag}  - ");
        lines.iter().filter_map(|line| line.strip_prefix(prefix.as_str())).collect()
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

    #[test]
    fn bibtex_entry_of_a_russian_book() {
        let entry = bibtex(&russian_book(), &CTX);
        assert_balanced_braces(&entry);
        let key = format!("tolstoi1983{}", short_hash(CTX.id));
        assert!(entry.starts_with(&format!("@book{{{key},\n")), "{entry}");
        assert!(entry.ends_with("\n}\n"));
        for field in [
            "  title = {{Война и мир}},",
            "  author = {Толстой, Лев Николаевич},",
            "  editor = {Бочаров, С. Г.},",
            "  translator = {Maude, Louise},",
            "  publisher = {Художественная литература},",
            "  address = {Москва},",
            "  year = {1983},",
            "  edition = {2-е изд.},",
            "  series = {Собрание сочинений},",
            "  volume = {т. 4},",
            "  isbn = {9780306406157},",
            "  issn = {0378-5955},",
            "  language = {ru and en},",
            "  abstract = {Роман-эпопея. Четыре тома.},",
            "  url = {https://hamkor.example/d/7}",
        ] {
            assert!(entry.lines().any(|line| line == field), "missing {field:?} in\n{entry}");
        }
    }

    #[test]
    fn bibtex_escapes_specials_and_protects_name_lists() {
        let mut doc = special_characters();
        doc.description.format = DocumentFormat::Manuscript;
        let entry = bibtex(&doc, &ExportContext { id: "x", url: Some("https://e.org/a b{c}%20") });
        assert_balanced_braces(&entry);
        assert!(entry.starts_with("@unpublished{ministry2024"), "{entry}");
        let title = entry.lines().find(|l| l.starts_with("  title = ")).unwrap_or_default();
        assert_eq!(
            title,
            r#"  title = {{{\textbraceleft}Curly{\textbraceright} 100\% R\&D\_notes \#1 \$5 {\textasciitilde}tilde{\textasciicircum}hat{\textbackslash}path{\textbraceright}: <tags> \& "quotes"}},"#
        );
        assert!(entry.contains("  author = {{Ministry of Culture and Sports}},"), "{entry}");
        assert!(entry.contains("  editor = {O'Brien, Anne \\& Co},"), "{entry}");
        assert!(entry.contains("  note = {line one line two line three},"), "{entry}");
        assert!(entry.contains("  keywords = {Tags \\& {\\textbraceleft}braces{\\textbraceright}},"), "{entry}");
        assert!(entry.contains("  url = {https://e.org/a%20b%7Bc%7D%20}\n"), "{entry}");

        let mut doc = special_characters();
        doc.description.contributors = vec![person("Smith, Anne and Bob", ContributorRole::Author)];
        assert!(bibtex(&doc, &CTX).contains("  author = {Smith, Anne {and} Bob},"));
    }

    #[test]
    fn bibtex_keys_fall_back_and_stay_ascii() {
        let chinese = bibtex(&chinese_book(), &CTX);
        assert_balanced_braces(&chinese);
        assert!(chinese.starts_with(&format!("@book{{jin1976{},", short_hash(CTX.id))), "{chinese}");
        assert!(chinese.contains("  keywords = {Kung fu -- Fiction, 武侠小说},"));

        let bare = bibtex(&title_only(), &CTX);
        assert_balanced_braces(&bare);
        assert_eq!(
            bare,
            format!(
                "@misc{{hamkor{},\n  title = {{{{Untitled map}}}},\n  url = {{https://hamkor.example/d/7}}\n}}\n",
                short_hash(CTX.id)
            )
        );

        let mut han_author = title_only();
        han_author.description.contributors = vec![person("金庸", ContributorRole::Author)];
        han_author.description.year = Some(1957);
        assert!(bibtex(&han_author, &CTX).starts_with("@misc{hamkor1957"));
        let mut accented = title_only();
        accented.description.contributors = vec![person("Dvořák, Antonín", ContributorRole::Composer)];
        assert!(bibtex(&accented, &CTX).contains("{dvorak"));

        assert_ne!(short_hash("RG9jdW1lbnQ6Nw"), short_hash("RG9jdW1lbnQ6OA"));
        assert_eq!(short_hash("x").len(), 4);
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

    #[test]
    fn render_gives_every_format() {
        let id = async_graphql::ID(CTX.id.to_owned());
        let doc = russian_book();
        let plain = ExportContext { url: None, ..CTX };
        let marc = render(&doc, ExportFormat::MarcXml, &id).unwrap_or_default();
        let elements = parse_xml(&marc);
        assert_eq!(elements.last().map(|(_, local, _)| local.as_str()), Some("collection"));
        assert!(elements.iter().any(|(_, _, text)| text.contains("Война и мир")), "{marc}");
        let json = render(&doc, ExportFormat::CslJson, &id).unwrap_or_default();
        let parsed: Value = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(parsed, csl_json(&doc, &plain));
        assert_eq!(render(&doc, ExportFormat::Ris, &id).ok(), Some(ris(&doc, &plain)));
        assert_eq!(render(&doc, ExportFormat::Bibtex, &id).ok(), Some(bibtex(&doc, &plain)));
        assert_eq!(render(&doc, ExportFormat::DublinCore, &id).ok(), Some(dublin_core(&doc, &plain)));
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
}
