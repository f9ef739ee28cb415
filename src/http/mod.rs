//! The HTTP surface: `/graphql`, health and readiness probes, Prometheus metrics, exports,
//! the state every handler shares, and the middleware that gives every request an id and
//! one log line.

pub mod export;
pub mod graphql;

use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use tracing::Instrument;

use sqlx::PgPool;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::graphql::{HamkorSchema, build_schema};
use crate::search::SearchIndex;
use crate::telemetry::Metrics;

/// A request body larger than this is refused (413) before it is read.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The default batching window of the loaders (see `graphql::loaders::for_request`).
pub const DEFAULT_BATCH_WINDOW: Duration = Duration::from_millis(2);

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub schema: HamkorSchema,
    pub pool: PgPool,
    pub search: SearchIndex,
    pub metrics: Metrics,
    pub batch_window: Duration,
}

impl AppState {
    pub fn new(pool: PgPool, search: SearchIndex) -> Self {
        AppState {
            schema: build_schema(),
            pool,
            search,
            metrics: Metrics::global(),
            batch_window: DEFAULT_BATCH_WINDOW,
        }
    }

    pub fn with_batch_window(self, batch_window: Duration) -> Self {
        AppState { batch_window, ..self }
    }
}

/// The id of one HTTP request: taken from a sane `X-Request-Id` header or generated. It is
/// in every log line of the request and in the `requestId` of internal errors.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// The GraphQL operation a response answered, for the request's log line.
#[derive(Clone, Debug)]
pub struct OperationLabel(pub String);

const REQUEST_ID_HEADER: &str = "x-request-id";

/// Every route, with the layers every request passes through.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/documents/{file}", get(export::document))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, REQUEST_TIMEOUT))
        .layer(axum::middleware::from_fn(request_context))
        .with_state(state)
}

/// Gives the request an id, runs it inside a span that carries the id, and logs one line
/// when it is done.
pub async fn request_context(mut request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty() && v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
    request.extensions_mut().insert(RequestId(id.clone()));
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let span = tracing::info_span!("request", request_id = %id);
    let started = Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    let operation = response.extensions().get::<OperationLabel>().map(|o| o.0.clone());
    span.in_scope(|| {
        tracing::info!(
            %method,
            path,
            status = response.status().as_u16(),
            duration_ms = started.elapsed().as_secs_f64() * 1000.0,
            operation = operation.as_deref().unwrap_or("-"),
            "request"
        );
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

/// The process is alive.
async fn healthz() -> &'static str {
    "ok"
}

/// The database answers and every migration of this binary is applied. The search index
/// writer's state is detail: while it fails, searches still answer from the last commit.
async fn readyz(State(state): State<AppState>) -> Response {
    let search = json!({ "writer": state.search.status(), "writerRestarts": state.search.writer_restarts() });
    let (status, body) = match crate::db::migrations_applied(&state.pool).await {
        Ok(true) => (StatusCode::OK, json!({ "status": "ready", "search": search })),
        Ok(false) => (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({ "status": "not ready", "reason": "database migrations are not applied", "search": search }),
        ),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                json!({ "status": "not ready", "reason": "database unreachable", "search": search }),
            )
        }
    };
    (status, Json(body)).into_response()
}

async fn metrics(State(state): State<AppState>) -> Response {
    state.metrics.record_pool(&state.pool);
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"))],
        state.metrics.render(),
    )
        .into_response()
}
