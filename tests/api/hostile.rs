//! Hostile and careless clients: queries built to hurt are refused before they run, floods
//! are rate limited, and every client tool still gets in (introspection, GraphiQL, browsers on
//! another origin through CORS). Every error is JSON with a code.

use hamkor::http::HttpOptions;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, fresh_database};

const INTROSPECTION: &str = include_str!("../fixtures/graphql/introspection.graphql");
const INTROSPECTION_ALL_OPTIONS: &str = include_str!("../fixtures/graphql/introspection-all-options.graphql");

async fn app_with(options: HttpOptions) -> TestApp {
    let (pool, _) = fresh_database().await;
    TestApp::spawn_with(pool, move |state| state.with_options(options)).await
}

/// Fragments that each spread the next one twice, `levels` deep, with `leaf` at the bottom.
fn doubling_fragments(levels: usize, leaf: &str) -> String {
    let mut query = String::from("query Bomb { ...F0 }\n");
    for level in 0..levels {
        query.push_str(&format!("fragment F{level} on Query {{ ...F{next} ...F{next} }}\n", next = level + 1));
    }
    query.push_str(&format!("fragment F{levels} on Query {{ {leaf} }}\n"));
    query
}

#[track_caller]
fn assert_too_complex(error: &Value) {
    assert_eq!(error["extensions"]["code"], "QUERY_TOO_COMPLEX", "{error:#}");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.contains("limit"), "the message names the limit: {message}");
}

#[tokio::test]
async fn the_standard_introspection_queries_of_client_tools_pass() {
    let app = TestApp::spawn().await;
    for query in [INTROSPECTION, INTROSPECTION_ALL_OPTIONS] {
        let data = app.data(query, json!({})).await;
        assert_eq!(data["__schema"]["queryType"]["name"], "Query");
        let types = data["__schema"]["types"].as_array().expect("types");
        assert!(types.iter().any(|t| t["name"] == "Partner"), "the schema's own types are listed");
    }
}

#[tokio::test]
async fn fragment_doubling_is_refused_before_it_runs_at_any_depth() {
    let app = TestApp::spawn().await;
    for levels in [10, 25, 60] {
        for leaf in ["__typename", "partners { totalCount }"] {
            let body = app.gql(&doubling_fragments(levels, leaf), json!({})).await;
            assert!(body.get("data").is_none(), "refused before execution: {body:#}");
            assert_too_complex(&body["errors"][0]);
        }
    }
    // A cycle of fragments is a validation failure, refused just as fast.
    let body = app.gql("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }", json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{body:#}");
    // The server still answers.
    assert_eq!(app.data("{ __typename }", json!({})).await["__typename"], "Query");
}

#[tokio::test]
async fn aliased_searches_and_mutation_bombs_are_refused_and_write_nothing() {
    let app = TestApp::spawn().await;
    let searches: String = (0..1000).map(|i| format!("s{i}: search(query: \"kitob\") {{ suggestion }}\n")).collect();
    let error = app.error(&format!("{{ {searches} }}"), json!({}), "QUERY_TOO_COMPLEX").await;
    assert!(error["extensions"]["cost"].as_u64() > error["extensions"]["limit"].as_u64(), "{error:#}");

    let creates: String = (0..1000)
        .map(|i| format!("c{i}: createDocument(input: {{ description: {{ title: \"Title {i}\" }} }}) {{ id }}\n"))
        .collect();
    let error = app.error(&format!("mutation {{ {creates} }}"), json!({}), "QUERY_TOO_COMPLEX").await;
    assert_too_complex(&error);
    assert_eq!(app.count("documents").await, 0, "a refused mutation writes nothing");

    // Pages multiply: 100 partners, each with 100 agreements, each with their partner's
    // 100 agreements, is a million rows.
    let nested = "{ partners(first: 100) { edges { node { agreements(first: 100) { edges { node {
        partner { agreements(first: 100) { edges { node { title } } } } } } } } } } }";
    assert_too_complex(&app.error(nested, json!({}), "QUERY_TOO_COMPLEX").await);
}

#[tokio::test]
async fn the_queries_of_the_readme_pass() {
    let app = TestApp::seeded().await;
    app.indexed().await;
    for query in [
        r#"{ partners(filter: { country: "KR" }) { totalCount edges { node { id name(lang: "uz-Latn")
            names { lang value } agreements { edges { node { title kind status validUntil } } }
            projects { edges { node { role project { title kind status } } } } } } } }"#,
        r#"{ search(query: "navoiy", first: 10) { totalCount suggestion
            edges { node { score highlights { title } document { id title year languages holdings { totalCount } } } }
            facets { languages { value count } decades { decade count } countries { value count } } } }"#,
        "{ exchangeBalances(year: 2025) { partner { name } sentCopies receivedTitles receivedCopies } }",
        r#"{ partners(filter: { nameContains: "библиотека" }) { totalCount } }"#,
        "{ agreements(filter: { expiresWithinDays: 90 }) { totalCount } }",
        "{ projects { edges { node { title partners { edges { node { role partner { name } } } } } } } }",
    ] {
        app.data(query, json!({})).await;
    }
}

