//! The `IllRequest` object, its history and its deliveries, and which side of a request a
//! caller acts on.

use async_graphql::{Context, ErrorExtensions, ID, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};

use super::{load_optional, load_required, loaders};
use crate::access::Viewer;
use crate::document::Document;
use crate::graphql::enums::{IllAction, IllPending, IllRole, IllServiceType, IllStatus};
use crate::graphql::id::{self, NodeKind};
use crate::graphql::loaders::{Children, DeliveriesOfIllRequest, EndpointOfPartner, EventsOfIllRequest};
use crate::graphql::viewer;
use crate::holding::Holding;
use crate::ill::{Delivery, IllEvent, IllRequest, Side, other_side, our_side};
use crate::partner::Partner;

/// Whether staff handle this partner's requests by hand: it has no ISO 18626 endpoint.
pub(crate) async fn handled_by_hand(ctx: &Context<'_>, partner_id: i64) -> Result<bool> {
    let endpoint = loaders(ctx).load_one(Children::<EndpointOfPartner>::new(partner_id)).await;
    Ok(endpoint.map_err(|e| e.extend())?.unwrap_or_default().is_empty())
}

/// The sides of `request` the caller may act on: staff act for this library, and also
/// record the partner's answers when the partner's system does not send them; a partner's
/// token acts for its own institution.
pub(crate) fn sides_of(viewer: &Viewer, request: &IllRequest, by_hand: bool) -> Vec<Side> {
    let ours = our_side(request.role);
    if viewer.is_staff() {
        if by_hand { vec![ours, other_side(ours)] } else { vec![ours] }
    } else if viewer.partner() == Some(request.partner_id) {
        vec![other_side(ours)]
    } else {
        Vec::new()
    }
}

/// An interlibrary loan request: this library borrowing from a partner, or lending to one.
#[Object]
impl IllRequest {
    pub(crate) async fn id(&self) -> ID {
        id::encode(NodeKind::IllRequest, self.id)
    }

    async fn role(&self) -> IllRole {
        self.role.into()
    }

    /// The partner that lends (borrowing) or borrows (lending).
    async fn partner(&self, ctx: &Context<'_>) -> Result<Partner> {
        load_required(ctx, self.partner_id).await
    }

    async fn service_type(&self) -> IllServiceType {
        self.service_type.into()
    }

    async fn status(&self) -> IllStatus {
        self.status.into()
    }

    /// A question waiting for the other side's answer.
    async fn pending(&self) -> Option<IllPending> {
        self.pending.map(Into::into)
    }

    /// The actions the caller may take now: the buttons a client shows.
    async fn legal_actions(&self, ctx: &Context<'_>) -> Result<Vec<IllAction>> {
        let by_hand = handled_by_hand(ctx, self.partner_id).await?;
        let sides = sides_of(viewer(ctx), self, by_hand);
        Ok(self.state().legal_actions(&sides).into_iter().map(Into::into).collect())
    }

    /// Increases with every change; pass it to an action to make sure nobody changed the
    /// request since it was shown.
    async fn version(&self) -> i32 {
        self.version
    }

    /// The catalogue document asked for; null for a citation of something the catalogue
    /// lacks.
    async fn document(&self, ctx: &Context<'_>) -> Result<Option<Document>> {
        load_optional(ctx, self.document_id).await
    }

    /// The title as asked (for a catalogue document, its title when the request was made).
    async fn title(&self) -> &str {
        &self.title
    }

    async fn author(&self) -> Option<&str> {
        self.author.as_deref()
    }

    async fn isbn(&self) -> Option<&str> {
        self.isbn.as_deref()
    }

    async fn issn(&self) -> Option<&str> {
        self.issn.as_deref()
    }

    async fn year(&self) -> Option<&str> {
        self.publication_year.as_deref()
    }

    async fn volume(&self) -> Option<&str> {
        self.volume.as_deref()
    }

    /// The pages of a copy.
    async fn pages(&self) -> Option<&str> {
        self.pages.as_deref()
    }

    /// The copy this library lends.
    async fn holding(&self, ctx: &Context<'_>) -> Result<Option<Holding>> {
        load_optional(ctx, self.holding_id).await
    }

