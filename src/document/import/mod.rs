//! MARC import: ISO 2709 or MARCXML records in, documents out, with a report of what was
//! created, updated, repaired and rejected (and why, record by record), kept as the
//! import's history and undoable.
//!
//! A record becomes the document it already is, when there is one, by the first rule that
//! applies: the same control number (MARC 001) from the same source; the very same record
//! (byte for byte, as stored), from whatever source or file name; the same ISBN; an earlier
//! record of the same file. So importing a file again, under any name, creates nothing new.
//! The source is `--source` when given, else the file's own field 003 (the organisation
//! whose control numbers the 001s are), else the file's name.
//!
//! Records are written in batches, each in one transaction, so a large file takes seconds;
//! one bad record never stops the rest.

use serde::Serialize;
use sqlx::PgPool;

mod batch;
pub mod db;
mod prepare;
mod rollback;

pub use self::rollback::{RolledBack, rollback};
use crate::error::{Error, Result};
use crate::marc::Encoding;

/// Records written per transaction.
pub const BATCH_SIZE: usize = 1_000;
/// A single import accepts at most this much data (a partner's yearly file is far smaller).
pub const MAX_IMPORT_BYTES: usize = 256 * 1024 * 1024;

#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// Names where the records come from; with the control number it identifies a record.
    /// When `None`: the records' 003, else the file's name.
    pub source: Option<String>,
    pub file_name: Option<String>,
    /// Forces an encoding instead of reading it from each record's leader (position 09).
    pub encoding: Option<Encoding>,
    pub partner_id: Option<i64>,
    pub exchange_id: Option<i64>,
}

/// Why one record was not imported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Rejection {
    /// The record's position in the file, from 1.
    pub position: i32,
    /// Where it starts in an ISO 2709 file.
    pub byte_offset: Option<i64>,
    pub control_number: Option<String>,
    pub reason: String,
}

/// A repair made to a record, or a part of it dropped, while reading it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Warning {
    pub position: i32,
    pub control_number: Option<String>,
    /// The tag and what was done, e.g. "field 245: 3 bytes before the first subfield …".
    pub message: String,
}

/// Which rule recognised a record as a document already there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchRule {
    ControlNumber,
    SameRecord,
    Isbn,
    EarlierInFile,
}

impl MatchRule {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchRule::ControlNumber => "control_number",
            MatchRule::SameRecord => "same_record",
            MatchRule::Isbn => "isbn",
            MatchRule::EarlierInFile => "earlier_in_file",
        }
    }
}

/// What one record became.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    pub position: i32,
    pub document_id: i64,
    pub created: bool,
    /// `None` for a new document.
    pub matched_by: Option<MatchRule>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub import_id: i64,
    pub source: String,
    pub read: i32,
    pub created: i32,
    pub updated: i32,
    pub rejected: i32,
    pub rejections: Vec<Rejection>,
    pub warnings: Vec<Warning>,
    /// What each imported record became, in file order.
    pub changes: Vec<Change>,
    /// Ids of the documents created or updated, in file order.
    pub document_ids: Vec<i64>,
    /// Set when the bytes were not MARC at all (neither ISO 2709 nor MARCXML).
    pub not_marc: bool,
}

impl ImportReport {
    /// One line for logs and the audit trail.
    pub fn summary(&self) -> String {
        format!(
            "import {} from {:?}: {} read, {} created, {} updated, {} rejected, {} warnings",
            self.import_id,
            self.source,
            self.read,
            self.created,
            self.updated,
            self.rejected,
            self.warnings.len()
        )
    }

    /// Whether any record was imported.
    pub fn imported_anything(&self) -> bool {
        self.created + self.updated > 0
    }
}

/// Progress of an import: records read and mapped, then written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// The file is being read; nothing is known of its size in records yet.
    Reading,
    /// `done` of `total` readable records are written.
    Writing { done: usize, total: usize },
}

/// Imports one file's bytes. `progress` is called once the records are read and after
/// every batch.
pub async fn import(
    pool: &PgPool,
    bytes: &[u8],
    options: &ImportOptions,
    mut progress: impl FnMut(Progress),
) -> Result<ImportReport> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(Error::invalid("records", format!("an import takes at most {MAX_IMPORT_BYTES} bytes")));
    }
    if let Some(source) = &options.source {
        crate::validate::text("source", source, 200)?;
    }
    check_references(&mut *pool.acquire().await?, options).await?;
    progress(Progress::Reading);
    // Parsing is CPU work: off the async executor.
    let bytes_owned = bytes.to_vec();
    let encoding = options.encoding;
    let prepared = tokio::task::spawn_blocking(move || prepare::prepare(&bytes_owned, encoding)).await?;
    let source = match (&options.source, &prepared.organisation, &options.file_name) {
        (Some(given), _, _) => given.trim().to_owned(),
        (None, Some(organisation), _) => organisation.clone(),
        (None, None, Some(file)) if !file.trim().is_empty() => file.chars().take(200).collect(),
        _ => "graphql".to_owned(),
    };
    let import_id = db::start(pool, &source, options).await?;

    let mut report = ImportReport {
        import_id,
        source: source.clone(),
        read: prepared.read as i32,
        not_marc: prepared.not_marc,
        warnings: prepared.warnings,
        ..Default::default()
    };
    let total = prepared.accepted.len();
    progress(Progress::Writing { done: 0, total });
    let mut done = 0;
    let mut seen = batch::Seen::default();
    for chunk in prepared.accepted.chunks(BATCH_SIZE) {
        let changes = batch::write(pool, &source, options, import_id, chunk, &mut seen).await?;
        for change in changes {
            if change.created {
                report.created += 1;
            } else {
                report.updated += 1;
            }
            report.document_ids.push(change.document_id);
            report.changes.push(change);
        }
        done += chunk.len();
        progress(Progress::Writing { done, total });
    }
    let mut rejections = prepared.rejections;
    rejections.sort_by_key(|r| r.position);
    report.rejected = rejections.len() as i32;
    report.rejections = rejections;
    db::finish(pool, &report).await?;
    Ok(report)
}

/// The partner and shipment the records came with must exist, and be each other's.
async fn check_references(conn: &mut sqlx::PgConnection, options: &ImportOptions) -> Result<()> {
    if let Some(partner_id) = options.partner_id
        && !crate::partner::db::exists(conn, partner_id).await?
    {
        return Err(Error::not_found("Partner", partner_id));
    }
    if let Some(exchange_id) = options.exchange_id {
        match (crate::exchange::db::partner_of(conn, exchange_id).await?, options.partner_id) {
            (None, _) => return Err(Error::not_found("Exchange", exchange_id)),
            (Some(owner), Some(partner_id)) if owner != partner_id => {
                return Err(Error::invalid("exchangeId", "the shipment is with another partner than the one given"));
            }
            _ => {}
        }
    }
    Ok(())
}
