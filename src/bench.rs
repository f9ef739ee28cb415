//! `hamkor bench`: how fast hamkor answers, measured the way its users meet it and side by
//! side with what they would use instead, by one command anyone can run again.
//!
//! It generates a seeded multilingual catalogue with a long-tailed vocabulary (see
//! [`corpus`]), writes it as MARCXML files and loads them with the product's own import
//! while the search index follows the change log, as under a running server (see [`load`]);
//! loads the same records into a PostgreSQL full-text table (see [`fts`]); starts the server
//! on a free local port; sends the same searches of every kind (see [`queries`]) over
//! GraphQL/HTTP at each concurrency, and to PostgreSQL; measures three list queries beside
//! PostGraphile (see [`crud`]); and prints per kind p50/p95/p99 with the ratio, bulk rates,
//! time to searchable, memory and sizes (see [`report`]), and the command that reproduces
//! the run. `--json FILE` writes the same figures for machines.
//!
//! It never touches the catalogue: the documents go to a database of their own,
//! `hamkor_bench`, on the same PostgreSQL server, and the index to `<index-dir>/bench`. A
//! second run with the same size and seed reuses both, and measures searches only.

mod corpus;
mod crud;
mod fts;
mod load;
mod measure;
mod queries;
mod report;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use self::measure::{Client, Shape};
use self::report::{Memory, Outcome, Sizes};
use crate::app::{self, AppState};
use crate::config::GlobalArgs;
use crate::db::Database;
use crate::partner::{LocalizedName, PartnerDraft, PartnerKind};
use crate::search::SearchIndex;

/// The database the benchmark's catalogue lives in, next to the real one.
pub const BENCH_DATABASE: &str = "hamkor_bench";
/// Where, under the index directory, the benchmark keeps its index.
const INDEX_SUBDIR: &str = "bench";
/// Where, under the index directory, the generated MARCXML files wait to be imported.
const FILES_SUBDIR: &str = "bench-marc";
/// The import source of generated documents.
const SOURCE: &str = "hamkor-bench";
/// How long the index may take to catch up before the benchmark gives up.
const INDEX_TIMEOUT: Duration = Duration::from_secs(3600);

#[derive(Args, Debug, Clone)]
pub struct BenchArgs {
    /// Documents in the generated catalogue.
    #[arg(long, default_value_t = 100_000)]
    pub documents: u64,

    /// Searches of each kind measured at each concurrency (after the warm-up).
    #[arg(long, default_value_t = 100)]
    pub queries_per_kind: usize,

    /// Searches of each kind sent first and not measured: they fill caches and the page cache.
    #[arg(long, default_value_t = 20)]
    pub warm_up: usize,

    /// Requests in flight at once; a list (1,8) measures each in turn.
    #[arg(long, value_delimiter = ',', default_values_t = [1, 8])]
    pub concurrency: Vec<usize>,

    /// Seed of the generated catalogue and of the searches: the same seed asks the same
    /// questions of the same documents.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,

    /// Generate and load the catalogue again even when the bench database holds it.
    #[arg(long)]
    pub fresh: bool,

    /// Only these kinds of search (all when not given), e.g. to profile one of them.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub kinds: Vec<queries::Kind>,

    /// Requests per read query, on each side.
    #[arg(long, default_value_t = 2_000)]
    pub read_requests: usize,

    /// Skip the read queries (and PostGraphile).
    #[arg(long)]
    pub no_reads: bool,

    /// Measure the read queries on hamkor only, without starting PostGraphile.
    #[arg(long)]
    pub no_postgraphile: bool,

