//! The `Exchange`, `ExchangeLine` and `ExchangeEvent` objects.

use async_graphql::{Context, ErrorExtensions, ID, Object, Result};
use chrono::{DateTime, NaiveDate, Utc};

use super::nested_page;
use super::{load_required, loaders};
use crate::agreement::Agreement;
use crate::document::Document;
use crate::exchange::{Exchange, ExchangeBalance, ExchangeDirection, ExchangeEvent, ExchangeLine, ExchangeStatus};
use crate::graphql::connection::{Page, PageArgs};
use crate::graphql::id::{self, NodeKind};
use crate::graphql::loaders::{AgreementKey, DocumentKey, EventsOfExchange, LinesOfExchange, PartnerKey};
use crate::partner::Partner;

/// A shipment of documents to or from a partner.
#[Object]
impl Exchange {
    pub(crate) async fn id(&self) -> ID {
        id::encode(NodeKind::Exchange, self.id)
    }

    async fn partner(&self, ctx: &Context<'_>) -> Result<Partner> {
        load_required(ctx, PartnerKey(self.partner_id), "Partner", self.partner_id).await
    }

    /// The agreement the shipment is made under, if any.
    async fn agreement(&self, ctx: &Context<'_>) -> Result<Option<Agreement>> {
        let Some(id) = self.agreement_id else { return Ok(None) };
        loaders(ctx).load_one(AgreementKey(id)).await.map_err(|e| e.extend())
    }

    async fn direction(&self) -> ExchangeDirection {
        self.direction
    }

    async fn status(&self) -> ExchangeStatus {
        self.status
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
        nested_page(ctx, LinesOfExchange(self.id), PageArgs::new(after, before, first, last)).await
    }

    /// Every move of the shipment, oldest first: at most a handful, so a plain list.
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<ExchangeEvent>> {
        Ok(loaders(ctx).load_one(EventsOfExchange(self.id)).await.map_err(|e| e.extend())?.unwrap_or_default())
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
        load_required(ctx, DocumentKey(self.document_id), "Document", self.document_id).await
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
        self.from_status
    }

    async fn to_status(&self) -> ExchangeStatus {
        self.to_status
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

#[async_graphql::ComplexObject]
impl ExchangeBalance {
    async fn partner(&self, ctx: &Context<'_>) -> Result<Partner> {
        load_required(ctx, PartnerKey(self.partner_id), "Partner", self.partner_id).await
    }
}
