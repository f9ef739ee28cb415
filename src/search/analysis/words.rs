//! The base tokenizer shared by every hamkor analyzer.
//!
//! It turns raw text into lowercased, NFKC-normalised words:
//!
//! * Unicode word segmentation (UAX #29) finds the words;
//! * Uzbek Latin apostrophe letters (o‘ g‘ and the tutuq belgisi) are kept inside words, whatever
//!   apostrophe character was typed, and normalised to [`CANONICAL_APOSTROPHE`];
//! * runs of Han, Hiragana, Katakana and Hangul become overlapping character bigrams (like
//!   Lucene's `CJKBigramFilter`), because those scripts do not separate words with spaces;
//! * lowercasing is Turkish-safe: `İ` becomes a plain `i` with no stray combining dot.
//!
//! Offsets are byte offsets into the original text and positions are consecutive, so phrase
//! queries and highlighting work. Filters (fold, stem, translit) only rewrite `Token::text`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};
use unicode_segmentation::UnicodeSegmentation;

/// The one apostrophe kept inside `TEXT` tokens: U+02BB MODIFIER LETTER TURNED COMMA, the
/// character the Uzbek Latin standard uses for o‘ and g‘. It is a letter (category Lm), so it
/// never looks like punctuation to other tools.
pub const CANONICAL_APOSTROPHE: char = '\u{02BB}';

