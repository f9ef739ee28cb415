//! The report: per kind of search, hamkor beside PostgreSQL full-text search; throughput;
//! bulk loading; the read queries beside PostGraphile; memory; sizes; and the command to
//! run it again. The same figures go to a JSON file when asked.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;
use sqlx::PgPool;

use super::crud::Reads;
use super::fts::FtsLoad;
use super::load::LoadTimes;
use super::measure::{Run, Sample, Shape, percentile};
use super::queries::Kind;
use super::{BENCH_DATABASE, BenchArgs, INDEX_SUBDIR, corpus};
use crate::config::GlobalArgs;

/// Anything under this is a tie: PostgreSQL's figure has no HTTP or GraphQL around it.
const TIE_MS: f64 = 2.0;

/// Sizes on disk, for the report.
#[derive(Default, Serialize)]
pub(super) struct Sizes {
    pub(super) database_bytes: Option<i64>,
    pub(super) postgres_version: Option<String>,
    pub(super) index_bytes: u64,
    pub(super) index_segments: usize,
    pub(super) index_documents: u64,
    pub(super) index_path: PathBuf,
}

impl Sizes {
    pub(super) async fn read(pool: &PgPool, index_dir: &Path) -> Sizes {
        let database_bytes =
            sqlx::query_scalar("SELECT pg_database_size(current_database())").fetch_one(pool).await.ok();
        let postgres_version = sqlx::query_scalar("SHOW server_version").fetch_one(pool).await.ok();
        let generation =
            std::fs::read_link(index_dir.join("current")).map(|t| index_dir.join(t)).unwrap_or(index_dir.to_path_buf());
        let index_bytes = std::fs::read_dir(&generation)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.metadata().ok())
            .filter(|m| m.is_file())
            .map(|m| m.len())
            .sum();
        let meta: Value = std::fs::read(generation.join("meta.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or(Value::Null);
        let segments = meta["segments"].as_array().cloned().unwrap_or_default();
        let index_documents = segments
            .iter()
            .map(|s| {
                s["max_doc"]
                    .as_u64()
                    .unwrap_or(0)
                    .saturating_sub(s["deletes"]["num_deleted_docs"].as_u64().unwrap_or(0))
            })
            .sum();
        Sizes {
            database_bytes,
            postgres_version,
            index_bytes,
            index_segments: segments.len(),
            index_documents,
            index_path: generation,
        }
    }
}

/// The process's resident memory, from /proc (Linux): now and at its highest.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub(super) struct Memory {
    pub(super) rss_bytes: u64,
    pub(super) peak_rss_bytes: u64,
}

impl Memory {
    pub(super) fn now() -> Memory {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let kilobytes = |key: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .unwrap_or(0)
        };
        Memory { rss_bytes: kilobytes("VmRSS:") * 1024, peak_rss_bytes: kilobytes("VmHWM:") * 1024 }
    }
}

/// Everything one run measured.
pub(super) struct Outcome {
    pub(super) load: Option<LoadTimes>,
    pub(super) fts_load: FtsLoad,
    /// hamkor's runs (pages at each concurrency, counts, the index alone).
    pub(super) runs: Vec<Run>,
    /// PostgreSQL full-text search, one at a time.
    pub(super) fts: Run,
    pub(super) reads: Option<Reads>,
    pub(super) memory_after_load: Memory,
    pub(super) memory: Memory,
    pub(super) sizes: Sizes,
}

/// Latency figures of a group of samples, in ms.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub(super) struct Latency {
    pub(super) n: usize,
    pub(super) p50: f64,
    pub(super) p95: f64,
    pub(super) p99: f64,
    pub(super) max: f64,
    pub(super) mean: f64,
    /// Share of the searches that found something.
    pub(super) found: f64,
    pub(super) mean_total: f64,
}

impl Latency {
    fn of<'a>(samples: impl Iterator<Item = &'a Sample>) -> Latency {
        let samples: Vec<&Sample> = samples.collect();
        let mut micros: Vec<u64> = samples.iter().map(|s| s.micros).collect();
        micros.sort_unstable();
        let n = micros.len();
        let ms = |micros: u64| micros as f64 / 1000.0;
        let answered: Vec<&&Sample> = samples.iter().filter(|s| s.error.is_none()).collect();
        let found = answered.iter().filter(|s| s.total_count.unwrap_or(0) > 0).count();
        let totals: i64 = answered.iter().map(|s| s.total_count.unwrap_or(0)).sum();
        Latency {
            n,
            p50: ms(percentile(&micros, 0.50)),
            p95: ms(percentile(&micros, 0.95)),
            p99: ms(percentile(&micros, 0.99)),
            max: ms(micros.last().copied().unwrap_or(0)),
            mean: micros.iter().sum::<u64>() as f64 / n.max(1) as f64 / 1000.0,
            found: found as f64 / answered.len().max(1) as f64,
            mean_total: totals as f64 / answered.len().max(1) as f64,
        }
    }
}

