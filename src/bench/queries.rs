//! What the benchmark asks: a seeded set of searches of every kind readers make, the same
//! number of each kind, each made from the corpus so that the kinds that should find
//! something do. Hard kinds are not diluted by easy ones: rare words, their misspellings,
//! Cyrillic words and words inside CJK runs each get as many samples as a frequent word.

use serde_json::{Value, json};

use super::corpus::{self, Generated, LANGS, PARTNERS, Rng};
use crate::global_id::{self, NodeKind};

/// The kinds of search in the mix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A made-up word of one title: the long tail, in one or a few documents.
    RareWord,
    /// One of the most frequent words of a language.
    CommonWord,
    /// Two frequent words of one language, both required.
    TwoCommonWords,
    /// Two adjacent title words, "quoted".
    Phrase,
    /// The first letters of a title word (search as you type).
    Prefix,
    /// One letter wrong in a title word of five letters or more, rare words first.
    Typo,
    /// A title word of a Russian, Kazakh or Uzbek Cyrillic record.
    CyrillicWord,
    /// An Uzbek word in the script other than its record's, or typed with a plain
    /// apostrophe or none.
    OtherScript,
    /// A word of a Chinese or Japanese title (written without spaces: found inside the
    /// run) or of a Korean one.
    CjkWord,
    /// A contributor's surname.
    Name,
    /// A title word with a filter (language, format, years, partner or country).
    Filtered,
    /// No words: a filter only, the newest additions first.
    Browse,
    /// A made-up word that finds nothing (the server looks for a suggestion).
    Miss,
}

impl Kind {
    pub const ALL: [Kind; 13] = [
        Kind::RareWord,
        Kind::CommonWord,
        Kind::TwoCommonWords,
        Kind::Phrase,
        Kind::Prefix,
        Kind::Typo,
        Kind::CyrillicWord,
        Kind::OtherScript,
        Kind::CjkWord,
        Kind::Name,
        Kind::Filtered,
        Kind::Browse,
        Kind::Miss,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::RareWord => "rare word",
            Kind::CommonWord => "common word",
            Kind::TwoCommonWords => "two common words",
            Kind::Phrase => "\"phrase\"",
            Kind::Prefix => "prefix",
            Kind::Typo => "word with a typo",
            Kind::CyrillicWord => "Cyrillic word",
            Kind::OtherScript => "other script/spelling",
            Kind::CjkWord => "CJK word",
            Kind::Name => "contributor name",
            Kind::Filtered => "word + filter",
            Kind::Browse => "filter only",
            Kind::Miss => "no match",
        }
    }
}

/// A filter, as both sides apply it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BenchFilter {
    pub language: Option<String>,
    pub format: Option<String>,
    pub years: Option<(i32, i32)>,
    /// Index into [`PARTNERS`].
    pub partner: Option<usize>,
    pub country: Option<&'static str>,
}

/// One search.
#[derive(Clone, Debug)]
pub struct BenchQuery {
    pub kind: Kind,
    /// What the user typed (for PostgreSQL, its `websearch_to_tsquery` input).
    pub text: String,
    pub filter: Option<BenchFilter>,
}

impl BenchQuery {
    /// The GraphQL variables; `partner_ids` are the database ids of [`PARTNERS`], in order.
    pub fn variables(&self, partner_ids: &[i64]) -> Value {
        let filter = self.filter.as_ref().map(|f| {
            let mut out = serde_json::Map::new();
            if let Some(language) = &f.language {
                out.insert("languages".into(), json!([language]));
            }
            if let Some(format) = &f.format {
                out.insert("formats".into(), json!([format.to_ascii_uppercase()]));
            }
            if let Some((from, to)) = f.years {
                out.insert("yearFrom".into(), json!(from));
                out.insert("yearTo".into(), json!(to));
            }
            if let Some(id) = f.partner.and_then(|p| partner_ids.get(p)) {
                out.insert("partnerIds".into(), json!([global_id::encode(NodeKind::Partner, *id)]));
            }
            if let Some(country) = f.country {
                out.insert("countries".into(), json!([country]));
            }
            Value::Object(out)
        });
        let order_by = (self.kind == Kind::Browse).then(|| json!({ "field": "DATE_ADDED", "direction": "DESC" }));
        json!({ "q": self.text, "filter": filter, "orderBy": order_by })
    }
}

