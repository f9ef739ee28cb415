//! Walks of the term dictionaries: the indexed words a prefix or a misspelt word stands for,
//! and the closest indexed word for "did you mean".
//!
//! Expansions are resolved to a bounded list of terms before the query runs, like
//! Elasticsearch's `max_expansions`: a two-letter prefix can stand for thousands of words,
//! and reading every one of their posting lists would cost more than the rest of the search.

use std::collections::HashMap;
use std::sync::Arc;

use tantivy::index::SegmentId;
use tantivy::query::FuzzyTermQuery;
use tantivy::schema::Field;
use tantivy::tokenizer::TokenizerManager;
use tantivy::{Searcher, SegmentReader, Term};
use tantivy_fst::Automaton;

use super::analysis::{self, FOLDED, TRANSLIT};
use super::cjk_automaton::ContainsChar;
use super::prefix_automaton::Prefix;
use super::schema::{Fields, Source};
use super::typo_index::TypoIndex;

/// At most this many words stand for one prefix or misspelling in one field (the most
/// frequent ones).
pub const MAX_EXPANSIONS: usize = 64;
/// A one-character CJK word stands for more: every bigram containing it is the word itself,
/// not a guess, so recall matters more than for a prefix.
pub const MAX_BIGRAMS: usize = 1024;
/// At most this many candidate words are read per field and segment while choosing them.
const MAX_SCANNED: usize = 4096;

/// Typo tolerance: one edit from 5 letters, two from 9.
pub fn typo_distance(word: &str) -> u8 {
    match word.chars().count() {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// What a word may stand for besides itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Expansion {
    /// Words it begins.
    Prefix,
    /// Words within this many edits (a transposition counts as one).
    Typos(u8),
    /// For a one-character Chinese, Japanese or Korean word: the indexed bigrams that
    /// contain it (see [`ContainsChar`]).
    InBigrams(char),
}

/// What a cache entry is the answer to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Walk {
    Expansion(Expansion),
    /// The one closest word, for "did you mean" (see [`closest_term`]).
    Closest,
}

/// Expansions already worked out for the searcher generation they were worked out on: the
/// same prefix or misspelling typed again (a popular search, the next page, a facet
/// clicked) costs a lookup, not a walk of the dictionary. A new generation (a commit)
/// starts afresh.
pub struct ExpansionCache {
    /// The generation the entries belong to, and the entries.
    entries: std::sync::Mutex<(u64, Entries)>,
    /// Each segment's vocabulary by letter pairs, for misspellings: kept while the segment
    /// is part of the index (segments never change).
    typo_indexes: std::sync::Mutex<HashMap<(SegmentId, Field), Arc<TypoIndex>>>,
}

type Entries = HashMap<(Field, String, Walk), Arc<Vec<String>>>;

/// More entries than this and the cache starts over: a few megabytes at most.
const CACHE_ENTRIES: usize = 20_000;

impl Default for ExpansionCache {
    fn default() -> Self {
        ExpansionCache {
            entries: std::sync::Mutex::new((u64::MAX, HashMap::new())),
            typo_indexes: std::sync::Mutex::new(HashMap::new()),
        }
    }
}

impl ExpansionCache {
    /// `expand` (without a skip filter), remembered for this searcher's generation.
    pub fn expand(&self, searcher: &Searcher, field: Field, word: &str, expansion: Expansion) -> Arc<Vec<String>> {
        self.remembered(searcher, (field, word.to_owned(), Walk::Expansion(expansion)), || match expansion {
            Expansion::Typos(distance) => self
                .misspellings_by_pairs(searcher, field, word, distance)
                .unwrap_or_else(|| expand(searcher, field, word, expansion, |_| false)),
            _ => expand(searcher, field, word, expansion, |_| false),
        })
    }