/// How hamkor's p50 compares with PostgreSQL's.
fn versus(hamkor: f64, postgres: f64) -> String {
    if hamkor < TIE_MS && postgres < TIE_MS {
        "tie (< 2 ms)".into()
    } else if hamkor <= postgres {
        format!("{:.1}× faster", postgres / hamkor.max(1e-3))
    } else {
        format!("{:.1}× slower", hamkor / postgres.max(1e-3))
    }
}

fn run_of(runs: &[Run], shape: Shape, concurrency: usize) -> Option<&Run> {
    runs.iter().find(|r| r.shape == shape && r.concurrency == concurrency)
}

fn by_kind(run: &Run, kind: Kind) -> Latency {
    Latency::of(run.samples.iter().filter(|s| s.kind == kind))
}

/// The machine-readable report.
#[derive(Serialize)]
struct Json<'a> {
    command: String,
    machine: Machine,
    documents: u64,
    seed: u64,
    load: &'a Option<LoadTimes>,
    postgres_load: &'a FtsLoad,
    searches: BTreeMap<&'static str, BTreeMap<String, Latency>>,
    throughput: Vec<Throughput>,
    reads: &'a Option<Reads>,
    memory_after_load: Memory,
    memory: Memory,
    sizes: &'a Sizes,
}

#[derive(Serialize)]
struct Machine {
    cpus: usize,
    cpu_model: Option<String>,
    build: &'static str,
    hamkor: &'static str,
}

#[derive(Serialize)]
struct Throughput {
    shape: Shape,
    concurrency: usize,
    requests: usize,
    seconds: f64,
    per_second: f64,
    failures: usize,
    all: Latency,
}

fn run_key(run: &Run) -> String {
    match run.shape {
        Shape::Page => format!("hamkor_page_c{}", run.concurrency),
        Shape::Count => format!("hamkor_count_c{}", run.concurrency),
        Shape::IndexOnly => "hamkor_index_only".into(),
    }
}

fn machine() -> Machine {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu_model = std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|info| {
        info.lines()
            .find_map(|l| l.strip_prefix("model name").map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned()))
    });
    let build = if cfg!(debug_assertions) { "debug" } else { "release" };
    Machine { cpus, cpu_model, build, hamkor: env!("CARGO_PKG_VERSION") }
}

/// Writes the figures as JSON to `path`.
pub(super) fn write_json(path: &Path, args: &BenchArgs, global: &GlobalArgs, outcome: &Outcome) -> anyhow::Result<()> {
    let mut searches: BTreeMap<&'static str, BTreeMap<String, Latency>> = BTreeMap::new();
    for kind in args.kinds() {
        let entry = searches.entry(kind.name()).or_default();
        entry.insert("postgres_fts".into(), by_kind(&outcome.fts, kind));
        for run in &outcome.runs {
            entry.insert(run_key(run), by_kind(run, kind));
        }
    }
    let throughput = outcome
        .runs
        .iter()
        .map(|run| Throughput {
            shape: run.shape,
            concurrency: run.concurrency,
            requests: run.samples.len(),
            seconds: run.wall.as_secs_f64(),
            per_second: run.samples.len() as f64 / run.wall.as_secs_f64().max(1e-9),
            failures: run.failures(),
            all: Latency::of(run.samples.iter()),
        })
        .collect();
    let json = Json {
        command: reproduce(args, global),
        machine: machine(),
        documents: args.documents,
        seed: args.seed,
        load: &outcome.load,
        postgres_load: &outcome.fts_load,
        searches,
        throughput,
        reads: &outcome.reads,
        memory_after_load: outcome.memory_after_load,
        memory: outcome.memory,
        sizes: &outcome.sizes,
    };
    let text = serde_json::to_string_pretty(&json)?;
    std::fs::write(path, text + "\n").map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
}

fn megabytes(bytes: u64) -> String {
    format!("{:.0} MB", bytes as f64 / 1_000_000.0)
}

