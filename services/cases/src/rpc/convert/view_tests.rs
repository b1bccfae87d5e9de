//! From the domain to the contract: who sees the applicant, what each view carries.

use onewindow_kit::calendar::Calendar;
use onewindow_proto::cases::v1 as pb;
use onewindow_proto::common::v1 as common;
use onewindow_proto::prost::Message;

use super::*;
use crate::domain::fixtures::*;
// The fixtures' `date` builds a day; the conversions' `date` parses one.
use crate::domain::fixtures::date;
use crate::domain::{
    decide_bundle, start_bundle, BundleCase, BundleCommand, BundleSubmission, CaseNumber,
    CaseState, Channel, ChildCase, Command, OutcomeKind, SpecialProcedure,
};

/// Whether any of the person's identifying data appears in the encoded message.
fn leaks_person<M: Message>(msg: &M) -> bool {
    let bytes = msg.encode_to_vec();
    let p = person();
    [p.id_number, p.phone, p.name]
        .iter()
        .any(|s| bytes.windows(s.len()).any(|w| w == s.as_bytes()))
}

#[test]
fn staff_and_owner_see_the_applicant_and_lists_and_the_public_never_do() {
    let case = in_review();
    for view in [CaseView::Staff, CaseView::Owner] {
        let a = case_to_proto(&case, view, None, monday())
            .applicant
            .unwrap();
        assert_eq!(a.id_number, "140202199001011234");
        assert_eq!(a.phone, "13812345678");
        assert_eq!(a.name, "张三");
    }
    let masked = case_to_proto(&case, CaseView::Masked, None, monday());
    let a = masked.applicant.clone().unwrap();
    assert_eq!(a.id_number, "140202********1234");
    assert_eq!(a.phone, "138****5678");
    assert_eq!(a.name, "张*");
    assert_eq!(a.kind, pb::ApplicantKind::Person as i32);
    assert_eq!(a.id_type, pb::IdType::ResidentIdCard as i32);
    assert!(!leaks_person(&masked));
    let summary = case_summary(&case, None, monday());
    assert!(!leaks_person(&summary));
    assert!(summary.materials.is_empty() && summary.timeline.is_empty());
    assert!(!leaks_person(&public_case(&case)));
    assert!(!leaks_person(&inbox_entry(&case, None, None, monday())));
}

#[test]
fn an_enterprise_keeps_its_public_name_in_masked_views() {
    let mut case = in_review();
    case.applicant = enterprise();
    let a = public_case(&case).applicant.unwrap();
    assert_eq!(a.name, "大同市云冈食品有限公司");
    assert_eq!(a.id_number, "911402********3454");
    assert_eq!(a.phone, "0352-***4567");
}

#[test]
fn the_view_follows_the_reader() {
    let case = in_review();
    assert_eq!(CaseView::of(&clerk(), &case), CaseView::Staff);
    assert_eq!(CaseView::of(&approver(), &case), CaseView::Staff);
    assert_eq!(CaseView::of(&applicant(), &case), CaseView::Owner);
    assert_eq!(CaseView::of(&other_clerk(), &case), CaseView::Masked);
    assert_eq!(CaseView::of(&other_applicant(), &case), CaseView::Masked);
    assert_eq!(CaseView::of(&supervisor(), &case), CaseView::Masked);
}

#[test]
fn a_case_in_review_shows_its_stages_due_dates_and_standing() {
    let case = in_review();
    let cal = Calendar::official();
    let today = date(2026, 3, 3);
    let standing = case.standing(today, &cal, 2).unwrap();
    let p = case_to_proto(&case, CaseView::Staff, standing.as_ref(), today);
    let d = case.deadlines.clone().unwrap();
    assert_eq!(p.id, "case-1");
    assert_eq!(p.case_number, "140200-2026-000123");
    assert_eq!(p.query_code, "");
    assert_eq!(p.item_version, 1);
    assert_eq!(p.state, pb::CaseState::InProgress as i32);
    assert_eq!(p.current_stage, common::Stage::Review as i32);
    assert_eq!(p.channel, pb::Channel::Online as i32);
    assert_eq!(p.applicant_subject, APPLICANT);
    assert_eq!(p.accepted_on, "2026-03-02");
    assert_eq!(p.planned_due_date, format_date(d.planned_due_date));
    assert_eq!(p.latest_due_date, format_date(d.latest_due_date));
    assert_eq!(p.stages.len(), 4);
    assert_eq!(p.stages[0].state, pb::StageState::Completed as i32);
    assert_eq!(p.stages[1].state, pb::StageState::Active as i32);
    assert_eq!(p.stages[1].handler_role, common::HandlerRole::Clerk as i32);
    assert_eq!(p.stages[1].limit_days, 3);
    assert_eq!(p.stages[1].due_date, "2026-03-05");
    assert!(!p.stages[1].late);
    assert_eq!(p.stages[2].started_on, "");
    assert_eq!(p.materials.len(), 4);
    assert_eq!(p.materials[0].size_bytes, 2048);
    assert_eq!(p.timeline[1].action, "accept");
    assert_eq!(p.timeline[1].actor_role, "clerk");
    let standing = standing.unwrap();
    assert_eq!(p.warning, pb::WarningLevel::from(standing.warning) as i32);
    assert_eq!(
        i64::from(p.remaining_working_days),
        standing.remaining_working_days
    );
    assert_eq!(p.revision, case.revision);
    assert!(!p.immediate);
    assert!(p.outcome.is_none() && p.closed_at.is_none());
    // The review stage is due on the 5th: on the 6th it is late.
    let later = case_to_proto(&case, CaseView::Staff, None, date(2026, 3, 6));
    assert!(later.stages[1].late);
    assert_eq!(later.warning, pb::WarningLevel::Unspecified as i32);
}

