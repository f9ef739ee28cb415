//! A hit as a search returns it: read from the index's columns and, when asked, its copy
//! of the document.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use tantivy::columnar::Column;
use tantivy::index::SegmentId;
use tantivy::schema::Value;
use tantivy::{DocAddress, Searcher, SegmentReader, TantivyDocument};

use super::Hit;
use crate::document::Document;
use crate::search::schema::Fields;

/// The columns a hit is read from. Opening a column reads its block index (two thousand
/// blocks at a million documents): opened for every hit, that cost more than finding the
/// hits; opened once per search, it was still a tenth of a rare word's page.
pub(super) struct HitColumns {
    id: Column<u64>,
    partner: Option<Column<u64>>,
}

impl HitColumns {
    fn open(segment: &SegmentReader) -> Option<HitColumns> {
        let columns = segment.fast_fields();
        Some(HitColumns { id: columns.u64("id").ok()?, partner: columns.u64("partner").ok() })
    }
}

/// Each live segment's hit columns, opened by the first search that reads hits from it and
/// kept while the segment lives (segments never change).
#[derive(Default)]
pub struct OpenedColumns {
    segments: Mutex<HashMap<SegmentId, Option<Arc<HitColumns>>>>,
}

impl OpenedColumns {
    /// The columns of `searcher`'s segment `ord`; `None` when the segment has no id column.
    pub(super) fn of(&self, searcher: &Searcher, ord: u32) -> Option<Arc<HitColumns>> {
        let reader = searcher.segment_reader(ord);
        let mut segments = self.segments.lock().unwrap_or_else(|e| e.into_inner());
        if segments.len() > searcher.segment_readers().len() {
            let live: HashSet<SegmentId> = searcher.segment_readers().iter().map(SegmentReader::segment_id).collect();
            segments.retain(|id, _| live.contains(id));
        }
        segments.entry(reader.segment_id()).or_insert_with(|| HitColumns::open(reader).map(Arc::new)).clone()
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
