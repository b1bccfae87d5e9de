//! Trading's rules, free of transport and storage: the kinds and their legal minimums,
//! projects and their state machine, sealed bids and their commitments, the opening, the
//! expert draw, evaluation, awards and objections, auctions, views and OCDS.

pub mod amend;
pub mod auction;
pub mod award;
pub mod bid;
pub mod error;
pub mod evaluation;
pub mod experts;
pub mod kinds;
pub mod machine;
mod moves;
pub mod ocds;
pub mod opening;
pub mod party;
pub mod permit;
pub mod project;
pub mod view;

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod flow_tests;
#[cfg(test)]
mod machine_props;
#[cfg(test)]
mod machine_tests;
#[cfg(test)]
mod period_tests;
#[cfg(test)]
mod sealed_props;

pub use auction::{AuctionStatus, Participant, Quote, Standing};
pub use award::{Award, AwardStatus, Contract, Objection, ObjectionStatus};
pub use bid::{
    commitment, digest, validate_submission, BidDocument, BidRecord, BidStatus, DocumentInfo,
    SealedBid, BID_KIND,
};
pub use error::TradingError;
pub use evaluation::{BidScore, Evaluation, RankedBid, ScoreSheet};
pub use experts::{
    draw_panel, Conflicts, ExcludedExpert, Expert, ExpertPanel, PanelMember, EXPERT_KIND,
};
pub use kinds::{rules, Category, Direction, EvaluationMethod, Method, ProjectState, Rules};
pub use machine::{advance, decide, AmendmentInput, Command, Decision, DomainEvent};
pub use opening::{LotOutcome, OpenedBid, OpeningRecord, UnsealedBid};
pub use party::{credit_code, Party};
pub use permit::OpeningPermit;
pub use project::{Amendment, EvaluationRule, Lot, Periods, Project, ProjectDraft, KIND};
pub use view::{mask_contacts, visible, Viewer};