    /// The words a misspelt `word` (folded) is corrected to: its misspellings within the
    /// distance its length allows ([`typo_distance`]), none for a word too short for any.
    pub fn corrections(&self, searcher: &Searcher, field: Field, word: &str) -> Arc<Vec<String>> {
        match typo_distance(word) {
            0 => Arc::default(),
            distance => self.expand(searcher, field, word, Expansion::Typos(distance)),
        }
    }

    /// What [`expand`] finds for `Typos(distance)`, looked up by letter pairs (see
    /// [`TypoIndex`]); `None` when the word is too short for that, or a segment's
    /// dictionary cannot be read.
    fn misspellings_by_pairs(
        &self,
        searcher: &Searcher,
        field: Field,
        word: &str,
        distance: u8,
    ) -> Option<Vec<String>> {
        let mut frequencies: HashMap<String, u64> = HashMap::new();
        for segment in searcher.segment_readers() {
            let index = self.typo_index(segment, field)?;
            let usable = index.within(word, distance, |candidate, documents| {
                if candidate != word {
                    *frequencies.entry(candidate.to_owned()).or_insert(0) += u64::from(documents);
                }
            });
            if !usable {
                return None;
            }
        }
        Some(most_documents_first(frequencies, MAX_EXPANSIONS))
    }

    /// Builds the segments' [`TypoIndex`] of each of `fields` ahead of the first
    /// misspelling, and forgets those of segments `searcher` no longer has (merged away).
    pub fn warm(&self, searcher: &Searcher, fields: &[Field]) {
        self.forget_merged(searcher);
        for segment in searcher.segment_readers() {
            for &field in fields {
                self.typo_index(segment, field);
            }
        }
    }

    /// Forgets the [`TypoIndex`]es of segments `searcher` no longer has (merged away).
    fn forget_merged(&self, searcher: &Searcher) {
        let live: std::collections::HashSet<SegmentId> =
            searcher.segment_readers().iter().map(SegmentReader::segment_id).collect();
        self.typo_indexes.lock().unwrap_or_else(|e| e.into_inner()).retain(|(id, _), _| live.contains(id));
    }

    /// Whether the segment's [`TypoIndex`] of `field` is built.
    #[cfg(test)]
    pub fn holds_typo_index(&self, segment: SegmentId, field: Field) -> bool {
        self.typo_indexes.lock().unwrap_or_else(|e| e.into_inner()).contains_key(&(segment, field))
    }

    /// The segment's [`TypoIndex`] of `field`, built the first time it is needed.
    fn typo_index(&self, segment: &SegmentReader, field: Field) -> Option<Arc<TypoIndex>> {
        let key = (segment.segment_id(), field);
        if let Some(found) = self.typo_indexes.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return Some(found.clone());
        }
        // Built outside the lock: other searches go on meanwhile.
        let built = match TypoIndex::build(segment, field) {
            Ok(built) => Arc::new(built),
            Err(err) => {
                tracing::warn!(error = %err, "cannot read a segment's vocabulary for misspellings");
                return None;
            }
        };
        let mut indexes = self.typo_indexes.lock().unwrap_or_else(|e| e.into_inner());
        Some(indexes.entry(key).or_insert(built).clone())
    }

    /// The closest word `find` works out for `word`, remembered for this searcher's
    /// generation: a search that finds nothing is often sent again as it is.
    pub fn closest(
        &self,
        searcher: &Searcher,
        field: Field,
        word: &str,
        find: impl FnOnce() -> Option<String>,
    ) -> Option<String> {
        let found = self.remembered(searcher, (field, word.to_owned(), Walk::Closest), || find().into_iter().collect());
        found.first().cloned()
    }

    fn remembered(
        &self,
        searcher: &Searcher,
        key: (Field, String, Walk),
        work_out: impl FnOnce() -> Vec<String>,
    ) -> Arc<Vec<String>> {
        let generation = searcher.generation().generation_id();
        {
            let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            if entries.0 != generation {
                *entries = (generation, HashMap::new());
                // Segments merged away are forgotten with the generation that dropped them.
                self.forget_merged(searcher);
            }
            if let Some(found) = entries.1.get(&key) {
                return found.clone();
            }
        }
        let found = Arc::new(work_out());
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.0 == generation {
            if entries.1.len() >= CACHE_ENTRIES {
                entries.1.clear();
            }
            entries.1.insert(key, found.clone());
        }
        found
    }
}

