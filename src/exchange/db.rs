//! All SQL about exchange shipments.

use chrono::NaiveDate;
use sqlx::{PgConnection, PgPool};

use super::{Exchange, ExchangeBalance, ExchangeDirection, ExchangeDraft, ExchangeEvent, ExchangeLine, ExchangeStatus};
use crate::db::list::{Conditions, Listing, Scope};
use crate::error::{Error, Result};

const SELECT: &str = "
    SELECT e.id, e.partner_id, e.agreement_id, e.direction, e.status, e.reference, e.note, e.expected_on,
           e.dispatched_on, e.received_on, e.acknowledged_on, e.created_at, e.updated_at
    FROM exchanges e";

#[derive(Clone, Debug, Default)]
pub struct ExchangeFilter {
    pub partner_id: Option<i64>,
    pub direction: Option<ExchangeDirection>,
    pub status: Option<ExchangeStatus>,
    /// On the shipment's most telling date: received, else dispatched, else expected.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// Shipments are listed by their most telling date: received, else dispatched, else expected.
#[derive(Clone, Copy, Debug, Default)]
pub enum ExchangeOrder {
    #[default]
    Date,
}

const DATE: &str = "COALESCE(e.received_on, e.dispatched_on, e.expected_on)";

impl Listing for ExchangeFilter {
    type Row = Exchange;
    type Order = ExchangeOrder;
    const SELECT: &'static str = SELECT;
    const FROM: &'static str = "exchanges e";
    const ID: &'static str = "e.id";

    fn conditions<'args>(&'args self, w: &mut Conditions<'_, 'args>) {
        if let Some(partner_id) = self.partner_id {
            w.bound("e.partner_id = ", partner_id);
        }
        if let Some(direction) = self.direction {
            w.bound("e.direction = ", direction.as_str());
        }
        if let Some(status) = self.status {
            w.bound("e.status = ", status.as_str());
        }
        if let Some(from) = self.from {
            w.and(DATE).push(" >= ").push_bind(from);
        }
        if let Some(to) = self.to {
            w.and(DATE).push(" <= ").push_bind(to);
        }
    }

    /// Shipments are the office's and their partner's business.
    fn scope(scope: Scope, w: &mut Conditions<'_, '_>) {
        match scope {
            Scope::Everything => {}
            Scope::Public => {
                w.and("FALSE");
            }
            Scope::Partner(partner_id) => w.bound("e.partner_id = ", partner_id),
        }
    }

    fn order_by(ExchangeOrder::Date: ExchangeOrder) -> &'static str {
        DATE
    }
}

pub async fn get(conn: &mut PgConnection, id: i64) -> Result<Exchange> {
    sqlx::query_as(&format!("{SELECT} WHERE e.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::not_found("Exchange", id))
}

pub async fn get_for_update(conn: &mut PgConnection, id: i64) -> Result<Exchange> {
    sqlx::query_as(&format!("{SELECT} WHERE e.id = $1 FOR UPDATE"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::not_found("Exchange", id))
}

pub async fn get_many(pool: &PgPool, ids: &[i64]) -> Result<Vec<Exchange>> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE e.id = ANY($1)")).bind(ids).fetch_all(pool).await?)
}

/// The partner a shipment is with; `None` when no shipment has this id.
pub async fn partner_of(conn: &mut PgConnection, id: i64) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT partner_id FROM exchanges WHERE id = $1").bind(id).fetch_optional(conn).await?)
}

pub async fn insert(conn: &mut PgConnection, draft: &ExchangeDraft) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO exchanges (partner_id, agreement_id, direction, reference, note, expected_on)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(draft.partner_id)
    .bind(draft.agreement_id)
    .bind(draft.direction.as_str())
    .bind(&draft.reference)
    .bind(&draft.note)
    .bind(draft.expected_on)
    .fetch_one(&mut *conn)
    .await?;
    set_lines(conn, id, &draft.lines).await?;
    Ok(id)
}

