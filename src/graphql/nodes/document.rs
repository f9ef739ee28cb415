//! The `Document` object.

use async_graphql::{Context, ErrorExtensions, ID, Object, Result};
use chrono::{DateTime, Utc};

use super::loaders;
use super::nested_page;
use crate::document::export::ExportFormat;
use crate::document::{Contributor, Document, DocumentFormat, ParallelTitle};
use crate::exchange::Exchange;
use crate::graphql::connection::{Page, PageArgs};
use crate::graphql::error::GqlResultExt;
use crate::graphql::id::{self, NodeKind};
use crate::graphql::loaders::{ExchangeKey, HoldingsOfDocument, PartnerKey};
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
        self.description.format
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
        let Some(id) = self.origin_partner_id else { return Ok(None) };
        loaders(ctx).load_one(PartnerKey(id)).await.map_err(|e| e.extend())
    }

    /// The exchange shipment the document came with.
    async fn origin_exchange(&self, ctx: &Context<'_>) -> Result<Option<Exchange>> {
        let Some(id) = self.origin_exchange_id else { return Ok(None) };
        loaders(ctx).load_one(ExchangeKey(id)).await.map_err(|e| e.extend())
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
        nested_page(ctx, HoldingsOfDocument(self.id), PageArgs::new(after, before, first, last)).await
    }

    /// The record as MARCXML, Dublin Core, BibTeX, RIS or CSL-JSON (the same documents are
    /// at `/documents/{id}.{marcxml|dc|bib|ris|json}`).
    async fn export(&self, format: ExportFormat) -> Result<String> {
        let id = id::encode(NodeKind::Document, self.id);
        crate::document::export::render(self, format, &id).gql()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }
}
