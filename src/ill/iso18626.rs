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

use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use quick_xml::Reader;
use quick_xml::escape::partial_escape;
use quick_xml::events::Event;

use super::machine::ServiceType;

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

// ---------------------------------------------------------------------------------------
// Writing

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A date as the schema's `xs:dateTime`: the day's start, UTC.
fn date_time(day: NaiveDate) -> String {
    format!("{day}T00:00:00Z")
}

/// Appends `<name>text</name>` when there is a text.
fn element(out: &mut String, name: &str, text: Option<&str>) {
    if let Some(text) = text {
        let _ = write!(out, "<{name}>{}</{name}>", partial_escape(text));
    }
}

fn agency(out: &mut String, name: &str, id: &AgencyId) {
    let _ = write!(
        out,
        "<{name}><agencyIdType>{}</agencyIdType><agencyIdValue>{}</agencyIdValue></{name}>",
        partial_escape(&id.kind),
        partial_escape(&id.value)
    );
}

fn header(out: &mut String, h: &Header) {
    out.push_str("<header>");
    agency(out, "supplyingAgencyId", &h.supplying_agency);
    agency(out, "requestingAgencyId", &h.requesting_agency);
    // Required by the 1.2 schema, empty when the request is for one item.
    out.push_str("<multipleItemRequestId></multipleItemRequestId>");
    element(out, "timestamp", Some(&timestamp(h.timestamp)));
    element(out, "requestingAgencyRequestId", Some(&h.requesting_request_id));
    element(out, "supplyingAgencyRequestId", h.supplying_request_id.as_deref());
    out.push_str("</header>");
}

fn envelope(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ISO18626Message xmlns=\"{NAMESPACE}\" \
         xmlns:ill=\"{NAMESPACE}\" ill:version=\"{VERSION}\">{body}</ISO18626Message>\n"
    )
}

impl Message {
    pub fn to_xml(&self) -> String {
        let mut out = String::new();
        match self {
            Message::Request(m) => {
                out.push_str("<request>");
                header(&mut out, &m.header);
                out.push_str("<bibliographicInfo>");
                let c = &m.citation;
                element(&mut out, "supplierUniqueRecordId", c.supplier_record_id.as_deref());
                element(&mut out, "title", c.title.as_deref());
                element(&mut out, "author", c.author.as_deref());
                element(&mut out, "volume", c.volume.as_deref());
                element(&mut out, "pagesRequested", c.pages.as_deref());
                for (code, value) in [("ISBN", &c.isbn), ("ISSN", &c.issn)] {
                    if let Some(value) = value {
                        let _ = write!(
                            out,
                            "<bibliographicItemId><bibliographicItemIdentifier>{}</bibliographicItemIdentifier>\
                             <bibliographicItemIdentifierCode>{code}</bibliographicItemIdentifierCode></bibliographicItemId>",
                            partial_escape(value)
                        );
                    }
                }
                out.push_str("</bibliographicInfo>");
                if let Some(date) = &c.publication_date {
                    out.push_str("<publicationInfo>");
                    element(&mut out, "publicationDate", Some(date));
                    out.push_str("</publicationInfo>");
                }
                out.push_str("<serviceInfo>");
                element(&mut out, "requestType", Some("New"));
                let service = match m.service_type {
                    ServiceType::Loan => "Loan",
                    ServiceType::Copy => "Copy",
                };
                element(&mut out, "serviceType", Some(service));
                element(&mut out, "needBeforeDate", m.need_before.map(date_time).as_deref());
                element(&mut out, "note", m.note.as_deref());
                out.push_str("</serviceInfo>");
                if let Some(patron) = &m.patron_reference {
                    out.push_str("<patronInfo>");
                    element(&mut out, "patronId", Some(patron));
                    out.push_str("</patronInfo>");
                }
                out.push_str("</request>");
            }
            Message::Supplying(m) => {
                out.push_str("<supplyingAgencyMessage>");
                header(&mut out, &m.header);
                out.push_str("<messageInfo>");
                element(&mut out, "reasonForMessage", Some(m.reason.as_str()));
                element(&mut out, "answerYesNo", m.answer.map(|yes| if yes { "Y" } else { "N" }));
                element(&mut out, "note", m.note.as_deref());
                element(&mut out, "reasonUnfilled", m.reason_unfilled.as_deref());
                element(&mut out, "reasonRetry", m.reason_retry.as_deref());
                out.push_str("</messageInfo><statusInfo>");
                element(&mut out, "status", Some(&m.status));
                element(&mut out, "dueDate", m.due_date.map(date_time).as_deref());
                element(&mut out, "lastChange", Some(&timestamp(m.header.timestamp)));
                out.push_str("</statusInfo></supplyingAgencyMessage>");
            }
            Message::Requesting(m) => {
                out.push_str("<requestingAgencyMessage>");
                header(&mut out, &m.header);
                element(&mut out, "action", Some(&m.action));
                element(&mut out, "note", m.note.as_deref());
                out.push_str("</requestingAgencyMessage>");
            }
        }
        envelope(&out)
    }
}

