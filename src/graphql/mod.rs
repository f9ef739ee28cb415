//! The GraphQL schema: the root fields of every aggregate merged into one `Query` and one
//! `Mutation`, the `Node` interface, connections, loaders and error codes.

pub mod access;
pub mod agreement;
pub mod audit;
pub mod change;
pub mod connection;
pub mod cost;
pub mod document;
pub mod enums;
pub mod error;
pub mod exchange;
pub mod holding;
pub mod id;
pub mod ill;
pub mod import;
pub mod loaders;
pub mod nodes;
pub mod partner;
mod prefetch;
pub mod project;
pub mod search;
pub mod subscription;
pub mod token;

use std::sync::Arc;

use async_graphql::{Context, ID, MergedObject, Object, OutputType, Result, Schema};
use sqlx::PgPool;

use self::access::Guarded;
use self::connection::{Counter, IntoPage, Page, PageArgs, forward_page};
use self::error::GqlResultExt;
use self::id::NodeKind;
use self::loaders::Fetch;
use self::nodes::{Node, load_optional};
use self::prefetch::Prefetch;
use crate::access::Viewer;
use crate::db::list::{self as listing, Listing, Scope};
use crate::db::{Direction, Window};
use crate::partner::recent::RecentPartners;

pub type HamkorSchema = Schema<Guarded<Query>, Guarded<Mutation>, subscription::Subscription>;

/// `nodes(ids:)` takes at most this many ids.
pub const MAX_NODES: usize = 100;

#[derive(MergedObject, Default)]
pub struct Query(
    NodeQuery,
    partner::PartnerQuery,
    agreement::AgreementQuery,
    project::ProjectQuery,
    document::DocumentQuery,
    holding::HoldingQuery,
    exchange::ExchangeQuery,
    ill::IllQuery,
    import::ImportQuery,
    search::SearchQuery,
    audit::AuditQuery,
    token::TokenQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    partner::PartnerMutation,
    agreement::AgreementMutation,
    project::ProjectMutation,
    document::DocumentMutation,
    holding::HoldingMutation,
    exchange::ExchangeMutation,
    ill::IllMutation,
    import::ImportMutation,
    token::TokenMutation,
);

/// Builds the schema. Per-request data (the pool and the loaders) is attached to each
/// request, so the schema itself needs no database: `hamkor schema` prints it offline.
pub fn build_schema() -> HamkorSchema {
    // Depth and cost are measured before execution by `cost`, in time linear in the
    // document; async-graphql's own depth and complexity checks expand fragment spreads,
    // which costs exponential time on a document built to hurt.
    Schema::build(Guarded::default(), Guarded::default(), subscription::Subscription).finish()
}

/// Adds what resolvers need for one request: the caller, the pool, the search index, the
/// partners results pages name, and loaders that show the caller only what it may see.
pub fn prepare_request(
    request: async_graphql::Request,
    viewer: Viewer,
    pool: &PgPool,
    search: &crate::search::SearchIndex,
    recent_partners: &Arc<RecentPartners>,
    batch_window: std::time::Duration,
) -> async_graphql::Request {
    let loaders = loaders::for_request(pool.clone(), batch_window, viewer.scope());
    request.data(viewer).data(pool.clone()).data(search.clone()).data(recent_partners.clone()).data(loaders)
}

/// What resolvers need for the life of one WebSocket connection: as [`prepare_request`],
/// and the feed of request changes subscriptions follow.
pub fn connection_data(
    viewer: Viewer,
    pool: &PgPool,
    search: &crate::search::SearchIndex,
    recent_partners: &Arc<RecentPartners>,
    batch_window: std::time::Duration,
    updates: crate::ill::updates::Updates,
    agency: crate::ill::Agency,
) -> async_graphql::Data {
    let mut data = async_graphql::Data::default();
    data.insert(loaders::for_request(pool.clone(), batch_window, viewer.scope()));
    data.insert(viewer);
    data.insert(pool.clone());
    data.insert(search.clone());
    data.insert(recent_partners.clone());
    data.insert(updates);
    data.insert(agency);
    data
}

/// The caller of this request (anonymous when the request carries none).
pub(crate) fn viewer<'a>(ctx: &Context<'a>) -> &'a Viewer {
    static ANONYMOUS: std::sync::LazyLock<Viewer> = std::sync::LazyLock::new(|| Viewer::anonymous(None));
    ctx.data_opt::<Viewer>().unwrap_or(&ANONYMOUS)
}

