//! A hit as a search returns it: read from the index's columns and, when asked, its copy
//! of the document.

use tantivy::schema::Value;
use tantivy::{DocAddress, Searcher, TantivyDocument};

use super::Hit;
use crate::document::Document;
use crate::search::schema::Fields;

pub(super) fn hit(
    searcher: &Searcher,
    fields: &Fields,
    address: DocAddress,
    score: f32,
    with_document: bool,
) -> Option<Hit> {
    let columns = searcher.segment_reader(address.segment_ord).fast_fields();
    let document_id = columns.u64("id").ok()?.first(address.doc_id)? as i64;
    let origin_partner_id = columns.u64("partner").ok().and_then(|c| c.first(address.doc_id)).map(|p| p as i64);
    let document = if with_document { stored_copy(searcher, fields, address, document_id) } else { None };
    Some(Hit { document_id, origin_partner_id, score, document })
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
