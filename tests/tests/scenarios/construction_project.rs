//! 建设项目并联审批: 24 approvals of 20 departments in four serial stages of parallel
//! approvals, led by the development and reform commission (fgw). One department sits on its
//! case: the lead department sees it late, others see no more than the contract allows.

use std::collections::BTreeSet;

use onewindow_proto::cases::v1 as pb;
use onewindow_suite::{
    approver, children, clerk, is_open, local_date_of, parse_date, payload, stage_states,
    Applicant, BundleRun, Center, Conduct, CONSTRUCTION_PROJECT,
};
use tonic::Code;

use pb::BundleStageState::{Active, Completed, Pending};

/// 取水许可 of the water resources bureau (swj), in the second stage.
const LATE_ITEM: &str = "11140200014375858M010150000000";
const LATE_DEPARTMENT: &str = "swj";
const LEAD: &str = "fgw";
const PROMISED_DAYS: u32 = 63;

fn masked(a: &Option<pb::Applicant>, applicant: &Applicant) -> bool {
    a.as_ref()
        .is_some_and(|a| a.id_number != applicant.id_number() && a.phone != applicant.phone())
}

#[tokio::test]
async fn construction_project_runs_its_serial_and_parallel_stages_and_the_lead_sees_the_late_department(
) {
    for c in Center::on_every_engine().await {
        let label = c.label;
        let applicant = Applicant::person(301);
        let bundle = c.bundle(CONSTRUCTION_PROJECT).await;
        let items: usize = bundle.stages.iter().map(|s| s.item_ids.len()).sum();
        assert_eq!(items, 24, "{label}");
        assert_eq!(bundle.lead_department_id, LEAD, "{label}");

        let submitted = c
            .submit_bundle(CONSTRUCTION_PROJECT, &applicant, false)
            .await;
        assert_eq!(
            stage_states(&submitted),
            [Active, Pending, Pending, Pending]
        );
        // The first stage's four approvals are taken in at once (同步受理).
        assert_eq!(submitted.stages[0].children.len(), 4, "{label}");
        let run = BundleRun::new(&c, &submitted, &applicant);
        run.set_conduct(LATE_ITEM, Conduct::Stalls);

        // Every other approval of the second stage is done; the late one is past its due date.
        let b = run
            .run_until(PROMISED_DAYS, |b| {
                let stage = &b.stages[1];
                stage.state == Active as i32
                    && stage
                        .children
                        .iter()
                        .all(|ch| ch.item_id == LATE_ITEM || !is_open(ch.state))
                    && stage
                        .children
                        .iter()
                        .any(|ch| ch.item_id == LATE_ITEM && ch.late)
            })
            .await;
        let today = c.today();
        assert_eq!(
            stage_states(&b),
            [Completed, Active, Pending, Pending],
            "{label}"
        );
        assert!(
            b.stages[2].children.is_empty(),
            "{label}: the next stage waits"
        );

        // The lead department sees who is late, and whom it is dealing with.
        let lead_view = c.bundle_case(&clerk(LEAD), &b.id).await;
        assert_eq!(lead_view.late_department_ids, [LATE_DEPARTMENT], "{label}");
        let late = lead_view.stages[1]
            .children
            .iter()
            .find(|ch| ch.item_id == LATE_ITEM)
            .unwrap();
        assert!(late.late, "{label}");
        assert_eq!(late.state, pb::CaseState::InProgress as i32, "{label}");
        assert!(parse_date(&late.due_date) < today, "{label}: {late:?}");
        assert_eq!(
            lead_view.applicant.as_ref().unwrap().id_number,
            applicant.id_number(),
            "{label}: the lead department's staff read the applicant"
        );
        let listed = c
            .list_bundle_cases(
                &approver(LEAD),
                pb::ListBundleCasesRequest {
                    late_only: true,
                    ..Default::default()
                },
            )
            .await;
        let listed: Vec<&pb::BundleCase> = listed.iter().filter(|l| l.id == b.id).collect();
        assert_eq!(
            listed.len(),
            1,
            "{label}: the lead's late list holds the bundle"
        );
        assert_eq!(listed[0].late_department_ids, [LATE_DEPARTMENT], "{label}");
        assert!(
            masked(&listed[0].applicant, &applicant),
            "{label}: lists are masked"
        );

        // The late department's own inbox shows the case red (红牌).
        let inbox = c
            .cases()
            .get_inbox(c.req(&approver(LATE_DEPARTMENT), pb::GetInboxRequest::default()))
            .await
            .unwrap()
            .into_inner();
        let entry = inbox
            .entries
            .iter()
            .find(|e| {
                e.case_summary
                    .as_ref()
                    .is_some_and(|s| s.id == late.case_id)
            })
            .unwrap_or_else(|| panic!("{label}: the late case is in its handler's inbox"));
        assert_eq!(entry.warning, pb::WarningLevel::Red as i32, "{label}");

        // A department taking part reads the bundle with the applicant masked, and not
        // another department's case.
        let participant = c.bundle_case(&clerk(LATE_DEPARTMENT), &b.id).await;
        assert!(masked(&participant.applicant, &applicant), "{label}");
        let foreign = c.try_case(&clerk("ghj"), &late.case_id).await.unwrap_err();
        assert_eq!(foreign.code(), Code::PermissionDenied, "{label}");
        // A department with no part in it reads nothing of it.
        let outsider = c.try_bundle_case(&clerk("gsj"), &b.id).await.unwrap_err();
        assert_eq!(outsider.code(), Code::PermissionDenied, "{label}");
        for late_only in [false, true] {
            let seen = c
                .list_bundle_cases(
                    &clerk("gsj"),
                    pb::ListBundleCasesRequest {
                        late_only,
                        ..Default::default()
                    },
                )
                .await;
            assert!(seen.iter().all(|l| l.id != b.id), "{label}");
        }

        // The late department finally acts; the stages run on to the end.
        run.set_conduct(LATE_ITEM, Conduct::InTime);
        let b = run.run_until_concluded(PROMISED_DAYS).await;
        assert_eq!(b.outcome, pb::OutcomeKind::Approved as i32, "{label}");
        assert!(
            b.late_department_ids.is_empty(),
            "{label}: no child is open"
        );
        let concluded_on = local_date_of(b.concluded_at.as_ref().unwrap());
        assert!(concluded_on <= parse_date(&b.due_date), "{label}");
        assert_eq!(
            stage_states(&b),
            [Completed, Completed, Completed, Completed],
            "{label}"
        );
        // Serial between stages, parallel within one: a stage starts the day the one before
        // it completes, and all its approvals are taken in together that day.
        for pair in b.stages.windows(2) {
            assert_eq!(pair[1].started_on, pair[0].completed_on, "{label}");
        }
        for stage in &b.stages {
            for ch in &stage.children {
                assert_eq!(ch.accepted_on, stage.started_on, "{label}: {ch:?}");
                assert_eq!(ch.outcome, pb::OutcomeKind::Approved as i32, "{label}");
            }
        }
        assert_eq!(children(&b).count(), 24, "{label}");
        let departments: BTreeSet<&str> =
            children(&b).map(|ch| ch.department_id.as_str()).collect();
        assert_eq!(departments.len(), 20, "{label}: {departments:?}");

        // Supervision keeps who was late after the fact.
        let events = c.events_of("cases.bundle_case.concluded", &b.id).await;
        assert_eq!(events.len(), 1, "{label}");
        let fact: pb::BundleCaseConcluded = payload(&events[0], "BundleCaseConcluded");
        assert_eq!(fact.late_department_ids, [LATE_DEPARTMENT], "{label}");
        assert!(!fact.late, "{label}");

        c.assert_events_carry_no_personal_data(&[&applicant]).await;
    }
}
