//! The read side: three list queries a frontend sends all day, against hamkor and against
//! PostGraphile 4 (the generic GraphQL layer a team would otherwise put over the same
//! tables), on the same database, at the same concurrency.

use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use axum::body::Bytes;
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::PgPool;
use sqlx::postgres::PgConnectOptions;

/// One read query, as each side spells it.
struct ReadQuery {
    name: &'static str,
    hamkor: &'static str,
    postgraphile: &'static str,
}

const QUERIES: [ReadQuery; 3] = [
    ReadQuery {
        name: "20 documents by title, with totalCount",
        hamkor: "{ documents(first: 20, orderBy: {field: TITLE}) { totalCount edges { node { id title year } } } }",
        postgraphile: "{ allDocuments(first: 20, orderBy: TITLE_ASC) { totalCount nodes { id title year } } }",
    },
    ReadQuery {
        name: "20 partners with their agreements",
        hamkor: "{ partners(first: 20) { edges { node { id country names { lang value } \
                 agreements(first: 10) { edges { node { id title kind status validUntil } } } } } } }",
        postgraphile: "{ allPartners(first: 20) { nodes { id country partnerNamesByPartnerId { nodes { lang name } } \
                       agreementsByPartnerId(first: 10) { nodes { id title kind status validUntil } } } } }",
    },
    ReadQuery {
        name: "20 documents with their holdings",
        // The same twenty on both sides: the first catalogued (PostGraphile's default order).
        hamkor: "{ documents(first: 20, orderBy: {field: CREATED_AT}) { edges { node { id title \
                 holdings(first: 10) { edges { node { id barcode status } } } } } } }",
        postgraphile: "{ allDocuments(first: 20, orderBy: PRIMARY_KEY_ASC) { nodes { id title \
                       holdingsByDocumentId(first: 10) { nodes { id barcode status } } } } }",
    },
];

/// Partners added for the read benchmark, each with agreements.
const READ_PARTNERS: usize = 200;
const AGREEMENTS_EACH: usize = 3;
/// A side that answers slowly is measured for this long at most, not for every request.
const MAX_SECONDS_PER_QUERY: Duration = Duration::from_secs(20);
/// Documents (the first by id) given copies.
const DOCUMENTS_WITH_HOLDINGS: i64 = 2_000;

#[derive(Clone, Debug, Serialize)]
pub(super) struct ReadResult {
    pub(super) query: &'static str,
    pub(super) hamkor_per_second: f64,
    pub(super) hamkor_p50_ms: f64,
    pub(super) postgraphile_per_second: Option<f64>,
    pub(super) postgraphile_p50_ms: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub(super) struct Reads {
    pub(super) concurrency: usize,
    pub(super) requests: usize,
    pub(super) results: Vec<ReadResult>,
    /// Why PostGraphile was not measured, when it was not.
    pub(super) postgraphile_skipped: Option<String>,
}

/// Adds the partners, agreements and copies the read queries list, once.
pub(super) async fn ensure_fixtures(pool: &PgPool) -> anyhow::Result<()> {
    let present: i64 =
        sqlx::query_scalar("SELECT count(*) FROM partner_names WHERE lang = 'en' AND name LIKE 'Reading partner %'")
            .fetch_one(pool)
            .await?;
    if present > 0 {
        return Ok(());
    }
    let mut tx = pool.begin().await?;
    sqlx::query(
        "WITH p AS (
             INSERT INTO partners (kind, country, city, active)
             SELECT 'university', (ARRAY['KR','CN','KZ','TR','RU','US','JP','GB'])[1 + n % 8], 'City ' || n, true
             FROM generate_series(1, $1) AS n
             RETURNING id)
         INSERT INTO partner_names (partner_id, lang, name)
         SELECT id, 'en', 'Reading partner ' || id FROM p",
    )
    .bind(READ_PARTNERS as i32)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO agreements (partner_id, kind, title, signed_on, valid_from, valid_until, status)
         SELECT n.partner_id, 'cooperation_agreement', 'Agreement ' || k || ' with partner ' || n.partner_id,
                date '2020-01-01' + k * 100, date '2020-01-01' + k * 100, date '2030-01-01' + k * 100, 'active'
         FROM partner_names n, generate_series(1, $1) AS k
         WHERE n.lang = 'en' AND n.name LIKE 'Reading partner %'",
    )
    .bind(AGREEMENTS_EACH as i32)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO holdings (document_id, barcode, call_number, status)
         SELECT d.id, 'B' || d.id || '-' || k, 'CN ' || d.id, 'available'
         FROM (SELECT id FROM documents ORDER BY id LIMIT $1) d, generate_series(1, 1 + (d.id % 3)::int) AS k",
    )
    .bind(DOCUMENTS_WITH_HOLDINGS)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sends each query `requests` times, `concurrency` at a time, to hamkor at `url` and to a
