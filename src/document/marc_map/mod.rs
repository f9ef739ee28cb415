//! Mapping between MARC 21 bibliographic records and [`Description`]s: what an import reads
//! from a partner's record, and the record an export hands back.
//!
//! Import strips the ISBD punctuation that cataloguers type between subfields (" /", " :",
//! a closing period), because a description holds values, not display strings. Export puts
//! it back, and when the document came from a MARC record it starts from that record and
//! rewrites only the groups of fields whose mapped values changed, so a round trip through
//! hamkor loses none of the fields it does not model (local 9XX, 035, 856, authority links).
//!
//! [`Description`]: super::Description

#[cfg(test)]
mod fixture_tests;
mod read;
mod relators;
#[cfg(test)]
mod tests;
mod write;

use crate::marc::{Field, Record, Script};

pub use read::description_from_marc;
pub use write::marc_for_export;

/// The record's control number (001), trimmed; `None` when missing or blank.
pub fn control_number(record: &Record) -> Option<String> {
    record.control_number().map(str::trim).filter(|cn| !cn.is_empty()).map(str::to_owned)
}

// ---------------------------------------------------------------------------------------
// Text cleaning
// ---------------------------------------------------------------------------------------

/// Abbreviations whose final period is part of the word, so it survives [`trim_isbd`].
const ABBREVIATIONS: &[&str] = &[
    "etc",
    "jr",
    "sr",
    "inc",
    "ltd",
    "co",
    "corp",
    "bros",
    "ed",
    "eds",
    "rev",
    "enl",
    "repr",
    "vol",
    "vols",
    "no",
    "nos",
    "pt",
    "pts",
    "ca",
    "st",
    "dr",
    "mr",
    "mrs",
    "ms",
    "prof",
    "dept",
    "univ",
    "assn",
    "ill",
    "illus",
    "comp",
    "tr",
    "trans",
    "pp",
    "éd",
    "impr",
    "suppl",
    "изд",
    "доп",
    "испр",
    "перераб",
    "др",
    "вып",
    "ред",
    "пер",
    "ил",
    "гг",
    "вв",
    "сост",
    "худож",
    "авт",
    "обл",
];

/// Removes the ISBD punctuation that separates a subfield from the next one (" /", " :",
/// " ;", " =", ",") and the period that closes an area, but not the period of an
/// abbreviation ("1st ed.", "etc.", "Smith, J.").
///
/// A period is dropped only after a lowercase letter, a digit or a letter of a script
/// without case, and not when the last
/// word is a single letter, contains another period ("i.e."), or is a known
/// abbreviation: a bare capital before the period is an initial ("Smith, J."). One-word
/// values are treated like longer ones, since subject terms such as "Fantasy." are
/// common and an abbreviation list catches the short words the one-word rule was meant for.
fn trim_isbd(text: &str) -> String {
    let mut s = text.trim();
    loop {
        let trimmed = s.trim_end_matches(['/', ':', ';', '=', ',']).trim_end();
        if trimmed.len() == s.len() {
            break;
        }
        s = trimmed;
    }
    if let Some(body) = s.strip_suffix('.')
        && period_closes_area(body)
    {
        s = body.trim_end();
    }
    s.to_owned()
}

fn period_closes_area(body: &str) -> bool {
    let Some(last) = body.chars().last() else {
        return false;
    };
    // Scripts without case (Han, Hebrew, Arabic) have no capital initials to protect.
    let caseless = last.is_alphabetic() && !last.is_uppercase() && !last.is_lowercase();
    if !(last.is_lowercase() || last.is_ascii_digit() || caseless) {
        return false;
    }
    let word = body.rsplit(|c: char| c.is_whitespace() || matches!(c, '(' | '[' | ',')).next().unwrap_or(body);
    if word.contains('.') {
        return false;
    }
    if word.chars().all(|c| c.is_ascii_digit() || c == '-') {
        return true;
    }
    word.chars().count() > 1 && !ABBREVIATIONS.contains(&word.to_lowercase().as_str())
}

