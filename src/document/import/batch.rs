//! Writing one batch of accepted records in one transaction: which document each record
//! is (see the module above for the rules), the inserts and updates, and the history that
//! lets the import be rolled back.

use std::collections::{HashMap, HashSet};

use sqlx::PgPool;

use super::prepare::Accepted;
use super::{Change, ImportOptions, MatchRule, db};
use crate::document::db::{self as documents, DocumentRow};
use crate::error::Result;

/// The records of the file written so far: a record repeated in a later batch is the same
/// document too. Records are remembered by the MD5 of their MARCXML, not the text.
#[derive(Default)]
pub(super) struct Seen {
    control: HashMap<String, i64>,
    record: HashMap<String, i64>,
}

/// Writes one batch; returns what each record became, in batch order.
pub(super) async fn write<'a>(
    pool: &PgPool,
    source: &'a str,
    options: &ImportOptions,
    import_id: i64,
    batch: &'a [Accepted],
    seen: &mut Seen,
) -> Result<Vec<Change>> {
    let mut tx = pool.begin().await?;
    let control_numbers: Vec<&str> = batch.iter().filter_map(|a| a.control_number.as_deref()).collect();
    let isbns: Vec<&str> = batch.iter().flat_map(|a| a.description.isbns.iter().map(String::as_str)).collect();
    let hashes: Vec<&str> = batch.iter().map(|a| a.marc_hash.as_str()).collect();
    let existing = documents::find_existing(&mut tx, source, &control_numbers, &isbns, &hashes).await?;
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
    // file updates the document its first occurrence creates.
    let fresh_ids = documents::reserve_ids(&mut tx, batch.len()).await?;
    let mut changes = Vec::with_capacity(batch.len());
    for (accepted, fresh) in batch.iter().zip(&fresh_ids) {
        let cn = accepted.control_number.as_deref();
        let xml = accepted.marc_xml.as_str();
        let earlier = cn.and_then(|cn| seen.control.get(cn)).or_else(|| seen.record.get(&accepted.marc_hash)).copied();
        let known = earlier
            .map(|id| (id, MatchRule::EarlierInFile))
            .or_else(|| cn.and_then(|cn| by_control.get(cn)).map(|&id| (id, MatchRule::ControlNumber)))
            .or_else(|| by_record.get(xml).map(|&id| (id, MatchRule::SameRecord)))
            .or_else(|| {
                // The same ISBN means the same book, unless both records carry different
                // control numbers of this one source: then they are two records (volumes
                // of a set, say) that happen to share it.
                accepted.description.isbns.iter().find_map(|isbn| {
                    let (id, other_cn) = by_isbn.get(isbn.as_str())?;
                    let distinct = matches!((cn, other_cn), (Some(a), Some(b)) if a != *b);
                    (!distinct).then_some((*id, MatchRule::Isbn))
                })
            });
        let change = match known {
            Some((id, rule)) => {
                Change { position: accepted.position, document_id: id, created: false, matched_by: Some(rule) }
            }
            None => Change { position: accepted.position, document_id: *fresh, created: true, matched_by: None },
        };
        let id = change.document_id;
        if let Some(cn) = cn {
            seen.control.insert(cn.to_owned(), id);
        }
        seen.record.insert(accepted.marc_hash.clone(), id);
        for isbn in &accepted.description.isbns {
            by_isbn.entry(isbn.as_str()).or_insert((id, cn));
        }
        changes.push(change);
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
        title_nonfiling: Some(accepted.title_nonfiling),
    };
    // A document created in this batch and repeated later is inserted once, with its last
    // version; a stored document matched twice is updated once, with its last version.
    let created_here: HashSet<i64> = changes.iter().filter(|c| c.created).map(|c| c.document_id).collect();
    let mut inserts: HashMap<i64, DocumentRow> = HashMap::new();
    let mut updates: HashMap<i64, DocumentRow> = HashMap::new();
    for (accepted, change) in batch.iter().zip(&changes) {
        let id = change.document_id;
        if created_here.contains(&id) {
            inserts.insert(id, row(accepted, id));
        } else {
            updates.insert(id, row(accepted, id));
        }
    }
    let mut insert_rows: Vec<DocumentRow> = inserts.into_values().collect();
    insert_rows.sort_by_key(|r| r.id);
    documents::insert_rows(&mut tx, &insert_rows).await?;
    // What the updates replace is kept first, for a roll-back.
    db::record_changes(&mut tx, import_id, &changes).await?;
    let update_rows: Vec<DocumentRow> = updates.into_values().collect();
    documents::update_rows(&mut tx, &update_rows).await?;
    tx.commit().await?;
    Ok(changes)
}
