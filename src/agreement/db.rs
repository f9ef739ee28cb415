//! All SQL about agreements.

use sqlx::{PgConnection, PgPool};

use super::{Agreement, AgreementDraft, AgreementKind, AgreementStatus};
use crate::db::escape_like;
use crate::db::list::{Conditions, Listing, Scope};
use crate::error::{Error, Result};

/// The effective status: `expired` follows from the dates and is never stored.
macro_rules! status {
    () => {
        "CASE WHEN a.status = 'active' AND a.valid_until < current_date THEN 'expired' ELSE a.status END"
    };
}

const SELECT: &str = concat!(
    "SELECT a.id, a.partner_id, a.kind, a.title, a.signed_on, a.valid_from, a.valid_until, ",
    status!(),
    " AS status, a.scope, a.created_at, a.updated_at FROM agreements a"
);

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

impl Listing for AgreementFilter {
    type Row = Agreement;
    type Order = AgreementOrder;
    const SELECT: &'static str = SELECT;
    const FROM: &'static str = "agreements a";
    const ID: &'static str = "a.id";

    fn conditions<'args>(&'args self, w: &mut Conditions<'_, 'args>) {
        if let Some(partner_id) = self.partner_id {
            w.bound("a.partner_id = ", partner_id);
        }
        if let Some(kind) = self.kind {
            w.bound("a.kind = ", kind.as_str());
        }
        if let Some(status) = self.status {
            w.bound(concat!(status!(), " = "), status.as_str());
        }
        if let Some(days) = self.expires_within_days {
            w.bound("a.status = 'active' AND a.valid_until BETWEEN current_date AND current_date + ", days);
        }
        if let Some(text) = &self.title_contains {
            w.and("a.title ILIKE '%' || ").push_bind(escape_like(text)).push(" || '%'");
        }
    }

    /// Drafts are the office's and the partner's own business.
    fn scope(scope: Scope, w: &mut Conditions<'_, '_>) {
        match scope {
            Scope::Everything => {}
            Scope::Public => {
                w.and("a.status <> 'draft'");
            }
            Scope::Partner(partner_id) => {
                w.and("(a.status <> 'draft' OR a.partner_id = ").push_bind(partner_id).push(")");
            }
        }
    }

    fn order_by(order: AgreementOrder) -> &'static str {
        match order {
            AgreementOrder::SignedOn => "a.signed_on",
            AgreementOrder::ValidUntil => "a.valid_until",
            AgreementOrder::Title => "lower(a.title)",
            AgreementOrder::CreatedAt => "a.created_at",
        }
    }
}

pub async fn get_many(pool: &PgPool, ids: &[i64]) -> Result<Vec<Agreement>> {
    let sql = format!("{SELECT} WHERE a.id = ANY($1)");
    Ok(sqlx::query_as(&sql).bind(ids).fetch_all(pool).await?)
}

/// The agreements of many partners in one statement (for batched loading), each partner's
/// newest first.
pub async fn of_partners(pool: &PgPool, partner_ids: &[i64]) -> Result<Vec<Agreement>> {
    let sql = format!("{SELECT} WHERE a.partner_id = ANY($1) ORDER BY a.partner_id, a.signed_on DESC NULLS LAST, a.id");
    Ok(sqlx::query_as(&sql).bind(partner_ids).fetch_all(pool).await?)
}

pub async fn get(conn: &mut PgConnection, id: i64) -> Result<Agreement> {
    let sql = format!("{SELECT} WHERE a.id = $1");
    sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?.ok_or_else(|| Error::not_found("Agreement", id))
}

/// The partner an agreement is with; `None` when no agreement has this id.
pub async fn partner_of(conn: &mut PgConnection, id: i64) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT partner_id FROM agreements WHERE id = $1").bind(id).fetch_optional(conn).await?)
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
