//! The command line: every option is also read from an environment variable.

mod token;

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::app::{self, AppState};
pub use crate::config::GlobalArgs;
use crate::db::Database;
use crate::telemetry;

#[derive(Parser, Debug)]
#[command(
    name = "hamkor",
    version,
    about = "One GraphQL API over a national library's international cooperation.",
    long_about = "hamkor keeps the library's partners, agreements and joint projects in PostgreSQL \
and serves them as one GraphQL API.\n\nWithout DATABASE_URL it runs its own private PostgreSQL \
under <data-dir>/postgres, from the PostgreSQL server binaries installed on this machine \
(initdb, pg_ctl; version 14 or newer), and stops it when the last hamkor process using it exits.\n\n\
Start here:  hamkor serve --demo   then open the printed URL (HAMKOR_LISTEN sets the address)."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
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
    /// Import MARC 21 records (ISO 2709 or MARCXML, detected from the content) as documents.
    /// Importing the same records again updates them.
    Import(ImportArgs),
    /// Rebuild the search index from PostgreSQL into a new directory and swap it in; a
    /// server using the same index directory keeps answering and switches to it.
    Reindex,
    /// Print the GraphQL schema (SDL), as checked in at schema.graphql.
    Schema,
    /// Create, list and revoke the bearer tokens of staff, administrators and partner portals.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Measure `search` over GraphQL/HTTP on a generated catalogue of 100,000 documents.
    ///
    /// Prints latency percentiles, throughput, hit counts, sizes and the command to run it
    /// again. Uses its own database (hamkor_bench) on the same server and `<index-dir>/bench`,
    /// never the catalogue; best run with a throwaway `--data-dir`.
    Bench(crate::bench::BenchArgs),
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The files to import.
    #[arg(required_unless_present = "rollback")]
    pub files: Vec<PathBuf>,

    /// Where the records come from; with each record's 001 it identifies the record.
    /// Default: the organisation in the records' 003, else the file's name.
    #[arg(long)]
    pub source: Option<String>,

    /// Character encoding of ISO 2709 records, instead of each record's leader/09.
    #[arg(long, value_enum)]
    pub encoding: Option<EncodingArg>,

    /// The partner the records came from (its global id, e.g. from `partners { id }`).
    #[arg(long)]
    pub partner: Option<String>,

    /// The exchange shipment the records came with (its global id).
    #[arg(long)]
    pub exchange: Option<String>,

    /// Writes every rejection and warning to FILE: CSV when its name ends in .csv, else
    /// JSON (the whole report of every file).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// Rolls an import back instead (its id, as `imports { id }` or an import's summary
    /// gives it): removes the documents it created and restores those it updated.
    #[arg(long, value_name = "IMPORT", conflicts_with_all = ["files", "source", "encoding", "partner", "exchange"])]
    pub rollback: Option<String>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum EncodingArg {
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    #[value(name = "marc-8", alias = "marc8")]
    Marc8,
    #[value(name = "windows-1251", alias = "cp1251")]
    Windows1251,
    #[value(name = "cp866", alias = "ibm866")]
    Cp866,
}

impl From<EncodingArg> for crate::marc::Encoding {
    fn from(value: EncodingArg) -> Self {
        match value {
            EncodingArg::Utf8 => crate::marc::Encoding::Utf8,
            EncodingArg::Marc8 => crate::marc::Encoding::Marc8,
            EncodingArg::Windows1251 => crate::marc::Encoding::Windows1251,
            EncodingArg::Cp866 => crate::marc::Encoding::Cp866,
        }
    }
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

    /// Origins whose web pages may call the API from a browser (CORS), e.g.
    /// https://portal.example.org; comma-separated in the variable. None by default.
    #[arg(long = "cors-origin", env = "HAMKOR_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// Each caller's budget per minute, in query cost units (a search with facets costs about
    /// 2,200, a page of 20 partners with their agreements and projects about 5,000); 0 turns
    /// limits off.
    #[arg(long, env = "HAMKOR_RATE_LIMIT", default_value_t = crate::http::limits::DEFAULT_PER_MINUTE)]
    pub rate_limit: u32,

