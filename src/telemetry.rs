//! Logs (tracing) and metrics (Prometheus text format).

use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sqlx::PgPool;

#[derive(Clone, Copy, Debug, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Installs the global log subscriber; `RUST_LOG` refines the level (default `info`).
pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    // A log line that cannot be written (stderr is a closed pipe) is dropped: reporting the
    // failure would write to the same closed stderr and panic.
    // Colours only for a terminal: a log file or journald gets plain text.
    use std::io::IsTerminal;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .log_internal_errors(false);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).try_init(),
    };
}

/// Client-chosen operation names become metric labels; past this many distinct names the
/// rest are counted as `other`, so a careless client cannot blow up the metric store.
const MAX_OPERATION_LABELS: usize = 200;

const LATENCY_BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Clone)]
pub struct Metrics {
    handle: PrometheusHandle,
    operations: Arc<Mutex<HashSet<String>>>,
}

impl Metrics {
    /// The process-wide recorder (a process has one, however many servers it runs: tests run several).
    pub fn global() -> Metrics {
        static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
        let handle = HANDLE
            .get_or_init(|| {
                let recorder = PrometheusBuilder::new()
                    .set_buckets_for_metric(Matcher::Suffix("duration_seconds".into()), LATENCY_BUCKETS)
                    .expect("the bucket list is not empty")
                    .build_recorder();
                let handle = recorder.handle();
                // A program embedding hamkor may have installed its own recorder; then
                // hamkor's metrics go there and /metrics has nothing to show.
                if metrics::set_global_recorder(recorder).is_err() {
                    tracing::warn!("a metrics recorder was already installed; /metrics will be empty");
                }
                handle
            })
            .clone();
        Metrics { handle, operations: Arc::new(Mutex::new(HashSet::new())) }
    }

    /// The label for an operation name: the name if it is a plain GraphQL name and the label
    /// budget allows, else `anonymous` or `other`.
    pub fn operation_label(&self, name: Option<&str>) -> String {
        let Some(name) = name.filter(|n| n.len() <= 64 && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        else {
            return if name.is_none() { "anonymous".into() } else { "other".into() };
        };
        let mut seen = self.operations.lock().unwrap_or_else(|e| e.into_inner());
        if seen.contains(name) || seen.len() < MAX_OPERATION_LABELS {
            seen.insert(name.to_owned());
            name.to_owned()
        } else {
            "other".into()
        }
    }

    pub fn record_request(&self, operation: &str, elapsed: Duration) {
        metrics::counter!("hamkor_graphql_requests_total", "operation" => operation.to_owned()).increment(1);
        metrics::histogram!("hamkor_graphql_request_duration_seconds", "operation" => operation.to_owned())
            .record(elapsed.as_secs_f64());
    }

    pub fn record_error(&self, code: &str) {
        metrics::counter!("hamkor_graphql_errors_total", "code" => code.to_owned()).increment(1);
    }

    pub fn record_pool(&self, pool: &PgPool) {
        let size = pool.size() as f64;
        let idle = pool.num_idle() as f64;
        metrics::gauge!("hamkor_db_pool_connections", "state" => "idle").set(idle);
        metrics::gauge!("hamkor_db_pool_connections", "state" => "in_use").set(size - idle);
        metrics::gauge!("hamkor_db_pool_max_connections").set(f64::from(pool.options().get_max_connections()));
    }

    pub fn render(&self) -> String {
        self.handle.render()
    }
}
