//! `/graphql` as the GraphQL-over-HTTP specification describes it, and the other endpoints.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::TestApp;

async fn post(
    app: &TestApp,
    accept: Option<&str>,
    content_type: Option<&str>,
    body: &str,
) -> (StatusCode, String, Value) {
    let mut request = app.client.post(app.graphql_url()).body(body.to_owned());
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let media = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let text = response.text().await.unwrap();
    (status, media, serde_json::from_str(&text).unwrap_or(Value::Null))
}

const GQL_RESPONSE: &str = "application/graphql-response+json";

#[tokio::test]
async fn answers_in_the_media_type_the_client_accepts() {
    let app = TestApp::spawn().await;
    let body = r#"{"query":"{ __typename }"}"#;
    let (status, media, json) = post(&app, Some(GQL_RESPONSE), Some("application/json"), body).await;
    assert_eq!((status, json["data"]["__typename"].as_str()), (StatusCode::OK, Some("Query")));
    assert!(media.starts_with(GQL_RESPONSE), "{media}");
    let (_, media, _) = post(&app, Some("application/json"), Some("application/json"), body).await;
    assert!(media.starts_with("application/json"), "{media}");
    let (_, media, _) = post(&app, None, Some("application/json; charset=utf-8"), body).await;
    assert!(media.starts_with("application/json"), "{media}");
    let (status, _, _) = post(&app, Some("text/csv"), Some("application/json"), body).await;
    assert_eq!(status, StatusCode::NOT_ACCEPTABLE);
}

#[tokio::test]
async fn rejects_bodies_that_are_not_graphql_requests() {
    let app = TestApp::spawn().await;
    let (status, _, json) = post(&app, None, Some("text/plain"), r#"{"query":"{ __typename }"}"#).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(json["errors"][0]["extensions"]["code"], "UNSUPPORTED_MEDIA_TYPE");
    let (status, _, _) = post(&app, None, None, r#"{"query":"{ __typename }"}"#).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    for body in [
        r#"{ "not a JSON"#,
        "",
        "[]",
        r#"{"qeury":"{ __typename }"}"#,
        r#"{"query":1}"#,
        r#"{"query":"{ a }","variables":"x"}"#,
    ] {
        let (status, _, _) = post(&app, Some(GQL_RESPONSE), Some("application/json"), body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    }
    let huge = format!(r#"{{"query":"{{ __typename }}","variables":{{"x":"{}"}}}}"#, "a".repeat(3 * 1024 * 1024));
    let (status, _, _) = post(&app, None, Some("application/json"), &huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn parse_and_validation_failures_are_400_without_data_for_graphql_response_json() {
    let app = TestApp::spawn().await;
    for (query, code) in [("{", "GRAPHQL_PARSE_FAILED"), ("{ noSuchField }", "GRAPHQL_VALIDATION_FAILED")] {
        let body = json!({ "query": query }).to_string();
        let (status, _, json) = post(&app, Some(GQL_RESPONSE), Some("application/json"), &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert!(json.get("data").is_none(), "no data entry: {json}");
        assert_eq!(json["errors"][0]["extensions"]["code"], code);
        // The legacy media type keeps 200, as the specification asks.
        let (status, _, json) = post(&app, Some("application/json"), Some("application/json"), &body).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(json["errors"][0]["extensions"]["code"], code);
    }
    let body = json!({ "query": "query($id: ID!) { node(id: $id) { id } }", "variables": { "id": null } }).to_string();
    let (status, _, _) = post(&app, Some(GQL_RESPONSE), Some("application/json"), &body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "variable coercion failure");
}

#[tokio::test]
async fn get_runs_queries_but_never_mutations() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(app.graphql_url())
        .query(&[("query", "query Q($n: Int) { partners(first: $n) { totalCount } }"), ("variables", r#"{"n":1}"#)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let json: Value = response.json().await.unwrap();
    assert_eq!(json["data"]["partners"]["totalCount"], 0);

    let mutation =
        r#"mutation { createPartner(input: { kind: COMPANY, names: [{ lang: "en", value: "Sneaky" }] }) { id } }"#;
    let response = app.client.get(app.graphql_url()).query(&[("query", mutation)]).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "POST");
    assert_eq!(app.count("partners").await, 0, "nothing was written");

    let page = app.client.get(app.graphql_url()).header("accept", "text/html").send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().to_lowercase().contains("graphiql"));
}

#[tokio::test]
async fn database_errors_never_reach_clients_as_sql() {
    let app = TestApp::spawn().await;
    sqlx::query("DROP TABLE project_partners, projects CASCADE").execute(&app.pool).await.unwrap();
    let response = app
        .client
        .post(app.graphql_url())
        .header("x-request-id", "trace-me-42")
        .json(&json!({ "query": "{ projects { totalCount } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-me-42");
    let json: Value = response.json().await.unwrap();
    let error = &json["errors"][0];
    assert_eq!(error["extensions"]["code"], "INTERNAL_SERVER_ERROR");
    assert_eq!(error["extensions"]["requestId"], "trace-me-42");
    let text = json.to_string().to_lowercase();
    assert!(!text.contains("relation") && !text.contains("select"), "no SQL in {json}");
}

#[tokio::test]
async fn health_readiness_and_metrics() {
    let app = TestApp::spawn().await;
    let health = app.client.get(format!("{}/healthz", app.base)).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let ready = app.client.get(format!("{}/readyz", app.base)).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);

    app.gql("query PartnerList { partners { totalCount } }", json!({})).await;
    app.gql("{ partners(first: 1000) { totalCount } }", json!({})).await;
    let metrics = app.client.get(format!("{}/metrics", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains(r#"hamkor_graphql_requests_total{operation="PartnerList"}"#), "{metrics}");
    assert!(metrics.contains("hamkor_graphql_request_duration_seconds_bucket"), "latency histogram");
    assert!(metrics.contains(r#"hamkor_graphql_errors_total{code="BAD_USER_INPUT"}"#), "errors by code");
    assert!(metrics.contains("hamkor_db_pool_connections"), "pool use");

    // Without its tables the database is not ready.
    sqlx::query("DELETE FROM _sqlx_migrations").execute(&app.pool).await.unwrap();
    let ready = app.client.get(format!("{}/readyz", app.base)).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
}
