//! Nested lists are batched: the number of SQL statements does not grow with the page.

use serde_json::json;
use sqlx::PgPool;

use crate::support::{TestApp, statement_stats_available};

const QUERY: &str = "query($n: Int!) { partners(first: $n) { totalCount edges { node {
    name
    agreements { totalCount edges { node { title partner { name } } } }
    projects { edges { node { role project { title partners { edges { node { partner { country } } } } } } } }
} } } }";

/// Statements executed in this database since the last reset, as pg_stat_statements counts
/// them, leaving out the search index writer's reads of its change log (it polls in the
/// background), the database health watcher's probe (`SELECT 1`, also in the background),
/// the token check (once per server, then cached), the time zone each new pooled connection
/// sets, and this test's own bookkeeping.
async fn statements(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "SELECT COALESCE(sum(calls), 0)::bigint FROM pg_stat_statements
         WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND query NOT ILIKE '%pg_stat_statements%'
           AND query NOT ILIKE '%search_outbox%' AND query NOT ILIKE '%pg_snapshot%'
           AND query NOT ILIKE 'SET TRANSACTION%' AND query NOT ILIKE 'BEGIN%' AND query NOT ILIKE 'COMMIT%'
           AND query NOT ILIKE 'LISTEN%' AND query NOT ILIKE '%set_config(''TimeZone''%'
           AND query <> 'SELECT $1' AND query NOT ILIKE '%FROM api_tokens%'",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn reset(pool: &PgPool) {
    sqlx::query(
        "SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)",
    )
    .execute(pool)
    .await
    .unwrap();
}

async fn statements_for_page(app: &TestApp, n: i64) -> i64 {
    reset(&app.pool).await;
    let data = app.data(QUERY, json!({ "n": n })).await;
    assert_eq!(data["partners"]["edges"].as_array().unwrap().len() as i64, n);
    statements(&app.pool).await
}

#[tokio::test]
async fn a_page_of_100_partners_costs_as_many_statements_as_a_page_of_2() {
    assert!(
        statement_stats_available(),
        "this test needs pg_stat_statements in shared_preload_libraries (the embedded test server loads it)"
    );
    // A wide batching window: the debug build on a busy machine can pause longer than the
    // default 2 ms between the keys of one level, and this test is about structure, not timing.
    let (pool, _) = crate::support::fresh_database().await;
    let app = TestApp::spawn_with(pool, |state| state.with_batch_window(std::time::Duration::from_millis(200))).await;
    // 100 partners, each with two agreements and one project with two partners.
    let mut tx = app.pool.begin().await.unwrap();
    sqlx::query(
        "WITH p AS (INSERT INTO partners (kind, country) SELECT 'national_library', 'KR' FROM generate_series(1, 100) RETURNING id)
         INSERT INTO partner_names (partner_id, lang, name) SELECT id, 'en', 'Library ' || id FROM p",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO agreements (partner_id, kind, title, status)
         SELECT id, 'other', t, 'active' FROM partners, unnest(ARRAY['First', 'Second']) AS t",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO projects (kind, title, status) SELECT 'other', 'Project ' || g, 'active' FROM generate_series(1, 50) g",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO project_partners (project_id, partner_id, role)
         SELECT pr.id, pa.id, 'lead' FROM projects pr JOIN partners pa ON (pa.id - 1) / 2 = pr.id - 1",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let small = statements_for_page(&app, 2).await;
    let large = statements_for_page(&app, 100).await;
    // One count, one page, and at most one statement per relation and nesting level: for
    // 2 partners and for 100 alike. (With fewer rows, levels finish at different moments
    // and the same loader may run once per level instead of once for two.)
    assert!(large <= small, "statements for 2 partners: {small}, for 100: {large}");
    assert!(small <= 9, "a small, constant number of statements: {small}");
}
