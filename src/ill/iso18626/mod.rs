//! ISO 18626 messages: the XML partners' interlibrary loan systems exchange.
//!
//! Written as version 1.2 of the schema (namespace `http://illtransactions.org/2013/iso18626`,
//! which the 2021 revision keeps). Read forgivingly where nothing is lost: elements of the
//! 2021 revision and any this library does not use are skipped, the namespace prefix does
//! not matter, whitespace around values is trimmed. Read strictly where meaning is at stake:
//! a missing required element, a status, action or reason outside the standard's lists, or a
//! date that is not a date is refused with the standard's error type, so the partner's system
//! learns exactly what it sent wrong.
//!
//! Conditions offered and accepted travel in the `note`, after a marker: the standard has no
//! element of its own for either (it has `loanCondition`, but only inside `deliveryInfo`,
//! which requires a shipping date).

use chrono::{DateTime, NaiveDate, Utc};

pub use self::read::{Unreadable, parse, parse_confirmation};
pub use self::write::confirmation;
use super::machine::ServiceType;

mod read;
#[cfg(test)]
mod tests;
mod write;

pub const NAMESPACE: &str = "http://illtransactions.org/2013/iso18626";
pub const VERSION: &str = "1.2";
/// Before the text of a supplier's notification that offers conditions.
pub const CONDITIONS_MARKER: &str = "#hamkor:conditions#";
/// Before the text of a requester's notification that accepts them.
pub const CONDITIONS_ACCEPTED_MARKER: &str = "#hamkor:conditions-accepted#";
const MAX_DEPTH: usize = 24;
const MAX_TEXT_CHARS: usize = 10_000;

/// The standard's closed list of reasons a message is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorType {
    UnsupportedActionType,
    UnsupportedReasonForMessageType,
    UnrecognisedDataElement,
    UnrecognisedDataValue,
    BadlyFormedMessage,
}

impl ErrorType {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorType::UnsupportedActionType => "UnsupportedActionType",
            ErrorType::UnsupportedReasonForMessageType => "UnsupportedReasonForMessageType",
            ErrorType::UnrecognisedDataElement => "UnrecognisedDataElement",
            ErrorType::UnrecognisedDataValue => "UnrecognisedDataValue",
            ErrorType::BadlyFormedMessage => "BadlyFormedMessage",
        }
    }

    pub fn parse(text: &str) -> Option<ErrorType> {
        [
            ErrorType::UnsupportedActionType,
            ErrorType::UnsupportedReasonForMessageType,
            ErrorType::UnrecognisedDataElement,
            ErrorType::UnrecognisedDataValue,
            ErrorType::BadlyFormedMessage,
        ]
        .into_iter()
        .find(|e| e.as_str() == text)
    }
}

/// Why a message was refused: the standard's error type and a sentence for the partner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub error_type: ErrorType,
    pub value: String,
}

impl Refusal {
    pub fn new(error_type: ErrorType, value: impl Into<String>) -> Self {
        Refusal { error_type, value: value.into() }
    }
}

/// An agency: this library or a partner, by its ISIL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgencyId {
    pub kind: String,
    pub value: String,
}

impl AgencyId {
    pub fn isil(value: &str) -> Self {
        AgencyId { kind: "ISIL".into(), value: value.into() }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub supplying_agency: AgencyId,
    pub requesting_agency: AgencyId,
    pub timestamp: DateTime<Utc>,
    pub requesting_request_id: String,
    pub supplying_request_id: Option<String>,
}

/// What a request asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Citation {
    /// The supplier's own record id, when the requester found the item in its catalogue.
    pub supplier_record_id: Option<String>,
    pub title: Option<String>,
    pub author: Option<String>,
    pub isbn: Option<String>,
    pub issn: Option<String>,
    pub publication_date: Option<String>,
    pub volume: Option<String>,
    pub pages: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestMessage {
    pub header: Header,
    pub citation: Citation,
    pub service_type: ServiceType,
    pub need_before: Option<NaiveDate>,
    pub patron_reference: Option<String>,
    pub note: Option<String>,
}

/// Why a supplier writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    RequestResponse,
    StatusRequestResponse,
    RenewResponse,
    CancelResponse,
    StatusChange,
    Notification,
}

impl Reason {
    const ALL: [Reason; 6] = [
        Reason::RequestResponse,
        Reason::StatusRequestResponse,
        Reason::RenewResponse,
        Reason::CancelResponse,
        Reason::StatusChange,
        Reason::Notification,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::RequestResponse => "RequestResponse",
            Reason::StatusRequestResponse => "StatusRequestResponse",
            Reason::RenewResponse => "RenewResponse",
            Reason::CancelResponse => "CancelResponse",
            Reason::StatusChange => "StatusChange",
            Reason::Notification => "Notification",
        }
    }
}

/// The statuses a supplier reports.
pub const STATUSES: [&str; 12] = [
    "RequestReceived",
    "ExpectToSupply",
    "WillSupply",
    "Loaned",
    "Overdue",
    "Recalled",
    "RetryPossible",
    "Unfilled",
    "CopyCompleted",
    "LoanCompleted",
    "CompletedWithoutReturn",
    "Cancelled",
];

/// The actions a requester takes.
pub const ACTIONS: [&str; 7] =
    ["StatusRequest", "Received", "Cancel", "Renew", "ShippedReturn", "ShippedForward", "Notification"];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupplyingMessage {
    pub header: Header,
    pub reason: Reason,
    pub answer: Option<bool>,
    pub note: Option<String>,
    pub reason_unfilled: Option<String>,
    pub reason_retry: Option<String>,
    /// One of [`STATUSES`].
    pub status: String,
    pub due_date: Option<NaiveDate>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestingMessage {
    pub header: Header,
    /// One of [`ACTIONS`].
    pub action: String,
    pub note: Option<String>,
}

/// The three messages an agency sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    Request(RequestMessage),
    Supplying(SupplyingMessage),
    Requesting(RequestingMessage),
}

impl Message {
    pub fn header(&self) -> &Header {
        match self {
            Message::Request(m) => &m.header,
            Message::Supplying(m) => &m.header,
            Message::Requesting(m) => &m.header,
        }
    }

    /// The element name of the message, and of its confirmation.
    pub fn kind(&self) -> &'static str {
        match self {
            Message::Request(_) => "request",
            Message::Supplying(_) => "supplyingAgencyMessage",
            Message::Requesting(_) => "requestingAgencyMessage",
        }
    }
}

/// The answer to a message, as received: OK, or the error the partner's system named.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confirmation {
    pub ok: bool,
    pub error: Option<(String, Option<String>)>,
}
