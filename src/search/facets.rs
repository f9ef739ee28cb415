//! Facet counts over a whole result set, counted in the same pass that ranks it: the
//! categorical facets (language, format, partner, country, subject) from one multi-valued
//! column of keys (`l:kor`, `f:book`, `p:12`, `c:KR`, `s:Poetry`), the years (and so the
//! decades) from the `year` column.
//!
//! Counting goes by the keys' ordinals in each segment's dictionary, into an array, and only
//! the ordinals counted are turned back into text. (Tantivy's facet collector maps every
//! facet of the segment to its parent before each search: at a million documents, with a
//! long tail of subjects, that alone cost more than ranking a rare word.)

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::{Arc, Mutex};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::{DocId, Score, SegmentReader};

use super::segment_table::{SegmentTable, SegmentTables};

/// Which facets to count (counting costs as much as ranking: only when asked).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FacetDepth {
    #[default]
    None,
    Counts,
    /// Counts, and the years within each decade.
    WithYears,
}

/// (value, count), most frequent first.
pub type Counts = Vec<(String, u64)>;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Facets {
    pub languages: Counts,
    pub formats: Counts,
    pub partners: Counts,
    pub countries: Counts,
    pub decades: Vec<Decade>,
    pub subjects: Counts,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decade {
    /// Its first year, e.g. 2010.
    pub decade: i32,
    pub count: u64,
    /// (year, count), in order; empty unless [`FacetDepth::WithYears`].
    pub years: Vec<(i32, u64)>,
}

pub const MAX_SUBJECT_FACETS: usize = 20;
/// Subjects kept per segment before segments are merged: the top twenty overall are among
/// them unless a subject is just below this in every segment.
const SUBJECTS_PER_SEGMENT: usize = 1_000;

pub use super::segment_table::KEYS_FIELD;

/// What a key's first letter says it counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    Country,
    Format,
    Language,
    Partner,
    Subject,
}

impl Category {
    fn prefix(self) -> &'static str {
        match self {
            Category::Country => "c:",
            Category::Format => "f:",
            Category::Language => "l:",
            Category::Partner => "p:",
            Category::Subject => "s:",
        }
    }

    /// The key a document carries for `value` in this category.
    pub fn key(self, value: &str) -> String {
        format!("{}{value}", self.prefix())
    }
}

/// The collector `depth` asks for, counting from `tables`.
pub fn collector(depth: FacetDepth, tables: &SegmentTables) -> Option<FacetCollector<'_>> {
    (depth != FacetDepth::None).then_some(FacetCollector { tables })
}

fn sorted(mut counts: Counts, limit: usize) -> Counts {
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    counts.truncate(limit);
    counts
}

/// The facets from what the collectors counted; years only for [`FacetDepth::WithYears`].
pub fn facets(depth: FacetDepth, keys: HashMap<String, u64>, years: &BTreeMap<i32, u64>) -> Facets {
    let mut decades: Vec<Decade> = Vec::new();
    for (&year, &count) in years {
        let decade = year.div_euclid(10) * 10;
        match decades.last_mut() {
            Some(last) if last.decade == decade => {
                last.count += count;
                last.years.push((year, count));
            }
            _ => decades.push(Decade { decade, count, years: vec![(year, count)] }),
        }
    }
    if depth != FacetDepth::WithYears {
        decades.iter_mut().for_each(|d| d.years.clear());
    }
    // Most frequent decade first, like every other facet.
    decades.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.decade.cmp(&b.decade)));
    let mut facets = Facets { decades, ..Facets::default() };
    for (key, count) in keys {
        let Some((prefix, value)) = key.split_at_checked(2) else { continue };
        let list = match prefix {
            "c:" => &mut facets.countries,
            "f:" => &mut facets.formats,
            "l:" => &mut facets.languages,
            "p:" => &mut facets.partners,
            "s:" => &mut facets.subjects,
            _ => continue,
        };
        list.push((value.to_owned(), count));
    }
    Facets {
        languages: sorted(facets.languages, usize::MAX),
        formats: sorted(facets.formats, usize::MAX),
        partners: sorted(facets.partners, usize::MAX),
        countries: sorted(facets.countries, usize::MAX),
        subjects: sorted(facets.subjects, MAX_SUBJECT_FACETS),
        decades: facets.decades,
    }
}

/// Counts the documents of each facet key and each year.
pub struct FacetCollector<'a> {
    tables: &'a SegmentTables,
}

