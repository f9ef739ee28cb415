//! Sending the searches: over GraphQL/HTTP at each concurrency, and straight to the index.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use super::queries::{self, BenchQuery, Kind};
use crate::search::SearchIndex;
use crate::search::searcher::{self, Filter, SortBy};

/// What one request gave.
#[derive(Clone, Debug)]
pub(super) struct Sample {
    pub(super) kind: Kind,
    pub(super) micros: u64,
    pub(super) total_count: Option<i64>,
    pub(super) error: Option<String>,
}

impl Sample {
    fn new(kind: Kind, micros: u64) -> Self {
        Sample { kind, micros, total_count: None, error: None }
    }
}

/// One pass over the measured searches.
pub(super) struct Run {
    /// What was asked and how: "page" or "count", and the concurrency.
    pub(super) shape: Shape,
    pub(super) concurrency: usize,
    pub(super) samples: Vec<Sample>,
    pub(super) wall: Duration,
}

impl Run {
    pub(super) fn failures(&self) -> usize {
        self.samples.iter().filter(|s| s.error.is_some()).count()
    }

    pub(super) fn first_error(&self) -> Option<&str> {
        self.samples.iter().find_map(|s| s.error.as_deref())
    }
}

/// The GraphQL document a run sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Shape {
    /// A whole results page: 20 hits with highlights and documents, facets, suggestion.
    Page,
    /// `search(query, first: 20) { totalCount }` only.
    Count,
    /// `SearchIndex::search` in-process: no HTTP, GraphQL, PostgreSQL or highlighting.
    IndexOnly,
}

impl Shape {
    fn document(self) -> &'static str {
        match self {
            Shape::Page | Shape::IndexOnly => queries::PAGE_DOCUMENT,
            Shape::Count => queries::COUNT_DOCUMENT,
        }
    }

    pub(super) fn describe(self) -> &'static str {
        match self {
            Shape::Page => "results page: 20 hits with highlights and documents, facets, suggestion",
            Shape::Count => "search(query, first: 20) { totalCount }",
            Shape::IndexOnly => "the index alone (SearchIndex::search, no HTTP, GraphQL or PostgreSQL)",
        }
    }
}

/// Sends searches over HTTP.
/// A search response as the client reads it; every other field is skipped unread.
#[derive(serde::Deserialize)]
struct Reply {
    data: Option<ReplyData>,
    errors: Option<serde::de::IgnoredAny>,
}

#[derive(serde::Deserialize)]
struct ReplyData {
    search: Option<ReplySearch>,
}

#[derive(serde::Deserialize)]
struct ReplySearch {
    #[serde(rename = "totalCount")]
    total_count: Option<i64>,
}

pub(super) struct Client {
    http: reqwest::Client,
    url: String,
    partner_ids: Arc<Vec<i64>>,
}

