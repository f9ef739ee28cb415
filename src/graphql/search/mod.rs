//! The `search` root field: full-text search over the exchanged documents.

mod hits;
mod input;
mod output;

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object, Result};

use self::hits::show_hits;
pub use self::input::{MAX_SEARCH_DEPTH, SearchFilter, SearchOrderBy, SearchOrderField};
use self::output::{SearchConnection, SearchResultFields, facets_from};
use super::connection::{MAX_PAGE_SIZE, OffsetCursor};
use super::enums::Direction;
use super::error::GqlResultExt;
use super::nodes::loaders;
use crate::error::Error;
use crate::partner::recent::RecentPartners;
use crate::search::SearchIndex;
use crate::search::facets;
use crate::search::query::{self, Clause, ParsedQuery};
use crate::search::searcher::{self, Filter, SortBy};

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

/// Keeps the partners a page shows for its resolvers, from those the server read moments
/// ago (see [`RecentPartners`]).
async fn partners_of_page(ctx: &Context<'_>, ids: &[i64]) -> crate::error::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let recent = ctx.data_unchecked::<std::sync::Arc<RecentPartners>>();
    let partners = recent.get_many(super::pool(ctx), ids).await?;
    super::loaders::feed(loaders(ctx), partners).await;
    Ok(())
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
        // The documents are shown only when the selection shows them or their highlights;
        // the index's copies serve them.
        let wants_documents = want_highlights || hit_selection.field("document").exists();
        let request = searcher::Request {
            query: parsed.clone(),
            filter: filter.clone(),
            sort,
            offset: offset as usize,
            limit: limit as usize,
            facets,
            with_documents: wants_documents,
            with_highlights: want_highlights,
        };
        let started = std::time::Instant::now();
        let mut results = index.search(request).await.map_err(Error::from).gql()?;
        let searched = started.elapsed();

        // The partners the selection shows, as the index knows them, are read while the
        // hits are marked (the loaders still fetch any the index did not know yet).
        let mut partner_ids: Vec<i64> = Vec::new();
        if wants_origin_partner {
            partner_ids.extend(results.hits.iter().filter_map(|h| h.origin_partner_id));
        }
        if wants_facet_partners {
            partner_ids.extend(results.facets.partners.iter().filter_map(|(id, _)| id.parse::<i64>().ok()));
        }
        partner_ids.sort_unstable();
        partner_ids.dedup();
        let hits = std::mem::take(&mut results.hits);
        let page_len = hits.len() as i64;
        let (shown, prefetched) = tokio::join!(
            show_hits(ctx, index, &parsed, &results.corrections, hits, wants_documents, want_highlights),
            partners_of_page(ctx, &partner_ids)
        );
        let shown = shown?;
        prefetched.gql()?;
        let shown_at = started.elapsed();
        // "Did you mean" walks the dictionaries: only for a page that shows it.
        let wants_suggestion = look_ahead.field("suggestion").exists();
        let suggestion = if wants_suggestion && results.total == 0 && !parsed.is_empty() {
            suggestion(index, &query, &parsed, &filter).await?
        } else {
            None
        };
        let total = results.total as i64;
        tracing::debug!(
            search_ms = searched.as_secs_f64() * 1e3,
            hits_ms = (shown_at - searched).as_secs_f64() * 1e3,
            suggestion_ms = (started.elapsed() - shown_at).as_secs_f64() * 1e3,
            hits = shown.len(),
            "search stages"
        );
        let mut connection = Connection::with_additional_fields(
            offset > 0,
            offset + page_len < total,
            SearchResultFields { total_count: total, facets: facets_from(results.facets), suggestion },
        );
        for (i, hit) in shown {
            connection.edges.push(Edge::new(OffsetCursor(offset + i as i64), hit));
        }
        Ok(connection)
    }
}
