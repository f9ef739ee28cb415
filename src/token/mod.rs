//! Bearer tokens: how staff, administrators and partner portals prove who they are.
//!
//! A token reads `hamkor_<id>_<secret>`: the id finds the token, the secret proves it. The
//! secret is 256 random bits; only its SHA-256 is stored. A plain (fast, unkeyed) hash is
//! enough because the secret is random, not a password: nobody can guess one of 2^256
//! values, so slowing guesses down (Argon2) or keying the hash buys nothing, and a fast hash
//! keeps every check cheap. The stored hash is compared in constant time, and whoever reads
//! the database still holds nothing that works as a token.

pub mod cache;
pub mod db;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::access::Role;
use crate::error::{Error, Result};
use crate::text_enum::text_enum;
use crate::validate;

const PREFIX: &str = "hamkor_";
const SECRET_BYTES: usize = 32;
/// A secret's length in base64url without padding.
const SECRET_CHARS: usize = 43;
pub const MAX_NAME_CHARS: usize = 100;

text_enum!(
    /// What a token may do.
    TokenRole {
        Admin = "admin",
        Staff = "staff",
        Partner = "partner",
    }
);

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Token {
    pub id: i64,
    pub name: String,
    pub role: TokenRole,
    pub partner_id: Option<i64>,
    #[sqlx(default)]
    pub secret_hash: Vec<u8>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Token {
    /// The role a request with this token acts in.
    pub fn acts_as(&self) -> Role {
        match (self.role, self.partner_id) {
            (TokenRole::Admin, _) => Role::Admin,
            (TokenRole::Staff, _) => Role::Staff,
            (TokenRole::Partner, Some(partner)) => Role::Partner(partner),
            // The database refuses a partner token without a partner; should one appear,
            // it may do nothing a partner may.
            (TokenRole::Partner, None) => Role::Anonymous,
        }
    }

    /// Whether the token works at `now`.
    pub fn is_valid_at(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|expires| now < expires)
    }

    /// Whether `secret` is this token's, compared in constant time.
    pub fn matches(&self, secret: &str) -> bool {
        bool::from(hash(secret).as_slice().ct_eq(self.secret_hash.as_slice()))
    }
}

/// A new token before it is stored.
#[derive(Clone, Debug)]
pub struct TokenDraft {
    pub name: String,
    pub role: TokenRole,
    pub partner_id: Option<i64>,
    /// The last day the token works (in the office's time zone).
    pub expires_on: Option<NaiveDate>,
}

impl TokenDraft {
    pub fn validate(mut self) -> Result<Self> {
        self.name = validate::text("name", &self.name, MAX_NAME_CHARS)?;
        match (self.role, self.partner_id) {
            (TokenRole::Partner, None) => {
                return Err(Error::invalid("partnerId", "a partner token names the partner it acts for"));
            }
            (TokenRole::Admin | TokenRole::Staff, Some(_)) => {
                return Err(Error::invalid("partnerId", "only a partner token names a partner"));
            }
            _ => {}
        }
        Ok(self)
    }
}

/// Stores a new token; returns it with its bearer string, the only copy of its secret.
pub async fn create(conn: &mut sqlx::PgConnection, draft: &TokenDraft) -> Result<(Token, String)> {
    let secret = new_secret()?;
    let id = db::insert(conn, draft, &hash(&secret)).await?;
    let token = db::get_in(conn, id).await?.ok_or_else(|| Error::internal("a token just stored is gone"))?;
    Ok((token, bearer(id, &secret)))
}

/// A fresh random secret.
pub fn new_secret() -> Result<String> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| Error::internal(format_args!("no randomness for a token: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

pub fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// The whole bearer token, as given to its holder once.
pub fn bearer(id: i64, secret: &str) -> String {
    format!("{PREFIX}{id}_{secret}")
}

/// Splits a bearer token into its id and secret; `None` when it cannot be one of ours.
pub fn parse(bearer: &str) -> Option<(i64, &str)> {
    let rest = bearer.strip_prefix(PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let id: i64 = id.parse().ok().filter(|id| *id > 0)?;
    (secret.len() == SECRET_CHARS && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .then_some((id, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_round_trips_and_only_its_secret_matches() {
        let secret = new_secret().unwrap();
        assert_eq!(secret.len(), SECRET_CHARS);
        let token = bearer(42, &secret);
        assert_eq!(parse(&token), Some((42, secret.as_str())));
        let stored = Token {
            id: 42,
            name: "portal".into(),
            role: TokenRole::Staff,
            partner_id: None,
            secret_hash: hash(&secret),
            created_at: Utc::now(),
            expires_at: None,
            revoked_at: None,
        };
        assert!(stored.matches(&secret));
        assert!(!stored.matches(&new_secret().unwrap()));
        for bad in
            ["", "hamkor_", "hamkor_x_y", "Bearer abc", &format!("hamkor_0_{secret}"), &format!("hamkor_1_{secret}!")]
        {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
