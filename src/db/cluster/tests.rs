use std::future::Future;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};

use nix::sys::signal::kill;
use nix::unistd::Pid;

use super::binaries::{BinSearch, parse_major_version};
use super::layout::{MAX_SOCKET_PATH, RELOCATION_ROOT, path_hash};
use super::setup::conf_quote;
use super::*;

const TEST_TIMEOUT: Duration = Duration::from_secs(180);
const WATCHDOG_CHILD_ENV: &str = "HAMKOR_CLUSTER_WATCHDOG_CHILD";

fn test_options() -> ClusterOptions {
    ClusterOptions { durable: false }
}

/// tempfile makes 0700 directories, which the `postgres` user cannot
/// traverse when tests run as root; open it up so the ordinary layout is
/// exercised.
fn reachable_tempdir() -> tempfile::TempDir {
    let dir = tempfile::Builder::new().prefix("hamkor-cluster-test-").tempdir_in("/tmp").expect("create tempdir");
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).expect("chmod tempdir");
    dir
}

async fn bounded<T>(fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(TEST_TIMEOUT, fut).await.expect("test exceeded its time limit")
}

async fn select_one(cluster: &EmbeddedCluster, database: &str) -> i32 {
    let mut conn =
        PgConnection::connect_with(&cluster.connect_options(database)).await.expect("connect over the socket");
    let one: i32 = sqlx::query_scalar("SELECT 1").fetch_one(&mut conn).await.expect("SELECT 1");
    conn.close().await.expect("close");
    one
}

async fn show(cluster: &EmbeddedCluster, setting: &str) -> String {
    let mut conn = PgConnection::connect_with(&cluster.connect_options(DEFAULT_DATABASE)).await.expect("connect");
    let value: String = sqlx::query_scalar(&format!("SHOW {setting}")).fetch_one(&mut conn).await.expect("SHOW");
    conn.close().await.expect("close");
    value
}

fn postmaster_pid(cluster_dir: &Path) -> Option<i32> {
    fs::read_to_string(cluster_dir.join("postmaster.pid")).ok()?.lines().next()?.trim().parse().ok()
}

#[tokio::test]
async fn acquire_creates_starts_and_reuses_a_cluster() {
    let tmp = reachable_tempdir();
    let data = tmp.path().join("data");
    bounded(async {
        let cluster = EmbeddedCluster::acquire(&data, test_options()).await.expect("acquire");
        let cluster_dir = cluster.cluster_dir().to_path_buf();
        assert!(cluster_dir.join("PG_VERSION").is_file());
        assert!(cluster.socket_dir().join(SOCKET_FILE).exists());
        assert!(cluster.socket_dir().starts_with(fs::canonicalize(&data).unwrap()));
        assert_eq!(select_one(&cluster, DEFAULT_DATABASE).await, 1);
        assert_eq!(show(&cluster, "listen_addresses").await, "");
        assert_eq!(show(&cluster, "fsync").await, "off");
        assert_eq!(show(&cluster, "max_connections").await, "200");
        let packaged =
            PathBuf::from(format!("/usr/lib/postgresql/{}/lib/pg_stat_statements.so", cluster.server_major_version()));
        if packaged.exists() {
            assert!(cluster.bins.has_pg_stat_statements());
        }
        if cluster.bins.has_pg_stat_statements() {
            assert_eq!(show(&cluster, "shared_preload_libraries").await, "pg_stat_statements");
        }
        cluster.ensure_database("other db").await.expect("create");
        cluster.ensure_database("other db").await.expect("exists");
        assert_eq!(select_one(&cluster, "other db").await, 1);
        cluster.release().await.expect("release");
        assert_eq!(postmaster_pid(&cluster_dir), None, "server still running");

        // Second start: the existing cluster is reused, not re-created.
        let marker = cluster_dir.join("hamkor-test-marker");
        fs::write(&marker, "").unwrap();
        let cluster = EmbeddedCluster::acquire(&data, test_options()).await.expect("re-acquire");
        assert!(marker.exists());
        assert_eq!(select_one(&cluster, "other db").await, 1);
        cluster.release().await.expect("release");
        assert_eq!(postmaster_pid(&cluster_dir), None);
    })
    .await;
}