/// PostGraphile the harness starts (when `npx` can start one).
pub(super) async fn measure(
    url: &str,
    connect: &PgConnectOptions,
    requests: usize,
    concurrency: usize,
    with_postgraphile: bool,
) -> anyhow::Result<Reads> {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build()?;
    let postgraphile = if with_postgraphile {
        PostGraphile::start(connect).await.map_err(|err| format!("{err:#}"))
    } else {
        Err("--no-postgraphile".to_owned())
    };
    let mut results = Vec::new();
    for query in &QUERIES {
        let body = json!({ "query": query.hamkor });
        let (hamkor_per_second, hamkor_p50_ms) = load(&client, url, &body, requests, concurrency).await?;
        let (postgraphile_per_second, postgraphile_p50_ms) = match &postgraphile {
            Ok(server) => {
                let body = json!({ "query": query.postgraphile });
                let (rate, p50) = load(&client, &server.url, &body, requests, concurrency).await?;
                (Some(rate), Some(p50))
            }
            Err(_) => (None, None),
        };
        results.push(ReadResult {
            query: query.name,
            hamkor_per_second,
            hamkor_p50_ms,
            postgraphile_per_second,
            postgraphile_p50_ms,
        });
    }
    Ok(Reads { concurrency, requests, results, postgraphile_skipped: postgraphile.err() })
}

/// Requests/s and p50 (ms) of `requests` posts of `body`, `concurrency` at a time; every
/// answer must pass [`Answer::complete`].
async fn load(
    client: &reqwest::Client,
    url: &str,
    body: &Value,
    requests: usize,
    concurrency: usize,
) -> anyhow::Result<(f64, f64)> {
    // The client shares the machine with both servers: it encodes the request once, and
    // reads each answer without building it as a tree.
    let body = Bytes::from(serde_json::to_vec(body)?);
    // Warm-up: connections, caches, the JIT of the other side.
    for _ in 0..requests.min(50) {
        post(client, url, &body).await?;
    }
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (client, url, body, next) = (client.clone(), url.to_owned(), body.clone(), next.clone());
        workers.spawn(async move {
            let mut micros = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < requests && started.elapsed() < MAX_SECONDS_PER_QUERY {
                let began = Instant::now();
                post(&client, &url, &body).await?;
                micros.push(began.elapsed().as_micros() as u64);
            }
            anyhow::Ok(micros)
        });
    }
    let mut all = Vec::with_capacity(requests);
    while let Some(done) = workers.join_next().await {
        all.extend(done??);
    }
    let wall = started.elapsed().as_secs_f64();
    all.sort_unstable();
    let p50 = super::measure::percentile(&all, 0.5) as f64 / 1000.0;
    Ok((all.len() as f64 / wall.max(1e-9), p50))
}

/// A GraphQL answer as the read benchmark checks it, on either side; the rest is skipped unread.
#[derive(serde::Deserialize)]
struct Answer {
    data: Option<std::collections::HashMap<String, Option<serde::de::IgnoredAny>>>,
    errors: Option<serde::de::IgnoredAny>,
}

impl Answer {
    /// No errors, and every root field asked for answered (not null).
    fn complete(&self) -> bool {
        self.errors.is_none()
            && self.data.as_ref().is_some_and(|data| !data.is_empty() && data.values().all(Option::is_some))
    }
}

