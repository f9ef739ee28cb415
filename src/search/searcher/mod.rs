//! Running a search: the query built from what the user typed and the filters, ranking in
//! tiers (exact script, folded, stemmed, cross-script, prefix, typo), facets over the same
//! result set.

mod building;
mod echoes;
mod hit;
mod marking;
mod remembered;

use tantivy::collector::{Count, TopDocs};
use tantivy::tokenizer::TokenizerManager;
use tantivy::{DocAddress, Searcher};

use self::building::{Building, build_query, correctable, known};
use self::hit::hits;
pub use self::remembered::{Remembered, Warming};
use super::SearchError;
use super::facets::{self, FacetDepth, Facets};
use super::highlight::Highlights;
use super::partitioned::Partitioned;
use super::query::ParsedQuery;
use super::schema::Fields;
use super::sorted::{SortColumn, TopBy};
use crate::document::Document;

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
    /// Read each hit's document from the index's copy (see [`Hit::document`]).
    pub with_documents: bool,
    /// Mark what matched in each hit's title and abstract (with `with_documents`).
    pub with_highlights: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Hit {
    pub document_id: i64,
    /// The partner the document came from, as the index knows it.
    pub origin_partner_id: Option<i64>,
    pub score: f32,
    /// The document as the index last saw it, when the request asked for documents; `None`
    /// also when the copy could not be read, and the caller then reads it from PostgreSQL.
    pub document: Option<Document>,
    /// What matched in the copy's title and abstract, when the request asked for them and
    /// the copy was read.
    pub highlights: Option<Highlights>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Results {
    pub total: usize,
    pub hits: Vec<Hit>,
    pub facets: Facets,
    /// The words (folded) matched in place of misspelt ones to make this answer: empty when
    /// the words as written filled the page.
    pub corrections: Vec<String>,
}

/// Runs a request against one searcher, ranking a large result set on up to `threads`
/// threads. Blocking: call it off the async executor.
///
/// Misspellings are looked for only where the words as written (folded, stemmed, in the
/// other script, as prefixes) leave the page short, and then only for the words the index
/// does not hold in any form: a word the catalogue uses is taken as meant. (A rare word
/// found once is the reader's document; its near neighbours in a long-tailed vocabulary
/// are other rare words, and walking the dictionary for them was most of the time of such
/// a search.) Corrected matches always rank below the others.
pub fn run(
    searcher: &Searcher,
    tokenizers: &TokenizerManager,
    fields: &Fields,
    remembered: &Remembered,
    request: &Request,
    threads: usize,
) -> Result<Results, SearchError> {
    let Remembered { expansions, segment_tables, hit_columns } = remembered;
    segment_tables.keep_only(searcher);
    let strict = Building { expansions, tables: segment_tables, corrected: &[] };
    let pass = |building: Building<'_>| run_pass(searcher, tokenizers, fields, building, request, threads);
    let candidates = correctable(tokenizers, &request.query);
    let (found, corrected) = if candidates.is_empty() {
        (pass(strict)?, Vec::new())
    } else {
        let wanted = (request.offset + request.limit).max(1);
        let first = pass(strict)?;
        let unknown: Vec<String> = if first.total >= wanted {
            Vec::new()
        } else {
            candidates.into_iter().filter(|word| !known(searcher, tokenizers, fields, word)).collect()
        };
        if unknown.is_empty() {
            (first, unknown)
        } else {
            (pass(Building { expansions, tables: segment_tables, corrected: &unknown })?, unknown)
        }
    };
    // What the corrected pass looked for (remembered for the generation: no second walk).
    let corrections: Vec<String> =
        corrected.iter().flat_map(|word| expansions.corrections(searcher, fields.vocabulary, word).to_vec()).collect();
    let hits = hits(searcher, tokenizers, fields, hit_columns, request, &corrections, found.addresses, threads);
    Ok(Results { total: found.total, hits, facets: found.facets, corrections })
}

/// What one pass found: the page's hits are read only for the pass whose answer is kept.
struct Found {
    total: usize,
    addresses: Vec<(f32, DocAddress)>,
    facets: Facets,
}

fn run_pass(
    searcher: &Searcher,
    tokenizers: &TokenizerManager,
    fields: &Fields,
    building: Building<'_>,
    request: &Request,
    threads: usize,
) -> Result<Found, SearchError> {
    let query = build_query(searcher, tokenizers, fields, building, &request.query, &request.filter);
    let facet_collectors = facets::collector(request.facets, building.tables);
    let (total, addresses, facet_counts) = match request.sort {
        SortBy::Relevance => {
            let top = TopDocs::with_limit(request.limit.max(1)).and_offset(request.offset).order_by_score();
            searcher.search(&query, &Partitioned::new((Count, top, facet_collectors), threads))?
        }
        SortBy::Year { descending } | SortBy::Added { descending } => {
            let column = if matches!(request.sort, SortBy::Year { .. }) { SortColumn::Year } else { SortColumn::Added };
            let top = TopBy::new(building.tables, column, descending, request.offset, request.limit.max(1));
            let (total, docs, facets) =
                searcher.search(&query, &Partitioned::new((Count, top, facet_collectors), threads))?;
            (total, docs.into_iter().map(|a| (0.0, a)).collect(), facets)
        }
    };
    let facets =
        facet_counts.map(|(categories, years)| facets::facets(request.facets, categories, &years)).unwrap_or_default();
    Ok(Found { total, addresses, facets })
}

#[cfg(test)]
mod tests;
