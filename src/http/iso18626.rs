//! `POST /iso18626`: where partners' interlibrary loan systems send ISO 18626 messages.
//!
//! The caller is a partner's token (`Authorization: Bearer …`); the message's agencies must
//! be this library and that partner. Every message that arrives is answered with the
//! standard's confirmation, as XML with HTTP 200, errors included (`messageStatus` `ERROR`
//! with the standard's error type), as partners' systems expect. Only what is not about the
//! message gets an HTTP error: no token or not a partner's (401/403), a body over the limit
//! (413), the database unavailable (503, to be retried).

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::Shared;
use super::errors::error_response;
use crate::access::Viewer;
use crate::ill::iso18626::{self, ErrorType, Refusal};

fn xml(body: String) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, HeaderValue::from_static("application/xml; charset=utf-8"))], body)
        .into_response()
}

pub async fn receive(State(state): State<Shared>, Extension(viewer): Extension<Viewer>, body: Bytes) -> Response {
    let Some(partner_id) = viewer.partner() else {
        return if viewer.token.is_some() {
            error_response(StatusCode::FORBIDDEN, "FORBIDDEN", "ISO 18626 messages come with a partner's token")
        } else {
            error_response(
                StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                "ISO 18626 messages need the partner's token: send `Authorization: Bearer …`",
            )
        };
    };
    let Ok(text) = std::str::from_utf8(&body) else {
        let refusal = Refusal::new(ErrorType::BadlyFormedMessage, "the message is not UTF-8");
        return xml(iso18626::confirmation("", None, None, Utc::now(), Some(&refusal)));
    };
    match crate::ill::inbound::receive(&state.pool, &state.ill.agency, partner_id, text).await {
        Ok(confirmation) => xml(confirmation),
        Err(err) => super::errors::failure_response(&state, &err, "applying an ISO 18626 message"),
    }
}
