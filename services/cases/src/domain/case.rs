//! A case (办件): its states and its records (materials, stages, suspensions, extensions,
//! supplement notices, fees, outcome, timeline), and how its deadlines stand on a day.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use onewindow_kit::auth::Role;
use onewindow_kit::calendar::Calendar;
use serde::{Deserialize, Serialize};

use super::applicant::Applicant;
use super::deadline::{self, Deadlines, Span, Standing};
use super::error::CaseError;
use super::number::CaseNumber;
use super::terms::{HandlerRole, ItemTerms, MaterialTerms, SpecialProcedure, Stage};

/// Where a case stands. An open suspension is not a state of its own: it is data on an
/// in-progress case, which holds the stage it is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    /// Awaiting intake.
    Submitted,
    /// Awaiting the applicant's resubmission (补正).
    SupplementRequested,
    /// Accepted: the clock runs through the stages.
    InProgress,
    /// Closed: approved or denied.
    Concluded,
    /// Closed: intake refused.
    IntakeRefused,
    /// Closed: withdrawn by the applicant.
    Withdrawn,
}

impl CaseState {
    pub const ALL: [CaseState; 6] = [
        CaseState::Submitted,
        CaseState::SupplementRequested,
        CaseState::InProgress,
        CaseState::Concluded,
        CaseState::IntakeRefused,
        CaseState::Withdrawn,
    ];

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

    /// Closed cases are immutable.
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Online,
    Window,
}

/// A file as the service stored it, before it joins a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewMaterial {
    /// The stored file's id.
    pub id: String,
    /// The item's material it provides.
    pub material_id: String,
    /// The file's name as uploaded.
    pub name: String,
    pub content_type: String,
    pub size_bytes: u64,
    /// Lowercase hex.
    pub sha256: String,
    pub shared_material_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseMaterial {
    pub id: String,
    pub material_id: String,
    pub name: String,
    pub content_type: String,
    pub size_bytes: u64,
    pub sha256: String,
    pub shared_material_id: Option<String>,
    pub submitted_at: DateTime<Utc>,
    /// 0 at submission, n for the n-th resubmission.
    pub round: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageState {
    Pending,
    Active,
    Completed,
}

/// One of the item's steps as this case goes through it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageRecord {
    pub stage: Stage,
    pub handler_role: HandlerRole,
    pub limit_days: u32,
    pub state: StageState,
    pub started_on: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub completed_at: Option<DateTime<Utc>>,
    pub completed_on: Option<NaiveDate>,
    /// The subject who completed it.
    pub actor: Option<String>,
    pub opinion: String,
    /// Working days suspended while it was current.
    pub suspended_days: u32,
}

