//! The `search` root field: full-text search over the exchanged documents.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use super::connection::{MAX_PAGE_SIZE, OffsetCursor};
use super::enums::{Direction, DocumentFormat, ExchangeDirection};
use super::error::GqlResultExt;
use super::id::{self, NodeKind};
use super::nodes::{load_optional, loaders};
use super::pool;
use crate::document::{self, Document, identifiers};
use crate::error::{Error, Result as DomainResult, quoted};
use crate::exchange;
use crate::partner::Partner;
use crate::search::SearchIndex;
use crate::search::facets;
use crate::search::query::{self, Clause, ParsedQuery};
use crate::search::searcher::{self, Filter, SortBy};

#[derive(InputObject, Default)]
pub struct SearchFilter {
    /// ISO 639 codes in any form; a document in any of them matches.
    #[graphql(default)]
    languages: Vec<String>,
    #[graphql(default)]
    formats: Vec<DocumentFormat>,
    year_from: Option<i32>,
    year_to: Option<i32>,
    /// Documents that came from any of these partners.
    #[graphql(default)]
    partner_ids: Vec<ID>,
    /// ISO 3166-1 alpha-2 codes of the partners' countries.
    #[graphql(default)]
    countries: Vec<String>,
    /// Documents received from partners (INCOMING) or sent to them (OUTGOING).
    direction: Option<ExchangeDirection>,
    /// Documents with copies shelved in these project reading rooms.
    #[graphql(default)]
    project_ids: Vec<ID>,
    /// Documents of which this library holds an available copy (true), or none (false).
    has_available_holding: Option<bool>,
}

const MAX_FILTER_VALUES: usize = 100;

/// How deep results can be paged, like Elasticsearch's `max_result_window`: ranking keeps
/// every hit up to the page in memory, so a cursor a million hits deep would cost as much
/// as a million-hit page. Past this, narrowing the query or a filter is the way on.
pub const MAX_SEARCH_DEPTH: i64 = 10_000;

impl SearchFilter {
    fn validate(self) -> DomainResult<Filter> {
        let lists = [
            self.languages.len(),
            self.formats.len(),
            self.partner_ids.len(),
            self.countries.len(),
            self.project_ids.len(),
        ];
        if lists.iter().any(|n| *n > MAX_FILTER_VALUES) {
            return Err(Error::invalid("filter", format!("a filter takes at most {MAX_FILTER_VALUES} values")));
        }
        if let (Some(from), Some(to)) = (self.year_from, self.year_to)
            && to < from
        {
            return Err(Error::invalid("filter.yearTo", format!("yearTo ({to}) is before yearFrom ({from})")));
        }
        let ids = |field: &'static str, ids: &[ID], kind: NodeKind| -> DomainResult<Vec<i64>> {
            ids.iter().map(|id| id::decode_as(field, id, kind)).collect()
        };
        Ok(Filter {
            languages: self
                .languages
                .iter()
                .map(|code| {
                    identifiers::normalize_language(code).ok_or_else(|| {
                        Error::invalid("filter.languages", format!("{} is not an ISO 639 language code", quoted(code)))
                    })
                })
                .collect::<DomainResult<_>>()?,
            formats: self.formats.iter().map(|f| document::DocumentFormat::from(*f).as_str().to_owned()).collect(),
            year_from: self.year_from,
            year_to: self.year_to,
            partners: ids("filter.partnerIds", &self.partner_ids, NodeKind::Partner)?,
            countries: self
                .countries
                .iter()
                .map(|c| crate::validate::country("filter.countries", c))
                .collect::<DomainResult<_>>()?,
            directions: self
                .direction
                .map(|d| vec![exchange::ExchangeDirection::from(d).as_str().to_owned()])
                .unwrap_or_default(),
            projects: ids("filter.projectIds", &self.project_ids, NodeKind::Project)?,
            available: self.has_available_holding,
        })
    }
}

#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum SearchOrderField {
    /// Best match first (exact spelling, then folded, stemmed, other-script, prefix, typo).
    #[default]
    Relevance,
    Year,
    /// When the document was catalogued.
    DateAdded,
}

#[derive(InputObject, Default)]
pub struct SearchOrderBy {
    field: SearchOrderField,
    /// For YEAR and DATE_ADDED (relevance is always best first).
    #[graphql(default_with = "Direction::Desc")]
    direction: Direction,
}

/// The matched words marked with `<mark>` in HTML-escaped text.
#[derive(SimpleObject, Clone, Default)]
pub struct SearchHighlights {
    /// The title, when it matched.
    title: Option<String>,
    /// A passage of the abstract around the first match.
    #[graphql(name = "abstract")]
    abstract_text: Option<String>,
}

#[derive(SimpleObject, Clone)]
pub struct SearchHit {
    document: Document,
    score: f64,
    highlights: SearchHighlights,
}

