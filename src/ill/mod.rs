//! International interlibrary loan: requests this library sends to partners (borrowing) and
//! requests partners send to it (lending), following ISO 18626.
//!
//! Every change goes through [`act`]: it checks the move against the state machine
//! ([`machine`]), writes the new state only if nobody else changed the request meanwhile
//! (the row's version is part of the `UPDATE`), records the event, moves the lent copy's
//! status, and puts the message for the partner's system in the outbox, all in the caller's
//! transaction.

pub mod db;
pub mod delivery;
pub mod inbound;
pub mod iso18626;
pub mod machine;
mod messages;
pub mod overdue;
pub mod report;
pub mod updates;

use chrono::{DateTime, Days, NaiveDate, Utc};
use sqlx::PgConnection;

use self::iso18626::{Message, RequestMessage};
use self::machine::State;
pub use self::machine::{Action, Pending, Role, ServiceType, Side, Status};
pub use self::messages::status_reply;
use self::messages::{header_for, message_for};
use crate::access::Scope;
use crate::error::{Error, Result};
use crate::holding::HoldingStatus;
use crate::validate;

/// How long a loan is lent for when the supplier names no due date.
pub const DEFAULT_LOAN_DAYS: u64 = 28;
const MAX_NOTE_CHARS: usize = 2000;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct IllRequest {
    pub id: i64,
    pub role: Role,
    pub partner_id: i64,
    pub service_type: ServiceType,
    pub status: Status,
    pub pending: Option<Pending>,
    pub document_id: Option<i64>,
    pub title: String,
    pub author: Option<String>,
    pub isbn: Option<String>,
    pub issn: Option<String>,
    pub publication_year: Option<String>,
    pub volume: Option<String>,
    pub pages: Option<String>,
    pub holding_id: Option<i64>,
    pub patron_reference: Option<String>,
    pub need_before: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub partner_request_id: Option<String>,
    pub conditions: Option<String>,
    pub unfilled_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub supplied_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct IllEvent {
    pub id: i64,
    pub request_id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub status_before: Option<Status>,
    pub status_after: Status,
    pub note: Option<String>,
    pub message_direction: Option<String>,
    pub message: Option<String>,
}

/// The delivery of one message to a partner's system.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Delivery {
    pub id: i64,
    pub request_id: i64,
    pub kind: String,
    pub created_at: DateTime<Utc>,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub rejected_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// Where a partner's ISO 18626 system listens.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Endpoint {
    pub partner_id: i64,
    pub url: String,
    pub credential: Option<String>,
}

/// The side this library takes in a request of `role`.
pub fn our_side(role: Role) -> Side {
    match role {
        Role::Borrowing => Side::Requester,
        Role::Lending => Side::Supplier,
    }
}

pub fn other_side(side: Side) -> Side {
    match side {
        Side::Supplier => Side::Requester,
        _ => Side::Supplier,
    }
}

impl IllRequest {
    pub fn state(&self) -> State {
        State { status: self.status, pending: self.pending, service: self.service_type }
    }

    /// The id partners' systems know this request by on this library's side.
    pub fn our_request_id(&self) -> String {
        self.id.to_string()
    }

    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.status == Status::Overdue
            || (matches!(self.status, Status::Loaned | Status::Received) && self.due_date.is_some_and(|d| d < today))
    }
}

/// Requests are this library's and their partner's business.
impl crate::access::Visible for IllRequest {
    fn visible_to(&self, scope: Scope) -> bool {
        match scope {
            Scope::Everything => true,
            Scope::Public => false,
            Scope::Partner(id) => self.partner_id == id,
        }
    }
}

impl crate::access::Visible for IllEvent {
    /// Reached only through its request, which is checked.
    fn visible_to(&self, _scope: Scope) -> bool {
        true
    }
}

/// Where a partner's system listens, and the credential this library presents there: staff
/// only (the resolvers check the caller).
impl crate::access::Visible for Endpoint {
    fn visible_to(&self, _scope: Scope) -> bool {
        true
    }
}

impl crate::access::Visible for Delivery {
    fn visible_to(&self, _scope: Scope) -> bool {
        true
    }
}

