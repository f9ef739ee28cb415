//! The year filter, read from each segment's decoded years (see `segment_table`).
//!
//! tantivy's range query reads a fast field block by block through its optional index (the
//! years column is optional: not every record has a year); at a million documents that was
//! 13% of a filtered list's time. The decoded years are a plain array of 16-bit slots, so
//! a document's year is one load and the next one in range is a scan of that array.

use std::fmt;
use std::ops::Bound;
use std::sync::Arc;

use tantivy::query::{EmptyScorer, EnableScoring, Explanation, Query, RangeQuery, Scorer, Weight};
use tantivy::schema::Field;
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, TantivyError, Term};

use super::segment_table::{SegmentTable, SegmentTables};

/// Documents whose year is within `from..=to` (either end open). Scores nothing: it is a
/// filter.
#[derive(Clone)]
pub struct YearRange {
    tables: SegmentTables,
    year: Field,
    from: Option<i32>,
    to: Option<i32>,
}

impl YearRange {
    /// The filter, if it filters anything: `None` when both ends are open.
    pub fn new(tables: SegmentTables, year: Field, from: Option<i32>, to: Option<i32>) -> Option<Self> {
        (from.is_some() || to.is_some()).then_some(YearRange { tables, year, from, to })
    }

    /// tantivy's own range query over the years column, for a segment whose years were not
    /// decoded exactly.
    fn column_query(&self) -> RangeQuery {
        let bound = |year: Option<i32>| match year {
            Some(y) => Bound::Included(Term::from_field_i64(self.year, i64::from(y))),
            None => Bound::Unbounded,
        };
        RangeQuery::new(bound(self.from), bound(self.to))
    }
}

impl fmt::Debug for YearRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("YearRange").field("from", &self.from).field("to", &self.to).finish()
    }
}

impl Query for YearRange {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(YearRangeWeight { range: self.clone() }))
    }
}

struct YearRangeWeight {
    range: YearRange,
}

impl Weight for YearRangeWeight {
    fn scorer(&self, reader: &SegmentReader, _boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let table = self.range.tables.segment(reader)?;
        if !table.years_exact() {
            let column = self.range.column_query().weight(EnableScoring::disabled_from_schema(reader.schema()))?;
            return column.scorer(reader, 0.0);
        }
        match table.slots_within(self.range.from, self.range.to) {
            None => Ok(Box::new(EmptyScorer)),
            Some((low, high)) => Ok(Box::new(YearDocs::new(table, low, high))),
        }
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 0.0)?;
        if scorer.seek(doc) == doc {
            Ok(Explanation::new("year within the filter's range", 0.0))
        } else {
            Err(TantivyError::InvalidArgument(format!("document {doc} has no year within the filter's range")))
        }
    }
}

/// The documents of one segment whose year slot is within `low..=high`, in order.
struct YearDocs {
    table: Arc<SegmentTable>,
    low: u16,
    /// `high - low`: a slot `s` is in range when `s - low` (wrapping) is at most this, so
    /// one comparison tells it, and a document with no year is never in range.
    width: u16,
    doc: DocId,
}

impl YearDocs {
    fn new(table: Arc<SegmentTable>, low: u16, high: u16) -> Self {
        let mut docs = YearDocs { table, low, width: high - low, doc: 0 };
        docs.doc = docs.first_from(0);
        docs
    }

    fn slots(&self) -> &[u16] {
        self.table.year_slots()
    }

    /// The first document from `start` on whose year is in range.
    #[inline]
    fn first_from(&self, start: DocId) -> DocId {
        let (low, width) = (self.low, self.width);
        let slots = self.slots();
        slots
            .get(start as usize..)
            .and_then(|rest| rest.iter().position(|&slot| slot.wrapping_sub(low) <= width))
            .map_or(TERMINATED, |offset| start + offset as DocId)
    }
}

