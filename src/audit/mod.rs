//! The audit trail: who changed what, when, from where, and how it ended. A change and its
//! audit row are written in the same transaction, so neither exists without the other; a
//! refused or failed attempt is recorded on its own, since nothing of it is kept. The trail
//! is append-only: the database refuses to change or delete a row.

pub mod db;

use std::net::IpAddr;

use chrono::{DateTime, Utc};

use crate::access::Viewer;
use crate::text_enum::text_enum;

text_enum!(
    /// How an attempted change ended.
    Outcome {
        Ok = "ok",
        /// The caller may not make it.
        Denied = "denied",
        /// It was refused (bad input, a conflict) or failed, and nothing was written.
        Failed = "failed",
    }
);

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AuditEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub role: String,
    pub token_id: Option<i64>,
    pub partner_id: Option<i64>,
    pub operation: String,
    pub object_ids: Vec<String>,
    /// The caller's network address, as text.
    pub address: Option<String>,
    pub outcome: Outcome,
    pub detail: Option<String>,
}

/// An event to record.
#[derive(Clone, Debug)]
pub struct Entry {
    pub actor: String,
    pub role: &'static str,
    pub token_id: Option<i64>,
    pub partner_id: Option<i64>,
    pub operation: String,
    /// Global ids of the objects the change touched.
    pub object_ids: Vec<String>,
    pub address: Option<IpAddr>,
    pub outcome: Outcome,
    pub detail: Option<String>,
}

/// Longest detail kept (an error message, an import's file name).
const MAX_DETAIL_CHARS: usize = 500;

impl Entry {
    pub fn new(viewer: &Viewer, operation: &str, outcome: Outcome) -> Self {
        Entry {
            actor: viewer.actor(),
            role: viewer.role.as_str(),
            token_id: viewer.token.as_ref().map(|(id, _)| *id),
            partner_id: viewer.partner(),
            operation: operation.to_owned(),
            object_ids: Vec::new(),
            address: viewer.address,
            outcome,
            detail: None,
        }
    }

    pub fn objects(mut self, object_ids: Vec<String>) -> Self {
        self.object_ids = object_ids;
        self
    }

    pub fn detail(mut self, detail: impl std::fmt::Display) -> Self {
        self.detail = Some(detail.to_string().chars().take(MAX_DETAIL_CHARS).collect());
        self
    }
}
