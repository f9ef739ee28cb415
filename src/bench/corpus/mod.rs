//! The benchmark's catalogue: documents generated from a seed, so every run with the same
//! seed and size holds the same records and asks the same questions.
//!
//! Records are drawn from word lists in the catalogue's languages and scripts (Uzbek in
//! Latin and Cyrillic, Russian, English, Kazakh, Turkish, Chinese, Korean, Japanese), with
//! frequent words chosen more often than rare ones, and a long tail of made-up words built
//! from syllables so that the term dictionaries are as large as a real catalogue's.

mod languages;

pub use languages::{LANGS, Lang, SUBJECTS};

use crate::document::{Contributor, ContributorRole, Description, DocumentFormat, ParallelTitle};

/// A small, fast, deterministic generator (SplitMix64): the same seed gives the same corpus
/// on every machine and every build.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        let mut rng = Rng(seed);
        rng.next_u64();
        rng
    }

    /// The generator of one item of a stream: independent of every other item.
    pub fn for_item(seed: u64, stream: u64, item: u64) -> Self {
        Rng::new(seed ^ stream.wrapping_mul(0xD6E8_FEB8_6659_FD93) ^ item.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in 0..n (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.unit() * n as f64) as usize).min(n.saturating_sub(1))
    }

    /// Uniform in lo..=hi.
    pub fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Skewed towards the start of the list: the first words of a list are much more
    /// frequent than the last, as in real text.
    pub fn skewed(&mut self, n: usize) -> usize {
        let u = self.unit();
        ((u * u * u * n as f64) as usize).min(n.saturating_sub(1))
    }

    /// An index drawn with the given relative weights.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut at = self.below(total as usize) as u32;
        for (i, w) in weights.iter().enumerate() {
            if at < *w {
                return i;
            }
            at -= w;
        }
        weights.len() - 1
    }
}

/// A partner the generated documents come from.
pub struct BenchPartner {
    pub country: &'static str,
    pub city: &'static str,
    /// (BCP 47 tag, name)
    pub names: &'static [(&'static str, &'static str)],
}

pub const PARTNERS: &[BenchPartner] = &[
    BenchPartner {
        country: "KR",
        city: "Seoul",
        names: &[("en", "National Library of Korea"), ("ko", "국립중앙도서관")],
    },
    BenchPartner {
        country: "CN",
        city: "Beijing",
        names: &[("en", "National Library of China"), ("zh", "中国国家图书馆")],
    },
    BenchPartner {
        country: "KZ",
        city: "Astana",
        names: &[("en", "National Library of Kazakhstan"), ("kk", "Қазақстан Республикасының Ұлттық кітапханасы")],
    },
    BenchPartner {
        country: "TR",
        city: "Ankara",
        names: &[("en", "National Library of Turkey"), ("tr", "Millî Kütüphane")],
    },
    BenchPartner {
        country: "RU",
        city: "Moscow",
        names: &[("en", "Russian State Library"), ("ru", "Российская государственная библиотека")],
    },
    BenchPartner { country: "US", city: "Washington", names: &[("en", "Library of Congress")] },
    BenchPartner {
        country: "JP", city: "Tokyo", names: &[("en", "National Diet Library"), ("ja", "国立国会図書館")]
    },
    BenchPartner { country: "GB", city: "London", names: &[("en", "British Library")] },
];

const FORMATS: &[(DocumentFormat, u32)] = &[
    (DocumentFormat::Book, 70),
    (DocumentFormat::Serial, 10),
    (DocumentFormat::Manuscript, 5),
    (DocumentFormat::Map, 3),
    (DocumentFormat::Score, 2),
    (DocumentFormat::Audiovisual, 4),
    (DocumentFormat::Electronic, 5),
    (DocumentFormat::Other, 1),
];

/// Which generator wrote a corpus, and how it was loaded: bump when either changes, so an old corpus is
/// not taken for a new one.
pub const GENERATOR_VERSION: i32 = 2;

/// Stream ids of [`Rng::for_item`].
const DOCUMENT_STREAM: u64 = 1;

