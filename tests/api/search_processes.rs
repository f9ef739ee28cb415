//! The search index across real processes: several `hamkor serve` on one PostgreSQL, each
//! with its own index directory; a server killed with SIGKILL in the middle of an import;
//! a corrupt or missing index at start; `hamkor reindex` while a server answers.
//!
//! Each child gets DATABASE_URL naming a fresh database of the test PostgreSQL, and a
//! temporary work directory (data dir, index dirs, working directory) that is removed at
//! the end. Every wait is bounded, and every child process is stopped even when an
//! assertion fails (the guards are dropped before the directories).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::processes::{self, Running, Serve};
use crate::support::{TokenRole, create_token, database_url, fresh_database};
use crate::synthetic_marc;

/// How long a change made through one process may take to show in another's search.
const PROPAGATION: Duration = Duration::from_secs(15);
/// Importing 1,500 records, or catching up with them (debug build, busy machine).
const LONG: Duration = Duration::from_secs(180);

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// A temporary directory for the child processes of one test: their working directory,
/// data dir and index dirs.
struct WorkDir {
    dir: tempfile::TempDir,
}

impl WorkDir {
    fn new() -> WorkDir {
        WorkDir {
            dir: tempfile::Builder::new().prefix("hamkor-search-proc-").tempdir().expect("a temporary directory"),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// An index dir (not created: the server creates it).
    fn index(&self, name: &str) -> PathBuf {
        self.path().join(format!("index-{name}"))
    }
}

/// `hamkor ARGS` against `url`, in `work` with `work/data` as its data dir, with nothing
/// else taken from the environment.
fn hamkor(url: &str, work: &Path, args: &[&str]) -> Command {
    let mut command = processes::hamkor(&work.join("data"), args);
    command.current_dir(work).env("DATABASE_URL", url).env("RUST_LOG", "info,sqlx=warn");
    command
}

/// Starts `hamkor serve --listen 127.0.0.1:0 --index-dir DIR` and waits (bounded) for its
/// ready line. Blocks the calling thread.
#[track_caller]
fn start_serve(name: &str, url: &str, work: &Path, index_dir: &Path) -> Serve {
    let index = index_dir.to_str().expect("a UTF-8 temporary path");
    Serve::start(hamkor(url, work, &["serve", "--listen", "127.0.0.1:0", "--index-dir", index]), name)
}

/// The requests these tests make of a running `hamkor serve`.
impl Serve {
    /// POSTs a GraphQL request and returns the whole body; the status must be 200.
    async fn gql(&self, query: &str, variables: Value) -> Value {
        let mut request =
            self.client.post(format!("{}/graphql", self.base)).json(&json!({ "query": query, "variables": variables }));
        if let Some(bearer) = &self.bearer {
            request = request.bearer_auth(bearer);
        }
        let response = request.send().await.unwrap_or_else(|e| {
            panic!("POST /graphql to {} failed: {e}\n--- its stderr\n{}", self.name, self.stderr())
        });
        assert_eq!(response.status(), StatusCode::OK, "HTTP status of POST /graphql to {}", self.name);
        response.json().await.expect("a JSON body")
    }

    /// Like [`gql`](Self::gql), and asserts that there are no errors; returns `data`.
    async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.gql(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors from {}: {body:#}", self.name);
        body["data"].clone()
    }

    /// One page of `search`.
    async fn search_page(&self, query: &str, first: i32, after: Option<&str>) -> SearchPage {
        let data = self.data(SEARCH, json!({ "q": query, "first": first, "after": after })).await;
        SearchPage::from(&data["search"])
    }

    async fn search(&self, query: &str) -> SearchPage {
        self.search_page(query, 100, None).await
    }

    /// Every document id the index lists for the empty query, page by page (100 a page);
    /// panics on a duplicate. Returns (ids, totalCount of the first page).
    async fn all_ids(&self) -> (BTreeSet<i64>, i64) {
        let first = self.search_page("", 100, None).await;
        let total = first.total;
        let mut ids = BTreeSet::new();
        let mut page = first;
        let mut pages = 0;
        loop {
            pages += 1;
            assert!(pages <= 1000, "{}: paging does not end", self.name);
            for (id, _) in &page.hits {
                assert!(ids.insert(*id), "{}: document {id} is listed twice while paging", self.name);
            }
            if !page.has_next {
                break;
            }
            let after = page.last_cursor.clone().unwrap_or_else(|| {
                panic!("{}: a page with hasNextPage but no edges (ghosts of deleted documents?)", self.name)
            });
            page = self.search_page("", 100, Some(&after)).await;
            assert_eq!(page.total, total, "{}: totalCount changed while paging", self.name);
        }
        (ids, total)
    }
}

const SEARCH: &str = "query($q: String!, $first: Int, $after: String) {
    search(query: $q, first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage }
        edges { cursor node { document { id title } score highlights { title } } }
    }
}";

const CREATE: &str = "mutation($title: String!) { createDocument(input: { description: { title: $title } }) { id } }";
const UPDATE: &str = "mutation($id: ID!, $title: String!) { updateDocument(input: { id: $id, description: { title: $title } }) { id title } }";
const DELETE: &str = "mutation($id: ID!) { deleteDocument(id: $id) }";

/// One page of search results: (document id, title) per edge.
#[derive(Debug, Clone)]
struct SearchPage {
    total: i64,
    hits: Vec<(i64, String)>,
    highlights: Vec<Option<String>>,
    has_next: bool,
    last_cursor: Option<String>,
}

impl SearchPage {
    fn from(search: &Value) -> SearchPage {
        let edges = search["edges"].as_array().unwrap_or_else(|| panic!("search has edges: {search:#}"));
        SearchPage {
            total: search["totalCount"].as_i64().unwrap_or_else(|| panic!("search has a totalCount: {search:#}")),
            hits: edges
                .iter()
                .map(|e| {
                    let document = &e["node"]["document"];
                    (document_id(&document["id"]), document["title"].as_str().unwrap_or_default().to_owned())
                })
                .collect(),
            highlights: edges.iter().map(|e| e["node"]["highlights"]["title"].as_str().map(str::to_owned)).collect(),
            has_next: search["pageInfo"]["hasNextPage"].as_bool().unwrap_or(false),
            last_cursor: edges.last().and_then(|e| e["cursor"].as_str()).map(str::to_owned),
        }
    }

