//! Partner institutions: the national libraries, universities, centres, missions and
//! organisations the library cooperates with.

pub mod db;
pub mod recent;

use std::future::Future;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::aggregate::{Aggregate, set};
use crate::error::{Error, Result};
use crate::text_enum::text_enum;
use crate::validate;

text_enum!(
    /// What kind of institution a partner is.
    PartnerKind {
        NationalLibrary = "national_library",
        /// A university, academy or conservatory.
        University = "university",
        ResearchInstitute = "research_institute",
        CulturalCentre = "cultural_centre",
        /// An archive or manuscript centre.
        Archive = "archive",
        /// An embassy, consulate or other diplomatic mission.
        DiplomaticMission = "diplomatic_mission",
        InternationalOrganisation = "international_organisation",
        /// A company, typically a sponsor.
        Company = "company",
    }
);

/// A partner's name in one language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalizedName {
    /// BCP 47 language tag, e.g. `uz-Latn`, `uz-Cyrl`, `ru`, `en`, `ko`.
    pub lang: String,
    pub value: String,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Partner {
    pub id: i64,
    pub kind: PartnerKind,
    pub country: Option<String>,
    pub city: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub isil: Option<String>,
    pub active: bool,
    #[sqlx(json)]
    pub names: Vec<LocalizedName>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The language the library itself catalogues in; the fallback after English.
pub const LIBRARY_LANGUAGE: &str = "uz-Latn";

impl Partner {
    /// The best name for a reader of `lang`. Fallback order: the exact tag; another tag of the
    /// same language (`uz` finds `uz-Latn`, `uz-Cyrl` finds `uz`); English; Uzbek in Latin
    /// script; Russian; then any name (the first by tag).
    pub fn best_name(&self, lang: Option<&str>) -> &str {
        best_name(&self.names, lang)
    }
}

pub fn best_name<'a>(names: &'a [LocalizedName], lang: Option<&str>) -> &'a str {
    let primary = |tag: &str| tag.split('-').next().unwrap_or_default().to_ascii_lowercase();
    let by_tag = |tag: &str| names.iter().find(|n| n.lang.eq_ignore_ascii_case(tag));
    let requested = lang.and_then(|wanted| {
        by_tag(wanted).or_else(|| {
            let wanted_primary = primary(wanted);
            names.iter().find(|n| primary(&n.lang) == wanted_primary)
        })
    });
    requested
        .or_else(|| by_tag("en"))
        .or_else(|| by_tag(LIBRARY_LANGUAGE))
        .or_else(|| names.iter().find(|n| primary(&n.lang) == "uz"))
        .or_else(|| by_tag("ru"))
        .or_else(|| names.first())
        .map_or("", |n| n.value.as_str())
}

/// Everything stored about a partner: what it is created from and what an update changes.
#[derive(Clone, Debug)]
pub struct PartnerDraft {
    pub kind: PartnerKind,
    pub country: Option<String>,
    pub city: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub isil: Option<String>,
    pub active: bool,
    pub names: Vec<LocalizedName>,
}

/// A change to a partner; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Clone, Debug, Default)]
pub struct PartnerPatch {
    pub kind: Option<PartnerKind>,
    pub country: Option<Option<String>>,
    pub city: Option<Option<String>>,
    pub website: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub isil: Option<Option<String>>,
    pub active: Option<bool>,
    /// Replaces all the partner's names.
    pub names: Option<Vec<LocalizedName>>,
}

pub const MAX_NAME_CHARS: usize = 300;
const MAX_NAMES: usize = 50;
const MAX_CITY_CHARS: usize = 200;

impl PartnerDraft {
    /// Checks and normalises every field: an empty optional text is no value, codes are
    /// upper-cased, names are sorted by language.
    pub fn validate(self) -> Result<Self> {
        Ok(PartnerDraft {
            kind: self.kind,
            country: optional(self.country, |c| validate::country("country", c))?,
            city: validate::optional_text("city", self.city.as_deref(), MAX_CITY_CHARS)?,
            website: optional(self.website, |v| validate::web_url("website", v))?,
            email: optional(self.email, |v| validate::email("email", v))?,
            isil: optional(self.isil, |v| validate::isil("isil", v))?,
            active: self.active,
            names: validate_names(self.names)?,
        })
    }
}

