//! Running a search: the query built from what the user typed and the filters, ranking in
//! tiers (exact script, folded, stemmed, cross-script, prefix, typo), facets over the same
//! result set, and a corrected query when nothing is found.

use std::collections::HashMap;
use std::ops::Bound;

use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, FuzzyTermQuery, Occur, PhraseQuery,
    Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Facet, Field, IndexRecordOption};
use tantivy::tokenizer::TokenizerManager;
use tantivy::{DocAddress, Order, Searcher, Term};

use super::SearchError;
use super::analysis::{self, FOLDED, STEMMED, TEXT, TRANSLIT};
use super::query::{Clause, ParsedQuery};
use super::schema::{Fields, Source};

/// Constant scores that order the kinds of match: for each word, an exact-script match
/// outranks any folded one, which outranks stemmed, cross-script, prefix and corrected
/// ones. Within a kind, the best field a word is found in adds its own constant (title above
/// contributors above subjects above abstract, see [`Source::weight`]); BM25 (far below
/// those steps) orders what is left.
const TIERS: [(&str, f32); 4] = [(TEXT, 50_000.0), (FOLDED, 40_000.0), (STEMMED, 30_000.0), (TRANSLIT, 20_000.0)];
const PREFIX_TIER: f32 = 10_000.0;
/// Field constant per unit of [`Source::weight`].
const FIELD_STEP: f32 = 200.0;

/// Filters, already resolved to index values.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub languages: Vec<String>,
    pub formats: Vec<String>,
    pub year_from: Option<i32>,
    pub year_to: Option<i32>,
    pub partners: Vec<i64>,
    pub countries: Vec<String>,
    pub directions: Vec<String>,
    pub projects: Vec<i64>,
    pub available: Option<bool>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortBy {
    #[default]
    Relevance,
    Year {
        descending: bool,
    },
    Added {
        descending: bool,
    },
}

#[derive(Clone, Debug, Default)]
pub struct Request {
    pub query: ParsedQuery,
    pub filter: Filter,
    pub sort: SortBy,
    pub offset: usize,
    pub limit: usize,
    pub facets: FacetDepth,
}

/// Which facets to count (counting costs as much as ranking: only when asked).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FacetDepth {
    #[default]
    None,
    Counts,
    /// Counts, and the years within each decade.
    WithYears,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Hit {
    pub document_id: i64,
    pub score: f32,
}

/// (value, count), most frequent first.
pub type Counts = Vec<(String, u64)>;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Facets {
    pub languages: Counts,
    pub formats: Counts,
    pub partners: Counts,
    pub countries: Counts,
    /// (decade, count, years of that decade with counts)
    pub decades: Vec<(String, u64, Counts)>,
    pub subjects: Counts,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Results {
    pub total: usize,
    pub hits: Vec<Hit>,
    pub facets: Facets,
}

pub const MAX_SUBJECT_FACETS: usize = 20;

fn term_query(field: Field, token: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, token), IndexRecordOption::WithFreqsAndPositions))
}

/// The text matched as a word or a phrase in one field (one token: a term; several: a phrase).
fn text_query(field: Field, tokens: &[String]) -> Option<Box<dyn Query>> {
    match tokens {
        [] => None,
        [one] => Some(term_query(field, one)),
        many => Some(Box::new(PhraseQuery::new(many.iter().map(|t| Term::from_field_text(field, t)).collect()))),
    }
}

