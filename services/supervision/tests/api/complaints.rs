//! Report supervision: anonymous and named filings, the complainant's view by secret, the
//! supervisor's steps, and what a department may see.

use onewindow_proto::common::v1 as common;
use onewindow_proto::supervision::v1 as pb;
use tonic::{Code, Request};

use crate::{bad_fields, TestSupervision, DEPT, OTHER_DEPT};

fn filing(request_id: &str, anonymous: bool) -> pb::FileComplaintRequest {
    pb::FileComplaintRequest {
        request_id: request_id.into(),
        kind: pb::ComplaintKind::Report as i32,
        case_number: "140200-2026-000001".into(),
        department_id: DEPT.into(),
        trading_project_id: String::new(),
        region_code: "140200".into(),
        content: "窗口工作人员暗示需要另外缴费".into(),
        anonymous,
        complainant: Some(pb::Complainant {
            name: "王五".into(),
            phone: "13812345678".into(),
            email: String::new(),
        }),
    }
}

#[tokio::test]
async fn a_complaint_is_followed_by_its_secret_through_every_step() {
    for mut t in TestSupervision::on_every_engine().await {
        let filed = t
            .client
            .file_complaint(Request::new(filing("f-1", false)))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(filed.tracking_number, "TS-2026-000001");
        assert_eq!(filed.secret.len(), 12);
        let status = filed.status.clone().unwrap();
        assert_eq!(status.state, pb::ComplaintState::Received as i32);
        // Five working days from Monday 2 March to accept or reject.
        assert_eq!(status.step_due_date, "2026-03-09");

        let lookup = |secret: &str| pb::LookupComplaintRequest {
            tracking_number: filed.tracking_number.clone(),
            secret: secret.into(),
        };
        let wrong = t
            .client
            .lookup_complaint(Request::new(lookup("AAAAAAAAAAAA")))
            .await
            .unwrap_err();
        assert_eq!(wrong.code(), Code::NotFound);
        let seen = t
            .client
            .lookup_complaint(Request::new(lookup(&filed.secret.to_lowercase())))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(seen.state, pb::ComplaintState::Received as i32);

        let id = t
            .client
            .list_complaints(t.supervisor(pb::ListComplaintsRequest::default()))
            .await
            .unwrap()
            .into_inner()
            .complaints
            .remove(0)
            .id;
        // Not yet accepted: the department concerned does not see it at all.
        let hidden = t
            .client
            .get_complaint(t.clerk_of(
                DEPT,
                pb::GetComplaintRequest {
                    complaint_id: id.clone(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(hidden.code(), Code::NotFound);

        let step = |request_id: &str, note: &str| pb::ComplaintStepRequest {
            request_id: request_id.into(),
            complaint_id: id.clone(),
            revision: 0,
            note: note.into(),
        };
        let early = t
            .client
            .give_feedback(t.supervisor(step("s-0", "太早了")))
            .await
            .unwrap_err();
        assert_eq!(early.code(), Code::FailedPrecondition);
        assert!(early.message().contains("received"), "{}", early.message());
        assert!(
            early.message().contains("give_feedback"),
            "{}",
            early.message()
        );
        let by_clerk = t
            .client
            .accept_complaint(t.clerk_of(DEPT, step("s-x", "")))
            .await
            .unwrap_err();
        assert_eq!(by_clerk.code(), Code::PermissionDenied);
        t.client
            .accept_complaint(t.supervisor(step("s-1", "")))
            .await
            .unwrap();
        t.client
            .start_investigation(t.supervisor(step("s-2", "调取窗口录像")))
            .await
            .unwrap();

        // Accepted: the department sees it, never who complained.
        let theirs = t
            .client
            .get_complaint(t.clerk_of(
                DEPT,
                pb::GetComplaintRequest {
                    complaint_id: id.clone(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert!(theirs.complainant.is_none());
        assert!(!theirs.anonymous);
        let listed = t
            .client
            .list_complaints(t.clerk_of(DEPT, pb::ListComplaintsRequest::default()))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(listed.total_size, 1);
        assert!(listed.complaints.iter().all(|c| c.complainant.is_none()));
        let elsewhere = t
            .client
            .list_complaints(t.clerk_of(OTHER_DEPT, pb::ListComplaintsRequest::default()))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(elsewhere.total_size, 0);
        // The supervisor's list masks the phone; one complaint read shows it.
        let masked = t
            .client
            .list_complaints(t.supervisor(pb::ListComplaintsRequest::default()))
            .await
            .unwrap()
            .into_inner()
            .complaints
            .remove(0);
        assert_eq!(masked.complainant.unwrap().phone, "138****5678");
        let full = t
            .client
            .get_complaint(t.supervisor(pb::GetComplaintRequest {
                complaint_id: id.clone(),
            }))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(full.complainant.unwrap().phone, "13812345678");

        t.client
            .conclude_complaint(t.supervisor(pb::ConcludeComplaintRequest {
                request_id: "s-3".into(),
                complaint_id: id.clone(),
                revision: 0,
                substantiated: true,
                findings: "情况属实，已对当事人诫勉谈话".into(),
            }))
            .await
            .unwrap();
        t.client
            .give_feedback(t.supervisor(step("s-4", "您反映的问题属实，已处理")))
            .await
            .unwrap();
        let done = t
            .client
            .lookup_complaint(Request::new(lookup(&filed.secret)))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(done.state, pb::ComplaintState::FeedbackGiven as i32);
        assert_eq!(done.substantiated, Some(true));
        assert_eq!(done.history.len(), 5);
        assert!(done
            .history
            .iter()
            .all(|h| h.by.is_empty() && h.note.is_empty()));

        // The audit trail never holds the complainant.
        let trail = t
            .client
            .get_audit_trail(t.supervisor(common::GetAuditTrailRequest {
                object_type: "complaint".into(),
                object_id: id.clone(),
            }))
            .await
            .unwrap()
            .into_inner();
        assert!(trail.verified);
        assert_eq!(trail.entries.len(), 5);
        assert!(trail
            .entries
            .iter()
            .all(|e| !e.change_json.contains("13812345678") && !e.change_json.contains("王五")));
    }
}

#[tokio::test]
async fn an_anonymous_filing_keeps_no_identity_and_a_retry_gets_a_fresh_secret() {
    let mut t = TestSupervision::on_sqlite().await;
    let first = t
        .client
        .file_complaint(Request::new(filing("f-9", true)))
        .await
        .unwrap()
        .into_inner();
    let retry = t
        .client
        .file_complaint(Request::new(filing("f-9", true)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(retry.tracking_number, first.tracking_number);
    assert_ne!(retry.secret, first.secret);
    let lookup = |secret: &str| pb::LookupComplaintRequest {
        tracking_number: first.tracking_number.clone(),
        secret: secret.into(),
    };
    assert!(t
        .client
        .lookup_complaint(Request::new(lookup(&retry.secret)))
        .await
        .is_ok());
    assert!(t
        .client
        .lookup_complaint(Request::new(lookup(&first.secret)))
        .await
        .is_err());
    let c = t
        .client
        .list_complaints(t.supervisor(pb::ListComplaintsRequest::default()))
        .await
        .unwrap()
        .into_inner()
        .complaints
        .remove(0);
    assert!(c.anonymous);
    assert!(c.complainant.is_none());
}

#[tokio::test]
async fn a_filing_names_every_bad_field() {
    let mut t = TestSupervision::on_sqlite().await;
    let bad = t
        .client
        .file_complaint(Request::new(pb::FileComplaintRequest {
            request_id: "f-1".into(),
            kind: 0,
            content: String::new(),
            anonymous: false,
            region_code: "14".into(),
            complainant: Some(pb::Complainant {
                name: String::new(),
                phone: "call me".into(),
                email: String::new(),
            }),
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_eq!(
        bad_fields(&bad),
        [
            "kind",
            "content",
            "complainant.name",
            "complainant.phone",
            "region_code"
        ]
    );
}

#[tokio::test]
async fn a_complaint_about_a_case_concerns_the_cases_department() {
    let mut t = TestSupervision::on_sqlite().await;
    let mut s = crate::events::Story::new(&t, 500).in_department(OTHER_DEPT);
    s.submitted(crate::day(3, 2)).await;
    s.settle().await;
    t.client
        .file_complaint(Request::new(pb::FileComplaintRequest {
            department_id: String::new(),
            case_number: s.number.clone(),
            ..filing("f-1", true)
        }))
        .await
        .unwrap();
    let c = t
        .client
        .list_complaints(t.supervisor(pb::ListComplaintsRequest::default()))
        .await
        .unwrap()
        .into_inner()
        .complaints
        .remove(0);
    assert_eq!(c.department_id, OTHER_DEPT);
}