/// The confirmation of `message` (or of whatever could be read of it): OK, or the refusal.
pub fn confirmation(
    kind: &str,
    header: Option<&Header>,
    echo: Option<&str>,
    received: DateTime<Utc>,
    refusal: Option<&Refusal>,
) -> String {
    let kind = match kind {
        "request" | "supplyingAgencyMessage" | "requestingAgencyMessage" => kind,
        // Nothing could be read: the request's confirmation carries the error.
        _ => "request",
    };
    let mut out = format!("<{kind}Confirmation><confirmationHeader>");
    if let Some(h) = header {
        agency(&mut out, "supplyingAgencyId", &h.supplying_agency);
        agency(&mut out, "requestingAgencyId", &h.requesting_agency);
    }
    element(&mut out, "timestamp", Some(&timestamp(Utc::now())));
    element(&mut out, "requestingAgencyRequestId", header.map(|h| h.requesting_request_id.as_str()));
    element(&mut out, "timestampReceived", Some(&timestamp(received)));
    element(&mut out, "messageStatus", Some(if refusal.is_some() { "ERROR" } else { "OK" }));
    out.push_str("</confirmationHeader>");
    match kind {
        "supplyingAgencyMessage" => element(&mut out, "reasonForMessage", echo),
        "requestingAgencyMessage" => element(&mut out, "action", echo),
        _ => {}
    }
    if let Some(refusal) = refusal {
        out.push_str("<errorData>");
        element(&mut out, "errorType", Some(refusal.error_type.as_str()));
        let value: String = refusal.value.chars().take(500).collect();
        element(&mut out, "errorValue", Some(&value));
        out.push_str("</errorData>");
    }
    let _ = write!(out, "</{kind}Confirmation>");
    envelope(&out)
}

// ---------------------------------------------------------------------------------------
// Reading

/// An element: its local name (prefix dropped), its text and its child elements.
#[derive(Debug, Default)]
struct Node {
    name: String,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed text of a child, `None` when the child is missing or empty.
    fn text_of(&self, name: &str) -> Option<String> {
        self.child(name).map(|c| c.text.trim().to_owned()).filter(|t| !t.is_empty())
    }

    fn required(&self, name: &str) -> Result<&Node, Refusal> {
        self.child(name)
            .ok_or_else(|| Refusal::new(ErrorType::BadlyFormedMessage, format!("<{}> has no <{name}>", self.name)))
    }

    fn required_text(&self, name: &str) -> Result<String, Refusal> {
        self.required(name)?;
        self.text_of(name)
            .ok_or_else(|| Refusal::new(ErrorType::BadlyFormedMessage, format!("<{name}> in <{}> is empty", self.name)))
    }
}

fn badly_formed(what: impl Into<String>) -> Refusal {
    Refusal::new(ErrorType::BadlyFormedMessage, what)
}

fn local_name(name: &str) -> Result<String, Refusal> {
    Ok(name.to_owned())
}

