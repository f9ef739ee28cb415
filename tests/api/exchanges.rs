//! Exchange shipments: legal moves with history, holdings created on receipt, the yearly balance.

use serde_json::{Value, json};

use crate::support::TestApp;

const CREATE_DOCUMENT: &str = "mutation($input: CreateDocumentInput!) { createDocument(input: $input) { id } }";
const CREATE_EXCHANGE: &str = "mutation($input: CreateExchangeInput!) { createExchange(input: $input) { id status } }";

async fn document(app: &TestApp, title: &str) -> String {
    let data = app
        .data(
            CREATE_DOCUMENT,
            json!({ "input": { "description": { "title": title, "languages": ["ko"], "format": "BOOK" } } }),
        )
        .await;
    data["createDocument"]["id"].as_str().unwrap().to_owned()
}

async fn shipment(app: &TestApp, partner: &str, direction: &str, lines: Value) -> String {
    let data = app
        .data(
            CREATE_EXCHANGE,
            json!({ "input": { "partnerId": partner, "direction": direction, "lines": lines, "actor": "Dilnoza", "reference": "KR-1" } }),
        )
        .await;
    assert_eq!(data["createExchange"]["status"], "PLANNED");
    data["createExchange"]["id"].as_str().unwrap().to_owned()
}

fn moved(app_data: &Value, field: &str) -> String {
    app_data[field]["status"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn receiving_an_incoming_shipment_creates_holdings_in_one_step() {
    let app = TestApp::spawn().await;
    let partner = app.create_partner("National Library of Korea", "KR").await;
    let room = app
        .data("mutation { createProject(input: { kind: READING_ROOM, title: \"Window to Korea\" }) { id } }", json!({}))
        .await["createProject"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let hong = document(&app, "홍길동전").await;
    let chunhyang = document(&app, "춘향전").await;
    let id =
        shipment(&app, &partner, "INCOMING", json!([{ "documentId": hong, "copies": 2 }, { "documentId": chunhyang }]))
            .await;

    let dispatch = "mutation($input: ExchangeMoveInput!) { dispatchExchange(input: $input) { status dispatchedOn } }";
    let data = app
        .data(dispatch, json!({ "input": { "id": id, "on": "2025-03-10", "actor": "NLK", "note": "sent by post" } }))
        .await;
    assert_eq!(moved(&data, "dispatchExchange"), "DISPATCHED");
    assert_eq!(app.count("holdings").await, 0, "nothing is held before it arrives");

    let receive = "mutation($input: ReceiveExchangeInput!) { receiveExchange(input: $input) { status receivedOn } }";
    let data = app
        .data(receive, json!({ "input": { "id": id, "on": "2025-04-02", "actor": "Dilnoza", "locationId": room, "barcodePrefix": "KR25" } }))
        .await;
    assert_eq!(moved(&data, "receiveExchange"), "RECEIVED");
    assert_eq!(data["receiveExchange"]["receivedOn"], "2025-04-02");

    let data = app
        .data(
            "query($id: ID!, $room: ID!) {
                holdings(filter: { exchangeId: $id }) { totalCount edges { node { barcode heldByLibrary status location { title } document { title } } } }
                project(id: $room) { holdings { totalCount } }
             }",
            json!({ "id": id, "room": room }),
        )
        .await;
    assert_eq!(data["holdings"]["totalCount"], 3, "one holding per copy");
    let barcodes: Vec<&str> =
        data["holdings"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["barcode"].as_str().unwrap()).collect();
    assert_eq!(barcodes, ["KR25-1", "KR25-2", "KR25-3"]);
    assert_eq!(data["holdings"]["edges"][0]["node"]["location"]["title"], "Window to Korea");
    assert_eq!(data["project"]["holdings"]["totalCount"], 3);

    let acknowledge = "mutation($input: ExchangeMoveInput!) { acknowledgeExchange(input: $input) { status history { fromStatus toStatus actor on note } } }";
    let data = app.data(acknowledge, json!({ "input": { "id": id, "on": "2025-04-05", "actor": "Dilnoza" } })).await;
    let history = data["acknowledgeExchange"]["history"].as_array().unwrap();
    let steps: Vec<&str> = history.iter().map(|e| e["toStatus"].as_str().unwrap()).collect();
    assert_eq!(steps, ["PLANNED", "DISPATCHED", "RECEIVED", "ACKNOWLEDGED"]);
    // The actor is the token's name, whatever the request says.
    assert!(history.iter().all(|e| e["actor"] == crate::support::ADMIN_NAME), "{history:#?}");
    assert_eq!(history[1]["note"], "sent by post");
    assert_eq!(history[2]["on"], "2025-04-02");

    // The yearly balance, from the partner's side and in the office's report.
    let data = app
        .data(
            "query($p: ID!) { partner(id: $p) { exchangeBalance(year: 2025) { receivedTitles receivedCopies sentCopies } }
                           exchangeBalances(year: 2025) { partner { name } receivedCopies } }",
            json!({ "p": partner }),
        )
        .await;
    let balance = &data["partner"]["exchangeBalance"];
    assert_eq!((balance["receivedTitles"].as_i64(), balance["receivedCopies"].as_i64()), (Some(2), Some(3)));
    assert_eq!(balance["sentCopies"], 0);
    assert_eq!(data["exchangeBalances"][0]["partner"]["name"], "National Library of Korea");
}

#[tokio::test]
async fn illegal_moves_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let partner = app.create_partner("National Library of Kazakhstan", "KZ").await;
    let book = document(&app, "Boburnoma").await;
    let id = shipment(&app, &partner, "OUTGOING", json!([{ "documentId": book, "copies": 5 }])).await;
    let receive = "mutation($input: ReceiveExchangeInput!) { receiveExchange(input: $input) { status } }";
    let error = app.error(receive, json!({ "input": { "id": id, "actor": "x" } }), "BAD_USER_INPUT").await;
    assert!(error["message"].as_str().unwrap().contains("PLANNED"), "{error}");
    let acknowledge = "mutation($input: ExchangeMoveInput!) { acknowledgeExchange(input: $input) { status } }";
    app.error(acknowledge, json!({ "input": { "id": id, "actor": "x" } }), "BAD_USER_INPUT").await;
    let dispatch = "mutation($input: ExchangeMoveInput!) { dispatchExchange(input: $input) { status } }";

    let data = app.data(dispatch, json!({ "input": { "id": id, "on": "2025-09-15", "actor": "Aziz" } })).await;
    assert_eq!(moved(&data, "dispatchExchange"), "DISPATCHED");
    // Lines are frozen once dispatched; arriving before dispatch is impossible.
    let lines =
        "mutation($id: ID!, $doc: ID!) { setExchangeLines(id: $id, lines: [{ documentId: $doc, copies: 1 }]) { id } }";
    app.error(lines, json!({ "id": id, "doc": book }), "BAD_USER_INPUT").await;
    app.error(receive, json!({ "input": { "id": id, "on": "2025-09-01", "actor": "x" } }), "BAD_USER_INPUT").await;
    app.data(receive, json!({ "input": { "id": id, "on": "2025-10-01", "actor": "KZ" } })).await;
    let cancel = "mutation($input: ExchangeMoveInput!) { cancelExchange(input: $input) { status } }";
    app.error(cancel, json!({ "input": { "id": id, "actor": "x" } }), "BAD_USER_INPUT").await;
    assert_eq!(app.count("holdings").await, 0, "an outgoing shipment creates no holdings here");

    let data = app
        .data(
            "query($p: ID!) { partner(id: $p) { exchangeBalance(year: 2025) { sentTitles sentCopies } } }",
            json!({ "p": partner }),
        )
        .await;
    assert_eq!(data["partner"]["exchangeBalance"]["sentCopies"], 5);
}

