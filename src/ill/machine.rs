//! The life of an interlibrary loan request, as data: every status, every action, and the
//! one table that says which action may be taken by whom, from which status, and where it
//! leads. Legality checks, the `legalActions` a client shows as buttons, and the tests that
//! try every illegal move all read [`TRANSITIONS`]; nothing else decides.
//!
//! The statuses are ISO 18626's supplier statuses, with two of the requester's steps made
//! visible (`Received`, `ShippedReturn`: the supplier still reports `Loaned` meanwhile; see
//! [`Status::iso`]). A question one side asks the other (to cancel, to renew, to accept
//! conditions) leaves the status as it is and waits in [`Pending`] for its answer.

use crate::text_enum::text_enum;

text_enum!(
    /// Where a request stands.
    Status {
        /// The supplier has the request and has not answered yet.
        RequestReceived = "request_received",
        ExpectToSupply = "expect_to_supply",
        WillSupply = "will_supply",
        /// The supplier cannot supply as asked but might under other terms (a new request).
        RetryPossible = "retry_possible",
        /// The supplier has sent the loan.
        Loaned = "loaned",
        /// The requester has the loan.
        Received = "received",
        /// The requester has sent the loan back (or forward).
        ShippedReturn = "shipped_return",
        Overdue = "overdue",
        Recalled = "recalled",
        CopyCompleted = "copy_completed",
        LoanCompleted = "loan_completed",
        CompletedWithoutReturn = "completed_without_return",
        Unfilled = "unfilled",
        Cancelled = "cancelled",
    }
);

text_enum!(
    /// A question waiting for the other side's answer.
    Pending {
        /// The requester asked to cancel; the supplier answers.
        Cancel = "cancel",
        /// The requester asked to keep the loan longer; the supplier answers.
        Renew = "renew",
        /// The supplier offered conditions; the requester accepts them or cancels.
        Conditions = "conditions",
    }
);

text_enum!(
    /// Loan or copy: a copy is never returned, so never overdue.
    ServiceType {
        Loan = "loan",
        Copy = "copy",
    }
);

text_enum!(
    /// Whose request it is: this library borrowing from the partner, or lending to it.
    Role {
        Borrowing = "borrowing",
        Lending = "lending",
    }
);

text_enum!(
    /// Everything that can happen to a request.
    Action {
        // The supplier's.
        ExpectToSupply = "expect_to_supply",
        WillSupply = "will_supply",
        OfferConditions = "offer_conditions",
        RetryPossible = "retry_possible",
        Unfilled = "unfilled",
        /// Sends the loan (`Loaned`) with its due date.
        Ship = "ship",
        /// Sends the copy (`CopyCompleted`).
        SendCopy = "send_copy",
        Recall = "recall",
        /// The loan came back (`LoanCompleted`).
        CheckIn = "check_in",
        CompleteWithoutReturn = "complete_without_return",
        AcceptCancel = "accept_cancel",
        RejectCancel = "reject_cancel",
        AcceptRenew = "accept_renew",
        RejectRenew = "reject_renew",
        // The requester's.
        Cancel = "cancel",
        AcceptConditions = "accept_conditions",
        Received = "received",
        Renew = "renew",
        ShippedReturn = "shipped_return",
        ShippedForward = "shipped_forward",
        StatusRequest = "status_request",
        // Either side's.
        Notification = "notification",
        // The server's own.
        MarkOverdue = "mark_overdue",
    }
);

/// Who takes an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// The agency that lends or copies.
    Supplier,
    /// The agency that borrows.
    Requester,
    /// The server itself (the overdue job).
    System,
}

/// What the pending question must be for an action to apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PendingIs {
    Nothing,
    /// Nothing, or this question.
    NothingOr(Pending),
    Exactly(Pending),
    Anything,
}

/// What an action does to the pending question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PendingAfter {
    Keep,
    Clear,
    Ask(Pending),
}

/// One legal move.
#[derive(Clone, Copy, Debug)]
pub struct Transition {
    pub action: Action,
    pub sides: &'static [Side],
    pub from: &'static [Status],
    pub pending: PendingIs,
    /// `None`: the status stays.
    pub to: Option<Status>,
    pub pending_after: PendingAfter,
    /// `None`: loans and copies alike.
    pub service: Option<ServiceType>,
}

