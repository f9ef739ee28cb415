//! Misspellings found through the letter pairs they share with the word typed, instead of a
//! walk of the whole term dictionary.
//!
//! A Levenshtein automaton walked over a term dictionary visits most of the dictionary's
//! first levels whatever the distance (any first letter may be the typo), which was most of
//! the time of a search for a misspelt word. Here each segment's vocabulary is kept, once,
//! as a list of its words and, for every pair of adjacent letters (the word's start and end
//! count as letters), the words that hold it. A word within `d` edits of the one typed
//! shares all but at most `3·d` of its distinct pairs (an edit breaks at most two pairs, a
//! swap of two letters three), so only words that share that many are compared, letter by
//! letter, with the same distance the automaton uses (adjacent swaps count as one edit).

use std::collections::HashMap;

use tantivy::SegmentReader;
use tantivy::schema::Field;

/// What stands for the start and the end of a word in its pairs: no analysed word holds it.
const EDGE: char = '\0';

/// One segment's vocabulary, by letter pairs.
pub struct TypoIndex {
    words: Vec<Box<str>>,
    /// How many documents of the segment hold each word.
    documents: Vec<u32>,
    lengths: Vec<u16>,
    /// The words holding each pair, in word order, each once.
    pairs: HashMap<(char, char), Vec<u32>>,
}

/// The distinct pairs of adjacent letters of `chars`, edges included.
fn pairs_of(chars: &[char]) -> Vec<(char, char)> {
    let mut padded = Vec::with_capacity(chars.len() + 2);
    padded.push(EDGE);
    padded.extend_from_slice(chars);
    padded.push(EDGE);
    let mut pairs: Vec<(char, char)> = padded.windows(2).map(|w| (w[0], w[1])).collect();
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

impl TypoIndex {
    /// Reads the segment's dictionary of `field` once.
    pub fn build(segment: &SegmentReader, field: Field) -> tantivy::Result<TypoIndex> {
        let inverted = segment.inverted_index(field)?;
        let mut stream = inverted.terms().stream()?;
        let mut index =
            TypoIndex { words: Vec::new(), documents: Vec::new(), lengths: Vec::new(), pairs: HashMap::new() };
        while stream.advance() {
            let Ok(word) = std::str::from_utf8(stream.key()) else { continue };
            let id = index.words.len() as u32;
            let chars: Vec<char> = word.chars().collect();
            for pair in pairs_of(&chars) {
                index.pairs.entry(pair).or_default().push(id);
            }
            index.words.push(word.into());
            index.documents.push(stream.value().doc_freq);
            index.lengths.push(chars.len().min(usize::from(u16::MAX)) as u16);
        }
        Ok(index)
    }

    /// Calls `visit` with each word within `distance` edits of `word` (itself included) and
    /// its number of documents. `false` when the word is too short for its pairs to narrow
    /// anything down (the caller then walks the dictionary).
    pub fn within(&self, word: &str, distance: u8, mut visit: impl FnMut(&str, u32)) -> bool {
        let chars: Vec<char> = word.chars().collect();
        let pairs = pairs_of(&chars);
        let needed = pairs.len() as i64 - 3 * i64::from(distance);
        if needed < 2 {
            return false;
        }
        // Counted in an array by word: a common pair is held by thousands of words.
        let mut shared = vec![0u8; self.words.len()];
        let mut touched: Vec<u32> = Vec::new();
        for pair in &pairs {
            for &id in self.pairs.get(pair).map(Vec::as_slice).unwrap_or_default() {
                let count = &mut shared[id as usize];
                if *count == 0 {
                    touched.push(id);
                }
                *count = count.saturating_add(1);
            }
        }
        let length = chars.len() as i64;
        for id in touched {
            let i = id as usize;
            if i64::from(shared[i]) < needed || (i64::from(self.lengths[i]) - length).abs() > i64::from(distance) {
                continue;
            }
            let candidate = &self.words[i];
            if strsim::osa_distance(candidate, word) <= usize::from(distance) {
                visit(candidate, self.documents[i]);
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use tantivy::query::FuzzyTermQuery;
    use tantivy::schema::{STRING, Schema};
    use tantivy::{Index, IndexWriter, TantivyDocument, Term};

    use super::*;

    /// The same words as the Levenshtein automaton finds, for words long and short, Latin,
    /// Cyrillic and with repeated letters, at one and two edits.
    #[test]
    fn finds_what_the_automaton_finds() {
        let mut builder = Schema::builder();
        let field = builder.add_text_field("words", STRING);
        let index = Index::create_in_ram(builder.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        // A dense vocabulary over few letters: many words within two edits of each other.
        let letters = ['a', 'b', 'k', 'o', 'т', 'о'];
        let mut seed = 7u64;
        let mut next = || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        let mut vocabulary = BTreeSet::new();
        while vocabulary.len() < 3000 {
            let length = 3 + next() % 9;
            vocabulary.insert((0..length).map(|_| letters[next() % letters.len()]).collect::<String>());
        }
        for word in &vocabulary {
            let mut document = TantivyDocument::default();
            document.add_text(field, word);
            writer.add_document(document).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let segment = &searcher.segment_readers()[0];
        let typo_index = TypoIndex::build(segment, field).unwrap();
        let mut queries: Vec<String> = vocabulary.iter().step_by(37).cloned().collect();
        queries.extend(["kotobakotob", "aaaaaaaaaa", "тотототото", "bakabakab", "zzzzzzzzzz"].map(String::from));
        let mut compared = 0;
        for word in &queries {
            for distance in [1u8, 2] {
                let mut found = BTreeSet::new();
                if !typo_index.within(word, distance, |w, _| {
                    found.insert(w.to_owned());
                }) {
                    continue;
                }
                let automaton =
                    FuzzyTermQuery::new(Term::from_field_text(field, word), distance, true).automaton().unwrap();
                let inverted = segment.inverted_index(field).unwrap();
                let mut stream = inverted.terms().search(&automaton).into_stream().unwrap();
                let mut expected = BTreeSet::new();
                while stream.advance() {
                    expected.insert(String::from_utf8(stream.key().to_vec()).unwrap());
                }
                assert_eq!(found, expected, "{word} within {distance}");
                compared += 1;
            }
        }
        assert!(compared > 100, "most queries are long enough to use the pairs ({compared})");
    }
}
