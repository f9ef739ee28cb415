//! Which hits' abstracts can hold a match at all, asked of the index before any abstract is
//! read word by word. A hit found by its title or names usually has an abstract without the
//! query's words, and marking read all of such an abstract, working out the folded,
//! stemmed and cross-script form of each of its words, to find nothing (most of the time of
//! marking a page of rare words at 1,000,000 documents).

use std::collections::HashSet;

use tantivy::postings::SegmentPostings;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, DocId, DocSet, Searcher, SegmentReader, TERMINATED, Term};

use crate::search::analysis::FOLDED;
use crate::search::highlight::Matcher;
use crate::search::schema::{Fields, Source};

/// A word being typed stands for at most this many words of a segment's abstracts; beyond
/// that every abstract of the segment is read.
const MAX_PREFIXED_TERMS: usize = 64;

/// The terms of the abstract fields that a marked word of an abstract must be.
pub(super) struct AbstractTerms {
    terms: Vec<Term>,
    /// The word being typed (folded), in the folded abstract field: any term it begins.
    prefix: Option<(Field, String)>,
}

impl AbstractTerms {
    /// `None` when the matcher marks words the index's terms cannot tell (misspellings,
    /// single CJK characters inside bigrams): then every abstract is read.
    pub(super) fn of(matcher: &Matcher, fields: &Fields) -> Option<AbstractTerms> {
        let (forms, prefix) = matcher.forms_as_indexed()?;
        let terms = forms
            .into_iter()
            .flat_map(|(analyzer, words)| {
                let field = fields.text.get(Source::Abstract, analyzer);
                words.iter().map(move |word| Term::from_field_text(field, word))
            })
            .collect();
        let prefix = prefix.map(|prefix| (fields.text.get(Source::Abstract, FOLDED), prefix.to_owned()));
        Some(AbstractTerms { terms, prefix })
    }

    /// Of `addresses`, those whose abstract holds one of the terms (or that could not be
    /// told: a dictionary or posting list that cannot be read counts as holding them).
    pub(super) fn holders(&self, searcher: &Searcher, addresses: &[DocAddress]) -> HashSet<DocAddress> {
        let mut holders = HashSet::new();
        let mut segments: Vec<u32> = addresses.iter().map(|a| a.segment_ord).collect();
        segments.sort_unstable();
        segments.dedup();
        for segment_ord in segments {
            let mut docs: Vec<DocId> =
                addresses.iter().filter(|a| a.segment_ord == segment_ord).map(|a| a.doc_id).collect();
            docs.sort_unstable();
            let found = self.holders_in(searcher.segment_reader(segment_ord), &docs).unwrap_or_else(|| docs.clone());
            holders.extend(found.into_iter().map(|doc_id| DocAddress::new(segment_ord, doc_id)));
        }
        holders
    }

    /// Of `docs` (ascending), those holding a term; `None` when the segment cannot tell.
    fn holders_in(&self, reader: &SegmentReader, docs: &[DocId]) -> Option<Vec<DocId>> {
        let mut found = Vec::new();
        for term in &self.terms {
            let index = reader.inverted_index(term.field()).ok()?;
            if let Some(postings) = index.read_postings(term, IndexRecordOption::Basic).ok()? {
                holding(postings, docs, &mut found);
            }
        }
        if let Some((field, prefix)) = &self.prefix {
            let index = reader.inverted_index(*field).ok()?;
            let mut stream = index.terms().range().ge(prefix.as_bytes()).into_stream().ok()?;
            let mut expanded = 0;
            while stream.advance() && stream.key().starts_with(prefix.as_bytes()) {
                expanded += 1;
                if expanded > MAX_PREFIXED_TERMS {
                    return None;
                }
                let postings = index.read_postings_from_terminfo(stream.value(), IndexRecordOption::Basic).ok()?;
                holding(postings, docs, &mut found);
            }
        }
        Some(found)
    }
}

/// Adds to `found` the `docs` (ascending) that `postings` holds.
fn holding(mut postings: SegmentPostings, docs: &[DocId], found: &mut Vec<DocId>) {
    for &doc_id in docs {
        if postings.doc() == TERMINATED {
            break;
        }
        if postings.doc() <= doc_id && postings.seek(doc_id) == doc_id {
            found.push(doc_id);
        }
    }
}
