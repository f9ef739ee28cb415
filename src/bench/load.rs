//! Loading the generated catalogue the way a library would: MARCXML files, one per partner
//! and chunk of the corpus, imported by the product's own import (`hamkor import`), while
//! the search index follows the change log as a running server's does.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use sqlx::PgPool;

use super::{BenchArgs, SOURCE, corpus};
use crate::document::import::{self, ImportOptions};
use crate::document::marc_map::marc_for_export;
use crate::marc::to_marcxml;
use crate::search::SearchIndex;

/// Records per generated chunk; a chunk is split into one file per partner.
const CHUNK: u64 = 50_000;

/// What loading took.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub(super) struct LoadTimes {
    pub(super) files: usize,
    pub(super) bytes: u64,
    pub(super) generate_seconds: f64,
    /// From the first import starting to the last returning.
    pub(super) import_seconds: f64,
    /// From the last import returning to the index having every record.
    pub(super) searchable_after_seconds: f64,
    pub(super) rejected: i64,
}

impl LoadTimes {
    pub(super) fn import_rate(&self, documents: u64) -> f64 {
        documents as f64 / self.import_seconds.max(1e-9)
    }

    /// Records per second from the first import starting to the last record searchable.
    pub(super) fn searchable_rate(&self, documents: u64) -> f64 {
        documents as f64 / (self.import_seconds + self.searchable_after_seconds).max(1e-9)
    }
}

/// The files of one chunk: (partner index or none, file).
type ChunkFiles = Vec<(Option<usize>, PathBuf)>;

/// Writes the corpus as MARCXML files under `dir` (generation is not timed as loading),
/// imports them one by one and waits until the index has the last record.
pub(super) async fn load(
    pool: &PgPool,
    args: &BenchArgs,
    partner_ids: &[i64],
    search: &SearchIndex,
    dir: &Path,
) -> anyhow::Result<LoadTimes> {
    let mut times = LoadTimes::default();
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let started = Instant::now();
    let mut files: Vec<(Option<usize>, PathBuf)> = Vec::new();
    let mut start = 0;
    while start < args.documents {
        let end = (start + CHUNK).min(args.documents);
        let (seed, dir) = (args.seed, dir.to_path_buf());
        let written = tokio::task::spawn_blocking(move || write_chunk(seed, start, end, &dir)).await??;
        files.extend(written);
        start = end;
    }
    times.generate_seconds = started.elapsed().as_secs_f64();
    times.files = files.len();
    times.bytes = files.iter().filter_map(|(_, f)| std::fs::metadata(f).ok()).map(|m| m.len()).sum();
    crate::out!(
        "  wrote {} documents as {} MARCXML files ({:.0} MB) in {:.1} s (not counted as loading)",
        args.documents,
        files.len(),
        times.bytes as f64 / 1e6,
        times.generate_seconds
    );

    let bar = super::progress_bar(args.documents, "importing");
    let started = Instant::now();
    let mut done = 0;
    for (partner, file) in &files {
        // What `hamkor import --source hamkor-bench --partner ID FILE` does.
        let bytes = tokio::fs::read(file).await.with_context(|| format!("cannot read {}", file.display()))?;
        let options = ImportOptions {
            source: Some(SOURCE.to_owned()),
            file_name: file.file_name().map(|n| n.to_string_lossy().into_owned()),
            encoding: None,
            partner_id: partner.map(|p| partner_ids[p]),
            exchange_id: None,
        };
        let report = import::import(pool, &bytes, &options, |_| {})
            .await
            .with_context(|| format!("importing {} failed", file.display()))?;
        times.rejected += i64::from(report.rejected);
        done += report.read as u64;
        bar.set_position(done);
    }
    times.import_seconds = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    let imported = Instant::now();
    super::wait_for_index(pool, search).await?;
    times.searchable_after_seconds = imported.elapsed().as_secs_f64();
    for (_, file) in &files {
        let _ = std::fs::remove_file(file);
    }
    Ok(times)
}

/// Documents `start..end` as MARCXML, one file per origin partner.
fn write_chunk(seed: u64, start: u64, end: u64, dir: &Path) -> anyhow::Result<ChunkFiles> {
    let mut by_partner: Vec<Vec<crate::marc::Record>> = vec![Vec::new(); corpus::PARTNERS.len() + 1];
    for i in start..end {
        let generated = corpus::document(seed, i);
        let record = marc_for_export(&generated.description, Some(&format!("bench-{i:07}")), None);
        by_partner[generated.partner.map_or(corpus::PARTNERS.len(), |p| p)].push(record);
    }
    let mut files = Vec::new();
    for (p, records) in by_partner.iter().enumerate() {
        if records.is_empty() {
            continue;
        }
        let partner = (p < corpus::PARTNERS.len()).then_some(p);
        let name = match partner {
            Some(p) => format!("bench-{start:07}-partner{p}.xml"),
            None => format!("bench-{start:07}.xml"),
        };
        let path = dir.join(name);
        std::fs::write(&path, to_marcxml(records)).with_context(|| format!("cannot write {}", path.display()))?;
        files.push((partner, path));
    }
    Ok(files)
}