    /// Also write the figures as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

impl BenchArgs {
    /// The kinds of search measured.
    fn kinds(&self) -> Vec<queries::Kind> {
        if self.kinds.is_empty() { queries::Kind::ALL.to_vec() } else { self.kinds.clone() }
    }
}

/// Runs the benchmark; `db` is the catalogue's database, used only to reach its server.
pub async fn run(db: &Database, args: BenchArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    if args.documents == 0 || args.queries_per_kind == 0 || args.concurrency.is_empty() || args.concurrency.contains(&0)
    {
        bail!("--documents, --queries-per-kind and every --concurrency must be at least 1");
    }
    let index_dir = global.index_dir.join(INDEX_SUBDIR);
    crate::out!("hamkor bench: hamkor and PostgreSQL full-text search on the same generated catalogue");
    if cfg!(debug_assertions) {
        crate::out!("  WARNING: this is a debug build; build with `cargo build --release` for meaningful numbers");
    }

    let mut pool = open_bench_database(db, args.fresh).await?;
    let reuse = corpus_state(&pool, &args).await? == CorpusState::Same;
    if !reuse {
        if corpus_state(&pool, &args).await? == CorpusState::Other {
            crate::out!("  the {BENCH_DATABASE} database holds another catalogue: loading this one afresh");
            pool.close().await;
            pool = open_bench_database(db, true).await?;
        }
        // The index of another catalogue would have to be rewritten document by document.
        remove_index(&index_dir)?;
    }

    let (stop_search, search_stopped) = tokio::sync::watch::channel(false);
    let search = SearchIndex::open(pool.clone(), index_dir.clone(), search_stopped)
        .await
        .with_context(|| format!("cannot open the bench search index in {}", index_dir.display()))?;
    let (partner_ids, load) = if reuse {
        crate::out!(
            "  catalogue: {} documents (seed {}) already in {BENCH_DATABASE}: reused",
            args.documents,
            args.seed
        );
        (find_partners(&pool).await?, None)
    } else {
        let partner_ids = insert_partners(&pool).await?;
        let times = load::load(&pool, &args, &partner_ids, &search, &global.index_dir.join(FILES_SUBDIR)).await?;
        sqlx::query("INSERT INTO bench_corpus (documents, seed, generator) VALUES ($1, $2, $3)")
            .bind(args.documents as i64)
            .bind(args.seed.to_string())
            .bind(corpus::GENERATOR_VERSION)
            .execute(&pool)
            .await?;
        crate::out!(
            "  imported in {:.1} s ({:.0} records/s); searchable {:.2} s after the import returned",
            times.import_seconds,
            times.import_rate(args.documents),
            times.searchable_after_seconds
        );
        (partner_ids, Some(times))
    };
    let memory_after_load = Memory::now();

    if !args.no_reads {
        crud::ensure_fixtures(&pool).await?;
    }
    let fts_load = fts::prepare(&pool, args.seed, args.documents).await?;
    wait_for_index(&pool, &search).await?;
    // What autovacuum does a minute after a large load, done now so that neither side is
    // measured on stale statistics or an unset visibility map (which makes count(*) read the
    // whole table instead of an index).
    sqlx::query("VACUUM (ANALYZE)").execute(&pool).await.context("VACUUM ANALYZE of the bench database failed")?;
    wait_for_merges(&search).await;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.context("cannot listen on 127.0.0.1")?;
    let address = listener.local_addr()?;
    let (stop_server, server_stopped) = tokio::sync::oneshot::channel::<()>();
    // The benchmark is one caller sending as fast as it can: no rate limit.
    let options = crate::http::HttpOptions { rate_limit_per_minute: 0, ..Default::default() };
    let state = AppState::new(pool.clone(), search.clone()).with_options(options);
    let server = tokio::spawn(app::serve(listener, state, async {
        let _ = server_stopped.await;
    }));
    let url = format!("http://{address}/graphql");

    let measured = measure(&pool, &search, &url, &args, &partner_ids).await;
    let reads = match (&measured, args.no_reads) {
        (Ok(_), false) => {
            let connect = pool.connect_options().as_ref().clone();
            Some(crud::measure(&url, &connect, args.read_requests, 8, !args.no_postgraphile).await?)
        }
        _ => None,
    };
    let memory = Memory::now();

    let _ = stop_server.send(());
    let _ = server.await;
    let _ = stop_search.send(true);
    let applied = search.applied();
    drop(search);
    wait_for_writer(applied).await;

    let (runs, fts) = measured?;
    let sizes = Sizes::read(&pool, &index_dir).await;
    pool.close().await;
    let outcome = Outcome { load, fts_load, runs, fts, reads, memory_after_load, memory, sizes };
    report::print(&args, global, &outcome);
    if let Some(path) = &args.json {
        report::write_json(path, &args, global, &outcome)?;
        crate::out!("figures written to {}", path.display());
    }
    let failed: Vec<&measure::Run> = outcome.runs.iter().chain([&outcome.fts]).filter(|r| r.failures() > 0).collect();
    if let Some(run) = failed.first() {
        bail!(
            "{} requests failed; the first error: {}",
            failed.iter().map(|r| r.failures()).sum::<usize>(),
            run.first_error().unwrap_or_default()
        );
    }
    Ok(())
}

/// The searches: hamkor's pages at each concurrency, counts and the index alone at
/// concurrency 1, then PostgreSQL's.
async fn measure(
    pool: &PgPool,
    search: &SearchIndex,
    url: &str,
    args: &BenchArgs,
    partner_ids: &[i64],
) -> anyhow::Result<(Vec<measure::Run>, measure::Run)> {
    let kinds = args.kinds();
    let warm_up = queries::generate(args.seed, args.documents, queries::WARM_UP_STREAM, args.warm_up, &kinds);
    let measured =
        queries::generate(args.seed, args.documents, queries::MEASURED_STREAM, args.queries_per_kind, &kinds);
    let client = Client::new(url.to_owned(), partner_ids)?;
    client.probe(&measured[0]).await?;
    let started = Instant::now();
    let concurrency = args.concurrency.iter().copied().max().unwrap_or(1);
    client.run(Shape::Page, &warm_up, concurrency).await;
    crate::out!("  warm-up: {} searches in {:.1} s", warm_up.len(), started.elapsed().as_secs_f64());
    let mut runs = Vec::new();
    for &concurrency in &args.concurrency {
        let run = client.run(Shape::Page, &measured, concurrency).await;
        crate::out!(
            "  page searches at concurrency {concurrency}: {:.0} requests/s",
            run.samples.len() as f64 / run.wall.as_secs_f64().max(1e-9)
        );
        runs.push(run);
    }
    runs.push(client.run(Shape::Count, &measured, 1).await);
    runs.push(measure::index_only(search, &measured, partner_ids).await);
    fts::run(pool, &warm_up).await?;
    let fts = fts::run(pool, &measured).await?;
    Ok((runs, fts))
}

// ---------------------------------------------------------------------------------------
// The bench database and index

/// Connects to the bench database on the catalogue's server (creating it, or dropping and
/// recreating it when `fresh`) and brings its schema up to date.
async fn open_bench_database(db: &Database, fresh: bool) -> anyhow::Result<PgPool> {
    let options = db.pool.connect_options().as_ref().clone();
    if options.get_database() == Some(BENCH_DATABASE) {
        bail!("the catalogue's own database is named {BENCH_DATABASE}: hamkor bench would overwrite it");
    }
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(BENCH_DATABASE)
        .fetch_one(&db.pool)
        .await?;
    let privilege = || {
        format!(
            "cannot create the database {BENCH_DATABASE} next to the catalogue (hamkor bench never writes to the \
             catalogue itself): the PostgreSQL role needs CREATEDB, or run it on a throwaway embedded server with \
             `--data-dir /tmp/hamkor-bench` and no DATABASE_URL"
        )
    };
    if exists && fresh {
        sqlx::query(&format!("DROP DATABASE {BENCH_DATABASE} WITH (FORCE)"))
            .execute(&db.pool)
            .await
            .with_context(privilege)?;
    }
    if !exists || fresh {
        sqlx::query(&format!("CREATE DATABASE {BENCH_DATABASE}")).execute(&db.pool).await.with_context(privilege)?;
    }
    let pool = PgPoolOptions::new()
        .max_connections(db.pool.options().get_max_connections().max(4))
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options.database(BENCH_DATABASE))
        .await
        .with_context(|| format!("cannot connect to the database {BENCH_DATABASE}"))?;
    crate::db::MIGRATOR.run(&pool).await.context("migrating the bench database failed")?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS bench_corpus (
             singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
             documents bigint NOT NULL,
             seed      text NOT NULL,
             generator integer NOT NULL,
             loaded_at timestamptz NOT NULL DEFAULT now())",
    )
    .execute(&pool)
    .await?;
    Ok(pool)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CorpusState {
    /// Nothing loaded yet.
    Empty,
    /// The catalogue these arguments ask for, completely loaded.
    Same,
    /// Another size, seed or generator, or an interrupted load.
    Other,
}

