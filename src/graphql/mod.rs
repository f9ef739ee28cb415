//! The GraphQL schema: the root fields of every aggregate merged into one `Query` and one
//! `Mutation`, the `Node` interface, connections, loaders and error codes.

pub mod agreement;
pub mod connection;
pub mod document;
pub mod error;
pub mod exchange;
pub mod holding;
pub mod id;
pub mod loaders;
pub mod nodes;
pub mod partner;
pub mod project;
pub mod search;

use async_graphql::{
    Context, EmptySubscription, ErrorExtensions, ID, MaybeUndefined, MergedObject, Object, Result, Schema,
};
use sqlx::{PgPool, Postgres, Transaction};

use self::error::GqlResultExt;
use self::id::NodeKind;
use self::loaders::{AgreementKey, DocumentKey, ExchangeKey, HoldingKey, PartnerKey, ProjectKey};
use self::nodes::{Node, loaders};

pub type HamkorSchema = Schema<Query, Mutation, EmptySubscription>;

/// How deep a query may nest and how many fields it may select: enough for any screen,
/// too little to make the server walk the whole graph for one request.
pub const MAX_DEPTH: usize = 12;
pub const MAX_COMPLEXITY: usize = 5_000;
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
    search::SearchQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    partner::PartnerMutation,
    agreement::AgreementMutation,
    project::ProjectMutation,
    document::DocumentMutation,
    holding::HoldingMutation,
    exchange::ExchangeMutation,
);

/// Builds the schema. Per-request data (the pool and the loaders) is attached to each
/// request, so the schema itself needs no database: `hamkor schema` prints it offline.
pub fn build_schema() -> HamkorSchema {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .finish()
}

/// Adds what resolvers need for one request.
pub fn prepare_request(
    request: async_graphql::Request,
    pool: &PgPool,
    search: &crate::search::SearchIndex,
    batch_window: std::time::Duration,
) -> async_graphql::Request {
    request.data(pool.clone()).data(search.clone()).data(loaders::for_request(pool.clone(), batch_window))
}

pub(crate) fn pool<'a>(ctx: &Context<'a>) -> &'a PgPool {
    ctx.data_unchecked::<PgPool>()
}

pub(crate) async fn begin(ctx: &Context<'_>) -> Result<Transaction<'static, Postgres>> {
    pool(ctx).begin().await.map_err(crate::error::Error::from).gql()
}

/// An update's nullable field: absent leaves it, null clears it.
pub(crate) fn maybe<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

#[derive(Default)]
pub struct NodeQuery;

async fn load_node(ctx: &Context<'_>, kind: NodeKind, raw: i64) -> Result<Option<Node>> {
    let loaders = loaders(ctx);
    let node = match kind {
        NodeKind::Partner => loaders.load_one(PartnerKey(raw)).await.map_err(|e| e.extend())?.map(Node::Partner),
        NodeKind::Agreement => loaders.load_one(AgreementKey(raw)).await.map_err(|e| e.extend())?.map(Node::Agreement),
        NodeKind::Project => loaders.load_one(ProjectKey(raw)).await.map_err(|e| e.extend())?.map(Node::Project),
        NodeKind::Document => loaders.load_one(DocumentKey(raw)).await.map_err(|e| e.extend())?.map(Node::Document),
        NodeKind::Holding => loaders.load_one(HoldingKey(raw)).await.map_err(|e| e.extend())?.map(Node::Holding),
        NodeKind::Exchange => loaders.load_one(ExchangeKey(raw)).await.map_err(|e| e.extend())?.map(Node::Exchange),
    };
    Ok(node)
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