    /// Do not answer introspection (`__schema`, `__type`): for servers whose schema is not
    /// meant to be browsed.
    #[arg(long, env = "HAMKOR_NO_INTROSPECTION")]
    pub no_introspection: bool,

    /// Do not serve GraphiQL to browsers opening /graphql.
    #[arg(long, env = "HAMKOR_NO_GRAPHIQL")]
    pub no_graphiql: bool,

    /// This library's ISIL, its agency id in interlibrary loan (ISO 18626) messages, e.g.
    /// UZ-NLU. Without it, requests are handled by hand and /iso18626 refuses messages.
    #[arg(long, env = "HAMKOR_AGENCY_ID")]
    pub agency_id: Option<String>,

    /// How often (seconds) the server looks for loans past their due date.
    #[arg(long, env = "HAMKOR_OVERDUE_INTERVAL_SECS", default_value_t = 3600)]
    pub overdue_interval_secs: u64,

    /// The OAI-PMH repository identifier, the middle part of every OAI identifier: a domain
    /// name the library owns, e.g. natlib.uz. Harvesters key their copies by it: set it
    /// before partners harvest, and keep it.
    #[arg(long, env = "HAMKOR_OAI_REPOSITORY_ID")]
    pub oai_repository_id: Option<String>,

    /// The e-mail address OAI-PMH's Identify names as the repository's contact.
    #[arg(long, env = "HAMKOR_OAI_ADMIN_EMAIL")]
    pub oai_admin_email: Option<String>,

    /// The public URL of the service when it sits behind a proxy, e.g.
    /// https://hamkor.natlib.uz: OAI-PMH gives harvesters its `/oai` as the base URL.
    #[arg(long, env = "HAMKOR_PUBLIC_URL")]
    pub public_url: Option<String>,
}

