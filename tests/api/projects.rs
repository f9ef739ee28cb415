//! Projects and the partners involved in them.

use serde_json::json;

use crate::support::TestApp;

const CREATE: &str = "mutation($input: CreateProjectInput!) {
    createProject(input: $input) { id title kind status partners { totalCount edges { node { role partner { name } } } } } }";

#[tokio::test]
async fn creates_a_project_with_partners_and_roles() {
    let app = TestApp::spawn().await;
    let korea = app.create_partner("National Library of Korea", "KR").await;
    let data = app
        .data(
            CREATE,
            json!({ "input": { "kind": "READING_ROOM", "title": "Window to Korea", "status": "ACTIVE",
                "startsOn": "2015-03-01", "partners": [{ "partnerId": korea, "role": "CO_ORGANISER" }] } }),
        )
        .await;
    let project = &data["createProject"];
    assert_eq!(project["partners"]["totalCount"], 1);
    assert_eq!(project["partners"]["edges"][0]["node"]["role"], "CO_ORGANISER");
    assert_eq!(project["partners"]["edges"][0]["node"]["partner"]["name"], "National Library of Korea");

    // The partner sees the project from its side.
    let data = app
        .data(
            "query($id: ID!) { partner(id: $id) { projects { edges { node { role project { title } } } } } }",
            json!({ "id": korea }),
        )
        .await;
    assert_eq!(data["partner"]["projects"]["edges"][0]["node"]["project"]["title"], "Window to Korea");
}

#[tokio::test]
async fn attaches_changes_and_removes_partners() {
    let app = TestApp::spawn().await;
    let sponsor = app.create_partner("Eriell Group", "UZ").await;
    let created = app
        .data(CREATE, json!({ "input": { "kind": "PUBLICATION", "title": "The Manuscript and Book Heritage" } }))
        .await;
    let project = created["createProject"]["id"].as_str().unwrap();
    assert_eq!(created["createProject"]["status"], "PLANNED", "a new project is planned by default");

    let set = "mutation($p: ID!, $q: ID!, $role: ProjectRole!) {
        setProjectPartner(projectId: $p, partnerId: $q, role: $role) { partners { edges { node { role } } } } }";
    let data = app.data(set, json!({ "p": project, "q": sponsor, "role": "SUPPORTER" })).await;
    assert_eq!(data["setProjectPartner"]["partners"]["edges"][0]["node"]["role"], "SUPPORTER");
    let data = app.data(set, json!({ "p": project, "q": sponsor, "role": "SPONSOR" })).await;
    assert_eq!(data["setProjectPartner"]["partners"]["edges"][0]["node"]["role"], "SPONSOR");
    assert_eq!(app.count("project_partners").await, 1, "changing the role does not add a row");

    let filtered = app
        .data("query($q: ID!) { projects(filter: { partnerId: $q }) { totalCount } }", json!({ "q": sponsor }))
        .await;
    assert_eq!(filtered["projects"]["totalCount"], 1);

    let remove =
        "mutation($p: ID!, $q: ID!) { removeProjectPartner(projectId: $p, partnerId: $q) { partners { totalCount } } }";
    let data = app.data(remove, json!({ "p": project, "q": sponsor })).await;
    assert_eq!(data["removeProjectPartner"]["partners"]["totalCount"], 0);
    app.error(remove, json!({ "p": project, "q": sponsor }), "NOT_FOUND").await;
}

#[tokio::test]
async fn bad_project_input_is_rejected_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let partner = app.create_partner("Goethe-Institut Uzbekistan", "DE").await;
    app.data(CREATE, json!({ "input": { "kind": "OTHER", "title": "Existing" } })).await;
    let unknown = hamkor::graphql::id::encode(hamkor::graphql::id::NodeKind::Partner, 777_777).0;
    let cases = [
        (
            json!({ "kind": "OTHER", "title": "A", "startsOn": "2024-05-01", "endsOn": "2024-04-30" }),
            "BAD_USER_INPUT",
            "endsOn",
        ),
        (json!({ "kind": "OTHER", "title": "EXISTING" }), "CONFLICT", "title"),
        (json!({ "kind": "OTHER", "title": "B", "description": "d".repeat(10_001) }), "BAD_USER_INPUT", "description"),
        (
            json!({ "kind": "OTHER", "title": "C", "partners": [
            { "partnerId": partner, "role": "LEAD" }, { "partnerId": partner, "role": "SPONSOR" }] }),
            "BAD_USER_INPUT",
            "partners",
        ),
        // The project row would be written before the unknown partner is found: the whole
        // transaction is rolled back.
        (
            json!({ "kind": "OTHER", "title": "D", "partners": [{ "partnerId": unknown, "role": "LEAD" }] }),
            "BAD_USER_INPUT",
            "partnerId",
        ),
    ];
    for (input, code, field) in cases {
        let error = app.error(CREATE, json!({ "input": input }), code).await;
        assert_eq!(error["extensions"]["field"], field, "{input}");
    }
    assert_eq!(app.count("projects").await, 1);
    assert_eq!(app.count("project_partners").await, 0);
}
