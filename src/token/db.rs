//! All SQL about tokens.

use sqlx::{PgConnection, PgPool};

use super::{Token, TokenDraft};
use crate::db::list::{Conditions, Listing, Scope};
use crate::error::{Error, Result};

const SELECT: &str =
    "SELECT id, name, role, partner_id, secret_hash, created_at, expires_at, revoked_at FROM api_tokens";

/// Stores a token (the hash of its secret); returns its id.
pub async fn insert(conn: &mut PgConnection, draft: &TokenDraft, secret_hash: &[u8]) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO api_tokens (name, role, partner_id, secret_hash, expires_at)
         VALUES ($1, $2, $3, $4, ($5::date + 1)::timestamptz) RETURNING id",
    )
    .bind(&draft.name)
    .bind(draft.role.as_str())
    .bind(draft.partner_id)
    .bind(secret_hash)
    .bind(draft.expires_on)
    .fetch_one(conn)
    .await?)
}

pub async fn get(pool: &PgPool, id: i64) -> Result<Option<Token>> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE id = $1")).bind(id).fetch_optional(pool).await?)
}

/// The same, inside a transaction.
pub async fn get_in(conn: &mut PgConnection, id: i64) -> Result<Option<Token>> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE id = $1")).bind(id).fetch_optional(conn).await?)
}

/// Every token, newest first.
pub async fn list(pool: &PgPool) -> Result<Vec<Token>> {
    Ok(sqlx::query_as(&format!("{SELECT} ORDER BY id DESC")).fetch_all(pool).await?)
}

/// All tokens: only administrators list them, and their list is short.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokenFilter;

#[derive(Clone, Copy, Debug, Default)]
pub enum TokenOrder {
    #[default]
    CreatedAt,
}

impl Listing for TokenFilter {
    type Row = Token;
    type Order = TokenOrder;
    const SELECT: &'static str = "SELECT t.id, t.name, t.role, t.partner_id, t.secret_hash, t.created_at, t.expires_at, t.revoked_at FROM api_tokens t";
    const FROM: &'static str = "api_tokens t";
    const ID: &'static str = "t.id";

    fn conditions<'args>(&'args self, _conditions: &mut Conditions<'_, 'args>) {}

    /// Only administrators reach the list (its GraphQL field says so); no other scope sees a row.
    fn scope(scope: Scope, w: &mut Conditions<'_, '_>) {
        if scope != Scope::Everything {
            w.and("FALSE");
        }
    }

    fn order_by(TokenOrder::CreatedAt: TokenOrder) -> &'static str {
        "t.created_at"
    }
}

/// Finds a token by its id, or else by its name (case ignored).
pub async fn find(conn: &mut PgConnection, id_or_name: &str) -> Result<Option<Token>> {
    let id: Option<i64> = id_or_name.trim().parse().ok();
    Ok(sqlx::query_as(&format!("{SELECT} WHERE id = $1 OR lower(name) = lower($2) ORDER BY id = $1 DESC LIMIT 1"))
        .bind(id)
        .bind(id_or_name.trim())
        .fetch_optional(conn)
        .await?)
}

/// Revokes a token from now on; revoking one already revoked changes nothing.
pub async fn revoke(conn: &mut PgConnection, id: i64) -> Result<Token> {
    sqlx::query("UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query_as(&format!("{SELECT} WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::not_found("Token", id))
}
