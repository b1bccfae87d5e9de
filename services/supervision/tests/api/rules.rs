//! Permission monitoring over the socket: each rule on a crafted event sequence, the
//! catalog's facts, violations' follow-up, the mailroom report, unreadable events.

use onewindow_kit::outbox::pack;
use onewindow_proto::cases::v1 as cases;
use onewindow_proto::common::v1::{self as common, Stage};
use onewindow_proto::supervision::v1 as pb;
use tonic::Code;

use crate::events::{cancel_item, item1, publish_item, Story};
use crate::{append, applied, bad_fields, day, TestSupervision, DEPT, OTHER_DEPT, REGION};

pub async fn rules_of(t: &TestSupervision, subject: &str) -> Vec<String> {
    let mut rules: Vec<String> = t
        .client
        .clone()
        .list_violations(t.supervisor(pb::ListViolationsRequest {
            subject_id: subject.into(),
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

async fn bundle_event(
    t: &TestSupervision,
    kind: &str,
    name: &str,
    msg: &impl prost::Message,
) -> i64 {
    append(
        &t.cases.db,
        kind,
        "b1",
        pack(&format!("onewindow.cases.v1.{name}"), msg),
    )
    .await
}

fn bundle_ref() -> Option<cases::BundleCaseRef> {
    Some(cases::BundleCaseRef {
        bundle_case_id: "b1".into(),
        case_number: "140200-2026-000099".into(),
        bundle_id: "enterprise".into(),
        lead_department_id: DEPT.into(),
        region_code: REGION.into(),
    })
}

#[tokio::test]
async fn each_rule_fires_on_its_breach_and_a_clean_case_breaks_none() {
    for t in TestSupervision::on_every_engine().await {
        let seq = publish_item(&t, item1()).await;
        applied(&t.db.db, "catalog", seq).await;
        let (a, due) = (day(3, 2), day(3, 9));

        let mut clean = Story::new(&t, 40);
        clean.clean().await;

        let mut refused = Story::new(&t, 41);
        refused.submitted(a).await;
        refused
            .refused(day(3, 3), "", "《行政许可法》第三十二条")
            .await;

        let mut missing = Story::new(&t, 42).with_materials(&[]);
        missing.submitted(a).await;
        missing.accepted(a, due, day(3, 4), true).await;

        let mut stale = Story::new(&t, 43).on_version(2);
        stale.submitted(a).await;

        let mut skipped = Story::new(&t, 44);
        skipped.submitted(a).await;
        skipped.accepted(a, due, day(3, 4), true).await;
        skipped
            .stage_completed(day(3, 3), Stage::Review, None, Some((Stage::Conclude, due)))
            .await;
        skipped.concluded(day(3, 5), a, due).await;

        let mut outsider = Story::new(&t, 45);
        outsider.submitted(a).await;
        outsider.accepted(a, due, day(3, 4), true).await;
        outsider
            .stage_completed(day(3, 3), Stage::Review, None, Some((Stage::Decide, due)))
            .await;
        let intruder = Some(cases::EventActor {
            subject: "u-x".into(),
            role: "clerk".into(),
            department_id: OTHER_DEPT.into(),
        });
        outsider
            .stage_completed(
                day(3, 4),
                Stage::Decide,
                intruder,
                Some((Stage::Conclude, due)),
            )
            .await;

        // The cases service saw no deviation; the catalog's standard is 5000 fen.
        let mut fee = Story::new(&t, 46);
        fee.submitted(a).await;
        fee.accepted(a, due, day(3, 4), true).await;
        fee.fees_charged(day(3, 3), "f1", 6000, 6000).await;

        let mut suspended = Story::new(&t, 47);
        suspended.submitted(a).await;
        suspended.accepted(a, due, day(3, 20), true).await;
        suspended.suspension_started(day(3, 3), 2).await;
        suspended
            .suspension_ended(day(3, 6), day(3, 3), 2, 3, a, day(3, 12), day(3, 25))
            .await;
        suspended.suspension_started(day(3, 9), 1).await;

        let mut late = Story::new(&t, 48);
        late.submitted(a).await;
        late.accepted(a, due, day(3, 4), true).await;
        late.stage_completed(day(3, 3), Stage::Review, None, Some((Stage::Decide, due)))
            .await;
        late.stage_completed(day(3, 4), Stage::Decide, None, Some((Stage::Conclude, due)))
            .await;
        late.concluded(day(3, 11), a, due).await;
        late.settle().await;

        let expectations: [(&str, &[&str]); 9] = [
            ("case-40", &[]),
            ("case-41", &["intake_refused_without_basis"]),
            ("case-42", &["required_material_missing"]),
            ("case-43", &["item_version_not_in_force"]),
            ("case-44", &["stage_skipped"]),
            (
                "case-45",
                &["stage_by_wrong_role", "stage_outside_department"],
            ),
            ("case-46", &["fee_deviates_from_standard"]),
            ("case-47", &["suspension_overran", "suspension_repeated"]),
            ("case-48", &["concluded_after_promised_limit"]),
        ];
        for (case, expected) in expectations {
            assert_eq!(
                rules_of(&t, case).await,
                expected,
                "{case} on {}",
                t.label()
            );
        }

        // The evidence is the events themselves.
        let v = t
            .client
            .clone()
            .list_violations(t.supervisor(pb::ListViolationsRequest {
                subject_id: "case-41".into(),
                ..Default::default()
            }))
            .await
            .unwrap()
            .into_inner()
            .violations
            .remove(0);
        assert_eq!(v.evidence.len(), 1);
        assert_eq!(v.evidence[0].stream, "cases");
        assert_eq!(v.evidence[0].kind, "cases.case.intake_refused");
        assert!(v.evidence[0].seq > 0);
        assert_eq!(v.severity, pb::Severity::High as i32);
        assert!(v.summary.contains("without a reason"), "{}", v.summary);

        // The catalog told supervision the item's office.
        let record = t
            .client
            .clone()
            .get_case_record(t.supervisor(pb::GetCaseRecordRequest {
                case_id: "case-46".into(),
            }))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(record.office_id, "office-a");
        assert_eq!(record.fees[0].catalog_amount_fen, 5000);
    }
}

#[tokio::test]
async fn the_department_that_held_a_bundle_up_is_named() {
    let t = TestSupervision::on_sqlite().await;
    let child = |case_id: &str, department: &str| cases::BundleChild {
        case_id: case_id.into(),
        department_id: department.into(),
        due_date: "2026-03-09".into(),
        ..Default::default()
    };
    bundle_event(
        &t,
        "cases.bundle_case.started",
        "BundleCaseStarted",
        &cases::BundleCaseStarted {
            bundle_case: bundle_ref(),
            occurred_on: "2026-03-02".into(),
            children: vec![child("case-50", DEPT), child("case-51", OTHER_DEPT)],
            ..Default::default()
        },
    )
    .await;
    let mut quick = Story::new(&t, 50).in_bundle("b1");
    quick.clean().await;
    let mut slow = Story::new(&t, 51).in_department(OTHER_DEPT).in_bundle("b1");
    slow.submitted(day(3, 2)).await;
    slow.accepted(day(3, 2), day(3, 9), day(3, 4), true).await;
    slow.stage_completed(
        day(3, 3),
        Stage::Review,
        None,
        Some((Stage::Decide, day(3, 9))),
    )
    .await;
    slow.stage_completed(
        day(3, 4),
        Stage::Decide,
        None,
        Some((Stage::Conclude, day(3, 9))),
    )
    .await;
    slow.concluded(day(3, 13), day(3, 2), day(3, 9)).await;
    let seq = bundle_event(
        &t,
        "cases.bundle_case.concluded",
        "BundleCaseConcluded",
        &cases::BundleCaseConcluded {
            bundle_case: bundle_ref(),
            occurred_on: "2026-03-13".into(),
            outcome: cases::OutcomeKind::Approved as i32,
            accepted_on: "2026-03-02".into(),
            due_date: "2026-03-10".into(),
            late: true,
            ..Default::default()
        },
    )
    .await;
    applied(&t.db.db, "cases", seq).await;
    let v = t
        .client
        .clone()
        .list_violations(t.supervisor(pb::ListViolationsRequest {
            subject_kind: pb::SubjectKind::BundleCase as i32,
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner()
        .violations;
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].rule_id, "bundle_held_up");
    assert_eq!(v[0].department_id, OTHER_DEPT);
    let kinds: Vec<&str> = v[0].evidence.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["cases.case.concluded", "cases.bundle_case.concluded"]
    );
}

#[tokio::test]
async fn violations_are_assigned_and_resolved_once_with_their_trail() {
    let mut t = TestSupervision::on_sqlite().await;
    let mut s = Story::new(&t, 60);
    s.submitted(day(3, 2)).await;
    s.refused(day(3, 3), "", "").await;
    s.settle().await;
    let v = t
        .client
        .list_violations(t.supervisor(pb::ListViolationsRequest::default()))
        .await
        .unwrap()
        .into_inner()
        .violations
        .remove(0);
    let assign = pb::AssignViolationRequest {
        request_id: "a-1".into(),
        violation_id: v.id.clone(),
        revision: v.revision,
        assignee: "u-sup-2".into(),
        note: String::new(),
    };
    let denied = t
        .client
        .assign_violation(t.clerk_of(DEPT, assign.clone()))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    let assigned = t
        .client
        .assign_violation(t.supervisor(assign.clone()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(assigned.status, pb::ViolationStatus::Assigned as i32);
    // A retry gives the first answer and changes nothing.
    let again = t
        .client
        .assign_violation(t.supervisor(assign.clone()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again, assigned);
    let stale = t
        .client
        .resolve_violation(t.supervisor(pb::ResolveViolationRequest {
            request_id: "r-0".into(),
            violation_id: v.id.clone(),
            revision: v.revision,
            resolution: pb::Resolution::Rectified as i32,
            note: "已补正告知".into(),
        }))
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted);
    let no_note = t
        .client
        .resolve_violation(t.supervisor(pb::ResolveViolationRequest {
            request_id: "r-1".into(),
            violation_id: v.id.clone(),
            revision: 0,
            resolution: pb::Resolution::Rectified as i32,
            note: String::new(),
        }))
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&no_note), ["note"]);
    let resolve = pb::ResolveViolationRequest {
        request_id: "r-2".into(),
        violation_id: v.id.clone(),
        revision: assigned.revision,
        resolution: pb::Resolution::Rectified as i32,
        note: "已书面告知申请人理由和依据".into(),
    };
    let resolved = t
        .client
        .resolve_violation(t.supervisor(resolve.clone()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resolved.status, pb::ViolationStatus::Resolved as i32);
    assert_eq!(resolved.notes.len(), 2);
    let twice = t
        .client
        .resolve_violation(t.supervisor(pb::ResolveViolationRequest {
            request_id: "r-3".into(),
            revision: 0,
            ..resolve
        }))
        .await
        .unwrap_err();
    assert_eq!(twice.code(), Code::FailedPrecondition);
    assert!(twice.message().contains("resolved"), "{}", twice.message());
    assert!(
        twice.message().contains("resolve is not allowed"),
        "{}",
        twice.message()
    );

    // The department sees its own violation; another department does not.
    let own = t
        .client
        .get_violation(t.clerk_of(
            DEPT,
            pb::GetViolationRequest {
                violation_id: v.id.clone(),
            },
        ))
        .await;
    assert!(own.is_ok());
    let other = t
        .client
        .get_violation(t.clerk_of(
            OTHER_DEPT,
            pb::GetViolationRequest {
                violation_id: v.id.clone(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(other.code(), Code::NotFound);

    let trail = t
        .client
        .get_audit_trail(t.supervisor(common::GetAuditTrailRequest {
            object_type: "violation".into(),
            object_id: v.id.clone(),
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(trail.verified);
    let actions: Vec<&str> = trail.entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["record", "assign", "resolve"]);
}

#[tokio::test]
async fn the_mailroom_report_shows_accept_only_windows_and_their_days_outside_the_hall() {
    let mut t = TestSupervision::on_sqlite().await;
    let (a, due) = (day(3, 2), day(3, 9));
    let mut mailroom = Story::new(&t, 70);
    mailroom.submitted(a).await;
    mailroom.accepted(a, due, day(3, 4), false).await;
    mailroom.concluded(day(3, 5), a, due).await;
    let mut full = Story::new(&t, 71);
    full.submitted(a).await;
    full.accepted(a, due, day(3, 4), true).await;
    full.settle().await;
    let report = t
        .client
        .get_mailroom_report(t.supervisor(pb::GetMailroomReportRequest {
            from: "2026-03-01".into(),
            to: "2026-03-31".into(),
            region_code: String::new(),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(report.rows.len(), 1);
    let row = &report.rows[0];
    assert_eq!(
        (row.accepted, row.accept_only, row.accept_only_concluded),
        (2, 1, 1)
    );
    assert_eq!(row.accept_only_share, 0.5);
    assert_eq!(row.average_days_outside, 3.0);
    let bad = t
        .client
        .get_mailroom_report(t.supervisor(pb::GetMailroomReportRequest {
            from: "2026-3-1".into(),
            to: String::new(),
            region_code: String::new(),
        }))
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&bad), ["from", "to"]);
}

#[tokio::test]
async fn an_unreadable_event_is_kept_aside_and_the_stream_goes_on() {
    let t = TestSupervision::on_sqlite().await;
    append(
        &t.cases.db,
        "cases.case.accepted",
        "case-80",
        pack(
            "onewindow.cases.v1.CaseWithdrawn",
            &cases::CaseWithdrawn::default(),
        ),
    )
    .await;
    let mut s = Story::new(&t, 81);
    s.submitted(day(3, 2)).await;
    s.refused(day(3, 3), "", "").await;
    s.settle().await;
    assert_eq!(
        rules_of(&t, "case-81").await,
        ["intake_refused_without_basis"]
    );
    assert_eq!(
        onewindow_supervision::store::unreadable_count(&t.db.db)
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn an_event_whose_dates_the_calendar_refuses_is_kept_aside_and_the_stream_goes_on() {
    let t = TestSupervision::on_sqlite().await;
    let mut odd = Story::new(&t, 82);
    odd.submitted(day(3, 2)).await;
    // Readable, but dated before the years any calendar reckons with.
    let long_ago = |d| chrono::NaiveDate::from_ymd_opt(1899, 12, d).unwrap();
    odd.accepted(long_ago(1), long_ago(20), long_ago(10), false)
        .await;
    // Its deadlines are reckoned with at the case's next event: that one cannot be applied.
    odd.refused(day(3, 3), "材料不全", "《行政许可法》第三十二条")
        .await;
    let mut s = Story::new(&t, 83);
    s.submitted(day(3, 2)).await;
    s.refused(day(3, 3), "", "").await;
    s.settle().await;
    assert_eq!(
        rules_of(&t, "case-83").await,
        ["intake_refused_without_basis"]
    );
    assert_eq!(
        onewindow_supervision::store::unreadable_count(&t.db.db)
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn the_rules_are_public_with_their_severity() {
    let mut t = TestSupervision::on_sqlite().await;
    let rules = t
        .client
        .list_rules(pb::ListRulesRequest {})
        .await
        .unwrap()
        .into_inner()
        .rules;
    assert!(rules.len() >= 20);
    assert!(rules
        .iter()
        .any(|r| r.id == "trading.short_bid_period" && r.severity == pb::Severity::High as i32));
    assert!(rules.iter().all(|r| r.enabled && !r.description.is_empty()));
}

#[tokio::test]
async fn a_case_on_a_cancelled_version_is_a_violation() {
    let t = TestSupervision::on_sqlite().await;
    publish_item(&t, item1()).await;
    let seq = cancel_item(&t, "item1", 1, "2026-03-01").await;
    applied(&t.db.db, "catalog", seq).await;
    let mut s = Story::new(&t, 82);
    s.submitted(day(3, 2)).await;
    s.settle().await;
    assert_eq!(rules_of(&t, "case-82").await, ["item_version_not_in_force"]);
}
