//! The cross-script "skeleton" of the `TRANSLIT` analyzer.
//!
//! Goal: the same word written in Cyrillic or in any usual Latin spelling gives the same token —
//! Uzbek Cyrillic ↔ official Uzbek Latin, Russian ↔ common romanizations and ALA-LC (Library of
//! Congress, with its diacritics and ligature ties), Kazakh Cyrillic ↔ 2021 Kazakh Latin.
//!
//! Three steps, all lossy on purpose:
//!
//! 1. Spell out: Cyrillic letters become Latin (one table for Russian, Uzbek, Kazakh, Tajik,
//!    Ukrainian, Serbian, pre-1918 Russian); Latin letters whose diacritic means a digraph
//!    become that digraph (š ş → sh, č ç → ch, ž → zh, ë → yo).
//! 2. Fold as in `FOLDED`: other diacritics, ALA-LC ties (i͡a), apostrophes and primes go.
//! 3. Skeleton, left to right on ASCII letters:
//!    * shch → "şç"; sh → "ş"; ch → "ç"; zh → "ž" (one symbol each, so that "s"+"h" spelled
//!      separately and the digraph agree — the output symbols are internal, not shown to users);
//!    * kh, x, h → "h" (Russian х = kh, Uzbek х = x, Uzbek ҳ and Kazakh х/һ = h);
//!    * ts → "c" (ц = ts = c, also ALA-LC t͡s);
//!    * ye → "e" (е is "ye" after vowels/at the start in common and Uzbek romanization but "e"
//!      in ALA-LC: Yevropa = Европа = Evropa, Dostoyevsky = Dostoevskiĭ);
//!    * y → "i" (й ы and the glide of я ю: Tolstoy = Tolstoĭ = Tolstoi, Yuri = I͡Uriĭ);
//!    * j → "ž" (Uzbek, Kazakh and Turkish j is ж), except word-final after a vowel → "i"
//!      (Tolstoj, Jurij-style ISO 9 endings);
//!    * w → "v"; q stays q (Uzbek/Kazakh қ is a separate phoneme: qo‘l "hand" ≠ ko‘l "lake");
//!    * finally runs of the same letter collapse (ll → l, ii → i), which also absorbs
//!      "iy"/"ii"/"iĭ" endings and doubled consonants that romanizations disagree about.
//!
//! What it conflates (accepted, documented): ы with и, э with е, ye with e (Uzbek "yer" earth =
//! "er" man), she’r (poem) with sher (lion), ц with тс, doubled with single letters, h/kh/x.
//! What it keeps apart: vowels are never merged (mir ≠ mor, kitob ≠ kitab, and Uzbek Toshkent ≠
//! Russian Tashkent: that is a different name, not a different spelling); q ≠ k (so the official
//! Latin "Qazaqstan" matches Қазақстан but the English exonym "Kazakhstan" does not); ALA-LC ë
//! and Cyrillic ё give "io", so "Fedor" (ё written as е) ≠ "Fëdor" as query words; but a word
//! written with ё is indexed in both forms ([`ye_for_yo`]), since everyday romanization
//! writes ё as plain e ("Fedor", "Pugachev"): the ё word is found by "Fëdor", "Fyodor" and
//! "Fedor" alike. The skeleton also does not
//! try to read Latin "j" as the й glide (scientific "Jurij" ≠ "Yuri").
//!
//! Other scripts pass through exactly as in `FOLDED` (CJK bigrams included), so the translit
//! field still holds every word.

use std::cell::RefCell;

use super::fold::fold_into;
use super::memo::{WordMemo, remembered};

