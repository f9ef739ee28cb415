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

mod binaries;
mod error;
mod layout;
mod registry;
mod server;
mod setup;
mod watchdog;

#[cfg(test)]
mod tests;

pub use error::ClusterError;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};

use binaries::{BinSearch, Binaries};
use error::io_err;
use layout::{Layout, ServerUser};
use registry::{LockGuard, prune_registrations};
use setup::read_pg_version;

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
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// The system account PostgreSQL runs as when hamkor runs as root (it refuses to run as root).
const SERVER_USER: &str = "postgres";

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

/// A running private PostgreSQL cluster, shared by every process that
/// acquired it. Call [`EmbeddedCluster::release`] when done.
#[derive(Debug)]
pub struct EmbeddedCluster {
    layout: Layout,
    bins: Binaries,
    user: Option<ServerUser>,
    options: ClusterOptions,
    /// Our entry in the users registry; `None` once released.
    registration: Option<PathBuf>,
}

/// Starts the cluster again when it stopped under a process that still uses it: a server
/// killed, or stopped by hand. Holds no registration of its own.
#[derive(Debug)]
pub struct Restarter {
    cluster: EmbeddedCluster,
}

impl Restarter {
    /// Starts the server if it is not running while some process still uses it; returns
    /// whether it had to. (When the last user has released it, a stopped server is meant.)
    pub async fn restart_if_stopped(&self) -> Result<bool, ClusterError> {
        let cluster = self.cluster.shallow_clone();
        run_blocking(move || {
            let _lock = LockGuard::take(&cluster.layout.lock_file())?;
            if prune_registrations(&cluster.layout.users_dir())? == 0 || cluster.is_running()? {
                return Ok(false);
            }
            cluster.start(cluster.options)?;
            Ok(true)
        })
        .await
    }
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

    /// What can start the server again if it stops while this process uses it.
    pub fn restarter(&self) -> Restarter {
        Restarter { cluster: self.shallow_clone() }
    }

    /// The same cluster without this process's registration (dropping it releases nothing).
    fn shallow_clone(&self) -> EmbeddedCluster {
        EmbeddedCluster {
            layout: self.layout.clone(),
            bins: self.bins.clone(),
            user: self.user,
            options: self.options,
            registration: None,
        }
    }

    /// Unregisters this process; the last user out stops the server.
    pub async fn release(self) -> Result<(), ClusterError> {
        run_blocking(move || {
            let mut this = self;
            this.release_blocking()
        })
        .await
    }

    fn acquire_blocking(data_dir: &Path, options: ClusterOptions, search: &BinSearch) -> Result<Self, ClusterError> {
        fs::create_dir_all(data_dir).map_err(io_err(format!("creating {}", data_dir.display())))?;
        let data_dir = fs::canonicalize(data_dir).map_err(io_err(format!("resolving {}", data_dir.display())))?;
        let user = ServerUser::detect()?;

        let _lock = LockGuard::take(&data_dir.join("postgres.lock"))?;
        let layout = Layout::resolve(&data_dir, user.as_ref())?;
        let existing_major = read_pg_version(&layout.cluster_dir)?;
        let bins = search.find(existing_major)?;
        let mut cluster = Self { layout, bins, user, options, registration: None };
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

/// `CREATE DATABASE` cannot take a bind parameter.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
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
