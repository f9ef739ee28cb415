//! Mapping between MARC 21 bibliographic records and [`Description`]s: what an import reads
//! from a partner's record, and the record an export hands back.
//!
//! Import strips the ISBD punctuation that cataloguers type between subfields (" /", " :",
//! a closing period), because a description holds values, not display strings. Export puts
//! it back, and when the document came from a MARC record it starts from that record and
//! rewrites only the groups of fields whose mapped values changed, so a round trip through
//! hamkor loses none of the fields it does not model (local 9XX, 035, 856, authority links).

use crate::marc::{Field, Leader, Record, Script, Subfield};

use super::{Contributor, ContributorRole, Description, DocumentFormat, ParallelTitle, YEAR_RANGE, identifiers};

/// The record's control number (001), trimmed; `None` when missing or blank.
pub fn control_number(record: &Record) -> Option<String> {
    record.control_number().map(str::trim).filter(|cn| !cn.is_empty()).map(str::to_owned)
}

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

/// The record to export: `stored` (the record the document was imported from) with the
/// fields whose values differ from `description` rewritten, or, without one, a new
/// minimal MARC 21 record.
pub fn marc_for_export(description: &Description, control_number: Option<&str>, stored: Option<&Record>) -> Record {
    // Compare normalised values: the caller's description may hold ISBN-10s or 639-1
    // codes that mean the same as what the stored record maps to.
    let wanted = description.clone().validate().unwrap_or_else(|_| description.clone());
    let control_number = control_number.map(str::trim).filter(|cn| !cn.is_empty());
    let Some(stored) = stored else {
        return Export::new(&new_record(&wanted, control_number), None).apply(&wanted);
    };
    let original = description_from_marc(stored).ok().and_then(|d| d.validate().ok());
    let same_number = control_number.is_none_or(|cn| stored.control_number().map(str::trim) == Some(cn));
    if original.as_ref() == Some(&wanted) && same_number {
        return stored.clone();
    }
    let mut export = Export::new(stored, original.as_ref());
    if let Some(cn) = control_number {
        export.set_control("001", cn.to_owned());
    }
    export.apply(&wanted)
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
fn parallel_titles_of(field: &Field) -> Vec<ParallelTitle> {
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

// ---------------------------------------------------------------------------------------
// Contributors
// ---------------------------------------------------------------------------------------

fn is_name_tag(tag: &str) -> bool {
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

fn contributor_of(record: &Record, field: &Field) -> Option<Contributor> {
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

/// The role from the relator terms ($e, or $j for meetings), else the relator codes ($4).
/// A relator that is present but not modelled makes the role Contributor: the person
/// did something, just not authorship.
fn role_of(field: &Field) -> Option<ContributorRole> {
    let term_code = if field.tag().ends_with("11") { 'j' } else { 'e' };
    let terms: Vec<&str> = field.subfields_with(term_code).collect();
    let codes: Vec<&str> = field.subfields_with('4').collect();
    terms
        .iter()
        .find_map(|t| role_from_term(t))
        .or_else(|| codes.iter().find_map(|c| role_from_code(c).or_else(|| role_from_term(c))))
        .or_else(|| (!terms.is_empty() || !codes.is_empty()).then_some(ContributorRole::Contributor))
}

fn role_from_code(code: &str) -> Option<ContributorRole> {
    // Relator codes also arrive as id.loc.gov URIs.
    let code = code.trim().rsplit('/').next().unwrap_or("").trim_end_matches('.').to_ascii_lowercase();
    Some(match code.as_str() {
        "aut" | "cre" => ContributorRole::Author,
        "edt" | "edc" | "red" => ContributorRole::Editor,
        "trl" => ContributorRole::Translator,
        "ill" => ContributorRole::Illustrator,
        "com" => ContributorRole::Compiler,
        "cmp" => ContributorRole::Composer,
        "pht" => ContributorRole::Photographer,
        "pbl" => ContributorRole::Publisher,
        "ctb" => ContributorRole::Contributor,
        _ => return None,
    })
}

/// Relator terms in English (RDA and AACR2 abbreviations), Russian, French, German and
/// Chinese, as partner catalogues write them.
fn role_from_term(term: &str) -> Option<ContributorRole> {
    use ContributorRole::*;
    let term = term.trim().trim_end_matches(['.', ',', ';', ':']).trim().to_lowercase();
    let exact = match term.as_str() {
        "aut" | "auteur" | "autor" | "автор" | "著" | "作者" | "原著" | "撰" => Some(Author),
        "ed" | "eds" | "ред" | "редактор" | "éd" | "dir" | "hrsg" | "herausgeber" | "編" | "编" | "主編" | "主编" => {
            Some(Editor)
        }
        "tr"
        | "trans"
        | "trad"
        | "traducteur"
        | "traductrice"
        | "пер"
        | "переводчик"
        | "übers"
        | "übersetzer"
        | "譯"
        | "译"
        | "翻譯"
        | "翻译" => Some(Translator),
        "ill"
        | "illus"
        | "ил"
        | "иллюстратор"
        | "худож"
        | "художник"
        | "illustrateur"
        | "illustratrice"
        | "繪"
        | "绘"
        | "插圖"
        | "插图" => Some(Illustrator),
        "comp" | "сост" | "составитель" | "compilateur" => Some(Compiler),
        "композитор" | "compositeur" | "komponist" => Some(Composer),
        "photog" | "фотограф" | "photographe" | "fotograf" => Some(Photographer),
        "publisher" | "издатель" | "éditeur" | "verlag" => Some(Publisher),
        "contributor" => Some(Contributor),
        _ => None,
    };
    exact.or_else(|| {
        // RDA terms, also as phrases ("joint author", "editor of compilation").
        [
            ("author", Author),
            ("editor", Editor),
            ("translator", Translator),
            ("illustrator", Illustrator),
            ("compiler", Compiler),
            ("composer", Composer),
            ("photographer", Photographer),
        ]
        .into_iter()
        .find(|(word, _)| term.contains(word))
        .map(|(_, role)| role)
    })
}

/// The RDA relator term written into `$e` on export.
fn role_term(role: ContributorRole) -> &'static str {
    match role {
        ContributorRole::Author => "author",
        ContributorRole::Editor => "editor",
        ContributorRole::Translator => "translator",
        ContributorRole::Illustrator => "illustrator",
        ContributorRole::Compiler => "compiler",
        ContributorRole::Composer => "composer",
        ContributorRole::Photographer => "photographer",
        ContributorRole::Publisher => "publisher",
        ContributorRole::Contributor => "contributor",
    }
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
fn year_in_text(text: &str) -> Option<i32> {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == 4)
        .and_then(|run| run.parse().ok())
        .filter(|y| *y > 0 && YEAR_RANGE.contains(y))
}

/// The publication statement: 264 with second indicator 1, else 260, else any 264.
fn imprint_field(record: &Record) -> Option<&Field> {
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
fn isbn_of(field: &Field) -> Option<(String, String)> {
    let raw = field.subfield('a')?.split_whitespace().next()?.to_owned();
    let normalised = identifiers::normalize_isbn(&raw)?;
    Some((raw, normalised))
}

fn issn_of(field: &Field) -> Option<(String, String)> {
    let raw = field.subfield('a')?.trim().to_owned();
    let normalised = identifiers::normalize_issn(&raw)?;
    Some((raw, normalised))
}

fn is_subject_tag(tag: &str) -> bool {
    matches!(tag, "600" | "610" | "611" | "630" | "650" | "651" | "655")
}

/// "Heading -- subdivision -- ...": the heading from every subfield that is not a
/// subdivision (v, x, y, z), a relator or a control subfield, subdivisions in record order.
fn subject_of(field: &Field) -> Option<String> {
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

fn edition_of(field: &Field) -> Option<String> {
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

fn series_of(field: &Field) -> (Option<String>, Option<String>) {
    let volume = field.subfield('v').and_then(|v| value(v.trim_start_matches([';', ' '])));
    (field.subfield('a').and_then(value), volume)
}

fn physical_of(field: &Field) -> Option<String> {
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

fn format_of(leader: &Leader) -> DocumentFormat {
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

/// Leader/06 and /07 for a format; each pair maps back to the same format.
fn leader_codes(format: DocumentFormat) -> (char, char) {
    match format {
        DocumentFormat::Book => ('a', 'm'),
        DocumentFormat::Serial => ('a', 's'),
        DocumentFormat::Manuscript => ('t', 'm'),
        DocumentFormat::Map => ('e', 'm'),
        DocumentFormat::Score => ('c', 'm'),
        // Projected medium: hamkor does not know whether it is a sound or video recording.
        DocumentFormat::Audiovisual => ('g', 'm'),
        DocumentFormat::Electronic => ('m', 'm'),
        DocumentFormat::Other => ('p', 'm'),
    }
}

// ---------------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------------

/// A record with nothing but the leader, 001 and an 008 for `description`; the groups of
/// [`Export::apply`] add the rest.
fn new_record(description: &Description, control_number: Option<&str>) -> Record {
    let (type_of_record, level) = leader_codes(description.format);
    // 'u': encoding level unknown; 'i': ISBD punctuation included.
    let leader = Leader::default_bibliographic().with(6, type_of_record).with(7, level).with(17, 'u').with(18, 'i');
    let mut record = Record::new(leader);
    if let Some(cn) = control_number {
        record.fields.push(Field::Control { tag: "001".to_owned(), value: cn.to_owned() });
    }
    record.fields.push(Field::Control { tag: "008".to_owned(), value: new_008() });
    record
}

/// 008 for books with "no attempt to code" where hamkor knows nothing; date entered
/// today, date and language filled in by the export groups.
fn new_008() -> String {
    let entered = chrono::Utc::now().format("%y%m%d").to_string();
    format!("{entered}nuuuu    xx |||||||||||||||||und d")
}

fn data_field(tag: &str, ind1: char, ind2: char, subfields: Vec<(char, String)>) -> Field {
    Field::Data {
        tag: tag.to_owned(),
        ind1,
        ind2,
        subfields: subfields.into_iter().map(|(code, value)| Subfield { code, value }).collect(),
    }
}

fn subfields_mut(field: &mut Field) -> Option<&mut Vec<Subfield>> {
    match field {
        Field::Data { subfields, .. } => Some(subfields),
        Field::Control { .. } => None,
    }
}

fn indicators(field: &Field) -> (char, char) {
    match field {
        Field::Data { ind1, ind2, .. } => (*ind1, *ind2),
        Field::Control { .. } => (' ', ' '),
    }
}

/// Adds ISBD punctuation to the subfields of a field hamkor wrote: the separator each
/// subfield takes before the next one, and the closing period where AACR2 puts one.
/// A period is added only where import would strip it again, so "etc" does not come
/// back as "etc.".
fn punctuate(tag: &str, subfields: &mut [Subfield]) {
    let content: Vec<usize> = (0..subfields.len()).filter(|&i| subfields[i].code.is_ascii_lowercase()).collect();
    for (n, &i) in content.iter().enumerate() {
        let code = subfields[i].code;
        let next = content.get(n + 1).map(|&j| subfields[j].code);
        let mark = match (tag, code, next) {
            ("245", _, Some('b')) => " :",
            ("245", _, Some('c')) => " /",
            ("260" | "264", 'a', Some('b')) => " :",
            ("260" | "264", 'a', Some('a')) | ("300", _, Some('c')) | ("490", _, Some('v')) => " ;",
            ("260" | "264", 'b', Some('c')) => ",",
            ("300", 'a', Some('b')) => " :",
            (t, _, Some('e')) if is_name_tag(t) => ",",
            ("245" | "250" | "260" | "264", _, None) => ".",
            (t, _, None) if is_name_tag(t) || is_subject_tag(t) => ".",
            _ => "",
        };
        let text = &mut subfields[i].value;
        let bare = mark.trim();
        if bare.is_empty() || text.trim_end().ends_with(bare) {
            continue;
        }
        if bare == "." {
            let closed = format!("{}.", text.trim_end());
            if trim_isbd(&closed) == trim_isbd(text) && !text.trim_end().ends_with(['?', '!', '-']) {
                *text = closed;
            }
        } else {
            text.push_str(mark);
        }
    }
}

/// One export in progress: the working copy of the fields and what was imported.
struct Export<'a> {
    stored: &'a Record,
    original: Option<&'a Description>,
    leader: Leader,
    fields: Vec<Field>,
}

/// Where a value of the description comes from in the record being rebuilt.
enum Slot<'f, 'w, T> {
    /// An existing field that maps to wanted values only: kept as it is.
    Kept(&'f Field),
    New(&'w T),
}

impl<'a> Export<'a> {
    fn new(stored: &'a Record, original: Option<&'a Description>) -> Self {
        Self { stored, original, leader: stored.leader.clone(), fields: stored.fields.clone() }
    }

    /// Whether the description's value differs from the imported one.
    fn changed<T: PartialEq + ?Sized>(&self, wanted: &Description, part: impl Fn(&Description) -> &T) -> bool {
        self.original.is_none_or(|o| part(o) != part(wanted))
    }

    fn punctuated(&self) -> bool {
        matches!(self.leader.as_str().as_bytes().get(18), Some(b'a' | b'i'))
    }

    fn apply(mut self, d: &Description) -> Record {
        if self.changed(d, |d| &d.format) && format_of(&self.leader) != d.format {
            let (type_of_record, level) = leader_codes(d.format);
            self.leader = self.leader.with(6, type_of_record).with(7, level);
        }
        if self.changed(d, |d| &d.title) || self.changed(d, |d| &d.subtitle) || self.changed(d, |d| &d.parallel_titles)
        {
            self.titles(d);
        }
        if self.changed(d, |d| &d.contributors) {
            self.contributors(&d.contributors);
        }
        if self.changed(d, |d| &d.languages) {
            self.languages(&d.languages);
        }
        if self.changed(d, |d| &d.place) || self.changed(d, |d| &d.publisher) || self.changed(d, |d| &d.year) {
            self.imprint(d);
        }
        if self.changed(d, |d| &d.edition) {
            let candidates = self.each("250", edition_of);
            self.rebuild(candidates, d.edition.as_slice(), |e| {
                vec![data_field("250", ' ', ' ', vec![('a', e.clone())])]
            });
        }
        if self.changed(d, |d| &d.series_title) || self.changed(d, |d| &d.series_volume) {
            let wanted: Vec<(Option<String>, Option<String>)> = match (&d.series_title, &d.series_volume) {
                (None, None) => vec![],
                (title, volume) => vec![(title.clone(), volume.clone())],
            };
            let stored = self.stored;
            let candidates: Vec<(&Field, Vec<_>)> = stored
                .fields
                .iter()
                .filter(|f| matches!(f.tag(), "490" | "830" | "440") && f.subfield('a').is_some())
                .map(|f| (f, vec![series_of(f)]))
                .collect();
            self.rebuild(candidates, &wanted, |(title, volume)| {
                let mut subs: Vec<(char, String)> = title.iter().map(|t| ('a', t.clone())).collect();
                subs.extend(volume.iter().map(|v| ('v', v.clone())));
                vec![data_field("490", '0', ' ', subs)]
            });
        }
        if self.changed(d, |d| &d.isbns) {
            let candidates = self.each("020", |f| isbn_of(f).map(|(_, n)| n));
            self.rebuild(candidates, &d.isbns, |isbn| vec![data_field("020", ' ', ' ', vec![('a', isbn.clone())])]);
        }
        if self.changed(d, |d| &d.issns) {
            let candidates = self.each("022", |f| issn_of(f).map(|(_, n)| n));
            self.rebuild(candidates, &d.issns, |issn| vec![data_field("022", ' ', ' ', vec![('a', issn.clone())])]);
        }
        if self.changed(d, |d| &d.subjects) {
            let stored = self.stored;
            let candidates: Vec<(&Field, Vec<String>)> =
                stored.fields.iter().filter_map(|f| subject_of(f).map(|s| (f, vec![s]))).collect();
            self.rebuild(candidates, &d.subjects, |subject| {
                let mut parts = subject.split(" -- ");
                let mut subs = vec![('a', parts.next().unwrap_or(subject).to_owned())];
                subs.extend(parts.map(|p| ('x', p.to_owned())));
                // Second indicator 4: source not specified.
                vec![data_field("650", ' ', '4', subs)]
            });
        }
        if self.changed(d, |d| &d.abstract_text) {
            self.lines("520", d.abstract_text.as_deref());
        }
        if self.changed(d, |d| &d.notes) {
            self.lines("500", d.notes.as_deref());
        }
        if self.changed(d, |d| &d.physical_description) {
            let candidates = self.each("300", physical_of);
            let wanted = d.physical_description.as_slice();
            self.rebuild(candidates, wanted, |p| vec![data_field("300", ' ', ' ', vec![('a', p.clone())])]);
        }
        let mut record = Record::new(self.leader);
        record.fields = self.fields;
        record
    }

    /// Every field with `tag` that maps to a value (import reads the first of them; a
    /// changed value replaces them all, since the others would come back on re-import).
    fn each<T>(&self, tag: &str, map: impl Fn(&Field) -> Option<T>) -> Vec<(&'a Field, Vec<T>)> {
        self.stored.fields(tag).filter_map(|f| map(f).map(|v| (f, vec![v]))).collect()
    }

    fn lines(&mut self, tag: &str, text: Option<&str>) {
        let wanted: Vec<String> =
            text.unwrap_or("").lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect();
        let candidates: Vec<(&Field, Vec<String>)> = self
            .stored
            .fields(tag)
            .map(|f| (f, f.subfields_with('a').map(|a| clean(a).trim().to_owned()).filter(|a| !a.is_empty()).collect()))
            .filter(|(_, values): &(&Field, Vec<String>)| !values.is_empty())
            .collect();
        self.rebuild(candidates, &wanted, |line| vec![data_field(tag, ' ', ' ', vec![('a', line.clone())])]);
    }

    /// Which existing fields can stay and which values need new fields, in the order of
    /// `wanted`. A field stays when every value it maps to is still wanted.
    fn plan<'w, T: PartialEq>(candidates: &[(&'a Field, Vec<T>)], wanted: &'w [T]) -> Vec<Slot<'a, 'w, T>> {
        let mut used = vec![false; candidates.len()];
        let mut covered: Vec<&T> = Vec::new();
        let mut slots = Vec::new();
        for item in wanted {
            for (i, (field, values)) in candidates.iter().enumerate() {
                if !used[i] && values.contains(item) && values.iter().all(|v| wanted.contains(v)) {
                    used[i] = true;
                    covered.extend(values.iter());
                    slots.push(Slot::Kept(field));
                }
            }
            if !covered.contains(&item) {
                covered.push(item);
                slots.push(Slot::New(item));
            }
        }
        slots
    }

    /// Replaces the `candidates` (and their 880s) by the fields for `wanted`: the kept
    /// ones, and `build` for the rest, at the place of the first candidate.
    fn rebuild<T: PartialEq>(
        &mut self,
        candidates: Vec<(&'a Field, Vec<T>)>,
        wanted: &[T],
        build: impl Fn(&T) -> Vec<Field>,
    ) {
        let slots = Self::plan(&candidates, wanted);
        let punctuated = self.punctuated();
        let mut fields = Vec::new();
        for slot in slots {
            match slot {
                Slot::Kept(f) => fields.push(f.clone()),
                Slot::New(item) => {
                    for mut f in build(item) {
                        if punctuated {
                            let tag = f.tag().to_owned();
                            if let Some(subs) = subfields_mut(&mut f) {
                                punctuate(&tag, subs);
                            }
                        }
                        fields.push(f);
                    }
                }
            }
        }
        let old: Vec<&Field> = candidates.iter().map(|(f, _)| *f).collect();
        self.replace(&old, fields, Vec::new());
    }

    /// Removes `old`, and the 880s of those whose `$6` link no field of `new` carries on;
    /// inserts `new` where the first of `old` with the same tag was (else in tag order),
    /// and `new_880` in tag order.
    fn replace(&mut self, old: &[&Field], new: Vec<Field>, new_880: Vec<Field>) {
        self.replace_with(old, new, new_880, true);
    }

    /// [`Export::replace`], leaving the 880s alone unless `drop_880s`.
    fn replace_with(&mut self, old: &[&Field], new: Vec<Field>, new_880: Vec<Field>, drop_880s: bool) {
        let mut remove: Vec<usize> = Vec::new();
        let take = |fields: &[Field], target: &Field, remove: &mut Vec<usize>| {
            // Equal fields are interchangeable; each removal takes a different one.
            if let Some(i) = (0..fields.len()).find(|i| !remove.contains(i) && fields[*i] == *target) {
                remove.push(i);
                return Some(i);
            }
            None
        };
        let first_tag = new.first().map(|f| f.tag().to_owned());
        let mut anchor = None;
        for field in old {
            let link = field.subfield('6');
            let linked_on = link.is_some() && new.iter().any(|f| f.subfield('6') == link);
            if drop_880s
                && !linked_on
                && let Some(alt) = self.stored.linked_880(field)
            {
                take(&self.fields, alt, &mut remove);
            }
            if let Some(i) = take(&self.fields, field, &mut remove)
                && anchor.is_none()
                && first_tag.as_deref() == Some(field.tag())
            {
                anchor = Some(i);
            }
        }
        let anchor = anchor.map(|a| a - remove.iter().filter(|&&i| i < a).count());
        remove.sort_unstable();
        for i in remove.into_iter().rev() {
            self.fields.remove(i);
        }
        let at = match (anchor, &first_tag) {
            (Some(a), _) => a,
            (None, Some(tag)) => self.sorted_position(tag),
            (None, None) => 0,
        };
        self.fields.splice(at..at, new);
        for field in new_880 {
            let at = self.sorted_position(field.tag());
            self.fields.insert(at, field);
        }
    }

    /// After the last field whose tag sorts at or before `tag`.
    fn sorted_position(&self, tag: &str) -> usize {
        self.fields.iter().rposition(|f| f.tag() <= tag).map_or(0, |i| i + 1)
    }

    fn set_control(&mut self, tag: &str, value: String) {
        match self.fields.iter_mut().find(|f| f.tag() == tag) {
            Some(field) => *field = Field::Control { tag: tag.to_owned(), value },
            None => {
                let at = self.sorted_position(tag);
                self.fields.insert(at, Field::Control { tag: tag.to_owned(), value });
            }
        }
    }

    /// Writes `text` at character `start` of the 008, creating or padding it as needed.
    fn set_008(&mut self, start: usize, text: &str) {
        let current = self.fields.iter().find(|f| f.tag() == "008").and_then(Field::value);
        let mut chars: Vec<char> = current.map_or_else(|| new_008().chars().collect(), |v| v.chars().collect());
        if chars.len() < start + text.chars().count() {
            chars.resize(40.max(start + text.chars().count()), ' ');
        }
        for (i, c) in text.chars().enumerate() {
            chars[start + i] = c;
        }
        self.set_control("008", chars.into_iter().collect());
    }

    /// The next free occurrence number for a `$6` link.
    fn next_occurrence(&self) -> usize {
        self.fields
            .iter()
            .filter_map(|f| f.linkage())
            .filter_map(|l| l.occurrence.parse::<usize>().ok())
            .max()
            .unwrap_or(0)
            + 1
    }

    /// An 880 for `text` in `script`, linked to `tag` (occurrence 0: not linked).
    fn field_880(
        tag: &str,
        occurrence: usize,
        script: Option<&str>,
        ind: (char, char),
        subs: Vec<(char, String)>,
    ) -> Field {
        let script = script.and_then(marc_script);
        let mut link = format!("{tag}-{occurrence:02}");
        if let Some((code, rtl)) = script {
            link.push('/');
            link.push_str(code);
            if rtl {
                link.push_str("/r");
            }
        }
        let mut all = vec![('6', link)];
        all.extend(subs);
        data_field("880", ind.0, ind.1, all)
    }

    /// The 245 (title, subtitle), its 880s and the 246 variant titles.
    fn titles(&mut self, d: &Description) {
        let stored = self.stored;
        let old_245 = stored.field("245");
        let punctuated = self.punctuated();

        // Parallel titles from 246s and the 880s of 245/246 that can stay as they are.
        let candidates: Vec<(&Field, Vec<ParallelTitle>)> = stored
            .fields
            .iter()
            .filter(|f| {
                f.tag() == "246" || (f.tag() == "880" && f.linkage().is_some_and(|l| l.tag == "245" || l.tag == "246"))
            })
            .map(|f| (f, parallel_titles_of(f)))
            .filter(|(_, t)| !t.is_empty())
            .collect();
        let slots = Self::plan(&candidates, &d.parallel_titles);
        let linked_880 = old_245.and_then(|f| stored.linked_880(f));
        let keeps_link = slots.iter().any(|s| matches!(s, Slot::Kept(f) if Some(*f) == linked_880));

        let mut title_245 = self.new_245(d, old_245, keeps_link);
        let mut regular = Vec::new();
        let mut alternates = Vec::new();
        let mut occurrence = self.next_occurrence();
        for slot in slots {
            match slot {
                Slot::Kept(f) if f.tag() == "880" => {}
                Slot::Kept(f) => regular.push(f.clone()),
                Slot::New(t) => {
                    let mut subs = vec![('a', t.title.clone())];
                    subs.extend(t.subtitle.iter().map(|s| ('b', s.clone())));
                    if t.script.is_some() {
                        // The first new alternate script title links to the 245.
                        let link_this = !keeps_link && !has_link(&title_245);
                        let n = if link_this { occurrence } else { 0 };
                        if link_this && let Some(subs) = subfields_mut(&mut title_245) {
                            subs.insert(0, Subfield { code: '6', value: format!("880-{occurrence:02}") });
                            occurrence += 1;
                        }
                        let (ind1, ind2) = indicators(&title_245);
                        let mut f = Self::field_880("245", n, t.script.as_deref(), (ind1, ind2), subs);
                        if punctuated && let Some(s) = subfields_mut(&mut f) {
                            punctuate("245", s);
                        }
                        alternates.push(f);
                    } else {
                        // 246 31: parallel title, displayed and indexed.
                        regular.push(data_field("246", '3', '1', subs));
                    }
                }
            }
        }
        // 880s of 245/246 that no longer map to wanted titles go; kept ones stay in place.
        let kept_880: Vec<Field> = candidates
            .iter()
            .map(|(f, _)| *f)
            .filter(|f| f.tag() == "880" && maps_only_to(f, &d.parallel_titles))
            .cloned()
            .collect();
        self.fields.retain(|f| {
            !(f.tag() == "880"
                && f.linkage().is_some_and(|l| l.tag == "245" || l.tag == "246")
                && !kept_880.contains(f))
        });
        let old_246: Vec<&Field> = candidates.iter().map(|(f, _)| *f).filter(|f| f.tag() == "246").collect();
        match old_245.and_then(|old| self.fields.iter().position(|f| f == old)) {
            Some(i) => self.fields[i] = title_245,
            None => {
                let at = self.sorted_position("245");
                self.fields.insert(at, title_245);
            }
        }
        // The 880s of titles were sorted out above, including those of 246s that go.
        self.replace_with(&old_246, regular, alternates, false);
        // An 880 whose 246 went is an 880 without a regular field: occurrence 00.
        let orphans: Vec<Field> = kept_880.into_iter().filter(|alt| !has_partner(&self.fields, alt)).collect();
        for orphan in orphans {
            if let Some(six) = self
                .fields
                .iter_mut()
                .find(|f| **f == orphan)
                .and_then(subfields_mut)
                .and_then(|s| s.iter_mut().find(|s| s.code == '6'))
                && let Some(rest) = six.value.get(6..)
            {
                six.value = format!("{}00{rest}", six.value.get(..4).unwrap_or("246-"));
            }
        }
    }

    /// The 245 for the description: title in `$a`, subtitle in `$b`, the statement of
    /// responsibility and other subfields of the old 245 kept.
    fn new_245(&self, d: &Description, old: Option<&Field>, keep_link: bool) -> Field {
        let main_entry = self.fields.iter().any(|f| matches!(f.tag(), "100" | "110" | "111" | "130"));
        let (ind1, ind2) = match old {
            Some(old) => {
                let (ind1, ind2) = indicators(old);
                // Nonfiling characters ("The " is 4) hold only while the title starts the same.
                let skip = ind2.to_digit(10).unwrap_or(0) as usize;
                let old_start: String = old.subfield('a').unwrap_or("").chars().take(skip).collect();
                let ind2 = if skip > 0 && d.title.starts_with(&old_start) { ind2 } else { '0' };
                (ind1, ind2)
            }
            None => (if main_entry { '1' } else { '0' }, nonfiling(&d.title, &d.languages)),
        };
        let old_subs: &[Subfield] = old.map_or(&[], Field::subfields);
        let mut subs = Vec::new();
        if keep_link {
            subs.extend(old_subs.iter().filter(|s| s.code == '6').cloned());
        }
        subs.push(Subfield { code: 'a', value: d.title.clone() });
        subs.extend(old_subs.iter().filter(|s| s.code == 'h').cloned().map(|mut s| {
            s.value = trim_isbd(&s.value);
            s
        }));
        subs.extend(d.subtitle.iter().map(|b| Subfield { code: 'b', value: b.clone() }));
        subs.extend(old_subs.iter().filter(|s| !matches!(s.code, '6' | 'a' | 'b' | 'h' | 'k' | 'n' | 'p')).cloned());
        if self.punctuated() {
            // The kept $c keeps its own punctuation; what precedes it is rewritten.
            punctuate("245", &mut subs);
        }
        Field::Data { tag: "245".to_owned(), ind1, ind2, subfields: subs }
    }

    /// Main (1XX) and added (7XX) entries with their alternate-script 880s.
    fn contributors(&mut self, wanted: &[Contributor]) {
        let stored = self.stored;
        let candidates: Vec<(&Field, Vec<Contributor>)> = stored
            .fields
            .iter()
            .filter(|f| is_name_tag(f.tag()))
            .filter_map(|f| contributor_of(stored, f).map(|c| (f, vec![c])))
            .collect();
        let slots = Self::plan(&candidates, wanted);
        let punctuated = self.punctuated();
        let mut occurrence = self.next_occurrence();
        let mut regular = Vec::new();
        let mut alternates = Vec::new();
        let mut relinked: Vec<(&Field, String)> = Vec::new();
        for (i, slot) in slots.into_iter().enumerate() {
            match slot {
                Slot::Kept(f) => {
                    // Only the first contributor can be the main entry; an author moved to
                    // the front becomes it, a former main entry further down becomes a 7XX.
                    let main = i == 0
                        && (f.tag().starts_with('1')
                            || contributor_of(stored, f).is_some_and(|c| c.role == ContributorRole::Author));
                    let class = if main { '1' } else { '7' };
                    if f.tag().starts_with(class) {
                        regular.push(f.clone());
                        continue;
                    }
                    let tag = format!("{class}{}", &f.tag()[1..]);
                    let mut moved = f.clone();
                    if let Field::Data { tag: t, subfields, .. } = &mut moved {
                        t.clone_from(&tag);
                        // The default role differs between 1XX and 7XX: make it explicit.
                        if role_of(f).is_none() {
                            let role =
                                if class == '1' { ContributorRole::Contributor } else { ContributorRole::Author };
                            let code = if tag.ends_with("11") { 'j' } else { 'e' };
                            subfields.push(Subfield { code, value: role_term(role).to_owned() });
                        }
                    }
                    if let Some(alt) = stored.linked_880(f) {
                        relinked.push((alt, tag));
                    }
                    regular.push(moved);
                }
                Slot::New(c) => {
                    let main = i == 0 && c.role == ContributorRole::Author;
                    let tag = if main { "100" } else { "700" };
                    // A comma means an inverted personal name ("Chabon, Michael").
                    let ind1 = if c.name.contains(',') { '1' } else { '0' };
                    let mut subs = vec![('a', c.name.clone()), ('e', role_term(c.role).to_owned())];
                    if let Some(alt_name) = &c.parallel_name {
                        subs.insert(0, ('6', format!("880-{occurrence:02}")));
                        let script = detect_script(alt_name);
                        let alt_subs = vec![('a', alt_name.clone()), ('e', role_term(c.role).to_owned())];
                        let mut alt = Self::field_880(tag, occurrence, script, (ind1, ' '), alt_subs);
                        if punctuated && let Some(s) = subfields_mut(&mut alt) {
                            punctuate(tag, s);
                        }
                        alternates.push(alt);
                        occurrence += 1;
                    }
                    let mut f = data_field(tag, ind1, ' ', subs);
                    if punctuated && let Some(s) = subfields_mut(&mut f) {
                        punctuate(tag, s);
                    }
                    regular.push(f);
                }
            }
        }
        // An entry may move between 1XX and 7XX with its 880, so the 880s of the entries
        // that went are found over both before the two are replaced.
        let gone: Vec<&Field> = candidates
            .iter()
            .filter(|(f, _)| f.subfield('6').is_none_or(|link| !regular.iter().any(|r| r.subfield('6') == Some(link))))
            .filter_map(|(f, _)| stored.linked_880(f))
            .collect();
        for alt in gone {
            if let Some(i) = self.fields.iter().position(|f| f == alt) {
                self.fields.remove(i);
            }
        }
        // Main and added entries go each to their own place in tag order.
        let (old_main, old_added): (Vec<&Field>, Vec<&Field>) =
            candidates.iter().map(|(f, _)| *f).partition(|f| f.tag().starts_with('1'));
        let (main, added): (Vec<Field>, Vec<Field>) = regular.into_iter().partition(|f| f.tag().starts_with('1'));
        self.replace_with(&old_main, main, Vec::new(), false);
        self.replace_with(&old_added, added, alternates, false);
        // The 880 of a field that moved between 1XX and 7XX stays, linked to the new tag.
        for (alt, tag) in relinked {
            if let Some(six) = self
                .fields
                .iter_mut()
                .find(|f| *f == alt)
                .and_then(subfields_mut)
                .and_then(|s| s.iter_mut().find(|s| s.code == '6'))
            {
                six.value = format!("{tag}{}", six.value.get(3..).unwrap_or(""));
            }
        }
        let main_entry = self.fields.iter().any(|f| matches!(f.tag(), "100" | "110" | "111" | "130"));
        if let Some(Field::Data { ind1, .. }) = self.fields.iter_mut().find(|f| f.tag() == "245") {
            *ind1 = if main_entry { '1' } else { '0' };
        }
    }

    /// 008/35-37 holds the first language, 041 all of them when there are several (or
    /// when the record had a 041 already: its other subfields, such as $h, stay).
    fn languages(&mut self, languages: &[String]) {
        let marc: Vec<String> = languages
            .iter()
            .map(|l| {
                identifiers::normalize_language(l)
                    .map_or_else(|| l.clone(), |n| identifiers::marc_language(&n).to_owned())
            })
            .collect();
        self.set_008(35, marc.first().map_or("und", String::as_str));
        let old = self.stored.field("041");
        let field = match old {
            Some(old) => {
                let (ind1, ind2) = indicators(old);
                let mut subs: Vec<Subfield> = marc.iter().map(|m| Subfield { code: 'a', value: m.clone() }).collect();
                subs.extend(old.subfields().iter().filter(|s| !matches!(s.code, 'a' | 'd')).cloned());
                let keep = subs.iter().any(|s| s.code.is_ascii_lowercase());
                keep.then_some(Field::Data { tag: "041".to_owned(), ind1, ind2, subfields: subs })
            }
            None if marc.len() > 1 => {
                Some(data_field("041", '0', ' ', marc.iter().map(|m| ('a', m.clone())).collect()))
            }
            None => None,
        };
        let old: Vec<&Field> = self.stored.fields("041").collect();
        self.replace(&old, field.into_iter().collect(), Vec::new());
    }

    /// Place, publisher and year: the parts that changed are rewritten in the imprint
    /// field import read, the others stay as catalogued; the year also goes into 008.
    fn imprint(&mut self, d: &Description) {
        let original = self.original;
        let changed = |part: fn(&Description) -> &Option<String>| original.is_none_or(|o| part(o) != part(d));
        let place_changed = changed(|d| &d.place);
        let publisher_changed = changed(|d| &d.publisher);
        let year_changed = original.is_none_or(|o| o.year != d.year);
        if year_changed {
            let date =
                d.year.filter(|y| (0..=9999).contains(y)).map_or_else(|| "uuuu".to_owned(), |y| format!("{y:04}"));
            self.set_008(7, &date);
            let date_type =
                self.fields.iter().find(|f| f.tag() == "008").and_then(Field::value).and_then(|v| v.chars().nth(6));
            if d.year.is_some() && matches!(date_type, Some('n' | 'b' | ' ' | '|')) {
                self.set_008(6, "s");
            }
        }
        let old = imprint_field(self.stored);
        let (tag, ind1, ind2, old_subs) = match old {
            Some(f) => (f.tag().to_owned(), indicators(f).0, indicators(f).1, f.subfields().to_vec()),
            None if d.place.is_none() && d.publisher.is_none() && d.year.is_none() => return,
            None => ("264".to_owned(), ' ', '1', Vec::new()),
        };
        let mut subs: Vec<Subfield> = old_subs.iter().filter(|s| s.code == '3').cloned().collect();
        // The 880 holds the place and publisher in another script: it goes when they change.
        let keep_link = !place_changed && !publisher_changed;
        if keep_link {
            subs.splice(0..0, old_subs.iter().filter(|s| s.code == '6').cloned());
        }
        let part = |code: char, changed: bool, new: Option<String>| -> Vec<Subfield> {
            if changed {
                new.map(|value| Subfield { code, value }).into_iter().collect()
            } else {
                old_subs.iter().filter(|s| s.code == code).cloned().collect()
            }
        };
        subs.extend(part('a', place_changed, d.place.clone()));
        subs.extend(part('b', publisher_changed, d.publisher.clone()));
        subs.extend(part('c', year_changed, d.year.map(|y| y.to_string())));
        subs.extend(old_subs.iter().filter(|s| !matches!(s.code, '3' | '6' | 'a' | 'b' | 'c')).cloned());
        if self.punctuated() {
            punctuate(&tag, &mut subs);
        }
        let new = (subs.iter().any(|s| s.code.is_ascii_lowercase())).then(|| Field::Data {
            tag: tag.clone(),
            ind1,
            ind2,
            subfields: subs,
        });
        let old: Vec<&Field> = match &new {
            Some(_) => old.into_iter().collect(),
            // Nothing left to state: any other imprint field would be read in its place.
            None => self.stored.fields.iter().filter(|f| matches!(f.tag(), "260" | "264")).collect(),
        };
        self.replace(&old, new.into_iter().collect(), Vec::new());
    }
}

/// Whether a field in `fields` links to the 880 `alt` (by tag and occurrence).
fn has_partner(fields: &[Field], alt: &Field) -> bool {
    let Some(link) = alt.linkage() else {
        return false;
    };
    fields
        .iter()
        .any(|f| f.tag() == link.tag && f.linkage().is_some_and(|l| l.tag == "880" && l.occurrence == link.occurrence))
}

fn has_link(field: &Field) -> bool {
    field.subfields().iter().any(|s| s.code == '6')
}

/// Whether an 880 of a title maps only to wanted parallel titles.
fn maps_only_to(field: &Field, wanted: &[ParallelTitle]) -> bool {
    let titles = parallel_titles_of(field);
    !titles.is_empty() && titles.iter().all(|t| wanted.contains(t))
}

/// Nonfiling characters of an English title's initial article (245 second indicator).
fn nonfiling(title: &str, languages: &[String]) -> char {
    if languages.first().is_some_and(|l| l != "eng") {
        return '0';
    }
    ["The ", "An ", "A "].iter().find(|a| title.starts_with(**a)).map_or('0', |a| char::from(b'0' + a.len() as u8))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::marc::{Encoding, ReadOptions, read_records, to_iso2709, to_marcxml};

    macro_rules! data {
        ($file:literal) => {
            concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/marc/", $file)
        };
    }

    /// Every readable record of a file (the reader's errors are the reader's tests' business).
    fn records(path: &str, encoding: Option<Encoding>) -> Vec<Record> {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
        read_records(&bytes, ReadOptions { encoding }).into_iter().filter_map(Result::ok).collect()
    }

    fn by_number<'a>(records: &'a [Record], number: &str) -> &'a Record {
        records.iter().find(|r| r.control_number() == Some(number)).unwrap_or_else(|| panic!("no record {number}"))
    }

    fn valid(record: &Record) -> Description {
        let d = description_from_marc(record).unwrap_or_else(|e| panic!("{:?}: {e}", record.control_number()));
        d.validate().unwrap_or_else(|e| panic!("{:?}: {e}", record.control_number()))
    }

    fn person(name: &str, role: ContributorRole) -> Contributor {
        Contributor { name: name.to_owned(), role, parallel_name: None }
    }

    fn sub<'a>(record: &'a Record, tag: &str, code: char) -> Option<&'a str> {
        record.fields(tag).find_map(|f| f.subfield(code))
    }

    const ALL_FILES: &[(&str, Option<Encoding>)] = &[
        (data!("pride-and-prejudice-fixed.mrc"), None),
        (data!("chabon.mrc"), None),
        (data!("chabon.xml"), None),
        (data!("brkrtest.mrc"), None),
        (data!("chinese_mangled_multibyte.mrc"), None),
        (data!("bad_leaders_10_11.mrc"), None),
        (data!("bad-characters-in-various-fields.mrc"), None),
        (data!("nepali.marc"), None),
        (data!("hebrew.marc"), None),
        (data!("serials_marc21.xml"), None),
        (data!("lul_fre_500.mrc"), None),
        (data!("jazz_1k.mrc"), None),
        (data!("1251.dat"), Some(Encoding::Windows1251)),
        (data!("utf8_invalid.mrc"), None),
        (data!("bad_records.mrc"), None),
        (data!("batch.xml"), None),
        (data!("cp866_multirecord.marc"), Some(Encoding::Cp866)),
    ];

    #[test]
    fn isbd_punctuation_is_trimmed_but_abbreviations_keep_their_period() {
        assert_eq!(
            trim_isbd("The amazing adventures of Kavalier and Clay :"),
            "The amazing adventures of Kavalier and Clay"
        );
        assert_eq!(trim_isbd("Summerland /"), "Summerland");
        assert_eq!(trim_isbd("Chabon, Michael."), "Chabon, Michael");
        assert_eq!(trim_isbd("Austen, Jane, 1775-1817."), "Austen, Jane, 1775-1817");
        assert_eq!(trim_isbd("Lovano, Joe, 1952-"), "Lovano, Joe, 1952-");
        assert_eq!(trim_isbd("Fantasy."), "Fantasy");
        assert_eq!(trim_isbd("Comic books, strips, etc."), "Comic books, strips, etc.");
        assert_eq!(trim_isbd("1st ed."), "1st ed.");
        assert_eq!(trim_isbd("Smith, J."), "Smith, J.");
        assert_eq!(trim_isbd("М."), "М.");
        assert_eq!(trim_isbd("that is, i.e."), "that is, i.e.");
        assert_eq!(trim_isbd("ספר דברי יעקב;"), "ספר דברי יעקב");
        assert_eq!(trim_isbd("Title. /"), "Title");
        assert_eq!(trim_isbd("  傲慢与偏见 = "), "傲慢与偏见");
        assert_eq!(trim_isbd("639 p. ; 25 cm."), "639 p. ; 25 cm");
    }

    #[test]
    fn years_relator_terms_and_scripts() {
        assert_eq!(year_in_text("c1998."), Some(1998));
        assert_eq!(year_in_text("[2003?]"), Some(2003));
        assert_eq!(year_in_text("1993 (2003 yin)"), Some(1993));
        assert_eq!(year_in_text("19--"), None);
        assert_eq!(role_from_term("ed."), Some(ContributorRole::Editor));
        assert_eq!(role_from_term("Translator."), Some(ContributorRole::Translator));
        assert_eq!(role_from_term("joint author"), Some(ContributorRole::Author));
        assert_eq!(role_from_term("comp."), Some(ContributorRole::Compiler));
        assert_eq!(role_from_term("пер."), Some(ContributorRole::Translator));
        assert_eq!(role_from_term("譯."), Some(ContributorRole::Translator));
        assert_eq!(role_from_code("http://id.loc.gov/vocabulary/relators/ill"), Some(ContributorRole::Illustrator));
        assert_eq!(role_from_code("cmp"), Some(ContributorRole::Composer));
        assert_eq!(detect_script("Война и мир"), Some("Cyrl"));
        assert_eq!(detect_script("한국의 책"), Some("Kore"));
        assert_eq!(detect_script("吾輩は猫である"), Some("Jpan"));
        assert_eq!(detect_script("123 -"), None);
        assert_eq!(new_008().chars().count(), 40);
    }

    #[test]
    fn chinese_record_gets_its_han_title_and_names() {
        let all = records(data!("pride-and-prejudice-fixed.mrc"), None);
        let d = valid(by_number(&all, "004054751"));
        assert_eq!(d.title, "Ao man yu pian jian");
        assert_eq!(
            d.parallel_titles,
            vec![ParallelTitle {
                title: "傲慢与偏见".to_owned(), subtitle: None, script: Some("Hani".to_owned())
            }]
        );
        assert_eq!(d.contributors[0], person("Austen, Jane, 1775-1817", ContributorRole::Author));
        assert_eq!(
            d.contributors[1],
            Contributor {
                name: "Zhang, Ling".to_owned(),
                role: ContributorRole::Contributor,
                parallel_name: Some("张玲".to_owned())
            }
        );
        assert_eq!(d.languages, ["zho"], "008 and 041 $a say chi; 041 $h eng is the language of the original");
        assert_eq!(
            (d.place.as_deref(), d.publisher.as_deref()),
            (Some("Beijing Shi"), Some("Ren min wen xue chu ban she"))
        );
        assert_eq!(d.year, Some(1993));
        assert_eq!(d.edition.as_deref(), Some("Beijing di 1 ban"));
        assert_eq!(d.series_title.as_deref(), Some("Ming zhu ming yi cha tu ben"));
        assert_eq!(d.isbns, ["9787020040179"]);

        // "傲慢与偏见 =$bPride & prejudice": after " =" comes a parallel title, not a subtitle.
        let with_equals = all
            .iter()
            .find(|r| r.fields("880").any(|f| f.subfield('b') == Some("Pride & prejudice /")))
            .expect("the record with a parallel English title");
        let d = valid(with_equals);
        assert!(d.parallel_titles.contains(&ParallelTitle {
            title: "傲慢与偏见".to_owned(),
            subtitle: None,
            script: Some("Hani".to_owned())
        }));
        assert!(d.parallel_titles.iter().any(|t| t.title == "Pride & prejudice" && t.script.is_none()));
        let han = all
            .iter()
            .filter_map(|r| description_from_marc(r).ok())
            .filter(|d| d.parallel_titles.iter().any(|t| t.script.as_deref() == Some("Hani")));
        assert!(han.count() >= 10, "every record with an 880 for its 245 in $1 script");
    }

    #[test]
    fn russian_records_in_windows_1251() {
        let all = records(data!("1251.dat"), Some(Encoding::Windows1251));
        assert_eq!(all.len(), 6);
        let d = valid(&all[0]);
        assert_eq!(d.title, "Основы гидравлического расчета инженерных сетей");
        assert!(d.subtitle.as_deref().is_some_and(|s| s.starts_with("учеб. пособие для вузов")), "{:?}", d.subtitle);
        assert_eq!(d.contributors, vec![person("Ильина, Татьяна Николаевна", ContributorRole::Author)]);
        assert_eq!(d.languages, ["rus"]);
        assert_eq!(
            (d.place.as_deref(), d.publisher.as_deref(), d.year),
            (Some("М."), Some("Изд-во Ассоц. строит. вузов"), Some(2005))
        );
        assert_eq!(d.isbns, ["9785930933420"]);
        assert_eq!(d.physical_description.as_deref(), Some("186 с. ил. 21 см"));
        assert_eq!(d.subjects, ["Трубопроводы -- Гидравлический расчет"]);
        assert_eq!(valid(&all[1]).series_title.as_deref(), Some("Серия <Эффективный тренинг>"));
        assert_eq!(valid(&all[2]).edition.as_deref(), Some("Перераб. и доп. изд."));
        // Relator codes: $4ill, $4aut.
        assert_eq!(valid(&all[4]).contributors[1], person("Еклерис, Виталий", ContributorRole::Illustrator));
        assert_eq!(valid(&all[5]).contributors[1], person("Крищенко, Александр Петрович", ContributorRole::Author));
    }

    #[test]
    fn cp866_records_are_not_marc_21_bibliographic() {
        // The CP866 file decodes to Russian text, but in a pre-MARC 21 layout: the title is
        // in 021 and the abstract in 100; with no 245 there is no title to map.
        let all = records(data!("cp866_multirecord.marc"), Some(Encoding::Cp866));
        assert_eq!(all.len(), 2);
        for record in &all {
            assert!(sub(record, "021", 'a').is_some_and(|t| t.starts_with("Автоматизация проектирования")));
            let error = description_from_marc(record).expect_err("no 245");
            assert!(error.contains("245"), "{error}");
        }
    }

    #[test]
    fn chabon_maps_completely() {
        let all = records(data!("chabon.mrc"), None);
        let d = valid(&all[0]);
        assert_eq!(d.title, "The amazing adventures of Kavalier and Clay");
        assert_eq!(d.subtitle.as_deref(), Some("a novel"));
        assert_eq!(d.contributors, vec![person("Chabon, Michael", ContributorRole::Author)]);
        assert_eq!(d.year, Some(2000));
        assert_eq!(d.isbns, ["9780679450047"]);
        assert_eq!((d.place.as_deref(), d.publisher.as_deref()), (Some("New York"), Some("Random House")));
        assert_eq!(d.languages, ["eng"]);
        assert_eq!(d.physical_description.as_deref(), Some("639 p. ; 25 cm"));
        assert_eq!(d.format, DocumentFormat::Book);
        assert_eq!(d.subjects[0], "Comic books, strips, etc. -- Authorship -- Fiction");
        assert_eq!(d.subjects.len(), 8);
        assert!(d.subjects.contains(&"New York (N.Y.) -- Fiction".to_owned()));
        assert!(d.subjects.contains(&"Bildungsromane".to_owned()));
        let d = valid(&all[1]);
        assert_eq!(d.title, "Summerland");
        assert_eq!(d.edition.as_deref(), Some("1st ed."));
        assert_eq!(d.isbns, ["9780786808779", "9780786816156"]);
        assert!(d.abstract_text.as_deref().is_some_and(|a| a.starts_with("Ethan Feld") && a.ends_with("enemy.")));
        // The MARCXML copy maps to the same descriptions.
        let xml = records(data!("chabon.xml"), None);
        assert_eq!(xml.iter().map(valid).collect::<Vec<_>>(), all.iter().map(valid).collect::<Vec<_>>());
    }

    #[test]
    fn jazz_records_map_by_leader_to_score_or_audiovisual() {
        let all = records(data!("jazz_1k.mrc"), None);
        let recording = by_number(&all, "03-0018137");
        assert_eq!(recording.leader.type_of_record(), 'j', "musical sound recording");
        let d = valid(recording);
        assert_eq!(d.format, DocumentFormat::Audiovisual);
        assert_eq!(d.contributors[0], person("Lovano, Joe, 1952-", ContributorRole::Author));
        assert_eq!(d.physical_description.as_deref(), Some("1 sound disc : digital, stereo"));
        let score = by_number(&all, "03-0017930");
        assert_eq!(score.leader.type_of_record(), 'c', "notated music");
        let d = valid(score);
        assert_eq!(d.format, DocumentFormat::Score);
        assert_eq!(d.series_title.as_deref(), Some("Les Hooper jazz combos"));
        let formats: Vec<DocumentFormat> = all.iter().map(|r| valid(r).format).collect();
        assert_eq!(formats.iter().filter(|f| **f == DocumentFormat::Score).count(), 230);
        assert_eq!(formats.iter().filter(|f| **f == DocumentFormat::Audiovisual).count(), 597);
    }

    #[test]
    fn serial_record_gets_its_issns() {
        let all = records(data!("serials_marc21.xml"), None);
        let d = valid(by_number(&all, "21061"));
        assert_eq!(d.format, DocumentFormat::Serial);
        assert_eq!(d.title, "Circulation research");
        assert_eq!(d.issns, ["0009-7330", "1524-4571"]);
        assert_eq!(d.contributors, vec![person("American Heart Association", ContributorRole::Contributor)]);
    }

    /// Every record of every file maps to a description that validates, except those
    /// that are not MARC 21 bibliographic records at all.
    #[test]
    fn every_readable_record_maps_to_a_valid_description() {
        let mut read = 0;
        let mut failures = Vec::new();
        for (path, encoding) in ALL_FILES {
            for record in records(path, *encoding) {
                read += 1;
                let result = description_from_marc(&record).and_then(|d| d.validate().map_err(|e| e.to_string()));
                if let Err(e) = result {
                    failures.push(format!("{path} {:?}: {e}", record.control_number()));
                }
            }
        }
        println!("{read} records, {} failed:\n{}", failures.len(), failures.join("\n"));
        assert!(read > 2000);
        // 17 UNIMARC records among the Chinese ones (title in 200), and the two CP866
        // records in a pre-MARC 21 layout: none has a 245.
        let unimarc = failures.iter().filter(|f| f.contains("pride-and-prejudice") && f.contains("UNIMARC")).count();
        let cp866 = failures.iter().filter(|f| f.contains("cp866_multirecord.marc") && f.contains("245")).count();
        assert_eq!((unimarc, cp866, failures.len()), (17, 2, 19), "{failures:#?}");
    }

    /// Exporting a description without a stored record and importing the result gives
    /// the same description back, for every record of every file.
    #[test]
    fn new_records_round_trip() {
        let mut compared = 0;
        for (path, encoding) in ALL_FILES {
            for record in records(path, *encoding) {
                let Some(d) = description_from_marc(&record).ok().and_then(|d| d.validate().ok()) else {
                    continue;
                };
                let cn = control_number(&record);
                let exported = marc_for_export(&d, cn.as_deref(), None);
                assert_eq!(control_number(&exported), cn);
                let back = valid(&exported);
                assert_eq!(back, d, "{path} {cn:?}\n{exported:#?}");
                // What hamkor writes, MARCXML reads back unchanged.
                let xml = to_marcxml(std::slice::from_ref(&exported));
                let reread = read_records(xml.as_bytes(), ReadOptions::default());
                assert!(matches!(reread.as_slice(), [Ok(r)] if *r == exported), "{path} {cn:?}");
                assert!(to_iso2709(&exported).is_ok(), "{path} {cn:?}");
                compared += 1;
            }
        }
        assert!(compared > 2000);
    }

    #[test]
    fn new_record_has_the_marc_21_basics() {
        let d = Description {
            title: "The tale of Kieu".to_owned(),
            subtitle: Some("a bilingual edition".to_owned()),
            parallel_titles: vec![ParallelTitle {
                title: "Truyện Kiều".to_owned(),
                subtitle: None,
                script: Some("Latn".to_owned()),
            }],
            contributors: vec![
                person("Nguyễn, Du, 1765-1820", ContributorRole::Author),
                Contributor {
                    parallel_name: Some("Хуйнь Шань Тхонг".to_owned()),
                    ..person("Huỳnh, Sanh Thông", ContributorRole::Translator)
                },
            ],
            languages: vec!["eng".to_owned(), "vie".to_owned()],
            publisher: Some("Yale University Press".to_owned()),
            place: Some("New Haven".to_owned()),
            year: Some(1983),
            isbns: vec!["9780300028737".to_owned()],
            subjects: vec!["Vietnamese poetry -- Translations into English".to_owned()],
            format: DocumentFormat::Book,
            ..Description::default()
        };
        let r = marc_for_export(&d, Some("kieu-1"), None);
        assert_eq!(r.leader.as_str(), "00000nam a2200000ui 4500");
        assert_eq!(r.control_number(), Some("kieu-1"));
        let f008 = r.field("008").and_then(Field::value).expect("008");
        assert_eq!((&f008[6..11], &f008[35..38]), ("s1983", "eng"));
        assert_eq!(sub(&r, "100", 'a'), Some("Nguyễn, Du, 1765-1820,"));
        assert_eq!(sub(&r, "700", 'e'), Some("translator."));
        let f245 = r.field("245").expect("245");
        assert_eq!(indicators(f245), ('1', '4'));
        assert_eq!(f245.subfield('a'), Some("The tale of Kieu :"));
        assert_eq!(r.fields("041").flat_map(|f| f.subfields_with('a')).collect::<Vec<_>>(), ["eng", "vie"]);
        assert_eq!(sub(&r, "264", 'c'), Some("1983."));
        let alt: Vec<&str> = r.fields("880").filter_map(|f| f.subfield('6')).collect();
        assert_eq!(alt, ["245-01/(B", "700-02/(N"]);
        let tags: Vec<&str> = r.fields.iter().map(Field::tag).collect();
        assert_eq!(tags, ["001", "008", "020", "041", "100", "245", "264", "650", "700", "880", "880"]);
        assert_eq!(valid(&r), d.clone().validate().expect("valid"));
    }

    #[test]
    fn unchanged_chabon_exports_the_stored_record() {
        for record in records(data!("chabon.mrc"), None) {
            let d = valid(&record);
            let cn = control_number(&record);
            assert_eq!(marc_for_export(&d, cn.as_deref(), Some(&record)), record);
            // An ISBN-10 in the description is the same identifier as the stored ISBN-13.
            let raw = description_from_marc(&record).expect("maps");
            assert_eq!(marc_for_export(&raw, cn.as_deref(), Some(&record)), record);
        }
    }

    #[test]
    fn changed_title_rewrites_only_the_245() {
        let all = records(data!("chabon.mrc"), None);
        let record = &all[0];
        let mut d = valid(record);
        d.title = "Kavalier and Clay".to_owned();
        let exported = marc_for_export(&d, control_number(record).as_deref(), Some(record));
        let f245 = exported.field("245").expect("245");
        assert_eq!(f245.subfield('a'), Some("Kavalier and Clay :"));
        assert_eq!(f245.subfield('b'), Some("a novel /"));
        assert_eq!(f245.subfield('c'), Some("Michael Chabon."));
        assert_eq!(indicators(f245), ('1', '0'), "\"The \" is gone, so no nonfiling characters");
        // chabon.mrc has no 035; every field but the 245 is the stored one, in place.
        assert_eq!(exported.fields.len(), record.fields.len());
        for (new, old) in exported.fields.iter().zip(&record.fields) {
            if old.tag() != "245" {
                assert_eq!(new, old);
            }
        }
        assert_eq!(exported.field("008"), record.field("008"));
        assert_eq!(exported.fields("650").count(), 5);
        assert_eq!(exported.fields("655").count(), 2);
        assert_eq!(valid(&exported), d);
    }

    #[test]
    fn changed_groups_keep_what_did_not_change() {
        let all = records(data!("pride-and-prejudice-fixed.mrc"), None);
        let record = by_number(&all, "004054751");
        let mut d = valid(record);
        // Drop the first added entry, add a translator, a subject and change the year.
        d.contributors.remove(1);
        d.contributors.push(person("Li, Na", ContributorRole::Translator));
        d.subjects.push("England -- Fiction".to_owned());
        d.year = Some(2003);
        let exported = marc_for_export(&d, control_number(record).as_deref(), Some(record));
        assert_eq!(valid(&exported), d);
        // The remaining added entry keeps its 880 (张扬), the dropped one loses it (张玲).
        let alt_names: Vec<&str> = exported.fields("880").filter_map(|f| f.subfield('a')).collect();
        assert!(alt_names.contains(&"张扬."), "{alt_names:?}");
        assert!(!alt_names.contains(&"张玲."), "{alt_names:?}");
        assert_eq!(sub(&exported, "700", 'e'), Some("translator."));
        assert!(exported.fields.iter().any(|f| f.tag() == "880" && f.subfield('a') == Some("傲慢与偏见 /")));
        let f008 = exported.field("008").and_then(Field::value).expect("008");
        assert_eq!(&f008[7..11], "2003");
        // The imprint keeps place and publisher as catalogued, with their 880.
        assert_eq!(sub(&exported, "260", 'a'), Some("Beijing Shi :"));
        assert_eq!(sub(&exported, "260", 'c'), Some("2003"), "the $g that follows has the period");
        assert_eq!(sub(&exported, "260", '6'), Some("880-03"));
        for tag in ["001", "020", "040", "041", "066", "090", "240", "250", "300", "440", "500", "910", "950"] {
            assert_eq!(exported.fields(tag).collect::<Vec<_>>(), record.fields(tag).collect::<Vec<_>>(), "{tag}");
        }
    }

    #[test]
    fn a_main_entry_moved_down_keeps_its_alternate_script_name() {
        let all = records(data!("pride-and-prejudice-fixed.mrc"), None);
        let record = by_number(&all, "c03732958");
        let mut d = valid(record);
        let xiao = d.contributors[0].clone();
        assert_eq!(xiao.parallel_name.as_deref(), Some("蕭蔓"));
        d.contributors.insert(0, person("Austen, Jane, 1775-1817", ContributorRole::Author));
        let exported = marc_for_export(&d, control_number(record).as_deref(), Some(record));
        assert_eq!(sub(&exported, "100", 'a'), Some("Austen, Jane, 1775-1817,"));
        let moved = exported.fields("700").find(|f| f.subfield('6') == Some("880-01")).expect("Xiao as 700");
        assert_eq!(moved.subfield('e'), Some("author"), "no longer the main entry, still the author");
        let alt = exported.linked_880(moved).expect("its 880 follows it");
        assert_eq!(alt.subfield('6'), Some("700-01/$1"));
        assert_eq!(valid(&exported), d);
    }

    #[test]
    fn an_alternate_script_title_outlives_its_246() {
        let all = records(data!("hebrew.marc"), None);
        let record = by_number(&all, "13810341");
        let mut d = valid(record);
        // Keep the Hebrew titles, drop the romanised 246 variants.
        d.parallel_titles.retain(|t| t.script.is_some());
        assert_eq!(d.parallel_titles.len(), 3);
        let exported = marc_for_export(&d, control_number(record).as_deref(), Some(record));
        assert_eq!(exported.fields("246").count(), 0);
        let links: Vec<&str> = exported.fields("880").filter_map(|f| f.subfield('6')).collect();
        assert_eq!(links, ["245-01/(2/r", "246-00/(2/r", "246-00/(2/r"]);
        assert_eq!(valid(&exported), d);
    }

    /// Edits to every record of the bigger files export to records that map back to the
    /// edited description.
    #[test]
    fn edited_records_round_trip() {
        let mut compared = 0;
        for (path, encoding) in ALL_FILES {
            for record in records(path, *encoding) {
                let Some(mut d) = description_from_marc(&record).ok().and_then(|d| d.validate().ok()) else {
                    continue;
                };
                d.title = format!("{} (revised)", d.title);
                d.subtitle = None;
                // Alternate-script titles come first on import, whatever the order of edits.
                d.parallel_titles.retain(|t| t.script.is_some());
                d.parallel_titles.push(ParallelTitle { title: "Variant".to_owned(), subtitle: None, script: None });
                d.contributors.reverse();
                d.subjects.truncate(1);
                d.subjects.push("Exchange collections -- Uzbekistan".to_owned());
                d.languages.reverse();
                d.year = d.year.map(|y| y + 1);
                d.publisher = d.publisher.map(|p| format!("{p} & Co"));
                d.edition = None;
                d.series_volume = d.series_title.as_ref().map(|_| "12".to_owned());
                d.isbns.truncate(1);
                d.notes = Some("Received from a partner library".to_owned());
                d.format = DocumentFormat::Electronic;
                let cn = control_number(&record);
                let exported = marc_for_export(&d, cn.as_deref(), Some(&record));
                let back = valid(&exported);
                assert_eq!(back, d, "{path} {cn:?}\n{exported:#?}");
                compared += 1;
            }
        }
        assert!(compared > 2000);
    }
}
