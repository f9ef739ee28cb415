//! One clause of a query (a word or a phrase) matched every way it can be, scored in one pass.
//!
//! A clause is searched as many (field, term) postings: as written, folded, stemmed and
//! cross-script in each source field, plus the prefix and typo expansions. Each posting list
//! carries a constant for its kind of match and field ([`Part::constant`]); a document scores
//! the best constant among the lists it is in, plus the BM25 of the text matches. Tantivy's
//! own queries express this as nested disjunctions that read every posting list twice (once
//! for the constant, once for BM25) and re-buffer at every level; here each list is read once,
//! in a single union.
//!
//! Every matching document is scored, also one that cannot enter the page. Skipping the
//! BM25 of those (Lucene's "minimum competitive score": the page's lowest score published to
//! the clause, against the most each matching list's BM25 can add) gave exactly the same
//! pages but did not pay: at a million documents BM25 fell from a fifth of a common word's
//! profile to a tenth, yet the process's CPU time fell only 3% and pages were no faster
//! within the machine's noise (reading the posting lists and counting facets stay); at
//! 100,000 documents under load it lost 4-7% of throughput to the bound's dictionary
//! lookups and the extra pass over the lists. A build that computed no BM25 at all, the
//! most any such bound could save, answered common words, two common words and filtered
//! words at a million documents no faster than this one.

use tantivy::query::{EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED};

/// One posting list of a clause.
#[derive(Debug)]
pub struct Part {
    pub query: Box<dyn Query>,
    /// What matching here is worth: tier and field (see `searcher`).
    pub constant: Score,
    /// Whether the part's own score (BM25 for text) is added; expansions score constants only.
    pub relevance: bool,
}

impl Clone for Part {
    fn clone(&self) -> Self {
        Part { query: self.query.box_clone(), constant: self.constant, relevance: self.relevance }
    }
}

/// A clause: matches where any part matches; scores the best part's constant plus the sum of
/// the matching parts' relevance.
#[derive(Clone, Debug)]
pub struct ClauseQuery {
    parts: Vec<Part>,
}

impl ClauseQuery {
    pub fn new(parts: Vec<Part>) -> Self {
        ClauseQuery { parts }
    }
}

impl Query for ClauseQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let parts = self
            .parts
            .iter()
            .map(|part| {
                let weight = part.query.weight(enable_scoring)?;
                Ok((weight, part.constant, part.relevance && enable_scoring.is_scoring_enabled()))
            })
            .collect::<tantivy::Result<_>>()?;
        Ok(Box::new(ClauseWeight { parts }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a tantivy::Term, bool)) {
        for part in &self.parts {
            part.query.query_terms(visitor);
        }
    }
}

struct ClauseWeight {
    parts: Vec<(Box<dyn Weight>, Score, bool)>,
}

impl Weight for ClauseWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut parts = Vec::with_capacity(self.parts.len());
        for (weight, constant, relevance) in &self.parts {
            let scorer = weight.scorer(reader, boost)?;
            let doc = scorer.doc();
            if doc != TERMINATED {
                parts.push(PartScorer { scorer, doc, constant: constant * boost, relevance: *relevance });
            }
        }
        if parts.is_empty() {
            return Ok(Box::new(EmptyScorer));
        }
        let doc = parts.iter().map(|p| p.doc).min().unwrap_or(TERMINATED);
        Ok(Box::new(ClauseScorer { parts, doc }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        explain_by_scoring(self, reader, doc, "best kind of match plus relevance")
    }
}

/// A weight's explanation as its score alone: its parts are posting lists read in one pass,
/// with no separate explanation of their own.
pub(super) fn explain_by_scoring(
    weight: &dyn Weight,
    reader: &SegmentReader,
    doc: DocId,
    what: &'static str,
) -> tantivy::Result<Explanation> {
    let mut scorer = weight.scorer(reader, 1.0)?;
    if scorer.seek(doc) != doc {
        return Err(tantivy::TantivyError::InvalidArgument(format!("document {doc} does not match")));
    }
    Ok(Explanation::new(what, scorer.score()))
}

struct PartScorer {
    scorer: Box<dyn Scorer>,
    /// `scorer.doc()`, kept here: the union asks for it far more often than it changes.
    doc: DocId,
    constant: Score,
    relevance: bool,
}