/// A new request.
#[derive(Clone, Debug, Default)]
pub struct IllDraft {
    pub role: Option<Role>,
    pub partner_id: i64,
    pub service_type: Option<ServiceType>,
    pub document_id: Option<i64>,
    pub title: Option<String>,
    pub author: Option<String>,
    pub isbn: Option<String>,
    pub issn: Option<String>,
    pub publication_year: Option<String>,
    pub volume: Option<String>,
    pub pages: Option<String>,
    pub patron_reference: Option<String>,
    pub need_before: Option<NaiveDate>,
    pub partner_request_id: Option<String>,
    pub note: Option<String>,
}

impl IllDraft {
    fn validate(mut self) -> Result<Self> {
        self.title = validate::optional_text("title", self.title.as_deref(), 2000)?;
        self.author = validate::optional_text("author", self.author.as_deref(), 1000)?;
        self.isbn = validate::optional_text("isbn", self.isbn.as_deref(), 40)?;
        self.issn = validate::optional_text("issn", self.issn.as_deref(), 20)?;
        self.publication_year = validate::optional_text("year", self.publication_year.as_deref(), 40)?;
        self.volume = validate::optional_text("volume", self.volume.as_deref(), 200)?;
        self.pages = validate::optional_text("pages", self.pages.as_deref(), 200)?;
        self.patron_reference = validate::optional_text("patronReference", self.patron_reference.as_deref(), 200)?;
        self.partner_request_id = validate::optional_text("partnerRequestId", self.partner_request_id.as_deref(), 200)?;
        self.note = validate::optional_text("note", self.note.as_deref(), MAX_NOTE_CHARS)?;
        if self.document_id.is_none() && self.title.is_none() {
            return Err(Error::invalid("title", "a request names a catalogue document or gives at least a title"));
        }
        Ok(self)
    }
}

/// Who acts, and how the action reached this library.
#[derive(Clone, Debug)]
pub struct Actor {
    /// The name histories record: a token's name, `system`, or the partner's agency id.
    pub name: String,
    pub side: Side,
    /// The partner's message that carries the action, if it came as one; nothing is sent
    /// back for it but its confirmation.
    pub message: Option<String>,
}

/// This library's agency id (its ISIL), used in every message it sends.
#[derive(Clone, Debug, Default)]
pub struct Agency(pub Option<String>);

/// How a server takes part in interlibrary loan.
#[derive(Clone, Debug)]
pub struct IllOptions {
    pub agency: Agency,
    /// How often the overdue job runs.
    pub overdue_interval: std::time::Duration,
}

impl Default for IllOptions {
    fn default() -> Self {
        IllOptions { agency: Agency::default(), overdue_interval: overdue::DEFAULT_INTERVAL }
    }
}

/// Starts this process's share of the background work: delivering the outbox and the
/// overdue job. Both stop when the pool is closed.
pub fn start_workers(pool: &sqlx::PgPool, options: &IllOptions) {
    delivery::start(pool.clone());
    overdue::start(pool.clone(), options.agency.clone(), options.overdue_interval);
}

/// What an action says besides itself.
#[derive(Clone, Debug, Default)]
pub struct ActionInput {
    pub note: Option<String>,
    /// A loan's due date (shipping, accepting a renewal).
    pub due_date: Option<NaiveDate>,
    /// Why a request is unfilled or may be retried.
    pub reason: Option<String>,
    /// The conditions offered.
    pub conditions: Option<String>,
    /// The copy this library lends (shipping a lending loan); one of its available copies of
    /// the document when left out.
    pub holding_id: Option<i64>,
    /// The version the caller saw; the action loses if the request changed since.
    pub expected_version: Option<i32>,
}