pub(super) fn print(args: &BenchArgs, global: &GlobalArgs, outcome: &Outcome) {
    let machine = machine();
    let sizes = &outcome.sizes;
    crate::out!();
    crate::out!(
        "machine:   {} CPUs{}; {} build of hamkor {}; PostgreSQL {} in the same cluster; the benchmark's client runs \
         in the server's process",
        machine.cpus,
        machine.cpu_model.map(|m| format!(" ({m})")).unwrap_or_default(),
        machine.build,
        machine.hamkor,
        sizes.postgres_version.as_deref().unwrap_or("?")
    );
    crate::out!(
        "catalogue: {} documents (seed {}), {} origin partners, 9 languages/scripts; database {BENCH_DATABASE}: {}",
        args.documents,
        args.seed,
        corpus::PARTNERS.len(),
        sizes.database_bytes.map_or_else(|| "?".to_owned(), |b| megabytes(b as u64))
    );
    crate::out!(
        "index:     {} documents in {} segments, {} on disk ({})",
        sizes.index_documents,
        sizes.index_segments,
        megabytes(sizes.index_bytes),
        sizes.index_path.display()
    );

    crate::out!();
    crate::out!("bulk loading:");
    match &outcome.load {
        Some(load) => {
            crate::out!(
                "  hamkor import (MARCXML, {} files, {}): {:.1} s = {:.0} records/s; the last record searchable {:.2} s \
                 after the import returned: {:.0} records/s from start to searchable; {} rejected",
                load.files,
                megabytes(load.bytes),
                load.import_seconds,
                load.import_rate(args.documents),
                load.searchable_after_seconds,
                load.searchable_rate(args.documents),
                load.rejected
            );
        }
        None => crate::out!("  hamkor: the catalogue of an earlier run was reused (--fresh loads it again)"),
    }
    if outcome.fts_load.reused {
        crate::out!("  PostgreSQL full-text: the table of an earlier run was reused");
    } else {
        crate::out!(
            "  PostgreSQL full-text (insert with tsvector, then GIN index): {:.1} s + {:.1} s = {:.0} records/s",
            outcome.fts_load.insert_seconds,
            outcome.fts_load.index_seconds,
            outcome.fts_load.rate(args.documents)
        );
    }

    let page = run_of(&outcome.runs, Shape::Page, 1);
    let count = run_of(&outcome.runs, Shape::Count, 1);
    let index = run_of(&outcome.runs, Shape::IndexOnly, 1);
    crate::out!();
    crate::out!(
        "searches at concurrency 1, {} of each kind (ms; hamkor: {}; PostgreSQL: ranked top 20 + count, statement time):",
        args.queries_per_kind,
        Shape::Page.describe()
    );
    crate::out!(
        "  {:<22} {:>8} {:>8} {:>8} {:>8}  {:<26} {:>8} {:>8}  {:>6} {:>6}",
        "kind",
        "PG p50",
        "p50",
        "p95",
        "p99",
        "hamkor vs PostgreSQL",
        "count",
        "index",
        "found",
        "PG"
    );
    for kind in args.kinds() {
        let postgres = by_kind(&outcome.fts, kind);
        let Some(page) = page else { continue };
        let hamkor = by_kind(page, kind);
        let count = count.map(|r| by_kind(r, kind).p50);
        let index = index.map(|r| by_kind(r, kind).p50);
        let optional = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.2}"));
        crate::out!(
            "  {:<22} {:>8.2} {:>8.2} {:>8.2} {:>8.2}  {:<26} {:>8} {:>8}  {:>5.0}% {:>5.0}%",
            kind.name(),
            postgres.p50,
            hamkor.p50,
            hamkor.p95,
            hamkor.p99,
            versus(hamkor.p50, postgres.p50),
            optional(count),
            optional(index),
            hamkor.found * 100.0,
            postgres.found * 100.0
        );
    }
    crate::out!(
        "  (count: p50 of search(query, first: 20) {{ totalCount }}; index: p50 on the index alone; found: share of \
         searches with a match, hamkor and PostgreSQL)"
    );

    crate::out!();
    crate::out!("throughput (every kind in equal shares):");
    for run in &outcome.runs {
        if run.shape == Shape::IndexOnly {
            continue;
        }
        let all = Latency::of(run.samples.iter());
        crate::out!(
            "  {:<6} concurrency {}: {} requests in {:.2} s = {:.0} requests/s, p50 {:.2} ms, p95 {:.2}, p99 {:.2}{}",
            match run.shape {
                Shape::Page => "page",
                _ => "count",
            },
            run.concurrency,
            run.samples.len(),
            run.wall.as_secs_f64(),
            run.samples.len() as f64 / run.wall.as_secs_f64().max(1e-9),
            all.p50,
            all.p95,
            all.p99,
            if run.failures() > 0 { format!(", {} FAILED", run.failures()) } else { String::new() }
        );
    }

    if let Some(reads) = &outcome.reads {
        crate::out!();
        crate::out!(
            "reads, {} requests each at concurrency {} (requests/s, p50 ms):",
            reads.requests,
            reads.concurrency
        );
        for result in &reads.results {
            let other = match (result.postgraphile_per_second, result.postgraphile_p50_ms) {
                (Some(rate), Some(p50)) => format!(
                    "PostGraphile {rate:>6.0}/s {p50:>6.2} ms   hamkor/PostGraphile {:.2}×",
                    result.hamkor_per_second / rate.max(1e-9)
                ),
                _ => "PostGraphile not measured".into(),
            };
            crate::out!(
                "  {:<42} hamkor {:>6.0}/s {:>6.2} ms   {other}",
                result.query,
                result.hamkor_per_second,
                result.hamkor_p50_ms
            );
        }
        if let Some(why) = &reads.postgraphile_skipped {
            crate::out!("  PostGraphile skipped: {why}");
        }
    }

    crate::out!();
    crate::out!(
        "memory (this process: server, index and the benchmark's client): {} after loading, {} after the searches, \
         peak {}",
        megabytes(outcome.memory_after_load.rss_bytes),
        megabytes(outcome.memory.rss_bytes),
        megabytes(outcome.memory.peak_rss_bytes)
    );
    crate::out!();
    crate::out!("reproduce: {}", reproduce(args, global));
    crate::out!(
        "the catalogue stays in the database {BENCH_DATABASE} and the index in {} for the next run (--fresh \
         loads both again); delete them with `DROP DATABASE {BENCH_DATABASE}` and `rm -r {}`{}",
        global.index_dir.join(INDEX_SUBDIR).display(),
        global.index_dir.join(INDEX_SUBDIR).display(),
        if global.database_url.as_deref().is_some_and(|u| !u.is_empty()) {
            String::new()
        } else {
            format!(", or remove the whole data directory {} if it was a throwaway one", global.data_dir.display())
        }
    );
}

