//! Root fields for interlibrary loan: requests, the yearly report, the partners' endpoints,
//! and one mutation per action.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::NaiveDate;

use super::change::Change;
use super::connection::{Page, PageArgs};
use super::enums::{Direction, IllRole, IllServiceType, IllStatus};
use super::error::GqlResultExt;
use super::id::{self, NodeKind};
use super::nodes::ill::{handled_by_hand, sides_of};
use super::{find, list_page, pool, viewer};
use crate::error::{Error, Result as DomainResult};
use crate::ill::db::{IllFilter, IllOrder};
use crate::ill::report::IllYearReport;
use crate::ill::{self, Action, ActionInput, Actor, Agency, IllDraft, IllRequest, Role, Side};
use crate::partner::Partner;

#[derive(InputObject, Default)]
#[graphql(name = "IllRequestFilter")]
pub struct IllFilterInput {
    role: Option<IllRole>,
    partner_id: Option<ID>,
    status: Option<IllStatus>,
    /// True: requests still under way; false: closed ones.
    open: Option<bool>,
    /// True: loans past their due date.
    overdue: Option<bool>,
    document_id: Option<ID>,
    /// Requests made on or after this day.
    from: Option<NaiveDate>,
    /// ... and on or before this day.
    to: Option<NaiveDate>,
}

impl IllFilterInput {
    fn validate(self, today: NaiveDate) -> DomainResult<IllFilter> {
        crate::validate::date_order("filter.to", self.from, self.to, "filter.from")?;
        Ok(IllFilter {
            role: self.role.map(Into::into),
            partner_id: self
                .partner_id
                .map(|id| id::decode_as("filter.partnerId", &id, NodeKind::Partner))
                .transpose()?,
            status: self.status.map(Into::into),
            open: self.open,
            overdue: self.overdue,
            document_id: self
                .document_id
                .map(|id| id::decode_as("filter.documentId", &id, NodeKind::Document))
                .transpose()?,
            from: self.from,
            to: self.to,
            today: Some(today),
        })
    }
}

super::enums::graphql_enum!(
    /// How requests are ordered.
    IllOrderField => IllOrder {
        CreatedAt,
        UpdatedAt,
        DueDate,
        NeedBefore,
    }
);

#[derive(InputObject)]
pub struct IllOrderBy {
    field: IllOrderField,
    #[graphql(default_with = "Direction::Desc")]
    direction: Direction,
}

#[derive(InputObject)]
pub struct CreateIllRequestInput {
    /// For staff: the partner asked (borrowing), or the partner that asked by e-mail or by
    /// hand (lending). A partner's token creates a request to this library and leaves it out.
    partner_id: Option<ID>,
    /// For staff: BORROWING (the default) or LENDING. A partner's token always creates a
    /// LENDING request (this library lends to it).
    role: Option<IllRole>,
    #[graphql(default_with = "IllServiceType::Loan")]
    service_type: IllServiceType,
    /// A document of this catalogue; or describe what is asked with the citation fields.
    document_id: Option<ID>,
    title: Option<String>,
    author: Option<String>,
    isbn: Option<String>,
    issn: Option<String>,
    year: Option<String>,
    volume: Option<String>,
    /// The pages a copy should contain.
    pages: Option<String>,
    /// The reader's reference (borrowing) or the partner's patron reference (lending).
    patron_reference: Option<String>,
    need_before: Option<NaiveDate>,
    /// The partner's own id of the request, when it has one.
    partner_request_id: Option<String>,
    note: Option<String>,
}

/// An action that needs nothing but the request and, optionally, a note.
#[derive(InputObject)]
pub struct IllActionInput {
    id: ID,
    /// The version the caller last saw; the action fails with `CONFLICT` if the request
    /// changed since.
    version: Option<i32>,
    note: Option<String>,
}

#[derive(InputObject)]
pub struct IllShipInput {
    id: ID,
    version: Option<i32>,
    note: Option<String>,
    /// When the loan must be back; 28 days from today when left out.
    due_date: Option<NaiveDate>,
    /// The copy this library lends; one of its available copies of the document when left
    /// out.
    holding_id: Option<ID>,
}

