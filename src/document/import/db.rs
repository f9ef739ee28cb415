//! All SQL about imports: the record of each import, of the records it rejected and
//! repaired, of what each record became, and the roll-back.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use super::{Change, ImportOptions, ImportReport, Rejection, Warning};
use crate::db::list::{Conditions, Listing, Scope};
use crate::error::{Error, Result};

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

/// Records an import's outcome, every rejection and every warning, in one transaction.
pub async fn finish(pool: &PgPool, report: &ImportReport) -> Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "UPDATE imports SET finished_at = now(), records_read = $2, created = $3, updated = $4, rejected = $5,
                warnings = $6
         WHERE id = $1",
    )
    .bind(report.import_id)
    .bind(report.read)
    .bind(report.created)
    .bind(report.updated)
    .bind(report.rejected)
    .bind(report.warnings.len() as i32)
    .execute(&mut *tx)
    .await?;
    let json = |value: serde_json::Value| value;
    sqlx::query(
        "INSERT INTO import_rejections (import_id, position, byte_offset, control_number, reason)
         SELECT $1, position, byte_offset, control_number, reason
         FROM jsonb_to_recordset($2) AS x(position int, byte_offset bigint, control_number text, reason text)",
    )
    .bind(report.import_id)
    .bind(json(serde_json::to_value(&report.rejections).map_err(Error::internal)?))
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO import_warnings (import_id, position, control_number, message)
         SELECT $1, position, control_number, message
         FROM jsonb_to_recordset($2) AS x(position int, control_number text, message text)",
    )
    .bind(report.import_id)
    .bind(json(serde_json::to_value(&report.warnings).map_err(Error::internal)?))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Records what each record of a batch became; for an update, the document as it is
/// before the update (call it before updating).
pub(super) async fn record_changes(conn: &mut PgConnection, import_id: i64, changes: &[Change]) -> Result<()> {
    let positions: Vec<i32> = changes.iter().map(|c| c.position).collect();
    let documents: Vec<i64> = changes.iter().map(|c| c.document_id).collect();
    let actions: Vec<&str> = changes.iter().map(|c| if c.created { "created" } else { "updated" }).collect();
    let rules: Vec<Option<&str>> = changes.iter().map(|c| c.matched_by.map(|m| m.as_str())).collect();
    sqlx::query(
        "INSERT INTO import_changes (import_id, position, document_id, action, matched_by, previous)
         SELECT $1, c.position, c.document_id, c.action, c.matched_by,
                CASE WHEN c.action = 'updated' THEN (SELECT to_jsonb(d) FROM documents d WHERE d.id = c.document_id) END
         FROM unnest($2::int[], $3::bigint[], $4::text[], $5::text[]) AS c(position, document_id, action, matched_by)",
    )
    .bind(import_id)
    .bind(positions)
    .bind(documents)
    .bind(actions)
    .bind(rules)
    .execute(conn)
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// History

/// One import, as its history shows it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ImportRecord {
    pub id: i64,
    pub source: String,
    pub file_name: Option<String>,
    pub partner_id: Option<i64>,
    pub exchange_id: Option<i64>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub records_read: i32,
    pub created: i32,
    pub updated: i32,
    pub rejected: i32,
    pub warnings: i32,
    pub rolled_back_at: Option<DateTime<Utc>>,
    pub rolled_back_by: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct ImportFilter {
    pub partner_id: Option<i64>,
    pub source: Option<String>,
}

#[derive(Clone, Copy, Debug, Default)]
pub enum ImportOrder {
    #[default]
    StartedAt,
}

impl Listing for ImportFilter {
    type Row = ImportRecord;
    type Order = ImportOrder;
    const SELECT: &'static str = "SELECT i.id, i.source, i.file_name, i.partner_id, i.exchange_id, i.started_at, \
        i.finished_at, i.records_read, i.created, i.updated, i.rejected, i.warnings, i.rolled_back_at, \
        i.rolled_back_by FROM imports i";
    const FROM: &'static str = "imports i";
    const ID: &'static str = "i.id";

    fn conditions<'args>(&'args self, w: &mut Conditions<'_, 'args>) {
        if let Some(partner_id) = self.partner_id {
            w.bound("i.partner_id = ", partner_id);
        }
        if let Some(source) = &self.source {
            w.bound("i.source = ", source.as_str());
        }
    }

    /// The import history is the office's.
    fn scope(scope: Scope, w: &mut Conditions<'_, '_>) {
        if scope != Scope::Everything {
            w.and("FALSE");
        }
    }

    fn order_by(ImportOrder::StartedAt: ImportOrder) -> &'static str {
        "i.started_at"
    }
}

pub async fn get_many(pool: &PgPool, ids: &[i64]) -> Result<Vec<ImportRecord>> {
    Ok(sqlx::query_as(&format!("{} WHERE i.id = ANY($1)", ImportFilter::SELECT)).bind(ids).fetch_all(pool).await?)
}

/// What one record of an import became.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ChangeRecord {
    pub import_id: i64,
    pub position: i32,
    pub document_id: i64,
    pub action: String,
    pub matched_by: Option<String>,
}

