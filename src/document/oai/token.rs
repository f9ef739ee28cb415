//! Resumption tokens: a keyset cursor, not a position. A token carries the list request it
//! continues (verb, metadata prefix, set, `from`, `until` capped at the moment the harvest
//! started) and the (last change, id) of the last record delivered; the next page starts
//! after that key in the same order. So a record changed during a harvest moves past the
//! cap and comes with the next harvest, under its new datestamp, and every record that did
//! not change is delivered exactly once. Tokens keep no state on the server and never
//! expire.
//!
//! The text is `base64url(JSON)` and a check of it. The check is not a secret (every
//! token selects only what a request could ask for directly); it catches a token that was
//! cut, mistyped or edited, which is answered `badResumptionToken` instead of a list
//! silently different from the one the harvester was reading.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Longer input is not one of our tokens.
const MAX_TOKEN_CHARS: usize = 2000;
const VERSION: u8 = 1;
const CHECK_BYTES: usize = 9;

/// Where a list harvest stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct ListState {
    /// ListRecords (else ListIdentifiers).
    pub records: bool,
    pub prefix: String,
    pub set: Option<String>,
    /// Inclusive.
    pub from: Option<DateTime<Utc>>,
    /// Exclusive: the request's `until` or the harvest's start, whichever is earlier.
    pub until: DateTime<Utc>,
    /// The (last change, id) of the last record delivered.
    pub after: Option<(DateTime<Utc>, i64)>,
    /// How many records were delivered before this page.
    pub cursor: u64,
    /// How many records the list had when the harvest started.
    pub complete: u64,
}

/// The JSON form, with short keys and instants in microseconds (PostgreSQL's precision).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    v: u8,
    r: bool,
    p: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    s: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    f: Option<i64>,
    u: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    a: Option<(i64, i64)>,
    c: u64,
    n: u64,
}

fn check(payload: &[u8]) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(b"hamkor OAI-PMH resumption token\0");
    hasher.update(payload);
    hasher.finalize()[..CHECK_BYTES].to_vec()
}

pub(super) fn encode(state: &ListState) -> String {
    let wire = Wire {
        v: VERSION,
        r: state.records,
        p: state.prefix.clone(),
        s: state.set.clone(),
        f: state.from.map(|f| f.timestamp_micros()),
        u: state.until.timestamp_micros(),
        a: state.after.map(|(stamp, id)| (stamp.timestamp_micros(), id)),
        c: state.cursor,
        n: state.complete,
    };
    // A struct of strings and numbers always serialises.
    let payload = serde_json::to_vec(&wire).unwrap_or_default();
    format!("{}.{}", URL_SAFE_NO_PAD.encode(&payload), URL_SAFE_NO_PAD.encode(check(&payload)))
}

/// The state a token carries; `None` for anything that is not a token this repository
/// issued, unchanged.
pub(super) fn decode(text: &str) -> Option<ListState> {
    if text.len() > MAX_TOKEN_CHARS {
        return None;
    }
    let (payload, sum) = text.split_once('.')?;
    let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
    if URL_SAFE_NO_PAD.decode(sum).ok()? != check(&payload) {
        return None;
    }
    let wire: Wire = serde_json::from_slice(&payload).ok()?;
    if wire.v != VERSION {
        return None;
    }
    // Datestamps of years 0 to 9999, as `from` and `until` can name them; anything else
    // would not fit PostgreSQL's timestamps.
    let instant =
        |micros: i64| DateTime::<Utc>::from_timestamp_micros(micros).filter(|at| (0..=10_000).contains(&at.year()));
    let from = match wire.f {
        Some(micros) => Some(instant(micros)?),
        None => None,
    };
    let after = match wire.a {
        Some((micros, id)) => Some((instant(micros)?, id)),
        None => None,
    };
    Some(ListState {
        records: wire.r,
        prefix: wire.p,
        set: wire.s,
        from,
        until: instant(wire.u)?,
        after,
        cursor: wire.c,
        complete: wire.n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> ListState {
        let at = |micros| DateTime::<Utc>::from_timestamp_micros(micros).expect("an instant");
        ListState {
            records: true,
            prefix: "marcxml".into(),
            set: Some("language:uzb".into()),
            from: Some(at(1_700_000_000_000_000)),
            until: at(1_700_000_100_000_001),
            after: Some((at(1_700_000_050_123_456), 42)),
            cursor: 100,
            complete: 3000,
        }
    }

    #[test]
    fn tokens_round_trip() {
        let token = encode(&state());
        assert!(token.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)), "{token}");
        assert_eq!(decode(&token), Some(state()));
    }

    #[test]
    fn anything_else_is_refused() {
        let token = encode(&state());
        let (payload, sum) = token.split_once('.').expect("two parts");
        let mut json = URL_SAFE_NO_PAD.decode(payload).expect("base64");
        let at = json.iter().position(|&b| b == b'4').expect("a digit 4");
        json[at] = b'5';
        let edited = format!("{}.{sum}", URL_SAFE_NO_PAD.encode(&json));
        for bad in [edited.as_str(), &token[..token.len() - 1], payload, "", ".", "é.é", &"a".repeat(5000)] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn instants_outside_datestamps_are_refused_even_when_checked() {
        let far = DateTime::<Utc>::from_timestamp_micros(300_000_000_000_000_000).expect("year 11476");
        let token = encode(&ListState { until: far, ..state() });
        assert_eq!(decode(&token), None);
    }
}
