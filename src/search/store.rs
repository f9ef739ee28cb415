//! The index directory: generations and the `current` pointer.
//!
//! ```text
//! <index dir>/current -> gen-0000000003     (symlink, swapped atomically by rename)
//! <index dir>/gen-0000000003/               (a tantivy index)
//! <index dir>/building-<pid>-<n>/           (a rebuild in progress)
//! ```
//! A rebuild writes a whole new generation, then points `current` at it with one rename,
//! so readers and the writer of the old generation keep working until they switch.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tantivy::Index;
use tantivy::directory::MmapDirectory;

use super::SearchError;
use super::analysis;
use super::schema::{self, Fields, SCHEMA_VERSION};

pub(super) const CURRENT: &str = "current";

/// What an index commit remembers: its schema version and how far it has read the log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    pub schema: u32,
    /// Every log row of a transaction below this id is applied.
    pub watermark: u64,
}

impl Payload {
    pub fn encode(self) -> String {
        serde_json::to_string(&self).unwrap_or_default()
    }

    pub(super) fn decode(text: &str) -> Option<Payload> {
        serde_json::from_str(text).ok()
    }
}

/// An opened generation.
pub struct Generation {
    pub index: Index,
    pub dir: PathBuf,
    /// What `current` pointed to when this generation was opened through it.
    pub target: PathBuf,
    pub payload: Payload,
}

fn io(context: &str, path: &Path) -> impl FnOnce(std::io::Error) -> SearchError {
    let context = format!("{context} {}", path.display());
    move |source| SearchError::Io { context, source }
}

/// Registers our analyzers on an index: tantivy stores only their names.
fn prepare(index: &Index) {
    analysis::register(index.tokenizers());
}

/// Opens the generation `current` points to, if there is a usable one of this schema version.
pub fn open_current(root: &Path) -> Option<Generation> {
    let target = std::fs::read_link(root.join(CURRENT)).ok()?;
    let dir = root.join(&target);
    let directory = MmapDirectory::open(&dir).ok()?;
    let index = Index::open(directory).ok()?;
    let payload = index.load_metas().ok()?.payload.as_deref().and_then(Payload::decode)?;
    if payload.schema != SCHEMA_VERSION || index.schema() != schema::build().schema {
        return None;
    }
    prepare(&index);
    Some(Generation { index, dir, target, payload })
}

/// Where `current` points now (to notice a swap made by another process).
pub fn current_target(root: &Path) -> Option<PathBuf> {
    std::fs::read_link(root.join(CURRENT)).ok()
}

/// Creates an empty index for a rebuild, in a directory no one else uses.
pub fn create_building(root: &Path) -> Result<(Index, PathBuf), SearchError> {
    std::fs::create_dir_all(root).map_err(io("cannot create the index directory", root))?;
    static SEQ: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = root.join(format!("building-{}-{n}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(io("cannot clear", &dir))?;
    }
    std::fs::create_dir_all(&dir).map_err(io("cannot create", &dir))?;
    let directory = MmapDirectory::open(&dir).map_err(|e| SearchError::Index(e.to_string()))?;
    let index =
        Index::create(directory, schema::build().schema, settings()).map_err(|e| SearchError::Index(e.to_string()))?;
    prepare(&index);
    Ok((index, dir))
}

/// A results page reads its 20 hits' copies from blocks of the document store, each
/// decompressed whole: blocks of 4 KB (two or three documents) rather than tantivy's
/// default 16 KB keep that reading close to the hits themselves.
fn settings() -> tantivy::IndexSettings {
    tantivy::IndexSettings { docstore_blocksize: 4096, ..tantivy::IndexSettings::default() }
}

/// Turns a finished build into the next generation and points `current` at it, atomically.
pub fn promote(root: &Path, building: &Path) -> Result<PathBuf, SearchError> {
    let (next, generation) = claim_generation(root)?;
    // The claimed (empty) directory is replaced by the build.
    std::fs::remove_dir(&generation).map_err(io("cannot prepare", &generation))?;
    std::fs::rename(building, &generation).map_err(io("cannot promote", building))?;
    let temporary = root.join(format!("{CURRENT}.{}", std::process::id()));
    let _ = std::fs::remove_file(&temporary);
    std::os::unix::fs::symlink(&next, &temporary).map_err(io("cannot link", &temporary))?;
    std::fs::rename(&temporary, root.join(CURRENT)).map_err(io("cannot swap", &root.join(CURRENT)))?;
    Ok(generation)
}

fn generation_number(name: &str) -> Option<u64> {
    name.strip_prefix("gen-")?.parse().ok()
}

/// Reserves the next generation name by creating its directory: two rebuilds finishing at
/// once (a server's and `hamkor reindex`'s) never pick the same one.
fn claim_generation(root: &Path) -> Result<(String, PathBuf), SearchError> {
    loop {
        let highest = std::fs::read_dir(root)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| generation_number(e.file_name().to_str()?))
            .max()
            .unwrap_or(0);
        let name = format!("gen-{:010}", highest + 1);
        let dir = root.join(&name);
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok((name, dir)),
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(err) => {
                return Err(SearchError::Io { context: format!("cannot create {}", dir.display()), source: err });
            }
        }
    }
}

/// Removes generations older than the current one (never `keep`, the one this process
/// serves, nor a newer one another process is about to swap in), and builds abandoned by
/// processes that are gone.
pub fn remove_stale(root: &Path, keep: &Path) {
    let current = current_target(root);
    let current_number = current.as_deref().and_then(|c| generation_number(c.to_str()?));
    for entry in std::fs::read_dir(root).into_iter().flatten().flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if entry.path() == keep || keep.ends_with(name) {
            continue;
        }
        let stale = if let Some(number) = generation_number(name) {
            current_number.is_some_and(|current| number < current)
        } else if let Some(rest) = name.strip_prefix("building-") {
            let pid = rest.split('-').next().and_then(|p| p.parse::<i32>().ok());
            // A build of this very process is one a crash left behind under a reused pid:
            // builds of this process that are running are never older than its last open.
            pid.is_some_and(|pid| pid == std::process::id() as i32 || !process_alive(pid))
        } else {
            false
        };
        if stale && let Err(err) = std::fs::remove_dir_all(entry.path()) {
            tracing::warn!(path = %entry.path().display(), error = %err, "cannot remove an old index generation");
        }
    }
}

fn process_alive(pid: i32) -> bool {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok()
}

pub fn fields() -> Fields {
    schema::build()
}
