//! The ISO 18626 message that tells a partner's system what this library did with a
//! request: its header (the agencies and both sides' request ids) and its body.

use chrono::Utc;

use super::iso18626::{self, AgencyId, Header, Message, Reason, RequestingMessage, SupplyingMessage};
use super::{Action, Agency, IllRequest, Role};
use crate::error::{Error, Result};

/// The header of a message about `request` from this library.
pub(super) fn header_for(request: &IllRequest, partner: &crate::partner::Partner, agency: &Agency) -> Result<Header> {
    let ours = agency.0.as_deref().ok_or_else(|| {
        Error::invalid("agencyId", "this library's agency id (--agency-id) is not set, so no message can be sent")
    })?;
    let theirs = partner
        .isil
        .as_deref()
        .ok_or_else(|| Error::invalid("partnerId", "the partner has no ISIL, so its system cannot be addressed"))?;
    let (supplying, requesting) = match request.role {
        Role::Borrowing => (theirs, ours),
        Role::Lending => (ours, theirs),
    };
    let (requesting_id, supplying_id) = match request.role {
        Role::Borrowing => (request.our_request_id(), request.partner_request_id.clone()),
        Role::Lending => (request.partner_request_id.clone().unwrap_or_default(), Some(request.our_request_id())),
    };
    Ok(Header {
        supplying_agency: AgencyId::isil(supplying),
        requesting_agency: AgencyId::isil(requesting),
        timestamp: Utc::now(),
        requesting_request_id: requesting_id,
        supplying_request_id: supplying_id,
    })
}

/// The message that tells the partner's system of an action this library took.
pub(super) fn message_for(
    request: &IllRequest,
    action: Action,
    note: Option<&str>,
    partner: &crate::partner::Partner,
    agency: &Agency,
) -> Result<Option<Message>> {
    let header = header_for(request, partner, agency)?;
    let note = note.map(str::to_owned);
    if request.role == Role::Borrowing {
        let (action_name, note) = match action {
            Action::Cancel => ("Cancel", note),
            Action::AcceptConditions => {
                ("Notification", Some(format!("{}{}", iso18626::CONDITIONS_ACCEPTED_MARKER, note.unwrap_or_default())))
            }
            Action::Received => ("Received", note),
            Action::Renew => ("Renew", note),
            Action::ShippedReturn => ("ShippedReturn", note),
            Action::ShippedForward => ("ShippedForward", note),
            Action::StatusRequest => ("StatusRequest", note),
            Action::Notification => ("Notification", note),
            _ => return Ok(None),
        };
        return Ok(Some(Message::Requesting(RequestingMessage { header, action: action_name.into(), note })));
    }
    let (reason, answer, note) = match action {
        Action::AcceptCancel => (Reason::CancelResponse, Some(true), note),
        Action::RejectCancel => (Reason::CancelResponse, Some(false), note),
        Action::AcceptRenew => (Reason::RenewResponse, Some(true), note),
        Action::RejectRenew => (Reason::RenewResponse, Some(false), note),
        Action::OfferConditions => (
            Reason::Notification,
            None,
            Some(format!("{}{}", iso18626::CONDITIONS_MARKER, request.conditions.clone().unwrap_or_default())),
        ),
        Action::Notification => (Reason::Notification, None, note),
        Action::ExpectToSupply | Action::WillSupply | Action::Unfilled | Action::RetryPossible
            if !request_answered_before(request) =>
        {
            (Reason::RequestResponse, None, note)
        }
        _ => (Reason::StatusChange, None, note),
    };
    Ok(Some(Message::Supplying(SupplyingMessage {
        header,
        reason,
        answer,
        note,
        reason_unfilled: request.unfilled_reason.clone().filter(|_| action == Action::Unfilled),
        reason_retry: request.unfilled_reason.clone().filter(|_| action == Action::RetryPossible),
        status: request.status.iso().into(),
        due_date: request.due_date.filter(|_| request.status.is_out_on_loan()),
    })))
}

/// Whether the supplier had already answered the request before this change (version 2 is
/// the first change after creation).
fn request_answered_before(request: &IllRequest) -> bool {
    request.version > 2
}

/// The supplier's answer to a status request: the request's status as it stands.
pub fn status_reply(request: &IllRequest, partner: &crate::partner::Partner, agency: &Agency) -> Result<Message> {
    Ok(Message::Supplying(SupplyingMessage {
        header: header_for(request, partner, agency)?,
        reason: Reason::StatusRequestResponse,
        answer: None,
        note: None,
        reason_unfilled: None,
        reason_retry: None,
        status: request.status.iso().into(),
        due_date: request.due_date.filter(|_| request.status.is_out_on_loan()),
    }))
}
