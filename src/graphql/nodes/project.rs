//! The `Project` and `ProjectPartnership` objects.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, NaiveDate, Utc};

use super::{load_required, nested_page};
use crate::graphql::connection::{Page, PageArgs};
use crate::graphql::enums::{ProjectKind, ProjectRole, ProjectStatus};
use crate::graphql::holding::holdings_page;
use crate::graphql::id::{self, NodeKind};
use crate::graphql::loaders::PartnershipsOfProject;
use crate::holding::Holding;
use crate::holding::db::HoldingFilter;
use crate::partner::Partner;
use crate::project::{Partnership, Project};

/// A joint project or programme.
#[Object]
impl Project {
    pub(crate) async fn id(&self) -> ID {
        id::encode(NodeKind::Project, self.id)
    }

    async fn kind(&self) -> ProjectKind {
        self.kind.into()
    }

    async fn title(&self) -> &str {
        &self.title
    }

    async fn status(&self) -> ProjectStatus {
        self.status.into()
    }

    async fn starts_on(&self) -> Option<NaiveDate> {
        self.starts_on
    }

    async fn ends_on(&self) -> Option<NaiveDate> {
        self.ends_on
    }

    async fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The partners involved, each with its role; the lead first.
    async fn partners(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Page<Partnership>> {
        nested_page::<PartnershipsOfProject>(ctx, self.id, PageArgs::new(after, before, first, last)).await
    }

    /// Copies shelved in this project's reading room.
    async fn holdings(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Page<Holding>> {
        let filter = HoldingFilter { location_project_id: Some(self.id), ..Default::default() };
        holdings_page(ctx, &filter, &PageArgs::new(after, before, first, last)).await
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }
}

/// A partner's part in a project.
#[Object(name = "ProjectPartnership")]
impl Partnership {
    async fn role(&self) -> ProjectRole {
        self.role.into()
    }

    async fn partner(&self, ctx: &Context<'_>) -> Result<Partner> {
        load_required(ctx, self.partner_id).await
    }

    async fn project(&self, ctx: &Context<'_>) -> Result<Project> {
        load_required(ctx, self.project_id).await
    }
}