#[test]
fn the_public_sees_an_outcomes_kind_and_result_but_not_a_denials_grounds() {
    let approved = concluded();
    let p = public_case(&approved);
    let o = p.outcome.unwrap();
    assert_eq!(o.kind, pb::OutcomeKind::Approved as i32);
    assert_eq!(o.result_reference, "JY11402000000123");
    assert!(o.concluded_at.is_none());
    let denied = ok(
        &at_conclude(),
        Command::Conclude {
            conclusion: deny(),
            opinion: String::new(),
        },
        date(2026, 3, 5),
    );
    let public = public_case(&denied).outcome.unwrap();
    assert_eq!(public.kind, pb::OutcomeKind::Denied as i32);
    assert_eq!(
        (public.reason.as_str(), public.legal_basis.as_str()),
        ("", "")
    );
    let full = case_to_proto(&denied, CaseView::Owner, None, date(2026, 3, 5));
    let o = full.outcome.unwrap();
    assert_eq!(o.reason, "经营场所不符合要求");
    assert_eq!(o.concluded_on, "2026-03-05");
    assert!(full.closed_at.is_some());
    assert_eq!(full.state, pb::CaseState::Concluded as i32);
    assert_eq!(full.current_stage, common::Stage::Unspecified as i32);
}

#[test]
fn the_public_sees_what_an_open_supplement_notice_asks_for() {
    let case = supplement_requested();
    let p = public_case(&case);
    assert_eq!(p.state, pb::CaseState::SupplementRequested as i32);
    assert_eq!(p.supplement_items.len(), 1);
    assert_eq!(p.supplement_items[0].material_id, "m3");
    assert!(!p.is_bundle);
    let resubmitted = ok(
        &case,
        Command::Resubmit {
            materials: vec![file("m3", 1)],
        },
        monday(),
    );
    assert!(public_case(&resubmitted).supplement_items.is_empty());
    let full = case_to_proto(&case, CaseView::Staff, None, monday());
    assert_eq!(full.supplement_notices[0].number, 1);
    assert_eq!(full.supplement_notices[0].issued_by, "clerk-li");
}

#[test]
fn the_inbox_waits_at_accept_for_intake_and_at_the_current_stage_after() {
    let cal = Calendar::official();
    let waiting = inbox_entry(&submitted(), None, None, monday());
    assert_eq!(waiting.stage, common::Stage::Accept as i32);
    assert_eq!(waiting.handler_role, common::HandlerRole::Clerk as i32);
    assert_eq!(waiting.due_date, "");
    assert_eq!(waiting.warning, pb::WarningLevel::Unspecified as i32);

    let case = in_review();
    let today = date(2026, 3, 5);
    let (_, stage) = case.stage_standing(today, &cal, 2).unwrap().unwrap();
    let e = inbox_entry(&case, None, Some(&stage), today);
    assert_eq!(e.stage, common::Stage::Review as i32);
    assert_eq!(e.due_date, "2026-03-05");
    assert_eq!(e.remaining_working_days, 0);
    assert_eq!(e.warning, pb::WarningLevel::Yellow as i32);
    assert!(!e.suspended);
    let summary = e.case_summary.unwrap();
    assert!(summary.materials.is_empty());
    assert_eq!(summary.applicant.unwrap().name, "张*");

    let suspended = suspended();
    assert!(inbox_entry(&suspended, None, None, today).suspended);
    let s = &case_to_proto(&suspended, CaseView::Staff, None, today).suspensions[0];
    assert_eq!(
        s.procedure,
        common::SpecialProcedure::from(SpecialProcedure::Inspection) as i32
    );
    assert_eq!(
        (s.started_on.as_str(), s.ended_on.as_str()),
        ("2026-03-03", "")
    );
}

pub(super) fn child(n: u32, item: &str, dept: &str) -> ChildCase {
    ChildCase {
        case_id: format!("child-{n}"),
        case_number: CaseNumber::new(REGION, 2026, n).unwrap(),
        item_id: item.into(),
        item_name: format!("{item} name"),
        department_id: dept.into(),
        state: CaseState::Submitted,
        outcome: None,
        accepted_on: None,
        due_date: None,
        concluded_on: None,
    }
}

