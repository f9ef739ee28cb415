//! `hamkor token create|list|revoke`: tokens are made on the server's machine, by whoever
//! can run hamkor against its data (that is how the first administrator token is made).

use anyhow::Context;
use clap::{Args, Subcommand};

use crate::access::Viewer;
use crate::audit::{self, Entry, Outcome};
use crate::db::Database;
use crate::global_id::{self, NodeKind};
use crate::token::{self, TokenDraft, TokenRole};

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create a token and print it, once: only a hash of its secret is kept.
    Create(CreateArgs),
    /// List the tokens (never their secrets).
    List,
    /// Revoke a token, by name or id: requests with it are refused from now on.
    Revoke {
        /// The token's name or number.
        token: String,
    },
}

#[derive(Args, Debug)]
pub struct CreateArgs {
    #[arg(long, value_enum)]
    pub role: RoleArg,
    /// For a partner token: the partner's global id (from `partners { id name }`).
    #[arg(long)]
    pub partner: Option<String>,
    /// Who uses the token, e.g. "Korea portal" or "a.karimov"; recorded as the actor of
    /// every change made with it.
    #[arg(long)]
    pub name: String,
    /// The last day the token works (YYYY-MM-DD, in the office's time zone).
    #[arg(long)]
    pub expires: Option<chrono::NaiveDate>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum RoleArg {
    Admin,
    Staff,
    Partner,
}

impl From<RoleArg> for TokenRole {
    fn from(value: RoleArg) -> Self {
        match value {
            RoleArg::Admin => TokenRole::Admin,
            RoleArg::Staff => TokenRole::Staff,
            RoleArg::Partner => TokenRole::Partner,
        }
    }
}

pub async fn run(db: &Database, command: TokenCommand) -> anyhow::Result<()> {
    db.migrate().await?;
    let cli = Viewer::cli();
    match command {
        TokenCommand::Create(args) => {
            let partner_id =
                args.partner.as_deref().map(|id| global_id::decode_as("partner", id, NodeKind::Partner)).transpose()?;
            let draft = TokenDraft { name: args.name, role: args.role.into(), partner_id, expires_on: args.expires }
                .validate()?;
            let mut tx = db.pool.begin().await?;
            let (created, bearer) = token::create(&mut tx, &draft).await.context("cannot create the token")?;
            let entry = Entry::new(&cli, "createToken", Outcome::Ok)
                .objects(vec![global_id::encode(NodeKind::Token, created.id)]);
            audit::db::record(&mut tx, &entry).await?;
            tx.commit().await?;
            crate::out!("created token {} ({}, {}):", created.id, created.name, created.role.as_str());
            crate::out!();
            crate::out!("    {bearer}");
            crate::out!();
            crate::out!("Send it as `Authorization: Bearer {bearer}`. It is shown only now: keep it safe.");
        }
        TokenCommand::List => {
            let tokens = token::db::list(&db.pool).await?;
            crate::out!("{:>5}  {:<30}  {:<8}  {:<20}  {:<10}  state", "id", "name", "role", "partner", "created");
            let now = chrono::Utc::now();
            for t in tokens {
                let partner = t.partner_id.map(|id| global_id::encode(NodeKind::Partner, id)).unwrap_or_default();
                let state = match (t.revoked_at, t.expires_at) {
                    (Some(at), _) => format!("revoked {}", at.format("%Y-%m-%d")),
                    (None, Some(at)) if at <= now => format!("expired {}", at.format("%Y-%m-%d")),
                    (None, Some(at)) => format!("active until {}", at.format("%Y-%m-%d %H:%M %Z")),
                    (None, None) => "active".to_owned(),
                };
                crate::out!(
                    "{:>5}  {:<30}  {:<8}  {:<20}  {:<10}  {state}",
                    t.id,
                    t.name,
                    t.role.as_str(),
                    partner,
                    t.created_at.format("%Y-%m-%d")
                );
            }
        }
        TokenCommand::Revoke { token } => {
            let mut tx = db.pool.begin().await?;
            let Some(found) = token::db::find(&mut tx, &token).await? else {
                anyhow::bail!("no token is named or numbered {}", crate::error::quoted(&token));
            };
            let revoked = token::db::revoke(&mut tx, found.id).await?;
            let entry = Entry::new(&cli, "revokeToken", Outcome::Ok)
                .objects(vec![global_id::encode(NodeKind::Token, revoked.id)]);
            audit::db::record(&mut tx, &entry).await?;
            tx.commit().await?;
            crate::out!("revoked token {} ({})", revoked.id, revoked.name);
        }
    }
    Ok(())
}
