//! Joint projects and programmes: reading-room corners ("Window to Korea"), cultural
//! centres, knowledge halls, UNESCO programmes, publications.

pub mod db;

use std::future::Future;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;

use crate::aggregate::{Aggregate, set};
use crate::error::Result;
use crate::text_enum::text_enum;
use crate::validate;

text_enum!(
    ProjectKind {
        /// A reading room or corner run with a partner, such as "Window to Korea".
        ReadingRoom = "reading_room",
        CulturalCentre = "cultural_centre",
        KnowledgeHall = "knowledge_hall",
        UnescoProgramme = "unesco_programme",
        Publication = "publication",
        Other = "other",
    }
);

text_enum!(
    ProjectStatus {
        Planned = "planned",
        Active = "active",
        Completed = "completed",
        Suspended = "suspended",
    }
);

text_enum!(
    /// A partner's part in a project.
    ProjectRole {
        Lead = "lead",
        CoOrganiser = "co_organiser",
        Sponsor = "sponsor",
        Supporter = "supporter",
    }
);

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Project {
    pub id: i64,
    pub kind: ProjectKind,
    pub title: String,
    pub status: ProjectStatus,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A partner taking part in a project, with its role.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Partnership {
    pub project_id: i64,
    pub partner_id: i64,
    pub role: ProjectRole,
}

#[derive(Clone, Debug)]
pub struct ProjectDraft {
    pub kind: ProjectKind,
    pub title: String,
    pub status: ProjectStatus,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub description: Option<String>,
}

/// A change to a project; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Clone, Debug, Default)]
pub struct ProjectPatch {
    pub kind: Option<ProjectKind>,
    pub title: Option<String>,
    pub status: Option<ProjectStatus>,
    pub starts_on: Option<Option<NaiveDate>>,
    pub ends_on: Option<Option<NaiveDate>>,
    pub description: Option<Option<String>>,
}

pub const MAX_TITLE_CHARS: usize = 500;
pub const MAX_DESCRIPTION_CHARS: usize = 10_000;
/// More partners than this in one request is a mistake, not a project.
pub const MAX_PARTNERS_PER_REQUEST: usize = 100;

impl ProjectDraft {
    pub fn validate(mut self) -> Result<Self> {
        self.title = validate::text("title", &self.title, MAX_TITLE_CHARS)?;
        self.description = validate::optional_text("description", self.description.as_deref(), MAX_DESCRIPTION_CHARS)?;
        validate::date_order("endsOn", self.starts_on, self.ends_on, "startsOn")?;
        Ok(self)
    }
}

impl ProjectPatch {
    pub fn apply(self, mut to: ProjectDraft) -> ProjectDraft {
        set(&mut to.kind, self.kind);
        set(&mut to.title, self.title);
        set(&mut to.status, self.status);
        set(&mut to.starts_on, self.starts_on);
        set(&mut to.ends_on, self.ends_on);
        set(&mut to.description, self.description);
        to
    }
}

impl Aggregate for Project {
    type Draft = ProjectDraft;
    type Patch = ProjectPatch;

    fn apply(patch: ProjectPatch, to: ProjectDraft) -> ProjectDraft {
        patch.apply(to)
    }

    fn validate(draft: ProjectDraft) -> Result<ProjectDraft> {
        draft.validate()
    }

    fn load_for_update(conn: &mut PgConnection, id: i64) -> impl Future<Output = Result<ProjectDraft>> + Send {
        db::get_for_update(conn, id)
    }

    fn store(conn: &mut PgConnection, id: i64, draft: &ProjectDraft) -> impl Future<Output = Result<()>> + Send {
        db::update(conn, id, draft)
    }

    fn get(conn: &mut PgConnection, id: i64) -> impl Future<Output = Result<Project>> + Send {
        db::get(conn, id)
    }
}

/// Projects, and who takes part in them, are public.
impl crate::access::Visible for Project {
    fn visible_to(&self, _scope: crate::access::Scope) -> bool {
        true
    }
}

impl crate::access::Visible for Partnership {
    fn visible_to(&self, _scope: crate::access::Scope) -> bool {
        true
    }
}
