//! Root fields for documents and MARC import.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use base64::Engine;

use super::connection::{IntoPage, Page, PageArgs};
use super::error::GqlResultExt;
use super::id::{self, NodeKind};
use super::{begin, pool};
use crate::db::Direction;
use crate::document::db::{DocumentFilter, DocumentOrder};
use crate::document::import::{self, ImportOptions, ImportReport};
use crate::document::{
    self, Contributor, ContributorRole, Description, Document, DocumentFormat, ParallelTitle, Provenance, identifiers,
};
use crate::error::{Error, Result as DomainResult};
use crate::marc::Encoding;

#[derive(InputObject, Default)]
#[graphql(name = "DocumentFilter")]
pub struct DocumentFilterInput {
    /// ISO 639 codes in any form (`ko`, `kor`, `chi`, `zho`); a document in any of them matches.
    #[graphql(default)]
    languages: Vec<String>,
    format: Option<DocumentFormat>,
    year_from: Option<i32>,
    year_to: Option<i32>,
    /// Documents that came from this partner.
    origin_partner_id: Option<ID>,
    /// Documents that came with or are listed in this exchange shipment.
    exchange_id: Option<ID>,
    title_contains: Option<String>,
    /// An ISBN-10 or ISBN-13, with or without hyphens.
    isbn: Option<String>,
}

impl DocumentFilterInput {
    fn validate(self) -> DomainResult<DocumentFilter> {
        let languages = self
            .languages
            .iter()
            .map(|code| {
                identifiers::normalize_language(code).ok_or_else(|| {
                    Error::invalid("filter.languages", format!("{code:?} is not an ISO 639 language code"))
                })
            })
            .collect::<DomainResult<Vec<_>>>()?;
        if let (Some(from), Some(to)) = (self.year_from, self.year_to)
            && to < from
        {
            return Err(Error::invalid("filter.yearTo", format!("yearTo ({to}) is before yearFrom ({from})")));
        }
        let isbn = self
            .isbn
            .map(|isbn| {
                identifiers::normalize_isbn(&isbn)
                    .ok_or_else(|| Error::invalid("filter.isbn", format!("{isbn:?} is not a valid ISBN")))
            })
            .transpose()?;
        Ok(DocumentFilter {
            languages,
            format: self.format,
            year_from: self.year_from,
            year_to: self.year_to,
            origin_partner_id: self
                .origin_partner_id
                .map(|id| id::decode_as("filter.originPartnerId", &id, NodeKind::Partner))
                .transpose()?,
            exchange_id: self
                .exchange_id
                .map(|id| id::decode_as("filter.exchangeId", &id, NodeKind::Exchange))
                .transpose()?,
            title_contains: self
                .title_contains
                .map(|t| crate::validate::text("filter.titleContains", &t, document::MAX_TITLE_CHARS))
                .transpose()?,
            isbn,
        })
    }
}

#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum DocumentOrderField {
    #[default]
    Title,
    Year,
    CreatedAt,
}

#[derive(InputObject, Default)]
pub struct DocumentOrderBy {
    field: DocumentOrderField,
    #[graphql(default)]
    direction: Direction,
}

#[derive(InputObject)]
pub struct ParallelTitleInput {
    title: String,
    subtitle: Option<String>,
    /// ISO 15924 script code, e.g. `Hani`, `Cyrl`.
    script: Option<String>,
}

#[derive(InputObject)]
pub struct ContributorInput {
    name: String,
    #[graphql(default_with = "ContributorRole::Author")]
    role: ContributorRole,
    parallel_name: Option<String>,
}

/// A document's description. On update, fields left out stay as they are, lists given
/// replace the stored ones, and a nullable field set to `null` is cleared.
#[derive(InputObject, Default)]
pub struct DocumentInput {
    title: Option<String>,
    subtitle: MaybeUndefined<String>,
    parallel_titles: Option<Vec<ParallelTitleInput>>,
    contributors: Option<Vec<ContributorInput>>,
    /// ISO 639 codes in any form; stored as ISO 639-3.
    languages: Option<Vec<String>>,
    publisher: MaybeUndefined<String>,
    place: MaybeUndefined<String>,
    year: MaybeUndefined<i32>,
    edition: MaybeUndefined<String>,
    series_title: MaybeUndefined<String>,
    series_volume: MaybeUndefined<String>,
    /// ISBN-10 or ISBN-13; stored as ISBN-13.
    isbns: Option<Vec<String>>,
    issns: Option<Vec<String>>,
    subjects: Option<Vec<String>>,
    #[graphql(name = "abstract")]
    abstract_text: MaybeUndefined<String>,
    notes: MaybeUndefined<String>,
    physical_description: MaybeUndefined<String>,
    format: Option<DocumentFormat>,
}

