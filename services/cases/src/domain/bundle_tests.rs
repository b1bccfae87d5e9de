//! Bundle cases: parallel children per stage, serial stages, stopping, lateness.

use onewindow_kit::calendar::Calendar;

use super::bundle::*;
use super::case::{CaseState, Channel, NewMaterial, OutcomeKind};
use super::error::CaseError;
use super::event::{BundleEvent, BundleFact};
use super::fixtures::*;
use super::number::CaseNumber;

/// Enterprise registration (工商企业注册): market regulation and police in parallel, then
/// tax.
fn terms() -> BundleTerms {
    BundleTerms {
        bundle_id: "enterprise-registration".into(),
        name: "工商企业注册一条龙".into(),
        lead_department_id: DEPT.into(),
        region_code: REGION.into(),
        promised_limit_days: 5,
        stages: vec![
            BundleStageTerms {
                name: "并联审批".into(),
                item_ids: vec!["item-a".into(), "item-b".into()],
            },
            BundleStageTerms {
                name: "税务登记".into(),
                item_ids: vec!["item-c".into()],
            },
        ],
    }
}

fn child(n: u32, item: &str, dept: &str) -> ChildCase {
    ChildCase {
        case_id: format!("child-{n}"),
        case_number: CaseNumber::new(REGION, 2026, n).unwrap(),
        item_id: item.into(),
        item_name: item.into(),
        department_id: dept.into(),
        state: CaseState::Submitted,
        outcome: None,
        accepted_on: None,
        due_date: None,
        concluded_on: None,
    }
}

fn accepted(mut c: ChildCase, on: chrono::NaiveDate, due: chrono::NaiveDate) -> ChildCase {
    c.state = CaseState::InProgress;
    c.accepted_on = Some(on);
    c.due_date = Some(due);
    c
}

fn concluded_as(mut c: ChildCase, outcome: OutcomeKind, on: chrono::NaiveDate) -> ChildCase {
    c.state = CaseState::Concluded;
    c.outcome = Some(outcome);
    c.concluded_on = Some(on);
    c
}

fn a() -> ChildCase {
    child(201, "item-a", DEPT)
}
fn b() -> ChildCase {
    child(202, "item-b", "gaj")
}
fn c() -> ChildCase {
    child(203, "item-c", "swj")
}

fn started() -> BundleCase {
    let submission = BundleSubmission {
        id: "bundle-1".into(),
        case_number: CaseNumber::new(REGION, 2026, 200).unwrap(),
        terms: terms(),
        applicant: enterprise(),
        channel: Channel::Online,
        applicant_subject: Some(APPLICANT.into()),
        first_children: vec![a(), b()],
        shared_files: vec![NewMaterial {
            shared_material_id: Some("s-license".into()),
            ..file("s-license", 9)
        }],
    };
    start_bundle(submission, &applicant(), monday(), instant(monday()))
        .unwrap()
        .0
}

fn report(
    b: &BundleCase,
    command: BundleCommand,
    day: chrono::NaiveDate,
) -> (BundleCase, Vec<BundleEvent>) {
    decide_bundle(b, command, day, instant(day), &Calendar::official()).unwrap()
}

fn changed(b: &BundleCase, child: ChildCase, day: chrono::NaiveDate) -> BundleCase {
    report(b, BundleCommand::ChildChanged(child), day).0
}

#[test]
fn a_bundle_starts_its_first_stage_in_parallel() {
    let b = started();
    assert_eq!(b.state, BundleState::InProgress);
    assert_eq!(b.stages[0].state, BundleStageState::Active);
    assert_eq!(b.stages[0].children.len(), 2);
    assert_eq!(b.stages[1].state, BundleStageState::Pending);
    assert!(b.stage_to_start().is_none());
    assert_eq!(b.departments(), ["gaj", "scjgj"]);
}

#[test]
fn a_bundle_needs_one_child_per_item_and_a_rightful_submitter() {
    let mut s = BundleSubmission {
        id: "bundle-1".into(),
        case_number: CaseNumber::new(REGION, 2026, 200).unwrap(),
        terms: terms(),
        applicant: enterprise(),
        channel: Channel::Window,
        applicant_subject: None,
        first_children: vec![a()],
        shared_files: vec![],
    };
    let result = start_bundle(s.clone(), &clerk(), monday(), instant(monday()));
    assert!(matches!(result, Err(CaseError::Invalid(_))), "{result:?}");
    s.first_children = vec![a(), b()];
    let result = start_bundle(s.clone(), &other_clerk(), monday(), instant(monday()));
    assert!(
        matches!(result, Err(CaseError::PermissionDenied(_))),
        "{result:?}"
    );
    assert!(start_bundle(s, &clerk(), monday(), instant(monday())).is_ok());
}

