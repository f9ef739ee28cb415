//! Keeping the index equal to PostgreSQL: building it from scratch, and the one long-lived
//! writer that follows the change log.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::PgPool;
use tantivy::{IndexWriter, TantivyDocument, Term};

use super::db::{self, IndexRow};
use super::facets::Category;
use super::schema::{Fields, SCHEMA_VERSION, Source};
use super::store::{self, Generation, Payload};
use super::{SearchError, analysis};

/// Heap the writer may use before it flushes a segment (split among its indexing threads):
/// a bulk load flushes fewer, larger segments, which leaves less to merge.
const WRITER_MEMORY: usize = 192 * 1024 * 1024;
/// Log rows read per round; documents loaded per statement.
const ROUND_ROWS: i64 = 20_000;
const LOAD_CHUNK: usize = 1_000;
/// How long the writer waits for a notification before it looks at the log anyway.
pub const POLL: Duration = Duration::from_millis(250);

pub fn new_writer(index: &tantivy::Index) -> Result<IndexWriter, SearchError> {
    index.writer(WRITER_MEMORY).map_err(SearchError::from)
}

/// The index form of a document.
pub fn to_document(fields: &Fields, row: &IndexRow) -> TantivyDocument {
    let document = &row.document;
    let described = &document.description;
    let mut doc = TantivyDocument::default();
    doc.add_u64(fields.id, document.id as u64);
    match serde_json::to_vec(document) {
        Ok(copy) => doc.add_bytes(fields.copy, &copy),
        // Without its copy the document is still found; its page reads it from PostgreSQL.
        Err(err) => tracing::error!(document = document.id, error = %err, "cannot encode a document for the index"),
    }
    let mut titles = vec![described.title.clone()];
    titles.extend(described.subtitle.clone());
    for parallel in &described.parallel_titles {
        titles.push(parallel.title.clone());
        titles.extend(parallel.subtitle.clone());
    }
    let contributors: Vec<String> = described
        .contributors
        .iter()
        .flat_map(|c| std::iter::once(c.name.clone()).chain(c.parallel_name.clone()))
        .collect();
    let abstracts: Vec<String> = described.abstract_text.iter().chain(described.notes.iter()).cloned().collect();
    let texts: [(Source, &[String]); 4] = [
        (Source::Title, &titles),
        (Source::Contributors, &contributors),
        (Source::Subjects, &described.subjects),
        (Source::Abstract, &abstracts),
    ];
    for (source, values) in texts {
        for analyzer in analysis::ALL {
            for field in std::iter::once(fields.text.get(source, analyzer)).chain(fields.text.pairs(source, analyzer)) {
                for value in values {
                    doc.add_text(field, value);
                }
            }
        }
        if source != Source::Abstract {
            for value in values {
                doc.add_text(fields.vocabulary, value);
            }
        }
    }
    let mut keys = BTreeSet::new();
    for language in &described.languages {
        doc.add_text(fields.language, language);
        keys.insert(Category::Language.key(language));
    }
    let format = described.format.as_str();
    doc.add_text(fields.format, format);
    keys.insert(Category::Format.key(format));
    if let Some(year) = described.year {
        doc.add_i64(fields.year, i64::from(year));
    }
    if let Some(partner) = document.origin_partner_id {
        doc.add_u64(fields.partner, partner as u64);
        keys.insert(Category::Partner.key(&partner.to_string()));
    }
    if let Some(country) = &row.country {
        doc.add_text(fields.country, country);
        keys.insert(Category::Country.key(country));
    }
    for direction in &row.directions {
        doc.add_text(fields.direction, direction);
    }
    for project in &row.projects {
        doc.add_u64(fields.project, *project as u64);
    }
    doc.add_bool(fields.available, row.available);
    doc.add_i64(fields.added, document.created_at.timestamp());
    keys.extend(described.subjects.iter().map(|subject| Category::Subject.key(subject)));
    // Each key once per document: facet counting then counts what it reads, with no
    // de-duplication per hit.
    for key in keys {
        doc.add_text(fields.facet_keys, key);
    }
    doc
}

/// Replaces (or removes) the given documents in the writer's pending commit.
fn stage(writer: &IndexWriter, fields: &Fields, ids: &[i64], rows: &[IndexRow]) {
    for id in ids {
        writer.delete_term(Term::from_field_u64(fields.id, *id as u64));
    }
    for row in rows {
        if let Err(err) = writer.add_document(to_document(fields, row)) {
            tracing::error!(document = row.document.id, error = %err, "cannot index a document");
        }
    }
}

fn commit(writer: &mut IndexWriter, watermark: u64) -> Result<(), SearchError> {
    let mut prepared = writer.prepare_commit()?;
    prepared.set_payload(&Payload { schema: SCHEMA_VERSION, watermark }.encode());
    prepared.commit()?;
    Ok(())
}

