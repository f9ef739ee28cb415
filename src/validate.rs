//! Input rules shared by every aggregate. Each function names the offending field in its
//! error, so a client can point at the right input box.

use std::borrow::Cow;

use chrono::NaiveDate;

use crate::error::{Error, Result, quoted};

type Field = &'static str;

/// Trims `value` and checks its length in characters; rejects control characters, which
/// never belong in a name or title and break exports later.
pub fn text(field: Field, value: &str, max_chars: usize) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid(field, format!("{field} must not be empty")));
    }
    let chars = trimmed.chars().count();
    if chars > max_chars {
        return Err(Error::invalid(
            field,
            format!("{field} is {chars} characters long; at most {max_chars} are allowed"),
        ));
    }
    if trimmed.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
        return Err(Error::invalid(field, format!("{field} contains control characters")));
    }
    Ok(trimmed.to_owned())
}

/// Like [`text`] for optional fields: an empty string clears the field.
pub fn optional_text(field: Field, value: Option<&str>, max_chars: usize) -> Result<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => text(field, v, max_chars).map(Some),
    }
}

/// An ISO 3166-1 alpha-2 country code that exists, returned in upper case.
pub fn country(field: Field, value: &str) -> Result<String> {
    let code = value.trim().to_ascii_uppercase();
    let known = code.len() == 2 && celes::Country::from_alpha2(&code).is_ok();
    if !known {
        return Err(Error::invalid(
            field,
            format!("{} is not an ISO 3166-1 alpha-2 country code (e.g. \"UZ\", \"KR\")", quoted(value)),
        ));
    }
    Ok(code)
}

pub fn email(field: Field, value: &str) -> Result<String> {
    let value = value.trim();
    if value.len() > 254 || !email_address::EmailAddress::is_valid(value) {
        return Err(Error::invalid(field, format!("{} is not a valid e-mail address", quoted(value))));
    }
    Ok(value.to_owned())
}

/// An absolute http(s) URL with a host.
pub fn web_url(field: Field, value: &str) -> Result<String> {
    let value = value.trim();
    let parsed = url::Url::parse(value)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty()));
    match parsed {
        Some(url) if value.len() <= 2000 => Ok(url.to_string()),
        _ => Err(Error::invalid(
            field,
            format!("{} is not an absolute http(s) URL (e.g. \"https://www.natlib.uz\")", quoted(value)),
        )),
    }
}

/// A BCP 47 language tag in its canonical form and case (`uz-latn` becomes `uz-Latn`).
pub fn language_tag(field: Field, value: &str) -> Result<String> {
    let invalid = || {
        Error::invalid(
            field,
            format!("{} is not a BCP 47 language tag (e.g. \"uz-Latn\", \"ru\", \"en\")", quoted(value)),
        )
    };
    let tag = language_tags::LanguageTag::parse(value.trim()).map_err(|_| invalid())?;
    if !tag.is_valid() {
        return Err(invalid());
    }
    let tag = tag.canonicalize().unwrap_or(tag);
    Ok(canonical_case(tag.as_str()))
}

/// RFC 5646 §2.1.1 casing: language lower, script title, region upper.
fn canonical_case(tag: &str) -> String {
    let mut out = Vec::new();
    for (i, part) in tag.split('-').enumerate() {
        let fixed = if i == 0 {
            part.to_ascii_lowercase()
        } else if part.len() == 4 && part.chars().all(|c| c.is_ascii_alphabetic()) {
            let lower = part.to_ascii_lowercase();
            lower[..1].to_ascii_uppercase() + &lower[1..]
        } else if part.len() == 2 && part.chars().all(|c| c.is_ascii_alphabetic()) {
            part.to_ascii_uppercase()
        } else {
            part.to_ascii_lowercase()
        };
        out.push(fixed);
    }
    out.join("-")
}

/// ISO 15511 ISIL: a prefix of 1-4 letters or digits (a country code or a non-national
/// prefix such as "OCLC"), a hyphen, and up to 11 letters, digits, `:`, `/` or `-`; 16
/// characters at most.
pub fn isil(field: Field, value: &str) -> Result<String> {
    let value = value.trim();
    let ok = value.len() <= 16
        && value.split_once('-').is_some_and(|(prefix, local)| {
            (1..=4).contains(&prefix.len())
                && prefix.chars().all(|c| c.is_ascii_alphanumeric())
                && (1..=11).contains(&local.len())
                && local.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '/' | '-'))
        });
    if !ok {
        return Err(Error::invalid(
            field,
            format!("{} is not an ISIL (ISO 15511), e.g. \"UZ-NLU\" or \"DE-1\"", quoted(value)),
        ));
    }
    Ok(value.to_owned())
}

/// Checks that a period does not end before it starts.
pub fn date_order(
    end_field: Field,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    start_field: Field,
) -> Result<()> {
    match (start, end) {
        (Some(s), Some(e)) if e < s => Err(Error::Invalid {
            field: Cow::Borrowed(end_field),
            message: format!("{end_field} ({e}) is before {start_field} ({s})"),
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags_get_canonical_case() {
        assert_eq!(language_tag("lang", "uz-latn").unwrap(), "uz-Latn");
        assert_eq!(language_tag("lang", "ZH-hans-cn").unwrap(), "zh-Hans-CN");
        assert_eq!(language_tag("lang", "ru").unwrap(), "ru");
        assert!(language_tag("lang", "not a tag").is_err());
        assert!(language_tag("lang", "").is_err());
    }

    #[test]
    fn countries_must_exist() {
        assert_eq!(country("country", "kr").unwrap(), "KR");
        assert!(country("country", "XX").is_err());
        assert!(country("country", "KOR").is_err());
    }

    #[test]
    fn isil_follows_iso_15511() {
        assert!(isil("isil", "UZ-NLU").is_ok());
        assert!(isil("isil", "DE-1a").is_ok());
        assert!(isil("isil", "NLU").is_err());
        assert!(isil("isil", "UZ-THIS-IS-FAR-TOO-LONG").is_err());
    }

    #[test]
    fn text_limits_are_in_characters() {
        assert_eq!(text("name", "  Milliy kutubxona ", 20).unwrap(), "Milliy kutubxona");
        assert!(text("name", &"ў".repeat(21), 20).is_err());
        assert!(text("name", "   ", 20).is_err());
        assert!(text("name", "a\u{0007}b", 20).is_err());
    }

    #[test]
    fn urls_and_emails() {
        assert!(web_url("website", "https://www.nl.go.kr").is_ok());
        assert!(web_url("website", "ftp://example.org").is_err());
        assert!(web_url("website", "not a url").is_err());
        assert!(email("email", "office@natlib.uz").is_ok());
        assert!(email("email", "office@").is_err());
    }
}
