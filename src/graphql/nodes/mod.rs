//! The object types of the graph and the `Node` interface that unites them. Relations
//! between aggregates are resolved here, through the request's loaders, so the aggregate
//! modules never depend on each other.

mod agreement;
mod document;
mod exchange;
mod holding;
mod partner;
mod project;

use async_graphql::{Context, ErrorExtensions, ID, Interface, Result};

use super::connection::{Page, PageArgs, page_of};
use super::error::GqlResultExt;
use super::loaders::Loaders;
use crate::agreement::Agreement;
use crate::document::Document;
use crate::error::Error;
use crate::exchange::Exchange;
use crate::holding::Holding;
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
}

pub(crate) fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}

/// One page of a short list loaded in one batch for all parents (a partner's agreements, a
/// document's copies): loaded whole, paginated in memory.
pub(crate) async fn nested_page<K, V>(ctx: &Context<'_>, key: K, args: PageArgs) -> Result<Page<V>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    super::loaders::DbLoader: async_graphql::dataloader::Loader<K, Value = Vec<V>, Error = std::sync::Arc<Error>>,
    V: async_graphql::OutputType + Send + Sync + Clone + 'static,
{
    args.validate().gql()?;
    let all = loaders(ctx).load_one(key).await.map_err(|e| e.extend())?;
    page_of(all.unwrap_or_default(), &args).gql()
}

/// Loads one object that a stored foreign key points to: it exists, or the database is
/// inconsistent, which is an internal error.
pub(crate) async fn load_required<K, V>(ctx: &Context<'_>, key: K, entity: &'static str, raw_id: i64) -> Result<V>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    super::loaders::DbLoader: async_graphql::dataloader::Loader<K, Value = V, Error = std::sync::Arc<Error>>,
    V: Send + Sync + Clone + 'static,
{
    loaders(ctx).load_one(key).await.map_err(|e| e.extend())?.ok_or_else(|| Error::not_found(entity, raw_id).extend())
}
