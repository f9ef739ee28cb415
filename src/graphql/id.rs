//! Global ids as GraphQL `ID`s; the encoding itself is [`crate::global_id`].

use async_graphql::ID;

use crate::error::Result;
use crate::global_id;
pub use crate::global_id::NodeKind;

pub fn encode(kind: NodeKind, id: i64) -> ID {
    ID(global_id::encode(kind, id))
}

/// Decodes any global id; `field` names the argument in the error.
pub fn decode(field: &'static str, id: &ID) -> Result<(NodeKind, i64)> {
    global_id::decode(field, id.as_str())
}

/// Decodes an id that must name a `expected` object.
pub fn decode_as(field: &'static str, id: &ID, expected: NodeKind) -> Result<i64> {
    global_id::decode_as(field, id.as_str(), expected)
}
