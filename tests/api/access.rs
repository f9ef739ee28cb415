//! Who may do what: every root field and mutation of the served schema, for five callers
//! (anonymous, partner A, partner B, staff, admin), and partner A probing partner B's
//! objects every way the API offers.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::support::{TestApp, TokenRole};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Caller {
    Anonymous,
    PartnerA,
    PartnerB,
    Staff,
    Admin,
}

const CALLERS: [Caller; 5] = [Caller::Anonymous, Caller::PartnerA, Caller::PartnerB, Caller::Staff, Caller::Admin];

/// What a cell of the matrix expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Allowed,
    /// An error with this code, and `null` for the field.
    Denied(&'static str),
}

use Expect::{Allowed, Denied};

const UNAUTH: Expect = Denied("UNAUTHENTICATED");
const FORBID: Expect = Denied("FORBIDDEN");

/// The objects the matrix works on: two partners, each with a draft agreement, a shipment
/// and a copy of its own; this library's copy; a project and a document.
struct World {
    app: TestApp,
    partner_a: String,
    partner_b: String,
    agreement_a: String,
    draft_a: String,
    draft_b: String,
    exchange_a: String,
    exchange_b: String,
    document: String,
    project: String,
    library_copy: String,
    copy_a: String,
    copy_b: String,
    token_a: String,
    token_b: String,
    staff: String,
    /// A borrowing request to partner A.
    ill_a: String,
}

