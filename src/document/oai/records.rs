//! The items themselves: headers with their sets, records with their metadata, and the
//! verbs that deliver them (GetRecord, ListIdentifiers, ListRecords).

use chrono::Duration;
use sqlx::PgConnection;

use super::db::{self, HeaderRow};
use super::request::ListStart;
use super::token::{self, ListState};
use super::xml::{self, element};
use super::{
    Answer, Context, ErrorCode, IDENTIFIERS_PER_PAGE, MetadataFormat, OaiError, OaiOptions, RECORDS_PER_PAGE,
    Selection, SetSpec, cannot_disseminate, failed, id_does_not_exist, is_language_spec, item, oai_identifier,
};
use crate::document::Document;
use crate::error::Result;
use crate::global_id::{self, NodeKind};

/// The set specs of an item: its partner, its shipments, its languages.
pub(super) fn set_specs(row: &HeaderRow) -> Vec<String> {
    let partner = row.partner_id.map(|id| format!("partner:{}", global_id::encode(NodeKind::Partner, id)));
    let exchanges =
        row.exchange_ids.iter().map(|&id| format!("exchange:{}", global_id::encode(NodeKind::Exchange, id)));
    let languages = row.languages.iter().filter(|c| is_language_spec(c)).map(|code| format!("language:{code}"));
    partner.into_iter().chain(exchanges).chain(languages).collect()
}

fn header(out: &mut String, options: &OaiOptions, row: &HeaderRow) {
    out.push_str(if row.deleted { "<header status=\"deleted\">" } else { "<header>" });
    element(out, "identifier", &oai_identifier(options, row.id));
    element(out, "datestamp", &xml::datestamp(row.stamp));
    for spec in set_specs(row) {
        element(out, "setSpec", &spec);
    }
    out.push_str("</header>");
}

/// A record: the header, and the metadata unless the item was deleted.
fn record(
    out: &mut String,
    options: &OaiOptions,
    format: MetadataFormat,
    row: &HeaderRow,
    document: Option<&Document>,
) -> Result<()> {
    out.push_str("<record>");
    header(out, options, row);
    if let Some(document) = document.filter(|_| !row.deleted) {
        out.push_str("\n<metadata>\n");
        out.push_str(&format.render(document)?);
        out.push_str("</metadata>");
    }
    out.push_str("</record>\n");
    Ok(())
}

pub(super) async fn get_record(
    conn: &mut PgConnection,
    cx: &Context<'_>,
    identifier: &str,
    prefix: &str,
) -> Result<Answer> {
    let row = item(conn, cx, identifier).await?;
    let format = MetadataFormat::from_prefix(prefix);
    let (Some(row), Some(format)) = (&row, format) else {
        let errors = [
            row.is_none().then(|| id_does_not_exist(identifier)),
            format.is_none().then(|| cannot_disseminate(prefix)),
        ];
        return Ok(Err(errors.into_iter().flatten().collect()));
    };
    let documents = if row.deleted { Vec::new() } else { db::documents(conn, &[row.id]).await? };
    let mut out = String::from("<GetRecord>\n");
    record(&mut out, cx.options, format, row, documents.first())?;
    out.push_str("</GetRecord>\n");
    Ok(Ok(out))
}

fn bad_token() -> OaiError {
    OaiError::new(ErrorCode::BadResumptionToken, "the resumption token is not one this repository issued for this verb")
}

/// ListIdentifiers and ListRecords: a first page, or the page after a token's key.
pub(super) async fn list(conn: &mut PgConnection, cx: &Context<'_>, records: bool, start: ListStart) -> Result<Answer> {
    let (state, resumed) = match start {
        ListStart::Resume(text) => match token::decode(&text).filter(|state| state.records == records) {
            Some(state) => (state, true),
            None => return Ok(Err(vec![bad_token()])),
        },
        ListStart::New { prefix, set, from, until } => {
            if MetadataFormat::from_prefix(&prefix).is_none() {
                return Ok(Err(vec![cannot_disseminate(&prefix)]));
            }
            // The cap that ends a harvest: what changes from now on comes with the next one.
            let cap = cx.now + Duration::microseconds(1);
            let until = until.map_or(cap, |until| until.end().min(cap));
            let from = from.map(|from| from.start);
            (ListState { records, prefix, set, from, until, after: None, cursor: 0, complete: 0 }, false)
        }
    };
    let (Some(format), set) = (MetadataFormat::from_prefix(&state.prefix), state.set.as_deref().map(SetSpec::parse))
    else {
        return Ok(Err(vec![bad_token()]));
    };
    let set = match set {
        None => None,
        Some(Some(set)) => Some(set),
        Some(None) if resumed => return Ok(Err(vec![bad_token()])),
        Some(None) => return failed(ErrorCode::NoRecordsMatch, "this repository has no such set"),
    };
    let selection = Selection { set, from: state.from, until: state.until };
    let complete = if resumed { state.complete } else { db::count(conn, &selection).await?.max(0) as u64 };
    if complete == 0 {
        return failed(ErrorCode::NoRecordsMatch, "no item matches the set, from and until of this request");
    }
    let page_size = if records { RECORDS_PER_PAGE } else { IDENTIFIERS_PER_PAGE };
    let mut rows = db::page(conn, &selection, state.after, page_size as i64 + 1).await?;
    if rows.is_empty() {
        return failed(
            ErrorCode::NoRecordsMatch,
            "the rest of this list changed or was deleted since the harvest started: it comes with the next harvest",
        );
    }
    let more = rows.len() > page_size;
    rows.truncate(page_size);
    let delivered = state.cursor.saturating_add(rows.len() as u64);
    let shown_size = complete.max(delivered.saturating_add(u64::from(more)));
    let resumption = match rows.last() {
        Some(last) if more => {
            let next = ListState { after: Some((last.stamp, last.id)), cursor: delivered, complete, ..state.clone() };
            format!(
                "<resumptionToken completeListSize=\"{shown_size}\" cursor=\"{}\">{}</resumptionToken>\n",
                state.cursor,
                token::encode(&next)
            )
        }
        _ if resumed => format!("<resumptionToken completeListSize=\"{shown_size}\" cursor=\"{}\"/>\n", state.cursor),
        _ => String::new(),
    };
    let body = if records {
        let ids: Vec<i64> = rows.iter().filter(|r| !r.deleted).map(|r| r.id).collect();
        let documents = db::documents(conn, &ids).await?;
        let options = cx.options.clone();
        // Rendering a hundred MARC records is CPU work: off the async workers.
        tokio::task::spawn_blocking(move || -> Result<String> {
            let mut out = String::from("<ListRecords>\n");
            for row in &rows {
                let document = documents.iter().find(|d| d.id == row.id);
                record(&mut out, &options, format, row, document)?;
            }
            Ok(out)
        })
        .await??
    } else {
        let mut out = String::from("<ListIdentifiers>\n");
        for row in &rows {
            header(&mut out, cx.options, row);
            out.push('\n');
        }
        out
    };
    let element = if records { "ListRecords" } else { "ListIdentifiers" };
    Ok(Ok(format!("{body}{resumption}</{element}>\n")))
}
