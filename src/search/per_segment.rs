//! Something worked out once per segment and kept while the segment is part of the index:
//! a segment never changes once written, so what was derived from it holds until a merge
//! drops it.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use tantivy::index::SegmentId;
use tantivy::{Searcher, SegmentReader};

pub struct PerSegment<T> {
    segments: Mutex<HashMap<SegmentId, Arc<T>>>,
}

impl<T> Default for PerSegment<T> {
    fn default() -> Self {
        PerSegment { segments: Mutex::new(HashMap::new()) }
    }
}

impl<T> PerSegment<T> {
    /// Forgets the segments `searcher` no longer has (merged away).
    pub fn keep_only(&self, searcher: &Searcher) {
        let mut segments = self.segments.lock().unwrap_or_else(|e| e.into_inner());
        if segments.len() > searcher.segment_readers().len() {
            let live: HashSet<SegmentId> = searcher.segment_readers().iter().map(SegmentReader::segment_id).collect();
            segments.retain(|id, _| live.contains(id));
        }
    }

    /// Whether the segment's value is kept.
    #[cfg(test)]
    pub fn holds(&self, id: SegmentId) -> bool {
        self.segments.lock().unwrap_or_else(|e| e.into_inner()).contains_key(&id)
    }

    /// Whether nothing is kept (no search has needed a live segment yet).
    pub fn is_empty(&self) -> bool {
        self.segments.lock().unwrap_or_else(|e| e.into_inner()).is_empty()
    }

    /// The segment's value, worked out now by `derive` if no search has needed it yet.
    /// `derive` runs outside the lock: other searches go on meanwhile (two deriving for the
    /// same new segment at once only waste a little work).
    pub fn get_or_derive<E>(
        &self,
        reader: &SegmentReader,
        derive: impl FnOnce(&SegmentReader) -> Result<T, E>,
    ) -> Result<Arc<T>, E> {
        let id = reader.segment_id();
        if let Some(found) = self.segments.lock().unwrap_or_else(|e| e.into_inner()).get(&id) {
            return Ok(found.clone());
        }
        let derived = Arc::new(derive(reader)?);
        let mut segments = self.segments.lock().unwrap_or_else(|e| e.into_inner());
        Ok(segments.entry(id).or_insert(derived).clone())
    }
}
