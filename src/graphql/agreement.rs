//! Root fields for agreements.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use chrono::NaiveDate;

use super::change::{Change, update};
use super::connection::{Page, PageArgs};
use super::enums::{AgreementKind, AgreementStatus, Direction};
use super::error::GqlResultExt;
use super::id::{self, NodeKind};
use super::{find, list_page};
use crate::agreement::db::{AgreementFilter, AgreementOrder};
use crate::agreement::{self, Agreement, AgreementDraft, AgreementPatch};
use crate::error::{Error, Result as DomainResult};
use crate::validate;

#[derive(InputObject, Default)]
#[graphql(name = "AgreementFilter")]
pub struct AgreementFilterInput {
    partner_id: Option<ID>,
    kind: Option<AgreementKind>,
    /// The effective status (EXPIRED finds active agreements past their end date).
    status: Option<AgreementStatus>,
    /// Active agreements whose `validUntil` falls between today and today + N days: the
    /// ones to renew.
    expires_within_days: Option<i32>,
    title_contains: Option<String>,
}

impl AgreementFilterInput {
    fn validate(self) -> DomainResult<AgreementFilter> {
        if let Some(days) = self.expires_within_days
            && !(0..=agreement::MAX_EXPIRY_HORIZON_DAYS).contains(&days)
        {
            return Err(Error::invalid(
                "filter.expiresWithinDays",
                format!("expiresWithinDays must be between 0 and {}", agreement::MAX_EXPIRY_HORIZON_DAYS),
            ));
        }
        Ok(AgreementFilter {
            partner_id: self
                .partner_id
                .map(|id| id::decode_as("filter.partnerId", &id, NodeKind::Partner))
                .transpose()?,
            kind: self.kind.map(Into::into),
            status: self.status.map(Into::into),
            expires_within_days: self.expires_within_days,
            title_contains: self
                .title_contains
                .map(|t| validate::text("filter.titleContains", &t, agreement::MAX_TITLE_CHARS))
                .transpose()?,
        })
    }
}

super::enums::graphql_enum!(
    AgreementOrderField => AgreementOrder {
        SignedOn,
        ValidUntil,
        Title,
        CreatedAt,
    }
);

#[derive(InputObject)]
pub struct AgreementOrderBy {
    field: AgreementOrderField,
    #[graphql(default)]
    direction: Direction,
}

#[derive(InputObject)]
pub struct CreateAgreementInput {
    partner_id: ID,
    kind: AgreementKind,
    title: String,
    signed_on: Option<NaiveDate>,
    valid_from: Option<NaiveDate>,
    valid_until: Option<NaiveDate>,
    /// DRAFT, ACTIVE or TERMINATED; EXPIRED follows from the dates and cannot be set.
    #[graphql(default_with = "AgreementStatus::Draft")]
    status: AgreementStatus,
    scope: Option<String>,
}

impl CreateAgreementInput {
    fn into_draft(self) -> DomainResult<AgreementDraft> {
        Ok(AgreementDraft {
            partner_id: id::decode_as("partnerId", &self.partner_id, NodeKind::Partner)?,
            kind: self.kind.into(),
            title: self.title,
            signed_on: self.signed_on,
            valid_from: self.valid_from,
            valid_until: self.valid_until,
            status: self.status.into(),
            scope: self.scope,
        })
    }
}

/// Fields left out stay as they are; a nullable field set to `null` is cleared.
#[derive(InputObject)]
pub struct UpdateAgreementInput {
    id: ID,
    kind: Option<AgreementKind>,
    title: Option<String>,
    signed_on: MaybeUndefined<NaiveDate>,
    valid_from: MaybeUndefined<NaiveDate>,
    valid_until: MaybeUndefined<NaiveDate>,
    status: Option<AgreementStatus>,
    scope: MaybeUndefined<String>,
}

impl UpdateAgreementInput {
    fn into_patch(self) -> DomainResult<(i64, AgreementPatch)> {
        let id = id::decode_as("id", &self.id, NodeKind::Agreement)?;
        Ok((
            id,
            AgreementPatch {
                kind: self.kind.map(Into::into),
                title: self.title,
                signed_on: self.signed_on.into(),
                valid_from: self.valid_from.into(),
                valid_until: self.valid_until.into(),
                status: self.status.map(Into::into),
                scope: self.scope.into(),
            },
        ))
    }
}

#[derive(Default)]
pub struct AgreementQuery;

#[Object]
impl AgreementQuery {
    /// One agreement by id. An unknown id is a `NOT_FOUND` error.
    async fn agreement(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Agreement>> {
        find(ctx, &id).await
    }

    /// Agreements, filtered and ordered; most recently signed first unless `orderBy` says
    /// otherwise. `filter: { expiresWithinDays: 90 }` lists the agreements to renew.
    async fn agreements(
        &self,
        ctx: &Context<'_>,
        filter: Option<AgreementFilterInput>,
        order_by: Option<AgreementOrderBy>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Page<Agreement>> {
        let filter = filter.unwrap_or_default().validate().gql()?;
        let (order, direction) =
            order_by.map_or((AgreementOrder::SignedOn, Direction::Desc), |o| (o.field.into(), o.direction));
        list_page(ctx, &filter, order, direction.into(), &PageArgs::new(after, before, first, last)).await
    }
}

#[derive(Default)]
pub struct AgreementMutation;

#[Object]
impl AgreementMutation {
    /// Records an agreement or memorandum with a partner.
    async fn create_agreement(&self, ctx: &Context<'_>, input: CreateAgreementInput) -> Result<Agreement> {
        let mut change = Change::begin(ctx, "createAgreement").await?;
        let result = async {
            let draft = input.into_draft().and_then(AgreementDraft::validate)?;
            let id = agreement::db::insert(change.conn(), &draft).await?;
            agreement::db::get(change.conn(), id).await
        }
        .await;
        change.finish(result).await
    }

    /// Changes an agreement; the result is validated as a whole (a new `validUntil` is
    /// checked against the stored `validFrom`).
    async fn update_agreement(&self, ctx: &Context<'_>, input: UpdateAgreementInput) -> Result<Agreement> {
        update(ctx, "updateAgreement", input.into_patch()).await
    }
}
