//! The `hamkor` binary as a person runs it: `seed`, `migrate` and `serve` on a data dir of
//! their own, sharing the embedded PostgreSQL that the first of them starts and the last one
//! stops; the probes and metrics of a running server; `--help`; `schema`; and a bad
//! `DATABASE_URL`.
//!
//! Every wait is bounded, and every child process is stopped even when an assertion fails.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::corpus::fixture_path;
use crate::processes::{Outcome, Serve, exits_soon, hamkor, process_alive, run_command};
use crate::synthetic_marc;

const SCHEMA_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
/// Where the cluster code relocates clusters the `postgres` user cannot reach.
const RELOCATION_ROOT: &str = "/var/lib/hamkor/clusters";

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// A throwaway data dir. On drop it stops an embedded server still running in it (only
/// after a failed test) and removes a relocated cluster along with the directory.
struct DataDir {
    dir: tempfile::TempDir,
}

impl DataDir {
    fn new() -> DataDir {
        let dir = tempfile::Builder::new().prefix("hamkor-cli-").tempdir().expect("a temporary directory");
        // Readable by the `postgres` user (the server runs as it when we are root), so the
        // cluster stays inside the data dir instead of being relocated.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod the data dir");
        DataDir { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn postmaster_pid_file(&self) -> PathBuf {
        self.path().join("postgres").join("postmaster.pid")
    }

    /// The pid of the embedded PostgreSQL server, if its postmaster.pid names one.
    fn postmaster_pid(&self) -> Option<i32> {
        let text = std::fs::read_to_string(self.postmaster_pid_file()).ok()?;
        text.lines().next()?.trim().parse().ok()
    }

    /// The pid of the running embedded server; panics when there is none.
    #[track_caller]
    fn running_server(&self) -> i32 {
        let pid = self
            .postmaster_pid()
            .unwrap_or_else(|| panic!("no {} while the server should run", self.postmaster_pid_file().display()));
        assert!(process_alive(pid), "the embedded PostgreSQL (pid {pid}) is not running");
        pid
    }

    /// Asserts that no embedded server is left running in this data dir.
    #[track_caller]
    fn assert_no_server(&self, context: &str) {
        if let Some(pid) = self.postmaster_pid() {
            assert!(exits_soon(pid), "{context}: the embedded PostgreSQL (pid {pid}) is still running");
        }
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        // Only a failed test gets here with a server still running: stop it (fast shutdown)
        // so it does not outlive the test run.
        if let Some(pid) = self.postmaster_pid().filter(|pid| process_alive(*pid)) {
            let _ = kill(Pid::from_raw(pid), Signal::SIGINT);
            let deadline = Instant::now() + Duration::from_secs(20);
            while process_alive(pid) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        let link = self.path().join("postgres");
        if let Ok(target) = std::fs::read_link(&link)
            && target.starts_with(RELOCATION_ROOT)
            && let Some(container) = target.parent()
        {
            let _ = std::fs::remove_dir_all(container);
        }
    }
}

fn count_lines(text: &str, needle: &str) -> i64 {
    text.lines().filter(|l| l.contains(needle)).count() as i64
}

/// Runs `hamkor ARGS` to completion, at most [`TIMEOUT`](crate::processes::TIMEOUT).
#[track_caller]
fn run(data_dir: &Path, args: &[&str]) -> Outcome {
    run_command(hamkor(data_dir, args), &format!("hamkor {}", args.join(" ")))
}

/// Reads the "seeded: N partners, ..." line and returns N.
#[track_caller]
fn partners_created(outcome: &Outcome) -> u64 {
    let line = outcome
        .stdout
        .lines()
        .find(|l| l.starts_with("seeded: "))
        .unwrap_or_else(|| panic!("no `seeded: ` line in the output of seed:\n{}", outcome.stdout));
    line.strip_prefix("seeded: ")
        .and_then(|rest| rest.split_once(" partners"))
        .and_then(|(n, _)| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("cannot read the number of partners from `{line}`"))
}

/// Starts `hamkor serve --listen 127.0.0.1:0` and waits (bounded) for its ready line.
#[track_caller]
fn start_serve(data_dir: &Path) -> Serve {
    Serve::start(hamkor(data_dir, &["serve", "--listen", "127.0.0.1:0"]), "hamkor serve")
}

/// The requests these tests make of a running `hamkor serve`.
impl Serve {
    async fn get(&self, path: &str) -> (StatusCode, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path} failed: {e}\n--- serve stderr\n{}", self.stderr()));
        let status = response.status();
        (status, response.text().await.unwrap_or_else(|e| panic!("reading the body of GET {path}: {e}")))
    }

    /// POSTs a GraphQL query and returns its `data`; there must be no errors.
    async fn query(&self, query: &str) -> Value {
        let response = self
            .client
            .post(format!("{}/graphql", self.base))
            .json(&json!({ "query": query }))
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST /graphql failed: {e}\n--- serve stderr\n{}", self.stderr()));
        assert_eq!(response.status(), StatusCode::OK, "HTTP status of POST /graphql");
        let body: Value = response.json().await.expect("a JSON body");
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[test]
fn seed_without_a_server_starts_the_embedded_postgres_and_stops_it_again() {
    let data = DataDir::new();

    let first = run(data.path(), &["seed"]);
    first.assert_success("hamkor seed");
    assert_eq!(partners_created(&first), 20, "the first seed creates the 20 partners:\n{}", first.stdout);
    assert!(
        data.path().join("postgres").join("PG_VERSION").is_file(),
        "seed created its cluster under <data-dir>/postgres"
    );
    data.assert_no_server("after `hamkor seed` exited");

    let second = run(data.path(), &["seed"]);
    second.assert_success("hamkor seed (again)");
    assert_eq!(partners_created(&second), 0, "seeding again creates nothing:\n{}", second.stdout);
    data.assert_no_server("after the second `hamkor seed` exited");
}

#[tokio::test]
async fn seed_and_migrate_share_the_server_that_serve_started() {
    let data = DataDir::new();
    let serve = start_serve(data.path());
    let server = data.running_server();

    let seeded = run(data.path(), &["seed"]);
    seeded.assert_success("hamkor seed (while serve runs)");
    assert_eq!(partners_created(&seeded), 20, "{}", seeded.stdout);
    assert_eq!(data.running_server(), server, "seed used the server that serve started, and left it running");

    run(data.path(), &["migrate"]).assert_success("hamkor migrate (while serve runs)");
    assert_eq!(data.running_server(), server, "migrate used the server that serve started, and left it running");

    let partners = serve.query("{ partners { totalCount } }").await;
    assert_eq!(partners["partners"]["totalCount"], 20, "serve sees what seed loaded: {partners}");

    serve.terminate();
    assert!(exits_soon(server), "the embedded PostgreSQL (pid {server}) stopped with the last hamkor process");
    data.assert_no_server("after serve exited");
}

#[tokio::test]
async fn serve_answers_probes_and_counts_graphql_requests_in_its_metrics() {
    let data = DataDir::new();
    let serve = start_serve(data.path());

    let (status, body) = serve.get("/healthz").await;
    assert_eq!(status, StatusCode::OK, "/healthz: {body}");
    let (status, body) = serve.get("/readyz").await;
    assert_eq!(status, StatusCode::OK, "/readyz: {body}");

    let data_field = serve.query("{ partners { totalCount } }").await;
    assert_eq!(data_field["partners"]["totalCount"], 0, "a fresh data dir has no partners: {data_field}");

    let (status, metrics) = serve.get("/metrics").await;
    assert_eq!(status, StatusCode::OK, "/metrics: {metrics}");
    assert!(
        metrics.contains("hamkor_graphql_requests_total"),
        "/metrics counts GraphQL requests after one was made:\n{metrics}"
    );

    serve.terminate();
    data.assert_no_server("after serve exited");
}

#[test]
fn help_names_the_environment_variables() {
    let data = DataDir::new();
    let top = run(data.path(), &["--help"]);
    top.assert_success("hamkor --help");
    for variable in ["DATABASE_URL", "HAMKOR_DATA_DIR"] {
        assert!(top.stdout.contains(variable), "`hamkor --help` mentions {variable}:\n{}", top.stdout);
    }
    for command in ["serve", "migrate", "seed", "schema"] {
        assert!(top.stdout.contains(command), "`hamkor --help` lists `{command}`:\n{}", top.stdout);
    }

    let serve = run(data.path(), &["serve", "--help"]);
    serve.assert_success("hamkor serve --help");
    for variable in ["DATABASE_URL", "HAMKOR_DATA_DIR", "HAMKOR_LISTEN"] {
        assert!(serve.stdout.contains(variable), "`hamkor serve --help` mentions {variable}:\n{}", serve.stdout);
    }
    // Asking for help starts nothing.
    assert!(!data.path().join("postgres").exists(), "--help created a cluster");
}

#[test]
fn schema_prints_the_checked_in_sdl() {
    let data = DataDir::new();
    let printed = run(data.path(), &["schema"]);
    printed.assert_success("hamkor schema");
    let checked_in = std::fs::read_to_string(SCHEMA_FILE).expect("schema.graphql is readable");
    if printed.stdout != checked_in {
        let (line, (ours, theirs)) = printed
            .stdout
            .lines()
            .map(Some)
            .chain(std::iter::repeat(None))
            .zip(checked_in.lines().map(Some).chain(std::iter::repeat(None)))
            .take(printed.stdout.lines().count().max(checked_in.lines().count()) + 1)
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .unwrap_or((0, (None, None)));
        panic!(
            "`hamkor schema` differs from schema.graphql; regenerate with `cargo run -- schema > schema.graphql`\n\
             first difference at line {}:\n  hamkor schema:  {}\n  schema.graphql: {}",
            line + 1,
            ours.unwrap_or("<end of output>"),
            theirs.unwrap_or("<end of file>"),
        );
    }
    assert!(!data.path().join("postgres").exists(), "`hamkor schema` needs no database");
}

#[test]
fn migrate_with_an_unreachable_database_url_fails_with_a_message() {
    let data = DataDir::new();
    let mut command = hamkor(data.path(), &["migrate"]);
    command.env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/x");
    let outcome = run_command(command, "DATABASE_URL=postgres://nobody@127.0.0.1:1/x hamkor migrate");
    assert!(!outcome.status.success(), "migrate against an unreachable server succeeded:\n{}", outcome.stdout);
    assert!(
        outcome.status.code().is_some(),
        "migrate exits with a status rather than dying from a signal: {}",
        outcome.status
    );
    assert!(!outcome.stderr.trim().is_empty(), "migrate says on stderr why it failed");
    assert!(!outcome.stderr.contains("panicked"), "migrate fails without a panic:\n{}", outcome.stderr);
    assert!(
        !data.path().join("postgres").exists(),
        "with DATABASE_URL set, no embedded cluster is created:\n{}",
        outcome.stderr
    );
}

#[test]
fn an_unknown_time_zone_is_refused_at_start_and_leaves_no_server_behind() {
    let data = DataDir::new();
    let outcome = run(data.path(), &["migrate", "--timezone", "Mars/Olympus_Mons"]);
    assert!(!outcome.status.success(), "migrate with an unknown time zone succeeded:\n{}", outcome.stdout);
    assert!(outcome.stderr.contains("Mars/Olympus_Mons"), "the message names the zone:\n{}", outcome.stderr);
    assert!(!outcome.stderr.contains("panicked"), "no panic:\n{}", outcome.stderr);
    data.assert_no_server("after the refused start");
}

#[test]
fn import_reads_marc_files_reports_rejections_and_updates_on_a_second_run() {
    let data = DataDir::new();
    let files = tempfile::Builder::new().prefix("hamkor-cli-marc-").tempdir().expect("a temporary directory");
    let catalogue = synthetic_marc::write_catalogue(files.path(), "catalogue_1k.mrc", 1000, 0);
    let catalogue = catalogue.to_str().expect("a UTF-8 temporary path");
    let bad = fixture_path("broken_records.mrc");
    let bad = bad.to_str().expect("a UTF-8 path");

    let first = run(data.path(), &["import", catalogue, bad]);
    first.assert_success("hamkor import");
    assert!(first.stdout.contains("1000 read, 1000 created, 0 updated, 0 rejected"), "{}", first.stdout);
    assert!(first.stdout.contains("13 read, 5 created, 0 updated, 8 rejected, 5 warnings"), "{}", first.stdout);
    assert!(first.stdout.contains("rejected record 2"), "each rejection is listed:\n{}", first.stdout);
    assert!(first.stdout.contains("repaired record 9, 001 hk-bad-0009: field 245 $a"), "{}", first.stdout);
    data.assert_no_server("after `hamkor import` exited");

    // The same file under another name and another source creates nothing new.
    let renamed = files.path().join("renamed.mrc");
    std::fs::copy(catalogue, &renamed).expect("copy the file");
    let report = files.path().join("report.csv");
    let second = run(
        data.path(),
        &["import", "--source", "somewhere else", renamed.to_str().unwrap(), "--report", report.to_str().unwrap()],
    );
    second.assert_success("hamkor import (again)");
    assert!(second.stdout.contains("1000 read, 0 created, 1000 updated"), "{}", second.stdout);
    let csv = std::fs::read_to_string(&report).expect("the report is written");
    assert_eq!(csv.lines().next(), Some("file,kind,position,byte_offset,control_number,message"));

    // Rejections beyond the first ten are counted, and all of them are in the report.
    let bad_report = files.path().join("bad.json");
    let again = run(data.path(), &["import", bad, "--report", bad_report.to_str().unwrap()]);
    again.assert_success("hamkor import (broken records again)");
    let json: Value = serde_json::from_slice(&std::fs::read(&bad_report).unwrap()).unwrap();
    assert_eq!(json[0]["report"]["rejections"].as_array().unwrap().len(), 8);
    let warnings = json[0]["report"]["warnings"].as_array().unwrap().len() as i64;
    assert!(warnings >= 3 && count_lines(&again.stdout, "repaired record") == warnings.min(10), "{}", again.stdout);

    // A file that is not MARC, and one whose every record is rejected: non-zero, said why.
    let pdf = files.path().join("scan.pdf");
    std::fs::write(&pdf, b"%PDF-1.7 not a catalogue").unwrap();
    let not_marc = run(data.path(), &["import", pdf.to_str().unwrap()]);
    assert!(!not_marc.status.success());
    assert!(not_marc.stderr.contains("is not a MARC file (neither ISO 2709 nor MARCXML)"), "{}", not_marc.stderr);
    assert!(not_marc.stdout.contains("0 read, 0 created"), "{}", not_marc.stdout);
    let truncated = fixture_path("truncated.mrc");
    let only_bad = files.path().join("only_bad.mrc");
    let bytes = std::fs::read(&truncated).unwrap();
    let last = bytes.iter().rposition(|&b| b == 0x1D).unwrap();
    std::fs::write(&only_bad, &bytes[last + 1..]).unwrap();
    let nothing = run(data.path(), &["import", only_bad.to_str().unwrap()]);
    assert!(!nothing.status.success());
    assert!(nothing.stderr.contains("nothing was imported from"), "{}", nothing.stderr);

    // An import rolled back from the command line.
    let import_id = first
        .stdout
        .lines()
        .find(|l| l.contains("broken_records.mrc"))
        .and_then(|l| l.rsplit_once("import ")?.1.strip_suffix(')'))
        .expect("the import's id")
        .to_owned();
    let rolled = run(data.path(), &["import", "--rollback", &import_id]);
    assert!(!rolled.status.success(), "the second import of the same file changed its documents since");
    assert!(rolled.stderr.contains("changed since this import"), "{}", rolled.stderr);

    let missing = run(data.path(), &["import", "/nonexistent/file.mrc"]);
    assert!(!missing.status.success());
    assert!(missing.stderr.contains("cannot read /nonexistent/file.mrc"), "{}", missing.stderr);
    assert!(!missing.stderr.contains("panicked"));
    let bad_encoding = run(data.path(), &["import", "--encoding", "ebcdic", catalogue]);
    assert!(!bad_encoding.status.success());
}

#[test]
fn bench_measures_both_sides_of_a_generated_catalogue_and_reuses_it() {
    let data = DataDir::new();
    let index = data.path().join("index");
    let index = index.to_str().expect("a UTF-8 temporary path");
    let json = data.path().join("bench.json");
    let json_arg = json.to_str().expect("a UTF-8 temporary path");
    let args = [
        "bench",
        "--documents",
        "400",
        "--queries-per-kind",
        "4",
        "--warm-up",
        "1",
        "--concurrency",
        "1,2",
        "--read-requests",
        "10",
        "--no-postgraphile",
        "--index-dir",
        index,
        "--json",
        json_arg,
    ];
    let first = run(data.path(), &args);
    first.assert_success("hamkor bench");
    let out = &first.stdout;
    assert!(out.contains("400 documents (seed 42)"), "{out}");
    assert!(out.contains("hamkor import (MARCXML"), "loaded through the import:\n{out}");
    assert!(out.contains("0 rejected"), "{out}");
    assert!(out.contains("PostgreSQL full-text (insert with tsvector, then GIN index)"), "{out}");
    for kind in ["rare word", "common word", "word with a typo", "Cyrillic word", "CJK word", "filter only"] {
        assert!(out.lines().any(|l| l.trim_start().starts_with(kind)), "a line for {kind}:\n{out}");
    }
    assert!(out.contains("page   concurrency 2: 52 requests"), "{out}");
    assert!(out.contains("20 partners with their agreements"), "{out}");
    assert!(out.contains("PostGraphile skipped: --no-postgraphile"), "{out}");
    assert!(out.contains("reproduce: "), "{out}");

    let figures: Value =
        serde_json::from_slice(&std::fs::read(&json).expect("the JSON figures are written")).expect("JSON");
    let searches = figures["searches"].as_object().expect("searches by kind");
    assert_eq!(searches.len(), 13, "{searches:?}");
    for (kind, sides) in searches {
        for side in ["postgres_fts", "hamkor_page_c1", "hamkor_page_c2", "hamkor_count_c1", "hamkor_index_only"] {
            assert_eq!(sides[side]["n"], 4, "{kind} {side}");
        }
    }
    // Words taken from the catalogue are found on both sides; made-up ones on neither.
    for kind in ["common word", "rare word", "contributor name"] {
        assert_eq!(searches[kind]["hamkor_page_c1"]["found"], 1.0, "{kind}: {}", searches[kind]);
        assert!(searches[kind]["postgres_fts"]["found"].as_f64().unwrap() > 0.0, "{kind}: {}", searches[kind]);
    }
    assert_eq!(searches["no match"]["hamkor_page_c1"]["found"], 0.0);
    assert!(figures["load"]["import_seconds"].as_f64().unwrap() > 0.0, "{figures}");
    assert_eq!(figures["reads"]["results"].as_array().map(Vec::len), Some(3), "{figures}");
    data.assert_no_server("after `hamkor bench` exited");

    let second = run(data.path(), &args);
    second.assert_success("hamkor bench (again)");
    assert!(second.stdout.contains("reused"), "the second run reuses the catalogue:\n{}", second.stdout);
    assert!(second.stdout.contains("the table of an earlier run was reused"), "{}", second.stdout);
}
