//! All SQL about the audit trail.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::{AuditEvent, Entry};
use crate::db::list::{Conditions, Listing, Scope};
use crate::error::Result;

const SELECT: &str = "SELECT e.id, e.at, e.actor, e.role, e.token_id, e.partner_id, e.operation, e.object_ids,
                             host(e.address) AS address, e.outcome, e.detail
                      FROM audit_events e";

pub async fn record(conn: &mut PgConnection, entry: &Entry) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_events (actor, role, token_id, partner_id, operation, object_ids, address, outcome, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7::inet, $8, $9)",
    )
    .bind(&entry.actor)
    .bind(entry.role)
    .bind(entry.token_id)
    .bind(entry.partner_id)
    .bind(&entry.operation)
    .bind(&entry.object_ids)
    .bind(entry.address.map(|a| a.to_string()))
    .bind(entry.outcome.as_str())
    .bind(&entry.detail)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// The token name (or `cli:<user>`), case ignored.
    pub actor: Option<String>,
    /// Events that touched this object (its global id).
    pub object_id: Option<String>,
    pub operation: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// Newest first.
#[derive(Clone, Copy, Debug, Default)]
pub enum AuditOrder {
    #[default]
    At,
}

impl Listing for AuditFilter {
    type Row = AuditEvent;
    type Order = AuditOrder;
    const SELECT: &'static str = SELECT;
    const FROM: &'static str = "audit_events e";
    const ID: &'static str = "e.id";

    fn conditions<'args>(&'args self, w: &mut Conditions<'_, 'args>) {
        if let Some(actor) = &self.actor {
            w.and("lower(e.actor) = lower(").push_bind(actor.as_str()).push(")");
        }
        if let Some(object_id) = &self.object_id {
            w.and("e.object_ids @> ARRAY[").push_bind(object_id.as_str()).push("]::text[]");
        }
        if let Some(operation) = &self.operation {
            w.bound("e.operation = ", operation.as_str());
        }
        if let Some(from) = self.from {
            w.bound("e.at >= ", from);
        }
        if let Some(to) = self.to {
            w.bound("e.at <= ", to);
        }
    }

    /// Only staff and administrators read the trail; the GraphQL field says so, and no other
    /// scope sees a row.
    fn scope(scope: Scope, w: &mut Conditions<'_, '_>) {
        if scope != Scope::Everything {
            w.and("FALSE");
        }
    }

    fn order_by(AuditOrder::At: AuditOrder) -> &'static str {
        "e.at"
    }
}
