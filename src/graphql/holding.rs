//! Root fields for holdings.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};

use super::change::{Change, update};
use super::connection::{Page, PageArgs};
use super::enums::HoldingStatus;
use super::error::GqlResultExt;
use super::id::{self, NodeKind};
use super::{find, list_page};
use crate::db::Direction;
use crate::error::{Error, Result as DomainResult};
use crate::holding::db::{Holder, HoldingFilter, HoldingOrder};
use crate::holding::{self, Holding, HoldingDraft, HoldingPatch};

#[derive(InputObject, Default)]
#[graphql(name = "HoldingFilter")]
pub struct HoldingFilterInput {
    document_id: Option<ID>,
    /// Copies held by this partner.
    holder_id: Option<ID>,
    /// Only this library's own copies (true) or only partners' copies (false).
    held_by_library: Option<bool>,
    /// Copies shelved in this project's reading room.
    location_id: Option<ID>,
    status: Option<HoldingStatus>,
    /// Copies brought by this exchange shipment.
    exchange_id: Option<ID>,
    barcode: Option<String>,
}

impl HoldingFilterInput {
    fn validate(self) -> DomainResult<HoldingFilter> {
        let holder = match (self.holder_id, self.held_by_library) {
            (Some(_), Some(true)) => {
                return Err(Error::invalid("filter.heldByLibrary", "a partner's copies are not held by the library"));
            }
            (Some(id), _) => Holder::Partner(id::decode_as("filter.holderId", &id, NodeKind::Partner)?),
            (None, Some(true)) => Holder::ThisLibrary,
            (None, Some(false)) => Holder::AnyPartner,
            (None, None) => Holder::Anyone,
        };
        Ok(HoldingFilter {
            document_id: self
                .document_id
                .map(|id| id::decode_as("filter.documentId", &id, NodeKind::Document))
                .transpose()?,
            holder,
            location_project_id: self
                .location_id
                .map(|id| id::decode_as("filter.locationId", &id, NodeKind::Project))
                .transpose()?,
            status: self.status.map(Into::into),
            exchange_id: self
                .exchange_id
                .map(|id| id::decode_as("filter.exchangeId", &id, NodeKind::Exchange))
                .transpose()?,
            barcode: self
                .barcode
                .map(|b| crate::validate::text("filter.barcode", &b, holding::MAX_BARCODE_CHARS))
                .transpose()?,
        })
    }
}

/// One page of holdings matching a filter (also used by `Partner.holdings` and `Project.holdings`).
pub(crate) async fn holdings_page(ctx: &Context<'_>, filter: &HoldingFilter, args: &PageArgs) -> Result<Page<Holding>> {
    list_page(ctx, filter, HoldingOrder::Shelf, Direction::Asc, args).await
}

#[derive(InputObject)]
pub struct CreateHoldingInput {
    document_id: ID,
    /// The partner holding the copy; leave out for this library's own copies.
    holder_id: Option<ID>,
    barcode: String,
    call_number: Option<String>,
    location_id: Option<ID>,
    location_note: Option<String>,
    #[graphql(default_with = "HoldingStatus::Available")]
    status: HoldingStatus,
}

/// Fields left out stay as they are; a nullable field set to `null` is cleared.
#[derive(InputObject)]
pub struct UpdateHoldingInput {
    id: ID,
    barcode: Option<String>,
    call_number: MaybeUndefined<String>,
    location_id: MaybeUndefined<ID>,
    location_note: MaybeUndefined<String>,
    status: Option<HoldingStatus>,
}

impl CreateHoldingInput {
    fn into_draft(self) -> DomainResult<HoldingDraft> {
        Ok(HoldingDraft {
            document_id: id::decode_as("documentId", &self.document_id, NodeKind::Document)?,
            holder_partner_id: self
                .holder_id
                .map(|id| id::decode_as("holderId", &id, NodeKind::Partner))
                .transpose()?,
            barcode: self.barcode,
            call_number: self.call_number,
            location_project_id: self
                .location_id
                .map(|id| id::decode_as("locationId", &id, NodeKind::Project))
                .transpose()?,
            location_note: self.location_note,
            status: self.status.into(),
            exchange_id: None,
        })
    }
}

impl UpdateHoldingInput {
    fn into_patch(self) -> DomainResult<(i64, HoldingPatch)> {
        let id = id::decode_as("id", &self.id, NodeKind::Holding)?;
        let patch = HoldingPatch {
            barcode: self.barcode,
            call_number: self.call_number.into(),
            location_project_id: self
                .location_id
                .map_value(|id| id::decode_as("locationId", &id, NodeKind::Project))
                .transpose()?
                .into(),
            location_note: self.location_note.into(),
            status: self.status.map(Into::into),
        };
        Ok((id, patch))
    }
}

#[derive(Default)]
pub struct HoldingQuery;

#[Object]
impl HoldingQuery {
    /// One copy by id. An unknown id is a `NOT_FOUND` error.
    async fn holding(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Holding>> {
        find(ctx, &id).await
    }

    /// Copies held by this library and by partners: which partner holds a document is what
    /// interlibrary loan asks.
    async fn holdings(
        &self,
        ctx: &Context<'_>,
        filter: Option<HoldingFilterInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Page<Holding>> {
        let filter = filter.unwrap_or_default().validate().gql()?;
        holdings_page(ctx, &filter, &PageArgs::new(after, before, first, last)).await
    }
}

#[derive(Default)]
pub struct HoldingMutation;

#[Object]
impl HoldingMutation {
    /// Records a copy. A barcode is unique among one holder's copies.
    async fn create_holding(&self, ctx: &Context<'_>, input: CreateHoldingInput) -> Result<Holding> {
        let mut change = Change::begin(ctx, "createHolding").await?;
        let result = async {
            let draft = input.into_draft().and_then(HoldingDraft::validate)?;
            let id = holding::db::insert(change.conn(), &draft).await?;
            holding::db::get(change.conn(), id).await
        }
        .await;
        change.finish(result).await
    }

    /// Changes a copy: its status (on loan, missing, ...), shelf or barcode.
    async fn update_holding(&self, ctx: &Context<'_>, input: UpdateHoldingInput) -> Result<Holding> {
        update(ctx, "updateHolding", input.into_patch()).await
    }
}
