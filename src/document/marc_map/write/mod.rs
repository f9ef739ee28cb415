//! [`Description`] to MARC 21: the record an export hands back, either the stored record
//! with the groups of fields whose values changed rewritten, or a new minimal record.

mod groups;

use crate::document::{Description, DocumentFormat};
use crate::marc::{Field, Leader, Record, Subfield};

use super::read::{
    description_from_marc, edition_of, format_of, is_name_tag, is_subject_tag, isbn_of, issn_of, physical_of,
    series_of, subject_of,
};
use super::{clean, marc_script, trim_isbd};

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
pub(super) fn new_008() -> String {
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

pub(super) fn indicators(field: &Field) -> (char, char) {
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
}
