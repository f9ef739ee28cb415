//! ISO 2709 ("binary MARC") reading and writing.
//!
//! Layout: a 24-byte leader, a directory of 12-byte entries (tag, field length,
//! start offset) closed by a field terminator, then the fields, each closed by a
//! field terminator, and a record terminator.
//!
//! Reading policy: the record terminator is the ground truth for where a record
//! ends (leader lengths are often wrong in partner files), and the directory is
//! trusted only while it agrees with the field terminators. When it does not,
//! fields are located by their terminators if that accounts for every directory
//! entry; anything less is an error, because guessing could silently attach
//! text to the wrong tag.

use super::ReadOptions;
use super::encoding::{self, Encoding};
use super::error::{RecordError, WriteError};
use super::record::{Field, Leader, Record, Subfield};

pub(super) const RECORD_TERMINATOR: u8 = 0x1D;
pub(super) const FIELD_TERMINATOR: u8 = 0x1E;
pub(super) const SUBFIELD_DELIMITER: u8 = 0x1F;

const DIRECTORY_ENTRY_LEN: usize = 12;

/// Reads every record in `bytes`, one result per record.
pub(super) fn read(bytes: &[u8], options: &ReadOptions) -> Vec<Result<Record, RecordError>> {
    let mut results = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        // Line breaks, NULs and DOS EOF markers between records are transfer
        // artefacts, not records.
        if matches!(bytes[pos], b'\r' | b'\n' | 0 | 0x1A) {
            pos += 1;
            continue;
        }
        let number = results.len() + 1;
        let Some(rel_end) = bytes[pos..].iter().position(|&b| b == RECORD_TERMINATOR) else {
            let tail = &bytes[pos..];
            results.push(Err(RecordError {
                record_number: number,
                byte_offset: Some(pos),
                control_number: sniff_control_number(tail),
                reason: format!("truncated record at end of file: {} byte(s) without a record terminator", tail.len()),
            }));
            break;
        };
        let raw = &bytes[pos..=pos + rel_end];
        results.push(parse_record(raw, options).map_err(|reason| RecordError {
            record_number: number,
            byte_offset: Some(pos),
            control_number: sniff_control_number(raw),
            reason,
        }));
        pos += rel_end + 1;
    }
    results
}

fn parse_digits(bytes: &[u8]) -> Option<usize> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(bytes.iter().fold(0usize, |acc, &b| acc * 10 + usize::from(b - b'0')))
}

struct DirEntry {
    tag: String,
    length: usize,
    start: usize,
}

