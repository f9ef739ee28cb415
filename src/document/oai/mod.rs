//! OAI-PMH 2.0: the catalogue as partners' discovery systems and union catalogues (VuFind,
//! Koha, WorldCat, Europeana) harvest it. The six verbs, the `oai_dc` and `marcxml`
//! formats (the exports of `document::export`), sets by origin partner, shipment and
//! language, deletions reported for good (`persistent`), and resumption tokens that are
//! keyset cursors (see `token`). The HTTP handler (`http::oai`) only collects the
//! arguments; everything the protocol says is here.
//!
//! Every request gets an OAI-PMH document: protocol errors are `<error>` elements, never
//! HTTP errors. Only a database failure is an `Err`.

pub mod db;
mod records;
mod request;
mod sets;
mod token;
mod xml;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use self::db::HeaderRow;
use self::request::Command;
use self::xml::element;
use super::Document;
use super::export::{self, ExportFormat};
use crate::error::Result;
use crate::global_id::{self, NodeKind};

/// Records per ListRecords page: each carries a rendered MARC record or Dublin Core.
pub const RECORDS_PER_PAGE: usize = 100;
/// Headers per ListIdentifiers page.
pub const IDENTIFIERS_PER_PAGE: usize = 500;
/// The repository identifier of `oai:<repository>:<document id>` unless one is configured.
pub const DEFAULT_REPOSITORY_IDENTIFIER: &str = "hamkor.local";

const MARC_NAMESPACE: &str = "http://www.loc.gov/MARC21/slim";
const MARC_SCHEMA: &str = "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd";

/// How the repository presents itself; `Default` is what a server without settings says.
#[derive(Clone, Debug)]
pub struct OaiOptions {
    pub repository_name: String,
    /// The middle part of every OAI identifier. Harvesters key their copies by identifier,
    /// so it must not change once partners harvest; a domain name the library owns is the
    /// convention (`oai-identifier` scheme).
    pub repository_identifier: String,
    /// The contacts Identify names; the protocol requires one, so none configured means the
    /// default.
    pub admin_emails: Vec<String>,
    /// The URL harvesters use, when the server sits behind a proxy; else the URL each
    /// request came to.
    pub base_url: Option<String>,
}

impl Default for OaiOptions {
    fn default() -> Self {
        OaiOptions {
            repository_name: "hamkor: documents exchanged with the library's international partners".into(),
            repository_identifier: DEFAULT_REPOSITORY_IDENTIFIER.into(),
            admin_emails: vec![format!("admin@{DEFAULT_REPOSITORY_IDENTIFIER}")],
            base_url: None,
        }
    }
}

/// The protocol's error codes that this repository can answer. `noSetHierarchy` never
/// applies (it has sets) and `noMetadataFormats` neither (every item, deleted or not, has
/// both formats).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    BadArgument,
    BadResumptionToken,
    BadVerb,
    CannotDisseminateFormat,
    IdDoesNotExist,
    NoRecordsMatch,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadArgument => "badArgument",
            ErrorCode::BadResumptionToken => "badResumptionToken",
            ErrorCode::BadVerb => "badVerb",
            ErrorCode::CannotDisseminateFormat => "cannotDisseminateFormat",
            ErrorCode::IdDoesNotExist => "idDoesNotExist",
            ErrorCode::NoRecordsMatch => "noRecordsMatch",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OaiError {
    pub code: ErrorCode,
    pub message: String,
}

impl OaiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        OaiError { code, message: message.into() }
    }
}

/// The verb's element, or the errors that replace it.
type Answer = std::result::Result<String, Vec<OaiError>>;

fn failed(code: ErrorCode, message: impl Into<String>) -> Result<Answer> {
    Ok(Err(vec![OaiError::new(code, message)]))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetadataFormat {
    OaiDc,
    MarcXml,
}

impl MetadataFormat {
    pub const ALL: [MetadataFormat; 2] = [MetadataFormat::OaiDc, MetadataFormat::MarcXml];

    pub fn prefix(self) -> &'static str {
        match self {
            MetadataFormat::OaiDc => "oai_dc",
            MetadataFormat::MarcXml => "marcxml",
        }
    }

    pub fn from_prefix(prefix: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.prefix() == prefix)
    }

    fn schema(self) -> &'static str {
        match self {
            MetadataFormat::OaiDc => "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
            MetadataFormat::MarcXml => MARC_SCHEMA,
        }
    }

    fn namespace(self) -> &'static str {
        match self {
            MetadataFormat::OaiDc => "http://www.openarchives.org/OAI/2.0/oai_dc/",
            MetadataFormat::MarcXml => MARC_NAMESPACE,
        }
    }

    /// A document's metadata in this format, ready to go inside `<metadata>`.
    fn render(self, document: &Document) -> Result<String> {
        let id = global_id::encode(NodeKind::Document, document.id);
        Ok(match self {
            MetadataFormat::OaiDc => {
                xml::without_declaration(&export::render(document, ExportFormat::DublinCore, &id)?).to_owned()
            }
            MetadataFormat::MarcXml => {
                xml::marc_record(&export::render(document, ExportFormat::MarcXml, &id)?, MARC_NAMESPACE, MARC_SCHEMA)
            }
        })
    }
}