/// Cyrillic (lowercase) → Latin spelling. Uzbek and Kazakh letters use their official Latin
/// values minus diacritics; Russian letters the common (BGN-like) values.
fn cyrillic(c: char) -> Option<&'static str> {
    Some(match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'д' => "d",
        'е' | 'э' | 'ѣ' | 'ѐ' => "e",
        'ё' => "yo",
        'ж' | 'җ' => "zh",
        'з' | 'ҙ' => "z",
        'и' | 'ӣ' | 'і' | 'ѝ' | 'ѵ' => "i",
        'й' | 'ы' => "y",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' | 'ң' => "n",
        'о' | 'ў' | 'ө' => "o",
        'п' => "p",
        'р' => "r",
        'с' | 'ҫ' => "s",
        'т' => "t",
        'у' | 'ү' | 'ұ' | 'ӯ' => "u",
        'ф' | 'ѳ' => "f",
        'х' => "kh",
        // Uzbek ҳ and Kazakh һ are written h in Latin: "Исҳоқ" must meet "Is’hoq", whose
        // apostrophe is dropped, so s+h has to come out the same on both sides.
        'ҳ' | 'һ' => "h",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' | 'ь' => "",
        'ю' => "yu",
        'я' => "ya",
        'қ' | 'ҡ' => "q",
        'ғ' | 'ґ' | 'ѓ' => "g",
        'ә' => "a",
        'є' => "ye",
        'ї' => "yi",
        'ҷ' | 'џ' => "j",
        'ђ' => "dj",
        'ћ' => "ch",
        'љ' => "lj",
        'њ' => "nj",
        'ј' => "j",
        'ќ' => "kj",
        'ѕ' => "dz",
        _ => return None,
    })
}

/// Latin letters whose diacritic turns them into a digraph in other romanizations.
fn latin_digraph(c: char) -> Option<&'static str> {
    Some(match c {
        'š' | 'ş' | 'ș' => "sh",
        'č' | 'ç' | 'ć' => "ch",
        'ž' => "zh",
        // ALA-LC ë is ё, which Cyrillic spells out as "yo"
        'ë' => "yo",
        _ => return None,
    })
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u')
}

/// Skeletons remembered per thread: a word's takes four passes and as many allocations.
const TRANSLIT_CACHE_WORDS: usize = 50_000;

thread_local! {
    static SKELETONS: RefCell<WordMemo> = RefCell::new(WordMemo::new(TRANSLIT_CACHE_WORDS));
}

/// Transliterates one `TEXT` token (lowercased) into its skeleton in `out` (cleared first).
pub fn translit_into(word: &str, out: &mut String) {
    remembered(&SKELETONS, word, out, skeleton_into);
}

fn skeleton_into(word: &str, out: &mut String) {
    // 1. spell out
    let mut spelled = String::with_capacity(word.len() + 8);
    for c in word.chars() {
        match cyrillic(c).or_else(|| latin_digraph(c)) {
            Some(latin) => spelled.push_str(latin),
            None => spelled.push(c),
        }
    }
    // 2. fold
    let mut folded = String::with_capacity(spelled.len());
    fold_into(&spelled, &mut folded);
    // 3. skeleton
    let chars: Vec<char> = folded.chars().collect();
    let mut mapped: Vec<char> = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if !c.is_ascii_alphabetic() {
            mapped.push(c);
            i += 1;
            continue;
        }
        if chars[i..].starts_with(&['s', 'h', 'c', 'h']) {
            mapped.extend(['ş', 'ç']);
            i += 4;
            continue;
        }
        let digraph = match (c, next) {
            ('s', Some('h')) => Some('ş'),
            ('c', Some('h')) => Some('ç'),
            ('z', Some('h')) => Some('ž'),
            ('k', Some('h')) => Some('h'),
            ('t', Some('s')) => Some('c'),
            ('y', Some('e')) => Some('e'),
            _ => None,
        };
        if let Some(symbol) = digraph {
            mapped.push(symbol);
            i += 2;
            continue;
        }
        mapped.push(match c {
            'x' => 'h',
            'w' => 'v',
            'y' => 'i',
            'j' => {
                let word_final = !next.is_some_and(char::is_alphabetic);
                if word_final && mapped.last().copied().is_some_and(is_vowel) { 'i' } else { 'ž' }
            }
            other => other,
        });
        i += 1;
    }
    // collapse runs of the same skeleton letter (digits and other scripts are left alone:
    // 1000 ≠ 10, and the CJK bigram 国国 stays)
    out.clear();
    let mut previous: Option<char> = None;
    for c in mapped {
        if previous == Some(c) && (c.is_ascii_alphabetic() || matches!(c, 'ş' | 'ç' | 'ž')) {
            continue;
        }
        out.push(c);
        previous = Some(c);
    }
}

/// The same word with ё (Cyrillic) or ë (ALA-LC) read as е/e, as Russian print and everyday
/// romanization write it; `None` for a word without either.
pub fn ye_for_yo(word: &str) -> Option<String> {
    word.contains(['ё', 'ë']).then(|| word.replace('ё', "е").replace('ë', "e"))
}
