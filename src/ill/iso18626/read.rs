//! Reading the messages agencies send, and the confirmations they answer with.

use chrono::{DateTime, NaiveDate, Utc};
use quick_xml::Reader;
use quick_xml::events::Event;

use super::*;
use crate::ill::machine::ServiceType;
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
