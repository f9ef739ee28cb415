//! The hits of a page as a search returns them: read from the index's columns and, when
//! asked, with their copies of the documents, marked.

use std::convert::Infallible;
use std::sync::Arc;

use tantivy::columnar::Column;
use tantivy::schema::Value;
use tantivy::{DocAddress, Searcher, SegmentReader, TantivyDocument};

use tantivy::tokenizer::TokenizerManager;

use super::marking::AbstractTerms;
use super::{Hit, Request};
use crate::document::Document;
use crate::search::highlight::Matcher;
use crate::search::per_segment::PerSegment;
use crate::search::schema::Fields;
use crate::search::threads::share;

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

/// Hits fewer than this are read on one thread: a second one costs more than half of them.
const MIN_HITS_PER_THREAD: usize = 4;

/// The page's hits, with their copies and highlights when asked for: marked here, on the
/// same thread as the search (and a second one when `threads` allows), rather than in a
/// second trip to the blocking pool.
#[allow(clippy::too_many_arguments)]
pub(super) fn hits(
    searcher: &Searcher,
    tokenizers: &TokenizerManager,
    fields: &Fields,
    columns: &OpenedColumns,
    request: &Request,
    corrections: &[String],
    addresses: Vec<(f32, DocAddress)>,
    threads: usize,
) -> Vec<Hit> {
    if request.limit == 0 {
        return Vec::new();
    }
    let marking = request.with_documents && request.with_highlights;
    let matcher = || marking.then(|| Matcher::for_query(tokenizers, &request.query, corrections));
    let first_matcher = matcher();
    // The abstracts worth reading for marks, when the index can tell.
    let abstracts_to_mark =
        first_matcher.as_ref().and_then(|matcher| AbstractTerms::of(matcher, fields)).map(|terms| {
            let page: Vec<DocAddress> = addresses.iter().map(|(_, address)| *address).collect();
            terms.holders(searcher, &page)
        });
    columns.keep_only(searcher);
    let read = |part: &[(f32, DocAddress)], matcher: Option<&Matcher>| -> Vec<Hit> {
        part.iter()
            .filter_map(|&(score, address)| {
                let segment_columns = columns.of(searcher, address.segment_ord);
                let mut found =
                    hit(searcher, fields, segment_columns.as_ref().as_ref()?, address, score, request.with_documents)?;
                if let (Some(matcher), Some(document)) = (matcher, &found.document) {
                    let description = &document.description;
                    let worth_reading = abstracts_to_mark.as_ref().is_none_or(|holders| holders.contains(&address));
                    let abstract_text = description.abstract_text.as_deref().filter(|_| worth_reading);
                    found.highlights = Some(matcher.hit(&description.title, abstract_text));
                }
                Some(found)
            })
            .collect()
    };
    // Reading a copy (a block of the store decompressed, its JSON decoded) and marking it
    // are most of a small result's time: an idle core takes the second half of the page.
    if threads < 2 || !request.with_documents || addresses.len() < 2 * MIN_HITS_PER_THREAD {
        return read(&addresses, first_matcher.as_ref());
    }
    let (first_half, second_half) = addresses.split_at(addresses.len() / 2);
    let second = || read(second_half, matcher().as_ref());
    share(|| read(first_half, first_matcher.as_ref()), vec![second]).concat()
}

fn hit(
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
