//! The competitor a library would pick instead: PostgreSQL full-text search over the same
//! records, in the same cluster. A `tsvector` weighted by field (title A, names B,
//! subjects C, abstract D) with the `simple` configuration (the catalogue mixes nine
//! languages, and no one stemmer fits them), a GIN index, `websearch_to_tsquery`, and
//! per search the 20 best by `ts_rank` plus the count: the statement time over a local
//! connection, with no HTTP or GraphQL around it.

use std::time::Instant;

use anyhow::Context;
use serde::Serialize;
use sqlx::PgPool;

use super::corpus::{self, PARTNERS};
use super::measure::{Run, Sample, Shape};
use super::queries::{BenchQuery, Kind};

/// How loading and indexing went.
#[derive(Clone, Debug, Default, Serialize)]
pub(super) struct FtsLoad {
    pub(super) insert_seconds: f64,
    pub(super) index_seconds: f64,
    /// Whether the table of an earlier run was reused.
    pub(super) reused: bool,
}

impl FtsLoad {
    pub(super) fn rate(&self, documents: u64) -> f64 {
        documents as f64 / (self.insert_seconds + self.index_seconds).max(1e-9)
    }
}

/// One generated record as the table takes it.
#[derive(Serialize)]
struct FtsRow {
    id: i64,
    titles: String,
    names: String,
    subjects: String,
    abstract_text: String,
    languages: Vec<String>,
    format: &'static str,
    year: Option<i32>,
    partner: Option<i64>,
    country: Option<&'static str>,
}

const ROWS_PER_INSERT: u64 = 1_000;

/// Creates and fills `bench_fts` unless it holds these `documents` already.
pub(super) async fn prepare(pool: &PgPool, seed: u64, documents: u64) -> anyhow::Result<FtsLoad> {
    let existing: Option<i64> = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM bench_fts) WHERE to_regclass('bench_fts_tsv_idx') IS NOT NULL",
    )
    .fetch_optional(pool)
    .await
    .ok()
    .flatten();
    if existing == Some(documents as i64) {
        return Ok(FtsLoad { reused: true, ..FtsLoad::default() });
    }
    sqlx::query("DROP TABLE IF EXISTS bench_fts").execute(pool).await?;
    sqlx::query(
        "CREATE TABLE bench_fts (
             id bigint PRIMARY KEY,
             languages text[] NOT NULL,
             format text NOT NULL,
             year integer,
             partner bigint,
             country text,
             tsv tsvector NOT NULL)",
    )
    .execute(pool)
    .await?;
    let bar = super::progress_bar(documents, "PostgreSQL full-text");
    let mut load = FtsLoad::default();
    let mut start = 0;
    while start < documents {
        let end = (start + ROWS_PER_INSERT).min(documents);
        let rows = tokio::task::spawn_blocking(move || rows(seed, start, end)).await?;
        let json = serde_json::to_value(&rows).context("cannot encode rows")?;
        let started = Instant::now();
        sqlx::query(
            "INSERT INTO bench_fts (id, languages, format, year, partner, country, tsv)
             SELECT id, languages, format, year, partner, country,
                    setweight(to_tsvector('simple', titles), 'A') || setweight(to_tsvector('simple', names), 'B') ||
                    setweight(to_tsvector('simple', subjects), 'C') ||
                    setweight(to_tsvector('simple', abstract_text), 'D')
             FROM jsonb_to_recordset($1) AS x(id bigint, titles text, names text, subjects text,
                  abstract_text text, languages text[], format text, year integer, partner bigint, country text)",
        )
        .bind(json)
        .execute(pool)
        .await?;
        load.insert_seconds += started.elapsed().as_secs_f64();
        bar.set_position(end);
        start = end;
    }
    bar.finish_and_clear();
    let started = Instant::now();
    sqlx::query("CREATE INDEX bench_fts_tsv_idx ON bench_fts USING gin (tsv)").execute(pool).await?;
    sqlx::query("ANALYZE bench_fts").execute(pool).await?;
    load.index_seconds = started.elapsed().as_secs_f64();
    Ok(load)
}

fn rows(seed: u64, start: u64, end: u64) -> Vec<FtsRow> {
    (start..end)
        .map(|i| {
            let generated = corpus::document(seed, i);
            let d = generated.description;
            let mut titles = vec![d.title.clone()];
            titles.extend(d.subtitle.clone());
            for parallel in &d.parallel_titles {
                titles.push(parallel.title.clone());
            }
            let names: Vec<String> = d
                .contributors
                .iter()
                .flat_map(|c| std::iter::once(c.name.clone()).chain(c.parallel_name.clone()))
                .collect();
            FtsRow {
                id: i as i64,
                titles: titles.join(" "),
                names: names.join(" "),
                subjects: d.subjects.join(" "),
                abstract_text: d.abstract_text.clone().unwrap_or_default(),
                languages: d.languages.clone(),
                format: d.format.as_str(),
                year: d.year,
                partner: generated.partner.map(|p| p as i64),
                country: generated.partner.map(|p| PARTNERS[p].country),
            }
        })
        .collect()
}

