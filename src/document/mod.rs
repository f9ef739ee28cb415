//! Documents: the bibliographic records of what the library exchanges with its partners.

pub mod db;
pub mod export;
pub mod identifiers;
pub mod import;
pub mod marc_map;
pub mod oai;

use std::future::Future;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::aggregate::{Aggregate, set};
use crate::error::{Error, Result, quoted};
use crate::text_enum::text_enum;
use crate::validate;

text_enum!(
    /// The kind of material.
    DocumentFormat {
        Book = "book",
        Serial = "serial",
        Manuscript = "manuscript",
        Map = "map",
        /// Printed or manuscript music.
        Score = "score",
        /// Sound and video recordings, images.
        Audiovisual = "audiovisual",
        Electronic = "electronic",
        Other = "other",
    }
);

text_enum!(
    /// What a person or body did for a document (MARC relator terms).
    ContributorRole {
        Author = "author",
        Editor = "editor",
        Translator = "translator",
        Illustrator = "illustrator",
        Compiler = "compiler",
        Composer = "composer",
        Photographer = "photographer",
        Publisher = "publisher",
        Contributor = "contributor",
    }
);

/// A person or body and its role; `parallelName` is the same name in another script (from
/// a MARC 880 field), e.g. 金庸 for "Jin, Yong".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contributor {
    pub name: String,
    pub role: ContributorRole,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel_name: Option<String>,
}

/// The title in another script or language: a MARC 880 field linked to the 245 (the Han
/// characters of a title catalogued in pinyin), or a 246 variant title.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParallelTitle {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtitle: Option<String>,
    /// ISO 15924 script code when known: `Hani`, `Cyrl`, `Arab`, `Hebr`, `Grek`, `Latn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<String>,
}

/// Everything that describes a document, as stored (also what an import or a mutation
/// writes). Each field is a column of `documents`; serialised to JSON it is also the row
/// format of batched writes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Description {
    pub title: String,
    pub subtitle: Option<String>,
    #[sqlx(json)]
    pub parallel_titles: Vec<ParallelTitle>,
    #[sqlx(json)]
    pub contributors: Vec<Contributor>,
    /// ISO 639-3 codes.
    pub languages: Vec<String>,
    pub publisher: Option<String>,
    pub place: Option<String>,
    pub year: Option<i32>,
    pub edition: Option<String>,
    pub series_title: Option<String>,
    pub series_volume: Option<String>,
    /// ISBN-13 digits.
    pub isbns: Vec<String>,
    /// `NNNN-NNNC`.
    pub issns: Vec<String>,
    pub subjects: Vec<String>,
    pub abstract_text: Option<String>,
    pub notes: Option<String>,
    pub physical_description: Option<String>,
    pub format: DocumentFormat,
}

/// A change to a description; `None` leaves a field as it is, `Some(None)` clears it, and a
/// list given replaces the stored one.
#[derive(Clone, Debug, Default)]
pub struct DescriptionPatch {
    pub title: Option<String>,
    pub subtitle: Option<Option<String>>,
    pub parallel_titles: Option<Vec<ParallelTitle>>,
    pub contributors: Option<Vec<Contributor>>,
    pub languages: Option<Vec<String>>,
    pub publisher: Option<Option<String>>,
    pub place: Option<Option<String>>,
    pub year: Option<Option<i32>>,
    pub edition: Option<Option<String>>,
    pub series_title: Option<Option<String>>,
    pub series_volume: Option<Option<String>>,
    pub isbns: Option<Vec<String>>,
    pub issns: Option<Vec<String>>,
    pub subjects: Option<Vec<String>>,
    pub abstract_text: Option<Option<String>>,
    pub notes: Option<Option<String>>,
    pub physical_description: Option<Option<String>>,
    pub format: Option<DocumentFormat>,
}

impl DescriptionPatch {
    pub fn apply(self, mut to: Description) -> Description {
        set(&mut to.title, self.title);
        set(&mut to.subtitle, self.subtitle);
        set(&mut to.parallel_titles, self.parallel_titles);
        set(&mut to.contributors, self.contributors);
        set(&mut to.languages, self.languages);
        set(&mut to.publisher, self.publisher);
        set(&mut to.place, self.place);
        set(&mut to.year, self.year);
        set(&mut to.edition, self.edition);
        set(&mut to.series_title, self.series_title);
        set(&mut to.series_volume, self.series_volume);
        set(&mut to.isbns, self.isbns);
        set(&mut to.issns, self.issns);
        set(&mut to.subjects, self.subjects);
        set(&mut to.abstract_text, self.abstract_text);
        set(&mut to.notes, self.notes);
        set(&mut to.physical_description, self.physical_description);
        set(&mut to.format, self.format);
        to
    }

    /// The description of a new document: the patch over an empty one, which needs a title.
    pub fn into_new(self) -> Result<Description> {
        if self.title.is_none() {
            return Err(Error::invalid("title", "a document needs a title"));
        }
        self.apply(Description::default()).validate()
    }
}

impl Aggregate for Document {
    type Draft = Description;
    type Patch = DescriptionPatch;

    fn apply(patch: DescriptionPatch, to: Description) -> Description {
        patch.apply(to)
    }

    fn validate(draft: Description) -> Result<Description> {
        draft.validate()
    }

    async fn load_for_update(conn: &mut PgConnection, id: i64) -> Result<Description> {
        Ok(db::get_for_update(conn, id).await?.description)
    }

    fn store(conn: &mut PgConnection, id: i64, draft: &Description) -> impl Future<Output = Result<()>> + Send {
        db::update_description(conn, id, draft)
    }

    fn get(conn: &mut PgConnection, id: i64) -> impl Future<Output = Result<Document>> + Send {
        db::get(conn, id)
    }
}

