//! A private PostgreSQL cluster run from the system's PostgreSQL server binaries.
//!
//! Without `DATABASE_URL`, every hamkor command needs a database nobody had to
//! set up. Instead of bundling PostgreSQL we drive the server binaries that the
//! package manager installed (`initdb`, `pg_ctl`), keep the cluster inside the
//! hamkor data directory and talk to it over a Unix socket only, so nothing
//! else on the machine can reach it and no TCP port can clash.
//!
//! Several hamkor processes (serve, migrate, seed, import, ...) may use the same
//! data directory at once. They coordinate through `<data_dir>/postgres.lock`
//! (an exclusive `flock`, held only while starting/stopping) and a registry of
//! users in `<data_dir>/postgres.users/`: the first process in starts the
//! server, the last one out stops it, and registrations of processes that died
//! without releasing are pruned so they cannot keep the server alive forever.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};
use nix::sys::signal::kill;
use nix::unistd::{Pid, User};
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};

/// Superuser created by `initdb`; trust authentication over a private socket
/// means no password is involved.
pub const SUPERUSER: &str = "hamkor";
/// Database that [`EmbeddedCluster::acquire`] guarantees to exist.
pub const DEFAULT_DATABASE: &str = "hamkor";
/// Oldest PostgreSQL major version we support (the SQL in migrations relies on it).
pub const MIN_MAJOR_VERSION: u32 = 14;
/// Environment variable naming a directory that holds `initdb` and `pg_ctl`.
pub const PG_BIN_ENV: &str = "HAMKOR_PG_BIN";

/// The server never listens on TCP; the port only names the socket file.
const PORT: u16 = 5432;
const SOCKET_FILE: &str = ".s.PGSQL.5432";
/// `sun_path` is 108 bytes including the terminating NUL.
const MAX_SOCKET_PATH: usize = 107;
/// Where clusters go when the `postgres` user cannot reach the data directory.
const RELOCATION_ROOT: &str = "/var/lib/hamkor/clusters";
const SERVER_USER: &str = "postgres";
/// Generous, but bounded: a peer waiting on our lock waits at most this long.
const PG_CTL_TIMEOUT_SECS: u32 = 60;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
const CONF_FILE: &str = "hamkor.conf";
const CONF_INCLUDE: &str = "include_if_exists = 'hamkor.conf'";
/// Keeps the server log from growing without bound across many runs.
const LOG_ROTATE_BYTES: u64 = 16 * 1024 * 1024;

/// How to run the cluster. The options of the process that starts the server
/// win; later processes share whatever is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClusterOptions {
    /// `false` trades crash safety for speed (fsync off etc.): only for
    /// throwaway test clusters.
    pub durable: bool,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        Self { durable: true }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(
        "no PostgreSQL server binaries (initdb and pg_ctl) found; searched: {searched}.\n\
         Without DATABASE_URL, hamkor runs its own private PostgreSQL ({MIN_MAJOR_VERSION} or newer) \
         and needs the server programs installed. Either:\n  \
         - install the PostgreSQL server: Debian/Ubuntu `apt-get install postgresql`, \
         Fedora `dnf install postgresql-server`, macOS `brew install postgresql@16`;\n  \
         - or set {PG_BIN_ENV} to the directory that holds initdb and pg_ctl;\n  \
         - or set DATABASE_URL to use an existing PostgreSQL server."
    )]
    BinariesNotFound { searched: String },

    #[error(
        "PostgreSQL server binaries in {} are version {found}, but hamkor needs PostgreSQL \
         {required} or newer. Install a newer server (Debian/Ubuntu `apt-get install postgresql`, \
         Fedora `dnf install postgresql-server`, macOS `brew install postgresql@16`), set \
         {PG_BIN_ENV} to its bin directory, or set DATABASE_URL to use an existing server.",
        dir.display()
    )]
    VersionTooOld { dir: PathBuf, found: String, required: u32 },

    #[error(
        "could not determine the PostgreSQL version of {}: `{output}`",
        program.display()
    )]
    UnknownVersion { program: PathBuf, output: String },

    #[error(
        "the cluster in {} was created by PostgreSQL {cluster_major}, but the binaries in {} \
         are PostgreSQL {binaries_major}. Point {PG_BIN_ENV} at PostgreSQL {cluster_major} \
         binaries, upgrade the cluster with pg_upgrade, or remove it to start afresh.",
        cluster_dir.display(),
        bin_dir.display()
    )]
    VersionMismatch { cluster_dir: PathBuf, cluster_major: u32, bin_dir: PathBuf, binaries_major: u32 },

    #[error(
        "hamkor is running as root and PostgreSQL refuses to run as root, so the private \
         server must run as the `{SERVER_USER}` system user, but there is no such user. \
         Create it (Debian/Ubuntu: `adduser --system --group {SERVER_USER}`, elsewhere: \
         `useradd --system {SERVER_USER}`), run hamkor as a normal user, or set DATABASE_URL \
         to use an existing server."
    )]
    NoPostgresUser,

    #[error(
        "{} exists but is not a PostgreSQL cluster (no PG_VERSION); move it away so hamkor \
         can create its cluster there",
        path.display()
    )]
    NotACluster { path: PathBuf },

    #[error("refusing to use socket directory {}: {reason}", path.display())]
    UnsafeSocketDir { path: PathBuf, reason: String },

    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    #[error("`{command}` failed ({status})\n{log_tail}")]
    CommandFailed { command: String, status: String, log_tail: String },

    #[error(
        "could not connect to the private PostgreSQL server at {} within {} s: {last_error}",
        socket_dir.display(),
        CONNECT_TIMEOUT.as_secs()
    )]
    ConnectTimeout { socket_dir: PathBuf, last_error: String },

    #[error(transparent)]
    Sql(#[from] sqlx::Error),
}

