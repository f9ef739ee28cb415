//! The index schema: the single source of truth for field names and how each is indexed.
//!
//! The index holds what ranking, filtering and facets need, and a copy of each document
//! (everything but its MARC record) from which a results page shows its hits without a
//! round trip to PostgreSQL. The copy is as fresh as the hit list itself: both follow the
//! change log, under a second behind PostgreSQL.

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, SchemaBuilder, TextFieldIndexing, TextOptions,
};

use super::analysis;

/// Bump when the schema or the analyzers change: an index of another version is rebuilt.
pub const SCHEMA_VERSION: u32 = 10;

/// The searchable texts of a document, each indexed four ways (see [`analysis`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Title, subtitle and parallel titles.
    Title,
    /// Contributor names, in every script given.
    Contributors,
    Subjects,
    /// Abstract and notes.
    Abstract,
}

impl Source {
    pub const ALL: [Source; 4] = [Source::Title, Source::Contributors, Source::Subjects, Source::Abstract];

    fn name(self) -> &'static str {
        match self {
            Source::Title => "title",
            Source::Contributors => "contributors",
            Source::Subjects => "subjects",
            Source::Abstract => "abstract",
        }
    }

    /// How much a match here weighs: title above contributors above subjects above abstract.
    pub fn weight(self) -> f32 {
        match self {
            Source::Title => 4.0,
            Source::Contributors => 3.0,
            Source::Subjects => 2.0,
            Source::Abstract => 1.0,
        }
    }
}

/// One text field per (source, analyzer), and one of its word pairs.
#[derive(Clone, Debug)]
pub struct TextFields {
    fields: Vec<(Source, &'static str, Field)>,
    pairs: Vec<(Source, &'static str, Field)>,
}

impl TextFields {
    pub fn get(&self, source: Source, analyzer: &str) -> Field {
        Self::find(&self.fields, source, analyzer).expect("every source is indexed with every analyzer")
    }

    /// The field of the pairs of adjacent words of `source` in `analyzer`'s form, for the
    /// analyzers that have one ([`analysis::PAIRS`]): a phrase's words found next to each
    /// other without reading positions.
    pub fn pairs(&self, source: Source, analyzer: &str) -> Option<Field> {
        Self::find(&self.pairs, source, analyzer)
    }

    fn find(fields: &[(Source, &'static str, Field)], source: Source, analyzer: &str) -> Option<Field> {
        fields.iter().find(|(s, a, _)| *s == source && *a == analyzer).map(|(_, _, f)| *f)
    }
}

#[derive(Clone, Debug)]
pub struct Fields {
    pub schema: Schema,
    pub id: Field,
    /// The document as JSON (`document::Document` without its MARC record): what a results
    /// page shows of a hit.
    pub copy: Field,
    pub text: TextFields,
    /// Every folded word of titles, contributors and subjects, indexed without frequencies or
    /// positions: one dictionary to expand prefixes and typos from, instead of one per field.
    pub vocabulary: Field,
    /// ISO 639-3 codes.
    pub language: Field,
    pub format: Field,
    pub year: Field,
    pub partner: Field,
    pub country: Field,
    /// `incoming` / `outgoing`: the directions of the shipments the document travelled in.
    pub direction: Field,
    /// Reading rooms (project ids) where copies are shelved.
    pub project: Field,
    /// This library holds a copy that is available.
    pub available: Field,
    /// When the document was catalogued (Unix seconds), for "date added" order.
    pub added: Field,
    /// What facets count, one key per value: `l:kor`, `f:book`, `p:12`, `c:KR`, `s:Poetry`
    /// (see [`super::facets`]; years and decades are counted from `year`).
    pub facet_keys: Field,
}

/// The field of `source`'s texts as `analyzer` splits them, e.g. `title_stemmed`.
fn add_text(builder: &mut SchemaBuilder, source: Source, analyzer: &str, option: IndexRecordOption) -> Field {
    let indexing = TextFieldIndexing::default().set_tokenizer(analyzer).set_index_option(option);
    let name = format!("{}_{}", source.name(), analyzer.trim_start_matches("hamkor_"));
    builder.add_text_field(&name, TextOptions::default().set_indexing_options(indexing))
}

pub fn build() -> Fields {
    let mut builder = Schema::builder();
    let id = builder.add_u64_field("id", INDEXED | STORED | FAST);
    let copy = builder.add_bytes_field("copy", STORED);
    let mut fields = Vec::new();
    for source in Source::ALL {
        for analyzer in analysis::ALL {
            let field = add_text(&mut builder, source, analyzer, IndexRecordOption::WithFreqsAndPositions);
            fields.push((source, analyzer, field));
        }
    }
    // Pairs need their frequencies (BM25) but no positions: a pair is a phrase already.
    let mut pairs = Vec::new();
    for source in Source::ALL {
        for (analyzer, pair_analyzer) in analysis::PAIRS {
            let field = add_text(&mut builder, source, pair_analyzer, IndexRecordOption::WithFreqs);
            pairs.push((source, analyzer, field));
        }
    }
    let vocabulary = builder.add_text_field(
        "vocabulary",
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default().set_tokenizer(analysis::FOLDED).set_index_option(IndexRecordOption::Basic),
        ),
    );
    let language = builder.add_text_field("language", STRING);
    let format = builder.add_text_field("format", STRING);
    let year = builder.add_i64_field("year", INDEXED | FAST);
    let partner = builder.add_u64_field("partner", INDEXED | FAST);
    let country = builder.add_text_field("country", STRING);
    let direction = builder.add_text_field("direction", STRING);
    let project = builder.add_u64_field("project", INDEXED);
    let available = builder.add_bool_field("available", INDEXED);
    let added = builder.add_i64_field("added", INDEXED | FAST);
    let facet_keys = builder.add_text_field(super::facets::KEYS_FIELD, FAST);
    Fields {
        schema: builder.build(),
        id,
        copy,
        text: TextFields { fields, pairs },
        vocabulary,
        language,
        format,
        year,
        partner,
        country,
        direction,
        project,
        available,
        added,
        facet_keys,
    }
}
