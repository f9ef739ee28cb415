//! A hit as a search returns it: read from the index's columns and, when asked, its copy
//! of the document.

use std::convert::Infallible;
use std::sync::Arc;

use tantivy::columnar::Column;
use tantivy::schema::Value;
use tantivy::{DocAddress, Searcher, SegmentReader, TantivyDocument};

use super::Hit;
use crate::document::Document;
use crate::search::per_segment::PerSegment;
use crate::search::schema::Fields;

/// The columns a hit is read from. Opening a column reads its block index (two thousand
/// blocks at a million documents), which for a rare word cost a tenth of its page: they are
/// opened once per segment and kept ([`OpenedColumns`]).
pub struct HitColumns {
    id: Column<u64>,
    partner: Option<Column<u64>>,
}

impl HitColumns {
    fn open(segment: &SegmentReader) -> Option<HitColumns> {
        let columns = segment.fast_fields();
        Some(HitColumns { id: columns.u64("id").ok()?, partner: columns.u64("partner").ok() })
    }
}

/// Each live segment's hit columns (none where the segment has no id column), opened by the
/// first search that reads hits from it.
pub type OpenedColumns = PerSegment<Option<HitColumns>>;

impl OpenedColumns {
    /// The columns of `searcher`'s segment `ord`.
    pub(super) fn of(&self, searcher: &Searcher, ord: u32) -> Arc<Option<HitColumns>> {
        let Ok(columns) =
            self.get_or_derive(searcher.segment_reader(ord), |reader| Ok::<_, Infallible>(HitColumns::open(reader)));
        columns
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
