//! Text analysis for hamkor's search index: tokenizers and filters for a multilingual,
//! multi-script catalogue (Uzbek Latin and Cyrillic, Russian, English, Kazakh, Turkish, CJK,
//! Persian, Georgian, ...).
//!
//! Four analyzers, meant for four fields holding the same text, searched together:
//!
//! | name | what a token is | finds |
//! | --- | --- | --- |
//! | [`TEXT`] | lowercased word as written (apostrophes canonical, CJK bigrams) | exact spelling |
//! | [`FOLDED`] | [`TEXT`] without diacritics/apostrophes | "kurk" → "Kürk", "lodz" → "Łódź" |
//! | [`STEMMED`] | [`FOLDED`] stemmed by script | "library" → "libraries" |
//! | [`TRANSLIT`] | cross-script skeleton | "Navoiy" → "Навоий", "Tolstoĭ" → "Толстой" |
//!
//! All four share [`words::WordTokenizer`], so positions and offsets agree between fields and
//! offsets always point into the original text. The index must call [`register`] every time it
//! is opened or created: tantivy stores only the analyzer *names* in the schema.

mod filter;
pub mod fold;
mod memo;
pub mod pairs;
pub mod stem;
pub mod translit;
pub mod words;

#[cfg(test)]
mod tests;

use tantivy::tokenizer::{RemoveLongFilter, TextAnalyzer, Token, TokenStream, TokenizerManager};

use self::filter::MapFilter;
use self::pairs::PairFilter;
use self::words::WordTokenizer;

/// Exact-script words: UAX #29 words, Uzbek apostrophe letters normalised, Turkish-safe
/// lowercase, CJK bigrams.
pub const TEXT: &str = "hamkor_text";
/// [`TEXT`] with diacritics and apostrophes folded for Latin, Greek and Cyrillic, and Arabic
/// script normalised.
pub const FOLDED: &str = "hamkor_folded";
/// [`FOLDED`] plus stemming by script (Russian for Cyrillic, Turkish then English for Latin).
pub const STEMMED: &str = "hamkor_stemmed";
/// Cross-script skeleton: Cyrillic transliterated and Latin spellings unified.
pub const TRANSLIT: &str = "hamkor_translit";

/// All analyzer names, e.g. to build one query over every field.
pub const ALL: [&str; 4] = [TEXT, FOLDED, STEMMED, TRANSLIT];

/// The analyzers whose words are also indexed as pairs of adjacent ones ([`pairs`]), and the
/// names of the analyzers that pair them. A stem is a function of the folded word, and the
/// folded word of the word as written, so a phrase found as written or folded is found
/// stemmed too: the stemmed pairs narrow down those phrases, and only the two analyses no
/// other contains need pairs of their own (each pair field costs as much as its words).
pub const PAIRS: [(&str, &str); 2] = [(STEMMED, "hamkor_stemmed_pairs"), (TRANSLIT, "hamkor_translit_pairs")];

/// Tokens longer than this (bytes of UTF-8) are dropped: they are never real words (base64,
/// URLs without separators, 10 kB of one letter) and tantivy rejects terms over 64 kB.
pub const MAX_TOKEN_BYTES: usize = 255;

fn base() -> tantivy::tokenizer::TextAnalyzerBuilder<impl tantivy::tokenizer::Tokenizer> {
    TextAnalyzer::builder(WordTokenizer).filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
}

/// Builds the analyzer registered under `name`, if it is one of ours.
pub fn analyzer(name: &str) -> Option<TextAnalyzer> {
    Some(match name {
        TEXT => base().build(),
        FOLDED => base().filter(MapFilter::new(fold::fold_into)).build(),
        STEMMED => base().filter(MapFilter::new(stem::stem_into)).build(),
        TRANSLIT => base().filter(MapFilter::with_alternate(translit::translit_into, translit::ye_for_yo)).build(),
        "hamkor_stemmed_pairs" => base().filter(MapFilter::new(stem::stem_into)).filter(PairFilter).build(),
        "hamkor_translit_pairs" => base()
            .filter(MapFilter::with_alternate(translit::translit_into, translit::ye_for_yo))
            .filter(PairFilter)
            .build(),
        _ => return None,
    })
}

/// Registers every hamkor analyzer in `manager` (use `index.tokenizers()`).
pub fn register(manager: &TokenizerManager) {
    for name in ALL.into_iter().chain(PAIRS.map(|(_, pairs)| pairs)) {
        if let Some(analyzer) = analyzer(name) {
            manager.register(name, analyzer);
        }
    }
}

/// Full tokens (text, byte offsets into `text`, positions) from a registered analyzer; empty if
/// `analyzer` is not registered in `manager`.
pub fn analyze(manager: &TokenizerManager, analyzer: &str, text: &str) -> Vec<Token> {
    let Some(mut analyzer) = manager.get(analyzer) else {
        return Vec::new();
    };
    let mut out: Vec<Token> = Vec::new();
    let mut stream = analyzer.token_stream(text);
    // A second form at the same position (ё read as е) is for the index: a query word
    // searches in its first form, which the index holds too.
    stream.process(&mut |token| {
        if out.last().is_none_or(|last| last.position != token.position) {
            out.push(token.clone());
        }
    });
    out
}

/// Token texts from a registered analyzer; empty if `analyzer` is not registered in `manager`.
pub fn tokens(manager: &TokenizerManager, analyzer: &str, text: &str) -> Vec<String> {
    analyze(manager, analyzer, text).into_iter().map(|token| token.text).collect()
}

/// Whether every token is Chinese, Japanese or Korean (and there is one): text that the
/// [`STEMMED`] and [`TRANSLIT`] analyses leave exactly as [`FOLDED`] does.
pub fn only_cjk(tokens: &[String]) -> bool {
    !tokens.is_empty() && tokens.iter().all(|t| t.chars().all(words::is_cjk))
}

/// The character, when a query word analyses to one Chinese, Japanese or Korean character
/// alone: in the index it lives inside bigrams (see [`words`]), so it is looked up there.
pub fn lone_cjk_character(tokens: &[String]) -> Option<char> {
    let [token] = tokens else { return None };
    let mut chars = token.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if words::is_cjk(c) => Some(c),
        _ => None,
    }
}
