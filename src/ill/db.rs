//! All SQL about interlibrary loan: requests, their history, the outbox and partners'
//! endpoints.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool};

use super::{Delivery, Endpoint, IllDraft, IllEvent, IllRequest, Pending, Role, ServiceType, Status};
use crate::db::list::{Conditions, Listing, Scope};
use crate::error::{Error, Result};
use crate::holding::HoldingStatus;

const SELECT: &str = "
    SELECT r.id, r.role, r.partner_id, r.service_type, r.status, r.pending, r.document_id, r.title, r.author,
           r.isbn, r.issn, r.publication_year, r.volume, r.pages, r.holding_id, r.patron_reference,
           r.need_before, r.due_date, r.partner_request_id, r.conditions, r.unfilled_reason, r.version,
           r.created_at, r.updated_at, r.supplied_at, r.closed_at
    FROM ill_requests r";

#[derive(Clone, Debug, Default)]
pub struct IllFilter {
    pub role: Option<Role>,
    pub partner_id: Option<i64>,
    pub status: Option<Status>,
    /// `Some(true)`: not closed; `Some(false)`: closed.
    pub open: Option<bool>,
    /// Loans past their due date (marked or not yet marked by the overdue job).
    pub overdue: Option<bool>,
    pub document_id: Option<i64>,
    /// Created on or after this day.
    pub from: Option<NaiveDate>,
    /// ... and on or before this day.
    pub to: Option<NaiveDate>,
    /// Today, for `overdue`.
    pub today: Option<NaiveDate>,
}

#[derive(Clone, Copy, Debug, Default)]
pub enum IllOrder {
    #[default]
    CreatedAt,
    UpdatedAt,
    DueDate,
    NeedBefore,
}

const CLOSED: &str = "('copy_completed', 'loan_completed', 'completed_without_return', 'unfilled', 'cancelled')";

impl Listing for IllFilter {
    type Row = IllRequest;
    type Order = IllOrder;
    const SELECT: &'static str = SELECT;
    const FROM: &'static str = "ill_requests r";
    const ID: &'static str = "r.id";

    fn conditions<'args>(&'args self, w: &mut Conditions<'_, 'args>) {
        if let Some(role) = self.role {
            w.bound("r.role = ", role.as_str());
        }
        if let Some(partner_id) = self.partner_id {
            w.bound("r.partner_id = ", partner_id);
        }
        if let Some(status) = self.status {
            w.bound("r.status = ", status.as_str());
        }
        if let Some(document_id) = self.document_id {
            w.bound("r.document_id = ", document_id);
        }
        match self.open {
            Some(true) => {
                w.and(&format!("r.status NOT IN {CLOSED}"));
            }
            Some(false) => {
                w.and(&format!("r.status IN {CLOSED}"));
            }
            None => {}
        }
        if let Some(overdue) = self.overdue {
            let today = self.today.unwrap_or_else(|| Utc::now().date_naive());
            let sql = if overdue {
                "(r.status = 'overdue' OR (r.status IN ('loaned', 'received') AND r.due_date < "
            } else {
                "NOT (r.status = 'overdue' OR (r.status IN ('loaned', 'received') AND r.due_date IS NOT NULL AND r.due_date < "
            };
            w.and(sql).push_bind(today).push("))");
        }
        if let Some(from) = self.from {
            w.and("r.created_at >= ").push_bind(from).push("::date");
        }
        if let Some(to) = self.to {
            w.and("r.created_at < ").push_bind(to).push("::date + 1");
        }
    }

    /// A partner sees the requests between it and this library; the public sees none.
    fn scope(scope: Scope, w: &mut Conditions<'_, '_>) {
        match scope {
            Scope::Everything => {}
            Scope::Public => {
                w.and("FALSE");
            }
            Scope::Partner(partner_id) => w.bound("r.partner_id = ", partner_id),
        }
    }

    fn order_by(order: IllOrder) -> &'static str {
        match order {
            IllOrder::CreatedAt => "r.created_at",
            IllOrder::UpdatedAt => "r.updated_at",
            IllOrder::DueDate => "r.due_date",
            IllOrder::NeedBefore => "r.need_before",
        }
    }
}

pub async fn get(conn: &mut PgConnection, id: i64) -> Result<IllRequest> {
    sqlx::query_as(&format!("{SELECT} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::not_found("IllRequest", id))
}

pub async fn get_many(pool: &PgPool, ids: &[i64]) -> Result<Vec<IllRequest>> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE r.id = ANY($1)")).bind(ids).fetch_all(pool).await?)
}

/// The request the partner's system knows by `partner_request_id`, in `role`.
pub async fn find_by_partner_request(
    conn: &mut PgConnection,
    partner_id: i64,
    role: Role,
    partner_request_id: &str,
) -> Result<Option<IllRequest>> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE r.partner_id = $1 AND r.role = $2 AND r.partner_request_id = $3"))
        .bind(partner_id)
        .bind(role.as_str())
        .bind(partner_request_id)
        .fetch_optional(conn)
        .await?)
}

