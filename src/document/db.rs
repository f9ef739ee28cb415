//! All SQL about documents. Writes go through JSON row sets (`jsonb_to_recordset`) so one
//! statement writes one document or a batch of five hundred alike.

use serde::Serialize;
use sqlx::{PgConnection, PgPool};

use super::{Description, Document, DocumentFormat, Provenance};
use crate::db::{Direction, Window, escape_like};
use crate::error::{Error, Result};

/// The described columns, in one place for reads, inserts and updates.
const DESCRIPTION_COLUMNS: &str = "title, subtitle, parallel_titles, contributors, languages, publisher, place, year, \
     edition, series_title, series_volume, isbns, issns, subjects, abstract_text, notes, physical_description, format";

/// Their types in a JSON row set.
const DESCRIPTION_RECORD: &str = "title text, subtitle text, parallel_titles jsonb, contributors jsonb, \
     languages text[], publisher text, place text, year integer, edition text, series_title text, \
     series_volume text, isbns text[], issns text[], subjects text[], abstract_text text, notes text, \
     physical_description text, format text";

fn select() -> String {
    format!(
        "SELECT d.id, {DESCRIPTION_COLUMNS}, d.source, d.control_number, d.origin_partner_id, d.origin_exchange_id,
                d.import_id, d.marc_xml, d.created_at, d.updated_at
         FROM documents d"
    )
}

/// One row of a batched write.
#[derive(Serialize)]
pub struct DocumentRow<'a> {
    pub id: i64,
    #[serde(flatten)]
    pub description: &'a Description,
    pub source: Option<&'a str>,
    pub control_number: Option<&'a str>,
    pub origin_partner_id: Option<i64>,
    pub origin_exchange_id: Option<i64>,
    pub import_id: Option<i64>,
    pub marc_xml: Option<&'a str>,
}

fn to_json<T: Serialize>(rows: &[T]) -> Result<serde_json::Value> {
    serde_json::to_value(rows).map_err(|e| Error::Database(sqlx::Error::Encode(Box::new(e))))
}

/// Reserves `n` document ids, so that a batch insert knows which id each row gets.
pub async fn reserve_ids(conn: &mut PgConnection, n: usize) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT nextval(pg_get_serial_sequence('documents', 'id')) FROM generate_series(1, $1)")
        .bind(n as i64)
        .fetch_all(conn)
        .await?)
}

/// Inserts rows whose ids come from [`reserve_ids`].
pub async fn insert_rows(conn: &mut PgConnection, rows: &[DocumentRow<'_>]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO documents (id, {DESCRIPTION_COLUMNS}, source, control_number, origin_partner_id,
                                origin_exchange_id, import_id, marc_xml)
         OVERRIDING SYSTEM VALUE
         SELECT id, {DESCRIPTION_COLUMNS}, source, control_number, origin_partner_id, origin_exchange_id, import_id, marc_xml
         FROM jsonb_to_recordset($1) AS x(id bigint, {DESCRIPTION_RECORD}, source text, control_number text,
              origin_partner_id bigint, origin_exchange_id bigint, import_id bigint, marc_xml text)"
    );
    sqlx::query(&sql).bind(to_json(rows)?).execute(conn).await?;
    Ok(())
}