use self::Side::{Requester, Supplier, System};
use self::Status as S;

const SUPPLIER: &[Side] = &[Supplier];
const REQUESTER: &[Side] = &[Requester];
const EITHER: &[Side] = &[Supplier, Requester];

/// Before anything is sent.
const BEFORE_SUPPLY: &[Status] = &[S::RequestReceived, S::ExpectToSupply, S::WillSupply];
/// While the requester has (or should have) the loan.
const OUT_ON_LOAN: &[Status] = &[S::Loaned, S::Received, S::Overdue];
/// The statuses a request is still under way in: the first nine (see [`Status`]).
const NOT_CLOSED: &[Status] = Status::ALL.split_at(9).0;

const fn t(
    action: Action,
    sides: &'static [Side],
    from: &'static [Status],
    pending: PendingIs,
    to: Option<Status>,
    pending_after: PendingAfter,
    service: Option<ServiceType>,
) -> Transition {
    Transition { action, sides, from, pending, to, pending_after, service }
}

use self::PendingAfter::{Ask, Clear, Keep};
use self::PendingIs::{Anything, Exactly, Nothing, NothingOr};

/// Every legal move. An action may appear more than once, from different statuses.
pub const TRANSITIONS: &[Transition] = &[
    // The supplier answers the request.
    t(Action::ExpectToSupply, SUPPLIER, &[S::RequestReceived], Nothing, Some(S::ExpectToSupply), Keep, None),
    t(Action::WillSupply, SUPPLIER, &[S::RequestReceived, S::ExpectToSupply], Nothing, Some(S::WillSupply), Keep, None),
    t(Action::OfferConditions, SUPPLIER, BEFORE_SUPPLY, Nothing, None, Ask(Pending::Conditions), None),
    t(
        Action::RetryPossible,
        SUPPLIER,
        &[S::RequestReceived, S::ExpectToSupply],
        NothingOr(Pending::Conditions),
        Some(S::RetryPossible),
        Clear,
        None,
    ),
    t(
        Action::Unfilled,
        SUPPLIER,
        &[S::RequestReceived, S::ExpectToSupply, S::WillSupply, S::RetryPossible],
        Anything,
        Some(S::Unfilled),
        Clear,
        None,
    ),
    t(Action::Ship, SUPPLIER, BEFORE_SUPPLY, Nothing, Some(S::Loaned), Keep, Some(ServiceType::Loan)),
    t(Action::SendCopy, SUPPLIER, BEFORE_SUPPLY, Nothing, Some(S::CopyCompleted), Keep, Some(ServiceType::Copy)),
    // The supplier answers the requester's questions.
    t(Action::AcceptCancel, SUPPLIER, BEFORE_SUPPLY, Exactly(Pending::Cancel), Some(S::Cancelled), Clear, None),
    t(Action::RejectCancel, SUPPLIER, BEFORE_SUPPLY, Exactly(Pending::Cancel), None, Clear, None),
    t(Action::AcceptRenew, SUPPLIER, &[S::Loaned], Exactly(Pending::Renew), None, Clear, Some(ServiceType::Loan)),
    t(
        Action::AcceptRenew,
        SUPPLIER,
        &[S::Received, S::Overdue],
        Exactly(Pending::Renew),
        Some(S::Received),
        Clear,
        Some(ServiceType::Loan),
    ),
    t(Action::RejectRenew, SUPPLIER, OUT_ON_LOAN, Exactly(Pending::Renew), None, Clear, Some(ServiceType::Loan)),
    // The loan's way back.
    t(
        Action::Recall,
        SUPPLIER,
        OUT_ON_LOAN,
        NothingOr(Pending::Renew),
        Some(S::Recalled),
        Clear,
        Some(ServiceType::Loan),
    ),
    t(
        Action::CheckIn,
        SUPPLIER,
        &[S::Loaned, S::Received, S::ShippedReturn, S::Overdue, S::Recalled],
        Anything,
        Some(S::LoanCompleted),
        Clear,
        Some(ServiceType::Loan),
    ),
    t(
        Action::CompleteWithoutReturn,
        SUPPLIER,
        &[S::Loaned, S::Received, S::Overdue, S::Recalled],
        Anything,
        Some(S::CompletedWithoutReturn),
        Clear,
        Some(ServiceType::Loan),
    ),
    t(
        Action::MarkOverdue,
        &[System],
        &[S::Loaned, S::Received],
        NothingOr(Pending::Renew),
        Some(S::Overdue),
        Keep,
        Some(ServiceType::Loan),
    ),
    // The requester.
    t(Action::Cancel, REQUESTER, BEFORE_SUPPLY, NothingOr(Pending::Conditions), None, Ask(Pending::Cancel), None),
    t(Action::Cancel, REQUESTER, &[S::RetryPossible], Nothing, Some(S::Cancelled), Clear, None),
    t(Action::AcceptConditions, REQUESTER, BEFORE_SUPPLY, Exactly(Pending::Conditions), None, Clear, None),
    t(Action::Received, REQUESTER, &[S::Loaned], Nothing, Some(S::Received), Keep, Some(ServiceType::Loan)),
    t(
        Action::Received,
        REQUESTER,
        &[S::Loaned],
        Exactly(Pending::Renew),
        Some(S::Received),
        Keep,
        Some(ServiceType::Loan),
    ),
    t(Action::Renew, REQUESTER, OUT_ON_LOAN, Nothing, None, Ask(Pending::Renew), Some(ServiceType::Loan)),
    t(
        Action::ShippedReturn,
        REQUESTER,
        &[S::Loaned, S::Received, S::Overdue, S::Recalled],
        NothingOr(Pending::Renew),
        Some(S::ShippedReturn),
        Clear,
        Some(ServiceType::Loan),
    ),
    t(
        Action::ShippedForward,
        REQUESTER,
        &[S::Loaned, S::Received, S::Overdue, S::Recalled],
        NothingOr(Pending::Renew),
        Some(S::ShippedReturn),
        Clear,
        Some(ServiceType::Loan),
    ),
    t(Action::StatusRequest, REQUESTER, NOT_CLOSED, Anything, None, Keep, None),
    t(Action::Notification, EITHER, NOT_CLOSED, Anything, None, Keep, None),
];