/// The indexed words of `field` that `word` expands to, without `word` itself (which the
/// exact tiers match) and without those `skip` rejects; the most frequent first.
///
/// `field` is meant to be the vocabulary field: the words of every expanded field in one
/// dictionary per segment.
pub fn expand(
    searcher: &Searcher,
    field: Field,
    word: &str,
    expansion: Expansion,
    skip: impl Fn(&str) -> bool,
) -> Vec<String> {
    let fuzzy = match expansion {
        Expansion::Prefix => {
            return most_frequent(searcher, field, || Prefix::new(word), word, skip, MAX_EXPANSIONS);
        }
        Expansion::Typos(distance) => FuzzyTermQuery::new(Term::from_field_text(field, word), distance, true),
        Expansion::InBigrams(wanted) => {
            return most_frequent(searcher, field, || ContainsChar::new(wanted), word, skip, MAX_BIGRAMS);
        }
    };
    let Ok(automaton) = fuzzy.automaton() else { return Vec::new() };
    // The DFA is shared by reference: building it is the costly part.
    most_frequent(searcher, field, || &automaton, word, skip, MAX_EXPANSIONS)
}

/// The `max` most frequent terms of `field` the automaton accepts, other than `word` and
/// those `skip` rejects.
fn most_frequent<A, F>(
    searcher: &Searcher,
    field: Field,
    automaton: F,
    word: &str,
    skip: impl Fn(&str) -> bool,
    max: usize,
) -> Vec<String>
where
    A: Automaton,
    A::State: Clone,
    F: Fn() -> A,
{
    if let [segment] = searcher.segment_readers() {
        return most_frequent_in_segment(segment, field, automaton(), word, skip, max);
    }
    let mut frequencies: HashMap<String, u64> = HashMap::new();
    for segment in searcher.segment_readers() {
        scan(segment, field, automaton(), |key, frequency| {
            let Ok(candidate) = std::str::from_utf8(key) else { return };
            if candidate != word && !skip(candidate) {
                *frequencies.entry(candidate.to_owned()).or_insert(0) += u64::from(frequency);
            }
        });
    }
    most_documents_first(frequencies, max)
}

/// The `max` words held by the most documents, ties in order.
fn most_documents_first(frequencies: HashMap<String, u64>, max: usize) -> Vec<String> {
    let mut ranked: Vec<(String, u64)> = frequencies.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked.truncate(max);
    ranked.into_iter().map(|(text, _)| text).collect()
}

/// Calls `visit` with the terms of `field` in `segment` that the automaton accepts (at most
/// [`MAX_SCANNED`]), in order, each with its number of documents.
fn scan<A>(segment: &tantivy::SegmentReader, field: Field, automaton: A, mut visit: impl FnMut(&[u8], u32))
where
    A: Automaton,
    A::State: Clone,
{
    let Ok(index) = segment.inverted_index(field) else { return };
    let Ok(mut stream) = index.terms().search(automaton).into_stream() else { return };
    let mut scanned = 0;
    while scanned < MAX_SCANNED && stream.advance() {
        scanned += 1;
        visit(stream.key(), stream.value().doc_freq);
    }
}