/// Parses one record; `raw` ends with the record terminator.
fn parse_record(raw: &[u8], options: &ReadOptions) -> Result<Record, String> {
    let mut warnings = Vec::new();
    if raw.len() < Leader::LEN + 2 {
        return Err(format!("record is only {} bytes long, too short for a leader and a directory", raw.len()));
    }
    let leader_bytes = &raw[..Leader::LEN];
    if let Some(i) = leader_bytes.iter().position(|&b| !(0x20..=0x7E).contains(&b)) {
        return Err(format!("bad leader: byte 0x{:02X} at position {i}", leader_bytes[i]));
    }
    // Checked above: printable ASCII only.
    let leader_text = String::from_utf8_lossy(leader_bytes);
    let leader = Leader::new(&leader_text).map_err(|e| format!("bad leader: {e}"))?;

    match parse_digits(&leader_bytes[0..5]) {
        Some(n) if n == raw.len() => {}
        Some(n) => warnings.push(format!(
            "leader says the record is {n} bytes but its terminator is at byte {}; trusted the terminator",
            raw.len()
        )),
        None => warnings.push(format!(
            "leader record length {:?} is not numeric; trusted the record terminator",
            &leader_text[0..5]
        )),
    }
    if &leader_bytes[10..12] != b"22" {
        warnings.push(format!(
            "leader/10-11 is {:?}, expected \"22\"; read with two indicators and one-character subfield codes",
            &leader_text[10..12]
        ));
    }
    if &leader_bytes[20..22] != b"45" {
        warnings.push(format!(
            "leader/20-21 is {:?}, expected \"45\"; read with 4-digit lengths and 5-digit offsets",
            &leader_text[20..22]
        ));
    }

    let base = parse_digits(&leader_bytes[12..17])
        .ok_or_else(|| format!("bad leader: base address of data {:?} is not numeric", &leader_text[12..17]))?;
    let body_end = raw.len() - 1; // excludes the record terminator
    if base <= Leader::LEN {
        return Err(format!("bad leader: base address of data {base} leaves no room for a directory"));
    }
    if base > body_end {
        return Err(format!(
            "bad leader: base address of data {base} is past the end of the record ({} bytes)",
            raw.len()
        ));
    }
    if raw[base - 1] != FIELD_TERMINATOR {
        return Err(format!("bad directory: no field terminator before the base address of data ({base})"));
    }
    let directory = &raw[Leader::LEN..base - 1];
    if directory.is_empty() {
        return Err("record has no fields (empty directory)".to_owned());
    }
    if !directory.len().is_multiple_of(DIRECTORY_ENTRY_LEN) {
        return Err(format!(
            "bad directory: its length {} is not a multiple of {DIRECTORY_ENTRY_LEN}",
            directory.len()
        ));
    }
    let mut entries = Vec::with_capacity(directory.len() / DIRECTORY_ENTRY_LEN);
    for (i, e) in directory.chunks_exact(DIRECTORY_ENTRY_LEN).enumerate() {
        let tag = &e[0..3];
        if !tag.iter().all(u8::is_ascii_alphanumeric) {
            return Err(format!("bad directory: entry {} has invalid tag {:?}", i + 1, String::from_utf8_lossy(tag)));
        }
        let tag = String::from_utf8_lossy(tag).into_owned();
        let (Some(length), Some(start)) = (parse_digits(&e[3..7]), parse_digits(&e[7..12])) else {
            return Err(format!(
                "bad directory: entry {} (tag {tag}) has a non-numeric length or offset {:?}",
                i + 1,
                String::from_utf8_lossy(&e[3..12])
            ));
        };
        entries.push(DirEntry { tag, length, start });
    }

    let data = &raw[base..body_end];
    let contents = locate_fields(data, &entries, &mut warnings)?;

    let encoding = match options.encoding {
        Some(e) => e,
        None => {
            let (e, warning) = encoding::detect(leader.character_coding(), data);
            warnings.extend(warning);
            e
        }
    };

    let mut fields = Vec::with_capacity(entries.len());
    for (entry, content) in entries.iter().zip(contents) {
        let Some(content) = content else { continue };
        let content = match encoding {
            Encoding::Marc8 => repair_cyrillic_e(&entry.tag, content, &mut warnings),
            _ => std::borrow::Cow::Borrowed(content),
        };
        // A field that cannot be read is dropped, not the record: the rest of it is
        // still the partner's catalogue.
        match parse_field(&entry.tag, &content, encoding, &mut warnings) {
            Ok(field) => fields.push(field),
            Err(reason) => warnings.push(format!("{reason}; the field was dropped")),
        }
    }
    if fields.is_empty() {
        return Err("no field of the record could be read".to_owned());
    }
    Ok(Record { leader, fields, warnings })
}

/// Returns each field's content (without its terminator), in directory order; `None` for
/// a field that cannot be delimited (dropped with a warning).
fn locate_fields<'a>(
    data: &'a [u8],
    entries: &[DirEntry],
    warnings: &mut Vec<String>,
) -> Result<Vec<Option<&'a [u8]>>, String> {
    match by_directory(data, entries) {
        Ok(contents) => {
            let used: usize = entries.iter().map(|e| e.length).sum();
            if used < data.len() {
                warnings
                    .push(format!("{} byte(s) of field data are not referenced by the directory", data.len() - used));
            }
            Ok(contents.into_iter().map(Some).collect())
        }
        Err(reason) => {
            // Directory lengths off by one (a terminator not counted, a byte lost
            // in transfer) shift every later field; the terminators still show
            // where each field is, provided there is exactly one per entry and
            // the directory lists fields in data order.
            let ascending = entries.windows(2).all(|w| w[0].start < w[1].start);
            let pieces: Vec<&[u8]> = data.split(|&b| b == FIELD_TERMINATOR).collect();
            // A well-formed data area ends with a terminator, leaving an empty
            // last piece.
            let terminated = pieces.len() - 1;
            let tail_empty = pieces.last().is_some_and(|p| p.is_empty());
            if ascending && tail_empty && terminated == entries.len() {
                warnings.push(format!(
                    "directory disagrees with the field terminators ({reason}); fields were located by their terminators"
                ));
                return Ok(pieces[..terminated].iter().map(|p| Some(*p)).collect());
            }
            let fields = field_by_field(data, entries, warnings);
            if fields.iter().all(Option::is_none) { Err(reason) } else { Ok(fields) }
        }
    }
}

