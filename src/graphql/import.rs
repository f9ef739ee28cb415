//! The import history: every import with its report (rejections, repairs, what each record
//! became), and rolling an import back.

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};

use super::change::Change;
use super::connection::{Page, PageArgs};
use super::enums::Direction;
use super::error::GqlResultExt;
use super::id::{self, NodeKind};
use super::nodes::load_optional;
use super::{list_page, viewer};
use crate::document::Document;
use crate::document::import::db::{
    ChangeRecord, ChangesOf, ImportFilter, ImportOrder, ImportRecord, RejectionsOf, WarningsOf,
};
use crate::document::import::{Change as RecordChange, ImportReport, Rejection, Warning};
use crate::error::Result as DomainResult;
use crate::exchange::Exchange;
use crate::partner::Partner;

#[derive(InputObject, Default)]
pub struct ImportFilterInput {
    partner_id: Option<ID>,
    source: Option<String>,
}

impl ImportFilterInput {
    fn validate(self) -> DomainResult<ImportFilter> {
        Ok(ImportFilter {
            partner_id: self
                .partner_id
                .map(|id| id::decode_as("filter.partnerId", &id, NodeKind::Partner))
                .transpose()?,
            source: self.source,
        })
    }
}

#[derive(Default)]
pub struct ImportQuery;

#[Object]
impl ImportQuery {
    /// Every import of MARC records, newest first: what it read, created, updated, rejected
    /// and repaired. For staff.
    async fn imports(
        &self,
        ctx: &Context<'_>,
        filter: Option<ImportFilterInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Page<ImportRecord>> {
        let filter = filter.unwrap_or_default().validate().gql()?;
        let args = PageArgs::new(after, before, first, last);
        list_page(ctx, &filter, ImportOrder::StartedAt, Direction::Desc.into(), &args).await
    }
}

#[derive(Default)]
pub struct ImportMutation;

#[Object]
impl ImportMutation {
    /// Rolls an import back: the documents it created are removed and those it updated get
    /// their previous record back, in one transaction. `CONFLICT`, changing nothing, when a
    /// created document has copies, shipment lines or loan requests, when a document changed
    /// since (by hand or by a later import, to be rolled back first), or when it was rolled
    /// back already.
    async fn rollback_import(&self, ctx: &Context<'_>, id: ID) -> Result<ImportRecord> {
        let actor = viewer(ctx).actor();
        let raw = id::decode_as("id", &id, NodeKind::Import).gql()?;
        // The roll-back runs in a transaction of its own; the change records its outcome.
        let change = Change::begin(ctx, "rollbackImport").await?;
        let result = async {
            crate::document::import::rollback(super::pool(ctx), raw, &actor).await?;
            let mut rows = crate::document::import::db::get_many(super::pool(ctx), &[raw]).await?;
            rows.pop().ok_or_else(|| crate::error::Error::not_found("Import", raw))
        }
        .await;
        change.finish(result).await
    }
}

/// One import of MARC records.
#[Object(name = "Import")]
impl ImportRecord {
    pub(crate) async fn id(&self) -> ID {
        id::encode(NodeKind::Import, self.id)
    }

    /// Where the records come from (`--source`, else the records' 003, else the file name).
    async fn source(&self) -> &str {
        &self.source
    }

    async fn file_name(&self) -> Option<&str> {
        self.file_name.as_deref()
    }

    async fn partner(&self, ctx: &Context<'_>) -> Result<Option<Partner>> {
        load_optional(ctx, self.partner_id).await
    }

    async fn exchange(&self, ctx: &Context<'_>) -> Result<Option<Exchange>> {
        load_optional(ctx, self.exchange_id).await
    }

    async fn started_at(&self) -> DateTime<Utc> {
        self.started_at
    }

    /// Null while the import runs (or if it failed midway).
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.finished_at
    }

    async fn read(&self) -> i32 {
        self.records_read
    }

    async fn created(&self) -> i32 {
        self.created
    }

    async fn updated(&self) -> i32 {
        self.updated
    }

    async fn rejected(&self) -> i32 {
        self.rejected
    }

    /// How many repairs were made and parts dropped while reading the records.
    async fn warning_count(&self) -> i32 {
        self.warnings
    }

    async fn rolled_back_at(&self) -> Option<DateTime<Utc>> {
        self.rolled_back_at
    }

    async fn rolled_back_by(&self) -> Option<&str> {
        self.rolled_back_by.as_deref()
    }

