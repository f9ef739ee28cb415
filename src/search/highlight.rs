//! Marking what matched, for every kind of match: a word found through its folded, stemmed
//! or cross-script form is marked in the text as written.

use std::collections::HashMap;
use std::ops::Range;

use tantivy::tokenizer::TokenizerManager;

use super::analysis::{self, FOLDED};

/// What a query matches, per analyzer, plus the prefix of a word being typed and the words
/// that may match with typos (both folded).
#[derive(Clone, Debug, Default)]
pub struct Matcher {
    pub tokens: HashMap<&'static str, Vec<String>>,
    pub prefix: Option<String>,
    /// (folded word, edits allowed)
    pub typos: Vec<(String, usize)>,
}

impl Matcher {
    /// Byte ranges of `text` that match.
    fn ranges(&self, tokenizers: &TokenizerManager, text: &str) -> Vec<Range<usize>> {
        let mut ranges = Vec::new();
        for analyzer in analysis::ALL {
            let Some(wanted) = self.tokens.get(analyzer) else { continue };
            for token in analysis::analyze(tokenizers, analyzer, text) {
                if wanted.contains(&token.text) {
                    ranges.push(token.offset_from..token.offset_to);
                }
            }
        }
        if self.prefix.is_some() || !self.typos.is_empty() {
            for token in analysis::analyze(tokenizers, FOLDED, text) {
                let prefix_hit = self.prefix.as_deref().is_some_and(|p| token.text.starts_with(p));
                let typo_hit = self.typos.iter().any(|(word, edits)| strsim::levenshtein(&token.text, word) <= *edits);
                if prefix_hit || typo_hit {
                    ranges.push(token.offset_from..token.offset_to);
                }
            }
        }
        ranges.sort_by_key(|r| (r.start, r.end));
        let mut merged: Vec<Range<usize>> = Vec::new();
        for range in ranges {
            match merged.last_mut() {
                Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
                _ => merged.push(range),
            }
        }
        merged
    }

    /// `text` as HTML with the matches in `<mark>`; `None` when nothing in it matches.
    pub fn highlight(&self, tokenizers: &TokenizerManager, text: &str) -> Option<String> {
        let ranges = self.ranges(tokenizers, text);
        if ranges.is_empty() {
            return None;
        }
        Some(mark(text, &ranges, 0..text.len()))
    }

    /// A passage of at most about `max_chars` characters around the first match, as HTML;
    /// `None` when nothing in `text` matches.
    pub fn snippet(&self, tokenizers: &TokenizerManager, text: &str, max_chars: usize) -> Option<String> {
        let ranges = self.ranges(tokenizers, text);
        let first = ranges.first()?.clone();
        let before = max_chars / 3;
        let start = text[..first.start].char_indices().rev().nth(before).map_or(0, |(i, _)| i);
        let end = text[start..].char_indices().nth(max_chars).map_or(text.len(), |(i, _)| start + i);
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
        let parsed = super::super::query::parse(query);
        Matcher { tokens: super::super::searcher::query_tokens(manager, &parsed), ..Default::default() }
    }

    #[test]
    fn marks_cross_script_and_folded_matches_as_written() {
        let m = manager();
        assert_eq!(
            matcher(&m, "Navoiy").highlight(&m, "Навоий ғазаллари").as_deref(),
            Some("<mark>Навоий</mark> ғазаллари")
        );
        assert_eq!(
            matcher(&m, "kurk").highlight(&m, "Kürk Mantolu Madonna").as_deref(),
            Some("<mark>Kürk</mark> Mantolu Madonna")
        );
        assert_eq!(matcher(&m, "x").highlight(&m, "a <b> & c"), None);
        assert_eq!(matcher(&m, "b").highlight(&m, "a <b> & c").as_deref(), Some("a &lt;<mark>b</mark>&gt; &amp; c"));
    }

    #[test]
    fn snippets_window_around_the_first_match() {
        let m = manager();
        let text = format!("{} Navoiy {}", "so‘z ".repeat(100), "oxiri ".repeat(100));
        let snippet = matcher(&m, "navoiy").snippet(&m, &text, 60).unwrap();
        assert!(snippet.starts_with('…') && snippet.ends_with('…'), "{snippet}");
        assert!(snippet.contains("<mark>Navoiy</mark>"));
        assert!(snippet.chars().count() < 90);
    }
}
