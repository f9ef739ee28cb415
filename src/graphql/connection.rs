//! Relay cursor connections over offset windows.
//!
//! Every list in the API is a connection with `first`/`after` and `last`/`before`,
//! `totalCount` and `pageInfo`. Cursors are opaque (`base64url("o:<offset>")`); they are
//! positions in the ordered result, which is what lets `last`/`before` work for any order a
//! client asks for. Page size is capped so one request cannot ask for the whole catalogue.

use async_graphql::connection::{Connection, CursorType, Edge};
use async_graphql::{Object, OutputType};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::future::BoxFuture;

pub use crate::db::Window;
use crate::error::{Error, Result};

pub const MAX_PAGE_SIZE: i32 = 100;
pub const DEFAULT_PAGE_SIZE: i32 = 20;
/// The largest position a cursor can name: far beyond any list the office keeps, and small
/// enough that "the next position" never overflows.
const MAX_CURSOR_OFFSET: i64 = i32::MAX as i64;

/// The cursor of one edge: its position in the ordered result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OffsetCursor(pub i64);

impl CursorType for OffsetCursor {
    type Error = Error;

    fn decode_cursor(s: &str) -> Result<Self> {
        let invalid =
            || Error::invalid("after", format!("{} is not a cursor returned by this API", crate::error::quoted(s)));
        let bytes = URL_SAFE_NO_PAD.decode(s.as_bytes()).map_err(|_| invalid())?;
        let text = std::str::from_utf8(&bytes).map_err(|_| invalid())?;
        let offset: i64 = text.strip_prefix("o:").ok_or_else(invalid)?.parse().map_err(|_| invalid())?;
        if !(0..=MAX_CURSOR_OFFSET).contains(&offset) {
            return Err(invalid());
        }
        Ok(OffsetCursor(offset))
    }

    fn encode_cursor(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("o:{}", self.0))
    }
}

/// Counts a list's items when asked.
pub type Counter = std::sync::Arc<dyn Fn() -> BoxFuture<'static, Result<i64>> + Send + Sync>;

/// What a connection knows of its size: counted already, or countable on demand.
#[derive(Clone)]
enum Total {
    Known(i64),
    /// Counted when `totalCount` is selected, and only then: most pages do not show it, and
    /// counting a large filtered table costs more than reading the page.
    Deferred(Counter),
}

#[derive(Clone)]
pub struct ConnectionTotals {
    total: Total,
}

impl ConnectionTotals {
    pub fn known(total: i64) -> Self {
        ConnectionTotals { total: Total::Known(total) }
    }

    pub fn deferred(counter: Counter) -> Self {
        ConnectionTotals { total: Total::Deferred(counter) }
    }
}

#[Object]
impl ConnectionTotals {
    /// How many items match, across all pages.
    async fn total_count(&self) -> async_graphql::Result<i64> {
        match &self.total {
            Total::Known(total) => Ok(*total),
            Total::Deferred(counter) => counter().await.map_err(async_graphql::Error::from),
        }
    }
}

pub type Page<Node> = Connection<OffsetCursor, Node, ConnectionTotals>;

/// The pagination arguments exactly as the client sent them.
#[derive(Default, Clone, Debug)]
pub struct PageArgs {
    pub after: Option<String>,
    pub before: Option<String>,
    pub first: Option<i32>,
    pub last: Option<i32>,
}

impl PageArgs {
    pub fn new(after: Option<String>, before: Option<String>, first: Option<i32>, last: Option<i32>) -> Self {
        PageArgs { after, before, first, last }
    }

    /// Rejects what no total can make sense of: negative or oversized counts, foreign cursors.
    /// Done before any SQL runs, so a bad request costs nothing.
    pub fn validate(&self) -> Result<()> {
        for (field, value) in [("first", self.first), ("last", self.last)] {
            if let Some(n) = value
                && !(0..=MAX_PAGE_SIZE).contains(&n)
            {
                return Err(Error::invalid(
                    field,
                    format!("{field} must be between 0 and {MAX_PAGE_SIZE}; it was {n}"),
                ));
            }
        }
        self.cursor("after", &self.after)?;
        self.cursor("before", &self.before)?;
        Ok(())
    }

    fn cursor(&self, field: &'static str, value: &Option<String>) -> Result<Option<i64>> {
        value
            .as_deref()
            .map(|s| {
                OffsetCursor::decode_cursor(s).map(|c| c.0).map_err(|e| match e {
                    Error::Invalid { message, .. } => Error::invalid(field, message),
                    other => other,
                })
            })
            .transpose()
    }