#[derive(InputObject)]
pub struct IllRenewAnswerInput {
    id: ID,
    version: Option<i32>,
    note: Option<String>,
    /// The new due date; 28 days after the current one when left out.
    due_date: Option<NaiveDate>,
}

#[derive(InputObject)]
pub struct IllReasonInput {
    id: ID,
    version: Option<i32>,
    note: Option<String>,
    /// Why (ISO 18626's open list suggests e.g. `NotHeld`, `NotOnShelf`, `PolicyProblem`).
    reason: Option<String>,
}

#[derive(InputObject)]
pub struct IllConditionsInput {
    id: ID,
    version: Option<i32>,
    /// The conditions the requester must accept (e.g. "reading room use only").
    conditions: String,
    note: Option<String>,
}

#[derive(InputObject)]
pub struct SetIllEndpointInput {
    partner_id: ID,
    /// Where the partner's system takes ISO 18626 messages; null to handle the partner's
    /// requests by hand.
    url: Option<String>,
    /// The bearer credential the partner's system gave this library.
    credential: Option<String>,
}

/// A partner's interlibrary loan in one role in one year.
#[derive(SimpleObject)]
pub struct IllReportRow {
    partner: Partner,
    role: IllRole,
    year: i32,
    requests: i64,
    filled: i64,
    unfilled: i64,
    cancelled: i64,
    unfilled_reasons: Vec<IllReasonCount>,
    /// Days from request to supply, on average over the filled requests.
    average_days_to_supply: Option<f64>,
    /// Days from supply to return, on average over the returned loans.
    average_days_to_return: Option<f64>,
    /// Loans past their due date now.
    overdue_now: i64,
}

#[derive(SimpleObject)]
pub struct IllReasonCount {
    reason: String,
    count: i64,
}

fn agency(ctx: &Context<'_>) -> Agency {
    ctx.data_opt::<Agency>().cloned().unwrap_or_default()
}

#[derive(Default)]
pub struct IllQuery;

#[Object]
impl IllQuery {
    /// One interlibrary loan request by id. An unknown id, or another partner's, is a
    /// `NOT_FOUND` error.
    async fn ill_request(&self, ctx: &Context<'_>, id: ID) -> Result<Option<IllRequest>> {
        find(ctx, &id).await
    }

    /// Interlibrary loan requests, newest first unless `orderBy` says otherwise; a partner's
    /// token sees its own.
    async fn ill_requests(
        &self,
        ctx: &Context<'_>,
        filter: Option<IllFilterInput>,
        order_by: Option<IllOrderBy>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Page<IllRequest>> {
        let today = crate::db::today(pool(ctx)).await.map_err(Error::from).gql()?;
        let filter = filter.unwrap_or_default().validate(today).gql()?;
        let (order, direction) =
            order_by.map_or((IllOrder::CreatedAt, Direction::Desc), |o| (o.field.into(), o.direction));
        list_page(ctx, &filter, order, direction.into(), &PageArgs::new(after, before, first, last)).await
    }

    /// The yearly report: per partner and role, requests, filled, unfilled with reasons,
    /// average days to supply and to return, overdue now. A partner's token gets its own rows.
    async fn ill_report(&self, ctx: &Context<'_>, year: i32) -> Result<Vec<IllReportRow>> {
        super::exchange::check_year(year).gql()?;
        let own = viewer(ctx).partner();
        let today = crate::db::today(pool(ctx)).await.map_err(Error::from).gql()?;
        let rows = ill::report::for_year(pool(ctx), year, own, today).await.gql()?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(report_row(ctx, row).await?);
        }
        Ok(out)
    }
}

async fn report_row(ctx: &Context<'_>, row: IllYearReport) -> Result<IllReportRow> {
    Ok(IllReportRow {
        partner: super::nodes::load_required(ctx, row.partner_id).await?,
        role: row.role.into(),
        year: row.year,
        requests: row.requests,
        filled: row.filled,
        unfilled: row.unfilled,
        cancelled: row.cancelled,
        unfilled_reasons: row
            .unfilled_reasons
            .into_iter()
            .map(|(reason, count)| IllReasonCount { reason, count })
            .collect(),
        average_days_to_supply: row.average_days_to_supply.map(|d| (d * 10.0).round() / 10.0),
        average_days_to_return: row.average_days_to_return.map(|d| (d * 10.0).round() / 10.0),
        overdue_now: row.overdue_now,
    })
}

