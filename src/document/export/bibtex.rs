//! BibTeX (with biblatex's extra fields).

use std::fmt::Write as _;

use super::{ExportContext, has_isbn, is_primary, join_title, languages, one_line, publishers};
use crate::document::{ContributorRole, Description, Document, DocumentFormat};

/// The document as one BibTeX entry, UTF-8 (biber, Zotero, JabRef read it as is).
///
/// Entry types: `@book` for books and for electronic resources with an ISBN (e-books),
/// `@unpublished` for manuscripts (Zotero imports it as a manuscript), `@misc` for the rest:
/// `@periodical` is unknown to classic styles and Zotero drops entries of a type it does
/// not know. The key is the first author's (or composer's) family name folded to ASCII
/// letters (`hamkor` when nothing is left), the year, and the document's number in base 36
/// so that no two documents share a key.
///
/// Fields beyond classic BibTeX are biblatex's (`translator`, `illustrator`, `language`,
/// `abstract`, `keywords`, `isbn`, `issn`, `url`); classic styles ignore them.
pub fn bibtex(doc: &Document, ctx: &ExportContext) -> String {
    let d = &doc.description;
    let entry_type = match d.format {
        DocumentFormat::Book => "book",
        DocumentFormat::Electronic if has_isbn(d) => "book",
        DocumentFormat::Manuscript => "unpublished",
        _ => "misc",
    };
    let mut fields: Vec<(&str, String)> = Vec::new();

    let title = join_title(&d.title, d.subtitle.as_deref(), ": ");
    if !one_line(&title).is_empty() {
        // The inner braces keep styles from lower-casing the title (and proper names in it).
        fields.push(("title", format!("{{{}}}", bib_escape(&title))));
    }
    let names = |roles: &[ContributorRole]| {
        let names: Vec<String> = d
            .contributors
            .iter()
            .filter(|c| roles.contains(&c.role) && !one_line(&c.name).is_empty())
            .map(|c| bib_name(&c.name))
            .collect();
        (!names.is_empty()).then(|| names.join(" and "))
    };
    let name_fields = [
        ("author", &[ContributorRole::Author, ContributorRole::Composer][..]),
        ("editor", &[ContributorRole::Editor, ContributorRole::Compiler][..]),
        ("translator", &[ContributorRole::Translator][..]),
        ("illustrator", &[ContributorRole::Illustrator][..]),
    ];
    for (field, roles) in name_fields {
        if let Some(value) = names(roles) {
            fields.push((field, value));
        }
    }
    let mut text = |field: &'static str, value: Option<&str>| {
        if let Some(value) = value.map(bib_escape).filter(|v| !v.is_empty()) {
            fields.push((field, value));
        }
    };
    text("publisher", publishers(d).first().copied());
    text("address", d.place.as_deref());
    text("year", d.year.map(|y| y.to_string()).as_deref());
    text("edition", d.edition.as_deref());
    text("series", d.series_title.as_deref());
    text("volume", d.series_volume.as_deref());
    // Zotero keeps several ISBNs (or ISSNs) in one field, separated by spaces.
    text("isbn", Some(d.isbns.join(" ").as_str()));
    text("issn", Some(d.issns.join(" ").as_str()));
    // biblatex's language is a name list.
    text("language", Some(languages(d).join(" and ").as_str()));
    text("abstract", d.abstract_text.as_deref());
    text("note", d.notes.as_deref());
    let subjects: Vec<String> = d.subjects.iter().map(|s| one_line(s)).filter(|s| !s.is_empty()).collect();
    text("keywords", Some(subjects.join(", ").as_str()));
    let links = super::links(doc);
    if let Some(doi) = links.dois.first() {
        fields.push(("doi", bib_url(doi)));
    }
    if let Some(url) = ctx.url.or(links.urls.first().map(String::as_str)).map(bib_url).filter(|u| !u.is_empty()) {
        fields.push(("url", url));
    }

    let mut out = format!("@{entry_type}{{{},\n", bib_key(d, ctx.id));
    let last = fields.len().saturating_sub(1);
    for (i, (field, value)) in fields.iter().enumerate() {
        let _ = writeln!(out, "  {field} = {{{value}}}{}", if i == last { "" } else { "," });
    }
    out.push_str("}\n");
    out
}

