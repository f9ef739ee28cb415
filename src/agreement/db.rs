//! All SQL about agreements.

use sqlx::{PgConnection, PgPool};

use super::{Agreement, AgreementDraft, AgreementKind, AgreementPatch, AgreementStatus};
use crate::db::{Direction, Window, escape_like};
use crate::error::{Error, Result};

/// The effective status: `expired` follows from the dates and is never stored.
const STATUS: &str = "CASE WHEN a.status = 'active' AND a.valid_until < current_date THEN 'expired' ELSE a.status END";

fn select() -> String {
    format!(
        "SELECT a.id, a.partner_id, a.kind, a.title, a.signed_on, a.valid_from, a.valid_until,
                {STATUS} AS status, a.scope, a.created_at, a.updated_at
         FROM agreements a"
    )
}

fn filter_sql() -> String {
    format!(
        "WHERE ($1::bigint IS NULL OR a.partner_id = $1)
           AND ($2::text IS NULL OR a.kind = $2)
           AND ($3::text IS NULL OR {STATUS} = $3)
           AND ($4::int IS NULL OR (a.status = 'active' AND a.valid_until BETWEEN current_date AND current_date + $4))
           AND ($5::text IS NULL OR a.title ILIKE '%' || $5 || '%')"
    )
}

#[derive(Clone, Debug, Default)]
pub struct AgreementFilter {
    pub partner_id: Option<i64>,
    pub kind: Option<AgreementKind>,
    pub status: Option<AgreementStatus>,
    /// Active agreements whose validity ends between today and today + N days.
    pub expires_within_days: Option<i32>,
    pub title_contains: Option<String>,
}

#[derive(Clone, Copy, Debug, Default)]
pub enum AgreementOrder {
    #[default]
    SignedOn,
    ValidUntil,
    Title,
    CreatedAt,
}

impl AgreementOrder {
    fn sql(self) -> &'static str {
        match self {
            AgreementOrder::SignedOn => "a.signed_on",
            AgreementOrder::ValidUntil => "a.valid_until",
            AgreementOrder::Title => "lower(a.title)",
            AgreementOrder::CreatedAt => "a.created_at",
        }
    }
}

type Query<'q, O> = sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>;

fn bind_filter<'q, O>(query: Query<'q, O>, filter: &'q AgreementFilter) -> Query<'q, O> {
    query
        .bind(filter.partner_id)
        .bind(filter.kind.map(AgreementKind::as_str))
        .bind(filter.status.map(AgreementStatus::as_str))
        .bind(filter.expires_within_days)
        .bind(filter.title_contains.as_deref().map(escape_like))
}

pub async fn count(pool: &PgPool, filter: &AgreementFilter) -> Result<i64> {
    let sql = format!("SELECT count(*) FROM agreements a {}", filter_sql());
    let (n,): (i64,) = bind_filter(sqlx::query_as(&sql), filter).fetch_one(pool).await?;
    Ok(n)
}

pub async fn list(
    pool: &PgPool,
    filter: &AgreementFilter,
    order: AgreementOrder,
    direction: Direction,
    window: Window,
) -> Result<Vec<Agreement>> {
    let sql = format!(
        "{} {} ORDER BY {} {dir} NULLS LAST, a.id {dir} LIMIT $6 OFFSET $7",
        select(),
        filter_sql(),
        order.sql(),
        dir = direction.sql()
    );
    Ok(bind_filter(sqlx::query_as(&sql), filter).bind(window.limit).bind(window.offset).fetch_all(pool).await?)
}

pub async fn get_many(pool: &PgPool, ids: &[i64]) -> Result<Vec<Agreement>> {
    let sql = format!("{} WHERE a.id = ANY($1)", select());
    Ok(sqlx::query_as(&sql).bind(ids).fetch_all(pool).await?)
}

/// The agreements of many partners in one statement (for batched loading), each partner's
/// newest first.
pub async fn of_partners(pool: &PgPool, partner_ids: &[i64]) -> Result<Vec<Agreement>> {
    let sql =
        format!("{} WHERE a.partner_id = ANY($1) ORDER BY a.partner_id, a.signed_on DESC NULLS LAST, a.id", select());
    Ok(sqlx::query_as(&sql).bind(partner_ids).fetch_all(pool).await?)
}

pub async fn get(conn: &mut PgConnection, id: i64) -> Result<Agreement> {
    let sql = format!("{} WHERE a.id = $1", select());
    sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?.ok_or_else(|| Error::not_found("Agreement", id))
}

pub async fn find_by_title(conn: &mut PgConnection, partner_id: i64, title: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM agreements WHERE partner_id = $1 AND lower(title) = lower($2)")
        .bind(partner_id)
        .bind(title)
        .fetch_optional(conn)
        .await?)
}

pub async fn insert(conn: &mut PgConnection, draft: &AgreementDraft) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO agreements (partner_id, kind, title, signed_on, valid_from, valid_until, status, scope)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(draft.partner_id)
    .bind(draft.kind.as_str())
    .bind(&draft.title)
    .bind(draft.signed_on)
    .bind(draft.valid_from)
    .bind(draft.valid_until)
    .bind(draft.status.as_str())
    .bind(&draft.scope)
    .fetch_one(conn)
    .await?)
}

/// The stored row, without the effective status: what an update starts from.
pub async fn get_for_update(conn: &mut PgConnection, id: i64) -> Result<AgreementDraft> {
    sqlx::query_as(
        "SELECT partner_id, kind, title, signed_on, valid_from, valid_until, status, scope
         FROM agreements WHERE id = $1 FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| Error::not_found("Agreement", id))
}

pub async fn update(conn: &mut PgConnection, id: i64, merged: &AgreementDraft) -> Result<()> {
    sqlx::query(
        "UPDATE agreements SET kind = $2, title = $3, signed_on = $4, valid_from = $5, valid_until = $6,
                status = $7, scope = $8, updated_at = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(merged.kind.as_str())
    .bind(&merged.title)
    .bind(merged.signed_on)
    .bind(merged.valid_from)
    .bind(merged.valid_until)
    .bind(merged.status.as_str())
    .bind(&merged.scope)
    .execute(conn)
    .await?;
    Ok(())
}

impl AgreementPatch {
    /// Applies the patch to the stored values; validation happens on the result, so a
    /// change of one date is checked against the other, stored one.
    pub fn apply(&self, mut to: AgreementDraft) -> AgreementDraft {
        if let Some(kind) = self.kind {
            to.kind = kind;
        }
        if let Some(title) = &self.title {
            to.title = title.clone();
        }
        if let Some(v) = self.signed_on {
            to.signed_on = v;
        }
        if let Some(v) = self.valid_from {
            to.valid_from = v;
        }
        if let Some(v) = self.valid_until {
            to.valid_until = v;
        }
        if let Some(status) = self.status {
            to.status = status;
        }
        if let Some(scope) = &self.scope {
            to.scope = scope.clone();
        }
        to
    }
}