impl World {
    async fn new() -> World {
        let app = TestApp::spawn().await;
        let partner_a = app.create_partner("National Library of Korea", "KR").await;
        let partner_b = app.create_partner("National Library of Belarus", "BY").await;
        for (partner, email) in [(&partner_a, "a@nl.kr"), (&partner_b, "b@nlb.by")] {
            app.data(
                "mutation($i: UpdatePartnerInput!) { updatePartner(input: $i) { id } }",
                json!({ "i": { "id": partner, "email": email } }),
            )
            .await;
        }
        let agreement = |partner: &String, title: &str, status: &str| {
            json!({ "i": { "partnerId": partner, "kind": "MEMORANDUM_OF_UNDERSTANDING",
                "title": title, "status": status, "scope": "Exchange of publications" } })
        };
        const CREATE_AGREEMENT: &str = "mutation($i: CreateAgreementInput!) { createAgreement(input: $i) { id } }";
        let agreement_a =
            created(&app, CREATE_AGREEMENT, agreement(&partner_a, "Memorandum of cooperation", "ACTIVE")).await;
        let draft_a = created(&app, CREATE_AGREEMENT, agreement(&partner_a, "Draft addendum A", "DRAFT")).await;
        let draft_b = created(&app, CREATE_AGREEMENT, agreement(&partner_b, "Draft addendum B", "DRAFT")).await;
        let document = app
            .data("mutation { createDocument(input: { description: { title: \"Boburnoma\" } }) { id } }", json!({}))
            .await["createDocument"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let project = app
            .data(
                "mutation { createProject(input: { kind: READING_ROOM, title: \"Window to Korea\" }) { id } }",
                json!({}),
            )
            .await["createProject"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let exchange = |partner: &String| json!({ "i": { "partnerId": partner, "direction": "OUTGOING", "lines": [{ "documentId": document, "copies": 2 }] } });
        const CREATE_EXCHANGE: &str = "mutation($i: CreateExchangeInput!) { createExchange(input: $i) { id } }";
        let exchange_a = created(&app, CREATE_EXCHANGE, exchange(&partner_a)).await;
        let exchange_b = created(&app, CREATE_EXCHANGE, exchange(&partner_b)).await;
        for id in [&exchange_a, &exchange_b] {
            app.data(
                "mutation($i: ExchangeMoveInput!) { dispatchExchange(input: $i) { id } }",
                json!({ "i": { "id": id, "on": "2025-05-01" } }),
            )
            .await;
        }
        let copy = |holder: Option<&String>, barcode: &str| json!({ "i": { "documentId": document, "holderId": holder, "barcode": barcode } });
        const CREATE_HOLDING: &str = "mutation($i: CreateHoldingInput!) { createHolding(input: $i) { id } }";
        let library_copy = created(&app, CREATE_HOLDING, copy(None, "L-1")).await;
        let copy_a = created(&app, CREATE_HOLDING, copy(Some(&partner_a), "A-1")).await;
        let copy_b = created(&app, CREATE_HOLDING, copy(Some(&partner_b), "B-1")).await;
        let token_a = app.token(TokenRole::Partner, Some(&partner_a), "Korea portal").await;
        let token_b = app.token(TokenRole::Partner, Some(&partner_b), "Belarus portal").await;
        let staff = app.token(TokenRole::Staff, None, "office staff").await;
        let ill_a = created(
            &app,
            "mutation($p: ID!) { createIllRequest(input: { partnerId: $p, title: \"Kogurye\" }) { id } }",
            json!({ "p": partner_a }),
        )
        .await;
        World {
            app,
            partner_a,
            partner_b,
            agreement_a,
            draft_a,
            draft_b,
            exchange_a,
            exchange_b,
            document,
            project,
            library_copy,
            copy_a,
            copy_b,
            token_a,
            token_b,
            staff,
            ill_a,
        }
    }

    /// A new request with partner A, put straight into `status` (and `pending`) so that an
    /// action of the matrix is legal: BORROWING for the supplier's actions (partner A
    /// supplies), LENDING for the requester's (partner A requests). Partner A has no
    /// endpoint, so staff act on both sides.
    async fn ill_in(&self, role: &str, service: &str, status: &str, pending: Option<&str>) -> String {
        let partner = hamkor::global_id::decode("p", &self.partner_a).unwrap().1;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO ill_requests (role, partner_id, service_type, status, pending, title, due_date)
             VALUES ($1, $2, $3, $4, $5, 'Matrix', current_date + 10) RETURNING id",
        )
        .bind(role)
        .bind(partner)
        .bind(service)
        .bind(status)
        .bind(pending)
        .fetch_one(&self.app.pool)
        .await
        .unwrap();
        hamkor::global_id::encode(hamkor::global_id::NodeKind::IllRequest, id)
    }

    /// A request in which `action` (a mutation's name) is legal.
    async fn ill_for(&self, action: &str) -> String {
        let (role, service, status, pending) = match action {
            "illShip" => ("borrowing", "loan", "will_supply", None),
            "illSendCopy" => ("borrowing", "copy", "will_supply", None),
            "illRecall" | "illCompleteWithoutReturn" => ("borrowing", "loan", "received", None),
            "illCheckIn" => ("borrowing", "loan", "shipped_return", None),
            "illAcceptCancel" | "illRejectCancel" => ("borrowing", "loan", "will_supply", Some("cancel")),
            "illAcceptRenew" | "illRejectRenew" => ("borrowing", "loan", "received", Some("renew")),
            "illCancel" | "illStatusRequest" | "illNotify" => ("lending", "loan", "request_received", None),
            "illAcceptConditions" => ("lending", "loan", "will_supply", Some("conditions")),
            "illReceived" => ("lending", "loan", "loaned", None),
            "illRenew" | "illShippedReturn" | "illShippedForward" => ("lending", "loan", "received", None),
            _ => ("borrowing", "loan", "request_received", None),
        };
        self.ill_in(role, service, status, pending).await
    }

    fn bearer(&self, caller: Caller) -> Option<&str> {
        match caller {
            Caller::Anonymous => None,
            Caller::PartnerA => Some(&self.token_a),
            Caller::PartnerB => Some(&self.token_b),
            Caller::Staff => Some(&self.staff),
            Caller::Admin => Some(&self.app.admin),
        }
    }

    async fn ask(&self, caller: Caller, query: &str, variables: Value) -> Value {
        self.app.gql_as(self.bearer(caller), query, variables).await
    }

    /// `data` of a request that must succeed.
    async fn data(&self, caller: Caller, query: &str, variables: Value) -> Value {
        let body = self.ask(caller, query, variables).await;
        assert!(body.get("errors").is_none(), "{caller:?}: unexpected errors for {query}: {body:#}");
        body["data"].clone()
    }
}

/// The id of what a creating mutation created.
async fn created(app: &TestApp, mutation: &str, variables: Value) -> String {
    let data = app.data(mutation, variables).await;
    let (_, object) = data.as_object().and_then(|o| o.iter().next()).expect("one field");
    object["id"].as_str().expect("an id").to_owned()
}

/// The field names of the served schema's Query and Mutation types.
async fn served_fields(app: &TestApp) -> (BTreeSet<String>, BTreeSet<String>) {
    let data =
        app.data("{ __schema { queryType { fields { name } } mutationType { fields { name } } } }", json!({})).await;
    let names = |root: &str| {
        data["__schema"][root]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap().to_owned())
            .collect::<BTreeSet<_>>()
    };
    (names("queryType"), names("mutationType"))
}