/// Each field where the directory puts it, repairing what is unambiguous: a field whose
/// terminator is missing but which ends exactly where the next one starts (or where the
/// data ends) is read to there. A field that still cannot be delimited is dropped.
fn field_by_field<'a>(data: &'a [u8], entries: &[DirEntry], warnings: &mut Vec<String>) -> Vec<Option<&'a [u8]>> {
    let mut starts: Vec<usize> = entries.iter().map(|e| e.start).collect();
    starts.sort_unstable();
    entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let end = e.start + e.length;
            let field = (e.length > 0 && end <= data.len()).then(|| &data[e.start..end]);
            let next_start = starts.iter().copied().find(|&s| s > e.start).unwrap_or(data.len());
            match field {
                Some(field) if field.last() == Some(&FIELD_TERMINATOR) && !field[..field.len() - 1].contains(&FIELD_TERMINATOR) => {
                    Some(&field[..field.len() - 1])
                }
                Some(field) if !field.contains(&FIELD_TERMINATOR) && (end == next_start || end + 1 == next_start) => {
                    warnings.push(format!(
                        "field {} (directory entry {}) has no field terminator; read to the length the directory gives",
                        e.tag,
                        i + 1
                    ));
                    Some(field)
                }
                _ => {
                    warnings.push(format!(
                        "field {} (directory entry {}) cannot be delimited (offset {}, length {}); the field was dropped",
                        e.tag,
                        i + 1,
                        e.start,
                        e.length
                    ));
                    None
                }
            }
        })
        .collect()
}

fn by_directory<'a>(data: &'a [u8], entries: &[DirEntry]) -> Result<Vec<&'a [u8]>, String> {
    let mut out = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        let end = e.start + e.length;
        if e.length == 0 || end > data.len() {
            return Err(format!(
                "field {} (directory entry {}) runs past the end of the record: offset {} + length {} > {} bytes of field data",
                e.tag,
                i + 1,
                e.start,
                e.length,
                data.len()
            ));
        }
        let field = &data[e.start..end];
        let (last, content) = field.split_last().unwrap_or((&0, &[]));
        if *last != FIELD_TERMINATOR || content.contains(&FIELD_TERMINATOR) {
            return Err(format!(
                "field {} (directory entry {}) does not end with a field terminator where the directory says",
                e.tag,
                i + 1
            ));
        }
        out.push(content);
    }
    Ok(out)
}

/// MARC-8 Cyrillic capital Э (0x7C in the basic Cyrillic set) written as 0x1F, the
/// subfield delimiter, by a known encoder bug (marc4j repairs it too). A 0x1F while the
/// basic Cyrillic set is designated as G0 is that Э: a real delimiter follows a return to
/// ASCII, as MARC-8 encoders write subfields.
fn repair_cyrillic_e<'a>(tag: &str, content: &'a [u8], warnings: &mut Vec<String>) -> std::borrow::Cow<'a, [u8]> {
    const ESC: u8 = 0x1B;
    if !content.contains(&ESC) {
        return std::borrow::Cow::Borrowed(content);
    }
    let mut repaired: Option<Vec<u8>> = None;
    let mut cyrillic = false;
    let mut i = 0;
    while i < content.len() {
        match content[i] {
            ESC => {
                // G0 designations: ESC ( F, ESC , F, ESC $ F..., and ESC s (ASCII).
                match content.get(i + 1) {
                    Some(b'(' | b',') => cyrillic = content.get(i + 2) == Some(&b'N'),
                    Some(b'$' | b's' | b'b' | b'g' | b'p') => cyrillic = false,
                    _ => {}
                }
            }
            SUBFIELD_DELIMITER if cyrillic => {
                repaired.get_or_insert_with(|| content.to_vec())[i] = 0x7C;
            }
            _ => {}
        }
        i += 1;
    }
    match repaired {
        Some(bytes) => {
            warnings
                .push(format!("field {tag}: byte 0x1F inside Cyrillic text read as Э (a known MARC-8 encoder error)"));
            std::borrow::Cow::Owned(bytes)
        }
        None => std::borrow::Cow::Borrowed(content),
    }
}