#[tokio::test]
async fn two_users_share_one_server_and_the_last_stops_it() {
    let tmp = reachable_tempdir();
    let data = tmp.path().join("data");
    bounded(async {
        // Concurrent first acquires race on initdb, start and CREATE DATABASE.
        let (a, b) = tokio::join!(
            EmbeddedCluster::acquire(&data, test_options()),
            EmbeddedCluster::acquire(&data, test_options())
        );
        let (a, b) = (a.expect("acquire a"), b.expect("acquire b"));
        let cluster_dir = a.cluster_dir().to_path_buf();
        let pid = postmaster_pid(&cluster_dir).expect("server running");
        assert_eq!(a.socket_dir(), b.socket_dir());
        assert_eq!(select_one(&a, DEFAULT_DATABASE).await, 1);

        a.release().await.expect("release a");
        assert_eq!(postmaster_pid(&cluster_dir), Some(pid), "stopped too early");
        assert_eq!(select_one(&b, DEFAULT_DATABASE).await, 1);

        b.release().await.expect("release b");
        assert_eq!(postmaster_pid(&cluster_dir), None, "server outlived its users");
        assert!(!b_socket(&data).exists());
    })
    .await;

    fn b_socket(data: &Path) -> PathBuf {
        data.join("run").join(SOCKET_FILE)
    }
}

#[tokio::test]
async fn dead_registrations_do_not_keep_the_server_alive() {
    let tmp = reachable_tempdir();
    let data = tmp.path().join("data");
    bounded(async {
        let cluster = EmbeddedCluster::acquire(&data, test_options()).await.expect("acquire");
        let cluster_dir = cluster.cluster_dir().to_path_buf();
        let users = cluster.layout.users_dir();

        let mut child = Command::new("true").spawn().expect("spawn true");
        let dead_pid = child.id();
        child.wait().expect("wait");
        fs::write(users.join(format!("{dead_pid}-0")), "").unwrap();
        // A live pid whose start time doesn't match: a recycled pid.
        fs::write(users.join(format!("{}-999999", std::process::id())), "1").unwrap();

        cluster.release().await.expect("release");
        assert_eq!(postmaster_pid(&cluster_dir), None, "server kept alive");
        assert_eq!(fs::read_dir(&users).unwrap().count(), 0);
    })
    .await;
}

#[tokio::test]
async fn a_crashed_server_is_restarted_by_the_next_user() {
    let tmp = reachable_tempdir();
    let data = tmp.path().join("data");
    bounded(async {
        let a = EmbeddedCluster::acquire(&data, test_options()).await.expect("acquire");
        let cluster_dir = a.cluster_dir().to_path_buf();
        let pid = postmaster_pid(&cluster_dir).expect("running");
        // Leaves postmaster.pid and the socket lock behind, like a crash.
        kill(Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL).unwrap();
        while kill(Pid::from_raw(pid), None).is_ok() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(postmaster_pid(&cluster_dir), Some(pid));

        let b = EmbeddedCluster::acquire(&data, test_options()).await.expect("acquire after crash");
        assert_ne!(postmaster_pid(&cluster_dir), Some(pid));
        assert_eq!(select_one(&a, DEFAULT_DATABASE).await, 1);
        a.release().await.expect("release a");
        b.release().await.expect("release b");
        assert_eq!(postmaster_pid(&cluster_dir), None);
    })
    .await;
}

#[tokio::test]
async fn dropping_without_release_still_releases() {
    let tmp = reachable_tempdir();
    let data = tmp.path().join("data");
    bounded(async {
        let cluster = EmbeddedCluster::acquire(&data, test_options()).await.expect("acquire");
        let cluster_dir = cluster.cluster_dir().to_path_buf();
        drop(cluster);
        assert_eq!(postmaster_pid(&cluster_dir), None);
    })
    .await;
}