/// Escapes BibTeX and LaTeX specials. Braces become `{\textbraceleft}`/`{\textbraceright}`
/// rather than `\{`/`\}`: BibTeX counts escaped braces too, so a lone `\{` would unbalance
/// the entry; the wrapped macros keep every brace paired for BibTeX, biber and Zotero alike.
fn bib_escape(text: &str) -> String {
    let text = one_line(text);
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("{\\textbackslash}"),
            '{' => out.push_str("{\\textbraceleft}"),
            '}' => out.push_str("{\\textbraceright}"),
            '~' => out.push_str("{\\textasciitilde}"),
            '^' => out.push_str("{\\textasciicircum}"),
            '#' | '$' | '%' | '&' | '_' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// A name as BibTeX parses name lists: a personal heading as `Family, Given` (or
/// `Family, Suffix, Given`: BibTeX's three-part form), its dates and titles left out; a name
/// without a comma (a corporate body, a single name) is braced so that BibTeX takes it
/// whole instead of splitting off its last word as the family name. A standalone word "and"
/// inside a name is braced so that it does not split the list.
fn bib_name(name: &str) -> String {
    let name = one_line(name);
    let Some(person) = super::names::person_name(&name) else {
        return format!("{{{}}}", bib_escape(&name));
    };
    let words = |text: &str| {
        text.split(' ')
            .map(|word| if word.eq_ignore_ascii_case("and") { format!("{{{word}}}") } else { bib_escape(word) })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut out = words(&person.family);
    if let Some(suffix) = &person.suffix {
        out.push_str(", ");
        out.push_str(&words(suffix));
    }
    if let Some(given) = person.given_with_particle() {
        out.push_str(", ");
        out.push_str(&words(&given));
    }
    out
}

/// URLs stay unescaped (biblatex reads `url` verbatim, `\url` typesets `%` and `#`), except
/// for what would break the entry or the URL: braces, backslashes and spaces are
/// percent-encoded.
fn bib_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.trim().chars() {
        match c {
            '{' => out.push_str("%7B"),
            '}' => out.push_str("%7D"),
            '\\' => out.push_str("%5C"),
            c if c.is_whitespace() || c.is_control() => out.push_str("%20"),
            c => out.push(c),
        }
    }
    out
}

fn bib_key(d: &Description, id: &str) -> String {
    let stem = d
        .contributors
        .iter()
        .find(|c| is_primary(c.role))
        .map(|c| family_stem(&c.name))
        .filter(|stem| !stem.is_empty())
        .unwrap_or_else(|| "hamkor".to_owned());
    let year = d.year.map(|y| y.unsigned_abs().to_string()).unwrap_or_default();
    format!("{stem}{year}{}", key_suffix(id))
}

/// What makes the key unique: the document's number in base 36, so that no two entries of
/// an export of many share a key (a parser refuses the file then); a hash of the id when it
/// is not a document's.
fn key_suffix(id: &str) -> String {
    let Ok((_, mut number)) = crate::global_id::decode("id", id) else { return short_hash(id) };
    let mut digits = Vec::new();
    while number > 0 {
        digits.push(char::from_digit((number % 36) as u32, 36).unwrap_or('0'));
        number /= 36;
    }
    let base36: String = digits.iter().rev().collect();
    format!("-{base36}")
}

/// The family name (before the comma; the first word of a name without one) in lower-case
/// ASCII letters, at most 24 of them.
fn family_stem(name: &str) -> String {
    let family = match name.split_once(',') {
        Some((family, _)) => family,
        None => name.split_whitespace().next().unwrap_or(""),
    };
    let mut stem = String::new();
    for c in family.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() {
            stem.push(c);
        } else if let Some(ascii) = fold_to_ascii(c) {
            stem.push_str(ascii);
        }
        if stem.len() >= 24 {
            break;
        }
    }
    stem.truncate(24);
    stem
}

/// Lower-case Latin letters with diacritics (including pinyin tone marks) and Cyrillic
/// letters (Russian, Uzbek, Ukrainian, Kazakh) as ASCII, so that a key stays typeable.
fn fold_to_ascii(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' | 'ǎ' | 'а' | 'ә' => "a",
        'æ' => "ae",
        'б' => "b",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' | 'д' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' | 'ə' | 'е' | 'ё' | 'э' => "e",
        'ф' => "f",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' | 'г' | 'ғ' | 'ґ' => "g",
        'ĥ' | 'ħ' | 'ҳ' | 'һ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' | 'ǐ' | 'и' | 'й' | 'і' | 'ї' => "i",
        'ĵ' => "j",
        'ķ' | 'к' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' | 'л' => "l",
        'м' => "m",
        'ñ' | 'ń' | 'ņ' | 'ň' | 'н' | 'ң' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' | 'ǒ' | 'о' | 'ў' | 'ө' => "o",
        'œ' => "oe",
        'п' => "p",
        'қ' => "q",
        'ŕ' | 'ŗ' | 'ř' | 'р' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' | 'с' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'ț' | 'т' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' | 'ǔ' | 'ǖ' | 'ǘ' | 'ǚ' | 'ǜ' | 'у' | 'ү' | 'ұ' => {
            "u"
        }
        'в' => "v",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' | 'ы' => "y",
        'ź' | 'ż' | 'ž' | 'з' => "z",
        'ж' => "zh",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ю' => "iu",
        'я' => "ia",
        'є' => "ie",
        _ => return None,
    })
}