/// The union of the parts' posting lists. A clause has a few dozen parts at most and most of
/// them are empty in a segment, so a linear scan for the smallest document beats a heap.
struct ClauseScorer {
    parts: Vec<PartScorer>,
    doc: DocId,
}

impl ClauseScorer {
    fn settle(&mut self) -> DocId {
        let (mut next, mut ended) = (TERMINATED, false);
        for part in &self.parts {
            next = next.min(part.doc);
            ended |= part.doc == TERMINATED;
        }
        if ended {
            self.parts.retain(|p| p.doc != TERMINATED);
        }
        self.doc = next;
        next
    }
}

impl DocSet for ClauseScorer {
    fn advance(&mut self) -> DocId {
        let current = self.doc;
        for part in &mut self.parts {
            if part.doc == current {
                part.doc = part.scorer.advance();
            }
        }
        self.settle()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if target <= self.doc {
            return self.doc;
        }
        for part in &mut self.parts {
            if part.doc < target {
                part.doc = part.scorer.seek(target);
            }
        }
        self.settle()
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.parts.iter().map(|p| p.scorer.size_hint()).max().unwrap_or(0)
    }

    /// Every list is read: the parts' costs add up, as in tantivy's unions.
    fn cost(&self) -> u64 {
        self.parts.iter().map(|p| p.scorer.cost()).sum()
    }
}

impl Scorer for ClauseScorer {
    fn score(&mut self) -> Score {
        let (mut best, mut relevance) = (0.0_f32, 0.0_f32);
        for part in &mut self.parts {
            if part.doc == self.doc {
                best = best.max(part.constant);
                if part.relevance {
                    relevance += part.scorer.score();
                }
            }
        }
        best + relevance
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::{Count, TopDocs};
    use tantivy::query::{ConstScoreQuery, TermQuery};
    use tantivy::schema::{IndexRecordOption, STORED, Schema, TEXT};
    use tantivy::{Index, IndexWriter, TantivyDocument, Term, doc};

    use super::*;

    fn term(field: tantivy::schema::Field, text: &str) -> Box<dyn Query> {
        Box::new(TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::WithFreqs))
    }

    #[test]
    fn the_best_constant_wins_and_relevance_only_breaks_ties() {
        let mut builder = Schema::builder();
        let title = builder.add_text_field("title", TEXT | STORED);
        let body = builder.add_text_field("body", TEXT);
        let index = Index::create_in_ram(builder.build());
        let mut writer: IndexWriter = index.writer(15_000_000).unwrap();
        writer.add_document(doc!(title => "apple", body => "pear")).unwrap();
        writer.add_document(doc!(title => "pear", body => "apple apple apple")).unwrap();
        writer.add_document(doc!(title => "plum", body => "plum")).unwrap();
        writer.add_document(doc!(title => "pear", body => "apple")).unwrap();
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let query = ClauseQuery::new(vec![
            Part { query: term(title, "apple"), constant: 1000.0, relevance: true },
            Part { query: term(body, "apple"), constant: 500.0, relevance: true },
            // An expansion: a constant only.
            Part { query: Box::new(ConstScoreQuery::new(term(body, "plum"), 1.0)), constant: 100.0, relevance: false },
        ]);
        assert_eq!(searcher.search(&query, &Count).unwrap(), 4);
        let top = searcher.search(&query, &TopDocs::with_limit(4).order_by_score()).unwrap();
        let order: Vec<String> = top
            .iter()
            .map(|(_, address)| {
                let doc: TantivyDocument = searcher.doc(*address).unwrap();
                let field = doc.get_first(title).unwrap();
                format!("{}:{}", address.doc_id, tantivy::schema::Value::as_str(&field).unwrap())
            })
            .collect();
        // Title match first; of the body matches, more occurrences first; the expansion last
        // with exactly its constant.
        assert_eq!(order, ["0:apple", "1:pear", "3:pear", "2:plum"]);
        assert_eq!(top[3].0, 100.0);
        assert!(top[0].0 > 1000.0 && top[1].0 > 500.0 && top[1].0 < 1000.0);
    }
}
