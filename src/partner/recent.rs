//! Partners as read moments ago, shared by the requests of one server process.
//!
//! A results page names the partners its hits and facets point to: a handful of rows that
//! change perhaps once a month, asked for by every search. Reading them was the one round
//! trip to PostgreSQL left in a results page. A row read less than [`MAX_AGE`] ago is used
//! as it is, so a renamed partner shows under its new name in search results at most that
//! long after the change: the same lag the hit list itself has behind PostgreSQL. Every
//! other way of reading a partner reads PostgreSQL.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sqlx::PgPool;

use super::{Partner, db};
use crate::error::Result;

/// How long a partner read for one search serves the next ones.
pub const MAX_AGE: Duration = Duration::from_secs(1);
/// Rows kept at most before the old ones are dropped (a library has a few hundred partners).
const MAX_ROWS: usize = 10_000;

#[derive(Default)]
pub struct RecentPartners {
    rows: Mutex<HashMap<i64, (Instant, Partner)>>,
}

impl RecentPartners {
    /// The partners of `ids` that exist, from those read less than [`MAX_AGE`] ago and, in
    /// one statement, the rest.
    pub async fn get_many(&self, pool: &PgPool, ids: &[i64]) -> Result<Vec<Partner>> {
        let now = Instant::now();
        let mut found = Vec::with_capacity(ids.len());
        let mut to_read = Vec::new();
        {
            let rows = self.rows.lock().unwrap_or_else(|e| e.into_inner());
            for &id in ids {
                match rows.get(&id) {
                    Some((read_at, partner)) if now.duration_since(*read_at) < MAX_AGE => found.push(partner.clone()),
                    _ => to_read.push(id),
                }
            }
        }
        if to_read.is_empty() {
            return Ok(found);
        }
        let read = db::get_many(pool, &to_read).await?;
        let mut rows = self.rows.lock().unwrap_or_else(|e| e.into_inner());
        if rows.len() + read.len() > MAX_ROWS {
            rows.retain(|_, (read_at, _)| now.duration_since(*read_at) < MAX_AGE);
        }
        // Dated from before the statement: a row is never trusted longer than it should be.
        for partner in &read {
            rows.insert(partner.id, (now, partner.clone()));
        }
        found.extend(read);
        Ok(found)
    }
}
