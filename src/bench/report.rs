//! The printed report: latencies, throughput, hits, sizes, and the command to run it again.

use std::path::{Path, PathBuf};

use serde_json::Value;
use sqlx::PgPool;

use super::measure::{Measured, Sample};
use super::queries::Kind;
use super::{BENCH_DATABASE, BenchArgs, INDEX_SUBDIR, corpus};
use crate::config::GlobalArgs;

/// Sizes on disk, for the report.
#[derive(Default)]
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

pub(super) fn megabytes(bytes: u64) -> String {
    format!("{:.0} MB", bytes as f64 / 1_000_000.0)
}

/// The value below which `p` of the sorted samples lie (nearest rank).
pub(super) fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

pub(super) fn ms(micros: u64) -> String {
    format!("{:.2}", micros as f64 / 1000.0)
}

/// p50 p90 p99 max mean, in ms.
pub(super) fn latency_line(samples: &[&Sample]) -> String {
    let mut micros: Vec<u64> = samples.iter().map(|s| s.micros).collect();
    micros.sort_unstable();
    let mean = micros.iter().sum::<u64>() / micros.len().max(1) as u64;
    format!(
        "{:>7} {:>7} {:>7} {:>7} {:>7}",
        ms(percentile(&micros, 0.50)),
        ms(percentile(&micros, 0.90)),
        ms(percentile(&micros, 0.99)),
        ms(micros.last().copied().unwrap_or(0)),
        ms(mean)
    )
}

pub(super) fn hits_line(samples: &[&Sample]) -> String {
    let answered: Vec<&&Sample> = samples.iter().filter(|s| s.error.is_none()).collect();
    let n = answered.len().max(1) as f64;
    let found = answered.iter().filter(|s| s.total_count.unwrap_or(0) > 0).count();
    let total: i64 = answered.iter().map(|s| s.total_count.unwrap_or(0)).sum();
    let hits: usize = answered.iter().map(|s| s.hits).sum();
    format!("{:>5.1}% {:>9.0} {:>6.1}", 100.0 * found as f64 / n, total as f64 / n, hits as f64 / n)
}

pub(super) fn report(args: &BenchArgs, global: &GlobalArgs, measured: &Measured, sizes: &Sizes) {
    let results = &measured.runs;
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu_model = std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|info| {
        info.lines()
            .find_map(|l| l.strip_prefix("model name").map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned()))
    });
    crate::out!();
    crate::out!("machine:   {cpus} CPUs{}", cpu_model.map(|m| format!(" ({m})")).unwrap_or_default());
    crate::out!(
        "software:  hamkor {} ({} build), PostgreSQL {}; client and server share this process",
        env!("CARGO_PKG_VERSION"),
        if cfg!(debug_assertions) { "debug" } else { "release" },
        sizes.postgres_version.as_deref().unwrap_or("?")
    );
    crate::out!(
        "catalogue: {} documents (seed {}), {} partners, 9 languages/scripts; database {BENCH_DATABASE}: {}",
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
    crate::out!(
        "searches:  {} measured per concurrency after {} warm-up; first: 20 with highlights and origin partner, \
         facets in half",
        args.queries,
        args.warm_up
    );
    for result in results {
        let samples: Vec<&Sample> = result.samples.iter().collect();
        crate::out!();
        crate::out!(
            "concurrency {}: {} requests in {:.2} s = {:.0} requests/s{}",
            result.concurrency,
            samples.len(),
            result.wall.as_secs_f64(),
            samples.len() as f64 / result.wall.as_secs_f64().max(1e-9),
            if result.failures > 0 { format!(", {} FAILED", result.failures) } else { String::new() }
        );
        crate::out!(
            "  {:<24} {:>5} {:>7} {:>7} {:>7} {:>7} {:>7}   {:>6} {:>9} {:>6}",
            "latency (ms)",
            "n",
            "p50",
            "p90",
            "p99",
            "max",
            "mean",
            "found",
            "avg total",
            "hits"
        );
        crate::out!("  {:<24} {:>5} {}   {}", "all", samples.len(), latency_line(&samples), hits_line(&samples));
        if result.concurrency != results[0].concurrency {
            continue;
        }
        for facets in [false, true] {
            let group: Vec<&Sample> = samples.iter().copied().filter(|s| s.facets == facets).collect();
            let name = if facets { "with facets" } else { "without facets" };
            crate::out!("  {:<24} {:>5} {}   {}", name, group.len(), latency_line(&group), hits_line(&group));
        }
        for (kind, _) in Kind::ALL {
            let group: Vec<&Sample> = samples.iter().copied().filter(|s| s.kind == kind).collect();
            if group.is_empty() {
                continue;
            }
            crate::out!("  {:<24} {:>5} {}   {}", kind.name(), group.len(), latency_line(&group), hits_line(&group));
        }
        let suggestions = samples.iter().filter(|s| s.suggestion).count();
        crate::out!(
            "  (found: share of searches with a match; avg total: mean totalCount; hits: mean edges returned; \
             {suggestions} answers carried a suggestion)"
        );
    }
    let samples: Vec<&Sample> = measured.index_only.iter().collect();
    crate::out!();
    crate::out!(
        "the same searches on the index alone (SearchIndex::search: no HTTP, GraphQL, PostgreSQL, highlighting or \
         suggestion), one at a time:"
    );
    crate::out!(
        "  {:<24} {:>5} {:>7} {:>7} {:>7} {:>7} {:>7}",
        "latency (ms)",
        "n",
        "p50",
        "p90",
        "p99",
        "max",
        "mean"
    );
    crate::out!("  {:<24} {:>5} {}", "all", samples.len(), latency_line(&samples));
    for (kind, _) in Kind::ALL {
        let group: Vec<&Sample> = samples.iter().copied().filter(|s| s.kind == kind).collect();
        if !group.is_empty() {
            crate::out!("  {:<24} {:>5} {}", kind.name(), group.len(), latency_line(&group));
        }
    }
    crate::out!();
    crate::out!("reproduce: {}", reproduce(args, global));
    crate::out!(
        "the catalogue stays in the database {BENCH_DATABASE} and the index in {} for the next run (--fresh \
         regenerates both); delete them with `DROP DATABASE {BENCH_DATABASE}` and `rm -r {}`{}",
        global.index_dir.join(INDEX_SUBDIR).display(),
        global.index_dir.join(INDEX_SUBDIR).display(),
        if global.database_url.as_deref().is_some_and(|u| !u.is_empty()) {
            String::new()
        } else {
            format!(", or remove the whole data directory {} if it was a throwaway one", global.data_dir.display())
        }
    );
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
        "{database}{program} bench --documents {} --queries {} --warm-up {} --concurrency {} --seed {}{}{data_dir} \
         --index-dir {}",
        args.documents,
        args.queries,
        args.warm_up,
        concurrency.join(","),
        args.seed,
        if args.index_while_loading { " --index-while-loading" } else { "" },
        global.index_dir.display()
    )
}
