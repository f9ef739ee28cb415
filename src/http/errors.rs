//! Every HTTP error is JSON with a code, in the shape of a GraphQL error, whatever produced
//! it: a handler, the router (unknown route, wrong method), a body over the limit, a request
//! that took too long.

use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// `{"errors":[{"message": …, "extensions": {"code": …}}]}` with `status`.
pub fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"))], body.to_string())
        .into_response()
}

/// The code and message of an error status answered without a JSON body.
fn describe(status: StatusCode) -> (&'static str, &'static str) {
    match status {
        StatusCode::BAD_REQUEST => ("BAD_REQUEST", "the request is malformed"),
        StatusCode::NOT_FOUND => ("NOT_FOUND", "nothing is served here; the API is at /graphql"),
        StatusCode::METHOD_NOT_ALLOWED => ("METHOD_NOT_ALLOWED", "this method is not allowed here"),
        StatusCode::PAYLOAD_TOO_LARGE => ("PAYLOAD_TOO_LARGE", "the request body is larger than the server accepts"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ("UNSUPPORTED_MEDIA_TYPE", "the request body's content type is not accepted")
        }
        StatusCode::TOO_MANY_REQUESTS => ("RATE_LIMITED", "too many requests"),
        StatusCode::SERVICE_UNAVAILABLE => ("SERVICE_UNAVAILABLE", "the service is unavailable; try again shortly"),
        s if s.is_server_error() => ("INTERNAL_SERVER_ERROR", "internal error"),
        _ => ("BAD_REQUEST", "the request cannot be answered"),
    }
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json") || ct.starts_with("application/graphql-response+json"))
}

/// Turns every error answer that is not JSON yet into JSON with a code; keeps its status
/// and headers (`Allow`, `Retry-After`).
pub async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(&response) {
        return response;
    }
    let (code, message) = describe(status);
    let (mut parts, _) = response.into_parts();
    let replacement = error_response(status, code, message);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    let (_, body) = replacement.into_parts();
    Response::from_parts(parts, Body::new(body))
}

/// A request still running after `limit` is answered `503` with the code `TIMEOUT`.
pub async fn time_limit(limit: Duration, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "TIMEOUT",
            &format!("the request took longer than {} s and was stopped", limit.as_secs()),
        ),
    }
}

/// Unknown routes.
pub async fn not_found() -> Response {
    let (code, message) = describe(StatusCode::NOT_FOUND);
    error_response(StatusCode::NOT_FOUND, code, message)
}

/// The answer to a handler's failure outside GraphQL (the ISO 18626 and OAI-PMH endpoints):
/// 503 with `Retry-After` when the database is unavailable (the caller retries), else 500
/// with the failure logged under `what`.
pub fn failure_response(state: &super::AppState, err: &crate::error::Error, what: &str) -> Response {
    use crate::error::Error;
    let unavailable =
        matches!(err, Error::Unavailable(_)) || matches!(err, Error::Database(e) if crate::error::is_unavailable(e));
    if unavailable {
        state.health.report_unavailable();
        let mut response = error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVICE_UNAVAILABLE",
            "the database is unavailable right now; try again in a few seconds",
        );
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        return response;
    }
    tracing::error!(error = %err, "{what} failed");
    error_response(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_SERVER_ERROR", "internal error")
}