/// Rewrites the description (and, for imports, the MARC record and provenance) of existing
/// rows. A document keeps the source and control number it first arrived with, so a record
/// matched across sources (by ISBN) stays findable under its first identity; other
/// provenance fields that are null in a row keep their stored value.
pub async fn update_rows(conn: &mut PgConnection, rows: &[DocumentRow<'_>]) -> Result<u64> {
    if rows.is_empty() {
        return Ok(0);
    }
    let assignments: String =
        DESCRIPTION_COLUMNS.split(", ").map(|c| format!("{c} = x.{c}")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "UPDATE documents d SET {assignments},
                source = COALESCE(d.source, x.source),
                control_number = COALESCE(d.control_number, x.control_number),
                origin_partner_id = COALESCE(x.origin_partner_id, d.origin_partner_id),
                origin_exchange_id = COALESCE(x.origin_exchange_id, d.origin_exchange_id),
                import_id = COALESCE(x.import_id, d.import_id),
                marc_xml = COALESCE(x.marc_xml, d.marc_xml),
                updated_at = now()
         FROM jsonb_to_recordset($1) AS x(id bigint, {DESCRIPTION_RECORD}, source text, control_number text,
              origin_partner_id bigint, origin_exchange_id bigint, import_id bigint, marc_xml text)
         WHERE d.id = x.id"
    );
    Ok(sqlx::query(&sql).bind(to_json(rows)?).execute(conn).await?.rows_affected())
}

/// Creates one document and returns its id.
pub async fn insert(
    conn: &mut PgConnection,
    description: &Description,
    provenance: &Provenance,
    marc_xml: Option<&str>,
) -> Result<i64> {
    let id = reserve_ids(conn, 1).await?[0];
    let row = DocumentRow {
        id,
        description,
        source: provenance.source.as_deref(),
        control_number: provenance.control_number.as_deref(),
        origin_partner_id: provenance.origin_partner_id,
        origin_exchange_id: provenance.origin_exchange_id,
        import_id: provenance.import_id,
        marc_xml,
    };
    insert_rows(conn, &[row]).await?;
    Ok(id)
}

pub async fn update_description(conn: &mut PgConnection, id: i64, description: &Description) -> Result<()> {
    let row = DocumentRow {
        id,
        description,
        source: None,
        control_number: None,
        origin_partner_id: None,
        origin_exchange_id: None,
        import_id: None,
        marc_xml: None,
    };
    if update_rows(conn, &[row]).await? == 0 {
        return Err(Error::not_found("Document", id));
    }
    Ok(())
}

pub async fn delete(conn: &mut PgConnection, id: i64) -> Result<()> {
    let deleted = sqlx::query("DELETE FROM documents WHERE id = $1").bind(id).execute(conn).await?;
    if deleted.rows_affected() == 0 {
        return Err(Error::not_found("Document", id));
    }
    Ok(())
}

pub async fn get(conn: &mut PgConnection, id: i64) -> Result<Document> {
    let sql = format!("{} WHERE d.id = $1", select());
    sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?.ok_or_else(|| Error::not_found("Document", id))
}

pub async fn get_for_update(conn: &mut PgConnection, id: i64) -> Result<Document> {
    let sql = format!("{} WHERE d.id = $1 FOR UPDATE", select());
    sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?.ok_or_else(|| Error::not_found("Document", id))
}

pub async fn get_many(pool: &PgPool, ids: &[i64]) -> Result<Vec<Document>> {
    let sql = format!("{} WHERE d.id = ANY($1)", select());
    Ok(sqlx::query_as(&sql).bind(ids).fetch_all(pool).await?)
}

/// A stored document sharing an ISBN with an imported record.
#[derive(sqlx::FromRow)]
pub struct IsbnMatch {
    pub id: i64,
    pub isbns: Vec<String>,
    pub source: Option<String>,
    pub control_number: Option<String>,
}

/// Existing documents of a batch: by source and control number, by ISBN, and (for records
/// without a control number) by source and the exact MARC record.
pub struct ExistingMatches {
    pub by_control_number: Vec<(i64, String)>,
    pub by_isbn: Vec<IsbnMatch>,
    /// (id, MARCXML) of records of this source, without control number, equal to one asked.
    pub by_record: Vec<(i64, String)>,
}

pub async fn find_existing(
    conn: &mut PgConnection,
    source: &str,
    control_numbers: &[&str],
    isbns: &[&str],
    records_without_control_number: &[&str],
) -> Result<ExistingMatches> {
    let by_control_number =
        sqlx::query_as("SELECT id, control_number FROM documents WHERE source = $1 AND control_number = ANY($2)")
            .bind(source)
            .bind(control_numbers)
            .fetch_all(&mut *conn)
            .await?;
    let by_isbn = if isbns.is_empty() {
        Vec::new()
    } else {
        sqlx::query_as("SELECT id, isbns, source, control_number FROM documents WHERE isbns && $1::text[] ORDER BY id")
            .bind(isbns)
            .fetch_all(&mut *conn)
            .await?
    };
    let by_record = if records_without_control_number.is_empty() {
        Vec::new()
    } else {
        sqlx::query_as(
            "SELECT id, marc_xml FROM documents
             WHERE source = $1 AND control_number IS NULL
               AND marc_hash IN (SELECT md5(x) FROM unnest($2::text[]) AS x)",
        )
        .bind(source)
        .bind(records_without_control_number)
        .fetch_all(&mut *conn)
        .await?
    };
    Ok(ExistingMatches { by_control_number, by_isbn, by_record })
}

#[derive(Clone, Debug, Default)]
pub struct DocumentFilter {
    /// ISO 639-3 codes; a document matches when it is in any of them.
    pub languages: Vec<String>,
    pub format: Option<DocumentFormat>,
    pub year_from: Option<i32>,
    pub year_to: Option<i32>,
    pub origin_partner_id: Option<i64>,
    /// Documents that came with this shipment or are listed in it.
    pub exchange_id: Option<i64>,
    pub title_contains: Option<String>,
    pub isbn: Option<String>,
}

const FILTER: &str = "
    WHERE (cardinality($1::text[]) = 0 OR d.languages && $1)
      AND ($2::text IS NULL OR d.format = $2)
      AND ($3::int IS NULL OR d.year >= $3)
      AND ($4::int IS NULL OR d.year <= $4)
      AND ($5::bigint IS NULL OR d.origin_partner_id = $5)
      AND ($6::bigint IS NULL OR d.origin_exchange_id = $6
           OR EXISTS (SELECT 1 FROM exchange_lines l WHERE l.document_id = d.id AND l.exchange_id = $6))
      AND ($7::text IS NULL OR d.title ILIKE '%' || $7 || '%' OR d.subtitle ILIKE '%' || $7 || '%')
      AND ($8::text IS NULL OR $8 = ANY(d.isbns))";

type Query<'q, O> = sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>;

fn bind_filter<'q, O>(query: Query<'q, O>, filter: &'q DocumentFilter) -> Query<'q, O> {
    query
        .bind(&filter.languages)
        .bind(filter.format.map(DocumentFormat::as_str))
        .bind(filter.year_from)
        .bind(filter.year_to)
        .bind(filter.origin_partner_id)
        .bind(filter.exchange_id)
        .bind(filter.title_contains.as_deref().map(escape_like))
        .bind(filter.isbn.as_deref())
}

#[derive(Clone, Copy, Debug, Default)]
pub enum DocumentOrder {
    #[default]
    Title,
    Year,
    CreatedAt,
}

impl DocumentOrder {
    fn sql(self) -> &'static str {
        match self {
            DocumentOrder::Title => "lower(d.title)",
            DocumentOrder::Year => "d.year",
            DocumentOrder::CreatedAt => "d.created_at",
        }
    }
}

pub async fn count(pool: &PgPool, filter: &DocumentFilter) -> Result<i64> {
    let sql = format!("SELECT count(*) FROM documents d {FILTER}");
    let (n,): (i64,) = bind_filter(sqlx::query_as(&sql), filter).fetch_one(pool).await?;
    Ok(n)
}

pub async fn list(
    pool: &PgPool,
    filter: &DocumentFilter,
    order: DocumentOrder,
    direction: Direction,
    window: Window,
) -> Result<Vec<Document>> {
    let sql = format!(
        "{} {FILTER} ORDER BY {} {dir} NULLS LAST, d.id {dir} LIMIT $9 OFFSET $10",
        select(),
        order.sql(),
        dir = direction.sql()
    );
    Ok(bind_filter(sqlx::query_as(&sql), filter).bind(window.limit).bind(window.offset).fetch_all(pool).await?)
}
