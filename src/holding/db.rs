//! All SQL about holdings.

use sqlx::{PgConnection, PgPool};

use super::{Holding, HoldingDraft, HoldingStatus};
use crate::db::escape_like;
use crate::db::list::{Conditions, Listing, Scope};
use crate::error::{Error, Result};

crate::db::select_by_position!(SELECT: Holding, from "holdings" h:
    id, document_id, holder_partner_id, barcode, call_number, location_project_id, location_note, status,
    exchange_id, created_at, updated_at,
);

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

/// Holdings are listed as on a shelf list: this library's copies first, then by barcode.
#[derive(Clone, Copy, Debug, Default)]
pub enum HoldingOrder {
    #[default]
    Shelf,
}

impl Listing for HoldingFilter {
    type Row = Holding;
    type Order = HoldingOrder;
    const SELECT: &'static str = SELECT;
    const FROM: &'static str = "holdings h";
    const ID: &'static str = "h.id";

    fn conditions<'args>(&'args self, w: &mut Conditions<'_, 'args>) {
        if let Some(document_id) = self.document_id {
            w.bound("h.document_id = ", document_id);
        }
        match self.holder {
            Holder::Anyone => {}
            Holder::ThisLibrary => {
                w.and("h.holder_partner_id IS NULL");
            }
            Holder::AnyPartner => {
                w.and("h.holder_partner_id IS NOT NULL");
            }
            Holder::Partner(partner_id) => w.bound("h.holder_partner_id = ", partner_id),
        }
        if let Some(project_id) = self.location_project_id {
            w.bound("h.location_project_id = ", project_id);
        }
        if let Some(status) = self.status {
            w.bound("h.status = ", status.as_str());
        }
        if let Some(exchange_id) = self.exchange_id {
            w.bound("h.exchange_id = ", exchange_id);
        }
        if let Some(barcode) = &self.barcode {
            w.bound("h.barcode ILIKE ", escape_like(barcode));
        }
    }

    /// This library's copies are public; a partner's copies are that partner's business.
    fn scope(scope: Scope, w: &mut Conditions<'_, '_>) {
        match scope {
            Scope::Everything => {}
            Scope::Public => {
                w.and("h.holder_partner_id IS NULL");
            }
            Scope::Partner(partner_id) => {
                w.and("(h.holder_partner_id IS NULL OR h.holder_partner_id = ").push_bind(partner_id).push(")");
            }
        }
    }

    fn order_by(HoldingOrder::Shelf: HoldingOrder) -> &'static str {
        "h.holder_partner_id NULLS FIRST, h.barcode"
    }
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

/// Moves a copy to `status` (lent through interlibrary loan, back on the shelf).
pub async fn set_status(conn: &mut PgConnection, id: i64, status: HoldingStatus) -> Result<()> {
    sqlx::query("UPDATE holdings SET status = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(status.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_statement_reads_the_columns_in_the_order_they_are_decoded() {
        assert_eq!(
            SELECT,
            "SELECT h.id, h.document_id, h.holder_partner_id, h.barcode, h.call_number, h.location_project_id, \
             h.location_note, h.status, h.exchange_id, h.created_at, h.updated_at FROM holdings h"
        );
    }
}
