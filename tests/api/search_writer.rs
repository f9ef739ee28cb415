//! The supervised search index writer: it survives a panic, and says what it is doing.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::TestApp;

async fn readiness(app: &TestApp) -> (StatusCode, Value) {
    let response = app.client.get(format!("{}/readyz", app.base)).send().await.expect("GET /readyz");
    let status = response.status();
    (status, response.json().await.expect("a JSON body"))
}

async fn found(app: &TestApp, query: &str) -> Vec<String> {
    let data = app
        .data(
            "query($q: String!) { search(query: $q) { edges { node { document { title } } } } }",
            json!({ "q": query }),
        )
        .await;
    data["search"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["document"]["title"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn the_index_writer_restarts_after_a_panic_and_indexing_resumes() {
    let app = TestApp::spawn().await;
    app.indexed().await;
    let (status, body) = readiness(&app).await;
    assert_eq!(status, StatusCode::OK, "{body:#}");
    assert_eq!(body["search"]["writer"]["state"], "following", "{body:#}");
    assert_eq!(body["search"]["writer"]["behind"], 0, "{body:#}");
    assert_eq!(body["search"]["writerRestarts"], 0, "{body:#}");

    app.search.inject_writer_panic();
    let deadline = Instant::now() + Duration::from_secs(30);
    while app.search.writer_restarts() == 0 {
        assert!(Instant::now() < deadline, "the writer was not restarted within 30 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Changes made after the panic reach the index through the restarted writer.
    app.data(
        "mutation($i: CreateDocumentInput!) { createDocument(input: $i) { id } }",
        json!({ "i": { "description": { "title": "Zarafshon vodiysi qo‘lyozmalari" } } }),
    )
    .await;
    app.indexed().await;
    assert_eq!(found(&app, "Zarafshon").await, ["Zarafshon vodiysi qo‘lyozmalari"]);

    let (status, body) = readiness(&app).await;
    assert_eq!(status, StatusCode::OK, "{body:#}");
    assert_eq!(body["search"]["writer"]["state"], "following", "{body:#}");
    assert_eq!(body["search"]["writerRestarts"], 1, "{body:#}");
    let metrics = app.client.get(format!("{}/metrics", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("hamkor_search_writer_restarts_total"), "{metrics}");
    assert!(metrics.contains("hamkor_search_writer_up"), "{metrics}");
}

#[tokio::test]
async fn the_change_log_is_pruned_past_its_retention_and_says_how_far() {
    let (pool, _) = crate::support::fresh_database().await;
    sqlx::query(
        "INSERT INTO search_outbox (document_id, recorded_at) VALUES (1, now() - interval '8 days'), (2, now())",
    )
    .execute(&pool)
    .await
    .unwrap();
    let pruned = hamkor::search::db::prune(&pool, hamkor::search::LOG_RETENTION_DAYS).await.expect("prunes");
    assert!(pruned > 0, "the pruned rows' transaction id is recorded");
    let left: Vec<i64> = sqlx::query_scalar("SELECT document_id FROM search_outbox").fetch_all(&pool).await.unwrap();
    assert_eq!(left, [2]);
    let recorded: String =
        sqlx::query_scalar("SELECT up_to::text FROM search_outbox_pruned").fetch_one(&pool).await.unwrap();
    assert_eq!(recorded.parse::<u64>().unwrap(), pruned);
    // Nothing older left: nothing changes.
    assert_eq!(hamkor::search::db::prune(&pool, hamkor::search::LOG_RETENTION_DAYS).await.unwrap(), 0);
    let recorded_again: String =
        sqlx::query_scalar("SELECT up_to::text FROM search_outbox_pruned").fetch_one(&pool).await.unwrap();
    assert_eq!(recorded_again, recorded);
}