/// Drops control characters that survive some character set conversions (stray escape
/// sequences), which would make the description fail validation.
fn clean(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

/// The cleaned, ISBD-trimmed text, `None` when nothing is left.
fn value(text: &str) -> Option<String> {
    Some(trim_isbd(&clean(text))).filter(|v| !v.is_empty())
}

/// Joins the values of the subfields with the given codes, in record order.
fn join_subfields(field: &Field, codes: &[char]) -> Option<String> {
    let parts: Vec<String> = field
        .subfields()
        .iter()
        .filter(|s| codes.contains(&s.code))
        .map(|s| clean(&s.value).trim().to_owned())
        .collect();
    value(&parts.join(" "))
}

fn first_subfield(field: &Field, code: char) -> Option<&str> {
    field.subfield(code)
}

/// Keeps the first of each group of items with the same key, and drops items without one.
fn unique<T>(items: impl Iterator<Item = T>, key: impl Fn(&T) -> Option<String>) -> Vec<T> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for item in items {
        if let Some(k) = key(&item)
            && !seen.contains(&k)
        {
            seen.push(k);
            out.push(item);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Scripts
// ---------------------------------------------------------------------------------------

/// ISO 15924 code for an 880's text. The MARC code `$1` covers Han, Hangul and kana, so
/// the text decides between Hani, Kore and Jpan; without a usable code the text decides.
fn script_code(script: Option<Script>, text: &str) -> Option<String> {
    let code = match script {
        Some(Script::Cjk) => {
            if text.chars().any(is_hangul) {
                "Kore"
            } else if text.chars().any(is_kana) {
                "Jpan"
            } else {
                "Hani"
            }
        }
        Some(Script::Cyrillic) => "Cyrl",
        Some(Script::Arabic) => "Arab",
        Some(Script::Hebrew) => "Hebr",
        Some(Script::Greek) => "Grek",
        Some(Script::Latin) => "Latn",
        Some(Script::Other(_)) | None => return detect_script(text).map(str::to_owned),
    };
    Some(code.to_owned())
}

fn is_hangul(c: char) -> bool {
    matches!(c, '\u{AC00}'..='\u{D7AF}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}')
}

fn is_kana(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30FF}' | '\u{31F0}'..='\u{31FF}')
}

/// The script most letters of `text` are written in.
fn detect_script(text: &str) -> Option<&'static str> {
    const SCRIPTS: [&str; 10] = ["Latn", "Cyrl", "Grek", "Hebr", "Arab", "Hani", "Kore", "Jpan", "Deva", "Thai"];
    let mut counts = [0usize; SCRIPTS.len()];
    for c in text.chars() {
        let index = match c {
            'A'..='Z' | 'a'..='z' | '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}' => 0,
            '\u{0400}'..='\u{052F}' => 1,
            '\u{0370}'..='\u{03FF}' | '\u{1F00}'..='\u{1FFF}' => 2,
            '\u{0590}'..='\u{05FF}' | '\u{FB1D}'..='\u{FB4F}' => 3,
            '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' | '\u{08A0}'..='\u{08FF}' | '\u{FB50}'..='\u{FDFF}' => 4,
            '\u{FE70}'..='\u{FEFF}' => 4,
            '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2FFFF}' => {
                5
            }
            c if is_hangul(c) => 6,
            c if is_kana(c) => 7,
            '\u{0900}'..='\u{097F}' => 8,
            '\u{0E00}'..='\u{0E7F}' => 9,
            _ => continue,
        };
        counts[index] += 1;
    }
    // Korean and Japanese mix Han characters with their own: any Hangul or kana decides.
    if counts[6] > 0 {
        return Some("Kore");
    }
    if counts[7] > 0 {
        return Some("Jpan");
    }
    let (best, &count) = counts.iter().enumerate().max_by_key(|&(i, c)| (*c, std::cmp::Reverse(i)))?;
    (count > 0).then(|| SCRIPTS[best])
}

/// The MARC-8 script identification code for `$6`, and whether the script runs right to left.
fn marc_script(script: &str) -> Option<(&'static str, bool)> {
    Some(match script {
        "Hani" | "Hans" | "Hant" | "Kore" | "Hang" | "Jpan" | "Hira" | "Kana" => ("$1", false),
        "Cyrl" => ("(N", false),
        "Arab" => ("(3", true),
        "Hebr" => ("(2", true),
        "Grek" => ("(S", false),
        "Latn" => ("(B", false),
        _ => return None,
    })
}
