//! Supervision's own record of a case (its projection), and the facts the cases stream
//! reports about it, already decoded from the contract.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::terms::{Actor, CaseRef, EventRef, HandlerRole, Stage};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    Submitted,
    SupplementRequested,
    InProgress,
    Concluded,
    IntakeRefused,
    Withdrawn,
}

impl CaseState {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Submitted => "submitted",
            CaseState::SupplementRequested => "supplement_requested",
            CaseState::InProgress => "in_progress",
            CaseState::Concluded => "concluded",
            CaseState::IntakeRefused => "intake_refused",
            CaseState::Withdrawn => "withdrawn",
        }
    }

    pub fn is_closed(self) -> bool {
        matches!(
            self,
            CaseState::Concluded | CaseState::IntakeRefused | CaseState::Withdrawn
        )
    }
}

impl fmt::Display for CaseState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Online,
    Window,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    Approved,
    Denied,
}

/// A stage's deadline as an event reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageDeadline {
    pub stage: Stage,
    pub started_on: Option<NaiveDate>,
    pub due: Option<NaiveDate>,
}

/// A case's deadlines as an event reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Deadlines {
    pub accepted_on: Option<NaiveDate>,
    pub planned_due: Option<NaiveDate>,
    pub latest_due: Option<NaiveDate>,
    pub suspended_days: u32,
    pub extension_days: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargedFee {
    pub fee_id: String,
    pub amount_fen: i64,
    pub standard_amount_fen: i64,
    pub deviates: bool,
    pub on_free_item: bool,
}

/// What one event of the cases stream says happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseFact {
    Submitted {
        channel: Option<Channel>,
        material_ids: Vec<String>,
    },
    Accepted {
        deadlines: Deadlines,
        stages: Vec<StageDeadline>,
        material_ids: Vec<String>,
        window_fully_authorized: bool,
        immediate: bool,
    },
    IntakeRefused {
        reason_given: bool,
        legal_basis_given: bool,
    },
    SupplementRequested {
        notice_number: u32,
        late_named: Vec<String>,
    },
    Resubmitted {
        material_ids: Vec<String>,
    },
    StageCompleted {
        stage: Stage,
        handler_role: Option<HandlerRole>,
        due: Option<NaiveDate>,
        late: bool,
        next: Option<StageDeadline>,
    },
    SuspensionStarted {
        procedure: String,
        declared_days: u32,
        stage: Option<Stage>,
    },
    SuspensionEnded {
        declared_days: u32,
        working_days: u32,
        deadlines: Deadlines,
        stage: Option<StageDeadline>,
    },
    ExtensionApproved {
        days: u32,
        /// Every extension of the case together, and the most the item allows.
        total_days: u32,
        max_days: u32,
        deadlines: Deadlines,
    },
    Concluded {
        outcome: Option<OutcomeKind>,
        reason_given: bool,
        legal_basis_given: bool,
        immediate: bool,
        deadlines: Deadlines,
        late: bool,
        past_statutory_limit: bool,
        working_days_used: u32,
        fees: Vec<ChargedFee>,
    },
    Withdrawn,
    FeesCharged {
        fees: Vec<ChargedFee>,
        free_of_charge: bool,
    },
    PaymentRecorded,
}

/// One decoded event of the cases stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseEvent {
    pub case: CaseRef,
    pub actor: Actor,
    /// The civil date it happened.
    pub on: NaiveDate,
    pub fact: CaseFact,
    pub evidence: EventRef,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageRecord {
    pub stage: Stage,
    pub started_on: Option<NaiveDate>,
    pub due: Option<NaiveDate>,
    pub completed_on: Option<NaiveDate>,
    pub actor: Option<Actor>,
    pub late: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuspensionRecord {
    pub procedure: String,
    pub declared_days: u32,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub working_days: u32,
    pub stage: Option<Stage>,
    /// The event that started it, cited when it overruns or repeats.
    pub started_by_event: EventRef,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionRecord {
    pub days: u32,
    pub approved_on: NaiveDate,
    pub approved_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeRecord {
    pub fee_id: String,
    pub amount_fen: i64,
    pub standard_amount_fen: i64,
    pub catalog_amount_fen: Option<i64>,
    pub paid: bool,
}

/// Everything supervision knows of a case, from the events it has seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRecord {
    pub case: CaseRef,
    #[serde(default)]
    pub office_id: String,
    pub state: CaseState,
    pub channel: Option<Channel>,
    pub submitted_on: Option<NaiveDate>,
    pub accepted_on: Option<NaiveDate>,
    pub planned_due: Option<NaiveDate>,
    pub latest_due: Option<NaiveDate>,
    pub suspended_days: u32,
    pub extension_days: u32,
    pub window_fully_authorized: Option<bool>,
    pub immediate: bool,
    pub material_ids: Vec<String>,
    pub stages: Vec<StageRecord>,
    pub suspensions: Vec<SuspensionRecord>,
    pub extensions: Vec<ExtensionRecord>,
    pub fees: Vec<FeeRecord>,
    pub outcome: Option<OutcomeKind>,
    pub concluded_on: Option<NaiveDate>,
    pub late: bool,
    pub working_days_used: Option<u32>,
    /// The last staff member who acted: who holds the case.
    pub last_actor: String,
    pub events: Vec<EventRef>,
}

impl CaseRecord {
    /// A record for a case first seen in `case`; the state is what a first event implies
    /// until the events say more (supervision may start after cases began).
    pub fn new(case: CaseRef) -> CaseRecord {
        CaseRecord {
            case,
            office_id: String::new(),
            state: CaseState::Submitted,
            channel: None,
            submitted_on: None,
            accepted_on: None,
            planned_due: None,
            latest_due: None,
            suspended_days: 0,
            extension_days: 0,
            window_fully_authorized: None,
            immediate: false,
            material_ids: Vec::new(),
            stages: Vec::new(),
            suspensions: Vec::new(),
            extensions: Vec::new(),
            fees: Vec::new(),
            outcome: None,
            concluded_on: None,
            late: false,
            working_days_used: None,
            last_actor: String::new(),
            events: Vec::new(),
        }
    }

    pub fn stage_mut(&mut self, stage: Stage) -> &mut StageRecord {
        let at = match self.stages.iter().position(|s| s.stage == stage) {
            Some(i) => i,
            None => {
                self.stages.push(StageRecord {
                    stage,
                    started_on: None,
                    due: None,
                    completed_on: None,
                    actor: None,
                    late: false,
                });
                self.stages.sort_by_key(|s| s.stage);
                self.stages
                    .iter()
                    .position(|s| s.stage == stage)
                    .unwrap_or_default()
            }
        };
        &mut self.stages[at]
    }

    pub fn stage(&self, stage: Stage) -> Option<&StageRecord> {
        self.stages.iter().find(|s| s.stage == stage)
    }

    /// The first event of a kind seen for the case.
    pub fn first_event(&self, kind: &str) -> Option<&EventRef> {
        self.events.iter().find(|e| e.kind == kind)
    }

    /// Takes over the deadlines an event reports; an empty date leaves the known one.
    pub fn take_deadlines(&mut self, d: &Deadlines) {
        if d.accepted_on.is_some() {
            self.accepted_on = d.accepted_on;
        }
        if d.planned_due.is_some() {
            self.planned_due = d.planned_due;
        }
        if d.latest_due.is_some() {
            self.latest_due = d.latest_due;
        }
        self.suspended_days = d.suspended_days;
        self.extension_days = d.extension_days;
    }
}
