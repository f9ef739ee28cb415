//! Agreements and memorandums of cooperation signed with a partner.

pub mod db;

use std::future::Future;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;

use crate::aggregate::{Aggregate, set};
use crate::error::{Error, Result};
use crate::text_enum::text_enum;
use crate::validate;

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
    pub fn validate(mut self) -> Result<Self> {
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

impl AgreementPatch {
    pub fn apply(self, mut to: AgreementDraft) -> AgreementDraft {
        set(&mut to.kind, self.kind);
        set(&mut to.title, self.title);
        set(&mut to.signed_on, self.signed_on);
        set(&mut to.valid_from, self.valid_from);
        set(&mut to.valid_until, self.valid_until);
        set(&mut to.status, self.status);
        set(&mut to.scope, self.scope);
        to
    }
}

impl Aggregate for Agreement {
    type Draft = AgreementDraft;
    type Patch = AgreementPatch;

    fn apply(patch: AgreementPatch, to: AgreementDraft) -> AgreementDraft {
        patch.apply(to)
    }

    fn validate(draft: AgreementDraft) -> Result<AgreementDraft> {
        draft.validate()
    }

    fn load_for_update(conn: &mut PgConnection, id: i64) -> impl Future<Output = Result<AgreementDraft>> + Send {
        db::get_for_update(conn, id)
    }

    fn store(conn: &mut PgConnection, id: i64, draft: &AgreementDraft) -> impl Future<Output = Result<()>> + Send {
        db::update(conn, id, draft)
    }

    fn get(conn: &mut PgConnection, id: i64) -> impl Future<Output = Result<Agreement>> + Send {
        db::get(conn, id)
    }
}

/// Drafts are the office's and the partner's own business (as `db::AgreementFilter`'s scope).
impl crate::access::Visible for Agreement {
    fn visible_to(&self, scope: crate::access::Scope) -> bool {
        use crate::access::Scope;
        match scope {
            Scope::Everything => true,
            Scope::Public => self.status != AgreementStatus::Draft,
            Scope::Partner(id) => self.status != AgreementStatus::Draft || self.partner_id == id,
        }
    }
}
