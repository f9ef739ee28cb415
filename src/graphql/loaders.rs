//! Batched loading for nested fields: a page of 100 partners with their agreements and
//! projects costs one statement per relation, not one per row.
//!
//! Two generic loaders serve every aggregate: [`ById`] loads objects by id, [`Children`]
//! loads the rows under many parents (a partner's agreements, a document's copies). An
//! aggregate joins in with one line of [`by_id!`] or [`children!`] below.

use std::collections::HashMap;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use sqlx::PgPool;

use crate::access::{Scope, Visible};
use crate::agreement::{self, Agreement};
use crate::document::import::db::ImportRecord;
use crate::document::{self, Document};
use crate::error::{Error, Result};
use crate::exchange::{self, Exchange, ExchangeBalance, ExchangeEvent, ExchangeLine};
use crate::global_id::NodeKind;
use crate::holding::{self, Holding};
use crate::ill::{self, Delivery, Endpoint, IllEvent, IllRequest};
use crate::partner::{self, Partner};
use crate::project::{self, Partnership, Project};

/// Shared, so that a subscription can clear what a connection's loaders remember between
/// the updates it sends.
pub type Loaders = Arc<DataLoader<DbLoader, HashMapCache>>;

/// Creates the loaders for one request (their cache lives as long as the request).
///
/// `window` is how long a loader waits after its first key for more keys of the same
/// level before it runs one statement for all of them. Keys of one level arrive within
/// microseconds in a release build; the window only has to cover the scheduler's pauses.
/// The loaders show only the rows `scope` may see: an object another partner owns loads as
/// if it did not exist.
pub fn for_request(pool: PgPool, window: std::time::Duration, scope: Scope) -> Loaders {
    Arc::new(DataLoader::with_cache(DbLoader { pool, scope }, tokio::spawn, HashMapCache::default()).delay(window))
}

pub struct DbLoader {
    pool: PgPool,
    scope: Scope,
}

/// An aggregate that can be loaded by id.
pub trait Fetch: Visible + Clone + Send + Sync + 'static {
    const KIND: NodeKind;
    fn id(&self) -> i64;
    fn get_many(pool: &PgPool, ids: &[i64]) -> impl Future<Output = Result<Vec<Self>>> + Send;
}

/// Rows that belong to a parent: the rows of many parents are loaded in one statement.
pub trait Relation: Send + Sync + 'static {
    type Row: Visible + Clone + Send + Sync + 'static;
    fn parent(row: &Self::Row) -> i64;
    /// Every row of these parents, each parent's in the order it shows them.
    fn rows_of(pool: &PgPool, parents: &[i64]) -> impl Future<Output = Result<Vec<Self::Row>>> + Send;
}

/// Declares a key type over an id; `PhantomData<fn() -> T>` keeps it `Send`, `Sync` and
/// `Copy` whatever `T` is, so the impls are written out rather than derived.
macro_rules! key_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        pub struct $name<T>(pub i64, PhantomData<fn() -> T>);

        impl<T> $name<T> {
            pub fn new(id: i64) -> Self {
                $name(id, PhantomData)
            }
        }

        impl<T> Clone for $name<T> {
            fn clone(&self) -> Self {
                *self
            }
        }

        impl<T> Copy for $name<T> {}

        impl<T> PartialEq for $name<T> {
            fn eq(&self, other: &Self) -> bool {
                self.0 == other.0
            }
        }

        impl<T> Eq for $name<T> {}

        impl<T> Hash for $name<T> {
            fn hash<H: Hasher>(&self, state: &mut H) {
                self.0.hash(state);
            }
        }
    };
}

key_type!(
    /// The key of a `T` loaded by its id.
    ById
);
key_type!(
    /// The key of the rows of relation `R` under one parent.
    Children
);

impl<T: Fetch> Loader<ById<T>> for DbLoader {
    type Value = T;
    type Error = Arc<Error>;

    async fn load(&self, keys: &[ById<T>]) -> Result<HashMap<ById<T>, T>, Arc<Error>> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let rows = T::get_many(&self.pool, &ids).await?;
        Ok(rows.into_iter().filter(|row| row.visible_to(self.scope)).map(|row| (ById::new(row.id()), row)).collect())
    }
}

impl<R: Relation> Loader<Children<R>> for DbLoader {
    type Value = Vec<R::Row>;
    type Error = Arc<Error>;

    /// Every requested parent gets an entry, so an empty list is cached as empty.
    async fn load(&self, keys: &[Children<R>]) -> Result<HashMap<Children<R>, Vec<R::Row>>, Arc<Error>> {
        let parents: Vec<i64> = keys.iter().map(|k| k.0).collect();
        Ok(self.children_of::<R>(&parents).await?)
    }
}

impl DbLoader {
    /// The visible rows of relation `R` under each of `parents`, an empty list for a parent
    /// without any.
    async fn children_of<R: Relation>(&self, parents: &[i64]) -> Result<HashMap<Children<R>, Vec<R::Row>>> {
        let rows = R::rows_of(&self.pool, parents).await?;
        let mut grouped: HashMap<Children<R>, Vec<R::Row>> =
            parents.iter().map(|&parent| (Children::new(parent), Vec::new())).collect();
        for row in rows.into_iter().filter(|row| row.visible_to(self.scope)) {
            grouped.entry(Children::new(R::parent(&row))).or_default().push(row);
        }
        Ok(grouped)
    }
}