/// Takes `action` on a request for the caller, in a change of its own.
async fn act(
    ctx: &Context<'_>,
    operation: &'static str,
    action: Action,
    id: &ID,
    input: DomainResult<ActionInput>,
) -> Result<IllRequest> {
    let viewer = viewer(ctx);
    let raw = id::decode_as("id", id, NodeKind::IllRequest).gql()?;
    // The request as the caller may see it: another partner's is NOT_FOUND.
    let request = find::<IllRequest>(ctx, id).await?.ok_or_else(|| Error::not_found("IllRequest", raw)).gql()?;
    let by_hand = handled_by_hand(ctx, request.partner_id).await?;
    let sides = sides_of(viewer, &request, by_hand);
    // This library's own side first: staff act for the library unless only the partner's
    // side can take the action (recording the answer of a partner handled by hand).
    let side = sides.iter().copied().find(|&side| request.state().transition(action, side).is_some());
    let side = side.or_else(|| sides.first().copied()).unwrap_or(Side::System);
    let actor = Actor { name: viewer.actor(), side, message: None };
    let agency = agency(ctx);
    let mut change = Change::begin(ctx, operation).await?;
    let result = async { ill::act(change.conn(), raw, action, input?, &actor, &agency).await }.await;
    change.finish(result).await
}

fn holding_id(id: Option<ID>) -> DomainResult<Option<i64>> {
    id.map(|id| id::decode_as("holdingId", &id, NodeKind::Holding)).transpose()
}

fn plain(version: Option<i32>, note: Option<String>) -> ActionInput {
    ActionInput { expected_version: version, note, ..ActionInput::default() }
}

#[derive(Default)]
pub struct IllMutation;

/// One mutation per action; each answers `CONFLICT` naming the status and the possible
/// actions when the request's state does not allow it, and changes nothing.
#[Object]
impl IllMutation {
    /// Creates a request. Staff create BORROWING requests (sent to the partner's system
    /// when it has an endpoint) or record LENDING requests received by e-mail; a partner's
    /// token creates a request to this library.
    async fn create_ill_request(&self, ctx: &Context<'_>, input: CreateIllRequestInput) -> Result<IllRequest> {
        let viewer = viewer(ctx);
        let actor = viewer.actor();
        let agency = agency(ctx);
        let mut change = Change::begin(ctx, "createIllRequest").await?;
        let result = async {
            let (partner_id, role) = match viewer.partner() {
                Some(own) => {
                    if let Some(id) = &input.partner_id
                        && id::decode_as("partnerId", id, NodeKind::Partner)? != own
                    {
                        return Err(Error::invalid(
                            "partnerId",
                            "a partner's token creates requests for its own institution",
                        ));
                    }
                    if input.role.is_some_and(|r| Role::from(r) != Role::Lending) {
                        return Err(Error::invalid(
                            "role",
                            "a partner's token creates LENDING requests (this library lends)",
                        ));
                    }
                    (own, Role::Lending)
                }
                None => {
                    let id =
                        input.partner_id.as_ref().ok_or_else(|| Error::invalid("partnerId", "name the partner"))?;
                    (id::decode_as("partnerId", id, NodeKind::Partner)?, input.role.map_or(Role::Borrowing, Into::into))
                }
            };
            let draft = IllDraft {
                role: Some(role),
                partner_id,
                service_type: Some(input.service_type.into()),
                document_id: input
                    .document_id
                    .map(|id| id::decode_as("documentId", &id, NodeKind::Document))
                    .transpose()?,
                title: input.title,
                author: input.author,
                isbn: input.isbn,
                issn: input.issn,
                publication_year: input.year,
                volume: input.volume,
                pages: input.pages,
                patron_reference: input.patron_reference,
                need_before: input.need_before,
                partner_request_id: input.partner_request_id,
                note: input.note,
            };
            ill::create(change.conn(), draft, &agency, &actor, None).await
        }
        .await;
        change.finish(result).await
    }

