//! Batched loading for nested fields: a page of 100 partners with their agreements and
//! projects costs one statement per relation, not one per row.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use sqlx::PgPool;

use crate::agreement::{self, Agreement};
use crate::document::{self, Document};
use crate::error::Error;
use crate::exchange::{self, Exchange, ExchangeBalance, ExchangeEvent, ExchangeLine};
use crate::holding::{self, Holding};
use crate::partner::{self, Partner};
use crate::project::{self, Partnership, Project};

pub type Loaders = DataLoader<DbLoader, HashMapCache>;

/// Creates the loaders for one request (their cache lives as long as the request).
///
/// `window` is how long a loader waits after its first key for more keys of the same
/// level before it runs one statement for all of them. Keys of one level arrive within
/// microseconds in a release build; the window only has to cover the scheduler's pauses.
pub fn for_request(pool: PgPool, window: std::time::Duration) -> Loaders {
    DataLoader::with_cache(DbLoader { pool }, tokio::spawn, HashMapCache::default()).delay(window)
}

pub struct DbLoader {
    pool: PgPool,
}

/// Loads these partners now, in one statement, and keeps them for the rest of the request:
/// for a resolver that already knows which partners its selection will ask for, so that
/// their fields need not wait for a batching window.
pub async fn prefetch_partners(loaders: &Loaders, ids: &[i64]) -> Result<(), Error> {
    if ids.is_empty() {
        return Ok(());
    }
    let rows = partner::db::get_many(&loaders.loader().pool, ids).await?;
    loaders.feed_many(rows.into_iter().map(|p| (PartnerKey(p.id), p))).await;
    Ok(())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PartnerKey(pub i64);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AgreementKey(pub i64);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ProjectKey(pub i64);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DocumentKey(pub i64);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HoldingKey(pub i64);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExchangeKey(pub i64);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HoldingsOfDocument(pub i64);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LinesOfExchange(pub i64);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EventsOfExchange(pub i64);
/// A partner's exchange balance for one year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BalanceOf {
    pub partner_id: i64,
    pub year: i32,
}
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AgreementsOfPartner(pub i64);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PartnershipsOfPartner(pub i64);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PartnershipsOfProject(pub i64);

type LoadResult<K, V> = Result<HashMap<K, V>, Arc<Error>>;

fn ids<K: Copy>(keys: &[K], id: impl Fn(K) -> i64) -> Vec<i64> {
    keys.iter().map(|k| id(*k)).collect()
}

/// Groups rows by a parent key, keeping the order the SQL gave them; every requested key
/// gets an entry so an empty list is cached as empty.
fn group<K, V>(keys: &[K], rows: Vec<V>, key_of: impl Fn(&V) -> K) -> HashMap<K, Vec<V>>
where
    K: std::hash::Hash + Eq + Copy,
{
    let mut map: HashMap<K, Vec<V>> = keys.iter().map(|k| (*k, Vec::new())).collect();
    for row in rows {
        map.entry(key_of(&row)).or_default().push(row);
    }
    map
}

impl Loader<PartnerKey> for DbLoader {
    type Value = Partner;
    type Error = Arc<Error>;

    async fn load(&self, keys: &[PartnerKey]) -> LoadResult<PartnerKey, Partner> {
        let rows = partner::db::get_many(&self.pool, &ids(keys, |k| k.0)).await?;
        Ok(rows.into_iter().map(|p| (PartnerKey(p.id), p)).collect())
    }
}

impl Loader<AgreementKey> for DbLoader {
    type Value = Agreement;
    type Error = Arc<Error>;

    async fn load(&self, keys: &[AgreementKey]) -> LoadResult<AgreementKey, Agreement> {
        let rows = agreement::db::get_many(&self.pool, &ids(keys, |k| k.0)).await?;
        Ok(rows.into_iter().map(|a| (AgreementKey(a.id), a)).collect())
    }
}

impl Loader<ProjectKey> for DbLoader {
    type Value = Project;
    type Error = Arc<Error>;

    async fn load(&self, keys: &[ProjectKey]) -> LoadResult<ProjectKey, Project> {
        let rows = project::db::get_many(&self.pool, &ids(keys, |k| k.0)).await?;
        Ok(rows.into_iter().map(|p| (ProjectKey(p.id), p)).collect())
    }
}

impl Loader<AgreementsOfPartner> for DbLoader {
    type Value = Vec<Agreement>;
    type Error = Arc<Error>;

