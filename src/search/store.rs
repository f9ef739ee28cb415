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

const CURRENT: &str = "current";

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

    fn decode(text: &str) -> Option<Payload> {
        serde_json::from_str(text).ok()
    }
}

/// An opened generation.
pub struct Generation {
    pub index: Index,
    pub dir: PathBuf,
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
    let dir = root.join(target);
    let directory = MmapDirectory::open(&dir).ok()?;
    let index = Index::open(directory).ok()?;
    let payload = index.load_metas().ok()?.payload.as_deref().and_then(Payload::decode)?;
    if payload.schema != SCHEMA_VERSION || index.schema() != schema::build().schema {
        return None;
    }
    prepare(&index);
    Some(Generation { index, dir, payload })
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
    let index = Index::create(directory, schema::build().schema, tantivy::IndexSettings::default())
        .map_err(|e| SearchError::Index(e.to_string()))?;
    prepare(&index);
    Ok((index, dir))
}

/// Turns a finished build into the next generation and points `current` at it, atomically.
pub fn promote(root: &Path, building: &Path) -> Result<PathBuf, SearchError> {
    let next = next_generation_name(root);
    let generation = root.join(&next);
    std::fs::rename(building, &generation).map_err(io("cannot promote", building))?;
    let temporary = root.join(format!("{CURRENT}.{}", std::process::id()));
    let _ = std::fs::remove_file(&temporary);
    std::os::unix::fs::symlink(&next, &temporary).map_err(io("cannot link", &temporary))?;
    std::fs::rename(&temporary, root.join(CURRENT)).map_err(io("cannot swap", &root.join(CURRENT)))?;
    Ok(generation)
}

fn next_generation_name(root: &Path) -> String {
    let highest = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.strip_prefix("gen-")?.parse::<u64>().ok())
        .max()
        .unwrap_or(0);
    format!("gen-{:010}", highest + 1)
}

/// Removes generations other than the current one, and builds abandoned by processes that
/// are gone.
pub fn remove_stale(root: &Path) {
    let current = current_target(root);
    for entry in std::fs::read_dir(root).into_iter().flatten().flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let stale = if name.starts_with("gen-") {
            current.as_deref() != Some(Path::new(name))
        } else if let Some(rest) = name.strip_prefix("building-") {
            let pid = rest.split('-').next().and_then(|p| p.parse::<i32>().ok());
            pid.is_some_and(|pid| !process_alive(pid))
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
