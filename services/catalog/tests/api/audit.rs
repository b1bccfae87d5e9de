//! Supervisors verify the catalog's hash-chained audit trails: one item's, and a sweep of
//! every trail; an entry edited behind the service's back is found.

use onewindow_kit::auth::Role;
use onewindow_proto::catalog::v1 as pb;
use onewindow_proto::common::v1 as common;
use tonic::{Code, Request};

use crate::TestCatalog;

#[tokio::test]
async fn an_audit_entry_edited_behind_the_catalogs_back_is_reported_to_supervisors() {
    for mut t in TestCatalog::on_every_engine().await {
        let item = t
            .client
            .list_items(pb::ListItemsRequest {
                page_size: 1,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .items
            .remove(0);
        t.client
            .cancel_item(t.admin(pb::CancelItemRequest {
                request_id: "audit-cancel".into(),
                item_id: item.id.clone(),
                effective_date: "2026-12-31".into(),
                reason: "职能调整".into(),
            }))
            .await
            .unwrap();
        let (object_type, object_id) = ("item".to_string(), item.id.clone());
        let ask = || common::VerifyAuditTrailRequest {
            object_type: object_type.clone(),
            object_id: object_id.clone(),
        };
        let sound = t
            .client
            .verify_audit_trail(t.as_role(Role::Supervisor, ask()))
            .await
            .unwrap()
            .into_inner();
        assert!(sound.verified && sound.entries >= 1, "{sound:?}");

        for role in [Role::CatalogAdmin, Role::Clerk, Role::Service] {
            let denied = t
                .client
                .verify_audit_trail(t.as_role(role, ask()))
                .await
                .unwrap_err();
            assert_eq!(denied.code(), Code::PermissionDenied, "{role}");
            let denied = t
                .client
                .verify_audit(t.as_role(role, common::VerifyAuditRequest::default()))
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
            "UPDATE kit_audit SET actor = 'mallory' WHERE seq = \
             (SELECT MIN(seq) FROM kit_audit WHERE object_type = $1 AND object_id = $2)",
        )
        .bind(&object_type)
        .bind(&object_id)
        .execute(t.catalog.db().writer())
        .await
        .unwrap();
        let found = t
            .client
            .verify_audit_trail(t.as_role(Role::Supervisor, ask()))
            .await
            .unwrap()
            .into_inner();
        let broken = found.broken.expect("the edit is found");
        assert!(!found.verified);
        assert_eq!(broken.position, 1);
        assert_eq!(broken.kind, common::AuditBreakKind::Altered as i32);

        // The demo import's trail and the item's: one object a page, two pages.
        let mut token = String::new();
        let (mut checked, mut broken_ids) = (0, Vec::new());
        loop {
            let page = t
                .client
                .verify_audit(t.as_role(
                    Role::Supervisor,
                    common::VerifyAuditRequest {
                        page_size: 1,
                        page_token: token.clone(),
                        object_type: String::new(),
                    },
                ))
                .await
                .unwrap()
                .into_inner();
            assert!(page.objects.len() <= 1);
            checked += page.objects.len();
            broken_ids.extend(
                page.objects
                    .iter()
                    .filter(|o| !o.verified)
                    .map(|o| o.object_id.clone()),
            );
            if page.next_page_token.is_empty() {
                break;
            }
            token = page.next_page_token;
        }
        assert_eq!(checked, 2);
        assert_eq!(broken_ids, [object_id]);
    }
}
