//! The error type of the embedded cluster and helpers for building it.

use std::path::PathBuf;

use nix::errno::Errno;

use super::{CONNECT_TIMEOUT, MIN_MAJOR_VERSION, PG_BIN_ENV, SERVER_USER};

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

pub(super) fn io_err(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> ClusterError {
    let context = context.into();
    move |source| ClusterError::Io { context, source }
}

pub(super) fn errno_err(context: impl Into<String>) -> impl FnOnce(Errno) -> ClusterError {
    let context = context.into();
    move |errno| ClusterError::Io { context, source: errno.into() }
}