pub(crate) fn pool<'a>(ctx: &Context<'a>) -> &'a PgPool {
    ctx.data_unchecked::<PgPool>()
}

/// Which rows this request may see.
pub(crate) fn scope(ctx: &Context<'_>) -> Scope {
    viewer(ctx).scope()
}

/// One page of any aggregate's list: the one path of every connection over a table.
pub(crate) async fn list_page<L>(
    ctx: &Context<'_>,
    filter: &L,
    order: L::Order,
    direction: Direction,
    args: &PageArgs,
) -> Result<Page<L::Row>>
where
    L: Listing + Clone + Send + 'static,
    L::Row: OutputType + Prefetch,
{
    let scope = scope(ctx);
    let select = L::Row::lighter_select(ctx).unwrap_or(L::SELECT);
    if let Some((offset, limit)) = args.forward_window().gql()? {
        // One row more than the page tells whether there is a next one; the total is
        // counted only if the client selects it.
        let window = Window { offset, limit: limit + 1, total: 0 };
        let rows = listing::page(pool(ctx), select, filter, scope, order, direction, window).await.gql()?;
        // The row past the page only tells that there is a next page: nothing of it is shown.
        L::Row::prefetch(ctx, &rows[..rows.len().min(limit as usize)]).await?;
        let (pool, filter) = (pool(ctx).clone(), filter.clone());
        let counter: Counter = std::sync::Arc::new(move || {
            let (pool, filter) = (pool.clone(), filter.clone());
            Box::pin(async move { listing::count(&pool, &filter, scope).await })
        });
        return Ok(forward_page(offset, limit, rows, counter));
    }
    let total = listing::count(pool(ctx), filter, scope).await.gql()?;
    let window = args.window(total).gql()?;
    let rows = listing::page(pool(ctx), select, filter, scope, order, direction, window).await.gql()?;
    L::Row::prefetch(ctx, &rows).await?;
    Ok(window.page(rows))
}

/// One object by its global id for a typed root field (`partner(id:)`): an id of another
/// kind is `BAD_USER_INPUT`, an unknown one, or one the caller may not see, `NOT_FOUND`.
pub(crate) async fn find<T: Fetch>(ctx: &Context<'_>, id: &ID) -> Result<Option<T>> {
    let raw = id::decode_as("id", id, T::KIND).gql()?;
    // Straight to the database: a root field has no siblings to batch with.
    let found = T::get_many(pool(ctx), &[raw]).await.gql()?.pop().filter(|row| row.visible_to(scope(ctx)));
    match found {
        Some(found) => Ok(Some(found)),
        None => Err(crate::error::Error::not_found(T::KIND.type_name(), raw)).gql(),
    }
}

#[derive(Default)]
pub struct NodeQuery;

async fn load_node(ctx: &Context<'_>, kind: NodeKind, raw: i64) -> Result<Option<Node>> {
    let id = Some(raw);
    Ok(match kind {
        NodeKind::Partner => load_optional(ctx, id).await?.map(Node::Partner),
        NodeKind::Agreement => load_optional(ctx, id).await?.map(Node::Agreement),
        NodeKind::Project => load_optional(ctx, id).await?.map(Node::Project),
        NodeKind::Document => load_optional(ctx, id).await?.map(Node::Document),
        NodeKind::Holding => load_optional(ctx, id).await?.map(Node::Holding),
        NodeKind::Exchange => load_optional(ctx, id).await?.map(Node::Exchange),
        NodeKind::IllRequest => load_optional(ctx, id).await?.map(Node::IllRequest),
        NodeKind::Import => load_optional(ctx, id).await?.map(Node::Import),
        // Tokens are administered through `tokens`, never refetched.
        NodeKind::Token => None,
    })
}

#[Object]
impl NodeQuery {
    /// Any object by its global id; null when nothing has that id. A string that is not a
    /// hamkor id is a `BAD_USER_INPUT` error.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        let (kind, raw) = id::decode("id", &id).gql()?;
        load_node(ctx, kind, raw).await
    }

    /// Several objects by global id, in the order asked, with null for unknown ids (at most 100).
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> Result<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(self::error::bad_input("ids", format!("at most {MAX_NODES} ids can be asked at once")));
        }
        let decoded = ids.iter().map(|id| id::decode("ids", id)).collect::<Result<Vec<_>, _>>().gql()?;
        let lookups = decoded.into_iter().map(|(kind, raw)| load_node(ctx, kind, raw));
        futures_util::future::try_join_all(lookups).await
    }
}