/// Builds a complete new generation from PostgreSQL and makes it current.
///
/// Everything is read in one snapshot; the snapshot's `xmin` becomes the watermark, so the
/// log rows of every transaction the snapshot did not see are applied afterwards.
pub async fn rebuild(pool: &PgPool, root: &Path, fields: &Fields) -> Result<Generation, SearchError> {
    let started = std::time::Instant::now();
    let (mut tx, watermark) = db::begin_snapshot(pool).await?;
    let root_owned = root.to_path_buf();
    let (writer, building) = tokio::task::spawn_blocking(move || -> Result<_, SearchError> {
        let (index, building) = store::create_building(&root_owned)?;
        let writer = new_writer(&index)?;
        // Merged once, at the end, into one segment (background merges would race with it).
        writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        Ok((writer, building))
    })
    .await
    .map_err(|e| SearchError::Index(e.to_string()))??;
    let writer = Arc::new(Mutex::new(writer));
    let mut after = 0;
    let mut count = 0usize;
    loop {
        let ids = db::document_ids_after(&mut tx, after, LOAD_CHUNK as i64).await?;
        let Some(&last) = ids.last() else { break };
        let rows = db::index_rows(&mut tx, &ids).await?;
        count += rows.len();
        let (writer, fields) = (writer.clone(), fields.clone());
        tokio::task::spawn_blocking(move || {
            let writer = writer.lock().unwrap_or_else(|e| e.into_inner());
            for row in &rows {
                if let Err(err) = writer.add_document(to_document(&fields, row)) {
                    tracing::error!(document = row.document.id, error = %err, "cannot index a document");
                }
            }
        })
        .await
        .map_err(|e| SearchError::Index(e.to_string()))?;
        after = last;
    }
    tx.commit().await.map_err(crate::error::Error::from)?;
    let root_owned = root.to_path_buf();
    tokio::task::spawn_blocking(move || -> Result<(), SearchError> {
        let mut writer = Arc::try_unwrap(writer)
            .map_err(|_| SearchError::Index("the rebuild writer is still shared".into()))?
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        commit(&mut writer, watermark)?;
        // One segment: a query walks each segment's dictionaries, and a fresh build is the
        // cheapest moment to merge (the payload, and so the watermark, is kept).
        let segments = writer.index().searchable_segment_ids()?;
        if segments.len() > 1 {
            writer.merge(&segments).wait()?;
        }
        writer.wait_merging_threads()?;
        store::promote(&root_owned, &building)?;
        Ok(())
    })
    .await
    .map_err(|e| SearchError::Index(e.to_string()))??;
    tracing::info!(documents = count, seconds = started.elapsed().as_secs_f64(), "search index rebuilt");
    let root = root.to_path_buf();
    tokio::task::spawn_blocking(move || store::open_current(&root))
        .await
        .map_err(|e| SearchError::Index(e.to_string()))?
        .ok_or_else(|| SearchError::Index("the rebuilt index cannot be opened".into()))
}

/// After this many documents applied since the last full merge, the writer merges its
/// segments into one once the backlog is worked off: a large import arrives as many small
/// segments, and every query walks each segment's dictionaries.
pub const MERGE_AFTER_DOCUMENTS: usize = 10_000;
/// ... unless there are at most this many segments anyway.
const FEW_SEGMENTS: usize = 2;

/// Starts merging every segment into one on tantivy's merge threads (the payload is
/// kept); returns the merge to wait for, or None when there are few segments anyway. A
/// merge the merge policy started meanwhile may make it fail; that only means the policy
/// merges instead.
pub fn merge_all(
    writer: &Arc<Mutex<IndexWriter>>,
) -> Option<tantivy::FutureResult<Option<tantivy::index::SegmentMeta>>> {
    let mut writer = writer.lock().unwrap_or_else(|e| e.into_inner());
    let segments = match writer.index().searchable_segment_ids() {
        Ok(segments) if segments.len() > FEW_SEGMENTS => segments,
        _ => return None,
    };
    tracing::info!(segments = segments.len(), "merging the search index after a large backlog");
    Some(writer.merge(&segments))
}

/// A round that applies this many documents means a bulk load: segments are then left
/// unmerged until it is over (see [`bulk_merging`]).
pub const BULK_ROUND: usize = 2_000;

/// Turns merging off for a bulk load, or back on after it. During a load every commit adds
/// segments, and merging them as they come rewrites the same documents again and again;
/// once the load is over one merge of everything ([`merge_all`]) does it once.
pub fn bulk_merging(writer: &Arc<Mutex<IndexWriter>>, bulk: bool) {
    let writer = writer.lock().unwrap_or_else(|e| e.into_inner());
    if bulk {
        writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
    } else {
        writer.set_merge_policy(Box::new(tantivy::indexer::LogMergePolicy::default()));
    }
}

