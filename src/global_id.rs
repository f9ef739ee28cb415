//! Opaque global ids (Relay's object identification): `base64url("Partner:42")`.
//!
//! The API, the export URLs (`/documents/{id}.bib`), citation keys and the command line
//! (`hamkor import --partner ID`) all name objects by them. Clients must treat them as
//! opaque strings; the type prefix lets `node(id:)` find the right table and lets every
//! typed argument reject an id of the wrong kind with a clear error instead of a silent miss.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{Error, Result, quoted};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeKind {
    Partner,
    Agreement,
    Project,
    Document,
    Holding,
    Exchange,
    IllRequest,
    /// An import of MARC records.
    Import,
    /// An API token: named by id in the API, but never fetched through `node`.
    Token,
}

/// Longer input is not an id; also keeps error messages short.
const MAX_ID_CHARS: usize = 64;

impl NodeKind {
    const ALL: [NodeKind; 9] = [
        NodeKind::Partner,
        NodeKind::Agreement,
        NodeKind::Project,
        NodeKind::Document,
        NodeKind::Holding,
        NodeKind::Exchange,
        NodeKind::IllRequest,
        NodeKind::Import,
        NodeKind::Token,
    ];

    pub fn type_name(self) -> &'static str {
        match self {
            NodeKind::Partner => "Partner",
            NodeKind::Agreement => "Agreement",
            NodeKind::Project => "Project",
            NodeKind::Document => "Document",
            NodeKind::Holding => "Holding",
            NodeKind::Exchange => "Exchange",
            NodeKind::IllRequest => "IllRequest",
            NodeKind::Import => "Import",
            NodeKind::Token => "ApiToken",
        }
    }

    pub fn from_type_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.type_name() == name)
    }
}

pub fn encode(kind: NodeKind, id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.type_name()))
}

/// Decodes any global id; `field` names the argument in the error.
pub fn decode(field: &'static str, id: &str) -> Result<(NodeKind, i64)> {
    let malformed = || Error::invalid(field, format!("{} is not a hamkor id", quoted(id)));
    if id.len() > MAX_ID_CHARS {
        return Err(Error::invalid(field, format!("a hamkor id has at most {MAX_ID_CHARS} characters")));
    }
    let bytes = URL_SAFE_NO_PAD.decode(id.as_bytes()).map_err(|_| malformed())?;
    let text = String::from_utf8(bytes).map_err(|_| malformed())?;
    let (type_name, number) = text.split_once(':').ok_or_else(malformed)?;
    let kind = NodeKind::from_type_name(type_name).ok_or_else(malformed)?;
    let number: i64 = number.parse().map_err(|_| malformed())?;
    if number <= 0 {
        return Err(malformed());
    }
    Ok((kind, number))
}

/// Decodes an id that must name a `expected` object.
pub fn decode_as(field: &'static str, id: &str, expected: NodeKind) -> Result<i64> {
    let (kind, number) = decode(field, id)?;
    if kind != expected {
        return Err(Error::invalid(
            field,
            format!("{} is the id of a {}, not of a {}", quoted(id), kind.type_name(), expected.type_name()),
        ));
    }
    Ok(number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let id = encode(NodeKind::Agreement, 42);
        assert_eq!(decode("id", &id).unwrap(), (NodeKind::Agreement, 42));
        assert!(decode_as("id", &id, NodeKind::Partner).is_err());
    }

    #[test]
    fn malformed_ids_are_rejected() {
        for bad in ["", "42", "!!!", "UGFydG5lcjo", "UGFydG5lcjotMQ", &"A".repeat(100)] {
            assert!(decode("id", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_overlong_id_is_not_quoted_back() {
        let err = decode("id", &"A".repeat(1_000_000)).unwrap_err();
        assert!(err.to_string().len() < 100, "{err}");
    }
}
