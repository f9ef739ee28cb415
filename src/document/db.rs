//! All SQL about documents. New rows go in with `COPY`, changes through JSON row sets
//! (`jsonb_to_recordset`), so one statement writes one document or a batch of a thousand alike.

use serde::Serialize;
use sqlx::{PgConnection, PgPool};

use super::{Description, Document, DocumentFormat, Provenance};
use crate::db::copy::CopyRows;
use crate::db::escape_like;
use crate::db::list::{Conditions, Listing, Scope};
use crate::error::{Error, Result};

/// The described columns, in one place for reads, inserts and updates.
macro_rules! description_columns {
    () => {
        "title, subtitle, parallel_titles, contributors, languages, publisher, place, year, edition, series_title, \
         series_volume, isbns, issns, subjects, abstract_text, notes, physical_description, format"
    };
}
const DESCRIPTION_COLUMNS: &str = description_columns!();

/// Their types in a JSON row set.
const DESCRIPTION_RECORD: &str = "title text, subtitle text, parallel_titles jsonb, contributors jsonb, \
     languages text[], publisher text, place text, year integer, edition text, series_title text, \
     series_volume text, isbns text[], issns text[], subjects text[], abstract_text text, notes text, \
     physical_description text, format text";

/// A document as lists, lookups and search show it: everything but the stored MARC record,
/// which only a MARCXML export reads (see [`get_with_record`]) and which is most of a row.
/// The search index reads its copy of each document through it too.
pub(crate) const SELECT: &str = concat!(
    "SELECT d.id, ",
    description_columns!(),
    ", d.source, d.control_number, d.origin_partner_id, d.origin_exchange_id, d.import_id, NULL::text AS marc_xml, \
     d.created_at, d.updated_at FROM documents d"
);
/// [`SELECT`] for a list whose selection shows only [`BRIEF_FIELDS`]: the long texts and
/// lists (contributors, subjects, abstract, notes…) are not read, decoded or copied, and
/// come back empty. A list of twenty titles was mostly the decoding of columns nobody asked for.
pub(crate) const BRIEF_SELECT: &str = "SELECT d.id, title, subtitle, '[]'::jsonb AS parallel_titles, \
     '[]'::jsonb AS contributors, languages, NULL::text AS publisher, NULL::text AS place, year, \
     NULL::text AS edition, NULL::text AS series_title, NULL::text AS series_volume, '{}'::text[] AS isbns, \
     '{}'::text[] AS issns, '{}'::text[] AS subjects, NULL::text AS abstract_text, NULL::text AS notes, \
     NULL::text AS physical_description, format, d.source, d.control_number, d.origin_partner_id, \
     d.origin_exchange_id, d.import_id, NULL::text AS marc_xml, d.created_at, d.updated_at FROM documents d";

/// The GraphQL fields of a document that [`BRIEF_SELECT`] reads in full.
pub(crate) const BRIEF_FIELDS: [&str; 14] = [
    "__typename",
    "id",
    "title",
    "subtitle",
    "languages",
    "year",
    "format",
    "source",
    "controlNumber",
    "originPartner",
    "originExchange",
    "holdings",
    "createdAt",
    "updatedAt",
];

const SELECT_WITH_RECORD: &str = concat!(
    "SELECT d.id, ",
    description_columns!(),
    ", d.source, d.control_number, d.origin_partner_id, d.origin_exchange_id, d.import_id, d.marc_xml, \
     d.created_at, d.updated_at FROM documents d"
);

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
    /// Characters of the title not filed on (MARC 245 second indicator); `None` keeps the
    /// stored value.
    pub title_nonfiling: Option<i16>,
}

/// Reserves `n` document ids, so that a batch insert knows which id each row gets.
pub async fn reserve_ids(conn: &mut PgConnection, n: usize) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT nextval(pg_get_serial_sequence('documents', 'id')) FROM generate_series(1, $1)")
        .bind(n as i64)
        .fetch_all(conn)
        .await?)
}

