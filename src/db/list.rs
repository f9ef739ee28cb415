//! One way to list the rows of any aggregate: its filter, the caller's scope, an order, a
//! count, and a window of the ordered result.
//!
//! Each aggregate says once, in its `db.rs`, how its filter becomes SQL conditions
//! ([`Listing`]); counting and paging are written here, for all of them. Only the conditions
//! a filter actually sets are sent, so PostgreSQL plans each query for what it asks.

use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgPool, Postgres, QueryBuilder};

use super::{Direction, Window};
use crate::error::Result;

/// Which rows the caller may see. Every list goes through [`count`] and [`page`], which
/// apply it, so no list can leave it out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every row: staff.
    Everything,
    /// What anyone may see.
    Public,
    /// What anyone may see, and what belongs to this partner.
    Partner(i64),
}

/// The WHERE clause of a statement under construction: conditions are ANDed, and values are
/// bound parameters, never spliced into the SQL.
pub struct Conditions<'q, 'args> {
    builder: &'q mut QueryBuilder<'args, Postgres>,
    empty: bool,
}

impl<'args> Conditions<'_, 'args> {
    /// Starts a condition with `sql`; continue it with `push_bind` and `push`.
    pub fn and(&mut self, sql: &str) -> &mut QueryBuilder<'args, Postgres> {
        self.builder.push(if self.empty { " WHERE " } else { " AND " });
        self.empty = false;
        self.builder.push(sql)
    }

    /// A condition that ends in one bound value, e.g. `bound("p.country = ", country)`.
    pub fn bound<T>(&mut self, sql: &str, value: T)
    where
        T: 'args + sqlx::Encode<'args, Postgres> + sqlx::Type<Postgres>,
    {
        self.and(sql).push_bind(value);
    }
}

/// How an aggregate's filter lists its rows.
pub trait Listing: Sync {
    type Row: for<'r> FromRow<'r, PgRow> + Send + Unpin;
    type Order: Copy + Send;
    /// `SELECT <columns> FROM <table> <alias>`: the statement before its conditions.
    const SELECT: &'static str;
    /// `<table> <alias>`: what is counted.
    const FROM: &'static str;
    /// The id column: the last sort key, so that every order is total and pages are stable.
    const ID: &'static str;

    /// Appends the filter's conditions.
    fn conditions<'args>(&'args self, conditions: &mut Conditions<'_, 'args>);

    /// The SQL expression (or expressions) an order sorts by.
    fn order_by(order: Self::Order) -> &'static str;

    /// Restricts the rows to what the scope may see. Every aggregate says, even when all its
    /// rows are public: nothing is listed open by default.
    fn scope(scope: Scope, conditions: &mut Conditions<'_, '_>);
}

fn filtered<'args, L: Listing>(builder: &mut QueryBuilder<'args, Postgres>, filter: &'args L, scope: Scope) {
    let mut conditions = Conditions { builder, empty: true };
    L::scope(scope, &mut conditions);
    filter.conditions(&mut conditions);
}

/// Appends the filter's and the scope's conditions to a statement of the caller's (which
/// then continues with `AND ...`: the conditions always start a WHERE clause, `TRUE` when
/// there is none).
pub fn conditions_of<'args, L: Listing>(builder: &mut QueryBuilder<'args, Postgres>, filter: &'args L, scope: Scope) {
    let mut conditions = Conditions { builder, empty: true };
    L::scope(scope, &mut conditions);
    filter.conditions(&mut conditions);
    if conditions.empty {
        conditions.and("TRUE");
    }
}

/// How many rows the filter selects within the scope.
pub async fn count<L: Listing>(pool: &PgPool, filter: &L, scope: Scope) -> Result<i64> {
    let mut builder = QueryBuilder::new("SELECT count(*) FROM ");
    builder.push(L::FROM);
    filtered(&mut builder, filter, scope);
    Ok(builder.build_query_scalar().fetch_one(pool).await?)
}

/// One window of the rows the filter selects within the scope, in `order`. `select` is
/// `L::SELECT` or a lighter statement giving the same rows (see `Prefetch::lighter_select`).
pub async fn page<L: Listing>(
    pool: &PgPool,
    select: &'static str,
    filter: &L,
    scope: Scope,
    order: L::Order,
    direction: Direction,
    window: Window,
) -> Result<Vec<L::Row>> {
    let mut builder = QueryBuilder::new(select);
    filtered(&mut builder, filter, scope);
    let dir = direction.sql();
    builder.push(format_args!(" ORDER BY {} {dir} NULLS LAST, {} {dir}", L::order_by(order), L::ID));
    // The window is written out, not bound: a list without conditions is then a statement
    // without parameters, which PostgreSQL plans once per connection instead of on every
    // call (planning was half its time on a page of twenty). Both are integers of ours.
    builder.push(format_args!(" LIMIT {} OFFSET {}", window.limit, window.offset));
    Ok(builder.build_query_as().fetch_all(pool).await?)
}