/// Every root query field: an example and what each caller gets (in the order of
/// [`CALLERS`]). Partner-owned rows are scoped (checked in the probe test below).
fn query_cells(w: &World) -> Vec<(&'static str, String, Value, [Expect; 5])> {
    let public = [Allowed; 5];
    let partner_or_staff = [UNAUTH, Allowed, Allowed, Allowed, Allowed];
    vec![
        ("node", "query($id: ID!) { node(id: $id) { id } }".into(), json!({ "id": w.partner_a }), public),
        ("nodes", "query($id: ID!) { nodes(ids: [$id]) { id } }".into(), json!({ "id": w.document }), public),
        ("partner", "query($id: ID!) { partner(id: $id) { name email } }".into(), json!({ "id": w.partner_a }), public),
        ("partners", "{ partners { totalCount } }".into(), json!({}), public),
        (
            "agreement",
            "query($id: ID!) { agreement(id: $id) { title } }".into(),
            json!({ "id": w.agreement_a }),
            public,
        ),
        ("agreements", "{ agreements { totalCount } }".into(), json!({}), public),
        ("project", "query($id: ID!) { project(id: $id) { title } }".into(), json!({ "id": w.project }), public),
        ("projects", "{ projects { totalCount } }".into(), json!({}), public),
        ("document", "query($id: ID!) { document(id: $id) { title } }".into(), json!({ "id": w.document }), public),
        ("documents", "{ documents { totalCount } }".into(), json!({}), public),
        ("exportDocuments", "{ exportDocuments(format: RIS, first: 2) }".into(), json!({}), public),
        ("holding", "query($id: ID!) { holding(id: $id) { barcode } }".into(), json!({ "id": w.library_copy }), public),
        ("holdings", "{ holdings { totalCount } }".into(), json!({}), public),
        ("search", "{ search(query: \"boburnoma\") { totalCount } }".into(), json!({}), public),
        (
            "exchange",
            "query($id: ID!) { exchange(id: $id) { status } }".into(),
            json!({ "id": w.exchange_a }),
            [UNAUTH, Allowed, Denied("NOT_FOUND"), Allowed, Allowed],
        ),
        ("exchanges", "{ exchanges { totalCount } }".into(), json!({}), partner_or_staff),
        ("exchangeBalances", "{ exchangeBalances(year: 2025) { sentCopies } }".into(), json!({}), partner_or_staff),
        ("auditEvents", "{ auditEvents { totalCount } }".into(), json!({}), [UNAUTH, FORBID, FORBID, Allowed, Allowed]),
        ("imports", "{ imports { totalCount } }".into(), json!({}), [UNAUTH, FORBID, FORBID, Allowed, Allowed]),
        ("tokens", "{ tokens { totalCount } }".into(), json!({}), [UNAUTH, FORBID, FORBID, FORBID, Allowed]),
        (
            "illRequest",
            "query($id: ID!) { illRequest(id: $id) { status legalActions } }".into(),
            json!({ "id": w.ill_a }),
            [UNAUTH, Allowed, Denied("NOT_FOUND"), Allowed, Allowed],
        ),
        ("illRequests", "{ illRequests { totalCount } }".into(), json!({}), partner_or_staff),
        ("illReport", "{ illReport(year: 2026) { requests } }".into(), json!({}), partner_or_staff),
    ]
}

