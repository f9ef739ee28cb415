//! The test harness: one throwaway PostgreSQL per test run (started by the same code as
//! `hamkor serve`, unless DATABASE_URL names a server), a migrated template database, and
//! for each test a fresh database cloned from it and the real service on a real port.

use std::str::FromStr;
use std::sync::OnceLock;

use hamkor::app::{self, AppState};
use hamkor::db::cluster::{ClusterOptions, EmbeddedCluster};
use hamkor::token::TokenDraft;
pub use hamkor::token::TokenRole;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgPool};

struct Server {
    /// Connects as a superuser; the database name is set per use.
    options: PgConnectOptions,
    template: String,
    /// Whether pg_stat_statements is loaded (statement-count tests need it).
    statement_stats: bool,
}

static SERVER: OnceLock<Server> = OnceLock::new();

/// Runs async set-up on a runtime of its own: each `#[tokio::test]` has its own runtime, and
/// what is shared between tests must not belong to any one of them.
fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime").block_on(future)
}

fn server() -> &'static Server {
    SERVER.get_or_init(|| {
        std::thread::spawn(|| block_on(start_server())).join().expect("the test PostgreSQL could not be set up")
    })
}

async fn start_server() -> Server {
    let options = match std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) {
        Some(url) => PgConnectOptions::from_str(&url).expect("DATABASE_URL is a PostgreSQL URL"),
        None => {
            let dir = tempfile::Builder::new().prefix("hamkor-test-").tempdir().expect("a temporary directory");
            let dir = dir.keep();
            let cluster = EmbeddedCluster::acquire(&dir, ClusterOptions { durable: false })
                .await
                .expect("the embedded PostgreSQL starts");
            let options = cluster.connect_options("postgres");
            cluster.stop_when_process_exits(true);
            options
        }
    };
    let template = format!("hamkor_template_{}", std::process::id());
    let mut admin = options.clone().database("postgres").connect().await.expect("connect to the test server");
    sqlx::query(&format!("DROP DATABASE IF EXISTS {template}")).execute(&mut admin).await.expect("drop template");
    sqlx::query(&format!("CREATE DATABASE {template}")).execute(&mut admin).await.expect("create template");
    admin.close().await.ok();

    let mut conn = options.clone().database(&template).connect().await.expect("connect to the template");
    hamkor::db::MIGRATOR.run(&mut conn).await.expect("migrations apply");
    let statement_stats =
        sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements").execute(&mut conn).await.is_ok();
    conn.close().await.ok();
    Server { options, template, statement_stats }
}

/// A fresh, migrated database of its own for one test.
pub async fn fresh_database() -> (PgPool, String) {
    fresh_database_with(&hamkor::db::PoolSettings { max_connections: 8, ..Default::default() }).await
}