fn io_err(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> ClusterError {
    let context = context.into();
    move |source| ClusterError::Io { context, source }
}

fn errno_err(context: impl Into<String>) -> impl FnOnce(Errno) -> ClusterError {
    let context = context.into();
    move |errno| ClusterError::Io { context, source: errno.into() }
}

/// The unprivileged account the server runs as when we are root.
#[derive(Debug, Clone, Copy)]
struct ServerUser {
    uid: u32,
    gid: u32,
}

impl ServerUser {
    /// `None` means: run everything as ourselves.
    fn detect() -> Result<Option<Self>, ClusterError> {
        if !nix::unistd::geteuid().is_root() {
            return Ok(None);
        }
        match User::from_name(SERVER_USER) {
            Ok(Some(user)) => Ok(Some(Self { uid: user.uid.as_raw(), gid: user.gid.as_raw() })),
            Ok(None) => Err(ClusterError::NoPostgresUser),
            Err(errno) => Err(errno_err(format!("looking up the `{SERVER_USER}` user"))(errno)),
        }
    }

    /// Whether this user may search (`x`) `dir`. Only the primary group counts:
    /// std's `CommandExt::uid` drops supplementary groups when it switches user,
    /// so the server never has them. ACLs are not consulted.
    fn can_search(&self, meta: &fs::Metadata) -> bool {
        let mode = meta.mode();
        if meta.uid() == self.uid {
            mode & 0o100 != 0
        } else if meta.gid() == self.gid {
            mode & 0o010 != 0
        } else {
            mode & 0o001 != 0
        }
    }

    fn can_reach(&self, dir: &Path) -> Result<bool, ClusterError> {
        for ancestor in dir.ancestors() {
            let meta = fs::metadata(ancestor).map_err(io_err(format!("inspecting {}", ancestor.display())))?;
            if !self.can_search(&meta) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn chown(&self, path: &Path) -> Result<(), ClusterError> {
        std::os::unix::fs::chown(path, Some(self.uid), Some(self.gid))
            .map_err(io_err(format!("giving {} to `{SERVER_USER}`", path.display())))
    }
}

fn chown_opt(user: Option<&ServerUser>, path: &Path) -> Result<(), ClusterError> {
    match user {
        Some(user) => user.chown(path),
        None => Ok(()),
    }
}

/// The PostgreSQL installation we drive.
#[derive(Debug, Clone)]
struct Binaries {
    dir: PathBuf,
    major: u32,
}

impl Binaries {
    fn program(&self, name: &str) -> PathBuf {
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

    fn has_pg_stat_statements(&self) -> bool {
        self.pkglibdir().iter().any(|dir| dir.join("pg_stat_statements.so").is_file())
    }
}

/// Inputs of the binary search, separated from the process environment so
/// tests can exercise it without touching global env vars.
#[derive(Debug, Clone, Default)]
struct BinSearch {
    /// `HAMKOR_PG_BIN`; when set it is the only place looked at.
    explicit: Option<PathBuf>,
    /// `PATH`.
    path: Option<OsString>,
    /// `(parent, entry prefix)`: candidates are `<parent>/<prefix><version>/bin`.
    versioned_roots: Vec<(PathBuf, String)>,
}

impl BinSearch {
    fn from_env() -> Self {
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
    fn find(&self, prefer_major: Option<u32>) -> Result<Binaries, ClusterError> {
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
fn parse_major_version(text: &str) -> Option<u32> {
    let rest = text.split_once("(PostgreSQL)")?.1.trim_start();
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// FNV-1a: stable across Rust releases and machines, unlike `DefaultHasher`,
/// which matters because the hash names directories that outlive the process.
fn path_hash(path: &Path) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in path.as_os_str().as_encoded_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

fn utf8(path: &Path) -> Result<&str, ClusterError> {
    path.to_str().ok_or_else(|| ClusterError::Io {
        context: format!("path {} is not valid UTF-8", path.display()),
        source: std::io::ErrorKind::InvalidInput.into(),
    })
}

/// A value inside a single-quoted postgresql.conf string.
fn conf_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// `CREATE DATABASE` cannot take a bind parameter.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn mkdir_mode(path: &Path, mode: u32) -> Result<(), ClusterError> {
    match fs::DirBuilder::new().mode(mode).create(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io_err(format!("creating {}", path.display()))(e)),
    }
    // The umask may have narrowed the mode, and an existing directory keeps
    // whatever it had.
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(io_err(format!("setting permissions of {}", path.display())))
}

/// Where each part of the cluster lives for one data directory.
#[derive(Debug, Clone)]
struct Layout {
    data_dir: PathBuf,
    cluster_dir: PathBuf,
    socket_dir: PathBuf,
    log_file: PathBuf,
    /// Set when the cluster lives under [`RELOCATION_ROOT`]; removed along
    /// with the data dir by [`EmbeddedCluster::stop_when_process_exits`].
    relocated: Option<PathBuf>,
    /// The socket dir is a `/tmp` fallback, removed when the server stops.
    socket_in_tmp: bool,
}

impl Layout {
    fn lock_file(&self) -> PathBuf {
        self.data_dir.join("postgres.lock")
    }

    fn users_dir(&self) -> PathBuf {
        self.data_dir.join("postgres.users")
    }

    fn postmaster_pid(&self) -> PathBuf {
        self.cluster_dir.join("postmaster.pid")
    }

    /// Must run under the lock: it may create the relocation symlink.
    fn resolve(data_dir: &Path, user: Option<&ServerUser>) -> Result<Self, ClusterError> {
        let link = data_dir.join("postgres");
        let mut relocated = None;
        match fs::symlink_metadata(&link) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = fs::read_link(&link).map_err(io_err(format!("reading symlink {}", link.display())))?;
                let target = data_dir.join(target);
                // A symlink the user made themselves (say, to a faster disk) is
                // just the cluster directory; only our own relocations carry the
                // socket and log along.
                if target.starts_with(RELOCATION_ROOT)
                    && let Some(container) = target.parent()
                {
                    relocated = Some(container.to_path_buf());
                }
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(user) = user
                    && !user.can_reach(data_dir)?
                {
                    relocated = Some(Self::relocate(data_dir, &link, user)?);
                }
            }
            Err(e) => return Err(io_err(format!("inspecting {}", link.display()))(e)),
        }

        if let Some(container) = relocated {
            return Ok(Self {
                data_dir: data_dir.to_path_buf(),
                cluster_dir: container.join("data"),
                socket_dir: container.join("run"),
                log_file: container.join("postgres.log"),
                relocated: Some(container),
                socket_in_tmp: false,
            });
        }

        let mut socket_dir = data_dir.join("run");
        let mut socket_in_tmp = false;
        // A Unix socket path must fit in sun_path (107 bytes plus NUL), and
        // deep data directories (CI checkouts, tempdirs) easily exceed that.
        // Then the socket goes to a short per-data-dir directory in /tmp, named
        // by a hash of the canonical data dir so every process agrees on it.
        if socket_dir.as_os_str().len() + 1 + SOCKET_FILE.len() > MAX_SOCKET_PATH {
            socket_dir = PathBuf::from(format!("/tmp/hamkor-{}", path_hash(data_dir)));
            socket_in_tmp = true;
        }
        Ok(Self {
            data_dir: data_dir.to_path_buf(),
            cluster_dir: link,
            socket_dir,
            log_file: data_dir.join("postgres.log"),
            relocated: None,
            socket_in_tmp,
        })
    }

    /// The `postgres` user cannot traverse some parent of the data dir (a
    /// checkout under /root, a 0700 tempdir): keep the cluster where it can,
    /// and leave a symlink so later runs find it without re-checking.
    fn relocate(data_dir: &Path, link: &Path, user: &ServerUser) -> Result<PathBuf, ClusterError> {
        let root = Path::new(RELOCATION_ROOT);
        if let Some(var_lib) = root.parent().and_then(Path::parent) {
            fs::create_dir_all(var_lib).map_err(io_err(format!("creating {}", var_lib.display())))?;
        }
        // Explicit modes: a restrictive umask (077 is common for root) would
        // otherwise make these unreachable for the server user too.
        if let Some(hamkor) = root.parent() {
            mkdir_mode(hamkor, 0o755)?;
        }
        mkdir_mode(root, 0o755)?;
        let container = root.join(path_hash(data_dir));
        mkdir_mode(&container, 0o700)?;
        user.chown(&container)?;
        let target = container.join("data");
        std::os::unix::fs::symlink(&target, link).map_err(io_err(format!(
            "linking {} to {}",
            link.display(),
            target.display()
        )))?;
        // Purely for humans looking for the log in the data dir.
        let _ = std::os::unix::fs::symlink(container.join("postgres.log"), data_dir.join("postgres.log"));
        tracing::info!(
            data_dir = %data_dir.display(),
            cluster = %target.display(),
            "the `{SERVER_USER}` user cannot reach the data directory; keeping the PostgreSQL cluster in {} (symlinked from {})",
            target.display(),
            link.display()
        );
        Ok(container)
    }
}

/// Holds `<data_dir>/postgres.lock` until dropped.
struct LockGuard {
    _lock: Flock<File>,
}

impl LockGuard {
    fn take(path: &Path) -> Result<Self, ClusterError> {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o644)
            .open(path)
            .map_err(io_err(format!("opening {}", path.display())))?;
        loop {
            match Flock::lock(file, FlockArg::LockExclusive) {
                Ok(lock) => return Ok(Self { _lock: lock }),
                Err((f, Errno::EINTR)) => file = f,
                Err((_, errno)) => {
                    return Err(errno_err(format!("locking {}", path.display()))(errno));
                }
            }
        }
    }
}

/// Distinguishes several handles of one process on the same data dir.
static HANDLE_SEQ: AtomicU64 = AtomicU64::new(0);

/// Start time of a process in clock ticks since boot (Linux only). Stored in
/// registrations so a recycled pid is not mistaken for the registered process.
fn process_start_time(pid: u32) -> Option<String> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may itself contain spaces and parentheses.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19).map(str::to_owned)
}

fn registration_alive(name: &str, content: &str) -> bool {
    let Some(pid) = name.split('-').next().and_then(|pid| pid.parse::<i32>().ok()).filter(|pid| *pid > 0) else {
        // Not a name we write; junk must not pin the server.
        return false;
    };
    match kill(Pid::from_raw(pid), None) {
        Ok(()) | Err(Errno::EPERM) => {}
        Err(_) => return false,
    }
    let recorded = content.trim();
    match (recorded.is_empty(), u32::try_from(pid).ok().and_then(process_start_time)) {
        (false, Some(now)) => now == recorded,
        _ => true,
    }
}

/// Removes registrations of dead processes; returns how many live ones remain.
fn prune_registrations(users_dir: &Path) -> Result<usize, ClusterError> {
    let entries = match fs::read_dir(users_dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(io_err(format!("listing {}", users_dir.display()))(e)),
    };
    let mut alive = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let content = fs::read_to_string(entry.path()).unwrap_or_default();
        if registration_alive(&name, &content) {
            alive += 1;
        } else {
            tracing::debug!(registration = %name, "pruning registration of a dead process");
            let _ = fs::remove_file(entry.path());
        }
    }
    Ok(alive)
}

