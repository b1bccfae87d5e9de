//! The bundle case (一条龙, 并联审批): serial stages of child cases that run in parallel,
//! one per item of the stage, each handled by its own department.
//!
//! The bundle follows its children: when every child of a stage is concluded approved, the
//! next stage is due to start (the service creates its children and reports them with
//! [`BundleCommand::StageStarted`]); a child denied, refused or withdrawn stops the bundle,
//! which concludes denied once no child is open any more. A bundle never concludes while a
//! child is open. Its clock starts with the first child accepted and runs for the bundle's
//! promised working days; the lead department sees which departments are late.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use onewindow_kit::auth::Role;
use onewindow_kit::calendar::Calendar;
use onewindow_kit::error::Violations;
use serde::{Deserialize, Serialize};

use super::applicant::Applicant;
use super::case::{Case, CaseState, Channel, NewMaterial, OutcomeKind};
use super::command::Actor;
use super::deadline::{self, Standing};
use super::error::CaseError;
use super::event::{BundleEvent, BundleFact, EventActor};
use super::number::CaseNumber;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleStageTerms {
    pub name: String,
    pub item_ids: Vec<String>,
}

/// What a bundle case needs of the catalog's published bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleTerms {
    pub bundle_id: String,
    pub name: String,
    pub lead_department_id: String,
    pub region_code: String,
    pub promised_limit_days: u32,
    pub stages: Vec<BundleStageTerms>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BundleState {
    InProgress,
    /// A child failed: no stage starts any more; the open children still finish.
    Stopped,
    Concluded,
}

impl fmt::Display for BundleState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BundleState::InProgress => "in_progress",
            BundleState::Stopped => "stopped",
            BundleState::Concluded => "concluded",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BundleStageState {
    Pending,
    Active,
    Completed,
    Stopped,
}

/// A child case as the bundle sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildCase {
    pub case_id: String,
    pub case_number: CaseNumber,
    pub item_id: String,
    pub item_name: String,
    pub department_id: String,
    pub state: CaseState,
    pub outcome: Option<OutcomeKind>,
    pub accepted_on: Option<NaiveDate>,
    /// Its planned due date, once accepted.
    pub due_date: Option<NaiveDate>,
    pub concluded_on: Option<NaiveDate>,
}

impl ChildCase {
    pub fn of(case: &Case) -> ChildCase {
        ChildCase {
            case_id: case.id.clone(),
            case_number: case.case_number.clone(),
            item_id: case.terms.item_id.clone(),
            item_name: case.terms.name.clone(),
            department_id: case.terms.department_id.clone(),
            state: case.state,
            outcome: case.outcome.as_ref().map(|o| o.conclusion.kind()),
            accepted_on: case.accepted_on,
            due_date: case.deadlines.as_ref().map(|d| d.planned_due_date),
            concluded_on: case.outcome.as_ref().map(|o| o.concluded_on),
        }
    }

    pub fn is_open(&self) -> bool {
        !self.state.is_closed()
    }

    pub fn is_approved(&self) -> bool {
        self.state == CaseState::Concluded && self.outcome == Some(OutcomeKind::Approved)
    }

    /// Open past its due date.
    pub fn is_late(&self, today: NaiveDate) -> bool {
        self.is_open() && self.due_date.is_some_and(|due| today > due)
    }