    /// The reader's reference (borrowing) or the partner's patron reference (lending).
    async fn patron_reference(&self, ctx: &Context<'_>) -> Option<&str> {
        viewer(ctx).sees_private_of(self.partner_id).then_some(self.patron_reference.as_deref()).flatten()
    }

    async fn need_before(&self) -> Option<NaiveDate> {
        self.need_before
    }

    async fn due_date(&self) -> Option<NaiveDate> {
        self.due_date
    }

    /// Whether the loan is past its due date now (marked `OVERDUE` or not yet).
    async fn overdue(&self) -> bool {
        self.is_overdue(Utc::now().date_naive())
    }

    /// The partner system's id of this request.
    async fn partner_request_id(&self) -> Option<&str> {
        self.partner_request_id.as_deref()
    }

    /// The conditions the supplier offered.
    async fn conditions(&self) -> Option<&str> {
        self.conditions.as_deref()
    }

    /// Why the supplier could not supply.
    async fn unfilled_reason(&self) -> Option<&str> {
        self.unfilled_reason.as_deref()
    }

    /// True when the partner has no ISO 18626 endpoint: staff write to it by e-mail or by
    /// hand and record its answers here.
    async fn handled_by_hand(&self, ctx: &Context<'_>) -> Result<bool> {
        handled_by_hand(ctx, self.partner_id).await
    }

    /// Every message and action, oldest first.
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<IllEvent>> {
        let events = loaders(ctx).load_one(Children::<EventsOfIllRequest>::new(self.id)).await;
        Ok(events.map_err(|e| e.extend())?.unwrap_or_default())
    }

    /// The messages sent to the partner's system and how their delivery went, oldest first.
    async fn deliveries(&self, ctx: &Context<'_>) -> Result<Vec<Delivery>> {
        let deliveries = loaders(ctx).load_one(Children::<DeliveriesOfIllRequest>::new(self.id)).await;
        Ok(deliveries.map_err(|e| e.extend())?.unwrap_or_default())
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }

    /// When the loan or copy was sent.
    async fn supplied_at(&self) -> Option<DateTime<Utc>> {
        self.supplied_at
    }

    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.closed_at
    }
}

/// One entry of a request's history: an action, or a message received or sent.
#[Object]
impl IllEvent {
    async fn at(&self) -> DateTime<Utc> {
        self.at
    }

    /// The token's name, `system`, or the partner's agency id for its messages.
    async fn actor(&self) -> &str {
        &self.actor
    }

    /// The action (`ship`, `cancel`…), or `message:<reason>` for a message that changed
    /// nothing.
    async fn action(&self) -> &str {
        &self.action
    }

    async fn status_before(&self) -> Option<IllStatus> {
        self.status_before.map(Into::into)
    }

    async fn status_after(&self) -> IllStatus {
        self.status_after.into()
    }

    async fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    /// `IN` for a message received, `OUT` for one sent, null when none went either way.
    async fn message_direction(&self) -> Option<String> {
        self.message_direction.as_deref().map(str::to_uppercase)
    }

    /// The ISO 18626 message, as XML.
    async fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
}

/// A message to a partner's system and how its delivery went.
#[Object(name = "IllDelivery")]
impl Delivery {
    /// `request`, `supplyingAgencyMessage` or `requestingAgencyMessage`.
    async fn kind(&self) -> &str {
        &self.kind
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    async fn attempts(&self) -> i32 {
        self.attempts
    }

    /// When it is tried again, while it is neither delivered nor refused.
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        (self.delivered_at.is_none() && self.rejected_at.is_none()).then_some(self.next_attempt_at)
    }

    /// When the partner's system confirmed it.
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.delivered_at
    }

    /// When the partner's system refused it (it is not sent again).
    async fn rejected_at(&self) -> Option<DateTime<Utc>> {
        self.rejected_at
    }

    /// Why the last attempt failed.
    async fn last_error(&self) -> Option<&str> {
        self.last_error.as_deref()
    }
}

/// Where a partner's ISO 18626 system listens.
#[derive(SimpleObject)]
pub struct IllEndpoint {
    pub url: String,
    /// Whether this library presents a credential there (the credential is never shown).
    pub has_credential: bool,
}
