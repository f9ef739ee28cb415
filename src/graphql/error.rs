//! The one mapping from domain errors to GraphQL errors with `extensions.code`.
//!
//! Codes clients can rely on:
//! - `BAD_USER_INPUT`: an argument breaks a rule; `extensions.field` names it.
//! - `NOT_FOUND`: a well-formed id names nothing.
//! - `CONFLICT`: the input collides with a stored record; `extensions.field` names the field.
//! - `SERVICE_UNAVAILABLE`: the database cannot be reached right now; retry shortly.
//! - `QUERY_TOO_COMPLEX`: the query costs more than the server answers (before it runs).
//! - `INTERNAL_SERVER_ERROR`: not the client's fault; `extensions.requestId` finds it in the log.
//! - `GRAPHQL_PARSE_FAILED` / `GRAPHQL_VALIDATION_FAILED`: the document itself is wrong.

use async_graphql::ErrorExtensions;

use crate::error::Error;
use crate::graphql::id::NodeKind;

pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
pub const NOT_FOUND: &str = "NOT_FOUND";
pub const CONFLICT: &str = "CONFLICT";
pub const INTERNAL_SERVER_ERROR: &str = "INTERNAL_SERVER_ERROR";
pub const SERVICE_UNAVAILABLE: &str = "SERVICE_UNAVAILABLE";
pub const QUERY_TOO_COMPLEX: &str = "QUERY_TOO_COMPLEX";
pub const GRAPHQL_PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
pub const GRAPHQL_VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";

impl ErrorExtensions for Error {
    fn extend(&self) -> async_graphql::Error {
        match self {
            Error::Invalid { field, message } => async_graphql::Error::new(message.clone()).extend_with(|_, e| {
                e.set("code", BAD_USER_INPUT);
                e.set("field", field.as_ref());
            }),
            Error::NotFound { entity, id } => {
                // Clients only ever see global ids, so the message names the one they sent.
                let shown = NodeKind::from_type_name(entity)
                    .map_or_else(|| id.to_string(), |kind| crate::graphql::id::encode(kind, *id).0);
                async_graphql::Error::new(format!("no {} has the id {shown}", entity.to_lowercase()))
                    .extend_with(|_, e| e.set("code", NOT_FOUND))
            }
            Error::Conflict { field, message } => async_graphql::Error::new(message.clone()).extend_with(|_, e| {
                e.set("code", CONFLICT);
                e.set("field", field.as_ref());
            }),
            Error::Unavailable(_) => {
                tracing::debug!(error = %self, "the database is unavailable");
                async_graphql::Error::new("the database is unavailable; try again in a few seconds")
                    .extend_with(|_, e| e.set("code", SERVICE_UNAVAILABLE))
            }
            Error::Database(_) | Error::Internal(_) => {
                // The full error goes to the log inside the request's span (which carries the
                // request id); the client gets no SQL, only the code and, added by the HTTP
                // layer, the request id.
                tracing::error!(error = %self, "internal error while resolving a field");
                async_graphql::Error::new("internal error").extend_with(|_, e| e.set("code", INTERNAL_SERVER_ERROR))
            }
        }
    }
}

/// Converts a domain result into a GraphQL result with the right error code.
pub trait GqlResultExt<T> {
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> GqlResultExt<T> for Result<T, Error> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|err| err.extend())
    }
}

/// A `BAD_USER_INPUT` error for a GraphQL argument.
pub fn bad_input(field: &'static str, message: impl Into<String>) -> async_graphql::Error {
    Error::invalid(field, message).extend()
}
