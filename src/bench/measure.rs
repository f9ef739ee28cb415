//! Sending the searches: over GraphQL/HTTP at each concurrency, and straight to the index.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::Value;

use super::BenchArgs;
use super::queries::{self, BenchQuery, Kind};
use crate::search::SearchIndex;
use crate::search::searcher::{self, Filter, SortBy};

/// What one request gave.
#[derive(Clone, Debug)]
pub(super) struct Sample {
    pub(super) kind: Kind,
    pub(super) facets: bool,
    pub(super) micros: u64,
    pub(super) total_count: Option<i64>,
    pub(super) hits: usize,
    pub(super) suggestion: bool,
    pub(super) error: Option<String>,
}

/// One pass over the measured searches at one concurrency.
pub(super) struct RunResult {
    pub(super) concurrency: usize,
    pub(super) samples: Vec<Sample>,
    pub(super) wall: Duration,
    pub(super) failures: usize,
}

/// Everything measured.
pub(super) struct Measured {
    pub(super) runs: Vec<RunResult>,
    /// The same searches straight on the index, one at a time.
    pub(super) index_only: Vec<Sample>,
}

pub(super) async fn measure(
    url: &str,
    search: &SearchIndex,
    args: &BenchArgs,
    partner_ids: &[i64],
) -> anyhow::Result<Measured> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .timeout(Duration::from_secs(60))
        .build()
        .context("cannot build the HTTP client")?;
    let warm_up = queries::generate(args.seed, args.documents, queries::WARM_UP_STREAM, args.warm_up, partner_ids);
    let measured = queries::generate(args.seed, args.documents, queries::MEASURED_STREAM, args.queries, partner_ids);

    // One request first, so that a broken setup fails with its real cause.
    let probe = send(&client, url, &measured[0]).await;
    if let Some(error) = probe.error {
        bail!("the first search failed: {error}");
    }
    let concurrency = args.concurrency.iter().copied().max().unwrap_or(1);
    let started = Instant::now();
    run_queries(&client, url, &warm_up, concurrency).await;
    crate::out!(
        "  warm-up: {} searches in {:.1} s at concurrency {concurrency}",
        warm_up.len(),
        started.elapsed().as_secs_f64()
    );

    let mut results = Vec::new();
    for &concurrency in &args.concurrency {
        let started = Instant::now();
        let samples = run_queries(&client, url, &measured, concurrency).await;
        let wall = started.elapsed();
        let failures = samples.iter().filter(|s| s.error.is_some()).count();
        results.push(RunResult { concurrency, samples, wall, failures });
    }
    let mut index_only = Vec::with_capacity(measured.len());
    for query in &measured {
        index_only.push(search_index_only(search, query).await);
    }
    Ok(Measured { runs: results, index_only })
}

/// One search straight on the index, as the `search` resolver asks it (without the
/// suggestion a search that finds nothing also looks for): what of a request's time is
/// Tantivy's.
pub(super) async fn search_index_only(search: &SearchIndex, query: &BenchQuery) -> Sample {
    let filter = query.filter.clone().unwrap_or(Value::Null);
    let strings = |key: &str| -> Vec<String> {
        filter[key]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    };
    let year = |key: &str| filter[key].as_i64().map(|y| y as i32);
    let partners = strings("partnerIds")
        .iter()
        .filter_map(|p| crate::global_id::decode("partnerIds", p).ok().map(|(_, id)| id))
        .collect();
    let sort = match query.order_by.as_ref().and_then(|o| o["field"].as_str()) {
        Some("YEAR") => SortBy::Year { descending: true },
        Some("DATE_ADDED") => SortBy::Added { descending: true },
        _ => SortBy::Relevance,
    };
    let request = searcher::Request {
        query: crate::search::query::parse(&query.text),
        filter: Filter {
            languages: strings("languages"),
            formats: strings("formats").iter().map(|f| f.to_ascii_lowercase()).collect(),
            year_from: year("yearFrom"),
            year_to: year("yearTo"),
            partners,
            countries: strings("countries"),
            ..Filter::default()
        },
        sort,
        offset: 0,
        limit: 20,
        facets: if query.facets {
            crate::search::facets::FacetDepth::Counts
        } else {
            crate::search::facets::FacetDepth::None
        },
    };
    let started = Instant::now();
    let result = search.search(request).await;
    let micros = started.elapsed().as_micros() as u64;
    let (total_count, hits, error) = match result {
        Ok(results) => (Some(results.total as i64), results.hits.len(), None),
        Err(err) => (None, 0, Some(err.to_string())),
    };
    Sample { kind: query.kind, facets: query.facets, micros, total_count, hits, suggestion: false, error }
}

/// Sends every query, `concurrency` at a time; the samples come back in query order.
pub(super) async fn run_queries(
    client: &reqwest::Client,
    url: &str,
    queries: &[BenchQuery],
    concurrency: usize,
) -> Vec<Sample> {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let queries: Arc<Vec<BenchQuery>> = Arc::new(queries.to_vec());
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (client, url, queries, next) = (client.clone(), url.to_owned(), queries.clone(), next.clone());
        workers.spawn(async move {
            let mut samples = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(query) = queries.get(i) else { break };
                samples.push((i, send(&client, &url, query).await));
            }
            samples
        });
    }
    let mut all: Vec<(usize, Sample)> = Vec::with_capacity(queries.len());
    while let Some(done) = workers.join_next().await {
        all.extend(done.unwrap_or_default());
    }
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, s)| s).collect()
}

/// One search: the time is from sending the request to having the whole response body;
/// reading the JSON comes after.
pub(super) async fn send(client: &reqwest::Client, url: &str, query: &BenchQuery) -> Sample {
    let body = serde_json::json!({
        "query": queries::SEARCH_DOCUMENT,
        "operationName": "BenchSearch",
        "variables": query.variables(),
    });
    let started = Instant::now();
    let response = client.post(url).header("accept", "application/graphql-response+json").json(&body).send().await;
    let bytes = match response {
        Ok(response) => {
            let status = response.status();
            response.bytes().await.map(|b| (status, b))
        }
        Err(err) => Err(err),
    };
    let micros = started.elapsed().as_micros() as u64;
    let mut sample = Sample {
        kind: query.kind,
        facets: query.facets,
        micros,
        total_count: None,
        hits: 0,
        suggestion: false,
        error: None,
    };
    let (status, bytes) = match bytes {
        Ok(ok) => ok,
        Err(err) => {
            sample.error = Some(format!("{}: {err}", describe(query)));
            return sample;
        }
    };
    let json: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if !status.is_success() || json.get("errors").is_some() || json.pointer("/data/search").is_none() {
        let text = String::from_utf8_lossy(&bytes);
        sample.error =
            Some(format!("{} -> HTTP {status}: {}", describe(query), text.chars().take(500).collect::<String>()));
        return sample;
    }
    let search = &json["data"]["search"];
    sample.total_count = search["totalCount"].as_i64();
    sample.hits = search["edges"].as_array().map_or(0, Vec::len);
    sample.suggestion = search["suggestion"].is_string();
    sample
}

pub(super) fn describe(query: &BenchQuery) -> String {
    format!("search {:?} (variables {})", query.text, query.variables())
}

pub(super) fn first_error(results: &[RunResult]) -> String {
    results.iter().flat_map(|r| &r.samples).find_map(|s| s.error.clone()).unwrap_or_default()
}
