//! Staff read their own department's records in their own region only: staff of the same
//! department in another region see none of them, in a list or by id.

use onewindow_kit::auth::Role;
use onewindow_proto::supervision::v1 as pb;
use tonic::{Code, Request};

use crate::events::Story;
use crate::{day, TestSupervision, DEPT, REGION};

/// Another region of the city (云冈区), where DEPT has an office too.
const ELSEWHERE: &str = "140212";

const FROM: &str = "2026-03-01";
const TO: &str = "2026-03-31";

/// What DEPT's office in ELSEWHERE left in supervision.
struct Records {
    case_id: String,
    warning_id: String,
    violation_id: String,
    rectification_id: String,
    complaint_id: String,
}

/// A case of DEPT in ELSEWHERE left alone past its due date (warnings, cards, figures, the
/// mailroom's row), a refusal there without legal basis (a violation), a bad review of the
/// late case (an evaluation and a rectification task) and an accepted complaint about the
/// office there.
async fn records_elsewhere(t: &TestSupervision) -> Records {
    let mut late = Story::new(t, 700).in_region(ELSEWHERE);
    late.submitted(day(3, 2)).await;
    late.accepted(day(3, 2), day(3, 9), day(3, 4), true).await;
    let mut refused = Story::new(t, 701).in_region(ELSEWHERE);
    refused.submitted(day(3, 2)).await;
    refused.refused(day(3, 3), "材料不全", "").await;
    refused.settle().await;
    t.morning_of(day(3, 10)).await;
    let mut client = t.client.clone();

    let warning_id = client
        .list_warnings(t.supervisor(pb::ListWarningsRequest {
            case_id: late.case_id.clone(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner()
        .warnings
        .first()
        .expect("the late case has warnings")
        .id
        .clone();
    let violations = client
        .list_violations(t.supervisor(pb::ListViolationsRequest {
            subject_id: refused.case_id.clone(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner()
        .violations;
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0].region_code, ELSEWHERE);

    t.verifier
        .know_in(&late.case_id, &late.number, "QC70QC70", DEPT, ELSEWHERE);
    let evaluation = client
        .submit_evaluation(Request::new(pb::SubmitEvaluationRequest {
            request_id: "e-700".into(),
            case_number: late.number.clone(),
            query_code: "QC70QC70".into(),
            rating: pb::Rating::VeryDissatisfied as i32,
            comment: "超期未办结".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(!evaluation.rectification_id.is_empty());

    let filed = client
        .file_complaint(Request::new(pb::FileComplaintRequest {
            request_id: "f-700".into(),
            kind: pb::ComplaintKind::Complaint as i32,
            department_id: DEPT.into(),
            region_code: ELSEWHERE.into(),
            content: "窗口人员态度生硬".into(),
            anonymous: true,
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    let complaint_id = client
        .list_complaints(t.supervisor(pb::ListComplaintsRequest::default()))
        .await
        .unwrap()
        .into_inner()
        .complaints
        .into_iter()
        .find(|c| c.tracking_number == filed.tracking_number)
        .expect("the filed complaint is listed")
        .id;
    // Accepted, so that the department concerned may see it at all.
    client
        .accept_complaint(t.supervisor(pb::ComplaintStepRequest {
            request_id: "s-700".into(),
            complaint_id: complaint_id.clone(),
            revision: 0,
            note: "受理".into(),
        }))
        .await
        .unwrap();
    Records {
        case_id: late.case_id.clone(),
        warning_id,
        violation_id: violations[0].id.clone(),
        rectification_id: evaluation.rectification_id,
        complaint_id,
    }
}

/// How many things each list shows `role` of DEPT in `region`, by list.
async fn listed(t: &TestSupervision, role: Role, region: &str) -> Vec<(&'static str, usize)> {
    let mut c = t.client.clone();
    let n = |total: i32| usize::try_from(total).unwrap();
    vec![
        (
            "warnings",
            n(
                c.list_warnings(t.staff_in(role, DEPT, region, pb::ListWarningsRequest::default()))
                    .await
                    .unwrap()
                    .into_inner()
                    .total_size,
            ),
        ),
        (
            "card counts",
            c.get_card_counts(t.staff_in(
                role,
                DEPT,
                region,
                pb::GetCardCountsRequest {
                    from: FROM.into(),
                    to: TO.into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner()
            .counts
            .len(),
        ),
        (
            "violations",
            n(c.list_violations(t.staff_in(
                role,
                DEPT,
                region,
                pb::ListViolationsRequest::default(),
            ))
            .await
            .unwrap()
            .into_inner()
            .total_size),
        ),
        (
            "evaluations",
            n(c.list_evaluations(t.staff_in(
                role,
                DEPT,
                region,
                pb::ListEvaluationsRequest::default(),
            ))
            .await
            .unwrap()
            .into_inner()
            .total_size),
        ),
        (
            "rectifications",
            n(c.list_rectifications(t.staff_in(
                role,
                DEPT,
                region,
                pb::ListRectificationsRequest::default(),
            ))
            .await
            .unwrap()
            .into_inner()
            .total_size),
        ),
        (
            "complaints",
            n(c.list_complaints(t.staff_in(
                role,
                DEPT,
                region,
                pb::ListComplaintsRequest::default(),
            ))
            .await
            .unwrap()
            .into_inner()
            .total_size),
        ),
        (
            "performance",
            c.get_performance(t.staff_in(
                role,
                DEPT,
                region,
                pb::GetPerformanceRequest {
                    from: FROM.into(),
                    to: TO.into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner()
            .rows
            .len(),
        ),
        (
            "performance series",
            c.get_performance_series(t.staff_in(
                role,
                DEPT,
                region,
                pb::GetPerformanceSeriesRequest {
                    from: FROM.into(),
                    to: TO.into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner()
            .points
            .len(),
        ),
        (
            "mailroom",
            c.get_mailroom_report(t.staff_in(
                role,
                DEPT,
                region,
                pb::GetMailroomReportRequest {
                    from: FROM.into(),
                    to: TO.into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner()
            .rows
            .len(),
        ),
    ]
}

/// What reading each record by id gives `role` of DEPT in `region`: ok or the code.
async fn read(
    t: &TestSupervision,
    role: Role,
    region: &str,
    r: &Records,
) -> Vec<(&'static str, Result<(), Code>)> {
    let mut c = t.client.clone();
    let code = |e: tonic::Status| e.code();
    vec![
        (
            "warning",
            c.get_warning(t.staff_in(
                role,
                DEPT,
                region,
                pb::GetWarningRequest {
                    warning_id: r.warning_id.clone(),
                },
            ))
            .await
            .map(drop)
            .map_err(code),
        ),
        (
            "case record",
            c.get_case_record(t.staff_in(
                role,
                DEPT,
                region,
                pb::GetCaseRecordRequest {
                    case_id: r.case_id.clone(),
                },
            ))
            .await
            .map(drop)
            .map_err(code),
        ),
        (
            "violation",
            c.get_violation(t.staff_in(
                role,
                DEPT,
                region,
                pb::GetViolationRequest {
                    violation_id: r.violation_id.clone(),
                },
            ))
            .await
            .map(drop)
            .map_err(code),
        ),
        (
            "rectification",
            c.get_rectification(t.staff_in(
                role,
                DEPT,
                region,
                pb::GetRectificationRequest {
                    rectification_id: r.rectification_id.clone(),
                },
            ))
            .await
            .map(drop)
            .map_err(code),
        ),
        (
            "complaint",
            c.get_complaint(t.staff_in(
                role,
                DEPT,
                region,
                pb::GetComplaintRequest {
                    complaint_id: r.complaint_id.clone(),
                },
            ))
            .await
            .map(drop)
            .map_err(code),
        ),
    ]
}

#[tokio::test]
async fn staff_of_the_same_department_in_another_region_see_nothing_of_it() {
    for t in TestSupervision::on_every_engine().await {
        let records = records_elsewhere(&t).await;
        for role in [Role::Clerk, Role::Approver] {
            // The office that made the records sees each of them: the lists are not empty
            // for want of data.
            let there = listed(&t, role, ELSEWHERE).await;
            for (list, n) in &there {
                assert!(
                    *n > 0,
                    "{} {role:?} of {ELSEWHERE}: {list} empty",
                    t.label()
                );
            }
            for (what, got) in read(&t, role, ELSEWHERE, &records).await {
                assert_eq!(got, Ok(()), "{} {role:?} of {ELSEWHERE}: {what}", t.label());
            }
            // The same department at home sees none of it.
            for (list, n) in listed(&t, role, REGION).await {
                assert_eq!(n, 0, "{} {role:?} of {REGION}: {list}", t.label());
            }
            for (what, got) in read(&t, role, REGION, &records).await {
                assert_eq!(
                    got,
                    Err(Code::NotFound),
                    "{} {role:?} of {REGION}: {what}",
                    t.label()
                );
            }
        }
    }
}

#[tokio::test]
async fn staff_asking_for_another_regions_list_are_refused() {
    let t = TestSupervision::on_sqlite().await;
    let mut c = t.client.clone();
    let violations = c
        .list_violations(t.staff_in(
            Role::Clerk,
            DEPT,
            REGION,
            pb::ListViolationsRequest {
                region_code: ELSEWHERE.into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(violations.code(), Code::PermissionDenied);
    let evaluations = c
        .list_evaluations(t.staff_in(
            Role::Clerk,
            DEPT,
            REGION,
            pb::ListEvaluationsRequest {
                region_code: ELSEWHERE.into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(evaluations.code(), Code::PermissionDenied);
    let mailroom = c
        .get_mailroom_report(t.staff_in(
            Role::Clerk,
            DEPT,
            REGION,
            pb::GetMailroomReportRequest {
                from: FROM.into(),
                to: TO.into(),
                region_code: ELSEWHERE.into(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(mailroom.code(), Code::PermissionDenied);
    let performance = c
        .get_performance(t.staff_in(
            Role::Clerk,
            DEPT,
            REGION,
            pb::GetPerformanceRequest {
                from: FROM.into(),
                to: TO.into(),
                region_code: ELSEWHERE.into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(performance.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn supervisors_still_see_every_region() {
    let t = TestSupervision::on_sqlite().await;
    let records = records_elsewhere(&t).await;
    let mut c = t.client.clone();
    let all = c
        .list_rectifications(t.supervisor(pb::ListRectificationsRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(all.total_size, 1);
    assert_eq!(all.rectifications[0].id, records.rectification_id);
    let complaints = c
        .list_complaints(t.supervisor(pb::ListComplaintsRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(complaints.total_size, 1);
    c.get_violation(t.supervisor(pb::GetViolationRequest {
        violation_id: records.violation_id.clone(),
    }))
    .await
    .unwrap();
}
