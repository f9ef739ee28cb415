//! Runs the service: serves the router of [`crate::http`] until SIGINT/SIGTERM and lets
//! in-flight requests finish.

use std::net::SocketAddr;

pub use crate::http::{AppState, router};

/// Serves until `shutdown` resolves, then stops accepting and waits for in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    crate::ill::start_workers(&state.pool, &state.ill);
    axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}

/// Listens for SIGINT (Ctrl-C) and SIGTERM from the moment it is called; the future resolves
/// on either. Call it before saying the server is ready: until a handler is installed, a
/// signal kills the process at once, without stopping the embedded PostgreSQL.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let interrupt = signal(SignalKind::interrupt());
    let terminate = signal(SignalKind::terminate());
    async move {
        let received = |stream: std::io::Result<tokio::signal::unix::Signal>| async move {
            match stream {
                Ok(mut stream) => {
                    stream.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            () = received(interrupt) => {},
            () = received(terminate) => {},
        }
        tracing::info!("shutting down: finishing in-flight requests");
    }
}