/// Creates a request; for a borrowing request, the ISO 18626 request goes to the partner's
/// system (through the outbox) when it has one. `received` is the partner's request message
/// a lending request comes from, kept in its history.
pub async fn create(
    conn: &mut PgConnection,
    draft: IllDraft,
    agency: &Agency,
    actor: &str,
    received: Option<&str>,
) -> Result<IllRequest> {
    let draft = draft.validate()?;
    let role = draft.role.unwrap_or(Role::Borrowing);
    let partner = crate::partner::db::get(conn, draft.partner_id)
        .await
        .map_err(|_| Error::invalid("partnerId", "no partner has this id"))?;
    let mut draft = draft;
    if let Some(document_id) = draft.document_id {
        let document = crate::document::db::get(conn, document_id)
            .await
            .map_err(|_| Error::invalid("documentId", "no document has this id"))?;
        let d = &document.description;
        draft.title.get_or_insert_with(|| d.title.clone());
        if draft.author.is_none() {
            draft.author = d.contributors.first().map(|c| c.name.clone());
        }
        if draft.isbn.is_none() {
            draft.isbn = d.isbns.first().cloned();
        }
        if draft.issn.is_none() {
            draft.issn = d.issns.first().cloned();
        }
        if draft.publication_year.is_none() {
            draft.publication_year = d.year.map(|y| y.to_string());
        }
    }
    let service = draft.service_type.unwrap_or(ServiceType::Loan);
    let id = db::insert(conn, role, service, &draft).await?;
    let request = db::get(conn, id).await?;
    let mut message = None;
    if role == Role::Borrowing {
        let endpoint = db::endpoint(conn, partner.id).await?;
        if endpoint.is_some() {
            let header = header_for(&request, &partner, agency)?;
            let xml = Message::Request(RequestMessage {
                header,
                citation: iso18626::Citation {
                    supplier_record_id: None,
                    title: Some(request.title.clone()),
                    author: request.author.clone(),
                    isbn: request.isbn.clone(),
                    issn: request.issn.clone(),
                    publication_date: request.publication_year.clone(),
                    volume: request.volume.clone(),
                    pages: request.pages.clone(),
                },
                service_type: service,
                need_before: request.need_before,
                patron_reference: request.patron_reference.clone(),
                note: draft.note.clone(),
            })
            .to_xml();
            db::enqueue(conn, id, partner.id, "request", &xml).await?;
            message = Some(xml);
        }
    }
    let (direction, message) = match (received, &message) {
        (Some(received), _) => (Some("in"), Some(received)),
        (None, Some(sent)) => (Some("out"), Some(sent.as_str())),
        (None, None) => (None, None),
    };
    db::add_event(conn, id, actor, "create", None, request.status, draft.note.as_deref(), direction, message).await?;
    Ok(request)
}

/// The `CONFLICT` of an action the request's state does not allow.
fn illegal(request: &IllRequest, action: Action, side: Side) -> Error {
    let legal: Vec<&str> = request.state().legal_actions(&[side]).into_iter().map(Action::as_str).collect();
    let pending = request.pending.map(|p| format!(" (waiting for an answer to: {})", p.as_str())).unwrap_or_default();
    Error::Conflict {
        field: "action".into(),
        message: format!(
            "{} is not possible for a {} request in status {}{pending}; possible now: {}",
            action.as_str().to_uppercase(),
            request.service_type.as_str(),
            request.status.as_str().to_uppercase(),
            if legal.is_empty() { "nothing".to_owned() } else { legal.join(", ").to_uppercase() }
        ),
    }
}

