//! Stemming for the `STEMMED` analyzer: folded words reduced to a stem chosen by script.
//!
//! * Cyrillic → Snowball Russian (on the folded word, so ё = е). Uzbek and Kazakh Cyrillic go
//!   through it too: it only strips Russian endings and leaves the rest alone.
//! * Latin → Snowball Turkish then Snowball English, repeated until the stem stops changing (at
//!   most [`MAX_ROUNDS`] rounds), on the folded word. Catalogue titles mix English, Turkish,
//!   Uzbek and Kazakh Latin; the Turkish stemmer removes agglutinated suffixes (-lar/-ler,
//!   -da/-de, -ı, -mız, ... several of which Uzbek shares), the English one the English
//!   inflections. One Snowball pass is not idempotent on Turkish ("kütüphaneler" →
//!   "kütüphane" but "kütüphane" → "kütüpha"), so a single pass would make inflections of one
//!   word disagree; iterating to a fixed point makes them converge. Working on the folded word
//!   (not the original) keeps "kutuphane" typed without diacritics equal to "kütüphane":
//!   symmetry between documents and queries matters more than the Turkish stemmer's vowel
//!   harmony checks, which folding blurs.
//!   Why one token per word rather than the Turkish stem as a second token at the same
//!   position: tantivy's `QueryParser` turns a query word yielding two tokens into a phrase
//!   that needs BOTH terms at one position in the document, so "kütüphane" would no longer
//!   find "kütüphaneler" (test `stemmed_same_position_alternatives_would_break_query_parser`).
//!   Turkish apostrophes before case suffixes ("İstanbul'da") are gone after folding, so the
//!   suffix is stripped like any other.
//! * Greek → Snowball Greek. Other scripts → the folded word, unstemmed.
//!
//! Guard against over-stemming: a word of 5+ characters never gets a stem shorter than 3
//! characters; the last stem that was long enough (ultimately the folded word) is kept.

use std::cell::RefCell;

use tantivy::tokenizer::{Language, RawTokenizer, Stemmer, TokenFilter, TokenStream, Tokenizer};

use super::fold::{fold, is_apostrophe_like, is_cyrillic, is_greek, is_latin};
use super::memo::{WordMemo, remembered};

/// Minimum stem length (characters) for words of [`GUARDED_WORD_LEN`]+ characters.
const MIN_STEM_LEN: usize = 3;
const GUARDED_WORD_LEN: usize = 5;
/// Rounds of Turkish+English stemming for Latin words (converges in 1–2 in practice).
const MAX_ROUNDS: usize = 4;

/// Runs one tantivy Snowball stemmer on one word. `Stemmer` is tantivy's token filter; wrapping
/// a `RawTokenizer` gives it a one-token stream. Construction is cheap (no allocation besides
/// the token text), so this avoids depending on a stemming crate directly.
fn snowball(language: Language, word: &str) -> String {
    let mut stemmer = Stemmer::new(language).transform(RawTokenizer::default());
    let mut stream = stemmer.token_stream(word);
    if stream.advance() { std::mem::take(&mut stream.token_mut().text) } else { word.to_string() }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Script {
    Latin,
    Cyrillic,
    Greek,
    Other,
}

/// The script of the first letter: tokens are words, which are practically never mixed-script.
fn script(word: &str) -> Script {
    for c in word.chars().filter(|c| c.is_alphabetic()) {
        if is_latin(c) {
            return Script::Latin;
        }
        if is_cyrillic(c) {
            return Script::Cyrillic;
        }
        if is_greek(c) {
            return Script::Greek;
        }
        if !is_apostrophe_like(c) {
            return Script::Other;
        }
    }
    Script::Other
}

/// Applies `step` until the stem stops changing, at most `rounds` times, never accepting a
/// stem that is empty or breaks the over-stemming guard.
fn stem_with(folded: String, rounds: usize, step: impl Fn(&str) -> String) -> String {
    let guarded = folded.chars().count() >= GUARDED_WORD_LEN;
    let mut stem = folded;
    for _ in 0..rounds {
        let next = step(&stem);
        if next.is_empty() || next == stem || (guarded && next.chars().count() < MIN_STEM_LEN) {
            break;
        }
        stem = next;
    }
    stem
}

/// Stems remembered per thread (a Snowball pass, several for Latin words, costs far more
/// than a lookup).
const STEM_CACHE_WORDS: usize = 50_000;

thread_local! {
    static STEMS: RefCell<WordMemo> = RefCell::new(WordMemo::new(STEM_CACHE_WORDS));
}

/// Stems one `TEXT` token (lowercased, not yet folded) into `out`, which is cleared first.
pub fn stem_into(word: &str, out: &mut String) {
    remembered(&STEMS, word, out, |word, out| out.push_str(&stem(word)));
}

/// The stem of one `TEXT` token (lowercased, not yet folded).
fn stem(word: &str) -> String {
    // The script is the folded word's: a stem is then a function of the folded word alone,
    // so a document holding a word folded holds it stemmed too (searches rely on that).
    let folded = fold(word);
    match script(&folded) {
        Script::Cyrillic => stem_with(folded, 1, |w| snowball(Language::Russian, w)),
        Script::Greek => stem_with(folded, 1, |w| snowball(Language::Greek, w)),
        Script::Latin => {
            stem_with(folded, MAX_ROUNDS, |w| snowball(Language::English, &snowball(Language::Turkish, w)))
        }
        Script::Other => folded,
    }
}
