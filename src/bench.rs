//! `hamkor bench`: how fast `search` answers over a large catalogue, measured the way a
//! client sees it — GraphQL over real HTTP against the real server — by a command anyone
//! can run again and compare.
//!
//! It generates a seeded multilingual catalogue (see [`corpus`]), loads it with the same
//! batched inserts as an import (so the triggers fill the search change log), builds the
//! search index, starts the server on a free local port, sends a fixed mix of searches
//! (see [`queries`]) and prints latency percentiles, throughput, hit counts, sizes, and
//! the command that reproduces the run.
//!
//! It never touches the catalogue: the documents go to a database of their own,
//! `hamkor_bench`, on the same PostgreSQL server, and the index to `<index-dir>/bench`. A
//! second run with the same size and seed reuses both, and measures searches only.

mod corpus;
mod measure;
mod queries;
mod report;

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use self::measure::{first_error, measure};
use self::report::{Sizes, report};
use crate::app::{self, AppState};
use crate::config::GlobalArgs;
use crate::db::Database;
use crate::document::db::{DocumentRow, insert_rows, reserve_ids};
use crate::partner::{LocalizedName, PartnerDraft, PartnerKind};
use crate::search::SearchIndex;

/// The database the benchmark's catalogue lives in, next to the real one.
pub const BENCH_DATABASE: &str = "hamkor_bench";
/// Where, under the index directory, the benchmark keeps its index.
const INDEX_SUBDIR: &str = "bench";
/// A file in the bench index directory that says how the index was built: an index built
/// through the change log has other segments than a rebuilt one, so it is reused only by a
/// run that builds it the same way.
const BUILT_MARKER: &str = "built-by";
const BUILT_BY_REBUILD: &str = "rebuild";
const BUILT_FROM_LOG: &str = "change-log";
/// The import source of generated documents.
const SOURCE: &str = "hamkor-bench";
/// Documents per insert statement, as an import writes them.
const BATCH: u64 = 1_000;
/// How long the index may take to catch up before the benchmark gives up.
const INDEX_TIMEOUT: Duration = Duration::from_secs(3600);

#[derive(Args, Debug, Clone)]
pub struct BenchArgs {
    /// Documents in the generated catalogue.
    #[arg(long, default_value_t = 100_000)]
    pub documents: u64,

    /// Searches measured at each concurrency (after the warm-up).
    #[arg(long, default_value_t = 2_000)]
    pub queries: usize,

    /// Searches sent first and not measured: they fill caches and the page cache.
    #[arg(long, default_value_t = 200)]
    pub warm_up: usize,

    /// Requests in flight at once; a list (1,4) measures each in turn.
    #[arg(long, value_delimiter = ',', default_values_t = [1, 4])]
    pub concurrency: Vec<usize>,

    /// Seed of the generated catalogue and of the searches: the same seed asks the same
    /// questions of the same documents.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,

    /// Generate, load and index the catalogue again even when the bench database holds it.
    #[arg(long)]
    pub fresh: bool,

    /// Index through the change log while the catalogue loads, as a running server does,
    /// instead of building the index from PostgreSQL after loading (as a first start or
    /// `hamkor reindex` does).
    #[arg(long)]
    pub index_while_loading: bool,
}

