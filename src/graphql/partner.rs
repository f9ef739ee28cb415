//! Root fields for partners.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};

use super::connection::{IntoPage, Page, PageArgs};
use super::error::GqlResultExt;
use super::id::{self, NodeKind};
use super::{begin, pool};
use crate::db::Direction;
use crate::partner::db::{PartnerFilter, PartnerOrder};
use crate::partner::{self, LocalizedName, Partner, PartnerDraft, PartnerKind, PartnerPatch, validate_names};
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
            kind: self.kind,
            active: self.active,
            name_contains: self
                .name_contains
                .map(|t| validate::text("filter.nameContains", &t, partner::MAX_NAME_CHARS))
                .transpose()?,
        })
    }
}

#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum PartnerOrderField {
    /// The English name, or the best name when there is none in English.
    #[default]
    Name,
    Country,
    CreatedAt,
    UpdatedAt,
}

#[derive(InputObject, Default)]
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

fn names_from(input: Vec<LocalizedNameInput>) -> crate::error::Result<Vec<LocalizedName>> {
    validate_names(input.into_iter().map(|n| LocalizedName { lang: n.lang, value: n.value }).collect())
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

impl CreatePartnerInput {
    fn validate(self) -> crate::error::Result<PartnerDraft> {
        Ok(PartnerDraft {
            kind: self.kind,
            country: partner::validate_optional(self.country.as_deref(), |c| validate::country("country", c))?,
            city: partner::validate_city(self.city.as_deref())?,
            website: partner::validate_optional(self.website.as_deref(), |v| validate::web_url("website", v))?,
            email: partner::validate_optional(self.email.as_deref(), |v| validate::email("email", v))?,
            isil: partner::validate_optional(self.isil.as_deref(), |v| validate::isil("isil", v))?,
            active: self.active,
            names: names_from(self.names)?,
        })
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

/// Validates a nullable field of an update: absent stays absent, null clears.
fn patch_field(
    value: MaybeUndefined<String>,
    check: impl Fn(&str) -> crate::error::Result<Option<String>>,
) -> crate::error::Result<Option<Option<String>>> {
    match value {
        MaybeUndefined::Undefined => Ok(None),
        MaybeUndefined::Null => Ok(Some(None)),
        MaybeUndefined::Value(v) => check(&v).map(Some),
    }
}

impl UpdatePartnerInput {
    fn validate(self) -> crate::error::Result<(i64, PartnerPatch)> {
        let id = id::decode_as("id", &self.id, NodeKind::Partner)?;
        let patch = PartnerPatch {
            kind: self.kind,
            country: patch_field(self.country, |v| validate::country("country", v).map(Some))?,
            city: patch_field(self.city, |v| partner::validate_city(Some(v)))?,
            website: patch_field(self.website, |v| {
                partner::validate_optional(Some(v), |v| validate::web_url("website", v))
            })?,
            email: patch_field(self.email, |v| partner::validate_optional(Some(v), |v| validate::email("email", v)))?,
            isil: patch_field(self.isil, |v| partner::validate_optional(Some(v), |v| validate::isil("isil", v)))?,
            active: self.active,
            names: self.names.map(names_from).transpose()?,
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
        let id = id::decode_as("id", &id, NodeKind::Partner).gql()?;
        let mut conn = pool(ctx).acquire().await.map_err(crate::error::Error::from).gql()?;
        partner::db::get(&mut conn, id).await.gql().map(Some)
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
        let args = PageArgs::new(after, before, first, last);
        args.validate().gql()?;
        let filter = filter.unwrap_or_default().validate().gql()?;
        let order_by = order_by.unwrap_or_default();
        let order = match order_by.field {
            PartnerOrderField::Name => PartnerOrder::Name,
            PartnerOrderField::Country => PartnerOrder::Country,
            PartnerOrderField::CreatedAt => PartnerOrder::CreatedAt,
            PartnerOrderField::UpdatedAt => PartnerOrder::UpdatedAt,
        };
        let total = partner::db::count(pool(ctx), &filter).await.gql()?;
        let window = args.window(total).gql()?;
        let rows = partner::db::list(pool(ctx), &filter, order, order_by.direction, window).await.gql()?;
        Ok(window.page(rows))
    }
}

#[derive(Default)]
pub struct PartnerMutation;

#[Object]
impl PartnerMutation {
    /// Registers a partner institution.
    async fn create_partner(&self, ctx: &Context<'_>, input: CreatePartnerInput) -> Result<Partner> {
        let draft = input.validate().gql()?;
        let mut tx = begin(ctx).await?;
        let id = partner::db::insert(&mut tx, &draft).await.gql()?;
        let created = partner::db::get(&mut tx, id).await.gql()?;
        tx.commit().await.map_err(crate::error::Error::from).gql()?;
        Ok(created)
    }

    /// Changes a partner.
    async fn update_partner(&self, ctx: &Context<'_>, input: UpdatePartnerInput) -> Result<Partner> {
        let (id, patch) = input.validate().gql()?;
        let mut tx = begin(ctx).await?;
        partner::db::update(&mut tx, id, &patch).await.gql()?;
        let updated = partner::db::get(&mut tx, id).await.gql()?;
        tx.commit().await.map_err(crate::error::Error::from).gql()?;
        Ok(updated)
    }
}