#[tokio::test]
async fn long_data_dir_uses_a_short_socket_dir() {
    let tmp = reachable_tempdir();
    let data = tmp.path().join("x".repeat(60)).join("y".repeat(60));
    fs::create_dir_all(&data).unwrap();
    fs::set_permissions(data.parent().unwrap(), fs::Permissions::from_mode(0o755)).unwrap();
    bounded(async {
        let cluster = EmbeddedCluster::acquire(&data, test_options()).await.expect("acquire");
        let socket_dir = cluster.socket_dir().to_path_buf();
        assert!(socket_dir.starts_with("/tmp"), "{}", socket_dir.display());
        assert!(socket_dir.join(SOCKET_FILE).as_os_str().len() <= MAX_SOCKET_PATH);
        assert_eq!(select_one(&cluster, DEFAULT_DATABASE).await, 1);
        cluster.release().await.expect("release");
        assert!(!socket_dir.exists(), "fallback socket dir left behind");
    })
    .await;
}

/// Removes the relocated cluster even when the test fails.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn unreachable_data_dir_relocates_the_cluster() {
    if !nix::unistd::geteuid().is_root() {
        return; // relocation only concerns root
    }
    // Deliberately 0700 and root-owned, like a checkout under /root.
    let tmp = tempfile::Builder::new().prefix("hamkor-cluster-private-").tempdir_in("/tmp").expect("tempdir");
    fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o700)).unwrap();
    let data = tmp.path().join("data");
    fs::create_dir_all(&data).unwrap();
    let container = Path::new(RELOCATION_ROOT).join(path_hash(&fs::canonicalize(&data).unwrap()));
    let _cleanup = RemoveOnDrop(container.clone());
    bounded(async {
        let cluster = EmbeddedCluster::acquire(&data, test_options()).await.expect("acquire");
        let link = fs::read_link(data.join("postgres")).expect("postgres is a symlink");
        assert_eq!(link, container.join("data"));
        assert!(cluster.socket_dir().starts_with(&container));
        assert_eq!(select_one(&cluster, DEFAULT_DATABASE).await, 1);
        cluster.release().await.expect("release");
        assert_eq!(postmaster_pid(&container.join("data")), None);

        // Later runs follow the symlink to the same cluster.
        let cluster = EmbeddedCluster::acquire(&data, test_options()).await.expect("re-acquire");
        assert_eq!(cluster.cluster_dir(), container.join("data"));
        assert_eq!(select_one(&cluster, DEFAULT_DATABASE).await, 1);
        cluster.release().await.expect("release");
    })
    .await;
}

#[test]
fn missing_binaries_say_what_to_do() {
    let empty = tempfile::tempdir().unwrap();
    let search = BinSearch { explicit: Some(empty.path().to_path_buf()), ..BinSearch::default() };
    let err = search.find(None).expect_err("nothing to find");
    assert!(matches!(err, ClusterError::BinariesNotFound { .. }), "{err:?}");
    let text = err.to_string();
    for needle in [
        "HAMKOR_PG_BIN",
        "apt-get install postgresql",
        "dnf install postgresql-server",
        "brew install postgresql@16",
        "DATABASE_URL",
    ] {
        assert!(text.contains(needle), "{needle:?} missing from: {text}");
    }
    assert!(text.contains(&empty.path().display().to_string()), "{text}");

    let search = BinSearch {
        explicit: None,
        path: Some(empty.path().as_os_str().to_owned()),
        versioned_roots: vec![(empty.path().join("nope"), String::new())],
    };
    assert!(matches!(search.find(None), Err(ClusterError::BinariesNotFound { .. })));
}

fn fake_bin_dir(version_line: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for program in ["initdb", "pg_ctl"] {
        let path = dir.path().join(program);
        fs::write(&path, format!("#!/bin/sh\necho '{version_line}'\n")).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    }
    dir
}

