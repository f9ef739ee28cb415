//! Root fields for exchange shipments: queries, the yearly balance, and one mutation per move.

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::NaiveDate;

use super::change::Change;
use super::connection::{Page, PageArgs};
use super::enums::{Direction, ExchangeDirection, ExchangeStatus};
use super::error::GqlResultExt;
use super::id::{self, NodeKind};
use super::{find, list_page, pool};
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
    /// Ignored: the history records the token's name as the actor.
    #[graphql(deprecation = "the actor is the name of the token that makes the change")]
    actor: Option<String>,
}

/// A move of a shipment.
#[derive(InputObject)]
pub struct ExchangeMoveInput {
    id: ID,
    /// The day of the move; today (in the office's time zone) when left out.
    on: Option<NaiveDate>,
    /// Ignored: the history records the token's name as the actor.
    #[graphql(deprecation = "the actor is the name of the token that makes the change")]
    actor: Option<String>,
    note: Option<String>,
}

#[derive(InputObject)]
pub struct ReceiveExchangeInput {
    id: ID,
    on: Option<NaiveDate>,
    /// Ignored: the history records the token's name as the actor.
    #[graphql(deprecation = "the actor is the name of the token that makes the change")]
    actor: Option<String>,
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
    /// (outgoing, dispatched that year) and received (incoming, received that year). A
    /// partner's portal gets its own balance only.
    async fn exchange_balances(&self, ctx: &Context<'_>, year: i32) -> Result<Vec<ExchangeBalance>> {
        check_year(year).gql()?;
        let own = super::viewer(ctx).partner().map(|partner| vec![partner]);
        exchange::db::balances(pool(ctx), own.as_deref(), year).await.gql()
    }
}

pub(crate) fn check_year(year: i32) -> DomainResult<()> {
    if !(1900..=2200).contains(&year) {
        return Err(Error::invalid("year", format!("{year} is not a year of this library's exchanges")));
    }
    Ok(())
}

/// Makes one move of a shipment, in a change of its own.
async fn make_move(
    ctx: &Context<'_>,
    operation: &'static str,
    id: &ID,
    on: Option<NaiveDate>,
    request: impl FnOnce(NaiveDate, String) -> DomainResult<Move>,
) -> Result<Exchange> {
    let actor = super::viewer(ctx).actor();
    let mut change = Change::begin(ctx, operation).await?;
    let result = async {
        let id = id::decode_as("id", id, NodeKind::Exchange)?;
        let on = match on {
            Some(day) => day,
            None => crate::db::today(change.conn()).await?,
        };
        exchange::make_move(change.conn(), id, request(on, actor)?).await?;
        exchange::db::get(change.conn(), id).await
    }
    .await;
    change.finish(result).await
}

/// A move that needs nothing but its day, its actor and a note.
fn simple_move(to: ExchangeStatus, note: Option<String>) -> impl FnOnce(NaiveDate, String) -> DomainResult<Move> {
    move |on, actor| Ok(Move { to: to.into(), on, actor, note, location_project_id: None, barcode_prefix: None })
}

#[derive(Default)]
pub struct ExchangeMutation;

#[Object]
impl ExchangeMutation {
    /// Plans a shipment (status PLANNED) with its lines.
    async fn create_exchange(&self, ctx: &Context<'_>, input: CreateExchangeInput) -> Result<Exchange> {
        let actor = super::viewer(ctx).actor();
        let mut change = Change::begin(ctx, "createExchange").await?;
        let result = async {
            let draft = ExchangeDraft {
                partner_id: id::decode_as("partnerId", &input.partner_id, NodeKind::Partner)?,
                agreement_id: input
                    .agreement_id
                    .map(|id| id::decode_as("agreementId", &id, NodeKind::Agreement))
                    .transpose()?,
                direction: input.direction.into(),
                reference: input.reference,
                note: input.note,
                expected_on: input.expected_on,
                lines: lines_from(input.lines)?,
            }
            .validate()?;
            let id = exchange::plan(change.conn(), &draft, &actor).await?;
            exchange::db::get(change.conn(), id).await
        }
        .await;
        change.finish(result).await
    }

    /// Replaces the lines of a shipment that is still PLANNED.
    async fn set_exchange_lines(&self, ctx: &Context<'_>, id: ID, lines: Vec<ExchangeLineInput>) -> Result<Exchange> {
        let mut change = Change::begin(ctx, "setExchangeLines").await?;
        let result = async {
            let id = id::decode_as("id", &id, NodeKind::Exchange)?;
            exchange::replace_lines(change.conn(), id, &lines_from(lines)?).await?;
            exchange::db::get(change.conn(), id).await
        }
        .await;
        change.finish(result).await
    }

    /// PLANNED → DISPATCHED: the shipment leaves its sender.
    async fn dispatch_exchange(&self, ctx: &Context<'_>, input: ExchangeMoveInput) -> Result<Exchange> {
        let request = simple_move(ExchangeStatus::Dispatched, input.note);
        make_move(ctx, "dispatchExchange", &input.id, input.on, request).await
    }

    /// DISPATCHED → RECEIVED. For an incoming shipment this creates the library's holdings
    /// for every copy of every line, in the same transaction.
    async fn receive_exchange(&self, ctx: &Context<'_>, input: ReceiveExchangeInput) -> Result<Exchange> {
        let ReceiveExchangeInput { id, on, note, location_id, barcode_prefix, .. } = input;
        let request = move |on, actor| {
            let location_project_id =
                location_id.map(|id| id::decode_as("locationId", &id, NodeKind::Project)).transpose()?;
            Ok(Move { to: ExchangeStatus::Received.into(), on, actor, note, location_project_id, barcode_prefix })
        };
        make_move(ctx, "receiveExchange", &id, on, request).await
    }

    /// RECEIVED → ACKNOWLEDGED: the receipt is confirmed to the sender; the shipment is closed.
    async fn acknowledge_exchange(&self, ctx: &Context<'_>, input: ExchangeMoveInput) -> Result<Exchange> {
        let request = simple_move(ExchangeStatus::Acknowledged, input.note);
        make_move(ctx, "acknowledgeExchange", &input.id, input.on, request).await
    }

    /// PLANNED or DISPATCHED → CANCELLED.
    async fn cancel_exchange(&self, ctx: &Context<'_>, input: ExchangeMoveInput) -> Result<Exchange> {
        let request = simple_move(ExchangeStatus::Cancelled, input.note);
        make_move(ctx, "cancelExchange", &input.id, input.on, request).await
    }
}
