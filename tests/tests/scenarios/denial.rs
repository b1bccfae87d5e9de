//! A denial inside a bundle: the bundle stops, waits for its open children, concludes
//! denied, and its next stage never starts.

use onewindow_proto::cases::v1 as pb;
use onewindow_suite::{
    children, clerk, is_open, payload, stage_states, supervisor, Applicant, BundleRun, Center,
    Conduct, CONSTRUCTION_PROJECT,
};

use pb::BundleStageState::{Pending, Stopped};

/// 建设项目选址意见书 of the planning bureau (ghj), in the first stage.
const DENIED_ITEM: &str = "11140200012773860D010139000000";

#[tokio::test]
async fn a_denial_stops_the_bundle_which_concludes_denied_once_no_child_is_open_and_never_starts_its_next_stage(
) {
    for c in Center::on_every_engine().await {
        let label = c.label;
        let applicant = Applicant::person(401);
        let submitted = c
            .submit_bundle(CONSTRUCTION_PROJECT, &applicant, false)
            .await;
        let run = BundleRun::new(&c, &submitted, &applicant);
        run.set_conduct(DENIED_ITEM, Conduct::Denies);

        // The planning bureau denies while the other approvals of the stage are still open:
        // the bundle stops but does not conclude.
        let b = run
            .run_until(20, |b| b.state == pb::BundleCaseState::Stopped as i32)
            .await;
        let denied = b.stages[0]
            .children
            .iter()
            .find(|ch| ch.item_id == DENIED_ITEM)
            .unwrap();
        assert_eq!(denied.outcome, pb::OutcomeKind::Denied as i32, "{label}");
        assert_eq!(b.stopped_by_case_id, denied.case_id, "{label}");
        assert!(
            b.stages[0].children.iter().any(|ch| is_open(ch.state)),
            "{label}: a sibling is still open"
        );
        assert_eq!(
            stage_states(&b),
            [Stopped, Pending, Pending, Pending],
            "{label}"
        );
        assert_eq!(b.outcome, pb::OutcomeKind::Unspecified as i32, "{label}");
        assert!(b.concluded_at.is_none(), "{label}");
        let stopped = c
            .list_bundle_cases(
                &clerk("fgw"),
                pb::ListBundleCasesRequest {
                    state: pb::BundleCaseState::Stopped as i32,
                    ..Default::default()
                },
            )
            .await;
        assert!(stopped.iter().any(|l| l.id == b.id), "{label}");

        // The others finish their approvals; then the bundle concludes, denied.
        let b = run.run_until_concluded(20).await;
        assert_eq!(b.outcome, pb::OutcomeKind::Denied as i32, "{label}");
        assert_eq!(b.stopped_by_case_id, denied.case_id, "{label}");
        assert!(children(&b).all(|ch| !is_open(ch.state)), "{label}");
        assert_eq!(
            children(&b)
                .filter(|ch| ch.outcome == pb::OutcomeKind::Approved as i32)
                .count(),
            3,
            "{label}"
        );

        // However long one waits, the next stage never starts.
        c.advance_working_days(30);
        let b = run.work_today().await;
        assert_eq!(
            stage_states(&b),
            [Stopped, Pending, Pending, Pending],
            "{label}"
        );
        assert!(
            b.stages[1..].iter().all(|s| s.children.is_empty()),
            "{label}"
        );
        assert!(
            b.stages[1..].iter().all(|s| s.started_on.is_empty()),
            "{label}"
        );
        let all = c
            .cases()
            .list_cases(c.req(
                &supervisor(),
                pb::ListCasesRequest {
                    bundle_case_id: b.id.clone(),
                    page_size: 100,
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            all.total_size, 4,
            "{label}: only the first stage's cases exist"
        );
        let started = c.events_of("cases.bundle_case.stage_started", &b.id).await;
        assert!(started.is_empty(), "{label}");
        let concluded = c.events_of("cases.bundle_case.concluded", &b.id).await;
        assert_eq!(concluded.len(), 1, "{label}");
        let fact: pb::BundleCaseConcluded = payload(&concluded[0], "BundleCaseConcluded");
        assert_eq!(fact.outcome, pb::OutcomeKind::Denied as i32, "{label}");
        assert_eq!(fact.stopped_by_case_id, denied.case_id, "{label}");

        c.assert_events_carry_no_personal_data(&[&applicant]).await;
    }
}
