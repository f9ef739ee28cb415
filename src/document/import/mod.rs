//! MARC import: ISO 2709 or MARCXML records in, documents out, with a report of what was
//! created, updated and rejected (and why, record by record).
//!
//! A record is matched to an existing document by its source and control number (MARC
//! 001), else by ISBN, else (a record with neither) by being the very same record from the
//! same source: importing the same file twice updates, never duplicates. Records are
//! written in batches, each in one transaction, so a large file takes seconds; one bad
//! record never stops the rest.

use std::collections::HashMap;

use serde::Serialize;
use sqlx::PgPool;

pub mod db;

use super::db::{self as documents, DocumentRow};
use super::{Description, marc_map};
use crate::error::{Error, Result};
use crate::marc::{self, Encoding, ReadOptions};

/// Records written per transaction.
pub const BATCH_SIZE: usize = 1_000;
/// A single import accepts at most this much data (a partner's yearly file is far smaller).
pub const MAX_IMPORT_BYTES: usize = 256 * 1024 * 1024;

#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// Names where the records come from; with the control number it identifies a record.
    pub source: String,
    pub file_name: Option<String>,
    /// Forces an encoding instead of reading it from each record's leader (position 09).
    pub encoding: Option<Encoding>,
    pub partner_id: Option<i64>,
    pub exchange_id: Option<i64>,
}

/// Why one record was not imported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// The record's position in the file, from 1.
    pub position: i32,
    /// Where it starts in an ISO 2709 file.
    pub byte_offset: Option<i64>,
    pub control_number: Option<String>,
    pub reason: String,
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
    /// Ids of the documents created or updated, in file order.
    pub document_ids: Vec<i64>,
}

impl ImportReport {
    /// One line for logs and the audit trail.
    pub fn summary(&self) -> String {
        format!(
            "import {} from {:?}: {} read, {} created, {} updated, {} rejected",
            self.import_id, self.source, self.read, self.created, self.updated, self.rejected
        )
    }
}

/// A record that mapped to a valid description.
struct Accepted {
    description: Description,
    control_number: Option<String>,
    marc_xml: String,
}

/// What became of one record read.
enum Prepared {
    Accepted(Box<Accepted>),
    Rejected(Rejection),
}

/// Reads, maps and validates every record; returns the accepted ones and the rejections.
/// Mapping a record (and writing the MARCXML it is stored as) is independent of every
/// other record's, so it runs on every core.
fn prepare(bytes: &[u8], encoding: Option<Encoding>) -> (usize, Vec<Accepted>, Vec<Rejection>) {
    use rayon::prelude::*;
    let results = marc::read_records(bytes, ReadOptions { encoding });
    let read = results.len();
    let prepared: Vec<Prepared> = results
        .into_par_iter()
        .enumerate()
        .map(|(index, result)| {
            let position = (index + 1) as i32;
            let record = match result {
                Ok(record) => record,
                Err(err) => {
                    return Prepared::Rejected(Rejection {
                        position,
                        byte_offset: err.byte_offset.map(|o| o as i64),
                        control_number: err.control_number.clone(),
                        reason: err.reason.clone(),
                    });
                }
            };
            let control_number = marc_map::control_number(&record);
            let mapped = marc_map::description_from_marc(&record).and_then(|d| d.validate().map_err(|e| e.to_string()));
            match mapped {
                Ok(description) => Prepared::Accepted(Box::new(Accepted {
                    description,
                    control_number,
                    marc_xml: marc::to_marcxml(std::slice::from_ref(&record)),
                })),
                Err(reason) => Prepared::Rejected(Rejection { position, byte_offset: None, control_number, reason }),
            }
        })
        .collect();
    let mut accepted = Vec::with_capacity(read);
    let mut rejections = Vec::new();
    for outcome in prepared {
        match outcome {
            Prepared::Accepted(a) => accepted.push(*a),
            Prepared::Rejected(r) => rejections.push(r),
        }
    }
    (read, accepted, rejections)
}

/// Imports one file's bytes. `progress(done, total)` is called after every batch.
pub async fn import(
    pool: &PgPool,
    bytes: &[u8],
    options: &ImportOptions,
    mut progress: impl FnMut(usize, usize),
) -> Result<ImportReport> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(Error::invalid("records", format!("an import takes at most {MAX_IMPORT_BYTES} bytes")));
    }
    let source = crate::validate::text("source", &options.source, 200)?;
    check_references(&mut *pool.acquire().await?, options).await?;
    // Parsing is CPU work: off the async executor.
    let bytes_owned = bytes.to_vec();
    let encoding = options.encoding;
    let (read, accepted, mut rejections) = tokio::task::spawn_blocking(move || prepare(&bytes_owned, encoding)).await?;

    let import_id = db::start(pool, &source, options).await?;

    let mut report = ImportReport { import_id, source: source.clone(), read: read as i32, ..Default::default() };
    let total = accepted.len();
    let mut done = 0;
    for batch in accepted.chunks(BATCH_SIZE) {
        let (created, updated, ids) = write_batch(pool, &source, options, import_id, batch).await?;
        report.created += created;
        report.updated += updated;
        report.document_ids.extend(ids);
        done += batch.len();
        progress(done, total);
    }
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

