//! Full-text search over the exchanged documents: an embedded Tantivy index derived from
//! PostgreSQL.
//!
//! - [`analysis`]: how text becomes terms, in every script the catalogue holds.
//! - [`schema`]: the index fields.
//! - [`store`]: index generations on disk and the atomic swap of a rebuild.
//! - [`indexer`]: the rebuild, and applying the change log that triggers write in the same
//!   transaction as every change (`search_outbox`).
//! - [`writer`]: the one supervised writer per process that follows the log.
//! - [`query`], [`searcher`], [`matching`], [`expansion`], [`facets`], [`highlight`]:
//!   reading what users type, ranking, prefixes and typos, facets, marking matches.
//!
//! PostgreSQL stays the store of record: search returns document ids, which are resolved
//! to documents in one query. Any number of processes can keep their own index current
//! from the same log.

pub mod analysis;
mod any_term;
mod cjk_automaton;
pub mod db;
pub mod expansion;
pub mod facets;
pub mod highlight;
pub mod indexer;
pub mod matching;
mod partitioned;
mod per_segment;
mod prefix_automaton;
pub mod query;
pub mod schema;
pub mod searcher;
pub mod segment_table;
mod sorted;
pub mod store;
mod threads;
mod typo_index;
pub mod writer;
mod year_range;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use sqlx::PgPool;
use tantivy::{Index, IndexReader, ReloadPolicy, Warmer};
use tokio::sync::watch;

use self::schema::Fields;
use self::store::Generation;
pub use self::writer::WriterStatus;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index error: {0}")]
    Index(String),
    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },
    #[error(transparent)]
    Database(#[from] crate::error::Error),
}

impl From<tantivy::TantivyError> for SearchError {
    fn from(err: tantivy::TantivyError) -> Self {
        SearchError::Index(err.to_string())
    }
}

impl From<SearchError> for crate::error::Error {
    fn from(err: SearchError) -> Self {
        match err {
            SearchError::Database(inner) => inner,
            other => crate::error::Error::internal(other),
        }
    }
}

/// How long the change log is kept: a process whose index is older rebuilds.
pub const LOG_RETENTION_DAYS: i32 = 7;

/// Runs filesystem and Tantivy work (opening, committing, merging) on the blocking pool.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, SearchError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| SearchError::Index(e.to_string()))
}

/// The generation being served.
struct Active {
    /// What searches on this generation worked out and keep.
    remembered: Arc<searcher::Remembered>,
    /// Works out, for each segment a reload brings, what searches would otherwise work out
    /// on their first use of it (the reader holds it weakly: kept alive here).
    _warming: Arc<dyn Warmer>,
    index: Index,
    reader: IndexReader,
    tokenizers: tantivy::tokenizer::TokenizerManager,
    /// What `current` pointed to when it was opened.
    target: PathBuf,
}

struct Inner {
    root: PathBuf,
    fields: Fields,
    active: RwLock<Arc<Active>>,
    /// The writer's watermark after its last round, for tests and readiness.
    applied: watch::Sender<u64>,
    status: watch::Sender<WriterStatus>,
    restarts: AtomicU64,
    /// Fault injection: the writer panics at its next round (see [`SearchIndex::inject_writer_panic`]).
    panic_requested: AtomicBool,
    /// A merge of every segment into one is running (after a large backlog).
    merging: AtomicBool,
    /// A bulk load is being applied: its segments are merged once it is over.
    loading: AtomicBool,
    /// Searches running now: a search alone on the machine may rank on the idle cores too.
    searches: AtomicUsize,
}

/// The cores this process may use.
fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get))
}

/// A search counted as running while this lives.
struct Running<'a> {
    count: &'a AtomicUsize,
    /// The other searches running when this one started.
    others: usize,
}