/// `--kinds …` when only some kinds were measured.
fn kinds_argument(args: &BenchArgs) -> String {
    use clap::ValueEnum;
    let names: Vec<String> =
        args.kinds.iter().filter_map(|k| k.to_possible_value()).map(|v| v.get_name().to_owned()).collect();
    if names.is_empty() { String::new() } else { format!(" --kinds {}", names.join(",")) }
}

/// The command that runs this benchmark again, with every setting spelled out.
pub(super) fn reproduce(args: &BenchArgs, global: &GlobalArgs) -> String {
    let program = std::env::args().next().unwrap_or_else(|| "hamkor".into());
    let database = if global.database_url.as_deref().is_some_and(|u| !u.is_empty()) {
        "DATABASE_URL=<as now> ".to_owned()
    } else {
        String::new()
    };
    let data_dir =
        if database.is_empty() { format!(" --data-dir {}", global.data_dir.display()) } else { String::new() };
    let concurrency: Vec<String> = args.concurrency.iter().map(|c| c.to_string()).collect();
    format!(
        "{database}{program} bench --documents {} --queries-per-kind {} --warm-up {} --concurrency {} --seed {}{}{}\
         {}{data_dir} --index-dir {}",
        args.documents,
        args.queries_per_kind,
        args.warm_up,
        concurrency.join(","),
        args.seed,
        kinds_argument(args),
        match (args.no_reads, args.no_postgraphile) {
            (true, _) => " --no-reads",
            (false, true) => " --no-postgraphile",
            (false, false) => "",
        },
        args.json.as_ref().map(|p| format!(" --json {}", p.display())).unwrap_or_default(),
        global.index_dir.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons_call_small_figures_a_tie() {
        assert_eq!(versus(1.2, 0.1), "tie (< 2 ms)");
        assert_eq!(versus(2.5, 0.1), "25.0× slower");
        assert_eq!(versus(0.5, 0.9), "tie (< 2 ms)");
        assert_eq!(versus(5.0, 50.0), "10.0× faster");
        assert_eq!(versus(20.0, 5.0), "4.0× slower");
    }
}