/// [`most_frequent`] over one segment (an index after a merge): each term occurs once, so
/// the best `max` are kept as they stream by, and a term's text is copied only when it
/// enters them (a short prefix streams thousands of candidates).
fn most_frequent_in_segment<A>(
    segment: &tantivy::SegmentReader,
    field: Field,
    automaton: A,
    word: &str,
    skip: impl Fn(&str) -> bool,
    max: usize,
) -> Vec<String>
where
    A: Automaton,
    A::State: Clone,
{
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    // The worst kept on top: the fewest documents, then the last in order.
    let mut best: BinaryHeap<Reverse<(u32, Reverse<String>)>> = BinaryHeap::with_capacity(max + 1);
    if max == 0 {
        return Vec::new();
    }
    scan(segment, field, automaton, |key, frequency| {
        if best.len() == max
            && let Some(Reverse((worst, Reverse(text)))) = best.peek()
            && (frequency < *worst || (frequency == *worst && key >= text.as_bytes()))
        {
            return;
        }
        let Ok(candidate) = std::str::from_utf8(key) else { return };
        if candidate == word || skip(candidate) {
            return;
        }
        best.push(Reverse((frequency, Reverse(candidate.to_owned()))));
        if best.len() > max {
            best.pop();
        }
    });
    // Most documents first, then in order.
    best.into_sorted_vec().into_iter().map(|Reverse((_, Reverse(text)))| text).collect()
}

/// How far a suggestion may be from the word typed: two edits, but never most of the word
/// (a single character has no spelling to correct, and two edits of it would be any word of
/// up to three characters).
fn suggestion_edits(word: &str) -> u8 {
    match word.chars().count() {
        0..=1 => 0,
        2..=3 => 1,
        _ => 2,
    }
}

/// The dictionaries misspellings are looked up in, for words analysed with `analyzer`
/// (FOLDED or TRANSLIT): the vocabulary of titles, names and subjects, or those fields'
/// cross-script forms.
fn dictionaries_of(fields: &Fields, analyzer: &str) -> Vec<Field> {
    if analyzer == FOLDED {
        vec![fields.vocabulary]
    } else {
        [Source::Title, Source::Contributors, Source::Subjects].iter().map(|s| fields.text.get(*s, analyzer)).collect()
    }
}

/// Every dictionary misspellings and "did you mean" look words up in.
pub fn misspelling_dictionaries(fields: &Fields) -> Vec<Field> {
    [FOLDED, TRANSLIT].iter().flat_map(|analyzer| dictionaries_of(fields, analyzer)).collect()
}

/// The indexed word (folded, or cross-script) closest to `word`, preferring fewer edits, then
/// more documents: the basis of "did you mean".
///
/// The dictionaries are looked up through the letter-pair indexes `expansions` keeps per
/// segment (the ones the search's own misspellings use), walked only for short words.
pub fn closest_term(
    searcher: &Searcher,
    tokenizers: &TokenizerManager,
    fields: &Fields,
    expansions: &ExpansionCache,
    word: &str,
) -> Option<String> {
    let mut best: HashMap<String, (usize, u64)> = HashMap::new();
    for analyzer in [FOLDED, TRANSLIT] {
        let tokens = analysis::tokens(tokenizers, analyzer, word);
        let [target] = tokens.as_slice() else { continue };
        let edits = suggestion_edits(target);
        if edits == 0 {
            continue;
        }
        let dictionaries = dictionaries_of(fields, analyzer);
        let mut add = |candidate: &str, documents: u32| {
            if candidate != target {
                let entry = best.entry(candidate.to_owned()).or_insert((strsim::osa_distance(candidate, target), 0));
                entry.1 += u64::from(documents);
            }
        };
        // Looked up by letter pairs where the word is long enough; otherwise walked with one
        // automaton for every dictionary (it depends on the word, not the field, and
        // building it is most of the cost of a walk).
        let mut automaton = None;
        for field in dictionaries {
            for segment in searcher.segment_readers() {
                if expansions.typo_index(segment, field).is_some_and(|index| index.within(target, edits, &mut add)) {
                    continue;
                }
                let automaton = match &automaton {
                    Some(built) => built,
                    None => {
                        let query = FuzzyTermQuery::new(Term::from_field_text(fields.vocabulary, target), edits, true);
                        let Ok(built) = query.automaton() else { continue };
                        automaton.insert(built)
                    }
                };
                let Ok(index) = segment.inverted_index(field) else { continue };
                let Ok(mut stream) = index.terms().search(automaton).into_stream() else { continue };
                while stream.advance() {
                    let Ok(candidate) = std::str::from_utf8(stream.key()) else { continue };
                    add(candidate, stream.value().doc_freq);
                }
            }
        }
    }
    best.into_iter().min_by(|a, b| a.1.0.cmp(&b.1.0).then(b.1.1.cmp(&a.1.1)).then(a.0.cmp(&b.0))).map(|(t, _)| t)
}

