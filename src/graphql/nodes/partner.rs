//! The `Partner` object.

use async_graphql::{Context, ErrorExtensions, ID, Object, Result};
use chrono::{DateTime, Datelike, Utc};

use super::{loaders, nested_page};
use crate::agreement::Agreement;
use crate::db::Direction;
use crate::exchange::Exchange;
use crate::exchange::ExchangeBalance;
use crate::exchange::db::{ExchangeFilter, ExchangeOrder};
use crate::graphql::access::{Denial, require_private_of};
use crate::graphql::connection::{Page, PageArgs};
use crate::graphql::enums::PartnerKind;
use crate::graphql::error::GqlResultExt;
use crate::graphql::exchange::check_year;
use crate::graphql::holding::holdings_page;
use crate::graphql::id::{self, NodeKind};
use crate::graphql::loaders::{AgreementsOfPartner, BalanceOf, Children, EndpointOfPartner, PartnershipsOfPartner};
use crate::graphql::{list_page, viewer};
use crate::holding::Holding;
use crate::holding::db::{Holder, HoldingFilter};
use crate::partner::{LocalizedName, Partner};
use crate::project::Partnership;

/// A partner institution abroad (or an international organisation) the library cooperates with.
#[Object]
impl Partner {
    pub(crate) async fn id(&self) -> ID {
        id::encode(NodeKind::Partner, self.id)
    }

    async fn kind(&self) -> PartnerKind {
        self.kind.into()
    }

    /// ISO 3166-1 alpha-2 code of the country the partner belongs to or represents (an
    /// embassy in Tashkent is `US`); null for bodies with no single country.
    async fn country(&self) -> Option<&str> {
        self.country.as_deref()
    }

    async fn city(&self) -> Option<&str> {
        self.city.as_deref()
    }

    async fn website(&self) -> Option<&str> {
        self.website.as_deref()
    }

    /// The contact e-mail of the partner's international office: shown to staff and to the
    /// partner's own portal, null for everyone else.
    async fn email(&self, ctx: &Context<'_>) -> Option<&str> {
        viewer(ctx).sees_private_of(self.id).then_some(self.email.as_deref()).flatten()
    }

    /// The partner's ISIL (ISO 15511), by which interlibrary loan addresses it.
    async fn isil(&self) -> Option<&str> {
        self.isil.as_deref()
    }

    /// Whether cooperation is current.
    async fn active(&self) -> bool {
        self.active
    }

    /// Every name of the partner, one per language, ordered by language tag.
    async fn names(&self) -> &[LocalizedName] {
        &self.names
    }

    /// The best name for a reader of `lang` (a BCP 47 tag). Fallback order: the exact tag;
    /// another tag of the same language (`uz` finds `uz-Latn`); English; Uzbek (Latin);
    /// Russian; any other name.
    async fn name(&self, lang: Option<String>) -> &str {
        self.best_name(lang.as_deref())
    }

    /// The partner's agreements and memorandums, most recently signed first.
    async fn agreements(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Page<Agreement>> {
        nested_page::<AgreementsOfPartner>(ctx, self.id, PageArgs::new(after, before, first, last)).await
    }

    /// The joint projects the partner takes part in, with its role in each.
    async fn projects(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Page<Partnership>> {
        nested_page::<PartnershipsOfPartner>(ctx, self.id, PageArgs::new(after, before, first, last)).await
    }

    /// Copies of documents this partner holds (what interlibrary loan can borrow from it).
    async fn holdings(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Page<Holding>> {
        let filter = HoldingFilter { holder: Holder::Partner(self.id), ..Default::default() };
        holdings_page(ctx, &filter, &PageArgs::new(after, before, first, last)).await
    }

    /// Where the partner's ISO 18626 interlibrary loan system listens; null when staff
    /// handle its requests by hand. For staff.
    async fn ill_endpoint(&self, ctx: &Context<'_>) -> Result<Option<super::ill::IllEndpoint>> {
        if !viewer(ctx).is_staff() {
            let denial = if viewer(ctx).token.is_some() { Denial::Forbidden } else { Denial::Unauthenticated };
            return Err(denial.error("`illEndpoint`"));
        }
        let endpoints = loaders(ctx).load_one(Children::<EndpointOfPartner>::new(self.id)).await;
        let endpoint = endpoints.map_err(|e| e.extend())?.unwrap_or_default().into_iter().next();
        Ok(endpoint.map(|e| super::ill::IllEndpoint { url: e.url, has_credential: e.credential.is_some() }))
    }

    /// Documents sent to and received from this partner in `year` (default: this year). For
    /// staff and the partner's own portal.
    async fn exchange_balance(&self, ctx: &Context<'_>, year: Option<i32>) -> Result<ExchangeBalance> {
        require_private_of(viewer(ctx), self.id, "`exchangeBalance`")?;
        let year = match year {
            Some(year) => year,
            None => crate::db::today(crate::graphql::pool(ctx)).await.map_err(crate::error::Error::from).gql()?.year(),
        };
        check_year(year).gql()?;
        let balance = loaders(ctx).load_one(BalanceOf { partner_id: self.id, year }).await.map_err(|e| e.extend())?;
        Ok(balance.unwrap_or_else(|| ExchangeBalance::none(self.id, year)))
    }

    /// The partner's exchange shipments, newest first: for staff and the partner's own
    /// portal (empty for everyone else).
    async fn exchanges(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Page<Exchange>> {
        let filter = ExchangeFilter { partner_id: Some(self.id), ..Default::default() };
        let args = PageArgs::new(after, before, first, last);
        list_page(ctx, &filter, ExchangeOrder::Date, Direction::Desc, &args).await
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }
}

/// A partner's name in one language.
#[Object]
impl LocalizedName {
    /// BCP 47 language tag, e.g. `uz-Latn`, `uz-Cyrl`, `ru`, `en`, `ko`.
    async fn lang(&self) -> &str {
        &self.lang
    }

    async fn value(&self) -> &str {
        &self.value
    }
}
