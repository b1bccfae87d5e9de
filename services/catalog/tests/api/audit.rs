//! Supervisors verify the catalog's hash-chained audit trails: one item's, and a sweep of
//! every trail; an entry edited behind the service's back is found. Adjustment batches and
//! imports record every object they change on that object's own trail.

use onewindow_kit::auth::Role;
use onewindow_proto::catalog::v1 as pb;
use onewindow_proto::common::v1 as common;
use tonic::{Code, Request};

use crate::items::{new_item, some_item};
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

        // Every trail, the import's and each imported object's: a page at a time.
        let trails: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT DISTINCT object_type, object_id FROM kit_audit) t",
        )
        .fetch_one(t.catalog.db().reader())
        .await
        .unwrap();
        assert!(
            trails > 170,
            "the demo items have trails of their own: {trails}"
        );
        let mut token = String::new();
        let (mut checked, mut broken_ids) = (0, Vec::new());
        loop {
            let page = t
                .client
                .verify_audit(t.as_role(
                    Role::Supervisor,
                    common::VerifyAuditRequest {
                        page_size: 50,
                        page_token: token.clone(),
                        object_type: String::new(),
                    },
                ))
                .await
                .unwrap()
                .into_inner();
            assert!(page.objects.len() <= 50);
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
        assert_eq!(checked as i64, trails);
        assert_eq!(broken_ids, [object_id]);
    }
}

