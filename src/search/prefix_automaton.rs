//! The terms that begin with a prefix, as a term-dictionary automaton.
//!
//! Tantivy's prefix matching goes through a Levenshtein automaton of distance 0, whose
//! transition tables are allocated and filled for every word typed; a prefix needs no more
//! state than how many of its bytes have been read.

use tantivy_fst::Automaton;

pub struct Prefix<'a> {
    prefix: &'a [u8],
}

impl<'a> Prefix<'a> {
    pub fn new(prefix: &'a str) -> Self {
        Prefix { prefix: prefix.as_bytes() }
    }
}

impl Automaton for Prefix<'_> {
    /// Bytes of the prefix read so far; `None` once the term went elsewhere.
    type State = Option<usize>;

    fn start(&self) -> Option<usize> {
        Some(0)
    }

    fn is_match(&self, state: &Option<usize>) -> bool {
        *state == Some(self.prefix.len())
    }

    fn can_match(&self, state: &Option<usize>) -> bool {
        state.is_some()
    }

    fn will_always_match(&self, state: &Option<usize>) -> bool {
        self.is_match(state)
    }

    fn accept(&self, state: &Option<usize>, byte: u8) -> Option<usize> {
        let read = (*state)?;
        match self.prefix.get(read) {
            None => Some(read),
            Some(&wanted) if wanted == byte => Some(read + 1),
            Some(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use tantivy_fst::{IntoStreamer, Map, Streamer};

    use super::*;

    fn matching(words: &[&str], prefix: &str) -> Vec<String> {
        let mut sorted = words.to_vec();
        sorted.sort_unstable();
        let map = Map::from_iter(sorted.into_iter().map(|w| (w, 0))).unwrap();
        let mut stream = map.search(Prefix::new(prefix)).into_stream();
        let mut out = Vec::new();
        while let Some((key, _)) = stream.next() {
            out.push(String::from_utf8(key.to_vec()).unwrap());
        }
        out
    }

    #[test]
    fn terms_beginning_with_the_prefix_and_only_those() {
        let words = ["kitob", "kitobat", "kitobxona", "kitoblar", "kito", "kit", "kutubxona", "китоб"];
        assert_eq!(matching(&words, "kitob"), ["kitob", "kitobat", "kitoblar", "kitobxona"]);
        assert_eq!(matching(&words, "кит"), ["китоб"]);
        assert_eq!(matching(&words, "x"), Vec::<String>::new());
        assert_eq!(matching(&words, "").len(), words.len());
    }
}
