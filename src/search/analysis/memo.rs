//! Per-thread memory of what a word function returned. Words follow Zipf's law: most tokens
//! an indexing thread sees, it has mapped before, and a lookup costs far less than a
//! Snowball pass or a transliteration. Forgotten all at once when full, which bounds the
//! memory to a few megabytes per thread.

use std::cell::RefCell;
use std::collections::HashMap;
use std::thread::LocalKey;

pub struct WordMemo {
    results: HashMap<Box<str>, Box<str>, foldhash::fast::RandomState>,
    capacity: usize,
}

impl WordMemo {
    pub fn new(capacity: usize) -> Self {
        WordMemo { results: HashMap::default(), capacity }
    }
}

/// Writes `map(word)` into `out` (cleared first), from `memo` when the word was mapped on
/// this thread before.
pub fn remembered(
    memo: &'static LocalKey<RefCell<WordMemo>>,
    word: &str,
    out: &mut String,
    map: fn(&str, &mut String),
) {
    out.clear();
    let known = memo.with(|memo| memo.borrow().results.get(word).map(|result| out.push_str(result)).is_some());
    if known {
        return;
    }
    map(word, out);
    memo.with(|memo| {
        let mut memo = memo.borrow_mut();
        if memo.results.len() >= memo.capacity {
            memo.results.clear();
        }
        memo.results.insert(word.into(), out.as_str().into());
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        static UPPER: RefCell<WordMemo> = RefCell::new(WordMemo::new(2));
    }

    fn upper(word: &str, out: &mut String) {
        out.push_str(&word.to_uppercase());
    }

    #[test]
    fn results_are_the_function_s_whether_remembered_or_not() {
        let mut out = String::from("left over");
        for word in ["kitob", "kitob", "до", "ёлка", "kitob", ""] {
            remembered(&UPPER, word, &mut out, upper);
            assert_eq!(out, word.to_uppercase());
        }
        assert!(UPPER.with(|memo| memo.borrow().results.len()) <= 2);
    }
}
