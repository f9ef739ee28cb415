//! Tokens from creation to revocation, and the audit trail they sign.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::processes::{hamkor, run_command};
use crate::support::{TestApp, TokenRole, database_url};

const CREATE_PARTNER: &str =
    "mutation($n: String!) { createPartner(input: { kind: COMPANY, names: [{ lang: \"en\", value: $n }] }) { id } }";

/// `hamkor ARGS` against the app's database; returns its stdout (it must succeed).
fn cli(app: &TestApp, work: &std::path::Path, args: &[&str]) -> String {
    let mut command = hamkor(&work.join("data"), args);
    command.env("DATABASE_URL", database_url(&app.pool));
    let outcome = run_command(command, &format!("hamkor {}", args.join(" ")));
    outcome.assert_success(&args.join(" "));
    outcome.stdout
}

fn printed_token(stdout: &str) -> String {
    stdout
        .lines()
        .map(str::trim)
        .find(|line| line.starts_with("hamkor_"))
        .unwrap_or_else(|| panic!("no token printed:\n{stdout}"))
        .to_owned()
}

#[track_caller]
fn assert_unauthenticated(status: StatusCode, body: &Value) {
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body:#}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{body:#}");
}

#[tokio::test]
async fn a_token_is_created_used_listed_and_revoked_from_the_command_line() {
    let app = TestApp::spawn().await;
    let work = tempfile::Builder::new().prefix("hamkor-tokens-").tempdir().unwrap();
    let printed = cli(&app, work.path(), &["token", "create", "--role", "staff", "--name", "Archive desk"]);
    let bearer = printed_token(&printed);

    // It works, and changes are signed with its name.
    let body = app.gql_as(Some(&bearer), CREATE_PARTNER, json!({ "n": "Asia Foundation" })).await;
    let partner = body["data"]["createPartner"]["id"].as_str().unwrap_or_else(|| panic!("{body:#}")).to_owned();
    let events = app
        .data("query($o: ID!) { auditEvents(filter: { objectId: $o }) { edges { node { actor role operation outcome } } } }", json!({ "o": partner }))
        .await;
    assert_eq!(
        events["auditEvents"]["edges"][0]["node"],
        json!({ "actor": "Archive desk", "role": "staff", "operation": "createPartner", "outcome": "OK" })
    );

    // Listed without its secret; the secret is nowhere in the database.
    let listed = cli(&app, work.path(), &["token", "list"]);
    assert!(listed.contains("Archive desk") && listed.contains("staff"), "{listed}");
    let secret = bearer.rsplit('_').next().unwrap();
    assert!(!listed.contains(secret), "{listed}");
    let everything: String = sqlx::query_scalar(
        "SELECT concat_ws(' ', (SELECT string_agg(t::text, ' ') FROM api_tokens t), (SELECT string_agg(e::text, ' ') FROM audit_events e))",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(!everything.contains(secret), "the secret is not stored");

    // Revoked: refused from then on (the server hears of it through a notification).
    let revoked = cli(&app, work.path(), &["token", "revoke", "Archive desk"]);
    assert!(revoked.contains("revoked token"), "{revoked}");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (status, body) = app.post_as(Some(&bearer), "{ __typename }", json!({})).await;
        if status == StatusCode::UNAUTHORIZED {
            assert_unauthenticated(status, &body);
            break;
        }
        assert!(Instant::now() < deadline, "the revoked token still works: {body:#}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let kinds: Vec<String> = sqlx::query_scalar("SELECT operation FROM audit_events WHERE role = 'cli' ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(kinds, ["createToken", "revokeToken"], "the command line's changes are audited too");
}

#[tokio::test]
async fn a_partner_token_names_its_partner() {
    let app = TestApp::spawn().await;
    let partner = app.create_partner("National Library of Latvia", "LV").await;
    let work = tempfile::Builder::new().prefix("hamkor-tokens-").tempdir().unwrap();
    let bearer = printed_token(&cli(
        &app,
        work.path(),
        &["token", "create", "--role", "partner", "--partner", &partner, "--name", "Riga portal"],
    ));
    let data = app.gql_as(Some(&bearer), "{ exchanges { totalCount } }", json!({})).await;
    assert_eq!(data["data"]["exchanges"]["totalCount"], 0, "{data:#}");
    let mut command =
        hamkor(&work.path().join("data"), &["token", "create", "--role", "partner", "--name", "Nobody's portal"]);
    command.env("DATABASE_URL", database_url(&app.pool));
    let outcome = run_command(command, "token create without a partner");
    assert!(!outcome.status.success(), "a partner token needs its partner");
    assert!(outcome.stderr.contains("partner"), "{}", outcome.stderr);
}

#[tokio::test]
async fn wrong_expired_and_malformed_tokens_are_refused_never_anonymous() {
    let app = TestApp::spawn().await;
    let valid = app.token(TokenRole::Staff, None, "desk").await;
    let (id, secret) = valid.strip_prefix("hamkor_").and_then(|t| t.split_once('_')).unwrap();
    let other_secret = "A".repeat(secret.len());
    let expired = {
        let draft = hamkor::token::TokenDraft {
            name: "last year".into(),
            role: TokenRole::Staff,
            partner_id: None,
            expires_on: Some(chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()),
        };
        let mut conn = app.pool.acquire().await.unwrap();
        hamkor::token::create(&mut conn, &draft).await.unwrap().1
    };
    for header in [
        "Bearer garbage".to_owned(),
        "Basic dXNlcjpwYXNz".to_owned(),
        format!("Bearer hamkor_999999_{secret}"),
        format!("Bearer hamkor_{id}_{other_secret}"),
        format!("Bearer {expired}"),
        "Bearer ".to_owned(),
    ] {
        let response = app
            .client
            .post(app.graphql_url())
            .header("authorization", &header)
            .json(&json!({ "query": "{ partners { totalCount } }" }))
            .send()
            .await
            .unwrap();
        let challenge = response.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_owned());
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_unauthenticated(status, &body);
        assert!(challenge.is_some_and(|c| c.starts_with("Bearer")), "{header}");
    }
    let (status, _) = app.post_as(Some(&valid), "{ partners { totalCount } }", json!({})).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn tokens_are_checked_without_a_database_round_trip_per_request() {
    assert!(crate::support::statement_stats_available(), "this test needs pg_stat_statements");
    let app = TestApp::spawn().await;
    let staff = app.token(TokenRole::Staff, None, "desk").await;
    // The server forgets its cached tokens when its change listener connects and when the
    // notice of the token's creation reaches it, both at moments of their own after start:
    // either can cost one lookup in a round. A cache that works leaves a round of 20
    // requests without any; one that does not looks up in every round.
    let mut rounds = Vec::new();
    for _ in 0..3 {
        app.post_as(Some(&staff), "{ __typename }", json!({})).await;
        sqlx::query(
            "SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)",
        )
        .execute(&app.pool)
        .await
        .unwrap();
        for _ in 0..20 {
            let (status, _) = app.post_as(Some(&staff), "{ __typename }", json!({})).await;
            assert_eq!(status, StatusCode::OK);
        }
        let lookups: i64 = sqlx::query_scalar(
            "SELECT COALESCE(sum(calls), 0)::bigint FROM pg_stat_statements
             WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query ILIKE '%FROM api_tokens%'",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap();
        rounds.push(lookups);
        if lookups == 0 {
            break;
        }
    }
    assert_eq!(
        rounds.last(),
        Some(&0),
        "20 requests, no token lookups: the token is cached (lookups per round: {rounds:?})"
    );
    assert!(rounds.iter().all(|&n| n <= 2), "at most the two forgettings cost a lookup: {rounds:?}");
}

#[tokio::test]
async fn administrators_create_and_revoke_tokens_through_the_api() {
    let app = TestApp::spawn().await;
    let created = app
        .data("mutation { createToken(input: { name: \"Tbilisi portal\", role: STAFF }) { secret token { id name role active } } }", json!({}))
        .await;
    let secret = created["createToken"]["secret"].as_str().unwrap().to_owned();
    assert_eq!(created["createToken"]["token"]["active"], true);
    assert_eq!(app.post_as(Some(&secret), "{ __typename }", json!({})).await.0, StatusCode::OK);
    let listed = app.data("{ tokens { totalCount edges { node { name role } } } }", json!({})).await;
    assert_eq!(listed["tokens"]["totalCount"], 2, "the test's own administrator and the new one");
    let id = created["createToken"]["token"]["id"].clone();
    app.data("mutation($id: ID!) { revokeToken(id: $id) { active } }", json!({ "id": id })).await;
    // Refused at once: this server forgets its cached tokens when one is revoked here.
    let (status, body) = app.post_as(Some(&secret), "{ __typename }", json!({})).await;
    assert_unauthenticated(status, &body);
}

#[tokio::test]
async fn the_audit_trail_keeps_every_change_with_it_and_no_change_without_it() {
    let app = TestApp::spawn().await;
    let staff = app.token(TokenRole::Staff, None, "desk").await;

    // A change and its row are written together...
    let body = app.gql_as(Some(&staff), CREATE_PARTNER, json!({ "n": "Goethe-Institut Taschkent" })).await;
    let partner = body["data"]["createPartner"]["id"].as_str().unwrap().to_owned();
    // ...and a change that fails half-way leaves neither a change nor an `ok` row: the
    // project is inserted, then its partner is found missing, and all is rolled back.
    let missing = hamkor::global_id::encode(hamkor::global_id::NodeKind::Partner, 999_999);
    let body = app
        .gql_as(
            Some(&staff),
            "mutation($p: ID!) { createProject(input: { kind: OTHER, title: \"Half a project\", partners: [{ partnerId: $p, role: LEAD }] }) { id } }",
            json!({ "p": missing }),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body:#}");
    assert_eq!(app.count("projects").await, 0);
    // A refusal is recorded as one.
    app.gql_as(None, CREATE_PARTNER, json!({ "n": "Anonymous" })).await;

    let events = app
        .data("{ auditEvents { totalCount edges { node { actor role operation outcome objectIds detail address tokenId } } } }", json!({}))
        .await;
    let rows: Vec<&Value> = events["auditEvents"]["edges"].as_array().unwrap().iter().map(|e| &e["node"]).collect();
    let summary: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["operation"].as_str().unwrap().into(),
                r["outcome"].as_str().unwrap().into(),
                r["actor"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("createPartner".into(), "DENIED".into(), "anonymous".into()),
            ("createProject".into(), "FAILED".into(), "desk".into()),
            ("createPartner".into(), "OK".into(), "desk".into()),
        ],
        "newest first"
    );
    assert_eq!(rows[2]["objectIds"], json!([partner]));
    assert!(rows[1]["detail"].as_str().is_some_and(|d| d.contains("partner")), "{:#}", rows[1]);
    assert_eq!(rows[2]["address"], "127.0.0.1", "administrators see where a change came from");
    assert!(rows[2]["tokenId"].is_string());

    // Staff read the trail without addresses; filters narrow it.
    let data = app
        .gql_as(
            Some(&staff),
            "query($o: ID!) { byObject: auditEvents(filter: { objectId: $o }) { totalCount edges { node { address } } }
                 byActor: auditEvents(filter: { actor: \"DESK\" }) { totalCount }
                 byOperation: auditEvents(filter: { operation: \"createProject\" }) { totalCount } }",
            json!({ "o": partner }),
        )
        .await;
    assert_eq!(data["data"]["byObject"]["totalCount"], 1, "{data:#}");
    assert_eq!(data["data"]["byObject"]["edges"][0]["node"]["address"], Value::Null);
    assert_eq!(data["data"]["byActor"]["totalCount"], 2);
    assert_eq!(data["data"]["byOperation"]["totalCount"], 1);

    // Append-only, whoever asks.
    for statement in ["UPDATE audit_events SET actor = 'someone else'", "DELETE FROM audit_events"] {
        let refused = sqlx::query(statement).execute(&app.pool).await;
        assert!(refused.is_err(), "{statement} is refused");
    }
    assert_eq!(app.count("audit_events").await, 3);
}
