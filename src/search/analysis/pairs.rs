//! Word pairs: each two words that stand next to each other, as one term.
//!
//! A phrase of two frequent words ("history literature" at a million documents) otherwise
//! intersects two long posting lists and reads the positions of every document holding both,
//! in four analysed forms of four fields: over a hundred milliseconds. Indexed as pairs, the
//! same phrase is one posting list per field, read like a word (Elasticsearch's
//! `index_phrases`, Lucene's shingles). A pair joins the two words with a space, which no
//! word holds.
//!
//! Pairs follow the positions of the analysis they come from: words with a gap between them
//! (a word the analysis dropped, or two values of one field) make no pair, and where a
//! position holds two forms (ё read as е) each form pairs with each form of its neighbour,
//! so a query phrase pairs its words exactly as a phrase query would match them.

use tantivy::tokenizer::{PreTokenizedStream, PreTokenizedString, Token, TokenFilter, TokenStream, Tokenizer};

/// What joins the two words of a pair.
const JOIN: char = ' ';

/// The pair terms of a query phrase's words (one form per position, in order).
pub fn of_words(words: &[String]) -> Vec<String> {
    words.windows(2).map(|w| join(&w[0], &w[1])).collect()
}

fn join(first: &str, second: &str) -> String {
    let mut pair = String::with_capacity(first.len() + 1 + second.len());
    pair.push_str(first);
    pair.push(JOIN);
    pair.push_str(second);
    pair
}

/// Turns an analysis's words into the pairs of adjacent ones.
#[derive(Clone, Copy, Default)]
pub struct PairFilter;

impl TokenFilter for PairFilter {
    type Tokenizer<T: Tokenizer> = PairFilterTokenizer<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> PairFilterTokenizer<T> {
        PairFilterTokenizer { inner }
    }
}

#[derive(Clone)]
pub struct PairFilterTokenizer<T> {
    inner: T,
}

impl<T: Tokenizer> Tokenizer for PairFilterTokenizer<T> {
    type TokenStream<'a> = PreTokenizedStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> PreTokenizedStream {
        let mut words = self.inner.token_stream(text);
        let mut pairs = Vec::new();
        // The forms at the last position seen and at the one before it.
        let (mut previous, mut current): (Vec<Token>, Vec<Token>) = (Vec::new(), Vec::new());
        while words.advance() {
            let word = words.token();
            if current.first().is_some_and(|c| c.position != word.position) {
                previous = std::mem::take(&mut current);
            }
            if let Some(before) = previous.first().filter(|p| p.position + 1 == word.position) {
                let position = before.position;
                for before in &previous {
                    pairs.push(Token {
                        offset_from: before.offset_from,
                        offset_to: word.offset_to,
                        position,
                        position_length: 2,
                        text: join(&before.text, &word.text),
                    });
                }
            }
            current.push(word.clone());
        }
        // The stream reads only the tokens: the pairs' text is theirs, not a span of one text.
        PreTokenizedStream::from(PreTokenizedString { text: String::new(), tokens: pairs })
    }
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::TokenizerManager;

    use super::super::{MAX_TOKEN_BYTES, STEMMED, TRANSLIT, register, tokens};

    fn manager() -> TokenizerManager {
        let manager = TokenizerManager::default();
        register(&manager);
        manager
    }

    fn pairs(analyzer: &str, text: &str) -> Vec<String> {
        let mut analyzer = manager().get(analyzer).expect("registered");
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        stream.process(&mut |token| out.push(token.text.clone()));
        out
    }

    #[test]
    fn adjacent_words_pair_and_a_dropped_word_breaks_the_chain() {
        let stems = |text: &str| tokens(&manager(), STEMMED, text);
        let [silk, road, and] = <[String; 3]>::try_from(stems("Silk, road and")).expect("three words");
        assert_eq!(
            pairs("hamkor_stemmed_pairs", "Silk, road and"),
            [format!("{silk} {road}"), format!("{road} {and}")]
        );
        assert_eq!(pairs("hamkor_stemmed_pairs", "yolg‘iz"), Vec::<String>::new());
        let long = "x".repeat(MAX_TOKEN_BYTES + 1);
        let tail = super::of_words(&stems("beta gamma"));
        assert_eq!(pairs("hamkor_stemmed_pairs", &format!("alpha {long} beta gamma")), tail);
        // CJK bigrams pair like words: a three-character word is the pair of its bigrams.
        assert!(pairs("hamkor_stemmed_pairs", "国家图书馆").contains(&"图书 书馆".to_owned()));
    }

    #[test]
    fn every_form_of_a_position_pairs_with_its_neighbours() {
        // ё is indexed read as е too, at the same position: the phrase is found either way.
        let found = pairs("hamkor_translit_pairs", "зелёный лес");
        let queried = |text: &str| super::of_words(&tokens(&manager(), TRANSLIT, text)).remove(0);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found.contains(&queried("зеленый лес")) && found.contains(&queried("зелёный лес")), "{found:?}");
    }
}
