//! Interlibrary loan through the GraphQL API: whole lifecycles in both roles, every illegal
//! move refused (generated from the state table), racing actions, the overdue job, the
//! copy lent and returned, the report, and subscriptions over WebSocket.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use hamkor::ill::machine::{Action, Pending, ServiceType, Side, State, Status};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::support::{TestApp, TokenRole};

const FIELDS: &str = "id status pending version legalActions dueDate overdue handledByHand \
    holding { id status } history { action actor statusBefore statusAfter note messageDirection }";

/// A library with a partner (and the partner's portal token), a document with one copy.
struct Office {
    app: TestApp,
    partner: String,
    partner_token: String,
    document: String,
    copy: String,
}

impl Office {
    async fn new() -> Office {
        let app = TestApp::spawn().await;
        let partner = app.create_partner("National Library of Korea", "KR").await;
        let partner_token = app.token(TokenRole::Partner, Some(&partner), "Korea portal").await;
        let document = app
            .data("mutation { createDocument(input: { description: { title: \"Boburnoma\" } }) { id } }", json!({}))
            .await["createDocument"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let copy = app
            .data(
                "mutation($d: ID!) { createHolding(input: { documentId: $d, barcode: \"L-1\" }) { id } }",
                json!({ "d": document }),
            )
            .await["createHolding"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        Office { app, partner, partner_token, document, copy }
    }

    /// Runs an action mutation as `bearer` and returns the request (errors fail the test).
    async fn act(&self, bearer: &str, mutation: &str, input: Value) -> Value {
        let query = format!("mutation($i: {}!) {{ {mutation}(input: $i) {{ {FIELDS} }} }}", input_type(mutation));
        let body = self.app.gql_as(Some(bearer), &query, json!({ "i": input })).await;
        assert!(body.get("errors").is_none(), "{mutation}: {body:#}");
        body["data"][mutation].clone()
    }

    /// Runs an action mutation that must fail with `code`; returns the error.
    async fn refused(&self, bearer: &str, mutation: &str, input: Value, code: &str) -> Value {
        let query = format!("mutation($i: {}!) {{ {mutation}(input: $i) {{ id }} }}", input_type(mutation));
        let body = self.app.gql_as(Some(bearer), &query, json!({ "i": input })).await;
        let error = body["errors"][0].clone();
        assert_eq!(error["extensions"]["code"], code, "{mutation}: {body:#}");
        error
    }

    async fn request(&self, id: &str) -> Value {
        let query = format!("query($id: ID!) {{ illRequest(id: $id) {{ {FIELDS} }} }}");
        self.app.data(&query, json!({ "id": id })).await["illRequest"].clone()
    }

    async fn copy_status(&self) -> String {
        let data = self.app.data("query($id: ID!) { holding(id: $id) { status } }", json!({ "id": self.copy })).await;
        data["holding"]["status"].as_str().unwrap().to_owned()
    }
}

fn input_type(mutation: &str) -> &'static str {
    match mutation {
        "createIllRequest" => "CreateIllRequestInput",
        "illShip" => "IllShipInput",
        "illAcceptRenew" => "IllRenewAnswerInput",
        "illUnfilled" | "illRetryPossible" => "IllReasonInput",
        "illOfferConditions" => "IllConditionsInput",
        _ => "IllActionInput",
    }
}

fn actions(request: &Value) -> Vec<&str> {
    request["legalActions"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect()
}

#[tokio::test]
async fn a_loan_to_a_partner_goes_from_request_to_return_and_moves_the_copy() {
    let o = Office::new().await;
    let admin = o.app.admin.clone();
    // The partner's portal asks this library for the document.
    let created = o
        .act(&o.partner_token, "createIllRequest", json!({ "documentId": o.document, "patronReference": "P-77" }))
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["status"], "REQUEST_RECEIVED");
    assert_eq!(created["handledByHand"], true);
    assert_eq!(actions(&created), ["CANCEL", "STATUS_REQUEST", "NOTIFICATION"], "the partner's buttons");
    let staff_view = o.request(&id).await;
    assert!(actions(&staff_view).contains(&"WILL_SUPPLY") && actions(&staff_view).contains(&"SHIP"));

    let will = o.act(&admin, "illWillSupply", json!({ "id": id, "version": created["version"] })).await;
    assert_eq!(will["status"], "WILL_SUPPLY");
    let shipped = o.act(&admin, "illShip", json!({ "id": id, "dueDate": "2099-03-01" })).await;
    assert_eq!(shipped["status"], "LOANED");
    assert_eq!(shipped["dueDate"], "2099-03-01");
    assert_eq!(shipped["holding"]["id"], o.copy.as_str(), "the library's available copy is lent");
    assert_eq!(o.copy_status().await, "ON_LOAN");

    assert_eq!(o.act(&o.partner_token, "illReceived", json!({ "id": id })).await["status"], "RECEIVED");
    let renew = o.act(&o.partner_token, "illRenew", json!({ "id": id, "note": "two more weeks" })).await;
    assert_eq!(renew["pending"], "RENEW");
    let renewed = o.act(&admin, "illAcceptRenew", json!({ "id": id, "dueDate": "2099-04-01" })).await;
    assert_eq!((renewed["pending"].clone(), renewed["dueDate"].clone()), (Value::Null, json!("2099-04-01")));
    assert_eq!(o.act(&o.partner_token, "illShippedReturn", json!({ "id": id })).await["status"], "SHIPPED_RETURN");
    let done = o.act(&admin, "illCheckIn", json!({ "id": id })).await;
    assert_eq!(done["status"], "LOAN_COMPLETED");
    assert!(actions(&done).is_empty(), "nothing more to do");
    assert_eq!(o.copy_status().await, "AVAILABLE", "the copy is back on the shelf");

    let history: Vec<(String, String)> = done["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap().to_owned(), e["actor"].as_str().unwrap().to_owned()))
        .collect();
    let expected = [
        ("create", "Korea portal"),
        ("will_supply", crate::support::ADMIN_NAME),
        ("ship", crate::support::ADMIN_NAME),
        ("received", "Korea portal"),
        ("renew", "Korea portal"),
        ("accept_renew", crate::support::ADMIN_NAME),
        ("shipped_return", "Korea portal"),
        ("check_in", crate::support::ADMIN_NAME),
    ];
    let expected: Vec<(String, String)> = expected.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    assert_eq!(history, expected);
    assert_eq!(done["history"][4]["note"], "two more weeks");
}

#[tokio::test]
async fn a_copy_request_borrowed_from_a_partner_is_recorded_by_hand() {
    let o = Office::new().await;
    let admin = o.app.admin.clone();
    let created = o
        .act(
            &admin,
            "createIllRequest",
            json!({ "partnerId": o.partner, "serviceType": "COPY", "title": "Samguk yusa", "pages": "12-30" }),
        )
        .await;
    let id = created["id"].as_str().unwrap();
    // The partner has no ISO 18626 endpoint: staff record its answers.
    assert_eq!(created["handledByHand"], true);
    assert!(actions(&created).contains(&"WILL_SUPPLY"), "staff may record the supplier's answer");
    assert!(!actions(&created).contains(&"SHIP"), "a copy is sent, not lent: {created:#}");
    o.act(&admin, "illWillSupply", json!({ "id": id })).await;
    let sent = o.act(&admin, "illSendCopy", json!({ "id": id })).await;
    assert_eq!(sent["status"], "COPY_COMPLETED");
    assert!(actions(&sent).is_empty());
    // The partner's own portal sees and could answer it too; another partner cannot.
    let other = o.app.create_partner("National Library of Belarus", "BY").await;
    let other_token = o.app.token(TokenRole::Partner, Some(&other), "Belarus portal").await;
    let body =
        o.app.gql_as(Some(&other_token), "query($id: ID!) { illRequest(id: $id) { id } }", json!({ "id": id })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
    let body = o.app.gql_as(Some(&other_token), "{ illRequests { totalCount } }", json!({})).await;
    assert_eq!(body["data"]["illRequests"]["totalCount"], 0);
    o.refused(&other_token, "illNotify", json!({ "id": id, "note": "hi" }), "NOT_FOUND").await;
}

#[tokio::test]
async fn refusals_cancels_and_conditions_follow_the_standard() {
    let o = Office::new().await;
    let admin = o.app.admin.clone();
    let new = |title: &str| json!({ "title": title });
    // Unfilled with a reason.
    let r = o.act(&o.partner_token, "createIllRequest", new("Not here")).await;
    let unfilled = o.act(&admin, "illUnfilled", json!({ "id": r["id"], "reason": "NotHeld" })).await;
    assert_eq!(unfilled["status"], "UNFILLED");
    // A cancel asked and accepted; one asked and refused.
    let r = o.act(&o.partner_token, "createIllRequest", new("Cancel me")).await;
    let asked = o.act(&o.partner_token, "illCancel", json!({ "id": r["id"] })).await;
    assert_eq!((asked["status"].clone(), asked["pending"].clone()), (json!("REQUEST_RECEIVED"), json!("CANCEL")));
    let error = o.refused(&admin, "illShip", json!({ "id": r["id"] }), "CONFLICT").await;
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("SHIP") && message.contains("REQUEST_RECEIVED") && message.contains("ACCEPT_CANCEL"),
        "{message}"
    );
    assert_eq!(o.act(&admin, "illAcceptCancel", json!({ "id": r["id"] })).await["status"], "CANCELLED");
    let r = o.act(&o.partner_token, "createIllRequest", new("Keep me")).await;
    o.act(&o.partner_token, "illCancel", json!({ "id": r["id"] })).await;
    let kept = o.act(&admin, "illRejectCancel", json!({ "id": r["id"] })).await;
    assert_eq!((kept["status"].clone(), kept["pending"].clone()), (json!("REQUEST_RECEIVED"), Value::Null));
    // Conditions offered, then accepted.
    let offered =
        o.act(&admin, "illOfferConditions", json!({ "id": r["id"], "conditions": "reading room only" })).await;
    assert_eq!(offered["pending"], "CONDITIONS");
    assert!(!actions(&o.request(r["id"].as_str().unwrap()).await).contains(&"SHIP"), "no shipping before an answer");
    let accepted = o.act(&o.partner_token, "illAcceptConditions", json!({ "id": r["id"] })).await;
    assert_eq!(accepted["pending"], Value::Null);
    // A note is required for a notification; the partner may not take the supplier's actions.
    o.refused(&o.partner_token, "illNotify", json!({ "id": r["id"] }), "BAD_USER_INPUT").await;
    o.refused(&o.partner_token, "illShip", json!({ "id": r["id"] }), "CONFLICT").await;
    // The report counts what happened this year.
    // The year as the database counts it (the office's time zone).
    let year: i32 = sqlx::query_scalar("SELECT extract(year FROM now())::int").fetch_one(&o.app.pool).await.unwrap();
    let report = o
        .app
        .data(
            "query($y: Int!) { illReport(year: $y) { role requests filled unfilled cancelled unfilledReasons { reason count } } }",
            json!({ "y": year }),
        )
        .await;
    let rows = report["illReport"].as_array().unwrap();
    let lending = rows.iter().find(|r| r["role"] == "LENDING").expect("a lending row");
    assert_eq!(
        (lending["requests"].clone(), lending["unfilled"].clone(), lending["cancelled"].clone()),
        (json!(3), json!(1), json!(1))
    );
    assert_eq!(lending["unfilledReasons"], json!([{ "reason": "NotHeld", "count": 1 }]));
}

#[tokio::test]
async fn every_illegal_move_is_refused_and_changes_nothing() {
    let o = Office::new().await;
    let partner = hamkor::global_id::decode("p", &o.partner).unwrap().1;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO ill_requests (role, partner_id, service_type, status, title) VALUES ('borrowing', $1, 'loan', 'request_received', 'Sweep') RETURNING id",
    )
    .bind(partner)
    .fetch_one(&o.app.pool)
    .await
    .unwrap();
    let agency = hamkor::ill::Agency::default();
    let mut refused = 0;
    let mut allowed = 0;
    for service in [ServiceType::Loan, ServiceType::Copy] {
        for &status in Status::ALL {
            for pending in [None].into_iter().chain(Pending::ALL.iter().copied().map(Some)) {
                let state = State { status, pending, service };
                for &action in Action::ALL {
                    for side in [Side::Supplier, Side::Requester, Side::System] {
                        sqlx::query(
                            "UPDATE ill_requests SET status = $2, pending = $3, service_type = $4, due_date = current_date + 5, version = 7 WHERE id = $1",
                        )
                        .bind(id)
                        .bind(status.as_str())
                        .bind(pending.map(Pending::as_str))
                        .bind(service.as_str())
                        .execute(&o.app.pool)
                        .await
                        .unwrap();
                        let input = hamkor::ill::ActionInput { note: Some("sweep".into()), ..Default::default() };
                        let actor = hamkor::ill::Actor { name: "sweep".into(), side, message: None };
                        let mut tx = o.app.pool.begin().await.unwrap();
                        let result = hamkor::ill::act(&mut tx, id, action, input, &actor, &agency).await;
                        match state.apply(action, side) {
                            None => {
                                let err = result.expect_err("an illegal move is refused");
                                assert!(
                                    matches!(err, hamkor::error::Error::Conflict { .. }),
                                    "{action:?} by {side:?} from {state:?}: {err:?}"
                                );
                                tx.rollback().await.unwrap();
                                let (now, version): (String, i32) =
                                    sqlx::query_as("SELECT status, version FROM ill_requests WHERE id = $1")
                                        .bind(id)
                                        .fetch_one(&o.app.pool)
                                        .await
                                        .unwrap();
                                assert_eq!((now.as_str(), version), (status.as_str(), 7), "nothing changed");
                                refused += 1;
                            }
                            Some(outcome) => {
                                let request =
                                    result.unwrap_or_else(|e| panic!("{action:?} by {side:?} from {state:?}: {e:?}"));
                                assert_eq!((request.status, request.pending), (outcome.status, outcome.pending));
                                assert_eq!(request.version, 8);
                                tx.rollback().await.unwrap();
                                allowed += 1;
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(refused > 7000 && allowed > 100, "{refused} refused, {allowed} allowed");
}

#[tokio::test]
async fn of_two_racing_actions_exactly_one_wins() {
    let o = Office::new().await;
    let admin = o.app.admin.clone();
    for _ in 0..5 {
        let r = o.act(&o.partner_token, "createIllRequest", json!({ "title": "Contested" })).await;
        let (id, version) = (r["id"].clone(), r["version"].clone());
        let will = o.app.gql_as(
            Some(&admin),
            "mutation($i: IllActionInput!) { illWillSupply(input: $i) { status } }",
            json!({ "i": { "id": id, "version": version } }),
        );
        let unfilled = o.app.gql_as(
            Some(&admin),
            "mutation($i: IllReasonInput!) { illUnfilled(input: $i) { status } }",
            json!({ "i": { "id": id, "version": version, "reason": "NotOnShelf" } }),
        );
        let (a, b) = tokio::join!(will, unfilled);
        let won = [&a, &b].iter().filter(|body| body.get("errors").is_none()).count();
        assert_eq!(won, 1, "exactly one wins: {a:#} {b:#}");
        let loser = if a.get("errors").is_some() { &a } else { &b };
        assert_eq!(loser["errors"][0]["extensions"]["code"], "CONFLICT", "{loser:#}");
        let events: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM ill_events WHERE request_id = $1 AND action IN ('will_supply', 'unfilled')",
        )
        .bind(hamkor::global_id::decode("id", id.as_str().unwrap()).unwrap().1)
        .fetch_one(&o.app.pool)
        .await
        .unwrap();
        assert_eq!(events, 1, "one change recorded");
    }
}

#[tokio::test]
async fn the_overdue_job_marks_late_loans_once_across_servers() {
    let o = Office::new().await;
    let admin = o.app.admin.clone();
    let r = o.act(&o.partner_token, "createIllRequest", json!({ "documentId": o.document })).await;
    let id = r["id"].as_str().unwrap().to_owned();
    o.act(&admin, "illShip", json!({ "id": id })).await;
    let raw = hamkor::global_id::decode("id", &id).unwrap().1;
    sqlx::query("UPDATE ill_requests SET due_date = current_date - 3 WHERE id = $1")
        .bind(raw)
        .execute(&o.app.pool)
        .await
        .unwrap();
    assert_eq!(o.request(&id).await["overdue"], true, "past due before the job runs");
    let filter = o.app.data("{ illRequests(filter: { overdue: true }) { totalCount } }", json!({})).await;
    assert_eq!(filter["illRequests"]["totalCount"], 1);

    let agency = hamkor::ill::Agency::default();
    // While another server runs the job, this one leaves it.
    let mut other = o.app.pool.begin().await.unwrap();
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(hamkor::ill::overdue::LOCK)
        .execute(&mut *other)
        .await
        .unwrap();
    assert_eq!(hamkor::ill::overdue::run_once(&o.app.pool, &agency).await.unwrap(), None);
    other.rollback().await.unwrap();
    // Two servers at once: one marks the loan, the other marks nothing.
    let (a, b) = tokio::join!(
        hamkor::ill::overdue::run_once(&o.app.pool, &agency),
        hamkor::ill::overdue::run_once(&o.app.pool, &agency)
    );
    let marked: usize = [a.unwrap(), b.unwrap()].into_iter().flatten().sum();
    assert_eq!(marked, 1);
    let overdue = o.request(&id).await;
    assert_eq!(overdue["status"], "OVERDUE");
    let last = overdue["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["action"].clone(), last["actor"].clone()), (json!("mark_overdue"), json!("system")));
    assert_eq!(hamkor::ill::overdue::run_once(&o.app.pool, &agency).await.unwrap(), Some(0), "marked once");
    // Returned late, it is completed all the same and the copy comes back.
    o.act(&o.partner_token, "illShippedReturn", json!({ "id": id })).await;
    o.act(&admin, "illCheckIn", json!({ "id": id })).await;
    assert_eq!(o.copy_status().await, "AVAILABLE");
}

#[tokio::test]
async fn lending_needs_an_available_copy_of_this_library() {
    let o = Office::new().await;
    let admin = o.app.admin.clone();
    let first = o.act(&o.partner_token, "createIllRequest", json!({ "documentId": o.document })).await;
    let second = o.act(&o.partner_token, "createIllRequest", json!({ "documentId": o.document })).await;
    o.act(&admin, "illShip", json!({ "id": first["id"] })).await;
    let error = o.refused(&admin, "illShip", json!({ "id": second["id"] }), "BAD_USER_INPUT").await;
    assert_eq!(error["extensions"]["field"], "holdingId");
    assert_eq!(o.request(second["id"].as_str().unwrap()).await["status"], "REQUEST_RECEIVED", "nothing changed");
    o.refused(&admin, "illShip", json!({ "id": second["id"], "dueDate": "2001-01-01" }), "BAD_USER_INPUT").await;
    let citation = o.act(&o.partner_token, "createIllRequest", json!({ "title": "Not catalogued" })).await;
    let error = o.refused(&admin, "illShip", json!({ "id": citation["id"] }), "BAD_USER_INPUT").await;
    assert_eq!(error["extensions"]["field"], "holdingId");
    // Bad input to creation.
    let body = o.app.gql_as(Some(&o.partner_token), "mutation { createIllRequest(input: {}) { id } }", json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let body = o.app.gql_as(None, "mutation { createIllRequest(input: { title: \"x\" }) { id } }", json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
}

/// Opens a `graphql-transport-ws` connection and sends `connection_init` with `payload`.
async fn subscriber(
    app: &TestApp,
    payload: Value,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let url = format!("{}/graphql/ws", app.base.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
    let (mut socket, response) = tokio_tungstenite::connect_async(request).await.expect("the WebSocket opens");
    assert_eq!(response.headers()["sec-websocket-protocol"], "graphql-transport-ws");
    socket.send(Message::text(json!({ "type": "connection_init", "payload": payload }).to_string())).await.unwrap();
    socket
}

async fn next_json(
    socket: &mut tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    wait: Duration,
) -> Option<Value> {
    loop {
        let message = tokio::time::timeout(wait, socket.next()).await.ok()??.ok()?;
        match message {
            Message::Text(text) => {
                let value: Value = serde_json::from_str(&text).unwrap();
                if value["type"] == "ping" {
                    continue;
                }
                return Some(value);
            }
            Message::Close(frame) => {
                let (code, reason) = frame.map(|f| (u16::from(f.code), f.reason.to_string())).unzip();
                return Some(json!({ "type": "close", "code": code, "reason": reason }));
            }
            _ => continue,
        }
    }
}

#[tokio::test]
async fn subscribers_hear_of_their_own_requests_only() {
    let o = Office::new().await;
    let admin = o.app.admin.clone();
    let other = o.app.create_partner("National Library of Belarus", "BY").await;
    let other_token = o.app.token(TokenRole::Partner, Some(&other), "Belarus portal").await;
    let subscription = json!({ "id": "1", "type": "subscribe", "payload": {
        "query": "subscription { illRequestUpdated { id status partner { id } } }" } });

    let mut own = subscriber(&o.app, json!({ "Authorization": format!("Bearer {}", o.partner_token) })).await;
    assert_eq!(next_json(&mut own, Duration::from_secs(10)).await.unwrap()["type"], "connection_ack");
    own.send(Message::text(subscription.to_string())).await.unwrap();
    let mut foreign = subscriber(&o.app, json!({ "token": other_token })).await;
    assert_eq!(next_json(&mut foreign, Duration::from_secs(10)).await.unwrap()["type"], "connection_ack");
    foreign.send(Message::text(subscription.to_string())).await.unwrap();
    // Subscriptions are in place once the server has read them.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let r = o.act(&o.partner_token, "createIllRequest", json!({ "title": "Watched" })).await;
    o.act(&admin, "illWillSupply", json!({ "id": r["id"] })).await;
    let mut statuses = Vec::new();
    while statuses.len() < 2 {
        let message = next_json(&mut own, Duration::from_secs(10)).await.expect("an update arrives");
        assert_eq!(message["type"], "next", "{message:#}");
        let request = &message["payload"]["data"]["illRequestUpdated"];
        assert_eq!(request["id"], r["id"]);
        statuses.push(request["status"].as_str().unwrap().to_owned());
    }
    assert_eq!(statuses, ["REQUEST_RECEIVED", "WILL_SUPPLY"]);
    assert!(next_json(&mut foreign, Duration::from_millis(700)).await.is_none(), "another partner hears nothing");

    // A subscription built to hurt is refused before it runs, as over HTTP.
    let mut fragments = String::from("subscription { ...F0 }");
    for level in 0..30 {
        fragments
            .push_str(&format!(" fragment F{level} on Subscription {{ ...F{next} ...F{next} }}", next = level + 1));
    }
    fragments.push_str(" fragment F30 on Subscription { illRequestUpdated { id } }");
    own.send(Message::text(json!({ "id": "2", "type": "subscribe", "payload": { "query": fragments } }).to_string()))
        .await
        .unwrap();
    let refused = next_json(&mut own, Duration::from_secs(10)).await.unwrap();
    assert_eq!(refused["id"], "2", "{refused:#}");
    let errors = if refused["type"] == "error" { &refused["payload"] } else { &refused["payload"]["errors"] };
    assert_eq!(errors[0]["extensions"]["code"], "QUERY_TOO_COMPLEX", "{refused:#}");

    // An invalid token is refused at connection_init; an anonymous subscription is refused.
    let mut bad = subscriber(&o.app, json!({ "Authorization": "Bearer hamkor_1_nope" })).await;
    let closed = next_json(&mut bad, Duration::from_secs(10)).await.unwrap();
    assert_eq!(closed["code"], 1002, "{closed:#}");
    assert!(closed["reason"].as_str().unwrap().contains("token is not valid"), "{closed:#}");
    let mut anonymous = subscriber(&o.app, json!({})).await;
    assert_eq!(next_json(&mut anonymous, Duration::from_secs(10)).await.unwrap()["type"], "connection_ack");
    anonymous.send(Message::text(subscription.to_string())).await.unwrap();
    let refused = next_json(&mut anonymous, Duration::from_secs(10)).await.unwrap();
    assert_eq!(refused["type"], "next", "{refused:#}");
    assert_eq!(refused["payload"]["data"], Value::Null);
    assert_eq!(refused["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{refused:#}");
}
