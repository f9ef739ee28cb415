//! Messages partners' systems send to `POST /iso18626`: each is checked, applied to its
//! request through the same state machine as staff actions, recorded with its XML, and
//! answered with the standard's confirmation. A message that cannot be applied changes
//! nothing and is answered with the error type the standard gives for it.
//!
//! A message that arrives twice (a partner's system retrying after a lost confirmation)
//! finds the request already where the message would take it, and is confirmed again
//! without a second change.

use chrono::Utc;
use sqlx::{PgConnection, PgPool};

use super::iso18626::{
    self, CONDITIONS_ACCEPTED_MARKER, CONDITIONS_MARKER, ErrorType, Header, Message, Reason, Refusal, RequestMessage,
    RequestingMessage, SupplyingMessage,
};
use super::{Action, ActionInput, Actor, Agency, IllDraft, IllRequest, Role, Side, Status, db};
use crate::error::Error;

/// Applies a message `partner_id`'s system sent and returns the confirmation to answer with.
pub async fn receive(pool: &PgPool, agency: &Agency, partner_id: i64, body: &str) -> Result<String, Error> {
    let received = Utc::now();
    let message = match iso18626::parse(body) {
        Ok(message) => message,
        Err(unreadable) => {
            return Ok(iso18626::confirmation(
                &unreadable.kind,
                unreadable.header.as_ref(),
                None,
                received,
                Some(&unreadable.refusal),
            ));
        }
    };
    let echo = match &message {
        Message::Supplying(m) => Some(m.reason.as_str().to_owned()),
        Message::Requesting(m) => Some(m.action.clone()),
        Message::Request(_) => None,
    };
    let mut tx = pool.begin().await?;
    let outcome = apply(&mut tx, agency, partner_id, &message, body).await;
    let refusal = match outcome {
        Ok(()) => {
            tx.commit().await?;
            None
        }
        Err(Rejection::Refused(refusal)) => {
            tx.rollback().await?;
            Some(refusal)
        }
        Err(Rejection::Failed(err)) => {
            tx.rollback().await?;
            return Err(err);
        }
    };
    Ok(iso18626::confirmation(message.kind(), Some(message.header()), echo.as_deref(), received, refusal.as_ref()))
}

enum Rejection {
    /// The message is wrong: the partner is told why.
    Refused(Refusal),
    /// This library failed (the database): the partner's system should retry.
    Failed(Error),
}

impl From<Error> for Rejection {
    /// A rule the message breaks is the partner's to fix; anything else is this library's.
    fn from(err: Error) -> Self {
        match err {
            Error::Invalid { message, .. } | Error::Conflict { message, .. } => {
                Rejection::Refused(Refusal::new(ErrorType::UnrecognisedDataValue, message))
            }
            Error::NotFound { .. } => {
                Rejection::Refused(Refusal::new(ErrorType::UnrecognisedDataValue, err.to_string()))
            }
            other => Rejection::Failed(other),
        }
    }
}

fn value_error(message: impl Into<String>) -> Rejection {
    Rejection::Refused(Refusal::new(ErrorType::UnrecognisedDataValue, message))
}

/// Checks that the message is between this library and the partner the token belongs to,
/// in the roles its kind implies.
async fn check_agencies(
    conn: &mut PgConnection,
    agency: &Agency,
    partner_id: i64,
    header: &Header,
    we_supply: bool,
) -> Result<(), Rejection> {
    let ours = agency
        .0
        .as_deref()
        .ok_or_else(|| value_error("this library has no agency id configured, so it cannot take ISO 18626 messages"))?;
    let (our_field, their_field, ours_in_message, theirs_in_message) = if we_supply {
        ("supplyingAgencyId", "requestingAgencyId", &header.supplying_agency, &header.requesting_agency)
    } else {
        ("requestingAgencyId", "supplyingAgencyId", &header.requesting_agency, &header.supplying_agency)
    };
    if !ours_in_message.value.eq_ignore_ascii_case(ours) {
        return Err(value_error(format!(
            "{our_field} {} is not this library ({ours})",
            crate::error::quoted(&ours_in_message.value)
        )));
    }
    match db::partner_by_isil(conn, &theirs_in_message.value).await? {
        Some(id) if id == partner_id => Ok(()),
        _ => Err(value_error(format!(
            "{their_field} {} is not the agency this token belongs to",
            crate::error::quoted(&theirs_in_message.value)
        ))),
    }
}

