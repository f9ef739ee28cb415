//! What the benchmark asks: a fixed, seeded mix of the searches readers make, each made
//! from a document of the corpus so that most find something.

use serde_json::{Value, json};

use super::corpus::{self, LANGS, PARTNERS, Rng};
use crate::global_id::{self, NodeKind};

/// The kinds of search in the mix, with their share of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// One word, as written in its own script.
    Word,
    /// An Uzbek word in the other script, or typed with a plain apostrophe or none.
    CrossScript,
    /// One letter wrong in a word of five letters or more.
    Typo,
    /// The first letters of a word (search as you type).
    Prefix,
    /// Two words of one title.
    TwoWords,
    /// Two adjacent title words, "quoted".
    Phrase,
    /// A contributor's name.
    Name,
    /// A word with a filter on language, format, years, partner or country.
    Filtered,
    /// A word, newest first.
    ByYear,
    /// No words: a filter only, the newest additions first.
    Browse,
    /// A made-up word that finds nothing (the server looks for a suggestion).
    Miss,
}

impl Kind {
    pub const ALL: [(Kind, u32); 11] = [
        (Kind::Word, 20),
        (Kind::CrossScript, 9),
        (Kind::Typo, 9),
        (Kind::Prefix, 9),
        (Kind::TwoWords, 14),
        (Kind::Phrase, 7),
        (Kind::Name, 5),
        (Kind::Filtered, 13),
        (Kind::ByYear, 5),
        (Kind::Browse, 4),
        (Kind::Miss, 5),
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Word => "one word",
            Kind::CrossScript => "other script/spelling",
            Kind::Typo => "typo",
            Kind::Prefix => "prefix",
            Kind::TwoWords => "two words",
            Kind::Phrase => "\"phrase\"",
            Kind::Name => "contributor name",
            Kind::Filtered => "word + filter",
            Kind::ByYear => "word, by year",
            Kind::Browse => "filter only",
            Kind::Miss => "no match",
        }
    }
}

/// One search request.
#[derive(Clone, Debug)]
pub struct BenchQuery {
    pub kind: Kind,
    pub text: String,
    pub filter: Option<Value>,
    pub order_by: Option<Value>,
    /// Whether the request asks for the facets.
    pub facets: bool,
}

impl BenchQuery {
    pub fn variables(&self) -> Value {
        json!({ "q": self.text, "filter": self.filter, "orderBy": self.order_by, "facets": self.facets })
    }
}

/// The one GraphQL document every request sends: a results page as a search screen shows
/// it (20 hits with their highlights and origin partner), the total, the suggestion, and
/// the facets when asked.
pub const SEARCH_DOCUMENT: &str =
    "query BenchSearch($q: String!, $filter: SearchFilter, $orderBy: SearchOrderBy, $facets: Boolean!) {
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
    facets @include(if: $facets) {
      languages { value count }
      formats { format count }
      partners { partner { id name } count }
      countries { value count }
      decades { decade count years { year count } }
      subjects { value count }
    }
  }
}";

/// Stream ids of [`Rng::for_item`]: measured queries and warm-up queries differ.
pub const MEASURED_STREAM: u64 = 2;
pub const WARM_UP_STREAM: u64 = 3;

