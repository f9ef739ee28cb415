//! A request's arguments, checked against the protocol before anything is read: the verb,
//! which arguments it takes, repetitions, the resumption token's exclusivity, the syntax
//! of datestamps and set specs. What fails here is `badVerb` or `badArgument`, whose
//! responses echo no arguments.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};

use super::{ErrorCode, OaiError};

/// What a valid request asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Command {
    Identify,
    ListMetadataFormats { identifier: Option<String> },
    ListSets { resumption_token: Option<String> },
    GetRecord { identifier: String, prefix: String },
    List { records: bool, start: ListStart },
}

/// The first request of a list, or a later one resumed by a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum ListStart {
    New { prefix: String, set: Option<String>, from: Option<Datestamp>, until: Option<Datestamp> },
    Resume(String),
}

/// A `from` or `until` argument: a day (`YYYY-MM-DD`) or a second (`YYYY-MM-DDThh:mm:ssZ`),
/// the two granularities the protocol allows a repository of seconds to be asked in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Datestamp {
    pub start: DateTime<Utc>,
    pub day: bool,
}

impl Datestamp {
    pub fn parse(text: &str) -> Option<Self> {
        let shape_ok = |pattern: &[u8]| {
            text.len() == pattern.len()
                && text.bytes().zip(pattern).all(|(c, &p)| if p == b'9' { c.is_ascii_digit() } else { c == p })
        };
        if shape_ok(b"9999-99-99") {
            let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
            return Some(Datestamp { start: day.and_hms_opt(0, 0, 0)?.and_utc(), day: true });
        }
        if shape_ok(b"9999-99-99T99:99:99Z") {
            let second = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%SZ").ok()?;
            return Some(Datestamp { start: second.and_utc(), day: false });
        }
        None
    }

    /// The first instant after the day or second: `until` includes its whole unit.
    pub fn end(self) -> DateTime<Utc> {
        let unit = if self.day { Duration::days(1) } else { Duration::seconds(1) };
        self.start.checked_add_signed(unit).unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

/// Whether `text` is one or more unreserved URI characters: the syntax of a metadata
/// prefix and of each part of a set spec.
fn is_unreserved(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || "-_.!~*'()".contains(c))
}

/// Whether `text` has the syntax of a set spec (the schema's `setSpecType`): colon-separated
/// parts of unreserved URI characters.
pub(super) fn is_set_spec(text: &str) -> bool {
    text.split(':').all(is_unreserved)
}

const VERBS: [&str; 6] = ["Identify", "ListMetadataFormats", "ListSets", "GetRecord", "ListIdentifiers", "ListRecords"];

/// The arguments of each verb besides `verb`: required, then optional.
fn arguments_of(verb: &str) -> (&'static [&'static str], &'static [&'static str]) {
    match verb {
        "ListMetadataFormats" => (&[], &["identifier"]),
        "ListSets" => (&[], &["resumptionToken"]),
        "GetRecord" => (&["identifier", "metadataPrefix"], &[]),
        "ListIdentifiers" | "ListRecords" => (&["metadataPrefix"], &["from", "until", "set", "resumptionToken"]),
        _ => (&[], &[]),
    }
}

fn bad_argument(message: impl Into<String>) -> OaiError {
    OaiError::new(ErrorCode::BadArgument, message)
}

