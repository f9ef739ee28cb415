//! All SQL about partners.

use sqlx::postgres::PgArguments;
use sqlx::{PgConnection, PgPool, Postgres};

use super::{Partner, PartnerDraft, PartnerKind};
use crate::db::escape_like;
use crate::db::list::{Conditions, Listing, Scope};
use crate::error::{Error, Result};

const SELECT: &str = "
    SELECT p.id, p.kind, p.country, p.city, p.website, p.email, p.isil, p.active,
           COALESCE((SELECT jsonb_agg(jsonb_build_object('lang', n.lang, 'value', n.name) ORDER BY n.lang)
                     FROM partner_names n WHERE n.partner_id = p.id), '[]'::jsonb) AS names,
           p.created_at, p.updated_at
    FROM partners p";

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

impl Listing for PartnerFilter {
    type Row = Partner;
    type Order = PartnerOrder;
    const SELECT: &'static str = SELECT;
    const FROM: &'static str = "partners p";
    const ID: &'static str = "p.id";

    fn conditions<'args>(&'args self, w: &mut Conditions<'_, 'args>) {
        if let Some(country) = &self.country {
            w.bound("p.country = ", country);
        }
        if let Some(kind) = self.kind {
            w.bound("p.kind = ", kind.as_str());
        }
        if let Some(active) = self.active {
            w.bound("p.active = ", active);
        }
        if let Some(text) = &self.name_contains {
            w.and("EXISTS (SELECT 1 FROM partner_names n WHERE n.partner_id = p.id AND n.name ILIKE '%' || ")
                .push_bind(escape_like(text))
                .push(" || '%')");
        }
    }

    /// Partners are public; what is private to one (its e-mail) is hidden field by field.
    fn scope(_scope: Scope, _conditions: &mut Conditions<'_, '_>) {}

    fn order_by(order: PartnerOrder) -> &'static str {
        match order {
            // Kept by a trigger on partner_names (migration 0007), with an index.
            PartnerOrder::Name => "p.sort_name",
            PartnerOrder::Country => "p.country",
            PartnerOrder::CreatedAt => "p.created_at",
            PartnerOrder::UpdatedAt => "p.updated_at",
        }
    }
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

type IdQuery<'q> = sqlx::query::QueryScalar<'q, Postgres, i64, PgArguments>;

/// Binds a draft's columns as $1..$7, in the order of `insert` and `update`.
fn bind_draft<'q>(query: IdQuery<'q>, draft: &'q PartnerDraft) -> IdQuery<'q> {
    query
        .bind(draft.kind.as_str())
        .bind(&draft.country)
        .bind(&draft.city)
        .bind(&draft.website)
        .bind(&draft.email)
        .bind(&draft.isil)
        .bind(draft.active)
}

pub async fn insert(conn: &mut PgConnection, draft: &PartnerDraft) -> Result<i64> {
    let id = bind_draft(
        sqlx::query_scalar(
            "INSERT INTO partners (kind, country, city, website, email, isil, active)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        ),
        draft,
    )
    .fetch_one(&mut *conn)
    .await?;
    replace_names(conn, id, &draft.names).await?;
    Ok(id)
}

/// The stored partner, locked until the transaction ends: what an update starts from.
pub async fn get_for_update(conn: &mut PgConnection, id: i64) -> Result<PartnerDraft> {
    let sql = format!("{SELECT} WHERE p.id = $1 FOR UPDATE OF p");
    let partner: Partner =
        sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?.ok_or_else(|| Error::not_found("Partner", id))?;
    Ok(PartnerDraft {
        kind: partner.kind,
        country: partner.country,
        city: partner.city,
        website: partner.website,
        email: partner.email,
        isil: partner.isil,
        active: partner.active,
        names: partner.names,
    })
}

pub async fn update(conn: &mut PgConnection, id: i64, draft: &PartnerDraft) -> Result<()> {
    let updated = bind_draft(
        sqlx::query_scalar(
            "UPDATE partners SET kind = $1, country = $2, city = $3, website = $4, email = $5, isil = $6, active = $7,
                    updated_at = now()
             WHERE id = $8 RETURNING id",
        ),
        draft,
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    if updated.is_none() {
        return Err(Error::not_found("Partner", id));
    }
    replace_names(conn, id, &draft.names).await
}

/// Whether a partner has this id.
pub async fn exists(conn: &mut PgConnection, id: i64) -> Result<bool> {
    Ok(sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM partners WHERE id = $1)").bind(id).fetch_one(conn).await?)
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
