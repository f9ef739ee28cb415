//! The audit trail, for staff (administrators also see where each change came from).

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};

use super::connection::{Page, PageArgs};
use super::enums::graphql_enum;
use super::error::GqlResultExt;
use super::id::{self, NodeKind};
use super::{list_page, viewer};
use crate::audit::AuditEvent;
use crate::audit::db::{AuditFilter, AuditOrder};
use crate::db::Direction;
use crate::validate;

graphql_enum!(
    /// How an attempted change ended.
    AuditOutcome => crate::audit::Outcome {
        Ok,
        /// The caller may not make it.
        Denied,
        /// It was refused (bad input, a conflict) or failed, and nothing was written.
        Failed,
    }
);

#[derive(InputObject, Default)]
#[graphql(name = "AuditFilter")]
pub struct AuditFilterInput {
    /// The token's name (or `cli:<user>` for the command line); case is ignored.
    actor: Option<String>,
    /// Changes that touched this object (its global id).
    object_id: Option<ID>,
    /// The mutation or command, e.g. `updatePartner`, `import`.
    operation: Option<String>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
}

impl AuditFilterInput {
    fn validate(self) -> crate::error::Result<AuditFilter> {
        if let (Some(from), Some(to)) = (self.from, self.to)
            && to < from
        {
            return Err(crate::error::Error::invalid("filter.to", "to is before from"));
        }
        if let Some(object_id) = &self.object_id {
            id::decode("filter.objectId", object_id)?;
        }
        Ok(AuditFilter {
            actor: self.actor.map(|a| validate::text("filter.actor", &a, 200)).transpose()?,
            object_id: self.object_id.map(|id| id.to_string()),
            operation: self.operation.map(|o| validate::text("filter.operation", &o, 100)).transpose()?,
            from: self.from,
            to: self.to,
        })
    }
}

/// One attempted change: who, what, when, from where, and how it ended.
#[Object]
impl AuditEvent {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    async fn at(&self) -> DateTime<Utc> {
        self.at
    }

    /// The token's name, or `cli:<user>` for the command line on the server's machine.
    async fn actor(&self) -> &str {
        &self.actor
    }

    /// `anonymous`, `partner`, `staff`, `admin` or `cli`.
    async fn role(&self) -> &str {
        &self.role
    }

    /// The mutation or command, e.g. `updatePartner`, `import`.
    async fn operation(&self) -> &str {
        &self.operation
    }

    /// Global ids of the objects it touched.
    async fn object_ids(&self) -> Vec<ID> {
        self.object_ids.iter().cloned().map(ID).collect()
    }

    async fn outcome(&self) -> AuditOutcome {
        self.outcome.into()
    }

    /// Why it failed, or a summary (an import's counts).
    async fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// The caller's network address (administrators only; null for staff).
    async fn address(&self, ctx: &Context<'_>) -> Option<&str> {
        viewer(ctx).is_admin().then_some(self.address.as_deref()).flatten()
    }

    /// The token used (administrators only; null for staff).
    async fn token_id(&self, ctx: &Context<'_>) -> Option<ID> {
        let token = self.token_id.filter(|_| viewer(ctx).is_admin())?;
        Some(id::encode(NodeKind::Token, token))
    }
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The audit trail, newest first (staff).
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditFilterInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Page<AuditEvent>> {
        let filter = filter.unwrap_or_default().validate().gql()?;
        let args = PageArgs::new(after, before, first, last);
        list_page(ctx, &filter, AuditOrder::At, Direction::Desc, &args).await
    }
}