#[cfg(test)]
mod tests {
    use tantivy::schema::{STRING, Schema};
    use tantivy::{Index, IndexWriter, TantivyDocument};

    use super::*;

    /// The most frequent words first (ties in order), the word itself left out, at most
    /// [`MAX_EXPANSIONS`]; the same whether the index is one segment or several.
    #[test]
    fn expansions_are_the_most_frequent_words_in_one_segment_or_several() {
        let mut builder = Schema::builder();
        let field = builder.add_text_field("words", STRING);
        let index = Index::create_in_ram(builder.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        // "kitob" + i occurs i + 1 times for i < 70; "kitobxona" 100 times; "kitoz" once.
        let mut documents: Vec<String> = Vec::new();
        for i in 0..70 {
            documents.extend(std::iter::repeat_n(format!("kitob{i:02}"), i + 1));
        }
        documents.extend(std::iter::repeat_n("kitobxona".to_owned(), 100));
        documents.extend(["kitoz".to_owned(), "kitob".to_owned(), "kutub".to_owned()]);
        let expected: Vec<String> = std::iter::once("kitobxona".to_owned())
            .chain((6..70).rev().map(|i| format!("kitob{i:02}")))
            .take(MAX_EXPANSIONS)
            .collect();
        for (i, word) in documents.iter().enumerate() {
            let mut document = TantivyDocument::default();
            document.add_text(field, word);
            writer.add_document(document).unwrap();
            if i == documents.len() / 2 {
                writer.commit().unwrap();
            }
        }
        writer.commit().unwrap();
        let reader = index.reader().unwrap();
        assert_eq!(reader.searcher().segment_readers().len(), 2);
        let several = expand(&reader.searcher(), field, "kitob", Expansion::Prefix, |_| false);
        assert_eq!(several, expected);

        writer.merge(&index.searchable_segment_ids().unwrap()).wait().unwrap();
        reader.reload().unwrap();
        assert_eq!(reader.searcher().segment_readers().len(), 1);
        let one = expand(&reader.searcher(), field, "kitob", Expansion::Prefix, |_| false);
        assert_eq!(one, expected);
        let skipping = expand(&reader.searcher(), field, "kitob", Expansion::Prefix, |w| w == "kitobxona");
        assert_eq!(skipping[0], "kitob69");
    }

    /// Fewer edits first, whatever the counts; then more documents; nothing beyond two edits.
    #[test]
    fn the_closest_word_has_the_fewest_edits_then_the_most_documents() {
        let (fields, index, mut writer) = crate::search::indexer::fixture::empty_index();
        // "samarkand" twice as often as "samarqand"; "tashkent" alone.
        for (title, times) in [("samarkand", 20), ("samarqand", 10), ("tashkent", 1)] {
            for _ in 0..times {
                let mut document = TantivyDocument::default();
                document.add_text(fields.vocabulary, title);
                writer.add_document(document).unwrap();
            }
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let cache = ExpansionCache::default();
        let closest = |word: &str| closest_term(&searcher, index.tokenizers(), &fields, &cache, word);
        // One edit from "samarqand", two from the more frequent "samarkand".
        assert_eq!(closest("samarqant").as_deref(), Some("samarqand"));
        // Two edits from both: the more frequent.
        assert_eq!(closest("samarxant").as_deref(), Some("samarkand"));
        assert_eq!(closest("tazhkant").as_deref(), Some("tashkent"));
        assert_eq!(closest("qqqqqqqq"), None);
    }
}