/// A results page as a search screen shows it: 20 hits with their highlights and origin
/// partner, the total, the suggestion and the facets.
pub const PAGE_DOCUMENT: &str = "query BenchSearch($q: String!, $filter: SearchFilter, $orderBy: SearchOrderBy) {
  search(query: $q, filter: $filter, orderBy: $orderBy, first: 20) {
    totalCount
    suggestion
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        score
        highlights { title abstract }
        document { id title subtitle year languages format contributors { name role } originPartner { id name } }
      }
    }
    facets {
      languages { value count }
      formats { format count }
      partners { partner { id name } count }
      countries { value count }
      decades { decade count years { year count } }
      subjects { value count }
    }
  }
}";

/// Only the count, as a probe of the search alone would ask.
pub const COUNT_DOCUMENT: &str = "query BenchSearch($q: String!, $filter: SearchFilter, $orderBy: SearchOrderBy) {
  search(query: $q, filter: $filter, orderBy: $orderBy, first: 20) { totalCount }
}";

/// Stream ids of [`Rng::for_item`]: measured queries and warm-up queries differ.
pub const MEASURED_STREAM: u64 = 2;
pub const WARM_UP_STREAM: u64 = 3;

/// Languages by their place in [`LANGS`].
const CYRILLIC: [usize; 3] = [1, 2, 4];
const CJK: [usize; 3] = [6, 7, 8];
const UZBEK_LATIN: usize = 0;
const UZBEK_CYRILLIC: usize = 1;
/// How many of a language's most frequent words count as common.
const COMMON: usize = 12;

/// `per_kind` searches of each of `kinds` over the corpus of `documents` documents of
/// `seed`, from `stream`, interleaved kind by kind. A kind's searches are the same whichever
/// other kinds are asked for.
pub fn generate(seed: u64, documents: u64, stream: u64, per_kind: usize, kinds: &[Kind]) -> Vec<BenchQuery> {
    let mut out = Vec::with_capacity(per_kind * kinds.len());
    for i in 0..per_kind as u64 {
        for (k, kind) in Kind::ALL.into_iter().enumerate() {
            if !kinds.contains(&kind) {
                continue;
            }
            let mut rng = Rng::for_item(seed, stream, i * Kind::ALL.len() as u64 + k as u64);
            out.push(make(kind, &mut rng, seed, documents));
        }
    }
    out
}

/// A document of the corpus drawn at random that `wanted` accepts (the first drawn after a
/// few hundred tries, so a tiny corpus still gets a query).
fn draw(rng: &mut Rng, seed: u64, documents: u64, wanted: impl Fn(&Generated) -> bool) -> Generated {
    let mut doc = corpus::document(seed, rng.below(documents.max(1) as usize) as u64);
    for _ in 0..300 {
        if wanted(&doc) {
            break;
        }
        doc = corpus::document(seed, rng.below(documents.max(1) as usize) as u64);
    }
    doc
}

/// Whether the document is in one of `langs` (by their place in [`LANGS`]); Uzbek is there
/// twice, told apart by the script of its parallel form.
fn lang_is(doc: &Generated, langs: &[usize]) -> bool {
    let same =
        |a: &corpus::Lang, b: &corpus::Lang| a.code == b.code && a.parallel.map(|p| p.1) == b.parallel.map(|p| p.1);
    langs.iter().any(|&i| same(doc.lang, &LANGS[i]))
}