/// Inserts rows whose ids come from [`reserve_ids`], with one `COPY` (an identity column
/// takes the ids given, as `OVERRIDING SYSTEM VALUE` would).
pub async fn insert_rows(conn: &mut PgConnection, rows: &[DocumentRow<'_>]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    // A row is its MARC record and a few hundred bytes of description.
    let expected = rows.iter().map(|row| row.marc_xml.map_or(0, str::len) + 1024).sum();
    let mut copy = CopyRows::with_capacity(expected);
    for row in rows {
        let d = row.description;
        copy.int(Some(row.id)).text(Some(&d.title)).text(d.subtitle.as_deref());
        copy.json(&d.parallel_titles).and_then(|copy| copy.json(&d.contributors)).map_err(encoding_failed)?;
        copy.text_array(&d.languages)
            .text(d.publisher.as_deref())
            .text(d.place.as_deref())
            .int(d.year.map(i64::from))
            .text(d.edition.as_deref())
            .text(d.series_title.as_deref())
            .text(d.series_volume.as_deref())
            .text_array(&d.isbns)
            .text_array(&d.issns)
            .text_array(&d.subjects)
            .text(d.abstract_text.as_deref())
            .text(d.notes.as_deref())
            .text(d.physical_description.as_deref())
            .text(Some(d.format.as_str()))
            .text(row.source)
            .text(row.control_number)
            .int(row.origin_partner_id)
            .int(row.origin_exchange_id)
            .int(row.import_id)
            .text(row.marc_xml)
            .int(Some(i64::from(row.title_nonfiling.unwrap_or(0))))
            .end_row();
    }
    let statement = format!(
        "COPY documents (id, {DESCRIPTION_COLUMNS}, source, control_number, origin_partner_id, origin_exchange_id, \
         import_id, marc_xml, title_nonfiling) FROM STDIN"
    );
    copy.send(conn, &statement).await?;
    Ok(())
}

fn encoding_failed(err: serde_json::Error) -> Error {
    Error::internal(format_args!("cannot encode document rows: {err}"))
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
                title_nonfiling = COALESCE(x.title_nonfiling, d.title_nonfiling),
                updated_at = now()
         FROM jsonb_to_recordset($1) AS x(id bigint, {DESCRIPTION_RECORD}, source text, control_number text,
              origin_partner_id bigint, origin_exchange_id bigint, import_id bigint, marc_xml text, title_nonfiling smallint)
         WHERE d.id = x.id"
    );
    Ok(sqlx::query(&sql).bind(sqlx::types::Json(rows)).execute(conn).await?.rows_affected())
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
        title_nonfiling: None,
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
        title_nonfiling: None,
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
    let sql = format!("{SELECT} WHERE d.id = $1");
    sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?.ok_or_else(|| Error::not_found("Document", id))
}

/// One document with its stored MARC record, for a MARCXML export.
pub async fn get_with_record(conn: &mut PgConnection, id: i64) -> Result<Document> {
    let sql = format!("{SELECT_WITH_RECORD} WHERE d.id = $1");
    sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?.ok_or_else(|| Error::not_found("Document", id))
}

pub async fn get_for_update(conn: &mut PgConnection, id: i64) -> Result<Document> {
    let sql = format!("{SELECT} WHERE d.id = $1 FOR UPDATE");
    sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?.ok_or_else(|| Error::not_found("Document", id))
}

pub async fn get_many(pool: &PgPool, ids: &[i64]) -> Result<Vec<Document>> {
    let sql = format!("{SELECT} WHERE d.id = ANY($1)");
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
    /// (id, MARCXML) of stored documents whose record is the very same as one asked, from
    /// whatever source.
    pub by_record: Vec<(i64, String)>,
}

