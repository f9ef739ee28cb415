//! MARCXML (MARC 21 slim schema) reading and writing.
//!
//! Elements are matched by local name, ignoring namespaces and prefixes: partner
//! files use the slim namespace as default, under a `marc:` prefix, or not at all,
//! and the element names are unambiguous either way.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::error::RecordError;
use super::record::{Field, Leader, Record, Subfield};

pub const MARCXML_NAMESPACE: &str = "http://www.loc.gov/MARC21/slim";

/// Which element's text is being collected.
enum Text {
    None,
    Leader,
    Control(String),
    Subfield(char),
}

struct Partial {
    number: usize,
    offset: usize,
    leader: Option<Leader>,
    fields: Vec<Field>,
    warnings: Vec<String>,
    /// First problem found; the record is rejected when it ends.
    error: Option<String>,
    /// Data field under construction.
    data: Option<Field>,
}

impl Partial {
    fn fail(&mut self, reason: String) {
        if self.error.is_none() {
            self.error = Some(reason);
        }
    }

    fn finish(self) -> Result<Record, RecordError> {
        let control_number = self.fields.iter().find(|f| f.tag() == "001").and_then(Field::value).map(str::to_owned);
        let err = |reason: String| RecordError {
            record_number: self.number,
            byte_offset: Some(self.offset),
            control_number: control_number.clone(),
            reason,
        };
        if let Some(reason) = self.error.clone() {
            return Err(err(reason));
        }
        let Some(leader) = self.leader else {
            return Err(err("record has no leader".to_owned()));
        };
        if self.fields.is_empty() {
            return Err(err("record has no fields".to_owned()));
        }
        Ok(Record { leader, fields: self.fields, warnings: self.warnings })
    }
}

fn attr(e: &BytesStart<'_>, name: &str) -> Result<Option<String>, String> {
    for a in e.attributes() {
        let a = a.map_err(|err| format!("malformed attribute: {err}"))?;
        if a.key.local_name().as_ref() == name {
            let v = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|err| format!("malformed attribute value: {err}"))?;
            return Ok(Some(v.into_owned()));
        }
    }
    Ok(None)
}

/// Exactly one character, or blank for a missing/empty indicator attribute.
fn one_char(value: Option<String>, what: &str, tag: &str) -> Result<char, String> {
    let value = value.unwrap_or_default();
    let mut chars = value.chars();
    match (chars.next(), chars.next()) {
        (None, _) => Ok(' '),
        (Some(c), None) => Ok(c),
        _ => Err(format!("field {tag}: {what} {value:?} is not a single character")),
    }
}

fn resolve_entity(name: &str) -> Option<char> {
    Some(match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "apos" => '\'',
        "quot" => '"',
        _ => return None,
    })
}

