//! Facet counts over a whole result set, counted in the same pass that ranks it: the
//! categorical facets (language, format, partner, country, subject) from the hierarchical
//! `facets` field, the years (and so the decades) from the `year` fast field.

use std::collections::BTreeMap;

use tantivy::collector::{Collector, FacetCollector, FacetCounts, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocId, Score, SegmentReader};

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

const ROOTS: [&str; 5] = ["/language", "/format", "/partner", "/country", "/subject"];

/// The collectors `depth` asks for.
pub fn collectors(depth: FacetDepth) -> Option<(FacetCollector, YearCollector)> {
    if depth == FacetDepth::None {
        return None;
    }
    let mut categories = FacetCollector::for_field("facets");
    for root in ROOTS {
        categories.add_facet(root);
    }
    Some((categories, YearCollector))
}

fn counts(facets: &FacetCounts, root: &str, limit: usize) -> Counts {
    let mut out: Counts = facets
        .get(root)
        .map(|(facet, count)| (facet.to_path().last().map(|s| s.to_string()).unwrap_or_default(), count))
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out.truncate(limit);
    out
}

/// The facets from what the collectors counted; years only for [`FacetDepth::WithYears`].
pub fn facets(depth: FacetDepth, categories: &FacetCounts, years: &BTreeMap<i32, u64>) -> Facets {
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
    Facets {
        languages: counts(categories, "/language", usize::MAX),
        formats: counts(categories, "/format", usize::MAX),
        partners: counts(categories, "/partner", usize::MAX),
        countries: counts(categories, "/country", usize::MAX),
        decades,
        subjects: counts(categories, "/subject", MAX_SUBJECT_FACETS),
    }
}

/// Counts the documents of each year (documents without a year are not counted).
pub struct YearCollector;

pub struct YearSegmentCollector {
    column: Option<Column<i64>>,
    /// Counts by year − `first`, over the segment's range of years.
    counts: Vec<u64>,
    first: i64,
}

impl Collector for YearCollector {
    type Fruit = BTreeMap<i32, u64>;
    type Child = YearSegmentCollector;

    fn for_segment(&self, _: u32, reader: &SegmentReader) -> tantivy::Result<YearSegmentCollector> {
        let column = reader.fast_fields().i64("year").ok();
        let (first, span) = match &column {
            Some(c) if c.num_docs() > 0 => (c.min_value(), (c.max_value() - c.min_value()).max(0) as usize + 1),
            _ => (0, 0),
        };
        Ok(YearSegmentCollector { column, counts: vec![0; span], first })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<BTreeMap<i32, u64>>) -> tantivy::Result<BTreeMap<i32, u64>> {
        let mut merged = BTreeMap::new();
        for fruit in fruits {
            for (year, count) in fruit {
                *merged.entry(year).or_insert(0) += count;
            }
        }
        Ok(merged)
    }
}

impl SegmentCollector for YearSegmentCollector {
    type Fruit = BTreeMap<i32, u64>;

    fn collect(&mut self, doc: DocId, _: Score) {
        if let Some(year) = self.column.as_ref().and_then(|c| c.first(doc))
            && let Some(slot) = self.counts.get_mut((year - self.first) as usize)
        {
            *slot += 1;
        }
    }

    fn harvest(self) -> BTreeMap<i32, u64> {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, count)| **count > 0)
            .map(|(offset, count)| ((self.first + offset as i64) as i32, *count))
            .collect()
    }
}