async fn apply(
    conn: &mut PgConnection,
    agency: &Agency,
    partner_id: i64,
    message: &Message,
    body: &str,
) -> Result<(), Rejection> {
    let partner = crate::partner::db::get(&mut *conn, partner_id).await?;
    let name = partner.isil.clone().unwrap_or_else(|| format!("partner {partner_id}"));
    match message {
        Message::Request(m) => {
            check_agencies(conn, agency, partner_id, &m.header, true).await?;
            new_lending_request(conn, agency, partner_id, m, &name, body).await
        }
        Message::Supplying(m) => {
            check_agencies(conn, agency, partner_id, &m.header, false).await?;
            let request = borrowing_request(conn, partner_id, &m.header).await?;
            if let Some(theirs) = &m.header.supplying_request_id
                && request.partner_request_id.is_none()
            {
                db::set_partner_request_id(conn, request.id, theirs).await?;
            }
            let actor = Actor { name, side: Side::Supplier, message: Some(body.to_owned()) };
            match supplier_action(&request, m)? {
                Some((action, side, input)) => {
                    let actor = Actor { side, ..actor };
                    super::act(conn, request.id, action, input, &actor, agency).await?;
                }
                None => record_only(conn, &request, &actor, m.reason.as_str(), m.note.as_deref()).await?,
            }
            Ok(())
        }
        Message::Requesting(m) => {
            check_agencies(conn, agency, partner_id, &m.header, true).await?;
            let request = lending_request(conn, partner_id, &m.header).await?;
            let actor = Actor { name, side: Side::Requester, message: Some(body.to_owned()) };
            match requester_action(&request, m) {
                Some((action, input)) => {
                    let updated = super::act(conn, request.id, action, input, &actor, agency).await?;
                    if action == Action::StatusRequest {
                        answer_status_request(conn, &updated, &partner, agency).await?;
                    }
                }
                None => record_only(conn, &request, &actor, &m.action, m.note.as_deref()).await?,
            }
            Ok(())
        }
    }
}

async fn new_lending_request(
    conn: &mut PgConnection,
    agency: &Agency,
    partner_id: i64,
    m: &RequestMessage,
    actor: &str,
    body: &str,
) -> Result<(), Rejection> {
    // The partner's system sent it again, not having seen the confirmation: it is here.
    if db::find_by_partner_request(conn, partner_id, Role::Lending, &m.header.requesting_request_id).await?.is_some() {
        return Ok(());
    }
    // The supplier's record id is this library's document id (or global id), when the
    // partner found the document in this catalogue.
    let document_id = match &m.citation.supplier_record_id {
        None => None,
        Some(record) => {
            let id = record
                .parse::<i64>()
                .ok()
                .or_else(|| crate::global_id::decode_as("", record, crate::global_id::NodeKind::Document).ok());
            match id {
                Some(id) if crate::document::db::get(&mut *conn, id).await.is_ok() => Some(id),
                _ if m.citation.title.is_some() => None,
                _ => {
                    return Err(value_error(format!(
                        "supplierUniqueRecordId {} is not a document of this library",
                        crate::error::quoted(record)
                    )));
                }
            }
        }
    };
    let c = &m.citation;
    let draft = IllDraft {
        role: Some(Role::Lending),
        partner_id,
        service_type: Some(m.service_type),
        document_id,
        title: c.title.clone(),
        author: c.author.clone(),
        isbn: c.isbn.clone(),
        issn: c.issn.clone(),
        publication_year: c.publication_date.clone(),
        volume: c.volume.clone(),
        pages: c.pages.clone(),
        patron_reference: m.patron_reference.clone(),
        need_before: m.need_before,
        partner_request_id: Some(m.header.requesting_request_id.clone()),
        note: m.note.clone(),
    };
    super::create(conn, draft, agency, actor, Some(body)).await?;
    Ok(())
}

/// This library's borrowing request a supplier's message is about.
async fn borrowing_request(conn: &mut PgConnection, partner_id: i64, header: &Header) -> Result<IllRequest, Rejection> {
    let unknown = || {
        value_error(format!(
            "requestingAgencyRequestId {} is not a request this library sent to you",
            crate::error::quoted(&header.requesting_request_id)
        ))
    };
    let id: i64 = header.requesting_request_id.trim().parse().map_err(|_| unknown())?;
    match db::get(conn, id).await {
        Ok(request) if request.partner_id == partner_id && request.role == Role::Borrowing => Ok(request),
        Ok(_) | Err(Error::NotFound { .. }) => Err(unknown()),
        Err(err) => Err(Rejection::Failed(err)),
    }
}

/// This library's lending request a requester's message is about: by this library's id
/// when the message carries it, else by the partner's.
async fn lending_request(conn: &mut PgConnection, partner_id: i64, header: &Header) -> Result<IllRequest, Rejection> {
    if let Some(ours) = header.supplying_request_id.as_deref().and_then(|id| id.trim().parse::<i64>().ok())
        && let Ok(request) = db::get(conn, ours).await
        && request.partner_id == partner_id
        && request.role == Role::Lending
    {
        return Ok(request);
    }
    db::find_by_partner_request(conn, partner_id, Role::Lending, &header.requesting_request_id).await?.ok_or_else(
        || {
            value_error(format!(
                "requestingAgencyRequestId {} is not a request you sent to this library",
                crate::error::quoted(&header.requesting_request_id)
            ))
        },
    )
}