#[test]
fn old_binaries_are_rejected_with_both_versions() {
    let old = fake_bin_dir("pg_ctl (PostgreSQL) 12.9");
    let search = BinSearch { explicit: Some(old.path().to_path_buf()), ..BinSearch::default() };
    let err = search.find(None).expect_err("too old");
    let text = err.to_string();
    assert!(matches!(err, ClusterError::VersionTooOld { .. }), "{err:?}");
    assert!(text.contains("version 12") && text.contains("14 or newer"), "{text}");
}

#[test]
fn search_order_prefers_path_then_highest_version_and_the_cluster_version() {
    let root = tempfile::tempdir().unwrap();
    let mk = |version: &str| {
        let bin = root.path().join(version).join("bin");
        fs::create_dir_all(&bin).unwrap();
        for program in ["initdb", "pg_ctl"] {
            let path = bin.join(program);
            fs::write(&path, format!("#!/bin/sh\necho 'pg_ctl (PostgreSQL) {version}.1'\n")).unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        }
        bin
    };
    let (v13, v15, v16) = (mk("13"), mk("15"), mk("16"));
    let search =
        BinSearch { explicit: None, path: None, versioned_roots: vec![(root.path().to_path_buf(), String::new())] };
    assert_eq!(search.find(None).unwrap().dir, v16);
    assert_eq!(search.find(Some(15)).unwrap().dir, v15);
    assert_eq!(search.find(Some(13)).unwrap().dir, v16, "13 is too old to prefer");
    let search = BinSearch { path: Some(v15.clone().into_os_string()), ..search };
    assert_eq!(search.find(None).unwrap().dir, v15);
    let _ = v13;
}

#[test]
fn version_parsing() {
    assert_eq!(parse_major_version("pg_ctl (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n"), Some(15));
    assert_eq!(parse_major_version("postgres (PostgreSQL) 17beta1"), Some(17));
    assert_eq!(parse_major_version("pg_ctl (PostgreSQL) 9.6.24"), Some(9));
    assert_eq!(parse_major_version("something else"), None);
}

#[test]
fn quoting() {
    assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    assert_eq!(conf_quote("it's"), "'it''s'");
    assert_eq!(path_hash(Path::new("/a")), path_hash(Path::new("/a")));
    assert_ne!(path_hash(Path::new("/a")), path_hash(Path::new("/b")));
}

/// Body of the child process in `watchdog_stops_the_server_when_the_process_dies`;
/// does nothing when run on its own.
#[test]
#[ignore = "helper process for another test"]
fn watchdog_child() {
    let Some(dir) = std::env::var_os(WATCHDOG_CHILD_ENV).map(PathBuf::from) else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let cluster = runtime.block_on(EmbeddedCluster::acquire(&dir.join("data"), test_options())).unwrap();
    cluster.stop_when_process_exits(true);
    fs::write(dir.join("ready"), "").unwrap();
    // The parent SIGKILLs us long before this ends.
    std::thread::sleep(TEST_TIMEOUT);
}

#[test]
fn watchdog_stops_the_server_when_the_process_dies() {
    let tmp = reachable_tempdir();
    let data = tmp.path().join("data");
    // Relative to the crate root, as libtest wants it.
    let module = module_path!().split_once("::").map_or(module_path!(), |(_, rest)| rest);
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", &format!("{module}::watchdog_child")])
        .args(["--ignored", "--test-threads=1"])
        .env(WATCHDOG_CHILD_ENV, tmp.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child test process");

    let deadline = Instant::now() + TEST_TIMEOUT;
    while !tmp.path().join("ready").exists() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("child exited early: {status}");
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("child never got its cluster running");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let pid = postmaster_pid(&data.join("postgres")).expect("server running");

    child.kill().unwrap(); // SIGKILL: no destructors, no cleanup of our own
    child.wait().unwrap();

    let deadline = Instant::now() + Duration::from_secs(60);
    while data.exists() || kill(Pid::from_raw(pid), None).is_ok() {
        assert!(Instant::now() < deadline, "watchdog did not stop/remove the cluster");
        std::thread::sleep(Duration::from_millis(100));
    }
}
