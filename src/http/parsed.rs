//! Parsed GraphQL documents, kept by their text.
//!
//! Frontends send the same few documents over and over with different variables, and
//! parsing one (a results page is about 40 fields) costs a tenth of a millisecond, as much
//! as the search behind it. A copy of the parsed tree costs a fraction of that. Only
//! documents that parse are kept, and only short ones, so a client sending endless new or
//! huge texts only evicts entries and never grows the server's memory.

use std::num::NonZeroUsize;
use std::sync::Mutex;

use async_graphql::parser::types::ExecutableDocument;
use lru::LruCache;

/// Distinct documents kept: far more than an application's screens send.
const KEPT: NonZeroUsize = NonZeroUsize::new(512).expect("not zero");

/// Longer documents are parsed every time (they are rare, and their text would weigh on
/// the cache).
const LONGEST_KEPT_BYTES: usize = 32 * 1024;

pub struct ParsedDocuments {
    kept: Mutex<LruCache<String, ExecutableDocument>>,
}

impl Default for ParsedDocuments {
    fn default() -> Self {
        ParsedDocuments { kept: Mutex::new(LruCache::new(KEPT)) }
    }
}

impl ParsedDocuments {
    /// `query` parsed: the kept copy when the same text was parsed before.
    pub fn parse(&self, query: &str) -> Result<ExecutableDocument, async_graphql::parser::Error> {
        if let Some(document) = self.lock().get(query) {
            return Ok(document.clone());
        }
        let document = async_graphql::parser::parse_query(query)?;
        if query.len() <= LONGEST_KEPT_BYTES {
            self.lock().put(query.to_owned(), document.clone());
        }
        Ok(document)
    }

    /// Documents kept now.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The cache holds no invariant a panicking holder could break: a poisoned lock is
    /// still usable.
    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<String, ExecutableDocument>> {
        self.kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_document_is_the_document_parsed_again() {
        let documents = ParsedDocuments::default();
        let text = "query Q($q: String!) { search(query: $q, first: 20) { totalCount edges { node { score } } } }";
        let first = documents.parse(text).expect("parses");
        let again = documents.parse(text).expect("parses");
        assert_eq!(documents.len(), 1);
        assert_eq!(format!("{first:?}"), format!("{again:?}"));
        assert_eq!(format!("{again:?}"), format!("{:?}", async_graphql::parser::parse_query(text).unwrap()));
    }

    #[test]
    fn bad_and_huge_documents_are_not_kept() {
        let documents = ParsedDocuments::default();
        assert!(documents.parse("{ search(query: ").is_err());
        assert!(documents.is_empty());
        let huge = format!("{{ {} }}", "__typename ".repeat(LONGEST_KEPT_BYTES / 10));
        assert!(documents.parse(&huge).is_ok());
        assert!(documents.is_empty());
    }

    #[test]
    fn only_the_most_recent_documents_are_kept() {
        let documents = ParsedDocuments::default();
        for i in 0..KEPT.get() + 10 {
            documents.parse(&format!("{{ a{i}: __typename }}")).expect("parses");
        }
        assert_eq!(documents.len(), KEPT.get());
    }
}
