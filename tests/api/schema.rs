//! `schema.graphql` is the contract frontends code against: it must be what the server serves.

use serde_json::json;

use crate::support::TestApp;

#[test]
fn schema_file_matches_the_served_schema() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let on_disk = std::fs::read_to_string(path).unwrap_or_default();
    let served = hamkor::graphql::build_schema().sdl();
    assert!(
        on_disk == served,
        "schema.graphql differs from the schema the server serves; regenerate it with\n\n    cargo run -- schema > schema.graphql\n"
    );
}

#[tokio::test]
async fn introspection_over_http_agrees_with_the_file() {
    let app = TestApp::spawn().await;
    let data =
        app.data("{ __schema { queryType { fields { name } } mutationType { fields { name } } } }", json!({})).await;
    let sdl = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    for field in data["__schema"]["queryType"]["fields"].as_array().unwrap() {
        let name = field["name"].as_str().unwrap();
        assert!(
            sdl.contains(&format!("\t{name}(")) || sdl.contains(&format!("\t{name}:")),
            "{name} is in schema.graphql"
        );
    }
    assert!(!data["__schema"]["mutationType"]["fields"].as_array().unwrap().is_empty());
}