/// Reads the XML into a tree of elements; anything that is not well-formed XML is refused.
fn tree(xml: &str) -> Result<Node, Refusal> {
    let mut reader = Reader::from_str(xml);
    let mut open: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    loop {
        let event = reader.read_event().map_err(|e| badly_formed(format!("not well-formed XML: {e}")))?;
        match event {
            Event::Start(start) => {
                if root.is_some() {
                    return Err(badly_formed("content after the root element"));
                }
                if open.len() >= MAX_DEPTH {
                    return Err(badly_formed(format!("elements nested deeper than {MAX_DEPTH}")));
                }
                open.push(Node { name: local_name(start.local_name().as_ref())?, ..Node::default() });
            }
            Event::Empty(empty) => {
                let node = Node { name: local_name(empty.local_name().as_ref())?, ..Node::default() };
                match open.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None if root.is_none() => root = Some(node),
                    None => return Err(badly_formed("content after the root element")),
                }
            }
            Event::Text(text) => {
                if let Some(node) = open.last_mut() {
                    let text = text.xml10_content();
                    push_text(node, &text)?;
                }
            }
            Event::CData(data) => {
                if let Some(node) = open.last_mut() {
                    let text = data.xml10_content();
                    push_text(node, &text)?;
                }
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => c,
                    _ => {
                        let name = reference.as_ref().to_owned();
                        match name.as_str() {
                            "lt" => '<',
                            "gt" => '>',
                            "amp" => '&',
                            "apos" => '\'',
                            "quot" => '"',
                            _ => return Err(badly_formed(format!("unknown entity &{name};"))),
                        }
                    }
                };
                if let Some(node) = open.last_mut() {
                    push_text(node, resolved.encode_utf8(&mut [0; 4]))?;
                }
            }
            Event::End(_) => {
                let node = open.pop().ok_or_else(|| badly_formed("an end tag without its start"))?;
                match open.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some(node),
                }
            }
            Event::DocType(_) => return Err(badly_formed("a DOCTYPE is not accepted")),
            Event::Eof => break,
            _ => {}
        }
    }
    if !open.is_empty() {
        return Err(badly_formed("the message ends before its elements close"));
    }
    root.ok_or_else(|| badly_formed("no root element"))
}

fn push_text(node: &mut Node, text: &str) -> Result<(), Refusal> {
    if node.text.len() + text.len() > MAX_TEXT_CHARS * 4 {
        return Err(badly_formed(format!("<{}> is longer than {MAX_TEXT_CHARS} characters", node.name)));
    }
    node.text.push_str(text);
    Ok(())
}

fn parse_time(field: &str, text: &str) -> Result<DateTime<Utc>, Refusal> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    // A dateTime without a zone is read as UTC; a bare date as its start.
    if let Ok(at) = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f") {
        return Ok(at.and_utc());
    }
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    }
    Err(Refusal::new(
        ErrorType::UnrecognisedDataValue,
        format!("{field} {} is not an xs:dateTime", crate::error::quoted(text)),
    ))
}

fn parse_agency(header: &Node, name: &str) -> Result<AgencyId, Refusal> {
    let node = header.required(name)?;
    Ok(AgencyId { kind: node.required_text("agencyIdType")?, value: node.required_text("agencyIdValue")? })
}

fn parse_header(message: &Node) -> Result<Header, Refusal> {
    let h = message.required("header")?;
    Ok(Header {
        supplying_agency: parse_agency(h, "supplyingAgencyId")?,
        requesting_agency: parse_agency(h, "requestingAgencyId")?,
        timestamp: parse_time("timestamp", &h.required_text("timestamp")?)?,
        requesting_request_id: h.required_text("requestingAgencyRequestId")?,
        supplying_request_id: h.text_of("supplyingAgencyRequestId"),
    })
}

fn limited(field: &str, text: Option<String>, max: usize) -> Result<Option<String>, Refusal> {
    match text {
        Some(t) if t.chars().count() > max => {
            Err(Refusal::new(ErrorType::UnrecognisedDataValue, format!("{field} is longer than {max} characters")))
        }
        other => Ok(other),
    }
}

