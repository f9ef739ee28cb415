//! Creating the cluster and preparing its configuration, socket directory and
//! log before each start.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use super::error::{ClusterError, io_err};
use super::layout::{chown_opt, mkdir_mode};
use super::{ClusterOptions, EmbeddedCluster, PORT, SUPERUSER};

const CONF_FILE: &str = "hamkor.conf";
const CONF_INCLUDE: &str = "include_if_exists = 'hamkor.conf'";
/// Keeps the server log from growing without bound across many runs.
const LOG_ROTATE_BYTES: u64 = 16 * 1024 * 1024;

impl EmbeddedCluster {
    /// Runs initdb in a scratch directory and renames it into place, so an
    /// interrupted initdb never leaves a half-made cluster that later starts
    /// would trip over.
    pub(super) fn init(&self, options: ClusterOptions) -> Result<(), ClusterError> {
        let target = &self.layout.cluster_dir;
        // A symlink the user made (say, to a faster disk) must survive: the
        // cluster goes where it points.
        let destination = match fs::symlink_metadata(target) {
            Ok(meta) if meta.file_type().is_symlink() => {
                fs::canonicalize(target).map_err(io_err(format!("resolving symlink {}", target.display())))?
            }
            _ => target.clone(),
        };
        // An empty directory in the way (say, created by hand) is harmless;
        // anything else might be someone's data.
        match fs::symlink_metadata(&destination) {
            Ok(meta) if meta.is_dir() => {
                if fs::read_dir(&destination)
                    .map_err(io_err(format!("listing {}", destination.display())))?
                    .next()
                    .is_some()
                {
                    return Err(ClusterError::NotACluster { path: destination });
                }
            }
            Ok(_) => return Err(ClusterError::NotACluster { path: destination }),
            Err(_) => {}
        }
        let mut scratch_name = destination.file_name().unwrap_or_default().to_os_string();
        scratch_name.push(".initdb-tmp");
        let scratch = destination.with_file_name(scratch_name);
        let fresh_scratch = || -> Result<(), ClusterError> {
            if fs::symlink_metadata(&scratch).is_ok() {
                fs::remove_dir_all(&scratch).map_err(io_err(format!("removing {}", scratch.display())))?;
            }
            mkdir_mode(&scratch, 0o700)?;
            chown_opt(self.user.as_ref(), &scratch)
        };
        tracing::info!(cluster = %destination.display(), bin = %self.bins.dir.display(), "creating PostgreSQL cluster");

        let initdb = |locale: &str| {
            let mut cmd = self.server_command(self.bins.program("initdb"));
            cmd.arg("-D")
                .arg(&scratch)
                .args(["--auth=trust", "--encoding=UTF8", "--no-instructions"])
                .arg(format!("--username={SUPERUSER}"))
                .arg(locale);
            if !options.durable {
                cmd.arg("--no-sync");
            }
            self.run(cmd, None)
        };
        fresh_scratch()?;
        if let Err(err) = initdb("--locale=C.UTF-8") {
            // Some systems (older macOS, minimal containers) lack C.UTF-8.
            tracing::info!(%err, "initdb with locale C.UTF-8 failed; retrying with --no-locale");
            fresh_scratch()?;
            initdb("--no-locale")?;
        }

        if destination.is_dir() {
            fs::remove_dir(&destination).map_err(io_err(format!("removing empty {}", destination.display())))?;
        }
        fs::rename(&scratch, &destination)
            .map_err(io_err(format!("moving the new cluster to {}", destination.display())))
    }