/// Replaces the lines of a shipment.
pub async fn set_lines(conn: &mut PgConnection, id: i64, lines: &[(i64, i32)]) -> Result<()> {
    let removed: Vec<i64> =
        sqlx::query_scalar("DELETE FROM exchange_lines WHERE exchange_id = $1 RETURNING document_id")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    let documents: Vec<i64> = lines.iter().map(|(d, _)| *d).collect();
    let copies: Vec<i32> = lines.iter().map(|(_, c)| *c).collect();
    sqlx::query(
        "INSERT INTO exchange_lines (exchange_id, document_id, copies) SELECT $1, * FROM unnest($2::bigint[], $3::int[])",
    )
    .bind(id)
    .bind(&documents)
    .bind(&copies)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE exchanges SET updated_at = now() WHERE id = $1").bind(id).execute(&mut *conn).await?;
    // A document joining or leaving a shipment joins or leaves its OAI-PMH set: its change
    // date moves, so that harvesters of the set hear of it.
    let changed: Vec<i64> =
        removed.iter().chain(&documents).copied().filter(|d| !(removed.contains(d) && documents.contains(d))).collect();
    if !changed.is_empty() {
        sqlx::query("UPDATE documents SET updated_at = now() WHERE id = ANY($1)").bind(&changed).execute(conn).await?;
    }
    Ok(())
}

pub async fn lines(conn: &mut PgConnection, id: i64) -> Result<Vec<ExchangeLine>> {
    Ok(sqlx::query_as(
        "SELECT exchange_id, document_id, copies FROM exchange_lines WHERE exchange_id = $1 ORDER BY document_id",
    )
    .bind(id)
    .fetch_all(conn)
    .await?)
}

pub async fn lines_of(pool: &PgPool, ids: &[i64]) -> Result<Vec<ExchangeLine>> {
    Ok(sqlx::query_as(
        "SELECT exchange_id, document_id, copies FROM exchange_lines WHERE exchange_id = ANY($1) ORDER BY exchange_id, document_id",
    )
    .bind(ids)
    .fetch_all(pool)
    .await?)
}

pub async fn events_of(pool: &PgPool, ids: &[i64]) -> Result<Vec<ExchangeEvent>> {
    Ok(sqlx::query_as(
        "SELECT id, exchange_id, from_status, to_status, actor, note, happened_on, recorded_at
         FROM exchange_events WHERE exchange_id = ANY($1) ORDER BY exchange_id, id",
    )
    .bind(ids)
    .fetch_all(pool)
    .await?)
}

/// Sets the status and the date that goes with it (dispatched, received, acknowledged).
pub async fn set_status(conn: &mut PgConnection, id: i64, to: ExchangeStatus, on: NaiveDate) -> Result<()> {
    sqlx::query(
        "UPDATE exchanges SET status = $2,
                dispatched_on = CASE WHEN $2 = 'dispatched' THEN $3 ELSE dispatched_on END,
                received_on = CASE WHEN $2 = 'received' THEN $3 ELSE received_on END,
                acknowledged_on = CASE WHEN $2 = 'acknowledged' THEN $3 ELSE acknowledged_on END,
                updated_at = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(to.as_str())
    .bind(on)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn add_event(
    conn: &mut PgConnection,
    id: i64,
    from: Option<ExchangeStatus>,
    to: ExchangeStatus,
    actor: &str,
    note: Option<&str>,
    on: NaiveDate,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO exchange_events (exchange_id, from_status, to_status, actor, note, happened_on)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(from.map(ExchangeStatus::as_str))
    .bind(to.as_str())
    .bind(actor)
    .bind(note)
    .bind(on)
    .execute(conn)
    .await?;
    Ok(())
}

/// The exchange balance of several partners for one year, in one statement.
pub async fn balances(pool: &PgPool, partner_ids: Option<&[i64]>, year: i32) -> Result<Vec<ExchangeBalance>> {
    Ok(sqlx::query_as(
        "SELECT e.partner_id, $2::int AS year,
                count(DISTINCT l.document_id) FILTER (WHERE e.direction = 'outgoing') AS sent_titles,
                COALESCE(sum(l.copies) FILTER (WHERE e.direction = 'outgoing'), 0)::bigint AS sent_copies,
                count(DISTINCT l.document_id) FILTER (WHERE e.direction = 'incoming') AS received_titles,
                COALESCE(sum(l.copies) FILTER (WHERE e.direction = 'incoming'), 0)::bigint AS received_copies
         FROM exchanges e JOIN exchange_lines l ON l.exchange_id = e.id
         WHERE ($1::bigint[] IS NULL OR e.partner_id = ANY($1))
           AND e.status <> 'cancelled'
           AND ((e.direction = 'outgoing' AND e.dispatched_on IS NOT NULL AND extract(year FROM e.dispatched_on) = $2)
             OR (e.direction = 'incoming' AND e.received_on IS NOT NULL AND extract(year FROM e.received_on) = $2))
         GROUP BY e.partner_id
         ORDER BY e.partner_id",
    )
    .bind(partner_ids)
    .bind(year)
    .fetch_all(pool)
    .await?)
}
