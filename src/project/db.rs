//! All SQL about projects and the partners taking part in them.

use sqlx::{PgConnection, PgPool};

use super::{Partnership, Project, ProjectDraft, ProjectKind, ProjectRole, ProjectStatus};
use crate::db::escape_like;
use crate::db::list::{Conditions, Listing, Scope};
use crate::error::{Error, Result};

const SELECT: &str = "
    SELECT p.id, p.kind, p.title, p.status, p.starts_on, p.ends_on, p.description, p.created_at, p.updated_at
    FROM projects p";

#[derive(Clone, Debug, Default)]
pub struct ProjectFilter {
    pub kind: Option<ProjectKind>,
    pub status: Option<ProjectStatus>,
    pub partner_id: Option<i64>,
    pub title_contains: Option<String>,
}

#[derive(Clone, Copy, Debug, Default)]
pub enum ProjectOrder {
    #[default]
    Title,
    StartsOn,
    CreatedAt,
}

impl Listing for ProjectFilter {
    type Row = Project;
    type Order = ProjectOrder;
    const SELECT: &'static str = SELECT;
    const FROM: &'static str = "projects p";
    const ID: &'static str = "p.id";

    fn conditions<'args>(&'args self, w: &mut Conditions<'_, 'args>) {
        if let Some(kind) = self.kind {
            w.bound("p.kind = ", kind.as_str());
        }
        if let Some(status) = self.status {
            w.bound("p.status = ", status.as_str());
        }
        if let Some(partner_id) = self.partner_id {
            w.and("EXISTS (SELECT 1 FROM project_partners pp WHERE pp.project_id = p.id AND pp.partner_id = ")
                .push_bind(partner_id)
                .push(")");
        }
        if let Some(text) = &self.title_contains {
            w.and("p.title ILIKE '%' || ").push_bind(escape_like(text)).push(" || '%'");
        }
    }

    /// Projects are public.
    fn scope(_scope: Scope, _conditions: &mut Conditions<'_, '_>) {}

    fn order_by(order: ProjectOrder) -> &'static str {
        match order {
            ProjectOrder::Title => "lower(p.title)",
            ProjectOrder::StartsOn => "p.starts_on",
            ProjectOrder::CreatedAt => "p.created_at",
        }
    }
}

pub async fn get_many(pool: &PgPool, ids: &[i64]) -> Result<Vec<Project>> {
    let sql = format!("{SELECT} WHERE p.id = ANY($1)");
    Ok(sqlx::query_as(&sql).bind(ids).fetch_all(pool).await?)
}

pub async fn get(conn: &mut PgConnection, id: i64) -> Result<Project> {
    let sql = format!("{SELECT} WHERE p.id = $1");
    sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?.ok_or_else(|| Error::not_found("Project", id))
}

pub async fn find_by_title(conn: &mut PgConnection, title: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM projects WHERE lower(title) = lower($1)")
        .bind(title)
        .fetch_optional(conn)
        .await?)
}

pub async fn get_for_update(conn: &mut PgConnection, id: i64) -> Result<ProjectDraft> {
    let project: Project = sqlx::query_as(&format!("{SELECT} WHERE p.id = $1 FOR UPDATE"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::not_found("Project", id))?;
    Ok(ProjectDraft {
        kind: project.kind,
        title: project.title,
        status: project.status,
        starts_on: project.starts_on,
        ends_on: project.ends_on,
        description: project.description,
    })
}

pub async fn insert(conn: &mut PgConnection, draft: &ProjectDraft) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO projects (kind, title, status, starts_on, ends_on, description)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(draft.kind.as_str())
    .bind(&draft.title)
    .bind(draft.status.as_str())
    .bind(draft.starts_on)
    .bind(draft.ends_on)
    .bind(&draft.description)
    .fetch_one(conn)
    .await?)
}

pub async fn update(conn: &mut PgConnection, id: i64, merged: &ProjectDraft) -> Result<()> {
    sqlx::query(
        "UPDATE projects SET kind = $2, title = $3, status = $4, starts_on = $5, ends_on = $6,
                description = $7, updated_at = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(merged.kind.as_str())
    .bind(&merged.title)
    .bind(merged.status.as_str())
    .bind(merged.starts_on)
    .bind(merged.ends_on)
    .bind(&merged.description)
    .execute(conn)
    .await?;
    Ok(())
}

/// Adds a partner to a project, or changes its role if it already takes part.
pub async fn set_partner(conn: &mut PgConnection, project_id: i64, partner_id: i64, role: ProjectRole) -> Result<()> {
    sqlx::query(
        "INSERT INTO project_partners (project_id, partner_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (project_id, partner_id) DO UPDATE SET role = EXCLUDED.role",
    )
    .bind(project_id)
    .bind(partner_id)
    .bind(role.as_str())
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE projects SET updated_at = now() WHERE id = $1").bind(project_id).execute(conn).await?;
    Ok(())
}

/// Returns whether the partner took part.
pub async fn remove_partner(conn: &mut PgConnection, project_id: i64, partner_id: i64) -> Result<bool> {
    let removed = sqlx::query("DELETE FROM project_partners WHERE project_id = $1 AND partner_id = $2")
        .bind(project_id)
        .bind(partner_id)
        .execute(&mut *conn)
        .await?;
    Ok(removed.rows_affected() > 0)
}

pub async fn partnerships_of_projects(pool: &PgPool, project_ids: &[i64]) -> Result<Vec<Partnership>> {
    Ok(sqlx::query_as(
        "SELECT project_id, partner_id, role FROM project_partners WHERE project_id = ANY($1)
         ORDER BY project_id, CASE role WHEN 'lead' THEN 0 WHEN 'co_organiser' THEN 1 WHEN 'sponsor' THEN 2 ELSE 3 END, partner_id",
    )
    .bind(project_ids)
    .fetch_all(pool)
    .await?)
}

pub async fn partnerships_of_partners(pool: &PgPool, partner_ids: &[i64]) -> Result<Vec<Partnership>> {
    Ok(sqlx::query_as(
        "SELECT pp.project_id, pp.partner_id, pp.role FROM project_partners pp JOIN projects p ON p.id = pp.project_id
         WHERE pp.partner_id = ANY($1) ORDER BY pp.partner_id, lower(p.title), p.id",
    )
    .bind(partner_ids)
    .fetch_all(pool)
    .await?)
}

/// Attaches a partner unless it already takes part (whatever its role); returns whether it
/// was attached.
pub async fn add_partner_if_absent(
    conn: &mut PgConnection,
    project_id: i64,
    partner_id: i64,
    role: ProjectRole,
) -> Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO project_partners (project_id, partner_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (project_id, partner_id) DO NOTHING",
    )
    .bind(project_id)
    .bind(partner_id)
    .bind(role.as_str())
    .execute(conn)
    .await?;
    Ok(inserted.rows_affected() > 0)
}
