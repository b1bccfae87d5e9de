//! The case state machine: one function from a case and a command to the new case and its
//! events, or a typed error naming the state and the command.
//!
//! Checks run in a fixed order, so that the same mistake always gets the same answer:
//! the revision (stale: ABORTED), who may act (PERMISSION_DENIED), whether the state allows
//! the command at all ([`CaseError::IllegalTransition`]), the command's own fields
//! (INVALID_ARGUMENT, every bad field at once), then the rules of the item and the case's
//! data ([`CaseError::Precondition`]). Closed cases refuse every command.

use chrono::{DateTime, NaiveDate, Utc};
use onewindow_kit::auth::Role;
use onewindow_kit::calendar::Calendar;

use super::case::{Case, CaseState, StageRecord, StageState, TimelineEntry};
use super::command::{Actor, Command, CommandKind};
use super::error::CaseError;
use super::event::{CaseFact, DomainEvent, EventActor, EventContext, StageDeadline};
use super::terms::{HandlerRole, Stage};

/// Whether `state` allows `command` at all. Whether the case's data allows it too (a
/// material present, a stage reached) is checked by the command itself.
pub fn allows(state: CaseState, command: CommandKind) -> bool {
    use CommandKind as K;
    match state {
        // Before intake the applicant may still add or replace materials: a bundle's later
        // stages receive their own materials this way when they start.
        CaseState::Submitted => matches!(
            command,
            K::Resubmit
                | K::Accept
                | K::RefuseIntake
                | K::RequestSupplement
                | K::ConcludeImmediately
                | K::Withdraw
                // An immediate item's fees are charged and paid at the window before the
                // one act that accepts and concludes it.
                | K::ChargeFees
                | K::RecordPayment
        ),
        // Waiting for the applicant: they resubmit or withdraw, or intake gives up on them.
        CaseState::SupplementRequested => {
            matches!(command, K::Resubmit | K::RefuseIntake | K::Withdraw)
        }
        CaseState::InProgress => matches!(
            command,
            K::CompleteStage
                | K::StartSuspension
                | K::EndSuspension
                | K::ApproveExtension
                | K::Conclude
                | K::Withdraw
                | K::ChargeFees
                | K::RecordPayment
        ),
        CaseState::Concluded | CaseState::IntakeRefused | CaseState::Withdrawn => false,
    }
}

/// Applies `command` to `case` on `today` (the region's civil date) at `now`.
///
/// `expected_revision` is the revision the caller read (`None`: no check). On success the
/// returned case has the next revision and the events to write to the outbox with it.
pub fn decide(
    case: &Case,
    command: Command,
    expected_revision: Option<i64>,
    actor: &Actor,
    today: NaiveDate,
    now: DateTime<Utc>,
    calendar: &Calendar,
) -> Result<(Case, Vec<DomainEvent>), CaseError> {
    if let Some(expected) = expected_revision {
        if expected != case.revision {
            return Err(CaseError::Stale {
                id: case.id.clone(),
                expected,
                actual: case.revision,
            });
        }
    }
    let kind = command.kind();
    let role = authorize(case, kind, actor)?;
    if !allows(case.state, kind) {
        return Err(CaseError::IllegalTransition {
            id: case.id.clone(),
            state: case.state,
            command: kind,
        });
    }
    let mut t = Transition {
        before: case,
        case: case.clone(),
        kind,
        actor,
        role,
        today,
        now,
        calendar,
        events: Vec::new(),
    };
    match command {
        Command::Accept { note } => t.accept(note)?,
        Command::RefuseIntake {
            reason,
            legal_basis,
        } => t.refuse_intake(reason, legal_basis)?,
        Command::RequestSupplement { items } => t.request_supplement(items)?,
        Command::Resubmit { materials } => t.resubmit(materials)?,
        Command::ConcludeImmediately {
            conclusion,
            opinion,
        } => t.conclude_immediately(conclusion, opinion)?,
        Command::CompleteStage { stage, opinion } => t.complete_stage(stage, opinion)?,
        Command::StartSuspension {
            procedure,
            reason,
            declared_days,
        } => t.start_suspension(procedure, reason, declared_days)?,
        Command::EndSuspension { note } => t.end_suspension(note)?,
        Command::ApproveExtension { days, reason } => t.approve_extension(days, reason)?,
        Command::Conclude {
            conclusion,
            opinion,
        } => t.conclude(conclusion, opinion)?,
        Command::Withdraw { reason } => t.withdraw(reason)?,
        Command::ChargeFees { fees } => t.charge_fees(fees)?,
        Command::RecordPayment {
            payment_reference,
            amount_fen,
        } => t.record_payment(payment_reference, amount_fen)?,
    }
    t.case.revision += 1;
    Ok((t.case, t.events))
}