/// Runs the benchmark; `db` is the catalogue's database, used only to reach its server.
pub async fn run(db: &Database, args: BenchArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    if args.documents == 0 || args.queries == 0 || args.concurrency.contains(&0) {
        bail!("--documents, --queries and every --concurrency must be at least 1");
    }
    let index_dir = global.index_dir.join(INDEX_SUBDIR);
    crate::out!("hamkor bench: `search` over GraphQL/HTTP on a generated catalogue");
    if cfg!(debug_assertions) {
        crate::out!("  WARNING: this is a debug build; build with `cargo build --release` for meaningful numbers");
    }

    let mut pool = open_bench_database(db, args.fresh).await?;
    let corpus_state = corpus_state(&pool, &args).await?;
    // Indexing through the change log needs the catalogue loaded while the index follows.
    let reuse = corpus_state == CorpusState::Same && !args.index_while_loading;
    if corpus_state == CorpusState::Other || (corpus_state == CorpusState::Same && !reuse) {
        if corpus_state == CorpusState::Other {
            crate::out!("  the {BENCH_DATABASE} database holds another catalogue: generating this one afresh");
        }
        pool.close().await;
        pool = open_bench_database(db, true).await?;
    }
    let wanted_build = if args.index_while_loading { BUILT_FROM_LOG } else { BUILT_BY_REBUILD };
    let built = std::fs::read_to_string(index_dir.join(BUILT_MARKER)).unwrap_or_default();
    if !reuse || built.trim() != wanted_build {
        // The index of another catalogue would have to be rewritten document by document,
        // and one built otherwise would measure something else.
        remove_index(&index_dir)?;
    }

    let (stop_search, search_stopped) = tokio::sync::watch::channel(false);
    let mut search: Option<SearchIndex> = None;
    let mut index_started = Instant::now();
    if !reuse && args.index_while_loading {
        search = Some(open_index(&pool, &index_dir, search_stopped.clone()).await?);
        index_started = Instant::now();
    }

    let partner_ids = if reuse { find_partners(&pool).await? } else { insert_partners(&pool).await? };
    let load = if reuse {
        crate::out!(
            "  catalogue: {} documents (seed {}) already in {BENCH_DATABASE}: reused",
            args.documents,
            args.seed
        );
        None
    } else {
        let started = Instant::now();
        load(&pool, &args, &partner_ids).await?;
        let seconds = started.elapsed().as_secs_f64();
        crate::out!(
            "  loaded {} documents into PostgreSQL in {seconds:.1} s ({:.0} documents/s, {BATCH} per insert)",
            args.documents,
            args.documents as f64 / seconds
        );
        Some(seconds)
    };

    // Every change so far was made by a transaction below this id.
    let last_xid: String = sqlx::query_scalar("SELECT pg_current_xact_id()::text").fetch_one(&pool).await?;
    let last_xid: u64 = last_xid.parse().context("pg_current_xact_id() is not a number")?;
    let index_existed = index_dir.join("current").exists();
    let search = match search {
        Some(search) => search,
        None => {
            index_started = Instant::now();
            open_index(&pool, &index_dir, search_stopped.clone()).await?
        }
    };
    let opened = index_started.elapsed().as_secs_f64();
    wait_for_index(&search, last_xid).await?;
    std::fs::write(index_dir.join(BUILT_MARKER), wanted_build)
        .with_context(|| format!("cannot write {}", index_dir.join(BUILT_MARKER).display()))?;
    let caught_up = index_started.elapsed().as_secs_f64();
    let index_report = match (reuse && index_existed, args.index_while_loading && !reuse) {
        (true, _) => format!("opened the existing index in {opened:.2} s, up to date {caught_up:.2} s after opening"),
        (false, true) => format!(
            "indexed through the change log while loading: up to date {:.1} s after loading finished ({caught_up:.1} s \
             after the first insert)",
            caught_up - load.unwrap_or(0.0)
        ),
        (false, false) => format!(
            "built the index from PostgreSQL in {opened:.1} s ({:.0} documents/s); up to date {caught_up:.1} s after \
             opening",
            args.documents as f64 / opened.max(1e-9)
        ),
    };
    crate::out!("  index: {index_report}");

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

    let outcome = measure(&url, &search, &args, &partner_ids).await;

    let _ = stop_server.send(());
    let _ = server.await;
    let _ = stop_search.send(true);
    let applied = search.applied();
    drop(search);
    wait_for_writer(applied).await;

    let measured = outcome?;
    let sizes = Sizes::read(&pool, &index_dir).await;
    pool.close().await;
    report(&args, global, &measured, &sizes);
    let failures: usize = measured.runs.iter().map(|r| r.failures).sum();
    if failures > 0 {
        bail!("{failures} requests failed; the first error: {}", first_error(&measured.runs));
    }
    Ok(())
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

async fn open_index(
    pool: &PgPool,
    dir: &Path,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<SearchIndex> {
    SearchIndex::open(pool.clone(), dir.to_path_buf(), shutdown)
        .await
        .with_context(|| format!("cannot open the bench search index in {}", dir.display()))
}

/// Waits until the index has applied every change of transactions up to `last_xid`.
async fn wait_for_index(search: &SearchIndex, last_xid: u64) -> anyhow::Result<()> {
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

/// Waits (a while) for the index writer to finish its merges and stop: it drops the last
/// handle on the index when it does.
async fn wait_for_writer(mut applied: tokio::sync::watch::Receiver<u64>) {
    let _ = tokio::time::timeout(Duration::from_secs(60), async { while applied.changed().await.is_ok() {} }).await;
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

/// Generates and inserts the catalogue, a batch per transaction.
async fn load(pool: &PgPool, args: &BenchArgs, partner_ids: &[i64]) -> anyhow::Result<()> {
    let bar = progress_bar(args.documents);
    let mut next = 0;
    while next < args.documents {
        let end = (next + BATCH).min(args.documents);
        let seed = args.seed;
        let batch = tokio::task::spawn_blocking(move || {
            (next..end)
                .map(|i| {
                    let generated = corpus::document(seed, i);
                    let description = generated.description.validate()?;
                    Ok((description, generated.partner, format!("bench-{i:07}")))
                })
                .collect::<crate::error::Result<Vec<_>>>()
        })
        .await?
        .context("a generated document is invalid")?;
        let mut tx = pool.begin().await?;
        let ids = reserve_ids(&mut tx, batch.len()).await?;
        let rows: Vec<DocumentRow> = batch
            .iter()
            .zip(ids)
            .map(|((description, partner, control_number), id)| DocumentRow {
                id,
                description,
                source: Some(SOURCE),
                control_number: Some(control_number),
                origin_partner_id: partner.map(|p| partner_ids[p]),
                origin_exchange_id: None,
                import_id: None,
                marc_xml: None,
            })
            .collect();
        insert_rows(&mut tx, &rows).await?;
        if end == args.documents {
            sqlx::query("INSERT INTO bench_corpus (documents, seed, generator) VALUES ($1, $2, $3)")
                .bind(args.documents as i64)
                .bind(args.seed.to_string())
                .bind(corpus::GENERATOR_VERSION)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        bar.set_position(end);
        next = end;
    }
    bar.finish_and_clear();
    Ok(())
}

/// A progress bar on a terminal; nothing when output is redirected.
fn progress_bar(total: u64) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    let style =
        indicatif::ProgressStyle::with_template("loading [{bar:40}] {pos}/{len} documents, {per_sec}, ETA {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> ");
    bar.set_style(style);
    bar
}