/// Every interlibrary loan action's mutation and the input type it takes.
const ILL_ACTIONS: [(&str, &str); 22] = [
    ("illExpectToSupply", "IllActionInput"),
    ("illWillSupply", "IllActionInput"),
    ("illOfferConditions", "IllConditionsInput"),
    ("illRetryPossible", "IllReasonInput"),
    ("illUnfilled", "IllReasonInput"),
    ("illShip", "IllShipInput"),
    ("illSendCopy", "IllActionInput"),
    ("illRecall", "IllActionInput"),
    ("illCheckIn", "IllActionInput"),
    ("illCompleteWithoutReturn", "IllActionInput"),
    ("illAcceptCancel", "IllActionInput"),
    ("illRejectCancel", "IllActionInput"),
    ("illAcceptRenew", "IllRenewAnswerInput"),
    ("illRejectRenew", "IllActionInput"),
    ("illCancel", "IllActionInput"),
    ("illAcceptConditions", "IllActionInput"),
    ("illReceived", "IllActionInput"),
    ("illRenew", "IllActionInput"),
    ("illShippedReturn", "IllActionInput"),
    ("illShippedForward", "IllActionInput"),
    ("illStatusRequest", "IllActionInput"),
    ("illNotify", "IllActionInput"),
];

/// Every mutation: an example (different for each caller, so that those allowed can all
/// succeed) and what each caller gets.
fn mutation_cells(w: &World, caller: Caller) -> Vec<(&'static str, String, Value, [Expect; 5])> {
    let staff = [UNAUTH, FORBID, FORBID, Allowed, Allowed];
    let admin = [UNAUTH, FORBID, FORBID, FORBID, Allowed];
    let tag = format!("{caller:?}");
    let doc = |title: &str| json!({ "description": { "title": format!("{title} {tag}") } });
    let marc = "<collection xmlns=\"http://www.loc.gov/MARC21/slim\"><record><leader>00000nam a2200000 a 4500</leader>\
        <controlfield tag=\"001\">access-matrix</controlfield>\
        <datafield tag=\"245\" ind1=\"0\" ind2=\"0\"><subfield code=\"a\">Matrix record</subfield></datafield></record></collection>";
    let shipment = |ex: &String| json!({ "i": { "id": ex, "on": "2025-06-01" } });
    vec![
        (
            "createPartner",
            "mutation($n: String!) { createPartner(input: { kind: COMPANY, names: [{ lang: \"en\", value: $n }] }) { id } }".into(),
            json!({ "n": format!("Sponsor {tag}") }),
            staff,
        ),
        (
            "updatePartner",
            "mutation($id: ID!) { updatePartner(input: { id: $id, city: \"Seoul\" }) { id } }".into(),
            json!({ "id": w.partner_a }),
            staff,
        ),
        (
            "createAgreement",
            "mutation($p: ID!, $t: String!) { createAgreement(input: { partnerId: $p, kind: OTHER, title: $t }) { id } }".into(),
            json!({ "p": w.partner_a, "t": format!("Letter {tag}") }),
            staff,
        ),
        (
            "updateAgreement",
            "mutation($id: ID!) { updateAgreement(input: { id: $id, scope: \"Visits\" }) { id } }".into(),
            json!({ "id": w.agreement_a }),
            staff,
        ),
        (
            "createProject",
            "mutation($t: String!) { createProject(input: { kind: OTHER, title: $t }) { id } }".into(),
            json!({ "t": format!("Project {tag}") }),
            staff,
        ),
        (
            "updateProject",
            "mutation($id: ID!) { updateProject(input: { id: $id, description: \"Books\" }) { id } }".into(),
            json!({ "id": w.project }),
            staff,
        ),
        (
            "setProjectPartner",
            "mutation($p: ID!, $q: ID!) { setProjectPartner(projectId: $p, partnerId: $q, role: LEAD) { id } }".into(),
            json!({ "p": w.project, "q": w.partner_a }),
            staff,
        ),
        (
            "removeProjectPartner",
            "mutation($p: ID!, $q: ID!) { removeProjectPartner(projectId: $p, partnerId: $q) { id } }".into(),
            json!({ "p": w.project, "q": w.partner_a }),
            // Staff detach the partner the step above attached; the admin's turn finds it
            // attached again by its own setProjectPartner.
            staff,
        ),
        ("createDocument", "mutation($i: CreateDocumentInput!) { createDocument(input: $i) { id } }".into(), json!({ "i": doc("Tuzuklar") }), staff),
        (
            "updateDocument",
            "mutation($id: ID!) { updateDocument(input: { id: $id, description: { year: 1994 } }) { id } }".into(),
            json!({ "id": w.document }),
            staff,
        ),
        (
            "deleteDocument",
            "mutation($id: ID!) { deleteDocument(id: $id) }".into(),
            // A document of the caller's own, made for it just before (see the test).
            json!({ "id": "" }),
            staff,
        ),
        (
            "importMarc",
            "mutation($r: String!, $s: String!) { importMarc(input: { records: $r, source: $s }) { created updated } }".into(),
            json!({ "r": marc, "s": format!("matrix {tag}") }),
            staff,
        ),
        (
            "createHolding",
            "mutation($d: ID!, $b: String!) { createHolding(input: { documentId: $d, barcode: $b }) { id } }".into(),
            json!({ "d": w.document, "b": format!("M-{tag}") }),
            staff,
        ),
        (
            "updateHolding",
            "mutation($id: ID!) { updateHolding(input: { id: $id, callNumber: \"UZ 1\" }) { id } }".into(),
            json!({ "id": w.library_copy }),
            staff,
        ),
        (
            "createExchange",
            "mutation($p: ID!) { createExchange(input: { partnerId: $p, direction: INCOMING }) { id } }".into(),
            json!({ "p": w.partner_b }),
            staff,
        ),
        (
            "setExchangeLines",
            "mutation($id: ID!) { setExchangeLines(id: $id, lines: []) { id } }".into(),
            // A planned shipment of the caller's own, made for it just before (see the test).
            json!({ "id": "" }),
            staff,
        ),
        (
            "dispatchExchange",
            "mutation($i: ExchangeMoveInput!) { dispatchExchange(input: $i) { id } }".into(),
            json!({ "i": { "id": "", "on": "2025-06-01" } }),
            staff,
        ),
        (
            "receiveExchange",
            "mutation($i: ReceiveExchangeInput!) { receiveExchange(input: $i) { id } }".into(),
            shipment(&w.exchange_a),
            staff,
        ),
        (
            "acknowledgeExchange",
            "mutation($i: ExchangeMoveInput!) { acknowledgeExchange(input: $i) { id } }".into(),
            shipment(&w.exchange_a),
            staff,
        ),
        (
            "cancelExchange",
            "mutation($i: ExchangeMoveInput!) { cancelExchange(input: $i) { id } }".into(),
            json!({ "i": { "id": "", "on": "2025-06-01" } }),
            staff,
        ),
        (
            "createToken",
            "mutation($n: String!) { createToken(input: { name: $n, role: STAFF }) { secret token { id } } }".into(),
            json!({ "n": format!("token {tag}") }),
            admin,
        ),
        (
            "revokeToken",
            "mutation($id: ID!) { revokeToken(id: $id) { revokedAt } }".into(),
            json!({ "id": "" }),
            admin,
        ),
        (
            "rollbackImport",
            "mutation($id: ID!) { rollbackImport(id: $id) { rolledBackAt } }".into(),
            json!({ "id": "" }),
            staff,
        ),
        (
            "createIllRequest",
            "mutation($p: ID!) { createIllRequest(input: { partnerId: $p, title: \"Samguk sagi\" }) { id } }".into(),
            json!({ "p": w.partner_a }),
            [UNAUTH, Allowed, Denied("BAD_USER_INPUT"), Allowed, Allowed],
        ),
        (
            "setIllEndpoint",
            "mutation($p: ID!) { setIllEndpoint(input: { partnerId: $p, url: null }) { id } }".into(),
            json!({ "p": w.partner_b }),
            admin,
        ),
    ]
    .into_iter()
    .chain(ILL_ACTIONS.iter().map(|(action, input)| {
        // The request is made for each caller in the loop below.
        let variables = json!({ "i": { "id": "", "note": "matrix", "conditions": "reading room only",
            "dueDate": "2099-01-01", "reason": "NotOnShelf" } });
        let fields: &[&str] = match *input {
            "IllConditionsInput" => &["id", "note", "conditions"],
            "IllReasonInput" => &["id", "note", "reason"],
            "IllShipInput" | "IllRenewAnswerInput" => &["id", "note", "dueDate"],
            _ => &["id", "note"],
        };
        let variables = json!({ "i": fields.iter().map(|f| (f.to_string(), variables["i"][*f].clone())).collect::<serde_json::Map<_, _>>() });
        (
            *action,
            format!("mutation($i: {input}!) {{ {action}(input: $i) {{ id status }} }}"),
            variables,
            [UNAUTH, Allowed, Denied("NOT_FOUND"), Allowed, Allowed],
        )
    }))
    .collect()
}

