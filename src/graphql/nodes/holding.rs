//! The `Holding` object.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};

use super::{load_optional, load_required};
use crate::document::Document;
use crate::exchange::Exchange;
use crate::graphql::enums::HoldingStatus;
use crate::graphql::id::{self, NodeKind};
use crate::holding::Holding;
use crate::partner::Partner;
use crate::project::Project;

/// A copy of a document, held by this library or by a partner.
#[Object]
impl Holding {
    pub(crate) async fn id(&self) -> ID {
        id::encode(NodeKind::Holding, self.id)
    }

    async fn document(&self, ctx: &Context<'_>) -> Result<Document> {
        load_required(ctx, self.document_id).await
    }

    /// The partner that holds the copy; null when this library holds it.
    async fn holder(&self, ctx: &Context<'_>) -> Result<Option<Partner>> {
        load_optional(ctx, self.holder_partner_id).await
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
        load_optional(ctx, self.location_project_id).await
    }

    async fn location_note(&self) -> Option<&str> {
        self.location_note.as_deref()
    }

    async fn status(&self) -> HoldingStatus {
        self.status.into()
    }

    /// The exchange shipment that brought the copy.
    async fn provenance(&self, ctx: &Context<'_>) -> Result<Option<Exchange>> {
        load_optional(ctx, self.exchange_id).await
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }
}
