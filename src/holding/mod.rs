//! Holdings: copies of documents, held by this library or by a partner (which is what
//! interlibrary loan needs to know).

pub mod db;

use std::future::Future;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::aggregate::{Aggregate, set};
use crate::error::Result;
use crate::text_enum::text_enum;
use crate::validate;

text_enum!(
    HoldingStatus {
        Available = "available",
        OnLoan = "on_loan",
        InTransit = "in_transit",
        Missing = "missing",
        Withdrawn = "withdrawn",
    }
);

/// Read by `db::SELECT`, by column position.
#[derive(Clone, Debug)]
pub struct Holding {
    pub id: i64,
    pub document_id: i64,
    /// None: this library.
    pub holder_partner_id: Option<i64>,
    pub barcode: String,
    pub call_number: Option<String>,
    pub location_project_id: Option<i64>,
    pub location_note: Option<String>,
    pub status: HoldingStatus,
    pub exchange_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct HoldingDraft {
    pub document_id: i64,
    pub holder_partner_id: Option<i64>,
    pub barcode: String,
    pub call_number: Option<String>,
    pub location_project_id: Option<i64>,
    pub location_note: Option<String>,
    pub status: HoldingStatus,
    pub exchange_id: Option<i64>,
}

/// A change to a copy; `None` leaves a field as it is, `Some(None)` clears it. Which
/// document it is a copy of, and who holds it, never change.
#[derive(Clone, Debug, Default)]
pub struct HoldingPatch {
    pub barcode: Option<String>,
    pub call_number: Option<Option<String>>,
    pub location_project_id: Option<Option<i64>>,
    pub location_note: Option<Option<String>>,
    pub status: Option<HoldingStatus>,
}

pub const MAX_BARCODE_CHARS: usize = 100;

impl HoldingDraft {
    pub fn validate(mut self) -> Result<Self> {
        self.barcode = validate::text("barcode", &self.barcode, MAX_BARCODE_CHARS)?;
        self.call_number = validate::optional_text("callNumber", self.call_number.as_deref(), 200)?;
        self.location_note = validate::optional_text("locationNote", self.location_note.as_deref(), 500)?;
        Ok(self)
    }
}

impl HoldingPatch {
    pub fn apply(self, mut to: HoldingDraft) -> HoldingDraft {
        set(&mut to.barcode, self.barcode);
        set(&mut to.call_number, self.call_number);
        set(&mut to.location_project_id, self.location_project_id);
        set(&mut to.location_note, self.location_note);
        set(&mut to.status, self.status);
        to
    }
}

impl Aggregate for Holding {
    type Draft = HoldingDraft;
    type Patch = HoldingPatch;

    fn apply(patch: HoldingPatch, to: HoldingDraft) -> HoldingDraft {
        patch.apply(to)
    }

    fn validate(draft: HoldingDraft) -> Result<HoldingDraft> {
        draft.validate()
    }

    fn load_for_update(conn: &mut PgConnection, id: i64) -> impl Future<Output = Result<HoldingDraft>> + Send {
        db::get_for_update(conn, id)
    }

    fn store(conn: &mut PgConnection, id: i64, draft: &HoldingDraft) -> impl Future<Output = Result<()>> + Send {
        db::update(conn, id, draft)
    }

    fn get(conn: &mut PgConnection, id: i64) -> impl Future<Output = Result<Holding>> + Send {
        db::get(conn, id)
    }
}

/// This library's copies are public; a partner's are that partner's business (as
/// `db::HoldingFilter`'s scope).
impl crate::access::Visible for Holding {
    fn visible_to(&self, scope: crate::access::Scope) -> bool {
        use crate::access::Scope;
        match scope {
            Scope::Everything => true,
            Scope::Public => self.holder_partner_id.is_none(),
            Scope::Partner(id) => self.holder_partner_id.is_none_or(|holder| holder == id),
        }
    }
}
