//! Writing ISO 18626 messages and their confirmations, version 1.2.

use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use quick_xml::escape::partial_escape;

use super::{AgencyId, Header, Message, NAMESPACE, Refusal, VERSION};
use crate::ill::machine::ServiceType;
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
