//! The HTTP surface: `/graphql`, health and readiness probes, Prometheus metrics, exports,
//! the state every handler shares, and the middleware that gives every request an id and
//! one log line.

pub mod auth;
pub mod errors;
pub mod export;
pub mod graphiql;
pub mod graphql;
pub mod iso18626;
pub mod limits;
pub mod oai;
pub mod parsed;
pub mod subscriptions;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use sqlx::PgPool;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tracing::Instrument;

use self::limits::RateLimits;
use crate::db::cluster::Restarter;
use crate::db::health::DbHealth;
use crate::graphql::cost::CostModel;
use crate::graphql::{HamkorSchema, build_schema};
use crate::search::SearchIndex;
use crate::telemetry::Metrics;

/// The id of one HTTP request: taken from a sane `X-Request-Id` header or generated. It is
/// in every log line of the request and in the `requestId` of internal errors.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// The GraphQL operation a response answered, for the request's log line.
#[derive(Clone, Debug)]
pub struct OperationLabel(pub String);

const REQUEST_ID_HEADER: &str = "x-request-id";

/// A request body larger than this is refused (413) before it is read.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The default batching window of the loaders (see `graphql::loaders::for_request`).
pub const DEFAULT_BATCH_WINDOW: Duration = Duration::from_millis(2);

/// How a server faces its clients; `Default` is what `hamkor serve` does without flags.
#[derive(Clone, Debug)]
pub struct HttpOptions {
    /// Origins whose browser pages may call the API (CORS); none by default.
    pub cors_origins: Vec<HeaderValue>,
    /// Each caller's budget in cost units per minute; 0 turns rate limits off.
    pub rate_limit_per_minute: u32,
    /// Whether `__schema` and `__type` are answered.
    pub introspection: bool,
    /// Whether a browser opening `/graphql` gets GraphiQL.
    pub graphiql: bool,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            cors_origins: Vec::new(),
            rate_limit_per_minute: limits::DEFAULT_PER_MINUTE,
            introspection: true,
            graphiql: true,
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub schema: HamkorSchema,
    pub cost: Arc<CostModel>,
    pub pool: PgPool,
    pub search: SearchIndex,
    pub health: DbHealth,
    pub tokens: Arc<crate::token::cache::TokenCache>,
    /// Partners as results pages show them (see [`crate::partner::recent`]).
    pub recent_partners: Arc<crate::partner::recent::RecentPartners>,
    /// Documents parsed before, by their text.
    pub parsed: Arc<parsed::ParsedDocuments>,
    pub limits: Option<Arc<RateLimits>>,
    pub options: Arc<HttpOptions>,
    pub metrics: Metrics,
    pub batch_window: Duration,
    pub ill: Arc<crate::ill::IllOptions>,
    /// Changes to interlibrary loan requests, for subscriptions.
    pub ill_updates: crate::ill::updates::Updates,
    /// How the OAI-PMH provider names itself.
    pub oai: Arc<crate::document::oai::OaiOptions>,
}

/// The state as handlers get it: one reference-counted copy for every request, so that a
/// request does not clone each of the state's own handles (three times, for the rate limit,
/// the authentication and the handler).
pub type Shared = Arc<AppState>;

impl AppState {
    /// The state of a server on `pool`, with the default options; starts watching the
    /// database (until the pool is closed).
    pub fn new(pool: PgPool, search: SearchIndex) -> Self {
        Self::watching(pool, search, None)
    }

    /// Like [`AppState::new`]; `restarter` starts hamkor's embedded PostgreSQL again if it
    /// stops while the server runs.
    pub fn watching(pool: PgPool, search: SearchIndex, restarter: Option<Restarter>) -> Self {
        let schema = build_schema();
        let cost = Arc::new(CostModel::from_sdl(&schema.sdl()));
        let health = DbHealth::default();
        health.watch(pool.clone(), restarter);
        let tokens = Arc::new(crate::token::cache::TokenCache::default());
        tokens.listen(pool.clone());
        let options = HttpOptions::default();
        let ill_updates = crate::ill::updates::Updates::default();
        ill_updates.listen(pool.clone());
        AppState {
            schema,
            cost,
            pool,
            search,
            health,
            tokens,
            recent_partners: Arc::default(),
            parsed: Arc::default(),
            limits: RateLimits::per_minute(options.rate_limit_per_minute).map(Arc::new),
            options: Arc::new(options),
            metrics: Metrics::global(),
            batch_window: DEFAULT_BATCH_WINDOW,
            ill: Arc::new(crate::ill::IllOptions::default()),
            ill_updates,
            oai: Arc::new(crate::document::oai::OaiOptions::default()),
        }
    }

    pub fn with_oai(self, oai: crate::document::oai::OaiOptions) -> Self {
        AppState { oai: Arc::new(oai), ..self }
    }

    pub fn with_ill(self, ill: crate::ill::IllOptions) -> Self {
        AppState { ill: Arc::new(ill), ..self }
    }

    pub fn with_batch_window(self, batch_window: Duration) -> Self {
        AppState { batch_window, ..self }
    }

    pub fn with_options(self, options: HttpOptions) -> Self {
        AppState {
            limits: RateLimits::per_minute(options.rate_limit_per_minute).map(Arc::new),
            options: Arc::new(options),
            ..self
        }
    }
}

/// Browsers on the configured origins may call `/graphql` and the exports; preflights are
/// answered for every origin, with the CORS headers only for the configured ones.
fn cors(origins: &[HeaderValue]) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins.iter().cloned()))
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::AUTHORIZATION,
            HeaderName::from_static(REQUEST_ID_HEADER),
        ])
        .expose_headers([header::RETRY_AFTER, HeaderName::from_static(REQUEST_ID_HEADER)])
        .max_age(Duration::from_secs(3600))
}

/// Every route, with the layers every request passes through (outermost last).
pub fn router(state: AppState) -> Router {
    let forget = state.limits.clone();
    if let Some(limits) = forget {
        // Callers whose budget is full again need no memory.
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(60));
            loop {
                every.tick().await;
                if Arc::strong_count(&limits) == 1 {
                    break;
                }
                limits.forget_idle();
            }
        });
    }
    let state: Shared = Arc::new(state);
    Router::new()
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/graphql/ws", get(subscriptions::upgrade))
        .route("/oai", get(oai::get).post(oai::post))
        .route("/iso18626", axum::routing::post(iso18626::receive))
        .route("/documents/{file}", get(export::document))
        .route("/documents.{format}", get(export::many))
        .fallback(errors::not_found)
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(|request, next| errors::time_limit(REQUEST_TIMEOUT, request, next)))
        .layer(axum::middleware::from_fn_with_state(state.clone(), limits::rate_limit))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::authenticate))
        .layer(cors(&state.options.cors_origins))
        .layer(axum::middleware::from_fn(errors::json_errors))
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
async fn readyz(State(state): State<Shared>) -> Response {
    let search = json!({ "writer": state.search.status(), "writerRestarts": state.search.writer_restarts() });
    if let Some(since) = state.health.down_since() {
        let body = json!({ "status": "not ready", "reason": "database unreachable", "since": since, "search": search });
        return (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
    }
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

async fn metrics(State(state): State<Shared>) -> Response {
    state.metrics.record_pool(&state.pool);
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"))],
        state.metrics.render(),
    )
        .into_response()
}