impl PartnerPatch {
    pub fn apply(self, mut to: PartnerDraft) -> PartnerDraft {
        set(&mut to.kind, self.kind);
        set(&mut to.country, self.country);
        set(&mut to.city, self.city);
        set(&mut to.website, self.website);
        set(&mut to.email, self.email);
        set(&mut to.isil, self.isil);
        set(&mut to.active, self.active);
        set(&mut to.names, self.names);
        to
    }
}

impl Aggregate for Partner {
    type Draft = PartnerDraft;
    type Patch = PartnerPatch;

    fn apply(patch: PartnerPatch, to: PartnerDraft) -> PartnerDraft {
        patch.apply(to)
    }

    fn validate(draft: PartnerDraft) -> Result<PartnerDraft> {
        draft.validate()
    }

    fn load_for_update(conn: &mut PgConnection, id: i64) -> impl Future<Output = Result<PartnerDraft>> + Send {
        db::get_for_update(conn, id)
    }

    fn store(conn: &mut PgConnection, id: i64, draft: &PartnerDraft) -> impl Future<Output = Result<()>> + Send {
        db::update(conn, id, draft)
    }

    fn get(conn: &mut PgConnection, id: i64) -> impl Future<Output = Result<Partner>> + Send {
        db::get(conn, id)
    }
}

/// Validates a set of names: at least one, valid and distinct language tags, sane lengths.
pub fn validate_names(names: Vec<LocalizedName>) -> Result<Vec<LocalizedName>> {
    if names.is_empty() {
        return Err(Error::invalid("names", "a partner needs at least one name"));
    }
    if names.len() > MAX_NAMES {
        return Err(Error::invalid("names", format!("at most {MAX_NAMES} names are allowed")));
    }
    let mut valid: Vec<LocalizedName> = Vec::with_capacity(names.len());
    for name in names {
        let lang = validate::language_tag("names", &name.lang)?;
        let value = validate::text("names", &name.value, MAX_NAME_CHARS)?;
        if valid.iter().any(|n| n.lang == lang) {
            return Err(Error::invalid("names", format!("two names are given for the language {lang}")));
        }
        valid.push(LocalizedName { lang, value });
    }
    valid.sort_by(|a, b| a.lang.cmp(&b.lang));
    Ok(valid)
}

/// An optional text field with a format of its own: blank is no value, anything else must
/// pass `check`.
fn optional(value: Option<String>, check: impl Fn(&str) -> Result<String>) -> Result<Option<String>> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => check(v).map(Some),
    }
}

/// Partners are public; what is private to one is hidden field by field.
impl crate::access::Visible for Partner {
    fn visible_to(&self, _scope: crate::access::Scope) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(pairs: &[(&str, &str)]) -> Vec<LocalizedName> {
        pairs.iter().map(|(l, v)| LocalizedName { lang: l.to_string(), value: v.to_string() }).collect()
    }

    #[test]
    fn best_name_falls_back_in_the_documented_order() {
        let n = names(&[
            ("ko", "국립중앙도서관"),
            ("ru", "Национальная библиотека Кореи"),
            ("uz-Latn", "Koreya Milliy kutubxonasi"),
        ]);
        assert_eq!(best_name(&n, Some("ko")), "국립중앙도서관");
        assert_eq!(best_name(&n, Some("uz")), "Koreya Milliy kutubxonasi");
        assert_eq!(best_name(&n, Some("fr")), "Koreya Milliy kutubxonasi");
        assert_eq!(best_name(&n, None), "Koreya Milliy kutubxonasi");
        let n = names(&[("ru", "Гёте-Институт"), ("de", "Goethe-Institut")]);
        assert_eq!(best_name(&n, Some("tr")), "Гёте-Институт");
    }

    #[test]
    fn names_are_validated() {
        assert!(validate_names(vec![]).is_err());
        assert!(validate_names(names(&[("en", "A"), ("EN", "B")])).is_err());
        assert!(validate_names(names(&[("english", "A")])).is_err());
        let ok = validate_names(names(&[("uz-latn", " Milliy kutubxona ")])).unwrap();
        assert_eq!(ok, names(&[("uz-Latn", "Milliy kutubxona")]));
    }
}
