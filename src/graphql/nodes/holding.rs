//! The `Holding` object.

use async_graphql::{Context, ErrorExtensions, ID, Object, Result};
use chrono::{DateTime, Utc};

use super::{load_required, loaders};
use crate::document::Document;
use crate::exchange::Exchange;
use crate::graphql::id::{self, NodeKind};
use crate::graphql::loaders::{DocumentKey, ExchangeKey, PartnerKey, ProjectKey};
use crate::holding::{Holding, HoldingStatus};
use crate::partner::Partner;
use crate::project::Project;

/// A copy of a document, held by this library or by a partner.
#[Object]
impl Holding {
    pub(crate) async fn id(&self) -> ID {
        id::encode(NodeKind::Holding, self.id)
    }

    async fn document(&self, ctx: &Context<'_>) -> Result<Document> {
        load_required(ctx, DocumentKey(self.document_id), "Document", self.document_id).await
    }

    /// The partner that holds the copy; null when this library holds it.
    async fn holder(&self, ctx: &Context<'_>) -> Result<Option<Partner>> {
        let Some(id) = self.holder_partner_id else { return Ok(None) };
        loaders(ctx).load_one(PartnerKey(id)).await.map_err(|e| e.extend())
    }

    /// True when this library holds the copy.
    async fn held_by_library(&self) -> bool {
        self.holder_partner_id.is_none()
    }

    /// Unique among the holder's copies.
    async fn barcode(&self) -> &str {
        &self.barcode
    }

    async fn call_number(&self) -> Option<&str> {
        self.call_number.as_deref()
    }

    /// The project reading room the copy is shelved in, e.g. "Window to Korea".
    async fn location(&self, ctx: &Context<'_>) -> Result<Option<Project>> {
        let Some(id) = self.location_project_id else { return Ok(None) };
        loaders(ctx).load_one(ProjectKey(id)).await.map_err(|e| e.extend())
    }

    async fn location_note(&self) -> Option<&str> {
        self.location_note.as_deref()
    }

    async fn status(&self) -> HoldingStatus {
        self.status
    }

    /// The exchange shipment that brought the copy.
    async fn provenance(&self, ctx: &Context<'_>) -> Result<Option<Exchange>> {
        let Some(id) = self.exchange_id else { return Ok(None) };
        loaders(ctx).load_one(ExchangeKey(id)).await.map_err(|e| e.extend())
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }
}
