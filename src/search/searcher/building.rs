//! Building a tantivy query from a parsed one: each word or phrase in every analysed form of
//! every field, scored by the kind of match and the field; prefixes, misspellings and CJK
//! characters inside bigrams expanded; exclusions and filters.

use tantivy::query::{AllQuery, BooleanQuery, ConstScoreQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TokenizerManager;
use tantivy::{Searcher, Term};

use super::Filter;
use super::echoes::Echoes;
use crate::search::analysis::{self, FOLDED, STEMMED, TEXT, TRANSLIT};
use crate::search::any_term::AnyTermQuery;
use crate::search::expansion::{Expansion, ExpansionCache, typo_distance};
use crate::search::matching::{ClauseQuery, Part};
use crate::search::query::{Clause, ParsedQuery};
use crate::search::schema::{Fields, Source};
use crate::search::segment_table::SegmentTables;
use crate::search::year_range::YearRange;

/// Constant scores that order the kinds of match: for each word, an exact-script match
/// outranks any folded one, which outranks stemmed, cross-script, prefix and corrected
/// ones. Within a kind, the field a word is found in adds its own constant (title above
/// contributors above subjects above abstract, see [`Source::weight`]); BM25 (far below one
/// field step: at most about 25 per posting list, 16 lists per word) orders what is left.
const TIERS: [(&str, f32); 4] = [(TEXT, 50_000.0), (FOLDED, 40_000.0), (STEMMED, 30_000.0), (TRANSLIT, 20_000.0)];
/// A one-character CJK word inside an indexed bigram: the word as written, but one that
/// stands alone as a term ranks above it.
const IN_BIGRAM_TIER: f32 = 45_000.0;
const PREFIX_TIER: f32 = 10_000.0;
const TYPO_TIER: f32 = 0.0;
/// Field constant per unit of [`Source::weight`].
const FIELD_STEP: f32 = 1_000.0;

/// A single word needs its frequencies for BM25 but not its positions: asking for them
/// would open a position reader per posting list for nothing.
fn term_query(field: Field, token: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, token), IndexRecordOption::WithFreqs))
}

/// The text matched as a word or a phrase in one source, in one analysed form: `tokens`,
/// and `stemmed` its stemmed tokens. One token is a term. Two, in an analysis with word
/// pairs ([`analysis::PAIRS`]), are the term of their pair: one posting list instead of two
/// intersected and their positions read. Otherwise a phrase is read over positions, but
/// only in the documents holding its pairs: its own, or its stemmed ones (a phrase found as
/// written or folded is found stemmed too); those lists are intersected first and add
/// nothing to its score.
fn text_query(
    fields: &Fields,
    source: Source,
    analyzer: &str,
    tokens: &[String],
    stemmed: &[String],
) -> Option<Box<dyn Query>> {
    let field = fields.text.get(source, analyzer);
    let own_pairs = fields.text.pairs(source, analyzer);
    let many = match (tokens, own_pairs) {
        ([], _) => return None,
        ([one], _) => return Some(term_query(field, one)),
        ([_, _], Some(pairs)) => return Some(term_query(pairs, &analysis::pairs::of_words(tokens)[0])),
        (many, _) => many,
    };
    let phrase: Box<dyn Query> =
        Box::new(PhraseQuery::new(many.iter().map(|t| Term::from_field_text(field, t)).collect()));
    let narrowing = match own_pairs {
        Some(pairs) => Some((pairs, many)),
        None => fields.text.pairs(source, STEMMED).filter(|_| stemmed.len() == many.len()).map(|p| (p, stemmed)),
    };
    let Some((pair_field, words)) = narrowing else { return Some(phrase) };
    let mut all: Vec<(Occur, Box<dyn Query>)> = analysis::pairs::of_words(words)
        .iter()
        .map(|pair| (Occur::Must, Box::new(ConstScoreQuery::new(term_query(pair_field, pair), 0.0)) as Box<dyn Query>))
        .collect();
    all.push((Occur::Must, phrase));
    Some(Box::new(BooleanQuery::new(all)))
}

/// Prefix and typo matching look only where words are short and few: titles, names and
/// subjects. Expanding them over abstracts costs most and finds least.
const EXPANDED_SOURCES: [Source; 3] = [Source::Title, Source::Contributors, Source::Subjects];

/// What building a query may use besides the searcher: remembered expansions, and which
/// words are looked for with their misspellings.
#[derive(Clone, Copy)]
pub struct Building<'a> {
    pub expansions: &'a ExpansionCache,
    /// The segments' decoded years, which the year filter reads.
    pub tables: &'a SegmentTables,
    /// Typo tolerance is the costliest expansion: the search first runs without it, and then
    /// only for the words the index does not know as typed (see [`run`]); folded forms.
    pub corrected: &'a [String],
}