    async fn load(&self, keys: &[AgreementsOfPartner]) -> LoadResult<AgreementsOfPartner, Vec<Agreement>> {
        let rows = agreement::db::of_partners(&self.pool, &ids(keys, |k| k.0)).await?;
        Ok(group(keys, rows, |a| AgreementsOfPartner(a.partner_id)))
    }
}

impl Loader<PartnershipsOfPartner> for DbLoader {
    type Value = Vec<Partnership>;
    type Error = Arc<Error>;

    async fn load(&self, keys: &[PartnershipsOfPartner]) -> LoadResult<PartnershipsOfPartner, Vec<Partnership>> {
        let rows = project::db::partnerships_of_partners(&self.pool, &ids(keys, |k| k.0)).await?;
        Ok(group(keys, rows, |p| PartnershipsOfPartner(p.partner_id)))
    }
}

impl Loader<PartnershipsOfProject> for DbLoader {
    type Value = Vec<Partnership>;
    type Error = Arc<Error>;

    async fn load(&self, keys: &[PartnershipsOfProject]) -> LoadResult<PartnershipsOfProject, Vec<Partnership>> {
        let rows = project::db::partnerships_of_projects(&self.pool, &ids(keys, |k| k.0)).await?;
        Ok(group(keys, rows, |p| PartnershipsOfProject(p.project_id)))
    }
}

/// Loads objects by id with `get_many`, keyed by a newtype of the id.
macro_rules! by_id_loader {
    ($key:ident, $value:ty, $get_many:path) => {
        impl Loader<$key> for DbLoader {
            type Value = $value;
            type Error = Arc<Error>;

            async fn load(&self, keys: &[$key]) -> LoadResult<$key, $value> {
                let rows = $get_many(&self.pool, &ids(keys, |k| k.0)).await?;
                Ok(rows.into_iter().map(|row| ($key(row.id), row)).collect())
            }
        }
    };
}

by_id_loader!(DocumentKey, Document, document::db::get_many);
by_id_loader!(HoldingKey, Holding, holding::db::get_many);
by_id_loader!(ExchangeKey, Exchange, exchange::db::get_many);

impl Loader<HoldingsOfDocument> for DbLoader {
    type Value = Vec<Holding>;
    type Error = Arc<Error>;

    async fn load(&self, keys: &[HoldingsOfDocument]) -> LoadResult<HoldingsOfDocument, Vec<Holding>> {
        let rows = holding::db::of_documents(&self.pool, &ids(keys, |k| k.0)).await?;
        Ok(group(keys, rows, |h| HoldingsOfDocument(h.document_id)))
    }
}

impl Loader<LinesOfExchange> for DbLoader {
    type Value = Vec<ExchangeLine>;
    type Error = Arc<Error>;

    async fn load(&self, keys: &[LinesOfExchange]) -> LoadResult<LinesOfExchange, Vec<ExchangeLine>> {
        let rows = exchange::db::lines_of(&self.pool, &ids(keys, |k| k.0)).await?;
        Ok(group(keys, rows, |l| LinesOfExchange(l.exchange_id)))
    }
}

impl Loader<EventsOfExchange> for DbLoader {
    type Value = Vec<ExchangeEvent>;
    type Error = Arc<Error>;

    async fn load(&self, keys: &[EventsOfExchange]) -> LoadResult<EventsOfExchange, Vec<ExchangeEvent>> {
        let rows = exchange::db::events_of(&self.pool, &ids(keys, |k| k.0)).await?;
        Ok(group(keys, rows, |e| EventsOfExchange(e.exchange_id)))
    }
}

impl Loader<BalanceOf> for DbLoader {
    type Value = ExchangeBalance;
    type Error = Arc<Error>;

    /// One statement per year asked for (a page of partners asks for one year).
    async fn load(&self, keys: &[BalanceOf]) -> LoadResult<BalanceOf, ExchangeBalance> {
        let mut years: Vec<i32> = keys.iter().map(|k| k.year).collect();
        years.sort_unstable();
        years.dedup();
        let mut out = HashMap::new();
        for year in years {
            let partners: Vec<i64> = keys.iter().filter(|k| k.year == year).map(|k| k.partner_id).collect();
            let rows = exchange::db::balances(&self.pool, Some(&partners), year).await?;
            for partner_id in partners {
                let balance = rows.iter().find(|b| b.partner_id == partner_id).cloned().unwrap_or(ExchangeBalance {
                    partner_id,
                    year,
                    ..Default::default()
                });
                out.insert(BalanceOf { partner_id, year }, balance);
            }
        }
        Ok(out)
    }
}
