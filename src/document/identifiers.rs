//! Normalised identifiers: ISBN (ISBN-10 and ISBN-13 of one book are one identifier),
//! ISSN, and ISO 639 language codes.

use std::str::FromStr;

use isbn3::{Isbn, Isbn13};

/// An ISBN as its 13 digits without hyphens (`9780306406157`), check digit verified. An
/// ISBN-10 becomes its ISBN-13, so both spellings of one book compare equal. Accepts
/// hyphens, spaces and the qualifiers catalogues append (`0306406152 (pbk.)`).
pub fn normalize_isbn(text: &str) -> Option<String> {
    let candidate: String = text
        .split(|c: char| c.is_whitespace() || c == '(' || c == ':' || c == ';')
        .find(|part| part.chars().any(|c| c.is_ascii_digit()))?
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == 'X' || *c == 'x')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let isbn = Isbn::from_str(&candidate).ok()?;
    let thirteen: Isbn13 = match isbn {
        Isbn::_10(ten) => ten.into(),
        Isbn::_13(thirteen) => thirteen,
    };
    Some(thirteen.to_string().replace('-', ""))
}

/// An ISSN as `NNNN-NNNC`, check digit verified.
pub fn normalize_issn(text: &str) -> Option<String> {
    let chars: Vec<char> = text
        .trim()
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == 'X' || *c == 'x')
        .map(|c| c.to_ascii_uppercase())
        .take(9)
        .collect();
    if chars.len() != 8 || chars[..7].iter().any(|c| !c.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = chars[..7].iter().enumerate().map(|(i, c)| (8 - i as u32) * c.to_digit(10).unwrap_or(0)).sum();
    let check = (11 - sum % 11) % 11;
    let expected = if check == 10 { 'X' } else { char::from_digit(check, 10)? };
    if chars[7] != expected {
        return None;
    }
    let digits: String = chars.iter().collect();
    Some(format!("{}-{}", &digits[..4], &digits[4..]))
}

/// ISO 639-2/B (bibliographic, what MARC uses) codes that differ from ISO 639-2/T and 639-3.
const BIBLIOGRAPHIC_TO_TERMINOLOGIC: [(&str, &str); 20] = [
    ("alb", "sqi"),
    ("arm", "hye"),
    ("baq", "eus"),
    ("bur", "mya"),
    ("chi", "zho"),
    ("cze", "ces"),
    ("dut", "nld"),
    ("fre", "fra"),
    ("geo", "kat"),
    ("ger", "deu"),
    ("gre", "ell"),
    ("ice", "isl"),
    ("mac", "mkd"),
    ("mao", "mri"),
    ("may", "msa"),
    ("per", "fas"),
    ("rum", "ron"),
    ("slo", "slk"),
    ("tib", "bod"),
    ("wel", "cym"),
];

/// A language code as ISO 639-3 (`kor`, `rus`, `uzb`, `zho`), from ISO 639-1 (`ko`),
/// 639-2/B as in MARC (`chi`), 639-2/T or 639-3.
pub fn normalize_language(code: &str) -> Option<String> {
    let code = code.trim().to_ascii_lowercase();
    let language = match code.len() {
        2 => isolang::Language::from_639_1(&code),
        3 => {
            let terminologic =
                BIBLIOGRAPHIC_TO_TERMINOLOGIC.iter().find(|(b, _)| *b == code).map_or(code.as_str(), |(_, t)| t);
            isolang::Language::from_639_3(terminologic)
        }
        _ => None,
    }?;
    Some(language.to_639_3().to_owned())
}

/// The MARC (ISO 639-2/B) spelling of a stored ISO 639-3 code.
pub fn marc_language(code: &str) -> &str {
    BIBLIOGRAPHIC_TO_TERMINOLOGIC.iter().find(|(_, t)| *t == code).map_or(code, |(b, _)| b)
}

/// The ISO 639-1 code where there is one (for Dublin Core, CSL and BibTeX), else the input.
pub fn short_language(code: &str) -> String {
    isolang::Language::from_639_3(code).and_then(|l| l.to_639_1()).map_or_else(|| code.to_owned(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isbn_10_and_13_of_one_book_are_one_identifier() {
        assert_eq!(normalize_isbn("0-306-40615-2").as_deref(), Some("9780306406157"));
        assert_eq!(normalize_isbn("978-0-306-40615-7").as_deref(), Some("9780306406157"));
        assert_eq!(normalize_isbn("0306406152 (pbk.)").as_deref(), Some("9780306406157"));
        assert_eq!(normalize_isbn("0-306-40615-3"), None, "bad check digit");
        assert_eq!(normalize_isbn("hello"), None);
    }

    #[test]
    fn issn_check_digit() {
        assert_eq!(normalize_issn("0378-5955").as_deref(), Some("0378-5955"));
        assert_eq!(normalize_issn("03785955").as_deref(), Some("0378-5955"));
        assert_eq!(normalize_issn("0378-5954"), None);
        assert_eq!(normalize_issn("2049-3630").as_deref(), Some("2049-3630"));
    }

    #[test]
    fn language_codes_in_every_spelling() {
        assert_eq!(normalize_language("ko").as_deref(), Some("kor"));
        assert_eq!(normalize_language("chi").as_deref(), Some("zho"));
        assert_eq!(normalize_language("zho").as_deref(), Some("zho"));
        assert_eq!(normalize_language("UZB").as_deref(), Some("uzb"));
        assert_eq!(normalize_language("xx"), None);
        assert_eq!(marc_language("zho"), "chi");
        assert_eq!(short_language("rus"), "ru");
    }
}