fn parse_request(m: &Node) -> Result<RequestMessage, Refusal> {
    let header = parse_header(m)?;
    let bib = m.required("bibliographicInfo")?;
    let mut citation = Citation {
        supplier_record_id: limited("supplierUniqueRecordId", bib.text_of("supplierUniqueRecordId"), 200)?,
        title: limited("title", bib.text_of("title"), 2000)?,
        author: limited("author", bib.text_of("author"), 1000)?,
        volume: limited("volume", bib.text_of("volume"), 200)?,
        pages: limited("pagesRequested", bib.text_of("pagesRequested"), 200)?,
        publication_date: limited(
            "publicationDate",
            m.child("publicationInfo").and_then(|p| p.text_of("publicationDate")),
            40,
        )?,
        ..Citation::default()
    };
    for id in bib.children("bibliographicItemId") {
        let (Some(value), Some(code)) =
            (id.text_of("bibliographicItemIdentifier"), id.text_of("bibliographicItemIdentifierCode"))
        else {
            return Err(badly_formed("<bibliographicItemId> needs an identifier and its code"));
        };
        match code.to_ascii_uppercase().as_str() {
            "ISBN" => citation.isbn = limited("ISBN", Some(value), 40)?,
            "ISSN" => citation.issn = limited("ISSN", Some(value), 20)?,
            // Other identifiers (LCCN, OCLC numbers...) are not kept.
            _ => {}
        }
    }
    if citation.title.is_none() && citation.supplier_record_id.is_none() {
        return Err(Refusal::new(
            ErrorType::UnrecognisedDataValue,
            "the request names neither a title nor a supplierUniqueRecordId",
        ));
    }
    // Service information is optional in 1.2; a loan is what a request without it asks.
    let service = m.child("serviceInfo");
    let service_type = match service.and_then(|s| s.text_of("serviceType")).as_deref() {
        None | Some("Loan") | Some("CopyOrLoan") => ServiceType::Loan,
        Some("Copy") => ServiceType::Copy,
        Some(other) => {
            return Err(Refusal::new(
                ErrorType::UnrecognisedDataValue,
                format!("serviceType {} is not Copy, Loan or CopyOrLoan", crate::error::quoted(other)),
            ));
        }
    };
    let need_before = service
        .and_then(|s| s.text_of("needBeforeDate"))
        .map(|t| parse_time("needBeforeDate", &t).map(|at| at.date_naive()))
        .transpose()?;
    Ok(RequestMessage {
        header,
        citation,
        service_type,
        need_before,
        patron_reference: limited("patronId", m.child("patronInfo").and_then(|p| p.text_of("patronId")), 200)?,
        note: limited("note", service.and_then(|s| s.text_of("note")), 2000)?,
    })
}

fn parse_supplying(m: &Node) -> Result<SupplyingMessage, Refusal> {
    let header = parse_header(m)?;
    let info = m.required("messageInfo")?;
    let reason_text = info.required_text("reasonForMessage")?;
    let reason = Reason::ALL.into_iter().find(|r| r.as_str() == reason_text).ok_or_else(|| {
        Refusal::new(
            ErrorType::UnsupportedReasonForMessageType,
            format!("reasonForMessage {} is not one of the standard's", crate::error::quoted(&reason_text)),
        )
    })?;
    let answer = match info.text_of("answerYesNo").as_deref() {
        None => None,
        Some("Y") => Some(true),
        Some("N") => Some(false),
        Some(other) => {
            return Err(Refusal::new(
                ErrorType::UnrecognisedDataValue,
                format!("answerYesNo {} is not Y or N", crate::error::quoted(other)),
            ));
        }
    };
    let status_info = m.required("statusInfo")?;
    let status = status_info.required_text("status")?;
    if !STATUSES.contains(&status.as_str()) {
        return Err(Refusal::new(
            ErrorType::UnrecognisedDataValue,
            format!("status {} is not one of the standard's", crate::error::quoted(&status)),
        ));
    }
    let due_date =
        status_info.text_of("dueDate").map(|t| parse_time("dueDate", &t).map(|at| at.date_naive())).transpose()?;
    Ok(SupplyingMessage {
        header,
        reason,
        answer,
        note: limited("note", info.text_of("note"), 2000)?,
        reason_unfilled: limited("reasonUnfilled", info.text_of("reasonUnfilled"), 500)?,
        reason_retry: limited("reasonRetry", info.text_of("reasonRetry"), 500)?,
        status,
        due_date,
    })
}