/// Where a document came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Provenance {
    /// The name of the import source (a partner system, a file series), with the record's
    /// control number (MARC 001) within it: the key that makes re-imports update.
    pub source: Option<String>,
    pub control_number: Option<String>,
    pub origin_partner_id: Option<i64>,
    pub origin_exchange_id: Option<i64>,
    pub import_id: Option<i64>,
}

/// A stored document. Serialised, it is also the copy the search index keeps of each
/// document, from which a results page shows its hits (see `search::schema`).
#[derive(Clone, Debug, PartialEq, sqlx::FromRow, Serialize, Deserialize)]
pub struct Document {
    pub id: i64,
    #[sqlx(flatten)]
    pub description: Description,
    pub source: Option<String>,
    pub control_number: Option<String>,
    pub origin_partner_id: Option<i64>,
    pub origin_exchange_id: Option<i64>,
    pub import_id: Option<i64>,
    /// The MARC record it was imported from, as MARCXML, kept so that an export gives back
    /// every field, including those hamkor does not model. Never part of the index's copy.
    #[serde(skip)]
    pub marc_xml: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
impl Document {
    /// A document with only a description, as the tests of exports and search build them.
    pub fn described(id: i64, description: Description) -> Document {
        Document {
            id,
            description,
            source: None,
            control_number: None,
            origin_partner_id: None,
            origin_exchange_id: None,
            import_id: None,
            marc_xml: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }
}

// text_enum! cannot mark a default variant, so this is written out.
#[allow(clippy::derivable_impls)]
impl Default for DocumentFormat {
    fn default() -> Self {
        DocumentFormat::Other
    }
}

pub const MAX_TITLE_CHARS: usize = 2000;
pub const MAX_TEXT_CHARS: usize = 20_000;
pub const MAX_SHORT_CHARS: usize = 500;
pub const MAX_LIST_ITEMS: usize = 200;
/// Years a catalogue can hold: clay tablets are out of scope, next year's books are not.
pub const YEAR_RANGE: std::ops::RangeInclusive<i32> = -3000..=2100;

impl Description {
    /// Checks and normalises a description from any source: trims, checks lengths,
    /// normalises ISBNs, ISSNs and language codes. `field` prefixes error field names.
    pub fn validate(mut self) -> Result<Self> {
        self.title = validate::text("title", &self.title, MAX_TITLE_CHARS)?;
        self.subtitle = validate::optional_text("subtitle", self.subtitle.as_deref(), MAX_TITLE_CHARS)?;
        for t in &mut self.parallel_titles {
            t.title = validate::text("parallelTitles", &t.title, MAX_TITLE_CHARS)?;
            t.subtitle = validate::optional_text("parallelTitles", t.subtitle.as_deref(), MAX_TITLE_CHARS)?;
        }
        for c in &mut self.contributors {
            c.name = validate::text("contributors", &c.name, MAX_SHORT_CHARS)?;
            c.parallel_name = validate::optional_text("contributors", c.parallel_name.as_deref(), MAX_SHORT_CHARS)?;
        }
        self.languages = normalize_list("languages", &self.languages, |code| {
            identifiers::normalize_language(code)
                .ok_or_else(|| Error::invalid("languages", format!("{} is not an ISO 639 language code", quoted(code))))
        })?;
        self.isbns = normalize_list("isbns", &self.isbns, |isbn| {
            identifiers::normalize_isbn(isbn).ok_or_else(|| {
                Error::invalid("isbns", format!("{} is not a valid ISBN (check digit or length)", quoted(isbn)))
            })
        })?;
        self.issns = normalize_list("issns", &self.issns, |issn| {
            identifiers::normalize_issn(issn)
                .ok_or_else(|| Error::invalid("issns", format!("{} is not a valid ISSN", quoted(issn))))
        })?;
        self.subjects = normalize_list("subjects", &self.subjects, |s| validate::text("subjects", s, MAX_SHORT_CHARS))?;
        for (field, value) in [
            ("publisher", &mut self.publisher),
            ("place", &mut self.place),
            ("edition", &mut self.edition),
            ("seriesTitle", &mut self.series_title),
            ("seriesVolume", &mut self.series_volume),
            ("physicalDescription", &mut self.physical_description),
        ] {
            *value = validate::optional_text(field, value.as_deref(), MAX_SHORT_CHARS)?;
        }
        self.abstract_text = validate::optional_text("abstract", self.abstract_text.as_deref(), MAX_TEXT_CHARS)?;
        self.notes = validate::optional_text("notes", self.notes.as_deref(), MAX_TEXT_CHARS)?;
        if let Some(year) = self.year
            && !YEAR_RANGE.contains(&year)
        {
            return Err(Error::invalid("year", format!("{year} is not a plausible publication year")));
        }
        if self.parallel_titles.len() > MAX_LIST_ITEMS || self.contributors.len() > MAX_LIST_ITEMS {
            return Err(Error::invalid("contributors", format!("at most {MAX_LIST_ITEMS} entries are allowed")));
        }
        Ok(self)
    }
}

/// Normalises every item, drops duplicates (keeping the first), and caps the list length.
fn normalize_list(
    field: &'static str,
    items: &[String],
    normalize: impl Fn(&str) -> Result<String>,
) -> Result<Vec<String>> {
    if items.len() > MAX_LIST_ITEMS {
        return Err(Error::invalid(field, format!("at most {MAX_LIST_ITEMS} entries are allowed")));
    }
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        let value = normalize(item)?;
        if !out.contains(&value) {
            out.push(value);
        }
    }
    Ok(out)
}

/// The catalogue is public.
impl crate::access::Visible for Document {
    fn visible_to(&self, _scope: crate::access::Scope) -> bool {
        true
    }
}
