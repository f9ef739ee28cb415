//! The object types of the graph and the `Node` interface that unites them. Relations
//! between aggregates are resolved here, through the request's loaders, so the aggregate
//! modules never depend on each other.

use async_graphql::{Context, ErrorExtensions, ID, Interface, Object, Result};
use chrono::{DateTime, NaiveDate, Utc};

use super::connection::{Page, PageArgs, page_of};
use super::error::GqlResultExt;
use super::id::{self, NodeKind};
use super::loaders::{
    AgreementsOfPartner, Loaders, PartnerKey, PartnershipsOfPartner, PartnershipsOfProject, ProjectKey,
};
use crate::agreement::{Agreement, AgreementKind, AgreementStatus};
use crate::error::Error;
use crate::partner::{LocalizedName, Partner, PartnerKind};
use crate::project::{Partnership, Project, ProjectKind, ProjectRole, ProjectStatus};

/// An object with a global id, refetchable with `node(id:)`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "The object's opaque global id."))]
pub enum Node {
    Partner(Partner),
    Agreement(Agreement),
    Project(Project),
}

pub(super) fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}

/// Loads one object that a stored foreign key points to: it exists, or the database is
/// inconsistent, which is an internal error.
async fn load_required<K, V>(ctx: &Context<'_>, key: K, entity: &'static str, raw_id: i64) -> Result<V>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    super::loaders::DbLoader: async_graphql::dataloader::Loader<K, Value = V, Error = std::sync::Arc<Error>>,
    V: Send + Sync + Clone + 'static,
{
    loaders(ctx).load_one(key).await.map_err(|e| e.extend())?.ok_or_else(|| Error::not_found(entity, raw_id).extend())
}

/// A partner institution abroad (or an international organisation) the library cooperates with.
#[Object]
impl Partner {
    async fn id(&self) -> ID {
        id::encode(NodeKind::Partner, self.id)
    }

    async fn kind(&self) -> PartnerKind {
        self.kind
    }

    /// ISO 3166-1 alpha-2 code of the country the partner belongs to or represents (an
    /// embassy in Tashkent is `US`); null for bodies with no single country.
    async fn country(&self) -> Option<&str> {
        self.country.as_deref()
    }

    async fn city(&self) -> Option<&str> {
        self.city.as_deref()
    }

    async fn website(&self) -> Option<&str> {
        self.website.as_deref()
    }

    /// The contact e-mail of the partner's international office.
    async fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }

    /// The partner's ISIL (ISO 15511), by which interlibrary loan addresses it.
    async fn isil(&self) -> Option<&str> {
        self.isil.as_deref()
    }

    /// Whether cooperation is current.
    async fn active(&self) -> bool {
        self.active
    }

    /// Every name of the partner, one per language, ordered by language tag.
    async fn names(&self) -> &[LocalizedName] {
        &self.names
    }

    /// The best name for a reader of `lang` (a BCP 47 tag). Fallback order: the exact tag;
    /// another tag of the same language (`uz` finds `uz-Latn`); English; Uzbek (Latin);
    /// Russian; any other name.
    async fn name(&self, lang: Option<String>) -> &str {
        self.best_name(lang.as_deref())
    }

    /// The partner's agreements and memorandums, most recently signed first.
    async fn agreements(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Page<Agreement>> {
        let args = PageArgs::new(after, before, first, last);
        args.validate().gql()?;
        let all = loaders(ctx).load_one(AgreementsOfPartner(self.id)).await.map_err(|e| e.extend())?;
        page_of(all.unwrap_or_default(), &args).gql()
    }

    /// The joint projects the partner takes part in, with its role in each.
    async fn projects(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Page<Partnership>> {
        let args = PageArgs::new(after, before, first, last);
        args.validate().gql()?;
        let all = loaders(ctx).load_one(PartnershipsOfPartner(self.id)).await.map_err(|e| e.extend())?;
        page_of(all.unwrap_or_default(), &args).gql()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }
}

/// An agreement or memorandum of cooperation with one partner.
#[Object]
impl Agreement {
    async fn id(&self) -> ID {
        id::encode(NodeKind::Agreement, self.id)
    }

    async fn partner(&self, ctx: &Context<'_>) -> Result<Partner> {
        load_required(ctx, PartnerKey(self.partner_id), "Partner", self.partner_id).await
    }

    async fn kind(&self) -> AgreementKind {
        self.kind
    }

    async fn title(&self) -> &str {
        &self.title
    }

    async fn signed_on(&self) -> Option<NaiveDate> {
        self.signed_on
    }

    async fn valid_from(&self) -> Option<NaiveDate> {
        self.valid_from
    }

    /// The last day the agreement is in force; unknown when the text has no end date.
    async fn valid_until(&self) -> Option<NaiveDate> {
        self.valid_until
    }

    /// The effective status: an ACTIVE agreement past its `validUntil` is EXPIRED.
    async fn status(&self) -> AgreementStatus {
        self.status
    }

    /// What the parties agreed to do.
    async fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }
}

/// A joint project or programme.
#[Object]
impl Project {
    async fn id(&self) -> ID {
        id::encode(NodeKind::Project, self.id)
    }

    async fn kind(&self) -> ProjectKind {
        self.kind
    }

    async fn title(&self) -> &str {
        &self.title
    }

    async fn status(&self) -> ProjectStatus {
        self.status
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
        let args = PageArgs::new(after, before, first, last);
        args.validate().gql()?;
        let all = loaders(ctx).load_one(PartnershipsOfProject(self.id)).await.map_err(|e| e.extend())?;
        page_of(all.unwrap_or_default(), &args).gql()
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
        self.role
    }

    async fn partner(&self, ctx: &Context<'_>) -> Result<Partner> {
        load_required(ctx, PartnerKey(self.partner_id), "Partner", self.partner_id).await
    }

    async fn project(&self, ctx: &Context<'_>) -> Result<Project> {
        load_required(ctx, ProjectKey(self.project_id), "Project", self.project_id).await
    }
}
