//! The command line: every option is also read from an environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::app::{self, AppState};
use crate::db::{Database, PoolSettings, Target};
use crate::telemetry::{self, LogFormat};

#[derive(Parser, Debug)]
#[command(
    name = "hamkor",
    version,
    about = "One GraphQL API over a national library's international cooperation.",
    long_about = "hamkor keeps the library's partners, agreements and joint projects in PostgreSQL \
and serves them as one GraphQL API.\n\nWithout DATABASE_URL it runs its own private PostgreSQL \
under <data-dir>/postgres, from the PostgreSQL server binaries installed on this machine \
(initdb, pg_ctl; version 14 or newer), and stops it when the last hamkor process using it exits.\n\n\
Start here:  hamkor serve --demo   then open the printed URL."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct GlobalArgs {
    /// PostgreSQL server to use, e.g. postgres://user:pass@host/hamkor. When unset, hamkor runs
    /// its own PostgreSQL under <data-dir>/postgres.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// Where hamkor keeps its data: the embedded PostgreSQL cluster (and, later, the search index).
    #[arg(long, env = "HAMKOR_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,

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

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the GraphQL service (applies pending migrations first).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the partners, memorandums and projects named in the library's account of its
    /// international activities. Running it again changes nothing.
    Seed,
    /// Print the GraphQL schema (SDL), as checked in at schema.graphql.
    Schema,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "HAMKOR_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Load the demo content when the database is empty.
    #[arg(long, env = "HAMKOR_DEMO")]
    pub demo: bool,

    /// How long (ms) nested-list loaders wait to batch keys into one SQL statement.
    #[arg(long, env = "HAMKOR_BATCH_WINDOW_MS", default_value_t = 2)]
    pub batch_window_ms: u64,
}

impl GlobalArgs {
    fn target(&self) -> Target {
        match &self.database_url {
            Some(url) if !url.is_empty() => Target::Url(url.clone()),
            _ => Target::Embedded { data_dir: self.data_dir.clone(), durable: true },
        }
    }

    fn pool_settings(&self) -> PoolSettings {
        PoolSettings { max_connections: self.db_max_connections.max(1), timezone: self.timezone.clone() }
    }

    async fn open(&self) -> anyhow::Result<Database> {
        Database::open(&self.target(), &self.pool_settings()).await
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    telemetry::init_logging(cli.global.log_format);
    if let Command::Schema = cli.command {
        print!("{}", crate::graphql::build_schema().sdl());
        return Ok(());
    }
    let db = cli.global.open().await?;
    // Whatever happens, close the database: that stops the embedded server if this
    // process was its last user.
    let result = match cli.command {
        Command::Schema => Ok(()),
        Command::Migrate => db.migrate().await,
        Command::Seed => seed(&db).await,
        Command::Serve(args) => serve(&db, args).await,
    };
    db.close().await;
    result
}

async fn seed(db: &Database) -> anyhow::Result<()> {
    db.migrate().await?;
    let report = crate::seed::seed(&db.pool).await.context("seeding failed")?;
    println!(
        "seeded: {} partners, {} agreements, {} projects, {} project partners created",
        report.partners_created, report.agreements_created, report.projects_created, report.partnerships_created
    );
    Ok(())
}

async fn serve(db: &Database, args: ServeArgs) -> anyhow::Result<()> {
    db.migrate().await?;
    if args.demo && crate::seed::is_empty(&db.pool).await? {
        let report = crate::seed::seed(&db.pool).await.context("loading the demo content failed")?;
        tracing::info!(?report, "demo content loaded");
    }
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let address = listener.local_addr()?;
    tracing::info!(%address, "listening");
    println!("hamkor is ready: open http://{address}/graphql");
    let state =
        AppState::new(db.pool.clone()).with_batch_window(std::time::Duration::from_millis(args.batch_window_ms));
    app::serve(listener, state, app::shutdown_signal()).await?;
    Ok(())
}