fn make(kind: Kind, rng: &mut Rng, seed: u64, documents: u64) -> BenchQuery {
    let any = |_: &Generated| true;
    let text = match kind {
        Kind::RareWord => {
            let doc = draw(rng, seed, documents, |d| !d.rare_words.is_empty() && !lang_is(d, &CJK));
            pick_or_title(rng, &doc.rare_words, &doc)
        }
        Kind::CommonWord => {
            let lang = &LANGS[rng.below(LANGS.len())];
            lang.words[rng.below(COMMON.min(lang.words.len()))].to_owned()
        }
        Kind::TwoCommonWords => {
            // A space-separated language: two words typed apart.
            let lang = &LANGS[*rng.pick(&[0usize, 1, 2, 3, 4, 5, 7])];
            let a = rng.below(COMMON.min(lang.words.len()));
            let mut b = rng.below(COMMON.min(lang.words.len()));
            if b == a {
                b = (a + 1) % COMMON.min(lang.words.len());
            }
            format!("{} {}", lang.words[a], lang.words[b])
        }
        Kind::Phrase => {
            let doc = draw(rng, seed, documents, |d| d.title_words.len() >= 2 && !d.lang.joiner.is_empty());
            let words = &doc.title_words;
            let at = rng.below(words.len().saturating_sub(1).max(1));
            format!("\"{}\"", words[at..].iter().take(2).cloned().collect::<Vec<_>>().join(" "))
        }
        Kind::Prefix => {
            let doc = draw(rng, seed, documents, any);
            let word = rng.pick(&doc.title_words).clone();
            let chars: Vec<char> = word.chars().collect();
            let keep = if lang_is(&doc, &CJK) { 2 } else { rng.between(3, 5) }.min(chars.len());
            chars[..keep].iter().collect()
        }
        Kind::Typo => {
            let doc = draw(rng, seed, documents, |d| {
                !lang_is(d, &CJK) && d.title_words.iter().any(|w| w.chars().count() >= 5)
            });
            let long = |words: &[String]| -> Vec<String> {
                words.iter().filter(|w| w.chars().count() >= 5).cloned().collect()
            };
            let rare = long(&doc.rare_words);
            let word = if rare.is_empty() {
                pick_or_title(rng, &long(&doc.title_words), &doc)
            } else {
                rng.pick(&rare).clone()
            };
            typo(rng, &word)
        }
        Kind::CyrillicWord => {
            let doc = draw(rng, seed, documents, |d| lang_is(d, &CYRILLIC));
            rng.pick(&doc.title_words).clone()
        }
        Kind::OtherScript => other_script(rng),
        Kind::CjkWord => {
            let doc = draw(rng, seed, documents, |d| lang_is(d, &CJK));
            rng.pick(&doc.title_words).clone()
        }
        Kind::Name => {
            let doc = draw(rng, seed, documents, |d| !d.names.is_empty());
            match doc.names.first() {
                Some(name) => name.clone(),
                None => rng.pick(LANGS).names[0].0.split(',').next().unwrap_or_default().to_owned(),
            }
        }
        Kind::Filtered => {
            let doc = draw(rng, seed, documents, any);
            let word = rng.pick(&doc.title_words).clone();
            return BenchQuery { kind, text: word, filter: Some(filter(rng, &doc)) };
        }
        Kind::Browse => {
            let doc = draw(rng, seed, documents, any);
            return BenchQuery { kind, text: String::new(), filter: Some(filter(rng, &doc)) };
        }
        Kind::Miss => {
            let doc = draw(rng, seed, documents, any);
            corpus::unlikely_word(doc.lang, rng)
        }
    };
    BenchQuery { kind, text, filter: None }
}

fn pick_or_title(rng: &mut Rng, words: &[String], doc: &Generated) -> String {
    if words.is_empty() { rng.pick(&doc.title_words).clone() } else { rng.pick(words).clone() }
}

/// An Uzbek word in the script other than a document's, or typed as people type it without
/// the proper apostrophe letters.
fn other_script(rng: &mut Rng) -> String {
    let latin = LANGS[UZBEK_LATIN].words;
    let cyrillic = LANGS[UZBEK_CYRILLIC].words;
    let i = rng.skewed(latin.len());
    match rng.below(3) {
        0 => cyrillic[i].to_owned(),
        1 => latin[i].replace(['‘', '’'], "'"),
        _ => latin[i].replace(['‘', '’'], ""),
    }
}