pub struct FacetSegmentCollector {
    table: Arc<SegmentTable>,
    /// Documents per key ordinal, at least as long as the segment's dictionary; zero except
    /// at `touched`.
    counts: Vec<u32>,
    /// The ordinals counted at least once, in the order first met.
    touched: Vec<u32>,
    /// Documents per year slot (see [`SegmentTable::year_slot`]).
    years: Vec<u64>,
}

/// Count arrays kept between searches (all zeros when put back): a segment's dictionary of
/// keys can hold tens of thousands of subjects, and allocating, zeroing and scanning an
/// array that long for every search cost more than counting a rare word's hits. Shared by
/// every thread, as a search's share of a segment may be counted on a thread started for it
/// (see `partitioned`), which has no arrays of its own.
static SPARE_COUNTS: Mutex<Vec<Vec<u32>>> = Mutex::new(Vec::new());

/// Arrays kept at most: one per search counting at once is plenty.
const MAX_SPARE_COUNTS: usize = 16;

fn spare_counts() -> Vec<u32> {
    SPARE_COUNTS.lock().unwrap_or_else(|e| e.into_inner()).pop().unwrap_or_default()
}

fn put_back(counts: Vec<u32>) {
    let mut spare = SPARE_COUNTS.lock().unwrap_or_else(|e| e.into_inner());
    if spare.len() < MAX_SPARE_COUNTS {
        spare.push(counts);
    }
}

/// Keys counted, and documents counted per year.
pub type Fruit = (HashMap<String, u64>, BTreeMap<i32, u64>);

impl Collector for FacetCollector<'_> {
    type Fruit = Fruit;
    type Child = FacetSegmentCollector;

    fn for_segment(&self, _: u32, reader: &SegmentReader) -> tantivy::Result<FacetSegmentCollector> {
        let table = self.tables.segment(reader)?;
        let mut counts = spare_counts();
        if counts.len() < table.num_keys() {
            counts.resize(table.num_keys(), 0);
        }
        let years = vec![0; table.year_span];
        Ok(FacetSegmentCollector { table, counts, touched: Vec::new(), years })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Fruit>) -> tantivy::Result<Fruit> {
        let mut merged = Fruit::default();
        for (keys, years) in fruits {
            for (key, count) in keys {
                *merged.0.entry(key).or_insert(0) += count;
            }
            for (year, count) in years {
                *merged.1.entry(year).or_insert(0) += count;
            }
        }
        Ok(merged)
    }
}

/// The ordinals of the keys starting with `prefix` (keys sort by their category letter).
fn ordinals_of(column: &StrColumn, prefix: &str) -> std::ops::Range<u64> {
    let end = format!("{}{}", &prefix[..1], char::from(prefix.as_bytes()[1] + 1));
    let Ok((low, high)) = column.dictionary().term_bounds_to_ord(Bound::Included(prefix), Bound::Excluded(&end)) else {
        return 0..0;
    };
    let start = match low {
        Bound::Included(ord) => ord,
        Bound::Excluded(ord) => ord + 1,
        Bound::Unbounded => 0,
    };
    let end = match high {
        Bound::Included(ord) => ord + 1,
        Bound::Excluded(ord) => ord,
        Bound::Unbounded => column.num_terms() as u64,
    };
    start..end.max(start)
}

impl SegmentCollector for FacetSegmentCollector {
    type Fruit = Fruit;

    fn collect(&mut self, doc: DocId, _: Score) {
        // The indexer writes each key once per document (see `indexer::to_document`).
        for &ord in self.table.keys(doc) {
            let count = &mut self.counts[ord as usize];
            if *count == 0 {
                self.touched.push(ord);
            }
            *count += 1;
        }
        if let Some(slot) = self.table.year_slot(doc) {
            self.years[slot] += 1;
        }
    }

