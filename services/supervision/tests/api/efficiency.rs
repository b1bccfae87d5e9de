//! Efficiency monitoring: warnings and cards as the clock moves, suspensions, restarts and
//! replicas.

use std::sync::Arc;

use onewindow_kit::consumer::local_source;
use onewindow_proto::common::v1::Stage;
use onewindow_proto::supervision::v1 as pb;
use onewindow_supervision::Supervision;
use tokio_stream::StreamExt;
use tokio_util::sync::CancellationToken;
use tonic::Code;

use crate::events::{item1, publish_item, Story};
use crate::{applied, day, settings, TestSupervision, DEPT, OTHER_DEPT};

pub async fn warnings(t: &TestSupervision, case_id: &str) -> Vec<pb::Warning> {
    let mut client = t.client.clone();
    client
        .list_warnings(t.supervisor(pb::ListWarningsRequest {
            case_id: case_id.into(),
            page_size: 100,
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner()
        .warnings
}

/// Cards reached in March, counted per department, office or staff member.
pub async fn card_counts(t: &TestSupervision, group_by: pb::CardGrouping) -> Vec<pb::CardCount> {
    t.client
        .clone()
        .get_card_counts(t.supervisor(pb::GetCardCountsRequest {
            from: "2026-03-01".into(),
            to: "2026-03-31".into(),
            group_by: group_by as i32,
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner()
        .counts
}

/// (scope, level, reached_on) of a case's warnings, in a stable order.
async fn levels(t: &TestSupervision, case_id: &str) -> Vec<(i32, i32, String)> {
    let mut out: Vec<(i32, i32, String)> = warnings(t, case_id)
        .await
        .into_iter()
        .map(|w| (w.scope, w.level, w.reached_on))
        .collect();
    out.sort();
    out
}

/// What the big screen shows of open warnings: (early, yellow, red) and the departments
/// with most cards, from a new screen's first message.
async fn open_on_the_dashboard(t: &TestSupervision) -> ([i32; 3], Vec<(String, i32, i32)>) {
    let mut client = t.client.clone();
    let d = client
        .watch_dashboard(tonic::Request::new(pb::WatchDashboardRequest::default()))
        .await
        .unwrap()
        .into_inner()
        .next()
        .await
        .unwrap()
        .unwrap();
    (
        [d.open_early_warnings, d.open_yellow_cards, d.open_red_cards],
        d.most_cards
            .into_iter()
            .map(|c| (c.department_id, c.open_yellow_cards, c.open_red_cards))
            .collect(),
    )
}

const CASE: i32 = pb::WarningScope::Case as i32;
const STAGE: i32 = pb::WarningScope::Stage as i32;
const EARLY: i32 = pb::WarningLevel::Early as i32;
const YELLOW: i32 = pb::WarningLevel::Yellow as i32;
const RED: i32 = pb::WarningLevel::Red as i32;

fn w(scope: i32, level: i32, m: u32, d: u32) -> (i32, i32, String) {
    (scope, level, format!("2026-{m:02}-{d:02}"))
}

#[tokio::test]
async fn a_case_left_alone_gets_early_yellow_and_red_once_each_and_none_after_it_concludes() {
    for t in TestSupervision::on_every_engine().await {
        let mut story = Story::new(&t, 1);
        story.submitted(day(3, 2)).await;
        // Due Monday 9 March; its review stage due Wednesday 4 March.
        story.accepted(day(3, 2), day(3, 9), day(3, 4), true).await;
        story.settle().await;
        let case_levels = |all: &[(i32, i32, String)]| {
            all.iter()
                .filter(|x| x.0 == CASE)
                .cloned()
                .collect::<Vec<_>>()
        };
        for d in 2..=16 {
            t.morning_of(day(3, d)).await;
            // A second scan the same day issues nothing more.
            t.supervision.scan_now().await.unwrap();
            let all = levels(&t, "case-1").await;
            let expected: Vec<(i32, i32, String)> = match d {
                2..=5 => vec![],
                6..=9 => vec![w(CASE, EARLY, 3, 6)],
                10..=12 => vec![w(CASE, EARLY, 3, 6), w(CASE, YELLOW, 3, 10)],
                _ => vec![
                    w(CASE, EARLY, 3, 6),
                    w(CASE, YELLOW, 3, 10),
                    w(CASE, RED, 3, 13),
                ],
            };
            assert_eq!(case_levels(&all), expected, "{} on 3-{d}", t.label());
        }
        // The stage was late while the case was not: its own cards.
        let stage: Vec<_> = levels(&t, "case-1")
            .await
            .into_iter()
            .filter(|x| x.0 == STAGE)
            .collect();
        assert_eq!(
            stage,
            [
                w(STAGE, EARLY, 3, 3),
                w(STAGE, YELLOW, 3, 5),
                w(STAGE, RED, 3, 9)
            ]
        );
        let before = warnings(&t, "case-1").await;
        assert!(before
            .iter()
            .all(|w| w.status == pb::WarningStatus::Open as i32));
        assert!(before.iter().all(|w| w.staff_subject == "u-clerk"));
        // The case's and its stage's: each level twice, all of one department.
        assert_eq!(
            open_on_the_dashboard(&t).await,
            ([2, 2, 2], vec![(DEPT.to_string(), 2, 2)]),
            "{}",
            t.label()
        );

        story.concluded(day(3, 16), day(3, 2), day(3, 9)).await;
        story.settle().await;
        let after = warnings(&t, "case-1").await;
        assert_eq!(after.len(), 6);
        for w in &after {
            assert_eq!(w.status, pb::WarningStatus::Closed as i32, "{w:?}");
            assert_eq!(w.close_reason, "concluded");
            assert_eq!(w.staff_subject, "u-approver");
        }
        assert_eq!(open_on_the_dashboard(&t).await, ([0, 0, 0], vec![]));
        t.morning_of(day(3, 31)).await;
        assert_eq!(warnings(&t, "case-1").await.len(), 6, "{}", t.label());
    }
}

#[tokio::test]
async fn a_suspension_delays_the_warnings_by_its_working_days() {
    let t = TestSupervision::on_sqlite().await;
    let mut story = Story::new(&t, 2);
    story.submitted(day(3, 2)).await;
    story.accepted(day(3, 2), day(3, 9), day(3, 20), true).await;
    story.suspension_started(day(3, 3), 5).await;
    story.settle().await;
    // Suspended: the days when the early warning and the yellow card would have come pass.
    for d in 3..=10 {
        t.morning_of(day(3, d)).await;
    }
    assert!(levels(&t, "case-2").await.is_empty());
    // Five working days suspended (4, 5, 6, 9 and 10 March): due 16 March instead of 9.
    story
        .suspension_ended(
            day(3, 10),
            day(3, 3),
            5,
            5,
            day(3, 2),
            day(3, 16),
            day(3, 27),
        )
        .await;
    story.settle().await;
    t.morning_of(day(3, 12)).await;
    assert!(levels(&t, "case-2").await.is_empty());
    t.morning_of(day(3, 13)).await;
    assert_eq!(levels(&t, "case-2").await, [w(CASE, EARLY, 3, 13)]);
    t.morning_of(day(3, 17)).await;
    assert_eq!(
        levels(&t, "case-2").await,
        [w(CASE, EARLY, 3, 13), w(CASE, YELLOW, 3, 17)]
    );
    let record = t
        .client
        .clone()
        .get_case_record(t.supervisor(pb::GetCaseRecordRequest {
            case_id: "case-2".into(),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(record.planned_due_date, "2026-03-16");
    assert_eq!(record.suspensions.len(), 1);
    assert_eq!(record.suspensions[0].working_days, 5);
}

async fn violation_rules(t: &TestSupervision, case_id: &str) -> Vec<String> {
    let mut rules: Vec<String> = t
        .client
        .clone()
        .list_violations(t.supervisor(pb::ListViolationsRequest {
            subject_id: case_id.into(),
            page_size: 100,
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner()
        .violations
        .into_iter()
        .map(|v| v.rule_id)
        .collect();
    rules.sort();
    rules
}

#[tokio::test]
async fn after_a_restart_every_warning_and_violation_is_there_once() {
    for t in TestSupervision::on_every_engine().await {
        t.stop_following();
        // While supervision is down, cases move and days pass.
        let mut late = Story::new(&t, 3);
        late.submitted(day(3, 2)).await;
        late.accepted(day(3, 2), day(3, 9), day(3, 4), true).await;
        late.stage_completed(
            day(3, 4),
            Stage::Review,
            None,
            Some((Stage::Decide, day(3, 9))),
        )
        .await;
        late.stage_completed(
            day(3, 5),
            Stage::Decide,
            None,
            Some((Stage::Conclude, day(3, 9))),
        )
        .await;
        let mut refused = Story::new(&t, 4);
        refused.submitted(day(3, 2)).await;
        refused.refused(day(3, 3), "材料不全", "").await;
        let mut open = Story::new(&t, 5);
        open.submitted(day(3, 2)).await;
        open.accepted(day(3, 2), day(3, 9), day(3, 20), true).await;
        t.hand.set(crate::at(day(3, 20)));
        late.concluded(day(3, 20), day(3, 2), day(3, 9)).await;

        t.resume_following();
        late.settle().await;
        t.supervision.scan_now().await.unwrap();
        let expected_late = vec![
            w(CASE, EARLY, 3, 6),
            w(CASE, YELLOW, 3, 10),
            w(CASE, RED, 3, 13),
            w(STAGE, EARLY, 3, 3),
            w(STAGE, EARLY, 3, 6),
            w(STAGE, YELLOW, 3, 10),
            w(STAGE, RED, 3, 12),
        ];
        let mut sorted = expected_late.clone();
        sorted.sort();
        assert_eq!(levels(&t, "case-3").await, sorted, "{}", t.label());
        assert_eq!(
            levels(&t, "case-5").await,
            [
                w(CASE, EARLY, 3, 6),
                w(CASE, YELLOW, 3, 10),
                w(CASE, RED, 3, 13),
                w(STAGE, EARLY, 3, 19)
            ]
        );
        assert_eq!(
            violation_rules(&t, "case-3").await,
            ["concluded_after_promised_limit"]
        );
        assert_eq!(
            violation_rules(&t, "case-4").await,
            ["intake_refused_without_basis"]
        );

        // Another process starting on the same database resumes from the stored offsets.
        let again = Supervision::start(
            t.db.db.clone(),
            t.clock.clone(),
            settings(),
            Arc::new(t.verifier.clone()),
        )
        .await
        .unwrap();
        let stop = CancellationToken::new();
        let task = again.follow("cases", local_source(t.cases.db.clone()), stop.clone());
        again.scan_now().await.unwrap();
        t.supervision.scan_now().await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        stop.cancel();
        task.await.unwrap();
        again.shutdown();
        assert_eq!(levels(&t, "case-3").await, sorted, "{}", t.label());
        assert_eq!(
            violation_rules(&t, "case-3").await,
            ["concluded_after_promised_limit"]
        );
    }
}

#[tokio::test]
async fn replicas_following_and_scanning_together_issue_each_warning_once() {
    for t in TestSupervision::on_every_engine().await {
        let replica = Supervision::start(
            t.db.db.clone(),
            t.clock.clone(),
            settings(),
            Arc::new(t.verifier.clone()),
        )
        .await
        .unwrap();
        let stop = CancellationToken::new();
        let task = replica.follow("cases", local_source(t.cases.db.clone()), stop.clone());
        for n in 10..20 {
            let mut s = Story::new(&t, n);
            s.submitted(day(3, 2)).await;
            s.accepted(day(3, 2), day(3, 9), day(3, 4), true).await;
            s.settle().await;
        }
        t.hand.set(crate::at(day(3, 20)));
        let (a, b) = tokio::join!(t.supervision.scan_now(), replica.scan_now());
        assert_eq!(a.unwrap().issued + b.unwrap().issued, 60, "{}", t.label());
        for n in 10..20 {
            assert_eq!(levels(&t, &format!("case-{n}")).await.len(), 6);
        }
        stop.cancel();
        task.await.unwrap();
        replica.shutdown();
    }
}

#[tokio::test]
async fn cards_are_counted_per_department_and_staff_and_staff_see_only_their_own() {
    let mut t = TestSupervision::on_sqlite().await;
    // The item, and so the office whose windows handle it, is known before the cases.
    let seq = publish_item(&t, item1()).await;
    applied(&t.db.db, "catalog", seq).await;
    let mut a = Story::new(&t, 30);
    a.submitted(day(3, 2)).await;
    a.accepted(day(3, 2), day(3, 9), day(3, 20), true).await;
    let mut b = Story::new(&t, 31).in_department(OTHER_DEPT);
    b.submitted(day(3, 2)).await;
    b.accepted(day(3, 2), day(3, 9), day(3, 20), true).await;
    b.settle().await;
    t.morning_of(day(3, 10)).await;
    let counts = t
        .client
        .get_card_counts(t.supervisor(pb::GetCardCountsRequest {
            from: "2026-03-01".into(),
            to: "2026-03-31".into(),
            group_by: pb::CardGrouping::Staff as i32,
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(counts.counts.len(), 1);
    assert_eq!(counts.counts[0].key, "u-clerk");
    assert_eq!(
        (
            counts.counts[0].early_warnings,
            counts.counts[0].yellow_cards
        ),
        (2, 2)
    );

    let mine = t
        .client
        .list_warnings(t.clerk_of(DEPT, pb::ListWarningsRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(mine.total_size, 2);
    assert!(mine.warnings.iter().all(|w| w.department_id == DEPT));
    let theirs = t
        .client
        .list_warnings(t.clerk_of(
            DEPT,
            pb::ListWarningsRequest {
                department_id: OTHER_DEPT.into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(theirs.code(), Code::PermissionDenied);
    let anonymous = t
        .client
        .list_warnings(pb::ListWarningsRequest::default())
        .await
        .unwrap_err();
    assert_eq!(anonymous.code(), Code::Unauthenticated);
    let by_department = t
        .client
        .get_card_counts(t.supervisor(pb::GetCardCountsRequest {
            from: "2026-03-01".into(),
            to: "2026-03-31".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    let keys: Vec<&str> = by_department
        .counts
        .iter()
        .map(|c| c.key.as_str())
        .collect();
    assert_eq!(keys, [DEPT, OTHER_DEPT]);
    // Both cases are of the item handled at office-a's windows.
    let by_office = card_counts(&t, pb::CardGrouping::Office).await;
    let offices: Vec<(&str, i32, i32)> = by_office
        .iter()
        .map(|c| (c.key.as_str(), c.early_warnings, c.yellow_cards))
        .collect();
    assert_eq!(offices, [("office-a", 2, 2)]);
}

#[tokio::test]
async fn a_regional_holiday_announced_by_the_catalog_moves_the_early_warning() {
    let t = TestSupervision::on_sqlite().await;
    // Friday 6 March becomes a day off in the region: one working day before Monday the
    // 9th is then Thursday the 5th.
    let seq = crate::events::regional_year(&t, &[("2026-03-06", "地方节日")]).await;
    crate::applied(&t.db.db, "catalog", seq).await;
    let mut s = Story::new(&t, 32);
    s.submitted(day(3, 2)).await;
    s.accepted(day(3, 2), day(3, 9), day(3, 20), true).await;
    s.settle().await;
    t.morning_of(day(3, 4)).await;
    assert!(levels(&t, "case-32").await.is_empty());
    t.morning_of(day(3, 5)).await;
    assert_eq!(levels(&t, "case-32").await, [w(CASE, EARLY, 3, 5)]);
}