impl Client {
    pub(super) fn new(url: String, partner_ids: &[i64]) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .timeout(Duration::from_secs(120))
            .build()
            .context("cannot build the HTTP client")?;
        Ok(Client { http, url, partner_ids: Arc::new(partner_ids.to_vec()) })
    }

    /// Sends one search first, so that a broken setup fails with its real cause.
    pub(super) async fn probe(&self, query: &BenchQuery) -> anyhow::Result<()> {
        let sample = self.send(Shape::Page, query).await;
        match sample.error {
            Some(error) => bail!("the first search failed: {error}"),
            None => Ok(()),
        }
    }

    /// Sends every query, `concurrency` at a time; the samples come back in query order.
    pub(super) async fn run(&self, shape: Shape, queries: &[BenchQuery], concurrency: usize) -> Run {
        let queries: Arc<Vec<BenchQuery>> = Arc::new(queries.to_vec());
        let next = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let mut workers = tokio::task::JoinSet::new();
        for _ in 0..concurrency {
            let (client, queries, next) = (self.clone_handle(), queries.clone(), next.clone());
            workers.spawn(async move {
                let mut samples = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(query) = queries.get(i) else { break };
                    samples.push((i, client.send(shape, query).await));
                }
                samples
            });
        }
        let mut all: Vec<(usize, Sample)> = Vec::with_capacity(queries.len());
        while let Some(done) = workers.join_next().await {
            all.extend(done.unwrap_or_default());
        }
        let wall = started.elapsed();
        all.sort_by_key(|(i, _)| *i);
        Run { shape, concurrency, samples: all.into_iter().map(|(_, s)| s).collect(), wall }
    }

    fn clone_handle(&self) -> Client {
        Client { http: self.http.clone(), url: self.url.clone(), partner_ids: self.partner_ids.clone() }
    }

    /// One search: the time is from sending the request to having the whole response body;
    /// reading the JSON comes after.
    async fn send(&self, shape: Shape, query: &BenchQuery) -> Sample {
        let variables = query.variables(&self.partner_ids);
        let body = serde_json::json!({
            "query": shape.document(),
            "operationName": "BenchSearch",
            "variables": variables,
        });
        let started = Instant::now();
        let response =
            self.http.post(&self.url).header("accept", "application/graphql-response+json").json(&body).send().await;
        let bytes = match response {
            Ok(response) => {
                let status = response.status();
                response.bytes().await.map(|b| (status, b))
            }
            Err(err) => Err(err),
        };
        let mut sample = Sample::new(query.kind, started.elapsed().as_micros() as u64);
        let describe = || format!("search {:?} (variables {variables})", query.text);
        let (status, bytes) = match bytes {
            Ok(ok) => ok,
            Err(err) => {
                sample.error = Some(format!("{}: {err}", describe()));
                return sample;
            }
        };
        // Read as the typed shape, not a JSON tree: the whole body is still checked (it must
        // be valid JSON with no `errors`), but the client no longer allocates a tree per
        // response on the cores the server shares with it.
        let reply = serde_json::from_slice::<Reply>(&bytes).ok();
        let search = reply.filter(|r| r.errors.is_none()).and_then(|r| r.data).and_then(|d| d.search);
        match search {
            Some(search) if status.is_success() => sample.total_count = search.total_count,
            _ => {
                let text = String::from_utf8_lossy(&bytes);
                sample.error =
                    Some(format!("{} -> HTTP {status}: {}", describe(), text.chars().take(500).collect::<String>()));
            }
        }
        sample
    }
}

/// The same searches straight on the index, one at a time, as the `search` resolver asks
/// them (without the suggestion a search that finds nothing also looks for): what of a
/// request's time is Tantivy's.
pub(super) async fn index_only(search: &SearchIndex, queries: &[BenchQuery], partner_ids: &[i64]) -> Run {
    let started = Instant::now();
    let mut samples = Vec::with_capacity(queries.len());
    for query in queries {
        samples.push(search_index(search, query, partner_ids).await);
    }
    Run { shape: Shape::IndexOnly, concurrency: 1, samples, wall: started.elapsed() }
}

async fn search_index(search: &SearchIndex, query: &BenchQuery, partner_ids: &[i64]) -> Sample {
    let filter = query.filter.clone().unwrap_or_default();
    let request = searcher::Request {
        query: crate::search::query::parse(&query.text),
        filter: Filter {
            languages: filter.language.into_iter().collect(),
            formats: filter.format.into_iter().collect(),
            year_from: filter.years.map(|(from, _)| from),
            year_to: filter.years.map(|(_, to)| to),
            partners: filter.partner.and_then(|p| partner_ids.get(p).copied()).into_iter().collect(),
            countries: filter.country.map(str::to_owned).into_iter().collect(),
            ..Filter::default()
        },
        sort: if query.kind == Kind::Browse { SortBy::Added { descending: true } } else { SortBy::Relevance },
        offset: 0,
        limit: 20,
        facets: crate::search::facets::FacetDepth::Counts,
        with_documents: true,
        with_highlights: true,
    };
    let started = Instant::now();
    let result = search.search(request).await;
    let mut sample = Sample::new(query.kind, started.elapsed().as_micros() as u64);
    match result {
        Ok(results) => sample.total_count = Some(results.total as i64),
        Err(err) => sample.error = Some(err.to_string()),
    }
    sample
}

/// The value below which `p` of the sorted samples lie (nearest rank).
pub(super) fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentiles_are_nearest_rank() {
        let sorted: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&sorted, 0.5), 50);
        assert_eq!(percentile(&sorted, 0.99), 99);
        assert_eq!(percentile(&[], 0.5), 0);
    }
}