/// Takes one action on a request, with all its effects, inside the caller's transaction.
pub async fn act(
    conn: &mut PgConnection,
    id: i64,
    action: Action,
    input: ActionInput,
    actor: &Actor,
    agency: &Agency,
) -> Result<IllRequest> {
    let note = validate::optional_text("note", input.note.as_deref(), MAX_NOTE_CHARS)?;
    let request = db::get(conn, id).await?;
    if let Some(expected) = input.expected_version
        && expected != request.version
    {
        return Err(stale(&request));
    }
    let Some(outcome) = request.state().apply(action, actor.side) else {
        return Err(illegal(&request, action, actor.side));
    };
    let mut change = db::StateChange {
        status: outcome.status,
        pending: outcome.pending,
        due_date: request.due_date,
        conditions: request.conditions.clone(),
        unfilled_reason: request.unfilled_reason.clone(),
        holding_id: request.holding_id,
        supplied: false,
        closed: outcome.status.is_closed(),
        partner_request_id: request.partner_request_id.clone(),
    };
    let today = crate::db::today(&mut *conn).await?;
    match action {
        Action::Ship => {
            change.due_date = Some(input.due_date.unwrap_or(today + Days::new(DEFAULT_LOAN_DAYS)));
            change.supplied = true;
        }
        Action::SendCopy => change.supplied = true,
        Action::AcceptRenew => {
            let from = request.due_date.unwrap_or(today).max(today);
            change.due_date = Some(input.due_date.unwrap_or(from + Days::new(DEFAULT_LOAN_DAYS)));
        }
        Action::Unfilled | Action::RetryPossible => {
            change.unfilled_reason = validate::optional_text("reason", input.reason.as_deref(), 500)?;
        }
        Action::OfferConditions => {
            let conditions = input.conditions.as_deref().or(note.as_deref()).unwrap_or_default();
            change.conditions = Some(validate::text("conditions", conditions, MAX_NOTE_CHARS)?);
        }
        Action::Notification if note.is_none() => {
            return Err(Error::invalid("note", "a notification needs a note"));
        }
        _ => {}
    }
    if let Some(due) = change.due_date
        && matches!(action, Action::Ship | Action::AcceptRenew)
        && due < today
    {
        return Err(Error::invalid("dueDate", format!("the due date {due} is in the past")));
    }
    // The copy this library lends moves with the loan.
    if request.role == Role::Lending && request.service_type == ServiceType::Loan {
        match action {
            Action::Ship => {
                let holding = lend_copy(conn, &request, input.holding_id).await?;
                change.holding_id = Some(holding);
            }
            Action::CheckIn => set_copy(conn, request.holding_id, HoldingStatus::Available).await?,
            Action::CompleteWithoutReturn => set_copy(conn, request.holding_id, HoldingStatus::Missing).await?,
            _ => {}
        }
    }
    if !db::set_state(conn, id, request.version, &change).await? {
        return Err(stale(&request));
    }
    let updated = db::get(conn, id).await?;
    // The partner's system hears of what this library does, when it has an endpoint.
    let mut sent = None;
    // The overdue job acts for this library as a lender. A lending request staff recorded
    // from an e-mail has no id in the partner's system, which would refuse messages about it.
    let for_this_library =
        actor.side == our_side(request.role) || (actor.side == Side::System && request.role == Role::Lending);
    let known_to_partner = request.role == Role::Borrowing || request.partner_request_id.is_some();
    if actor.message.is_none()
        && for_this_library
        && known_to_partner
        && let Some(_endpoint) = db::endpoint(conn, request.partner_id).await?
    {
        let partner = crate::partner::db::get(conn, request.partner_id).await?;
        if let Some(message) = message_for(&updated, action, note.as_deref(), &partner, agency)? {
            let xml = message.to_xml();
            db::enqueue(conn, id, request.partner_id, message.kind(), &xml).await?;
            sent = Some(xml);
        }
    }
    let (direction, message) = match (&actor.message, &sent) {
        (Some(received), _) => (Some("in"), Some(received.as_str())),
        (None, Some(sent)) => (Some("out"), Some(sent.as_str())),
        (None, None) => (None, None),
    };
    db::add_event(
        conn,
        id,
        &actor.name,
        action.as_str(),
        Some(request.status),
        updated.status,
        note.as_deref().or(change.unfilled_reason.as_deref().filter(|_| action == Action::Unfilled)),
        direction,
        message,
    )
    .await?;
    Ok(updated)
}

fn stale(request: &IllRequest) -> Error {
    Error::Conflict {
        field: "version".into(),
        message: format!(
            "the request changed while this action was being made (it is now at version {}); reload it and try again",
            request.version
        ),
    }
}

/// Marks the copy to lend as on loan: the one named, or an available copy of the document.
async fn lend_copy(conn: &mut PgConnection, request: &IllRequest, holding_id: Option<i64>) -> Result<i64> {
    let holding = match holding_id {
        Some(id) => id,
        None => {
            let document = request.document_id.ok_or_else(|| {
                Error::invalid("holdingId", "the request names no catalogue document; say which copy is lent")
            })?;
            db::available_copy(conn, document).await?.ok_or_else(|| {
                Error::invalid("holdingId", "this library has no available copy of the document to lend")
            })?
        }
    };
    let copy =
        crate::holding::db::get(conn, holding).await.map_err(|_| Error::invalid("holdingId", "no copy has this id"))?;
    if copy.holder_partner_id.is_some() {
        return Err(Error::invalid("holdingId", "the copy is a partner's, not this library's"));
    }
    if copy.status != HoldingStatus::Available {
        return Err(Error::invalid(
            "holdingId",
            format!("the copy is {}, not available", copy.status.as_str().replace('_', " ")),
        ));
    }
    set_copy(conn, Some(holding), HoldingStatus::OnLoan).await?;
    Ok(holding)
}

async fn set_copy(conn: &mut PgConnection, holding: Option<i64>, status: HoldingStatus) -> Result<()> {
    if let Some(holding) = holding {
        crate::holding::db::set_status(conn, holding, status).await?;
    }
    Ok(())
}
