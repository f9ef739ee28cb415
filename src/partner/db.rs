//! All SQL about partners.

use sqlx::{PgConnection, PgPool};

use super::{Partner, PartnerDraft, PartnerKind, PartnerPatch};
use crate::db::{Direction, Window, escape_like};
use crate::error::{Error, Result};

const SELECT: &str = "
    SELECT p.id, p.kind, p.country, p.city, p.website, p.email, p.isil, p.active,
           COALESCE((SELECT jsonb_agg(jsonb_build_object('lang', n.lang, 'value', n.name) ORDER BY n.lang)
                     FROM partner_names n WHERE n.partner_id = p.id), '[]'::jsonb) AS names,
           p.created_at, p.updated_at
    FROM partners p";

/// The filter's parameters are $1..$4 in every statement that uses it.
const FILTER: &str = "
    WHERE ($1::text IS NULL OR p.country = $1)
      AND ($2::text IS NULL OR p.kind = $2)
      AND ($3::bool IS NULL OR p.active = $3)
      AND ($4::text IS NULL OR EXISTS (
            SELECT 1 FROM partner_names n
            WHERE n.partner_id = p.id AND n.name ILIKE '%' || $4 || '%'))";

#[derive(Clone, Debug, Default)]
pub struct PartnerFilter {
    pub country: Option<String>,
    pub kind: Option<PartnerKind>,
    pub active: Option<bool>,
    /// Matches any of the partner's names, in any language, ignoring case.
    pub name_contains: Option<String>,
}

#[derive(Clone, Copy, Debug, Default)]
pub enum PartnerOrder {
    /// By the partner's English name (or its best name when it has none in English).
    #[default]
    Name,
    Country,
    CreatedAt,
    UpdatedAt,
}

impl PartnerOrder {
    fn sql(self) -> &'static str {
        match self {
            PartnerOrder::Name => {
                "(SELECT lower(n.name) FROM partner_names n WHERE n.partner_id = p.id
                  ORDER BY n.lang = 'en' DESC, n.lang = 'uz-Latn' DESC, n.lang LIMIT 1)"
            }
            PartnerOrder::Country => "p.country",
            PartnerOrder::CreatedAt => "p.created_at",
            PartnerOrder::UpdatedAt => "p.updated_at",
        }
    }
}

fn bind_filter<'q, O>(
    query: sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>,
    filter: &'q PartnerFilter,
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments> {
    query
        .bind(filter.country.as_deref())
        .bind(filter.kind.map(PartnerKind::as_str))
        .bind(filter.active)
        .bind(filter.name_contains.as_deref().map(escape_like))
}

pub async fn count(pool: &PgPool, filter: &PartnerFilter) -> Result<i64> {
    let sql = format!("SELECT count(*) FROM partners p {FILTER}");
    let (n,): (i64,) = bind_filter(sqlx::query_as(&sql), filter).fetch_one(pool).await?;
    Ok(n)
}

pub async fn list(
    pool: &PgPool,
    filter: &PartnerFilter,
    order: PartnerOrder,
    direction: Direction,
    window: Window,
) -> Result<Vec<Partner>> {
    let sql = format!(
        "{SELECT} {FILTER} ORDER BY {} {dir} NULLS LAST, p.id {dir} LIMIT $5 OFFSET $6",
        order.sql(),
        dir = direction.sql()
    );
    let rows = bind_filter(sqlx::query_as(&sql), filter).bind(window.limit).bind(window.offset).fetch_all(pool).await?;
    Ok(rows)
}

pub async fn get_many(pool: &PgPool, ids: &[i64]) -> Result<Vec<Partner>> {
    let sql = format!("{SELECT} WHERE p.id = ANY($1)");
    Ok(sqlx::query_as(&sql).bind(ids).fetch_all(pool).await?)
}

pub async fn get(conn: &mut PgConnection, id: i64) -> Result<Partner> {
    let sql = format!("{SELECT} WHERE p.id = $1");
    sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?.ok_or_else(|| Error::not_found("Partner", id))
}

/// Finds a partner by one of its names (exact, ignoring case): how the seed stays idempotent.
pub async fn find_by_name(conn: &mut PgConnection, lang: &str, name: &str) -> Result<Option<i64>> {
    let id = sqlx::query_scalar(
        "SELECT partner_id FROM partner_names WHERE lower(lang) = lower($1) AND lower(name) = lower($2)",
    )
    .bind(lang)
    .bind(name)
    .fetch_optional(conn)
    .await?;
    Ok(id)
}

pub async fn insert(conn: &mut PgConnection, draft: &PartnerDraft) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO partners (kind, country, city, website, email, isil, active)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(draft.kind.as_str())
    .bind(&draft.country)
    .bind(&draft.city)
    .bind(&draft.website)
    .bind(&draft.email)
    .bind(&draft.isil)
    .bind(draft.active)
    .fetch_one(&mut *conn)
    .await?;
    replace_names(conn, id, &draft.names).await?;
    Ok(id)
}

pub async fn update(conn: &mut PgConnection, id: i64, patch: &PartnerPatch) -> Result<()> {
    // A NULL parameter means "leave as is"; the *_set flags distinguish clearing a nullable
    // column from leaving it alone.
    let updated = sqlx::query(
        "UPDATE partners SET
            kind = COALESCE($2, kind),
            country = CASE WHEN $3 THEN $13 ELSE country END,
            city = CASE WHEN $4 THEN $5 ELSE city END,
            website = CASE WHEN $6 THEN $7 ELSE website END,
            email = CASE WHEN $8 THEN $9 ELSE email END,
            isil = CASE WHEN $10 THEN $11 ELSE isil END,
            active = COALESCE($12, active),
            updated_at = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(patch.kind.map(PartnerKind::as_str))
    .bind(patch.country.is_some())
    .bind(patch.city.is_some())
    .bind(patch.city.clone().flatten())
    .bind(patch.website.is_some())
    .bind(patch.website.clone().flatten())
    .bind(patch.email.is_some())
    .bind(patch.email.clone().flatten())
    .bind(patch.isil.is_some())
    .bind(patch.isil.clone().flatten())
    .bind(patch.active)
    .bind(patch.country.clone().flatten())
    .execute(&mut *conn)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(Error::not_found("Partner", id));
    }
    if let Some(names) = &patch.names {
        replace_names(conn, id, names).await?;
    }
    Ok(())
}

async fn replace_names(conn: &mut PgConnection, id: i64, names: &[super::LocalizedName]) -> Result<()> {
    sqlx::query("DELETE FROM partner_names WHERE partner_id = $1").bind(id).execute(&mut *conn).await?;
    let langs: Vec<&str> = names.iter().map(|n| n.lang.as_str()).collect();
    let values: Vec<&str> = names.iter().map(|n| n.value.as_str()).collect();
    sqlx::query("INSERT INTO partner_names (partner_id, lang, name) SELECT $1, * FROM unnest($2::text[], $3::text[])")
        .bind(id)
        .bind(&langs)
        .bind(&values)
        .execute(conn)
        .await?;
    Ok(())
}