/// Typo tolerance: one edit from 5 letters, two from 9.
pub fn typo_distance(word: &str) -> u8 {
    match word.chars().count() {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// The tier constant plus the constant of the best field that matches.
fn best_field(per_source: &[(Source, Box<dyn Query>)], tier: f32) -> Box<dyn Query> {
    let constants = per_source
        .iter()
        .map(|(source, q)| {
            Box::new(ConstScoreQuery::new(q.box_clone(), tier + source.weight() * FIELD_STEP)) as Box<dyn Query>
        })
        .collect();
    Box::new(DisjunctionMaxQuery::new(constants))
}

/// One kind of match across the fields: the tier and best-field constant, plus BM25
/// summed over the fields.
fn tiered(per_source: Vec<(Source, Box<dyn Query>)>, tier: f32) -> Option<Box<dyn Query>> {
    if per_source.is_empty() {
        return None;
    }
    let bm25: Vec<(Occur, Box<dyn Query>)> = per_source.iter().map(|(_, q)| (Occur::Should, q.box_clone())).collect();
    Some(Box::new(BooleanQuery::new(vec![
        (Occur::Must, best_field(&per_source, tier)),
        (Occur::Should, Box::new(BooleanQuery::new(bm25))),
    ])))
}

/// Prefix and typo matching look only where words are short and few: titles, names and
/// subjects. Expanding them over abstracts costs most and finds least.
const EXPANDED_SOURCES: [Source; 3] = [Source::Title, Source::Contributors, Source::Subjects];

/// One word or phrase, in every field and every analysis; the best kind of match counts.
fn clause_query(
    tokenizers: &TokenizerManager,
    fields: &Fields,
    clause: &Clause,
    prefix: bool,
) -> Option<Box<dyn Query>> {
    let (text, is_phrase) = match clause {
        Clause::Word(w) => (w.as_str(), false),
        Clause::Phrase(p) => (p.as_str(), true),
    };
    let mut variants: Vec<Box<dyn Query>> = Vec::new();
    for (analyzer, tier) in TIERS {
        let tokens = analysis::tokens(tokenizers, analyzer, text);
        let per_source = Source::ALL
            .iter()
            .filter_map(|&source| Some((source, text_query(fields.text.get(source, analyzer), &tokens)?)))
            .collect();
        variants.extend(tiered(per_source, tier));
    }
    let folded = analysis::tokens(tokenizers, FOLDED, text);
    if let ([token], false) = (folded.as_slice(), is_phrase) {
        // An automaton query scores a constant, so no BM25 part: one scan per field.
        if prefix {
            let per_source: Vec<(Source, Box<dyn Query>)> = EXPANDED_SOURCES
                .iter()
                .map(|&source| {
                    let term = Term::from_field_text(fields.text.get(source, FOLDED), token);
                    (source, Box::new(FuzzyTermQuery::new_prefix(term, 0, true)) as Box<dyn Query>)
                })
                .collect();
            variants.push(best_field(&per_source, PREFIX_TIER));
        }
        let distance = typo_distance(token);
        if distance > 0 {
            for source in EXPANDED_SOURCES {
                let term = Term::from_field_text(fields.text.get(source, FOLDED), token);
                let q = Box::new(FuzzyTermQuery::new(term, distance, true));
                variants.push(Box::new(BoostQuery::new(q, source.weight())));
            }
        }
    }
    (!variants.is_empty()).then(|| Box::new(DisjunctionMaxQuery::new(variants)) as Box<dyn Query>)
}

/// What must not match: the word in its exact, folded or cross-script form (not its typos).
fn exclusion_query(tokenizers: &TokenizerManager, fields: &Fields, clause: &Clause) -> Option<Box<dyn Query>> {
    let text = match clause {
        Clause::Word(w) | Clause::Phrase(w) => w,
    };
    let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for analyzer in [TEXT, FOLDED, TRANSLIT] {
        let tokens = analysis::tokens(tokenizers, analyzer, text);
        for source in Source::ALL {
            if let Some(q) = text_query(fields.text.get(source, analyzer), &tokens) {
                any.push((Occur::Should, q));
            }
        }
    }
    (!any.is_empty()).then(|| Box::new(BooleanQuery::new(any)) as Box<dyn Query>)
}

fn any_of(terms: Vec<Term>) -> Option<Box<dyn Query>> {
    if terms.is_empty() {
        return None;
    }
    let clauses = terms
        .into_iter()
        .map(|t| (Occur::Should, Box::new(TermQuery::new(t, IndexRecordOption::Basic)) as Box<dyn Query>))
        .collect();
    Some(Box::new(ConstScoreQuery::new(Box::new(BooleanQuery::new(clauses)), 0.0)))
}

fn filter_queries(fields: &Fields, filter: &Filter) -> Vec<Box<dyn Query>> {
    let text_terms = |field: Field, values: &[String]| values.iter().map(|v| Term::from_field_text(field, v)).collect();
    let id_terms =
        |field: Field, values: &[i64]| values.iter().map(|v| Term::from_field_u64(field, *v as u64)).collect();
    let mut out: Vec<Box<dyn Query>> = [
        any_of(text_terms(fields.language, &filter.languages)),
        any_of(text_terms(fields.format, &filter.formats)),
        any_of(id_terms(fields.partner, &filter.partners)),
        any_of(text_terms(fields.country, &filter.countries)),
        any_of(text_terms(fields.direction, &filter.directions)),
        any_of(id_terms(fields.project, &filter.projects)),
        filter.available.and_then(|a| any_of(vec![Term::from_field_bool(fields.available, a)])),
    ]
    .into_iter()
    .flatten()
    .collect();
    if filter.year_from.is_some() || filter.year_to.is_some() {
        let bound = |year: Option<i32>| match year {
            Some(y) => Bound::Included(Term::from_field_i64(fields.year, i64::from(y))),
            None => Bound::Unbounded,
        };
        let range = RangeQuery::new(bound(filter.year_from), bound(filter.year_to));
        out.push(Box::new(ConstScoreQuery::new(Box::new(range), 0.0)));
    }
    out
}

/// The whole query: every group (one of its clauses) must match, no exclusion may, and
/// every filter must. An empty query lists everything the filters let through.
pub fn build_query(
    tokenizers: &TokenizerManager,
    fields: &Fields,
    query: &ParsedQuery,
    filter: &Filter,
) -> Box<dyn Query> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let last_group = query.groups.len().saturating_sub(1);
    for (i, group) in query.groups.iter().enumerate() {
        let last_clause = group.len().saturating_sub(1);
        let alternatives: Vec<(Occur, Box<dyn Query>)> = group
            .iter()
            .enumerate()
            .filter_map(|(j, clause)| {
                let prefix = query.last_is_prefix && i == last_group && j == last_clause;
                clause_query(tokenizers, fields, clause, prefix).map(|q| (Occur::Should, q))
            })
            .collect();
        match alternatives.len() {
            0 => {}
            1 => clauses.extend(alternatives.into_iter().map(|(_, q)| (Occur::Must, q))),
            _ => clauses.push((Occur::Must, Box::new(BooleanQuery::new(alternatives)))),
        }
    }
    if clauses.is_empty() {
        clauses.push((Occur::Must, Box::new(AllQuery)));
    }
    for clause in &query.excluded {
        if let Some(q) = exclusion_query(tokenizers, fields, clause) {
            clauses.push((Occur::MustNot, q));
        }
    }
    for q in filter_queries(fields, filter) {
        clauses.push((Occur::Must, q));
    }
    Box::new(BooleanQuery::new(clauses))
}

fn id_of(searcher: &Searcher, fields: &Fields, address: DocAddress) -> Option<i64> {
    let reader = searcher.segment_reader(address.segment_ord);
    let column = reader.fast_fields().u64("id").ok()?;
    let _ = fields;
    column.first(address.doc_id).map(|id| id as i64)
}

const DECADES: std::ops::RangeInclusive<i32> = -300..=210;

fn facet_collector(depth: FacetDepth) -> Option<FacetCollector> {
    if depth == FacetDepth::None {
        return None;
    }
    let mut collector = FacetCollector::for_field("facets");
    for root in ["/language", "/format", "/partner", "/country", "/decade", "/subject"] {
        collector.add_facet(root);
    }
    Some(collector)
}

/// Years within decades: a collector of its own, as tantivy counts one level per facet.
fn year_collector(depth: FacetDepth) -> Option<FacetCollector> {
    if depth != FacetDepth::WithYears {
        return None;
    }
    let mut collector = FacetCollector::for_field("facets");
    for decade in DECADES {
        collector.add_facet(Facet::from_path(["decade", &(decade * 10).to_string()]));
    }
    Some(collector)
}

fn counts(facets: &tantivy::collector::FacetCounts, root: &str, limit: usize) -> Counts {
    let mut out: Counts = facets
        .get(root)
        .map(|(facet, count)| (facet.to_path().last().map(|s| s.to_string()).unwrap_or_default(), count))
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out.truncate(limit);
    out
}

/// Runs a request against one searcher. Blocking: call it off the async executor.
pub fn run(
    searcher: &Searcher,
    tokenizers: &TokenizerManager,
    fields: &Fields,
    request: &Request,
) -> Result<Results, SearchError> {
    let query = build_query(tokenizers, fields, &request.query, &request.filter);
    let top = TopDocs::with_limit(request.limit.max(1)).and_offset(request.offset);
    let facets = (facet_collector(request.facets), year_collector(request.facets));
    let (total, addresses, (facet_counts, year_counts)) = match request.sort {
        SortBy::Relevance => searcher.search(&query, &(Count, top.order_by_score(), facets))?,
        SortBy::Year { descending } | SortBy::Added { descending } => {
            let field = if matches!(request.sort, SortBy::Year { .. }) { "year" } else { "added" };
            let order = if descending { Order::Desc } else { Order::Asc };
            let (total, docs, facets) =
                searcher.search(&query, &(Count, top.order_by_fast_field::<i64>(field, order), facets))?;
            (total, docs.into_iter().map(|(_, a)| (0.0, a)).collect(), facets)
        }
    };
    let hits = if request.limit == 0 {
        Vec::new()
    } else {
        addresses
            .into_iter()
            .filter_map(|(score, address)| Some(Hit { document_id: id_of(searcher, fields, address)?, score }))
            .collect()
    };
    let Some(facet_counts) = facet_counts else {
        return Ok(Results { total, hits, facets: Facets::default() });
    };
    let decades = counts(&facet_counts, "/decade", usize::MAX)
        .into_iter()
        .map(|(decade, count)| {
            let mut years = year_counts
                .as_ref()
                .map(|years| counts(years, &format!("/decade/{decade}"), usize::MAX))
                .unwrap_or_default();
            years.sort_by(|a, b| a.0.cmp(&b.0));
            (decade, count, years)
        })
        .collect();
    let facets = Facets {
        languages: counts(&facet_counts, "/language", usize::MAX),
        formats: counts(&facet_counts, "/format", usize::MAX),
        partners: counts(&facet_counts, "/partner", usize::MAX),
        countries: counts(&facet_counts, "/country", usize::MAX),
        decades,
        subjects: counts(&facet_counts, "/subject", MAX_SUBJECT_FACETS),
    };
    Ok(Results { total, hits, facets })
}

/// The indexed word (folded) closest to `word`, preferring fewer edits, then more
/// documents: the basis of "did you mean".
pub fn closest_term(searcher: &Searcher, tokenizers: &TokenizerManager, fields: &Fields, word: &str) -> Option<String> {
    let mut best: HashMap<String, (usize, u64)> = HashMap::new();
    for analyzer in [FOLDED, TRANSLIT] {
        let tokens = analysis::tokens(tokenizers, analyzer, word);
        let [target] = tokens.as_slice() else { continue };
        collect_close_terms(searcher, fields, analyzer, target, &mut best);
    }
    best.into_iter().min_by(|a, b| a.1.0.cmp(&b.1.0).then(b.1.1.cmp(&a.1.1)).then(a.0.cmp(&b.0))).map(|(t, _)| t)
}

/// Adds to `best` the indexed terms of `analyzer`'s fields within a few edits of `target`,
/// with how many documents hold them.
fn collect_close_terms(
    searcher: &Searcher,
    fields: &Fields,
    analyzer: &str,
    target: &str,
    best: &mut HashMap<String, (usize, u64)>,
) {
    let target_chars: Vec<char> = target.chars().collect();
    let max_distance = usize::from(typo_distance(target).max(1)) + 1;
    for source in [Source::Title, Source::Contributors, Source::Subjects] {
        let field = fields.text.get(source, analyzer);
        for segment in searcher.segment_readers() {
            let Ok(index) = segment.inverted_index(field) else { continue };
            let Ok(mut stream) = index.terms().stream() else { continue };
            while stream.advance() {
                let Ok(candidate) = std::str::from_utf8(stream.key()) else { continue };
                let length = candidate.chars().count();
                if length.abs_diff(target_chars.len()) > max_distance || candidate == target {
                    continue;
                }
                let distance = strsim::levenshtein(candidate, target);
                if distance <= max_distance {
                    let entry = best.entry(candidate.to_owned()).or_insert((distance, 0));
                    entry.1 += u64::from(stream.value().doc_freq);
                }
            }
        }
    }
}
