//! Agreements and memorandums of cooperation signed with a partner.

pub mod db;

use chrono::{DateTime, NaiveDate, Utc};

use crate::text_enum::text_enum;

text_enum!(
    /// The legal form of an agreement.
    AgreementKind {
        MemorandumOfUnderstanding = "memorandum_of_understanding",
        CooperationAgreement = "cooperation_agreement",
        /// An agreement on the exchange of documents.
        ExchangeAgreement = "exchange_agreement",
        Other = "other",
    }
);

text_enum!(
    /// Where an agreement stands. `EXPIRED` is never set by anyone: an active agreement is
    /// expired from the day after its `validUntil` date (in the office's time zone).
    AgreementStatus {
        Draft = "draft",
        Active = "active",
        Expired = "expired",
        Terminated = "terminated",
    }
);

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Agreement {
    pub id: i64,
    pub partner_id: i64,
    pub kind: AgreementKind,
    pub title: String,
    pub signed_on: Option<NaiveDate>,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    /// The effective status, computed by the database from the stored one and the dates.
    pub status: AgreementStatus,
    pub scope: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AgreementDraft {
    pub partner_id: i64,
    pub kind: AgreementKind,
    pub title: String,
    pub signed_on: Option<NaiveDate>,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub status: AgreementStatus,
    pub scope: Option<String>,
}

/// A change to an agreement; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Clone, Debug, Default)]
pub struct AgreementPatch {
    pub kind: Option<AgreementKind>,
    pub title: Option<String>,
    pub signed_on: Option<Option<NaiveDate>>,
    pub valid_from: Option<Option<NaiveDate>>,
    pub valid_until: Option<Option<NaiveDate>>,
    pub status: Option<AgreementStatus>,
    pub scope: Option<Option<String>>,
}

pub const MAX_TITLE_CHARS: usize = 500;
pub const MAX_SCOPE_CHARS: usize = 10_000;
/// "Expires within N days" looks at most ten years ahead.
pub const MAX_EXPIRY_HORIZON_DAYS: i32 = 3660;

impl AgreementDraft {
    /// Checks the whole agreement: used for creation and for the result of an update.
    pub fn validate(mut self) -> crate::error::Result<Self> {
        use crate::error::Error;
        use crate::validate;
        self.title = validate::text("title", &self.title, MAX_TITLE_CHARS)?;
        self.scope = validate::optional_text("scope", self.scope.as_deref(), MAX_SCOPE_CHARS)?;
        validate::date_order("validUntil", self.valid_from, self.valid_until, "validFrom")?;
        if self.status == AgreementStatus::Expired {
            return Err(Error::invalid(
                "status",
                "EXPIRED cannot be set: an ACTIVE agreement expires by itself after its validUntil date",
            ));
        }
        Ok(self)
    }
}