impl DocumentInput {
    /// Applies the input onto a description (empty for a new document).
    fn apply(self, mut d: Description) -> Description {
        fn set<T>(target: &mut Option<T>, value: MaybeUndefined<T>) {
            match value {
                MaybeUndefined::Undefined => {}
                MaybeUndefined::Null => *target = None,
                MaybeUndefined::Value(v) => *target = Some(v),
            }
        }
        if let Some(title) = self.title {
            d.title = title;
        }
        set(&mut d.subtitle, self.subtitle);
        if let Some(titles) = self.parallel_titles {
            d.parallel_titles = titles
                .into_iter()
                .map(|t| ParallelTitle { title: t.title, subtitle: t.subtitle, script: t.script })
                .collect();
        }
        if let Some(contributors) = self.contributors {
            d.contributors = contributors
                .into_iter()
                .map(|c| Contributor { name: c.name, role: c.role, parallel_name: c.parallel_name })
                .collect();
        }
        if let Some(v) = self.languages {
            d.languages = v;
        }
        set(&mut d.publisher, self.publisher);
        set(&mut d.place, self.place);
        set(&mut d.year, self.year);
        set(&mut d.edition, self.edition);
        set(&mut d.series_title, self.series_title);
        set(&mut d.series_volume, self.series_volume);
        if let Some(v) = self.isbns {
            d.isbns = v;
        }
        if let Some(v) = self.issns {
            d.issns = v;
        }
        if let Some(v) = self.subjects {
            d.subjects = v;
        }
        set(&mut d.abstract_text, self.abstract_text);
        set(&mut d.notes, self.notes);
        set(&mut d.physical_description, self.physical_description);
        if let Some(format) = self.format {
            d.format = format;
        }
        d
    }
}

#[derive(InputObject)]
pub struct CreateDocumentInput {
    description: DocumentInput,
    origin_partner_id: Option<ID>,
    origin_exchange_id: Option<ID>,
}

#[derive(InputObject)]
pub struct UpdateDocumentInput {
    id: ID,
    description: DocumentInput,
}

#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
pub enum MarcEncoding {
    Utf8,
    /// MARC-8, with its escape sequences for Cyrillic, Greek, Hebrew, Arabic and East Asian scripts.
    Marc8,
    Windows1251,
    /// DOS Cyrillic.
    Cp866,
}

impl From<MarcEncoding> for Encoding {
    fn from(value: MarcEncoding) -> Self {
        match value {
            MarcEncoding::Utf8 => Encoding::Utf8,
            MarcEncoding::Marc8 => Encoding::Marc8,
            MarcEncoding::Windows1251 => Encoding::Windows1251,
            MarcEncoding::Cp866 => Encoding::Cp866,
        }
    }
}

#[derive(InputObject)]
pub struct ImportMarcInput {
    /// MARCXML, or ISO 2709 records (the format is detected from the content).
    records: String,
    /// Set when `records` is base64: the way to send ISO 2709 in 8-bit encodings (MARC-8,
    /// Windows-1251, CP866), which are not valid UTF-8 text.
    #[graphql(default)]
    base64: bool,
    /// Overrides each record's own declaration (leader position 09).
    encoding: Option<MarcEncoding>,
    /// Where the records come from; with each record's 001 it identifies the record, so a
    /// second import of the same records updates them. Default `graphql`.
    source: Option<String>,
    partner_id: Option<ID>,
    exchange_id: Option<ID>,
}

#[derive(Default)]
pub struct DocumentQuery;

