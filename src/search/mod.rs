//! Full-text search over the exchanged documents: an embedded Tantivy index derived from
//! PostgreSQL.
//!
//! - [`analysis`]: how text becomes terms, in every script the catalogue holds.
//! - [`schema`]: the index fields.
//! - [`store`]: index generations on disk and the atomic swap of a rebuild.
//! - [`indexer`]: the rebuild, and the one writer that follows the change log that
//!   triggers write in the same transaction as every change (`search_outbox`).
//! - [`query`], [`searcher`], [`matching`], [`expansion`], [`facets`], [`highlight`]:
//!   reading what users type, ranking, prefixes and typos, facets, marking matches.
//!
//! PostgreSQL stays the store of record: search returns document ids, which are resolved
//! to documents in one query. Any number of processes can keep their own index current
//! from the same log.

pub mod analysis;
mod cjk_automaton;
pub mod db;
pub mod expansion;
pub mod facets;
pub mod highlight;
pub mod indexer;
pub mod matching;
pub mod query;
pub mod schema;
pub mod searcher;
pub mod store;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use sqlx::PgPool;
use tantivy::{IndexReader, IndexWriter, ReloadPolicy};
use tokio::sync::watch;

use self::indexer::Cursor;
use self::schema::Fields;
use self::store::Generation;

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
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// The generation being served.
struct Active {
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
}

/// The search index of this process, and its writer task.
#[derive(Clone)]
pub struct SearchIndex {
    inner: Arc<Inner>,
}

fn activate(generation: &Generation) -> Result<(Active, IndexWriter), SearchError> {
    let reader = generation.index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
    let writer = indexer::new_writer(&generation.index)?;
    let target = generation.target.clone();
    Ok((Active { reader, tokenizers: generation.index.tokenizers().clone(), target }, writer))
}

