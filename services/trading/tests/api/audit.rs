//! Supervisors verify trading's hash-chained audit trails: one object's, and a sweep of
//! every trail; an entry edited behind the service's back is found, and a sealed bid's
//! trail stays out of sight, even of the verification, until the opening.

use onewindow_kit::auth::Role;
use onewindow_proto::common::v1 as common;
use onewindow_proto::trading::v1 as pb;
use tonic::{Code, Request};

use crate::*;

async fn sweep(t: &mut TestTrading) -> common::VerifyAuditResponse {
    t.client
        .verify_audit(t.supervisor(common::VerifyAuditRequest {
            page_size: 500,
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn an_audit_entry_edited_behind_the_services_back_is_reported_to_supervisors() {
    for mut t in TestTrading::on_every_engine().await {
        let label = t.db.label;
        let p = t
            .announced(tender("大同市第二人民医院超声设备采购"), "audit")
            .await;
        let receipt = t.bid(&p.id, 1, 1_234_567_00, b"audit bid 1").await.unwrap();
        for n in 2..=3 {
            t.bid(
                &p.id,
                n,
                1_234_000_00 + i64::from(n),
                format!("audit bid {n}").as_bytes(),
            )
            .await
            .unwrap();
        }
        let project = || common::VerifyAuditTrailRequest {
            object_type: "project".into(),
            object_id: p.id.clone(),
        };
        let bid = || common::VerifyAuditTrailRequest {
            object_type: "bid".into(),
            object_id: receipt.bid_id.clone(),
        };
        let sound = t
            .client
            .verify_audit_trail(t.supervisor(project()))
            .await
            .unwrap()
            .into_inner();
        assert!(sound.verified && sound.entries >= 2, "{label}: {sound:?}");

        // Before the opening not even a supervisor learns that the bid exists.
        let sealed = t
            .client
            .verify_audit_trail(t.supervisor(bid()))
            .await
            .unwrap_err();
        assert_eq!(sealed.code(), Code::NotFound, "{label}");
        assert!(sweep(&mut t)
            .await
            .objects
            .iter()
            .all(|o| o.object_type != "bid"));

        for role in [Role::TradingAgent, Role::Applicant, Role::Service] {
            let denied = t
                .client
                .verify_audit_trail(t.as_user("someone", role, project()))
                .await
                .unwrap_err();
            assert_eq!(denied.code(), Code::PermissionDenied, "{role}");
            let denied = t
                .client
                .verify_audit(t.as_user("someone", role, common::VerifyAuditRequest::default()))
                .await
                .unwrap_err();
            assert_eq!(denied.code(), Code::PermissionDenied, "{role}");
        }
        let anonymous = t
            .client
            .verify_audit_trail(Request::new(project()))
            .await
            .unwrap_err();
        assert_eq!(anonymous.code(), Code::Unauthenticated);

        // Opened, the bid's trail is verified like any other.
        t.set(opening_time());
        t.client
            .open_bids(t.agent(pb::OpenBidsRequest {
                request_id: "open-audit".into(),
                project_id: p.id.clone(),
            }))
            .await
            .unwrap();
        let opened = t
            .client
            .verify_audit_trail(t.supervisor(bid()))
            .await
            .unwrap()
            .into_inner();
        assert!(opened.verified, "{label}");
        assert!(sweep(&mut t)
            .await
            .objects
            .iter()
            .any(|o| o.object_id == receipt.bid_id));
        // The second entry's link is rewritten: the chain breaks there.
        sqlx::query(
            "UPDATE kit_audit SET prev_hash = 'ffff' || substr(prev_hash, 5) WHERE seq = (SELECT MIN(seq) FROM kit_audit \
             WHERE object_type = 'project' AND object_id = $1 AND prev_hash <> $2)",
        )
        .bind(&p.id)
        .bind("0".repeat(64))
        .execute(t.trading.db().writer())
        .await
        .unwrap();
        let found = t
            .client
            .verify_audit_trail(t.supervisor(project()))
            .await
            .unwrap()
            .into_inner();
        let broken = found.broken.expect("the edit is found");
        assert!(!found.verified, "{label}");
        assert_eq!(broken.position, 2, "{label}");
        assert_eq!(broken.kind, common::AuditBreakKind::Unlinked as i32);
        assert_ne!(broken.stored, broken.expected);

        let page = sweep(&mut t).await;
        assert_eq!(page.broken_count, 1, "{label}");
        let broken: Vec<_> = page.objects.iter().filter(|o| !o.verified).collect();
        assert_eq!(broken[0].object_id, p.id);
    }
}
