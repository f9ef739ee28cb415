//! ISO 18626 between systems: `POST /iso18626` with good and bad messages, and two hamkor
//! installations (each with its own database and server) running whole transactions with
//! each other through their outboxes.

use std::time::Duration;

use hamkor::ill::{Agency, IllOptions};
use serde_json::{Value, json};

use crate::support::{TestApp, TokenRole, fresh_database};

const NS: &str = "http://illtransactions.org/2013/iso18626";

/// One library: its server (with `isil` as its agency id) and its document with a copy.
struct Library {
    app: TestApp,
    isil: &'static str,
}

impl Library {
    async fn start(isil: &'static str) -> Library {
        let (pool, _) = fresh_database().await;
        let options = IllOptions { agency: Agency(Some(isil.into())), overdue_interval: Duration::from_secs(3600) };
        let app = TestApp::spawn_with(pool, |state| state.with_ill(options)).await;
        Library { app, isil }
    }

    /// Registers `other` as a partner with its ISIL; returns the partner's id here.
    async fn partner(&self, name: &str, isil: &str) -> String {
        let data = self
            .app
            .data(
                "mutation($i: CreatePartnerInput!) { createPartner(input: $i) { id } }",
                json!({ "i": { "kind": "NATIONAL_LIBRARY", "isil": isil, "names": [{ "lang": "en", "value": name }] } }),
            )
            .await;
        data["createPartner"]["id"].as_str().unwrap().to_owned()
    }

    async fn set_endpoint(&self, partner: &str, url: &str, credential: &str) {
        self.app
            .data(
                "mutation($i: SetIllEndpointInput!) { setIllEndpoint(input: $i) { illEndpoint { url hasCredential } } }",
                json!({ "i": { "partnerId": partner, "url": url, "credential": credential } }),
            )
            .await;
    }

    async fn act(&self, mutation: &str, input_type: &str, input: Value) -> Value {
        let query = format!("mutation($i: {input_type}!) {{ {mutation}(input: $i) {{ id status version }} }}");
        let data = self.app.data(&query, json!({ "i": input })).await;
        data[mutation].clone()
    }

    async fn request(&self, id: &str) -> Value {
        let data = self
            .app
            .data(
                "query($id: ID!) { illRequest(id: $id) { id status pending dueDate unfilledReason partnerRequestId
                    serviceType handledByHand history { action statusAfter messageDirection }
                    deliveries { kind attempts deliveredAt rejectedAt lastError } } }",
                json!({ "id": id }),
            )
            .await;
        data["illRequest"].clone()
    }

    /// This library's request that the partner's system knows as `partner_request_id`, once
    /// it has arrived.
    async fn incoming(&self, partner_request_id: &str) -> String {
        eventually("the request arrives", || async {
            let data = self
                .app
                .data(
                    "{ illRequests(filter: { role: LENDING }, first: 100) { nodes { id partnerRequestId } } }",
                    json!({}),
                )
                .await;
            data["illRequests"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|n| n["partnerRequestId"] == partner_request_id)
                .map(|n| n["id"].as_str().unwrap().to_owned())
        })
        .await
    }

    /// Waits until the request shows `status`.
    async fn reaches(&self, id: &str, status: &str) -> Value {
        eventually(&format!("{} sees {status}", self.isil), || async {
            let request = self.request(id).await;
            (request["status"] == status).then_some(request)
        })
        .await
    }
}

/// Polls `check` until it gives a value (10 s at most).
async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn raw_id(id: &str) -> String {
    hamkor::global_id::decode("id", id).unwrap().1.to_string()
}

/// Two libraries that know each other: A (`UZ-LIBA`) borrows from B (`KR-LIBB`).
struct Pair {
    a: Library,
    b: Library,
    /// B as A's partner, and A as B's.
    b_at_a: String,
    a_at_b: String,
    /// B's copy of the document A borrows.
    copy_at_b: String,
}