/// One generated document, with what queries are made from.
pub struct Generated {
    pub description: Description,
    /// Index into [`PARTNERS`].
    pub partner: Option<usize>,
    pub lang: &'static Lang,
    /// The title's words, in order.
    pub title_words: Vec<String>,
    /// The title's made-up words: the long tail, each in one or a few documents.
    pub rare_words: Vec<String>,
    /// The surnames (or whole names) of its contributors.
    pub names: Vec<String>,
}

/// A word, and the same word in the language's parallel script when there is one.
struct Word {
    text: String,
    parallel: Option<String>,
    /// Made up from syllables rather than taken from the word list: rare.
    made_up: bool,
}

impl Lang {
    /// A word: mostly from the list (frequent ones more often), sometimes made up.
    fn word(&self, rng: &mut Rng, made_up: f64) -> Word {
        if rng.chance(made_up) {
            let n = rng.between(2, if self.joiner.is_empty() { 2 } else { 4 });
            let picks: Vec<usize> = (0..n).map(|_| rng.below(self.syllables.len())).collect();
            let text = picks.iter().map(|&i| self.syllables[i]).collect();
            let parallel = self.parallel_syllables.map(|s| picks.iter().map(|&i| s[i]).collect());
            return Word { text, parallel, made_up: true };
        }
        let i = rng.skewed(self.words.len());
        Word { text: self.words[i].to_owned(), parallel: self.parallel.map(|(p, _)| p[i].to_owned()), made_up: false }
    }

    fn join(&self, words: &[String]) -> String {
        if self.code == "jpn" && words.len() > 1 {
            // 中央アジアの歴史: the possessive particle between the first two words.
            let mut out = format!("{}の{}", words[0], words[1]);
            out.extend(words[2..].iter().map(String::as_str));
            return out;
        }
        words.join(self.joiner)
    }

    /// The first letter capitalised, as titles are catalogued (Turkish `i` becomes `İ`).
    fn capitalise(&self, text: &str) -> String {
        let mut chars = text.chars();
        let Some(first) = chars.next() else { return String::new() };
        let upper: String =
            if self.code == "tur" && first == 'i' { "İ".into() } else { first.to_uppercase().collect() };
        upper + chars.as_str()
    }

    /// Running text of `n` words, with sentence punctuation.
    fn prose(&self, rng: &mut Rng, n: usize) -> String {
        let mut out = String::new();
        let mut sentence: Vec<String> = Vec::new();
        for i in 0..n {
            sentence.push(self.word(rng, 0.25).text);
            if i + 1 == n || (sentence.len() >= 6 && rng.chance(0.25)) {
                let text = self.join(&sentence);
                match self.joiner {
                    "" => {
                        out.push_str(&text);
                        out.push('。');
                    }
                    _ => {
                        if !out.is_empty() {
                            out.push(' ');
                        }
                        out.push_str(&self.capitalise(&text));
                        out.push('.');
                    }
                }
                sentence.clear();
            }
        }
        out
    }
}