    fn contains(&self, id: i64) -> bool {
        self.hits.iter().any(|(hit, _)| *hit == id)
    }
}

/// The database id in a global `Document` id.
fn document_id(id: &Value) -> i64 {
    let text = id.as_str().unwrap_or_else(|| panic!("an id string: {id}"));
    hamkor::graphql::id::decode_as("id", &async_graphql::ID(text.to_owned()), hamkor::graphql::id::NodeKind::Document)
        .unwrap_or_else(|e| panic!("{text:?} is a document id: {e}"))
}

fn global_id(id: i64) -> String {
    hamkor::graphql::id::encode(hamkor::graphql::id::NodeKind::Document, id).to_string()
}

/// Calls `probe` every `every` until it returns Some, for at most `timeout`; returns the
/// value and how long it took.
async fn poll<T, F, Fut>(timeout: Duration, every: Duration, mut probe: F) -> Option<(T, Duration)>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = probe().await {
            return Some((value, started.elapsed()));
        }
        if started.elapsed() >= timeout {
            return None;
        }
        tokio::time::sleep(every).await;
    }
}

/// Where `<index dir>/current` points, e.g. `gen-0000000002`.
fn current_generation(index_dir: &Path) -> Option<String> {
    std::fs::read_link(index_dir.join("current")).ok().map(|t| t.to_string_lossy().into_owned())
}

fn generation_number(name: &str) -> u64 {
    name.strip_prefix("gen-").and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{name:?} is a generation"))
}

