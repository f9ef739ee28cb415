//! Rolling an import back: the documents it created are removed and those it updated get
//! their previous record back, in one transaction. Refused, changing nothing, when that
//! would undo someone else's work or leave something pointing at nothing: a created
//! document that now has copies, shipment lines or loan requests, or a document changed
//! since (by hand or by a later import, which must be rolled back first).

use sqlx::PgPool;

use super::db;
use crate::document::db as documents;
use crate::error::{Error, Result};
use crate::global_id::{NodeKind, encode};

/// What a roll-back did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RolledBack {
    pub import_id: i64,
    pub deleted: u64,
    pub restored: u64,
}

fn conflict(message: String) -> Error {
    Error::Conflict { field: "id".into(), message }
}

pub async fn rollback(pool: &PgPool, import_id: i64, actor: &str) -> Result<RolledBack> {
    let mut tx = pool.begin().await?;
    let import = db::lock(&mut tx, import_id).await?;
    if let Some(at) = import.rolled_back_at {
        return Err(conflict(format!("the import was rolled back already, at {at}")));
    }
    let Some(finished) = import.finished_at else {
        return Err(conflict("the import has not finished".into()));
    };
    let created = db::created_by(&mut tx, import_id).await?;
    let updated = db::updated_by(&mut tx, import_id).await?;
    let updated_ids: Vec<i64> = updated.iter().map(|(id, _)| *id).collect();

    let referenced = documents::referenced(&mut tx, &created).await?;
    if let Some((id, what)) = referenced.first() {
        return Err(conflict(format!(
            "document {} created by this import now has {what}; remove them first",
            encode(NodeKind::Document, *id)
        )));
    }
    let all: Vec<i64> = created.iter().chain(&updated_ids).copied().collect();
    let changed = db::changed_since(&mut tx, &all, import_id, finished).await?;
    if !changed.is_empty() {
        let ids: Vec<String> = changed.iter().map(|id| encode(NodeKind::Document, *id)).collect();
        return Err(conflict(format!(
            "documents changed since this import (by hand or by a later import, to be rolled back first): {}",
            ids.join(", ")
        )));
    }
    let deleted = documents::delete_many(&mut tx, &created).await?;
    let previous: Vec<serde_json::Value> = updated.into_iter().map(|(_, previous)| previous).collect();
    let restored = db::restore(&mut tx, &previous).await?;
    db::mark_rolled_back(&mut tx, import_id, actor).await?;
    tx.commit().await?;
    Ok(RolledBack { import_id, deleted, restored })
}
