//! Relay object identification: `node(id:)` and `nodes(ids:)`.

use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn refetches_any_object_by_global_id() {
    let app = TestApp::seeded().await;
    let data = app
        .data(
            "{ partners(first: 1, filter: { country: \"KR\" }) { edges { node { id agreements { edges { node { id } } } } } }
               projects(first: 1) { edges { node { id title } } } }",
            json!({}),
        )
        .await;
    let partner = data["partners"]["edges"][0]["node"]["id"].as_str().unwrap();
    let agreement = data["partners"]["edges"][0]["node"]["agreements"]["edges"][0]["node"]["id"].as_str().unwrap();
    let project = data["projects"]["edges"][0]["node"]["id"].as_str().unwrap();
    let unknown = hamkor::graphql::id::encode(hamkor::graphql::id::NodeKind::Project, 987_654).0;

    let data = app
        .data(
            "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id
                ... on Partner { country } ... on Agreement { kind } ... on Project { title } } }",
            json!({ "ids": [partner, agreement, project, unknown] }),
        )
        .await;
    let nodes = data["nodes"].as_array().unwrap();
    assert_eq!(nodes[0]["__typename"], "Partner");
    assert_eq!(nodes[0]["country"], "KR");
    assert_eq!(nodes[1]["__typename"], "Agreement");
    assert_eq!(nodes[1]["kind"], "MEMORANDUM_OF_UNDERSTANDING");
    assert_eq!(nodes[2]["id"], project);
    assert_eq!(nodes[3], serde_json::Value::Null, "an unknown id is null, as Relay expects");

    let data = app.data("query($id: ID!) { node(id: $id) { id } }", json!({ "id": partner })).await;
    assert_eq!(data["node"]["id"], partner);
}

#[tokio::test]
async fn malformed_ids_and_oversized_lists_are_rejected() {
    let app = TestApp::spawn().await;
    app.error("{ node(id: \"%%%\") { id } }", json!({}), "BAD_USER_INPUT").await;
    let many: Vec<String> =
        (1..=101).map(|n| hamkor::graphql::id::encode(hamkor::graphql::id::NodeKind::Partner, n).0).collect();
    let error =
        app.error("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", json!({ "ids": many }), "BAD_USER_INPUT").await;
    assert_eq!(error["extensions"]["field"], "ids");
}
