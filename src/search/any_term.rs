//! Documents holding any of a few known terms of one field, unscored: the words a prefix, a
//! misspelling or a one-character CJK word stood for.
//!
//! Tantivy's `TermSetQuery` builds an FST of the terms for every search and walks the term
//! dictionary with it, then marks the documents in a bitset as large as the segment. The
//! terms here are already exact dictionary entries, so each is looked up directly; few
//! postings are merged into a sorted list, and only many of them into a bitset.

use tantivy::query::{BitSetDocSet, ConstScorer, EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::IndexRecordOption;
use tantivy::{BitSet, DocId, DocSet, Score, SegmentReader, TERMINATED, Term};

/// Above this share of a segment's documents, a bitset is cheaper than sorting a list.
const BITSET_SHARE: u32 = 32;

#[derive(Clone, Debug)]
pub struct AnyTermQuery {
    /// Terms of one field.
    terms: Vec<Term>,
}

impl AnyTermQuery {
    pub fn new(terms: Vec<Term>) -> Self {
        AnyTermQuery { terms }
    }
}

impl Query for AnyTermQuery {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(AnyTermWeight { terms: self.terms.clone() }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for term in &self.terms {
            visitor(term, false);
        }
    }
}

struct AnyTermWeight {
    terms: Vec<Term>,
}

impl Weight for AnyTermWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let Some(field) = self.terms.first().map(Term::field) else { return Ok(Box::new(EmptyScorer)) };
        let index = reader.inverted_index(field)?;
        let mut found = Vec::with_capacity(self.terms.len());
        let mut postings = 0u64;
        for term in &self.terms {
            if let Some(info) = index.get_term_info(term)? {
                postings += u64::from(info.doc_freq);
                found.push(info);
            }
        }
        if found.is_empty() {
            return Ok(Box::new(EmptyScorer));
        }
        // Every posting of the terms found, a block at a time.
        let read_all = |visit: &mut dyn FnMut(&[DocId])| -> std::io::Result<()> {
            for info in &found {
                let mut block = index.read_block_postings_from_terminfo(info, IndexRecordOption::Basic)?;
                while !block.docs().is_empty() {
                    visit(block.docs());
                    block.advance();
                }
            }
            Ok(())
        };
        let max_doc = reader.max_doc();
        if postings > u64::from(max_doc / BITSET_SHARE) {
            let mut docs = BitSet::with_max_value(max_doc);
            read_all(&mut |block| {
                for &doc in block {
                    docs.insert(doc);
                }
            })?;
            return Ok(Box::new(ConstScorer::new(BitSetDocSet::from(docs), boost)));
        }
        let mut docs = Vec::with_capacity(postings as usize);
        read_all(&mut |block| docs.extend_from_slice(block))?;
        docs.sort_unstable();
        docs.dedup();
        Ok(Box::new(ConstScorer::new(SortedDocs { docs, cursor: 0 }, boost)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        super::matching::explain_by_scoring(self, reader, doc, "holds one of the expanded terms")
    }
}

/// A sorted list of distinct documents, sought by binary search.
struct SortedDocs {
    docs: Vec<DocId>,
    cursor: usize,
}

impl DocSet for SortedDocs {
    fn advance(&mut self) -> DocId {
        self.cursor = (self.cursor + 1).min(self.docs.len());
        self.doc()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        let rest = &self.docs[self.cursor..];
        self.cursor += rest.partition_point(|&doc| doc < target);
        self.doc()
    }

    fn doc(&self) -> DocId {
        self.docs.get(self.cursor).copied().unwrap_or(TERMINATED)
    }

    fn size_hint(&self) -> u32 {
        (self.docs.len() - self.cursor) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_docs_advance_and_seek() {
        let mut docs = SortedDocs { docs: vec![2, 5, 9, 40], cursor: 0 };
        assert_eq!(docs.doc(), 2);
        assert_eq!(docs.advance(), 5);
        assert_eq!(docs.seek(5), 5);
        assert_eq!(docs.seek(6), 9);
        assert_eq!(docs.seek(41), TERMINATED);
        assert_eq!(docs.advance(), TERMINATED);
        let mut empty = SortedDocs { docs: Vec::new(), cursor: 0 };
        assert_eq!(empty.doc(), TERMINATED);
        assert_eq!(empty.advance(), TERMINATED);
    }
}