/// Document `i` (0-based) of the corpus of `seed`: the same on every run.
pub fn document(seed: u64, i: u64) -> Generated {
    let mut rng = Rng::for_item(seed, DOCUMENT_STREAM, i);
    let weights: Vec<u32> = LANGS.iter().map(|l| l.weight).collect();
    let lang = &LANGS[rng.weighted(&weights)];

    let words: Vec<Word> = (0..rng.between(2, 6)).map(|_| lang.word(&mut rng, 0.08)).collect();
    let title_words: Vec<String> = words.iter().map(|w| w.text.clone()).collect();
    let rare_words: Vec<String> = words.iter().filter(|w| w.made_up).map(|w| w.text.clone()).collect();
    let title = lang.capitalise(&lang.join(&title_words));
    let subtitle = rng.chance(0.3).then(|| {
        let sub: Vec<String> = (0..rng.between(2, 4)).map(|_| lang.word(&mut rng, 0.1).text).collect();
        lang.join(&sub)
    });
    let mut parallel_titles = Vec::new();
    if let Some((_, script)) = lang.parallel
        && rng.chance(if lang.joiner.is_empty() || lang.code == "kor" { 0.5 } else { 0.3 })
        && let Some(parallel) = words.iter().map(|w| w.parallel.clone()).collect::<Option<Vec<String>>>()
    {
        let joined =
            if script == "Latn" && lang.code != "uzb" { parallel.join(" ") } else { parallel.join(lang.joiner) };
        parallel_titles.push(ParallelTitle {
            title: capitalise_plain(&joined),
            subtitle: None,
            script: Some(script.into()),
        });
    }
    if matches!(lang.code, "rus" | "kaz") && rng.chance(0.1) {
        let english = &LANGS[3];
        let variant: Vec<String> = (0..rng.between(2, 4)).map(|_| english.word(&mut rng, 0.0).text).collect();
        parallel_titles.push(ParallelTitle {
            title: capitalise_plain(&variant.join(" ")),
            subtitle: None,
            script: Some("Latn".into()),
        });
    }

    let mut contributors = Vec::new();
    let mut names = Vec::new();
    for k in 0..rng.weighted(&[10, 60, 22, 8]) {
        let (name, parallel) = *rng.pick(lang.names);
        let role = match (k, rng.below(10)) {
            (0, _) | (_, 0..=5) => ContributorRole::Author,
            (_, 6 | 7) => ContributorRole::Editor,
            (_, 8) => ContributorRole::Translator,
            _ => ContributorRole::Compiler,
        };
        let parallel_name = parallel.filter(|_| rng.chance(0.6)).map(str::to_owned);
        names.push(name.split(',').next().unwrap_or(name).trim().to_owned());
        contributors.push(Contributor { name: name.to_owned(), role, parallel_name });
    }

    let mut languages = vec![lang.code.to_owned()];
    if rng.chance(0.05) {
        let other = rng.pick(LANGS).code;
        if other != lang.code {
            languages.push(other.to_owned());
        }
    }
    let mut subjects: Vec<String> = Vec::new();
    for _ in 0..rng.between(1, 3) {
        let subject = SUBJECTS[rng.skewed(SUBJECTS.len())].to_owned();
        if !subjects.contains(&subject) {
            subjects.push(subject);
        }
    }
    let abstract_text = rng.chance(0.7).then(|| {
        let n = rng.between(15, 60);
        lang.prose(&mut rng, n)
    });
    let year = match rng.below(100) {
        0..=4 => None,
        5..=14 => Some(rng.between(1800, 1949) as i32),
        _ => Some(2025 - rng.skewed(76) as i32),
    };
    let format = FORMATS[rng.weighted(&FORMATS.iter().map(|(_, w)| *w).collect::<Vec<_>>())].0;
    let partner = match lang.partner {
        Some(p) if rng.chance(0.7) => Some(p),
        _ if rng.chance(0.2) => Some(rng.below(PARTNERS.len())),
        _ => None,
    };
    let description = Description {
        title,
        subtitle,
        parallel_titles,
        contributors,
        languages,
        publisher: None,
        place: rng.chance(0.8).then(|| rng.pick(lang.places).to_string()),
        year,
        physical_description: rng.chance(0.5).then(|| format!("{} p.", rng.between(40, 900))),
        subjects,
        abstract_text,
        format,
        ..Description::default()
    };
    Generated { description, partner, lang, title_words, rare_words, names }
}

fn capitalise_plain(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// A made-up word of `lang` that is almost surely in no document: a search that finds
/// nothing (and asks for a suggestion).
pub fn unlikely_word(lang: &Lang, rng: &mut Rng) -> String {
    let n = if lang.joiner.is_empty() { 4 } else { 6 };
    (0..n).map(|_| *rng.pick(lang.syllables)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_documents() {
        for i in [0, 1, 99_999] {
            assert_eq!(document(42, i).description, document(42, i).description);
        }
        assert_ne!(document(42, 7).description, document(43, 7).description);
    }

    #[test]
    fn word_lists_are_aligned_with_their_other_script() {
        for lang in LANGS {
            if let Some((parallel, _)) = lang.parallel {
                assert_eq!(lang.words.len(), parallel.len(), "{}", lang.code);
            }
            if let Some(parallel) = lang.parallel_syllables {
                assert_eq!(lang.syllables.len(), parallel.len(), "{}", lang.code);
            }
        }
    }

    #[test]
    fn generated_documents_are_valid() {
        for i in 0..2_000 {
            let generated = document(42, i);
            let validated = generated.description.clone().validate().expect("a valid description");
            assert_eq!(validated, generated.description, "document {i} is stored as generated");
        }
    }
}
