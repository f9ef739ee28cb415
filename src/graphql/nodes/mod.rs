//! The object types of the graph and the `Node` interface that unites them. Relations
//! between aggregates are resolved here, through the request's loaders, so the aggregate
//! modules never depend on each other.

mod agreement;
mod document;
mod exchange;
mod holding;
pub(crate) mod ill;
mod partner;
mod project;

use async_graphql::{Context, ErrorExtensions, ID, Interface, Result};

use super::connection::{Page, PageArgs, page_of};
use super::error::GqlResultExt;
use super::loaders::{ById, Children, Fetch, Loaders, Relation};
use crate::agreement::Agreement;
use crate::document::Document;
use crate::document::import::db::ImportRecord;
use crate::error::Error;
use crate::exchange::Exchange;
use crate::holding::Holding;
use crate::ill::IllRequest;
use crate::partner::Partner;
use crate::project::Project;

/// An object with a global id, refetchable with `node(id:)`.
// Node values live for one field resolution; boxing the larger objects would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "The object's opaque global id."))]
pub enum Node {
    Partner(Partner),
    Agreement(Agreement),
    Project(Project),
    Document(Document),
    Holding(Holding),
    Exchange(Exchange),
    IllRequest(IllRequest),
    Import(ImportRecord),
}

pub(crate) fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}

/// One page of the rows under a parent (a partner's agreements, a document's copies):
/// short lists, loaded in one batch for all parents and paginated in memory.
pub(crate) async fn nested_page<R: Relation>(ctx: &Context<'_>, parent: i64, args: PageArgs) -> Result<Page<R::Row>>
where
    R::Row: async_graphql::OutputType,
{
    args.validate().gql()?;
    let all = loaders(ctx).load_one(Children::<R>::new(parent)).await.map_err(|e| e.extend())?;
    page_of(all.unwrap_or_default(), &args).gql()
}

/// The object a nullable reference points to, if any.
pub(crate) async fn load_optional<T: Fetch>(ctx: &Context<'_>, id: Option<i64>) -> Result<Option<T>> {
    let Some(id) = id else { return Ok(None) };
    loaders(ctx).load_one(ById::<T>::new(id)).await.map_err(|e| e.extend())
}

/// The object a stored foreign key points to: it exists, or the database is inconsistent,
/// which is an internal error.
pub(crate) async fn load_required<T: Fetch>(ctx: &Context<'_>, id: i64) -> Result<T> {
    load_optional(ctx, Some(id)).await?.ok_or_else(|| Error::not_found(T::KIND.type_name(), id).extend())
}