/// A set: `partner:<partner id>`, `exchange:<shipment id>`, `language:<ISO 639-3>` (global
/// ids for partners and shipments, as in the API), or the parent of each (`partner`:
/// every document with an origin partner, and so on).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetSpec {
    Partner(Option<i64>),
    Exchange(Option<i64>),
    Language(Option<String>),
}

impl SetSpec {
    /// The set `spec` names; `None` for a spec of valid syntax that is no set here.
    pub fn parse(spec: &str) -> Option<Self> {
        let (kind, value) = match spec.split_once(':') {
            Some((kind, value)) => (kind, Some(value)),
            None => (spec, None),
        };
        let id = |kind: NodeKind| match value {
            None => Some(None),
            Some(value) => global_id::decode_as("set", value, kind).ok().map(Some),
        };
        match kind {
            "partner" => id(NodeKind::Partner).map(SetSpec::Partner),
            "exchange" => id(NodeKind::Exchange).map(SetSpec::Exchange),
            "language" => match value {
                None => Some(SetSpec::Language(None)),
                Some(code) if is_language_spec(code) => Some(SetSpec::Language(Some(code.to_owned()))),
                Some(_) => None,
            },
            _ => None,
        }
    }
}

/// Whether a stored language code can be the last part of a set spec.
fn is_language_spec(code: &str) -> bool {
    !code.is_empty() && code.len() <= 8 && code.chars().all(|c| c.is_ascii_alphanumeric())
}

/// What a list request reads: a set, changes from `from` (inclusive) until `until`
/// (exclusive).
#[derive(Clone, Debug)]
pub struct Selection {
    pub set: Option<SetSpec>,
    pub from: Option<DateTime<Utc>>,
    pub until: DateTime<Utc>,
}

/// What every answer knows.
struct Context<'a> {
    options: &'a OaiOptions,
    base_url: &'a str,
    now: DateTime<Utc>,
}

/// Answers one OAI-PMH request: `arguments` are its key-value pairs in the order they came
/// (a query string or a form body, decoded), `base_url` the URL it came to unless
/// `options` name one. The answer is always an OAI-PMH XML document; `Err` only when the
/// database fails.
pub async fn respond(
    pool: &PgPool,
    options: &OaiOptions,
    base_url: &str,
    arguments: &[(String, String)],
) -> Result<String> {
    let base_url = options.base_url.as_deref().unwrap_or(base_url);
    let mut tx = db::snapshot(pool).await?;
    let now = db::now(&mut tx).await?;
    let (echoed, answer) = match request::parse(arguments) {
        Err(errors) => (None, Err(errors)),
        Ok(command) => {
            let context = Context { options, base_url, now };
            (Some(arguments), answer(&mut tx, pool, &context, command).await?)
        }
    };
    tx.commit().await?;
    Ok(xml::envelope(now, base_url, echoed, &answer))
}

async fn answer(conn: &mut PgConnection, pool: &PgPool, cx: &Context<'_>, command: Command) -> Result<Answer> {
    match command {
        Command::Identify => identify(conn, cx).await,
        Command::ListMetadataFormats { identifier } => list_metadata_formats(conn, cx, identifier).await,
        Command::ListSets { resumption_token: Some(_) } => failed(
            ErrorCode::BadResumptionToken,
            "this repository lists all its sets at once and issues no ListSets resumption tokens",
        ),
        Command::ListSets { resumption_token: None } => sets::list_sets(conn, pool).await,
        Command::GetRecord { identifier, prefix } => records::get_record(conn, cx, &identifier, &prefix).await,
        Command::List { records, start } => records::list(conn, cx, records, start).await,
    }
}

/// `oai:<repository identifier>:<global id>`.
fn oai_identifier(options: &OaiOptions, id: i64) -> String {
    format!("oai:{}:{}", options.repository_identifier, global_id::encode(NodeKind::Document, id))
}

/// The document id an OAI identifier names, if it is one of this repository's.
fn document_id(options: &OaiOptions, identifier: &str) -> Option<i64> {
    let id =
        identifier.strip_prefix("oai:")?.strip_prefix(options.repository_identifier.as_str())?.strip_prefix(':')?;
    global_id::decode_as("identifier", id, NodeKind::Document).ok()
}