pub async fn insert(conn: &mut PgConnection, role: Role, service: ServiceType, draft: &IllDraft) -> Result<i64> {
    let id = sqlx::query_scalar(
        "INSERT INTO ill_requests (role, partner_id, service_type, status, document_id, title, author, isbn, issn,
                                   publication_year, volume, pages, patron_reference, need_before, partner_request_id)
         VALUES ($1, $2, $3, 'request_received', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         RETURNING id",
    )
    .bind(role.as_str())
    .bind(draft.partner_id)
    .bind(service.as_str())
    .bind(draft.document_id)
    .bind(draft.title.as_deref().unwrap_or_default())
    .bind(&draft.author)
    .bind(&draft.isbn)
    .bind(&draft.issn)
    .bind(&draft.publication_year)
    .bind(&draft.volume)
    .bind(&draft.pages)
    .bind(&draft.patron_reference)
    .bind(draft.need_before)
    .bind(&draft.partner_request_id)
    .fetch_one(conn)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(db) if db.constraint() == Some("ill_requests_partner_request_key") => Error::Conflict {
            field: "partnerRequestId".into(),
            message: "the partner already has a request with this id".into(),
        },
        _ => Error::from(e),
    })?;
    Ok(id)
}

/// The state an action leaves.
#[derive(Clone, Debug)]
pub struct StateChange {
    pub status: Status,
    pub pending: Option<Pending>,
    pub due_date: Option<NaiveDate>,
    pub conditions: Option<String>,
    pub unfilled_reason: Option<String>,
    pub holding_id: Option<i64>,
    pub supplied: bool,
    pub closed: bool,
    pub partner_request_id: Option<String>,
}

/// Writes the new state if the request is still at `version`; `false` if another change won.
pub async fn set_state(conn: &mut PgConnection, id: i64, version: i32, change: &StateChange) -> Result<bool> {
    let updated = sqlx::query(
        "UPDATE ill_requests
            SET status = $3, pending = $4, due_date = $5, conditions = $6, unfilled_reason = $7, holding_id = $8,
                supplied_at = CASE WHEN $9 THEN now() ELSE supplied_at END,
                closed_at = CASE WHEN $10 THEN now() ELSE NULL END,
                partner_request_id = $11,
                version = version + 1, updated_at = now()
          WHERE id = $1 AND version = $2",
    )
    .bind(id)
    .bind(version)
    .bind(change.status.as_str())
    .bind(change.pending.map(Pending::as_str))
    .bind(change.due_date)
    .bind(&change.conditions)
    .bind(&change.unfilled_reason)
    .bind(change.holding_id)
    .bind(change.supplied)
    .bind(change.closed)
    .bind(&change.partner_request_id)
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Records the partner's id of a borrowing request, learnt from its first answer.
pub async fn set_partner_request_id(conn: &mut PgConnection, id: i64, partner_request_id: &str) -> Result<()> {
    sqlx::query("UPDATE ill_requests SET partner_request_id = $2 WHERE id = $1 AND partner_request_id IS NULL")
        .bind(id)
        .bind(partner_request_id)
        .execute(conn)
        .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub async fn add_event(
    conn: &mut PgConnection,
    request_id: i64,
    actor: &str,
    action: &str,
    before: Option<Status>,
    after: Status,
    note: Option<&str>,
    direction: Option<&str>,
    message: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO ill_events (request_id, actor, action, status_before, status_after, note, message_direction, message)
         VALUES ($1, left($2, 200), $3, $4, $5, $6, $7, $8)",
    )
    .bind(request_id)
    .bind(actor)
    .bind(action)
    .bind(before.map(Status::as_str))
    .bind(after.as_str())
    .bind(note)
    .bind(direction)
    .bind(message)
    .execute(conn)
    .await?;
    Ok(())
}

/// The history of many requests, oldest first.
pub async fn events_of(pool: &PgPool, request_ids: &[i64]) -> Result<Vec<IllEvent>> {
    Ok(sqlx::query_as(
        "SELECT id, request_id, at, actor, action, status_before, status_after, note, message_direction, message
           FROM ill_events WHERE request_id = ANY($1) ORDER BY request_id, id",
    )
    .bind(request_ids)
    .fetch_all(pool)
    .await?)
}

/// The messages of many requests to partners' systems, oldest first.
pub async fn deliveries_of(pool: &PgPool, request_ids: &[i64]) -> Result<Vec<Delivery>> {
    Ok(sqlx::query_as(
        "SELECT id, request_id, kind, created_at, attempts, next_attempt_at, delivered_at, rejected_at, last_error
           FROM ill_outbox WHERE request_id = ANY($1) ORDER BY request_id, id",
    )
    .bind(request_ids)
    .fetch_all(pool)
    .await?)
}

/// One of this library's available copies of a document.
pub async fn available_copy(conn: &mut PgConnection, document_id: i64) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM holdings WHERE document_id = $1 AND holder_partner_id IS NULL AND status = $2
          ORDER BY id LIMIT 1 FOR UPDATE",
    )
    .bind(document_id)
    .bind(HoldingStatus::Available.as_str())
    .fetch_optional(conn)
    .await?)
}

