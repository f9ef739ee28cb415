//! The settings every command shares, from flags or environment variables.

use std::path::PathBuf;

use clap::Args;

use crate::db::{Database, PoolSettings, Target};
use crate::telemetry::LogFormat;

#[derive(Args, Debug, Clone)]
pub struct GlobalArgs {
    /// PostgreSQL server to use, e.g. postgres://user:pass@host/hamkor. When unset, hamkor runs
    /// its own PostgreSQL under `<data-dir>/postgres`.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// Where hamkor keeps its data: the embedded PostgreSQL cluster.
    #[arg(long, env = "HAMKOR_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,

    /// Where this process keeps its search index (derived from PostgreSQL; rebuilt when
    /// missing). Each server process needs its own.
    #[arg(long, env = "HAMKOR_INDEX_DIR", default_value = "./index", global = true)]
    pub index_dir: PathBuf,

    /// Largest number of database connections this process opens.
    #[arg(long, env = "HAMKOR_DB_MAX_CONNECTIONS", default_value_t = 10, global = true)]
    pub db_max_connections: u32,

    /// The office's time zone (IANA name): decides on which day an agreement expires.
    #[arg(long, env = "HAMKOR_TIMEZONE", default_value = "Asia/Tashkent", global = true)]
    pub timezone: String,

    /// Log format.
    #[arg(long, env = "HAMKOR_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
}

impl GlobalArgs {
    pub fn target(&self) -> Target {
        match &self.database_url {
            Some(url) if !url.is_empty() => Target::Url(url.clone()),
            _ => Target::Embedded { data_dir: self.data_dir.clone(), durable: true },
        }
    }

    pub fn pool_settings(&self) -> PoolSettings {
        PoolSettings { max_connections: self.db_max_connections.max(1), timezone: self.timezone.clone() }
    }

    /// Opens the database these settings name (starting the embedded server if needed).
    pub async fn open(&self) -> anyhow::Result<Database> {
        Database::open(&self.target(), &self.pool_settings()).await
    }
}