#[test]
fn the_next_stage_starts_when_every_child_is_approved_and_the_bundle_concludes() {
    let bundle = started();
    let bundle = changed(&bundle, accepted(a(), monday(), date(2026, 3, 4)), monday());
    // The bundle's clock starts with the first child accepted: five working days.
    assert_eq!(bundle.accepted_on, Some(monday()));
    assert_eq!(bundle.due_date, Some(date(2026, 3, 9)));
    let bundle = changed(&bundle, accepted(b(), monday(), date(2026, 3, 5)), monday());
    let bundle = changed(
        &bundle,
        concluded_as(a(), OutcomeKind::Approved, date(2026, 3, 3)),
        date(2026, 3, 3),
    );
    assert!(bundle.stage_to_start().is_none(), "one child is still open");
    let bundle = changed(
        &bundle,
        concluded_as(b(), OutcomeKind::Approved, date(2026, 3, 4)),
        date(2026, 3, 4),
    );
    assert_eq!(bundle.stages[0].state, BundleStageState::Completed);
    assert_eq!(bundle.stage_to_start().map(|(i, _)| i), Some(1));

    let wrong = decide_bundle(
        &bundle,
        BundleCommand::StageStarted {
            index: 0,
            children: vec![c()],
        },
        date(2026, 3, 4),
        instant(date(2026, 3, 4)),
        &Calendar::official(),
    );
    assert!(
        matches!(wrong, Err(CaseError::BundlePrecondition { .. })),
        "{wrong:?}"
    );
    let (bundle, events) = report(
        &bundle,
        BundleCommand::StageStarted {
            index: 1,
            children: vec![c()],
        },
        date(2026, 3, 4),
    );
    assert_eq!(events[0].kind(), "cases.bundle_case.stage_started");
    assert_eq!(bundle.stages[1].state, BundleStageState::Active);

    let (bundle, events) = report(
        &bundle,
        BundleCommand::ChildChanged(concluded_as(c(), OutcomeKind::Approved, date(2026, 3, 6))),
        date(2026, 3, 6),
    );
    assert_eq!(bundle.state, BundleState::Concluded);
    assert_eq!(bundle.outcome, Some(OutcomeKind::Approved));
    match &events[0].fact {
        BundleFact::Concluded { late, outcome, .. } => {
            assert!(!late);
            assert_eq!(*outcome, OutcomeKind::Approved);
        }
        other => panic!("unexpected {other:?}"),
    }
    let after = decide_bundle(
        &bundle,
        BundleCommand::ChildChanged(c()),
        date(2026, 3, 6),
        instant(date(2026, 3, 6)),
        &Calendar::official(),
    );
    assert!(
        matches!(after, Err(CaseError::BundlePrecondition { .. })),
        "{after:?}"
    );
}

#[test]
fn a_denial_stops_the_bundle_which_cannot_conclude_while_a_child_is_open() {
    let bundle = started();
    let (bundle, events) = report(
        &bundle,
        BundleCommand::ChildChanged(concluded_as(a(), OutcomeKind::Denied, date(2026, 3, 3))),
        date(2026, 3, 3),
    );
    assert_eq!(bundle.state, BundleState::Stopped);
    assert_eq!(bundle.stopped_by_case_id.as_deref(), Some("child-201"));
    assert!(events.is_empty(), "child-202 is still open");
    assert!(bundle.stage_to_start().is_none());

    // Even an approval of the other child starts nothing now.
    let (bundle, events) = report(
        &bundle,
        BundleCommand::ChildChanged(concluded_as(b(), OutcomeKind::Approved, date(2026, 3, 4))),
        date(2026, 3, 4),
    );
    assert_eq!(bundle.state, BundleState::Concluded);
    assert_eq!(bundle.outcome, Some(OutcomeKind::Denied));
    assert_eq!(bundle.stages[1].state, BundleStageState::Pending);
    assert!(matches!(
        &events[0].fact,
        BundleFact::Concluded {
            outcome: OutcomeKind::Denied,
            ..
        }
    ));
}

#[test]
fn the_lead_department_sees_which_department_is_late() {
    let bundle = started();
    let bundle = changed(&bundle, accepted(a(), monday(), date(2026, 3, 9)), monday());
    let bundle = changed(&bundle, accepted(b(), monday(), date(2026, 3, 4)), monday());
    assert!(bundle.late_departments(date(2026, 3, 4)).is_empty());
    assert_eq!(bundle.late_departments(date(2026, 3, 5)), ["gaj"]);
    let s = bundle
        .standing(date(2026, 3, 10), &Calendar::official(), 2)
        .unwrap()
        .unwrap();
    assert_eq!(s.warning, super::deadline::WarningLevel::Red);

    // The late child concluding late is named in the conclusion.
    let a_done = concluded_as(
        accepted(a(), monday(), date(2026, 3, 9)),
        OutcomeKind::Approved,
        date(2026, 3, 5),
    );
    let b_done = concluded_as(
        accepted(b(), monday(), date(2026, 3, 4)),
        OutcomeKind::Denied,
        date(2026, 3, 6),
    );
    let bundle = changed(&bundle, a_done, date(2026, 3, 5));
    let (_, events) = report(
        &bundle,
        BundleCommand::ChildChanged(b_done),
        date(2026, 3, 6),
    );
    match &events[0].fact {
        BundleFact::Concluded {
            late_department_ids,
            ..
        } => assert_eq!(late_department_ids, &["gaj"]),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn an_unknown_child_is_not_found() {
    let result = decide_bundle(
        &started(),
        BundleCommand::ChildChanged(child(999, "item-x", "x")),
        monday(),
        instant(monday()),
        &Calendar::official(),
    );
    assert!(
        matches!(result, Err(CaseError::NotFound { .. })),
        "{result:?}"
    );
}