#[track_caller]
fn assert_cell(caller: Caller, field: &str, expect: Expect, body: &Value) {
    match expect {
        Allowed => assert!(body.get("errors").is_none(), "{caller:?} may use {field}: {body:#}"),
        Denied(code) => {
            let errors =
                body["errors"].as_array().unwrap_or_else(|| panic!("{caller:?} may not use {field}: {body:#}"));
            assert_eq!(errors[0]["extensions"]["code"], code, "{caller:?} / {field}: {body:#}");
            assert!(body["data"].get(field).is_none_or(Value::is_null), "{caller:?} / {field} gets nothing: {body:#}");
        }
    }
}

#[tokio::test]
async fn every_root_field_and_mutation_has_a_rule_for_every_caller() {
    let w = World::new().await;
    let (served_queries, served_mutations) = served_fields(&w.app).await;

    let cells = query_cells(&w);
    let covered: BTreeSet<String> = cells.iter().map(|c| c.0.to_owned()).collect();
    assert_eq!(covered, served_queries, "every root query field has its row in this matrix");
    for (field, query, variables, expects) in &cells {
        for (caller, expect) in CALLERS.iter().zip(expects) {
            let body = w.ask(*caller, query, variables.clone()).await;
            assert_cell(*caller, field, *expect, &body);
        }
    }

    let covered: BTreeSet<String> = mutation_cells(&w, Caller::Admin).iter().map(|c| c.0.to_owned()).collect();
    assert_eq!(covered, served_mutations, "every mutation has its row in this matrix");
    for caller in CALLERS {
        // Objects of the caller's own for the mutations that use them up.
        let own_document = w
            .data(
                Caller::Admin,
                "mutation { createDocument(input: { description: { title: \"Spare\" } }) { id } }",
                json!({}),
            )
            .await["createDocument"]["id"]
            .clone();
        let own_exchange = |direction: &str| {
            let query = format!(
                "mutation($p: ID!, $d: ID!) {{ createExchange(input: {{ partnerId: $p, direction: {direction},
                    lines: [{{ documentId: $d }}] }}) {{ id }} }}"
            );
            let variables = json!({ "p": w.partner_a, "d": w.document });
            let w = &w;
            async move { w.data(Caller::Admin, &query, variables).await["createExchange"]["id"].clone() }
        };
        let (to_clear, to_dispatch, to_cancel) =
            (own_exchange("OUTGOING").await, own_exchange("OUTGOING").await, own_exchange("OUTGOING").await);
        let own_import = w
            .data(
                Caller::Admin,
                "mutation($r: String!) { importMarc(input: { records: $r }) { id } }",
                json!({ "r": format!("<collection xmlns=\"http://www.loc.gov/MARC21/slim\"><record><leader>00000nam a2200000 a 4500</leader>\
                    <controlfield tag=\"001\">rollback-{caller:?}</controlfield><datafield tag=\"245\" ind1=\"0\" ind2=\"0\">\
                    <subfield code=\"a\">To roll back</subfield></datafield></record></collection>") }),
            )
            .await["importMarc"]["id"]
            .clone();
        let own_token = w
            .data(Caller::Admin, &format!("mutation {{ createToken(input: {{ name: \"spare {caller:?}\", role: STAFF }}) {{ token {{ id }} }} }}"), json!({}))
            .await["createToken"]["token"]["id"]
            .clone();
        // The shipment the receive and acknowledge rows move, dispatched again for each caller.
        if matches!(caller, Caller::Staff | Caller::Admin) {
            sqlx::query(
                "UPDATE exchanges SET status = 'dispatched', received_on = NULL, acknowledged_on = NULL WHERE id = $1",
            )
            .bind(hamkor::global_id::decode("id", w.exchange_a.as_str()).unwrap().1)
            .execute(&w.app.pool)
            .await
            .unwrap();
        }
        for (field, query, mut variables, expects) in mutation_cells(&w, caller) {
            match field {
                "deleteDocument" => variables["id"] = own_document.clone(),
                "setExchangeLines" => variables["id"] = to_clear.clone(),
                "dispatchExchange" => variables["i"]["id"] = to_dispatch.clone(),
                "cancelExchange" => variables["i"]["id"] = to_cancel.clone(),
                "revokeToken" => variables["id"] = own_token.clone(),
                "rollbackImport" => variables["id"] = own_import.clone(),
                action if action.starts_with("ill") && action != "illRequest" => {
                    variables["i"]["id"] = json!(w.ill_for(action).await);
                }
                _ => {}
            }
            let expect = expects[CALLERS.iter().position(|c| *c == caller).unwrap()];
            let body = w.ask(caller, &query, variables).await;
            assert_cell(caller, field, expect, &body);
        }
    }
    // Every kind of change is in the audit trail, with the token's name...
    for mutation in &served_mutations {
        let kept: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM audit_events WHERE operation = $1 AND outcome = 'ok' AND actor IN ('office staff', $2)",
        )
        .bind(mutation)
        .bind(crate::support::ADMIN_NAME)
        .fetch_one(&w.app.pool)
        .await
        .unwrap();
        assert!(kept >= 1, "{mutation} leaves its row in the audit trail");
    }
    // ...and so is every refused one.
    let denied: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE outcome = 'denied'")
        .fetch_one(&w.app.pool)
        .await
        .unwrap();
    // Anonymous: every mutation. Partners: all but the interlibrary loan ones they may take
    // on their own requests. Staff: the administrators' (tokens, ISO 18626 endpoints).
    let (mutations, partners_may, admins_only) = (served_mutations.len() as i64, 23, 3);
    assert_eq!(mutations, 47);
    assert_eq!(denied, mutations + 2 * (mutations - partners_may) + admins_only);
}

