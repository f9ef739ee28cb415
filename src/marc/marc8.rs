//! MARC-8 to UTF-8 conversion.
//!
//! MARC-8 is an ISO 2022 style encoding: escape sequences designate which
//! character set is invoked by bytes 0x21-0x7E (G0) and 0xA1-0xFE (G1). The
//! defaults are ASCII in G0 and ANSEL (extended Latin) in G1. Two things make it
//! more than a table lookup:
//!
//! * combining diacritics come *before* their base letter (Unicode puts them
//!   after), so marks are held back until the next spacing character;
//! * the East Asian set (EACC, final `1`) uses three bytes per character.
//!
//! Damaged input never aborts the conversion: unknown or truncated sequences
//! become U+FFFD and are counted, so the caller can attach a warning to the
//! record instead of rejecting it.

use unicode_normalization::UnicodeNormalization;

use super::tables::marc8_data::{
    ANSEL, BASIC_ARABIC, BASIC_CYRILLIC, BASIC_GREEK, BASIC_HEBREW, BASIC_LATIN, COMBINING_BIT, EACC, EACC_ODD,
    EXTENDED_ARABIC, EXTENDED_CYRILLIC, GREEK_SYMBOLS, SUBSCRIPTS, SUPERSCRIPTS,
};

const ESC: u8 = 0x1B;

#[derive(Clone, Copy, PartialEq, Eq)]
enum CharSet {
    Single(&'static [u32; 128]),
    Eacc,
    /// A designation we do not know; its characters decode to U+FFFD.
    Unknown(u8),
}

fn charset_for_final(f: u8) -> CharSet {
    match f {
        b'B' => CharSet::Single(&BASIC_LATIN),
        b'E' => CharSet::Single(&ANSEL),
        b'g' => CharSet::Single(&GREEK_SYMBOLS),
        b'b' => CharSet::Single(&SUBSCRIPTS),
        b'p' => CharSet::Single(&SUPERSCRIPTS),
        b'N' => CharSet::Single(&BASIC_CYRILLIC),
        b'Q' => CharSet::Single(&EXTENDED_CYRILLIC),
        b'3' => CharSet::Single(&BASIC_ARABIC),
        b'4' => CharSet::Single(&EXTENDED_ARABIC),
        b'2' => CharSet::Single(&BASIC_HEBREW),
        b'S' => CharSet::Single(&BASIC_GREEK),
        b'1' => CharSet::Eacc,
        other => CharSet::Unknown(other),
    }
}

/// The result of converting one MARC-8 string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marc8Text {
    /// NFC-normalised Unicode text.
    pub text: String,
    /// How many characters could not be converted and became U+FFFD (or were
    /// dropped, for stray control bytes).
    pub errors: usize,
    /// Description of the first problem, for a record warning.
    pub first_error: Option<String>,
}

struct Decoder<'a> {
    input: &'a [u8],
    pos: usize,
    g0: CharSet,
    g1: CharSet,
    out: String,
    /// Combining marks waiting for their base character.
    pending: Vec<char>,
    errors: usize,
    first_error: Option<String>,
}