fn tail_of_file(path: &Path, max_lines: usize) -> String {
    let Ok(mut file) = File::open(path) else {
        return String::new();
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = file.seek(SeekFrom::Start(len.saturating_sub(8192)));
    let mut buf = Vec::new();
    let _ = file.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(max_lines)..].join("\n")
}

fn describe(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|s| s.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A running private PostgreSQL cluster, shared by every process that
/// acquired it. Call [`EmbeddedCluster::release`] when done.
#[derive(Debug)]
pub struct EmbeddedCluster {
    layout: Layout,
    bins: Binaries,
    user: Option<ServerUser>,
    /// Our entry in the users registry; `None` once released.
    registration: Option<PathBuf>,
}

impl EmbeddedCluster {
    /// Makes sure the cluster in `<data_dir>/postgres` exists and runs (creating
    /// and starting it if needed), registers this process as a user and makes
    /// sure the [`DEFAULT_DATABASE`] database exists.
    pub async fn acquire(data_dir: &Path, options: ClusterOptions) -> Result<Self, ClusterError> {
        let data_dir = data_dir.to_path_buf();
        let search = BinSearch::from_env();
        let cluster = run_blocking(move || Self::acquire_blocking(&data_dir, options, &search)).await?;
        if let Err(err) = cluster.ensure_database(DEFAULT_DATABASE).await {
            if let Err(release_err) = cluster.release().await {
                tracing::warn!(%release_err, "releasing the PostgreSQL cluster after a failed acquire");
            }
            return Err(err);
        }
        Ok(cluster)
    }

    /// Options for connecting to `database` over the private socket as the
    /// superuser.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new_without_pgpass()
            .socket(&self.layout.socket_dir)
            .port(PORT)
            .username(SUPERUSER)
            .database(database)
            // Unix sockets never do TLS; an inherited PGSSLMODE=require must not
            // make the connection fail.
            .ssl_mode(PgSslMode::Disable)
    }

    /// Creates database `name` unless it exists. Safe to race with other
    /// processes doing the same.
    pub async fn ensure_database(&self, name: &str) -> Result<(), ClusterError> {
        let mut conn = self.connect_with_retry("postgres").await?;
        let result = async {
            let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
                .bind(name)
                .fetch_optional(&mut conn)
                .await?;
            if exists.is_some() {
                return Ok(());
            }
            let sql = format!("CREATE DATABASE {}", quote_ident(name));
            match sqlx::query(&sql).execute(&mut conn).await {
                Ok(_) => {
                    tracing::info!(database = name, "created database");
                    Ok(())
                }
                // Another process created it between our check and our CREATE:
                // 42P04 duplicate_database, or 23505 when both inserts hit the
                // catalog's unique index at the same moment.
                Err(sqlx::Error::Database(db)) if matches!(db.code().as_deref(), Some("42P04" | "23505")) => Ok(()),
                Err(e) => Err(ClusterError::Sql(e)),
            }
        }
        .await;
        let _ = conn.close().await;
        result
    }

    /// Directory holding the server's Unix socket.
    pub fn socket_dir(&self) -> &Path {
        &self.layout.socket_dir
    }

    /// The PostgreSQL data directory (may be reached through a symlink).
    pub fn cluster_dir(&self) -> &Path {
        &self.layout.cluster_dir
    }

    /// Major version of the PostgreSQL binaries in use.
    pub fn server_major_version(&self) -> u32 {
        self.bins.major
    }

    /// Unregisters this process; the last user out stops the server.
    pub async fn release(self) -> Result<(), ClusterError> {
        run_blocking(move || {
            let mut this = self;
            this.release_blocking()
        })
        .await
    }

    /// Ties the server's life to this process, for test suites: a watchdog
    /// child stops it (immediate mode) as soon as this process exits for any
    /// reason, including SIGKILL, and optionally deletes the data dir. The
    /// server is stopped even if other processes still use it.
    pub fn stop_when_process_exits(mut self, remove_data_dir: bool) {
        // Our registration stays in place so that releases of other handles in
        // this process don't stop the server early; once we are dead it is
        // pruned like any other.
        self.registration = None;
        if let Err(err) = self.spawn_watchdog(remove_data_dir) {
            tracing::error!(%err, "could not start the PostgreSQL watchdog; the server will outlive this process");
        }
    }

    fn spawn_watchdog(&self, remove_data_dir: bool) -> Result<(), ClusterError> {
        // The parent keeps the write end open for the rest of its life, never
        // writing: the watchdogs see EOF on stdin exactly when the parent is
        // gone, however it died. std creates the pipe close-on-exec, so no
        // other child inherits the write end and delays the EOF.
        let (reader, writer) = std::io::pipe().map_err(io_err("creating the watchdog pipe"))?;
        let wait_for_eof = "trap '' HUP INT TERM; cat >/dev/null";

        // pg_ctl must run as the server user, while deleting the data dir needs
        // our own rights (it holds files owned by us), so those are two
        // watchdogs sharing one pipe; the remover waits for the server to go.
        let pg_ctl = self.bins.program("pg_ctl");
        let mut stopper = self.server_command("sh");
        stopper
            .arg("-c")
            .arg(format!("{wait_for_eof}; exec \"$0\" stop -D \"$1\" -m immediate -w -t 30 -s"))
            .arg(&pg_ctl)
            .arg(&self.layout.cluster_dir);
        spawn_detached(&mut stopper, reader.try_clone().map_err(io_err("duplicating the watchdog pipe"))?)?;

        if remove_data_dir {
            let mut remover = Command::new("sh");
            remover
                .arg("-c")
                .arg(format!(
                    "{wait_for_eof}; i=0; while [ -e \"$0\" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; rm -rf \"$@\""
                ))
                .arg(self.layout.postmaster_pid())
                .arg(&self.layout.data_dir)
                .current_dir("/");
            if let Some(container) = &self.layout.relocated {
                remover.arg(container);
            }
            if self.layout.socket_in_tmp {
                remover.arg(&self.layout.socket_dir);
            }
            spawn_detached(&mut remover, reader)?;
        } else {
            drop(reader);
        }
        std::mem::forget(writer);
        Ok(())
    }

    fn acquire_blocking(data_dir: &Path, options: ClusterOptions, search: &BinSearch) -> Result<Self, ClusterError> {
        fs::create_dir_all(data_dir).map_err(io_err(format!("creating {}", data_dir.display())))?;
        let data_dir = fs::canonicalize(data_dir).map_err(io_err(format!("resolving {}", data_dir.display())))?;
        let user = ServerUser::detect()?;

        let _lock = LockGuard::take(&data_dir.join("postgres.lock"))?;
        let layout = Layout::resolve(&data_dir, user.as_ref())?;
        let existing_major = read_pg_version(&layout.cluster_dir)?;
        let bins = search.find(existing_major)?;
        let mut cluster = Self { layout, bins, user, registration: None };
        match existing_major {
            Some(major) if major != cluster.bins.major => {
                return Err(ClusterError::VersionMismatch {
                    cluster_dir: cluster.layout.cluster_dir.clone(),
                    cluster_major: major,
                    bin_dir: cluster.bins.dir.clone(),
                    binaries_major: cluster.bins.major,
                });
            }
            Some(_) => {}
            None => cluster.init(options)?,
        }

        let others = prune_registrations(&cluster.layout.users_dir())?;
        if !cluster.is_running()? {
            if others > 0 {
                tracing::warn!(others, "PostgreSQL is not running although other processes use it; restarting it");
            }
            cluster.start(options)?;
        }
        cluster.register()?;
        Ok(cluster)
    }

    fn release_blocking(&mut self) -> Result<(), ClusterError> {
        let Some(registration) = self.registration.take() else {
            return Ok(());
        };
        let _lock = LockGuard::take(&self.layout.lock_file())?;
        match fs::remove_file(&registration) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(format!("removing {}", registration.display()))(e)),
        }
        if prune_registrations(&self.layout.users_dir())? == 0 && self.is_running()? {
            self.stop()?;
        }
        Ok(())
    }

    fn register(&mut self) -> Result<(), ClusterError> {
        let dir = self.layout.users_dir();
        mkdir_mode(&dir, 0o755)?;
        let pid = std::process::id();
        let seq = HANDLE_SEQ.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("{pid}-{seq}"));
        let start_time = process_start_time(pid).unwrap_or_default();
        fs::write(&path, start_time).map_err(io_err(format!("writing {}", path.display())))?;
        self.registration = Some(path);
        Ok(())
    }

    /// A command for a PostgreSQL program, run as the server user. The
    /// working directory is `/` because ours may be unreadable to that user,
    /// which makes PostgreSQL programs fail. Its own process group keeps a
    /// Ctrl-C meant for one hamkor command from reaching a shared server.
    fn server_command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir("/")
            .stdin(Stdio::null())
            .process_group(0)
            .env_remove("PGDATA")
            .env_remove("PGPORT")
            .env_remove("PGHOST")
            .env_remove("PGOPTIONS");
        if let Some(user) = &self.user {
            cmd.uid(user.uid).gid(user.gid);
        }
        cmd
    }

    fn run(&self, mut cmd: Command, log: Option<&Path>) -> Result<(), ClusterError> {
        let command = describe(&cmd);
        let out =
            cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).output().map_err(io_err(format!("running {command}")))?;
        if out.status.success() {
            return Ok(());
        }
        let mut log_tail = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !stdout.trim().is_empty() {
            log_tail = format!("{}\n{log_tail}", stdout.trim());
        }
        if let Some(log) = log {
            let tail = tail_of_file(log, 20);
            if !tail.is_empty() {
                log_tail.push_str(&format!("\n--- last lines of {} ---\n{tail}", log.display()));
            }
        }
        Err(ClusterError::CommandFailed { command, status: out.status.to_string(), log_tail })
    }

    /// Runs initdb in a scratch directory and renames it into place, so an
    /// interrupted initdb never leaves a half-made cluster that later starts
    /// would trip over.
    fn init(&self, options: ClusterOptions) -> Result<(), ClusterError> {
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
    fn write_config(&self, options: ClusterOptions) -> Result<(), ClusterError> {
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

    fn prepare_socket_dir(&self) -> Result<(), ClusterError> {
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
    fn prepare_log(&self) -> Result<(), ClusterError> {
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

    /// A crash can leave a postmaster.pid whose pid now belongs to an
    /// unrelated process (common in containers, where pids restart low);
    /// PostgreSQL would then refuse to start. Linux only: elsewhere we rely
    /// on PostgreSQL's own stale-lock detection.
    fn clear_recycled_postmaster_pid(&self) {
        let pid_file = self.layout.postmaster_pid();
        let Ok(content) = fs::read_to_string(&pid_file) else {
            return;
        };
        let Some(pid) = content.lines().next().and_then(|l| l.trim().parse::<u32>().ok()) else {
            return;
        };
        if !Path::new("/proc/self").exists() {
            return;
        }
        let Ok(comm) = fs::read_to_string(format!("/proc/{pid}/comm")) else {
            return; // dead: PostgreSQL handles that itself
        };
        if !matches!(comm.trim(), "postgres" | "postmaster") {
            tracing::warn!(pid, process = comm.trim(), "removing stale postmaster.pid left by a crash");
            let _ = fs::remove_file(&pid_file);
            let _ = fs::remove_file(self.layout.socket_dir.join(format!("{SOCKET_FILE}.lock")));
        }
    }

    fn is_running(&self) -> Result<bool, ClusterError> {
        self.clear_recycled_postmaster_pid();
        if !self.layout.postmaster_pid().exists() {
            return Ok(false);
        }
        let mut cmd = self.server_command(self.bins.program("pg_ctl"));
        cmd.arg("status").arg("-D").arg(&self.layout.cluster_dir).stdout(Stdio::null()).stderr(Stdio::null());
        let status = cmd.status().map_err(io_err(format!("running {}", describe(&cmd))))?;
        // 0: running; 3: not running; 4: no accessible data directory.
        Ok(status.success())
    }

    fn start(&self, options: ClusterOptions) -> Result<(), ClusterError> {
        self.write_config(options)?;
        self.prepare_socket_dir()?;
        self.prepare_log()?;
        tracing::info!(cluster = %self.layout.cluster_dir.display(), socket = %self.layout.socket_dir.display(), "starting PostgreSQL");
        let mut attempts = 0;
        loop {
            match self.run(self.start_command(), Some(&self.layout.log_file)) {
                // After a crash, children of the dead postmaster may still be
                // attached to its shared memory for a moment; PostgreSQL
                // refuses to start until they are gone.
                Err(ClusterError::CommandFailed { log_tail, .. })
                    if attempts < 5 && log_tail.contains("is still in use") =>
                {
                    attempts += 1;
                    tracing::info!("old PostgreSQL processes still exiting; retrying start");
                    std::thread::sleep(Duration::from_secs(1));
                }
                result => return result,
            }
        }
    }

    fn start_command(&self) -> Command {
        let mut cmd = self.server_command(self.bins.program("pg_ctl"));
        cmd.arg("start")
            .arg("-D")
            .arg(&self.layout.cluster_dir)
            .arg("-l")
            .arg(&self.layout.log_file)
            .args(["-w", "-s", "-t"])
            .arg(PG_CTL_TIMEOUT_SECS.to_string());
        cmd
    }

    fn stop(&self) -> Result<(), ClusterError> {
        tracing::info!(cluster = %self.layout.cluster_dir.display(), "stopping PostgreSQL");
        let mut cmd = self.server_command(self.bins.program("pg_ctl"));
        cmd.arg("stop")
            .arg("-D")
            .arg(&self.layout.cluster_dir)
            .args(["-m", "fast", "-w", "-s", "-t"])
            .arg(PG_CTL_TIMEOUT_SECS.to_string());
        self.run(cmd, Some(&self.layout.log_file))?;
        if self.layout.socket_in_tmp {
            // Only succeeds when empty, i.e. the server cleaned up its socket.
            let _ = fs::remove_dir(&self.layout.socket_dir);
        }
        Ok(())
    }

    async fn connect_with_retry(&self, database: &str) -> Result<PgConnection, ClusterError> {
        let options = self.connect_options(database);
        let deadline = Instant::now() + CONNECT_TIMEOUT;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let last_error = match tokio::time::timeout(remaining, PgConnection::connect_with(&options)).await {
                Ok(Ok(conn)) => return Ok(conn),
                // 57P03: still starting up or in recovery; worth waiting for.
                Ok(Err(sqlx::Error::Database(db))) if db.code().as_deref() == Some("57P03") => db.to_string(),
                Ok(Err(sqlx::Error::Io(e))) => e.to_string(),
                Ok(Err(e)) => return Err(e.into()),
                Err(_) => "timed out".to_owned(),
            };
            if Instant::now() >= deadline {
                return Err(ClusterError::ConnectTimeout { socket_dir: self.layout.socket_dir.clone(), last_error });
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for EmbeddedCluster {
    fn drop(&mut self) {
        if self.registration.is_some() {
            tracing::warn!(
                cluster = %self.layout.cluster_dir.display(),
                "EmbeddedCluster dropped without release(); releasing synchronously"
            );
            if let Err(err) = self.release_blocking() {
                tracing::error!(%err, "releasing the PostgreSQL cluster on drop failed");
            }
        }
    }
}

fn read_pg_version(cluster_dir: &Path) -> Result<Option<u32>, ClusterError> {
    let path = cluster_dir.join("PG_VERSION");
    match fs::read_to_string(&path) {
        Ok(text) => {
            text.trim().parse().map(Some).map_err(|_| ClusterError::NotACluster { path: cluster_dir.to_path_buf() })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err(format!("reading {}", path.display()))(e)),
    }
}

/// Watchdogs must not hold the test harness's stdout/stderr (cargo test would
/// wait for them) nor share its process group (a Ctrl-C would kill them before
/// they could stop the server).
fn spawn_detached(cmd: &mut Command, stdin: std::io::PipeReader) -> Result<(), ClusterError> {
    cmd.stdin(Stdio::from(stdin)).stdout(Stdio::null()).stderr(Stdio::null()).process_group(0);
    cmd.spawn().map(drop).map_err(io_err(format!("spawning watchdog {}", describe(cmd))))
}

async fn run_blocking<T, F>(f: F) -> Result<T, ClusterError>
where
    F: FnOnce() -> Result<T, ClusterError> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(f).await.map_err(|e| ClusterError::Io {
        context: "PostgreSQL cluster task failed".to_owned(),
        source: std::io::Error::other(e.to_string()),
    })?
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;

    const TEST_TIMEOUT: Duration = Duration::from_secs(180);
    const WATCHDOG_CHILD_ENV: &str = "HAMKOR_CLUSTER_WATCHDOG_CHILD";

    fn test_options() -> ClusterOptions {
        ClusterOptions { durable: false }
    }

    /// tempfile makes 0700 directories, which the `postgres` user cannot
    /// traverse when tests run as root; open it up so the ordinary layout is
    /// exercised.
    fn reachable_tempdir() -> tempfile::TempDir {
        let dir = tempfile::Builder::new().prefix("hamkor-cluster-test-").tempdir_in("/tmp").expect("create tempdir");
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).expect("chmod tempdir");
        dir
    }

    async fn bounded<T>(fut: impl Future<Output = T>) -> T {
        tokio::time::timeout(TEST_TIMEOUT, fut).await.expect("test exceeded its time limit")
    }

    async fn select_one(cluster: &EmbeddedCluster, database: &str) -> i32 {
        let mut conn =
            PgConnection::connect_with(&cluster.connect_options(database)).await.expect("connect over the socket");
        let one: i32 = sqlx::query_scalar("SELECT 1").fetch_one(&mut conn).await.expect("SELECT 1");
        conn.close().await.expect("close");
        one
    }

    async fn show(cluster: &EmbeddedCluster, setting: &str) -> String {
        let mut conn = PgConnection::connect_with(&cluster.connect_options(DEFAULT_DATABASE)).await.expect("connect");
        let value: String = sqlx::query_scalar(&format!("SHOW {setting}")).fetch_one(&mut conn).await.expect("SHOW");
        conn.close().await.expect("close");
        value
    }

    fn postmaster_pid(cluster_dir: &Path) -> Option<i32> {
        fs::read_to_string(cluster_dir.join("postmaster.pid")).ok()?.lines().next()?.trim().parse().ok()
    }

    #[tokio::test]
    async fn acquire_creates_starts_and_reuses_a_cluster() {
        let tmp = reachable_tempdir();
        let data = tmp.path().join("data");
        bounded(async {
            let cluster = EmbeddedCluster::acquire(&data, test_options()).await.expect("acquire");
            let cluster_dir = cluster.cluster_dir().to_path_buf();
            assert!(cluster_dir.join("PG_VERSION").is_file());
            assert!(cluster.socket_dir().join(SOCKET_FILE).exists());
            assert!(cluster.socket_dir().starts_with(fs::canonicalize(&data).unwrap()));
            assert_eq!(select_one(&cluster, DEFAULT_DATABASE).await, 1);
            assert_eq!(show(&cluster, "listen_addresses").await, "");
            assert_eq!(show(&cluster, "fsync").await, "off");
            assert_eq!(show(&cluster, "max_connections").await, "200");
            let packaged = PathBuf::from(format!(
                "/usr/lib/postgresql/{}/lib/pg_stat_statements.so",
                cluster.server_major_version()
            ));
            if packaged.exists() {
                assert!(cluster.bins.has_pg_stat_statements());
            }
            if cluster.bins.has_pg_stat_statements() {
                assert_eq!(show(&cluster, "shared_preload_libraries").await, "pg_stat_statements");
            }
            cluster.ensure_database("other db").await.expect("create");
            cluster.ensure_database("other db").await.expect("exists");
            assert_eq!(select_one(&cluster, "other db").await, 1);
            cluster.release().await.expect("release");
            assert_eq!(postmaster_pid(&cluster_dir), None, "server still running");

            // Second start: the existing cluster is reused, not re-created.
            let marker = cluster_dir.join("hamkor-test-marker");
            fs::write(&marker, "").unwrap();
            let cluster = EmbeddedCluster::acquire(&data, test_options()).await.expect("re-acquire");
            assert!(marker.exists());
            assert_eq!(select_one(&cluster, "other db").await, 1);
            cluster.release().await.expect("release");
            assert_eq!(postmaster_pid(&cluster_dir), None);
        })
        .await;
    }

    #[tokio::test]
    async fn two_users_share_one_server_and_the_last_stops_it() {
        let tmp = reachable_tempdir();
        let data = tmp.path().join("data");
        bounded(async {
            // Concurrent first acquires race on initdb, start and CREATE DATABASE.
            let (a, b) = tokio::join!(
                EmbeddedCluster::acquire(&data, test_options()),
                EmbeddedCluster::acquire(&data, test_options())
            );
            let (a, b) = (a.expect("acquire a"), b.expect("acquire b"));
            let cluster_dir = a.cluster_dir().to_path_buf();
            let pid = postmaster_pid(&cluster_dir).expect("server running");
            assert_eq!(a.socket_dir(), b.socket_dir());
            assert_eq!(select_one(&a, DEFAULT_DATABASE).await, 1);

            a.release().await.expect("release a");
            assert_eq!(postmaster_pid(&cluster_dir), Some(pid), "stopped too early");
            assert_eq!(select_one(&b, DEFAULT_DATABASE).await, 1);

            b.release().await.expect("release b");
            assert_eq!(postmaster_pid(&cluster_dir), None, "server outlived its users");
            assert!(!b_socket(&data).exists());
        })
        .await;

        fn b_socket(data: &Path) -> PathBuf {
            data.join("run").join(SOCKET_FILE)
        }
    }

    #[tokio::test]
    async fn dead_registrations_do_not_keep_the_server_alive() {
        let tmp = reachable_tempdir();
        let data = tmp.path().join("data");
        bounded(async {
            let cluster = EmbeddedCluster::acquire(&data, test_options()).await.expect("acquire");
            let cluster_dir = cluster.cluster_dir().to_path_buf();
            let users = cluster.layout.users_dir();

            let mut child = Command::new("true").spawn().expect("spawn true");
            let dead_pid = child.id();
            child.wait().expect("wait");
            fs::write(users.join(format!("{dead_pid}-0")), "").unwrap();
            // A live pid whose start time doesn't match: a recycled pid.
            fs::write(users.join(format!("{}-999999", std::process::id())), "1").unwrap();

            cluster.release().await.expect("release");
            assert_eq!(postmaster_pid(&cluster_dir), None, "server kept alive");
            assert_eq!(fs::read_dir(&users).unwrap().count(), 0);
        })
        .await;
    }

    #[tokio::test]
    async fn a_crashed_server_is_restarted_by_the_next_user() {
        let tmp = reachable_tempdir();
        let data = tmp.path().join("data");
        bounded(async {
            let a = EmbeddedCluster::acquire(&data, test_options()).await.expect("acquire");
            let cluster_dir = a.cluster_dir().to_path_buf();
            let pid = postmaster_pid(&cluster_dir).expect("running");
            // Leaves postmaster.pid and the socket lock behind, like a crash.
            kill(Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL).unwrap();
            while kill(Pid::from_raw(pid), None).is_ok() {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            assert_eq!(postmaster_pid(&cluster_dir), Some(pid));

            let b = EmbeddedCluster::acquire(&data, test_options()).await.expect("acquire after crash");
            assert_ne!(postmaster_pid(&cluster_dir), Some(pid));
            assert_eq!(select_one(&a, DEFAULT_DATABASE).await, 1);
            a.release().await.expect("release a");
            b.release().await.expect("release b");
            assert_eq!(postmaster_pid(&cluster_dir), None);
        })
        .await;
    }

    #[tokio::test]
    async fn dropping_without_release_still_releases() {
        let tmp = reachable_tempdir();
        let data = tmp.path().join("data");
        bounded(async {
            let cluster = EmbeddedCluster::acquire(&data, test_options()).await.expect("acquire");
            let cluster_dir = cluster.cluster_dir().to_path_buf();
            drop(cluster);
            assert_eq!(postmaster_pid(&cluster_dir), None);
        })
        .await;
    }

    #[tokio::test]
    async fn long_data_dir_uses_a_short_socket_dir() {
        let tmp = reachable_tempdir();
        let data = tmp.path().join("x".repeat(60)).join("y".repeat(60));
        fs::create_dir_all(&data).unwrap();
        fs::set_permissions(data.parent().unwrap(), fs::Permissions::from_mode(0o755)).unwrap();
        bounded(async {
            let cluster = EmbeddedCluster::acquire(&data, test_options()).await.expect("acquire");
            let socket_dir = cluster.socket_dir().to_path_buf();
            assert!(socket_dir.starts_with("/tmp"), "{}", socket_dir.display());
            assert!(socket_dir.join(SOCKET_FILE).as_os_str().len() <= MAX_SOCKET_PATH);
            assert_eq!(select_one(&cluster, DEFAULT_DATABASE).await, 1);
            cluster.release().await.expect("release");
            assert!(!socket_dir.exists(), "fallback socket dir left behind");
        })
        .await;
    }

    /// Removes the relocated cluster even when the test fails.
    struct RemoveOnDrop(PathBuf);

    impl Drop for RemoveOnDrop {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[tokio::test]
    async fn unreachable_data_dir_relocates_the_cluster() {
        if !nix::unistd::geteuid().is_root() {
            return; // relocation only concerns root
        }
        // Deliberately 0700 and root-owned, like a checkout under /root.
        let tmp = tempfile::Builder::new().prefix("hamkor-cluster-private-").tempdir_in("/tmp").expect("tempdir");
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o700)).unwrap();
        let data = tmp.path().join("data");
        fs::create_dir_all(&data).unwrap();
        let container = Path::new(RELOCATION_ROOT).join(path_hash(&fs::canonicalize(&data).unwrap()));
        let _cleanup = RemoveOnDrop(container.clone());
        bounded(async {
            let cluster = EmbeddedCluster::acquire(&data, test_options()).await.expect("acquire");
            let link = fs::read_link(data.join("postgres")).expect("postgres is a symlink");
            assert_eq!(link, container.join("data"));
            assert!(cluster.socket_dir().starts_with(&container));
            assert_eq!(select_one(&cluster, DEFAULT_DATABASE).await, 1);
            cluster.release().await.expect("release");
            assert_eq!(postmaster_pid(&container.join("data")), None);

            // Later runs follow the symlink to the same cluster.
            let cluster = EmbeddedCluster::acquire(&data, test_options()).await.expect("re-acquire");
            assert_eq!(cluster.cluster_dir(), container.join("data"));
            assert_eq!(select_one(&cluster, DEFAULT_DATABASE).await, 1);
            cluster.release().await.expect("release");
        })
        .await;
    }

    #[test]
    fn missing_binaries_say_what_to_do() {
        let empty = tempfile::tempdir().unwrap();
        let search = BinSearch { explicit: Some(empty.path().to_path_buf()), ..BinSearch::default() };
        let err = search.find(None).expect_err("nothing to find");
        assert!(matches!(err, ClusterError::BinariesNotFound { .. }), "{err:?}");
        let text = err.to_string();
        for needle in [
            "HAMKOR_PG_BIN",
            "apt-get install postgresql",
            "dnf install postgresql-server",
            "brew install postgresql@16",
            "DATABASE_URL",
        ] {
            assert!(text.contains(needle), "{needle:?} missing from: {text}");
        }
        assert!(text.contains(&empty.path().display().to_string()), "{text}");

        let search = BinSearch {
            explicit: None,
            path: Some(empty.path().as_os_str().to_owned()),
            versioned_roots: vec![(empty.path().join("nope"), String::new())],
        };
        assert!(matches!(search.find(None), Err(ClusterError::BinariesNotFound { .. })));
    }

    fn fake_bin_dir(version_line: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for program in ["initdb", "pg_ctl"] {
            let path = dir.path().join(program);
            fs::write(&path, format!("#!/bin/sh\necho '{version_line}'\n")).unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        }
        dir
    }

    #[test]
    fn old_binaries_are_rejected_with_both_versions() {
        let old = fake_bin_dir("pg_ctl (PostgreSQL) 12.9");
        let search = BinSearch { explicit: Some(old.path().to_path_buf()), ..BinSearch::default() };
        let err = search.find(None).expect_err("too old");
        let text = err.to_string();
        assert!(matches!(err, ClusterError::VersionTooOld { .. }), "{err:?}");
        assert!(text.contains("version 12") && text.contains("14 or newer"), "{text}");
    }

    #[test]
    fn search_order_prefers_path_then_highest_version_and_the_cluster_version() {
        let root = tempfile::tempdir().unwrap();
        let mk = |version: &str| {
            let bin = root.path().join(version).join("bin");
            fs::create_dir_all(&bin).unwrap();
            for program in ["initdb", "pg_ctl"] {
                let path = bin.join(program);
                fs::write(&path, format!("#!/bin/sh\necho 'pg_ctl (PostgreSQL) {version}.1'\n")).unwrap();
                fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
            }
            bin
        };
        let (v13, v15, v16) = (mk("13"), mk("15"), mk("16"));
        let search =
            BinSearch { explicit: None, path: None, versioned_roots: vec![(root.path().to_path_buf(), String::new())] };
        assert_eq!(search.find(None).unwrap().dir, v16);
        assert_eq!(search.find(Some(15)).unwrap().dir, v15);
        assert_eq!(search.find(Some(13)).unwrap().dir, v16, "13 is too old to prefer");
        let search = BinSearch { path: Some(v15.clone().into_os_string()), ..search };
        assert_eq!(search.find(None).unwrap().dir, v15);
        let _ = v13;
    }

    #[test]
    fn version_parsing() {
        assert_eq!(parse_major_version("pg_ctl (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n"), Some(15));
        assert_eq!(parse_major_version("postgres (PostgreSQL) 17beta1"), Some(17));
        assert_eq!(parse_major_version("pg_ctl (PostgreSQL) 9.6.24"), Some(9));
        assert_eq!(parse_major_version("something else"), None);
    }

    #[test]
    fn quoting() {
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(conf_quote("it's"), "'it''s'");
        assert_eq!(path_hash(Path::new("/a")), path_hash(Path::new("/a")));
        assert_ne!(path_hash(Path::new("/a")), path_hash(Path::new("/b")));
    }

    /// Body of the child process in `watchdog_stops_the_server_when_the_process_dies`;
    /// does nothing when run on its own.
    #[test]
    #[ignore = "helper process for another test"]
    fn watchdog_child() {
        let Some(dir) = std::env::var_os(WATCHDOG_CHILD_ENV).map(PathBuf::from) else {
            return;
        };
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let cluster = runtime.block_on(EmbeddedCluster::acquire(&dir.join("data"), test_options())).unwrap();
        cluster.stop_when_process_exits(true);
        fs::write(dir.join("ready"), "").unwrap();
        // The parent SIGKILLs us long before this ends.
        std::thread::sleep(TEST_TIMEOUT);
    }

    #[test]
    fn watchdog_stops_the_server_when_the_process_dies() {
        let tmp = reachable_tempdir();
        let data = tmp.path().join("data");
        // Relative to the crate root, as libtest wants it.
        let module = module_path!().split_once("::").map_or(module_path!(), |(_, rest)| rest);
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", &format!("{module}::watchdog_child")])
            .args(["--ignored", "--test-threads=1"])
            .env(WATCHDOG_CHILD_ENV, tmp.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn child test process");

        let deadline = Instant::now() + TEST_TIMEOUT;
        while !tmp.path().join("ready").exists() {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("child exited early: {status}");
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("child never got its cluster running");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let pid = postmaster_pid(&data.join("postgres")).expect("server running");

        child.kill().unwrap(); // SIGKILL: no destructors, no cleanup of our own
        child.wait().unwrap();

        let deadline = Instant::now() + Duration::from_secs(60);
        while data.exists() || kill(Pid::from_raw(pid), None).is_ok() {
            assert!(Instant::now() < deadline, "watchdog did not stop/remove the cluster");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