/// A fresh, migrated database whose pool is made with the service's own `settings`.
pub async fn fresh_database_with(settings: &hamkor::db::PoolSettings) -> (PgPool, String) {
    let server = server();
    let name = format!("hamkor_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = server.options.clone().database("postgres").connect().await.expect("connect to the test server");
    sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE {}", server.template))
        .execute(&mut admin)
        .await
        .expect("clone the template database");
    admin.close().await.ok();
    let pool = hamkor::db::pool_options(settings)
        .connect_with(server.options.clone().database(&name))
        .await
        .expect("connect to the test database");
    (pool, name)
}

pub fn statement_stats_available() -> bool {
    server().statement_stats
}

/// DATABASE_URL for child processes: the test database the pool is connected to.
pub fn database_url(pool: &PgPool) -> String {
    let options = pool.connect_options();
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    match options.get_socket() {
        // `postgres:///DB?host=/socket/dir`: the Unix socket the test server listens on.
        Some(socket) => format!(
            "postgres:///{}?host={}&port={}&user={}&sslmode=disable",
            encode(options.get_database().expect("the test pool names its database")),
            encode(&socket.to_string_lossy()),
            options.get_port(),
            encode(options.get_username()),
        ),
        // A TCP server named by the DATABASE_URL the tests run with (keeps its password).
        None => options.to_url_lossy().to_string(),
    }
}

/// The name of the administrator token every [`TestApp`] sends by default: the actor its
/// changes are recorded under.
pub const ADMIN_NAME: &str = "test admin";

/// Stores a token straight in the database; returns the bearer string.
pub async fn create_token(pool: &PgPool, role: TokenRole, partner_id: Option<i64>, name: &str) -> String {
    let draft = TokenDraft { name: name.to_owned(), role, partner_id, expires_on: None };
    let mut conn = pool.acquire().await.expect("a connection");
    hamkor::token::create(&mut conn, &draft).await.expect("the token is created").1
}

/// Where this test process keeps its search indexes: one directory per process under
/// `hamkor-test-indexes` in the temporary directory. Each test removes its own index when it
/// ends, but a writer still finishing its first build can write into the removed directory;
/// so each run also removes what processes that are gone left behind.
fn index_parent() -> &'static std::path::Path {
    static PARENT: OnceLock<std::path::PathBuf> = OnceLock::new();
    PARENT.get_or_init(|| {
        let base = std::env::temp_dir().join("hamkor-test-indexes");
        std::fs::create_dir_all(&base).expect("the directory of the test indexes");
        for entry in std::fs::read_dir(&base).into_iter().flatten().flatten() {
            let gone = entry
                .file_name()
                .to_str()
                .and_then(|name| name.parse::<u32>().ok())
                .is_some_and(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists());
            if gone {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        let mine = base.join(std::process::id().to_string());
        std::fs::create_dir_all(&mine).expect("this process's directory of test indexes");
        mine
    })
}

/// The service, running on a real port against its own database.
pub struct TestApp {
    pub base: String,
    pub pool: PgPool,
    pub search: hamkor::search::SearchIndex,
    pub client: reqwest::Client,
    /// The bearer token `gql` sends: an administrator's, named [`ADMIN_NAME`].
    pub admin: String,
    _shutdown: tokio::sync::oneshot::Sender<()>,
    _stop_search: tokio::sync::watch::Sender<bool>,
    _index_dir: tempfile::TempDir,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        let (pool, _) = fresh_database().await;
        Self::spawn_on(pool).await
    }

    /// With the seed content loaded.
    pub async fn seeded() -> TestApp {
        let app = Self::spawn().await;
        hamkor::seed::seed(&app.pool).await.expect("the seed loads");
        app
    }

    pub async fn spawn_on(pool: PgPool) -> TestApp {
        Self::spawn_with(pool, |state| state).await
    }

    /// With its own search index in a temporary directory; `configure` adjusts the state.
    pub async fn spawn_with(pool: PgPool, configure: impl FnOnce(AppState) -> AppState) -> TestApp {
        let index_dir =
            tempfile::Builder::new().prefix("index-").tempdir_in(index_parent()).expect("a temporary directory");
        let (stop_search, search_stopped) = tokio::sync::watch::channel(false);
        let search = hamkor::search::SearchIndex::open(pool.clone(), index_dir.path().to_path_buf(), search_stopped)
            .await
            .expect("the search index opens");
        let state = configure(AppState::new(pool.clone(), search.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a port");
        let base = format!("http://{}", listener.local_addr().expect("a local address"));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = app::serve(listener, state, async {
                let _ = rx.await;
            })
            .await;
        });
        let admin = create_token(&pool, TokenRole::Admin, None, ADMIN_NAME).await;
        TestApp {
            base,
            pool,
            search,
            client: reqwest::Client::new(),
            admin,
            _shutdown: tx,
            _stop_search: stop_search,
            _index_dir: index_dir,
        }
    }

    /// Waits until the search index has applied every change committed so far.
    pub async fn indexed(&self) {
        let now: String = sqlx::query_scalar("SELECT pg_current_xact_id()::text")
            .fetch_one(&self.pool)
            .await
            .expect("a transaction id");
        let now: u64 = now.parse().expect("a number");
        let mut applied = self.search.applied();
        tokio::time::timeout(std::time::Duration::from_secs(30), applied.wait_for(|watermark| *watermark > now))
            .await
            .expect("the search index catches up within 30 s")
            .expect("the search index writer is running");
    }

    pub fn graphql_url(&self) -> String {
        format!("{}/graphql", self.base)
    }

    /// POSTs a GraphQL request as the administrator and returns the whole response body;
    /// the HTTP status must be 200.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        self.gql_as(Some(&self.admin), query, variables).await
    }

    /// POSTs a GraphQL request with `bearer` (anonymous for `None`); the status must be 200.
    pub async fn gql_as(&self, bearer: Option<&str>, query: &str, variables: Value) -> Value {
        let (status, body) = self.post_as(bearer, query, variables).await;
        assert_eq!(status, StatusCode::OK, "HTTP status: {body:#}");
        body
    }

    /// POSTs a GraphQL request with `bearer`; returns the status and the body.
    pub async fn post_as(&self, bearer: Option<&str>, query: &str, variables: Value) -> (StatusCode, Value) {
        let mut request = self
            .client
            .post(self.graphql_url())
            .header("content-type", "application/json")
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(bearer) = bearer {
            request = request.bearer_auth(bearer);
        }
        let response = request.send().await.expect("the request is sent");
        let status = response.status();
        (status, response.json().await.expect("a JSON body"))
    }

    /// A new token of `role` (a partner token acts for `partner`, a global id).
    pub async fn token(&self, role: TokenRole, partner: Option<&str>, name: &str) -> String {
        let partner = partner.map(|id| {
            hamkor::global_id::decode_as("partner", id, hamkor::global_id::NodeKind::Partner).expect("a partner id")
        });
        create_token(&self.pool, role, partner, name).await
    }

    /// Like [`gql`](Self::gql), and asserts that there are no errors; returns `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.gql(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// Asserts that the request fails with exactly one error of `code` and returns that error.
    pub async fn error(&self, query: &str, variables: Value, code: &str) -> Value {
        let body = self.gql(query, variables).await;
        let errors = body["errors"].as_array().unwrap_or_else(|| panic!("expected errors, got {body:#}"));
        assert_eq!(errors.len(), 1, "exactly one error: {body:#}");
        assert_eq!(errors[0]["extensions"]["code"], code, "error code: {body:#}");
        errors[0].clone()
    }

    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(&self.pool).await.expect("count rows")
    }

    /// Creates a partner through the API and returns its global id.
    pub async fn create_partner(&self, english_name: &str, country: &str) -> String {
        let data = self
            .data(
                "mutation($input: CreatePartnerInput!) { createPartner(input: $input) { id } }",
                json!({ "input": {
                    "kind": "NATIONAL_LIBRARY", "country": country,
                    "names": [{ "lang": "en", "value": english_name }]
                }}),
            )
            .await;
        data["createPartner"]["id"].as_str().expect("an id").to_owned()
    }
}