#[tokio::test]
async fn a_partner_sees_nothing_of_another_partner() {
    let w = World::new().await;
    let a = Caller::PartnerA;

    // By id: another partner's shipment, copy and draft answer as unknown ids do.
    let unknown_exchange = hamkor::global_id::encode(hamkor::global_id::NodeKind::Exchange, 999_999);
    for (field, id) in [("exchange", &w.exchange_b), ("exchange", &unknown_exchange)] {
        let body = w.ask(a, &format!("query($id: ID!) {{ {field}(id: $id) {{ id }} }}"), json!({ "id": id })).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND", "{body:#}");
        assert_eq!(body["data"][field], Value::Null);
    }
    for (field, id) in [("holding", &w.copy_b), ("agreement", &w.draft_b)] {
        let body = w.ask(a, &format!("query($id: ID!) {{ {field}(id: $id) {{ id }} }}"), json!({ "id": id })).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND", "{field}: {body:#}");
    }
    let nodes = w
        .data(
            a,
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": [w.exchange_b, w.copy_b, w.draft_b, w.exchange_a, w.copy_a, w.draft_a] }),
        )
        .await;
    let ids: Vec<Value> = nodes["nodes"].as_array().unwrap().iter().map(|n| n["id"].clone()).collect();
    assert_eq!(ids, [Value::Null, Value::Null, Value::Null, json!(w.exchange_a), json!(w.copy_a), json!(w.draft_a)]);
    let node = w.data(a, "query($id: ID!) { node(id: $id) { id } }", json!({ "id": w.exchange_b })).await;
    assert_eq!(node["node"], Value::Null);

    // By filter, and in totals.
    let data = w
        .data(a, "query($b: ID!) { mine: exchanges { totalCount } theirs: exchanges(filter: { partnerId: $b }) { totalCount edges { node { id } } }
               copies: holdings(filter: { holderId: $b }) { totalCount } all: holdings { totalCount }
               agreements { totalCount edges { node { title } } } balances: exchangeBalances(year: 2025) { partner { id } } }", json!({ "b": w.partner_b }))
        .await;
    assert_eq!(data["mine"]["totalCount"], 1);
    assert_eq!(data["theirs"]["totalCount"], 0);
    assert_eq!(data["theirs"]["edges"], json!([]));
    assert_eq!(data["copies"]["totalCount"], 0);
    assert_eq!(data["all"]["totalCount"], 2, "this library's copy and A's own");
    let titles: Vec<&str> =
        data["agreements"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["title"].as_str().unwrap()).collect();
    assert!(titles.contains(&"Draft addendum A") && !titles.contains(&"Draft addendum B"), "{titles:?}");
    assert_eq!(data["agreements"]["totalCount"], 2);
    let balances = data["balances"].as_array().unwrap();
    assert!(balances.iter().all(|b| b["partner"]["id"] == json!(w.partner_a)), "{balances:?}");

    // Nested fields.
    let data = w
        .data(a, "query($a: ID!, $b: ID!, $d: ID!, $e: ID!) {
            b: partner(id: $b) { email exchanges { totalCount } holdings { totalCount } agreements { totalCount } }
            a: partner(id: $a) { email exchanges { totalCount } holdings { totalCount } agreements { totalCount edges { node { scope } } } }
            document(id: $d) { holdings { totalCount edges { node { barcode } } } }
            exchange(id: $e) { partner { exchanges { totalCount } } } }",
            json!({ "a": w.partner_a, "b": w.partner_b, "d": w.document, "e": w.exchange_a }))
        .await;
    assert_eq!(data["b"]["email"], Value::Null, "another partner's e-mail");
    assert_eq!(data["b"]["exchanges"]["totalCount"], 0);
    assert_eq!(data["b"]["holdings"]["totalCount"], 0);
    assert_eq!(data["b"]["agreements"]["totalCount"], 0, "B's only agreement is a draft");
    assert_eq!(data["a"]["email"], "a@nl.kr", "its own e-mail");
    assert_eq!(data["a"]["exchanges"]["totalCount"], 1);
    assert_eq!(data["a"]["holdings"]["totalCount"], 1);
    assert_eq!(data["a"]["agreements"]["totalCount"], 2);
    assert_eq!(data["a"]["agreements"]["edges"][0]["node"]["scope"], "Exchange of publications");
    let barcodes: BTreeSet<&str> = data["document"]["holdings"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["barcode"].as_str().unwrap())
        .collect();
    assert_eq!(barcodes, BTreeSet::from(["L-1", "A-1"]));
    assert_eq!(data["document"]["holdings"]["totalCount"], 2);
    assert_eq!(data["exchange"]["partner"]["exchanges"]["totalCount"], 1);
    // The same copies through a list of documents, whose page loads them for all its rows at once.
    let listed = w
        .data(
            a,
            "{ documents { edges { node { id holdings { totalCount edges { node { barcode } } } } } } }",
            json!({}),
        )
        .await;
    let row =
        listed["documents"]["edges"].as_array().unwrap().iter().find(|e| e["node"]["id"] == json!(w.document)).unwrap();
    assert_eq!(row["node"]["holdings"], data["document"]["holdings"], "{listed:#}");
    let body = w
        .ask(
            a,
            "query($b: ID!) { partner(id: $b) { exchangeBalance(year: 2025) { sentCopies } } }",
            json!({ "b": w.partner_b }),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{body:#}");

    // The public sees no shipments, no partners' copies, no drafts, no e-mails.
    let data = w
        .data(
            Caller::Anonymous,
            "query($a: ID!, $d: ID!) { agreements { totalCount }
            partner(id: $a) { email exchanges { totalCount } agreements { totalCount edges { node { scope } } } }
            document(id: $d) { holdings { totalCount } } holdings { totalCount } }",
            json!({ "a": w.partner_a, "d": w.document }),
        )
        .await;
    assert_eq!(data["agreements"]["totalCount"], 1);
    assert_eq!(data["partner"]["email"], Value::Null);
    assert_eq!(data["partner"]["exchanges"]["totalCount"], 0);
    assert_eq!(data["partner"]["agreements"]["edges"][0]["node"]["scope"], Value::Null);
    assert_eq!(data["document"]["holdings"]["totalCount"], 1);
    assert_eq!(data["holdings"]["totalCount"], 1);
    let listed =
        w.data(Caller::Anonymous, "{ documents { edges { node { id holdings { totalCount } } } } }", json!({})).await;
    let row =
        listed["documents"]["edges"].as_array().unwrap().iter().find(|e| e["node"]["id"] == json!(w.document)).unwrap();
    assert_eq!(row["node"]["holdings"]["totalCount"], 1, "only this library's copy: {listed:#}");

    // Staff see everything.
    let data = w
        .data(
            Caller::Staff,
            "{ exchanges { totalCount } holdings { totalCount } agreements { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        (
            data["exchanges"]["totalCount"].clone(),
            data["holdings"]["totalCount"].clone(),
            data["agreements"]["totalCount"].clone()
        ),
        (json!(2), json!(3), json!(3))
    );
}
