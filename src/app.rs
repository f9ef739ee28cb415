//! Builds the service: the axum router with its shared state and layers, and `serve`,
//! which runs it until SIGINT/SIGTERM and lets in-flight requests finish.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
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

pub fn router(state: AppState) -> Router {
    crate::http::router()
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::SERVICE_UNAVAILABLE, REQUEST_TIMEOUT))
        .layer(axum::middleware::from_fn(crate::http::request_context))
        .with_state(state)
}

/// Serves until `shutdown` resolves, then stops accepting and waits for in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
