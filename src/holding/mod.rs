//! Holdings: copies of documents, held by this library or by a partner (which is what
//! interlibrary loan needs to know).

pub mod db;

use chrono::{DateTime, Utc};

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

#[derive(Clone, Debug, sqlx::FromRow)]
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

pub const MAX_BARCODE_CHARS: usize = 100;

impl HoldingDraft {
    pub fn validate(mut self) -> Result<Self> {
        self.barcode = validate::text("barcode", &self.barcode, MAX_BARCODE_CHARS)?;
        self.call_number = validate::optional_text("callNumber", self.call_number.as_deref(), 200)?;
        self.location_note = validate::optional_text("locationNote", self.location_note.as_deref(), 500)?;
        Ok(self)
    }
}