/// The statements of one search: the ranked page and the count. The query text and the
/// filter's values are bound; only the filter's shape changes the SQL.
fn statements(query: &BenchQuery) -> (String, String) {
    let tsquery = match query.kind {
        Kind::Browse => None,
        // websearch_to_tsquery has no prefix syntax; to_tsquery has `:*`.
        Kind::Prefix => Some("to_tsquery('simple', $1)"),
        _ => Some("websearch_to_tsquery('simple', $1)"),
    };
    let mut conditions = Vec::new();
    // $1 is the text, when there is one.
    let mut n = usize::from(tsquery.is_some());
    let mut next = || {
        n += 1;
        n
    };
    if let Some(filter) = &query.filter {
        if filter.language.is_some() {
            conditions.push(format!("${} = ANY (languages)", next()));
        }
        if filter.format.is_some() {
            conditions.push(format!("format = ${}", next()));
        }
        if filter.years.is_some() {
            let (from, to) = (next(), next());
            conditions.push(format!("year BETWEEN ${from} AND ${to}"));
        }
        if filter.partner.is_some() {
            conditions.push(format!("partner = ${}", next()));
        }
        if filter.country.is_some() {
            conditions.push(format!("country = ${}", next()));
        }
    }
    match tsquery {
        Some(tsquery) => {
            let filter: String = conditions.iter().map(|c| format!(" AND {c}")).collect();
            (
                format!(
                    "SELECT id, ts_rank(tsv, q) AS rank FROM bench_fts, {tsquery} AS q WHERE tsv @@ q{filter}
                     ORDER BY rank DESC, id LIMIT 20"
                ),
                format!("SELECT count(*) FROM bench_fts, {tsquery} AS q WHERE tsv @@ q{filter}"),
            )
        }
        None => {
            // Without words: the newest first, as the search's DATE_ADDED order.
            let filter =
                if conditions.is_empty() { String::new() } else { format!(" WHERE {}", conditions.join(" AND ")) };
            (
                format!("SELECT id, 0::real AS rank FROM bench_fts{filter} ORDER BY id DESC LIMIT 20"),
                format!("SELECT count(*) FROM bench_fts{filter}"),
            )
        }
    }
}

/// The text PostgreSQL is given: what the user typed, or for a prefix `word:*` (letters
/// only, as to_tsquery would reject its own operators).
fn tsquery_text(query: &BenchQuery) -> String {
    match query.kind {
        Kind::Prefix => {
            let letters: String = query.text.chars().filter(|c| c.is_alphanumeric()).collect();
            format!("{}:*", letters.to_lowercase())
        }
        _ => query.text.clone(),
    }
}

fn bind_all<'q, O>(
    mut statement: sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>,
    query: &'q BenchQuery,
    text: &'q str,
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments> {
    if query.kind != Kind::Browse {
        statement = statement.bind(text);
    }
    if let Some(filter) = &query.filter {
        if let Some(language) = &filter.language {
            statement = statement.bind(language);
        }
        if let Some(format) = &filter.format {
            statement = statement.bind(format);
        }
        if let Some((from, to)) = filter.years {
            statement = statement.bind(from).bind(to);
        }
        if let Some(partner) = filter.partner {
            statement = statement.bind(partner as i64);
        }
        if let Some(country) = filter.country {
            statement = statement.bind(country);
        }
    }
    statement
}

/// Runs every query against PostgreSQL, one at a time on one connection.
pub(super) async fn run(pool: &PgPool, queries: &[BenchQuery]) -> anyhow::Result<Run> {
    let mut conn = pool.acquire().await?;
    let started = Instant::now();
    let mut samples = Vec::with_capacity(queries.len());
    for query in queries {
        let (page_sql, count_sql) = statements(query);
        let text = tsquery_text(query);
        let began = Instant::now();
        let page: Result<Vec<(i64, f32)>, _> =
            bind_all(sqlx::query_as(&page_sql), query, &text).fetch_all(&mut *conn).await;
        let count: Result<(i64,), _> = bind_all(sqlx::query_as(&count_sql), query, &text).fetch_one(&mut *conn).await;
        let mut sample =
            Sample { kind: query.kind, micros: began.elapsed().as_micros() as u64, total_count: None, error: None };
        match (page, count) {
            (Ok(_), Ok((count,))) => sample.total_count = Some(count),
            (Err(err), _) | (_, Err(err)) => sample.error = Some(format!("{:?}: {err}", query.text)),
        }
        samples.push(sample);
    }
    Ok(Run { shape: Shape::Page, concurrency: 1, samples, wall: started.elapsed() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::queries::BenchFilter;

    #[test]
    fn a_filter_without_words_numbers_its_parameters_from_one() {
        let query = BenchQuery {
            kind: Kind::Browse,
            text: String::new(),
            filter: Some(BenchFilter {
                language: Some("uzb".into()),
                years: Some((1990, 1999)),
                ..BenchFilter::default()
            }),
        };
        let (page, count) = statements(&query);
        assert!(page.contains("$1 = ANY (languages) AND year BETWEEN $2 AND $3"), "{page}");
        assert!(count.ends_with("WHERE $1 = ANY (languages) AND year BETWEEN $2 AND $3"), "{count}");
    }

    #[test]
    fn a_prefix_is_a_prefix_tsquery() {
        let query = BenchQuery { kind: Kind::Prefix, text: "Kutub".into(), filter: None };
        assert_eq!(tsquery_text(&query), "kutub:*");
        assert!(statements(&query).0.contains("to_tsquery('simple', $1)"));
    }
}