impl<'a> Running<'a> {
    fn start(count: &'a AtomicUsize) -> Self {
        Running { count, others: count.fetch_add(1, Ordering::Relaxed) }
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.count.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The search index of this process, and its writer task.
#[derive(Clone)]
pub struct SearchIndex {
    inner: Arc<Inner>,
}

fn activate(generation: Generation, fields: &Fields) -> Result<Active, SearchError> {
    let remembered = Arc::new(searcher::Remembered::default());
    let warming: Arc<dyn Warmer> = Arc::new(searcher::Warming::new(remembered.clone(), fields));
    let reader = generation
        .index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .warmers(vec![Arc::downgrade(&warming)])
        .try_into()?;
    let tokenizers = generation.index.tokenizers().clone();
    Ok(Active { remembered, _warming: warming, index: generation.index, reader, tokenizers, target: generation.target })
}

/// Opens the current generation, or builds one when it is missing, corrupt, of another
/// schema version, or older than the change log reaches back.
async fn open_or_rebuild(pool: &PgPool, root: &Path, fields: &Fields) -> Result<Generation, SearchError> {
    let mut conn = pool.acquire().await.map_err(crate::error::Error::from)?;
    let pruned = db::pruned_up_to(&mut conn).await?;
    drop(conn);
    let dir = root.to_path_buf();
    let current = blocking(move || {
        std::fs::create_dir_all(&dir)
            .map_err(|source| SearchError::Io {
                context: format!("cannot create the index directory {}", dir.display()),
                source,
            })
            .map(|()| store::open_current(&dir))
    })
    .await??;
    match current {
        Some(generation) if generation.payload.watermark > pruned => Ok(generation),
        Some(_) => {
            tracing::warn!("the search index is older than the change log: rebuilding it");
            indexer::rebuild(pool, root, fields).await
        }
        None => {
            tracing::info!(dir = %root.display(), "no usable search index: building it");
            indexer::rebuild(pool, root, fields).await
        }
    }
}

impl SearchIndex {
    /// Opens (or builds) the index in `root` and starts the writer that follows the change
    /// log. The writer stops when `shutdown` changes.
    pub async fn open(pool: PgPool, root: PathBuf, shutdown: watch::Receiver<bool>) -> Result<Self, SearchError> {
        let fields = schema::build();
        let generation = open_or_rebuild(&pool, &root, &fields).await?;
        let watermark = generation.payload.watermark;
        let (stale_root, keep) = (root.clone(), generation.dir.clone());
        let warmed_fields = fields.clone();
        let active = blocking(move || {
            store::remove_stale(&stale_root, &keep);
            activate(generation, &warmed_fields)
        })
        .await??;
        let inner = Arc::new(Inner {
            root,
            fields,
            active: RwLock::new(Arc::new(active)),
            applied: watch::channel(watermark).0,
            status: watch::channel(WriterStatus::Starting).0,
            restarts: AtomicU64::new(0),
            panic_requested: AtomicBool::new(false),
            merging: AtomicBool::new(false),
            loading: AtomicBool::new(false),
            searches: AtomicUsize::new(0),
        });
        let index = SearchIndex { inner };
        writer::spawn(index.clone(), pool, shutdown);
        Ok(index)
    }

    pub fn fields(&self) -> &Fields {
        &self.inner.fields
    }

    fn active(&self) -> Arc<Active> {
        self.inner.active.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Runs a search on the blocking pool (it is CPU work).
    pub async fn search(&self, request: searcher::Request) -> Result<searcher::Results, SearchError> {
        let (active, inner) = (self.active(), self.inner.clone());
        blocking(move || {
            let running = Running::start(&inner.searches);
            // Cores no other search is using help rank this one; under load each search
            // keeps to its own thread, which is the cheapest way through.
            let threads = cores().saturating_sub(running.others).max(1);
            let searcher = active.reader.searcher();
            searcher::run(&searcher, &active.tokenizers, &inner.fields, &active.remembered, &request, threads)
        })
        .await?
    }

    /// The closest indexed word to each word given (None where there is none).
    pub async fn corrections(&self, words: Vec<String>) -> Result<Vec<Option<String>>, SearchError> {
        let (active, fields) = (self.active(), self.inner.fields.clone());
        blocking(move || {
            let searcher = active.reader.searcher();
            words
                .iter()
                .map(|w| {
                    let expansions = &active.remembered.expansions;
                    expansions.closest(&searcher, fields.vocabulary, w, || {
                        expansion::closest_term(&searcher, &active.tokenizers, &fields, expansions, w)
                    })
                })
                .collect()
        })
        .await
    }

    /// Marks what `query` matches in each (title, abstract), and the `corrections` the
    /// search matched in place of misspelt words ([`searcher::Results::corrections`]), on
    /// the blocking pool.
    pub async fn highlight(
        &self,
        query: query::ParsedQuery,
        corrections: Vec<String>,
        texts: Vec<(String, Option<String>)>,
    ) -> Result<Vec<highlight::Highlights>, SearchError> {
        let active = self.active();
        blocking(move || {
            let matcher = highlight::Matcher::for_query(&active.tokenizers, &query, &corrections);
            texts.iter().map(|(title, abstract_text)| matcher.hit(title, abstract_text.as_deref())).collect()
        })
        .await
    }

    /// Resolves when the writer has read the log up to `watermark` (or beyond).
    pub fn applied(&self) -> watch::Receiver<u64> {
        self.inner.applied.subscribe()
    }

    /// What the writer is doing now.
    pub fn status(&self) -> WriterStatus {
        self.inner.status.borrow().clone()
    }

    /// Whether the segments are being merged into one after a large backlog: searches
    /// still answer, but use more CPU until the merge is done.
    pub fn merging(&self) -> bool {
        self.inner.merging.load(Ordering::SeqCst)
    }

    /// Whether a bulk load is being applied, or its segments merged: the index answers, but
    /// is not yet in the shape it settles in.
    pub fn settling(&self) -> bool {
        self.inner.loading.load(Ordering::SeqCst) || self.merging()
    }

    /// How many times the writer was restarted after a panic.
    pub fn writer_restarts(&self) -> u64 {
        self.inner.restarts.load(Ordering::Relaxed)
    }

    /// Fault injection for tests and drills: the writer panics at the start of its next
    /// round, once, and its supervisor restarts it.
    #[doc(hidden)]
    pub fn inject_writer_panic(&self) {
        self.inner.panic_requested.store(true, Ordering::SeqCst);
    }

    fn panic_if_asked(&self) {
        if self.inner.panic_requested.swap(false, Ordering::SeqCst) {
            panic!("a panic injected into the search index writer");
        }
    }

    fn publish(&self, status: WriterStatus) {
        let (up, behind) = match &status {
            WriterStatus::Following { behind } => (1.0, *behind as f64),
            _ => (0.0, 0.0),
        };
        metrics::gauge!("hamkor_search_writer_up").set(up);
        metrics::gauge!("hamkor_search_writer_behind_rows").set(behind);
        self.inner.status.send_if_modified(|current| {
            let changed = *current != status;
            *current = status;
            changed
        });
    }

    /// Switches to the generation `current` now points to (another process rebuilt it).
    async fn switch_generation(&self, pool: &PgPool) -> Result<(), SearchError> {
        let generation = open_or_rebuild(pool, &self.inner.root, &self.inner.fields).await?;
        let dir = generation.dir.clone();
        let fields = self.inner.fields.clone();
        let active = blocking(move || activate(generation, &fields)).await??;
        *self.inner.active.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(active);
        let (root, keep) = (self.inner.root.clone(), dir.clone());
        blocking(move || store::remove_stale(&root, &keep)).await?;
        tracing::info!(dir = %dir.display(), "switched to a rebuilt search index");
        Ok(())
    }
}

/// Rebuilds the index in `root` from PostgreSQL into a new generation and swaps it in; a
/// server using `root` switches to it within a second.
pub async fn reindex(pool: &PgPool, root: &Path) -> Result<usize, SearchError> {
    let fields = schema::build();
    let generation = indexer::rebuild(pool, root, &fields).await?;
    blocking(move || -> Result<usize, SearchError> {
        let reader: IndexReader = generation.index.reader()?;
        Ok(reader.searcher().num_docs() as usize)
    })
    .await?
}