fn parse_field(tag: &str, content: &[u8], encoding: Encoding, warnings: &mut Vec<String>) -> Result<Field, String> {
    if Field::is_control_tag(tag) {
        let value = decode_value(tag, "", content, encoding, warnings)?;
        return Ok(Field::Control { tag: tag.to_owned(), value });
    }

    let Some(first_delim) = content.iter().position(|&b| b == SUBFIELD_DELIMITER) else {
        if content.iter().all(|&b| b == b' ') {
            warnings.push(format!("field {tag} has no subfields"));
            return Ok(Field::Data { tag: tag.to_owned(), ind1: ' ', ind2: ' ', subfields: Vec::new() });
        }
        // Some non-MARC 21 exports put bare text in data fields; keep it whole
        // rather than eat two characters as indicators.
        let value = decode_value(tag, "", content, encoding, warnings)?;
        warnings
            .push(format!("field {tag} has no subfield delimiters; its content was kept as $a with blank indicators"));
        return Ok(Field::Data {
            tag: tag.to_owned(),
            ind1: ' ',
            ind2: ' ',
            subfields: vec![Subfield { code: 'a', value }],
        });
    };

    let (ind1, ind2) = match first_delim {
        2 => (indicator(tag, 1, content[0], warnings), indicator(tag, 2, content[1], warnings)),
        0 => {
            warnings.push(format!("field {tag} has no indicators; read as blanks"));
            (' ', ' ')
        }
        1 => {
            warnings.push(format!("field {tag} has one indicator byte where two belong; the second read as blank"));
            (indicator(tag, 1, content[0], warnings), ' ')
        }
        n if content[2..n].iter().all(|&b| b == b' ') => {
            // A stray blank after the indicators carries no data.
            warnings.push(format!("field {tag}: {} extra blank(s) after the indicators ignored", n - 2));
            (indicator(tag, 1, content[0], warnings), indicator(tag, 2, content[1], warnings))
        }
        n => {
            // Extra bytes where two indicators belong (pymarc and marc4j read past them):
            // the first two are the indicators.
            warnings.push(format!(
                "field {tag}: {n} bytes before the first subfield where two indicators belong; \
                 the first two were read as indicators, {:?} dropped",
                String::from_utf8_lossy(&content[2..n])
            ));
            (indicator(tag, 1, content[0], warnings), indicator(tag, 2, content[1], warnings))
        }
    };

    let mut subfields = Vec::new();
    for piece in content[first_delim + 1..].split(|&b| b == SUBFIELD_DELIMITER) {
        let Some((&code, value)) = piece.split_first() else {
            warnings.push(format!("field {tag}: empty subfield (delimiter without a code) ignored"));
            continue;
        };
        match code {
            b'a'..=b'z' | b'0'..=b'9' => {}
            0x20..=0x7E => warnings.push(format!("field {tag}: unusual subfield code {:?}", code as char)),
            _ => {
                warnings.push(format!(
                    "field {tag}: a subfield's code is byte 0x{code:02X}, not a character; the subfield was dropped"
                ));
                continue;
            }
        }
        let what = format!(" ${}", code as char);
        match decode_value(tag, &what, value, encoding, warnings) {
            Ok(value) => subfields.push(Subfield { code: code as char, value }),
            Err(reason) => warnings.push(format!("{reason}; the subfield was dropped")),
        }
    }
    Ok(Field::Data { tag: tag.to_owned(), ind1, ind2, subfields })
}

fn decode_value(
    tag: &str,
    what: &str,
    bytes: &[u8],
    encoding: Encoding,
    warnings: &mut Vec<String>,
) -> Result<String, String> {
    let (text, warning) = encoding::decode(bytes, encoding)
        .map_err(|e| format!("field {tag}{what}: {e} in a record read as {}", encoding.name()))?;
    if let Some(w) = warning {
        warnings.push(format!("field {tag}{what}: {w}"));
    }
    Ok(text)
}

