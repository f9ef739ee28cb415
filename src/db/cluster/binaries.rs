//! Finding the PostgreSQL server binaries and checking their version.

use std::ffi::OsString;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::error::{ClusterError, io_err};
use super::{MIN_MAJOR_VERSION, PG_BIN_ENV};

/// The PostgreSQL installation we drive.
#[derive(Debug, Clone)]
pub(super) struct Binaries {
    pub(super) dir: PathBuf,
    pub(super) major: u32,
}

impl Binaries {
    pub(super) fn program(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Directory holding server modules, for detecting `pg_stat_statements`.
    fn pkglibdir(&self) -> Vec<PathBuf> {
        let mut dirs = Vec::new();
        let pg_config = self.program("pg_config");
        if let Ok(out) = Command::new(&pg_config).arg("--pkglibdir").stdin(Stdio::null()).output()
            && out.status.success()
        {
            let text = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            if !text.is_empty() {
                dirs.push(PathBuf::from(text));
            }
        }
        if let Some(prefix) = self.dir.parent() {
            dirs.push(prefix.join("lib"));
            dirs.push(prefix.join("lib/postgresql"));
        }
        dirs
    }

    pub(super) fn has_pg_stat_statements(&self) -> bool {
        self.pkglibdir().iter().any(|dir| dir.join("pg_stat_statements.so").is_file())
    }
}

/// Inputs of the binary search, separated from the process environment so
/// tests can exercise it without touching global env vars.
#[derive(Debug, Clone, Default)]
pub(super) struct BinSearch {
    /// `HAMKOR_PG_BIN`; when set it is the only place looked at.
    pub(super) explicit: Option<PathBuf>,
    /// `PATH`.
    pub(super) path: Option<OsString>,
    /// `(parent, entry prefix)`: candidates are `<parent>/<prefix><version>/bin`.
    pub(super) versioned_roots: Vec<(PathBuf, String)>,
}

impl BinSearch {
    pub(super) fn from_env() -> Self {
        Self {
            explicit: std::env::var_os(PG_BIN_ENV).filter(|v| !v.is_empty()).map(PathBuf::from),
            path: std::env::var_os("PATH"),
            versioned_roots: vec![
                (PathBuf::from("/usr/lib/postgresql"), String::new()),
                (PathBuf::from("/usr"), "pgsql-".to_owned()),
                (PathBuf::from("/opt/homebrew/opt"), "postgresql@".to_owned()),
                (PathBuf::from("/usr/local/opt"), "postgresql@".to_owned()),
            ],
        }
    }

    /// Candidate bin directories in order of preference.
    fn candidates(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        if let Some(path) = &self.path {
            out.extend(std::env::split_paths(path).filter(|d| d.is_absolute()));
        }
        for (parent, prefix) in &self.versioned_roots {
            let Ok(entries) = fs::read_dir(parent) else {
                continue;
            };
            let mut found: Vec<(Vec<u32>, PathBuf)> = entries
                .flatten()
                .filter_map(|entry| {
                    let name = entry.file_name().into_string().ok()?;
                    let version = name.strip_prefix(prefix.as_str())?;
                    let key: Vec<u32> = version.split('.').map(|part| part.parse().ok()).collect::<Option<_>>()?;
                    Some((key, entry.path().join("bin")))
                })
                .collect();
            found.sort_by(|a, b| b.0.cmp(&a.0));
            out.extend(found.into_iter().map(|(_, dir)| dir));
        }
        out
    }

    /// Picks the installation to use. With `prefer_major` (the version of an
    /// existing cluster) a matching installation wins over a newer one, so
    /// installing a new PostgreSQL next to the old one does not break the
    /// existing cluster.
    pub(super) fn find(&self, prefer_major: Option<u32>) -> Result<Binaries, ClusterError> {
        let not_found = |searched: String| ClusterError::BinariesNotFound { searched };
        if let Some(dir) = &self.explicit {
            if !has_server_programs(dir) {
                return Err(not_found(format!("{PG_BIN_ENV}={} (it has no initdb and pg_ctl)", dir.display())));
            }
            let dir = real_bin_dir(dir);
            let major = probe_version(&dir)?;
            if major < MIN_MAJOR_VERSION {
                return Err(too_old(&dir, major));
            }
            return Ok(Binaries { dir, major });
        }

        let mut first_ok: Option<Binaries> = None;
        let mut too_old_err = None;
        let mut seen = Vec::new();
        for dir in self.candidates() {
            if !has_server_programs(&dir) {
                continue;
            }
            let dir = real_bin_dir(&dir);
            if seen.contains(&dir) {
                continue;
            }
            seen.push(dir.clone());
            let major = match probe_version(&dir) {
                Ok(major) => major,
                Err(err) => {
                    tracing::debug!(dir = %dir.display(), %err, "skipping PostgreSQL candidate");
                    continue;
                }
            };
            if major < MIN_MAJOR_VERSION {
                too_old_err.get_or_insert_with(|| too_old(&dir, major));
                continue;
            }
            let bins = Binaries { dir, major };
            if prefer_major.is_none_or(|want| want == major) {
                return Ok(bins);
            }
            first_ok.get_or_insert(bins);
        }
        if let Some(bins) = first_ok {
            return Ok(bins);
        }
        if let Some(err) = too_old_err {
            return Err(err);
        }
        let mut searched = vec![format!("{PG_BIN_ENV} (not set)"), "PATH".to_owned()];
        searched
            .extend(self.versioned_roots.iter().map(|(parent, prefix)| format!("{}/{prefix}*/bin", parent.display())));
        Err(not_found(searched.join(", ")))
    }
}

fn too_old(dir: &Path, major: u32) -> ClusterError {
    ClusterError::VersionTooOld { dir: dir.to_path_buf(), found: major.to_string(), required: MIN_MAJOR_VERSION }
}

fn is_executable(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.mode() & 0o111 != 0)
}

/// `/usr/local/bin/pg_ctl` is often a symlink into the real installation;
/// its own directory is where `pg_config` and `../lib` (for server modules)
/// are found, and it is where pg_ctl itself looks for `postgres`.
fn real_bin_dir(dir: &Path) -> PathBuf {
    fs::canonicalize(dir.join("pg_ctl"))
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| dir.to_path_buf())
}

fn has_server_programs(dir: &Path) -> bool {
    is_executable(&dir.join("initdb")) && is_executable(&dir.join("pg_ctl"))
}

fn probe_version(dir: &Path) -> Result<u32, ClusterError> {
    let program = dir.join("pg_ctl");
    let out = Command::new(&program)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(io_err(format!("running {} --version", program.display())))?;
    let text = String::from_utf8_lossy(&out.stdout);
    parse_major_version(&text).ok_or_else(|| ClusterError::UnknownVersion { program, output: text.trim().to_owned() })
}

/// Parses `pg_ctl (PostgreSQL) 15.18 (Debian ...)` or `postgres (PostgreSQL) 17beta1`.
pub(super) fn parse_major_version(text: &str) -> Option<u32> {
    let rest = text.split_once("(PostgreSQL)")?.1.trim_start();
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}
