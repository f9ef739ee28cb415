//! Who is asking: the role a request or a command acts in, who it is for the audit trail,
//! and which rows it may see.
//!
//! - Anonymous callers (public frontends, researchers) read the catalogue, partners,
//!   agreements that are not drafts, projects and this library's copies.
//! - A partner token (a partner institution's portal) also sees its own institution's whole
//!   record, its own agreements (drafts too), shipments, balances and copies; whatever
//!   belongs to another partner stays invisible, exactly as if it did not exist.
//! - Staff read and write everything but tokens; administrators also manage tokens and see
//!   the audit trail's whole detail; the command line on the server's machine acts as an
//!   administrator.

use std::net::IpAddr;

pub use crate::db::list::Scope;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Anonymous,
    Partner(i64),
    Staff,
    Admin,
    /// Whoever runs `hamkor` on the machine: what the data dir lets them do, they may.
    Cli,
}

impl Role {
    /// The role's name in the audit trail.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Anonymous => "anonymous",
            Role::Partner(_) => "partner",
            Role::Staff => "staff",
            Role::Admin => "admin",
            Role::Cli => "cli",
        }
    }
}

/// The caller of one request, or the user of one command.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub role: Role,
    /// The token the request came with: (id, name).
    pub token: Option<(i64, String)>,
    /// The caller's network address.
    pub address: Option<IpAddr>,
    /// Who the command-line user is (their account name).
    pub cli_user: Option<String>,
}

impl Viewer {
    pub fn anonymous(address: Option<IpAddr>) -> Self {
        Viewer { role: Role::Anonymous, token: None, address, cli_user: None }
    }

    /// The command line, run by the account it runs as.
    pub fn cli() -> Self {
        let user = nix::unistd::User::from_uid(nix::unistd::getuid()).ok().flatten().map(|u| u.name);
        Viewer { role: Role::Cli, token: None, address: None, cli_user: Some(user.unwrap_or_else(|| "unknown".into())) }
    }

    /// Who made a change, as the audit trail and histories record it: the token's name.
    pub fn actor(&self) -> String {
        match (&self.token, &self.cli_user) {
            (Some((_, name)), _) => name.clone(),
            (None, Some(user)) => format!("cli:{user}"),
            (None, None) => "anonymous".into(),
        }
    }

    /// The rows of partner-owned tables this caller may see.
    pub fn scope(&self) -> Scope {
        match self.role {
            Role::Anonymous => Scope::Public,
            Role::Partner(id) => Scope::Partner(id),
            Role::Staff | Role::Admin | Role::Cli => Scope::Everything,
        }
    }

    pub fn is_staff(&self) -> bool {
        matches!(self.role, Role::Staff | Role::Admin | Role::Cli)
    }

    pub fn is_admin(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Cli)
    }

    /// The partner this caller acts for, if it is a partner's portal.
    pub fn partner(&self) -> Option<i64> {
        match self.role {
            Role::Partner(id) => Some(id),
            _ => None,
        }
    }

    /// Whether the caller may see what is private to `partner_id` (its e-mail, its
    /// agreements' scope, its balances): staff, or that partner itself.
    pub fn sees_private_of(&self, partner_id: i64) -> bool {
        self.is_staff() || self.partner() == Some(partner_id)
    }
}

/// Whether a row may be shown to a caller: the same rule as each aggregate's SQL scope
/// (`db::list::Listing::scope`), for rows loaded by id or under a parent.
pub trait Visible {
    fn visible_to(&self, scope: Scope) -> bool;
}
