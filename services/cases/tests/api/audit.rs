//! Supervisors verify the cases service's hash-chained audit trails: one case's, and a
//! sweep of every trail; an entry edited behind the service's back is found.

use onewindow_kit::auth::Role;
use onewindow_kit::db::Db;
use onewindow_proto::cases::v1 as pb;
use onewindow_proto::catalog::v1 as catalog;
use onewindow_proto::common::v1 as common;
use tonic::{Code, Request};

use crate::{applicant, uploads, Hall};

/// Edits the first audit entry of an object behind the service's back, as someone holding
/// the database's password could.
pub async fn edit_first_entry(db: &Db, object_type: &str, object_id: &str) {
    sqlx::query(
        "UPDATE kit_audit SET change_json = change_json || ' ' \
         WHERE seq = (SELECT MIN(seq) FROM kit_audit WHERE object_type = $1 AND object_id = $2)",
    )
    .bind(object_type)
    .bind(object_id)
    .execute(db.writer())
    .await
    .unwrap();
}

#[tokio::test]
async fn an_audit_entry_edited_behind_the_services_back_is_reported_to_supervisors() {
    for mut h in Hall::on_every_engine().await {
        let item = h.item(catalog::ItemClass::Promised, false).await;
        let citizen = Hall::principal(Role::Applicant, None);
        let supervisor = Hall::principal(Role::Supervisor, None);
        let clerk = Hall::principal(Role::Clerk, Some(&item.department_id));
        let case = h
            .cases
            .submit_case(h.req(
                &citizen,
                pb::SubmitCaseRequest {
                    request_id: "audit-1".into(),
                    item_id: item.id.clone(),
                    applicant: Some(applicant(7)),
                    materials: uploads(&item),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        let ask = || common::VerifyAuditTrailRequest {
            object_type: "case".into(),
            object_id: case.id.clone(),
        };
        let sound = h
            .cases
            .verify_audit_trail(h.req(&supervisor, ask()))
            .await
            .unwrap()
            .into_inner();
        assert!(
            sound.verified && sound.entries >= 1,
            "{}: {sound:?}",
            h.label
        );
        assert!(sound.broken.is_none());

        for (who, code) in [
            (&clerk, Code::PermissionDenied),
            (&citizen, Code::PermissionDenied),
        ] {
            let denied = h
                .cases
                .verify_audit_trail(h.req(who, ask()))
                .await
                .unwrap_err();
            assert_eq!(denied.code(), code, "{}", h.label);
            let denied = h
                .cases
                .verify_audit(h.req(who, common::VerifyAuditRequest::default()))
                .await
                .unwrap_err();
            assert_eq!(denied.code(), code, "{}", h.label);
        }
        let anonymous = h
            .cases
            .verify_audit_trail(Request::new(ask()))
            .await
            .unwrap_err();
        assert_eq!(anonymous.code(), Code::Unauthenticated);
        let unknown = h
            .cases
            .verify_audit_trail(h.req(
                &supervisor,
                common::VerifyAuditTrailRequest {
                    object_type: "case".into(),
                    object_id: "no-such-case".into(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(unknown.code(), Code::NotFound);

        edit_first_entry(h.service.db(), "case", &case.id).await;
        let found = h
            .cases
            .verify_audit_trail(h.req(&supervisor, ask()))
            .await
            .unwrap()
            .into_inner();
        assert!(!found.verified, "{}", h.label);
        let broken = found.broken.unwrap();
        assert_eq!(broken.position, 1, "{}", h.label);
        assert_eq!(broken.kind, common::AuditBreakKind::Altered as i32);
        assert_ne!(broken.stored, broken.expected);
        assert!(broken.problem.contains("altered"), "{}", broken.problem);

        let sweep = h
            .cases
            .verify_audit(h.req(
                &supervisor,
                common::VerifyAuditRequest {
                    page_size: 500,
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(sweep.broken_count, 1, "{}", h.label);
        let broken: Vec<_> = sweep.objects.iter().filter(|o| !o.verified).collect();
        assert_eq!(broken.len(), 1);
        assert_eq!(broken[0].object_id, case.id);
    }
}
