//! Root fields for documents and MARC import.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use base64::Engine;

use super::change::{Change, record_apart, update};
use super::connection::{Page, PageArgs};
use super::enums::{ContributorRole, Direction, DocumentFormat, MarcEncoding};
use super::error::GqlResultExt;
use super::id::{self, NodeKind};
use super::{find, list_page, pool};
use crate::audit::{Entry, Outcome};
use crate::document::db::{DocumentFilter, DocumentOrder};
use crate::document::import::{self, ImportOptions, ImportReport};
use crate::document::{self, Contributor, DescriptionPatch, Document, ParallelTitle, Provenance};
use crate::error::{Error, Result as DomainResult};

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
        DocumentFilter {
            languages: self.languages,
            format: self.format.map(Into::into),
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
            title_contains: self.title_contains,
            isbn: self.isbn,
        }
        .checked()
    }
}

super::enums::graphql_enum!(
    DocumentOrderField => DocumentOrder {
        Title,
        Year,
        CreatedAt,
    }
);

#[derive(InputObject)]
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

impl From<DocumentInput> for DescriptionPatch {
    fn from(input: DocumentInput) -> Self {
        DescriptionPatch {
            title: input.title,
            subtitle: input.subtitle.into(),
            parallel_titles: input.parallel_titles.map(|titles| {
                titles
                    .into_iter()
                    .map(|t| ParallelTitle { title: t.title, subtitle: t.subtitle, script: t.script })
                    .collect()
            }),
            contributors: input.contributors.map(|contributors| {
                contributors
                    .into_iter()
                    .map(|c| Contributor { name: c.name, role: c.role.into(), parallel_name: c.parallel_name })
                    .collect()
            }),
            languages: input.languages,
            publisher: input.publisher.into(),
            place: input.place.into(),
            year: input.year.into(),
            edition: input.edition.into(),
            series_title: input.series_title.into(),
            series_volume: input.series_volume.into(),
            isbns: input.isbns,
            issns: input.issns,
            subjects: input.subjects,
            abstract_text: input.abstract_text.into(),
            notes: input.notes.into(),
            physical_description: input.physical_description.into(),
            format: input.format.map(Into::into),
        }
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

/// An export of many documents over GraphQL gives at most this many (the HTTP export,
/// `/documents.{format}`, streams up to 100,000).
const MAX_GRAPHQL_EXPORT: i32 = 1_000;

#[Object]
impl DocumentQuery {
    /// The documents the filter selects (the filter of `documents`), in one file of `format`,
    /// in the order they were catalogued: at most `first` (1,000 at most). For more,
    /// `GET /documents.{marcxml|dc|bib|ris|json}?…` streams the same with the same filters.
    async fn export_documents(
        &self,
        ctx: &Context<'_>,
        format: super::enums::ExportFormat,
        filter: Option<DocumentFilterInput>,
        #[graphql(default = 100)] first: i32,
    ) -> Result<String> {
        if !(1..=MAX_GRAPHQL_EXPORT).contains(&first) {
            return Err(super::error::bad_input("first", format!("first is between 1 and {MAX_GRAPHQL_EXPORT}")));
        }
        let filter = filter.unwrap_or_default().validate().gql()?;
        let documents = document::db::export_page(pool(ctx), &filter, 0, i64::from(first)).await.gql()?;
        let format = format.into();
        let mut out = String::from(document::export::collection_start(format));
        for (i, doc) in documents.iter().enumerate() {
            let id = crate::global_id::encode(NodeKind::Document, doc.id);
            out.push_str(&document::export::collection_item(doc, format, &id, i == 0));
        }
        out.push_str(document::export::collection_end(format));
        Ok(out)
    }

    /// One document by id. An unknown id is a `NOT_FOUND` error.
    async fn document(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Document>> {
        find(ctx, &id).await
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
        let filter = filter.unwrap_or_default().validate().gql()?;
        let (order, direction) =
            order_by.map_or((DocumentOrder::Title, Direction::Asc), |o| (o.field.into(), o.direction));
        list_page(ctx, &filter, order, direction.into(), &PageArgs::new(after, before, first, last)).await
    }
}

#[derive(Default)]
pub struct DocumentMutation;

#[Object]
impl DocumentMutation {
    /// Catalogues a document by hand.
    async fn create_document(&self, ctx: &Context<'_>, input: CreateDocumentInput) -> Result<Document> {
        let mut change = Change::begin(ctx, "createDocument").await?;
        let result = async {
            let description = DescriptionPatch::from(input.description).into_new()?;
            let provenance = Provenance {
                origin_partner_id: input
                    .origin_partner_id
                    .map(|id| id::decode_as("originPartnerId", &id, NodeKind::Partner))
                    .transpose()?,
                origin_exchange_id: input
                    .origin_exchange_id
                    .map(|id| id::decode_as("originExchangeId", &id, NodeKind::Exchange))
                    .transpose()?,
                ..Default::default()
            };
            let id = document::db::insert(change.conn(), &description, &provenance, None).await?;
            document::db::get(change.conn(), id).await
        }
        .await;
        change.finish(result).await
    }

    /// Changes a document's description; the result is validated as a whole.
    async fn update_document(&self, ctx: &Context<'_>, input: UpdateDocumentInput) -> Result<Document> {
        let UpdateDocumentInput { id, description } = input;
        let patch = id::decode_as("id", &id, NodeKind::Document).map(|id| (id, DescriptionPatch::from(description)));
        update(ctx, "updateDocument", patch).await
    }

    /// Deletes a document that has no holdings and is in no shipment (`CONFLICT` otherwise).
    /// Returns the deleted document's id.
    async fn delete_document(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let mut change = Change::begin(ctx, "deleteDocument").await?;
        let result = async {
            let raw = id::decode_as("id", &id, NodeKind::Document)?;
            document::db::delete(change.conn(), raw).await?;
            Ok(id)
        }
        .await;
        change.finish(result).await
    }

    /// Imports MARC records (the same import as `hamkor import`): each record creates a
    /// document or updates the one it created before; each bad record is reported with its
    /// position and reason, and never stops the others.
    ///
    /// An import writes in batches, each in a transaction of its own; the audit trail records
    /// it once it is done.
    async fn import_marc(&self, ctx: &Context<'_>, input: ImportMarcInput) -> Result<ImportReport> {
        let result = async {
            let bytes = if input.base64 {
                base64::engine::general_purpose::STANDARD
                    .decode(input.records.trim())
                    .map_err(|e| Error::invalid("records", format!("records are not valid base64: {e}")))?
            } else {
                input.records.into_bytes()
            };
            if bytes.is_empty() {
                return Err(Error::invalid("records", "no records were sent"));
            }
            let options = ImportOptions {
                source: input.source,
                file_name: None,
                encoding: input.encoding.map(Into::into),
                partner_id: input
                    .partner_id
                    .map(|id| id::decode_as("partnerId", &id, NodeKind::Partner))
                    .transpose()?,
                exchange_id: input
                    .exchange_id
                    .map(|id| id::decode_as("exchangeId", &id, NodeKind::Exchange))
                    .transpose()?,
            };
            import::import(pool(ctx), &bytes, &options, |_| {}).await
        }
        .await;
        let viewer = super::viewer(ctx);
        let entry = match &result {
            Ok(report) => Entry::new(viewer, "importMarc", Outcome::Ok).detail(report.summary()),
            Err(err) => Entry::new(viewer, "importMarc", Outcome::Failed).detail(err),
        };
        record_apart(ctx, &entry).await;
        result.gql()
    }
}
