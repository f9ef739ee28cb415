//! Diacritic folding for the `FOLDED` analyzer (and the first step of `STEMMED`).
//!
//! Folding is what lets a searcher without the right keyboard find a word: "Łódź" → "lodz",
//! "Kütüphane" → "kutuphane", "O‘zbekiston" → "ozbekiston". It is deliberately limited to the
//! scripts where diacritics are optional in practice:
//!
//! * Latin, Greek, Cyrillic: canonical decomposition, combining marks dropped (accents, stress
//!   marks, ALA-LC ties), plus letters that do not decompose (ł ø đ ß æ œ ı ...). ё → е
//!   because Russian print normally writes е for ё.
//! * Cyrillic letters that a Russian keyboard lacks fold to the nearest Russian letter, the
//!   Cyrillic analogue of dropping Latin diacritics: Uzbek ў қ ғ ҳ, Kazakh ә ө ү ұ ң һ і,
//!   Ukrainian є ї ґ (→ у к г х, а о у у н х и, е и г). A researcher on a Russian keyboard
//!   types "Кукон" for "Қўқон". This conflates e.g. Uzbek "ўн"/"ун" (ten/flour); `TEXT` keeps
//!   them apart for ranking. Russian й is NOT folded to и: every Cyrillic keyboard has it, and
//!   folding would conflate "мой"/"мои", "бой"/"бои".
//! * Apostrophe letters (o‘ g‘, the tutuq belgisi, the ALA-LC primes ʹ ʺ) are dropped, so
//!   "o'zbekiston", "o‘zbekiston" and "ozbekiston" agree. This conflates "she’r" (poem) with
//!   "sher" (lion); the `TEXT` field keeps the distinction for ranking.
//! * Arabic script: harakat and tatweel removed; the Persian/Arabic variants of yeh, kaf, heh
//!   and hamza-carrying alef unified (what Lucene's Arabic/Persian normalisers do); Arabic-Indic
//!   digits become ASCII digits. Hebrew points are dropped.
//! * Everything else (CJK, Hangul, Indic, Georgian, ...) is left untouched: decomposing Hangul
//!   syllables or dropping Indic vowel signs would destroy the words.

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

pub fn is_latin(c: char) -> bool {
    matches!(c as u32,
        0x41..=0x5A | 0x61..=0x7A | 0xAA | 0xBA | 0xC0..=0xD6 | 0xD8..=0xF6 | 0xF8..=0x24F
        | 0x250..=0x2AF | 0x1D00..=0x1DBF | 0x1E00..=0x1EFF | 0x2C60..=0x2C7F | 0xA720..=0xA7FF
        | 0xAB30..=0xAB6F
    )
}

pub fn is_greek(c: char) -> bool {
    matches!(c as u32, 0x370..=0x3FF | 0x1F00..=0x1FFF)
}

pub fn is_cyrillic(c: char) -> bool {
    matches!(c as u32, 0x400..=0x52F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F)
}

fn is_arabic_script(c: char) -> bool {
    matches!(c as u32, 0x600..=0x6FF | 0x750..=0x77F | 0x8A0..=0x8FF)
}

/// Apostrophe-like letters and marks that carry no meaning once diacritics are gone:
/// ' ‘ ’ ʻ ʼ ` and the ALA-LC soft/hard sign primes ʹ ʺ (and the look-alike ′ ″).
pub fn is_apostrophe_like(c: char) -> bool {
    super::words::is_apostrophe(c) || matches!(c, '\u{02B9}' | '\u{02BA}' | '\u{2032}' | '\u{2033}')
}

/// Arabic marks that are optional in writing: harakat, Quranic annotation, superscript alef.
fn is_arabic_mark(c: char) -> bool {
    matches!(c as u32, 0x610..=0x61A | 0x64B..=0x65F | 0x670 | 0x6D6..=0x6ED)
}

fn is_hebrew_point(c: char) -> bool {
    matches!(c as u32, 0x591..=0x5BD | 0x5BF | 0x5C1 | 0x5C2 | 0x5C4 | 0x5C5 | 0x5C7)
}

/// Latin/Greek letters that have no canonical decomposition but a usual plain spelling.
fn special(c: char) -> Option<&'static str> {
    Some(match c {
        'ł' => "l",
        'ø' => "o",
        'đ' | 'ð' => "d",
        'þ' => "th",
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        // Turkish/Azerbaijani/Kazakh dotless ı: "ıstanbul" and "istanbul" must meet.
        'ı' => "i",
        'ħ' => "h",
        'ŧ' => "t",
        'ƒ' => "f",
        'ɨ' => "i",
        'ſ' => "s",
        // Greek final sigma is only a positional variant of σ.
        'ς' => "σ",
        // Cyrillic letters missing from a Russian keyboard (see the module docs).
        'ў' => "у",
        'қ' | 'ҡ' => "к",
        'ғ' | 'ґ' | 'ѓ' => "г",
        'ҳ' | 'һ' => "х",
        'ә' => "а",
        'ө' => "о",
        'ү' | 'ұ' => "у",
        'ң' => "н",
        'і' | 'ї' => "и",
        'є' => "е",
        _ => return None,
    })
}

fn fold_arabic(c: char, out: &mut String) {
    match c {
        // tatweel (kashida) only stretches the line
        '\u{0640}' => {}
        'أ' | 'إ' | 'آ' | 'ٱ' => out.push('ا'),
        // alef maksura, Farsi yeh → Arabic yeh
        'ى' | 'ی' => out.push('ي'),
        // keheh → kaf
        'ک' => out.push('ك'),
        // teh marbuta, heh with yeh above → heh
        'ة' | 'ۀ' => out.push('ه'),
        // Arabic-Indic and Persian digits → ASCII
        '\u{0660}'..='\u{0669}' => out.push(char::from(b'0' + (c as u32 - 0x660) as u8)),
        '\u{06F0}'..='\u{06F9}' => out.push(char::from(b'0' + (c as u32 - 0x6F0) as u8)),
        _ => out.push(c),
    }
}

/// Folds one (already lowercased, NFKC) token into `out`, which is cleared first.
pub fn fold_into(word: &str, out: &mut String) {
    out.clear();
    // Whether the last base character was Latin/Greek/Cyrillic: its combining marks go.
    let mut after_foldable = false;
    for c in word.chars() {
        if is_apostrophe_like(c) {
            continue;
        }
        if is_combining_mark(c) {
            if !(after_foldable || is_arabic_mark(c) || is_hebrew_point(c)) {
                out.push(c);
            }
            continue;
        }
        if is_arabic_script(c) {
            after_foldable = false;
            fold_arabic(c, out);
            continue;
        }
        if !(is_latin(c) || is_greek(c) || is_cyrillic(c)) {
            after_foldable = false;
            out.push(c);
            continue;
        }
        after_foldable = true;
        if c == 'й' {
            out.push(c);
            continue;
        }
        if let Some(plain) = special(c) {
            out.push_str(plain);
            continue;
        }
        decompose_canonical(c, |d| {
            if !is_combining_mark(d) {
                match special(d) {
                    Some(plain) => out.push_str(plain),
                    None => out.push(d),
                }
            }
        });
    }
}

/// Convenience wrapper around [`fold_into`].
pub fn fold(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    fold_into(word, &mut out);
    out
}
