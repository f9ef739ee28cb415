//! API tokens, for administrators: list, create (the secret is shown once), revoke.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};

use super::change::{Audited, Change};
use super::connection::{Page, PageArgs};
use super::enums::graphql_enum;
use super::id::{self, NodeKind};
use super::list_page;
use super::nodes::load_optional;
use crate::db::Direction;
use crate::partner::Partner;
use crate::token::cache::TokenCache;
use crate::token::db::{TokenFilter, TokenOrder};
use crate::token::{self, Token, TokenDraft};

graphql_enum!(
    /// What a token may do.
    TokenRole => crate::token::TokenRole {
        /// Everything staff may, and tokens and the audit trail's whole detail.
        Admin,
        /// Read and write everything but tokens.
        Staff,
        /// A partner institution's portal: the public catalogue and its own records.
        Partner,
    }
);

/// An API token; its secret is never shown again after it is created.
#[Object(name = "ApiToken")]
impl Token {
    async fn id(&self) -> ID {
        id::encode(NodeKind::Token, self.id)
    }

    async fn name(&self) -> &str {
        &self.name
    }

    async fn role(&self) -> TokenRole {
        self.role.into()
    }

    /// The partner a partner token acts for.
    async fn partner(&self, ctx: &Context<'_>) -> Result<Option<Partner>> {
        load_optional(ctx, self.partner_id).await
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    /// From this moment the token no longer works.
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.expires_at
    }

    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.revoked_at
    }

    /// Whether the token works now.
    async fn active(&self) -> bool {
        self.is_valid_at(Utc::now())
    }
}

impl Audited for Token {
    fn object_ids(&self) -> Vec<String> {
        vec![crate::global_id::encode(NodeKind::Token, self.id)]
    }
}

/// A token just created, with the only copy of its secret.
#[derive(SimpleObject)]
pub struct CreatedToken {
    token: Token,
    /// The bearer token to send as `Authorization: Bearer …`. Shown this once: only a hash
    /// of it is kept.
    secret: String,
}

impl Audited for CreatedToken {
    fn object_ids(&self) -> Vec<String> {
        self.token.object_ids()
    }
}

#[derive(InputObject)]
pub struct CreateTokenInput {
    /// Who uses the token, e.g. "Korea portal" or "a.karimov": recorded as the actor of
    /// every change made with it. Unique.
    name: String,
    role: TokenRole,
    /// For a partner token: the partner it acts for.
    partner_id: Option<ID>,
    /// The last day the token works (in the office's time zone); no end when left out.
    expires_on: Option<NaiveDate>,
}

#[derive(Default)]
pub struct TokenQuery;

#[Object]
impl TokenQuery {
    /// Every token, newest first (administrators).
    async fn tokens(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Page<Token>> {
        let args = PageArgs::new(after, before, first, last);
        list_page(ctx, &TokenFilter, TokenOrder::CreatedAt, Direction::Desc, &args).await
    }
}

#[derive(Default)]
pub struct TokenMutation;

#[Object]
impl TokenMutation {
    /// Creates a token and returns its secret, once (administrators).
    async fn create_token(&self, ctx: &Context<'_>, input: CreateTokenInput) -> Result<CreatedToken> {
        let mut change = Change::begin(ctx, "createToken").await?;
        let result = async {
            let draft = TokenDraft {
                name: input.name,
                role: input.role.into(),
                partner_id: input
                    .partner_id
                    .map(|id| id::decode_as("partnerId", &id, NodeKind::Partner))
                    .transpose()?,
                expires_on: input.expires_on,
            }
            .validate()?;
            let (token, secret) = token::create(change.conn(), &draft).await?;
            Ok(CreatedToken { token, secret })
        }
        .await;
        change.finish(result).await
    }

    /// Revokes a token: requests with it are refused from now on (administrators).
    async fn revoke_token(&self, ctx: &Context<'_>, id: ID) -> Result<Token> {
        let mut change = Change::begin(ctx, "revokeToken").await?;
        let result = async {
            let id = id::decode_as("id", &id, NodeKind::Token)?;
            token::db::revoke(change.conn(), id).await
        }
        .await;
        let revoked = change.finish(result).await?;
        // Every server forgets its cached tokens when notified; this one at once.
        if let Ok(cache) = ctx.data::<std::sync::Arc<TokenCache>>() {
            cache.forget_all();
        }
        Ok(revoked)
    }
}
