//! Who is calling: `Authorization: Bearer hamkor_<id>_<secret>` names a token, checked
//! against its stored hash in constant time. No header means an anonymous caller; a header
//! that does not name a valid token (malformed, unknown, expired, revoked) is answered
//! `401` with `UNAUTHENTICATED`, never treated as anonymous.
//!
//! Tokens are checked through `token::cache::TokenCache`, so a request costs no database
//! round trip.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::Shared;
use super::errors::error_response;
use super::limits::Caller;
use crate::access::Viewer;

/// `401 Unauthenticated` with a JSON error and the challenge of RFC 6750.
fn unauthenticated(message: &str) -> Response {
    let mut response = error_response(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", message);
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(r#"Bearer realm="hamkor", error="invalid_token""#));
    response
}

/// Names the caller of every request: its token's role, or anonymous.
pub async fn authenticate(State(state): State<Shared>, mut request: Request, next: Next) -> Response {
    let address = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let probe = matches!(request.uri().path(), "/healthz" | "/readyz" | "/metrics");
    let header = request.headers().get(header::AUTHORIZATION).map(|v| v.to_str().map(str::to_owned));
    let viewer = match (probe, header) {
        (true, _) | (false, None) => Viewer::anonymous(address),
        (false, Some(value)) => {
            let Some(bearer) =
                value.ok().as_deref().and_then(|v| v.strip_prefix("Bearer ")).map(str::trim).map(str::to_owned)
            else {
                return unauthenticated("the Authorization header must be `Bearer <token>`");
            };
            match state.tokens.check(&state.pool, &bearer).await {
                Ok(Some(token)) => {
                    Viewer { role: token.acts_as(), token: Some((token.id, token.name)), address, cli_user: None }
                }
                Ok(None) => return unauthenticated("the token is not valid: unknown, expired or revoked"),
                Err(err) => {
                    tracing::warn!(error = %err, "cannot check a token");
                    state.health.report_unavailable();
                    return error_response(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "SERVICE_UNAVAILABLE",
                        "tokens cannot be checked right now; try again in a few seconds",
                    );
                }
            }
        }
    };
    let caller = match &viewer.token {
        Some((id, _)) => Caller(format!("token:{id}")),
        None => Caller::from_address(address.unwrap_or(IpAddr::from([0, 0, 0, 0]))),
    };
    request.extensions_mut().insert(viewer);
    request.extensions_mut().insert(caller);
    next.run(request).await.into_response()
}
