//! Who may call which root field and mutation: one table, applied by [`Guarded`] to every
//! root field before it resolves. A root field or mutation without a rule is refused (and
//! the server logs that a rule is missing): nothing runs open by default.
//!
//! Rows are scoped below this, in one place per path: lists by `db::list` (each aggregate's
//! `Listing::scope`), objects loaded by id or under a parent by the loaders (`Visible`).
//! Fields private to one partner (its e-mail, its agreements' scope, its balances) are
//! checked by their resolvers.

use std::borrow::Cow;

use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::{ContainerType, resolve_container};
use async_graphql::{
    Context, ContextSelectionSet, ErrorExtensions, ObjectType, OutputType, Positioned, ServerError, ServerResult, Value,
};

use super::change::record_apart_with_pool;
use crate::access::Viewer;
use crate::audit::{Entry, Outcome};

pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
pub const FORBIDDEN: &str = "FORBIDDEN";

/// Who may call a root field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Anyone, anonymous callers included; rows are scoped to the caller.
    Public,
    /// A partner's portal (its own rows) or staff.
    PartnerOrStaff,
    Staff,
    Admin,
}

/// The rule of every root field and mutation.
pub fn rule(root: &str, field: &str) -> Option<Rule> {
    use Rule::*;
    let rule = match (root, field) {
        ("Query" | "Mutation", "__typename") => Public,
        ("Query", "__schema" | "__type") => Public,
        ("Query", "node" | "nodes" | "search") => Public,
        ("Query", "partner" | "partners" | "agreement" | "agreements" | "project" | "projects") => Public,
        ("Query", "document" | "documents" | "exportDocuments" | "holding" | "holdings") => Public,
        ("Query", "exchange" | "exchanges" | "exchangeBalances") => PartnerOrStaff,
        ("Query", "illRequest" | "illRequests" | "illReport") => PartnerOrStaff,
        ("Subscription", "illRequestUpdated") => PartnerOrStaff,
        ("Query", "auditEvents" | "imports") => Staff,
        ("Query", "tokens") => Admin,
        ("Mutation", "createToken" | "revokeToken" | "setIllEndpoint") => Admin,
        // Each caller acts only on its side of its own requests (`graphql::nodes::ill::sides_of`).
        (
            "Mutation",
            "createIllRequest"
            | "illExpectToSupply"
            | "illWillSupply"
            | "illOfferConditions"
            | "illRetryPossible"
            | "illUnfilled"
            | "illShip"
            | "illSendCopy"
            | "illRecall"
            | "illCheckIn"
            | "illCompleteWithoutReturn"
            | "illAcceptCancel"
            | "illRejectCancel"
            | "illAcceptRenew"
            | "illRejectRenew"
            | "illCancel"
            | "illAcceptConditions"
            | "illReceived"
            | "illRenew"
            | "illShippedReturn"
            | "illShippedForward"
            | "illStatusRequest"
            | "illNotify",
        ) => PartnerOrStaff,
        (
            "Mutation",
            "createPartner"
            | "updatePartner"
            | "createAgreement"
            | "updateAgreement"
            | "createProject"
            | "updateProject"
            | "setProjectPartner"
            | "removeProjectPartner"
            | "createDocument"
            | "updateDocument"
            | "deleteDocument"
            | "importMarc"
            | "rollbackImport"
            | "createHolding"
            | "updateHolding"
            | "createExchange"
            | "setExchangeLines"
            | "dispatchExchange"
            | "receiveExchange"
            | "acknowledgeExchange"
            | "cancelExchange",
        ) => Staff,
        _ => return None,
    };
    Some(rule)
}

/// Why a caller may not: no identity where one is needed, or not this one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denial {
    Unauthenticated,
    Forbidden,
}

impl Rule {
    pub fn check(self, viewer: &Viewer) -> Result<(), Denial> {
        let allowed = match self {
            Rule::Public => true,
            Rule::PartnerOrStaff => viewer.partner().is_some() || viewer.is_staff(),
            Rule::Staff => viewer.is_staff(),
            Rule::Admin => viewer.is_admin(),
        };
        match (allowed, viewer.token.is_some() || viewer.is_staff()) {
            (true, _) => Ok(()),
            (false, false) => Err(Denial::Unauthenticated),
            (false, true) => Err(Denial::Forbidden),
        }
    }
}

impl Denial {
    pub fn error(self, what: &str) -> async_graphql::Error {
        let (code, message) = match self {
            Denial::Unauthenticated => {
                (UNAUTHENTICATED, format!("{what} needs a token: send `Authorization: Bearer …`"))
            }
            Denial::Forbidden => (FORBIDDEN, format!("this token may not use {what}")),
        };
        async_graphql::Error::new(message).extend_with(|_, e| e.set("code", code))
    }
}

/// For fields private to one partner: staff, or that partner's own token.
pub fn require_private_of(viewer: &Viewer, partner_id: i64, what: &str) -> async_graphql::Result<()> {
    if viewer.sees_private_of(partner_id) {
        return Ok(());
    }
    let denial = if viewer.token.is_some() { Denial::Forbidden } else { Denial::Unauthenticated };
    Err(denial.error(what))
}

/// A root type (`Query` or `Mutation`) whose every field is checked against [`rule`] before
/// it resolves. The check sits on the root alone: nested fields resolve on async-graphql's
/// direct path, which an extension's per-field hook would take them off (a results page
/// resolves about a thousand fields).
#[derive(Default)]
pub struct Guarded<T>(pub T);

impl<T: ContainerType> ContainerType for Guarded<T> {
    async fn resolve_field(&self, ctx: &Context<'_>) -> ServerResult<Option<Value>> {
        let root = T::type_name();
        let field = ctx.item.node.name.node.as_str();
        let anonymous = Viewer::anonymous(None);
        let viewer = ctx.data_opt::<Viewer>().unwrap_or(&anonymous);
        let denial = match rule(&root, field) {
            Some(rule) => rule.check(viewer).err(),
            None => {
                tracing::error!(root = %root, field, "a root field has no access rule; refusing it");
                Some(Denial::Forbidden)
            }
        };
        let Some(denial) = denial else { return self.0.resolve_field(ctx).await };
        if root == "Mutation"
            && let Ok(pool) = ctx.data::<sqlx::PgPool>()
        {
            record_apart_with_pool(pool, &Entry::new(viewer, field, Outcome::Denied)).await;
        }
        let error: ServerError = denial.error(&format!("`{field}`")).into_server_error(ctx.item.pos);
        // With its path, the refusal is a field error: the rest of the query still answers.
        Err(ctx.set_error_path(error))
    }

    async fn find_entity(&self, ctx: &Context<'_>, params: &Value) -> ServerResult<Option<Value>> {
        self.0.find_entity(ctx, params).await
    }
}

impl<T: ContainerType> OutputType for Guarded<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, _field: &Positioned<Field>) -> ServerResult<Value> {
        resolve_container(ctx, self).await
    }
}

impl<T: ObjectType> ObjectType for Guarded<T> {}