impl Pair {
    async fn new() -> Pair {
        let (a, b) = tokio::join!(Library::start("UZ-LIBA"), Library::start("KR-LIBB"));
        let b_at_a = a.partner("Library B", "KR-LIBB").await;
        let a_at_b = b.partner("Library A", "UZ-LIBA").await;
        // Each gives the other a partner token for its endpoint.
        let token_for_a = b.app.token(TokenRole::Partner, Some(&a_at_b), "Library A's system").await;
        let token_for_b = a.app.token(TokenRole::Partner, Some(&b_at_a), "Library B's system").await;
        a.set_endpoint(&b_at_a, &format!("{}/iso18626", b.app.base), &token_for_a).await;
        b.set_endpoint(&a_at_b, &format!("{}/iso18626", a.app.base), &token_for_b).await;
        let document = b
            .app
            .data(
                "mutation { createDocument(input: { description: { title: \"Hunminjeongeum\" } }) { id } }",
                json!({}),
            )
            .await["createDocument"]["id"]
            .clone();
        let copy_at_b = b
            .app
            .data(
                "mutation($d: ID!) { createHolding(input: { documentId: $d, barcode: \"B-1\" }) { id } }",
                json!({ "d": document }),
            )
            .await["createHolding"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        Pair { a, b, b_at_a, a_at_b, copy_at_b }
    }

    /// A asks B; returns the request's id at A and at B.
    async fn borrow(&self, service: &str) -> (String, String) {
        let created = self
            .a
            .act(
                "createIllRequest",
                "CreateIllRequestInput",
                json!({ "partnerId": self.b_at_a, "title": "Hunminjeongeum", "isbn": "9788970000000", "serviceType": service }),
            )
            .await;
        let at_a = created["id"].as_str().unwrap().to_owned();
        let at_b = self.b.incoming(&raw_id(&at_a)).await;
        (at_a, at_b)
    }
}

#[tokio::test]
async fn two_installations_run_a_whole_loan_with_each_other() {
    let p = Pair::new().await;
    let (at_a, at_b) = p.borrow("LOAN").await;
    let arrived = p.b.request(&at_b).await;
    assert_eq!(
        (arrived["status"].clone(), arrived["handledByHand"].clone()),
        (json!("REQUEST_RECEIVED"), json!(false))
    );
    assert_eq!(arrived["history"][0]["messageDirection"], "IN");
    let sent = p.a.request(&at_a).await;
    assert_eq!(sent["history"][0]["messageDirection"], "OUT");

    p.b.act("illWillSupply", "IllActionInput", json!({ "id": at_b })).await;
    p.a.reaches(&at_a, "WILL_SUPPLY").await;
    p.b.act("illShip", "IllShipInput", json!({ "id": at_b, "holdingId": p.copy_at_b, "dueDate": "2099-02-01" })).await;
    let loaned = p.a.reaches(&at_a, "LOANED").await;
    assert_eq!(loaned["dueDate"], "2099-02-01", "the due date travels with the message");
    assert_eq!(loaned["partnerRequestId"], raw_id(&at_b), "A learns B's id from its answer");
    p.a.act("illReceived", "IllActionInput", json!({ "id": at_a })).await;
    p.b.reaches(&at_b, "RECEIVED").await;
    p.a.act("illShippedReturn", "IllActionInput", json!({ "id": at_a })).await;
    p.b.reaches(&at_b, "SHIPPED_RETURN").await;
    p.b.act("illCheckIn", "IllActionInput", json!({ "id": at_b })).await;
    let done_at_a = p.a.reaches(&at_a, "LOAN_COMPLETED").await;
    let done_at_b = p.b.request(&at_b).await;

    // Both histories tell the same story, each from its side.
    let story = |request: &Value| -> Vec<String> {
        request["history"].as_array().unwrap().iter().map(|e| e["statusAfter"].as_str().unwrap().to_owned()).collect()
    };
    let expected = ["REQUEST_RECEIVED", "WILL_SUPPLY", "LOANED", "RECEIVED", "SHIPPED_RETURN", "LOAN_COMPLETED"];
    assert_eq!(story(&done_at_a), expected);
    assert_eq!(story(&done_at_b), expected);
    let delivered = |request: &Value| {
        request["deliveries"].as_array().unwrap().iter().all(|d| !d["deliveredAt"].is_null() && d["attempts"] == 1)
    };
    assert!(delivered(&done_at_a) && delivered(&done_at_b), "{done_at_a:#} {done_at_b:#}");
    assert_eq!(p.a.request(&at_a).await["deliveries"].as_array().unwrap().len(), 3, "request, received, returned");
    let copy = p.b.app.data("query($id: ID!) { holding(id: $id) { status } }", json!({ "id": p.copy_at_b })).await;
    assert_eq!(copy["holding"]["status"], "AVAILABLE");
}

#[tokio::test]
async fn copies_refusals_and_cancels_travel_between_installations() {
    let p = Pair::new().await;
    // A copy.
    let (at_a, at_b) = p.borrow("COPY").await;
    assert_eq!(p.b.request(&at_b).await["serviceType"], "COPY");
    p.b.act("illWillSupply", "IllActionInput", json!({ "id": at_b })).await;
    p.b.act("illSendCopy", "IllActionInput", json!({ "id": at_b })).await;
    p.a.reaches(&at_a, "COPY_COMPLETED").await;

    // A refusal, with its reason.
    let (at_a, at_b) = p.borrow("LOAN").await;
    p.b.act("illUnfilled", "IllReasonInput", json!({ "id": at_b, "reason": "NotOnShelf" })).await;
    let unfilled = p.a.reaches(&at_a, "UNFILLED").await;
    assert_eq!(unfilled["unfilledReason"], "NotOnShelf");

    // A cancel asked by A and accepted by B.
    let (at_a, at_b) = p.borrow("LOAN").await;
    p.a.act("illCancel", "IllActionInput", json!({ "id": at_a })).await;
    eventually("B hears of the cancel", || async { (p.b.request(&at_b).await["pending"] == "CANCEL").then_some(()) })
        .await;
    p.b.act("illAcceptCancel", "IllActionInput", json!({ "id": at_b })).await;
    p.a.reaches(&at_a, "CANCELLED").await;

    // Conditions offered by B and accepted by A.
    let (at_a, at_b) = p.borrow("LOAN").await;
    p.b.act("illOfferConditions", "IllConditionsInput", json!({ "id": at_b, "conditions": "reading room only" })).await;
    eventually("A sees the conditions", || async {
        (p.a.request(&at_a).await["pending"] == "CONDITIONS").then_some(())
    })
    .await;
    p.a.act("illAcceptConditions", "IllActionInput", json!({ "id": at_a })).await;
    eventually("B sees them accepted", || async { p.b.request(&at_b).await["pending"].is_null().then_some(()) }).await;
}

#[tokio::test]
async fn a_lost_message_is_retried_until_the_partner_takes_it() {
    let p = Pair::new().await;
    // B's endpoint is unreachable for a while: a port nobody listens on any more.
    let dead = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        format!("http://{}/iso18626", listener.local_addr().unwrap())
    };
    let token = p.b.app.token(TokenRole::Partner, Some(&p.a_at_b), "Library A's system, again").await;
    p.a.set_endpoint(&p.b_at_a, &dead, &token).await;
    let created =
        p.a.act("createIllRequest", "CreateIllRequestInput", json!({ "partnerId": p.b_at_a, "title": "Jikji" })).await;
    let at_a = created["id"].as_str().unwrap().to_owned();
    let failed = eventually("the first delivery fails", || async {
        let request = p.a.request(&at_a).await;
        let delivery = request["deliveries"][0].clone();
        (delivery["attempts"].as_i64() >= Some(1)).then_some(delivery)
    })
    .await;
    assert!(failed["deliveredAt"].is_null() && failed["rejectedAt"].is_null());
    assert!(failed["lastError"].as_str().unwrap().contains("cannot reach"), "{failed:#}");
    // B is reachable again: the retry delivers it.
    p.a.set_endpoint(&p.b_at_a, &format!("{}/iso18626", p.b.app.base), &token).await;
    let at_b = p.b.incoming(&raw_id(&at_a)).await;
    let delivery = eventually("the retry is recorded", || async {
        let d = p.a.request(&at_a).await["deliveries"][0].clone();
        (!d["deliveredAt"].is_null()).then_some(d)
    })
    .await;
    assert!(delivery["attempts"].as_i64().unwrap() >= 2);
    assert_eq!(p.b.request(&at_b).await["status"], "REQUEST_RECEIVED");
    // The same message sent again (the confirmation was lost) changes nothing.
    let body: String =
        sqlx::query_scalar("SELECT body FROM ill_outbox ORDER BY id LIMIT 1").fetch_one(&p.a.app.pool).await.unwrap();
    let again = post(&p.b.app, Some(&token), &body).await;
    assert!(again.contains("<messageStatus>OK</messageStatus>"), "{again}");
    let count = p.b.app.data("{ illRequests { totalCount } }", json!({})).await;
    assert_eq!(count["illRequests"]["totalCount"], 1, "no second request");
}

