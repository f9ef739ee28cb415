//! `GET /oai` and `POST /oai` (a form body): the OAI-PMH 2.0 provider, public like the
//! catalogue. The protocol is `document::oai`; this collects the arguments in the order
//! they came, repetitions included (the protocol answers a repeated argument with an
//! error, so they cannot go through a map), and names the base URL.
//!
//! Every request gets an OAI-PMH document with HTTP 200, protocol errors included. Only a
//! failing database is an HTTP error (503 with `Retry-After` when it is unreachable, else
//! 500), in the JSON shape of every other HTTP error.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{AppState, Shared};
use crate::document::oai;

pub async fn get(State(state): State<Shared>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let arguments = pairs(query.as_deref().unwrap_or_default().as_bytes());
    answer(&state, &headers, &arguments).await
}

/// The protocol's POST: the arguments as `application/x-www-form-urlencoded`. A body in
/// another shape is read the same way and answered by what it turns out to hold
/// (`badVerb`, most likely).
pub async fn post(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    answer(&state, &headers, &pairs(&body)).await
}

fn pairs(encoded: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(encoded).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

/// The URL the request came to: its `Host` (when it is a plausible host name) under the
/// scheme a proxy reports in `X-Forwarded-Proto`.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty() && h.len() <= 255 && h.chars().all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
        })
        .unwrap_or("localhost");
    let https = headers.get("x-forwarded-proto").is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    format!("{}://{host}/oai", if https { "https" } else { "http" })
}

async fn answer(state: &AppState, headers: &HeaderMap, arguments: &[(String, String)]) -> Response {
    match oai::respond(&state.pool, &state.oai, &base_url(headers), arguments).await {
        Ok(body) => {
            (StatusCode::OK, [(header::CONTENT_TYPE, HeaderValue::from_static("text/xml; charset=utf-8"))], body)
                .into_response()
        }
        Err(err) => super::errors::failure_response(state, &err, "an OAI-PMH request"),
    }
}
