//! The one path of every mutation: a transaction, and the audit trail's row written in it.
//!
//! ```text
//! let mut change = Change::begin(ctx, "createPartner").await?;
//! let result = async { /* validate, write through change.conn() */ }.await;
//! change.finish(result).await
//! ```
//!
//! `finish` commits the change with its audit row, or rolls it back and records the failure
//! on its own, so the trail says how every attempt ended and never claims a change that was
//! not kept.

use async_graphql::{Context, ID, Result};
use sqlx::{PgConnection, Postgres, Transaction};

use super::error::GqlResultExt;
use super::loaders::Fetch;
use super::{pool, viewer};
use crate::aggregate::{self, Aggregate};
use crate::audit::{self, Entry, Outcome};
use crate::error::Result as DomainResult;
use crate::global_id;

/// What a change touched, for the audit trail.
pub(crate) trait Audited {
    fn object_ids(&self) -> Vec<String>;
}

impl<T: Fetch> Audited for T {
    fn object_ids(&self) -> Vec<String> {
        vec![global_id::encode(T::KIND, self.id())]
    }
}

impl Audited for ID {
    fn object_ids(&self) -> Vec<String> {
        vec![self.to_string()]
    }
}

pub(crate) struct Change<'a, 'b> {
    ctx: &'a Context<'b>,
    operation: &'static str,
    tx: Transaction<'static, Postgres>,
}

impl<'a, 'b> Change<'a, 'b> {
    pub async fn begin(ctx: &'a Context<'b>, operation: &'static str) -> Result<Change<'a, 'b>> {
        let tx = pool(ctx).begin().await.map_err(crate::error::Error::from).gql()?;
        Ok(Change { ctx, operation, tx })
    }

    pub fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    /// Commits with the audit row, or rolls back and records the failure.
    pub async fn finish<T: Audited>(self, result: DomainResult<T>) -> Result<T> {
        self.finish_with(result, |_| None).await
    }

    /// Like [`finish`](Self::finish), with a detail for the audit row.
    pub async fn finish_with<T: Audited>(
        mut self,
        result: DomainResult<T>,
        detail: impl FnOnce(&T) -> Option<String>,
    ) -> Result<T> {
        let viewer = viewer(self.ctx);
        match result {
            Ok(value) => {
                let mut entry = Entry::new(viewer, self.operation, Outcome::Ok).objects(value.object_ids());
                if let Some(detail) = detail(&value) {
                    entry = entry.detail(detail);
                }
                audit::db::record(&mut self.tx, &entry).await.gql()?;
                self.tx.commit().await.map_err(crate::error::Error::from).gql()?;
                Ok(value)
            }
            Err(err) => {
                let _ = self.tx.rollback().await;
                let entry = Entry::new(viewer, self.operation, Outcome::Failed).detail(&err);
                record_apart(self.ctx, &entry).await;
                Err(err).gql()
            }
        }
    }
}

/// Records an event in a transaction of its own (a refused or failed attempt). A failure to
/// record is logged, not added to the caller's error.
pub(crate) async fn record_apart(ctx: &Context<'_>, entry: &Entry) {
    record_apart_with_pool(pool(ctx), entry).await;
}

pub(crate) async fn record_apart_with_pool(pool: &sqlx::PgPool, entry: &Entry) {
    let recorded = async {
        let mut conn = pool.acquire().await?;
        audit::db::record(&mut conn, entry).await
    }
    .await;
    if let Err(err) = recorded {
        tracing::warn!(error = %err, operation = entry.operation, "cannot record an attempt in the audit trail");
    }
}

/// Changes one aggregate: the one path of every update mutation.
pub(crate) async fn update<A>(
    ctx: &Context<'_>,
    operation: &'static str,
    id: DomainResult<(i64, A::Patch)>,
) -> Result<A>
where
    A: Aggregate + Audited,
{
    let mut change = Change::begin(ctx, operation).await?;
    let result = async {
        let (id, patch) = id?;
        aggregate::update::<A>(change.conn(), id, patch).await
    }
    .await;
    change.finish(result).await
}
