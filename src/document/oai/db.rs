//! All SQL of the OAI-PMH provider. A harvest reads documents and deletions as one list in
//! (last change, id) order; each request reads in one read-only snapshot, so a page's
//! headers and its records agree.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder, Transaction};

use super::{Selection, SetSpec};
use crate::document::Document;
use crate::error::Result;

/// The header of one item: a document or a deletion.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct HeaderRow {
    pub id: i64,
    /// The last change (a document's `updated_at`) or the deletion.
    pub stamp: DateTime<Utc>,
    pub deleted: bool,
    pub partner_id: Option<i64>,
    /// The shipment it came with and those it is a line of.
    pub exchange_ids: Vec<i64>,
    pub languages: Vec<String>,
}

/// What sets have members: the partners, shipments and languages of the documents.
pub struct SetMembers {
    pub partner_ids: Vec<i64>,
    pub exchange_ids: Vec<i64>,
    pub languages: Vec<String>,
}

/// A read-only transaction whose statements all see the same snapshot.
pub async fn snapshot(pool: &PgPool) -> Result<Transaction<'static, Postgres>> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
    Ok(tx)
}

/// The database's clock: the responses' date and the cap of a harvest, on the same clock
/// as the datestamps.
pub async fn now(conn: &mut PgConnection) -> Result<DateTime<Utc>> {
    Ok(sqlx::query_scalar("SELECT now()").fetch_one(conn).await?)
}

/// The earliest datestamp of any document or deletion.
pub async fn earliest(conn: &mut PgConnection) -> Result<Option<DateTime<Utc>>> {
    Ok(sqlx::query_scalar(
        "SELECT least((SELECT min(updated_at) FROM documents), (SELECT min(deleted_at) FROM oai_deletions))",
    )
    .fetch_one(conn)
    .await?)
}

/// Which items a statement reads.
enum Scope<'a> {
    One(i64),
    List { selection: &'a Selection, after: Option<(DateTime<Utc>, i64)> },
}

/// The live documents' part (`d`) or the deletions' part (`x`) of the list.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Documents,
    Deletions,
}

impl Part {
    fn columns(self) -> &'static str {
        match self {
            Part::Documents => {
                "d.id, d.updated_at AS stamp, false AS deleted, d.origin_partner_id AS partner_id,
                 ARRAY(SELECT l.exchange_id FROM exchange_lines l WHERE l.document_id = d.id
                       UNION SELECT d.origin_exchange_id WHERE d.origin_exchange_id IS NOT NULL
                       ORDER BY 1) AS exchange_ids,
                 d.languages"
            }
            Part::Deletions => {
                "x.document_id AS id, x.deleted_at AS stamp, true AS deleted, x.origin_partner_id AS partner_id,
                 CASE WHEN x.origin_exchange_id IS NULL THEN '{}'::bigint[]
                      ELSE ARRAY[x.origin_exchange_id] END AS exchange_ids,
                 x.languages"
            }
        }
    }

    /// The table, and for deletions that the document was not somehow restored.
    fn source(self) -> &'static str {
        match self {
            Part::Documents => "documents d WHERE true",
            Part::Deletions => {
                "oai_deletions x WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = x.document_id)"
            }
        }
    }

    /// The (change, id) key.
    fn key(self) -> (&'static str, &'static str) {
        match self {
            Part::Documents => ("d.updated_at", "d.id"),
            Part::Deletions => ("x.deleted_at", "x.document_id"),
        }
    }

    fn column(self, name: &str) -> String {
        match self {
            Part::Documents => format!("d.{name}"),
            Part::Deletions => format!("x.{name}"),
        }
    }

    /// `AND …` for every condition of `scope`.
    fn conditions(self, q: &mut QueryBuilder<'_, Postgres>, scope: &Scope<'_>) {
        let (stamp, id) = self.key();
        let (selection, after) = match scope {
            Scope::One(one) => {
                q.push(format_args!(" AND {id} = ")).push_bind(*one);
                return;
            }
            Scope::List { selection, after } => (selection, after),
        };
        if let Some(from) = selection.from {
            q.push(format_args!(" AND {stamp} >= ")).push_bind(from);
        }
        q.push(format_args!(" AND {stamp} < ")).push_bind(selection.until);
        if let Some((after_stamp, after_id)) = after {
            q.push(format_args!(" AND ({stamp}, {id}) > (")).push_bind(*after_stamp);
            q.push(", ").push_bind(*after_id).push(")");
        }
        if let Some(set) = &selection.set {
            self.set_condition(q, set);
        }
    }

    /// `AND …` for membership in `set`. Deleted documents had no shipment lines (a line
    /// keeps its document from being deleted), only the shipment they came with.
    fn set_condition(self, q: &mut QueryBuilder<'_, Postgres>, set: &SetSpec) {
        match set {
            SetSpec::Partner(None) => {
                q.push(format_args!(" AND {} IS NOT NULL", self.column("origin_partner_id")));
            }
            SetSpec::Partner(Some(partner)) => {
                q.push(format_args!(" AND {} = ", self.column("origin_partner_id"))).push_bind(*partner);
            }
            SetSpec::Exchange(None) => {
                q.push(format_args!(" AND ({} IS NOT NULL", self.column("origin_exchange_id")));
                if self == Part::Documents {
                    q.push(" OR EXISTS (SELECT 1 FROM exchange_lines l WHERE l.document_id = d.id)");
                }
                q.push(")");
            }
            SetSpec::Exchange(Some(exchange)) => {
                q.push(format_args!(" AND ({} = ", self.column("origin_exchange_id"))).push_bind(*exchange);
                if self == Part::Documents {
                    q.push(
                        " OR EXISTS (SELECT 1 FROM exchange_lines l WHERE l.document_id = d.id AND l.exchange_id = ",
                    )
                    .push_bind(*exchange)
                    .push(")");
                }
                q.push(")");
            }
            SetSpec::Language(None) => {
                q.push(format_args!(" AND cardinality({}) > 0", self.column("languages")));
            }
            SetSpec::Language(Some(code)) => {
                q.push(format_args!(" AND {} @> ARRAY[", self.column("languages"))).push_bind(code.clone());
                q.push("::text]");
            }
        }
    }
}

