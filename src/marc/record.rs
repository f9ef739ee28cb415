//! The in-memory MARC 21 record model, independent of how it was serialised.

use std::fmt;

/// The 24-character record leader.
///
/// Kept as the original text rather than parsed into a struct: partner files put
/// odd values in positions that we do not interpret, and we must hand them back
/// unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leader(String);

impl Leader {
    /// Length of a MARC 21 leader in characters (and bytes: a leader is ASCII).
    pub const LEN: usize = 24;

    /// Builds a leader from its 24 ASCII characters.
    pub fn new(text: &str) -> Result<Self, String> {
        if text.len() != Self::LEN {
            return Err(format!("leader must be {} characters, found {}", Self::LEN, text.chars().count()));
        }
        if let Some(c) = text.chars().find(|c| !c.is_ascii() || c.is_ascii_control()) {
            return Err(format!("leader contains invalid character {c:?}"));
        }
        Ok(Self(text.to_owned()))
    }

    /// A leader for a new, empty UTF-8 bibliographic record.
    pub fn default_bibliographic() -> Self {
        Self("00000nam a2200000 a 4500".to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn at(&self, pos: usize) -> char {
        // Leaders are validated as 24 ASCII bytes on construction.
        self.0.as_bytes().get(pos).map_or(' ', |&b| b as char)
    }

    /// Leader/05.
    pub fn record_status(&self) -> char {
        self.at(5)
    }

    /// Leader/06.
    pub fn type_of_record(&self) -> char {
        self.at(6)
    }

    /// Leader/07.
    pub fn bibliographic_level(&self) -> char {
        self.at(7)
    }

    /// Leader/09: `' '` for MARC-8, `'a'` for UCS/Unicode.
    pub fn character_coding(&self) -> char {
        self.at(9)
    }

    /// Returns a copy with one position replaced (ASCII only).
    pub fn with(&self, pos: usize, c: char) -> Self {
        let mut bytes = self.0.clone().into_bytes();
        if let Some(slot) = bytes.get_mut(pos)
            && c.is_ascii()
        {
            *slot = c as u8;
        }
        // Only ASCII bytes were written into an ASCII string.
        Self(String::from_utf8(bytes).unwrap_or_else(|_| self.0.clone()))
    }
}

impl fmt::Display for Leader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One subfield of a data field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subfield {
    pub code: char,
    pub value: String,
}

/// A variable field: control fields (001-009) carry unstructured data, every
/// other tag has two indicators and subfields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Control { tag: String, value: String },
    Data { tag: String, ind1: char, ind2: char, subfields: Vec<Subfield> },
}

impl Field {
    pub fn tag(&self) -> &str {
        match self {
            Field::Control { tag, .. } | Field::Data { tag, .. } => tag,
        }
    }

    /// True for tags 001-009 (and the other `00X` tags some systems emit).
    pub fn is_control_tag(tag: &str) -> bool {
        tag.len() == 3 && tag.starts_with("00")
    }

    /// First subfield with this code; `None` for control fields.
    pub fn subfield(&self, code: char) -> Option<&str> {
        self.subfields().iter().find(|s| s.code == code).map(|s| s.value.as_str())
    }

    /// Every subfield with this code, in order.
    pub fn subfields_with(&self, code: char) -> impl Iterator<Item = &str> {
        self.subfields().iter().filter(move |s| s.code == code).map(|s| s.value.as_str())
    }

    /// All subfields (empty for control fields).
    pub fn subfields(&self) -> &[Subfield] {
        match self {
            Field::Control { .. } => &[],
            Field::Data { subfields, .. } => subfields,
        }
    }

    /// Control field content; `None` for data fields.
    pub fn value(&self) -> Option<&str> {
        match self {
            Field::Control { value, .. } => Some(value),
            Field::Data { .. } => None,
        }
    }

    /// The parsed `$6` linkage, if the field has a well-formed one.
    pub fn linkage(&self) -> Option<Linkage> {
        self.subfield('6').and_then(Linkage::parse)
    }
}

/// Script identification codes of `$6` (MARC 21, "Linkage").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    Arabic,
    Latin,
    Cjk,
    Cyrillic,
    Greek,
    Hebrew,
    /// A code outside the MARC 21 list, kept verbatim.
    Other([u8; 2]),
}

impl Script {
    fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "(3" => Script::Arabic,
            "(B" => Script::Latin,
            "$1" => Script::Cjk,
            "(N" => Script::Cyrillic,
            "(S" => Script::Greek,
            "(2" => Script::Hebrew,
            _ => {
                let b = code.as_bytes();
                if b.len() != 2 {
                    return None;
                }
                Script::Other([b[0], b[1]])
            }
        })
    }
}

/// A parsed `$6` subfield: `245-01/$1/r` links to field 245, occurrence 01, CJK
/// script, right-to-left orientation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Linkage {
    /// The tag of the field this one is linked to (`880` in a regular field).
    pub tag: String,
    /// Occurrence number; `"00"` means an 880 without a corresponding field.
    pub occurrence: String,
    pub script: Option<Script>,
    /// Field orientation code `r`: the text runs right to left (Arabic, Hebrew).
    pub right_to_left: bool,
}