pub(super) fn accepted(mut c: ChildCase, due: chrono::NaiveDate) -> ChildCase {
    c.state = CaseState::InProgress;
    c.accepted_on = Some(monday());
    c.due_date = Some(due);
    c
}

pub(super) fn approved(mut c: ChildCase, on: chrono::NaiveDate) -> ChildCase {
    c.state = CaseState::Concluded;
    c.outcome = Some(OutcomeKind::Approved);
    c.concluded_on = Some(on);
    c
}

pub(super) fn started_bundle() -> (BundleCase, Vec<crate::domain::BundleEvent>) {
    let submission = BundleSubmission {
        id: "bundle-1".into(),
        case_number: CaseNumber::new(REGION, 2026, 200).unwrap(),
        terms: super::tests::bundle_terms(),
        applicant: person(),
        channel: Channel::Online,
        applicant_subject: Some(APPLICANT.into()),
        first_children: vec![child(201, "item-a", DEPT), child(202, "item-b", "gaj")],
        shared_files: vec![crate::domain::NewMaterial {
            shared_material_id: Some("s-license".into()),
            ..file("s-license", 9)
        }],
    };
    start_bundle(submission, &applicant(), monday(), instant(monday())).unwrap()
}

pub(super) fn report(
    b: &BundleCase,
    child: ChildCase,
    day: chrono::NaiveDate,
) -> (BundleCase, Vec<crate::domain::BundleEvent>) {
    let command = BundleCommand::ChildChanged(child);
    decide_bundle(b, command, day, instant(day), &Calendar::official()).unwrap()
}

#[test]
fn a_bundle_case_shows_its_late_departments_to_its_lead() {
    let (b, _) = started_bundle();
    let (b, _) = report(
        &b,
        accepted(child(201, "item-a", DEPT), date(2026, 3, 20)),
        monday(),
    );
    let (b, _) = report(
        &b,
        accepted(child(202, "item-b", "gaj"), date(2026, 3, 4)),
        monday(),
    );
    let today = date(2026, 3, 6);
    let standing = b.standing(today, &Calendar::official(), 2).unwrap();
    let p = bundle_case_to_proto(&b, CaseView::Staff, standing.as_ref(), today);
    assert_eq!(p.bundle_id, "enterprise-registration");
    assert_eq!(p.bundle_name, "工商企业注册一条龙");
    assert_eq!(p.case_number, "140200-2026-000200");
    assert_eq!(p.state, pb::BundleCaseState::InProgress as i32);
    assert_eq!(p.late_department_ids, ["gaj"]);
    assert_eq!(p.accepted_on, "2026-03-02");
    assert_eq!(p.due_date, format_optional_date(b.due_date));
    assert_eq!(p.stages.len(), 2);
    assert_eq!(p.stages[0].state, pb::BundleStageState::Active as i32);
    assert_eq!(p.stages[1].state, pb::BundleStageState::Pending as i32);
    assert_eq!(p.stages[1].index, 1);
    let late: Vec<bool> = p.stages[0].children.iter().map(|c| c.late).collect();
    assert_eq!(late, [false, true]);
    assert_eq!(p.stages[0].children[1].item_name, "item-b name");
    assert_eq!(p.applicant.unwrap().id_number, "140202199001011234");
    assert_ne!(p.warning, pb::WarningLevel::Unspecified as i32);

    let listed = bundle_case_summary(&b, None, today);
    assert!(!leaks_person(&listed));
    assert_eq!(CaseView::of_bundle(&clerk(), &b), CaseView::Staff);
    assert_eq!(CaseView::of_bundle(&applicant(), &b), CaseView::Owner);
    assert_eq!(CaseView::of_bundle(&other_clerk(), &b), CaseView::Masked);
}

#[test]
fn the_public_follows_a_bundle_and_its_children_masked() {
    let (b, _) = started_bundle();
    let (b, _) = report(
        &b,
        approved(
            accepted(child(201, "item-a", DEPT), date(2026, 3, 6)),
            date(2026, 3, 3),
        ),
        date(2026, 3, 3),
    );
    let p = public_bundle_case(&b);
    assert!(p.is_bundle);
    assert_eq!(p.name, "工商企业注册一条龙");
    assert_eq!(p.department_id, DEPT);
    assert_eq!(p.state, pb::CaseState::InProgress as i32);
    assert_eq!(p.children.len(), 2);
    assert_eq!(p.children[0].state, pb::CaseState::Concluded as i32);
    assert_eq!(
        p.children[0].outcome.as_ref().map(|o| o.kind),
        Some(pb::OutcomeKind::Approved as i32)
    );
    assert_eq!(p.children[1].accepted_on, "");
    assert!(!leaks_person(&p));
}
