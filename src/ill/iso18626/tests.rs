//! Messages written and read back, and each kind of bad message refused with its error type.
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
    let action = wrap(&format!("<requestingAgencyMessage>{HEADER}<action>Borrow</action></requestingAgencyMessage>"));
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
