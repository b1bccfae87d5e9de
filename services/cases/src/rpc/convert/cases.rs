//! A case as the contract shows it: in full to its department's staff and its applicant,
//! masked in lists, the inbox and the public lookup.
//!
//! The due dates shown are the case's as reckoned at its last transition; a reader who
//! wants them as of today (an open suspension moves them every working day) reckons first
//! (`case.deadlines = case.reckon(today, calendar)?`). The warning and the remaining
//! working days come from the standing the caller reckoned for today.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use onewindow_proto::cases::v1 as pb;
use onewindow_proto::common::v1 as common;

use super::{format_date, format_optional_date, timestamp, to_i32, CaseView};
use crate::domain::{
    Applicant, Case, CaseMaterial, CaseState, ChargedFee, Conclusion, Deadlines, Extension,
    IntakeRefusal, Outcome, Stage, StageRecord, Standing, SupplementItem, SupplementNotice,
    Suspension, TimelineEntry,
};

/// Working days as the contract's `int32`, saturating on both sides so that a sign is
/// never lost.
pub(super) fn days_i32(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(if n < 0 { i32::MIN } else { i32::MAX })
}

pub(super) fn applicant_to_proto(a: &Applicant, view: CaseView) -> pb::Applicant {
    let a = if view.is_masked() {
        a.masked()
    } else {
        a.clone()
    };
    pb::Applicant {
        kind: pb::ApplicantKind::from(a.kind).into(),
        name: a.name,
        id_type: pb::IdType::from(a.id_type).into(),
        id_number: a.id_number,
        phone: a.phone,
    }
}

fn material_to_proto(m: &CaseMaterial) -> pb::CaseMaterial {
    pb::CaseMaterial {
        id: m.id.clone(),
        material_id: m.material_id.clone(),
        name: m.name.clone(),
        content_type: m.content_type.clone(),
        size_bytes: i64::try_from(m.size_bytes).unwrap_or(i64::MAX),
        sha256: m.sha256.clone(),
        shared_material_id: m.shared_material_id.clone().unwrap_or_default(),
        submitted_at: Some(timestamp(m.submitted_at)),
        round: to_i32(m.round),
    }
}

fn stage_to_proto(s: &StageRecord, today: NaiveDate) -> pb::CaseStage {
    pb::CaseStage {
        stage: common::Stage::from(s.stage).into(),
        handler_role: common::HandlerRole::from(s.handler_role).into(),
        state: pb::StageState::from(s.state).into(),
        limit_days: to_i32(s.limit_days),
        started_on: format_optional_date(s.started_on),
        due_date: format_optional_date(s.due_date),
        completed_at: s.completed_at.map(timestamp),
        actor: s.actor.clone().unwrap_or_default(),
        opinion: s.opinion.clone(),
        suspended_days: to_i32(s.suspended_days),
        late: s.is_late(today),
    }
}

fn suspension_to_proto(s: &Suspension) -> pb::Suspension {
    pb::Suspension {
        procedure: common::SpecialProcedure::from(s.procedure).into(),
        reason: s.reason.clone(),
        declared_days: to_i32(s.declared_days),
        started_on: format_date(s.started_on),
        ended_on: format_optional_date(s.ended_on),
        working_days: to_i32(s.working_days),
        stage: common::Stage::from(s.stage).into(),
        started_by: s.started_by.clone(),
    }
}

fn extension_to_proto(e: &Extension) -> pb::Extension {
    pb::Extension {
        days: to_i32(e.days),
        reason: e.reason.clone(),
        approved_by: e.approved_by.clone(),
        approved_at: Some(timestamp(e.approved_at)),
    }
}

impl From<&SupplementItem> for pb::SupplementItem {
    fn from(i: &SupplementItem) -> Self {
        pb::SupplementItem {
            material_id: i.material_id.clone(),
            problem: i.problem.clone(),
        }
    }
}

fn notice_to_proto(n: &SupplementNotice) -> pb::SupplementNotice {
    pb::SupplementNotice {
        number: to_i32(n.number),
        items: n.items.iter().map(pb::SupplementItem::from).collect(),
        issued_at: Some(timestamp(n.issued_at)),
        issued_by: n.issued_by.clone(),
        late_named_material_ids: n.late_named_material_ids.clone(),
    }
}