/// The words of the query that may be corrected (a word, long enough, not a lone CJK
/// character), folded.
pub(super) fn correctable(tokenizers: &TokenizerManager, query: &ParsedQuery) -> Vec<String> {
    query
        .clauses()
        .filter_map(|clause| match clause {
            Clause::Word(w) => {
                let folded = analysis::tokens(tokenizers, FOLDED, w);
                match folded.as_slice() {
                    [word] if typo_distance(word) > 0 && analysis::lone_cjk_character(&folded).is_none() => {
                        Some(word.clone())
                    }
                    _ => None,
                }
            }
            Clause::Phrase(_) => None,
        })
        .collect()
}

/// Whether the index holds `word` (folded) in any document, in any analysed form of any
/// field: a word the catalogue uses is taken as meant, not as a misspelling of another.
pub(super) fn known(searcher: &Searcher, tokenizers: &TokenizerManager, fields: &Fields, word: &str) -> bool {
    TIERS.iter().any(|(analyzer, _)| {
        let tokens = analysis::tokens(tokenizers, analyzer, word);
        let [token] = tokens.as_slice() else { return false };
        Source::ALL.iter().any(|source| {
            let term = Term::from_field_text(fields.text.get(*source, analyzer), token);
            searcher.doc_freq(&term).is_ok_and(|n| n > 0)
        })
    })
}

/// One word or phrase, in every field and every analysis; the best kind of match counts.
fn clause_query(
    searcher: &Searcher,
    tokenizers: &TokenizerManager,
    fields: &Fields,
    building: Building<'_>,
    clause: &Clause,
    prefix: bool,
) -> Option<Box<dyn Query>> {
    let (text, is_phrase) = match clause {
        Clause::Word(w) => (w.as_str(), false),
        Clause::Phrase(p) => (p.as_str(), true),
    };
    let folded = analysis::tokens(tokenizers, FOLDED, text);
    let only_cjk = analysis::only_cjk(&folded);
    let stemmed = analysis::tokens(tokenizers, STEMMED, text);
    let forms: Vec<(&str, f32, Vec<String>)> = TIERS
        .into_iter()
        // Stemming and the cross-script skeleton leave Chinese, Japanese and Korean as they
        // are folded: their posting lists would be the folded ones again, read twice more
        // (a CJK word is a phrase of bigrams, so each list is read with its positions).
        .filter(|(analyzer, _)| !(only_cjk && (*analyzer == STEMMED || *analyzer == TRANSLIT)))
        .map(|(analyzer, tier)| {
            let tokens =
                if analyzer == STEMMED { stemmed.clone() } else { analysis::tokens(tokenizers, analyzer, text) };
            (analyzer, tier, tokens)
        })
        .collect();
    let mut parts: Vec<Part> = Vec::new();
    for source in Source::ALL {
        let echoes = Echoes::of(searcher, fields, source, forms.iter().map(|(a, _, tokens)| (*a, tokens.as_slice())));
        for (analyzer, tier, tokens) in &forms {
            if echoes.is_echo(analyzer) {
                continue;
            }
            let Some(query) = text_query(fields, source, analyzer, tokens, &stemmed) else { continue };
            let (constant, boost) = (tier + source.weight() * FIELD_STEP, echoes.weight(analyzer) as f32);
            parts.push(Part { query, constant, relevance: true, boost });
        }
    }
    if let (Some(character), false) = (analysis::lone_cjk_character(&folded), is_phrase) {
        // A prefix or typo of one character means nothing; the bigrams holding it are the word.
        parts.extend(in_bigram_parts(searcher, fields, building, &folded[0], character));
    } else if let ([word], false) = (folded.as_slice(), is_phrase) {
        let vocabulary = fields.vocabulary;
        let prefixed = if prefix {
            building.expansions.expand(searcher, vocabulary, word, Expansion::Prefix).to_vec()
        } else {
            Vec::new()
        };
        let corrected: Vec<String> = if building.corrected.contains(word) {
            // Words the prefix already stands for score as prefixes.
            let corrections = building.expansions.corrections(searcher, vocabulary, word);
            corrections.iter().filter(|t| !(prefix && t.starts_with(word.as_str()))).cloned().collect()
        } else {
            Vec::new()
        };
        for source in EXPANDED_SOURCES {
            let field = fields.text.get(source, FOLDED);
            let field_constant = source.weight() * FIELD_STEP;
            parts.extend(expansion_part(field, &prefixed, PREFIX_TIER + field_constant));
            parts.extend(expansion_part(field, &corrected, TYPO_TIER + field_constant));
        }
    }
    (!parts.is_empty()).then(|| Box::new(ClauseQuery::new(parts)) as Box<dyn Query>)
}

/// A one-character CJK word inside the bigrams of every field, one part per field.
fn in_bigram_parts(
    searcher: &Searcher,
    fields: &Fields,
    building: Building<'_>,
    word: &str,
    character: char,
) -> Vec<Part> {
    let expansion = Expansion::InBigrams(character);
    let in_vocabulary = building.expansions.expand(searcher, fields.vocabulary, word, expansion);
    let mut parts = Vec::new();
    for source in Source::ALL {
        let field = fields.text.get(source, FOLDED);
        let bigrams = if EXPANDED_SOURCES.contains(&source) {
            in_vocabulary.to_vec()
        } else {
            building.expansions.expand(searcher, field, word, expansion).to_vec()
        };
        parts.extend(expansion_part(field, &bigrams, IN_BIGRAM_TIER + source.weight() * FIELD_STEP));
    }
    parts
}

