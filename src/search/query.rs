//! What a user typed, read forgivingly: words, "quoted phrases", `-exclusions` and `OR`.
//! Anything is accepted: stray quotes, colons, apostrophes (`O'zbekiston`), emoji; what
//! cannot be a word is ignored.

/// The longest query taken into account; the rest is ignored (10 kB of text is not a search).
pub const MAX_QUERY_CHARS: usize = 500;
/// At most this many clauses: a pasted paragraph searches for its first words.
pub const MAX_CLAUSES: usize = 32;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Clause {
    /// One word (as typed; analysis happens per field).
    Word(String),
    /// A "quoted phrase".
    Phrase(String),
}

/// Clauses joined by OR form a group; every group must match; excluded clauses must not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedQuery {
    pub groups: Vec<Vec<Clause>>,
    pub excluded: Vec<Clause>,
    /// The last word was typed without a following space: it is matched as a prefix
    /// (search as you type).
    pub last_is_prefix: bool,
}

impl ParsedQuery {
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Every positive clause, in order.
    pub fn clauses(&self) -> impl Iterator<Item = &Clause> {
        self.groups.iter().flatten()
    }
}

pub fn parse(input: &str) -> ParsedQuery {
    let text: String = input.chars().take(MAX_QUERY_CHARS).collect();
    let mut query = ParsedQuery::default();
    let mut chars = text.chars().peekable();
    let mut pending_or = false;
    let mut count = 0;
    let mut last_word_open = false;
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            last_word_open = false;
            continue;
        }
        let negated = c == '-';
        if negated {
            chars.next();
        }
        let clause = if chars.peek() == Some(&'"') {
            chars.next();
            let phrase: String = chars.by_ref().take_while(|&c| c != '"').collect();
            last_word_open = false;
            Clause::Phrase(phrase.trim().to_owned())
        } else {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == '"' {
                    break;
                }
                word.push(c);
                chars.next();
            }
            last_word_open = chars.peek().is_none();
            Clause::Word(word)
        };
        let empty = match &clause {
            Clause::Word(w) | Clause::Phrase(w) => !w.chars().any(char::is_alphanumeric),
        };
        if empty {
            continue;
        }
        if !negated && clause == Clause::Word("OR".into()) {
            pending_or = !query.groups.is_empty();
            continue;
        }
        count += 1;
        if count > MAX_CLAUSES {
            break;
        }
        if negated {
            query.excluded.push(clause);
        } else if pending_or && let Some(group) = query.groups.last_mut() {
            group.push(clause);
            pending_or = false;
        } else {
            query.groups.push(vec![clause]);
        }
    }
    query.last_is_prefix = last_word_open
        && !input.ends_with(char::is_whitespace)
        && matches!(query.groups.last().and_then(|g| g.last()), Some(Clause::Word(_)));
    query
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(ws: &[&str]) -> Vec<Clause> {
        ws.iter().map(|w| Clause::Word(w.to_string())).collect()
    }

    #[test]
    fn words_phrases_exclusions_and_or() {
        let q = parse(r#"navoiy "xamsa dostonlari" -farhod lirika OR she'r"#);
        assert_eq!(q.groups[0], words(&["navoiy"]));
        assert_eq!(q.groups[1], vec![Clause::Phrase("xamsa dostonlari".into())]);
        assert_eq!(q.groups[2], words(&["lirika", "she'r"]));
        assert_eq!(q.excluded, words(&["farhod"]));
        assert!(q.last_is_prefix);
        assert!(!parse("navoiy ").last_is_prefix);
    }

    #[test]
    fn anything_typed_is_accepted() {
        for input in ["\"", "title:", "O'zbekiston", "🙂📚", "- -- OR OR", "\"unclosed phrase", ":::", ""] {
            let _ = parse(input);
        }
        assert!(parse("🙂📚 :::").is_empty());
        assert_eq!(parse("title:war").groups[0], words(&["title:war"]));
        let long = "слово ".repeat(2000);
        assert_eq!(parse(&long).groups.len(), MAX_CLAUSES);
    }
}