/// Four hex digits of FNV-1a: stable across runs and Rust versions, unlike `DefaultHasher`.
fn short_hash(text: &str) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in text.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    format!("{:04x}", (hash ^ (hash >> 16)) & 0xffff)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::export::tests::{
        CTX, assert_balanced_braces, chinese_book, person, russian_book, special_characters, title_only,
    };

    #[test]
    fn bibtex_entry_of_a_russian_book() {
        let entry = bibtex(&russian_book(), &CTX);
        assert_balanced_braces(&entry);
        let key = format!("tolstoi1983{}", key_suffix(CTX.id));
        assert!(entry.starts_with(&format!("@book{{{key},\n")), "{entry}");
        assert!(entry.ends_with("\n}\n"));
        for field in [
            "  title = {{Война и мир}},",
            "  author = {Толстой, Лев Николаевич},",
            "  editor = {Бочаров, С. Г.},",
            "  translator = {Maude, Louise},",
            "  publisher = {Художественная литература},",
            "  address = {Москва},",
            "  year = {1983},",
            "  edition = {2-е изд.},",
            "  series = {Собрание сочинений},",
            "  volume = {т. 4},",
            "  isbn = {9780306406157},",
            "  issn = {0378-5955},",
            "  language = {ru and en},",
            "  abstract = {Роман-эпопея. Четыре тома.},",
            "  url = {https://hamkor.example/d/7}",
        ] {
            assert!(entry.lines().any(|line| line == field), "missing {field:?} in\n{entry}");
        }
    }

    #[test]
    fn bibtex_escapes_specials_and_protects_name_lists() {
        let mut doc = special_characters();
        doc.description.format = DocumentFormat::Manuscript;
        let entry = bibtex(&doc, &ExportContext { id: "x", url: Some("https://e.org/a b{c}%20") });
        assert_balanced_braces(&entry);
        assert!(entry.starts_with("@unpublished{ministry2024"), "{entry}");
        let title = entry.lines().find(|l| l.starts_with("  title = ")).unwrap_or_default();
        assert_eq!(
            title,
            r#"  title = {{{\textbraceleft}Curly{\textbraceright} 100\% R\&D\_notes \#1 \$5 {\textasciitilde}tilde{\textasciicircum}hat{\textbackslash}path{\textbraceright}: <tags> \& "quotes"}},"#
        );
        assert!(entry.contains("  author = {{Ministry of Culture and Sports}},"), "{entry}");
        assert!(entry.contains("  editor = {O'Brien, Anne \\& Co},"), "{entry}");
        assert!(entry.contains("  note = {line one line two line three},"), "{entry}");
        assert!(entry.contains("  keywords = {Tags \\& {\\textbraceleft}braces{\\textbraceright}},"), "{entry}");
        assert!(entry.contains("  url = {https://e.org/a%20b%7Bc%7D%20}\n"), "{entry}");

        let mut doc = special_characters();
        doc.description.contributors = vec![person("Smith, Anne and Bob", ContributorRole::Author)];
        assert!(bibtex(&doc, &CTX).contains("  author = {Smith, Anne {and} Bob},"));
    }

    #[test]
    fn bibtex_keys_fall_back_and_stay_ascii() {
        let chinese = bibtex(&chinese_book(), &CTX);
        assert_balanced_braces(&chinese);
        assert!(chinese.starts_with(&format!("@book{{jin1976{},", key_suffix(CTX.id))), "{chinese}");
        assert!(chinese.contains("  keywords = {Kung fu -- Fiction, 武侠小说},"));

        let bare = bibtex(&title_only(), &CTX);
        assert_balanced_braces(&bare);
        assert_eq!(
            bare,
            format!(
                "@misc{{hamkor{},\n  title = {{{{Untitled map}}}},\n  url = {{https://hamkor.example/d/7}}\n}}\n",
                key_suffix(CTX.id)
            )
        );

        let mut han_author = title_only();
        han_author.description.contributors = vec![person("金庸", ContributorRole::Author)];
        han_author.description.year = Some(1957);
        assert!(bibtex(&han_author, &CTX).starts_with("@misc{hamkor1957"));
        let mut accented = title_only();
        accented.description.contributors = vec![person("Dvořák, Antonín", ContributorRole::Composer)];
        assert!(bibtex(&accented, &CTX).contains("{dvorak"));

        assert_ne!(short_hash("RG9jdW1lbnQ6Nw"), short_hash("RG9jdW1lbnQ6OA"));
        assert_eq!(short_hash("x").len(), 4);
        // A document's number makes keys unique: 35 and 36 in base 36.
        let id = |n| crate::global_id::encode(crate::global_id::NodeKind::Document, n);
        assert_eq!((key_suffix(&id(35)), key_suffix(&id(36))), ("-z".to_owned(), "-10".to_owned()));
    }
}
