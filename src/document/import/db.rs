//! All SQL about imports: the record of each import and of the records it rejected.

use sqlx::PgPool;

use super::{ImportOptions, ImportReport};
use crate::error::Result;

/// Records that an import has started; returns its id.
pub async fn start(pool: &PgPool, source: &str, options: &ImportOptions) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO imports (source, file_name, partner_id, exchange_id) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(source)
    .bind(&options.file_name)
    .bind(options.partner_id)
    .bind(options.exchange_id)
    .fetch_one(pool)
    .await?)
}

/// Records an import's outcome and every rejection, in one transaction.
pub async fn finish(pool: &PgPool, report: &ImportReport) -> Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "UPDATE imports SET finished_at = now(), records_read = $2, created = $3, updated = $4, rejected = $5
         WHERE id = $1",
    )
    .bind(report.import_id)
    .bind(report.read)
    .bind(report.created)
    .bind(report.updated)
    .bind(report.rejected)
    .execute(&mut *tx)
    .await?;
    for r in &report.rejections {
        sqlx::query(
            "INSERT INTO import_rejections (import_id, position, byte_offset, control_number, reason)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(report.import_id)
        .bind(r.position)
        .bind(r.byte_offset)
        .bind(&r.control_number)
        .bind(&r.reason)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
