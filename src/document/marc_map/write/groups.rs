//! The groups of fields that take more than a field per value: titles with their 880s and
//! 246s, main and added entries with their 880s, languages in 008 and 041, and the imprint
//! with the year in 008.

use crate::document::marc_map::read::{contributor_of, imprint_field, is_name_tag, parallel_titles_of};
use crate::document::marc_map::relators::{role_of, role_term};
use crate::document::marc_map::{detect_script, trim_isbd};
use crate::document::{Contributor, ContributorRole, Description, ParallelTitle, identifiers};
use crate::marc::{Field, Subfield};

use super::{Export, Slot, data_field, indicators, punctuate, subfields_mut};

impl<'a> Export<'a> {
    /// The 245 (title, subtitle), its 880s and the 246 variant titles.
    pub(super) fn titles(&mut self, d: &Description) {
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
    pub(super) fn contributors(&mut self, wanted: &[Contributor]) {
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
    pub(super) fn languages(&mut self, languages: &[String]) {
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
    pub(super) fn imprint(&mut self, d: &Description) {
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
