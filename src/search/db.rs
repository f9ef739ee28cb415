//! All SQL of the search layer: the change log (outbox) and the rows the index is built from.

use sqlx::{PgConnection, PgPool, Postgres, Transaction};

use crate::document::Document;
use crate::error::Result;

/// Everything the index needs of one document: the document itself (the index keeps a
/// copy for results pages) and what its holdings, shipments and partner add.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct IndexRow {
    #[sqlx(flatten)]
    pub document: Document,
    pub country: Option<String>,
    pub available: bool,
    pub projects: Vec<i64>,
    pub directions: Vec<String>,
}

static INDEX_ROWS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "WITH d AS ({} WHERE d.id = ANY($1))
         SELECT d.*, p.country::text AS country,
                EXISTS (SELECT 1 FROM holdings h
                        WHERE h.document_id = d.id AND h.holder_partner_id IS NULL AND h.status = 'available') AS available,
                ARRAY(SELECT DISTINCT h.location_project_id FROM holdings h
                      WHERE h.document_id = d.id AND h.location_project_id IS NOT NULL) AS projects,
                ARRAY(SELECT e.direction FROM exchange_lines l JOIN exchanges e ON e.id = l.exchange_id
                      WHERE l.document_id = d.id AND e.status <> 'cancelled'
                      UNION
                      SELECT 'incoming' WHERE d.origin_partner_id IS NOT NULL OR d.origin_exchange_id IS NOT NULL) AS directions
         FROM d LEFT JOIN partners p ON p.id = d.origin_partner_id",
        crate::document::db::SELECT
    )
});

pub async fn index_rows(conn: &mut PgConnection, ids: &[i64]) -> Result<Vec<IndexRow>> {
    Ok(sqlx::query_as(INDEX_ROWS.as_str()).bind(ids).fetch_all(conn).await?)
}

/// Document ids after `after`, in id order: how a rebuild walks the catalogue.
pub async fn document_ids_after(conn: &mut PgConnection, after: i64, limit: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM documents WHERE id > $1 ORDER BY id LIMIT $2")
        .bind(after)
        .bind(limit)
        .fetch_all(conn)
        .await?)
}

/// A consistent view for one round of reading the log: the rows and the documents are read
/// in one snapshot, and its `xmin` is the next watermark.
pub async fn begin_snapshot(pool: &PgPool) -> Result<(Transaction<'static, Postgres>, u64)> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
    let xmin: String =
        sqlx::query_scalar("SELECT pg_snapshot_xmin(pg_current_snapshot())::text").fetch_one(&mut *tx).await?;
    Ok((tx, parse_xid(&xmin)))
}

fn parse_xid(text: &str) -> u64 {
    text.trim().parse().unwrap_or(0)
}

/// (outbox id, document id) of the log rows of transactions at or above `watermark`
/// (committed ones, as this snapshot sees them), after the row `after_id`.
pub async fn changes_since(
    conn: &mut PgConnection,
    watermark: u64,
    after_id: i64,
    limit: i64,
) -> Result<Vec<(i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT id, document_id FROM search_outbox WHERE xid >= $1::text::xid8 AND id > $2 ORDER BY id LIMIT $3",
    )
    .bind(watermark.to_string())
    .bind(after_id)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// How many log rows of transactions at or above `watermark` come after the row `after_id`:
/// how far behind a writer working off a backlog is.
pub async fn pending(conn: &mut PgConnection, watermark: u64, after_id: i64) -> Result<u64> {
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM search_outbox WHERE xid >= $1::text::xid8 AND id > $2")
        .bind(watermark.to_string())
        .bind(after_id)
        .fetch_one(conn)
        .await?;
    Ok(n.max(0) as u64)
}

/// The transaction id below which the log has been pruned (0 when never).
pub async fn pruned_up_to(conn: &mut PgConnection) -> Result<u64> {
    let up_to: Option<String> =
        sqlx::query_scalar("SELECT up_to::text FROM search_outbox_pruned").fetch_optional(conn).await?;
    Ok(up_to.as_deref().map_or(0, parse_xid))
}

/// Deletes log rows older than `retention_days` and records how far the log now reaches.
/// One statement, so the rows and the record of how far they reached go together.
pub async fn prune(pool: &PgPool, retention_days: i32) -> Result<u64> {
    let up_to: Option<String> = sqlx::query_scalar(
        "WITH gone AS (DELETE FROM search_outbox WHERE recorded_at < now() - make_interval(days => $1) RETURNING xid)
         INSERT INTO search_outbox_pruned (up_to) SELECT max(xid) FROM gone HAVING max(xid) IS NOT NULL
         ON CONFLICT (singleton) DO UPDATE SET up_to = GREATEST(search_outbox_pruned.up_to, EXCLUDED.up_to)
         RETURNING up_to::text",
    )
    .bind(retention_days)
    .fetch_optional(pool)
    .await?;
    Ok(up_to.as_deref().map_or(0, parse_xid))
}
