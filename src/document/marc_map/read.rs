//! MARC 21 to [`Description`]: what an import reads from a partner's record. The export
//! maps the fields of a stored record with the same functions, to tell which still hold
//! the wanted values.

use crate::document::{
    Contributor, ContributorRole, Description, DocumentFormat, ParallelTitle, YEAR_RANGE, identifiers,
};
use crate::marc::{Field, Leader, Record};

use super::relators::role_of;
use super::{clean, first_subfield, join_subfields, script_code, unique, value};

/// Maps a MARC 21 bibliographic record to a description, before [`Description::validate`].
///
/// Identifiers and language codes that cannot be normalised are left out rather than
/// passed on, so one mistyped ISBN does not make the whole record fail validation.
/// Fails only when the record has no title (245 `$a`, `$k` or `$b`).
pub fn description_from_marc(record: &Record) -> Result<Description, String> {
    let Some(title_field) = record.field("245") else {
        // UNIMARC records (some partners send them) have their title in 200 $a.
        let unimarc = record.fields("200").any(|f| f.subfield('a').is_some());
        return Err(if unimarc {
            "the record has no MARC 21 title field (245); its 200 $a suggests UNIMARC, which is not mapped".to_owned()
        } else {
            "the record has no title field (245)".to_owned()
        });
    };
    let main = title_parts(title_field);
    let (title, subtitle) = match (main.title, main.subtitle) {
        (Some(title), subtitle) => (title, subtitle),
        // A title given only as $b is still the title.
        (None, Some(subtitle)) => (subtitle, None),
        (None, None) => return Err("the title field (245) has no $a, $k or $b with text".to_owned()),
    };
    let (publisher, place, imprint_year) = match imprint_field(record) {
        Some(field) => (
            first_subfield(field, 'b').and_then(imprint_name),
            first_subfield(field, 'a').and_then(imprint_name),
            field.subfields_with('c').find_map(year_in_text),
        ),
        None => (None, None, None),
    };
    let (series_title, series_volume) = series_field(record).map_or((None, None), series_of);
    Ok(Description {
        parallel_titles: parallel_titles(record, &title),
        contributors: contributor_fields(record).into_iter().map(|(contributor, _)| contributor).collect(),
        languages: languages(record),
        publisher,
        place,
        year: year_008(record).or(imprint_year),
        edition: record.fields("250").find_map(edition_of),
        series_title,
        series_volume,
        isbns: unique(record.fields("020").filter_map(isbn_of).map(|(raw, _)| raw), |raw| {
            identifiers::normalize_isbn(raw)
        }),
        issns: unique(record.fields("022").filter_map(issn_of).map(|(raw, _)| raw), |raw| {
            identifiers::normalize_issn(raw)
        }),
        subjects: unique(record.fields.iter().filter_map(subject_of), |s| Some(s.clone())),
        abstract_text: joined_lines(record, "520"),
        notes: joined_lines(record, "500"),
        physical_description: record.fields("300").find_map(physical_of),
        format: format_of(&record.leader),
        title,
        subtitle,
    })
}

// ---------------------------------------------------------------------------------------
// Titles
// ---------------------------------------------------------------------------------------

struct TitleParts {
    title: Option<String>,
    subtitle: Option<String>,
    /// A `$b` after " =" is a parallel title (the title in another language), not a subtitle.
    parallel: Option<String>,
}

fn title_parts(field: &Field) -> TitleParts {
    let subs = field.subfields();
    let has_a = subs.iter().any(|s| s.code == 'a');
    let title_codes: &[char] = if has_a { &['a', 'n', 'p'] } else { &['k', 'n', 'p'] };
    let title = join_subfields(field, title_codes).and_then(|t| value(unbracket(&t)));
    let mut subtitle = None;
    let mut parallel = None;
    if let Some(i) = subs.iter().position(|s| s.code == 'b') {
        let after_equals = i > 0 && subs[i - 1].value.trim_end().ends_with('=');
        let text = value(unbracket(&subs[i].value));
        if after_equals { parallel = text } else { subtitle = text }
    }
    TitleParts { title, subtitle, parallel }
}

/// Parallel titles: the alternate-script 880s of the 245 (and 246), a " =" parallel title
/// in the 245 itself, then the 246 variant titles; without repeats or the main title.
fn parallel_titles(record: &Record, main_title: &str) -> Vec<ParallelTitle> {
    let mut all = Vec::new();
    for field in record.fields.iter().filter(|f| matches!(f.tag(), "245" | "246" | "880")) {
        all.extend(parallel_titles_of(field));
    }
    // 880s first: a title in its own script is a better parallel title than a variant.
    all.sort_by_key(|t| t.script.is_none());
    let mut out: Vec<ParallelTitle> = Vec::new();
    for t in all {
        if t.title != main_title && !out.iter().any(|o| o.title == t.title && o.subtitle == t.subtitle) {
            out.push(t);
        }
    }
    out
}

