//! The one index writer of a process: follows the change log, supervised.
//!
//! A supervisor runs the writer as a task of its own and restarts it, after a back-off, if it
//! panics; the new writer reopens the index and resumes from the watermark of the last commit
//! (re-applying a change is harmless). Failures (the database gone, the disk full) are
//! retried with exponential back-off and logged once when they start and once when they end,
//! never per attempt. What the writer is doing is published as a [`WriterStatus`], which
//! `/readyz` shows, and as metrics.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tantivy::IndexWriter;
use tokio::sync::watch;

use super::indexer::{self, Cursor};
use super::store::{self, Payload};
use super::{LOG_RETENTION_DAYS, SearchError, SearchIndex, db};
use crate::backoff::Backoff;

const PRUNE_EVERY: Duration = Duration::from_secs(3600);
/// During a bulk load, a round starts at most this often: each gathers the changes of a
/// whole interval into one commit (and so into fewer segments). A single edit is applied at
/// once (outside a load), and the last record of a load is searchable within about this long.
const BULK_COMMIT_INTERVAL: Duration = Duration::from_millis(1000);
/// A bulk load is over once no large round has come for this long. A load of many files (or
/// a client sending batch after batch) pauses between them; merging the whole index at every
/// pause rewrote it again and again, so the merge waits for the end of the whole load.
const BULK_QUIET: Duration = Duration::from_secs(5);
/// The first retry waits this long; each further one twice as long, up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// A writer that ran this long before it panicked is restarted without the accumulated wait.
const HEALTHY_RUN: Duration = Duration::from_secs(60);

/// Whether a bulk load is under way, from the rounds the writer has applied.
#[derive(Default)]
struct BulkLoad {
    last_large_round: Option<Instant>,
}

impl BulkLoad {
    /// Takes in one round (large: it applied a bulk load's worth, or left more to read);
    /// answers whether a load is under way.
    fn observe(&mut self, large: bool, now: Instant) -> bool {
        if large {
            self.last_large_round = Some(now);
        }
        self.last_large_round.is_some_and(|at| now.duration_since(at) < BULK_QUIET)
    }
}

/// What the writer is doing.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum WriterStatus {
    Starting,
    /// Applying the log as it grows; `behind` log rows are still waiting (0: caught up).
    Following {
        behind: u64,
    },
    /// Updates fail and are being retried; the index answers searches as of the last commit.
    Failing {
        since: DateTime<Utc>,
        attempts: u32,
        error: String,
    },
    Stopped,
}

/// Sleeps for `wait`; false when shutdown was asked for meanwhile.
async fn pause(wait: Duration, shutdown: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        () = tokio::time::sleep(wait) => !*shutdown.borrow(),
        _ = shutdown.changed() => false,
    }
}

/// Tracks failures so that a failure is logged when it starts and when it ends, not at
/// every attempt, and publishes the writer's status.
struct Health {
    index: SearchIndex,
    failing_since: Option<(Instant, DateTime<Utc>)>,
    attempts: u32,
    backoff: Backoff,
}

impl Health {
    fn new(index: SearchIndex) -> Self {
        Health { index, failing_since: None, attempts: 0, backoff: Backoff::new(FIRST_BACKOFF, MAX_BACKOFF) }
    }

    /// Records a failure and returns how long to wait before the next attempt.
    fn failed(&mut self, error: &SearchError) -> Duration {
        self.attempts += 1;
        let since = match self.failing_since {
            Some((_, since)) => since,
            None => {
                tracing::warn!(%error, "search index updates are failing; retrying with back-off until they succeed");
                let since = Utc::now();
                self.failing_since = Some((Instant::now(), since));
                since
            }
        };
        self.index.publish(WriterStatus::Failing { since, attempts: self.attempts, error: error.to_string() });
        self.backoff.step()
    }

    fn succeeded(&mut self, behind: u64) {
        if let Some((started, _)) = self.failing_since.take() {
            tracing::info!(
                seconds = started.elapsed().as_secs_f64(),
                attempts = self.attempts,
                "search index updates work again"
            );
        }
        self.attempts = 0;
        self.backoff.reset();
        self.index.publish(WriterStatus::Following { behind });
    }
}

