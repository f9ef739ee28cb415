//! Marking what matched, for every kind of match: a word found through its folded, stemmed
//! or cross-script form is marked in the text as written.
//!
//! The text is read once, word by word (the [`TEXT`] analysis); each word is compared as
//! written, folded, cross-script and stemmed, cheapest first, and only until one matches. A
//! snippet stops reading at the end of its passage.

use std::cell::RefCell;
use std::ops::Range;

use foldhash::{HashMap, HashSet};
use tantivy::tokenizer::TokenizerManager;

use super::analysis::{self, FOLDED, STEMMED, TEXT, TRANSLIT, fold, stem, translit};
use super::query::{Clause, ParsedQuery};

/// What a query matches, per analysis, plus the prefix of a word being typed and the words
/// matched in place of misspelt ones (all folded).
#[derive(Clone, Debug, Default)]
pub struct Matcher {
    exact: HashSet<String>,
    folded: HashSet<String>,
    stemmed: HashSet<String>,
    translit: HashSet<String>,
    prefix: Option<String>,
    /// Words (folded) the search matched in place of misspelt ones.
    corrections: HashSet<String>,
    /// One-character CJK words, marked inside the bigrams that hold them.
    in_bigrams: HashSet<char>,
    /// Words already compared: the hits of one page share most of their words.
    seen: RefCell<HashMap<String, bool>>,
}

/// Words remembered at most (a page of hits holds a few thousand).
const MAX_REMEMBERED: usize = 10_000;

/// How long an abstract passage is, in characters (about three lines of a results page).
pub const SNIPPET_CHARS: usize = 240;

/// The marked title and abstract passage of one hit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Highlights {
    pub title: Option<String>,
    pub abstract_text: Option<String>,
}

/// Scratch buffers reused from word to word.
#[derive(Default)]
struct Scratch {
    folded: String,
    other: String,
}

impl Matcher {
    /// What to mark for `query`: its words and phrases in every analysis, the last word as a
    /// prefix when it is being typed, and `corrections` (folded): the words the search
    /// matched in place of misspelt ones ([`super::searcher::Results::corrections`]). A near
    /// neighbour the search did not look for made no hit match, so it is not marked.
    pub fn for_query(tokenizers: &TokenizerManager, query: &ParsedQuery, corrections: &[String]) -> Matcher {
        let mut matcher = Matcher::default();
        let mut words = Vec::new();
        for clause in query.clauses() {
            let text = match clause {
                Clause::Word(w) => {
                    words.push(w.as_str());
                    w
                }
                Clause::Phrase(p) => p,
            };
            for (analyzer, set) in [
                (TEXT, &mut matcher.exact),
                (FOLDED, &mut matcher.folded),
                (STEMMED, &mut matcher.stemmed),
                (TRANSLIT, &mut matcher.translit),
            ] {
                set.extend(analysis::tokens(tokenizers, analyzer, text));
            }
        }
        let folded_word = |w: &str| analysis::tokens(tokenizers, FOLDED, w).into_iter().next();
        let lone_cjk = |w: &str| analysis::lone_cjk_character(&analysis::tokens(tokenizers, TEXT, w));
        matcher.in_bigrams = words.iter().filter_map(|w| lone_cjk(w)).collect();
        if query.last_is_prefix {
            // The bigrams of a one-character CJK word are matched as the word itself.
            matcher.prefix = words.last().filter(|w| lone_cjk(w).is_none()).and_then(|w| folded_word(w));
        }
        matcher.corrections = corrections.iter().cloned().collect();
        matcher
    }