    /// The records not imported, in file order.
    async fn rejections(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Page<Rejection>> {
        let args = PageArgs::new(after, before, first, last);
        list_page(ctx, &RejectionsOf(self.id), (), Direction::Asc.into(), &args).await
    }

    /// The repairs made and the parts dropped, in file order.
    async fn warnings(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Page<Warning>> {
        let args = PageArgs::new(after, before, first, last);
        list_page(ctx, &WarningsOf(self.id), (), Direction::Asc.into(), &args).await
    }

    /// What each imported record became, in file order.
    async fn changes(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Page<ChangeRecord>> {
        let args = PageArgs::new(after, before, first, last);
        list_page(ctx, &ChangesOf(self.id), (), Direction::Asc.into(), &args).await
    }
}

/// A repair made to a record, or a part of it dropped, while reading it.
#[Object(name = "ImportWarning")]
impl Warning {
    /// The record's position in the file, from 1.
    async fn position(&self) -> i32 {
        self.position
    }

    async fn control_number(&self) -> Option<&str> {
        self.control_number.as_deref()
    }

    /// The field and what was done.
    async fn message(&self) -> &str {
        &self.message
    }
}

/// Why one record was not imported.
#[Object]
impl Rejection {
    /// The record's position in the file, from 1.
    async fn position(&self) -> i32 {
        self.position
    }

    /// Where it starts in an ISO 2709 file.
    async fn byte_offset(&self) -> Option<i64> {
        self.byte_offset
    }

    async fn control_number(&self) -> Option<&str> {
        self.control_number.as_deref()
    }

    async fn reason(&self) -> &str {
        &self.reason
    }
}

super::enums::graphql_enum!(
    /// Which rule recognised a record as a document already in the catalogue.
    MatchRule => crate::document::import::MatchRule {
        /// The same control number (001) from the same source.
        ControlNumber,
        /// The very same record, from whatever source or file.
        SameRecord,
        /// The same ISBN.
        Isbn,
        /// An earlier record of the same file.
        EarlierInFile,
    }
);

/// What one record of an import became.
#[Object(name = "ImportChange")]
impl ChangeRecord {
    async fn position(&self) -> i32 {
        self.position
    }

    /// The document; null once the import that created it is rolled back.
    async fn document(&self, ctx: &Context<'_>) -> Result<Option<Document>> {
        load_optional(ctx, Some(self.document_id)).await
    }

    /// Whether the record created the document (else it updated it).
    async fn created(&self) -> bool {
        self.action == "created"
    }

    async fn matched_by(&self) -> Option<MatchRule> {
        let rule = match self.matched_by.as_deref()? {
            "control_number" => crate::document::import::MatchRule::ControlNumber,
            "same_record" => crate::document::import::MatchRule::SameRecord,
            "isbn" => crate::document::import::MatchRule::Isbn,
            _ => crate::document::import::MatchRule::EarlierInFile,
        };
        Some(rule.into())
    }
}

/// What an import did, as soon as it is done.
#[Object]
impl ImportReport {
    /// The import's id in the history (`imports`, `rollbackImport`).
    async fn id(&self) -> ID {
        id::encode(NodeKind::Import, self.import_id)
    }

    async fn source(&self) -> &str {
        &self.source
    }

    async fn read(&self) -> i32 {
        self.read
    }

    async fn created(&self) -> i32 {
        self.created
    }

    async fn updated(&self) -> i32 {
        self.updated
    }

    async fn rejected(&self) -> i32 {
        self.rejected
    }

    async fn rejections(&self) -> &[Rejection] {
        &self.rejections
    }

    /// The repairs made and the parts dropped while reading the records.
    async fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// What each imported record became; the first 1,000 (the import's history has all).
    async fn changes(&self) -> Vec<ImportedRecord> {
        self.changes.iter().take(1000).map(|c| ImportedRecord(c.clone())).collect()
    }
}

/// What one record of an import became, as the import's report gives it.
pub struct ImportedRecord(RecordChange);

#[Object]
impl ImportedRecord {
    async fn position(&self) -> i32 {
        self.0.position
    }

    async fn document(&self, ctx: &Context<'_>) -> Result<Option<Document>> {
        load_optional(ctx, Some(self.0.document_id)).await
    }

    async fn created(&self) -> bool {
        self.0.created
    }

    async fn matched_by(&self) -> Option<MatchRule> {
        self.0.matched_by.map(Into::into)
    }
}
