//! `GET /documents/{id}.{format}`: a document as MARCXML (`marcxml`), Dublin Core (`dc`),
//! BibTeX (`bib`), RIS (`ris`) or CSL-JSON (`json`), for reference managers and harvesters.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::Shared;
use crate::document::export::{self, ExportFormat};
use crate::error::Error;
use crate::global_id::{self, NodeKind};

pub async fn document(State(state): State<Shared>, Path(file): Path<String>) -> Response {
    let Some((id_text, extension)) = file.rsplit_once('.') else {
        return problem(StatusCode::NOT_FOUND, "use /documents/{id}.{marcxml|dc|bib|ris|json}");
    };
    let Some(format) = ExportFormat::from_extension(extension) else {
        return problem(StatusCode::NOT_FOUND, "unknown format; use marcxml, dc, bib, ris or json");
    };
    let raw = match global_id::decode_as("id", id_text, NodeKind::Document) {
        Ok(raw) => raw,
        Err(err) => return problem(StatusCode::BAD_REQUEST, &err.to_string()),
    };
    let document = match state.pool.acquire().await {
        Ok(mut conn) => crate::document::db::get_with_record(&mut conn, raw).await,
        Err(err) => Err(Error::from(err)),
    };
    let document = match document {
        Ok(document) => document,
        Err(Error::NotFound { .. }) => return problem(StatusCode::NOT_FOUND, "no document has this id"),
        Err(err) => {
            tracing::error!(error = %err, "export failed");
            return problem(StatusCode::INTERNAL_SERVER_ERROR, "internal error");
        }
    };
    match export::render(&document, format, id_text) {
        Ok(body) => {
            let disposition = format!("inline; filename=\"{id_text}.{}\"", format.extension());
            let mut response = (StatusCode::OK, body).into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.media_type()));
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(err) => {
            tracing::error!(error = %err, "export failed");
            problem(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
    }
}

fn problem(status: StatusCode, message: &str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{message}\n")).into_response()
}

/// `GET /documents.{format}?language=uzb&year_from=1990&partner=ID…`: every document the
/// filters select (the filters of `documents`), in one file, streamed page by page so that
/// a large export holds neither the catalogue nor the file in memory. At most `max`
/// documents (default and limit 100,000).
pub async fn many(
    State(state): State<Shared>,
    Path(extension): Path<String>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    let Some(format) = ExportFormat::from_extension(&extension) else {
        return problem(StatusCode::NOT_FOUND, "unknown format; use marcxml, dc, bib, ris or json");
    };
    let (filter, max) = match export_filter(query.as_deref().unwrap_or("")) {
        Ok(parsed) => parsed,
        Err(message) => return problem(StatusCode::BAD_REQUEST, &message),
    };
    let pool = state.pool.clone();
    let body = async_stream::stream! {
        const PAGE: i64 = 500;
        yield Ok::<_, std::io::Error>(axum::body::Bytes::from_static(export::collection_start(format).as_bytes()));
        let (mut after, mut sent) = (0i64, 0usize);
        while sent < max {
            let limit = PAGE.min((max - sent) as i64);
            let page = match crate::document::db::export_page(&pool, &filter, after, limit).await {
                Ok(page) => page,
                Err(err) => {
                    // Headers are gone: the stream ends short, which clients see as an error.
                    tracing::error!(error = %err, "an export of many documents failed midway");
                    yield Err(std::io::Error::other("the export failed"));
                    return;
                }
            };
            let Some(last) = page.last() else { break };
            after = last.id;
            let mut chunk = String::new();
            for document in &page {
                let id = global_id::encode(NodeKind::Document, document.id);
                chunk.push_str(&export::collection_item(document, format, &id, sent == 0));
                sent += 1;
            }
            yield Ok(axum::body::Bytes::from(chunk));
            if page.len() < limit as usize {
                break;
            }
        }
        yield Ok(axum::body::Bytes::from_static(export::collection_end(format).as_bytes()));
    };
    let disposition = format!("attachment; filename=\"documents.{}\"", format.extension());
    let mut response = (StatusCode::OK, axum::body::Body::from_stream(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.media_type()));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// The filters of an export of many, from its query string: `language` (repeatable),
/// `format`, `year_from`, `year_to`, `partner`, `exchange`, `title`, `isbn`, and `max`.
fn export_filter(query: &str) -> Result<(crate::document::db::DocumentFilter, usize), String> {
    let mut filter = crate::document::db::DocumentFilter::default();
    let mut max = export::MAX_EXPORT_DOCUMENTS;
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let number = |what: &str| {
            value.parse::<i64>().map_err(|_| format!("{what} {} is not a number", crate::error::quoted(&value)))
        };
        match key.as_ref() {
            "language" => filter.languages.push(value.into_owned()),
            "format" => {
                let format = value
                    .to_ascii_lowercase()
                    .parse()
                    .map_err(|_| format!("format {} is not a document format", crate::error::quoted(&value)))?;
                filter.format = Some(format);
            }
            "year_from" => filter.year_from = Some(number("year_from")? as i32),
            "year_to" => filter.year_to = Some(number("year_to")? as i32),
            "partner" => {
                filter.origin_partner_id =
                    Some(global_id::decode_as("partner", &value, NodeKind::Partner).map_err(|e| e.to_string())?)
            }
            "exchange" => {
                filter.exchange_id =
                    Some(global_id::decode_as("exchange", &value, NodeKind::Exchange).map_err(|e| e.to_string())?)
            }
            "title" => filter.title_contains = Some(value.into_owned()),
            "isbn" => filter.isbn = Some(value.into_owned()),
            "max" => {
                let n = number("max")?;
                if n < 1 || n as usize > export::MAX_EXPORT_DOCUMENTS {
                    return Err(format!("max is between 1 and {}", export::MAX_EXPORT_DOCUMENTS));
                }
                max = n as usize;
            }
            other => return Err(format!("{} is not a filter of exports", crate::error::quoted(other))),
        }
    }
    let filter = filter.checked().map_err(|e| e.to_string())?;
    Ok((filter, max))
}
