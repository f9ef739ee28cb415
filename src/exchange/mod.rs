//! Document exchange: shipments of documents to and from partners, their lines, and the
//! dated history of their moves.
//!
//! A shipment moves `PLANNED → DISPATCHED → RECEIVED → ACKNOWLEDGED`, and can be cancelled
//! while planned or dispatched. For an incoming shipment, DISPATCHED means the partner sent
//! it and RECEIVED that it arrived here: receiving creates this library's holdings for its
//! lines, in the same transaction. For an outgoing one, DISPATCHED means the library sent
//! its copies (they count as sent from that day) and RECEIVED that the partner confirmed
//! their arrival.

pub mod db;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;

use crate::error::{Error, Result};
use crate::holding::{self, HoldingDraft, HoldingStatus};
use crate::text_enum::text_enum;
use crate::validate;

text_enum!(
    ExchangeDirection {
        /// From the partner to the library.
        Incoming = "incoming",
        /// From the library to the partner.
        Outgoing = "outgoing",
    }
);

text_enum!(
    ExchangeStatus {
        Planned = "planned",
        Dispatched = "dispatched",
        Received = "received",
        Acknowledged = "acknowledged",
        Cancelled = "cancelled",
    }
);

impl ExchangeStatus {
    /// The moves the office can make.
    pub fn can_move_to(self, to: ExchangeStatus) -> bool {
        use ExchangeStatus::*;
        matches!(
            (self, to),
            (Planned, Dispatched)
                | (Planned, Cancelled)
                | (Dispatched, Received)
                | (Dispatched, Cancelled)
                | (Received, Acknowledged)
        )
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Exchange {
    pub id: i64,
    pub partner_id: i64,
    pub agreement_id: Option<i64>,
    pub direction: ExchangeDirection,
    pub status: ExchangeStatus,
    pub reference: Option<String>,
    pub note: Option<String>,
    pub expected_on: Option<NaiveDate>,
    pub dispatched_on: Option<NaiveDate>,
    pub received_on: Option<NaiveDate>,
    pub acknowledged_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ExchangeLine {
    pub exchange_id: i64,
    pub document_id: i64,
    pub copies: i32,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ExchangeEvent {
    pub id: i64,
    pub exchange_id: i64,
    pub from_status: Option<ExchangeStatus>,
    pub to_status: ExchangeStatus,
    pub actor: String,
    pub note: Option<String>,
    pub happened_on: NaiveDate,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct ExchangeDraft {
    pub partner_id: i64,
    pub agreement_id: Option<i64>,
    pub direction: ExchangeDirection,
    pub reference: Option<String>,
    pub note: Option<String>,
    pub expected_on: Option<NaiveDate>,
    /// (document id, copies)
    pub lines: Vec<(i64, i32)>,
}

pub const MAX_LINES: usize = 1000;
pub const MAX_COPIES: i32 = 10_000;

impl ExchangeDraft {
    pub fn validate(mut self) -> Result<Self> {
        self.reference = validate::optional_text("reference", self.reference.as_deref(), 200)?;
        self.note = validate::optional_text("note", self.note.as_deref(), 10_000)?;
        validate_lines(&self.lines)?;
        Ok(self)
    }
}

pub fn validate_lines(lines: &[(i64, i32)]) -> Result<()> {
    if lines.len() > MAX_LINES {
        return Err(Error::invalid("lines", format!("a shipment has at most {MAX_LINES} lines")));
    }
    for (i, (document, copies)) in lines.iter().enumerate() {
        if !(1..=MAX_COPIES).contains(copies) {
            return Err(Error::invalid("lines", format!("copies must be between 1 and {MAX_COPIES}; it was {copies}")));
        }
        if lines[..i].iter().any(|(d, _)| d == document) {
            return Err(Error::invalid("lines", "a document is listed twice; give its total number of copies once"));
        }
    }
    Ok(())
}

/// Plans a shipment (PLANNED) with its lines, inside the caller's transaction; its history
/// starts with who planned it, today.
pub async fn plan(conn: &mut PgConnection, draft: &ExchangeDraft, actor: &str) -> Result<i64> {
    let actor = validate::text("actor", actor, MAX_ACTOR_CHARS)?;
    if let Some(agreement_id) = draft.agreement_id {
        match crate::agreement::db::partner_of(conn, agreement_id).await? {
            None => return Err(Error::invalid("agreementId", "no agreement has this id")),
            Some(owner) if owner != draft.partner_id => {
                return Err(Error::invalid("agreementId", "the agreement is with another partner than the shipment"));
            }
            Some(_) => {}
        }
    }
    let id = db::insert(conn, draft).await?;
    let today = crate::db::today(&mut *conn).await?;
    db::add_event(conn, id, None, ExchangeStatus::Planned, &actor, None, today).await?;
    Ok(id)
}

/// Replaces the lines of a shipment that is still PLANNED.
pub async fn replace_lines(conn: &mut PgConnection, id: i64, lines: &[(i64, i32)]) -> Result<()> {
    validate_lines(lines)?;
    let stored = db::get_for_update(conn, id).await?;
    if stored.status != ExchangeStatus::Planned {
        return Err(Error::invalid("status", "only a PLANNED shipment's lines can change"));
    }
    db::set_lines(conn, id, lines).await
}

const MAX_ACTOR_CHARS: usize = 200;

/// A requested move of a shipment.
#[derive(Clone, Debug)]
pub struct Move {
    pub to: ExchangeStatus,
    pub on: NaiveDate,
    pub actor: String,
    pub note: Option<String>,
    /// For receiving an incoming shipment: where the new copies are shelved and how their
    /// barcodes begin (default `EX<shipment id>`).
    pub location_project_id: Option<i64>,
    pub barcode_prefix: Option<String>,
}

/// Makes one move, with all its effects, inside the caller's transaction.
pub async fn make_move(conn: &mut PgConnection, id: i64, request: Move) -> Result<()> {
    let actor = validate::text("actor", &request.actor, MAX_ACTOR_CHARS)?;
    let note = validate::optional_text("note", request.note.as_deref(), 10_000)?;
    let exchange = db::get_for_update(conn, id).await?;
    if !exchange.status.can_move_to(request.to) {
        return Err(Error::invalid(
            "status",
            format!(
                "a {} shipment cannot become {}",
                exchange.status.as_str().to_uppercase(),
                request.to.as_str().to_uppercase()
            ),
        ));
    }
    if request.to == ExchangeStatus::Dispatched && db::lines(conn, id).await?.is_empty() {
        return Err(Error::invalid("lines", "a shipment without lines cannot be dispatched"));
    }
    if request.to == ExchangeStatus::Received
        && let Some(dispatched) = exchange.dispatched_on
        && request.on < dispatched
    {
        return Err(Error::invalid(
            "on",
            format!("it cannot arrive ({}) before it was dispatched ({dispatched})", request.on),
        ));
    }
    db::set_status(conn, id, request.to, request.on).await?;
    db::add_event(conn, id, Some(exchange.status), request.to, &actor, note.as_deref(), request.on).await?;
    if request.to == ExchangeStatus::Received && exchange.direction == ExchangeDirection::Incoming {
        let prefix = match request.barcode_prefix.as_deref() {
            Some(prefix) => validate::text("barcodePrefix", prefix, 40)?,
            None => format!("EX{id}"),
        };
        receive_copies(conn, id, &prefix, request.location_project_id).await?;
    }
    Ok(())
}

/// Creates this library's holdings for every copy of every line of a received shipment.
async fn receive_copies(conn: &mut PgConnection, id: i64, prefix: &str, location: Option<i64>) -> Result<()> {
    let mut next = holding::db::next_barcode_number(conn, prefix).await?;
    for line in db::lines(conn, id).await? {
        for _ in 0..line.copies {
            let draft = HoldingDraft {
                document_id: line.document_id,
                holder_partner_id: None,
                barcode: format!("{prefix}-{next}"),
                call_number: None,
                location_project_id: location,
                location_note: None,
                status: HoldingStatus::Available,
                exchange_id: Some(id),
            };
            holding::db::insert(conn, &draft).await?;
            next += 1;
        }
    }
    Ok(())
}

/// What the office reports every year: documents sent to and received from a partner.
#[derive(Clone, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct ExchangeBalance {
    pub partner_id: i64,
    pub year: i32,
    /// Distinct documents in outgoing shipments dispatched that year.
    pub sent_titles: i64,
    pub sent_copies: i64,
    /// Distinct documents in incoming shipments received that year.
    pub received_titles: i64,
    pub received_copies: i64,
}

impl ExchangeBalance {
    /// The balance of a partner with no shipments that year.
    pub fn none(partner_id: i64, year: i32) -> Self {
        ExchangeBalance { partner_id, year, ..Default::default() }
    }
}

/// Shipments are the office's and their partner's business (as `db::ExchangeFilter`'s scope).
impl crate::access::Visible for Exchange {
    fn visible_to(&self, scope: crate::access::Scope) -> bool {
        use crate::access::Scope;
        match scope {
            Scope::Everything => true,
            Scope::Public => false,
            Scope::Partner(id) => self.partner_id == id,
        }
    }
}

/// Lines and moves are reached only through their shipment, which is checked.
impl crate::access::Visible for ExchangeLine {
    fn visible_to(&self, _scope: crate::access::Scope) -> bool {
        true
    }
}

impl crate::access::Visible for ExchangeEvent {
    fn visible_to(&self, _scope: crate::access::Scope) -> bool {
        true
    }
}