/// Opens the current generation, or builds one when it is missing, corrupt, of another
/// schema version, or older than the change log reaches back.
async fn open_or_rebuild(pool: &PgPool, root: &Path, fields: &Fields) -> Result<Generation, SearchError> {
    std::fs::create_dir_all(root).map_err(|source| SearchError::Io {
        context: format!("cannot create the index directory {}", root.display()),
        source,
    })?;
    let mut conn = pool.acquire().await.map_err(crate::error::Error::from)?;
    let pruned = db::pruned_up_to(&mut conn).await?;
    drop(conn);
    match store::open_current(root) {
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
        store::remove_stale(&root, &generation.dir);
        let watermark = generation.payload.watermark;
        let (active, writer) = activate(&generation)?;
        let (applied, _) = watch::channel(watermark);
        let inner = Arc::new(Inner { root, fields, active: RwLock::new(Arc::new(active)), applied });
        let index = SearchIndex { inner };
        let writer_task = index.clone();
        tokio::spawn(async move { writer_task.follow_log(pool, writer, Cursor::new(watermark), shutdown).await });
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
        let (active, fields) = (self.active(), self.inner.fields.clone());
        tokio::task::spawn_blocking(move || {
            let searcher = active.reader.searcher();
            searcher::run(&searcher, &active.tokenizers, &fields, &request)
        })
        .await
        .map_err(|e| SearchError::Index(e.to_string()))?
    }

    /// The closest indexed word to each word given (None where there is none).
    pub async fn corrections(&self, words: Vec<String>) -> Result<Vec<Option<String>>, SearchError> {
        let (active, fields) = (self.active(), self.inner.fields.clone());
        tokio::task::spawn_blocking(move || {
            let searcher = active.reader.searcher();
            words.iter().map(|w| expansion::closest_term(&searcher, &active.tokenizers, &fields, w)).collect()
        })
        .await
        .map_err(|e| SearchError::Index(e.to_string()))
    }

    /// Marks what `query` matches in each (title, abstract), on the blocking pool.
    pub async fn highlight(
        &self,
        query: query::ParsedQuery,
        texts: Vec<(String, Option<String>)>,
    ) -> Result<Vec<highlight::Highlights>, SearchError> {
        let active = self.active();
        tokio::task::spawn_blocking(move || {
            let matcher = highlight::Matcher::for_query(&active.tokenizers, &query);
            texts
                .iter()
                .map(|(title, abstract_text)| matcher.hit(&active.tokenizers, title, abstract_text.as_deref()))
                .collect()
        })
        .await
        .map_err(|e| SearchError::Index(e.to_string()))
    }

    /// Resolves when the writer has read the log up to `watermark` (or beyond).
    pub fn applied(&self) -> watch::Receiver<u64> {
        self.inner.applied.subscribe()
    }

    /// The writer: waits for a notification (or polls), applies the log, commits; notices
    /// when another process swapped in a rebuilt generation and switches to it.
    async fn follow_log(
        &self,
        pool: PgPool,
        writer: IndexWriter,
        mut cursor: Cursor,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let mut writer = Arc::new(Mutex::new(writer));
        let mut listener = listen(&pool).await;
        let mut last_prune = std::time::Instant::now() - PRUNE_EVERY;
        let mut applied_since_merge = 0;
        loop {
            if *shutdown.borrow() {
                break;
            }
            if store::current_target(&self.inner.root).is_some_and(|t| t != self.active().target) {
                match self.switch_generation(&pool).await {
                    Ok((new_writer, watermark)) => {
                        writer = Arc::new(Mutex::new(new_writer));
                        cursor = Cursor::new(watermark);
                    }
                    Err(err) => tracing::error!(error = %err, "cannot switch to the rebuilt search index"),
                }
            }
            let active = self.active();
            let mut more = false;
            match indexer::catch_up(&pool, &writer, &active.reader, &self.inner.fields, &mut cursor).await {
                Ok(round) => {
                    if round.applied > 0 {
                        tracing::debug!(applied = round.applied, "search index updated");
                    }
                    more = round.more;
                    applied_since_merge += round.applied;
                    if !more && applied_since_merge >= indexer::MERGE_AFTER_DOCUMENTS {
                        applied_since_merge = 0;
                        indexer::merge_all(&writer);
                    }
                    self.inner.applied.send_replace(cursor.watermark);
                }
                Err(err) => tracing::error!(error = %err, "search index update failed; retrying"),
            }
            if more {
                continue;
            }
            if last_prune.elapsed() >= PRUNE_EVERY {
                last_prune = std::time::Instant::now();
                if let Err(err) = db::prune(&pool, LOG_RETENTION_DAYS).await {
                    tracing::warn!(error = %err, "cannot prune the search change log");
                }
            }
            let notified = async {
                match listener.as_mut() {
                    Some(listener) => {
                        let _ = listener.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = notified => {}
                () = tokio::time::sleep(indexer::POLL) => {}
                _ = shutdown.changed() => {}
            }
        }
        let writer = Arc::try_unwrap(writer).ok().map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()));
        if let Some(writer) = writer {
            let _ = tokio::task::spawn_blocking(move || writer.wait_merging_threads()).await;
        }
    }

    async fn switch_generation(&self, pool: &PgPool) -> Result<(IndexWriter, u64), SearchError> {
        let generation = open_or_rebuild(pool, &self.inner.root, &self.inner.fields).await?;
        let watermark = generation.payload.watermark;
        let (active, writer) = activate(&generation)?;
        *self.inner.active.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(active);
        store::remove_stale(&self.inner.root, &generation.dir);
        tracing::info!(dir = %generation.dir.display(), "switched to a rebuilt search index");
        Ok((writer, watermark))
    }
}

/// A LISTEN connection for the triggers' notifications; without one, the writer polls.
async fn listen(pool: &PgPool) -> Option<sqlx::postgres::PgListener> {
    let mut listener = sqlx::postgres::PgListener::connect_with(pool).await.ok()?;
    listener.listen("hamkor_search").await.ok()?;
    Some(listener)
}

/// Rebuilds the index in `root` from PostgreSQL into a new generation and swaps it in; a
/// server using `root` switches to it within a second.
pub async fn reindex(pool: &PgPool, root: &Path) -> Result<usize, SearchError> {
    let fields = schema::build();
    let generation = indexer::rebuild(pool, root, &fields).await?;
    let reader: IndexReader = generation.index.reader()?;
    Ok(reader.searcher().num_docs() as usize)
}
