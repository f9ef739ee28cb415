//! Root fields for holdings.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};

use super::connection::{IntoPage, Page, PageArgs};
use super::error::GqlResultExt;
use super::id::{self, NodeKind};
use super::{begin, pool};
use crate::error::{Error, Result as DomainResult};
use crate::holding::db::{Holder, HoldingFilter};
use crate::holding::{self, Holding, HoldingDraft, HoldingStatus};

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
            status: self.status,
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
    args.validate().gql()?;
    let total = holding::db::count(pool(ctx), filter).await.gql()?;
    let window = args.window(total).gql()?;
    let rows = holding::db::list(pool(ctx), filter, window).await.gql()?;
    Ok(window.page(rows))
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

#[derive(Default)]
pub struct HoldingQuery;

#[Object]
impl HoldingQuery {
    /// One copy by id. An unknown id is a `NOT_FOUND` error.
    async fn holding(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Holding>> {
        let id = id::decode_as("id", &id, NodeKind::Holding).gql()?;
        let mut conn = pool(ctx).acquire().await.map_err(Error::from).gql()?;
        holding::db::get(&mut conn, id).await.gql().map(Some)
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
        let draft = HoldingDraft {
            document_id: id::decode_as("documentId", &input.document_id, NodeKind::Document).gql()?,
            holder_partner_id: input
                .holder_id
                .map(|id| id::decode_as("holderId", &id, NodeKind::Partner))
                .transpose()
                .gql()?,
            barcode: input.barcode,
            call_number: input.call_number,
            location_project_id: input
                .location_id
                .map(|id| id::decode_as("locationId", &id, NodeKind::Project))
                .transpose()
                .gql()?,
            location_note: input.location_note,
            status: input.status,
            exchange_id: None,
        }
        .validate()
        .gql()?;
        let mut tx = begin(ctx).await?;
        let id = holding::db::insert(&mut tx, &draft).await.gql()?;
        let created = holding::db::get(&mut tx, id).await.gql()?;
        tx.commit().await.map_err(Error::from).gql()?;
        Ok(created)
    }

    /// Changes a copy: its status (on loan, missing, ...), shelf or barcode.
    async fn update_holding(&self, ctx: &Context<'_>, input: UpdateHoldingInput) -> Result<Holding> {
        let id = id::decode_as("id", &input.id, NodeKind::Holding).gql()?;
        let location = match input.location_id {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(id) => Some(Some(id::decode_as("locationId", &id, NodeKind::Project).gql()?)),
        };
        let mut tx = begin(ctx).await?;
        let mut merged = holding::db::get_for_update(&mut tx, id).await.gql()?;
        if let Some(barcode) = input.barcode {
            merged.barcode = barcode;
        }
        if let Some(v) = super::maybe(input.call_number) {
            merged.call_number = v;
        }
        if let Some(v) = location {
            merged.location_project_id = v;
        }
        if let Some(v) = super::maybe(input.location_note) {
            merged.location_note = v;
        }
        if let Some(status) = input.status {
            merged.status = status;
        }
        let merged = merged.validate().gql()?;
        holding::db::update(&mut tx, id, &merged).await.gql()?;
        let updated = holding::db::get(&mut tx, id).await.gql()?;
        tx.commit().await.map_err(Error::from).gql()?;
        Ok(updated)
    }
}