/// Characters people type for the Uzbek o‘/g‘ and the tutuq belgisi (’):
/// ' ‘ ’ ʻ ʼ and the backtick.
pub fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{02BB}' | '\u{02BC}' | '`')
}

/// Han, Kana and Hangul: scripts written without spaces between words (Korean has spaces, but
/// its words carry particles, so bigrams inside each Hangul run still help recall).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF        // Hangul Jamo
        | 0x2E80..=0x2FDF      // CJK and Kangxi radicals
        | 0x3005..=0x3007      // 々 〆 〇
        | 0x3021..=0x3029      // Hangzhou numerals
        | 0x3031..=0x3035      // vertical kana repeat marks
        | 0x3038..=0x303C
        | 0x3041..=0x309F      // Hiragana (incl. voiced sound marks)
        | 0x30A0..=0x30FA      // Katakana (0x30FB, the middle dot, is punctuation)
        | 0x30FC..=0x30FF
        | 0x3130..=0x318F      // Hangul compatibility Jamo
        | 0x31F0..=0x31FF      // Katakana phonetic extensions
        | 0x3400..=0x4DBF      // CJK extension A
        | 0x4E00..=0x9FFF      // CJK unified ideographs
        | 0xA960..=0xA97F      // Hangul Jamo extended A
        | 0xAC00..=0xD7AF      // Hangul syllables
        | 0xD7B0..=0xD7FF      // Hangul Jamo extended B
        | 0xF900..=0xFAFF      // CJK compatibility ideographs
        | 0xFF66..=0xFF9F      // halfwidth Katakana
        | 0xFFA0..=0xFFDC      // halfwidth Hangul
        | 0x1B000..=0x1B16F    // Kana supplement / extended
        | 0x20000..=0x323AF // CJK extensions B..H
    )
}

/// Default-ignorable code points (soft hyphen, zero-width (non-)joiners, bidi controls,
/// variation selectors, ...): invisible, so a searcher cannot type them, and they must not make
/// two otherwise equal words differ. Persian ZWNJ ("می‌خواهم") is the common case.
fn is_ignorable(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A | 0xE0000..=0xE0FFF
    )
}

/// Normalises one word the way every analyzer sees it: NFKC (fullwidth forms, ligatures,
/// composed vs decomposed letters all agree), invisible characters dropped, apostrophes
/// canonicalised, and a Turkish-safe lowercase.
pub fn normalize_word(word: &str, out: &mut String) {
    out.clear();
    // Fast paths with the same result: ASCII is its own NFKC and lowercases byte by byte;
    // most other words are already NFKC (the quick check answers without decomposing).
    if word.chars().all(is_caseless_nfkc_cjk) {
        out.push_str(word);
    } else if word.is_ascii() {
        out.extend(
            word.bytes()
                .map(|b| if is_apostrophe(b as char) { CANONICAL_APOSTROPHE } else { b.to_ascii_lowercase() as char }),
        );
    } else if is_nfkc_quick(word.chars()) == IsNormalized::Yes {
        push_lowercase(word.chars(), out);
    } else {
        push_lowercase(word.nfkc(), out);
    }
}

/// Han ideographs, Hangul syllables and the plain kana: their own NFKC form, with no case
/// and nothing invisible, so a CJK bigram (most of a CJK text's tokens) is copied as is.
/// (Compatibility ideographs, halfwidth forms and the spacing sound marks are not: they
/// take the general path.)
fn is_caseless_nfkc_cjk(c: char) -> bool {
    matches!(c as u32, 0x3041..=0x3096 | 0x30A1..=0x30FA | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7A3)
}

/// Lowercases already normalised characters into `out`, dropping invisible ones and
/// canonicalising apostrophes.
fn push_lowercase(chars: impl Iterator<Item = char>, out: &mut String) {
    for c in chars {
        if is_ignorable(c) {
            continue;
        }
        if is_apostrophe(c) {
            out.push(CANONICAL_APOSTROPHE);
            continue;
        }
        // `'İ'.to_lowercase()` is "i̇" (i + U+0307); Turkish and Azerbaijani mean a plain i.
        if c == 'İ' {
            out.push('i');
            continue;
        }
        for lower in c.to_lowercase() {
            // A dot above on i/j is redundant (text typed as I + U+0307, or Lithuanian-style
            // soft-dotted letters) and would make "i̇stanbul" differ from "istanbul".
            if lower == '\u{0307}' && (out.ends_with('i') || out.ends_with('j')) {
                continue;
            }
            out.push(lower);
        }
    }
}

/// Splits `text` into tokens. Eager: a catalogue field is small, and a `Vec` keeps the CJK
/// run bookkeeping simple and obviously panic-free.
pub fn split(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    for_each_word(text, |from, to, word| {
        let position = tokens.len();
        tokens.push(Token {
            offset_from: from,
            offset_to: to,
            position,
            text: std::mem::take(word),
            position_length: 1,
        });
        true
    });
    tokens
}

/// Hands each word of `text` to `sink`, in order, as its byte range and its normalised text,
/// until `sink` answers false: the words [`split`] makes tokens of, without building them
/// (marking matches reads most words only to pass them by).
pub fn for_each_word(text: &str, sink: impl FnMut(usize, usize, &mut String) -> bool) {
    let mut splitter = Splitter { text, cjk: Vec::new(), scratch: String::new(), sink, stopped: false };
    // Segmented as read: a snippet stops at its window, and most of a long abstract is never
    // looked at.
    let mut segments = text.split_word_bound_indices();
    while !splitter.stopped {
        let Some((start, segment)) = segments.next() else { break };
        if !segment.chars().any(char::is_alphanumeric) {
            continue;
        }
        let mut end = start + segment.len();
        // UAX #29 keeps ' and ’ between letters inside a word, but splits at ‘ and `, which
        // Uzbek typists use for o‘/g‘ just as often. Glue "letter + apostrophe + letter" back.
        loop {
            let mut ahead = segments.clone();
            let (Some((_, apostrophe)), Some((next_start, next))) = (ahead.next(), ahead.next()) else { break };
            let glue = is_single_apostrophe(apostrophe)
                && text.get(start..end).and_then(|word| word.chars().next_back()).is_some_and(is_joinable_letter)
                && next.chars().next().is_some_and(is_joinable_letter);
            if !glue {
                break;
            }
            end = next_start + next.len();
            segments = ahead;
        }
        splitter.word(start, end);
    }
    splitter.flush_cjk();
}