impl StageRecord {
    /// Completed after its due date, or still open past it on `today`.
    pub fn is_late(&self, today: NaiveDate) -> bool {
        match (self.state, self.due_date) {
            (StageState::Completed, Some(due)) => self.completed_on.is_some_and(|d| d > due),
            (StageState::Active, Some(due)) => today > due,
            _ => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suspension {
    pub procedure: SpecialProcedure,
    pub reason: String,
    pub declared_days: u32,
    /// The stage current when it started.
    pub stage: Stage,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    /// Working days inside it, set when it ends.
    pub working_days: u32,
    pub started_by: String,
}

impl Suspension {
    pub fn is_open(&self) -> bool {
        self.ended_on.is_none()
    }

    pub fn span(&self) -> Span {
        Span {
            started_on: self.started_on,
            ended_on: self.ended_on,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    pub days: u32,
    pub reason: String,
    pub approved_by: String,
    pub approved_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplementItem {
    pub material_id: String,
    pub problem: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplementNotice {
    /// 1 for the first notice.
    pub number: u32,
    pub items: Vec<SupplementItem>,
    pub issued_at: DateTime<Utc>,
    pub issued_by: String,
    /// Named now although present and unchanged at the first notice (一次性告知).
    pub late_named_material_ids: Vec<String>,
}

/// A fee as charged, kept as it was: the name and standard of the pinned version, the
/// amount actually charged, and the flags supervision reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargedFee {
    pub fee_id: String,
    pub name: String,
    pub amount_fen: i64,
    pub standard_amount_fen: i64,
    pub deviates_from_standard: bool,
    pub on_free_item: bool,
    pub charged_at: DateTime<Utc>,
    pub charged_by: String,
    pub paid_at: Option<DateTime<Utc>>,
    pub payment_reference: Option<String>,
}

/// A conclusion as the handler gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Conclusion {
    /// 准予: the result, e.g. a certificate number.
    Approved { result_reference: String },
    /// 不予: why, and under which law.
    Denied { reason: String, legal_basis: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    Approved,
    Denied,
}

impl Conclusion {
    pub fn kind(&self) -> OutcomeKind {
        match self {
            Conclusion::Approved { .. } => OutcomeKind::Approved,
            Conclusion::Denied { .. } => OutcomeKind::Denied,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub conclusion: Conclusion,
    pub concluded_at: DateTime<Utc>,
    pub concluded_on: NaiveDate,
    pub immediate: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeRefusal {
    pub reason: String,
    pub legal_basis: String,
    pub refused_at: DateTime<Utc>,
}

/// One line of the timeline the applicant and the public see: no subject, only the role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    #[serde(with = "role_name")]
    pub actor_role: Role,
    pub action: String,
    pub note: String,
}

/// One application for one item, under the item version pinned at submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub id: String,
    pub case_number: CaseNumber,
    pub terms: ItemTerms,
    pub state: CaseState,
    pub applicant: Applicant,
    /// The applicant's account, when submitted online: who may follow and withdraw it.
    pub applicant_subject: Option<String>,
    pub channel: Channel,
    pub materials: Vec<CaseMaterial>,
    pub submitted_at: DateTime<Utc>,
    pub submitted_on: NaiveDate,
    pub accepted_on: Option<NaiveDate>,
    /// As reckoned at the last transition; [`Case::reckon`] gives them for another day.
    pub deadlines: Option<Deadlines>,
    pub stages: Vec<StageRecord>,
    pub suspensions: Vec<Suspension>,
    pub extensions: Vec<Extension>,
    pub supplement_notices: Vec<SupplementNotice>,
    pub fees: Vec<ChargedFee>,
    pub outcome: Option<Outcome>,
    pub intake_refusal: Option<IntakeRefusal>,
    pub withdrawal_reason: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub timeline: Vec<TimelineEntry>,
    pub bundle_case_id: Option<String>,
    /// Starts at 1 and grows by 1 with every transition.
    pub revision: i64,
}

impl Case {
    pub fn is_closed(&self) -> bool {
        self.state.is_closed()
    }

    /// The active stage while in progress.
    pub fn current_stage(&self) -> Option<&StageRecord> {
        self.stages.iter().find(|s| s.state == StageState::Active)
    }

    pub fn open_suspension(&self) -> Option<&Suspension> {
        self.suspensions.iter().find(|s| s.is_open())
    }

    /// The item's materials present, by material id, sorted and once each.
    pub fn material_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .materials
            .iter()
            .map(|m| m.material_id.clone())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    pub fn has_material(&self, material_id: &str) -> bool {
        self.materials.iter().any(|m| m.material_id == material_id)
    }

    /// The required materials of `stages` not present.
    pub fn missing_required(&self, stages: &[Stage]) -> Vec<&MaterialTerms> {
        self.terms
            .materials
            .iter()
            .filter(|m| m.required && stages.contains(&m.stage) && !self.has_material(&m.id))
            .collect()
    }

    pub fn extension_days(&self) -> u32 {
        self.extensions
            .iter()
            .fold(0u32, |sum, e| sum.saturating_add(e.days))
    }

    /// Charged and not yet paid, in fen.
    pub fn unpaid_fen(&self) -> i64 {
        self.fees
            .iter()
            .filter(|f| f.paid_at.is_none())
            .fold(0i64, |sum, f| sum.saturating_add(f.amount_fen))
    }

    /// The case's deadlines as they stand on `today` (an open suspension counts up to
    /// it); `None` before acceptance.
    pub fn reckon(
        &self,
        today: NaiveDate,
        calendar: &Calendar,
    ) -> Result<Option<Deadlines>, CaseError> {
        let Some(accepted_on) = self.accepted_on else {
            return Ok(None);
        };
        let spans: Vec<Span> = self.suspensions.iter().map(Suspension::span).collect();
        let end = self.closed_on().unwrap_or(today);
        Ok(Some(deadline::case_deadlines(
            calendar,
            accepted_on,
            self.terms.promised_limit_days,
            self.terms.statutory_limit_days,
            &spans,
            self.extension_days(),
            end,
        )?))
    }

    /// The planned due date's standing on `today`: `None` before acceptance and once closed
    /// (a closed case is not late any more; its lateness is in its conclusion event).
    pub fn standing(
        &self,
        today: NaiveDate,
        calendar: &Calendar,
        warning_days: u32,
    ) -> Result<Option<Standing>, CaseError> {
        if self.is_closed() {
            return Ok(None);
        }
        let Some(d) = self.reckon(today, calendar)? else {
            return Ok(None);
        };
        let mut s = deadline::standing(calendar, d.planned_due_date, today, warning_days)?;
        s.years_without_schedule.extend(d.years_without_schedule);
        Ok(Some(s))
    }

    /// The current stage's standing on `today`, its due date counting the days suspended
    /// in it so far.
    pub fn stage_standing(
        &self,
        today: NaiveDate,
        calendar: &Calendar,
        warning_days: u32,
    ) -> Result<Option<(Stage, Standing)>, CaseError> {
        let Some(stage) = self.current_stage() else {
            return Ok(None);
        };
        let Some(due) = self.stage_due_on(stage, today, calendar)? else {
            return Ok(None);
        };
        let mut s = deadline::standing(calendar, due.value, today, warning_days)?;
        s.years_without_schedule.extend(due.years_without_schedule);
        Ok(Some((stage.stage, s)))
    }

    /// A stage's due date on `today`: its start + its limit + its suspended working days.
    pub(crate) fn stage_due_on(
        &self,
        stage: &StageRecord,
        today: NaiveDate,
        calendar: &Calendar,
    ) -> Result<Option<onewindow_kit::calendar::Reckoned<NaiveDate>>, CaseError> {
        let Some(started_on) = stage.started_on else {
            return Ok(None);
        };
        let spans: Vec<Span> = self
            .suspensions
            .iter()
            .filter(|s| s.stage == stage.stage)
            .map(Suspension::span)
            .collect();
        Ok(Some(deadline::stage_due_date(
            calendar,
            started_on,
            stage.limit_days,
            &spans,
            today,
        )?))
    }

    /// The case as it stands on `today`: while a suspension is open, its working days, the
    /// current stage's due date and the case's due dates move every working day; stored
    /// values are those of the last transition. What readers see comes from here.
    pub fn as_of(&self, today: NaiveDate, calendar: &Calendar) -> Result<Case, CaseError> {
        let mut shown = self.clone();
        if self.is_closed() || self.open_suspension().is_none() {
            return Ok(shown);
        }
        shown.deadlines = self.reckon(today, calendar)?;
        for (i, stage) in self.stages.iter().enumerate() {
            if stage.state == StageState::Active {
                if let Some(due) = self.stage_due_on(stage, today, calendar)? {
                    shown.stages[i].due_date = Some(due.value);
                }
                let mut suspended = 0u32;
                for s in self.suspensions.iter().filter(|s| s.stage == stage.stage) {
                    suspended += deadline::suspended_working_days(calendar, s.span(), today)
                        .map_err(CaseError::from)?
                        .value;
                }
                shown.stages[i].suspended_days = suspended;
            }
        }
        for s in shown.suspensions.iter_mut().filter(|s| s.is_open()) {
            s.working_days = deadline::suspended_working_days(calendar, s.span(), today)
                .map_err(CaseError::from)?
                .value;
        }
        Ok(shown)
    }

    fn closed_on(&self) -> Option<NaiveDate> {
        self.outcome.as_ref().map(|o| o.concluded_on)
    }
}

/// The kit's roles by their names (`clerk`, `approver`), for stored records and events.
pub(crate) mod role_name {
    use onewindow_kit::auth::Role;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(role: &Role, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(role.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Role, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}
