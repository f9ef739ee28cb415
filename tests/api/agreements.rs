//! Agreements: dates, derived expiry, the renewal query, and bad input.

use chrono::{Days, Utc};
use serde_json::json;

use crate::support::TestApp;

const CREATE: &str = "mutation($input: CreateAgreementInput!) {
    createAgreement(input: $input) { id title status validFrom validUntil partner { name } } }";

/// "Today" as the service sees it: the office's time zone, Asia/Tashkent (UTC+5, no DST).
fn today() -> chrono::NaiveDate {
    (Utc::now() + chrono::Duration::hours(5)).date_naive()
}

fn date(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

#[tokio::test]
async fn expired_follows_from_the_dates_and_is_never_stale() {
    let app = TestApp::spawn().await;
    let partner = app.create_partner("National Library of Azerbaijan", "AZ").await;
    let yesterday = today().checked_sub_days(Days::new(1)).unwrap();
    let data = app
        .data(
            CREATE,
            json!({ "input": { "partnerId": partner, "kind": "MEMORANDUM_OF_UNDERSTANDING",
                "title": "Memorandum on document exchange", "status": "ACTIVE",
                "validFrom": "2020-01-01", "validUntil": date(yesterday) } }),
        )
        .await;
    assert_eq!(data["createAgreement"]["status"], "EXPIRED");
    assert_eq!(data["createAgreement"]["partner"]["name"], "National Library of Azerbaijan");
    let id = data["createAgreement"]["id"].as_str().unwrap().to_owned();

    // Extending it makes it active again, with no status written by anyone.
    let next_year = today().checked_add_days(Days::new(365)).unwrap();
    let data = app
        .data(
            "mutation($input: UpdateAgreementInput!) { updateAgreement(input: $input) { status validUntil } }",
            json!({ "input": { "id": id, "validUntil": date(next_year) } }),
        )
        .await;
    assert_eq!(data["updateAgreement"]["status"], "ACTIVE");

    let stored: String = sqlx::query_scalar("SELECT status FROM agreements").fetch_one(&app.pool).await.unwrap();
    assert_eq!(stored, "active", "expired is never stored");
}

#[tokio::test]
async fn finds_agreements_that_expire_within_n_days() {
    let app = TestApp::spawn().await;
    let partner = app.create_partner("National Library of the Czech Republic", "CZ").await;
    let cases =
        [("Ends in 10 days", 10, "ACTIVE"), ("Ends in 200 days", 200, "ACTIVE"), ("Draft ending soon", 5, "DRAFT")];
    for (title, days, status) in cases {
        let until = today().checked_add_days(Days::new(days)).unwrap();
        app.data(
            CREATE,
            json!({ "input": { "partnerId": partner, "kind": "COOPERATION_AGREEMENT", "title": title,
                "status": status, "validUntil": date(until) } }),
        )
        .await;
    }
    let query = "query($days: Int!) { agreements(filter: { expiresWithinDays: $days }) {
        totalCount edges { node { title } } } }";
    let data = app.data(query, json!({ "days": 30 })).await;
    assert_eq!(data["agreements"]["totalCount"], 1);
    assert_eq!(data["agreements"]["edges"][0]["node"]["title"], "Ends in 10 days");
    let data = app.data(query, json!({ "days": 365 })).await;
    assert_eq!(data["agreements"]["totalCount"], 2, "drafts are not up for renewal");

    let data = app.data("{ agreements(filter: { status: DRAFT }) { totalCount } }", json!({})).await;
    assert_eq!(data["agreements"]["totalCount"], 1);
    app.error(query, json!({ "days": -1 }), "BAD_USER_INPUT").await;
    app.error(query, json!({ "days": 100_000 }), "BAD_USER_INPUT").await;
}

