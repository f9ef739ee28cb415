//! A failing database, and a closed terminal: the real `hamkor serve` answers an outage
//! with a code and a bounded log, recovers by itself, starts its own PostgreSQL again when
//! it dies, and never panics on a closed stdout or stderr.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use hamkor::db::cluster::{ClusterOptions, EmbeddedCluster};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::processes::{ChildGuard, READY_PREFIX, Serve, TIMEOUT, exits_soon, hamkor, process_alive};

/// A data directory the `postgres` user can reach (as the embedded cluster requires).
fn data_dir() -> tempfile::TempDir {
    let dir = tempfile::Builder::new().prefix("hamkor-outage-").tempdir().expect("a temporary directory");
    std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    dir
}

async fn graphql(serve: &Serve, query: &str) -> (StatusCode, Value) {
    let response = serve.client.post(format!("{}/graphql", serve.base)).json(&json!({ "query": query })).send().await;
    let response = response.expect("the server answers");
    let status = response.status();
    (status, response.json().await.expect("a JSON body"))
}

async fn readiness(serve: &Serve) -> StatusCode {
    serve.client.get(format!("{}/readyz", serve.base)).send().await.expect("the server answers").status()
}

/// Polls `probe` every 100 ms until it is true or `timeout` passes.
async fn eventually<F, Fut>(timeout: Duration, mut probe: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if probe().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// The log lines that are not one request's own line.
fn log_lines_besides_requests(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|line| !line.contains(r#""message":"request""#)).collect()
}

fn database_url(cluster: &EmbeddedCluster) -> String {
    format!(
        "postgres://{}@localhost:5432/{}?host={}",
        hamkor::db::cluster::SUPERUSER,
        "hamkor",
        cluster.socket_dir().display()
    )
}

/// A PostgreSQL cluster in `dir` that the test stops and starts, and `hamkor serve` using it
/// as an external database (so that serve does not restart it by itself).
async fn serve_on_own_cluster(dir: &tempfile::TempDir) -> (PathBuf, EmbeddedCluster, Serve) {
    let cluster_dir = dir.path().join("db");
    std::fs::create_dir_all(&cluster_dir).unwrap();
    let cluster = EmbeddedCluster::acquire(&cluster_dir, ClusterOptions { durable: false }).await.expect("a cluster");
    let mut command = hamkor(&dir.path().join("serve"), &["serve", "--listen", "127.0.0.1:0", "--log-format", "json"]);
    command.env("DATABASE_URL", database_url(&cluster)).arg("--index-dir").arg(dir.path().join("index"));
    let serve = tokio::task::spawn_blocking(move || Serve::start(command, "hamkor serve")).await.unwrap();
    (cluster_dir, cluster, serve)
}

#[tokio::test]
async fn a_database_outage_is_answered_with_a_code_logged_briefly_and_recovered_from() {
    let dir = data_dir();
    let (cluster_dir, cluster, serve) = serve_on_own_cluster(&dir).await;
    assert_eq!(graphql(&serve, "{ partners { totalCount } }").await.1["data"]["partners"]["totalCount"], 0);

    // The outage: the server is stopped (this test is its only registered user).
    cluster.release().await.expect("the cluster stops");
    let logged_before = log_lines_besides_requests(&serve.stderr()).len();
    let refused_fast = eventually(Duration::from_secs(30), || async {
        let (status, body) = graphql(&serve, "{ partners { totalCount } }").await;
        status == StatusCode::SERVICE_UNAVAILABLE && body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    })
    .await;
    assert!(refused_fast, "requests fail fast with SERVICE_UNAVAILABLE; stderr:\n{}", serve.stderr());
    assert_eq!(readiness(&serve).await, StatusCode::SERVICE_UNAVAILABLE);
    // Introspection needs no database.
    let (status, body) = graphql(&serve, "{ __schema { queryType { name } } }").await;
    assert_eq!((status, &body["data"]["__schema"]["queryType"]["name"]), (StatusCode::OK, &json!("Query")));
    // A few seconds of outage, with requests coming in.
    for _ in 0..20 {
        graphql(&serve, "{ partners { totalCount } }").await;
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    // The database comes back; the server follows by itself.
    let cluster = EmbeddedCluster::acquire(&cluster_dir, ClusterOptions { durable: false }).await.expect("restarted");
    let recovered = eventually(Duration::from_secs(30), || async {
        let (status, body) = graphql(&serve, "{ partners { totalCount } }").await;
        status == StatusCode::OK && body.get("errors").is_none()
    })
    .await;
    assert!(recovered, "the server recovers without a restart; stderr:\n{}", serve.stderr());
    assert_eq!(readiness(&serve).await, StatusCode::OK);
    let stderr = serve.stderr();
    let during = log_lines_besides_requests(&stderr).len() - logged_before;
    assert!(during < 20, "{during} log lines for the outage:\n{stderr}");
    assert!(stderr.contains("the database is unreachable"), "{stderr}");
    assert!(stderr.contains("the database answers again"), "{stderr}");

    tokio::task::spawn_blocking(move || serve.terminate()).await.unwrap();
    cluster.release().await.expect("the cluster stops");
}

/// Pooled connections are not pinged before each statement: after the server restarts
/// quickly (perhaps between two of the health watcher's probes), the first request that
/// meets a dead connection fails with a code, and every connection made before it is
/// replaced, so the requests after it all succeed.
#[tokio::test]
async fn a_quick_database_restart_costs_at_most_one_request() {
    let dir = data_dir();
    let (cluster_dir, cluster, serve) = serve_on_own_cluster(&dir).await;
    // Several connections in the pool, all idle afterwards: root fields run at once, each on
    // a connection of its own.
    let wide = "{ a: partners { totalCount } b: agreements { totalCount } c: projects { totalCount } \
                d: documents { totalCount } e: partners(first: 1) { totalCount } }";
    for (status, body) in futures_util::future::join_all((0..8).map(|_| graphql(&serve, wide))).await {
        assert!(status == StatusCode::OK && body.get("errors").is_none(), "{body}");
    }

    cluster.release().await.expect("the cluster stops");
    let cluster = EmbeddedCluster::acquire(&cluster_dir, ClusterOptions { durable: false }).await.expect("restarted");
    let mut failed = Vec::new();
    for _ in 0..12 {
        let (status, body) = graphql(&serve, "{ partners { totalCount } }").await;
        if status != StatusCode::OK || body.get("errors").is_some() {
            assert_eq!(body["errors"][0]["extensions"]["code"], "SERVICE_UNAVAILABLE", "{body}");
            failed.push(body);
        }
    }
    assert!(failed.len() <= 1, "{} requests failed after the restart: {failed:?}", failed.len());

    tokio::task::spawn_blocking(move || serve.terminate()).await.unwrap();
    cluster.release().await.expect("the cluster stops");
}

/// A plain HTTP/1.1 POST over a socket, for a test that has no async runtime.
fn post_graphql(address: &str, body: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("a timeout");
    write!(
        stream,
        "POST /graphql HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

fn postmaster_pid(data_dir: &Path) -> Option<i32> {
    let text = std::fs::read_to_string(data_dir.join("postgres").join("postmaster.pid")).ok()?;
    text.lines().next()?.trim().parse().ok()
}

#[tokio::test]
async fn a_killed_embedded_postgres_is_started_again() {
    let dir = data_dir();
    let data: PathBuf = dir.path().join("data");
    let mut command = hamkor(&data, &["serve", "--listen", "127.0.0.1:0", "--log-format", "json"]);
    command.arg("--index-dir").arg(dir.path().join("index"));
    let serve = tokio::task::spawn_blocking(move || Serve::start(command, "hamkor serve")).await.unwrap();
    let first = postmaster_pid(&data).expect("the embedded PostgreSQL runs");

    kill(Pid::from_raw(first), Signal::SIGKILL).expect("SIGKILL to the postmaster");
    let restarted = eventually(Duration::from_secs(60), || async {
        postmaster_pid(&data).is_some_and(|pid| pid != first && process_alive(pid))
            && graphql(&serve, "{ partners { totalCount } }").await.1.get("errors").is_none()
    })
    .await;
    assert!(restarted, "the embedded PostgreSQL is started again; stderr:\n{}", serve.stderr());
    assert!(serve.stderr().contains("started it again"), "{}", serve.stderr());
    assert_eq!(readiness(&serve).await, StatusCode::OK);

    tokio::task::spawn_blocking(move || serve.terminate()).await.unwrap();
    let stopped = postmaster_pid(&data).is_none_or(exits_soon);
    assert!(stopped, "the last user out stops the embedded PostgreSQL");
}

#[test]
fn a_closed_stdout_and_stderr_never_crash_the_server_and_the_database_still_stops() {
    let dir = data_dir();
    let data = dir.path().join("data");
    let mut command = hamkor(&data, &["serve", "--listen", "127.0.0.1:0"]);
    command.arg("--index-dir").arg(dir.path().join("index")).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut guard = ChildGuard::spawn(command, "hamkor serve");
    let stdout = guard.child.stdout.take().expect("piped stdout");
    let stderr = guard.child.stderr.take().expect("piped stderr");
    let mut ready = String::new();
    let mut reader = BufReader::new(stdout);
    let deadline = Instant::now() + TIMEOUT;
    while !ready.starts_with(READY_PREFIX) {
        ready.clear();
        assert!(reader.read_line(&mut ready).expect("stdout") > 0, "serve exited before it was ready");
        assert!(Instant::now() < deadline, "serve was not ready in time");
    }
    let address = ready.trim().strip_prefix(READY_PREFIX).and_then(|a| a.strip_suffix("/graphql")).expect("an address");
    let pid = postmaster_pid(&data).expect("the embedded PostgreSQL runs");

    // Like `hamkor serve 2>&1 | tee log` when Ctrl-C stops tee: both pipes close.
    drop(reader);
    drop(stderr);
    // A request writes a log line to the closed stderr.
    let answer = post_graphql(address, r#"{"query":"{ __typename }"}"#);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    kill(guard.pid(), Signal::SIGINT).expect("SIGINT");
    let exit = guard.wait_timeout(TIMEOUT).expect("serve exits after SIGINT");
    assert!(exit.success(), "serve exits cleanly with its pipes closed: {exit}");
    assert!(exits_soon(pid), "the embedded PostgreSQL is stopped on the way out");
}