/// `count` searches over the corpus of `documents` documents of `seed`, from `stream`.
/// `partner_ids` are the database ids of [`PARTNERS`], in order.
pub fn generate(seed: u64, documents: u64, stream: u64, count: usize, partner_ids: &[i64]) -> Vec<BenchQuery> {
    let weights: Vec<u32> = Kind::ALL.iter().map(|(_, w)| *w).collect();
    (0..count as u64)
        .map(|i| {
            let mut rng = Rng::for_item(seed, stream, i);
            let kind = Kind::ALL[rng.weighted(&weights)].0;
            let doc = corpus::document(seed, rng.below(documents.max(1) as usize) as u64);
            let mut query =
                BenchQuery { kind, text: String::new(), filter: None, order_by: None, facets: rng.chance(0.5) };
            let title_word = |rng: &mut Rng| rng.pick(&doc.title_words).clone();
            match kind {
                Kind::Word => query.text = title_word(&mut rng),
                Kind::CrossScript => query.text = cross_script(&mut rng),
                Kind::Typo => {
                    let long: Vec<&String> = doc.title_words.iter().filter(|w| w.chars().count() >= 5).collect();
                    let word = if long.is_empty() { title_word(&mut rng) } else { (*rng.pick(&long)).clone() };
                    query.text = typo(&mut rng, &word);
                }
                Kind::Prefix => {
                    let word = title_word(&mut rng);
                    let chars: Vec<char> = word.chars().collect();
                    let cjk = doc.lang.joiner.is_empty() || doc.lang.code == "kor";
                    let keep = if cjk { 2 } else { rng.between(3, 5) }.min(chars.len());
                    query.text = chars[..keep].iter().collect();
                }
                Kind::TwoWords => {
                    let a = title_word(&mut rng);
                    let b = title_word(&mut rng);
                    query.text = format!("{a} {b}");
                }
                Kind::Phrase => {
                    let words = &doc.title_words;
                    let at = rng.below(words.len().saturating_sub(1).max(1));
                    let pair = words[at..].iter().take(2).cloned().collect::<Vec<_>>().join(" ");
                    query.text = format!("\"{pair}\"");
                }
                Kind::Name => {
                    query.text = match doc.names.first() {
                        Some(name) => name.clone(),
                        None => {
                            let lang = rng.pick(LANGS);
                            rng.pick(lang.names).0.split(',').next().unwrap_or_default().to_owned()
                        }
                    };
                }
                Kind::Filtered => {
                    query.text = title_word(&mut rng);
                    query.filter = Some(filter(&mut rng, &doc, partner_ids));
                }
                Kind::ByYear => {
                    query.text = title_word(&mut rng);
                    query.order_by = Some(json!({ "field": "YEAR", "direction": "DESC" }));
                }
                Kind::Browse => {
                    query.filter = Some(filter(&mut rng, &doc, partner_ids));
                    query.order_by = Some(json!({ "field": "DATE_ADDED", "direction": "DESC" }));
                }
                Kind::Miss => query.text = corpus::unlikely_word(doc.lang, &mut rng),
            }
            query
        })
        .collect()
}

/// An Uzbek word in the script other than a document's, or typed as people type it without
/// the proper apostrophe letters.
fn cross_script(rng: &mut Rng) -> String {
    let latin = LANGS[0].words;
    let cyrillic = LANGS[1].words;
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
fn filter(rng: &mut Rng, doc: &corpus::Generated, partner_ids: &[i64]) -> Value {
    let description = &doc.description;
    let partner = doc.partner.and_then(|p| Some((p, *partner_ids.get(p)?)));
    match (rng.below(5), partner) {
        (0, _) => json!({ "languages": [description.languages[0]] }),
        (1, _) => json!({ "formats": [description.format.as_str().to_ascii_uppercase()] }),
        (2, _) if description.year.is_some() => {
            let decade = description.year.unwrap_or(2000).div_euclid(10) * 10;
            json!({ "yearFrom": decade, "yearTo": decade + 9 })
        }
        (3, Some((_, id))) => json!({ "partnerIds": [global_id::encode(NodeKind::Partner, id)] }),
        (4, Some((p, _))) => json!({ "countries": [PARTNERS[p].country], "languages": [description.languages[0]] }),
        _ => json!({ "languages": [description.languages[0]], "yearFrom": 1990 }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_is_deterministic_and_has_every_kind() {
        let partners: Vec<i64> = (1..=PARTNERS.len() as i64).collect();
        let a = generate(42, 100_000, MEASURED_STREAM, 500, &partners);
        let b = generate(42, 100_000, MEASURED_STREAM, 500, &partners);
        assert_eq!(
            a.iter().map(|q| q.variables()).collect::<Vec<_>>(),
            b.iter().map(|q| q.variables()).collect::<Vec<_>>()
        );
        for (kind, _) in Kind::ALL {
            assert!(a.iter().any(|q| q.kind == kind), "{kind:?} is in the mix");
        }
        assert!(a.iter().filter(|q| q.kind != Kind::Browse).all(|q| !q.text.trim().is_empty()));
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
