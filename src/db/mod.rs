//! The PostgreSQL connection: a server named by `DATABASE_URL`, or the private cluster the
//! process runs itself from the system's PostgreSQL binaries (see [`cluster`]).

pub mod cluster;
pub mod copy;
pub mod health;
pub mod list;

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgPool};

use cluster::{ClusterOptions, EmbeddedCluster};

/// `select_by_position!(SELECT: Row, from "table" t: column, ...)`: the statement that reads
/// a `Row` (its fields named as the columns), and the row's decoding by column position,
/// from one list, so that they cannot disagree. sqlx's derived decoding looks every column
/// up by name in a hash map: for pages of many small rows that lookup was most of the decoding.
macro_rules! select_by_position {
    ($select:ident: $row:ty, from $table:literal $alias:ident: $first:ident $(, $rest:ident)* $(,)?) => {
        const $select: &str = concat!(
            "SELECT ", stringify!($alias), ".", stringify!($first),
            $(", ", stringify!($alias), ".", stringify!($rest),)*
            " FROM ", $table, " ", stringify!($alias)
        );

        impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for $row {
            fn from_row(row: &'r sqlx::postgres::PgRow) -> sqlx::Result<Self> {
                use sqlx::Row;
                let mut column = 0_usize;
                let mut next = || {
                    column += 1;
                    column - 1
                };
                Ok(Self { $first: row.try_get(next())?, $($rest: row.try_get(next())?,)* })
            }
        }
    };
}
pub(crate) use select_by_position;

/// The migrations in `migrations/`, compiled into the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!();

/// The database the embedded cluster keeps hamkor's data in.
pub const EMBEDDED_DATABASE: &str = "hamkor";

/// Where the data lives.
#[derive(Clone, Debug)]
pub enum Target {
    /// An existing server; nothing is started.
    Url(String),
    /// The private cluster under `<data_dir>/postgres`, started if no other hamkor process
    /// on this data dir has started it already.
    Embedded { data_dir: PathBuf, durable: bool },
}

#[derive(Clone, Debug)]
pub struct PoolSettings {
    pub max_connections: u32,
    /// The office's time zone: it decides what "today" is when an agreement expires.
    pub timezone: String,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings { max_connections: 10, timezone: "Asia/Tashkent".into() }
    }
}

/// An open database: the pool and, for the embedded default, this process's share of the
/// cluster (released by [`Database::close`], which stops the server if we were its last user).
pub struct Database {
    pub pool: PgPool,
    cluster: Option<EmbeddedCluster>,
}

/// How hamkor's pools connect: every connection works in the office's time zone.
///
/// The zone is set on each new connection rather than as a startup option, because sqlx
/// sends `TimeZone=UTC` in the startup packet and PostgreSQL lets that override `-c` options.
/// An unknown zone name fails the connection with PostgreSQL's own message.
pub fn pool_options(settings: &PoolSettings) -> PgPoolOptions {
    let timezone = settings.timezone.clone();
    PgPoolOptions::new()
        .max_connections(settings.max_connections)
        // Long enough for a busy moment; short enough that an outage is not a hang (the
        // health watcher then makes requests fail fast).
        .acquire_timeout(Duration::from_secs(5))
        // Not a ping per statement: connections the server may have dropped are replaced
        // when the health watcher says so (see [`health::is_current`]).
        .test_before_acquire(false)
        .before_acquire(|_conn, meta| Box::pin(async move { Ok(health::is_current(meta.age)) }))
        .after_connect(move |conn, _meta| {
            let timezone = timezone.clone();
            Box::pin(async move {
                sqlx::query("SELECT set_config('TimeZone', $1, false)").bind(timezone).execute(conn).await?;
                Ok(())
            })
        })
}

impl Database {
    pub async fn open(target: &Target, settings: &PoolSettings) -> anyhow::Result<Self> {
        let (options, cluster) = match target {
            Target::Url(url) => {
                let options = PgConnectOptions::from_str(url).context("DATABASE_URL is not a valid PostgreSQL URL")?;
                (options, None)
            }
            Target::Embedded { data_dir, durable } => {
                std::fs::create_dir_all(data_dir)
                    .with_context(|| format!("cannot create the data directory {}", data_dir.display()))?;
                let cluster = EmbeddedCluster::acquire(data_dir, ClusterOptions { durable: *durable }).await?;
                cluster.ensure_database(EMBEDDED_DATABASE).await?;
                (cluster.connect_options(EMBEDDED_DATABASE), Some(cluster))
            }
        };
        // One direct connection first: a refused or misconfigured server fails at once with
        // its real cause, instead of a pool time-out that hides it.
        // The time zone is tried here too, so a misspelt one is reported at once.
        let probe = async {
            let mut conn = sqlx::PgConnection::connect_with(&options).await?;
            sqlx::query("SELECT set_config('TimeZone', $1, false)")
                .bind(&settings.timezone)
                .execute(&mut conn)
                .await
                .with_context(|| format!("the time zone {:?} is not one PostgreSQL knows", settings.timezone))?;
            conn.close().await?;
            anyhow::Ok(())
        }
        .await;
        if let Err(err) = probe {
            if let Some(cluster) = cluster {
                let _ = cluster.release().await;
            }
            return Err(err.context("cannot connect to PostgreSQL"));
        }
        let pool = pool_options(settings).connect_with(options).await;
        match pool {
            Ok(pool) => Ok(Database { pool, cluster }),
            Err(err) => {
                if let Some(cluster) = cluster {
                    let _ = cluster.release().await;
                }
                Err(err).context("cannot connect to PostgreSQL")
            }
        }
    }

    /// What starts the embedded server again if it stops (nothing for a server of its own).
    pub fn restarter(&self) -> Option<cluster::Restarter> {
        self.cluster.as_ref().map(EmbeddedCluster::restarter)
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        MIGRATOR.run(&self.pool).await.context("database migration failed")
    }

    /// Closes the pool, then gives up this process's share of the embedded cluster.
    pub async fn close(self) {
        self.pool.close().await;
        if let Some(cluster) = self.cluster
            && let Err(err) = cluster.release().await
        {
            tracing::warn!(error = %err, "could not stop the embedded PostgreSQL cleanly");
        }
    }
}

/// True when every migration compiled into this binary has been applied.
pub async fn migrations_applied(pool: &PgPool) -> Result<bool, sqlx::Error> {
    let latest = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
    let applied: Option<i64> =
        sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success").fetch_one(pool).await?;
    Ok(applied.unwrap_or(0) >= latest)
}

/// A slice of an ordered result, as OFFSET/LIMIT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub offset: i64,
    pub limit: i64,
    /// How many rows the whole result has.
    pub total: i64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Direction {
    #[default]
    Asc,
    Desc,
}

impl Direction {
    pub fn sql(self) -> &'static str {
        match self {
            Direction::Asc => "ASC",
            Direction::Desc => "DESC",
        }
    }
}

/// Escapes `%`, `_` and `\` so user text matches literally inside an ILIKE pattern.
pub fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Today in the office's time zone (every pooled connection works in it; see [`pool_options`]).
pub async fn today<'e>(executor: impl sqlx::PgExecutor<'e>) -> sqlx::Result<chrono::NaiveDate> {
    sqlx::query_scalar("SELECT current_date").fetch_one(executor).await
}
