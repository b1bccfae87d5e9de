//! What the cases service tells the world, through its outbox: one event per fact, naming
//! the case, the actor and the day, with the facts supervision checks (deadlines, fees as
//! charged, outcomes, grounds given) and never an ID number or a phone.

use chrono::{DateTime, NaiveDate, Utc};
use onewindow_kit::auth::Role;
use serde::{Deserialize, Serialize};

use super::applicant::ApplicantKind;
use super::bundle::{BundleCase, ChildCase};
use super::case::OutcomeKind;
use super::case::{role_name, Case, CaseState, Channel, ChargedFee, Conclusion, SupplementItem};
use super::deadline::Deadlines;
use super::number::CaseNumber;
use super::terms::{HandlerRole, SpecialProcedure, Stage, WindowAuthorization};

/// Who caused an event, in the role they acted in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventActor {
    /// The principal's subject, or `system` for what the service does by itself.
    pub subject: String,
    #[serde(with = "role_name")]
    pub role: Role,
    pub department: Option<String>,
}

impl EventActor {
    /// The service itself, e.g. a bundle starting its next stage.
    pub fn system() -> EventActor {
        EventActor {
            subject: "system".into(),
            role: Role::Service,
            department: None,
        }
    }
}

/// Which case, who, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventContext {
    pub case_id: String,
    pub case_number: CaseNumber,
    pub item_id: String,
    pub item_version: u32,
    pub department_id: String,
    pub region_code: String,
    pub bundle_case_id: Option<String>,
    pub actor: EventActor,
    pub occurred_on: NaiveDate,
    pub occurred_at: DateTime<Utc>,
}

impl EventContext {
    pub fn of(case: &Case, actor: EventActor, today: NaiveDate, now: DateTime<Utc>) -> Self {
        EventContext {
            case_id: case.id.clone(),
            case_number: case.case_number.clone(),
            item_id: case.terms.item_id.clone(),
            item_version: case.terms.version,
            department_id: case.terms.department_id.clone(),
            region_code: case.terms.region_code.clone(),
            bundle_case_id: case.bundle_case_id.clone(),
            actor,
            occurred_on: today,
            occurred_at: now,
        }
    }
}

/// A stage's deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageDeadline {
    pub stage: Stage,
    pub started_on: NaiveDate,
    pub due_date: NaiveDate,
}

/// The facts of each kind of event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CaseFact {
    Submitted {
        channel: Channel,
        applicant_kind: ApplicantKind,
        material_ids: Vec<String>,
    },
    Accepted {
        deadlines: Deadlines,
        stages: Vec<StageDeadline>,
        material_ids: Vec<String>,
        window_authorization: WindowAuthorization,
        immediate: bool,
        /// Working days from submission to acceptance.
        intake_working_days: u32,
    },
    IntakeRefused {
        reason_given: bool,
        legal_basis_given: bool,
        reason: String,
        legal_basis: String,
        material_ids: Vec<String>,
    },
    SupplementRequested {
        notice_number: u32,
        items: Vec<SupplementItem>,
        late_named_material_ids: Vec<String>,
        material_ids: Vec<String>,
    },
    Resubmitted {
        changed_material_ids: Vec<String>,
        material_ids: Vec<String>,
    },
    StageCompleted {
        stage: Stage,
        handler_role: HandlerRole,
        started_on: NaiveDate,
        due_date: NaiveDate,
        late: bool,
        opinion_given: bool,
        next: Option<StageDeadline>,
    },
    SuspensionStarted {
        procedure: SpecialProcedure,
        reason: String,
        declared_days: u32,
        stage: Stage,
    },
    SuspensionEnded {
        procedure: SpecialProcedure,
        started_on: NaiveDate,
        ended_on: NaiveDate,
        declared_days: u32,
        working_days: u32,
        deadlines: Deadlines,
        stage: Option<StageDeadline>,
    },
    ExtensionApproved {
        days: u32,
        reason: String,
        total_extension_days: u32,
        max_extension_days: u32,
        deadlines: Deadlines,
    },
    Concluded {
        conclusion: Conclusion,
        reason_given: bool,
        legal_basis_given: bool,
        immediate: bool,
        deadlines: Deadlines,
        /// After the planned (promised) due date.
        late: bool,
        /// After the latest (statutory) due date.
        past_statutory_limit: bool,
        /// Working days from acceptance to conclusion, suspended days excluded.
        working_days_used: u32,
        fees: Vec<ChargedFee>,
    },
    Withdrawn {
        from_state: CaseState,
        reason: String,
    },
    FeesCharged {
        fees: Vec<ChargedFee>,
        total_fen: i64,
        free_of_charge: bool,
        deviates_from_standard: bool,
    },
    PaymentRecorded {
        total_fen: i64,
        payment_reference: String,
    },
}

