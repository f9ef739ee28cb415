//! Whether the database can be reached, watched so that requests fail fast while it cannot
//! and the service recovers by itself when it can again.
//!
//! A watcher probes the database every [`PROBE_EVERY`] while it is up (one cheap query on
//! the pool) and, once a probe or a request found it unreachable, with exponential back-off
//! on a connection of its own until it answers again. An outage is logged when it starts and
//! when it ends, never per attempt. When the database is hamkor's own embedded PostgreSQL
//! and its server stopped, the watcher starts it again.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sqlx::{Connection, PgConnection, PgPool};
use tokio::sync::Notify;

use super::cluster::Restarter;
use crate::backoff::Backoff;
use crate::error::is_unavailable;

/// How often the database is probed while it answers.
pub const PROBE_EVERY: Duration = Duration::from_secs(2);
/// How long one probe may take before the database counts as unreachable.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);
const FIRST_RETRY: Duration = Duration::from_millis(250);
/// Retries while down never wait longer than this, so recovery is noticed within seconds.
const MAX_RETRY: Duration = Duration::from_secs(5);

/// Pooled connections are not pinged each time they are taken (a round trip on every
/// statement); instead, when the server may have dropped them (it came back after an
/// outage, or a request found a connection dead while the server answers), every
/// connection made before that moment is closed when next taken, and a new one is made.
static RENEWED_AT_MS: AtomicU64 = AtomicU64::new(0);
/// The moment [`RENEWED_AT_MS`] counts from.
static ORIGIN: LazyLock<Instant> = LazyLock::new(Instant::now);

/// Connections made before now are not handed out again.
pub fn renew_connections() {
    // At least 1: 0 means "never renewed".
    let now = (ORIGIN.elapsed().as_millis() as u64).max(1);
    RENEWED_AT_MS.store(now, Ordering::Relaxed);
}

/// Whether a pooled connection of this age was made after the last [`renew_connections`].
pub fn is_current(age: Duration) -> bool {
    let renewed = RENEWED_AT_MS.load(Ordering::Relaxed);
    renewed == 0 || ORIGIN.elapsed().saturating_sub(age).as_millis() as u64 >= renewed
}

#[derive(Debug)]
struct Outage {
    since: DateTime<Utc>,
    started: Instant,
}

struct Inner {
    outage: RwLock<Option<Outage>>,
    wake: Notify,
}

/// Shared by the server's handlers and its watcher.
#[derive(Clone)]
pub struct DbHealth {
    inner: Arc<Inner>,
}

impl Default for DbHealth {
    fn default() -> Self {
        DbHealth { inner: Arc::new(Inner { outage: RwLock::new(None), wake: Notify::new() }) }
    }
}

impl DbHealth {
    /// Since when the database has been unreachable; `None` while it answers.
    pub fn down_since(&self) -> Option<DateTime<Utc>> {
        self.inner.outage.read().unwrap_or_else(|e| e.into_inner()).as_ref().map(|o| o.since)
    }

    /// A request found the database unreachable: the watcher looks at once, and if it
    /// cannot connect either, requests fail fast until it can.
    /// The connection it used may have died with a server that has since come back, and so
    /// may the others made before it: they are replaced.
    pub fn report_unavailable(&self) {
        renew_connections();
        self.inner.wake.notify_one();
    }

    fn mark_down(&self, error: &str) {
        let mut outage = self.inner.outage.write().unwrap_or_else(|e| e.into_inner());
        if outage.is_none() {
            tracing::error!(%error, "the database is unreachable; requests that need it fail fast until it answers again");
            metrics::gauge!("hamkor_db_up").set(0.0);
            *outage = Some(Outage { since: Utc::now(), started: Instant::now() });
        }
    }

    fn mark_up(&self) {
        let mut outage = self.inner.outage.write().unwrap_or_else(|e| e.into_inner());
        if let Some(ended) = outage.take() {
            renew_connections();
            tracing::info!(seconds = ended.started.elapsed().as_secs_f64(), "the database answers again");
        }
        metrics::gauge!("hamkor_db_up").set(1.0);
    }

    /// Watches the database until the pool is closed. `restarter` starts hamkor's embedded
    /// server again when it stopped.
    pub fn watch(&self, pool: PgPool, restarter: Option<Restarter>) -> tokio::task::JoinHandle<()> {
        let health = self.clone();
        tokio::spawn(async move { health.run(pool, restarter).await })
    }

    async fn run(self, pool: PgPool, restarter: Option<Restarter>) {
        let mut backoff = Backoff::new(FIRST_RETRY, MAX_RETRY);
        while !pool.is_closed() {
            if self.down_since().is_none() {
                match probe_pool(&pool).await {
                    Ok(()) => {
                        metrics::gauge!("hamkor_db_up").set(1.0);
                        tokio::select! {
                            () = tokio::time::sleep(PROBE_EVERY) => {}
                            () = self.inner.wake.notified() => {}
                        }
                    }
                    // A pool out of connections is load, not an outage: only a connection of
                    // the watcher's own that fails too counts. When that one works, the pooled
                    // connection was stale (the server restarted between two probes).
                    Err(_) => match probe_direct(&pool).await {
                        Err(error) => self.mark_down(&error),
                        Ok(()) => renew_connections(),
                    },
                }
                continue;
            }
            match probe_direct(&pool).await {
                Ok(()) => {
                    backoff.reset();
                    self.mark_up();
                }
                Err(error) => {
                    if let Some(restarter) = &restarter {
                        match restarter.restart_if_stopped().await {
                            Ok(true) => tracing::warn!(%error, "the embedded PostgreSQL had stopped; started it again"),
                            Ok(false) => {}
                            Err(err) => tracing::debug!(error = %err, "cannot start the embedded PostgreSQL yet"),
                        }
                    }
                    tokio::time::sleep(backoff.step()).await;
                }
            }
        }
    }
}

/// One cheap query on a pooled connection. Only an unreachable database counts: a pool
/// closed for shutdown does not.
async fn probe_pool(pool: &PgPool) -> Result<(), String> {
    match tokio::time::timeout(PROBE_TIMEOUT, sqlx::query("SELECT 1").execute(pool)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(err)) if is_unavailable(&err) => Err(err.to_string()),
        Ok(Err(_)) => Ok(()),
        Err(_) => Err(format!("no answer within {} s", PROBE_TIMEOUT.as_secs())),
    }
}

/// A connection of its own: while the database is down, the pool is left alone.
async fn probe_direct(pool: &PgPool) -> Result<(), String> {
    let options = pool.connect_options();
    let attempt = async {
        let mut conn = PgConnection::connect_with(&options).await?;
        sqlx::query("SELECT 1").execute(&mut conn).await?;
        conn.close().await
    };
    match tokio::time::timeout(PROBE_TIMEOUT, attempt).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(err)) => Err(err.to_string()),
        Err(_) => Err(format!("no answer within {} s", PROBE_TIMEOUT.as_secs())),
    }
}