async fn post(app: &TestApp, bearer: Option<&str>, body: &str) -> String {
    let mut request = app
        .client
        .post(format!("{}/iso18626", app.base))
        .header("content-type", "application/xml")
        .body(body.to_owned());
    if let Some(bearer) = bearer {
        request = request.bearer_auth(bearer);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/xml"));
    response.text().await.unwrap()
}

fn header(requesting_id: &str, supplying_id: Option<&str>) -> String {
    format!(
        "<header><supplyingAgencyId><agencyIdType>ISIL</agencyIdType><agencyIdValue>KR-LIBB</agencyIdValue></supplyingAgencyId>\
         <requestingAgencyId><agencyIdType>ISIL</agencyIdType><agencyIdValue>UZ-LIBA</agencyIdValue></requestingAgencyId>\
         <multipleItemRequestId/><timestamp>2026-03-01T10:00:00Z</timestamp>\
         <requestingAgencyRequestId>{requesting_id}</requestingAgencyRequestId>{}</header>",
        supplying_id.map(|s| format!("<supplyingAgencyRequestId>{s}</supplyingAgencyRequestId>")).unwrap_or_default()
    )
}

fn message(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?><ISO18626Message xmlns=\"{NS}\" xmlns:ill=\"{NS}\" ill:version=\"1.2\">{body}</ISO18626Message>"
    )
}