fn parse_requesting(m: &Node) -> Result<RequestingMessage, Refusal> {
    let header = parse_header(m)?;
    // The 2021 revision adds HoldReturn and Lost, which this library does not handle.
    let action = m.required_text("action")?;
    if !ACTIONS.contains(&action.as_str()) {
        return Err(Refusal::new(
            ErrorType::UnsupportedActionType,
            format!("action {} is not one this library handles", crate::error::quoted(&action)),
        ));
    }
    Ok(RequestingMessage { header, action, note: limited("note", m.text_of("note"), 2000)? })
}

/// What could be read of a refused message, for its confirmation.
#[derive(Debug)]
pub struct Unreadable {
    pub kind: String,
    pub header: Option<Header>,
    pub refusal: Refusal,
}

/// Reads a message an agency sent.
pub fn parse(xml: &str) -> Result<Message, Box<Unreadable>> {
    let unreadable = |kind: &str, header: Option<Header>, refusal: Refusal| {
        Box::new(Unreadable { kind: kind.to_owned(), header, refusal })
    };
    let root = tree(xml).map_err(|r| unreadable("", None, r))?;
    if root.name != "ISO18626Message" {
        return Err(unreadable(
            "",
            None,
            badly_formed(format!("the root element is <{}>, not <ISO18626Message>", root.name)),
        ));
    }
    let [message] = root.children.as_slice() else {
        return Err(unreadable("", None, badly_formed("<ISO18626Message> must hold exactly one message")));
    };
    let kind = message.name.as_str();
    let header = parse_header(message).ok();
    let parsed = match kind {
        "request" => parse_request(message).map(Message::Request),
        "supplyingAgencyMessage" => parse_supplying(message).map(Message::Supplying),
        "requestingAgencyMessage" => parse_requesting(message).map(Message::Requesting),
        other => {
            Err(Refusal::new(ErrorType::UnrecognisedDataElement, format!("<{other}> is not a message an agency sends")))
        }
    };
    parsed.map_err(|r| unreadable(kind, header, r))
}