impl<'a> Decoder<'a> {
    fn problem(&mut self, at: usize, what: impl FnOnce() -> String) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(format!("MARC-8 byte {at}: {}", what()));
        }
    }

    fn emit(&mut self, value: u32) {
        let Some(c) = char::from_u32(value & !COMBINING_BIT) else {
            self.out.push(char::REPLACEMENT_CHARACTER);
            return;
        };
        if value & COMBINING_BIT != 0 {
            self.pending.push(c);
        } else {
            self.out.push(c);
            // Marks preceded their base in MARC-8; Unicode wants them after.
            self.out.extend(self.pending.drain(..));
        }
    }

    fn replacement(&mut self) {
        self.emit(char::REPLACEMENT_CHARACTER as u32);
    }

    /// Handles an escape sequence at `self.pos`. One we cannot parse costs only
    /// its ESC byte, so the text after it is still decoded.
    fn escape(&mut self) {
        let start = self.pos;
        let rest = &self.input[start + 1..];
        let (g0, len, final_byte) = match rest {
            // Technique 2: Greek symbols, subscripts, superscripts, back to ASCII.
            [b @ (b'g' | b'b' | b'p'), ..] => (true, 2, *b),
            [b's', ..] => (true, 2, b'B'),
            // Multibyte designations: ESC $ F (G0), ESC $ , F / ESC $ ( F (G0),
            // ESC $ ) F / ESC $ - F (G1).
            [b'$', b',' | b'(', f, ..] => (true, 4, *f),
            [b'$', b')' | b'-', f, ..] => (false, 4, *f),
            [b'$', f, ..] if *f != b',' && *f != b')' && *f != b'-' && *f != b'(' => (true, 3, *f),
            // Some writers include ISO 2022's '!' intermediate for ANSEL.
            [b'(' | b',', b'!', f, ..] => (true, 4, *f),
            [b')' | b'-', b'!', f, ..] => (false, 4, *f),
            [b'(' | b',', f, ..] => (true, 3, *f),
            [b')' | b'-', f, ..] => (false, 3, *f),
            _ => {
                self.problem(start, || "invalid or truncated escape sequence".to_owned());
                self.pos += 1;
                return;
            }
        };
        let set = charset_for_final(final_byte);
        if let CharSet::Unknown(f) = set {
            self.problem(start, || format!("unknown character set final 0x{f:02X}"));
        }
        if g0 {
            self.g0 = set;
        } else {
            self.g1 = set;
        }
        self.pos += len;
    }

    fn multibyte(&mut self, high: bool) {
        let start = self.pos;
        let Some(triple) = self.input.get(start..start + 3) else {
            self.problem(start, || "truncated multibyte character".to_owned());
            self.replacement();
            self.pos = self.input.len();
            return;
        };
        let mask = if high { 0x7F } else { 0xFF };
        let [a, b, c] = [triple[0] & mask, triple[1] & mask, triple[2] & mask];
        let code = (u32::from(a) << 16) | (u32::from(b) << 8) | u32::from(c);
        // Look the code up before judging its bytes: the non-standard codes in
        // EACC_ODD contain spaces and control bytes.
        let value = EACC
            .binary_search_by_key(&code, |&(k, _)| k)
            .map(|i| EACC[i].1)
            .or_else(|_| EACC_ODD.binary_search_by_key(&code, |&(k, _)| k).map(|i| EACC_ODD[i].1));
        if let Ok(v) = value {
            self.emit(v);
            self.pos += 3;
            return;
        }
        let valid = |x: u8| (0x21..=0x7E).contains(&x);
        if !(valid(a) && valid(b) && valid(c)) {
            // Resynchronise one byte at a time: a lost byte shifts every
            // following triple, and a stepwise resync recovers soonest.
            self.problem(start, || format!("damaged multibyte sequence {a:02X} {b:02X} {c:02X}"));
            self.replacement();
            self.pos += 1;
            return;
        }
        self.problem(start, || format!("unmapped EACC character {code:06X}"));
        self.replacement();
        self.pos += 3;
    }

    fn single(&mut self, table: &'static [u32; 128], byte: u8) {
        let v = table[usize::from(byte & 0x7F)];
        if v == 0 {
            self.problem(self.pos, || format!("byte 0x{byte:02X} is not defined in the current character set"));
            self.replacement();
        } else {
            self.emit(v);
        }
        self.pos += 1;
    }

    fn run(mut self) -> Marc8Text {
        while let Some(&byte) = self.input.get(self.pos) {
            match byte {
                ESC => self.escape(),
                // Space is the same in every set, including while EACC is in G0.
                b' ' => {
                    self.emit(u32::from(b' '));
                    self.pos += 1;
                }
                // EACC codes may start with 0x7F (see EACC_ODD).
                0x7F if self.g0 == CharSet::Eacc => self.multibyte(false),
                0x00..=0x1F | 0x7F => {
                    // Delimiters are stripped before we get here; any other
                    // control byte has no meaning in MARC-8 text.
                    self.problem(self.pos, || format!("control byte 0x{byte:02X} dropped"));
                    self.pos += 1;
                }
                0x21..=0x7E => match self.g0 {
                    CharSet::Single(t) => self.single(t, byte),
                    CharSet::Eacc => self.multibyte(false),
                    CharSet::Unknown(_) => {
                        self.replacement();
                        self.pos += 1;
                    }
                },
                0x80..=0xFF => match self.g1 {
                    CharSet::Single(t) => self.single(t, byte),
                    CharSet::Eacc => self.multibyte(true),
                    CharSet::Unknown(_) => {
                        self.replacement();
                        self.pos += 1;
                    }
                },
            }
        }
        // Marks with no following base: keep them rather than lose text.
        let pending = std::mem::take(&mut self.pending);
        self.out.extend(pending);
        Marc8Text { text: self.out.nfc().collect(), errors: self.errors, first_error: self.first_error }
    }
}

/// Converts one MARC-8 string (a subfield or control field value) to Unicode.
///
/// Each call starts in the MARC-8 default state (ASCII in G0, ANSEL in G1).
pub fn marc8_to_unicode(input: &[u8]) -> Marc8Text {
    if input.is_ascii() && !input.contains(&ESC) && !input.iter().any(|&b| b < 0x20) {
        return Marc8Text { text: String::from_utf8_lossy(input).into_owned(), errors: 0, first_error: None };
    }
    Decoder {
        input,
        pos: 0,
        g0: CharSet::Single(&BASIC_LATIN),
        g1: CharSet::Single(&ANSEL),
        out: String::with_capacity(input.len() + 8),
        pending: Vec::new(),
        errors: 0,
        first_error: None,
    }
    .run()
}

/// True if `byte` is a graphic character of ANSEL, the default G1 set: used to
/// judge whether 8-bit data could plausibly be MARC-8.
pub(super) fn ansel_defines(byte: u8) -> bool {
    byte >= 0x80 && ANSEL[usize::from(byte & 0x7F)] != 0
}

#[cfg(test)]
mod tests {
    use super::marc8_to_unicode;

    #[test]
    fn diacritic_moves_after_base_and_composes() {
        // ANSEL 0xE2 = combining acute.
        assert_eq!(marc8_to_unicode(b"Caf\xE2e").text, "Café");
    }

    #[test]
    fn escapes_switch_sets() {
        // ESC ( N basic Cyrillic in G0, ESC ( B back to ASCII.
        let t = marc8_to_unicode(b"\x1b(NMIR\x1b(B ok");
        assert_eq!(t.errors, 0);
        assert_eq!(t.text, "мир ok");
        // ESC $ 1 = EACC; 0x213021 is U+4E00.
        let t = marc8_to_unicode(b"\x1b$1\x21\x30\x21\x1b(B");
        assert_eq!(t.text, "\u{4E00}");
    }

    #[test]
    fn damage_becomes_replacement_not_panic() {
        for input in
            [&b"\x1b$1\x21\x30"[..], b"\x1b", b"\x1b$", b"\x1b(", b"\x1b$1\x01\x02\x03abc", b"\xE2", b"\x1b(Z abc"]
        {
            let t = marc8_to_unicode(input);
            assert!(t.errors > 0 || t.text.ends_with('\u{301}'), "{input:?}");
        }
    }
}