async fn corpus_state(pool: &PgPool, args: &BenchArgs) -> anyhow::Result<CorpusState> {
    let marker: Option<(i64, String, i32)> =
        sqlx::query_as("SELECT documents, seed, generator FROM bench_corpus").fetch_optional(pool).await?;
    let (documents,): (i64,) = sqlx::query_as("SELECT count(*) FROM documents").fetch_one(pool).await?;
    let (partners,): (i64,) = sqlx::query_as("SELECT count(*) FROM partners").fetch_one(pool).await?;
    let wanted = (args.documents as i64, args.seed.to_string(), corpus::GENERATOR_VERSION);
    Ok(match marker {
        Some(marker) if marker == wanted && documents == args.documents as i64 => CorpusState::Same,
        None if documents == 0 && partners == 0 => CorpusState::Empty,
        _ => CorpusState::Other,
    })
}

/// Removes the bench index (only ever the `bench` directory the benchmark owns).
fn remove_index(dir: &Path) -> anyhow::Result<()> {
    debug_assert!(dir.ends_with(INDEX_SUBDIR));
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(err).with_context(|| format!("cannot remove the old bench index {}", dir.display())),
    }
}

// ---------------------------------------------------------------------------------------
// Loading

async fn insert_partners(pool: &PgPool) -> anyhow::Result<Vec<i64>> {
    let mut tx = pool.begin().await?;
    let mut ids = Vec::with_capacity(corpus::PARTNERS.len());
    for partner in corpus::PARTNERS {
        let draft = PartnerDraft {
            kind: PartnerKind::NationalLibrary,
            country: Some(partner.country.to_owned()),
            city: Some(partner.city.to_owned()),
            website: None,
            email: None,
            isil: None,
            active: true,
            names: partner
                .names
                .iter()
                .map(|(lang, value)| LocalizedName { lang: (*lang).to_owned(), value: (*value).to_owned() })
                .collect(),
        };
        ids.push(crate::partner::db::insert(&mut tx, &draft).await?);
    }
    tx.commit().await?;
    Ok(ids)
}