#[tokio::test]
async fn cors_preflights_get_the_headers_for_configured_origins_only() {
    let app = app_with(HttpOptions {
        cors_origins: vec!["https://portal.example.org".parse().unwrap()],
        ..HttpOptions::default()
    })
    .await;
    let preflight = |origin: &'static str, path: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, format!("{}{path}", app.base))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type, authorization")
            .send()
    };
    for path in ["/graphql", "/documents/x.bib"] {
        let allowed = preflight("https://portal.example.org", path).await.unwrap();
        assert!(allowed.status().is_success(), "{path}: {}", allowed.status());
        assert_eq!(allowed.headers()["access-control-allow-origin"], "https://portal.example.org", "{path}");
        let methods = allowed.headers()["access-control-allow-methods"].to_str().unwrap().to_uppercase();
        assert!(methods.contains("POST"), "{methods}");
        let refused = preflight("https://elsewhere.example.com", path).await.unwrap();
        assert!(refused.headers().get("access-control-allow-origin").is_none(), "{path}: {:?}", refused.headers());
    }
    let response = app
        .client
        .post(app.graphql_url())
        .header("origin", "https://portal.example.org")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["access-control-allow-origin"], "https://portal.example.org");

    // Without configured origins, no origin gets the headers.
    let closed = TestApp::spawn().await;
    let response = closed
        .client
        .request(reqwest::Method::OPTIONS, closed.graphql_url())
        .header("origin", "https://portal.example.org")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(response.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn a_caller_over_its_budget_gets_429_with_retry_after() {
    // 1,000 units a minute: ten trivial requests, then the budget is spent.
    let app = app_with(HttpOptions { rate_limit_per_minute: 1_000, ..HttpOptions::default() }).await;
    let mut limited = None;
    for _ in 0..30 {
        let response =
            app.client.post(app.graphql_url()).json(&json!({ "query": "{ __typename }" })).send().await.unwrap();
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(response);
            break;
        }
        assert_eq!(response.status(), StatusCode::OK);
    }
    let response = limited.expect("the budget runs out within 30 requests");
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().expect("seconds");
    assert!((1..=60).contains(&retry_after), "Retry-After: {retry_after}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED", "{body:#}");
    // Other routes count against the same budget, and probes never do.
    let export = app.client.get(format!("{}/documents/x.bib", app.base)).send().await.unwrap();
    assert_eq!(export.status(), StatusCode::TOO_MANY_REQUESTS);
    let ready = app.client.get(format!("{}/readyz", app.base)).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
}

#[tokio::test]
async fn every_http_error_is_json_with_a_code() {
    let app = TestApp::spawn().await;
    let code_of = |body: &Value| body["errors"][0]["extensions"]["code"].as_str().unwrap_or_default().to_owned();

    let response = app.client.get(format!("{}/no-such-route", app.base)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(code_of(&response.json().await.unwrap()), "NOT_FOUND");

    let response = app.client.delete(app.graphql_url()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(response.headers().get("allow").is_some(), "405 says what is allowed");
    assert_eq!(code_of(&response.json().await.unwrap()), "METHOD_NOT_ALLOWED");

    let huge = format!("{{\"query\": \"{{ __typename }}\", \"x\": \"{}\"}}", "a".repeat(3 * 1024 * 1024));
    let response =
        app.client.post(app.graphql_url()).header("content-type", "application/json").body(huge).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(code_of(&response.json().await.unwrap()), "PAYLOAD_TOO_LARGE");

    let response = app
        .client
        .post(app.graphql_url())
        .header("content-type", "text/plain")
        .body("{ __typename }")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(code_of(&response.json().await.unwrap()), "UNSUPPORTED_MEDIA_TYPE");

    let response = app.client.get(format!("{}/documents/RG9jdW1lbnQ6OTk5.bib", app.base)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(code_of(&response.json().await.unwrap()), "NOT_FOUND");
}

#[tokio::test]
async fn errors_quote_only_a_short_prefix_of_the_input() {
    let app = TestApp::spawn().await;
    let huge = "x".repeat(1_000_000);
    for (query, variables) in [
        ("query($id: ID!) { partner(id: $id) { id } }", json!({ "id": huge })),
        ("query($c: String) { partners(filter: { country: $c }) { totalCount } }", json!({ "c": huge })),
        ("query($a: String) { partners(after: $a) { totalCount } }", json!({ "a": huge })),
    ] {
        let body = app.gql(query, variables).await;
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(
            !message.is_empty() && message.len() < 300,
            "{} bytes: {}",
            message.len(),
            &message[..message.len().min(300)]
        );
    }
}

#[tokio::test]
async fn graphiql_and_introspection_can_be_turned_off() {
    let app = TestApp::spawn().await;
    let page = app.client.get(app.graphql_url()).header("accept", "text/html").send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("graphiql@3.8.3/graphiql.min.js") && html.contains("integrity=\"sha384-"), "{html}");
    assert!(!html.contains("react@18/") && !html.contains("development"), "exact versions, production builds");

    let closed = app_with(HttpOptions { graphiql: false, introspection: false, ..HttpOptions::default() }).await;
    let page = closed.client.get(closed.graphql_url()).header("accept", "text/html").send().await.unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    let error = closed.error("{ __schema { queryType { name } } }", json!({}), "GRAPHQL_VALIDATION_FAILED").await;
    assert!(error["message"].as_str().unwrap_or_default().contains("introspection"), "{error:#}");
    assert_eq!(closed.data("{ partners { totalCount } }", json!({})).await["partners"]["totalCount"], 0);
}