/// What a supplier's message does to a borrowing request; `None` when it only informs
/// (or repeats what the request already shows).
fn supplier_action(
    request: &IllRequest,
    m: &SupplyingMessage,
) -> Result<Option<(Action, Side, ActionInput)>, Rejection> {
    let input = ActionInput { note: m.note.clone(), due_date: m.due_date, ..ActionInput::default() };
    let needs_answer = || value_error(format!("a {} needs answerYesNo Y or N", m.reason.as_str()));
    let action = match m.reason {
        Reason::CancelResponse => match m.answer.ok_or_else(needs_answer)? {
            true if request.status == Status::Cancelled => return Ok(None),
            true => Action::AcceptCancel,
            false if request.pending.is_none() => return Ok(None),
            false => Action::RejectCancel,
        },
        Reason::RenewResponse => {
            if request.pending.is_none() {
                return Ok(None);
            }
            if m.answer.ok_or_else(needs_answer)? { Action::AcceptRenew } else { Action::RejectRenew }
        }
        Reason::Notification => match m.note.as_deref().and_then(|n| n.strip_prefix(CONDITIONS_MARKER)) {
            Some(_) if request.pending == Some(super::Pending::Conditions) => return Ok(None),
            Some(conditions) => {
                let input = ActionInput { conditions: Some(conditions.to_owned()), note: None, ..input };
                return Ok(Some((Action::OfferConditions, Side::Supplier, input)));
            }
            None if m.note.is_some() => Action::Notification,
            None => return Ok(None),
        },
        Reason::RequestResponse | Reason::StatusChange | Reason::StatusRequestResponse => {
            if request.status.iso() == m.status {
                return Ok(None);
            }
            match m.status.as_str() {
                "RequestReceived" => return Ok(None),
                "ExpectToSupply" => Action::ExpectToSupply,
                "WillSupply" => Action::WillSupply,
                "Loaned" => Action::Ship,
                "Overdue" => return Ok(Some((Action::MarkOverdue, Side::System, input))),
                "Recalled" => Action::Recall,
                "RetryPossible" => {
                    let input = ActionInput { reason: m.reason_retry.clone(), ..input };
                    return Ok(Some((Action::RetryPossible, Side::Supplier, input)));
                }
                "Unfilled" => {
                    let input = ActionInput { reason: m.reason_unfilled.clone(), ..input };
                    return Ok(Some((Action::Unfilled, Side::Supplier, input)));
                }
                "CopyCompleted" => Action::SendCopy,
                "LoanCompleted" => Action::CheckIn,
                "CompletedWithoutReturn" => Action::CompleteWithoutReturn,
                "Cancelled" => Action::AcceptCancel,
                other => return Err(value_error(format!("status {other} is not handled"))),
            }
        }
    };
    Ok(Some((action, Side::Supplier, input)))
}

/// What a requester's message does to a lending request; `None` when it repeats what the
/// request already shows.
fn requester_action(request: &IllRequest, m: &RequestingMessage) -> Option<(Action, ActionInput)> {
    let input = ActionInput { note: m.note.clone(), ..ActionInput::default() };
    let action = match m.action.as_str() {
        "Cancel" if request.pending == Some(super::Pending::Cancel) || request.status == Status::Cancelled => {
            return None;
        }
        "Cancel" => Action::Cancel,
        "Received" if request.status != Status::Loaned => return None,
        "Received" => Action::Received,
        "Renew" if request.pending == Some(super::Pending::Renew) => return None,
        "Renew" => Action::Renew,
        "ShippedReturn" | "ShippedForward" if request.status == Status::ShippedReturn => return None,
        "ShippedReturn" => Action::ShippedReturn,
        "ShippedForward" => Action::ShippedForward,
        "StatusRequest" => Action::StatusRequest,
        _ => match m.note.as_deref().and_then(|n| n.strip_prefix(CONDITIONS_ACCEPTED_MARKER)) {
            Some(_) if request.pending != Some(super::Pending::Conditions) => return None,
            Some(rest) => {
                let note = Some(rest.to_owned()).filter(|n| !n.is_empty());
                return Some((Action::AcceptConditions, ActionInput { note, ..input }));
            }
            None => Action::Notification,
        },
    };
    Some((action, input))
}

/// Records a message that changes nothing.
async fn record_only(
    conn: &mut PgConnection,
    request: &IllRequest,
    actor: &Actor,
    what: &str,
    note: Option<&str>,
) -> Result<(), Rejection> {
    let action = format!("message:{what}");
    db::add_event(
        conn,
        request.id,
        &actor.name,
        &action,
        Some(request.status),
        request.status,
        note,
        Some("in"),
        actor.message.as_deref(),
    )
    .await?;
    Ok(())
}

/// Sends the partner the request's status, as a supplier answers a status request.
async fn answer_status_request(
    conn: &mut PgConnection,
    request: &IllRequest,
    partner: &crate::partner::Partner,
    agency: &Agency,
) -> Result<(), Rejection> {
    if db::endpoint(conn, partner.id).await?.is_none() {
        return Ok(());
    }
    let reply = super::status_reply(request, partner, agency)?;
    db::enqueue(conn, request.id, partner.id, reply.kind(), &reply.to_xml()).await?;
    Ok(())
}