async fn post(client: &reqwest::Client, url: &str, body: &Bytes) -> anyhow::Result<()> {
    let response = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.clone())
        .send()
        .await
        .with_context(|| format!("POST {url}"))?;
    let status = response.status();
    let text = response.bytes().await.with_context(|| format!("the answer of {url}"))?;
    let complete = serde_json::from_slice::<Answer>(&text).is_ok_and(|answer| answer.complete());
    if !status.is_success() || !complete {
        bail!("{url} answered HTTP {status}: {}", String::from_utf8_lossy(&text).chars().take(400).collect::<String>());
    }
    Ok(())
}

/// A PostGraphile 4 server started with `npx`, stopped when dropped.
struct PostGraphile {
    child: tokio::process::Child,
    url: String,
}

impl PostGraphile {
    async fn start(connect: &PgConnectOptions) -> anyhow::Result<Self> {
        let connection = connection_string(connect);
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
            listener.local_addr()?.port()
        };
        let mut child = tokio::process::Command::new("npx")
            .args(["--yes", "postgraphile@4", "--connection", &connection, "--schema", "public"])
            .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--disable-query-log", "--disable-graphiql"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .context("npx is not available (Node.js is needed to start PostGraphile)")?;
        let url = format!("http://127.0.0.1:{port}/graphql");
        let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build()?;
        // The first start downloads PostGraphile.
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let probe = Bytes::from_static(br#"{"query":"{ __typename }"}"#);
            if post(&client, &url, &probe).await.is_ok() {
                return Ok(PostGraphile { child, url });
            }
            if let Some(status) = child.try_wait()? {
                let mut stderr = String::new();
                if let Some(mut pipe) = child.stderr.take() {
                    use tokio::io::AsyncReadExt;
                    let _ = pipe.read_to_string(&mut stderr).await;
                }
                bail!("PostGraphile exited ({status}): {}", stderr.chars().take(600).collect::<String>());
            }
            if Instant::now() > deadline {
                bail!("PostGraphile did not answer within 300 s");
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

impl Drop for PostGraphile {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// A libpq connection string for the same database (a Unix socket directory goes in `host`).
fn connection_string(connect: &PgConnectOptions) -> String {
    let user = url::form_urlencoded::byte_serialize(connect.get_username().as_bytes()).collect::<String>();
    let database = connect.get_database().unwrap_or("postgres");
    let host = match connect.get_socket() {
        Some(dir) => dir.display().to_string(),
        None => connect.get_host().to_owned(),
    };
    let host = url::form_urlencoded::byte_serialize(host.as_bytes()).collect::<String>();
    format!("postgres://{user}@localhost:{}/{database}?host={host}", connect.get_port())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each side's answer counts only when it answered every root field without an error.
    #[test]
    fn an_answer_counts_only_when_complete() {
        let complete = |body: &str| serde_json::from_str::<Answer>(body).is_ok_and(|a| a.complete());
        assert!(complete(r#"{"data":{"documents":{"edges":[]}}}"#));
        assert!(complete(r#"{"data":{"a":{"x":1},"b":[1,2]}}"#));
        assert!(!complete(r#"{"data":{"documents":null},"errors":[{"message":"boom"}]}"#));
        assert!(!complete(r#"{"data":{"documents":{"edges":[]}},"errors":[]}"#));
        assert!(!complete(r#"{"data":{"a":{},"b":null}}"#));
        assert!(!complete(r#"{"data":null}"#));
        assert!(!complete(r#"{"data":{}}"#));
        assert!(!complete("<html>Bad gateway</html>"));
    }

    #[test]
    fn a_socket_directory_becomes_the_host_parameter() {
        let options = PgConnectOptions::new()
            .socket("/var/lib/hamkor/run")
            .port(5433)
            .username("hamkor")
            .database("hamkor_bench");
        assert_eq!(
            connection_string(&options),
            "postgres://hamkor@localhost:5433/hamkor_bench?host=%2Fvar%2Flib%2Fhamkor%2Frun"
        );
    }
}