impl Status {
    /// Nothing more happens to a request in this status.
    pub fn is_closed(self) -> bool {
        !NOT_CLOSED.contains(&self)
    }

    /// The status as ISO 18626 spells it in a supplier's message.
    pub fn iso(self) -> &'static str {
        match self {
            S::RequestReceived => "RequestReceived",
            S::ExpectToSupply => "ExpectToSupply",
            S::WillSupply => "WillSupply",
            S::RetryPossible => "RetryPossible",
            // The supplier's view of a loan the requester has, or has sent back.
            S::Loaned | S::Received | S::ShippedReturn => "Loaned",
            S::Overdue => "Overdue",
            S::Recalled => "Recalled",
            S::CopyCompleted => "CopyCompleted",
            S::LoanCompleted => "LoanCompleted",
            S::CompletedWithoutReturn => "CompletedWithoutReturn",
            S::Unfilled => "Unfilled",
            S::Cancelled => "Cancelled",
        }
    }

    /// Whether the requester holds, or should hold, a loan in this status.
    pub fn is_out_on_loan(self) -> bool {
        matches!(self, S::Loaned | S::Received | S::Overdue | S::Recalled | S::ShippedReturn)
    }
}

impl PendingIs {
    fn accepts(self, pending: Option<Pending>) -> bool {
        match self {
            PendingIs::Nothing => pending.is_none(),
            PendingIs::NothingOr(p) => pending.is_none() || pending == Some(p),
            PendingIs::Exactly(p) => pending == Some(p),
            PendingIs::Anything => true,
        }
    }
}

/// Where a request stands, as the machine sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct State {
    pub status: Status,
    pub pending: Option<Pending>,
    pub service: ServiceType,
}

/// Where a legal move leads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub status: Status,
    pub pending: Option<Pending>,
}

