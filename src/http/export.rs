//! `GET /documents/{id}.{format}`: a document as MARCXML (`marcxml`), Dublin Core (`dc`),
//! BibTeX (`bib`), RIS (`ris`) or CSL-JSON (`json`), for reference managers and harvesters.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::document::export::{self, ExportFormat};
use crate::error::Error;
use crate::global_id::{self, NodeKind};

pub async fn document(State(state): State<AppState>, Path(file): Path<String>) -> Response {
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
