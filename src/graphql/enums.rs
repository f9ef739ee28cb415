//! The GraphQL enums. Each mirrors a domain enum, variant for variant, and converts to and
//! from it, so the domain stays free of GraphQL and the schema's descriptions live here.

/// `graphql_enum!(/// docs  Name => crate::path::DomainEnum { Variant, ... })` declares a
/// GraphQL enum and its conversions both ways (a variant missing on either side does not
/// compile).
macro_rules! graphql_enum {
    ($(#[$meta:meta])* $name:ident => $domain:ty { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl From<$name> for $domain {
            fn from(value: $name) -> Self {
                match value {
                    $($name::$variant => Self::$variant),+
                }
            }
        }

        impl From<$domain> for $name {
            fn from(value: $domain) -> Self {
                type Domain = $domain;
                match value {
                    $(Domain::$variant => $name::$variant),+
                }
            }
        }
    };
}

pub(crate) use graphql_enum;

graphql_enum!(
    /// What kind of institution a partner is.
    PartnerKind => crate::partner::PartnerKind {
        NationalLibrary,
        /// A university, academy or conservatory.
        University,
        ResearchInstitute,
        CulturalCentre,
        /// An archive or manuscript centre.
        Archive,
        /// An embassy, consulate or other diplomatic mission.
        DiplomaticMission,
        InternationalOrganisation,
        /// A company, typically a sponsor.
        Company,
    }
);

graphql_enum!(
    /// The legal form of an agreement.
    AgreementKind => crate::agreement::AgreementKind {
        MemorandumOfUnderstanding,
        CooperationAgreement,
        /// An agreement on the exchange of documents.
        ExchangeAgreement,
        Other,
    }
);

graphql_enum!(
    /// Where an agreement stands. `EXPIRED` is never set by anyone: an active agreement is
    /// expired from the day after its `validUntil` date (in the office's time zone).
    AgreementStatus => crate::agreement::AgreementStatus {
        Draft,
        Active,
        Expired,
        Terminated,
    }
);

graphql_enum!(
    ProjectKind => crate::project::ProjectKind {
        /// A reading room or corner run with a partner, such as "Window to Korea".
        ReadingRoom,
        CulturalCentre,
        KnowledgeHall,
        UnescoProgramme,
        Publication,
        Other,
    }
);

graphql_enum!(
    ProjectStatus => crate::project::ProjectStatus {
        Planned,
        Active,
        Completed,
        Suspended,
    }
);

graphql_enum!(
    /// A partner's part in a project.
    ProjectRole => crate::project::ProjectRole {
        Lead,
        CoOrganiser,
        Sponsor,
        Supporter,
    }
);

graphql_enum!(
    /// The kind of material.
    DocumentFormat => crate::document::DocumentFormat {
        Book,
        Serial,
        Manuscript,
        Map,
        /// Printed or manuscript music.
        Score,
        /// Sound and video recordings, images.
        Audiovisual,
        Electronic,
        Other,
    }
);

graphql_enum!(
    /// What a person or body did for a document (MARC relator terms).
    ContributorRole => crate::document::ContributorRole {
        Author,
        Editor,
        Translator,
        Illustrator,
        Compiler,
        Composer,
        Photographer,
        Publisher,
        Contributor,
    }
);

graphql_enum!(
    /// The export formats of a document.
    ExportFormat => crate::document::export::ExportFormat {
        /// MARC 21 in XML (the stored record when there is one).
        MarcXml,
        /// Simple Dublin Core as served over OAI-PMH (`oai_dc`).
        DublinCore,
        Bibtex,
        /// RIS, the tagged format of EndNote, Zotero and Mendeley.
        Ris,
        /// CSL-JSON, the input of citeproc and Zotero's native JSON import.
        CslJson,
    }
);

graphql_enum!(
    MarcEncoding => crate::marc::Encoding {
        Utf8,
        /// MARC-8, with its escape sequences for Cyrillic, Greek, Hebrew, Arabic and East Asian scripts.
        Marc8,
        Windows1251,
        /// DOS Cyrillic.
        Cp866,
    }
);

graphql_enum!(
    HoldingStatus => crate::holding::HoldingStatus {
        Available,
        OnLoan,
        InTransit,
        Missing,
        Withdrawn,
    }
);

graphql_enum!(
    ExchangeDirection => crate::exchange::ExchangeDirection {
        /// From the partner to the library.
        Incoming,
        /// From the library to the partner.
        Outgoing,
    }
);

graphql_enum!(
    ExchangeStatus => crate::exchange::ExchangeStatus {
        Planned,
        Dispatched,
        Received,
        Acknowledged,
        Cancelled,
    }
);

graphql_enum!(
    Direction => crate::db::Direction {
        Asc,
        Desc,
    }
);

// A macro-made enum cannot mark its default variant.
#[allow(clippy::derivable_impls)]
impl Default for Direction {
    fn default() -> Self {
        Direction::Asc
    }
}

graphql_enum!(
    /// Where an interlibrary loan request stands: ISO 18626's supplier statuses, with the
    /// requester's two steps of a loan (`RECEIVED`, `SHIPPED_RETURN`) made visible.
    IllStatus => crate::ill::Status {
        /// The supplier has the request and has not answered yet.
        RequestReceived,
        ExpectToSupply,
        WillSupply,
        /// The supplier cannot supply as asked but might under other terms.
        RetryPossible,
        /// The supplier has sent the loan.
        Loaned,
        /// The requester has the loan.
        Received,
        /// The requester has sent the loan back (or on to another library).
        ShippedReturn,
        Overdue,
        Recalled,
        CopyCompleted,
        LoanCompleted,
        CompletedWithoutReturn,
        Unfilled,
        Cancelled,
    }
);

graphql_enum!(
    /// A question one side of a request asked the other and that waits for its answer.
    IllPending => crate::ill::Pending {
        /// The requester asked to cancel.
        Cancel,
        /// The requester asked to keep the loan longer.
        Renew,
        /// The supplier offered conditions.
        Conditions,
    }
);

graphql_enum!(
    /// What a request asks for: the document lent, or a copy of part of it.
    IllServiceType => crate::ill::ServiceType {
        Loan,
        Copy,
    }
);

graphql_enum!(
    /// Whose request it is.
    IllRole => crate::ill::Role {
        /// This library borrows from the partner.
        Borrowing,
        /// This library lends to the partner.
        Lending,
    }
);

graphql_enum!(
    /// An action on a request; each has its own mutation.
    IllAction => crate::ill::Action {
        ExpectToSupply,
        WillSupply,
        OfferConditions,
        RetryPossible,
        Unfilled,
        /// Sends the loan.
        Ship,
        /// Sends the copy.
        SendCopy,
        Recall,
        /// Takes the returned loan back.
        CheckIn,
        CompleteWithoutReturn,
        AcceptCancel,
        RejectCancel,
        AcceptRenew,
        RejectRenew,
        Cancel,
        AcceptConditions,
        Received,
        Renew,
        ShippedReturn,
        ShippedForward,
        StatusRequest,
        Notification,
        /// Taken by the server when a loan passes its due date.
        MarkOverdue,
    }
);