fn is_single_apostrophe(segment: &str) -> bool {
    let mut chars = segment.chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if is_apostrophe(c))
}

fn is_hangul_syllable(c: char) -> bool {
    matches!(c as u32, 0xAC00..=0xD7AF)
}

/// CJK unified ideographs (the characters with traditional and simplified forms).
fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

fn is_joinable_letter(c: char) -> bool {
    c.is_alphabetic() && !is_cjk(c)
}

struct Splitter<'t, F> {
    text: &'t str,
    /// The pending CJK run: (byte start, byte end) of each character, combining marks included.
    cjk: Vec<(usize, usize)>,
    scratch: String,
    sink: F,
    /// The sink wants no more words.
    stopped: bool,
}

impl<F: FnMut(usize, usize, &mut String) -> bool> Splitter<'_, F> {
    /// One UAX #29 word (apostrophe-glued), split further into CJK and non-CJK stretches:
    /// a Hangul word may be glued to Latin letters ("한국어abc").
    fn word(&mut self, start: usize, end: usize) {
        // Boundaries come from the segmenter, so `get` cannot fail; it just avoids a panic path.
        let Some(word) = self.text.get(start..end) else {
            return;
        };
        let mut run_start = start;
        let mut run_is_cjk: Option<bool> = None;
        for (i, c) in word.char_indices() {
            let at = start + i;
            // Combining marks (dakuten, variation selectors, accents) belong to the previous
            // character whatever their own script.
            if is_combining_mark(c) && run_is_cjk.is_some() {
                if run_is_cjk == Some(true) {
                    self.extend_last_cjk(at + c.len_utf8());
                }
                continue;
            }
            let cjk = is_cjk(c);
            if run_is_cjk != Some(cjk) {
                if run_is_cjk == Some(false) {
                    self.plain(run_start, at);
                }
                run_start = at;
                run_is_cjk = Some(cjk);
            }
            if cjk {
                self.push_cjk(at, at + c.len_utf8());
            }
        }
        if run_is_cjk == Some(false) {
            self.plain(run_start, end);
        }
    }

    fn push_cjk(&mut self, from: usize, to: usize) {
        // A run continues only across directly adjacent characters: punctuation or a non-CJK
        // word in between starts a new run. Korean spacing varies between writers (a title's
        // "한국 문학" is typed "한국문학" and the other way round), so a Hangul run also
        // continues across spaces to the next Hangul syllable: the bigram that spans them is
        // in the index and in the query either way.
        if let Some(&(last_from, last_end)) = self.cjk.last()
            && last_end != from
        {
            let gap = self.text.get(last_end..from).unwrap_or("x");
            let bridges = !gap.is_empty()
                && gap.chars().all(|c| c == ' ' || c == '\u{3000}')
                && self.text.get(last_from..last_end).and_then(|s| s.chars().next()).is_some_and(is_hangul_syllable)
                && self.text.get(from..to).and_then(|s| s.chars().next()).is_some_and(is_hangul_syllable);
            if !bridges {
                self.flush_cjk();
            }
        }
        self.cjk.push((from, to));
    }

    fn extend_last_cjk(&mut self, to: usize) {
        if let Some(last) = self.cjk.last_mut() {
            last.1 = to;
        }
    }

    /// Emits the pending CJK run: overlapping bigrams at consecutive positions, or a unigram
    /// for a lone character.
    fn flush_cjk(&mut self) {
        let run = std::mem::take(&mut self.cjk);
        match run.as_slice() {
            [] => {}
            [(from, to)] => self.emit_cjk(*from, *to),
            _ => {
                for pair in run.windows(2) {
                    if let [(from, _), (_, to)] = pair
                        && !self.stopped
                    {
                        self.emit_cjk(*from, *to);
                    }
                }
            }
        }
    }

    /// A CJK unigram or bigram: without the spaces a Hangul bigram may span, and with
    /// traditional Chinese characters written in their simplified form (紅樓夢 and 红楼梦 are
    /// one title: people type either).
    fn emit_cjk(&mut self, from: usize, to: usize) {
        self.emit_with(from, to, |word| {
            word.retain(|c| c != ' ' && c != '\u{3000}');
            if word.chars().any(is_han) {
                *word = fast2s::convert(word);
            }
        });
    }

    /// A non-CJK word: trim quotes around it, then emit it.
    fn plain(&mut self, start: usize, end: usize) {
        // Anything pending from an earlier CJK run comes first, so positions follow the text.
        self.flush_cjk();
        let Some(slice) = self.text.get(start..end) else {
            return;
        };
        // A leading/trailing apostrophe is a quotation mark, not part of the word. This also
        // drops the ‘ of a word-final g‘ ("tog‘" → "tog"); it is dropped on the query side too,
        // so matching is unaffected, and quoted words like 'kitob' come out clean.
        let trimmed = slice.trim_start_matches(is_apostrophe);
        let from = start + (slice.len() - trimmed.len());
        let trimmed = trimmed.trim_end_matches(is_apostrophe);
        let to = from + trimmed.len();
        if trimmed.chars().any(char::is_alphanumeric) {
            self.emit(from, to);
        }
    }

    fn emit(&mut self, from: usize, to: usize) {
        self.emit_with(from, to, |_| {});
    }

    /// Normalises the word at `from..to`, lets `rewrite` change it, and hands it on.
    fn emit_with(&mut self, from: usize, to: usize, rewrite: impl FnOnce(&mut String)) {
        let Some(slice) = self.text.get(from..to) else {
            return;
        };
        normalize_word(slice, &mut self.scratch);
        if self.scratch.is_empty() {
            return;
        }
        rewrite(&mut self.scratch);
        if !(self.sink)(from, to, &mut self.scratch) {
            self.stopped = true;
        }
    }
}

