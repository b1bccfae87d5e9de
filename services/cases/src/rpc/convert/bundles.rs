//! A bundle case as the contract shows it, to its lead department and applicant, in lists
//! and to the public.

use chrono::NaiveDate;
use onewindow_proto::cases::v1 as pb;

use super::cases::{applicant_to_proto, days_i32};
use super::{format_optional_date, timestamp, to_i32, CaseView};
use crate::domain::{BundleCase, BundleStage, BundleState, CaseState, ChildCase, Standing};

/// A child case as the bundle sees it; `today` decides whether it is late.
pub fn child_to_proto(c: &ChildCase, today: NaiveDate) -> pb::BundleChild {
    pb::BundleChild {
        case_id: c.case_id.clone(),
        case_number: c.case_number.to_string(),
        item_id: c.item_id.clone(),
        item_name: c.item_name.clone(),
        department_id: c.department_id.clone(),
        state: pb::CaseState::from(c.state).into(),
        outcome: c.outcome.map_or(0, |o| pb::OutcomeKind::from(o).into()),
        accepted_on: format_optional_date(c.accepted_on),
        due_date: format_optional_date(c.due_date),
        late: c.is_late(today),
    }
}

fn stage_to_proto(index: usize, s: &BundleStage, today: NaiveDate) -> pb::BundleCaseStage {
    pb::BundleCaseStage {
        index: to_i32(index),
        name: s.name.clone(),
        state: pb::BundleStageState::from(s.state).into(),
        started_on: format_optional_date(s.started_on),
        completed_on: format_optional_date(s.completed_on),
        children: s
            .children
            .iter()
            .map(|c| child_to_proto(c, today))
            .collect(),
    }
}

/// One bundle case. `standing` is its due date's standing today (`BundleCase::standing`);
/// `today` decides which children, and so which departments, are late. The query code is
/// set by the service in the SubmitBundle response only.
pub fn bundle_case_to_proto(
    b: &BundleCase,
    view: CaseView,
    standing: Option<&Standing>,
    today: NaiveDate,
) -> pb::BundleCase {
    let mut years: Vec<i32> = b.years_without_schedule.iter().copied().collect();
    if let Some(s) = standing {
        years.extend(s.years_without_schedule.iter().copied());
        years.sort_unstable();
        years.dedup();
    }
    pb::BundleCase {
        id: b.id.clone(),
        bundle_id: b.terms.bundle_id.clone(),
        bundle_name: b.terms.name.clone(),
        case_number: b.case_number.to_string(),
        query_code: String::new(),
        lead_department_id: b.terms.lead_department_id.clone(),
        region_code: b.terms.region_code.clone(),
        state: pb::BundleCaseState::from(b.state).into(),
        stages: b
            .stages
            .iter()
            .enumerate()
            .map(|(i, s)| stage_to_proto(i, s, today))
            .collect(),
        applicant: Some(applicant_to_proto(&b.applicant, view)),
        applicant_subject: b.applicant_subject.clone().unwrap_or_default(),
        submitted_at: Some(timestamp(b.submitted_at)),
        accepted_on: format_optional_date(b.accepted_on),
        due_date: format_optional_date(b.due_date),
        years_without_schedule: years,
        late_department_ids: b.late_departments(today),
        warning: standing.map_or(0, |s| pb::WarningLevel::from(s.warning).into()),
        remaining_working_days: standing.map_or(0, |s| days_i32(s.remaining_working_days)),
        outcome: b.outcome.map_or(0, |o| pb::OutcomeKind::from(o).into()),
        stopped_by_case_id: b.stopped_by_case_id.clone().unwrap_or_default(),
        concluded_at: b.concluded_at.map(timestamp),
        revision: b.revision,
    }
}

/// A bundle case in a list: personal data masked whoever reads it.
pub fn bundle_case_summary(
    b: &BundleCase,
    standing: Option<&Standing>,
    today: NaiveDate,
) -> pb::BundleCase {
    bundle_case_to_proto(b, CaseView::Masked, standing, today)
}

/// A child as the public follows it within its bundle.
fn public_child(c: &ChildCase) -> pb::PublicCase {
    pb::PublicCase {
        case_number: c.case_number.to_string(),
        name: c.item_name.clone(),
        department_id: c.department_id.clone(),
        state: pb::CaseState::from(c.state).into(),
        accepted_on: format_optional_date(c.accepted_on),
        planned_due_date: format_optional_date(c.due_date),
        outcome: c.outcome.map(|o| pb::Outcome {
            kind: pb::OutcomeKind::from(o).into(),
            ..pb::Outcome::default()
        }),
        ..pb::PublicCase::default()
    }
}

/// What the public sees of a bundle case by its number and query code. The contract has
/// one set of states for both: a running or stopped bundle is in progress (its children
/// still run), a concluded one concluded.
pub fn public_bundle_case(b: &BundleCase) -> pb::PublicCase {
    let state = match b.state {
        BundleState::InProgress | BundleState::Stopped => CaseState::InProgress,
        BundleState::Concluded => CaseState::Concluded,
    };
    pb::PublicCase {
        case_number: b.case_number.to_string(),
        name: b.terms.name.clone(),
        department_id: b.terms.lead_department_id.clone(),
        state: pb::CaseState::from(state).into(),
        current_stage: 0,
        applicant: Some(applicant_to_proto(&b.applicant, CaseView::Masked)),
        submitted_at: Some(timestamp(b.submitted_at)),
        accepted_on: format_optional_date(b.accepted_on),
        planned_due_date: format_optional_date(b.due_date),
        outcome: b.outcome.map(|o| pb::Outcome {
            kind: pb::OutcomeKind::from(o).into(),
            ..pb::Outcome::default()
        }),
        timeline: Vec::new(),
        supplement_items: Vec::new(),
        children: b.children().map(public_child).collect(),
        is_bundle: true,
        case_id: b.id.clone(),
        item_id: b.terms.bundle_id.clone(),
        region_code: b.terms.region_code.clone(),
    }
}
