//! What every aggregate has in common: the stored form it is created as and changed to (its
//! draft), checked as a whole by its rules; a patch that changes some of its fields; and its
//! SQL to lock, store and read it back. [`update`] is the one way any aggregate is changed.

use std::future::Future;

use sqlx::PgConnection;

use crate::error::Result;

pub trait Aggregate: Sized + Send {
    /// Every field an update may change, as stored.
    type Draft: Send + Sync;
    /// A change to some of the draft's fields.
    type Patch: Send;

    /// The draft with the patch's fields in place.
    fn apply(patch: Self::Patch, to: Self::Draft) -> Self::Draft;

    /// Checks and normalises a whole draft: a rule that spans fields (a date range, say)
    /// sees the stored value of the field a patch leaves alone.
    fn validate(draft: Self::Draft) -> Result<Self::Draft>;

    /// The stored draft, locked until the transaction ends; `NotFound` for an unknown id.
    fn load_for_update(conn: &mut PgConnection, id: i64) -> impl Future<Output = Result<Self::Draft>> + Send;

    fn store(conn: &mut PgConnection, id: i64, draft: &Self::Draft) -> impl Future<Output = Result<()>> + Send;

    fn get(conn: &mut PgConnection, id: i64) -> impl Future<Output = Result<Self>> + Send;
}

/// Changes one aggregate inside the caller's transaction and returns it as now stored.
pub async fn update<A: Aggregate>(conn: &mut PgConnection, id: i64, patch: A::Patch) -> Result<A> {
    let stored = A::load_for_update(conn, id).await?;
    let changed = A::validate(A::apply(patch, stored))?;
    A::store(conn, id, &changed).await?;
    A::get(conn, id).await
}

/// Puts a patch's value in place: `None` leaves the field as it is; for a nullable field,
/// `Some(None)` clears it.
pub fn set<T>(field: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *field = value;
    }
}