// ---------------------------------------------------------------------------------------
// Endpoints and the outbox

pub async fn endpoint(conn: &mut PgConnection, partner_id: i64) -> Result<Option<Endpoint>> {
    Ok(sqlx::query_as("SELECT partner_id, url, credential FROM ill_endpoints WHERE partner_id = $1")
        .bind(partner_id)
        .fetch_optional(conn)
        .await?)
}

pub async fn endpoints_of(pool: &PgPool, partner_ids: &[i64]) -> Result<Vec<Endpoint>> {
    Ok(sqlx::query_as("SELECT partner_id, url, credential FROM ill_endpoints WHERE partner_id = ANY($1)")
        .bind(partner_ids)
        .fetch_all(pool)
        .await?)
}

/// Sets (or with `url` `None`, removes) where a partner's system listens.
pub async fn set_endpoint(
    conn: &mut PgConnection,
    partner_id: i64,
    url: Option<&str>,
    credential: Option<&str>,
) -> Result<()> {
    match url {
        Some(url) => {
            sqlx::query(
                "INSERT INTO ill_endpoints (partner_id, url, credential) VALUES ($1, $2, $3)
                 ON CONFLICT (partner_id) DO UPDATE SET url = $2, credential = $3, updated_at = now()",
            )
            .bind(partner_id)
            .bind(url)
            .bind(credential)
            .execute(conn)
            .await?;
        }
        None => {
            sqlx::query("DELETE FROM ill_endpoints WHERE partner_id = $1").bind(partner_id).execute(conn).await?;
        }
    }
    Ok(())
}

/// The partner whose ISIL is `isil`.
pub async fn partner_by_isil(conn: &mut PgConnection, isil: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM partners WHERE upper(isil) = upper($1)")
        .bind(isil)
        .fetch_optional(conn)
        .await?)
}

pub async fn enqueue(conn: &mut PgConnection, request_id: i64, partner_id: i64, kind: &str, body: &str) -> Result<()> {
    sqlx::query("INSERT INTO ill_outbox (request_id, partner_id, kind, body) VALUES ($1, $2, $3, $4)")
        .bind(request_id)
        .bind(partner_id)
        .bind(kind)
        .bind(body)
        .execute(&mut *conn)
        .await?;
    sqlx::query("SELECT pg_notify('hamkor_ill_outbox', '')").execute(conn).await?;
    Ok(())
}

/// A message due for delivery, with where it goes.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Due {
    pub id: i64,
    pub request_id: i64,
    pub body: String,
    pub attempts: i32,
    pub url: Option<String>,
    pub credential: Option<String>,
}

/// Claims the next message due, locked until the transaction ends so that another server
/// process takes another one: the oldest undelivered message of its request, so a request's
/// messages arrive in order.
pub async fn next_due(conn: &mut PgConnection) -> Result<Option<Due>> {
    Ok(sqlx::query_as(
        "SELECT o.id, o.request_id, o.body, o.attempts, e.url, e.credential
           FROM ill_outbox o LEFT JOIN ill_endpoints e ON e.partner_id = o.partner_id
          WHERE o.delivered_at IS NULL AND o.rejected_at IS NULL AND o.next_attempt_at <= now()
            AND NOT EXISTS (SELECT 1 FROM ill_outbox earlier
                             WHERE earlier.request_id = o.request_id AND earlier.id < o.id
                               AND earlier.delivered_at IS NULL AND earlier.rejected_at IS NULL)
          ORDER BY o.next_attempt_at, o.id
          LIMIT 1
          FOR UPDATE OF o SKIP LOCKED",
    )
    .fetch_optional(conn)
    .await?)
}

pub async fn delivered(conn: &mut PgConnection, id: i64) -> Result<()> {
    sqlx::query("UPDATE ill_outbox SET delivered_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn rejected(conn: &mut PgConnection, id: i64, error: &str) -> Result<()> {
    sqlx::query(
        "UPDATE ill_outbox SET rejected_at = now(), attempts = attempts + 1, last_error = left($2, 1000) WHERE id = $1",
    )
    .bind(id)
    .bind(error)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn failed(conn: &mut PgConnection, id: i64, error: &str, retry_at: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "UPDATE ill_outbox SET attempts = attempts + 1, last_error = left($2, 1000), next_attempt_at = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(error)
    .bind(retry_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// When the next message falls due, if any is waiting.
pub async fn next_due_at(pool: &PgPool) -> Result<Option<DateTime<Utc>>> {
    Ok(sqlx::query_scalar(
        "SELECT min(next_attempt_at) FROM ill_outbox WHERE delivered_at IS NULL AND rejected_at IS NULL",
    )
    .fetch_one(pool)
    .await?)
}

/// Loans past their due date that the overdue job has not marked yet.
pub async fn overdue_candidates(conn: &mut PgConnection, today: NaiveDate) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM ill_requests WHERE status IN ('loaned', 'received') AND due_date < $1 ORDER BY id",
    )
    .bind(today)
    .fetch_all(conn)
    .await?)
}
