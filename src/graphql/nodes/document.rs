//! The `Document` object.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};

use super::{load_optional, nested_page};
use crate::document::{Contributor, Document, ParallelTitle};
use crate::exchange::Exchange;
use crate::graphql::connection::{Page, PageArgs};
use crate::graphql::enums::{ContributorRole, DocumentFormat, ExportFormat};
use crate::graphql::error::GqlResultExt;
use crate::graphql::id::{self, NodeKind};
use crate::graphql::loaders::HoldingsOfDocument;
use crate::holding::Holding;
use crate::partner::Partner;

/// A bibliographic record of a document the library exchanges with its partners.
#[Object]
impl Document {
    pub(crate) async fn id(&self) -> ID {
        id::encode(NodeKind::Document, self.id)
    }

    async fn title(&self) -> &str {
        &self.description.title
    }

    async fn subtitle(&self) -> Option<&str> {
        self.description.subtitle.as_deref()
    }

    /// The title in other scripts (MARC 880, e.g. the Han characters of a title catalogued
    /// in pinyin) and variant titles.
    async fn parallel_titles(&self) -> &[ParallelTitle] {
        &self.description.parallel_titles
    }

    async fn contributors(&self) -> &[Contributor] {
        &self.description.contributors
    }

    /// ISO 639-3 codes, e.g. `kor`, `rus`, `uzb`.
    async fn languages(&self) -> &[String] {
        &self.description.languages
    }

    async fn publisher(&self) -> Option<&str> {
        self.description.publisher.as_deref()
    }

    /// Place of publication.
    async fn place(&self) -> Option<&str> {
        self.description.place.as_deref()
    }

    async fn year(&self) -> Option<i32> {
        self.description.year
    }

    async fn edition(&self) -> Option<&str> {
        self.description.edition.as_deref()
    }

    /// The series, e.g. "The Cultural Legacy of Uzbekistan".
    async fn series_title(&self) -> Option<&str> {
        self.description.series_title.as_deref()
    }

    /// The volume within the series, e.g. "XLI".
    async fn series_volume(&self) -> Option<&str> {
        self.description.series_volume.as_deref()
    }

    /// ISBNs as ISBN-13 digits (an ISBN-10 is given as its ISBN-13).
    async fn isbns(&self) -> &[String] {
        &self.description.isbns
    }

    /// ISSNs as `NNNN-NNNC`.
    async fn issns(&self) -> &[String] {
        &self.description.issns
    }

    async fn subjects(&self) -> &[String] {
        &self.description.subjects
    }

    #[graphql(name = "abstract")]
    async fn abstract_text(&self) -> Option<&str> {
        self.description.abstract_text.as_deref()
    }

    async fn notes(&self) -> Option<&str> {
        self.description.notes.as_deref()
    }

    async fn physical_description(&self) -> Option<&str> {
        self.description.physical_description.as_deref()
    }

    async fn format(&self) -> DocumentFormat {
        self.description.format.into()
    }

    /// The import source the record came from (with `controlNumber`, its identity there).
    async fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }

    /// The record's control number (MARC 001) in its source.
    async fn control_number(&self) -> Option<&str> {
        self.control_number.as_deref()
    }

    /// The partner the document came from.
    async fn origin_partner(&self, ctx: &Context<'_>) -> Result<Option<Partner>> {
        load_optional(ctx, self.origin_partner_id).await
    }

    /// The exchange shipment the document came with.
    async fn origin_exchange(&self, ctx: &Context<'_>) -> Result<Option<Exchange>> {
        load_optional(ctx, self.origin_exchange_id).await
    }

    /// The copies of the document: this library's first, then the partners'.
    async fn holdings(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Page<Holding>> {
        nested_page::<HoldingsOfDocument>(ctx, self.id, PageArgs::new(after, before, first, last)).await
    }

    /// The record as MARCXML, Dublin Core, BibTeX, RIS or CSL-JSON (the same documents are
    /// at `/documents/{id}.{marcxml|dc|bib|ris|json}`).
    async fn export(&self, ctx: &Context<'_>, format: ExportFormat) -> Result<String> {
        let id = crate::global_id::encode(NodeKind::Document, self.id);
        if self.marc_xml.is_none() {
            // The stored record is read only for exports (lists and lookups leave it): the
            // MARCXML export is that record, and the others take its links and DOIs.
            let mut conn = crate::graphql::pool(ctx).acquire().await.map_err(crate::error::Error::from).gql()?;
            let with_record = crate::document::db::get_with_record(&mut conn, self.id).await.gql()?;
            return crate::document::export::render(&with_record, format.into(), &id).gql();
        }
        crate::document::export::render(self, format.into(), &id).gql()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }
}

/// A person or body and its role; `parallelName` is the same name in another script (from
/// a MARC 880 field), e.g. 金庸 for "Jin, Yong".
#[Object]
impl Contributor {
    async fn name(&self) -> &str {
        &self.name
    }

    async fn role(&self) -> ContributorRole {
        self.role.into()
    }

    async fn parallel_name(&self) -> Option<&str> {
        self.parallel_name.as_deref()
    }
}

/// The title in another script or language: a MARC 880 field linked to the 245 (the Han
/// characters of a title catalogued in pinyin), or a 246 variant title.
#[Object]
impl ParallelTitle {
    async fn title(&self) -> &str {
        &self.title
    }

    async fn subtitle(&self) -> Option<&str> {
        self.subtitle.as_deref()
    }

    /// ISO 15924 script code when known: `Hani`, `Cyrl`, `Arab`, `Hebr`, `Grek`, `Latn`.
    async fn script(&self) -> Option<&str> {
        self.script.as_deref()
    }
}
