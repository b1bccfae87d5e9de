//! Supervisors verify supervision's own hash-chained audit trails: one complaint's, and a
//! sweep of every trail; an entry edited behind the service's back is found.

use onewindow_kit::auth::Role;
use onewindow_proto::common::v1 as common;
use onewindow_proto::supervision::v1 as pb;
use tonic::{Code, Request};

use crate::{person, TestSupervision, DEPT};

#[tokio::test]
async fn an_audit_entry_edited_behind_the_services_back_is_reported_to_supervisors() {
    for mut t in TestSupervision::on_every_engine().await {
        let label = t.label();
        t.client
            .file_complaint(Request::new(pb::FileComplaintRequest {
                request_id: "audit-f".into(),
                kind: pb::ComplaintKind::Complaint as i32,
                case_number: "140200-2026-000001".into(),
                department_id: DEPT.into(),
                trading_project_id: String::new(),
                region_code: "140200".into(),
                content: "窗口让我跑了三趟".into(),
                anonymous: true,
                complainant: None,
            }))
            .await
            .unwrap();
        let id = t
            .client
            .list_complaints(t.supervisor(pb::ListComplaintsRequest::default()))
            .await
            .unwrap()
            .into_inner()
            .complaints
            .remove(0)
            .id;
        t.client
            .accept_complaint(t.supervisor(pb::ComplaintStepRequest {
                request_id: "audit-a".into(),
                complaint_id: id.clone(),
                revision: 0,
                note: String::new(),
            }))
            .await
            .unwrap();
        let ask = || common::VerifyAuditTrailRequest {
            object_type: "complaint".into(),
            object_id: id.clone(),
        };
        let sound = t
            .client
            .verify_audit_trail(t.supervisor(ask()))
            .await
            .unwrap()
            .into_inner();
        assert!(sound.verified && sound.entries == 2, "{label}: {sound:?}");

        for role in [Role::Clerk, Role::Approver, Role::Service] {
            let who = || person("someone", role, Some(DEPT));
            let denied = t
                .client
                .verify_audit_trail(t.request(who(), ask()))
                .await
                .unwrap_err();
            assert_eq!(denied.code(), Code::PermissionDenied, "{role}");
            let denied = t
                .client
                .verify_audit(t.request(who(), common::VerifyAuditRequest::default()))
                .await
                .unwrap_err();
            assert_eq!(denied.code(), Code::PermissionDenied, "{role}");
        }
        let anonymous = t
            .client
            .verify_audit(Request::new(common::VerifyAuditRequest::default()))
            .await
            .unwrap_err();
        assert_eq!(anonymous.code(), Code::Unauthenticated);

        sqlx::query(
            "UPDATE kit_audit SET action = 'reject' WHERE seq = (SELECT MAX(seq) FROM kit_audit \
             WHERE object_type = 'complaint' AND object_id = $1)",
        )
        .bind(&id)
        .execute(t.supervision.db().writer())
        .await
        .unwrap();
        let found = t
            .client
            .verify_audit_trail(t.supervisor(ask()))
            .await
            .unwrap()
            .into_inner();
        let broken = found.broken.expect("the edit is found");
        assert!(!found.verified, "{label}");
        assert_eq!(broken.position, 2, "{label}");
        assert_eq!(broken.kind, common::AuditBreakKind::Altered as i32);

        let page = t
            .client
            .verify_audit(t.supervisor(common::VerifyAuditRequest {
                page_size: 500,
                page_token: String::new(),
                object_type: "complaint".into(),
            }))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(page.broken_count, 1, "{label}");
        assert!(page.objects.iter().all(|o| o.object_type == "complaint"));
        assert!(page
            .objects
            .iter()
            .any(|o| o.object_id == id && !o.verified));
    }
}
