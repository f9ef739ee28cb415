//! What one index generation works out once and keeps between searches, and the warmer
//! that works it out for each new segment before searches see it.

use std::sync::Arc;

use tantivy::schema::Field;
use tantivy::{Searcher, SearcherGeneration, Warmer};

use super::hit::OpenedColumns;
use crate::search::expansion::{ExpansionCache, misspelling_dictionaries};
use crate::search::schema::Fields;
use crate::search::segment_table::SegmentTables;

/// What one index generation remembers between searches: its segments never change, so
/// what was worked out on them holds until they are merged away or the generation is
/// swapped.
#[derive(Default)]
pub struct Remembered {
    /// Prefixes, misspellings and "did you mean".
    pub expansions: ExpansionCache,
    /// Facet keys, years and dates added of each segment, decoded.
    pub segment_tables: SegmentTables,
    /// The columns hits are read from, opened.
    pub hit_columns: OpenedColumns,
}

/// What is derived from each new segment before searches see it (a tantivy [`Warmer`]
/// called on every reload): its decoded table (facet keys, years, dates) and the letter-pair indexes of the dictionaries
/// misspellings and "did you mean" look words up in. Built on a search's first use instead,
/// they took that search 100 ms or more at a million documents: the first page after every
/// merge, the first misspelt word, the first "did you mean".
pub struct Warming {
    remembered: Arc<Remembered>,
    /// The dictionaries misspellings are looked up in.
    dictionaries: Vec<Field>,
}

impl Warming {
    pub fn new(remembered: Arc<Remembered>, fields: &Fields) -> Self {
        Warming { remembered, dictionaries: misspelling_dictionaries(fields) }
    }
}

impl Warmer for Warming {
    fn warm(&self, searcher: &Searcher) -> tantivy::Result<()> {
        // What cannot be warmed is worked out by the first search that needs it, as without
        // warming: the reload goes on.
        self.remembered.warm(searcher, &self.dictionaries);
        Ok(())
    }

    fn garbage_collect(&self, _: &[&SearcherGeneration]) {}
}

impl Remembered {
    /// Works out for the segments of `searcher` what searches would on their first use of
    /// them: decoded tables, and the letter-pair indexes of the `dictionaries` misspellings
    /// are looked up in. What cannot be is left to that first use.
    pub fn warm(&self, searcher: &Searcher, dictionaries: &[Field]) {
        self.segment_tables.keep_only(searcher);
        for segment in searcher.segment_readers() {
            if let Err(err) = self.segment_tables.segment(segment) {
                tracing::warn!(error = %err, "cannot decode a search segment's facet keys, years and dates ahead of searches");
            }
        }
        self.expansions.warm(searcher, dictionaries);
    }
}
