//! What `search` takes: the filter and the order.

use async_graphql::{ID, InputObject};

use crate::document::{self, identifiers};
use crate::error::{Error, Result as DomainResult, quoted};
use crate::exchange;
use crate::graphql::enums::{Direction, DocumentFormat, ExchangeDirection};
use crate::graphql::id::{self, NodeKind};
use crate::search::searcher::Filter;

#[derive(InputObject, Default)]
pub struct SearchFilter {
    /// ISO 639 codes in any form; a document in any of them matches.
    #[graphql(default)]
    languages: Vec<String>,
    #[graphql(default)]
    formats: Vec<DocumentFormat>,
    year_from: Option<i32>,
    year_to: Option<i32>,
    /// Documents that came from any of these partners.
    #[graphql(default)]
    partner_ids: Vec<ID>,
    /// ISO 3166-1 alpha-2 codes of the partners' countries.
    #[graphql(default)]
    countries: Vec<String>,
    /// Documents received from partners (INCOMING) or sent to them (OUTGOING).
    direction: Option<ExchangeDirection>,
    /// Documents with copies shelved in these project reading rooms.
    #[graphql(default)]
    project_ids: Vec<ID>,
    /// Documents of which this library holds an available copy (true), or none (false).
    has_available_holding: Option<bool>,
}

const MAX_FILTER_VALUES: usize = 100;

/// How deep results can be paged, like Elasticsearch's `max_result_window`: ranking keeps
/// every hit up to the page in memory, so a cursor a million hits deep would cost as much
/// as a million-hit page. Past this, narrowing the query or a filter is the way on.
pub const MAX_SEARCH_DEPTH: i64 = 10_000;

impl SearchFilter {
    pub(super) fn validate(self) -> DomainResult<Filter> {
        let lists = [
            self.languages.len(),
            self.formats.len(),
            self.partner_ids.len(),
            self.countries.len(),
            self.project_ids.len(),
        ];
        if lists.iter().any(|n| *n > MAX_FILTER_VALUES) {
            return Err(Error::invalid("filter", format!("a filter takes at most {MAX_FILTER_VALUES} values")));
        }
        if let (Some(from), Some(to)) = (self.year_from, self.year_to)
            && to < from
        {
            return Err(Error::invalid("filter.yearTo", format!("yearTo ({to}) is before yearFrom ({from})")));
        }
        let ids = |field: &'static str, ids: &[ID], kind: NodeKind| -> DomainResult<Vec<i64>> {
            ids.iter().map(|id| id::decode_as(field, id, kind)).collect()
        };
        Ok(Filter {
            languages: self
                .languages
                .iter()
                .map(|code| {
                    identifiers::normalize_language(code).ok_or_else(|| {
                        Error::invalid("filter.languages", format!("{} is not an ISO 639 language code", quoted(code)))
                    })
                })
                .collect::<DomainResult<_>>()?,
            formats: self.formats.iter().map(|f| document::DocumentFormat::from(*f).as_str().to_owned()).collect(),
            year_from: self.year_from,
            year_to: self.year_to,
            partners: ids("filter.partnerIds", &self.partner_ids, NodeKind::Partner)?,
            countries: self
                .countries
                .iter()
                .map(|c| crate::validate::country("filter.countries", c))
                .collect::<DomainResult<_>>()?,
            directions: self
                .direction
                .map(|d| vec![exchange::ExchangeDirection::from(d).as_str().to_owned()])
                .unwrap_or_default(),
            projects: ids("filter.projectIds", &self.project_ids, NodeKind::Project)?,
            available: self.has_available_holding,
        })
    }
}

#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum SearchOrderField {
    /// Best match first (exact spelling, then folded, stemmed, other-script, prefix, typo).
    #[default]
    Relevance,
    Year,
    /// When the document was catalogued.
    DateAdded,
}

#[derive(InputObject, Default)]
pub struct SearchOrderBy {
    pub(super) field: SearchOrderField,
    /// For YEAR and DATE_ADDED (relevance is always best first).
    #[graphql(default_with = "Direction::Desc")]
    pub(super) direction: Direction,
}