    /// Concluded after its due date.
    pub fn concluded_late(&self) -> bool {
        matches!((self.concluded_on, self.due_date), (Some(done), Some(due)) if done > due)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleStage {
    pub name: String,
    pub item_ids: Vec<String>,
    pub state: BundleStageState,
    pub started_on: Option<NaiveDate>,
    pub completed_on: Option<NaiveDate>,
    pub children: Vec<ChildCase>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleCase {
    pub id: String,
    pub case_number: CaseNumber,
    pub terms: BundleTerms,
    pub applicant: Applicant,
    pub applicant_subject: Option<String>,
    pub channel: Channel,
    pub state: BundleState,
    pub stages: Vec<BundleStage>,
    pub submitted_at: DateTime<Utc>,
    pub accepted_on: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub years_without_schedule: BTreeSet<i32>,
    pub outcome: Option<OutcomeKind>,
    pub stopped_by_case_id: Option<String>,
    pub concluded_at: Option<DateTime<Utc>>,
    pub concluded_on: Option<NaiveDate>,
    pub revision: i64,
    /// The files submitted once for the whole bundle (资料互认): every child whose item
    /// names the same shared material receives them, in whichever stage it starts.
    #[serde(default)]
    pub shared_files: Vec<NewMaterial>,
}

impl BundleCase {
    pub fn children(&self) -> impl Iterator<Item = &ChildCase> {
        self.stages.iter().flat_map(|s| s.children.iter())
    }

    pub fn has_open_child(&self) -> bool {
        self.children().any(ChildCase::is_open)
    }

    /// Every department taking part so far.
    pub fn departments(&self) -> Vec<String> {
        let set: BTreeSet<&str> = self.children().map(|c| c.department_id.as_str()).collect();
        set.into_iter().map(str::to_string).collect()
    }

    /// Departments with an open child past its due date, for the lead department.
    pub fn late_departments(&self, today: NaiveDate) -> Vec<String> {
        let set: BTreeSet<&str> = self
            .children()
            .filter(|c| c.is_late(today))
            .map(|c| c.department_id.as_str())
            .collect();
        set.into_iter().map(str::to_string).collect()
    }

    /// The stage whose children the service must now create: the first pending stage
    /// after completed ones, while the bundle runs.
    pub fn stage_to_start(&self) -> Option<(usize, &BundleStage)> {
        if self.state != BundleState::InProgress {
            return None;
        }
        let index = self
            .stages
            .iter()
            .position(|s| s.state != BundleStageState::Completed)?;
        let stage = &self.stages[index];
        (stage.state == BundleStageState::Pending).then_some((index, stage))
    }

    /// The bundle's due date on `today`; `None` before its clock starts or once concluded.
    pub fn standing(
        &self,
        today: NaiveDate,
        calendar: &Calendar,
        warning_days: u32,
    ) -> Result<Option<Standing>, CaseError> {
        match (self.state, self.due_date) {
            (BundleState::Concluded, _) | (_, None) => Ok(None),
            (_, Some(due)) => Ok(Some(deadline::standing(
                calendar,
                due,
                today,
                warning_days,
            )?)),
        }
    }
}

/// A new bundle case, as the service prepared it: the children of the first stage are
/// already submitted (see [`super::intake::submit`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleSubmission {
    pub id: String,
    pub case_number: CaseNumber,
    pub terms: BundleTerms,
    pub applicant: Applicant,
    pub channel: Channel,
    pub applicant_subject: Option<String>,
    pub first_children: Vec<ChildCase>,
    /// The files submitted once for the whole bundle (资料互认).
    pub shared_files: Vec<NewMaterial>,
}

/// What happens to a bundle case: its children report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BundleCommand {
    /// A child case changed (after every transition of a child).
    ChildChanged(ChildCase),
    /// The service created the children of the stage [`BundleCase::stage_to_start`] named.
    StageStarted {
        index: usize,
        children: Vec<ChildCase>,
    },
}

/// The children must be exactly one per item of the stage.
fn check_children(stage: &BundleStageTerms, children: &[ChildCase], v: &mut Violations) {
    let mut given: Vec<&str> = children.iter().map(|c| c.item_id.as_str()).collect();
    let mut wanted: Vec<&str> = stage.item_ids.iter().map(String::as_str).collect();
    given.sort_unstable();
    wanted.sort_unstable();
    v.check(
        given != wanted,
        "children",
        format!(
            "must be one case for each item of the stage: {}",
            wanted.join(", ")
        ),
    );
}

/// Creates a bundle case with its first stage running. An applicant submits online for
/// themself; a clerk of the lead department at its one-stop window.
pub fn start_bundle(
    s: BundleSubmission,
    actor: &Actor,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(BundleCase, Vec<BundleEvent>), CaseError> {
    let t = &s.terms;
    let role = match s.channel {
        Channel::Online
            if actor.has(Role::Applicant)
                && s.applicant_subject.as_deref() == Some(actor.subject.as_str()) =>
        {
            Role::Applicant
        }
        Channel::Window
            if actor.has(Role::Clerk)
                && actor.works_for(&t.lead_department_id, &t.region_code)
                && s.applicant_subject.is_none() =>
        {
            Role::Clerk
        }
        _ => {
            return Err(CaseError::denied(format!(
                "a bundle is submitted by the applicant online or by a clerk of {} at its window",
                t.lead_department_id
            )))
        }
    };
    let mut v = Violations::new();
    v.check(s.id.trim().is_empty(), "id", "must not be empty");
    v.check(
        t.stages.is_empty(),
        "bundle.stages",
        "must have at least one stage",
    );
    v.check(
        t.stages.iter().any(|st| st.item_ids.is_empty()),
        "bundle.stages",
        "every stage must have at least one item",
    );
    v.extend_prefixed("applicant", s.applicant.validate());
    if let Some(first) = t.stages.first() {
        check_children(first, &s.first_children, &mut v);
    }
    CaseError::check(v)?;

    let stages = t
        .stages
        .iter()
        .enumerate()
        .map(|(i, st)| BundleStage {
            name: st.name.clone(),
            item_ids: st.item_ids.clone(),
            state: if i == 0 {
                BundleStageState::Active
            } else {
                BundleStageState::Pending
            },
            started_on: (i == 0).then_some(today),
            completed_on: None,
            children: if i == 0 {
                s.first_children.clone()
            } else {
                Vec::new()
            },
        })
        .collect();
    let bundle = BundleCase {
        id: s.id,
        case_number: s.case_number,
        terms: s.terms,
        applicant: s.applicant,
        applicant_subject: s.applicant_subject,
        channel: s.channel,
        state: BundleState::InProgress,
        stages,
        submitted_at: now,
        accepted_on: None,
        due_date: None,
        years_without_schedule: BTreeSet::new(),
        outcome: None,
        stopped_by_case_id: None,
        concluded_at: None,
        concluded_on: None,
        revision: 1,
        shared_files: s.shared_files.clone(),
    };
    let actor = EventActor {
        subject: actor.subject.clone(),
        role,
        department: actor.department.clone(),
    };
    let fact = BundleFact::Started {
        children: s.first_children,
        shared_material_ids: s
            .shared_files
            .iter()
            .filter_map(|f| f.shared_material_id.clone())
            .collect(),
    };
    let event = BundleEvent::of(&bundle, actor, today, now, fact);
    Ok((bundle, vec![event]))
}

/// Applies what a child reported, or the start of the next stage.
pub fn decide_bundle(
    bundle: &BundleCase,
    command: BundleCommand,
    today: NaiveDate,
    now: DateTime<Utc>,
    calendar: &Calendar,
) -> Result<(BundleCase, Vec<BundleEvent>), CaseError> {
    let refuse = |command: &'static str, reason: &str| CaseError::BundlePrecondition {
        id: bundle.id.clone(),
        state: bundle.state,
        command,
        reason: reason.to_string(),
    };
    let mut b = bundle.clone();
    let mut events = Vec::new();
    match command {
        BundleCommand::ChildChanged(child) => {
            if b.state == BundleState::Concluded {
                return Err(refuse(
                    "child_changed",
                    "a concluded bundle has no open child",
                ));
            }
            let (si, ci) = b
                .stages
                .iter()
                .enumerate()
                .find_map(|(si, s)| {
                    s.children
                        .iter()
                        .position(|c| c.case_id == child.case_id)
                        .map(|ci| (si, ci))
                })
                .ok_or_else(|| CaseError::not_found("bundle child", child.case_id.clone()))?;
            if b.accepted_on.is_none() {
                if let Some(accepted) = child.accepted_on {
                    let due = calendar.add_working_days(accepted, b.terms.promised_limit_days)?;
                    b.accepted_on = Some(accepted);
                    b.due_date = Some(due.value);
                    b.years_without_schedule = due.years_without_schedule;
                }
            }
            let failed = child.state.is_closed() && !child.is_approved();
            let child_id = child.case_id.clone();
            b.stages[si].children[ci] = child;
            let stage = &mut b.stages[si];
            if failed {
                stage.state = BundleStageState::Stopped;
                if b.state == BundleState::InProgress {
                    b.state = BundleState::Stopped;
                    b.stopped_by_case_id = Some(child_id);
                }
            } else if stage.state == BundleStageState::Active
                && stage.children.iter().all(ChildCase::is_approved)
            {
                stage.state = BundleStageState::Completed;
                stage.completed_on = Some(today);
            }
            let all_done = b
                .stages
                .iter()
                .all(|s| s.state == BundleStageState::Completed);
            if (all_done || b.state == BundleState::Stopped) && !b.has_open_child() {
                let outcome = if all_done {
                    OutcomeKind::Approved
                } else {
                    OutcomeKind::Denied
                };
                b.state = BundleState::Concluded;
                b.outcome = Some(outcome);
                b.concluded_at = Some(now);
                b.concluded_on = Some(today);
                let late_departments: BTreeSet<String> = b
                    .children()
                    .filter(|c| c.concluded_late())
                    .map(|c| c.department_id.clone())
                    .collect();
                let fact = BundleFact::Concluded {
                    outcome,
                    stopped_by_case_id: b.stopped_by_case_id.clone(),
                    accepted_on: b.accepted_on,
                    due_date: b.due_date,
                    late: b.due_date.is_some_and(|due| today > due),
                    late_department_ids: late_departments.into_iter().collect(),
                };
                events.push(BundleEvent::of(&b, EventActor::system(), today, now, fact));
            }
        }
        BundleCommand::StageStarted { index, children } => {
            if bundle.stage_to_start().map(|(i, _)| i) != Some(index) {
                return Err(refuse(
                    "start_stage",
                    "that stage is not the one due to start",
                ));
            }
            let mut v = Violations::new();
            if let Some(terms) = b.terms.stages.get(index) {
                check_children(terms, &children, &mut v);
            }
            CaseError::check(v)?;
            let stage = &mut b.stages[index];
            stage.state = BundleStageState::Active;
            stage.started_on = Some(today);
            stage.children = children.clone();
            let fact = BundleFact::StageStarted {
                index,
                name: stage.name.clone(),
                children,
            };
            events.push(BundleEvent::of(&b, EventActor::system(), today, now, fact));
        }
    }
    b.revision += 1;
    Ok((b, events))
}
