//! The cases service's rules, free of transport and storage: the terms a case pins, the
//! case state machine, deadlines in working days, bundle cases, numbers and masking.

pub mod applicant;
pub mod bundle;
pub mod case;
pub mod command;
pub mod deadline;
pub mod decide;
pub mod error;
pub mod event;
pub mod intake;
pub mod number;
pub mod progress;
pub mod terms;

#[cfg(test)]
mod bundle_tests;
#[cfg(test)]
mod case_props;
#[cfg(test)]
mod case_tests;
#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod progress_tests;

pub use applicant::{Applicant, ApplicantKind, IdType};
pub use bundle::{
    decide_bundle, start_bundle, BundleCase, BundleCommand, BundleStage, BundleStageState,
    BundleStageTerms, BundleState, BundleSubmission, BundleTerms, ChildCase,
};
pub use case::{
    Case, CaseMaterial, CaseState, Channel, ChargedFee, Conclusion, Extension, IntakeRefusal,
    NewMaterial, Outcome, OutcomeKind, StageRecord, StageState, SupplementItem, SupplementNotice,
    Suspension, TimelineEntry,
};
pub use command::{Actor, Command, CommandKind, FeeCharge};
pub use deadline::{Deadlines, Span, Standing, WarningLevel, DEFAULT_WARNING_DAYS};
pub use decide::{allows, decide};
pub use error::CaseError;
pub use event::{
    BundleEvent, BundleFact, CaseFact, DomainEvent, EventActor, EventContext, StageDeadline,
};
pub use intake::{submit, Submission};
pub use number::{mask_id_number, mask_name, mask_phone, CaseNumber, NumberError, QueryCode};
pub use terms::{
    FeeItem, HandlerRole, ItemClass, ItemTerms, MaterialTerms, SpecialProcedure, Stage, StepTerms,
    WindowAuthorization,
};
