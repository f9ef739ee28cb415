//! Root fields for exchange shipments: queries, the yearly balance, and one mutation per move.

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::NaiveDate;

use super::connection::{Page, PageArgs};
use super::enums::{Direction, ExchangeDirection, ExchangeStatus};
use super::error::GqlResultExt;
use super::id::{self, NodeKind};
use super::{begin, commit, find, list_page, pool};
use crate::error::{Error, Result as DomainResult};
use crate::exchange::db::{ExchangeFilter, ExchangeOrder};
use crate::exchange::{self, Exchange, ExchangeBalance, ExchangeDraft, Move};

#[derive(InputObject, Default)]
#[graphql(name = "ExchangeFilter")]
pub struct ExchangeFilterInput {
    partner_id: Option<ID>,
    direction: Option<ExchangeDirection>,
    status: Option<ExchangeStatus>,
    /// Shipments whose received (else dispatched, else expected) date is on or after this day.
    from: Option<NaiveDate>,
    /// ... and on or before this day.
    to: Option<NaiveDate>,
}

impl ExchangeFilterInput {
    fn validate(self) -> DomainResult<ExchangeFilter> {
        crate::validate::date_order("filter.to", self.from, self.to, "filter.from")?;
        Ok(ExchangeFilter {
            partner_id: self
                .partner_id
                .map(|id| id::decode_as("filter.partnerId", &id, NodeKind::Partner))
                .transpose()?,
            direction: self.direction.map(Into::into),
            status: self.status.map(Into::into),
            from: self.from,
            to: self.to,
        })
    }
}

#[derive(InputObject)]
pub struct ExchangeLineInput {
    document_id: ID,
    #[graphql(default = 1)]
    copies: i32,
}

fn lines_from(input: Vec<ExchangeLineInput>) -> DomainResult<Vec<(i64, i32)>> {
    input
        .into_iter()
        .map(|l| Ok((id::decode_as("lines.documentId", &l.document_id, NodeKind::Document)?, l.copies)))
        .collect()
}

#[derive(InputObject)]
pub struct CreateExchangeInput {
    partner_id: ID,
    direction: ExchangeDirection,
    /// The agreement the shipment is made under; it must be one of the partner's.
    agreement_id: Option<ID>,
    reference: Option<String>,
    note: Option<String>,
    expected_on: Option<NaiveDate>,
    #[graphql(default)]
    lines: Vec<ExchangeLineInput>,
    /// Who records the shipment (a name or staff id), kept in its history.
    actor: String,
}

/// A move of a shipment.
#[derive(InputObject)]
pub struct ExchangeMoveInput {
    id: ID,
    /// The day of the move; today (in the office's time zone) when left out.
    on: Option<NaiveDate>,
    /// Who makes the move (a name or staff id), kept in the shipment's history.
    actor: String,
    note: Option<String>,
}

#[derive(InputObject)]
pub struct ReceiveExchangeInput {
    id: ID,
    on: Option<NaiveDate>,
    actor: String,
    note: Option<String>,
    /// For an incoming shipment: the project reading room the new copies are shelved in.
    location_id: Option<ID>,
    /// For an incoming shipment: new copies get barcodes `<prefix>-<n>` (default `EX<number>`).
    barcode_prefix: Option<String>,
}

#[derive(Default)]
pub struct ExchangeQuery;

