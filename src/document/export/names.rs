//! Personal names as citation managers want them. A catalogue stores a name as its MARC
//! heading: "Family, Given, title, dates" (`Kelty, Christopher M., 1972-`,
//! `Bougainville, Louis-Antoine de, comte, 1729-1811`). BibTeX allows at most three parts
//! (`Family, Suffix, Given`, or bibtexparser stops with "Too many commas"), and CSL wants
//! the given name without dates. So the heading is split: the family name, the given name
//! (with a trailing particle such as "de" or "van" apart), a generational suffix ("Jr.",
//! "III"); dates and titles of nobility or office are left out of citations.

/// A personal name split for citations.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PersonName {
    pub family: String,
    pub given: Option<String>,
    /// A particle after the given name in an inverted heading (`de`, `van der`): CSL's
    /// `dropping-particle`.
    pub particle: Option<String>,
    /// `Jr.`, `Sr.`, `III`.
    pub suffix: Option<String>,
}

const PARTICLES: &[&str] = &[
    "de", "du", "des", "da", "di", "del", "della", "van", "von", "der", "den", "ter", "le", "la", "zu", "af", "al",
    "el", "bin", "ibn",
];

/// Whether a heading component is a date: `1972-`, `1729-1811`, `b. 1950`, `d. 1900`,
/// `fl. 1850`, `ca. 1500-1560`, `active 18th century`, `19th cent.`.
fn is_date(part: &str) -> bool {
    let lower = part.to_lowercase();
    let digits = part.chars().filter(char::is_ascii_digit).count();
    let starts = ["b.", "d.", "fl.", "ca.", "approximately", "active", "born", "died", "-"];
    (digits >= 2
        && (part.chars().next().is_some_and(|c| c.is_ascii_digit()) || starts.iter().any(|s| lower.starts_with(s))))
        || lower.contains("cent.")
        || lower.contains("century")
}

/// Whether a component is a generational suffix.
fn is_suffix(part: &str) -> bool {
    let bare = part.trim_end_matches('.');
    matches!(bare.to_lowercase().as_str(), "jr" | "sr" | "jun" | "sen")
        || (bare.len() <= 4 && !bare.is_empty() && bare.chars().all(|c| matches!(c, 'I' | 'V' | 'X')))
        || matches!(bare, "2nd" | "3rd" | "4th")
}

/// Splits an inverted heading; `None` for a name without a comma (a corporate body, a
/// single name, a name in a script written without inversion), which citations give whole.
pub fn person_name(heading: &str) -> Option<PersonName> {
    let heading = heading.trim().trim_end_matches([',', ';']);
    if !heading.contains(',') {
        return None;
    }
    let mut parts = heading.split(',').map(str::trim);
    let family = parts.next().filter(|f| !f.is_empty())?.to_owned();
    let mut given = parts.next().map(str::to_owned).filter(|g| !g.is_empty());
    if given.as_deref().is_some_and(is_date) {
        // "Family, 1900-1980": no given name.
        given = None;
    }
    let mut suffix = None;
    for part in parts.filter(|p| !p.is_empty()) {
        if suffix.is_none() && is_suffix(part) {
            suffix = Some(part.to_owned());
        }
        // Dates, and titles such as "comte" or "Sir", stay out of citations.
    }
    let mut particle = None;
    if let Some(text) = &given {
        let words: Vec<&str> = text.split_whitespace().collect();
        let trailing = words.iter().rev().take_while(|w| PARTICLES.contains(&w.to_lowercase().as_str())).count();
        if trailing > 0 && trailing < words.len() {
            particle = Some(words[words.len() - trailing..].join(" "));
            given = Some(words[..words.len() - trailing].join(" "));
        }
    }
    Some(PersonName { family, given, particle, suffix })
}

impl PersonName {
    /// The given name with its particle, as BibTeX and RIS carry it (`Louis-Antoine de`).
    pub fn given_with_particle(&self) -> Option<String> {
        match (&self.given, &self.particle) {
            (Some(given), Some(particle)) => Some(format!("{given} {particle}")),
            (Some(given), None) => Some(given.clone()),
            (None, Some(particle)) => Some(particle.clone()),
            (None, None) => None,
        }
    }

    /// `Family, Given` (or `Family, Given, Suffix`), as RIS's AU and A4 lines take it.
    pub fn inverted(&self) -> String {
        let mut out = self.family.clone();
        if let Some(given) = self.given_with_particle() {
            out.push_str(", ");
            out.push_str(&given);
        }
        if let Some(suffix) = &self.suffix {
            out.push_str(", ");
            out.push_str(suffix);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(family: &str, given: Option<&str>, particle: Option<&str>, suffix: Option<&str>) -> PersonName {
        PersonName {
            family: family.into(),
            given: given.map(Into::into),
            particle: particle.map(Into::into),
            suffix: suffix.map(Into::into),
        }
    }

    #[test]
    fn headings_lose_their_dates_and_titles() {
        assert_eq!(
            person_name("Kelty, Christopher M., 1972-"),
            Some(name("Kelty", Some("Christopher M."), None, None))
        );
        assert_eq!(
            person_name("Bougainville, Louis-Antoine de, comte, 1729-1811"),
            Some(name("Bougainville", Some("Louis-Antoine"), Some("de"), None))
        );
        assert_eq!(
            person_name("King, Martin Luther, Jr., 1929-1968."),
            Some(name("King", Some("Martin Luther"), None, Some("Jr.")))
        );
        assert_eq!(person_name("Navoiy, Alisher, 1441-1501"), Some(name("Navoiy", Some("Alisher"), None, None)));
        assert_eq!(
            person_name("Толстой, Лев Николаевич, граф, 1828-1910"),
            Some(name("Толстой", Some("Лев Николаевич"), None, None))
        );
        assert_eq!(person_name("Homer, fl. 8th century B.C."), Some(name("Homer", None, None, None)));
        assert_eq!(person_name("Smith, John, b. 1950"), Some(name("Smith", Some("John"), None, None)));
        assert_eq!(person_name("Ministry of Culture"), None);
        assert_eq!(person_name("金庸"), None);
        assert_eq!(person_name(", nobody"), None);
    }

    #[test]
    fn inverted_names_have_at_most_three_parts() {
        let king = person_name("King, Martin Luther, Jr., 1929-1968").unwrap();
        assert_eq!(king.inverted(), "King, Martin Luther, Jr.");
        let bougainville = person_name("Bougainville, Louis-Antoine de, comte, 1729-1811").unwrap();
        assert_eq!(bougainville.inverted(), "Bougainville, Louis-Antoine de");
    }
}