/// Starts the supervised writer; it stops when `shutdown` changes.
pub(super) fn spawn(index: SearchIndex, pool: PgPool, shutdown: watch::Receiver<bool>) {
    tokio::spawn(async move {
        let mut backoff = Backoff::new(FIRST_BACKOFF, MAX_BACKOFF);
        let mut shutdown_wait = shutdown.clone();
        loop {
            let started = Instant::now();
            let run = tokio::spawn(follow_log(index.clone(), pool.clone(), shutdown.clone())).await;
            let Err(failure) = run else { break };
            if !failure.is_panic() {
                break; // cancelled: the runtime is shutting down
            }
            let message = panic_message(failure.into_panic());
            let restarts = index.inner.restarts.fetch_add(1, Ordering::Relaxed) + 1;
            metrics::counter!("hamkor_search_writer_restarts_total").increment(1);
            if started.elapsed() >= HEALTHY_RUN {
                backoff.reset();
            }
            let wait = backoff.step();
            tracing::error!(error = %message, restarts, wait_ms = wait.as_millis() as u64, "the search index writer panicked; restarting it");
            index.publish(WriterStatus::Failing {
                since: Utc::now(),
                attempts: 0,
                error: format!("the index writer panicked: {message}"),
            });
            if !pause(wait, &mut shutdown_wait).await {
                break;
            }
        }
        index.publish(WriterStatus::Stopped);
    });
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(text) => *text,
        Err(payload) => payload.downcast_ref::<&str>().map_or_else(|| "unknown panic".to_owned(), |s| (*s).to_owned()),
    }
}

/// A writer on the generation being served, and where its last commit left the log.
async fn open_writer(index: &SearchIndex) -> Result<(IndexWriter, Cursor), SearchError> {
    let active = index.active();
    tokio::task::spawn_blocking(move || -> Result<_, SearchError> {
        let writer = indexer::new_writer(&active.index)?;
        let metas = active.index.load_metas()?;
        let payload = metas.payload.as_deref().and_then(Payload::decode).unwrap_or_default();
        Ok((writer, Cursor::new(payload.watermark)))
    })
    .await
    .map_err(|e| SearchError::Index(e.to_string()))?
}

/// A LISTEN connection for the triggers' notifications; without one, the writer polls.
async fn listen(pool: &PgPool) -> Option<PgListener> {
    let mut listener = PgListener::connect_with(pool).await.ok()?;
    listener.listen("hamkor_search").await.ok()?;
    Some(listener)
}

