//! A hit as a search returns it: read from the index's columns and, when asked, its copy
//! of the document.

use tantivy::columnar::Column;
use tantivy::schema::Value;
use tantivy::{DocAddress, Searcher, SegmentReader, TantivyDocument};

use super::Hit;
use crate::document::Document;
use crate::search::schema::Fields;

/// The columns a hit is read from, opened once per segment and search: opening a column
/// reads its block index (two thousand blocks at a million documents), which for every hit
/// of a page cost more than finding the hits.
pub(super) struct HitColumns {
    id: Column<u64>,
    partner: Option<Column<u64>>,
}

impl HitColumns {
    pub(super) fn open(segment: &SegmentReader) -> Option<HitColumns> {
        let columns = segment.fast_fields();
        Some(HitColumns { id: columns.u64("id").ok()?, partner: columns.u64("partner").ok() })
    }
}

pub(super) fn hit(
    searcher: &Searcher,
    fields: &Fields,
    columns: &HitColumns,
    address: DocAddress,
    score: f32,
    with_document: bool,
) -> Option<Hit> {
    let document_id = columns.id.first(address.doc_id)? as i64;
    let origin_partner_id = columns.partner.as_ref().and_then(|c| c.first(address.doc_id)).map(|p| p as i64);
    let document = if with_document { stored_copy(searcher, fields, address, document_id) } else { None };
    Some(Hit { document_id, origin_partner_id, score, document, highlights: None })
}

/// The index's copy of a hit's document.
fn stored_copy(searcher: &Searcher, fields: &Fields, address: DocAddress, document_id: i64) -> Option<Document> {
    let stored: TantivyDocument = match searcher.doc(address) {
        Ok(stored) => stored,
        Err(err) => {
            tracing::warn!(document = document_id, error = %err, "cannot read a document's copy from the index");
            return None;
        }
    };
    let bytes = stored.get_first(fields.copy).and_then(|value| value.as_bytes())?;
    match serde_json::from_slice(bytes) {
        Ok(document) => Some(document),
        Err(err) => {
            tracing::warn!(document = document_id, error = %err, "the index's copy of a document is unreadable");
            None
        }
    }
}
