//! Each segment's facet keys, years and dates added, decoded once into plain arrays.
//!
//! Counting facets visits every document of the result: at a million documents, reading
//! each one's keys from the compressed columns (a rank in the optional index, bit-unpacked
//! offsets, one dynamically dispatched read per key) cost as much as ranking. Ordering a
//! filtered list by date added read every match's date through the blockwise-linear codec
//! (16% of such a search's time), and a year range read the years block by block through
//! the optional index. A segment never changes once written, so its keys, years and dates
//! are decoded the first time a search needs them (or by the warmer, before searches see
//! the segment) and kept while it is part of the index: about 50 MB at a million documents.
//!
//! What is left of counting is one cache miss per matched document (the documents of a
//! result are scattered over the segment). Layouts that do fewer increments or read fewer
//! arrays per document were measured no faster: counting each document once under its set
//! of non-subject keys and spreading those sets' counts afterwards, one 32-byte record per
//! document, and reading a block of 64 documents' records before counting them (for a
//! misspelt word matching 55,000 of a million documents, facets stayed a quarter of the
//! search's CPU time in every variant).

use std::sync::Arc;

use tantivy::columnar::StrColumn;
use tantivy::{DocId, Searcher, SegmentReader};

use super::per_segment::PerSegment;

/// The column of facet keys (`l:kor`, `f:book`, …: see `facets`).
pub const KEYS_FIELD: &str = "facet_keys";

/// What no year is stored as.
const NO_YEAR: u16 = u16::MAX;

/// What no date added is stored as: dates are Unix seconds of PostgreSQL timestamps, which
/// stay within ±10¹³, so no date is this.
const NO_DATE: i64 = i64::MIN;

/// One segment's facet keys (as ordinals of its key dictionary), years and dates added, by
/// document.
pub struct SegmentTable {
    /// The keys of document `d` are `ords[starts[d]..starts[d + 1]]`.
    starts: Vec<u32>,
    ords: Vec<u32>,
    /// Each document's year as its distance from `first_year`, or [`NO_YEAR`].
    year_slots: Vec<u16>,
    first_year: i32,
    /// Years from the first to the last in the segment.
    pub year_span: usize,
    /// Whether `year_slots` holds every document's year.
    years_exact: bool,
    /// Each document's date added (Unix seconds), or [`NO_DATE`].
    added: Vec<i64>,
    /// The column the ordinals belong to: its dictionary turns them back into keys.
    pub column: Option<StrColumn>,
}

impl SegmentTable {
    fn decode(reader: &SegmentReader) -> tantivy::Result<SegmentTable> {
        let max_doc = reader.max_doc() as usize;
        let column = reader.fast_fields().str(KEYS_FIELD)?;
        let mut starts = Vec::with_capacity(max_doc + 1);
        let mut ords = Vec::new();
        if let Some(column) = &column {
            let column = column.ords();
            ords.reserve(column.values.num_vals() as usize);
            let mut buffer = Vec::new();
            for doc in 0..max_doc as DocId {
                starts.push(ords.len() as u32);
                let rows = column.index.value_row_ids(doc);
                buffer.resize((rows.end - rows.start) as usize, 0);
                column.values.get_range(u64::from(rows.start), &mut buffer);
                ords.extend(buffer.iter().map(|&ord| ord as u32));
            }
        } else {
            starts.resize(max_doc, 0);
        }
        starts.push(ords.len() as u32);
        // Years run from −3000 to 2100 (a database constraint), so a slot fits in 16 bits.
        let (mut year_slots, mut first_year, mut year_span) = (vec![NO_YEAR; max_doc], 0, 0);
        let mut years_exact = true;
        if let Ok(column) = reader.fast_fields().i64("year")
            && column.num_docs() > 0
        {
            let span = column.max_value().saturating_sub(column.min_value());
            years_exact = (0..i64::from(NO_YEAR)).contains(&span);
            if years_exact {
                first_year = column.min_value() as i32;
                year_span = span as usize + 1;
                for (doc, slot) in year_slots.iter_mut().enumerate() {
                    if let Some(year) = column.first(doc as DocId) {
                        *slot = (year - column.min_value()) as u16;
                    }
                }
            }
        }
        let mut added = vec![NO_DATE; max_doc];
        if let Ok(column) = reader.fast_fields().i64("added") {
            for (doc, date) in added.iter_mut().enumerate() {
                if let Some(value) = column.first(doc as DocId) {
                    *date = value;
                }
            }
        }
        Ok(SegmentTable { starts, ords, year_slots, first_year, year_span, years_exact, added, column })
    }

    /// The key ordinals of `doc`.
    #[inline]
    pub fn keys(&self, doc: DocId) -> &[u32] {
        let doc = doc as usize;
        &self.ords[self.starts[doc] as usize..self.starts[doc + 1] as usize]
    }

    /// Where `doc`'s year is counted (its distance from the segment's first year), if it
    /// has one.
    #[inline]
    pub fn year_slot(&self, doc: DocId) -> Option<usize> {
        let slot = self.year_slots[doc as usize];
        (slot != NO_YEAR).then_some(usize::from(slot))
    }

    /// The year counted at `slot`.
    pub fn year_at(&self, slot: usize) -> i32 {
        self.first_year + slot as i32
    }

    /// `doc`'s year, if it has one.
    #[inline]
    pub fn year(&self, doc: DocId) -> Option<i32> {
        self.year_slot(doc).map(|slot| self.year_at(slot))
    }

    /// Whether [`SegmentTable::year_slots`] holds every document's year: always, unless
    /// the segment's years span more than a slot holds (the database's bounds rule that out).
    pub fn years_exact(&self) -> bool {
        self.years_exact
    }

