//! Changes to requests as they happen, from every server process: a trigger notifies
//! `hamkor_ill` with the request's and its partner's ids on every change, and each process
//! passes them on to its subscribers.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::broadcast;

use crate::backoff::Backoff;

/// A request that changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Update {
    pub request_id: i64,
    pub partner_id: i64,
}

/// A subscriber that falls this far behind misses the oldest updates (and is told).
const BUFFER: usize = 1024;

/// The process's feed of request changes.
#[derive(Clone)]
pub struct Updates {
    sender: broadcast::Sender<Update>,
}

impl Default for Updates {
    fn default() -> Self {
        Updates { sender: broadcast::channel(BUFFER).0 }
    }
}

impl Updates {
    pub fn subscribe(&self) -> broadcast::Receiver<Update> {
        self.sender.subscribe()
    }

    /// Follows the database's notifications until the pool is closed.
    pub fn listen(&self, pool: PgPool) {
        let sender = self.sender.clone();
        tokio::spawn(async move {
            let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(30));
            while !pool.is_closed() {
                let listener = async {
                    let mut listener = PgListener::connect_with(&pool).await?;
                    listener.listen("hamkor_ill").await?;
                    Ok::<_, sqlx::Error>(listener)
                };
                let Ok(mut listener) = listener.await else {
                    tokio::time::sleep(backoff.step()).await;
                    continue;
                };
                backoff.reset();
                while let Ok(Some(notification)) = listener.try_recv().await {
                    if let Some(update) = parse(notification.payload()) {
                        // No subscriber: nobody to tell.
                        let _ = sender.send(update);
                    }
                }
            }
        });
    }
}

fn parse(payload: &str) -> Option<Update> {
    let (request, partner) = payload.split_once(',')?;
    Some(Update { request_id: request.parse().ok()?, partner_id: partner.parse().ok()? })
}

#[cfg(test)]
mod tests {
    #[test]
    fn payloads_name_the_request_and_its_partner() {
        assert_eq!(super::parse("12,3"), Some(super::Update { request_id: 12, partner_id: 3 }));
        assert_eq!(super::parse("12"), None);
        assert_eq!(super::parse("x,3"), None);
    }
}