/// The tokenizer behind all hamkor analyzers (see the module docs).
///
/// The index holds every text in four analysed forms (and names also in the vocabulary), so
/// a document hands each of its texts to this tokenizer four or five times in a row. The
/// words of the texts split last on a thread are kept ([`RecentSplits`]) and handed out
/// again: splitting (word boundaries, normal forms) was a third of indexing a document.
#[derive(Clone, Default)]
pub struct WordTokenizer;

/// Texts split last on this thread, with their tokens. Forgotten all at once when full: a
/// document's texts are all asked for again before the next document's come.
#[derive(Default)]
struct RecentSplits {
    tokens: HashMap<Box<str>, Rc<[Token]>, foldhash::fast::RandomState>,
    bytes: usize,
}

impl RecentSplits {
    /// Enough for the texts of one large record.
    const MAX_TEXTS: usize = 128;
    const MAX_BYTES: usize = 1 << 20;

    fn tokens_of(&mut self, text: &str) -> Rc<[Token]> {
        if let Some(tokens) = self.tokens.get(text) {
            return tokens.clone();
        }
        let tokens: Rc<[Token]> = split(text).into();
        if text.len() <= Self::MAX_BYTES / 4 {
            if self.tokens.len() >= Self::MAX_TEXTS || self.bytes + text.len() > Self::MAX_BYTES {
                self.tokens.clear();
                self.bytes = 0;
            }
            self.bytes += text.len();
            self.tokens.insert(text.into(), tokens.clone());
        }
        tokens
    }
}

thread_local! {
    static RECENT_SPLITS: RefCell<RecentSplits> = RefCell::default();
}

/// Token stream of [`WordTokenizer`].
pub struct WordTokenStream {
    tokens: Rc<[Token]>,
    next: usize,
    current: Token,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordTokenStream {
        let tokens = RECENT_SPLITS.with(|recent| recent.borrow_mut().tokens_of(text));
        WordTokenStream { tokens, next: 0, current: Token::default() }
    }
}

