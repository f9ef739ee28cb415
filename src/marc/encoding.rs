//! Character encodings of incoming ISO 2709 records and their conversion to UTF-8.

use super::marc8::{ansel_defines, marc8_to_unicode};

/// Character encoding of the data in an ISO 2709 record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    Utf8,
    Marc8,
    /// Windows-1251, common in files from Russian and other Cyrillic-script
    /// partners even though MARC 21 does not allow it.
    Windows1251,
    /// IBM866 (DOS Cyrillic), found in older exports.
    Cp866,
}

impl Encoding {
    /// What leader/09 declares: `a` is UCS/Unicode, blank is MARC-8.
    pub fn from_leader(coding: char) -> Option<Self> {
        match coding {
            'a' => Some(Encoding::Utf8),
            ' ' => Some(Encoding::Marc8),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Marc8 => "MARC-8",
            Encoding::Windows1251 => "Windows-1251",
            Encoding::Cp866 => "CP866",
        }
    }
}

/// Picks the encoding of a record whose caller gave none.
///
/// Leader/09 is trusted when it says `a`. A blank (MARC-8) or unknown value is
/// checked against the data, because partner files regularly carry UTF-8 or
/// 8-bit Cyrillic under a blank leader/09. Returns the encoding and, when it
/// differs from the declaration, a warning saying so.
pub(super) fn detect(leader09: char, data: &[u8]) -> (Encoding, Option<String>) {
    if leader09 == 'a' {
        return (Encoding::Utf8, None);
    }
    let declared = Encoding::from_leader(leader09);
    let guessed = guess(data);
    let warning = match declared {
        Some(d) if d == guessed => None,
        Some(_) => Some(format!(
            "leader/09 declares MARC-8 but the data looks like {}; decoded as {}",
            guessed.name(),
            guessed.name()
        )),
        None => Some(format!("leader/09 {leader09:?} is not a known character coding; decoded as {}", guessed.name())),
    };
    (guessed, warning)
}

fn guess(data: &[u8]) -> Encoding {
    if data.is_ascii() {
        return Encoding::Marc8;
    }
    if std::str::from_utf8(data).is_ok() {
        return Encoding::Utf8;
    }
    // With escape sequences present the data is deliberately MARC-8.
    if data.contains(&0x1B) {
        return Encoding::Marc8;
    }
    if plausible_marc8(data) {
        return Encoding::Marc8;
    }
    // Letters: CP866 uses 0x80-0xAF and 0xE0-0xEF, Windows-1251 0xC0-0xFF. CP866's
    // 0x80-0xBF and Windows-1251's 0xC0-0xFF barely overlap, so count both.
    let high = data.iter().filter(|&&b| b >= 0x80);
    let cp866 = high.clone().filter(|&&b| (0x80..=0xAF).contains(&b) || (0xE0..=0xEF).contains(&b)).count();
    let cp1251 = high.filter(|&&b| b >= 0xC0).count();
    if cp866 > cp1251 { Encoding::Cp866 } else { Encoding::Windows1251 }
}

/// Real MARC-8 uses 8-bit bytes sparingly: a defined ANSEL character, usually a
/// diacritic right before an ASCII letter. 8-bit Cyrillic instead has whole
/// words of high bytes, many of them undefined in ANSEL. So count high bytes
/// that are undefined in ANSEL or sit in a run of three or more, and call the
/// data MARC-8 only while those stay a minority.
fn plausible_marc8(data: &[u8]) -> bool {
    let mut high = 0usize;
    let mut implausible = 0usize;
    let mut i = 0;
    while i < data.len() {
        if data[i] < 0x80 {
            i += 1;
            continue;
        }
        let run = data[i..].iter().take_while(|&&b| b >= 0x80).count();
        for &b in &data[i..i + run] {
            high += 1;
            if run >= 3 || !ansel_defines(b) {
                implausible += 1;
            }
        }
        i += run;
    }
    implausible * 10 < high * 3
}

/// Decodes one value. `Err` only for invalid UTF-8 in a record claiming UTF-8:
/// guessing there would silently corrupt text. MARC-8 damage is repaired with
/// U+FFFD and described in the returned warning.
pub(super) fn decode(bytes: &[u8], encoding: Encoding) -> Result<(String, Option<String>), String> {
    if bytes.is_ascii() && !bytes.iter().any(|&b| b < 0x20) {
        // Printable ASCII reads the same in all four encodings.
        return Ok((String::from_utf8_lossy(bytes).into_owned(), None));
    }
    match encoding {
        Encoding::Utf8 => match std::str::from_utf8(bytes) {
            Ok(s) => Ok((s.to_owned(), None)),
            Err(e) => Err(format!("invalid UTF-8 at byte {} of the value", e.valid_up_to())),
        },
        Encoding::Marc8 => {
            let t = marc8_to_unicode(bytes);
            let warning = t.first_error.map(|first| format!("{} character(s) replaced or dropped ({first})", t.errors));
            Ok((t.text, warning))
        }
        Encoding::Windows1251 => {
            Ok((encoding_rs::WINDOWS_1251.decode_without_bom_handling(bytes).0.into_owned(), None))
        }
        Encoding::Cp866 => Ok((encoding_rs::IBM866.decode_without_bom_handling(bytes).0.into_owned(), None)),
    }
}
