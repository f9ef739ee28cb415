//! The XML of responses, written as text in the order the OAI-PMH 2.0 schema
//! (`OAI-PMH.xsd`) fixes: the envelope (`responseDate`, `request`, then the errors or the
//! verb's element), headers and records, resumption tokens, metadata embedded without its
//! XML declaration.

use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};

use super::OaiError;

pub const OAI_NAMESPACE: &str = "http://www.openarchives.org/OAI/2.0/";
const OAI_SCHEMA: &str = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd";
const XSI_NAMESPACE: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// `text` as element content or an attribute value: markup escaped, and characters XML 1.0
/// cannot carry (most control characters, which a request can send as `%01`) replaced, so
/// that an echoed argument never makes a response unreadable.
pub fn escape(text: &str) -> String {
    let allowed = |c: char| matches!(c, '\t' | '\n' | '\r') || !(c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}');
    let text: String = text.chars().map(|c| if allowed(c) { c } else { char::REPLACEMENT_CHARACTER }).collect();
    // A raw CR would be read back as a line feed.
    quick_xml::escape::escape(text.as_str()).replace('\r', "&#13;")
}

/// `<name>text</name>`.
pub fn element(out: &mut String, name: &str, text: &str) {
    let _ = write!(out, "<{name}>{}</{name}>", escape(text));
}

/// A datestamp in the repository's granularity, seconds.
pub fn datestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The whole response. `arguments` are echoed as the request element's attributes, or
/// left out (`None`) after `badVerb` and `badArgument`, as the protocol says.
pub fn envelope(
    now: DateTime<Utc>,
    base_url: &str,
    arguments: Option<&[(String, String)]>,
    body: &Result<String, Vec<OaiError>>,
) -> String {
    let mut out = String::with_capacity(body.as_ref().map_or(512, |b| b.len() + 1024));
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<OAI-PMH xmlns=\"{OAI_NAMESPACE}\" xmlns:xsi=\"{XSI_NAMESPACE}\" \
         xsi:schemaLocation=\"{OAI_NAMESPACE} {OAI_SCHEMA}\">"
    );
    element(&mut out, "responseDate", &datestamp(now));
    out.push_str("\n<request");
    for (key, value) in arguments.unwrap_or_default() {
        let _ = write!(out, " {key}=\"{}\"", escape(value));
    }
    let _ = writeln!(out, ">{}</request>", escape(base_url));
    match body {
        Ok(body) => out.push_str(body),
        Err(errors) => {
            for error in errors {
                let _ = writeln!(out, "<error code=\"{}\">{}</error>", error.code.as_str(), escape(&error.message));
            }
        }
    }
    out.push_str("</OAI-PMH>\n");
    out
}

/// A record's metadata as the exports render it, without the XML declaration, which may
/// only begin a document.
pub fn without_declaration(xml: &str) -> &str {
    let xml = xml.trim_start_matches('\u{FEFF}').trim_start();
    match xml.strip_prefix("<?xml").and_then(|rest| rest.split_once("?>")) {
        Some((_, rest)) => rest.trim_start(),
        None => xml,
    }
}

/// The one `<record>` of a MARCXML `<collection>`, as harvesters expect it under
/// `<metadata>`, with the namespace and the schema it validates against; the export as it
/// is when it is not one record in a collection.
pub fn marc_record(xml: &str, namespace: &str, schema: &str) -> String {
    let xml = without_declaration(xml);
    let (Some(open), Some(close)) = (xml.find("<record>"), xml.rfind("</record>")) else { return xml.to_owned() };
    if open > close || xml.matches("<record>").count() != 1 {
        return xml.to_owned();
    }
    format!(
        "<record xmlns=\"{namespace}\" xmlns:xsi=\"{XSI_NAMESPACE}\" xsi:schemaLocation=\"{namespace} {schema}\">{}</record>\n",
        &xml[open + "<record>".len()..close]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_responses_well_formed() {
        assert_eq!(escape("a<b>&\"'\u{1}\t"), "a&lt;b&gt;&amp;&quot;&apos;\u{FFFD}\t");
    }

    #[test]
    fn declarations_are_stripped_and_records_unwrapped() {
        assert_eq!(without_declaration("<?xml version=\"1.0\"?>\n<a/>"), "<a/>");
        assert_eq!(without_declaration("<a/>"), "<a/>");
        let collection = "<?xml version=\"1.0\"?>\n<collection xmlns=\"ns\">\n  <record>\n<leader>x</leader></record>\n</collection>\n";
        let record = marc_record(collection, "ns", "s.xsd");
        assert!(
            record.starts_with("<record xmlns=\"ns\" ") && record.contains("<leader>x</leader></record>"),
            "{record}"
        );
        let two = "<collection><record>1</record><record>2</record></collection>";
        assert_eq!(marc_record(two, "ns", "s.xsd"), two);
    }
}