/// Writes one batch in one transaction: matches, inserts, updates. Returns (created,
/// updated, document ids in batch order).
async fn write_batch<'a>(
    pool: &PgPool,
    source: &'a str,
    options: &ImportOptions,
    import_id: i64,
    batch: &'a [Accepted],
) -> Result<(i32, i32, Vec<i64>)> {
    let mut tx = pool.begin().await?;
    let control_numbers: Vec<&str> = batch.iter().filter_map(|a| a.control_number.as_deref()).collect();
    let isbns: Vec<&str> = batch.iter().flat_map(|a| a.description.isbns.iter().map(String::as_str)).collect();
    let unnumbered: Vec<&str> =
        batch.iter().filter(|a| a.control_number.is_none()).map(|a| a.marc_xml.as_str()).collect();
    let existing = documents::find_existing(&mut tx, source, &control_numbers, &isbns, &unnumbered).await?;
    let by_control: HashMap<&str, i64> = existing.by_control_number.iter().map(|(id, cn)| (cn.as_str(), *id)).collect();
    let by_record: HashMap<&str, i64> = existing.by_record.iter().map(|(id, xml)| (xml.as_str(), *id)).collect();
    // Known documents by ISBN, with the control number they have in this source (if any).
    let mut by_isbn: HashMap<&str, (i64, Option<&str>)> = HashMap::new();
    for candidate in &existing.by_isbn {
        let same_source = candidate.source.as_deref() == Some(source);
        let cn_here = if same_source { candidate.control_number.as_deref() } else { None };
        for isbn in &candidate.isbns {
            by_isbn.entry(isbn.as_str()).or_insert((candidate.id, cn_here));
        }
    }

    // Decide, record by record, which document it becomes. A record repeated within the
    // batch updates the document its first occurrence creates.
    let fresh_ids = documents::reserve_ids(&mut tx, batch.len()).await?;
    let mut by_control_in_batch: HashMap<&str, i64> = HashMap::new();
    let mut targets = Vec::with_capacity(batch.len());
    let (mut created, mut updated) = (0, 0);
    for (accepted, fresh) in batch.iter().zip(&fresh_ids) {
        let cn = accepted.control_number.as_deref();
        let known = match cn {
            Some(cn) => by_control.get(cn).or_else(|| by_control_in_batch.get(cn)).copied(),
            None => by_record.get(accepted.marc_xml.as_str()).copied(),
        }
        .or_else(|| {
            // The same ISBN means the same book, unless both records carry different
            // control numbers of this one source: then they are two records (volumes of a
            // set, say) that happen to share it.
            accepted.description.isbns.iter().find_map(|isbn| {
                let (id, other_cn) = by_isbn.get(isbn.as_str())?;
                let distinct = matches!((cn, other_cn), (Some(a), Some(b)) if a != *b);
                (!distinct).then_some(*id)
            })
        });
        let (id, is_new) = match known {
            Some(id) => (id, false),
            None => (*fresh, true),
        };
        if let Some(cn) = cn {
            by_control_in_batch.insert(cn, id);
        }
        for isbn in &accepted.description.isbns {
            by_isbn.entry(isbn.as_str()).or_insert((id, cn));
        }
        targets.push((id, is_new));
    }

    let row = |accepted: &'a Accepted, id: i64| DocumentRow {
        id,
        description: &accepted.description,
        source: Some(source),
        control_number: accepted.control_number.as_deref(),
        origin_partner_id: options.partner_id,
        origin_exchange_id: options.exchange_id,
        import_id: Some(import_id),
        marc_xml: Some(&accepted.marc_xml),
    };
    // A document created earlier in this batch and repeated later is inserted once, with
    // its last version.
    let mut inserts: HashMap<i64, DocumentRow> = HashMap::new();
    let mut updates: Vec<DocumentRow> = Vec::new();
    for (accepted, &(id, is_new)) in batch.iter().zip(&targets) {
        if is_new {
            created += 1;
        } else {
            updated += 1;
        }
        if is_new || fresh_ids.contains(&id) {
            inserts.insert(id, row(accepted, id));
        } else {
            updates.push(row(accepted, id));
        }
    }
    let mut insert_rows: Vec<DocumentRow> = inserts.into_values().collect();
    insert_rows.sort_by_key(|r| r.id);
    documents::insert_rows(&mut tx, &insert_rows).await?;
    // The same stored document matched twice in one batch: the last version wins.
    let mut seen = std::collections::HashSet::new();
    let updates: Vec<DocumentRow> = updates.into_iter().rev().filter(|r| seen.insert(r.id)).collect();
    documents::update_rows(&mut tx, &updates).await?;
    tx.commit().await?;
    Ok((created, updated, targets.into_iter().map(|(id, _)| id).collect()))
}