/// Reads the confirmation a partner's system answered with.
pub fn parse_confirmation(xml: &str) -> Result<Confirmation, String> {
    let root = tree(xml).map_err(|r| r.value)?;
    let [message] = root.children.as_slice() else {
        return Err("the answer holds no confirmation".into());
    };
    if !message.name.ends_with("Confirmation") {
        return Err(format!("the answer is <{}>, not a confirmation", message.name));
    }
    let header = message.child("confirmationHeader").ok_or("the confirmation has no header")?;
    let ok = match header.text_of("messageStatus").as_deref() {
        Some("OK") => true,
        Some("ERROR") => false,
        other => return Err(format!("messageStatus {other:?} is neither OK nor ERROR")),
    };
    let error = message
        .child("errorData")
        .map(|e| (e.text_of("errorType").unwrap_or_else(|| "unknown".into()), e.text_of("errorValue")));
    Ok(Confirmation { ok, error })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header {
            supplying_agency: AgencyId::isil("KR-NLK"),
            requesting_agency: AgencyId::isil("UZ-NLU"),
            timestamp: DateTime::parse_from_rfc3339("2026-03-01T10:00:00Z").unwrap().with_timezone(&Utc),
            requesting_request_id: "17".into(),
            supplying_request_id: None,
        }
    }

    #[test]
    fn every_message_reads_back_as_written() {
        let messages = [
            Message::Request(RequestMessage {
                header: header(),
                citation: Citation {
                    title: Some("Hangul & <Hanja>".into()),
                    author: Some("Kim".into()),
                    isbn: Some("9788932917245".into()),
                    publication_date: Some("2001".into()),
                    ..Citation::default()
                },
                service_type: ServiceType::Copy,
                need_before: NaiveDate::from_ymd_opt(2026, 4, 1),
                patron_reference: Some("R-1".into()),
                note: Some("chapter 3".into()),
            }),
            Message::Supplying(SupplyingMessage {
                header: Header { supplying_request_id: Some("S-9".into()), ..header() },
                reason: Reason::RenewResponse,
                answer: Some(true),
                note: None,
                reason_unfilled: None,
                reason_retry: None,
                status: "Loaned".into(),
                due_date: NaiveDate::from_ymd_opt(2026, 5, 1),
            }),
            Message::Requesting(RequestingMessage {
                header: header(),
                action: "ShippedReturn".into(),
                note: Some("by post".into()),
            }),
        ];
        for message in messages {
            assert_eq!(parse(&message.to_xml()).expect("reads"), message);
        }
    }

    fn refusal(xml: &str) -> (String, ErrorType) {
        let unreadable = parse(xml).expect_err("refused");
        (unreadable.kind, unreadable.refusal.error_type)
    }

    const HEADER: &str = "<header><supplyingAgencyId><agencyIdType>ISIL</agencyIdType><agencyIdValue>KR-NLK</agencyIdValue></supplyingAgencyId><requestingAgencyId><agencyIdType>ISIL</agencyIdType><agencyIdValue>UZ-NLU</agencyIdValue></requestingAgencyId><timestamp>2026-03-01T10:00:00Z</timestamp><requestingAgencyRequestId>5</requestingAgencyRequestId></header>";

    fn wrap(body: &str) -> String {
        format!("<ISO18626Message xmlns=\"{NAMESPACE}\">{body}</ISO18626Message>")
    }

    #[test]
    fn each_kind_of_bad_message_gets_its_error_type() {
        use ErrorType::*;
        assert_eq!(refusal("<ISO18626Message><request>").1, BadlyFormedMessage);
        assert_eq!(refusal("not xml at all").1, BadlyFormedMessage);
        assert_eq!(refusal("<other/>").1, BadlyFormedMessage);
        assert_eq!(refusal(&wrap("<request/>")).1, BadlyFormedMessage);
        assert_eq!(refusal(&wrap(&format!("<shipment>{HEADER}</shipment>"))).1, UnrecognisedDataElement);
        let action =
            wrap(&format!("<requestingAgencyMessage>{HEADER}<action>Borrow</action></requestingAgencyMessage>"));
        assert_eq!(refusal(&action), ("requestingAgencyMessage".into(), UnsupportedActionType));
        let reason = wrap(&format!(
            "<supplyingAgencyMessage>{HEADER}<messageInfo><reasonForMessage>Gossip</reasonForMessage></messageInfo>\
             <statusInfo><status>Loaned</status><lastChange>2026-03-01T10:00:00Z</lastChange></statusInfo></supplyingAgencyMessage>"
        ));
        assert_eq!(refusal(&reason).1, UnsupportedReasonForMessageType);
        let status = reason.replace("Gossip", "StatusChange").replace(">Loaned<", ">Lent<");
        assert_eq!(refusal(&status).1, UnrecognisedDataValue);
        let date = wrap(&format!(
            "<requestingAgencyMessage>{}<action>Cancel</action></requestingAgencyMessage>",
            HEADER.replace("2026-03-01T10:00:00Z", "yesterday")
        ));
        assert_eq!(refusal(&date).1, UnrecognisedDataValue);
        let doctype = format!("<!DOCTYPE x [<!ENTITY a \"aaaa\">]>{}", wrap("<request/>"));
        assert_eq!(refusal(&doctype).1, BadlyFormedMessage);
    }

    #[test]
    fn a_confirmation_reads_back() {
        let refusal = Refusal::new(ErrorType::UnrecognisedDataValue, "no request 5");
        let xml = confirmation("requestingAgencyMessage", Some(&header()), Some("Cancel"), Utc::now(), Some(&refusal));
        let read = parse_confirmation(&xml).expect("reads");
        assert!(!read.ok);
        assert_eq!(read.error, Some(("UnrecognisedDataValue".into(), Some("no request 5".into()))));
        let ok = confirmation("request", Some(&header()), None, Utc::now(), None);
        assert!(parse_confirmation(&ok).expect("reads").ok);
    }
}
