//! What `search` answers: hits, highlights, facet counts, the suggestion.

use std::borrow::Cow;

use async_graphql::connection::Connection;
use async_graphql::{Context, Object, Result, SimpleObject};

use crate::document::{self, Document};
use crate::graphql::connection::OffsetCursor;
use crate::graphql::enums::DocumentFormat;
use crate::graphql::nodes::{load_optional, load_required};
use crate::partner::Partner;
use crate::search::facets;

/// The matched words marked with `<mark>` in HTML-escaped text.
#[derive(SimpleObject, Clone, Default)]
pub struct SearchHighlights {
    /// The title, when it matched.
    pub(super) title: Option<String>,
    /// A passage of the abstract around the first match.
    #[graphql(name = "abstract")]
    pub(super) abstract_text: Option<String>,
}

/// One hit. Its document is read from PostgreSQL only when the query selects it (or its
/// highlights, which are cut from it): a count-only search never leaves the index.
#[derive(Clone)]
pub struct SearchHit {
    pub(super) document_id: i64,
    pub(super) document: Option<Document>,
    pub(super) score: f64,
    pub(super) highlights: SearchHighlights,
}

#[Object]
impl SearchHit {
    // The hit's own copy is lent, not cloned: a page resolves twenty of them.
    async fn document(&self, ctx: &Context<'_>) -> Result<Cow<'_, Document>> {
        match &self.document {
            Some(document) => Ok(Cow::Borrowed(document)),
            None => load_required(ctx, self.document_id).await.map(Cow::Owned),
        }
    }

    async fn score(&self) -> f64 {
        self.score
    }

    async fn highlights(&self) -> &SearchHighlights {
        &self.highlights
    }
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
    pub(super) total_count: i64,
    pub(super) facets: SearchFacets,
    /// When nothing matches: a corrected query that does find something.
    pub(super) suggestion: Option<String>,
}

pub type SearchConnection = Connection<OffsetCursor, SearchHit, SearchResultFields>;

pub(super) fn facets_from(f: facets::Facets) -> SearchFacets {
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