#[tokio::test]
async fn bad_agreement_input_is_rejected_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let partner = app.create_partner("National Library of Iran", "IR").await;
    let base = json!({ "partnerId": partner, "kind": "OTHER", "title": "Memorandum" });
    let with = |patch: serde_json::Value| {
        let mut input = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            input[k] = v.clone();
        }
        json!({ "input": input })
    };
    let unknown_partner = hamkor::graphql::id::encode(hamkor::graphql::id::NodeKind::Partner, 424_242).0;
    let cases = [
        (with(json!({ "validFrom": "2025-06-01", "validUntil": "2025-01-01" })), "BAD_USER_INPUT", "validUntil"),
        (with(json!({ "status": "EXPIRED" })), "BAD_USER_INPUT", "status"),
        (with(json!({ "title": "" })), "BAD_USER_INPUT", "title"),
        (with(json!({ "title": "t".repeat(501) })), "BAD_USER_INPUT", "title"),
        (with(json!({ "scope": "s".repeat(10_001) })), "BAD_USER_INPUT", "scope"),
        (with(json!({ "partnerId": "garbage" })), "BAD_USER_INPUT", "partnerId"),
        (with(json!({ "partnerId": unknown_partner })), "BAD_USER_INPUT", "partnerId"),
    ];
    for (variables, code, field) in cases {
        let error = app.error(CREATE, variables.clone(), code).await;
        assert_eq!(error["extensions"]["field"], field, "{variables}");
    }
    // A date that is not a date is rejected by the schema itself.
    app.error(CREATE, with(json!({ "validFrom": "2025-13-45" })), "BAD_USER_INPUT").await;
    assert_eq!(app.count("agreements").await, 0);

    // An update is validated against what is stored: a new end before the stored start.
    let created = app.data(CREATE, with(json!({ "validFrom": "2025-01-01", "validUntil": "2026-01-01" }))).await;
    let id = created["createAgreement"]["id"].as_str().unwrap();
    let error = app
        .error(
            "mutation($input: UpdateAgreementInput!) { updateAgreement(input: $input) { id } }",
            json!({ "input": { "id": id, "validUntil": "2024-12-31" } }),
            "BAD_USER_INPUT",
        )
        .await;
    assert_eq!(error["extensions"]["field"], "validUntil");
    let until: chrono::NaiveDate =
        sqlx::query_scalar("SELECT valid_until FROM agreements").fetch_one(&app.pool).await.unwrap();
    assert_eq!(date(until), "2026-01-01");

    // A second agreement with the same title for the same partner is a conflict.
    app.error(CREATE, with(json!({ "title": "MEMORANDUM" })), "CONFLICT").await;
}

#[tokio::test]
async fn a_partner_lists_its_agreements_newest_first() {
    let app = TestApp::spawn().await;
    let partner = app.create_partner("National Library of Kazakhstan", "KZ").await;
    for (title, signed) in [("Older", "2019-05-01"), ("Newer", "2024-09-15")] {
        app.data(
            CREATE,
            json!({ "input": { "partnerId": partner, "kind": "EXCHANGE_AGREEMENT", "title": title, "signedOn": signed } }),
        )
        .await;
    }
    let data = app
        .data(
            "query($id: ID!) { partner(id: $id) { agreements { totalCount edges { node { title kind } } } } }",
            json!({ "id": partner }),
        )
        .await;
    let agreements = &data["partner"]["agreements"];
    assert_eq!(agreements["totalCount"], 2);
    assert_eq!(agreements["edges"][0]["node"]["title"], "Newer");
    assert_eq!(agreements["edges"][1]["node"]["kind"], "EXCHANGE_AGREEMENT");
}

/// "Today" is the office's day, not the database server's: the pool works in the configured
/// zone, so near midnight UTC an agreement expires on the office's calendar.
#[tokio::test]
async fn today_is_the_day_in_the_configured_time_zone() {
    // POSIX names: Etc/GMT-14 is UTC+14 and Etc/GMT+12 is UTC-12, so at any moment at least
    // one of them is on a different calendar day from UTC.
    for (zone, offset_hours) in [("Etc/GMT-14", 14), ("Etc/GMT+12", -12), ("Asia/Tashkent", 5)] {
        let settings = hamkor::db::PoolSettings { max_connections: 2, timezone: zone.into() };
        let (pool, _) = crate::support::fresh_database_with(&settings).await;
        let before = (Utc::now() + chrono::Duration::hours(offset_hours)).date_naive();
        let today: chrono::NaiveDate = sqlx::query_scalar("SELECT current_date").fetch_one(&pool).await.unwrap();
        let after = (Utc::now() + chrono::Duration::hours(offset_hours)).date_naive();
        assert!(today == before || today == after, "{zone}: the database says {today}, the zone says {before}");
        let shown: String = sqlx::query_scalar("SHOW TimeZone").fetch_one(&pool).await.unwrap();
        assert_eq!(shown, zone);
    }
}