/// A fee as charged. Who charged it is the audit trail's, not the contract's.
impl From<&ChargedFee> for pb::ChargedFee {
    fn from(f: &ChargedFee) -> Self {
        pb::ChargedFee {
            fee_id: f.fee_id.clone(),
            name: f.name.clone(),
            amount_fen: f.amount_fen,
            standard_amount_fen: f.standard_amount_fen,
            deviates_from_standard: f.deviates_from_standard,
            on_free_item: f.on_free_item,
            charged_at: Some(timestamp(f.charged_at)),
            paid_at: f.paid_at.map(timestamp),
            payment_reference: f.payment_reference.clone().unwrap_or_default(),
        }
    }
}

fn outcome_to_proto(o: &Outcome) -> pb::Outcome {
    let mut out = pb::Outcome {
        kind: pb::OutcomeKind::from(o.conclusion.kind()).into(),
        concluded_at: Some(timestamp(o.concluded_at)),
        concluded_on: format_date(o.concluded_on),
        immediate: o.immediate,
        ..pb::Outcome::default()
    };
    match &o.conclusion {
        Conclusion::Approved { result_reference } => {
            out.result_reference = result_reference.clone();
        }
        Conclusion::Denied {
            reason,
            legal_basis,
        } => {
            out.reason = reason.clone();
            out.legal_basis = legal_basis.clone();
        }
    }
    out
}

fn refusal_to_proto(r: &IntakeRefusal) -> pb::IntakeRefusal {
    pb::IntakeRefusal {
        reason: r.reason.clone(),
        legal_basis: r.legal_basis.clone(),
        refused_at: Some(timestamp(r.refused_at)),
    }
}

fn timeline_to_proto(e: &TimelineEntry) -> pb::TimelineEntry {
    pb::TimelineEntry {
        at: Some(timestamp(e.at)),
        actor_role: e.actor_role.as_str().to_string(),
        action: e.action.clone(),
        note: e.note.clone(),
    }
}

fn current_stage(case: &Case) -> i32 {
    case.current_stage()
        .map_or(0, |s| common::Stage::from(s.stage).into())
}

/// The years a reader must be told the dates may still move for.
fn years_without_schedule(deadlines: Option<&Deadlines>, standing: Option<&Standing>) -> Vec<i32> {
    let years: BTreeSet<i32> = deadlines
        .into_iter()
        .flat_map(|d| d.years_without_schedule.iter().copied())
        .chain(
            standing
                .into_iter()
                .flat_map(|s| s.years_without_schedule.iter().copied()),
        )
        .collect();
    years.into_iter().collect()
}

/// One case. `standing` is the planned due date's standing today (`Case::standing`),
/// `None` before acceptance and once closed; `today` decides whether an open stage is late.
/// The query code is never set here: only the SubmitCase response carries it, and the
/// service adds it there.
pub fn case_to_proto(
    case: &Case,
    view: CaseView,
    standing: Option<&Standing>,
    today: NaiveDate,
) -> pb::Case {
    let deadlines = case.deadlines.as_ref();
    pb::Case {
        id: case.id.clone(),
        case_number: case.case_number.to_string(),
        query_code: String::new(),
        item_id: case.terms.item_id.clone(),
        item_version: to_i32(case.terms.version),
        item_name: case.terms.name.clone(),
        department_id: case.terms.department_id.clone(),
        region_code: case.terms.region_code.clone(),
        state: pb::CaseState::from(case.state).into(),
        current_stage: current_stage(case),
        applicant: Some(applicant_to_proto(&case.applicant, view)),
        applicant_subject: case.applicant_subject.clone().unwrap_or_default(),
        channel: pb::Channel::from(case.channel).into(),
        materials: case.materials.iter().map(material_to_proto).collect(),
        submitted_at: Some(timestamp(case.submitted_at)),
        accepted_on: format_optional_date(case.accepted_on),
        planned_due_date: format_optional_date(deadlines.map(|d| d.planned_due_date)),
        latest_due_date: format_optional_date(deadlines.map(|d| d.latest_due_date)),
        years_without_schedule: years_without_schedule(deadlines, standing),
        stages: case
            .stages
            .iter()
            .map(|s| stage_to_proto(s, today))
            .collect(),
        suspensions: case.suspensions.iter().map(suspension_to_proto).collect(),
        extensions: case.extensions.iter().map(extension_to_proto).collect(),
        supplement_notices: case
            .supplement_notices
            .iter()
            .map(notice_to_proto)
            .collect(),
        fees: case.fees.iter().map(pb::ChargedFee::from).collect(),
        outcome: case.outcome.as_ref().map(outcome_to_proto),
        intake_refusal: case.intake_refusal.as_ref().map(refusal_to_proto),
        withdrawal_reason: case.withdrawal_reason.clone().unwrap_or_default(),
        timeline: case.timeline.iter().map(timeline_to_proto).collect(),
        bundle_case_id: case.bundle_case_id.clone().unwrap_or_default(),
        warning: standing.map_or(0, |s| pb::WarningLevel::from(s.warning).into()),
        remaining_working_days: standing.map_or(0, |s| days_i32(s.remaining_working_days)),
        revision: case.revision,
        immediate: case.terms.is_immediate(),
        closed_at: case.closed_at.map(timestamp),
    }
}