/// `by_id!(Type, get_many)`.
macro_rules! by_id {
    ($type:ident, $get_many:path) => {
        impl Fetch for $type {
            const KIND: NodeKind = NodeKind::$type;

            fn id(&self) -> i64 {
                self.id
            }

            fn get_many(pool: &PgPool, ids: &[i64]) -> impl Future<Output = Result<Vec<Self>>> + Send {
                $get_many(pool, ids)
            }
        }
    };
}

by_id!(Partner, partner::db::get_many);
by_id!(Agreement, agreement::db::get_many);
by_id!(Project, project::db::get_many);
by_id!(Document, document::db::get_many);
by_id!(Holding, holding::db::get_many);
by_id!(Exchange, exchange::db::get_many);
by_id!(IllRequest, ill::db::get_many);

impl Fetch for ImportRecord {
    const KIND: NodeKind = NodeKind::Import;

    fn id(&self) -> i64 {
        self.id
    }

    fn get_many(pool: &PgPool, ids: &[i64]) -> impl Future<Output = Result<Vec<Self>>> + Send {
        crate::document::import::db::get_many(pool, ids)
    }
}

/// `children!(Relation: Row by parent_field, rows_of)`.
macro_rules! children {
    ($(#[$meta:meta])* $relation:ident: $row:ty, by $parent:ident, $rows_of:path) => {
        $(#[$meta])*
        pub struct $relation;

        impl Relation for $relation {
            type Row = $row;

            fn parent(row: &$row) -> i64 {
                row.$parent
            }

            fn rows_of(pool: &PgPool, parents: &[i64]) -> impl Future<Output = Result<Vec<$row>>> + Send {
                $rows_of(pool, parents)
            }
        }
    };
}

children!(
    /// A partner's agreements, most recently signed first.
    AgreementsOfPartner: Agreement, by partner_id, agreement::db::of_partners
);
children!(
    /// The projects a partner takes part in.
    PartnershipsOfPartner: Partnership, by partner_id, project::db::partnerships_of_partners
);
children!(
    /// The partners of a project, the lead first.
    PartnershipsOfProject: Partnership, by project_id, project::db::partnerships_of_projects
);
children!(
    /// A document's copies: this library's first.
    HoldingsOfDocument: Holding, by document_id, holding::db::of_documents
);
children!(
    /// The lines of a shipment.
    LinesOfExchange: ExchangeLine, by exchange_id, exchange::db::lines_of
);
children!(
    /// The moves of a shipment, oldest first.
    EventsOfExchange: ExchangeEvent, by exchange_id, exchange::db::events_of
);

children!(
    /// The history of an interlibrary loan request, oldest first.
    EventsOfIllRequest: IllEvent, by request_id, ill::db::events_of
);
children!(
    /// The messages of a request to the partner's system, oldest first.
    DeliveriesOfIllRequest: Delivery, by request_id, ill::db::deliveries_of
);
children!(
    /// Where a partner's ISO 18626 system listens (one row at most).
    EndpointOfPartner: Endpoint, by partner_id, ill::db::endpoints_of
);

/// Loads these objects now, in one statement, and keeps them for the rest of the request:
/// for a resolver that already knows which objects its selection will ask for, so that
/// their fields need not wait for a batching window.
pub async fn prefetch<T: Fetch>(loaders: &Loaders, ids: &[i64]) -> Result<()> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(());
    }
    let rows = T::get_many(&loaders.loader().pool, &ids).await?;
    feed(loaders, rows).await;
    Ok(())
}

/// Keeps rows read elsewhere for the rest of the request, as [`prefetch`] does: those the
/// request's caller may see.
pub async fn feed<T: Fetch>(loaders: &Loaders, rows: Vec<T>) {
    let scope = loaders.loader().scope;
    let visible = rows.into_iter().filter(|row| row.visible_to(scope));
    loaders.feed_many(visible.map(|row| (ById::new(row.id()), row))).await;
}

/// Loads the rows of relation `R` under these parents now, in one statement, and keeps
/// them for the rest of the request (see [`prefetch`]).
pub async fn prefetch_children<R: Relation>(loaders: &Loaders, parents: &[i64]) -> Result<()> {
    if parents.is_empty() {
        return Ok(());
    }
    let grouped = loaders.loader().children_of::<R>(parents).await?;
    loaders.feed_many(grouped).await;
    Ok(())
}

/// A partner's exchange balance for one year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BalanceOf {
    pub partner_id: i64,
    pub year: i32,
}

impl Loader<BalanceOf> for DbLoader {
    type Value = ExchangeBalance;
    type Error = Arc<Error>;

    /// One statement per year asked for (a page of partners asks for one year).
    async fn load(&self, keys: &[BalanceOf]) -> Result<HashMap<BalanceOf, ExchangeBalance>, Arc<Error>> {
        let mut years: Vec<i32> = keys.iter().map(|k| k.year).collect();
        years.sort_unstable();
        years.dedup();
        let mut out = HashMap::new();
        for year in years {
            let partners: Vec<i64> = keys.iter().filter(|k| k.year == year).map(|k| k.partner_id).collect();
            let rows = exchange::db::balances(&self.pool, Some(&partners), year).await?;
            for partner_id in partners {
                let balance = rows
                    .iter()
                    .find(|b| b.partner_id == partner_id)
                    .cloned()
                    .unwrap_or_else(|| ExchangeBalance::none(partner_id, year));
                out.insert(BalanceOf { partner_id, year }, balance);
            }
        }
        Ok(out)
    }
}