/// The writer: waits for a notification (or polls), applies the log, commits; notices
/// when another process swapped in a rebuilt generation and switches to it.
async fn follow_log(index: SearchIndex, pool: PgPool, mut shutdown: watch::Receiver<bool>) {
    let mut health = Health::new(index.clone());
    let (writer, mut cursor) = loop {
        match open_writer(&index).await {
            Ok(opened) => break opened,
            Err(err) => {
                let wait = health.failed(&err);
                if !pause(wait, &mut shutdown).await {
                    return;
                }
            }
        }
    };
    let mut writer = Arc::new(std::sync::Mutex::new(writer));
    let mut listener = listen(&pool).await;
    let mut last_prune = Instant::now() - PRUNE_EVERY;
    let mut applied_since_merge = 0;
    let mut bulk = false;
    let mut load = BulkLoad::default();
    loop {
        if *shutdown.borrow() {
            break;
        }
        index.panic_if_asked();
        let current = tokio::fs::read_link(index.inner.root.join(store::CURRENT)).await.ok();
        if current.is_some_and(|target| target != index.active().target) {
            match index.switch_generation(&pool).await {
                Ok(()) => match open_writer(&index).await {
                    Ok((new_writer, new_cursor)) => {
                        writer = Arc::new(std::sync::Mutex::new(new_writer));
                        cursor = new_cursor;
                        bulk = false;
                        load = BulkLoad::default();
                        index.inner.loading.store(false, std::sync::atomic::Ordering::SeqCst);
                    }
                    Err(err) => {
                        let wait = health.failed(&err);
                        if !pause(wait, &mut shutdown).await {
                            break;
                        }
                        continue;
                    }
                },
                Err(err) => {
                    let wait = health.failed(&err);
                    if !pause(wait, &mut shutdown).await {
                        break;
                    }
                    continue;
                }
            }
        }
        let active = index.active();
        let round_started = Instant::now();
        let round = match indexer::catch_up(&pool, &writer, &active.reader, &index.inner.fields, &mut cursor).await {
            Ok(round) => round,
            Err(err) => {
                let wait = health.failed(&err);
                if !pause(wait, &mut shutdown).await {
                    break;
                }
                continue;
            }
        };
        health.succeeded(round.behind);
        metrics::gauge!("hamkor_search_watermark").set(cursor.watermark as f64);
        if round.applied > 0 {
            tracing::debug!(applied = round.applied, behind = round.behind, "search index updated");
        }
        index.inner.applied.send_replace(cursor.watermark);
        applied_since_merge += round.applied;
        let loading = load.observe(round.more || round.applied >= indexer::BULK_ROUND, Instant::now());
        if loading != bulk {
            bulk = loading;
            if loading {
                index.inner.loading.store(true, std::sync::atomic::Ordering::SeqCst);
            }
            let writer = writer.clone();
            let _ = tokio::task::spawn_blocking(move || indexer::bulk_merging(&writer, loading)).await;
        }
        if round.more {
            continue;
        }
        if !bulk && applied_since_merge >= indexer::MERGE_AFTER_DOCUMENTS && !index.merging() {
            applied_since_merge = 0;
            let writer = writer.clone();
            let merge = tokio::task::spawn_blocking(move || indexer::merge_all(&writer)).await.ok().flatten();
            if let Some(merge) = merge {
                // Searches see the merged segment only once the reader reloads: at the end of
                // the merge, not at the next change, which may be hours away.
                index.inner.merging.store(true, std::sync::atomic::Ordering::SeqCst);
                let (index, reader) = (index.clone(), active.reader.clone());
                tokio::task::spawn_blocking(move || {
                    if let Err(err) = merge.wait() {
                        tracing::debug!(error = %err, "a full merge of the search index gave way to another");
                    }
                    if let Err(err) = reader.reload() {
                        tracing::warn!(error = %err, "cannot reload the search index after a merge");
                    }
                    index.inner.merging.store(false, std::sync::atomic::Ordering::SeqCst);
                });
            }
        }
        // Cleared only now, after a merge that ends the load has been marked as running.
        if !bulk {
            index.inner.loading.store(false, std::sync::atomic::Ordering::SeqCst);
        }
        if last_prune.elapsed() >= PRUNE_EVERY {
            last_prune = Instant::now();
            if let Err(err) = db::prune(&pool, LOG_RETENTION_DAYS).await {
                tracing::warn!(error = %err, "cannot prune the search change log");
            }
        }
        if listener.is_none() {
            listener = listen(&pool).await;
        }
        let notified = async {
            match listener.as_mut() {
                Some(l) => l.recv().await.is_ok(),
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            ok = notified => {
                // A broken LISTEN connection is dropped and made again after the next good
                // round; meanwhile the writer polls.
                if !ok {
                    listener = None;
                }
            }
            () = tokio::time::sleep(indexer::POLL) => {}
            _ = shutdown.changed() => {}
        }
        if bulk && !pause(BULK_COMMIT_INTERVAL.saturating_sub(round_started.elapsed()), &mut shutdown).await {
            break;
        }
    }
    let writer = Arc::try_unwrap(writer).ok().map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()));
    if let Some(writer) = writer {
        let _ = tokio::task::spawn_blocking(move || writer.wait_merging_threads()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A load stays one load across pauses shorter than [`BULK_QUIET`] (between its files),
    /// and is over after a longer quiet.
    #[test]
    fn a_bulk_load_lasts_until_the_log_has_been_quiet() {
        let start = Instant::now();
        let at = |seconds: u64| start + Duration::from_secs(seconds);
        let mut load = BulkLoad::default();
        assert!(!load.observe(false, at(0)), "single edits are no load");
        assert!(load.observe(true, at(1)));
        assert!(load.observe(false, at(3)), "a pause between two files");
        assert!(load.observe(true, at(5)), "the next file");
        assert!(load.observe(false, at(9)));
        assert!(!load.observe(false, at(11)), "quiet for longer than BULK_QUIET");
    }
}