/// Who may give `command`, and the role they act in. Stage commands are checked again
/// against the role the step names once the stage is known.
fn authorize(case: &Case, command: CommandKind, actor: &Actor) -> Result<Role, CaseError> {
    use CommandKind as K;
    let dept = case.terms.department_id.as_str();
    let region = case.terms.region_code.as_str();
    let staff = |role: Role| actor.has(role) && actor.works_for(dept, region);
    let denied = |who: &str| {
        CaseError::denied(format!(
            "only {who} may {command} case {}",
            case.case_number
        ))
    };
    let clerk = || format!("a clerk of {dept} in {region}");
    match command {
        K::Accept
        | K::RefuseIntake
        | K::RequestSupplement
        | K::ConcludeImmediately
        | K::ChargeFees => {
            if staff(Role::Clerk) {
                Ok(Role::Clerk)
            } else {
                Err(denied(&clerk()))
            }
        }
        K::Resubmit => {
            if actor.owns(case) {
                Ok(Role::Applicant)
            } else if staff(Role::Clerk) {
                Ok(Role::Clerk)
            } else {
                Err(denied(&format!("its applicant or {}", clerk())))
            }
        }
        K::CompleteStage | K::Conclude | K::StartSuspension | K::EndSuspension => {
            if staff(Role::Approver) {
                Ok(Role::Approver)
            } else if staff(Role::Clerk) {
                Ok(Role::Clerk)
            } else {
                Err(denied(&format!("staff of {dept} in {region}")))
            }
        }
        K::ApproveExtension => {
            if staff(Role::Approver) {
                Ok(Role::Approver)
            } else {
                Err(denied(&format!("an approver of {dept} in {region}")))
            }
        }
        K::Withdraw => {
            if actor.owns(case) {
                Ok(Role::Applicant)
            } else {
                Err(denied("the applicant who submitted it"))
            }
        }
        // Fees are paid at the center's one cashier (统一收费): its payment system reports
        // as a service, or the department's clerk records a receipt.
        K::RecordPayment => {
            if actor.has(Role::Service) {
                Ok(Role::Service)
            } else if staff(Role::Clerk) {
                Ok(Role::Clerk)
            } else {
                Err(denied(&format!("the cashier or {}", clerk())))
            }
        }
    }
}

pub(crate) fn handler_role(role: HandlerRole) -> Role {
    match role {
        HandlerRole::Clerk => Role::Clerk,
        HandlerRole::Approver => Role::Approver,
    }
}

pub(crate) fn handler_name(role: HandlerRole) -> &'static str {
    match role {
        HandlerRole::Clerk => "a clerk",
        HandlerRole::Approver => "an approver",
    }
}

/// A transition under way: the case as it was, the case being changed, and the events.
pub(crate) struct Transition<'a> {
    pub before: &'a Case,
    pub case: Case,
    pub kind: CommandKind,
    pub actor: &'a Actor,
    pub role: Role,
    pub today: NaiveDate,
    pub now: DateTime<Utc>,
    pub calendar: &'a Calendar,
    pub events: Vec<DomainEvent>,
}

impl Transition<'_> {
    pub fn precondition(&self, reason: impl Into<String>) -> CaseError {
        CaseError::Precondition {
            id: self.before.id.clone(),
            state: self.before.state,
            command: self.kind,
            reason: reason.into(),
        }
    }

    /// The actor must hold the role the item's step for `stage` names.
    pub fn require_handler(&mut self, stage: &StageRecord) -> Result<(), CaseError> {
        let needed = handler_role(stage.handler_role);
        if !self.actor.has(needed) {
            return Err(CaseError::denied(format!(
                "the {} step of {} is handled by {}",
                stage.stage.as_str(),
                self.case.terms.item_id,
                handler_name(stage.handler_role)
            )));
        }
        self.role = needed;
        Ok(())
    }

    pub fn emit(&mut self, fact: CaseFact) {
        let actor = EventActor {
            subject: self.actor.subject.clone(),
            role: self.role,
            department: self.actor.department.clone(),
        };
        let context = EventContext::of(&self.case, actor, self.today, self.now);
        self.events.push(DomainEvent { context, fact });
    }

    pub fn log(&mut self, action: CommandKind, note: impl Into<String>) {
        self.case.timeline.push(TimelineEntry {
            at: self.now,
            actor_role: self.role,
            action: action.as_str().to_string(),
            note: note.into(),
        });
    }

    pub fn close(&mut self, state: CaseState) {
        self.case.state = state;
        self.case.closed_at = Some(self.now);
    }

    pub fn current_index(&self) -> Option<usize> {
        self.case
            .stages
            .iter()
            .position(|s| s.state == StageState::Active)
    }

    /// Recomputes the case's due dates and the active stage's due date as they stand
    /// today: after every change that moves them (acceptance, a suspension, an extension,
    /// a stage completed).
    pub fn refresh_deadlines(&mut self) -> Result<(), CaseError> {
        self.case.deadlines = self.case.reckon(self.today, self.calendar)?;
        if let Some(i) = self.current_index() {
            let stage = self.case.stages[i].clone();
            let due = self.case.stage_due_on(&stage, self.today, self.calendar)?;
            let suspended = self.suspended_in(stage.stage)?;
            let record = &mut self.case.stages[i];
            record.due_date = due.map(|d| d.value);
            record.suspended_days = suspended;
        }
        Ok(())
    }

    /// Working days suspended while `stage` was current, an open suspension up to today.
    pub fn suspended_in(&self, stage: Stage) -> Result<u32, CaseError> {
        let spans: Vec<_> = self
            .case
            .suspensions
            .iter()
            .filter(|s| s.stage == stage)
            .map(|s| s.span())
            .collect();
        Ok(super::deadline::total_suspended_days(self.calendar, &spans, self.today)?.value)
    }

    /// Starts the stage at `index` today.
    pub fn start_stage(&mut self, index: usize) -> Result<Option<StageDeadline>, CaseError> {
        let Some(record) = self.case.stages.get_mut(index) else {
            return Ok(None);
        };
        record.state = StageState::Active;
        record.started_on = Some(self.today);
        let record = record.clone();
        let due = self.case.stage_due_on(&record, self.today, self.calendar)?;
        let due = due.map(|d| d.value).unwrap_or(self.today);
        self.case.stages[index].due_date = Some(due);
        Ok(Some(StageDeadline {
            stage: record.stage,
            started_on: self.today,
            due_date: due,
        }))
    }
}