fn error_type(confirmation: &str) -> Option<String> {
    let start = confirmation.find("<errorType>")? + "<errorType>".len();
    let end = confirmation[start..].find('<')? + start;
    Some(confirmation[start..end].to_owned())
}

#[tokio::test]
async fn the_iso18626_endpoint_answers_every_message_with_a_confirmation() {
    let b = Library::start("KR-LIBB").await;
    let a_at_b = b.partner("Library A", "UZ-LIBA").await;
    let other = b.partner("Library C", "RU-LIBC").await;
    let token = b.app.token(TokenRole::Partner, Some(&a_at_b), "Library A's system").await;
    let other_token = b.app.token(TokenRole::Partner, Some(&other), "Library C's system").await;

    let request = message(&format!(
        "<request>{}<bibliographicInfo><title>Jikji</title><author>Baegun</author>\
         <bibliographicItemId><bibliographicItemIdentifier>9788900000001</bibliographicItemIdentifier>\
         <bibliographicItemIdentifierCode>ISBN</bibliographicItemIdentifierCode></bibliographicItemId>\
         <unknownFutureElement>skipped</unknownFutureElement></bibliographicInfo>\
         <serviceInfo><serviceType>Loan</serviceType><needBeforeDate>2099-01-01T00:00:00Z</needBeforeDate></serviceInfo></request>",
        header("A-100", None)
    ));
    let ok = post(&b.app, Some(&token), &request).await;
    assert!(ok.contains("<requestConfirmation>") && ok.contains("<messageStatus>OK</messageStatus>"), "{ok}");
    let id = b.incoming("A-100").await;
    let created = b.request(&id).await;
    assert_eq!(created["status"], "REQUEST_RECEIVED");

    // A requester's message finds the request by the partner's id.
    let cancel = message(&format!(
        "<requestingAgencyMessage>{}<action>Cancel</action></requestingAgencyMessage>",
        header("A-100", None)
    ));
    let ok = post(&b.app, Some(&token), &cancel).await;
    assert!(ok.contains("<action>Cancel</action>") && ok.contains("<messageStatus>OK</messageStatus>"), "{ok}");
    assert_eq!(b.request(&id).await["pending"], "CANCEL");

    // The same request again (a retry after a lost confirmation) is confirmed, not repeated.
    let again = post(&b.app, Some(&token), &request).await;
    assert!(again.contains("<messageStatus>OK</messageStatus>"), "{again}");
    let requests_before = b.app.count("ill_requests").await;
    assert_eq!(requests_before, 1);
    let events_before = b.app.count("ill_events").await;
    let cases = [
        ("not XML", "this is not xml".to_owned(), "BadlyFormedMessage"),
        ("truncated", request[..request.len() / 2].to_owned(), "BadlyFormedMessage"),
        (
            "no header",
            message("<request><bibliographicInfo><title>x</title></bibliographicInfo></request>"),
            "BadlyFormedMessage",
        ),
        (
            "unknown message",
            message(&format!("<shipment>{}</shipment>", header("A-101", None))),
            "UnrecognisedDataElement",
        ),
        (
            "unknown action",
            message(&format!(
                "<requestingAgencyMessage>{}<action>Borrow</action></requestingAgencyMessage>",
                header("A-100", None)
            )),
            "UnsupportedActionType",
        ),
        (
            "unknown reason",
            message(&format!(
                "<supplyingAgencyMessage>{}<messageInfo><reasonForMessage>Gossip</reasonForMessage></messageInfo>\
                 <statusInfo><status>Loaned</status><lastChange>2026-03-01T10:00:00Z</lastChange></statusInfo></supplyingAgencyMessage>",
                header("1", None)
            )),
            "UnsupportedReasonForMessageType",
        ),
        (
            "unknown request",
            message(&format!(
                "<requestingAgencyMessage>{}<action>Received</action></requestingAgencyMessage>",
                header("A-999", None)
            )),
            "UnrecognisedDataValue",
        ),
        (
            "illegal move",
            message(&format!(
                "<requestingAgencyMessage>{}<action>ShippedReturn</action></requestingAgencyMessage>",
                header("A-100", None)
            )),
            "UnrecognisedDataValue",
        ),
        ("wrong agency", request.replace("UZ-LIBA", "RU-LIBC").replace("A-100", "A-102"), "UnrecognisedDataValue"),
        ("bad service type", request.replace(">Loan<", ">Lease<").replace("A-100", "A-103"), "UnrecognisedDataValue"),
        (
            "bad date",
            request.replace("2099-01-01T00:00:00Z", "soon").replace("A-100", "A-104"),
            "UnrecognisedDataValue",
        ),
    ];
    for (case, body, expected) in cases {
        let answer = post(&b.app, Some(&token), &body).await;
        assert!(answer.contains("<messageStatus>ERROR</messageStatus>"), "{case}: {answer}");
        assert_eq!(error_type(&answer).as_deref(), Some(expected), "{case}: {answer}");
    }
    // Another partner's token cannot speak for A.
    let answer = post(&b.app, Some(&other_token), &request.replace("A-100", "A-105")).await;
    assert_eq!(error_type(&answer).as_deref(), Some("UnrecognisedDataValue"), "{answer}");
    assert_eq!(b.app.count("ill_requests").await, requests_before, "no refused message created anything");
    assert_eq!(b.app.count("ill_events").await, events_before, "nor recorded anything");

    // Without a partner's token: HTTP errors, not confirmations.
    let response = b.app.client.post(format!("{}/iso18626", b.app.base)).body(request.clone()).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let response = b
        .app
        .client
        .post(format!("{}/iso18626", b.app.base))
        .bearer_auth(&b.app.admin)
        .body(request)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
}

#[tokio::test]
async fn a_lending_request_recorded_by_hand_sends_the_partner_nothing() {
    let p = Pair::new().await;
    // B's staff record a request A made by e-mail: A's system has no id for it.
    let recorded =
        p.b.act(
            "createIllRequest",
            "CreateIllRequestInput",
            json!({ "partnerId": p.a_at_b, "role": "LENDING", "title": "Asked by e-mail" }),
        )
        .await;
    let id = recorded["id"].as_str().unwrap().to_owned();
    p.b.act("illWillSupply", "IllActionInput", json!({ "id": id })).await;
    let request = p.b.request(&id).await;
    assert_eq!(request["status"], "WILL_SUPPLY");
    assert_eq!(request["deliveries"], json!([]), "{request:#}");
}