/// Reads every `<record>` element in a MARCXML document.
pub(super) fn read(bytes: &[u8]) -> Vec<Result<Record, RecordError>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            return vec![Err(RecordError {
                record_number: 1,
                byte_offset: Some(e.valid_up_to()),
                control_number: None,
                reason: "MARCXML document is not valid UTF-8".to_owned(),
            })];
        }
    };
    let mut reader = Reader::from_str(text);
    {
        let config = reader.config_mut();
        config.trim_text(false);
        config.expand_empty_elements = true;
        config.check_end_names = true;
    }

    let mut results = Vec::new();
    let mut current: Option<Partial> = None;
    let mut collecting = Text::None;
    let mut buf = String::new();

    loop {
        let before = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => {
                // An XML syntax error leaves no reliable place to resume from.
                let number = current.as_ref().map_or(results.len() + 1, |p| p.number);
                results.push(Err(RecordError {
                    record_number: number,
                    byte_offset: usize::try_from(reader.error_position()).ok(),
                    control_number: None,
                    reason: format!("malformed XML: {e}; the rest of the document was not read"),
                }));
                break;
            }
        };
        match event {
            Event::Start(e) => {
                let name = e.local_name();
                match (name.as_ref(), current.as_mut()) {
                    ("record", None) => {
                        current = Some(Partial {
                            number: results.len() + 1,
                            offset: before,
                            leader: None,
                            fields: Vec::new(),
                            warnings: Vec::new(),
                            error: None,
                            data: None,
                        });
                    }
                    ("record", Some(p)) => p.fail("nested <record> element".to_owned()),
                    ("leader", Some(_)) => {
                        collecting = Text::Leader;
                        buf.clear();
                    }
                    ("controlfield", Some(p)) => match attr(&e, "tag") {
                        Ok(Some(tag)) => {
                            collecting = Text::Control(tag);
                            buf.clear();
                        }
                        Ok(None) => p.fail("controlfield without a tag attribute".to_owned()),
                        Err(reason) => p.fail(reason),
                    },
                    ("datafield", Some(p)) => {
                        let parsed = (|| {
                            let tag = attr(&e, "tag")?.ok_or_else(|| "datafield without a tag attribute".to_owned())?;
                            let ind1 = one_char(attr(&e, "ind1")?, "ind1", &tag)?;
                            let ind2 = one_char(attr(&e, "ind2")?, "ind2", &tag)?;
                            Ok::<_, String>(Field::Data { tag, ind1, ind2, subfields: Vec::new() })
                        })();
                        match parsed {
                            Ok(f) => p.data = Some(f),
                            Err(reason) => p.fail(reason),
                        }
                    }
                    ("subfield", Some(p)) => {
                        let tag = p.data.as_ref().map_or("?", Field::tag).to_owned();
                        match attr(&e, "code").and_then(|c| {
                            let c = c.ok_or_else(|| format!("field {tag}: subfield without a code"))?;
                            one_char(Some(c), "subfield code", &tag)
                        }) {
                            Ok(code) => {
                                collecting = Text::Subfield(code);
                                buf.clear();
                            }
                            Err(reason) => p.fail(reason),
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(t) if !matches!(collecting, Text::None) => {
                buf.push_str(&t.xml10_content());
            }
            Event::CData(t) if !matches!(collecting, Text::None) => {
                buf.push_str(&t.xml10_content());
            }
            Event::GeneralRef(r) => {
                if matches!(collecting, Text::None) {
                    continue;
                }
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    Ok(None) => resolve_entity(&r),
                    Err(_) => None,
                };
                match resolved {
                    Some(c) => buf.push(c),
                    None => {
                        if let Some(p) = current.as_mut() {
                            p.fail(format!("unknown entity or character reference &{};", &*r));
                        }
                    }
                }
            }
            Event::End(e) => {
                let name = e.local_name();
                let Some(p) = current.as_mut() else {
                    continue;
                };
                match name.as_ref() {
                    "leader" => {
                        if matches!(collecting, Text::Leader) {
                            // Pretty-printers sometimes indent the leader text.
                            let text = if buf.len() == Leader::LEN { &buf[..] } else { buf.trim() };
                            match Leader::new(text) {
                                Ok(l) => p.leader = Some(l),
                                Err(reason) => p.fail(format!("bad leader: {reason}")),
                            }
                        }
                        collecting = Text::None;
                    }
                    "controlfield" => {
                        if let Text::Control(tag) = std::mem::replace(&mut collecting, Text::None) {
                            p.fields.push(Field::Control { tag, value: std::mem::take(&mut buf) });
                        }
                    }
                    "subfield" => {
                        if let (Text::Subfield(code), Some(Field::Data { subfields, .. })) =
                            (std::mem::replace(&mut collecting, Text::None), p.data.as_mut())
                        {
                            subfields.push(Subfield { code, value: std::mem::take(&mut buf) });
                        }
                    }
                    "datafield" => {
                        if let Some(f) = p.data.take() {
                            if f.subfields().is_empty() {
                                p.warnings.push(format!("field {} has no subfields", f.tag()));
                            }
                            p.fields.push(f);
                        }
                    }
                    "record" => {
                        if let Some(done) = current.take() {
                            results.push(done.finish());
                        }
                        collecting = Text::None;
                    }
                    _ => {}
                }
            }
            Event::Eof => {
                if let Some(p) = current.take() {
                    results.push(Err(RecordError {
                        record_number: p.number,
                        byte_offset: Some(p.offset),
                        control_number: None,
                        reason: "truncated record at end of document (no </record>)".to_owned(),
                    }));
                }
                break;
            }
            _ => {}
        }
    }
    results
}

/// Serialises records as a MARCXML `<collection>` in the slim namespace.
///
/// Leader/09 is set to `a`, since the output is Unicode. Characters that XML 1.0
/// cannot carry (C0 controls other than tab, newline and carriage return) are
/// written as U+FFFD; readers reject records containing them in structural
/// positions, so this only affects values built in code.
pub fn to_marcxml(records: &[Record]) -> String {
    let mut out = String::with_capacity(records.len() * 2048 + 128);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<collection xmlns=\"");
    out.push_str(MARCXML_NAMESPACE);
    out.push_str("\">\n");
    for record in records {
        out.push_str("  <record>\n    <leader>");
        escape_into(&mut out, record.leader.with(9, 'a').as_str());
        out.push_str("</leader>\n");
        for field in &record.fields {
            match field {
                Field::Control { tag, value } => {
                    out.push_str("    <controlfield tag=\"");
                    escape_into(&mut out, tag);
                    out.push_str("\">");
                    escape_into(&mut out, value);
                    out.push_str("</controlfield>\n");
                }
                Field::Data { tag, ind1, ind2, subfields } => {
                    out.push_str("    <datafield tag=\"");
                    escape_into(&mut out, tag);
                    out.push_str("\" ind1=\"");
                    escape_into(&mut out, ind1.encode_utf8(&mut [0; 4]));
                    out.push_str("\" ind2=\"");
                    escape_into(&mut out, ind2.encode_utf8(&mut [0; 4]));
                    out.push_str("\">\n");
                    for sf in subfields {
                        out.push_str("      <subfield code=\"");
                        escape_into(&mut out, sf.code.encode_utf8(&mut [0; 4]));
                        out.push_str("\">");
                        escape_into(&mut out, &sf.value);
                        out.push_str("</subfield>\n");
                    }
                    out.push_str("    </datafield>\n");
                }
            }
        }
        out.push_str("  </record>\n");
    }
    out.push_str("</collection>\n");
    out
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // A raw CR would be normalised away by the next XML reader.
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                out.push(char::REPLACEMENT_CHARACTER);
            }
            c => out.push(c),
        }
    }
}
