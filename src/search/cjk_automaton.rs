//! The CJK bigrams that contain one character.
//!
//! Chinese, Japanese and Korean runs are indexed as overlapping bigrams ("图书馆" is "图书",
//! "书馆"), so a one-character word such as "书" (book) or "诗" (poetry) is inside bigrams
//! rather than a term of its own. This automaton walks a term dictionary for the two-character
//! terms with that character in either place; the walk follows only the wanted character
//! wherever the other one is free, so it visits the distinct first characters once.

use tantivy_fst::Automaton;

/// Terms of exactly two characters, at least one of which is the wanted one.
pub struct ContainsChar {
    wanted: [u8; 4],
    wanted_len: u8,
}

impl ContainsChar {
    pub fn new(wanted: char) -> Self {
        let mut bytes = [0u8; 4];
        let wanted_len = wanted.encode_utf8(&mut bytes).len() as u8;
        ContainsChar { wanted: bytes, wanted_len }
    }

    /// After `byte`, reading a character of which `read` bytes came before.
    fn step_char(&self, char: CharProgress, byte: u8) -> Option<CharProgress> {
        let len = if char.read == 0 { utf8_len(byte)? } else { char.len };
        let is_wanted = char.is_wanted && self.wanted.get(usize::from(char.read)) == Some(&byte);
        Some(CharProgress { read: char.read + 1, len, is_wanted })
    }
}

/// One character being read.
#[derive(Clone, Copy, Debug)]
pub struct CharProgress {
    read: u8,
    len: u8,
    /// Every byte so far is the wanted character's.
    is_wanted: bool,
}

impl CharProgress {
    const START: CharProgress = CharProgress { read: 0, len: 0, is_wanted: true };

    fn complete(&self) -> bool {
        self.read > 0 && self.read == self.len
    }
}

#[derive(Clone, Copy, Debug)]
pub enum State {
    First(CharProgress),
    Second {
        first_is_wanted: bool,
        char: CharProgress,
    },
    /// Two characters read; whether one of them was the wanted one.
    Done(bool),
    Dead,
}

/// The length of a UTF-8 sequence from its first byte; `None` for a continuation byte.
fn utf8_len(first: u8) -> Option<u8> {
    match first.leading_ones() {
        0 => Some(1),
        2 => Some(2),
        3 => Some(3),
        4 => Some(4),
        _ => None,
    }
}

impl Automaton for ContainsChar {
    type State = State;

    fn start(&self) -> State {
        State::First(CharProgress::START)
    }

    fn is_match(&self, state: &State) -> bool {
        matches!(state, State::Done(true))
    }

    fn can_match(&self, state: &State) -> bool {
        match state {
            State::First(_) | State::Done(true) => true,
            State::Second { first_is_wanted, char } => *first_is_wanted || char.is_wanted,
            State::Done(false) | State::Dead => false,
        }
    }

    fn accept(&self, state: &State, byte: u8) -> State {
        let wanted_len = self.wanted_len;
        let is_the_wanted = |c: &CharProgress| c.is_wanted && c.len == wanted_len;
        match *state {
            State::First(char) => match self.step_char(char, byte) {
                Some(char) if char.complete() => {
                    State::Second { first_is_wanted: is_the_wanted(&char), char: CharProgress::START }
                }
                Some(char) => State::First(char),
                None => State::Dead,
            },
            State::Second { first_is_wanted, char } => match self.step_char(char, byte) {
                Some(char) if char.complete() => State::Done(first_is_wanted || is_the_wanted(&char)),
                Some(char) => State::Second { first_is_wanted, char },
                None => State::Dead,
            },
            State::Done(_) | State::Dead => State::Dead,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepts(wanted: char, term: &str) -> bool {
        let automaton = ContainsChar::new(wanted);
        let mut state = automaton.start();
        for byte in term.bytes() {
            state = automaton.accept(&state, byte);
        }
        automaton.is_match(&state)
    }

    #[test]
    fn two_characters_one_of_them_wanted() {
        assert!(accepts('书', "图书"));
        assert!(accepts('书', "书馆"));
        assert!(accepts('书', "书书"));
        assert!(accepts('책', "책방"));
        assert!(!accepts('书', "书"), "the character alone is a term of its own, matched as written");
        assert!(!accepts('书', "图书馆"));
        assert!(!accepts('书', "图馆"));
        assert!(!accepts('书', ""));
        assert!(!accepts('书', "ab"));
        // a character sharing the wanted one's leading bytes is not it
        assert!(!accepts('书', "乛乜"));
    }

    #[test]
    fn prunes_what_cannot_match() {
        let automaton = ContainsChar::new('书');
        let mut state = automaton.start();
        for byte in "图".bytes() {
            state = automaton.accept(&state, byte);
        }
        assert!(automaton.can_match(&state), "图 may be followed by 书");
        for byte in "馆".bytes().take(1) {
            state = automaton.accept(&state, byte);
        }
        assert!(!automaton.can_match(&state), "图 then a character starting unlike 书");
    }
}