impl Linkage {
    /// Parses `$6` content. Returns `None` unless it starts with `TTT-NN`, since
    /// a malformed linkage must not pair fields at random.
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        let (tag, rest) = value.split_at_checked(3)?;
        if !tag.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        let rest = rest.strip_prefix('-')?;
        let occ_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        if occ_len < 2 {
            return None;
        }
        let (occurrence, rest) = rest.split_at(occ_len);
        let mut script = None;
        let mut right_to_left = false;
        let mut parts = rest.split('/');
        // The text before the first '/' is empty for well-formed linkage.
        parts.next();
        if let Some(code) = parts.next() {
            script = Script::from_code(code);
        }
        if let Some(orient) = parts.next() {
            right_to_left = orient == "r";
        }
        Some(Self { tag: tag.to_owned(), occurrence: occurrence.to_owned(), script, right_to_left })
    }
}

/// One bibliographic record.
#[derive(Debug, Clone)]
pub struct Record {
    pub leader: Leader,
    pub fields: Vec<Field>,
    /// Problems met while reading that did not lose data (a wrong record length,
    /// damaged MARC-8 replaced with U+FFFD, ...). Not part of the record's content:
    /// ignored by `==`.
    pub warnings: Vec<String>,
}

impl PartialEq for Record {
    fn eq(&self, other: &Self) -> bool {
        self.leader == other.leader && self.fields == other.fields
    }
}

impl Eq for Record {}

impl Record {
    pub fn new(leader: Leader) -> Self {
        Self { leader, fields: Vec::new(), warnings: Vec::new() }
    }

    /// Content of the 001 control field.
    pub fn control_number(&self) -> Option<&str> {
        self.fields("001").find_map(Field::value)
    }

    /// Every field with this tag, in record order.
    pub fn fields<'a>(&'a self, tag: &str) -> impl Iterator<Item = &'a Field> {
        self.fields.iter().filter(move |f| f.tag() == tag)
    }

    /// First field with this tag.
    pub fn field(&self, tag: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.tag() == tag)
    }

    /// The 880 field holding the alternate-script version of `field`, found by
    /// the tag and occurrence number in both fields' `$6`.
    pub fn linked_880(&self, field: &Field) -> Option<&Field> {
        if field.tag() == "880" {
            return None;
        }
        let link = field.linkage()?;
        if link.tag != "880" || link.occurrence == "00" {
            return None;
        }
        self.fields("880")
            .find(|f| f.linkage().is_some_and(|l| l.tag == field.tag() && l.occurrence == link.occurrence))
    }

    /// The regular field that an 880 field parallels (the inverse of
    /// [`Record::linked_880`]).
    pub fn linked_field(&self, field_880: &Field) -> Option<&Field> {
        if field_880.tag() != "880" {
            return None;
        }
        let link = field_880.linkage()?;
        if link.occurrence == "00" {
            return None;
        }
        self.fields.iter().find(|f| {
            f.tag() == link.tag && f.linkage().is_some_and(|l| l.tag == "880" && l.occurrence == link.occurrence)
        })
    }

    /// Every (regular field, 880 field) pair linked through `$6`, in the order
    /// of the regular fields. Unlinked 880s (occurrence `00`) are not included.
    pub fn parallel_fields(&self) -> Vec<(&Field, &Field)> {
        self.fields.iter().filter(|f| f.tag() != "880").filter_map(|f| self.linked_880(f).map(|alt| (f, alt))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linkage_parses_all_parts() {
        let l = Linkage::parse("245-01/$1").expect("valid");
        assert_eq!(l.tag, "245");
        assert_eq!(l.occurrence, "01");
        assert_eq!(l.script, Some(Script::Cjk));
        assert!(!l.right_to_left);
        let l = Linkage::parse("100-02/(2/r").expect("valid");
        assert_eq!(l.script, Some(Script::Hebrew));
        assert!(l.right_to_left);
        let l = Linkage::parse("880-03").expect("valid");
        assert_eq!((l.tag.as_str(), l.script), ("880", None));
        assert!(Linkage::parse("24501").is_none());
        assert!(Linkage::parse("").is_none());
        assert!(Linkage::parse("245-1").is_none());
    }

    #[test]
    fn leader_accessors_and_validation() {
        let l = Leader::new("00759cam a2200229 a 4500").expect("valid");
        assert_eq!(l.record_status(), 'c');
        assert_eq!(l.type_of_record(), 'a');
        assert_eq!(l.bibliographic_level(), 'm');
        assert_eq!(l.character_coding(), 'a');
        assert_eq!(l.with(9, ' ').character_coding(), ' ');
        assert!(Leader::new("short").is_err());
        assert!(Leader::new("00759cam a2200229 a 450\u{1}").is_err());
    }
}