    /// The slice of a result of `total` items that this page covers (Relay's algorithm:
    /// `after`/`before` bound the range, then `first` takes from its start and `last` from
    /// its end).
    pub fn window(&self, total: i64) -> Result<Window> {
        self.validate()?;
        let mut start = self.cursor("after", &self.after)?.map_or(0, |a| a + 1).min(total);
        let mut end = self.cursor("before", &self.before)?.map_or(total, |b| b.min(total)).max(start);
        let first = match (self.first, self.last) {
            (None, None) => Some(DEFAULT_PAGE_SIZE),
            (first, _) => first,
        };
        if let Some(first) = first {
            end = end.min(start + i64::from(first));
        }
        if let Some(last) = self.last {
            start = start.max(end - i64::from(last));
        }
        Ok(Window { offset: start, limit: end - start, total })
    }
}

impl PageArgs {
    /// The slice a forward-only page covers (`first`/`after`, no `last`/`before`), which needs
    /// no total: `(offset, limit)`. None when the page is counted from the end.
    pub fn forward_window(&self) -> Result<Option<(i64, i64)>> {
        self.validate()?;
        if self.last.is_some() || self.before.is_some() {
            return Ok(None);
        }
        let offset = self.cursor("after", &self.after)?.map_or(0, |a| a + 1);
        Ok(Some((offset, i64::from(self.first.unwrap_or(DEFAULT_PAGE_SIZE)))))
    }
}

/// A forward page: `rows` were read with one more than `limit` asked for, which tells
/// whether a next page exists without counting.
pub fn forward_page<Node: OutputType>(offset: i64, limit: i64, mut rows: Vec<Node>, counter: Counter) -> Page<Node> {
    let has_next = rows.len() as i64 > limit;
    rows.truncate(limit.max(0) as usize);
    let mut connection = Connection::with_additional_fields(offset > 0, has_next, ConnectionTotals::deferred(counter));
    connection.edges =
        rows.into_iter().enumerate().map(|(i, node)| Edge::new(OffsetCursor(offset + i as i64), node)).collect();
    connection
}

/// Wraps the rows of a window (already fetched with OFFSET/LIMIT) as a connection.
pub trait IntoPage {
    fn page<Node: OutputType>(&self, rows: Vec<Node>) -> Page<Node>;
}

impl IntoPage for Window {
    fn page<Node: OutputType>(&self, rows: Vec<Node>) -> Page<Node> {
        let has_next = self.offset + (rows.len() as i64) < self.total;
        let mut connection =
            Connection::with_additional_fields(self.offset > 0, has_next, ConnectionTotals::known(self.total));
        connection.edges = rows
            .into_iter()
            .enumerate()
            .map(|(i, node)| Edge::new(OffsetCursor(self.offset + i as i64), node))
            .collect();
        connection
    }
}

/// Paginates a list that is already in memory (a partner's agreements, a project's
/// partners: small lists loaded in one batch for many parents).
pub fn page_of<Node: OutputType>(all: Vec<Node>, args: &PageArgs) -> Result<Page<Node>> {
    let window = args.window(all.len() as i64)?;
    let rows = all.into_iter().skip(window.offset as usize).take(window.limit as usize).collect();
    Ok(window.page(rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor(n: i64) -> Option<String> {
        Some(OffsetCursor(n).encode_cursor())
    }

    #[test]
    fn forward_and_backward_windows() {
        let args = PageArgs::new(None, None, Some(10), None);
        assert_eq!(args.window(25).unwrap(), Window { offset: 0, limit: 10, total: 25 });
        let args = PageArgs::new(cursor(9), None, Some(10), None);
        assert_eq!(args.window(25).unwrap(), Window { offset: 10, limit: 10, total: 25 });
        let args = PageArgs::new(None, None, None, Some(5));
        assert_eq!(args.window(25).unwrap(), Window { offset: 20, limit: 5, total: 25 });
        let args = PageArgs::new(None, cursor(20), None, Some(5));
        assert_eq!(args.window(25).unwrap(), Window { offset: 15, limit: 5, total: 25 });
        let args = PageArgs::new(cursor(30), None, Some(5), None);
        assert_eq!(args.window(25).unwrap().limit, 0);
    }

    #[test]
    fn oversized_and_negative_pages_are_rejected() {
        assert!(PageArgs::new(None, None, Some(101), None).validate().is_err());
        assert!(PageArgs::new(None, None, Some(-1), None).validate().is_err());
        assert!(PageArgs::new(None, None, None, Some(100_000)).validate().is_err());
        assert!(PageArgs::new(Some("garbage".into()), None, None, None).validate().is_err());
    }
}