/// One event about one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainEvent {
    pub context: EventContext,
    pub fact: CaseFact,
}

impl DomainEvent {
    /// The event's kind, as `common.v1.Event.kind`.
    pub fn kind(&self) -> &'static str {
        match self.fact {
            CaseFact::Submitted { .. } => "cases.case.submitted",
            CaseFact::Accepted { .. } => "cases.case.accepted",
            CaseFact::IntakeRefused { .. } => "cases.case.intake_refused",
            CaseFact::SupplementRequested { .. } => "cases.case.supplement_requested",
            CaseFact::Resubmitted { .. } => "cases.case.resubmitted",
            CaseFact::StageCompleted { .. } => "cases.case.stage_completed",
            CaseFact::SuspensionStarted { .. } => "cases.case.suspension_started",
            CaseFact::SuspensionEnded { .. } => "cases.case.suspension_ended",
            CaseFact::ExtensionApproved { .. } => "cases.case.extension_approved",
            CaseFact::Concluded { .. } => "cases.case.concluded",
            CaseFact::Withdrawn { .. } => "cases.case.withdrawn",
            CaseFact::FeesCharged { .. } => "cases.case.fees_charged",
            CaseFact::PaymentRecorded { .. } => "cases.case.payment_recorded",
        }
    }
}

/// The facts of each kind of bundle case event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BundleFact {
    Started {
        children: Vec<ChildCase>,
        shared_material_ids: Vec<String>,
    },
    StageStarted {
        index: usize,
        name: String,
        children: Vec<ChildCase>,
    },
    Concluded {
        outcome: OutcomeKind,
        stopped_by_case_id: Option<String>,
        accepted_on: Option<NaiveDate>,
        due_date: Option<NaiveDate>,
        late: bool,
        /// Departments whose child concluded after its own due date.
        late_department_ids: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleEvent {
    pub bundle_case_id: String,
    pub case_number: CaseNumber,
    pub bundle_id: String,
    pub lead_department_id: String,
    pub region_code: String,
    pub actor: EventActor,
    pub occurred_on: NaiveDate,
    pub occurred_at: DateTime<Utc>,
    pub fact: BundleFact,
}

impl BundleEvent {
    pub fn kind(&self) -> &'static str {
        match self.fact {
            BundleFact::Started { .. } => "cases.bundle_case.started",
            BundleFact::StageStarted { .. } => "cases.bundle_case.stage_started",
            BundleFact::Concluded { .. } => "cases.bundle_case.concluded",
        }
    }

    pub(crate) fn of(
        b: &BundleCase,
        actor: EventActor,
        today: NaiveDate,
        now: DateTime<Utc>,
        fact: BundleFact,
    ) -> Self {
        BundleEvent {
            bundle_case_id: b.id.clone(),
            case_number: b.case_number.clone(),
            bundle_id: b.terms.bundle_id.clone(),
            lead_department_id: b.terms.lead_department_id.clone(),
            region_code: b.terms.region_code.clone(),
            actor,
            occurred_on: today,
            occurred_at: now,
            fact,
        }
    }
}