async fn find_partners(pool: &PgPool) -> anyhow::Result<Vec<i64>> {
    let mut conn = pool.acquire().await?;
    let mut ids = Vec::with_capacity(corpus::PARTNERS.len());
    for partner in corpus::PARTNERS {
        let (lang, name) = partner.names[0];
        let id = crate::partner::db::find_by_name(&mut conn, lang, name).await?;
        ids.push(id.with_context(|| format!("the bench database lacks the partner {name:?}: run with --fresh"))?);
    }
    Ok(ids)
}

/// Waits until the index has applied every change committed so far.
async fn wait_for_index(pool: &PgPool, search: &SearchIndex) -> anyhow::Result<()> {
    // Every change so far was made by a transaction below this id.
    let last_xid: String = sqlx::query_scalar("SELECT pg_current_xact_id()::text").fetch_one(pool).await?;
    let last_xid: u64 = last_xid.parse().context("pg_current_xact_id() is not a number")?;
    let mut applied = search.applied();
    let deadline = tokio::time::Instant::now() + INDEX_TIMEOUT;
    while *applied.borrow_and_update() <= last_xid {
        match tokio::time::timeout_at(deadline, applied.changed()).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => bail!("the search index writer stopped"),
            Err(_) => bail!("the search index did not catch up within {} s", INDEX_TIMEOUT.as_secs()),
        }
    }
    Ok(())
}

/// Waits for the end of the load as the writer sees it and the merge after it, so that the
/// merge does not share the CPU with the measured searches.
async fn wait_for_merges(search: &SearchIndex) {
    let started = Instant::now();
    while search.settling() && started.elapsed() < INDEX_TIMEOUT {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if started.elapsed() > Duration::from_secs(1) {
        crate::out!("  waited {:.1} s for the index's segments to be merged", started.elapsed().as_secs_f64());
    }
}

/// Waits (a while) for the index writer to finish its merges and stop: it drops the last
/// handle on the index when it does.
async fn wait_for_writer(mut applied: tokio::sync::watch::Receiver<u64>) {
    let _ = tokio::time::timeout(Duration::from_secs(60), async { while applied.changed().await.is_ok() {} }).await;
}

/// A progress bar on a terminal; nothing when output is redirected.
fn progress_bar(total: u64, what: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    let style =
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {human_pos}/{human_len} documents, ETA {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(what.to_owned());
    bar
}