/// Where the writer is in the log.
pub struct Cursor {
    /// Every row of a transaction below this is applied (the committed payload).
    pub watermark: u64,
    /// Rows at or above the watermark already applied (skipped until the watermark passes).
    seen: HashSet<i64>,
    /// While a backlog larger than one round is worked off: the last row read, and the
    /// watermark of the round that started it (the most the drain may advance to).
    drain: Option<(i64, u64)>,
}

impl Cursor {
    pub fn new(watermark: u64) -> Self {
        Cursor { watermark, seen: HashSet::new(), drain: None }
    }
}

/// What one round did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Round {
    pub applied: usize,
    /// More of the log is waiting: run the next round at once.
    pub more: bool,
    /// How many log rows are still waiting (0 when caught up).
    pub behind: u64,
}

/// One round: reads at most [`ROUND_ROWS`] rows of the log, applies what is new, commits.
/// A larger backlog is worked off round by round, each bounded in memory; the watermark
/// only advances when it is done.
pub async fn catch_up(
    pool: &PgPool,
    writer: &Arc<Mutex<IndexWriter>>,
    reader: &tantivy::IndexReader,
    fields: &Fields,
    cursor: &mut Cursor,
) -> Result<Round, SearchError> {
    let (mut tx, xmin) = db::begin_snapshot(pool).await?;
    let (after_id, round_xmin) = cursor.drain.unwrap_or((0, xmin));
    let page = db::changes_since(&mut tx, cursor.watermark, after_id, ROUND_ROWS).await?;
    let more = page.len() as i64 == ROUND_ROWS;
    let last_id = page.last().map_or(after_id, |(id, _)| *id);
    let rows: Vec<(i64, i64)> = page.into_iter().filter(|(id, _)| !cursor.seen.contains(id)).collect();
    let ids: BTreeSet<i64> = rows.iter().map(|(_, document)| *document).collect();
    let ids: Vec<i64> = ids.into_iter().collect();
    let mut documents = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(LOAD_CHUNK) {
        documents.extend(db::index_rows(&mut tx, chunk).await?);
    }
    let behind = if more { db::pending(&mut tx, cursor.watermark, last_id).await? } else { 0 };
    tx.commit().await.map_err(crate::error::Error::from)?;
    let watermark = if more { cursor.watermark } else { round_xmin.max(cursor.watermark) };
    let applied = ids.len();
    // Nothing to apply: the new watermark is only kept in memory. Losing it in a crash
    // costs a re-read of a few rows, not a commit every round.
    if !ids.is_empty() {
        let (writer, reader, fields) = (writer.clone(), reader.clone(), fields.clone());
        tokio::task::spawn_blocking(move || -> Result<(), SearchError> {
            let mut writer = writer.lock().unwrap_or_else(|e| e.into_inner());
            stage(&writer, &fields, &ids, &documents);
            commit(&mut writer, watermark)?;
            reader.reload()?;
            Ok(())
        })
        .await
        .map_err(|e| SearchError::Index(e.to_string()))??;
    }
    cursor.drain = more.then_some((last_id, round_xmin));
    if watermark > cursor.watermark {
        cursor.seen.clear();
        cursor.watermark = watermark;
    }
    // Rows of transactions at or above the watermark are read again; skip the ones applied.
    cursor.seen.extend(rows.iter().map(|(id, _)| *id));
    Ok(Round { applied, more, behind })
}

/// An index in memory with hamkor's schema and analyzers, for the tests of searching.
#[cfg(test)]
pub mod fixture {
    use tantivy::{Index, IndexWriter};

    use crate::document::{Description, Document};
    use crate::search::db::IndexRow;
    use crate::search::schema::Fields;

    /// An empty index, and a writer on one thread (documents keep the order they are added in).
    pub fn empty_index() -> (Fields, Index, IndexWriter) {
        let fields = crate::search::schema::build();
        let index = Index::create_in_ram(fields.schema.clone());
        crate::search::analysis::register(index.tokenizers());
        let writer = index.writer_with_num_threads(1, 15_000_000).expect("an in-memory writer");
        (fields, index, writer)
    }

    /// Adds a document as the index writer would, with `description` and nothing else.
    pub fn add_described(writer: &IndexWriter, fields: &Fields, id: i64, description: Description) {
        let row = IndexRow {
            document: Document::described(id, description),
            country: None,
            available: true,
            projects: vec![],
            directions: vec![],
        };
        writer.add_document(super::to_document(fields, &row)).expect("a document added");
    }
}
