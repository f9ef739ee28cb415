//! One segment ranked on several threads at once, each over its own range of documents.
//!
//! A bulk load ends with the index merged into one segment, and tantivy ranks a segment on
//! one thread: at a million documents a common word kept one core busy for several
//! milliseconds while the other idled. When cores are idle and the result set is large, the
//! segment is split into ranges of documents (as Lucene's intra-segment concurrency does);
//! each range is collected by a segment collector of its own, and their fruits are merged as
//! if they came from separate segments. Ties keep their order: merging orders equal scores
//! by document, as collecting one range after the other would.

use std::ops::Range;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::Weight;
use tantivy::schema::Schema;
use tantivy::{DocId, DocSet, SegmentReader, TERMINATED};

use super::threads::share;

/// With less work than this per thread (tantivy's [`DocSet::cost`]: about the postings to
/// read, more for phrases), starting a thread costs more than the share it takes over.
pub const MIN_COST_PER_THREAD: u64 = 16_384;

/// `inner`, collected on up to `threads` threads per segment.
pub struct Partitioned<C> {
    inner: C,
    threads: usize,
    min_cost_per_thread: u64,
}

impl<C> Partitioned<C> {
    pub fn new(inner: C, threads: usize) -> Self {
        Partitioned { inner, threads: threads.max(1), min_cost_per_thread: MIN_COST_PER_THREAD }
    }
}

/// The inner segment collector, over a whole segment: one fruit among those of the ranges.
pub struct Whole<S>(S);

impl<S: SegmentCollector> SegmentCollector for Whole<S> {
    type Fruit = Vec<S::Fruit>;

    fn collect(&mut self, doc: DocId, score: tantivy::Score) {
        self.0.collect(doc, score);
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        self.0.collect_block(docs);
    }

    fn harvest(self) -> Self::Fruit {
        vec![self.0.harvest()]
    }
}

type SegmentFruit<C> = <<C as Collector>::Child as SegmentCollector>::Fruit;

impl<C: Collector> Collector for Partitioned<C> {
    type Fruit = C::Fruit;
    type Child = Whole<C::Child>;

    fn check_schema(&self, schema: &Schema) -> tantivy::Result<()> {
        self.inner.check_schema(schema)
    }

    fn for_segment(&self, segment_ord: u32, reader: &SegmentReader) -> tantivy::Result<Self::Child> {
        Ok(Whole(self.inner.for_segment(segment_ord, reader)?))
    }

    fn requires_scoring(&self) -> bool {
        self.inner.requires_scoring()
    }

    fn merge_fruits(&self, fruits: Vec<Vec<SegmentFruit<C>>>) -> tantivy::Result<C::Fruit> {
        self.inner.merge_fruits(fruits.into_iter().flatten().collect())
    }

    fn collect_segment(
        &self,
        weight: &dyn Weight,
        segment_ord: u32,
        reader: &SegmentReader,
    ) -> tantivy::Result<Vec<SegmentFruit<C>>> {
        let first = weight.scorer(reader, 1.0)?;
        let threads = self.threads.min((first.cost() / self.min_cost_per_thread.max(1)) as usize).max(1);
        let ranges = split(reader.max_doc(), threads);
        let collect = |range: Range<DocId>, scorer: Option<Box<dyn tantivy::query::Scorer>>| {
            let scorer = match scorer {
                Some(scorer) => scorer,
                None => weight.scorer(reader, 1.0)?,
            };
            let mut child = self.inner.for_segment(segment_ord, reader)?;
            collect_range(&mut child, scorer, reader, range, self.inner.requires_scoring());
            Ok::<_, tantivy::TantivyError>(child.harvest())
        };
        let Some((first_range, others)) = ranges.split_first() else {
            return Ok(vec![collect(0..reader.max_doc(), Some(first))?]);
        };
        let collect = &collect;
        let jobs = others.iter().map(|range| move || collect(range.clone(), None)).collect();
        share(|| collect(first_range.clone(), Some(first)), jobs).into_iter().collect()
    }
}

/// `max_doc` documents in `parts` consecutive ranges of (nearly) equal length.
fn split(max_doc: DocId, parts: usize) -> Vec<Range<DocId>> {
    let parts = (parts as u64).clamp(1, u64::from(max_doc).max(1));
    (0..parts)
        .map(|i| {
            let bound = |i: u64| (u64::from(max_doc) * i / parts) as DocId;
            bound(i)..bound(i + 1)
        })
        .collect()
}

/// Feeds `child` the live documents of `range` that `scorer` matches.
fn collect_range<S: SegmentCollector>(
    child: &mut S,
    mut scorer: Box<dyn tantivy::query::Scorer>,
    reader: &SegmentReader,
    range: Range<DocId>,
    scoring: bool,
) {
    let alive = reader.alive_bitset();
    let mut doc = scorer.doc();
    if doc < range.start {
        doc = scorer.seek(range.start);
    }
    while doc < range.end && doc != TERMINATED {
        if alive.is_none_or(|bits| bits.is_alive(doc)) {
            let score = if scoring { scorer.score() } else { 0.0 };
            child.collect(doc, score);
        }
        doc = scorer.advance();
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::{Count, TopDocs};
    use tantivy::query::{AllQuery, ConstScoreQuery, TermQuery};
    use tantivy::schema::{FAST, INDEXED, IndexRecordOption, Schema, TEXT};
    use tantivy::{Index, IndexWriter, Term, doc};

    use super::*;

    #[test]
    fn ranges_cover_every_document_once() {
        assert_eq!(split(10, 3), [0..3, 3..6, 6..10]);
        assert_eq!(split(2, 5), [0..1, 1..2]);
        assert_eq!(split(0, 2), vec![(0..0)]);
        assert_eq!(split(7, 1), vec![(0..7)]);
    }

    /// Counts, pages (ties included) and deleted documents come out as one thread finds
    /// them, whatever the number of threads.
    #[test]
    fn any_number_of_threads_finds_what_one_does() {
        let mut builder = Schema::builder();
        let body = builder.add_text_field("body", TEXT);
        let n = builder.add_u64_field("n", INDEXED | FAST);
        let index = Index::create_in_ram(builder.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let words = ["apple", "apple pear", "pear", "apple apple plum", "plum"];
        for i in 0..5_000_u64 {
            writer.add_document(doc!(body => words[(i % 5) as usize], n => i)).unwrap();
        }
        writer.commit().unwrap();
        writer.delete_term(Term::from_field_u64(n, 3));
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 1);
        let apple = TermQuery::new(Term::from_field_text(body, "apple"), IndexRecordOption::WithFreqs);
        let tied = ConstScoreQuery::new(Box::new(apple.clone()), 1.0);
        let queries: [&dyn tantivy::query::Query; 3] = [&apple, &tied, &AllQuery];
        for query in queries {
            let collector = || (Count, TopDocs::with_limit(10).and_offset(5).order_by_score());
            let alone = searcher.search(query, &collector()).unwrap();
            for threads in [2, 3, 8] {
                let partitioned = Partitioned { min_cost_per_thread: 100, ..Partitioned::new(collector(), threads) };
                let shared = searcher.search(query, &partitioned).unwrap();
                assert_eq!(shared.0, alone.0, "{threads} threads count as one");
                assert_eq!(shared.1, alone.1, "{threads} threads rank as one");
            }
        }
        assert_eq!(searcher.search(&AllQuery, &Count).unwrap(), 4_999, "one document was deleted");
    }
}