/// Checks `arguments` (in the order they came) and says what they ask for.
pub(super) fn parse(arguments: &[(String, String)]) -> Result<Command, Vec<OaiError>> {
    let verbs: Vec<&str> = arguments.iter().filter(|(k, _)| k == "verb").map(|(_, v)| v.as_str()).collect();
    let verb = match verbs.as_slice() {
        [] => return Err(vec![OaiError::new(ErrorCode::BadVerb, "the verb argument is missing")]),
        [verb] if VERBS.contains(verb) => *verb,
        [_] => return Err(vec![OaiError::new(ErrorCode::BadVerb, "the verb is not one of the six OAI-PMH verbs")]),
        _ => return Err(vec![OaiError::new(ErrorCode::BadVerb, "the verb argument is repeated")]),
    };
    let (required, optional) = arguments_of(verb);
    let mut errors = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for (key, value) in arguments.iter().filter(|(k, _)| k != "verb") {
        if !required.contains(&key.as_str()) && !optional.contains(&key.as_str()) {
            errors.push(bad_argument(format!("{verb} takes no argument named {}", shown(key))));
        } else if seen.contains(&key.as_str()) {
            errors.push(bad_argument(format!("the argument {key} is repeated")));
        } else if value.is_empty() {
            errors.push(bad_argument(format!("the argument {key} is empty")));
        } else if key == "metadataPrefix" && !is_unreserved(value) {
            // Echoed in the response, where the schema allows only this syntax.
            errors.push(bad_argument("metadataPrefix is letters, digits and -_.!~*'() only"));
        }
        seen.push(key);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let get = |name: &str| arguments.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    if let Some(token) = get("resumptionToken") {
        if seen.len() > 1 {
            return Err(vec![bad_argument("resumptionToken is an exclusive argument: send it with the verb only")]);
        }
        return Ok(match verb {
            "ListSets" => Command::ListSets { resumption_token: Some(token) },
            _ => Command::List { records: verb == "ListRecords", start: ListStart::Resume(token) },
        });
    }
    let missing: Vec<OaiError> = required
        .iter()
        .filter(|name| get(name).is_none())
        .map(|name| bad_argument(format!("{verb} needs the argument {name}")))
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    Ok(match verb {
        "Identify" => Command::Identify,
        "ListMetadataFormats" => Command::ListMetadataFormats { identifier: get("identifier") },
        "ListSets" => Command::ListSets { resumption_token: None },
        "GetRecord" => Command::GetRecord {
            identifier: get("identifier").unwrap_or_default(),
            prefix: get("metadataPrefix").unwrap_or_default(),
        },
        _ => Command::List { records: verb == "ListRecords", start: list_start(get)? },
    })
}

/// The selection of a first list request: dates of one granularity, in order, and a set
/// spec of valid syntax.
fn list_start(get: impl Fn(&str) -> Option<String>) -> Result<ListStart, Vec<OaiError>> {
    let date = |name: &str| match get(name) {
        None => Ok(None),
        Some(text) => Datestamp::parse(&text).map(Some).ok_or_else(|| {
            bad_argument(format!("{name} {} is not a date (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ)", shown(&text)))
        }),
    };
    let (from, until) = match (date("from"), date("until")) {
        (Ok(from), Ok(until)) => (from, until),
        (from, until) => return Err([from.err(), until.err()].into_iter().flatten().collect()),
    };
    if let (Some(f), Some(u)) = (from, until) {
        if f.day != u.day {
            return Err(vec![bad_argument("from and until must have the same granularity")]);
        }
        if f.start > u.start {
            return Err(vec![bad_argument("from is later than until")]);
        }
    }
    let set = get("set");
    if set.as_deref().is_some_and(|s| !is_set_spec(s)) {
        return Err(vec![bad_argument(
            "set is not a set spec (parts of letters, digits and -_.!~*'() joined by colons)",
        )]);
    }
    Ok(ListStart::New { prefix: get("metadataPrefix").unwrap_or_default(), set, from, until })
}

/// An argument as an error message shows it: quoted and cut short.
pub(super) fn shown(value: &str) -> String {
    crate::error::quoted(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn codes(pairs: &[(&str, &str)]) -> Vec<ErrorCode> {
        parse(&args(pairs)).err().unwrap_or_default().into_iter().map(|e| e.code).collect()
    }

    #[test]
    fn verbs_are_checked_first() {
        assert_eq!(codes(&[]), [ErrorCode::BadVerb]);
        assert_eq!(codes(&[("verb", "Explode")]), [ErrorCode::BadVerb]);
        assert_eq!(codes(&[("verb", "Identify"), ("verb", "Identify")]), [ErrorCode::BadVerb]);
        assert_eq!(parse(&args(&[("verb", "Identify")])), Ok(Command::Identify));
    }

    #[test]
    fn arguments_must_be_known_single_and_complete() {
        assert_eq!(codes(&[("verb", "Identify"), ("set", "x")]), [ErrorCode::BadArgument]);
        let repeated = [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("metadataPrefix", "oai_dc")];
        assert_eq!(codes(&repeated), [ErrorCode::BadArgument]);
        assert_eq!(codes(&[("verb", "GetRecord"), ("identifier", "x")]), [ErrorCode::BadArgument]);
        assert_eq!(codes(&[("verb", "ListRecords")]), [ErrorCode::BadArgument]);
        assert_eq!(codes(&[("verb", "ListRecords"), ("metadataPrefix", "oai dc")]), [ErrorCode::BadArgument]);
        let exclusive = [("verb", "ListRecords"), ("resumptionToken", "t"), ("metadataPrefix", "oai_dc")];
        assert_eq!(codes(&exclusive), [ErrorCode::BadArgument]);
        let resumed = parse(&args(&[("verb", "ListIdentifiers"), ("resumptionToken", "t")]));
        assert_eq!(resumed, Ok(Command::List { records: false, start: ListStart::Resume("t".into()) }));
    }

    #[test]
    fn dates_have_one_granularity_and_an_order() {
        let list = |from: &str, until: &str| {
            codes(&[("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", from), ("until", until)])
        };
        assert!(list("2024-01-01", "2024-01-01").is_empty());
        assert!(list("2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z").is_empty());
        assert_eq!(list("2024-01-01", "2024-01-01T00:00:00Z"), [ErrorCode::BadArgument]);
        assert_eq!(list("2024-01-02", "2024-01-01"), [ErrorCode::BadArgument]);
        for bad in ["2024-02-30", "2024-1-01", "2024-01-01T00:00:00", "2024-01-01T25:00:00Z", "+2024-01-01", "é"] {
            assert!(Datestamp::parse(bad).is_none(), "{bad}");
        }
        let second = Datestamp::parse("2024-01-01T10:00:00Z").expect("a datestamp");
        assert_eq!((second.end() - second.start).num_seconds(), 1);
    }

    #[test]
    fn set_specs_follow_the_schema() {
        assert!(is_set_spec("partner:UGFydG5lcjox") && is_set_spec("language") && is_set_spec("a.b:c_d"));
        assert!(!is_set_spec("") && !is_set_spec("a::b") && !is_set_spec("a b") && !is_set_spec("partner:"));
    }
}
