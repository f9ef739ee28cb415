//! The `Exchange`, `ExchangeLine` and `ExchangeEvent` objects.

use async_graphql::{Context, ErrorExtensions, ID, Object, Result};
use chrono::{DateTime, NaiveDate, Utc};

use super::{load_optional, load_required, loaders, nested_page};
use crate::agreement::Agreement;
use crate::document::Document;
use crate::exchange::{Exchange, ExchangeBalance, ExchangeEvent, ExchangeLine};
use crate::graphql::connection::{Page, PageArgs};
use crate::graphql::enums::{ExchangeDirection, ExchangeStatus};
use crate::graphql::id::{self, NodeKind};
use crate::graphql::loaders::{Children, EventsOfExchange, LinesOfExchange};
use crate::partner::Partner;

/// A shipment of documents to or from a partner.
#[Object]
impl Exchange {
    pub(crate) async fn id(&self) -> ID {
        id::encode(NodeKind::Exchange, self.id)
    }

    async fn partner(&self, ctx: &Context<'_>) -> Result<Partner> {
        load_required(ctx, self.partner_id).await
    }

    /// The agreement the shipment is made under, if any.
    async fn agreement(&self, ctx: &Context<'_>) -> Result<Option<Agreement>> {
        load_optional(ctx, self.agreement_id).await
    }

    async fn direction(&self) -> ExchangeDirection {
        self.direction.into()
    }

    async fn status(&self) -> ExchangeStatus {
        self.status.into()
    }

    /// The shipment's number or reference, as both sides know it.
    async fn reference(&self) -> Option<&str> {
        self.reference.as_deref()
    }

    async fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    async fn expected_on(&self) -> Option<NaiveDate> {
        self.expected_on
    }

    async fn dispatched_on(&self) -> Option<NaiveDate> {
        self.dispatched_on
    }

    async fn received_on(&self) -> Option<NaiveDate> {
        self.received_on
    }

    async fn acknowledged_on(&self) -> Option<NaiveDate> {
        self.acknowledged_on
    }

    /// The documents in the shipment and how many copies of each.
    async fn lines(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Page<ExchangeLine>> {
        nested_page::<LinesOfExchange>(ctx, self.id, PageArgs::new(after, before, first, last)).await
    }

    /// Every move of the shipment, oldest first: at most a handful, so a plain list.
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<ExchangeEvent>> {
        let events = loaders(ctx).load_one(Children::<EventsOfExchange>::new(self.id)).await;
        Ok(events.map_err(|e| e.extend())?.unwrap_or_default())
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }
}

/// One document of a shipment.
#[Object]
impl ExchangeLine {
    async fn document(&self, ctx: &Context<'_>) -> Result<Document> {
        load_required(ctx, self.document_id).await
    }

    async fn copies(&self) -> i32 {
        self.copies
    }
}

/// One move of a shipment: who made it, on which day, and why.
#[Object]
impl ExchangeEvent {
    /// The status before the move (null when a shipment was recorded directly in a state).
    async fn from_status(&self) -> Option<ExchangeStatus> {
        self.from_status.map(Into::into)
    }

    async fn to_status(&self) -> ExchangeStatus {
        self.to_status.into()
    }

    async fn actor(&self) -> &str {
        &self.actor
    }

    async fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    /// The day of the move.
    async fn on(&self) -> NaiveDate {
        self.happened_on
    }

    /// When it was recorded.
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.recorded_at
    }
}

/// What the office reports every year: documents sent to and received from a partner.
#[Object]
impl ExchangeBalance {
    async fn year(&self) -> i32 {
        self.year
    }

    /// Distinct documents in outgoing shipments dispatched that year.
    async fn sent_titles(&self) -> i64 {
        self.sent_titles
    }

    async fn sent_copies(&self) -> i64 {
        self.sent_copies
    }

    /// Distinct documents in incoming shipments received that year.
    async fn received_titles(&self) -> i64 {
        self.received_titles
    }

    async fn received_copies(&self) -> i64 {
        self.received_copies
    }

    async fn partner(&self, ctx: &Context<'_>) -> Result<Partner> {
        load_required(ctx, self.partner_id).await
    }
}