#[derive(SimpleObject, Clone)]
pub struct FacetCount {
    value: String,
    count: i64,
}

#[derive(SimpleObject, Clone)]
pub struct FormatFacetCount {
    format: DocumentFormat,
    count: i64,
}

#[derive(Clone)]
pub struct PartnerFacetCount {
    partner_id: i64,
    count: i64,
}

#[Object]
impl PartnerFacetCount {
    async fn partner(&self, ctx: &Context<'_>) -> Result<Option<Partner>> {
        load_optional(ctx, Some(self.partner_id)).await
    }

    async fn count(&self) -> i64 {
        self.count
    }
}

#[derive(SimpleObject, Clone)]
pub struct DecadeFacetCount {
    /// The first year of the decade, e.g. 2010.
    decade: i32,
    count: i64,
    years: Vec<YearFacetCount>,
}

#[derive(SimpleObject, Clone)]
pub struct YearFacetCount {
    year: i32,
    count: i64,
}

/// Counts over the whole filtered result, not only the page.
#[derive(SimpleObject, Clone, Default)]
pub struct SearchFacets {
    /// ISO 639-3 codes.
    languages: Vec<FacetCount>,
    formats: Vec<FormatFacetCount>,
    partners: Vec<PartnerFacetCount>,
    countries: Vec<FacetCount>,
    decades: Vec<DecadeFacetCount>,
    /// The most frequent subjects (at most 20).
    subjects: Vec<FacetCount>,
}

#[derive(SimpleObject, Clone, Default)]
pub struct SearchResultFields {
    /// How many documents match, across all pages.
    total_count: i64,
    facets: SearchFacets,
    /// When nothing matches: a corrected query that does find something.
    suggestion: Option<String>,
}

pub type SearchConnection = Connection<OffsetCursor, SearchHit, SearchResultFields>;

fn facets_from(f: facets::Facets) -> SearchFacets {
    let plain = |counts: facets::Counts| {
        counts.into_iter().map(|(value, count)| FacetCount { value, count: count as i64 }).collect()
    };
    SearchFacets {
        languages: plain(f.languages),
        formats: f
            .formats
            .into_iter()
            .filter_map(|(v, count)| {
                let format = v.parse::<document::DocumentFormat>().ok()?.into();
                Some(FormatFacetCount { format, count: count as i64 })
            })
            .collect(),
        partners: f
            .partners
            .into_iter()
            .filter_map(|(v, count)| Some(PartnerFacetCount { partner_id: v.parse().ok()?, count: count as i64 }))
            .collect(),
        countries: plain(f.countries),
        decades: f
            .decades
            .into_iter()
            .map(|d| DecadeFacetCount {
                decade: d.decade,
                count: d.count as i64,
                years: d.years.into_iter().map(|(year, c)| YearFacetCount { year, count: c as i64 }).collect(),
            })
            .collect(),
        subjects: plain(f.subjects),
    }
}

/// A rewritten query that finds something, when the given one finds nothing.
async fn suggestion(index: &SearchIndex, text: &str, parsed: &ParsedQuery, filter: &Filter) -> Result<Option<String>> {
    let words: Vec<String> = parsed
        .clauses()
        .filter_map(|c| match c {
            Clause::Word(w) => Some(w.clone()),
            Clause::Phrase(_) => None,
        })
        .collect();
    if words.is_empty() {
        return Ok(None);
    }
    let corrections = index.corrections(words.clone()).await.map_err(Error::from).gql()?;
    let mut corrected = text.to_owned();
    let mut changed = false;
    for (word, correction) in words.iter().zip(corrections) {
        if let Some(correction) = correction {
            corrected = corrected.replacen(word.as_str(), &correction, 1);
            changed = true;
        }
    }
    if !changed {
        return Ok(None);
    }
    let check =
        searcher::Request { query: query::parse(&corrected), filter: filter.clone(), limit: 0, ..Default::default() };
    let found = index.search(check).await.map_err(Error::from).gql()?;
    Ok((found.total > 0).then_some(corrected))
}

