//! Root fields for projects and their partners.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use chrono::NaiveDate;

use super::change::{Change, update};
use super::connection::{Page, PageArgs};
use super::enums::{Direction, ProjectKind, ProjectRole, ProjectStatus};
use super::error::GqlResultExt;
use super::id::{self, NodeKind};
use super::{find, list_page};
use crate::error::{Error, Result as DomainResult};
use crate::project::db::{ProjectFilter, ProjectOrder};
use crate::project::{self, Project, ProjectDraft, ProjectPatch};
use crate::validate;

#[derive(InputObject, Default)]
#[graphql(name = "ProjectFilter")]
pub struct ProjectFilterInput {
    kind: Option<ProjectKind>,
    status: Option<ProjectStatus>,
    /// Projects this partner takes part in.
    partner_id: Option<ID>,
    title_contains: Option<String>,
}

impl ProjectFilterInput {
    fn validate(self) -> DomainResult<ProjectFilter> {
        Ok(ProjectFilter {
            kind: self.kind.map(Into::into),
            status: self.status.map(Into::into),
            partner_id: self
                .partner_id
                .map(|id| id::decode_as("filter.partnerId", &id, NodeKind::Partner))
                .transpose()?,
            title_contains: self
                .title_contains
                .map(|t| validate::text("filter.titleContains", &t, project::MAX_TITLE_CHARS))
                .transpose()?,
        })
    }
}

super::enums::graphql_enum!(
    ProjectOrderField => ProjectOrder {
        Title,
        StartsOn,
        CreatedAt,
    }
);

#[derive(InputObject)]
pub struct ProjectOrderBy {
    field: ProjectOrderField,
    #[graphql(default)]
    direction: Direction,
}

#[derive(InputObject)]
pub struct ProjectPartnerInput {
    partner_id: ID,
    role: ProjectRole,
}

#[derive(InputObject)]
pub struct CreateProjectInput {
    kind: ProjectKind,
    title: String,
    #[graphql(default_with = "ProjectStatus::Planned")]
    status: ProjectStatus,
    starts_on: Option<NaiveDate>,
    ends_on: Option<NaiveDate>,
    description: Option<String>,
    /// The partners involved, each with its role.
    #[graphql(default)]
    partners: Vec<ProjectPartnerInput>,
}

type PartnerRoles = Vec<(i64, project::ProjectRole)>;

fn partner_roles(partners: Vec<ProjectPartnerInput>) -> DomainResult<PartnerRoles> {
    if partners.len() > project::MAX_PARTNERS_PER_REQUEST {
        return Err(Error::invalid(
            "partners",
            format!("at most {} partners can be given at once", project::MAX_PARTNERS_PER_REQUEST),
        ));
    }
    let mut roles: PartnerRoles = Vec::with_capacity(partners.len());
    for p in partners {
        let partner_id = id::decode_as("partners.partnerId", &p.partner_id, NodeKind::Partner)?;
        if roles.iter().any(|(id, _)| *id == partner_id) {
            return Err(Error::invalid("partners", "a partner is listed twice"));
        }
        roles.push((partner_id, p.role.into()));
    }
    Ok(roles)
}

impl CreateProjectInput {
    fn validate(self) -> DomainResult<(ProjectDraft, PartnerRoles)> {
        let draft = ProjectDraft {
            kind: self.kind.into(),
            title: self.title,
            status: self.status.into(),
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            description: self.description,
        }
        .validate()?;
        Ok((draft, partner_roles(self.partners)?))
    }
}

/// Fields left out stay as they are; a nullable field set to `null` is cleared.
#[derive(InputObject)]
pub struct UpdateProjectInput {
    id: ID,
    kind: Option<ProjectKind>,
    title: Option<String>,
    status: Option<ProjectStatus>,
    starts_on: MaybeUndefined<NaiveDate>,
    ends_on: MaybeUndefined<NaiveDate>,
    description: MaybeUndefined<String>,
}

impl UpdateProjectInput {
    fn into_patch(self) -> DomainResult<(i64, ProjectPatch)> {
        let id = id::decode_as("id", &self.id, NodeKind::Project)?;
        let patch = ProjectPatch {
            kind: self.kind.map(Into::into),
            title: self.title,
            status: self.status.map(Into::into),
            starts_on: self.starts_on.into(),
            ends_on: self.ends_on.into(),
            description: self.description.into(),
        };
        Ok((id, patch))
    }
}

#[derive(Default)]
pub struct ProjectQuery;

#[Object]
impl ProjectQuery {
    /// One project by id. An unknown id is a `NOT_FOUND` error.
    async fn project(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Project>> {
        find(ctx, &id).await
    }

    /// Projects, filtered and ordered by title unless `orderBy` says otherwise.
    async fn projects(
        &self,
        ctx: &Context<'_>,
        filter: Option<ProjectFilterInput>,
        order_by: Option<ProjectOrderBy>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Page<Project>> {
        let filter = filter.unwrap_or_default().validate().gql()?;
        let (order, direction) =
            order_by.map_or((ProjectOrder::Title, Direction::Asc), |o| (o.field.into(), o.direction));
        list_page(ctx, &filter, order, direction.into(), &PageArgs::new(after, before, first, last)).await
    }
}

#[derive(Default)]
pub struct ProjectMutation;

#[Object]
impl ProjectMutation {
    /// Creates a project, with its partners, in one transaction.
    async fn create_project(&self, ctx: &Context<'_>, input: CreateProjectInput) -> Result<Project> {
        let mut change = Change::begin(ctx, "createProject").await?;
        let result = async {
            let (draft, partners) = input.validate()?;
            let id = project::db::insert(change.conn(), &draft).await?;
            for (partner_id, role) in partners {
                project::db::set_partner(change.conn(), id, partner_id, role).await?;
            }
            project::db::get(change.conn(), id).await
        }
        .await;
        change.finish(result).await
    }

    /// Changes a project; the result is validated as a whole.
    async fn update_project(&self, ctx: &Context<'_>, input: UpdateProjectInput) -> Result<Project> {
        update(ctx, "updateProject", input.into_patch()).await
    }

    /// Attaches a partner to a project with a role, or changes the role of one already attached.
    async fn set_project_partner(
        &self,
        ctx: &Context<'_>,
        project_id: ID,
        partner_id: ID,
        role: ProjectRole,
    ) -> Result<Project> {
        let mut change = Change::begin(ctx, "setProjectPartner").await?;
        let result = async {
            let project_id = id::decode_as("projectId", &project_id, NodeKind::Project)?;
            let partner_id = id::decode_as("partnerId", &partner_id, NodeKind::Partner)?;
            project::db::get_for_update(change.conn(), project_id).await?;
            project::db::set_partner(change.conn(), project_id, partner_id, role.into()).await?;
            project::db::get(change.conn(), project_id).await
        }
        .await;
        change.finish(result).await
    }

    /// Detaches a partner from a project. A partner that does not take part is `NOT_FOUND`.
    async fn remove_project_partner(&self, ctx: &Context<'_>, project_id: ID, partner_id: ID) -> Result<Project> {
        let mut change = Change::begin(ctx, "removeProjectPartner").await?;
        let result = async {
            let project_id = id::decode_as("projectId", &project_id, NodeKind::Project)?;
            let partner_id = id::decode_as("partnerId", &partner_id, NodeKind::Partner)?;
            project::db::get_for_update(change.conn(), project_id).await?;
            if !project::db::remove_partner(change.conn(), project_id, partner_id).await? {
                return Err(Error::not_found("Partner", partner_id));
            }
            project::db::get(change.conn(), project_id).await
        }
        .await;
        change.finish(result).await
    }
}