    /// Sets where a partner's ISO 18626 system listens and the credential to present there
    /// (administrators: it is a secret of the partner's).
    async fn set_ill_endpoint(&self, ctx: &Context<'_>, input: SetIllEndpointInput) -> Result<Partner> {
        let mut change = Change::begin(ctx, "setIllEndpoint").await?;
        let result = async {
            let partner_id = id::decode_as("partnerId", &input.partner_id, NodeKind::Partner)?;
            let url = input.url.map(|u| crate::validate::web_url("url", &u)).transpose()?;
            let credential = crate::validate::optional_text("credential", input.credential.as_deref(), 500)?;
            crate::partner::db::get(change.conn(), partner_id).await?;
            ill::db::set_endpoint(change.conn(), partner_id, url.as_deref(), credential.as_deref()).await?;
            crate::partner::db::get(change.conn(), partner_id).await
        }
        .await;
        change.finish(result).await
    }

    // The supplier's actions.

    /// The supplier expects to supply.
    async fn ill_expect_to_supply(&self, ctx: &Context<'_>, input: IllActionInput) -> Result<IllRequest> {
        act(ctx, "illExpectToSupply", Action::ExpectToSupply, &input.id, Ok(plain(input.version, input.note))).await
    }

    /// The supplier will supply.
    async fn ill_will_supply(&self, ctx: &Context<'_>, input: IllActionInput) -> Result<IllRequest> {
        act(ctx, "illWillSupply", Action::WillSupply, &input.id, Ok(plain(input.version, input.note))).await
    }

    /// The supplier offers conditions; the requester accepts them or cancels.
    async fn ill_offer_conditions(&self, ctx: &Context<'_>, input: IllConditionsInput) -> Result<IllRequest> {
        let action = ActionInput { conditions: Some(input.conditions), ..plain(input.version, input.note) };
        act(ctx, "illOfferConditions", Action::OfferConditions, &input.id, Ok(action)).await
    }

    /// The supplier cannot supply as asked but might under other terms.
    async fn ill_retry_possible(&self, ctx: &Context<'_>, input: IllReasonInput) -> Result<IllRequest> {
        let action = ActionInput { reason: input.reason, ..plain(input.version, input.note) };
        act(ctx, "illRetryPossible", Action::RetryPossible, &input.id, Ok(action)).await
    }

    /// The supplier cannot supply.
    async fn ill_unfilled(&self, ctx: &Context<'_>, input: IllReasonInput) -> Result<IllRequest> {
        let action = ActionInput { reason: input.reason, ..plain(input.version, input.note) };
        act(ctx, "illUnfilled", Action::Unfilled, &input.id, Ok(action)).await
    }

    /// The supplier sends the loan: for this library's loans, the copy goes on loan.
    async fn ill_ship(&self, ctx: &Context<'_>, input: IllShipInput) -> Result<IllRequest> {
        let action = holding_id(input.holding_id).map(|holding_id| ActionInput {
            due_date: input.due_date,
            holding_id,
            ..plain(input.version, input.note)
        });
        act(ctx, "illShip", Action::Ship, &input.id, action).await
    }

    /// The supplier sends the copy.
    async fn ill_send_copy(&self, ctx: &Context<'_>, input: IllActionInput) -> Result<IllRequest> {
        act(ctx, "illSendCopy", Action::SendCopy, &input.id, Ok(plain(input.version, input.note))).await
    }

    /// The supplier asks for the loan back before its due date.
    async fn ill_recall(&self, ctx: &Context<'_>, input: IllActionInput) -> Result<IllRequest> {
        act(ctx, "illRecall", Action::Recall, &input.id, Ok(plain(input.version, input.note))).await
    }

    /// The supplier has the loan back: for this library's loans, the copy is available again.
    async fn ill_check_in(&self, ctx: &Context<'_>, input: IllActionInput) -> Result<IllRequest> {
        act(ctx, "illCheckIn", Action::CheckIn, &input.id, Ok(plain(input.version, input.note))).await
    }