/// The directory names in the index dir, for messages.
fn listing(index_dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(index_dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

async fn document_ids(pool: &PgPool) -> BTreeSet<i64> {
    sqlx::query_scalar::<_, i64>("SELECT id FROM documents")
        .fetch_all(pool)
        .await
        .expect("document ids")
        .into_iter()
        .collect()
}

async fn document_count(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM documents").fetch_one(pool).await.expect("count documents")
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_database_see_each_others_changes() {
    let (pool, _) = fresh_database().await;
    let url = database_url(&pool);
    let work = WorkDir::new();
    let mut a = start_serve("serve A", &url, work.path(), &work.index("a"));
    let mut b = start_serve("serve B", &url, work.path(), &work.index("b"));
    let staff = create_token(&pool, TokenRole::Staff, None, "process tests").await;
    a.bearer = Some(staff.clone());
    b.bearer = Some(staff);

    // Created through A, found by B.
    let created = a.data(CREATE, json!({ "title": "Quillwort marmalade almanac" })).await;
    let id = document_id(&created["createDocument"]["id"]);
    let started = Instant::now();
    let seen = poll(PROPAGATION, Duration::from_millis(50), || async {
        let page = b.search("quillwort").await;
        page.contains(id).then_some(page)
    })
    .await;
    let Some((page, latency)) = seen else {
        panic!(
            "B did not find the document created through A within {} s; B's stderr:\n{}",
            PROPAGATION.as_secs(),
            b.stderr()
        );
    };
    eprintln!(
        "search_processes: create through A -> found by B after {latency:?} ({:?} since the mutation returned)",
        started.elapsed()
    );
    assert_eq!(page.total, 1, "B finds exactly one document: {page:?}");
    assert_eq!(page.hits[0].1, "Quillwort marmalade almanac");
    let highlight = page.highlights[0].as_deref().unwrap_or_default();
    assert!(highlight.contains("<mark>"), "B marks the matched word in the title: {page:?}");

    // Updated through B, seen by A with the new title and not the old one.
    let updated = b.data(UPDATE, json!({ "id": global_id(id), "title": "Zeppelinfrost chronicle" })).await;
    assert_eq!(updated["updateDocument"]["title"], "Zeppelinfrost chronicle");
    let seen = poll(PROPAGATION, Duration::from_millis(50), || async {
        let new = a.search("zeppelinfrost").await;
        let old = a.search("quillwort").await;
        (new.contains(id) && old.total == 0).then_some((new, old))
    })
    .await;
    let Some(((new, _), latency)) = seen else {
        let (new, old) = (a.search("zeppelinfrost").await, a.search("quillwort").await);
        panic!(
            "A did not switch to the new title within {} s: new word {new:?}, old word {old:?}; A's stderr:\n{}",
            PROPAGATION.as_secs(),
            a.stderr()
        );
    };
    eprintln!("search_processes: update through B -> seen by A after {latency:?}");
    assert_eq!(new.total, 1, "one document, not an old and a new version: {new:?}");
    assert_eq!(new.hits[0].1, "Zeppelinfrost chronicle");

    // Deleted through A, gone from B.
    let deleted = a.data(DELETE, json!({ "id": global_id(id) })).await;
    assert_eq!(document_id(&deleted["deleteDocument"]), id);
    let gone = poll(PROPAGATION, Duration::from_millis(50), || async {
        let page = b.search("zeppelinfrost").await;
        let all = b.search("").await;
        (page.total == 0 && all.total == 0).then_some(())
    })
    .await;
    let Some(((), latency)) = gone else {
        let (page, all) = (b.search("zeppelinfrost").await, b.search("").await);
        panic!(
            "B still lists the document deleted through A after {} s: {page:?} / everything: {all:?}; B's stderr:\n{}",
            PROPAGATION.as_secs(),
            b.stderr()
        );
    };
    eprintln!("search_processes: delete through A -> gone from B after {latency:?}");
    // A, which made the change, is consistent too.
    assert_eq!(a.search("").await.total, 0, "A lists nothing after the delete");

    a.terminate();
    b.terminate();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_during_an_import_catches_up_without_ghosts() {
    let (pool, _) = fresh_database().await;
    let url = database_url(&pool);
    let work = WorkDir::new();
    let index = work.index("s");
    let serve = start_serve("serve S", &url, work.path(), &index);

    // 1,500 records in two files, written for this run.
    let thousand = synthetic_marc::write_catalogue(work.path(), "catalogue_1k.mrc", 1000, 1);
    let five_hundred = synthetic_marc::write_catalogue(work.path(), "catalogue_500.mrc", 500, 2);
    let (thousand, five_hundred) =
        (thousand.to_str().expect("a UTF-8 path"), five_hundred.to_str().expect("a UTF-8 path"));
    let mut import = Running::start(
        hamkor(&url, work.path(), &["import", thousand, five_hundred, "--source", "crash"]),
        "hamkor import",
    );
    // Kill S as soon as its search lists some of the import (the import commits in
    // batches of 1,000, and S applies what it finds in one commit a round): S is then in the
    // middle of indexing the rest.
    let started = Instant::now();
    let seen_by_s = loop {
        let total = serve.search_page("", 0, None).await.total;
        if total > 0 {
            break total;
        }
        assert!(
            started.elapsed() < LONG,
            "S listed none of the imported documents within {} s; its stderr:\n{}",
            LONG.as_secs(),
            serve.stderr()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let import_running = import.guard.try_status().is_none();
    let generation_before = current_generation(&index);
    serve.kill9();
    eprintln!(
        "search_processes: S killed with SIGKILL {:?} after the import started, when its search listed {seen_by_s} \
         documents ({})",
        started.elapsed(),
        if import_running { "the import still running" } else { "the import had ended" }
    );
    let outcome = tokio::task::spawn_blocking(move || import.finish(LONG)).await.expect("the import waiter");
    outcome.assert_success("hamkor import catalogue_1k.mrc catalogue_500.mrc");
    assert!(outcome.stdout.contains("1000 read"), "the import read catalogue_1k.mrc:\n{}", outcome.stdout);
    eprintln!("search_processes: import output:\n{}", outcome.stdout.trim_end());

    // Changes S never saw: a few deletions (some of documents it had indexed, some not)
    // and a new title, made directly in SQL while S is down.
    let ids: Vec<i64> = document_ids(&pool).await.into_iter().collect();
    assert!(ids.len() > 1000, "the import created the documents: {}", ids.len());
    let doomed: Vec<i64> = [ids[0], ids[1], ids[ids.len() / 2], ids[ids.len() - 2], ids[ids.len() - 1]].to_vec();
    let deleted = sqlx::query("DELETE FROM documents WHERE id = ANY($1)")
        .bind(&doomed)
        .execute(&pool)
        .await
        .expect("delete documents");
    assert_eq!(deleted.rows_affected(), doomed.len() as u64);
    let renamed = ids[10];
    let old_title: String = sqlx::query_scalar("SELECT title FROM documents WHERE id = $1")
        .bind(renamed)
        .fetch_one(&pool)
        .await
        .expect("a title");
    sqlx::query("UPDATE documents SET title = 'Vorpalquince retitled' WHERE id = $1")
        .bind(renamed)
        .execute(&pool)
        .await
        .expect("update a title");
    let expected = document_ids(&pool).await;
    let expected_count = document_count(&pool).await;
    assert_eq!(expected.len() as i64, expected_count);
    if seen_by_s >= ids.len() as i64 {
        eprintln!("search_processes: WARNING: S had indexed the whole import before it was killed");
    }

    // S again, on the same index dir.
    let serve = start_serve("serve S (restarted)", &url, work.path(), &index);
    let generation_after = current_generation(&index);
    let rebuilt = generation_before != generation_after;
    eprintln!(
        "search_processes: restarted S {} its index ({generation_before:?} -> {generation_after:?})",
        if rebuilt { "REBUILT" } else { "kept and caught up" }
    );
    let caught_up = poll(LONG, Duration::from_millis(100), || async {
        let total = serve.search_page("", 0, None).await.total;
        (total == expected_count).then_some(())
    })
    .await;
    let Some(((), took)) = caught_up else {
        let total = serve.search_page("", 0, None).await.total;
        panic!(
            "the restarted S lists {total} documents after {} s, PostgreSQL holds {expected_count}; its stderr:\n{}",
            LONG.as_secs(),
            serve.stderr()
        );
    };
    eprintln!("search_processes: restarted S caught up with {expected_count} documents in {took:?}");

    let (listed, total) = serve.all_ids().await;
    assert_eq!(total, expected_count, "totalCount equals the number of documents");
    let ghosts: Vec<_> = listed.difference(&expected).collect();
    let missing: Vec<_> = expected.difference(&listed).collect();
    assert!(ghosts.is_empty() && missing.is_empty(), "search lists ghosts {ghosts:?} and misses {missing:?}");
    assert_eq!(listed.len() as i64, total, "every listed hit resolves to a document (no ghosts behind totalCount)");
    for id in &doomed {
        assert!(!listed.contains(id), "the deleted document {id} is gone");
    }

    let page = serve.search("vorpalquince").await;
    assert_eq!(page.total, 1, "the new title is found, once: {page:?}");
    assert_eq!(page.hits[0], (renamed, "Vorpalquince retitled".to_owned()));
    eprintln!("search_processes: document {renamed} renamed from {old_title:?}");

    // And it follows the log again.
    sqlx::query("INSERT INTO documents (title) VALUES ('Aftercrash kumquatery')").execute(&pool).await.expect("insert");
    let found = poll(PROPAGATION, Duration::from_millis(50), || async {
        (serve.search("kumquatery").await.total == 1).then_some(())
    })
    .await;
    assert!(found.is_some(), "the restarted S indexes new documents; its stderr:\n{}", serve.stderr());

    serve.terminate();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_or_missing_index_is_rebuilt_at_start() {
    let (pool, _) = fresh_database().await;
    let url = database_url(&pool);
    let work = WorkDir::new();
    let index = work.index("s");
    let insert = |n: i32| {
        let pool = pool.clone();
        async move {
            sqlx::query(
                "INSERT INTO documents (title) SELECT 'Brontosaurian ledger ' || g FROM generate_series(1, $1) g",
            )
            .bind(n)
            .execute(&pool)
            .await
            .expect("insert documents");
        }
    };
    insert(5).await;

    // Finds `expected` documents by the word within a bounded wait.
    async fn finds(serve: &Serve, expected: i64) {
        let found = poll(PROPAGATION, Duration::from_millis(50), || async {
            (serve.search("brontosaurian").await.total == expected).then_some(())
        })
        .await;
        if found.is_none() {
            panic!(
                "{} does not find the {expected} documents: {:?}; its stderr:\n{}",
                serve.name,
                serve.search("brontosaurian").await,
                serve.stderr()
            );
        }
    }
    // Finds them at once: the index is rebuilt before the server says it is ready.
    async fn finds_at_once(serve: &Serve, expected: i64) {
        let page = serve.search("brontosaurian").await;
        assert_eq!(
            page.total,
            expected,
            "{} finds every document as soon as it is ready: {page:?}; its stderr:\n{}",
            serve.name,
            serve.stderr()
        );
    }

    let serve = start_serve("serve (first start)", &url, work.path(), &index);
    finds(&serve, 5).await;
    serve.terminate();
    let first = current_generation(&index).expect("`current` exists after a start");

    // 1. Garbage in meta.json of the current generation.
    let meta = index.join(&first).join("meta.json");
    assert!(meta.is_file(), "{} exists", meta.display());
    std::fs::write(&meta, b"\x00this is not { json at all \xff").expect("corrupt meta.json");
    insert(1).await;
    let serve = start_serve("serve (corrupt meta.json)", &url, work.path(), &index);
    finds_at_once(&serve, 6).await;
    let second = current_generation(&index).expect("`current` exists after the rebuild");
    assert!(
        generation_number(&second) > generation_number(&first),
        "`current` points to a new generation: {first} -> {second}; index dir: {:?}",
        listing(&index)
    );
    assert!(!index.join(&first).exists(), "the corrupt generation {first} is removed: {:?}", listing(&index));
    assert!(serve.stderr().contains("no usable search index"), "the server says it rebuilds:\n{}", serve.stderr());
    serve.terminate();

    // 2. `current` points to a directory that is gone.
    std::fs::remove_dir_all(index.join(&second)).expect("remove the current generation");
    insert(1).await;
    let serve = start_serve("serve (dangling current)", &url, work.path(), &index);
    finds_at_once(&serve, 7).await;
    let third = current_generation(&index).expect("`current` exists after the rebuild");
    assert!(index.join(&third).join("meta.json").is_file(), "`current` points to a real index: {:?}", listing(&index));
    serve.terminate();

    // 3. No index dir at all.
    std::fs::remove_dir_all(&index).expect("remove the index dir");
    insert(1).await;
    let serve = start_serve("serve (no index dir)", &url, work.path(), &index);
    finds_at_once(&serve, 8).await;
    let fourth = current_generation(&index).expect("`current` exists after the rebuild");
    assert!(index.join(&fourth).join("meta.json").is_file(), "`current` points to a real index: {:?}", listing(&index));
    // And it still follows the log after a rebuild at start.
    insert(1).await;
    finds(&serve, 9).await;
    serve.terminate();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reindex_swaps_generations_while_the_server_answers() {
    const DOCUMENTS: i64 = 2000;
    let (pool, _) = fresh_database().await;
    sqlx::query(
        "INSERT INTO documents (title, subjects, abstract_text)
         SELECT 'Reindex sample ' || g, ARRAY['subject ' || (g % 17)], repeat('lorem ipsum dolor ', 20)
         FROM generate_series(1, $1) g",
    )
    .bind(DOCUMENTS as i32)
    .execute(&pool)
    .await
    .expect("insert documents");
    let url = database_url(&pool);
    let work = WorkDir::new();
    let index = work.index("s");
    let mut serve = start_serve("serve", &url, work.path(), &index);
    serve.bearer = Some(create_token(&pool, TokenRole::Staff, None, "process tests").await);
    let serve = Arc::new(serve);
    let ready = poll(PROPAGATION, Duration::from_millis(50), || async {
        (serve.search_page("", 0, None).await.total == DOCUMENTS).then_some(())
    })
    .await;
    assert!(ready.is_some(), "the server lists the {DOCUMENTS} documents; its stderr:\n{}", serve.stderr());
    let before = current_generation(&index).expect("`current` exists");

    // Queries every 20 ms until told to stop; records every failure instead of panicking.
    let stop = Arc::new(AtomicBool::new(false));
    let queries = {
        let (serve, stop) = (Arc::clone(&serve), Arc::clone(&stop));
        tokio::spawn(async move {
            let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("an HTTP client");
            let (mut sent, mut failures) = (0u32, Vec::<String>::new());
            let mut slowest = Duration::ZERO;
            while !stop.load(Ordering::Relaxed) {
                let (q, expected) = if sent % 2 == 0 { ("", DOCUMENTS) } else { ("sample", DOCUMENTS) };
                let asked = Instant::now();
                let response = client
                    .post(format!("{}/graphql", serve.base))
                    .json(&json!({ "query": SEARCH, "variables": { "q": q, "first": 3 } }))
                    .send()
                    .await;
                sent += 1;
                match response {
                    Err(e) => failures.push(format!("request {sent} ({q:?}): {e}")),
                    Ok(response) => {
                        let status = response.status();
                        let body: Value = response.json().await.unwrap_or(Value::Null);
                        let total = body["data"]["search"]["totalCount"].as_i64();
                        let edges = body["data"]["search"]["edges"].as_array().map_or(0, Vec::len);
                        if status != StatusCode::OK
                            || body.get("errors").is_some()
                            || total != Some(expected)
                            || edges != 3
                        {
                            failures.push(format!("request {sent} ({q:?}): HTTP {status}, {body}"));
                        }
                    }
                }
                slowest = slowest.max(asked.elapsed());
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (sent, failures, slowest)
        })
    };

    let reindex = {
        let (url, work_path, index) = (url.clone(), work.path().to_path_buf(), index.clone());
        tokio::task::spawn_blocking(move || {
            let index = index.to_str().expect("a UTF-8 path").to_owned();
            let started = Instant::now();
            let outcome =
                Running::start(hamkor(&url, &work_path, &["reindex", "--index-dir", &index]), "hamkor reindex")
                    .finish(LONG);
            (outcome, started.elapsed())
        })
    };
    let (outcome, took) = match reindex.await {
        Ok(result) => result,
        Err(e) => {
            stop.store(true, Ordering::Relaxed);
            panic!("hamkor reindex: {e}");
        }
    };
    if !outcome.status.success() {
        stop.store(true, Ordering::Relaxed);
    }
    outcome.assert_success("hamkor reindex");
    assert!(
        outcome.stdout.contains(&format!("reindexed {DOCUMENTS} documents")),
        "reindex reports the number of documents:\n{}",
        outcome.stdout
    );
    let after = current_generation(&index).expect("`current` exists after reindex");
    assert!(
        generation_number(&after) > generation_number(&before),
        "`current` points to a newer generation: {before} -> {after}"
    );
    eprintln!("search_processes: reindex took {took:?}: {before} -> {after}");

    // The server notices the swap (and drops the old generation) while still answering.
    let switched = poll(PROPAGATION, Duration::from_millis(50), || async {
        serve.stderr().contains("switched to a rebuilt search index").then_some(())
    })
    .await;
    let old_removed =
        poll(PROPAGATION, Duration::from_millis(50), || async { (!index.join(&before).exists()).then_some(()) }).await;
    // A little more querying after the switch.
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    let (sent, failures, slowest) = queries.await.expect("the query loop");
    eprintln!(
        "search_processes: {sent} searches during and after reindex, slowest {slowest:?}, {} failed",
        failures.len()
    );
    assert!(sent >= 10, "the query loop ran ({sent} requests)");
    assert!(failures.is_empty(), "searches failed during reindex:\n{}", failures.join("\n"));
    assert!(switched.is_some(), "the server logged its switch to the rebuilt index; its stderr:\n{}", serve.stderr());
    assert!(
        old_removed.is_some(),
        "the old generation {before} is removed after the switch; index dir: {:?}",
        listing(&index)
    );

    // The server follows the log in the new generation.
    let created = serve.data(CREATE, json!({ "title": "Postswap gryphonade" })).await;
    let id = document_id(&created["createDocument"]["id"]);
    let found = poll(PROPAGATION, Duration::from_millis(50), || async {
        let page = serve.search("gryphonade").await;
        page.contains(id).then_some(())
    })
    .await;
    assert!(found.is_some(), "a document created after the swap is found; stderr:\n{}", serve.stderr());
    assert_eq!(serve.search_page("", 0, None).await.total, DOCUMENTS + 1, "every document once");
    assert_eq!(current_generation(&index).as_deref(), Some(after.as_str()), "`current` is unchanged");

    let serve = Arc::try_unwrap(serve).unwrap_or_else(|_| panic!("the query loop has ended"));
    serve.terminate();
}