/// `word` with one letter replaced by another of its script.
fn typo(rng: &mut Rng, word: &str) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    let letters: Vec<usize> = (1..chars.len()).filter(|&i| chars[i].is_alphabetic()).collect();
    if letters.is_empty() {
        return word.to_owned();
    }
    let at = *rng.pick(&letters);
    let alphabet: &[char] = if ('\u{0400}'..='\u{04FF}').contains(&chars[at]) {
        &['а', 'е', 'о', 'и', 'к', 'л', 'м', 'н', 'р', 'с', 'т']
    } else if chars[at].is_ascii() {
        &['a', 'e', 'o', 'i', 'k', 'l', 'm', 'n', 'r', 's', 't']
    } else {
        return word.to_owned();
    };
    let replacement = alphabet.iter().copied().filter(|c| *c != chars[at]).nth(rng.below(alphabet.len() - 1));
    if let Some(c) = replacement {
        chars[at] = c;
    }
    chars.into_iter().collect()
}

/// A filter the document passes: its language, format, decade, partner or partner's country.
fn filter(rng: &mut Rng, doc: &Generated) -> BenchFilter {
    let description = &doc.description;
    let language = Some(description.languages[0].clone());
    match (rng.below(5), doc.partner) {
        (0, _) => BenchFilter { language, ..BenchFilter::default() },
        (1, _) => BenchFilter { format: Some(description.format.as_str().to_owned()), ..BenchFilter::default() },
        (2, _) if description.year.is_some() => {
            let decade = description.year.unwrap_or(2000).div_euclid(10) * 10;
            BenchFilter { years: Some((decade, decade + 9)), ..BenchFilter::default() }
        }
        (3, Some(p)) => BenchFilter { partner: Some(p), ..BenchFilter::default() },
        (4, Some(p)) => BenchFilter { country: Some(PARTNERS[p].country), language, ..BenchFilter::default() },
        _ => BenchFilter { language, years: Some((1990, 2100)), ..BenchFilter::default() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_is_deterministic_and_every_kind_has_its_share() {
        let partners: Vec<i64> = (1..=PARTNERS.len() as i64).collect();
        let a = generate(42, 100_000, MEASURED_STREAM, 40, &Kind::ALL);
        let b = generate(42, 100_000, MEASURED_STREAM, 40, &Kind::ALL);
        assert_eq!(
            a.iter().map(|q| q.variables(&partners)).collect::<Vec<_>>(),
            b.iter().map(|q| q.variables(&partners)).collect::<Vec<_>>()
        );
        for kind in Kind::ALL {
            assert_eq!(a.iter().filter(|q| q.kind == kind).count(), 40, "{kind:?}");
        }
        assert!(a.iter().filter(|q| q.kind != Kind::Browse).all(|q| !q.text.trim().is_empty()));
    }

    #[test]
    fn kinds_ask_what_they_say() {
        let queries = generate(42, 100_000, MEASURED_STREAM, 40, &Kind::ALL);
        let of = |kind: Kind| queries.iter().filter(move |q| q.kind == kind);
        assert!(of(Kind::CyrillicWord).all(|q| q.text.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c))));
        assert!(of(Kind::CjkWord).all(|q| q.text.chars().all(|c| !c.is_ascii())));
        assert!(of(Kind::TwoCommonWords).all(|q| q.text.split(' ').count() >= 2));
        assert!(of(Kind::Phrase).all(|q| q.text.starts_with('"') && q.text.ends_with('"')));
        assert!(of(Kind::Filtered).chain(of(Kind::Browse)).all(|q| q.filter.is_some()));
        // Rare words come from the long tail: no list word is among them.
        let listed: std::collections::HashSet<&str> = LANGS.iter().flat_map(|l| l.words.iter().copied()).collect();
        assert!(of(Kind::RareWord).filter(|q| listed.contains(q.text.as_str())).count() <= 2);
    }

    #[test]
    fn typos_change_one_letter() {
        let mut rng = Rng::new(1);
        for word in ["kutubxona", "библиотека", "literature"] {
            let wrong = typo(&mut rng, word);
            assert_eq!(strsim::levenshtein(&wrong, word), 1, "{word} -> {wrong}");
        }
    }
}