#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// Full-text search over the exchanged documents, in any language and script.
    ///
    /// `query` accepts words (the last one also matches as a prefix while typing), "quoted
    /// phrases", `-word` to exclude, and `OR` between alternatives; anything else typed is
    /// ignored rather than rejected. A word matches as written, without diacritics, by its
    /// stem, in the other script (Cyrillic ↔ Latin for Uzbek, Russian and Kazakh), and with
    /// one typo from 5 letters, two from 9, ranked in that order. An empty query lists
    /// every document the filter lets through. Pages reach the first 10,000 hits.
    async fn search(
        &self,
        ctx: &Context<'_>,
        query: String,
        filter: Option<SearchFilter>,
        order_by: Option<SearchOrderBy>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<SearchConnection> {
        use async_graphql::connection::CursorType;
        let limit = first.unwrap_or(super::connection::DEFAULT_PAGE_SIZE);
        if !(0..=MAX_PAGE_SIZE).contains(&limit) {
            return Err(super::error::bad_input(
                "first",
                format!("first must be between 0 and {MAX_PAGE_SIZE}; it was {limit}"),
            ));
        }
        let offset = match after {
            Some(cursor) => OffsetCursor::decode_cursor(&cursor).gql()?.0 + 1,
            None => 0,
        };
        if offset + i64::from(limit) > MAX_SEARCH_DEPTH {
            return Err(super::error::bad_input(
                "after",
                format!(
                    "search results can be paged through the first {MAX_SEARCH_DEPTH} hits; \
                     narrow the query or add a filter to see further"
                ),
            ));
        }
        let filter = filter.unwrap_or_default().validate().gql()?;
        let order_by = order_by.unwrap_or_default();
        let descending = order_by.direction == Direction::Desc;
        let sort = match order_by.field {
            SearchOrderField::Relevance => SortBy::Relevance,
            SearchOrderField::Year => SortBy::Year { descending },
            SearchOrderField::DateAdded => SortBy::Added { descending },
        };
        let index = ctx.data_unchecked::<SearchIndex>();
        let parsed = query::parse(&query);
        // Facets and highlights cost as much as the ranking itself: only when selected.
        let look_ahead = ctx.look_ahead();
        let facet_selection = look_ahead.field("facets");
        let facets = if facet_selection.field("decades").field("years").exists() {
            facets::FacetDepth::WithYears
        } else if facet_selection.exists() {
            facets::FacetDepth::Counts
        } else {
            facets::FacetDepth::None
        };
        let hit_selection = look_ahead.field("edges").field("node");
        let want_highlights = hit_selection.field("highlights").exists();
        let wants_origin_partner = hit_selection.field("document").field("originPartner").exists();
        let wants_facet_partners = facet_selection.field("partners").field("partner").exists();
        let request = searcher::Request {
            query: parsed.clone(),
            filter: filter.clone(),
            sort,
            offset: offset as usize,
            limit: limit as usize,
            facets,
        };
        let results = index.search(request).await.map_err(Error::from).gql()?;

        let ids: Vec<i64> = results.hits.iter().map(|h| h.document_id).collect();
        // The partners the selection shows, as the index knows them, fetched alongside the
        // documents (the loaders still fetch any the index did not know yet).
        let mut partner_ids: Vec<i64> = Vec::new();
        if wants_origin_partner {
            partner_ids.extend(results.hits.iter().filter_map(|h| h.origin_partner_id));
        }
        if wants_facet_partners {
            partner_ids.extend(results.facets.partners.iter().filter_map(|(id, _)| id.parse::<i64>().ok()));
        }
        partner_ids.sort_unstable();
        partner_ids.dedup();
        let (documents, prefetched) = tokio::join!(
            document::db::get_many(pool(ctx), &ids),
            super::loaders::prefetch_partners(loaders(ctx), &partner_ids)
        );
        let documents = documents.gql()?;
        prefetched.gql()?;
        let suggestion = if results.total == 0 && !parsed.is_empty() {
            suggestion(index, &query, &parsed, &filter).await?
        } else {
            None
        };
        let total = results.total as i64;
        let mut connection = Connection::with_additional_fields(
            offset > 0,
            offset + (results.hits.len() as i64) < total,
            SearchResultFields { total_count: total, facets: facets_from(results.facets), suggestion },
        );
        let mut by_id: std::collections::HashMap<i64, Document> = documents.into_iter().map(|d| (d.id, d)).collect();
        // A document deleted since the index saw it is skipped, not an error.
        let found: Vec<(usize, &searcher::Hit, Document)> = results
            .hits
            .iter()
            .enumerate()
            .filter_map(|(i, hit)| Some((i, hit, by_id.remove(&hit.document_id)?)))
            .collect();
        let mut highlights = if want_highlights {
            let texts = found
                .iter()
                .map(|(_, _, d)| (d.description.title.clone(), d.description.abstract_text.clone()))
                .collect();
            index.highlight(parsed, texts).await.map_err(Error::from).gql()?
        } else {
            Vec::new()
        }
        .into_iter();
        for (i, hit, document) in found {
            let highlights = highlights.next().unwrap_or_default();
            connection.edges.push(Edge::new(
                OffsetCursor(offset + i as i64),
                SearchHit {
                    document,
                    score: f64::from(hit.score),
                    highlights: SearchHighlights { title: highlights.title, abstract_text: highlights.abstract_text },
                },
            ));
        }
        Ok(connection)
    }
}