    /// Each document's year slot (see [`SegmentTable::year_slot`]).
    pub fn year_slots(&self) -> &[u16] {
        &self.year_slots
    }

    /// The slots of the years `from..=to` (either end open), `None` where no year of the
    /// segment is within them.
    pub fn slots_within(&self, from: Option<i32>, to: Option<i32>) -> Option<(u16, u16)> {
        let last = self.year_span as i64 - 1;
        let low = from.map_or(0, |y| i64::from(y) - i64::from(self.first_year)).max(0);
        let high = to.map_or(last, |y| i64::from(y) - i64::from(self.first_year)).min(last);
        (low <= high).then_some((low as u16, high as u16))
    }

    /// `doc`'s date added (Unix seconds), if it has one.
    #[inline]
    pub fn added(&self, doc: DocId) -> Option<i64> {
        let date = self.added[doc as usize];
        (date != NO_DATE).then_some(date)
    }

    /// How many distinct keys the segment holds.
    pub fn num_keys(&self) -> usize {
        self.column.as_ref().map_or(0, |c| c.num_terms())
    }
}

/// The decoded segments of one index generation (a handle: clones share them).
#[derive(Clone, Default)]
pub struct SegmentTables {
    segments: Arc<PerSegment<SegmentTable>>,
}

impl SegmentTables {
    /// Forgets the segments `searcher` no longer has (merged away).
    pub fn keep_only(&self, searcher: &Searcher) {
        self.segments.keep_only(searcher);
    }

    /// Whether the segment's table is decoded.
    #[cfg(test)]
    pub fn holds(&self, segment: tantivy::index::SegmentId) -> bool {
        self.segments.holds(segment)
    }

    /// The segment's table, decoded now if no search has counted over it yet.
    pub fn segment(&self, reader: &SegmentReader) -> tantivy::Result<Arc<SegmentTable>> {
        self.segments.get_or_derive(reader, SegmentTable::decode)
    }
}

/// An in-memory index of facet keys, years and dates added, for the tests of what is decoded.
#[cfg(test)]
pub mod fixture {
    use tantivy::schema::{FAST, Field, INDEXED, Schema};
    use tantivy::{Index, IndexWriter, TantivyDocument};

    pub struct KeysIndex {
        pub index: Index,
        pub writer: IndexWriter,
        keys: Field,
        pub year: Field,
        added: Field,
    }

    impl Default for KeysIndex {
        fn default() -> KeysIndex {
            let mut builder = Schema::builder();
            let keys = builder.add_text_field(super::KEYS_FIELD, FAST);
            let year = builder.add_i64_field("year", INDEXED | FAST);
            let added = builder.add_i64_field("added", INDEXED | FAST);
            let index = Index::create_in_ram(builder.build());
            let writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
            KeysIndex { index, writer, keys, year, added }
        }
    }

    impl KeysIndex {
        /// Adds a document with these keys and year.
        pub fn add<K: AsRef<str>>(&mut self, keys: impl IntoIterator<Item = K>, year: Option<i64>) {
            let mut doc = TantivyDocument::default();
            for key in keys {
                doc.add_text(self.keys, key.as_ref());
            }
            if let Some(year) = year {
                doc.add_i64(self.year, year);
            }
            self.writer.add_document(doc).unwrap();
        }

        /// Adds a document with no keys, this year and this date added.
        pub fn add_dated(&mut self, year: Option<i64>, added: Option<i64>) {
            let mut doc = TantivyDocument::default();
            if let Some(year) = year {
                doc.add_i64(self.year, year);
            }
            if let Some(added) = added {
                doc.add_i64(self.added, added);
            }
            self.writer.add_document(doc).unwrap();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::KeysIndex;
    use super::*;

    /// Keys and years as written, none for a document without them; merged-away segments
    /// are forgotten.
    #[test]
    fn decodes_each_document_and_forgets_merged_segments() {
        let mut fixture = KeysIndex::default();
        fixture.add(["l:uzb"], Some(2000));
        fixture.add::<&str>([], None);
        fixture.add(["f:book", "l:kor"], Some(-500));
        fixture.writer.commit().unwrap();
        let reader = fixture.index.reader().unwrap();
        let tables = SegmentTables::default();
        let searcher = reader.searcher();
        let table = tables.segment(&searcher.segment_readers()[0]).unwrap();
        let column = table.column.as_ref().unwrap();
        let key = |ord: u32| {
            let mut text = String::new();
            column.ord_to_str(u64::from(ord), &mut text).unwrap();
            text
        };
        assert_eq!(table.keys(0).iter().map(|&o| key(o)).collect::<Vec<_>>(), ["l:uzb"]);
        assert!(table.keys(1).is_empty());
        assert_eq!(table.keys(2).iter().map(|&o| key(o)).collect::<Vec<_>>(), ["f:book", "l:kor"]);
        assert_eq!(table.year_slot(0).map(|s| table.year_at(s)), Some(2000));
        assert_eq!(table.year_slot(1), None);
        assert_eq!(table.year_slot(2).map(|s| table.year_at(s)), Some(-500));
        assert_eq!(table.year_span, 2501);

        fixture.add(["l:rus"], Some(1999));
        fixture.writer.commit().unwrap();
        reader.reload().unwrap();
        for segment in reader.searcher().segment_readers() {
            tables.segment(segment).unwrap();
        }
        fixture.writer.merge(&fixture.index.searchable_segment_ids().unwrap()).wait().unwrap();
        reader.reload().unwrap();
        let merged = reader.searcher();
        assert_eq!(merged.segment_readers().len(), 1);
        tables.keep_only(&merged);
        assert!(tables.segments.is_empty(), "both segments were merged away");
    }
}
