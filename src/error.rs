//! The error type of the domain and storage layer.
//!
//! Every aggregate's rules and SQL return [`Error`]. The GraphQL layer maps it to an
//! `extensions.code` in one place (`graphql::error`); nothing below that layer knows about
//! GraphQL. Database constraint violations are turned into precise user errors here, so a
//! duplicate name or an inverted date range never surfaces as an internal error.

use std::borrow::Cow;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    #[test]
    fn quoted_input_is_cut_short() {
        assert_eq!(super::quoted("UZ"), "\"UZ\"");
        let long = "я".repeat(1_000_000);
        let shown = super::quoted(&long);
        assert!(shown.chars().count() < 50 && shown.ends_with('…'), "{shown}");
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input breaks a rule: a malformed country code, an inverted date range, a string
    /// that is too long. `field` names the input field (in GraphQL's camelCase).
    #[error("{message}")]
    Invalid { field: Cow<'static, str>, message: String },

    /// The id is well formed but names nothing. `entity` is the GraphQL type name.
    #[error("no {entity} has the id {id}")]
    NotFound { entity: &'static str, id: i64 },

    /// The input collides with what is stored: a second partner with the same name, a
    /// second project with the same title.
    #[error("{message}")]
    Conflict { field: Cow<'static, str>, message: String },

    /// The database cannot be reached (down, restarting, out of connections): the request
    /// may succeed when retried a little later.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),

    /// The database failed: a statement it refused for a reason
    /// the user cannot fix. Logged in full, shown to clients only as a request id.
    #[error("database error: {0}")]
    Database(sqlx::Error),

    /// Any other failure the user cannot fix: a worker that panicked, a search index that
    /// cannot be read or written, a value that cannot be encoded. Logged in full, shown to
    /// clients only as a request id.
    #[error("{0}")]
    Internal(String),
}

impl Error {
    pub fn invalid(field: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Error::Invalid { field: field.into(), message: message.into() }
    }

    pub fn not_found(entity: &'static str, id: i64) -> Self {
        Error::NotFound { entity, id }
    }

    pub fn internal(message: impl std::fmt::Display) -> Self {
        Error::Internal(message.to_string())
    }
}

/// A blocking task that panicked or was cancelled.
impl From<tokio::task::JoinError> for Error {
    fn from(err: tokio::task::JoinError) -> Self {
        Error::internal(format_args!("a worker task failed: {err}"))
    }
}

/// How an error message shows what the user sent: quoted, and cut after 40 characters, so a
/// megabyte of input never comes back as a megabyte of error.
pub fn quoted(value: &str) -> String {
    const SHOWN: usize = 40;
    match value.char_indices().nth(SHOWN) {
        None => format!("{value:?}"),
        Some((cut, _)) => format!("{:?}…", &value[..cut]),
    }
}

/// What a violated constraint means to the person who sent the input.
struct ConstraintMeaning {
    field: &'static str,
    message: &'static str,
    kind: ConstraintKind,
}

#[derive(Clone, Copy)]
enum ConstraintKind {
    Conflict,
    Invalid,
}

/// The one table from constraint names (see `migrations/`) to user-facing errors. A
/// constraint that is not listed becomes a generic invalid-input error, never a 500.
fn constraint_meaning(constraint: &str) -> Option<ConstraintMeaning> {
    use ConstraintKind::*;
    let (field, message, kind) = match constraint {
        "partner_names_unique_name" => ("names", "another partner already has this name in this language", Conflict),
        "partners_isil_key" => ("isil", "another partner already has this ISIL", Conflict),
        "agreements_partner_title_key" => ("title", "this partner already has an agreement with this title", Conflict),
        "projects_title_key" => ("title", "another project already has this title", Conflict),
        "agreements_validity_order" => ("validUntil", "validUntil is before validFrom", Invalid),
        "projects_date_order" => ("endsOn", "endsOn is before startsOn", Invalid),
        "agreements_partner_id_fkey" | "project_partners_partner_id_fkey" => {
            ("partnerId", "no partner has this id", Invalid)
        }
        "project_partners_project_id_fkey" => ("projectId", "no project has this id", Invalid),
        "documents_source_control_number_key" => {
            ("controlNumber", "this source already has a record with this control number", Conflict)
        }
        "documents_origin_partner_id_fkey" => ("originPartnerId", "no partner has this id", Invalid),
        "documents_origin_exchange_id_fkey" => ("originExchangeId", "no exchange has this id", Invalid),
        "holdings_holder_barcode_key" => ("barcode", "the holder already has a copy with this barcode", Conflict),
        "holdings_document_id_fkey" => ("documentId", "no document has this id", Invalid),
        "holdings_holder_partner_id_fkey" => ("holderId", "no partner has this id", Invalid),
        "holdings_location_project_id_fkey" => ("locationId", "no project has this id", Invalid),
        "exchange_lines_document_id_fkey" => ("lines.documentId", "no document has this id", Invalid),
        "exchanges_partner_id_fkey" => ("partnerId", "no partner has this id", Invalid),
        "exchanges_received_after_dispatch" => ("on", "a shipment cannot arrive before it was dispatched", Invalid),
        _ => return None,
    };
    Some(ConstraintMeaning { field, message, kind })
}

/// Whether a database error means the server cannot be reached right now, rather than that
/// a statement failed: the connection broke or was refused, the pool found none in time, or
/// the server is shutting down, starting up or out of connections.
pub fn is_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            // Class 08: connection exception; 57P01-03: admin or crash shutdown, cannot
            // connect now; 53300: too many connections.
            code.starts_with("08") || matches!(code.as_ref(), "57P01" | "57P02" | "57P03" | "53300")
        }
        _ => false,
    }
}

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        if is_unavailable(&err) {
            return Error::Unavailable(err.to_string());
        }
        let Some(db_err) = err.as_database_error() else {
            return Error::Database(err);
        };
        let code = db_err.code().map(|c| c.into_owned()).unwrap_or_default();
        // Class 23 is integrity constraint violation, class 22 is data exception.
        if !(code.starts_with("23") || code.starts_with("22")) {
            return Error::Database(err);
        }
        // A foreign key violated by a delete: something still points at the row.
        if code == "23503" && db_err.message().starts_with("update or delete") {
            return Error::Conflict {
                field: Cow::Borrowed("id"),
                message: "other records still refer to this one (holdings, shipments, agreements or projects)".into(),
            };
        }
        if let Some(meaning) = db_err.constraint().and_then(constraint_meaning) {
            let field = Cow::Borrowed(meaning.field);
            let message = meaning.message.to_owned();
            return match meaning.kind {
                ConstraintKind::Conflict => Error::Conflict { field, message },
                ConstraintKind::Invalid => Error::Invalid { field, message },
            };
        }
        match code.as_str() {
            // Unique violation on a constraint without a listed meaning: still a conflict.
            "23505" => Error::Conflict { field: Cow::Borrowed("input"), message: "this record already exists".into() },
            // Other integrity and data errors are caused by the input; their text names only
            // columns and constraints, but we still keep SQL detail out of client messages.
            _ => {
                tracing::warn!(error = %db_err, code, "input rejected by a database constraint");
                Error::Invalid {
                    field: Cow::Borrowed("input"),
                    message: "the input breaks a rule of the catalogue".into(),
                }
            }
        }
    }
}