impl ServeArgs {
    fn ill_options(&self) -> anyhow::Result<crate::ill::IllOptions> {
        let agency = match self.agency_id.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
            Some(id) => Some(
                crate::validate::isil("agencyId", id)
                    .map_err(|e| anyhow::anyhow!("--agency-id {id:?} is not an ISIL such as UZ-NLU: {e}"))?,
            ),
            None => None,
        };
        Ok(crate::ill::IllOptions {
            agency: crate::ill::Agency(agency),
            overdue_interval: std::time::Duration::from_secs(self.overdue_interval_secs.max(1)),
        })
    }

    fn oai_options(&self) -> anyhow::Result<crate::document::oai::OaiOptions> {
        let mut options = crate::document::oai::OaiOptions::default();
        if let Some(id) = self.oai_repository_id.as_deref().map(str::trim).filter(|i| !i.is_empty()) {
            // The oai-identifier scheme: labels of letters, digits and hyphens, at least two.
            let labels: Vec<&str> = id.split('.').collect();
            let valid = labels.len() >= 2
                && labels.iter().all(|l| {
                    l.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                        && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                });
            if !valid {
                anyhow::bail!("--oai-repository-id {id:?} is not a domain name such as natlib.uz");
            }
            options.repository_identifier = id.to_owned();
            options.admin_emails = vec![format!("admin@{id}")];
        }
        if let Some(email) = &self.oai_admin_email {
            let email = crate::validate::email("oaiAdminEmail", email)
                .map_err(|e| anyhow::anyhow!("--oai-admin-email {email:?}: {e}"))?;
            options.admin_emails = vec![email];
        }
        if let Some(url) = &self.public_url {
            let parsed = url::Url::parse(url.trim())
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
            let Some(parsed) = parsed else {
                anyhow::bail!("--public-url {url:?} is not an http(s) URL such as https://hamkor.natlib.uz");
            };
            options.base_url = Some(format!("{}/oai", parsed.as_str().trim_end_matches('/')));
        }
        Ok(options)
    }

    fn http_options(&self) -> anyhow::Result<crate::http::HttpOptions> {
        let cors_origins = self
            .cors_origins
            .iter()
            .map(|origin| origin.trim())
            .filter(|origin| !origin.is_empty())
            .map(|origin| {
                let url = url::Url::parse(origin).ok().filter(|u| matches!(u.scheme(), "http" | "https"));
                let Some(url) = url.filter(|u| u.path() == "/" && u.query().is_none()) else {
                    anyhow::bail!("--cors-origin {origin:?} is not an origin such as https://portal.example.org");
                };
                Ok(axum::http::HeaderValue::from_str(url.origin().ascii_serialization().as_str())?)
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(crate::http::HttpOptions {
            cors_origins,
            rate_limit_per_minute: self.rate_limit,
            introspection: !self.no_introspection,
            graphiql: !self.no_graphiql,
        })
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    telemetry::init_logging(cli.global.log_format);
    if let Command::Schema = cli.command {
        use std::io::Write as _;
        let _ = std::io::stdout().lock().write_all(crate::graphql::build_schema().sdl().as_bytes());
        return Ok(());
    }
    let db = std::sync::Arc::new(cli.global.open().await?);
    // The command runs as a task of its own, so that even a panic comes back here and the
    // database is closed: that stops the embedded server if this process was its last user.
    let command = {
        let (db, global) = (db.clone(), cli.global.clone());
        tokio::spawn(async move {
            match cli.command {
                Command::Schema => Ok(()),
                Command::Migrate => db.migrate().await,
                Command::Seed => seed(&db).await,
                Command::Serve(args) => serve(&db, args, &global.index_dir).await,
                Command::Import(args) => import(&db, args).await,
                Command::Reindex => reindex(&db, &global.index_dir).await,
                Command::Bench(args) => crate::bench::run(&db, args, &global).await,
                Command::Token(command) => token::run(&db, command).await,
            }
        })
    };
    let result = match command.await {
        Ok(result) => result,
        Err(failure) => Err(anyhow::anyhow!("the command failed unexpectedly: {failure}")),
    };
    match std::sync::Arc::try_unwrap(db) {
        Ok(db) => db.close().await,
        Err(_) => tracing::warn!("the database is still in use at exit; the embedded server stops with its last user"),
    }
    result
}

/// Records a command's change in the audit trail, as the command line's user. A failure to
/// record is reported, not fatal: the change itself is already made.
async fn audit(db: &Database, operation: &str, result: Result<String, String>) {
    use crate::audit::{Entry, Outcome};
    let cli = crate::access::Viewer::cli();
    let entry = match result {
        Ok(detail) => Entry::new(&cli, operation, Outcome::Ok).detail(detail),
        Err(error) => Entry::new(&cli, operation, Outcome::Failed).detail(error),
    };
    let recorded = async { crate::audit::db::record(&mut *db.pool.acquire().await?, &entry).await }.await;
    if let Err(err) = recorded {
        tracing::warn!(error = %err, operation, "cannot record the command in the audit trail");
    }
}

async fn seed(db: &Database) -> anyhow::Result<()> {
    db.migrate().await?;
    let report = crate::seed::seed(&db.pool).await;
    audit(db, "seed", report.as_ref().map(|r| format!("{r:?}")).map_err(ToString::to_string)).await;
    let report = report.context("seeding failed")?;
    crate::out!(
        "seeded: {} partners, {} agreements, {} projects, {} project partners, {} documents, {} holdings, {} exchanges created",
        report.partners_created,
        report.agreements_created,
        report.projects_created,
        report.partnerships_created,
        report.catalog.documents_created,
        report.catalog.holdings_created,
        report.catalog.exchanges_created
    );
    Ok(())
}

async fn serve(db: &Database, args: ServeArgs, index_dir: &std::path::Path) -> anyhow::Result<()> {
    let options = args.http_options()?;
    let ill = args.ill_options()?;
    let oai = args.oai_options()?;
    db.migrate().await?;
    if args.demo && crate::seed::is_empty(&db.pool).await? {
        let report = crate::seed::seed(&db.pool).await;
        audit(db, "seed", report.as_ref().map(|r| format!("{r:?}")).map_err(ToString::to_string)).await;
        let report = report.context("loading the demo content failed")?;
        tracing::info!(?report, "demo content loaded");
    }
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let (stop_search, search_stopped) = tokio::sync::watch::channel(false);
    let search = crate::search::SearchIndex::open(db.pool.clone(), index_dir.to_path_buf(), search_stopped)
        .await
        .with_context(|| format!("cannot open the search index in {}", index_dir.display()))?;
    let address = listener.local_addr()?;
    let shutdown = app::shutdown_signal();
    tracing::info!(%address, "listening");
    crate::out!("hamkor is ready: open http://{address}/graphql");
    let state = AppState::watching(db.pool.clone(), search, db.restarter())
        .with_batch_window(std::time::Duration::from_millis(args.batch_window_ms))
        .with_options(options)
        .with_ill(ill)
        .with_oai(oai);
    let served = app::serve(listener, state, shutdown).await;
    let _ = stop_search.send(true);
    served?;
    Ok(())
}

async fn reindex(db: &Database, index_dir: &std::path::Path) -> anyhow::Result<()> {
    db.migrate().await?;
    let started = std::time::Instant::now();
    let documents = crate::search::reindex(&db.pool, index_dir).await.context("reindexing failed")?;
    crate::out!(
        "reindexed {documents} documents in {:.1} s into {}",
        started.elapsed().as_secs_f64(),
        index_dir.display()
    );
    Ok(())
}

/// How many rejections and warnings the command prints per file; `--report` has them all.
const SHOWN_PER_FILE: usize = 10;

async fn import(db: &Database, args: ImportArgs) -> anyhow::Result<()> {
    use crate::global_id::{self, NodeKind};
    db.migrate().await?;
    if let Some(import) = &args.rollback {
        let id = global_id::decode_as("import", import, NodeKind::Import).or_else(|_| {
            import.parse::<i64>().map_err(|_| anyhow::anyhow!("--rollback {import:?} is not an import's id"))
        })?;
        let actor = crate::access::Viewer::cli().actor();
        let outcome = crate::document::import::rollback(&db.pool, id, &actor).await;
        let detail = outcome.as_ref().map(|r| format!("{r:?}")).map_err(ToString::to_string);
        audit(db, "rollbackImport", detail).await;
        let done = outcome.with_context(|| format!("rolling back import {import} failed"))?;
        crate::out!(
            "import {import} rolled back: {} documents removed, {} restored to their previous record",
            done.deleted,
            done.restored
        );
        return Ok(());
    }
    let decode = |flag: &str, value: &Option<String>, kind: NodeKind| -> anyhow::Result<Option<i64>> {
        value.as_ref().map(|v| global_id::decode_as("id", v, kind).with_context(|| format!("--{flag}"))).transpose()
    };
    let partner_id = decode("partner", &args.partner, NodeKind::Partner)?;
    let exchange_id = decode("exchange", &args.exchange, NodeKind::Exchange)?;
    let mut reports = Vec::new();
    let mut failures = Vec::new();
    for file in &args.files {
        let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
        let file_name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let options = crate::document::import::ImportOptions {
            source: args.source.clone(),
            file_name: Some(file_name.clone()),
            encoding: args.encoding.map(Into::into),
            partner_id,
            exchange_id,
        };
        let bar = progress_bar(&file_name);
        let started = std::time::Instant::now();
        let report = crate::document::import::import(&db.pool, &bytes, &options, |progress| match progress {
            crate::document::import::Progress::Reading => bar.set_message(format!("{file_name}: reading")),
            crate::document::import::Progress::Writing { done, total } => {
                bar.set_message(file_name.clone());
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            }
        })
        .await;
        bar.finish_and_clear();
        let outcome =
            report.as_ref().map(|r| format!("{}: {}", file_name, r.summary())).map_err(|e| format!("{file_name}: {e}"));
        audit(db, "import", outcome).await;
        let report = report.with_context(|| format!("importing {} failed", file.display()))?;
        print_report(file, &report, started.elapsed());
        if report.not_marc {
            failures.push(format!("{} is not a MARC file (neither ISO 2709 nor MARCXML)", file.display()));
        } else if !report.imported_anything() {
            failures.push(format!("nothing was imported from {}", file.display()));
        }
        reports.push((file.display().to_string(), report));
    }
    if let Some(path) = &args.report {
        write_report(path, &reports).with_context(|| format!("cannot write the report {}", path.display()))?;
        crate::out!("report written to {}", path.display());
    }
    if !failures.is_empty() {
        anyhow::bail!("{}", failures.join("; "));
    }
    Ok(())
}

fn print_report(file: &std::path::Path, report: &crate::document::import::ImportReport, took: std::time::Duration) {
    crate::out!(
        "{}: {} read, {} created, {} updated, {} rejected, {} warnings in {:.1} s (source {:?}, import {})",
        file.display(),
        report.read,
        report.created,
        report.updated,
        report.rejected,
        report.warnings.len(),
        took.as_secs_f64(),
        report.source,
        crate::global_id::encode(crate::global_id::NodeKind::Import, report.import_id)
    );
    let where_ = |position: i32, offset: Option<i64>, control: &Option<String>| {
        let offset = offset.map(|o| format!(", byte {o}")).unwrap_or_default();
        let control = control.as_deref().map(|c| format!(", 001 {c}")).unwrap_or_default();
        format!("record {position}{offset}{control}")
    };
    for r in report.rejections.iter().take(SHOWN_PER_FILE) {
        crate::out!("  rejected {}: {}", where_(r.position, r.byte_offset, &r.control_number), r.reason);
    }
    if report.rejections.len() > SHOWN_PER_FILE {
        crate::out!(
            "  … and {} more rejections (--report FILE lists them all)",
            report.rejections.len() - SHOWN_PER_FILE
        );
    }
    for w in report.warnings.iter().take(SHOWN_PER_FILE) {
        crate::out!("  repaired {}: {}", where_(w.position, None, &w.control_number), w.message);
    }
    if report.warnings.len() > SHOWN_PER_FILE {
        crate::out!("  … and {} more warnings (--report FILE lists them all)", report.warnings.len() - SHOWN_PER_FILE);
    }
}

/// Every rejection and warning of every file: CSV (one row each) or JSON (the reports).
fn write_report(
    path: &std::path::Path,
    reports: &[(String, crate::document::import::ImportReport)],
) -> anyhow::Result<()> {
    let csv = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if !csv {
        let json: Vec<serde_json::Value> =
            reports.iter().map(|(file, report)| serde_json::json!({ "file": file, "report": report })).collect();
        std::fs::write(path, serde_json::to_vec_pretty(&json)?)?;
        return Ok(());
    }
    let mut writer = csv::Writer::from_path(path)?;
    writer.write_record(["file", "kind", "position", "byte_offset", "control_number", "message"])?;
    for (file, report) in reports {
        for r in &report.rejections {
            let offset = r.byte_offset.map(|o| o.to_string()).unwrap_or_default();
            let control = r.control_number.clone().unwrap_or_default();
            writer.write_record([file.as_str(), "rejected", &r.position.to_string(), &offset, &control, &r.reason])?;
        }
        for w in &report.warnings {
            let control = w.control_number.clone().unwrap_or_default();
            writer.write_record([file.as_str(), "warning", &w.position.to_string(), "", &control, &w.message])?;
        }
    }
    writer.flush()?;
    Ok(())
}

/// A progress bar with records/s and ETA on a terminal; nothing when output is redirected.
/// It shows "reading" until the file is read and its records counted, then the records
/// written of those to write.
fn progress_bar(file_name: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    let style =
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {human_pos}/{human_len} records, {rate}, ETA {eta}")
            .map(|style| {
                style.with_key("rate", |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.0}/s", state.per_sec());
                })
            })
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(file_name.to_owned());
    bar
}
