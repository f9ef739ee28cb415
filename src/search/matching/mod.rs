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

mod cursor;

use tantivy::query::{EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED};

use self::cursor::{Cursor, PartWeight};

/// One posting list of a clause.
#[derive(Debug)]
pub struct Part {
    pub query: Box<dyn Query>,
    /// What matching here is worth: tier and field (see `searcher`).
    pub constant: Score,
    /// Whether the part's own score (BM25 for text) is added; expansions score constants only.
    pub relevance: bool,
    /// How many times its own score counts: more than once for a form that stands for forms
    /// left unread (see `searcher::echoes`).
    pub boost: Score,
}

impl Clone for Part {
    fn clone(&self) -> Self {
        Part { query: self.query.box_clone(), constant: self.constant, relevance: self.relevance, boost: self.boost }
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
                let relevance = part.relevance && enable_scoring.is_scoring_enabled();
                let weight = PartWeight::new(part.query.as_ref(), relevance, enable_scoring)?;
                Ok(PartOfClause { weight, constant: part.constant, relevance, boost: part.boost })
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

struct PartOfClause {
    weight: PartWeight,
    constant: Score,
    relevance: bool,
    boost: Score,
}

struct ClauseWeight {
    parts: Vec<PartOfClause>,
}

impl Weight for ClauseWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut parts = Vec::with_capacity(self.parts.len());
        for part in &self.parts {
            let Some(cursor) = part.weight.cursor(reader, boost * part.boost)? else { continue };
            let doc = cursor.doc();
            if doc != TERMINATED {
                parts.push(PartScorer { cursor, doc, constant: part.constant * boost, relevance: part.relevance });
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
    cursor: Cursor,
    /// `cursor.doc()`, kept here: the union asks for it far more often than it changes.
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
                part.doc = part.cursor.advance();
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
                part.doc = part.cursor.seek(target);
            }
        }
        self.settle()
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.parts.iter().map(|p| p.cursor.size_hint()).max().unwrap_or(0)
    }

    /// Every list is read: the parts' costs add up, as in tantivy's unions.
    fn cost(&self) -> u64 {
        self.parts.iter().map(|p| p.cursor.cost()).sum()
    }
}

impl Scorer for ClauseScorer {
    fn score(&mut self) -> Score {
        let (mut best, mut relevance) = (0.0_f32, 0.0_f32);
        for part in &mut self.parts {
            if part.doc == self.doc {
                best = best.max(part.constant);
                if part.relevance {
                    relevance += part.cursor.score();
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
            Part { query: term(title, "apple"), constant: 1000.0, relevance: true, boost: 1.0 },
            Part { query: term(body, "apple"), constant: 500.0, relevance: true, boost: 1.0 },
            // An expansion: a constant only.
            Part {
                query: Box::new(ConstScoreQuery::new(term(body, "plum"), 1.0)),
                constant: 100.0,
                relevance: false,
                boost: 1.0,
            },
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

    /// A term part scores exactly what tantivy's term query scores (its BM25), times its
    /// boost, on every document; a part of another kind scores through its own scorer.
    #[test]
    fn a_term_part_scores_as_the_term_query_does() {
        let mut builder = Schema::builder();
        let body = builder.add_text_field("body", TEXT);
        let index = Index::create_in_ram(builder.build());
        let mut writer: IndexWriter = index.writer(15_000_000).unwrap();
        for text in ["apple", "apple apple pear", "pear plum", "apple in a long body of other words", "plum"] {
            writer.add_document(doc!(body => text)).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let scores = |query: &dyn Query| {
            let mut found = searcher.search(query, &TopDocs::with_limit(10).order_by_score()).unwrap();
            found.sort_by_key(|(_, address)| *address);
            found.into_iter().map(|(score, address)| (address.doc_id, score)).collect::<Vec<_>>()
        };
        let apple = scores(term(body, "apple").as_ref());
        assert_eq!(apple.len(), 3);
        for boost in [1.0, 3.0] {
            let clause =
                ClauseQuery::new(vec![Part { query: term(body, "apple"), constant: 0.0, relevance: true, boost }]);
            let found = scores(&clause);
            assert_eq!(found.iter().map(|f| f.0).collect::<Vec<_>>(), [0, 1, 3]);
            for (&(_, score), &(_, alone)) in found.iter().zip(&apple) {
                assert!((score - alone * boost).abs() <= 1e-5 * score, "boost {boost}: {score} against {alone}");
            }
            let boxed = ClauseQuery::new(vec![Part {
                query: Box::new(tantivy::query::BooleanQuery::new(vec![(
                    tantivy::query::Occur::Must,
                    term(body, "apple"),
                )])),
                constant: 0.0,
                relevance: true,
                boost,
            }]);
            assert_eq!(scores(&boxed), found, "boost {boost}, through a scorer of its own");
        }
    }
}
