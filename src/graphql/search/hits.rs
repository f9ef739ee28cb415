//! The hits of a results page: each with its document and what matched in it.

use std::collections::HashMap;

use async_graphql::{Context, Result};

use super::output::{SearchHighlights, SearchHit};
use crate::document::{self, Document};
use crate::error::Error;
use crate::graphql::error::GqlResultExt;
use crate::graphql::pool;
use crate::search::SearchIndex;
use crate::search::query::ParsedQuery;
use crate::search::searcher::Hit;

/// The hits as the page shows them, with their place in the result.
///
/// Documents come from the index's copies (asked for in the search request); one without a
/// copy is read from PostgreSQL, and a hit whose document was deleted meanwhile is left out.
/// Highlights are marked only when selected: by the search for the copies it read, here for
/// the documents read from PostgreSQL.
pub(super) async fn show_hits(
    ctx: &Context<'_>,
    index: &SearchIndex,
    query: &ParsedQuery,
    corrections: &[String],
    hits: Vec<Hit>,
    wants_documents: bool,
    wants_highlights: bool,
) -> Result<Vec<(usize, SearchHit)>> {
    let missing: Vec<i64> = if wants_documents {
        hits.iter().filter(|h| h.document.is_none()).map(|h| h.document_id).collect()
    } else {
        Vec::new()
    };
    let read = if missing.is_empty() { Vec::new() } else { document::db::get_many(pool(ctx), &missing).await.gql()? };
    let mut read: HashMap<i64, Document> = read.into_iter().map(|d| (d.id, d)).collect();
    let shown: Vec<(usize, Hit, Option<Document>)> = hits
        .into_iter()
        .enumerate()
        .filter_map(|(i, mut hit)| match hit.document.take().or_else(|| read.remove(&hit.document_id)) {
            Some(document) => Some((i, hit, Some(document))),
            None => (!wants_documents).then_some((i, hit, None)),
        })
        .collect();
    // The search marked the copies it read; only documents read from PostgreSQL here are
    // still to be marked.
    let unmarked: Vec<(String, Option<String>)> = if wants_highlights {
        shown
            .iter()
            .filter(|(_, hit, _)| hit.highlights.is_none())
            .filter_map(|(_, _, d)| d.as_ref())
            .map(|d| (d.description.title.clone(), d.description.abstract_text.clone()))
            .collect()
    } else {
        Vec::new()
    };
    let mut marked_here = if unmarked.is_empty() {
        Vec::new()
    } else {
        index.highlight(query.clone(), corrections.to_vec(), unmarked).await.map_err(Error::from).gql()?
    }
    .into_iter();
    Ok(shown
        .into_iter()
        .map(|(i, hit, document)| {
            let marked = match (hit.highlights, &document) {
                (Some(marked), _) => marked,
                (None, Some(_)) if wants_highlights => marked_here.next().unwrap_or_default(),
                _ => Default::default(),
            };
            let shown = SearchHit {
                document_id: hit.document_id,
                document,
                score: f64::from(hit.score),
                highlights: SearchHighlights { title: marked.title, abstract_text: marked.abstract_text },
            };
            (i, shown)
        })
        .collect())
}