/// The headers of `scope`, in (change, id) order, at most `limit`.
async fn headers(conn: &mut PgConnection, scope: &Scope<'_>, limit: i64) -> Result<Vec<HeaderRow>> {
    let mut q = QueryBuilder::new("SELECT * FROM (");
    for (i, part) in [Part::Documents, Part::Deletions].into_iter().enumerate() {
        let (stamp, id) = part.key();
        q.push(if i == 0 { "(SELECT " } else { " UNION ALL (SELECT " }).push(part.columns());
        q.push(" FROM ").push(part.source());
        part.conditions(&mut q, scope);
        q.push(format_args!(" ORDER BY {stamp}, {id} LIMIT ")).push_bind(limit).push(")");
    }
    q.push(") page ORDER BY stamp, id LIMIT ").push_bind(limit);
    Ok(q.build_query_as().fetch_all(conn).await?)
}

/// A page of a list: the first `limit` items after `after`.
pub async fn page(
    conn: &mut PgConnection,
    selection: &Selection,
    after: Option<(DateTime<Utc>, i64)>,
    limit: i64,
) -> Result<Vec<HeaderRow>> {
    headers(conn, &Scope::List { selection, after }, limit).await
}

/// One document or deletion.
pub async fn item(conn: &mut PgConnection, id: i64) -> Result<Option<HeaderRow>> {
    Ok(headers(conn, &Scope::One(id), 1).await?.pop())
}

/// How many items a selection has.
pub async fn count(conn: &mut PgConnection, selection: &Selection) -> Result<i64> {
    let scope = Scope::List { selection, after: None };
    let mut q = QueryBuilder::new("SELECT ");
    for (i, part) in [Part::Documents, Part::Deletions].into_iter().enumerate() {
        q.push(if i == 0 { "(SELECT count(*) FROM " } else { " + (SELECT count(*) FROM " }).push(part.source());
        part.conditions(&mut q, &scope);
        q.push(")");
    }
    Ok(q.build_query_scalar().fetch_one(conn).await?)
}

/// The documents of `ids` with their stored MARC records, which the exports read.
pub async fn documents(conn: &mut PgConnection, ids: &[i64]) -> Result<Vec<Document>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(sqlx::query_as("SELECT d.* FROM documents d WHERE d.id = ANY($1)").bind(ids).fetch_all(conn).await?)
}

/// The partners, shipments and languages that documents have.
pub async fn set_members(conn: &mut PgConnection) -> Result<SetMembers> {
    let (partner_ids, exchange_ids, languages) = sqlx::query_as(
        "SELECT ARRAY(SELECT DISTINCT origin_partner_id FROM documents
                       WHERE origin_partner_id IS NOT NULL ORDER BY 1),
                ARRAY(SELECT origin_exchange_id FROM documents WHERE origin_exchange_id IS NOT NULL
                      UNION SELECT exchange_id FROM exchange_lines ORDER BY 1),
                ARRAY(SELECT DISTINCT unnest(languages) FROM documents ORDER BY 1)",
    )
    .fetch_one(conn)
    .await?;
    Ok(SetMembers { partner_ids, exchange_ids, languages })
}
