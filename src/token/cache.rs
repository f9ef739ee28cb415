//! Tokens cached for a minute, so a request costs no database round trip. Every server
//! listens for changes to tokens (a trigger notifies) and forgets its cache at once, so a
//! revoked token stops working everywhere within moments.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::PgPool;
use sqlx::postgres::PgListener;

use super::Token;
use crate::backoff::Backoff;

/// How long a token is trusted without looking again (a change notifies sooner).
const CACHE_TTL: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct TokenCache {
    entries: Mutex<HashMap<i64, (Option<Token>, Instant)>>,
}

impl TokenCache {
    /// Forgets every cached token: one changed.
    pub fn forget_all(&self) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    async fn get(&self, pool: &PgPool, id: i64) -> crate::error::Result<Option<Token>> {
        if let Some((token, at)) = self.entries.lock().unwrap_or_else(|e| e.into_inner()).get(&id)
            && at.elapsed() < CACHE_TTL
        {
            return Ok(token.clone());
        }
        let token = super::db::get(pool, id).await?;
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).insert(id, (token.clone(), Instant::now()));
        Ok(token)
    }

    /// The token a bearer string names, if it is valid now.
    pub async fn check(&self, pool: &PgPool, bearer: &str) -> crate::error::Result<Option<Token>> {
        let Some((id, secret)) = super::parse(bearer) else { return Ok(None) };
        let token = self.get(pool, id).await?;
        Ok(token.filter(|t| t.matches(secret) && t.is_valid_at(chrono::Utc::now())))
    }

    /// Forgets the cache whenever a token changes, until the pool is closed. A lost
    /// connection is made again with back-off; meanwhile the cache's TTL bounds staleness.
    pub fn listen(self: &Arc<Self>, pool: PgPool) {
        let cache = Arc::clone(self);
        tokio::spawn(async move {
            let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(30));
            while !pool.is_closed() {
                let listener = async {
                    let mut listener = PgListener::connect_with(&pool).await?;
                    listener.listen("hamkor_tokens").await?;
                    Ok::<_, sqlx::Error>(listener)
                };
                let mut listener = match listener.await {
                    Ok(listener) => listener,
                    Err(_) => {
                        tokio::time::sleep(backoff.step()).await;
                        continue;
                    }
                };
                backoff.reset();
                // Whatever changed while nobody listened is forgotten too.
                cache.forget_all();
                while listener.try_recv().await.is_ok_and(|n| n.is_some()) {
                    cache.forget_all();
                }
                cache.forget_all();
            }
        });
    }
}
