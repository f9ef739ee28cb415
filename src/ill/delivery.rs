//! Delivers the outbox: every message this library's actions put there is POSTed to the
//! partner's ISO 18626 endpoint, oldest first per request, until the partner's system
//! confirms it. A network failure or a server error is retried with back-off (2 s doubling
//! to an hour, for as long as it takes); an `ERROR` confirmation is final, since sending the
//! same message again would get the same answer, and shows on the request with the partner's
//! error. Several server processes share the work: each claims a message with
//! `FOR UPDATE SKIP LOCKED`.

use std::time::Duration;

use chrono::Utc;
use sqlx::PgPool;
use sqlx::postgres::PgListener;

use super::{db, iso18626};
use crate::backoff::Backoff;

/// How long a partner's system may take to answer one message.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest the worker sleeps when no message is due and no notification arrives.
const IDLE_POLL: Duration = Duration::from_secs(5);

/// The wait before retry `attempt` (1 for the first retry): 2 s, doubling, at most an hour.
pub fn retry_delay(attempt: i32) -> Duration {
    let exponent = attempt.clamp(1, 12) as u32 - 1;
    Duration::from_secs(2u64.saturating_mul(1 << exponent)).min(Duration::from_secs(3600))
}

/// Starts the delivery worker; it stops when the pool is closed.
pub fn start(pool: PgPool) {
    tokio::spawn(async move {
        let client = match reqwest::Client::builder().timeout(SEND_TIMEOUT).build() {
            Ok(client) => client,
            Err(err) => {
                tracing::error!(error = %err, "cannot build the HTTP client for ISO 18626 delivery");
                return;
            }
        };
        let mut listener: Option<PgListener> = None;
        let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(30));
        while !pool.is_closed() {
            match deliver_due(&pool, &client).await {
                Ok(()) => backoff.reset(),
                Err(err) => {
                    if !pool.is_closed() {
                        tracing::debug!(error = %err, "ISO 18626 delivery paused");
                    }
                    tokio::time::sleep(backoff.step()).await;
                    continue;
                }
            }
            if listener.is_none() {
                listener = async {
                    let mut l = PgListener::connect_with(&pool).await.ok()?;
                    l.listen("hamkor_ill_outbox").await.ok()?;
                    Some(l)
                }
                .await;
            }
            let wait = match db::next_due_at(&pool).await {
                Ok(Some(at)) => (at - Utc::now()).to_std().unwrap_or_default().min(IDLE_POLL),
                _ => IDLE_POLL,
            };
            match listener.as_mut() {
                Some(l) => {
                    if let Ok(Err(_)) = tokio::time::timeout(wait, l.recv()).await {
                        listener = None;
                    }
                }
                None => tokio::time::sleep(wait).await,
            }
        }
    });
}

/// Delivers every message due now.
async fn deliver_due(pool: &PgPool, client: &reqwest::Client) -> crate::error::Result<()> {
    loop {
        let mut tx = pool.begin().await?;
        let Some(due) = db::next_due(&mut tx).await? else {
            tx.rollback().await?;
            return Ok(());
        };
        let attempt = due.attempts + 1;
        match (&due.url, send(client, &due).await) {
            (None, _) => {
                db::rejected(&mut tx, due.id, "the partner has no ISO 18626 endpoint any more").await?;
            }
            (Some(_), Ok(())) => db::delivered(&mut tx, due.id).await?,
            (Some(_), Err(Failure::Rejected(error))) => {
                tracing::warn!(message = due.id, request = due.request_id, %error, "a partner's system refused a message");
                db::rejected(&mut tx, due.id, &error).await?;
            }
            (Some(url), Err(Failure::Transient(error))) => {
                let delay = retry_delay(attempt);
                tracing::info!(message = due.id, %url, attempt, %error, retry_in = ?delay, "ISO 18626 delivery failed; will retry");
                let retry_at = Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default();
                db::failed(&mut tx, due.id, &error, retry_at).await?;
            }
        }
        tx.commit().await?;
    }
}

enum Failure {
    /// Worth trying again later.
    Transient(String),
    /// The partner's system refused the message.
    Rejected(String),
}

async fn send(client: &reqwest::Client, due: &db::Due) -> Result<(), Failure> {
    let Some(url) = &due.url else { return Err(Failure::Rejected("no endpoint".into())) };
    let mut request = client.post(url).header("content-type", "application/xml").body(due.body.clone());
    if let Some(credential) = &due.credential {
        request = request.bearer_auth(credential);
    }
    let response = request.send().await.map_err(|e| Failure::Transient(format!("cannot reach {url}: {e}")))?;
    let status = response.status();
    let body = response.text().await.map_err(|e| Failure::Transient(format!("no answer from {url}: {e}")))?;
    if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 {
        return Err(Failure::Transient(format!("{url} answered HTTP {status}")));
    }
    if status.is_client_error() {
        return Err(Failure::Rejected(format!("{url} answered HTTP {status}")));
    }
    match iso18626::parse_confirmation(&body) {
        Ok(confirmation) if confirmation.ok => Ok(()),
        Ok(confirmation) => {
            let (kind, value) = confirmation.error.unwrap_or_else(|| ("unknown".into(), None));
            Err(Failure::Rejected(format!("{kind}: {}", value.unwrap_or_default())))
        }
        Err(reason) => Err(Failure::Transient(format!("{url} did not answer with a confirmation: {reason}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::retry_delay;
    use std::time::Duration;

    #[test]
    fn retries_wait_longer_each_time_up_to_an_hour() {
        let waits: Vec<u64> = [1, 2, 3, 10, 12, 50].iter().map(|&a| retry_delay(a).as_secs()).collect();
        assert_eq!(waits, [2, 4, 8, 1024, 3600, 3600]);
        assert_eq!(retry_delay(0), Duration::from_secs(2));
    }
}