#[Object]
impl DocumentQuery {
    /// One document by id. An unknown id is a `NOT_FOUND` error.
    async fn document(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Document>> {
        let id = id::decode_as("id", &id, NodeKind::Document).gql()?;
        let mut conn = pool(ctx).acquire().await.map_err(Error::from).gql()?;
        document::db::get(&mut conn, id).await.gql().map(Some)
    }

    /// Documents, filtered and ordered by title unless `orderBy` says otherwise.
    async fn documents(
        &self,
        ctx: &Context<'_>,
        filter: Option<DocumentFilterInput>,
        order_by: Option<DocumentOrderBy>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Page<Document>> {
        let args = PageArgs::new(after, before, first, last);
        args.validate().gql()?;
        let filter = filter.unwrap_or_default().validate().gql()?;
        let order_by = order_by.unwrap_or_default();
        let order = match order_by.field {
            DocumentOrderField::Title => DocumentOrder::Title,
            DocumentOrderField::Year => DocumentOrder::Year,
            DocumentOrderField::CreatedAt => DocumentOrder::CreatedAt,
        };
        let total = document::db::count(pool(ctx), &filter).await.gql()?;
        let window = args.window(total).gql()?;
        let rows = document::db::list(pool(ctx), &filter, order, order_by.direction, window).await.gql()?;
        Ok(window.page(rows))
    }
}

#[derive(Default)]
pub struct DocumentMutation;

#[Object]
impl DocumentMutation {
    /// Catalogues a document by hand.
    async fn create_document(&self, ctx: &Context<'_>, input: CreateDocumentInput) -> Result<Document> {
        if input.description.title.is_none() {
            return Err(super::error::bad_input("title", "a document needs a title"));
        }
        let description = input.description.apply(Description::default()).validate().gql()?;
        let provenance = Provenance {
            origin_partner_id: input
                .origin_partner_id
                .map(|id| id::decode_as("originPartnerId", &id, NodeKind::Partner))
                .transpose()
                .gql()?,
            origin_exchange_id: input
                .origin_exchange_id
                .map(|id| id::decode_as("originExchangeId", &id, NodeKind::Exchange))
                .transpose()
                .gql()?,
            ..Default::default()
        };
        let mut tx = begin(ctx).await?;
        let id = document::db::insert(&mut tx, &description, &provenance, None).await.gql()?;
        let created = document::db::get(&mut tx, id).await.gql()?;
        tx.commit().await.map_err(Error::from).gql()?;
        Ok(created)
    }

    /// Changes a document's description; the result is validated as a whole.
    async fn update_document(&self, ctx: &Context<'_>, input: UpdateDocumentInput) -> Result<Document> {
        let id = id::decode_as("id", &input.id, NodeKind::Document).gql()?;
        let mut tx = begin(ctx).await?;
        let stored = document::db::get_for_update(&mut tx, id).await.gql()?;
        let description = input.description.apply(stored.description).validate().gql()?;
        document::db::update_description(&mut tx, id, &description).await.gql()?;
        let updated = document::db::get(&mut tx, id).await.gql()?;
        tx.commit().await.map_err(Error::from).gql()?;
        Ok(updated)
    }

    /// Deletes a document that has no holdings and is in no shipment (`CONFLICT` otherwise).
    /// Returns the deleted document's id.
    async fn delete_document(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let raw = id::decode_as("id", &id, NodeKind::Document).gql()?;
        let mut tx = begin(ctx).await?;
        document::db::delete(&mut tx, raw).await.gql()?;
        tx.commit().await.map_err(Error::from).gql()?;
        Ok(id)
    }

    /// Imports MARC records (the same import as `hamkor import`): each record creates a
    /// document or updates the one it created before; each bad record is reported with its
    /// position and reason, and never stops the others.
    async fn import_marc(&self, ctx: &Context<'_>, input: ImportMarcInput) -> Result<ImportReport> {
        let bytes = if input.base64 {
            base64::engine::general_purpose::STANDARD
                .decode(input.records.trim())
                .map_err(|e| super::error::bad_input("records", format!("records are not valid base64: {e}")))?
        } else {
            input.records.into_bytes()
        };
        if bytes.is_empty() {
            return Err(super::error::bad_input("records", "no records were sent"));
        }
        let options = ImportOptions {
            source: input.source.unwrap_or_else(|| "graphql".into()),
            file_name: None,
            encoding: input.encoding.map(Encoding::from),
            partner_id: input
                .partner_id
                .map(|id| id::decode_as("partnerId", &id, NodeKind::Partner))
                .transpose()
                .gql()?,
            exchange_id: input
                .exchange_id
                .map(|id| id::decode_as("exchangeId", &id, NodeKind::Exchange))
                .transpose()
                .gql()?,
        };
        import::import(pool(ctx), &bytes, &options, |_, _| {}).await.gql()
    }
}