    /// Our settings live in their own file, rewritten at every start, so that
    /// a moved data dir or a different `durable` choice takes effect and
    /// `ALTER SYSTEM` (postgresql.auto.conf, read later) still overrides them.
    pub(super) fn write_config(&self, options: ClusterOptions) -> Result<(), ClusterError> {
        let cluster = &self.layout.cluster_dir;
        let main_conf = cluster.join("postgresql.conf");
        let current = fs::read_to_string(&main_conf).map_err(io_err(format!("reading {}", main_conf.display())))?;
        if !current.lines().any(|l| l.trim() == CONF_INCLUDE) {
            let mut file = OpenOptions::new()
                .append(true)
                .open(&main_conf)
                .map_err(io_err(format!("opening {}", main_conf.display())))?;
            writeln!(file, "\n# Settings managed by hamkor\n{CONF_INCLUDE}")
                .map_err(io_err(format!("writing {}", main_conf.display())))?;
        }

        // unix_socket_directories is a comma-separated list; double quotes
        // keep a path containing commas or spaces in one piece.
        let socket_dir = format!("\"{}\"", utf8(&self.layout.socket_dir)?.replace('"', "\"\""));
        let mut conf = String::from("# Written by hamkor at every server start; edits are lost.\n");
        conf.push_str("listen_addresses = ''\n");
        conf.push_str(&format!("port = {PORT}\n"));
        conf.push_str(&format!("unix_socket_directories = {}\n", conf_quote(&socket_dir)));
        conf.push_str("max_connections = 200\n");
        if self.bins.has_pg_stat_statements() {
            conf.push_str("shared_preload_libraries = 'pg_stat_statements'\n");
        }
        if !options.durable {
            conf.push_str("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n");
        }
        let path = cluster.join(CONF_FILE);
        fs::write(&path, conf).map_err(io_err(format!("writing {}", path.display())))?;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600))
            .map_err(io_err(format!("setting permissions of {}", path.display())))?;
        chown_opt(self.user.as_ref(), &path)
    }

    pub(super) fn prepare_socket_dir(&self) -> Result<(), ClusterError> {
        let dir = &self.layout.socket_dir;
        let owner = self.user.map_or_else(|| nix::unistd::geteuid().as_raw(), |u| u.uid);
        if self.layout.socket_in_tmp {
            // /tmp is shared: never follow a symlink or adopt a directory
            // someone else planted at our predictable name.
            match fs::symlink_metadata(dir) {
                Ok(meta) => {
                    let wrong = if !meta.is_dir() {
                        Some("it is not a directory")
                    } else if meta.uid() != owner && meta.uid() != nix::unistd::geteuid().as_raw() {
                        Some("it is owned by another user")
                    } else {
                        None
                    };
                    if let Some(reason) = wrong {
                        return Err(ClusterError::UnsafeSocketDir { path: dir.clone(), reason: reason.to_owned() });
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_err(format!("inspecting {}", dir.display()))(e)),
            }
        }
        mkdir_mode(dir, 0o700)?;
        chown_opt(self.user.as_ref(), dir)
    }

    /// pg_ctl opens the log as the server user, which may not be allowed to
    /// create files in the data dir, so we create it and hand it over.
    pub(super) fn prepare_log(&self) -> Result<(), ClusterError> {
        let log = &self.layout.log_file;
        if fs::metadata(log).is_ok_and(|m| m.len() > LOG_ROTATE_BYTES) {
            let _ = fs::rename(log, log.with_extension("log.1"));
        }
        OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(log)
            .map_err(io_err(format!("creating {}", log.display())))?;
        chown_opt(self.user.as_ref(), log)
    }
}

pub(super) fn read_pg_version(cluster_dir: &Path) -> Result<Option<u32>, ClusterError> {
    let path = cluster_dir.join("PG_VERSION");
    match fs::read_to_string(&path) {
        Ok(text) => {
            text.trim().parse().map(Some).map_err(|_| ClusterError::NotACluster { path: cluster_dir.to_path_buf() })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err(format!("reading {}", path.display()))(e)),
    }
}

fn utf8(path: &Path) -> Result<&str, ClusterError> {
    path.to_str().ok_or_else(|| ClusterError::Io {
        context: format!("path {} is not valid UTF-8", path.display()),
        source: std::io::ErrorKind::InvalidInput.into(),
    })
}

/// A value inside a single-quoted postgresql.conf string.
pub(super) fn conf_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}