impl TokenStream for WordTokenStream {
    fn advance(&mut self) -> bool {
        let Some(token) = self.tokens.get(self.next) else {
            return false;
        };
        self.next += 1;
        // The filters after this one rewrite the text in place: each stream has its own copy.
        self.current.offset_from = token.offset_from;
        self.current.offset_to = token.offset_to;
        self.current.position = token.position;
        self.current.position_length = token.position_length;
        self.current.text.clone_from(&token.text);
        true
    }

    fn token(&self) -> &Token {
        &self.current
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_paths_normalise_like_full_nfkc() {
        for word in [
            "Library",
            "O'zbekiston",
            "g`alaba",
            "ISTANBUL",
            "İstanbul",
            "Ｌｉｂｒａｒｙ",
            "ﬁle",
            "Kürk",
            "Ku\u{0308}rk",
            "НАВОИЙ",
            "Ўзбекистон",
            "می\u{200C}خواهم",
            "I\u{0307}stanbul",
            "中央圖書館",
            "½",
        ] {
            let mut fast = String::new();
            normalize_word(word, &mut fast);
            let mut full = String::new();
            push_lowercase(word.nfkc(), &mut full);
            assert_eq!(fast, full, "{word}");
        }
    }

    /// A text split again (the next analysed form of the same field) is handed out from
    /// the recent splits: the same tokens, whatever came in between and however often.
    #[test]
    fn a_text_split_again_gives_the_same_tokens() {
        fn streamed(text: &str) -> Vec<(String, usize, usize, usize)> {
            let mut tokenizer = WordTokenizer;
            let mut stream = tokenizer.token_stream(text);
            let mut out = Vec::new();
            while stream.advance() {
                let t = stream.token();
                out.push((t.text.clone(), t.offset_from, t.offset_to, t.position));
            }
            out
        }
        let texts = ["Oʻzbekiston milliy kutubxonasi", "Навоий асарлари", "紅樓夢 研究", "", "Oʻzbekiston"];
        let fresh: Vec<_> = texts
            .iter()
            .map(|text| split(text).into_iter().map(|t| (t.text, t.offset_from, t.offset_to, t.position)).collect())
            .collect::<Vec<Vec<_>>>();
        for _ in 0..3 {
            for (text, expected) in texts.iter().zip(&fresh) {
                assert_eq!(&streamed(text), expected, "{text}");
            }
        }
        // More texts than are kept: the oldest are split afresh, with the same result.
        for n in 0..RecentSplits::MAX_TEXTS + 5 {
            let text = format!("matn {n}");
            assert_eq!(streamed(&text).len(), 2);
        }
        assert_eq!(streamed(texts[0]), fresh[0]);
    }

    #[test]
    fn words_handed_on_are_the_tokens_and_stop_when_asked() {
        let text = "O‘zbekiston milliy kutubxonasi 中国国家图书馆 한국 문학 Навоий’s ‘kitob’";
        let tokens: Vec<(usize, usize, String)> =
            split(text).into_iter().map(|t| (t.offset_from, t.offset_to, t.text)).collect();
        let mut words = Vec::new();
        for_each_word(text, |from, to, word| {
            words.push((from, to, word.clone()));
            true
        });
        assert_eq!(words, tokens);
        assert!(tokens.len() > 8, "{tokens:?}");

        let mut first_four = Vec::new();
        for_each_word(text, |from, to, word| {
            first_four.push((from, to, word.clone()));
            first_four.len() < 4
        });
        assert_eq!(first_four, tokens[..4]);
    }

    #[test]
    fn every_character_copied_as_is_is_its_own_normal_lowercase_form() {
        let copied = (0..=0x10FFFF_u32).filter_map(char::from_u32).filter(|&c| is_caseless_nfkc_cjk(c));
        let mut count = 0;
        for c in copied {
            let mut full = String::new();
            push_lowercase(c.to_string().nfkc(), &mut full);
            assert_eq!(full, c.to_string(), "U+{:04X}", c as u32);
            count += 1;
        }
        assert!(count > 38_000, "the ranges hold the unified ideographs and Hangul syllables");
    }
}