/// The parallel titles one field contributes (see [`parallel_titles`]).
pub(super) fn parallel_titles_of(field: &Field) -> Vec<ParallelTitle> {
    let mut out = Vec::new();
    let plain = |title| ParallelTitle { title, subtitle: None, script: None };
    match field.tag() {
        "245" => out.extend(title_parts(field).parallel.map(plain)),
        "246" => {
            let parts = title_parts(field);
            if let Some(title) = parts.title {
                out.push(ParallelTitle { title, subtitle: parts.subtitle, script: None });
            }
        }
        "880" => {
            let Some(link) = field.linkage().filter(|l| l.tag == "245" || l.tag == "246") else {
                return out;
            };
            let parts = title_parts(field);
            if let Some(title) = parts.title {
                let script = script_code(link.script, &title);
                out.push(ParallelTitle { title, subtitle: parts.subtitle, script });
            }
            out.extend(parts.parallel.map(plain));
        }
        _ => {}
    }
    out
}

// ---------------------------------------------------------------------------------------
// Contributors
// ---------------------------------------------------------------------------------------

pub(super) fn is_name_tag(tag: &str) -> bool {
    matches!(tag, "100" | "110" | "111" | "700" | "710" | "711")
}

/// Every contributor with the field it comes from: main entries (1XX) first, then added
/// entries (7XX), without repeats of the same name in the same role.
fn contributor_fields(record: &Record) -> Vec<(Contributor, &Field)> {
    let main = record.fields.iter().filter(|f| f.tag().starts_with('1'));
    let added = record.fields.iter().filter(|f| f.tag().starts_with('7'));
    let mut out: Vec<(Contributor, &Field)> = Vec::new();
    for field in main.chain(added).filter(|f| is_name_tag(f.tag())) {
        if let Some(c) = contributor_of(record, field)
            && !out.iter().any(|(o, _)| o.name == c.name && o.role == c.role)
        {
            out.push((c, field));
        }
    }
    out
}

pub(super) fn contributor_of(record: &Record, field: &Field) -> Option<Contributor> {
    let name = name_of(field, field.tag())?;
    let default = if field.tag().starts_with('1') { ContributorRole::Author } else { ContributorRole::Contributor };
    let parallel_name = record.linked_880(field).and_then(|alt| name_of(alt, field.tag()));
    Some(Contributor { name, role: role_of(field).unwrap_or(default), parallel_name })
}

/// The name as catalogued, with its dates: "Austen, Jane, 1775-1817", "Random House".
fn name_of(field: &Field, tag: &str) -> Option<String> {
    let codes: &[char] = match tag.get(1..) {
        // Personal name: $b numeration and $c titles belong to the name ("John Paul II, Pope").
        Some("00") => &['a', 'b', 'c', 'd'],
        Some("10") => &['a', 'b'],
        // Meeting: number, date and place tell meetings of one series apart.
        Some("11") => &['a', 'n', 'd', 'c'],
        _ => &['a'],
    };
    join_subfields(field, codes)
}

// ---------------------------------------------------------------------------------------
// Languages, imprint, identifiers, subjects, other fields
// ---------------------------------------------------------------------------------------

/// Codes that say there is no single identifiable language.
const NOT_A_LANGUAGE: [&str; 4] = ["und", "zxx", "mul", "mis"];

/// 008/35-37 and 041 `$a`/`$d`, raw but only those that normalise, without repeats.
fn languages(record: &Record) -> Vec<String> {
    let mut codes: Vec<String> = Vec::new();
    if let Some(code) = fixed_field(record).and_then(|f| f.get(35..38)) {
        codes.push(code.to_owned());
    }
    for field in record.fields("041") {
        for s in field.subfields().iter().filter(|s| matches!(s.code, 'a' | 'd')) {
            let v = s.value.trim();
            // Before 2001 several codes were run together in one subfield ("engfre").
            if v.len() > 3 && v.len() % 3 == 0 && v.is_ascii() {
                codes.extend((0..v.len()).step_by(3).map(|i| v[i..i + 3].to_owned()));
            } else {
                codes.push(v.to_owned());
            }
        }
    }
    unique(codes.into_iter(), |code| {
        if NOT_A_LANGUAGE.contains(&code.trim().to_ascii_lowercase().as_str()) {
            return None;
        }
        identifiers::normalize_language(code)
    })
}

fn fixed_field(record: &Record) -> Option<&str> {
    record.field("008").and_then(Field::value)
}

/// 008/07-10 when it is a plain year.
fn year_008(record: &Record) -> Option<i32> {
    let date = fixed_field(record)?.get(7..11)?;
    if !date.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    date.parse().ok().filter(|y| *y > 0 && YEAR_RANGE.contains(y))
}

/// The first run of exactly four digits: "c1998." is 1998, "[2003?]" is 2003.
pub(super) fn year_in_text(text: &str) -> Option<i32> {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == 4)
        .and_then(|run| run.parse().ok())
        .filter(|y| *y > 0 && YEAR_RANGE.contains(y))
}