impl State {
    /// The move `side` may make with `action` from here, if any.
    pub fn transition(&self, action: Action, side: Side) -> Option<&'static Transition> {
        TRANSITIONS.iter().find(|t| {
            t.action == action
                && t.sides.contains(&side)
                && t.from.contains(&self.status)
                && t.pending.accepts(self.pending)
                && t.service.is_none_or(|s| s == self.service)
        })
    }

    /// Where `action` by `side` leads, or `None` if it is not a legal move here.
    pub fn apply(&self, action: Action, side: Side) -> Option<Outcome> {
        let t = self.transition(action, side)?;
        let pending = match t.pending_after {
            PendingAfter::Keep => self.pending,
            PendingAfter::Clear => None,
            PendingAfter::Ask(p) => Some(p),
        };
        Some(Outcome { status: t.to.unwrap_or(self.status), pending })
    }

    /// The actions `sides` may take from here, in the table's order, each once.
    pub fn legal_actions(&self, sides: &[Side]) -> Vec<Action> {
        let mut actions = Vec::new();
        for &action in Action::ALL {
            if sides.iter().any(|&side| self.transition(action, side).is_some()) && !actions.contains(&action) {
                actions.push(action);
            }
        }
        actions
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(status: Status, pending: Option<Pending>, service: ServiceType) -> State {
        State { status, pending, service }
    }

    #[test]
    fn a_loan_goes_from_request_to_return() {
        let mut s = state(S::RequestReceived, None, ServiceType::Loan);
        for (action, side, to) in [
            (Action::WillSupply, Supplier, S::WillSupply),
            (Action::Ship, Supplier, S::Loaned),
            (Action::Received, Requester, S::Received),
            (Action::ShippedReturn, Requester, S::ShippedReturn),
            (Action::CheckIn, Supplier, S::LoanCompleted),
        ] {
            let outcome = s.apply(action, side).unwrap_or_else(|| panic!("{action:?} from {:?}", s.status));
            assert_eq!(outcome.status, to);
            s.status = outcome.status;
            s.pending = outcome.pending;
        }
        assert!(s.status.is_closed());
        assert!(s.legal_actions(&[Supplier, Requester, System]).is_empty());
    }

    #[test]
    fn a_copy_is_never_overdue_nor_returned() {
        let s = state(S::WillSupply, None, ServiceType::Copy);
        assert!(s.apply(Action::Ship, Supplier).is_none());
        assert_eq!(s.apply(Action::SendCopy, Supplier).map(|o| o.status), Some(S::CopyCompleted));
        for &status in Status::ALL {
            let s = state(status, None, ServiceType::Copy);
            assert!(s.apply(Action::MarkOverdue, System).is_none(), "{status:?}");
            assert!(s.apply(Action::ShippedReturn, Requester).is_none(), "{status:?}");
        }
    }

    #[test]
    fn a_cancel_waits_for_the_suppliers_answer() {
        let s = state(S::WillSupply, None, ServiceType::Loan);
        let asked = s.apply(Action::Cancel, Requester).expect("cancel is legal before supply");
        assert_eq!(asked, Outcome { status: S::WillSupply, pending: Some(Pending::Cancel) });
        let waiting = state(asked.status, asked.pending, ServiceType::Loan);
        assert!(waiting.apply(Action::Ship, Supplier).is_none(), "no shipping while a cancel is asked");
        assert_eq!(waiting.apply(Action::AcceptCancel, Supplier).map(|o| o.status), Some(S::Cancelled));
        assert_eq!(
            waiting.apply(Action::RejectCancel, Supplier),
            Some(Outcome { status: S::WillSupply, pending: None })
        );
    }

    #[test]
    fn a_side_takes_only_its_own_actions() {
        let s = state(S::RequestReceived, None, ServiceType::Loan);
        assert!(s.apply(Action::WillSupply, Requester).is_none());
        assert!(s.apply(Action::Cancel, Supplier).is_none());
        assert_eq!(s.legal_actions(&[Requester]), vec![Action::Cancel, Action::StatusRequest, Action::Notification]);
    }

    #[test]
    fn the_closed_statuses_are_the_five_final_ones() {
        let closed: Vec<Status> = Status::ALL.iter().copied().filter(|s| s.is_closed()).collect();
        assert_eq!(closed, [S::CopyCompleted, S::LoanCompleted, S::CompletedWithoutReturn, S::Unfilled, S::Cancelled]);
    }

    #[test]
    fn every_status_can_be_reached_and_every_action_is_used() {
        for &action in Action::ALL {
            assert!(TRANSITIONS.iter().any(|t| t.action == action), "{action:?} has no move");
        }
        for &status in Status::ALL {
            assert!(
                status == S::RequestReceived || TRANSITIONS.iter().any(|t| t.to == Some(status)),
                "{status:?} cannot be reached"
            );
        }
    }
}