/// Whether `text` can be an `oai-identifier` repository identifier (a domain name), the
/// condition for describing the identifier scheme in Identify.
fn is_repository_identifier(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    parts.len() >= 2
        && parts.iter().all(|part| {
            part.starts_with(|c: char| c.is_ascii_alphabetic())
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

async fn identify(conn: &mut PgConnection, cx: &Context<'_>) -> Result<Answer> {
    let earliest = db::earliest(conn).await?.unwrap_or(cx.now);
    let mut out = String::from("<Identify>\n");
    element(&mut out, "repositoryName", &cx.options.repository_name);
    element(&mut out, "baseURL", cx.base_url);
    element(&mut out, "protocolVersion", "2.0");
    let fallback = OaiOptions::default().admin_emails;
    let emails = if cx.options.admin_emails.is_empty() { &fallback } else { &cx.options.admin_emails };
    for email in emails {
        element(&mut out, "adminEmail", email);
    }
    element(&mut out, "earliestDatestamp", &xml::datestamp(earliest));
    element(&mut out, "deletedRecord", "persistent");
    element(&mut out, "granularity", "YYYY-MM-DDThh:mm:ssZ");
    let repository = &cx.options.repository_identifier;
    if is_repository_identifier(repository) {
        out.push_str(
            "\n<description><oai-identifier xmlns=\"http://www.openarchives.org/OAI/2.0/oai-identifier\" \
             xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
             xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/oai-identifier \
             http://www.openarchives.org/OAI/2.0/oai-identifier.xsd\">",
        );
        element(&mut out, "scheme", "oai");
        element(&mut out, "repositoryIdentifier", repository);
        element(&mut out, "delimiter", ":");
        element(&mut out, "sampleIdentifier", &oai_identifier(cx.options, 1));
        out.push_str("</oai-identifier></description>");
    }
    out.push_str("\n</Identify>\n");
    Ok(Ok(out))
}

fn id_does_not_exist(identifier: &str) -> OaiError {
    OaiError::new(
        ErrorCode::IdDoesNotExist,
        format!("{} is not the identifier of an item of this repository", request::shown(identifier)),
    )
}

fn cannot_disseminate(prefix: &str) -> OaiError {
    OaiError::new(
        ErrorCode::CannotDisseminateFormat,
        format!("{} is not a metadata format of this repository: use oai_dc or marcxml", request::shown(prefix)),
    )
}

/// The document or deletion an identifier names.
async fn item(conn: &mut PgConnection, cx: &Context<'_>, identifier: &str) -> Result<Option<HeaderRow>> {
    match document_id(cx.options, identifier) {
        Some(id) => db::item(conn, id).await,
        None => Ok(None),
    }
}

async fn list_metadata_formats(
    conn: &mut PgConnection,
    cx: &Context<'_>,
    identifier: Option<String>,
) -> Result<Answer> {
    if let Some(identifier) = identifier
        && item(conn, cx, &identifier).await?.is_none()
    {
        return Ok(Err(vec![id_does_not_exist(&identifier)]));
    }
    let mut out = String::from("<ListMetadataFormats>\n");
    for format in MetadataFormat::ALL {
        out.push_str("<metadataFormat>");
        element(&mut out, "metadataPrefix", format.prefix());
        element(&mut out, "schema", format.schema());
        element(&mut out, "metadataNamespace", format.namespace());
        out.push_str("</metadataFormat>\n");
    }
    out.push_str("</ListMetadataFormats>\n");
    Ok(Ok(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_round_trip_and_foreign_ones_are_unknown() {
        let options = OaiOptions::default();
        let identifier = oai_identifier(&options, 42);
        assert!(identifier.starts_with("oai:hamkor.local:"), "{identifier}");
        assert_eq!(document_id(&options, &identifier), Some(42));
        let partner = format!("oai:hamkor.local:{}", global_id::encode(NodeKind::Partner, 42));
        for foreign in ["", "oai:hamkor.local:", "oai:other.org:RG9jdW1lbnQ6NDI", "RG9jdW1lbnQ6NDI", partner.as_str()] {
            assert_eq!(document_id(&options, foreign), None, "{foreign}");
        }
        assert!(is_repository_identifier(DEFAULT_REPOSITORY_IDENTIFIER));
        assert!(!is_repository_identifier("localhost") && !is_repository_identifier("a..b"));
    }

    #[test]
    fn set_specs_name_partners_shipments_and_languages() {
        let partner = global_id::encode(NodeKind::Partner, 7);
        assert_eq!(SetSpec::parse(&format!("partner:{partner}")), Some(SetSpec::Partner(Some(7))));
        assert_eq!(SetSpec::parse("partner"), Some(SetSpec::Partner(None)));
        assert_eq!(SetSpec::parse("language:uzb"), Some(SetSpec::Language(Some("uzb".into()))));
        assert_eq!(SetSpec::parse(&format!("exchange:{partner}")), None, "a partner's id is no shipment");
        assert_eq!(SetSpec::parse("colour:red"), None);
        let row = HeaderRow {
            id: 1,
            stamp: DateTime::<Utc>::MIN_UTC,
            deleted: false,
            partner_id: Some(7),
            exchange_ids: vec![3],
            languages: vec!["uzb".into(), "not a code".into()],
        };
        let specs = records::set_specs(&row);
        assert_eq!(specs.len(), 3, "{specs:?}");
        assert!(specs.iter().all(|s| request::is_set_spec(s) && SetSpec::parse(s).is_some()), "{specs:?}");
    }
}
