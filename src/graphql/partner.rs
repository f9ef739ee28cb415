//! Root fields for partners.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};

use super::change::{Change, update};
use super::connection::{Page, PageArgs};
use super::enums::{Direction, PartnerKind};
use super::error::GqlResultExt;
use super::id::{self, NodeKind};
use super::{find, list_page};
use crate::partner::db::{PartnerFilter, PartnerOrder};
use crate::partner::{self, LocalizedName, Partner, PartnerDraft, PartnerPatch};
use crate::validate;

#[derive(InputObject, Default)]
#[graphql(name = "PartnerFilter")]
pub struct PartnerFilterInput {
    /// ISO 3166-1 alpha-2 country code, e.g. `KR`.
    country: Option<String>,
    kind: Option<PartnerKind>,
    active: Option<bool>,
    /// Text found in any of the partner's names, in any language; case is ignored.
    name_contains: Option<String>,
}

impl PartnerFilterInput {
    fn validate(self) -> crate::error::Result<PartnerFilter> {
        Ok(PartnerFilter {
            country: self.country.map(|c| validate::country("filter.country", &c)).transpose()?,
            kind: self.kind.map(Into::into),
            active: self.active,
            name_contains: self
                .name_contains
                .map(|t| validate::text("filter.nameContains", &t, partner::MAX_NAME_CHARS))
                .transpose()?,
        })
    }
}

super::enums::graphql_enum!(
    PartnerOrderField => PartnerOrder {
        /// The English name, or the best name when there is none in English.
        Name,
        Country,
        CreatedAt,
        UpdatedAt,
    }
);

#[derive(InputObject)]
pub struct PartnerOrderBy {
    field: PartnerOrderField,
    #[graphql(default)]
    direction: Direction,
}

#[derive(InputObject)]
pub struct LocalizedNameInput {
    /// BCP 47 language tag: `uz-Latn`, `uz-Cyrl`, `ru`, `en`, `zh-Hans`, ...
    lang: String,
    value: String,
}

fn names_from(input: Vec<LocalizedNameInput>) -> Vec<LocalizedName> {
    input.into_iter().map(|n| LocalizedName { lang: n.lang, value: n.value }).collect()
}

#[derive(InputObject)]
pub struct CreatePartnerInput {
    kind: PartnerKind,
    /// ISO 3166-1 alpha-2 code of the country the partner belongs to or represents.
    country: Option<String>,
    city: Option<String>,
    website: Option<String>,
    email: Option<String>,
    isil: Option<String>,
    #[graphql(default = true)]
    active: bool,
    /// At least one name; one per language.
    names: Vec<LocalizedNameInput>,
}

impl From<CreatePartnerInput> for PartnerDraft {
    fn from(input: CreatePartnerInput) -> Self {
        PartnerDraft {
            kind: input.kind.into(),
            country: input.country,
            city: input.city,
            website: input.website,
            email: input.email,
            isil: input.isil,
            active: input.active,
            names: names_from(input.names),
        }
    }
}

/// Fields left out stay as they are; a nullable field set to `null` is cleared.
#[derive(InputObject)]
pub struct UpdatePartnerInput {
    id: ID,
    kind: Option<PartnerKind>,
    country: MaybeUndefined<String>,
    city: MaybeUndefined<String>,
    website: MaybeUndefined<String>,
    email: MaybeUndefined<String>,
    isil: MaybeUndefined<String>,
    active: Option<bool>,
    /// Replaces all the partner's names.
    names: Option<Vec<LocalizedNameInput>>,
}

impl UpdatePartnerInput {
    fn into_patch(self) -> crate::error::Result<(i64, PartnerPatch)> {
        let id = id::decode_as("id", &self.id, NodeKind::Partner)?;
        let patch = PartnerPatch {
            kind: self.kind.map(Into::into),
            country: self.country.into(),
            city: self.city.into(),
            website: self.website.into(),
            email: self.email.into(),
            isil: self.isil.into(),
            active: self.active,
            names: self.names.map(names_from),
        };
        Ok((id, patch))
    }
}

#[derive(Default)]
pub struct PartnerQuery;

#[Object]
impl PartnerQuery {
    /// One partner by id. An unknown id is a `NOT_FOUND` error.
    async fn partner(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Partner>> {
        find(ctx, &id).await
    }

    /// Partners, filtered and ordered; by English name unless `orderBy` says otherwise.
    async fn partners(
        &self,
        ctx: &Context<'_>,
        filter: Option<PartnerFilterInput>,
        order_by: Option<PartnerOrderBy>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Page<Partner>> {
        let filter = filter.unwrap_or_default().validate().gql()?;
        let (order, direction) =
            order_by.map_or((PartnerOrder::Name, Direction::Asc), |o| (o.field.into(), o.direction));
        list_page(ctx, &filter, order, direction.into(), &PageArgs::new(after, before, first, last)).await
    }
}

#[derive(Default)]
pub struct PartnerMutation;

#[Object]
impl PartnerMutation {
    /// Registers a partner institution.
    async fn create_partner(&self, ctx: &Context<'_>, input: CreatePartnerInput) -> Result<Partner> {
        let mut change = Change::begin(ctx, "createPartner").await?;
        let result = async {
            let draft = PartnerDraft::from(input).validate()?;
            let id = partner::db::insert(change.conn(), &draft).await?;
            partner::db::get(change.conn(), id).await
        }
        .await;
        change.finish(result).await
    }

    /// Changes a partner.
    async fn update_partner(&self, ctx: &Context<'_>, input: UpdatePartnerInput) -> Result<Partner> {
        update(ctx, "updatePartner", input.into_patch()).await
    }
}