pub async fn find_existing(
    conn: &mut PgConnection,
    source: &str,
    control_numbers: &[&str],
    isbns: &[&str],
    marc_hashes: &[&str],
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
    // The hashes are worked out by the import: sending the records themselves to hash them
    // here cost as much database time as inserting them.
    let by_record = if marc_hashes.is_empty() {
        Vec::new()
    } else {
        sqlx::query_as(
            "SELECT DISTINCT ON (marc_hash) id, marc_xml FROM documents
             WHERE marc_hash = ANY($1)
             ORDER BY marc_hash, id",
        )
        .bind(marc_hashes)
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

impl DocumentFilter {
    /// The filter as typed, checked and normalised: language codes in any ISO 639 form to
    /// ISO 639-3, an ISBN in any form to ISBN-13, years in order, a title fragment of a
    /// title's length at most. Errors name the input as `filter.<field>`.
    pub fn checked(mut self) -> Result<Self> {
        use crate::error::quoted;
        self.languages = self
            .languages
            .iter()
            .map(|code| {
                super::identifiers::normalize_language(code).ok_or_else(|| {
                    Error::invalid("filter.languages", format!("{} is not an ISO 639 language code", quoted(code)))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        if let (Some(from), Some(to)) = (self.year_from, self.year_to)
            && to < from
        {
            return Err(Error::invalid("filter.yearTo", format!("yearTo ({to}) is before yearFrom ({from})")));
        }
        self.isbn = self
            .isbn
            .map(|isbn| {
                super::identifiers::normalize_isbn(&isbn)
                    .ok_or_else(|| Error::invalid("filter.isbn", format!("{} is not a valid ISBN", quoted(&isbn))))
            })
            .transpose()?;
        self.title_contains = self
            .title_contains
            .map(|t| crate::validate::text("filter.titleContains", &t, super::MAX_TITLE_CHARS))
            .transpose()?;
        Ok(self)
    }
}

#[derive(Clone, Copy, Debug, Default)]
pub enum DocumentOrder {
    #[default]
    Title,
    Year,
    CreatedAt,
}

impl Listing for DocumentFilter {
    type Row = Document;
    type Order = DocumentOrder;
    const SELECT: &'static str = SELECT;
    const FROM: &'static str = "documents d";
    const ID: &'static str = "d.id";

    fn conditions<'args>(&'args self, w: &mut Conditions<'_, 'args>) {
        if !self.languages.is_empty() {
            w.and("d.languages && ").push_bind(&self.languages);
        }
        if let Some(format) = self.format {
            w.bound("d.format = ", format.as_str());
        }
        if let Some(year) = self.year_from {
            w.bound("d.year >= ", year);
        }
        if let Some(year) = self.year_to {
            w.bound("d.year <= ", year);
        }
        if let Some(partner_id) = self.origin_partner_id {
            w.bound("d.origin_partner_id = ", partner_id);
        }
        if let Some(exchange_id) = self.exchange_id {
            w.and("(d.origin_exchange_id = ")
                .push_bind(exchange_id)
                .push(" OR EXISTS (SELECT 1 FROM exchange_lines l WHERE l.document_id = d.id AND l.exchange_id = ")
                .push_bind(exchange_id)
                .push("))");
        }
        if let Some(text) = &self.title_contains {
            let pattern = format!("%{}%", escape_like(text));
            w.and("(d.title ILIKE ")
                .push_bind(pattern.clone())
                .push(" OR d.subtitle ILIKE ")
                .push_bind(pattern)
                .push(")");
        }
        if let Some(isbn) = &self.isbn {
            w.and("d.isbns @> ARRAY[").push_bind(isbn).push("]::text[]");
        }
    }

    /// The catalogue is public.
    fn scope(_scope: Scope, _conditions: &mut Conditions<'_, '_>) {}

    fn order_by(order: DocumentOrder) -> &'static str {
        match order {
            // Without the leading article the record marks as not filed on.
            DocumentOrder::Title => "d.sort_title",
            DocumentOrder::Year => "d.year",
            DocumentOrder::CreatedAt => "d.created_at",
        }
    }
}

/// Of `ids`, the documents something else refers to, with what: copies, shipment lines,
/// interlibrary loan requests (at most five).
pub async fn referenced(conn: &mut PgConnection, ids: &[i64]) -> Result<Vec<(i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT document_id, what FROM (
             SELECT document_id, 'copies' AS what FROM holdings WHERE document_id = ANY($1)
             UNION SELECT document_id, 'exchange shipments' FROM exchange_lines WHERE document_id = ANY($1)
             UNION SELECT document_id, 'interlibrary loan requests' FROM ill_requests WHERE document_id = ANY($1)
         ) r ORDER BY document_id, what LIMIT 5",
    )
    .bind(ids)
    .fetch_all(conn)
    .await?)
}

/// Deletes documents; returns how many there were.
pub async fn delete_many(conn: &mut PgConnection, ids: &[i64]) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM documents WHERE id = ANY($1)").bind(ids).execute(conn).await?.rows_affected())
}

/// Documents of `filter` with their stored records, by id after `after`: one page of an
/// export of many, which follows ids so that a change during the export skips nothing.
pub async fn export_page(pool: &PgPool, filter: &DocumentFilter, after: i64, limit: i64) -> Result<Vec<Document>> {
    let mut builder = sqlx::QueryBuilder::new(SELECT_WITH_RECORD);
    crate::db::list::conditions_of(&mut builder, filter, Scope::Public);
    builder.push(" AND d.id > ").push_bind(after).push(" ORDER BY d.id LIMIT ").push_bind(limit);
    Ok(builder.build_query_as().fetch_all(pool).await?)
}