    fn harvest(mut self) -> Fruit {
        let years: BTreeMap<i32, u64> = (self.years.iter().enumerate())
            .filter(|(_, count)| **count > 0)
            .map(|(slot, count)| (self.table.year_at(slot), *count))
            .collect();
        let Some(column) = self.table.column.as_ref() else { return (HashMap::new(), years) };
        let subjects = ordinals_of(column, Category::Subject.prefix());
        let mut touched = std::mem::take(&mut self.touched);
        let counts = &self.counts;
        // Only the most frequent subjects are read back.
        let (mut ords, mut subject_ords): (Vec<u64>, Vec<u64>) =
            touched.iter().map(|&ord| u64::from(ord)).partition(|ord| !subjects.contains(ord));
        if subject_ords.len() > SUBJECTS_PER_SEGMENT {
            subject_ords
                .select_nth_unstable_by_key(SUBJECTS_PER_SEGMENT, |&ord| std::cmp::Reverse(counts[ord as usize]));
            subject_ords.truncate(SUBJECTS_PER_SEGMENT);
        }
        ords.extend(subject_ords);
        ords.sort_unstable();
        let mut keys = Vec::with_capacity(ords.len());
        let resolved = column
            .dictionary()
            .sorted_ords_to_term_cb(&ords, |bytes| keys.push(String::from_utf8_lossy(bytes).into_owned()));
        if !matches!(resolved, Ok(true)) {
            tracing::warn!("a facet key of the search index could not be read back");
        }
        let fruit = keys.into_iter().zip(&ords).map(|(key, &ord)| (key, u64::from(counts[ord as usize]))).collect();
        for ord in touched.drain(..) {
            self.counts[ord as usize] = 0;
        }
        put_back(std::mem::take(&mut self.counts));
        (fruit, years)
    }
}

#[cfg(test)]
mod tests {
    use tantivy::query::AllQuery;

    use super::super::segment_table::fixture::KeysIndex;
    use super::*;

    /// Keys counted over two segments, each category apart, subjects cut to the most
    /// frequent.
    #[test]
    fn counts_every_category_over_segments() {
        let mut fixture = KeysIndex::default();
        let add = |fixture: &mut KeysIndex, values: &[(Category, &str)], y: i64| {
            fixture.add(values.iter().map(|(category, value)| category.key(value)), Some(y));
        };
        use Category::*;
        add(&mut fixture, &[(Language, "uzb"), (Language, "rus"), (Format, "book"), (Subject, "Poetry")], 1995);
        add(&mut fixture, &[(Language, "uzb"), (Format, "book"), (Partner, "12"), (Subject, "Poetry")], 2001);
        fixture.writer.commit().unwrap();
        add(&mut fixture, &[(Language, "kor"), (Format, "map"), (Partner, "12"), (Country, "KR")], 2003);
        add(&mut fixture, &[(Language, "uzb"), (Format, "serial"), (Subject, "History")], 2003);
        for i in 0..30 {
            add(&mut fixture, &[(Format, "book"), (Subject, &format!("Rare {i:02}"))], 1890);
        }
        fixture.writer.commit().unwrap();
        let searcher = fixture.index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 2);
        let tables = SegmentTables::default();

        let (keys, years) = searcher.search(&AllQuery, &FacetCollector { tables: &tables }).unwrap();
        let facets = facets(FacetDepth::WithYears, keys, &years);
        let owned = |pairs: &[(&str, u64)]| pairs.iter().map(|(v, c)| (v.to_string(), *c)).collect::<Counts>();
        assert_eq!(facets.languages, owned(&[("uzb", 3), ("kor", 1), ("rus", 1)]));
        assert_eq!(facets.formats, owned(&[("book", 32), ("map", 1), ("serial", 1)]));
        assert_eq!(facets.partners, owned(&[("12", 2)]));
        assert_eq!(facets.countries, owned(&[("KR", 1)]));
        assert_eq!(facets.subjects.len(), MAX_SUBJECT_FACETS);
        assert_eq!(facets.subjects[..2], owned(&[("Poetry", 2), ("History", 1)])[..]);
        assert_eq!(facets.decades[0], Decade { decade: 1890, count: 30, years: vec![(1890, 30)] });
        assert_eq!(facets.decades[1], Decade { decade: 2000, count: 3, years: vec![(2001, 1), (2003, 2)] });

        // The count arrays are reused from search to search: nothing is left over.
        let again = searcher.search(&AllQuery, &FacetCollector { tables: &tables }).unwrap();
        assert_eq!(super::facets(FacetDepth::WithYears, again.0, &again.1), facets);
        let year_2001 = tantivy::query::TermQuery::new(
            tantivy::Term::from_field_i64(fixture.year, 2001),
            tantivy::schema::IndexRecordOption::Basic,
        );
        let (keys, years) = searcher.search(&year_2001, &FacetCollector { tables: &tables }).unwrap();
        let one = super::facets(FacetDepth::Counts, keys, &years);
        assert_eq!(one.languages, owned(&[("uzb", 1)]));
        assert_eq!(one.subjects, owned(&[("Poetry", 1)]));
        assert_eq!(one.partners, owned(&[("12", 1)]));
    }
}