/// The words an expansion found, looked up in one field.
fn expansion_part(field: Field, words: &[String], constant: f32) -> Option<Part> {
    let terms: Vec<Term> = words.iter().map(|w| Term::from_field_text(field, w)).collect();
    (!terms.is_empty()).then(|| Part {
        query: Box::new(AnyTermQuery::new(terms)),
        constant,
        relevance: false,
        boost: 1.0,
    })
}

/// What must not match: the word in its exact, folded or cross-script form (not its typos).
/// A one-character CJK word is excluded inside longer words too, as it is found there.
fn exclusion_query(
    searcher: &Searcher,
    tokenizers: &TokenizerManager,
    fields: &Fields,
    building: Building<'_>,
    clause: &Clause,
) -> Option<Box<dyn Query>> {
    let text = match clause {
        Clause::Word(w) | Clause::Phrase(w) => w,
    };
    let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let folded = analysis::tokens(tokenizers, FOLDED, text);
    if let (Some(character), Clause::Word(_)) = (analysis::lone_cjk_character(&folded), clause) {
        any.extend(
            in_bigram_parts(searcher, fields, building, &folded[0], character)
                .into_iter()
                .map(|p| (Occur::Should, p.query)),
        );
    }
    let stemmed = analysis::tokens(tokenizers, STEMMED, text);
    for analyzer in [TEXT, FOLDED, TRANSLIT] {
        let tokens = analysis::tokens(tokenizers, analyzer, text);
        for source in Source::ALL {
            if let Some(q) = text_query(fields, source, analyzer, &tokens, &stemmed) {
                any.push((Occur::Should, q));
            }
        }
    }
    (!any.is_empty()).then(|| Box::new(BooleanQuery::new(any)) as Box<dyn Query>)
}

fn any_of(terms: Vec<Term>) -> Option<Box<dyn Query>> {
    if terms.is_empty() {
        return None;
    }
    let clauses = terms
        .into_iter()
        .map(|t| (Occur::Should, Box::new(TermQuery::new(t, IndexRecordOption::Basic)) as Box<dyn Query>))
        .collect();
    Some(Box::new(ConstScoreQuery::new(Box::new(BooleanQuery::new(clauses)), 0.0)))
}

fn filter_queries(fields: &Fields, tables: &SegmentTables, filter: &Filter) -> Vec<Box<dyn Query>> {
    let text_terms = |field: Field, values: &[String]| values.iter().map(|v| Term::from_field_text(field, v)).collect();
    let id_terms =
        |field: Field, values: &[i64]| values.iter().map(|v| Term::from_field_u64(field, *v as u64)).collect();
    let mut out: Vec<Box<dyn Query>> = [
        any_of(text_terms(fields.language, &filter.languages)),
        any_of(text_terms(fields.format, &filter.formats)),
        any_of(id_terms(fields.partner, &filter.partners)),
        any_of(text_terms(fields.country, &filter.countries)),
        any_of(text_terms(fields.direction, &filter.directions)),
        any_of(id_terms(fields.project, &filter.projects)),
        filter.available.and_then(|a| any_of(vec![Term::from_field_bool(fields.available, a)])),
    ]
    .into_iter()
    .flatten()
    .collect();
    if let Some(years) = YearRange::new(tables.clone(), fields.year, filter.year_from, filter.year_to) {
        out.push(Box::new(years));
    }
    out
}

/// The whole query: every group (one of its clauses) must match, no exclusion may, and
/// every filter must. An empty query lists everything the filters let through.
pub fn build_query(
    searcher: &Searcher,
    tokenizers: &TokenizerManager,
    fields: &Fields,
    building: Building<'_>,
    query: &ParsedQuery,
    filter: &Filter,
) -> Box<dyn Query> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let last_group = query.groups.len().saturating_sub(1);
    for (i, group) in query.groups.iter().enumerate() {
        let last_clause = group.len().saturating_sub(1);
        let alternatives: Vec<(Occur, Box<dyn Query>)> = group
            .iter()
            .enumerate()
            .filter_map(|(j, clause)| {
                let prefix = query.last_is_prefix && i == last_group && j == last_clause;
                clause_query(searcher, tokenizers, fields, building, clause, prefix).map(|q| (Occur::Should, q))
            })
            .collect();
        match alternatives.len() {
            0 => {}
            1 => clauses.extend(alternatives.into_iter().map(|(_, q)| (Occur::Must, q))),
            _ => clauses.push((Occur::Must, Box::new(BooleanQuery::new(alternatives)))),
        }
    }
    if clauses.is_empty() {
        clauses.push((Occur::Must, Box::new(AllQuery)));
    }
    for clause in &query.excluded {
        if let Some(q) = exclusion_query(searcher, tokenizers, fields, building, clause) {
            clauses.push((Occur::MustNot, q));
        }
    }
    for q in filter_queries(fields, building.tables, filter) {
        clauses.push((Occur::Must, q));
    }
    Box::new(BooleanQuery::new(clauses))
}