impl DocSet for YearDocs {
    fn advance(&mut self) -> DocId {
        self.doc = if self.doc == TERMINATED { TERMINATED } else { self.first_from(self.doc + 1) };
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if target > self.doc {
            self.doc = self.first_from(target);
        }
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    /// Not counted ahead: the whole segment is an upper bound.
    fn size_hint(&self) -> u32 {
        self.slots().len() as u32
    }

    /// Going through every match scans the whole array: any posting list intersected with
    /// it leads.
    fn cost(&self) -> u64 {
        self.slots().len() as u64
    }
}

impl Scorer for YearDocs {
    fn score(&mut self) -> Score {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::DocSetCollector;
    use tantivy::query::{AllQuery, BooleanQuery, Occur};

    use super::super::segment_table::fixture::KeysIndex;
    use super::*;

    /// Exactly the documents tantivy's own range query finds, for open and closed ranges,
    /// ranges outside every year, documents without a year, and over several segments.
    #[test]
    fn finds_what_the_column_range_finds() {
        let mut fixture = KeysIndex::default();
        for i in 0..3_000_i64 {
            let year = (i % 7 != 0).then_some(1900 + (i * 37) % 150);
            fixture.add(["l:uzb"], year);
            if i == 1_500 {
                fixture.writer.commit().unwrap();
            }
        }
        fixture.add(["l:kor"], Some(-2999));
        fixture.writer.commit().unwrap();
        let searcher = fixture.index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 2);
        let tables = SegmentTables::default();
        let ranges = [
            (Some(1950), Some(1959)),
            (Some(2000), None),
            (None, Some(1900)),
            (Some(2100), Some(2200)),
            (Some(1960), Some(1950)),
            (Some(-3000), Some(-2999)),
            (Some(1949), Some(1949)),
        ];
        for (from, to) in ranges {
            let ours = YearRange::new(tables.clone(), fixture.year, from, to).unwrap();
            let column = ours.column_query();
            let found = searcher.search(&ours, &DocSetCollector).unwrap();
            let expected = searcher.search(&column, &DocSetCollector).unwrap();
            assert_eq!(found, expected, "{from:?}..={to:?}");
            // As a filter beside another clause, where it is sought rather than walked.
            let both = |range: Box<dyn Query>| {
                BooleanQuery::new(vec![(Occur::Must, Box::new(AllQuery) as Box<dyn Query>), (Occur::Must, range)])
            };
            let found = searcher.search(&both(Box::new(ours)), &DocSetCollector).unwrap();
            let expected = searcher.search(&both(Box::new(column)), &DocSetCollector).unwrap();
            assert_eq!(found, expected, "{from:?}..={to:?} beside another clause");
        }
        let decade = YearRange::new(tables.clone(), fixture.year, Some(1950), Some(1959)).unwrap();
        assert!(YearRange::new(tables, fixture.year, None, None).is_none(), "no range, no filter");
        assert!(searcher.search(&decade, &tantivy::collector::Count).unwrap() > 100, "the test finds something");
    }

    /// Seeking lands on the first document in range at or after the target, and past the
    /// last one the set is exhausted.
    #[test]
    fn seeks_to_the_next_document_in_range() {
        let mut fixture = KeysIndex::default();
        for year in [Some(2001), None, Some(1990), Some(2005), Some(2010), None] {
            fixture.add::<&str>([], year);
        }
        fixture.writer.commit().unwrap();
        let searcher = fixture.index.reader().unwrap().searcher();
        let table = SegmentTables::default().segment(&searcher.segment_readers()[0]).unwrap();
        let (low, high) = table.slots_within(Some(2000), Some(2009)).unwrap();
        let mut docs = YearDocs::new(table, low, high);
        assert_eq!(docs.doc(), 0);
        assert_eq!(docs.seek(1), 3);
        assert_eq!(docs.seek(3), 3, "seeking where it stands stays");
        assert_eq!(docs.advance(), TERMINATED, "2010 is past the range");
        assert_eq!(docs.advance(), TERMINATED);
    }

    /// Years spanning more than a slot holds (which the database's bounds rule out) are read
    /// through tantivy's range query: the same documents still.
    #[test]
    fn years_too_far_apart_for_slots_are_read_from_the_column() {
        let mut fixture = KeysIndex::default();
        for year in [Some(-50_000), Some(1999), None, Some(2005), Some(70_000)] {
            fixture.add::<&str>([], year);
        }
        fixture.writer.commit().unwrap();
        let searcher = fixture.index.reader().unwrap().searcher();
        let tables = SegmentTables::default();
        assert!(!tables.segment(&searcher.segment_readers()[0]).unwrap().years_exact());
        let ours = YearRange::new(tables, fixture.year, Some(1990), Some(2010)).unwrap();
        let found = searcher.search(&ours, &DocSetCollector).unwrap();
        assert_eq!(found, searcher.search(&ours.column_query(), &DocSetCollector).unwrap());
        assert_eq!(found.len(), 2);
    }
}
