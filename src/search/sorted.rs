//! The top of a result in year or date-added order, read from each segment's decoded years
//! and dates (see `segment_table`).
//!
//! tantivy's fast-field ordering reads each match's value through the column's codec: the
//! dates added of a bulk load are stored blockwise-linear, and decoding one per match was
//! 16% of a million-document filtered list ordered by date. The order is tantivy's:
//! documents without a value come last in either direction, and equal values keep document
//! order.

use std::cmp::Ordering;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::{DocAddress, DocId, Score, SegmentReader};

use super::segment_table::{SegmentTable, SegmentTables};

/// What a result can be ordered by besides relevance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortColumn {
    Year,
    Added,
}

/// A document's place in the order: larger comes first. A document with a value outranks
/// every one without.
type Rank = u128;

fn rank(value: Option<i64>, descending: bool) -> Rank {
    let Some(value) = value else { return 0 };
    // i64 to u64 keeping the order, then turned around for ascending order.
    let ordered = (value as u64) ^ (1 << 63);
    let ordered = if descending { ordered } else { !ordered };
    (1 << 64) | Rank::from(ordered)
}

/// Higher rank first, then lower document.
fn first_first<D: Ord>(a: &(Rank, D), b: &(Rank, D)) -> Ordering {
    b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1))
}

/// The documents at `offset..offset + limit` of the result in `column` order.
pub struct TopBy<'a> {
    tables: &'a SegmentTables,
    column: SortColumn,
    descending: bool,
    offset: usize,
    limit: usize,
}

impl<'a> TopBy<'a> {
    pub fn new(tables: &'a SegmentTables, column: SortColumn, descending: bool, offset: usize, limit: usize) -> Self {
        TopBy { tables, column, descending, offset, limit }
    }
}

pub struct TopBySegment {
    table: Arc<SegmentTable>,
    column: SortColumn,
    descending: bool,
    segment: u32,
    /// How many of the best this segment must keep: all a page can need.
    keep: usize,
    /// Candidates, up to twice `keep` before the worse half is dropped.
    kept: Vec<(Rank, DocId)>,
    /// The rank a document must beat to be kept, once `keep` documents rank at least this
    /// (documents come in order, so an equal rank comes after them and loses the tie).
    threshold: Option<Rank>,
}

impl TopBySegment {
    fn value(&self, doc: DocId) -> Option<i64> {
        match self.column {
            SortColumn::Year => self.table.year(doc).map(i64::from),
            SortColumn::Added => self.table.added(doc),
        }
    }

    fn drop_worse_half(&mut self) {
        self.kept.select_nth_unstable_by(self.keep - 1, first_first);
        self.kept.truncate(self.keep);
        self.threshold = self.kept.iter().map(|&(rank, _)| rank).min();
    }
}

impl Collector for TopBy<'_> {
    type Fruit = Vec<DocAddress>;
    type Child = TopBySegment;

    fn for_segment(&self, segment: u32, reader: &SegmentReader) -> tantivy::Result<TopBySegment> {
        let keep = (self.offset + self.limit).max(1);
        Ok(TopBySegment {
            table: self.tables.segment(reader)?,
            column: self.column,
            descending: self.descending,
            segment,
            keep,
            kept: Vec::with_capacity(2 * keep),
            threshold: None,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(Rank, DocAddress)>>) -> tantivy::Result<Vec<DocAddress>> {
        let mut all: Vec<(Rank, DocAddress)> = fruits.into_iter().flatten().collect();
        all.sort_unstable_by(first_first);
        Ok(all.into_iter().skip(self.offset).take(self.limit).map(|(_, address)| address).collect())
    }
}

impl SegmentCollector for TopBySegment {
    type Fruit = Vec<(Rank, DocAddress)>;

    fn collect(&mut self, doc: DocId, _: Score) {
        let rank = rank(self.value(doc), self.descending);
        if self.threshold.is_some_and(|threshold| rank <= threshold) {
            return;
        }
        self.kept.push((rank, doc));
        if self.kept.len() >= 2 * self.keep {
            self.drop_worse_half();
        }
    }

    fn harvest(mut self) -> Self::Fruit {
        self.kept.sort_unstable_by(first_first);
        self.kept.truncate(self.keep);
        self.kept.into_iter().map(|(rank, doc)| (rank, DocAddress::new(self.segment, doc))).collect()
    }
}

#[cfg(test)]
mod tests {
    use tantivy::Order;
    use tantivy::collector::TopDocs;
    use tantivy::query::AllQuery;

    use super::super::segment_table::fixture::KeysIndex;
    use super::*;

    /// Pages of every size and offset, in both directions, by year and by date, come out
    /// as tantivy's own fast-field ordering gives them: missing values last, ties in
    /// document order, over several segments.
    #[test]
    fn orders_as_the_fast_field_order_does() {
        let mut fixture = KeysIndex::default();
        for i in 0..2_000_i64 {
            let year = (i % 5 != 0).then_some(1990 + (i * 13) % 40);
            let added = (i % 11 != 0).then_some(1_700_000_000 + (i * 7919) % 500);
            fixture.add_dated(year, added);
            if i % 700 == 0 {
                fixture.writer.commit().unwrap();
            }
        }
        fixture.writer.commit().unwrap();
        let searcher = fixture.index.reader().unwrap().searcher();
        assert!(searcher.segment_readers().len() > 1);
        let tables = SegmentTables::default();
        for (column, field) in [(SortColumn::Year, "year"), (SortColumn::Added, "added")] {
            for descending in [true, false] {
                for (offset, limit) in [(0, 1), (0, 20), (15, 20), (390, 30), (1_990, 20), (5_000, 5)] {
                    let ours =
                        searcher.search(&AllQuery, &TopBy::new(&tables, column, descending, offset, limit)).unwrap();
                    let order = if descending { Order::Desc } else { Order::Asc };
                    let top = TopDocs::with_limit(limit).and_offset(offset).order_by_fast_field::<i64>(field, order);
                    let theirs: Vec<DocAddress> =
                        searcher.search(&AllQuery, &top).unwrap().into_iter().map(|(_, a)| a).collect();
                    assert_eq!(ours, theirs, "{field} descending {descending}, {offset}+{limit}");
                }
            }
        }
        // Not the order of the documents themselves.
        let first = searcher.search(&AllQuery, &TopBy::new(&tables, SortColumn::Added, true, 0, 3)).unwrap();
        assert_ne!(first, [DocAddress::new(0, 0), DocAddress::new(0, 1), DocAddress::new(0, 2)]);
    }
}
