//! What a page's rows will ask for, loaded with the page.
//!
//! A list's rows resolve their nested fields (a partner's agreements, a document's copies)
//! through the request's loaders, which wait a batching window for every key of a level
//! before they run one statement. The list resolver already knows the rows and, from the
//! query, which nested fields are selected: it loads those for the whole page at once, and
//! the nested fields find them in the loaders' cache without waiting.

use std::future::Future;

use async_graphql::{Context, Result};

use super::error::GqlResultExt;
use super::loaders::{
    AgreementsOfPartner, EventsOfExchange, HoldingsOfDocument, LinesOfExchange, Loaders, PartnershipsOfPartner,
    PartnershipsOfProject, prefetch, prefetch_children,
};
use crate::agreement::Agreement;
use crate::audit::AuditEvent;
use crate::document::Document;
use crate::document::db::{BRIEF_FIELDS, BRIEF_SELECT};
use crate::document::import::db::{ChangeRecord, ImportRecord};
use crate::document::import::{Rejection, Warning};
use crate::exchange::Exchange;
use crate::holding::Holding;
use crate::ill::IllRequest;
use crate::partner::Partner;
use crate::project::Project;
use crate::token::Token;

/// The rows of a list, with the nested fields worth loading for a page of them.
pub(crate) trait Prefetch: Sized + Sync {
    /// Loads, for all of `rows`, the nested fields the connection's selection asks for.
    fn prefetch<'a>(ctx: &'a Context<'_>, rows: &'a [Self]) -> impl Future<Output = Result<()>> + Send + 'a;

    /// A statement lighter than the listing's own that gives every field the connection's
    /// selection shows, when there is one.
    fn lighter_select(_ctx: &Context<'_>) -> Option<&'static str> {
        None
    }
}

/// Whether the connection field being resolved selects `field` on its rows, through
/// `nodes` or `edges { node }` (fragments included).
fn selects(ctx: &Context<'_>, field: &str) -> bool {
    let look_ahead = ctx.look_ahead();
    look_ahead.field("nodes").field(field).exists() || look_ahead.field("edges").field("node").field(field).exists()
}

fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}

/// The rows have no nested field worth loading ahead.
macro_rules! nothing_to_prefetch {
    ($($row:ty),*) => {$(
        impl Prefetch for $row {
            async fn prefetch(_: &Context<'_>, _: &[Self]) -> Result<()> {
                Ok(())
            }
        }
    )*};
}

nothing_to_prefetch!(AuditEvent, Token, ImportRecord, Rejection, Warning, ChangeRecord);

impl Prefetch for Partner {
    async fn prefetch(ctx: &Context<'_>, rows: &[Self]) -> Result<()> {
        let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
        let (agreements, projects) = tokio::join!(
            async {
                if selects(ctx, "agreements") {
                    prefetch_children::<AgreementsOfPartner>(loaders(ctx), &ids).await?;
                }
                Ok(())
            },
            async {
                if selects(ctx, "projects") {
                    prefetch_children::<PartnershipsOfPartner>(loaders(ctx), &ids).await?;
                }
                Ok(())
            }
        );
        agreements.and(projects).gql()
    }
}

impl Prefetch for Document {
    fn lighter_select(ctx: &Context<'_>) -> Option<&'static str> {
        let look_ahead = ctx.look_ahead();
        let mut nodes = look_ahead.field("nodes").selection_fields();
        nodes.extend(look_ahead.field("edges").field("node").selection_fields());
        let brief = nodes.iter().flat_map(|node| node.selection_set()).all(|f| BRIEF_FIELDS.contains(&f.name()));
        brief.then_some(BRIEF_SELECT)
    }

    async fn prefetch(ctx: &Context<'_>, rows: &[Self]) -> Result<()> {
        let ids: Vec<i64> = rows.iter().map(|d| d.id).collect();
        let partners: Vec<i64> = rows.iter().filter_map(|d| d.origin_partner_id).collect();
        let (holdings, origins) = tokio::join!(
            async {
                if selects(ctx, "holdings") {
                    prefetch_children::<HoldingsOfDocument>(loaders(ctx), &ids).await?;
                }
                Ok(())
            },
            async {
                if selects(ctx, "originPartner") {
                    prefetch::<Partner>(loaders(ctx), &partners).await?;
                }
                Ok(())
            }
        );
        holdings.and(origins).gql()
    }
}

impl Prefetch for Agreement {
    async fn prefetch(ctx: &Context<'_>, rows: &[Self]) -> Result<()> {
        if selects(ctx, "partner") {
            let partners: Vec<i64> = rows.iter().map(|a| a.partner_id).collect();
            prefetch::<Partner>(loaders(ctx), &partners).await.gql()?;
        }
        Ok(())
    }
}

impl Prefetch for Project {
    async fn prefetch(ctx: &Context<'_>, rows: &[Self]) -> Result<()> {
        if selects(ctx, "partners") {
            let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
            prefetch_children::<PartnershipsOfProject>(loaders(ctx), &ids).await.gql()?;
        }
        Ok(())
    }
}

impl Prefetch for Holding {
    async fn prefetch(ctx: &Context<'_>, rows: &[Self]) -> Result<()> {
        if selects(ctx, "document") {
            let documents: Vec<i64> = rows.iter().map(|h| h.document_id).collect();
            prefetch::<Document>(loaders(ctx), &documents).await.gql()?;
        }
        Ok(())
    }
}

impl Prefetch for Exchange {
    async fn prefetch(ctx: &Context<'_>, rows: &[Self]) -> Result<()> {
        let ids: Vec<i64> = rows.iter().map(|e| e.id).collect();
        let partners: Vec<i64> = rows.iter().map(|e| e.partner_id).collect();
        let (lines, events, partner) = tokio::join!(
            async {
                if selects(ctx, "lines") {
                    prefetch_children::<LinesOfExchange>(loaders(ctx), &ids).await?;
                }
                Ok(())
            },
            async {
                if selects(ctx, "history") {
                    prefetch_children::<EventsOfExchange>(loaders(ctx), &ids).await?;
                }
                Ok(())
            },
            async {
                if selects(ctx, "partner") {
                    prefetch::<Partner>(loaders(ctx), &partners).await?;
                }
                Ok(())
            }
        );
        lines.and(events).and(partner).gql()
    }
}

impl Prefetch for IllRequest {
    async fn prefetch(ctx: &Context<'_>, rows: &[Self]) -> Result<()> {
        if selects(ctx, "partner") {
            let partners: Vec<i64> = rows.iter().map(|r| r.partner_id).collect();
            prefetch::<Partner>(loaders(ctx), &partners).await.gql()?;
        }
        Ok(())
    }
}