/// The rejections, warnings or changes of one import, by position.
macro_rules! of_import {
    ($filter:ident, $row:ty, $select:literal, $from:literal) => {
        #[derive(Clone, Debug)]
        pub struct $filter(pub i64);

        impl Listing for $filter {
            type Row = $row;
            type Order = ();
            const SELECT: &'static str = $select;
            const FROM: &'static str = $from;
            const ID: &'static str = "x.position";

            fn conditions<'args>(&'args self, w: &mut Conditions<'_, 'args>) {
                w.bound("x.import_id = ", self.0);
            }

            fn scope(scope: Scope, w: &mut Conditions<'_, '_>) {
                if scope != Scope::Everything {
                    w.and("FALSE");
                }
            }

            fn order_by((): ()) -> &'static str {
                "x.position"
            }
        }
    };
}

of_import!(
    RejectionsOf,
    Rejection,
    "SELECT x.position, x.byte_offset, x.control_number, x.reason FROM import_rejections x",
    "import_rejections x"
);
of_import!(
    WarningsOf,
    Warning,
    "SELECT x.position, x.control_number, x.message FROM import_warnings x",
    "import_warnings x"
);
of_import!(
    ChangesOf,
    ChangeRecord,
    "SELECT x.import_id, x.position, x.document_id, x.action, x.matched_by FROM import_changes x",
    "import_changes x"
);

// ---------------------------------------------------------------------------------------
// Roll-back

/// The import, locked for its roll-back.
pub(super) async fn lock(conn: &mut PgConnection, id: i64) -> Result<ImportRecord> {
    sqlx::query_as(&format!("{} WHERE i.id = $1 FOR UPDATE", ImportFilter::SELECT))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::not_found("Import", id))
}

/// The documents the import created.
pub(super) async fn created_by(conn: &mut PgConnection, id: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT document_id FROM import_changes WHERE import_id = $1 AND action = 'created' ORDER BY 1",
    )
    .bind(id)
    .fetch_all(conn)
    .await?)
}

/// The documents the import updated (and did not create), each with its state before.
pub(super) async fn updated_by(conn: &mut PgConnection, id: i64) -> Result<Vec<(i64, serde_json::Value)>> {
    Ok(sqlx::query_as(
        "SELECT DISTINCT ON (document_id) document_id, previous FROM import_changes
          WHERE import_id = $1 AND action = 'updated' AND previous IS NOT NULL
            AND document_id NOT IN (SELECT document_id FROM import_changes WHERE import_id = $1 AND action = 'created')
          ORDER BY document_id, position",
    )
    .bind(id)
    .fetch_all(conn)
    .await?)
}

/// Of `ids`, the documents changed since `since` or last written by another import: a
/// roll-back would undo someone else's work.
pub(super) async fn changed_since(
    conn: &mut PgConnection,
    ids: &[i64],
    import_id: i64,
    since: DateTime<Utc>,
) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT d.id FROM documents d
          WHERE d.id = ANY($1)
            AND (d.import_id IS DISTINCT FROM $2
                 OR (d.updated_at > $3
                     -- unless the last change was a later import's roll-back, which put
                     -- back this import's version
                     AND NOT EXISTS (SELECT 1 FROM import_changes c JOIN imports i ON i.id = c.import_id
                                      WHERE c.document_id = d.id AND i.rolled_back_at >= d.updated_at)))
          ORDER BY d.id LIMIT 5",
    )
    .bind(ids)
    .bind(import_id)
    .bind(since)
    .fetch_all(conn)
    .await?)
}

/// Puts documents back as they were (their snapshots from [`record_changes`]). Their change
/// time is the roll-back's, so harvesters (OAI-PMH) and the search index see the undo.
pub(super) async fn restore(conn: &mut PgConnection, previous: &[serde_json::Value]) -> Result<u64> {
    if previous.is_empty() {
        return Ok(0);
    }
    const COLUMNS: &str = "title, subtitle, parallel_titles, contributors, languages, publisher, place, year, \
        edition, series_title, series_volume, isbns, issns, subjects, abstract_text, notes, physical_description, \
        format, source, control_number, origin_partner_id, origin_exchange_id, import_id, marc_xml, title_nonfiling";
    let values: String = COLUMNS.split(", ").map(|c| format!("p.{c}")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "UPDATE documents d SET ({COLUMNS}) = ({values}), updated_at = now()
           FROM (SELECT (jsonb_populate_record(NULL::documents, x)).* FROM unnest($1::jsonb[]) AS x) p
          WHERE d.id = p.id"
    );
    Ok(sqlx::query(&sql).bind(previous).execute(conn).await?.rows_affected())
}

pub(super) async fn mark_rolled_back(conn: &mut PgConnection, id: i64, actor: &str) -> Result<()> {
    sqlx::query("UPDATE imports SET rolled_back_at = now(), rolled_back_by = left($2, 200) WHERE id = $1")
        .bind(id)
        .bind(actor)
        .execute(conn)
        .await?;
    Ok(())
}

/// The import history is the office's.
impl crate::access::Visible for ImportRecord {
    fn visible_to(&self, scope: Scope) -> bool {
        scope == Scope::Everything
    }
}
