//! All SQL about holdings.

use sqlx::{PgConnection, PgPool};

use super::{Holding, HoldingDraft, HoldingStatus};
use crate::db::{Window, escape_like};
use crate::error::{Error, Result};

const SELECT: &str = "
    SELECT h.id, h.document_id, h.holder_partner_id, h.barcode, h.call_number, h.location_project_id,
           h.location_note, h.status, h.exchange_id, h.created_at, h.updated_at
    FROM holdings h";

/// Whose copies to list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Holder {
    #[default]
    Anyone,
    ThisLibrary,
    /// Any partner's copies.
    AnyPartner,
    Partner(i64),
}

#[derive(Clone, Debug, Default)]
pub struct HoldingFilter {
    pub document_id: Option<i64>,
    pub holder: Holder,
    pub location_project_id: Option<i64>,
    pub status: Option<HoldingStatus>,
    pub exchange_id: Option<i64>,
    pub barcode: Option<String>,
}

/// $2 is 0 for "any holder", 1 for "this library", 2 for "the partner in $3", 3 for "any partner".
const FILTER: &str = "
    WHERE ($1::bigint IS NULL OR h.document_id = $1)
      AND ($2::int = 0 OR ($2 = 1 AND h.holder_partner_id IS NULL) OR ($2 = 2 AND h.holder_partner_id = $3)
           OR ($2 = 3 AND h.holder_partner_id IS NOT NULL))
      AND ($4::bigint IS NULL OR h.location_project_id = $4)
      AND ($5::text IS NULL OR h.status = $5)
      AND ($6::bigint IS NULL OR h.exchange_id = $6)
      AND ($7::text IS NULL OR h.barcode ILIKE $7)";

type Query<'q, O> = sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>;

fn bind_filter<'q, O>(query: Query<'q, O>, filter: &'q HoldingFilter) -> Query<'q, O> {
    let (holder_kind, partner) = match filter.holder {
        Holder::Anyone => (0, None),
        Holder::ThisLibrary => (1, None),
        Holder::Partner(id) => (2, Some(id)),
        Holder::AnyPartner => (3, None),
    };
    query
        .bind(filter.document_id)
        .bind(holder_kind)
        .bind(partner)
        .bind(filter.location_project_id)
        .bind(filter.status.map(HoldingStatus::as_str))
        .bind(filter.exchange_id)
        .bind(filter.barcode.as_deref().map(escape_like))
}

pub async fn count(pool: &PgPool, filter: &HoldingFilter) -> Result<i64> {
    let sql = format!("SELECT count(*) FROM holdings h {FILTER}");
    let (n,): (i64,) = bind_filter(sqlx::query_as(&sql), filter).fetch_one(pool).await?;
    Ok(n)
}

pub async fn list(pool: &PgPool, filter: &HoldingFilter, window: Window) -> Result<Vec<Holding>> {
    let sql = format!("{SELECT} {FILTER} ORDER BY h.holder_partner_id NULLS FIRST, h.barcode, h.id LIMIT $8 OFFSET $9");
    Ok(bind_filter(sqlx::query_as(&sql), filter).bind(window.limit).bind(window.offset).fetch_all(pool).await?)
}

pub async fn get(conn: &mut PgConnection, id: i64) -> Result<Holding> {
    sqlx::query_as(&format!("{SELECT} WHERE h.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::not_found("Holding", id))
}

pub async fn get_many(pool: &PgPool, ids: &[i64]) -> Result<Vec<Holding>> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE h.id = ANY($1)")).bind(ids).fetch_all(pool).await?)
}

/// The holdings of many documents in one statement (for batched loading).
pub async fn of_documents(pool: &PgPool, document_ids: &[i64]) -> Result<Vec<Holding>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE h.document_id = ANY($1) ORDER BY h.document_id, h.holder_partner_id NULLS FIRST, h.barcode"
    ))
    .bind(document_ids)
    .fetch_all(pool)
    .await?)
}

pub async fn insert(conn: &mut PgConnection, draft: &HoldingDraft) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO holdings (document_id, holder_partner_id, barcode, call_number, location_project_id,
                               location_note, status, exchange_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(draft.document_id)
    .bind(draft.holder_partner_id)
    .bind(&draft.barcode)
    .bind(&draft.call_number)
    .bind(draft.location_project_id)
    .bind(&draft.location_note)
    .bind(draft.status.as_str())
    .bind(draft.exchange_id)
    .fetch_one(conn)
    .await?)
}

pub async fn get_for_update(conn: &mut PgConnection, id: i64) -> Result<HoldingDraft> {
    sqlx::query_as(
        "SELECT document_id, holder_partner_id, barcode, call_number, location_project_id, location_note, status,
                exchange_id
         FROM holdings WHERE id = $1 FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| Error::not_found("Holding", id))
}

pub async fn update(conn: &mut PgConnection, id: i64, merged: &HoldingDraft) -> Result<()> {
    sqlx::query(
        "UPDATE holdings SET barcode = $2, call_number = $3, location_project_id = $4, location_note = $5,
                status = $6, updated_at = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(&merged.barcode)
    .bind(&merged.call_number)
    .bind(merged.location_project_id)
    .bind(&merged.location_note)
    .bind(merged.status.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

/// The next free barcode number for a prefix: how received copies get their barcodes.
pub async fn next_barcode_number(conn: &mut PgConnection, prefix: &str) -> Result<i64> {
    let max: Option<i64> = sqlx::query_scalar(
        "SELECT max(substring(barcode FROM char_length($1) + 2)::bigint) FROM holdings
         WHERE holder_partner_id IS NULL AND barcode ~ ('^' || $2 || '-[0-9]{1,18}$')",
    )
    .bind(prefix)
    .bind(regex_escape(prefix))
    .fetch_one(conn)
    .await?;
    Ok(max.unwrap_or(0) + 1)
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let escape = !c.is_alphanumeric() && c != '-' && c != '_';
            escape.then_some('\\').into_iter().chain(std::iter::once(c))
        })
        .collect()
}