    /// The words it marks, per analysis (corrections are folded words), and the word being
    /// typed (folded), when a word is marked exactly when one of its analysed forms, as the
    /// index holds them, is one of those words or begins with that one; `None` when it also
    /// marks single CJK characters inside bigrams.
    #[allow(clippy::type_complexity)]
    pub fn forms_as_indexed(&self) -> Option<([(&'static str, &HashSet<String>); 5], Option<&str>)> {
        self.in_bigrams.is_empty().then_some((
            [
                (TEXT, &self.exact),
                (FOLDED, &self.folded),
                (FOLDED, &self.corrections),
                (STEMMED, &self.stemmed),
                (TRANSLIT, &self.translit),
            ],
            self.prefix.as_deref(),
        ))
    }

    fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.folded.is_empty() && self.translit.is_empty() && self.prefix.is_none()
    }

    /// Whether one word (a [`TEXT`] token) matches in any analysis.
    fn matches(&self, word: &str, scratch: &mut Scratch) -> bool {
        if let Some(&known) = self.seen.borrow().get(word) {
            return known;
        }
        let matched = self.compare(word, scratch);
        let mut seen = self.seen.borrow_mut();
        if seen.len() >= MAX_REMEMBERED {
            seen.clear();
        }
        seen.insert(word.to_owned(), matched);
        matched
    }

    fn compare(&self, word: &str, scratch: &mut Scratch) -> bool {
        if self.exact.contains(word) {
            return true;
        }
        fold::fold_into(word, &mut scratch.folded);
        let folded = scratch.folded.as_str();
        if self.folded.contains(folded)
            || self.corrections.contains(folded)
            || self.prefix.as_deref().is_some_and(|p| folded.starts_with(p))
        {
            return true;
        }
        // A CJK word is its own stem and cross-script form (see `analysis::only_cjk`):
        // nothing further can match it.
        if word.chars().next().is_some_and(analysis::words::is_cjk) {
            return false;
        }
        if !self.translit.is_empty() {
            translit::translit_into(word, &mut scratch.other);
            if self.translit.contains(&scratch.other) {
                return true;
            }
        }
        // Stemmers only rewrite word endings: a word whose first letter no wanted stem has
        // cannot stem to one, and stemming is the costliest comparison.
        let first = folded.chars().next();
        if self.stemmed.iter().any(|s| s.chars().next() == first) {
            stem::stem_into(word, &mut scratch.other);
            return self.stemmed.contains(&scratch.other);
        }
        false
    }

    /// Byte ranges of `text` that match, merged, in order; reading stops at the first word
    /// that starts at or after what `end_of` answers for the first match. The words are the
    /// [`TEXT`] analysis's, read without building its tokens.
    fn ranges(&self, text: &str, end_of: impl Fn(&Range<usize>) -> usize) -> Vec<Range<usize>> {
        let mut merged: Vec<Range<usize>> = Vec::new();
        if self.is_empty() {
            return merged;
        }
        let mut scratch = Scratch::default();
        let mut stop_at = usize::MAX;
        analysis::words::for_each_word(text, |from, to, word| {
            if from >= stop_at {
                return false;
            }
            // The analysis drops words this long, in the index and in queries alike.
            if word.len() > analysis::MAX_TOKEN_BYTES {
                return true;
            }
            let found: Vec<Range<usize>> = if self.matches(word, &mut scratch) {
                std::iter::once(from..to).collect()
            } else if !self.in_bigrams.is_empty() && word.chars().count() == 2 {
                self.wanted_characters(&text[from..to], from)
            } else {
                Vec::new()
            };
            for range in found {
                if merged.is_empty() {
                    stop_at = end_of(&range);
                }
                match merged.last_mut() {
                    // CJK bigrams overlap: one marked run.
                    Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
                    _ => merged.push(range),
                }
            }
            true
        });
        merged
    }

    /// The wanted one-character words in `written`, the text of a CJK bigram as written at
    /// `offset`: their byte ranges in the whole text.
    fn wanted_characters(&self, written: &str, offset: usize) -> Vec<Range<usize>> {
        written
            .char_indices()
            .filter(|(_, c)| self.in_bigrams.contains(c))
            .map(|(at, c)| offset + at..offset + at + c.len_utf8())
            .collect()
    }

    /// The title marked whole, and a passage of the abstract.
    pub fn hit(&self, title: &str, abstract_text: Option<&str>) -> Highlights {
        Highlights {
            title: self.highlight(title),
            abstract_text: abstract_text.and_then(|a| self.snippet(a, SNIPPET_CHARS)),
        }
    }

    /// `text` as HTML with the matches in `<mark>`; `None` when nothing in it matches.
    pub fn highlight(&self, text: &str) -> Option<String> {
        let ranges = self.ranges(text, |_| usize::MAX);
        if ranges.is_empty() {
            return None;
        }
        Some(mark(text, &ranges, 0..text.len()))
    }

    /// A passage of at most about `max_chars` characters around the first match, as HTML;
    /// `None` when nothing in `text` matches.
    pub fn snippet(&self, text: &str, max_chars: usize) -> Option<String> {
        let window = |first: &Range<usize>| {
            let start = text[..first.start].char_indices().rev().nth(max_chars / 3).map_or(0, |(i, _)| i);
            let end = text[start..].char_indices().nth(max_chars).map_or(text.len(), |(i, _)| start + i);
            start..end
        };
        let ranges = self.ranges(text, |first| window(first).end);
        let Range { start, end } = window(ranges.first()?);
        let mut html = String::new();
        if start > 0 {
            html.push('…');
        }
        html.push_str(&mark(text, &ranges, start..end));
        if end < text.len() {
            html.push('…');
        }
        Some(html)
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn mark(text: &str, ranges: &[Range<usize>], window: Range<usize>) -> String {
    let mut html = String::new();
    let mut at = window.start;
    for range in ranges {
        let (start, end) = (range.start.max(window.start), range.end.min(window.end));
        if start >= end || start < at {
            continue;
        }
        html.push_str(&escape(&text[at..start]));
        html.push_str("<mark>");
        html.push_str(&escape(&text[start..end]));
        html.push_str("</mark>");
        at = end;
    }
    html.push_str(&escape(&text[at..window.end]));
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manager() -> TokenizerManager {
        let manager = TokenizerManager::default();
        analysis::register(&manager);
        manager
    }

    fn matcher(manager: &TokenizerManager, query: &str) -> Matcher {
        Matcher::for_query(manager, &super::super::query::parse(query), &[])
    }

    /// A correction is marked where the search matched it in place of a misspelt word; a
    /// near neighbour it did not look for is not.
    #[test]
    fn marks_the_corrections_the_search_matched() {
        let m = manager();
        let text = "Samarqandning kutubxonalari";
        let query = super::super::query::parse("samarkqandning ");
        let corrected = Matcher::for_query(&m, &query, &["samarqandning".to_owned()]);
        assert_eq!(corrected.highlight(text).as_deref(), Some("<mark>Samarqandning</mark> kutubxonalari"));
        assert_eq!(Matcher::for_query(&m, &query, &[]).highlight(text), None);
    }

    #[test]
    fn marks_cross_script_and_folded_matches_as_written() {
        let m = manager();
        assert_eq!(
            matcher(&m, "Navoiy").highlight("Навоий ғазаллари").as_deref(),
            Some("<mark>Навоий</mark> ғазаллари")
        );
        assert_eq!(
            matcher(&m, "kurk").highlight("Kürk Mantolu Madonna").as_deref(),
            Some("<mark>Kürk</mark> Mantolu Madonna")
        );
        assert_eq!(matcher(&m, "x").highlight("a <b> & c"), None);
        assert_eq!(matcher(&m, "b").highlight("a <b> & c").as_deref(), Some("a &lt;<mark>b</mark>&gt; &amp; c"));
    }

    #[test]
    fn snippets_window_around_the_first_match() {
        let m = manager();
        let text = format!("{} Navoiy {}", "so‘z ".repeat(100), "oxiri ".repeat(100));
        let snippet = matcher(&m, "navoiy").snippet(&text, 60).unwrap();
        assert!(snippet.starts_with('…') && snippet.ends_with('…'), "{snippet}");
        assert!(snippet.contains("<mark>Navoiy</mark>"));
        assert!(snippet.chars().count() < 90);
    }

    #[test]
    fn marks_a_one_character_cjk_word_inside_its_bigrams() {
        let m = manager();
        assert_eq!(
            matcher(&m, "书").highlight("中国国家图书馆藏书").as_deref(),
            Some("中国国家图<mark>书</mark>馆藏<mark>书</mark>")
        );
        assert_eq!(matcher(&m, "책").highlight("한국의 책방").as_deref(), Some("한국의 <mark>책</mark>방"));
        // standing alone it is marked as written too; a longer word still marks whole
        assert_eq!(matcher(&m, "本").highlight("本 日本").as_deref(), Some("<mark>本</mark> 日<mark>本</mark>"));
        assert_eq!(matcher(&m, "图书").highlight("图书馆").as_deref(), Some("<mark>图书</mark>馆"));
        assert_eq!(matcher(&m, "书").highlight("中国国家图馆"), None);
    }
}