#[tokio::test]
async fn bad_shipments_are_rejected() {
    let app = TestApp::spawn().await;
    let partner = app.create_partner("National Library of China", "CN").await;
    let other = app.create_partner("National Library of Latvia", "LV").await;
    let agreement = app
        .data(
            "mutation($p: ID!) { createAgreement(input: { partnerId: $p, kind: EXCHANGE_AGREEMENT, title: \"Exchange\" }) { id } }",
            json!({ "p": other }),
        )
        .await["createAgreement"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let book = document(&app, "红楼梦").await;
    let input = |extra: Value| {
        let mut input =
            json!({ "partnerId": partner, "direction": "INCOMING", "actor": "A", "lines": [{ "documentId": book }] });
        for (k, v) in extra.as_object().unwrap() {
            input[k] = v.clone();
        }
        json!({ "input": input })
    };
    let cases = [
        (input(json!({ "agreementId": agreement })), "agreementId"),
        (input(json!({ "lines": [{ "documentId": book, "copies": 0 }] })), "lines"),
        (input(json!({ "lines": [{ "documentId": book }, { "documentId": book }] })), "lines"),
        (input(json!({ "lines": [{ "documentId": partner }] })), "lines.documentId"),
    ];
    for (variables, field) in cases {
        let error = app.error(CREATE_EXCHANGE, variables.clone(), "BAD_USER_INPUT").await;
        assert_eq!(error["extensions"]["field"], field, "{variables}");
    }
    assert_eq!(app.count("exchanges").await, 0);
    app.error("{ exchangeBalances(year: 99999) { sentCopies } }", json!({}), "BAD_USER_INPUT").await;
}
