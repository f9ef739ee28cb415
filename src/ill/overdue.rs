//! The overdue job: loans past their due date become `Overdue`, with an entry in their
//! history and, for loans this library lent, a message to the borrower's system. Every server
//! process runs the job; a PostgreSQL advisory lock lets one of them work at a time, so a loan
//! is marked once however many servers run.

use std::time::Duration;

use sqlx::PgPool;

use super::{Action, ActionInput, Actor, Agency, Side, db};
use crate::error::Result;

/// The advisory lock the job holds while it runs (an arbitrary constant of hamkor's own).
pub const LOCK: i64 = 0x6861_6d6b_6f72_0001;
/// How often each server looks for overdue loans by default.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(3600);

/// Marks every loan past its due date; `None` if another process holds the job's lock.
pub async fn run_once(pool: &PgPool, agency: &Agency) -> Result<Option<usize>> {
    let mut tx = pool.begin().await?;
    let locked: bool =
        sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)").bind(LOCK).fetch_one(&mut *tx).await?;
    if !locked {
        return Ok(None);
    }
    let today = crate::db::today(&mut *tx).await?;
    let actor = Actor { name: "system".into(), side: Side::System, message: None };
    let mut marked = 0;
    for id in db::overdue_candidates(&mut tx, today).await? {
        super::act(&mut tx, id, Action::MarkOverdue, ActionInput::default(), &actor, agency).await?;
        marked += 1;
    }
    tx.commit().await?;
    Ok(Some(marked))
}

/// Runs the job every `interval` until the pool is closed.
pub fn start(pool: PgPool, agency: Agency, interval: Duration) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        while !pool.is_closed() {
            ticker.tick().await;
            match run_once(&pool, &agency).await {
                Ok(Some(marked)) if marked > 0 => tracing::info!(marked, "loans past their due date marked overdue"),
                Ok(_) => {}
                Err(err) if !pool.is_closed() => {
                    tracing::warn!(error = %err, "the overdue job failed; it runs again later")
                }
                Err(_) => {}
            }
        }
    });
}