/// The publication statement: 264 with second indicator 1, else 260, else any 264.
pub(super) fn imprint_field(record: &Record) -> Option<&Field> {
    let is_264_1 = |f: &&Field| matches!(f, Field::Data { ind2: '1', .. });
    record.fields("264").find(is_264_1).or_else(|| record.field("260")).or_else(|| record.field("264"))
}

/// Place or publisher without the brackets of supplied information; the Latin and
/// Russian "no place"/"no publisher" placeholders are no value.
fn imprint_name(text: &str) -> Option<String> {
    let unbracketed: String = text.chars().filter(|c| !matches!(c, '[' | ']')).collect();
    let v = value(&unbracketed)?;
    let key = v.to_lowercase();
    let placeholder = ["s.l.", "s.n.", "s.l", "s.n", "sine loco", "sine nomine", "б.м.", "б.и.", "б. м.", "б. и."]
        .contains(&key.as_str())
        || key.contains("not identified");
    (!placeholder).then_some(v)
}

/// `(raw $a, normalised)` of an 020 whose `$a` is a valid ISBN.
pub(super) fn isbn_of(field: &Field) -> Option<(String, String)> {
    let raw = field.subfield('a')?.split_whitespace().next()?.to_owned();
    let normalised = identifiers::normalize_isbn(&raw)?;
    Some((raw, normalised))
}

pub(super) fn issn_of(field: &Field) -> Option<(String, String)> {
    let raw = field.subfield('a')?.trim().to_owned();
    let normalised = identifiers::normalize_issn(&raw)?;
    Some((raw, normalised))
}

pub(super) fn is_subject_tag(tag: &str) -> bool {
    matches!(tag, "600" | "610" | "611" | "630" | "650" | "651" | "655")
}

/// "Heading -- subdivision -- ...": the heading from every subfield that is not a
/// subdivision (v, x, y, z), a relator or a control subfield, subdivisions in record order.
pub(super) fn subject_of(field: &Field) -> Option<String> {
    if !is_subject_tag(field.tag()) {
        return None;
    }
    let relator = if field.tag() == "611" { 'j' } else { 'e' };
    let mut heading = Vec::new();
    let mut segments = Vec::new();
    for s in field.subfields() {
        match s.code {
            'v' | 'x' | 'y' | 'z' => segments.extend(value(&s.value)),
            c if c == relator || !c.is_ascii_lowercase() => {}
            _ => heading.push(clean(&s.value).trim().to_owned()),
        }
    }
    if let Some(h) = value(&heading.join(" ")) {
        segments.insert(0, h);
    }
    (!segments.is_empty()).then(|| segments.join(" -- "))
}

pub(super) fn edition_of(field: &Field) -> Option<String> {
    value(unbracket(field.subfield('a')?))
}

/// A wholly bracketed statement was supplied by the cataloguer; the brackets say only that.
fn unbracket(text: &str) -> &str {
    let text = text.trim().trim_end_matches(['/', ':', ';', '=', ',']).trim_end();
    text.strip_prefix('[').and_then(|t| t.strip_suffix(']')).filter(|t| !t.contains(['[', ']'])).unwrap_or(text)
}

/// The series statement (490), else the series added entry (830, or the obsolete 440).
fn series_field(record: &Record) -> Option<&Field> {
    ["490", "830", "440"].into_iter().find_map(|tag| record.fields(tag).find(|f| f.subfield('a').is_some()))
}

pub(super) fn series_of(field: &Field) -> (Option<String>, Option<String>) {
    let volume = field.subfield('v').and_then(|v| value(v.trim_start_matches([';', ' '])));
    (field.subfield('a').and_then(value), volume)
}

pub(super) fn physical_of(field: &Field) -> Option<String> {
    join_subfields(field, &['a', 'b', 'c'])
}

/// Every `$a` of the fields with this tag, one per line.
fn joined_lines(record: &Record, tag: &str) -> Option<String> {
    let lines: Vec<String> = record
        .fields(tag)
        .flat_map(|f| f.subfields_with('a'))
        .map(|a| clean(a).trim().to_owned())
        .filter(|a| !a.is_empty())
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

pub(super) fn format_of(leader: &Leader) -> DocumentFormat {
    match (leader.type_of_record(), leader.bibliographic_level()) {
        ('a', 's' | 'b' | 'i') => DocumentFormat::Serial,
        ('a', _) => DocumentFormat::Book,
        ('t', _) => DocumentFormat::Manuscript,
        ('e' | 'f', _) => DocumentFormat::Map,
        ('c' | 'd', _) => DocumentFormat::Score,
        ('g' | 'i' | 'j' | 'k' | 'o' | 'r', _) => DocumentFormat::Audiovisual,
        ('m', _) => DocumentFormat::Electronic,
        _ => DocumentFormat::Other,
    }
}
