//! 工商企业注册一条龙: name approval, then registration, then the organization code, both
//! tax registrations and the seal in parallel; five departments, materials handed in once,
//! done within five working days.

use std::collections::BTreeSet;

use onewindow_proto::cases::v1 as pb;
use onewindow_suite::{
    children, clerk, handler, iso, local_date_of, parse_date, payload, sha256_hex, shared_content,
    stage_states, supervisor, uploads_for_missing, Applicant, BundleRun, Center,
    ENTERPRISE_REGISTRATION,
};
use tonic::Code;

use pb::BundleStageState::{Active, Completed, Pending};

const NAME_APPROVAL: &str = "11140200017179254H010171001000";
const PROMISED_DAYS: u32 = 5;

/// Submits the bundle online and lets every department act in time until it concludes.
async fn run_in_time(c: &Center, applicant: &Applicant) -> pb::BundleCase {
    let submitted = c
        .submit_bundle(ENTERPRISE_REGISTRATION, applicant, false)
        .await;
    BundleRun::new(c, &submitted, applicant)
        .run_until_concluded(2 * PROMISED_DAYS)
        .await
}

#[tokio::test]
async fn enterprise_registration_concludes_approved_within_five_working_days_when_each_department_acts_in_time(
) {
    for c in Center::on_every_engine().await {
        let label = c.label;
        let applicant = Applicant::person(101);
        let submitted = c
            .submit_bundle(ENTERPRISE_REGISTRATION, &applicant, false)
            .await;
        let day0 = c.today();
        assert_eq!(submitted.lead_department_id, "gsj", "{label}");
        assert!(!submitted.query_code.is_empty(), "{label}");
        assert_eq!(
            stage_states(&submitted),
            [Active, Pending, Pending],
            "{label}"
        );
        let first: Vec<&pb::BundleChild> = submitted.stages[0].children.iter().collect();
        assert_eq!(first.len(), 1, "{label}");
        assert_eq!(first[0].item_id, NAME_APPROVAL, "{label}");
        assert!(submitted.stages[1..].iter().all(|s| s.children.is_empty()));
        assert!(
            submitted.accepted_on.is_empty(),
            "{label}: no child accepted yet"
        );

        // Only the item's own department takes it in.
        let other = c
            .cases()
            .accept_case(c.req(
                &clerk("zjj"),
                pb::AcceptCaseRequest {
                    request_id: c.request_id("accept"),
                    case_id: first[0].case_id.clone(),
                    revision: 0,
                    note: String::new(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(other.code(), Code::PermissionDenied, "{label}");

        // Day 0: the name approval is accepted the day it arrives: the bundle's clock starts.
        let run = BundleRun::new(&c, &submitted, &applicant);
        let b = run.work_today().await;
        let due = c.calendar().add_working_days(day0, PROMISED_DAYS).unwrap();
        assert_eq!(b.accepted_on, iso(day0), "{label}");
        assert_eq!(b.due_date, iso(due.value), "{label}");
        assert!(due.years_without_schedule.is_empty());

        // Day 1: the name approval concludes and the registration starts by itself.
        c.next_working_day();
        let b = run.work_today().await;
        assert_eq!(stage_states(&b), [Completed, Active, Pending], "{label}");
        assert_eq!(b.stages[0].completed_on, iso(c.today()), "{label}");
        assert_eq!(b.stages[1].started_on, iso(c.today()), "{label}");
        assert_eq!(b.stages[1].children.len(), 1, "{label}");
        assert!(b.stages[2].children.is_empty(), "{label}");

        // The last stage: the seal is made on the spot, the others take their day. While
        // any child is open the bundle waits for it.
        let b = run
            .run_until(PROMISED_DAYS, |b| {
                b.stages[2].state == Active as i32
                    && b.stages[2]
                        .children
                        .iter()
                        .any(|ch| ch.state == pb::CaseState::Concluded as i32)
            })
            .await;
        let open = b.stages[2]
            .children
            .iter()
            .filter(|ch| ch.state != pb::CaseState::Concluded as i32)
            .count();
        assert!(open > 0, "{label}: {b:?}");
        assert_eq!(b.state, pb::BundleCaseState::InProgress as i32, "{label}");
        assert_eq!(b.outcome, pb::OutcomeKind::Unspecified as i32, "{label}");
        assert!(b.concluded_at.is_none(), "{label}");

        let b = run.run_until_concluded(PROMISED_DAYS).await;
        assert_eq!(b.outcome, pb::OutcomeKind::Approved as i32, "{label}");
        assert!(b.stopped_by_case_id.is_empty(), "{label}");
        let concluded_on = local_date_of(b.concluded_at.as_ref().unwrap());
        assert!(
            concluded_on <= due.value,
            "{label}: concluded {concluded_on}, due {}",
            due.value
        );
        assert_eq!(
            stage_states(&b),
            [Completed, Completed, Completed],
            "{label}"
        );
        for pair in b.stages.windows(2) {
            assert_eq!(
                pair[1].started_on, pair[0].completed_on,
                "{label}: {pair:?}"
            );
        }
        let departments: BTreeSet<&str> =
            children(&b).map(|ch| ch.department_id.as_str()).collect();
        assert_eq!(
            departments,
            BTreeSet::from(["dfsw", "gaj", "gjsw", "gsj", "zjj"]),
            "{label}"
        );
        assert_eq!(children(&b).count(), 6, "{label}");

        // Each child was handled by its own department's staff, in the role its step names.
        for ch in children(&b) {
            assert_eq!(ch.outcome, pb::OutcomeKind::Approved as i32, "{label}");
            assert!(!ch.late, "{label}: {ch:?}");
            let case = c.case(&clerk(&ch.department_id), &ch.case_id).await;
            assert_eq!(case.bundle_case_id, b.id, "{label}");
            for stage in &case.stages {
                let expected = handler(stage.handler_role, &ch.department_id).subject;
                assert_eq!(stage.actor, expected, "{label}: {} {stage:?}", ch.item_id);
            }
            let outcome = case.outcome.as_ref().unwrap();
            assert!(parse_date(&outcome.concluded_on) <= parse_date(&case.planned_due_date));
        }

        // Supervision learns the same from the stream.
        let events = c.events_of("cases.bundle_case.concluded", &b.id).await;
        assert_eq!(events.len(), 1, "{label}");
        let fact: pb::BundleCaseConcluded = payload(&events[0], "BundleCaseConcluded");
        assert_eq!(fact.outcome, pb::OutcomeKind::Approved as i32, "{label}");
        assert!(!fact.late, "{label}");
        assert!(fact.late_department_ids.is_empty(), "{label}");

        // The applicant follows the whole bundle by its number and query code.
        let public = c
            .cases()
            .lookup_case(pb::LookupCaseRequest {
                case_number: submitted.case_number.clone(),
                query_code: submitted.query_code.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        assert!(public.is_bundle, "{label}");
        assert_eq!(public.state, pb::CaseState::Concluded as i32, "{label}");
        assert_eq!(public.children.len(), 6, "{label}");

        c.assert_events_carry_no_personal_data(&[&applicant]).await;
    }
}

#[tokio::test]
async fn every_child_of_an_enterprise_registration_gets_the_shared_materials_handed_in_once() {
    let mut wrong = Vec::new();
    for c in Center::on_every_engine().await {
        let label = c.label;
        let applicant = Applicant::person(102);
        let bundle = c.bundle(ENTERPRISE_REGISTRATION).await;
        let shared: BTreeSet<&str> = bundle
            .shared_materials
            .iter()
            .map(|s| s.id.as_str())
            .collect();
        let b = run_in_time(&c, &applicant).await;
        assert_eq!(b.outcome, pb::OutcomeKind::Approved as i32, "{label}");

        for ch in children(&b) {
            let staff = clerk(&ch.department_id);
            let case = c.case(&staff, &ch.case_id).await;
            let item = c.item_version(&case.item_id, case.item_version).await;
            for m in item
                .materials
                .iter()
                .filter(|m| shared.contains(m.shared_material_id.as_str()))
            {
                let sid = &m.shared_material_id;
                let held = case.materials.iter().find(|h| h.material_id == m.id);
                match held {
                    Some(h)
                        if h.shared_material_id == *sid
                            && h.sha256 == sha256_hex(&shared_content(sid)) =>
                    {
                        let content = c
                            .cases()
                            .get_material_content(c.req(
                                &staff,
                                pb::GetMaterialContentRequest {
                                    case_id: case.id.clone(),
                                    case_material_id: h.id.clone(),
                                },
                            ))
                            .await
                            .unwrap()
                            .into_inner();
                        assert_eq!(content.data, shared_content(sid), "{label}");
                    }
                    Some(h) => wrong.push(format!(
                        "{label}: {} ({}) holds {} ({}) as its own file, not the shared {sid}",
                        ch.item_id, ch.department_id, m.id, h.name
                    )),
                    None => wrong.push(format!(
                        "{label}: {} ({}) lacks {} (shared {sid})",
                        ch.item_id, ch.department_id, m.id
                    )),
                }
            }
        }
        c.assert_events_carry_no_personal_data(&[&applicant]).await;
    }
    assert!(wrong.is_empty(), "{}", wrong.join("; "));
}

#[tokio::test]
async fn a_later_stage_child_takes_its_own_materials_through_resubmit_case_when_its_stage_starts() {
    let mut refused = Vec::new();
    for c in Center::on_every_engine().await {
        let label = c.label;
        let applicant = Applicant::person(103);
        let submitted = c
            .submit_bundle(ENTERPRISE_REGISTRATION, &applicant, false)
            .await;
        let name = &submitted.stages[0].children[0];
        c.intake(&name.case_id, "gsj", Some(&applicant.account))
            .await;
        c.next_working_day();
        let (done, _) = c
            .act_on_due_stages(&name.case_id, "gsj", onewindow_suite::Conduct::InTime)
            .await;
        assert_eq!(done.state, pb::CaseState::Concluded as i32, "{label}");

        let b = c.bundle_case(&supervisor(), &submitted.id).await;
        let registration = &b.stages[1].children[0];
        assert_eq!(registration.state, pb::CaseState::Submitted as i32);
        let case = c.case(&applicant.account, &registration.case_id).await;
        let item = c.item(&registration.item_id).await;
        let missing = uploads_for_missing(&item, &case);
        assert!(
            !missing.is_empty(),
            "{label}: the registration needs files of its own"
        );

        // The contract: later stages' own materials "are given when their stage starts,
        // through ResubmitCase".
        let resubmitted = match c
            .cases()
            .resubmit_case(c.req(
                &applicant.account,
                pb::ResubmitCaseRequest {
                    request_id: c.request_id("resubmit"),
                    case_id: case.id.clone(),
                    revision: case.revision,
                    materials: missing,
                },
            ))
            .await
        {
            Ok(r) => r.into_inner(),
            Err(e) => {
                refused.push(format!("{label}: {:?} {}", e.code(), e.message()));
                continue;
            }
        };
        assert_eq!(resubmitted.state, pb::CaseState::Submitted as i32);
        let accepted = c
            .cases()
            .accept_case(c.req(
                &clerk("gsj"),
                pb::AcceptCaseRequest {
                    request_id: c.request_id("accept"),
                    case_id: case.id.clone(),
                    revision: resubmitted.revision,
                    note: String::new(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(accepted.state, pb::CaseState::InProgress as i32, "{label}");
        assert!(accepted.supplement_notices.is_empty(), "{label}");
    }
    assert!(
        refused.is_empty(),
        "the applicant cannot hand in a later stage's files through ResubmitCase: {}",
        refused.join("; ")
    );
}