#[Object]
impl ExchangeQuery {
    /// One shipment by id. An unknown id is a `NOT_FOUND` error.
    async fn exchange(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Exchange>> {
        find(ctx, &id).await
    }

    /// Shipments, newest first unless `direction: ASC`.
    async fn exchanges(
        &self,
        ctx: &Context<'_>,
        filter: Option<ExchangeFilterInput>,
        #[graphql(default_with = "Direction::Desc")] order: Direction,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Page<Exchange>> {
        let filter = filter.unwrap_or_default().validate().gql()?;
        let args = PageArgs::new(after, before, first, last);
        list_page(ctx, &filter, ExchangeOrder::Date, order.into(), &args).await
    }

    /// The yearly report: for every partner with shipments that year, the documents sent
    /// (outgoing, dispatched that year) and received (incoming, received that year).
    async fn exchange_balances(&self, ctx: &Context<'_>, year: i32) -> Result<Vec<ExchangeBalance>> {
        check_year(year).gql()?;
        exchange::db::balances(pool(ctx), None, year).await.gql()
    }
}

pub(crate) fn check_year(year: i32) -> DomainResult<()> {
    if !(1900..=2200).contains(&year) {
        return Err(Error::invalid("year", format!("{year} is not a year of this library's exchanges")));
    }
    Ok(())
}

async fn make_move(
    ctx: &Context<'_>,
    id: &ID,
    request: impl FnOnce(NaiveDate) -> Move,
    on: Option<NaiveDate>,
) -> Result<Exchange> {
    let id = id::decode_as("id", id, NodeKind::Exchange).gql()?;
    let mut tx = begin(ctx).await?;
    let on = match on {
        Some(day) => day,
        None => crate::db::today(&mut *tx).await.map_err(Error::from).gql()?,
    };
    exchange::make_move(&mut tx, id, request(on)).await.gql()?;
    let moved = exchange::db::get(&mut tx, id).await.gql()?;
    commit(tx).await?;
    Ok(moved)
}

fn simple_move(
    to: ExchangeStatus,
    input: ExchangeMoveInput,
) -> (ID, Option<NaiveDate>, impl FnOnce(NaiveDate) -> Move) {
    let ExchangeMoveInput { id, on, actor, note } = input;
    (id, on, move |on| Move { to: to.into(), on, actor, note, location_project_id: None, barcode_prefix: None })
}

#[derive(Default)]
pub struct ExchangeMutation;

#[Object]
impl ExchangeMutation {
    /// Plans a shipment (status PLANNED) with its lines.
    async fn create_exchange(&self, ctx: &Context<'_>, input: CreateExchangeInput) -> Result<Exchange> {
        let draft = ExchangeDraft {
            partner_id: id::decode_as("partnerId", &input.partner_id, NodeKind::Partner).gql()?,
            agreement_id: input
                .agreement_id
                .map(|id| id::decode_as("agreementId", &id, NodeKind::Agreement))
                .transpose()
                .gql()?,
            direction: input.direction.into(),
            reference: input.reference,
            note: input.note,
            expected_on: input.expected_on,
            lines: lines_from(input.lines).gql()?,
        }
        .validate()
        .gql()?;
        let mut tx = begin(ctx).await?;
        let id = exchange::plan(&mut tx, &draft, &input.actor).await.gql()?;
        let created = exchange::db::get(&mut tx, id).await.gql()?;
        commit(tx).await?;
        Ok(created)
    }

    /// Replaces the lines of a shipment that is still PLANNED.
    async fn set_exchange_lines(&self, ctx: &Context<'_>, id: ID, lines: Vec<ExchangeLineInput>) -> Result<Exchange> {
        let id = id::decode_as("id", &id, NodeKind::Exchange).gql()?;
        let lines = lines_from(lines).gql()?;
        let mut tx = begin(ctx).await?;
        exchange::replace_lines(&mut tx, id, &lines).await.gql()?;
        let updated = exchange::db::get(&mut tx, id).await.gql()?;
        commit(tx).await?;
        Ok(updated)
    }

    /// PLANNED → DISPATCHED: the shipment leaves its sender.
    async fn dispatch_exchange(&self, ctx: &Context<'_>, input: ExchangeMoveInput) -> Result<Exchange> {
        let (id, on, request) = simple_move(ExchangeStatus::Dispatched, input);
        make_move(ctx, &id, request, on).await
    }

    /// DISPATCHED → RECEIVED. For an incoming shipment this creates the library's holdings
    /// for every copy of every line, in the same transaction.
    async fn receive_exchange(&self, ctx: &Context<'_>, input: ReceiveExchangeInput) -> Result<Exchange> {
        let location_project_id =
            input.location_id.map(|id| id::decode_as("locationId", &id, NodeKind::Project)).transpose().gql()?;
        let ReceiveExchangeInput { id, on, actor, note, barcode_prefix, .. } = input;
        let request = move |on| Move {
            to: ExchangeStatus::Received.into(),
            on,
            actor,
            note,
            location_project_id,
            barcode_prefix,
        };
        make_move(ctx, &id, request, on).await
    }

    /// RECEIVED → ACKNOWLEDGED: the receipt is confirmed to the sender; the shipment is closed.
    async fn acknowledge_exchange(&self, ctx: &Context<'_>, input: ExchangeMoveInput) -> Result<Exchange> {
        let (id, on, request) = simple_move(ExchangeStatus::Acknowledged, input);
        make_move(ctx, &id, request, on).await
    }

    /// PLANNED or DISPATCHED → CANCELLED.
    async fn cancel_exchange(&self, ctx: &Context<'_>, input: ExchangeMoveInput) -> Result<Exchange> {
        let (id, on, request) = simple_move(ExchangeStatus::Cancelled, input);
        make_move(ctx, &id, request, on).await
    }
}