/// An object's trail as a supervisor reads it, every change parsed.
async fn trail_of(
    t: &mut TestCatalog,
    object_type: &str,
    object_id: &str,
) -> (common::AuditTrail, Vec<serde_json::Value>) {
    let trail = t
        .client
        .get_audit_trail(t.as_role(
            Role::Supervisor,
            common::GetAuditTrailRequest {
                object_type: object_type.into(),
                object_id: object_id.into(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let changes = trail
        .entries
        .iter()
        .map(|e| serde_json::from_str(&e.change_json).unwrap())
        .collect();
    (trail, changes)
}

fn actions(trail: &common::AuditTrail) -> Vec<&str> {
    trail.entries.iter().map(|e| e.action.as_str()).collect()
}

#[tokio::test]
async fn an_applied_batch_records_each_changed_version_on_its_items_trail_with_the_policy() {
    const POLICY: &str = "同政发〔2026〕88号";
    for mut t in TestCatalog::on_every_engine().await {
        let mut demo = t
            .client
            .list_items(pb::ListItemsRequest {
                page_size: 3,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .items;
        let (cancelled, delegated, modified) = (demo.remove(0), demo.remove(0), demo.remove(0));
        let template = crate::items::some_item(&mut t).await;
        let added = crate::items::new_item(&template, "9107");
        let renamed = pb::Item {
            name: format!("{}（调整）", modified.name),
            ..modified.clone()
        };
        use pb::AdjustmentAction as A;
        let entry = |action: A, item_id: &str| pb::AdjustmentEntry {
            action: action as i32,
            item_id: item_id.into(),
            ..Default::default()
        };
        let batch = t
            .client
            .create_adjustment_batch(t.admin(pb::CreateAdjustmentBatchRequest {
                request_id: "batch-create".into(),
                batch: Some(pb::AdjustmentBatch {
                    policy_reference: POLICY.into(),
                    title: "关于调整市级行政审批事项的决定".into(),
                    effective_date: "2027-01-01".into(),
                    entries: vec![
                        pb::AdjustmentEntry {
                            item: Some(added.clone()),
                            ..entry(A::Add, "")
                        },
                        pb::AdjustmentEntry {
                            note: "法律依据废止".into(),
                            ..entry(A::Cancel, &cancelled.id)
                        },
                        pb::AdjustmentEntry {
                            to_level: pb::ItemLevel::County as i32,
                            to_region_code: "140221".into(),
                            ..entry(A::Delegate, &delegated.id)
                        },
                        pb::AdjustmentEntry {
                            item: Some(renamed.clone()),
                            ..entry(A::Modify, &modified.id)
                        },
                    ],
                    ..Default::default()
                }),
            }))
            .await
            .unwrap()
            .into_inner();
        t.client
            .apply_adjustment_batch(t.admin(pb::ApplyAdjustmentBatchRequest {
                request_id: "batch-apply".into(),
                batch_id: batch.id.clone(),
            }))
            .await
            .unwrap();

        // Each item's trail: what the batch did to which version, under the policy.
        for (item, adjustment, expected) in [
            (&added.id, "add", vec![("publish", 1)]),
            (&cancelled.id, "cancel", vec![("import", 1), ("cancel", 1)]),
            (
                &delegated.id,
                "delegate",
                vec![("import", 1), ("end", 1), ("publish", 2)],
            ),
            (
                &modified.id,
                "modify",
                vec![("import", 1), ("end", 1), ("publish", 2)],
            ),
        ] {
            let (trail, changes) = trail_of(&mut t, "item", item).await;
            let label = format!("{} {adjustment}", t.db.label);
            assert!(trail.verified, "{label}: {}", trail.problem);
            let got: Vec<(&str, i64)> = actions(&trail)
                .into_iter()
                .zip(&changes)
                .map(|(a, c)| (a, c["version"].as_i64().unwrap()))
                .collect();
            assert_eq!(got, expected, "{label}");
            for (entry, change) in trail.entries.iter().zip(&changes) {
                assert_eq!(change["id"], item.as_str(), "{label}");
                if entry.action == "import" {
                    continue;
                }
                assert_eq!(entry.actor, "test-catalog_admin", "{label}");
                let source = &change["adjustment_batch"];
                assert_eq!(source["id"], batch.id.as_str(), "{label}");
                assert_eq!(source["policy_reference"], POLICY, "{label}");
                assert_eq!(source["adjustment"], adjustment, "{label}");
                assert_eq!(source["effective_date"], "2027-01-01", "{label}");
            }
            let last = changes.last().unwrap();
            match adjustment {
                "cancel" => {
                    assert_eq!(last["cancelled"], true);
                    assert_eq!(last["valid_until"], "2027-01-01");
                    assert_eq!(last["cancel_reason"], "法律依据废止");
                    assert_eq!(last["adjustment_batch"]["note"], "法律依据废止");
                }
                "delegate" => {
                    assert_eq!(last["content"]["level"], "county");
                    assert_eq!(last["content"]["region_code"], "140221");
                    assert_eq!(changes[1]["valid_until"], "2027-01-01");
                }
                "modify" => {
                    assert_eq!(last["content"]["name"], renamed.name.as_str());
                    assert_eq!(last["valid_from"], "2027-01-01");
                }
                _ => assert_eq!(last["status"], "published"),
            }
            let verified = t
                .client
                .verify_audit_trail(t.as_role(
                    Role::Supervisor,
                    common::VerifyAuditTrailRequest {
                        object_type: "item".into(),
                        object_id: item.clone(),
                    },
                ))
                .await
                .unwrap()
                .into_inner();
            assert!(verified.verified, "{label}");
            assert_eq!(verified.entries, trail.entries.len() as i64, "{label}");
        }

        // The batch's own trail: what each entry did, and the counts.
        let (trail, changes) = trail_of(&mut t, "adjustment_batch", &batch.id).await;
        assert!(trail.verified, "{}", t.db.label);
        assert_eq!(actions(&trail), ["create", "apply"]);
        let applied = &changes[1];
        assert_eq!(applied["policy_reference"], POLICY);
        let counts = applied["counts"].as_array().unwrap();
        assert_eq!(counts.len(), 4, "{counts:?}");
        assert!(counts.contains(&serde_json::json!({
            "adjustment": "delegate", "to_level": "county", "count": 1
        })));
        assert!(counts.contains(&serde_json::json!({ "adjustment": "add", "count": 1 })));
        let entries = applied["entries"].as_array().unwrap();
        let summary: Vec<(&str, &str, usize)> = entries
            .iter()
            .map(|e| {
                (
                    e["adjustment"].as_str().unwrap(),
                    e["item_id"].as_str().unwrap(),
                    e["versions"].as_array().unwrap().len(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("add", added.id.as_str(), 1),
                ("cancel", cancelled.id.as_str(), 1),
                ("delegate", delegated.id.as_str(), 2),
                ("modify", modified.id.as_str(), 2),
            ]
        );
        assert_eq!(entries[2]["to_region_code"], "140221");
        assert_eq!(
            entries[3]["versions"],
            serde_json::json!([
                { "version": 1, "action": "end" },
                { "version": 2, "action": "publish" },
            ])
        );
    }
}

#[tokio::test]
async fn imported_objects_start_their_own_trails_and_an_identical_reimport_adds_nothing() {
    for mut t in TestCatalog::on_every_engine().await {
        let item = crate::items::some_item(&mut t).await;
        let bundle = t
            .client
            .list_bundles(pb::ListBundlesRequest {})
            .await
            .unwrap()
            .into_inner()
            .bundles
            .remove(0);
        let batch = t
            .client
            .list_adjustment_batches(pb::ListAdjustmentBatchesRequest {})
            .await
            .unwrap()
            .into_inner()
            .batches
            .remove(0);
        for (object_type, object_id, id_field) in [
            ("item", item.id.as_str(), "id"),
            ("bundle", bundle.id.as_str(), "id"),
            ("adjustment_batch", batch.id.as_str(), "id"),
            ("department", item.department_id.as_str(), "id"),
        ] {
            let label = format!("{} {object_type}", t.db.label);
            let (trail, changes) = trail_of(&mut t, object_type, object_id).await;
            assert!(trail.verified, "{label}: {}", trail.problem);
            assert_eq!(actions(&trail), ["import"], "{label}");
            assert_eq!(trail.entries[0].actor, "system:demo-loader", "{label}");
            assert_eq!(changes[0][id_field], object_id, "{label}");
            assert_eq!(
                changes[0]["import"]["request_id"], "demo-catalog",
                "{label}"
            );
        }
        let (_, changes) = trail_of(&mut t, "item", &item.id).await;
        assert_eq!(changes[0]["content"]["name"], item.name.as_str());
        assert_eq!(changes[0]["status"], "published");

        // The catalog exported and loaded again: nothing changes, so only the import's own
        // trail grows.
        let exported = t
            .client
            .export_catalog(pb::ExportCatalogRequest {
                format: pb::ExportFormat::Json as i32,
            })
            .await
            .unwrap()
            .into_inner();
        let snapshot =
            onewindow_catalog::rpc::snapshot::from_json(&String::from_utf8(exported.data).unwrap())
                .unwrap();
        t.client
            .import_catalog(t.admin(pb::ImportCatalogRequest {
                request_id: "reimport".into(),
                snapshot: Some(snapshot),
            }))
            .await
            .unwrap();
        let (trail, _) = trail_of(&mut t, "item", &item.id).await;
        assert_eq!(actions(&trail), ["import"], "{}", t.db.label);
        let (trail, _) = trail_of(&mut t, "bundle", &bundle.id).await;
        assert_eq!(actions(&trail), ["import"], "{}", t.db.label);
        let (trail, changes) = trail_of(&mut t, "catalog", "import").await;
        assert!(trail.verified);
        assert_eq!(actions(&trail), ["import", "import"], "{}", t.db.label);
        assert_eq!(changes[1]["request_id"], "reimport");
        assert_eq!(changes[1]["items"], 170);
    }
}

#[tokio::test]
async fn publishing_a_revision_records_the_end_of_the_version_it_replaces() {
    for mut t in TestCatalog::on_every_engine().await {
        let label = t.db.label;
        let template = some_item(&mut t).await;
        let mut ids = Vec::new();
        for (version, request_id, valid_from) in
            [(1, "end-1", "2026-11-30"), (2, "end-2", "2026-12-15")]
        {
            let item = pb::Item {
                name: format!("测试事项9301（第{version}版）"),
                ..new_item(&template, "9301")
            };
            let draft = t
                .client
                .create_item_draft(t.admin(pb::CreateItemDraftRequest {
                    request_id: format!("{request_id}-draft"),
                    item: Some(item),
                }))
                .await
                .unwrap()
                .into_inner();
            assert_eq!(draft.version, version, "{label}");
            t.client
                .publish_item_version(t.admin(pb::PublishItemVersionRequest {
                    request_id: request_id.into(),
                    item_id: draft.id.clone(),
                    version,
                    valid_from: valid_from.into(),
                    valid_until: String::new(),
                }))
                .await
                .unwrap();
            ids.push(draft.id);
        }
        assert_eq!(ids[0], ids[1], "{label}");
        let (trail, changes) = trail_of(&mut t, "item", &ids[0]).await;
        assert_eq!(
            actions(&trail),
            ["create_draft", "publish", "create_draft", "publish", "end"],
            "{label}"
        );
        let ended = &changes[4];
        assert_eq!(ended["version"], 1, "{label}: {ended}");
        assert_eq!(ended["valid_until"], "2026-12-15", "{label}: {ended}");
        // The trail with its new kind of entry still verifies.
        let sound = t
            .client
            .verify_audit_trail(t.as_role(
                Role::Supervisor,
                common::VerifyAuditTrailRequest {
                    object_type: "item".into(),
                    object_id: ids[0].clone(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert!(sound.verified, "{label}: {sound:?}");
    }
}
