//! The `Agreement` object.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, NaiveDate, Utc};

use super::load_required;
use crate::agreement::Agreement;
use crate::graphql::enums::{AgreementKind, AgreementStatus};
use crate::graphql::id::{self, NodeKind};
use crate::partner::Partner;

/// An agreement or memorandum of cooperation with one partner.
#[Object]
impl Agreement {
    pub(crate) async fn id(&self) -> ID {
        id::encode(NodeKind::Agreement, self.id)
    }

    async fn partner(&self, ctx: &Context<'_>) -> Result<Partner> {
        load_required(ctx, self.partner_id).await
    }

    async fn kind(&self) -> AgreementKind {
        self.kind.into()
    }

    async fn title(&self) -> &str {
        &self.title
    }

    async fn signed_on(&self) -> Option<NaiveDate> {
        self.signed_on
    }

    async fn valid_from(&self) -> Option<NaiveDate> {
        self.valid_from
    }

    /// The last day the agreement is in force; unknown when the text has no end date.
    async fn valid_until(&self) -> Option<NaiveDate> {
        self.valid_until
    }

    /// The effective status: an ACTIVE agreement past its `validUntil` is EXPIRED.
    async fn status(&self) -> AgreementStatus {
        self.status.into()
    }

    /// What the parties agreed to do: shown to staff and to the partner's own portal, null
    /// for everyone else.
    async fn scope(&self, ctx: &Context<'_>) -> Option<&str> {
        crate::graphql::viewer(ctx).sees_private_of(self.partner_id).then_some(self.scope.as_deref()).flatten()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }
}