/// An indicator byte; one that is not a printable character reads as blank.
fn indicator(tag: &str, which: u8, byte: u8, warnings: &mut Vec<String>) -> char {
    if (0x20..=0x7E).contains(&byte) {
        byte as char
    } else {
        warnings.push(format!("field {tag}: indicator {which} is byte 0x{byte:02X}, not a character; read as blank"));
        ' '
    }
}

/// Best-effort 001 of a record that failed to parse, for the error message.
fn sniff_control_number(raw: &[u8]) -> Option<String> {
    let base = parse_digits(raw.get(12..17)?)?;
    let directory = raw.get(Leader::LEN..base.checked_sub(1)?)?;
    directory.chunks_exact(DIRECTORY_ENTRY_LEN).find(|e| &e[0..3] == b"001").and_then(|e| {
        let len = parse_digits(&e[3..7])?;
        let start = parse_digits(&e[7..12])?;
        let bytes = raw.get(base + start..base + start + len)?;
        let bytes = bytes.strip_suffix(&[FIELD_TERMINATOR]).unwrap_or(bytes);
        let text = std::str::from_utf8(bytes).ok()?.trim();
        (!text.is_empty() && text.len() <= 64).then(|| text.to_owned())
    })
}

/// Serialises a record as UTF-8 ISO 2709.
///
/// The leader's length, base address, leader/09 (`a`: the output is UTF-8) and
/// the fixed positions 10-11 and 20-23 are recomputed; the rest is kept.
pub fn to_iso2709(record: &Record) -> Result<Vec<u8>, WriteError> {
    let mut data = Vec::new();
    let mut directory = Vec::with_capacity(record.fields.len() * DIRECTORY_ENTRY_LEN + 1);
    for field in &record.fields {
        let tag = field.tag();
        if tag.len() != 3 || !tag.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(WriteError::BadTag(tag.to_owned()));
        }
        let start = data.len();
        match field {
            Field::Control { value, .. } => push_text(&mut data, tag, value)?,
            Field::Data { ind1, ind2, subfields, .. } => {
                data.push(single_byte(tag, "indicator", *ind1)?);
                data.push(single_byte(tag, "indicator", *ind2)?);
                for sf in subfields {
                    data.push(SUBFIELD_DELIMITER);
                    data.push(single_byte(tag, "subfield code", sf.code)?);
                    push_text(&mut data, tag, &sf.value)?;
                }
            }
        }
        data.push(FIELD_TERMINATOR);
        let len = data.len() - start;
        if len > 9999 {
            return Err(WriteError::FieldTooLong { tag: tag.to_owned(), len });
        }
        if start > 99999 {
            return Err(WriteError::RecordTooLong { len: start });
        }
        directory.extend_from_slice(format!("{tag}{len:04}{start:05}").as_bytes());
    }
    directory.push(FIELD_TERMINATOR);
    let base = Leader::LEN + directory.len();
    let total = base + data.len() + 1;
    if total > 99999 {
        return Err(WriteError::RecordTooLong { len: total });
    }
    let mut leader = record.leader.as_str().as_bytes().to_vec();
    leader[0..5].copy_from_slice(format!("{total:05}").as_bytes());
    leader[9] = b'a';
    leader[10..12].copy_from_slice(b"22");
    leader[12..17].copy_from_slice(format!("{base:05}").as_bytes());
    leader[20..24].copy_from_slice(b"4500");

    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&leader);
    out.extend_from_slice(&directory);
    out.extend_from_slice(&data);
    out.push(RECORD_TERMINATOR);
    Ok(out)
}

fn single_byte(tag: &str, what: &'static str, c: char) -> Result<u8, WriteError> {
    if (' '..='~').contains(&c) {
        Ok(c as u8)
    } else {
        Err(WriteError::NotSingleByte { tag: tag.to_owned(), what, value: c })
    }
}

fn push_text(out: &mut Vec<u8>, tag: &str, text: &str) -> Result<(), WriteError> {
    if let Some(c) = text.chars().find(|&c| matches!(c as u32, 0x1D..=0x1F)) {
        // A structural byte inside a value would split the field on re-reading.
        return Err(WriteError::StructuralCharacter { tag: tag.to_owned(), code: c as u32 });
    }
    out.extend_from_slice(text.as_bytes());
    Ok(())
}