    /// The supplier closes a loan that will not come back (the copy is marked missing).
    async fn ill_complete_without_return(&self, ctx: &Context<'_>, input: IllActionInput) -> Result<IllRequest> {
        let input_action = plain(input.version, input.note);
        act(ctx, "illCompleteWithoutReturn", Action::CompleteWithoutReturn, &input.id, Ok(input_action)).await
    }

    /// The supplier agrees to cancel.
    async fn ill_accept_cancel(&self, ctx: &Context<'_>, input: IllActionInput) -> Result<IllRequest> {
        act(ctx, "illAcceptCancel", Action::AcceptCancel, &input.id, Ok(plain(input.version, input.note))).await
    }

    /// The supplier refuses to cancel.
    async fn ill_reject_cancel(&self, ctx: &Context<'_>, input: IllActionInput) -> Result<IllRequest> {
        act(ctx, "illRejectCancel", Action::RejectCancel, &input.id, Ok(plain(input.version, input.note))).await
    }

    /// The supplier agrees to a renewal, with the new due date.
    async fn ill_accept_renew(&self, ctx: &Context<'_>, input: IllRenewAnswerInput) -> Result<IllRequest> {
        let action = ActionInput { due_date: input.due_date, ..plain(input.version, input.note) };
        act(ctx, "illAcceptRenew", Action::AcceptRenew, &input.id, Ok(action)).await
    }

    /// The supplier refuses a renewal.
    async fn ill_reject_renew(&self, ctx: &Context<'_>, input: IllActionInput) -> Result<IllRequest> {
        act(ctx, "illRejectRenew", Action::RejectRenew, &input.id, Ok(plain(input.version, input.note))).await
    }

    // The requester's actions.

    /// The requester asks to cancel (at once when the supplier said a retry is possible).
    async fn ill_cancel(&self, ctx: &Context<'_>, input: IllActionInput) -> Result<IllRequest> {
        act(ctx, "illCancel", Action::Cancel, &input.id, Ok(plain(input.version, input.note))).await
    }

    /// The requester accepts the supplier's conditions.
    async fn ill_accept_conditions(&self, ctx: &Context<'_>, input: IllActionInput) -> Result<IllRequest> {
        act(ctx, "illAcceptConditions", Action::AcceptConditions, &input.id, Ok(plain(input.version, input.note))).await
    }

    /// The requester has received the loan.
    async fn ill_received(&self, ctx: &Context<'_>, input: IllActionInput) -> Result<IllRequest> {
        act(ctx, "illReceived", Action::Received, &input.id, Ok(plain(input.version, input.note))).await
    }

    /// The requester asks to keep the loan longer.
    async fn ill_renew(&self, ctx: &Context<'_>, input: IllActionInput) -> Result<IllRequest> {
        act(ctx, "illRenew", Action::Renew, &input.id, Ok(plain(input.version, input.note))).await
    }

    /// The requester has sent the loan back.
    async fn ill_shipped_return(&self, ctx: &Context<'_>, input: IllActionInput) -> Result<IllRequest> {
        act(ctx, "illShippedReturn", Action::ShippedReturn, &input.id, Ok(plain(input.version, input.note))).await
    }

    /// The requester has sent the loan on to another library.
    async fn ill_shipped_forward(&self, ctx: &Context<'_>, input: IllActionInput) -> Result<IllRequest> {
        act(ctx, "illShippedForward", Action::ShippedForward, &input.id, Ok(plain(input.version, input.note))).await
    }

    /// The requester asks the supplier's system for the request's status.
    async fn ill_status_request(&self, ctx: &Context<'_>, input: IllActionInput) -> Result<IllRequest> {
        act(ctx, "illStatusRequest", Action::StatusRequest, &input.id, Ok(plain(input.version, input.note))).await
    }

    /// Either side sends a note.
    async fn ill_notify(&self, ctx: &Context<'_>, input: IllActionInput) -> Result<IllRequest> {
        act(ctx, "illNotify", Action::Notification, &input.id, Ok(plain(input.version, input.note))).await
    }
}