/// A case in a list or the inbox: personal data masked, materials and timeline omitted,
/// whoever reads it.
pub fn case_summary(case: &Case, standing: Option<&Standing>, today: NaiveDate) -> pb::Case {
    pb::Case {
        materials: Vec::new(),
        timeline: Vec::new(),
        ..case_to_proto(case, CaseView::Masked, standing, today)
    }
}

/// What the public sees by number and query code: masked, the outcome's kind and result
/// only (a denial's grounds are the applicant's, not the public's), and the materials the
/// open supplement notice asks for.
pub fn public_case(case: &Case) -> pb::PublicCase {
    let supplement_items = match (case.state, case.supplement_notices.last()) {
        (CaseState::SupplementRequested, Some(n)) => {
            n.items.iter().map(pb::SupplementItem::from).collect()
        }
        _ => Vec::new(),
    };
    pb::PublicCase {
        case_number: case.case_number.to_string(),
        name: case.terms.name.clone(),
        department_id: case.terms.department_id.clone(),
        state: pb::CaseState::from(case.state).into(),
        current_stage: current_stage(case),
        applicant: Some(applicant_to_proto(&case.applicant, CaseView::Masked)),
        submitted_at: Some(timestamp(case.submitted_at)),
        accepted_on: format_optional_date(case.accepted_on),
        planned_due_date: format_optional_date(case.deadlines.as_ref().map(|d| d.planned_due_date)),
        outcome: case.outcome.as_ref().map(public_outcome),
        timeline: case.timeline.iter().map(timeline_to_proto).collect(),
        supplement_items,
        children: Vec::new(),
        is_bundle: false,
        case_id: case.id.clone(),
        item_id: case.terms.item_id.clone(),
        region_code: case.terms.region_code.clone(),
    }
}

fn public_outcome(o: &Outcome) -> pb::Outcome {
    pb::Outcome {
        kind: pb::OutcomeKind::from(o.conclusion.kind()).into(),
        result_reference: match &o.conclusion {
            Conclusion::Approved { result_reference } => result_reference.clone(),
            Conclusion::Denied { .. } => String::new(),
        },
        ..pb::Outcome::default()
    }
}

/// A case awaiting the caller. `case_standing` is the planned due date's standing (for the
/// summary), `stage_standing` the current stage's (`Case::stage_standing`): the inbox is
/// ordered and warned by the stage that awaits the caller. A case awaiting intake waits
/// at accept, which has no due date yet.
pub fn inbox_entry(
    case: &Case,
    case_standing: Option<&Standing>,
    stage_standing: Option<&Standing>,
    today: NaiveDate,
) -> pb::InboxEntry {
    let (stage, role) = match case.state {
        CaseState::Submitted => (
            Some(Stage::Accept),
            case.terms.step(Stage::Accept).map(|s| s.handler_role),
        ),
        _ => case
            .current_stage()
            .map_or((None, None), |s| (Some(s.stage), Some(s.handler_role))),
    };
    let awaiting_intake = case.state == CaseState::Submitted;
    let stage_standing = stage_standing.filter(|_| !awaiting_intake);
    pb::InboxEntry {
        case_summary: Some(case_summary(case, case_standing, today)),
        stage: stage.map_or(0, |s| common::Stage::from(s).into()),
        handler_role: role.map_or(0, |r| common::HandlerRole::from(r).into()),
        due_date: format_optional_date(stage_standing.map(|s| s.due_date)),
        remaining_working_days: stage_standing.map_or(0, |s| days_i32(s.remaining_working_days)),
        warning: stage_standing.map_or(0, |s| pb::WarningLevel::from(s.warning).into()),
        suspended: case.open_suspension().is_some(),
    }
}
