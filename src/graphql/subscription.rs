//! Subscriptions, over WebSocket (`/graphql/ws`, the `graphql-transport-ws` protocol).

use async_graphql::{Context, ID, Result, Subscription};
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

use super::access::Denial;
use super::error::GqlResultExt;
use super::id::{self, NodeKind};
use super::loaders::{ById, DeliveriesOfIllRequest, EndpointOfPartner, EventsOfIllRequest, Loaders};
use super::{pool, viewer};
use crate::access::Visible;
use crate::ill::IllRequest;
use crate::ill::updates::Updates;

#[derive(Default)]
pub struct Subscription;

#[Subscription]
impl Subscription {
    /// Every change to an interlibrary loan request, as it happens: to the request `id`, or
    /// to `partner`'s requests, or to all the requests the caller may see. A partner's token
    /// hears of its own requests only.
    async fn ill_request_updated(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        partner: Option<ID>,
    ) -> Result<impl Stream<Item = Result<IllRequest>> + use<>> {
        let viewer = viewer(ctx).clone();
        if viewer.partner().is_none() && !viewer.is_staff() {
            let denial = if viewer.token.is_some() { Denial::Forbidden } else { Denial::Unauthenticated };
            return Err(denial.error("`illRequestUpdated`"));
        }
        let id = id.map(|id| id::decode_as("id", &id, NodeKind::IllRequest)).transpose().gql()?;
        let partner = partner.map(|p| id::decode_as("partner", &p, NodeKind::Partner)).transpose().gql()?;
        let scope = viewer.scope();
        let pool = pool(ctx).clone();
        let loaders = ctx.data_opt::<Loaders>().cloned();
        let mut updates = ctx.data::<Updates>()?.subscribe();
        Ok(async_stream::stream! {
            loop {
                let update = match updates.recv().await {
                    Ok(update) => update,
                    // Missed updates are missed; the next ones still come.
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => break,
                };
                if id.is_some_and(|id| id != update.request_id) || partner.is_some_and(|p| p != update.partner_id) {
                    continue;
                }
                let request = match crate::ill::db::get_many(&pool, &[update.request_id]).await {
                    Ok(mut rows) => rows.pop(),
                    Err(err) => {
                        yield Err(err).gql();
                        continue;
                    }
                };
                let Some(request) = request.filter(|r| r.visible_to(scope)) else { continue };
                // The connection's loaders would answer nested fields from what they saw
                // for an earlier update.
                if let Some(loaders) = &loaders {
                    forget(loaders);
                }
                yield Ok(request);
            }
        })
    }
}

fn forget(loaders: &Loaders) {
    loaders.clear::<ById<IllRequest>>();
    loaders.clear::<ById<crate::holding::Holding>>();
    loaders.clear::<super::loaders::Children<EventsOfIllRequest>>();
    loaders.clear::<super::loaders::Children<DeliveriesOfIllRequest>>();
    loaders.clear::<super::loaders::Children<EndpointOfPartner>>();
}
