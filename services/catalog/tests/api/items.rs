//! Items: search, versions, drafts, publication, cancellation, auth and bad input.

use onewindow_kit::auth::Role;
use onewindow_proto::catalog::v1 as pb;
use tonic::{Code, Request};

use crate::{bad_fields, TestCatalog};

/// A demo item to build new content from.
pub(crate) async fn some_item(t: &mut TestCatalog) -> pb::Item {
    let page = t
        .client
        .list_items(pb::ListItemsRequest {
            query: "设立登记".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    page.items.into_iter().next().expect("a registration item")
}

/// A new item id in the department of `template` (its credit code, another basic code).
pub(crate) fn new_item(template: &pb::Item, main: &str) -> pb::Item {
    let credit = &template.id[..18];
    let basic = format!("{}{main}001000", &template.basic_code[..2]);
    pb::Item {
        id: format!("{credit}{basic}"),
        version: 0,
        basic_code: basic,
        name: format!("测试事项{main}"),
        status: 0,
        valid_from: String::new(),
        valid_until: String::new(),
        published_at: None,
        revision: 0,
        cancelled: false,
        cancel_reason: String::new(),
        department_name: String::new(),
        ..template.clone()
    }
}

#[tokio::test]
async fn public_search_finds_items_by_chinese_substring_and_pages_through() {
    for mut t in TestCatalog::on_every_engine().await {
        let first = t
            .client
            .list_items(pb::ListItemsRequest {
                query: "许可".into(),
                page_size: 5,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(first.items.len(), 5);
        assert!(first.total_size > 5);
        assert!(first.items.iter().all(|i| !i.department_name.is_empty()));
        let second = t
            .client
            .list_items(pb::ListItemsRequest {
                query: "许可".into(),
                page_size: 5,
                page_token: first.next_page_token.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(second
            .items
            .iter()
            .all(|i| !first.items.iter().any(|f| f.id == i.id)));
        // The basic view: the same page, each item without its lists; GetItem has them.
        let basic = t
            .client
            .list_items(pb::ListItemsRequest {
                query: "许可".into(),
                page_size: 5,
                view: pb::ItemView::Basic.into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(basic.total_size, first.total_size);
        for (b, f) in basic.items.iter().zip(&first.items) {
            assert_eq!(
                (&b.id, &b.name, b.promised_limit_days),
                (&f.id, &f.name, f.promised_limit_days)
            );
            assert!(b.materials.is_empty() && b.steps.is_empty() && b.legal_basis.is_empty());
            assert!(!f.materials.is_empty(), "{}", f.id);
        }
        let bad = t
            .client
            .list_items(pb::ListItemsRequest {
                view: 9,
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(bad_fields(&bad), ["view"]);
        let bad = t
            .client
            .list_items(pb::ListItemsRequest {
                page_token: "garbage!".into(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(bad_fields(&bad), ["page_token"]);
    }
}

#[tokio::test]
async fn statistics_reproduce_the_reported_figures() {
    for mut t in TestCatalog::on_every_engine().await {
        let s = t
            .client
            .get_catalog_statistics(pb::GetCatalogStatisticsRequest::default())
            .await
            .unwrap()
            .into_inner();
        assert_eq!(s.items_in_force, 170, "{}", t.db.label);
        assert!((s.average_statutory_limit_days - 9.30).abs() < 0.005);
        assert!((s.average_promised_limit_days - 5.78).abs() < 0.005);
        assert!((s.reduction_percent - 37.8).abs() < 0.1);
        let modes: Vec<(String, i32)> = s
            .by_service_mode
            .iter()
            .map(|c| (c.key.clone(), c.count))
            .collect();
        assert!(
            modes.contains(&("SERVICE_MODE_HALL".into(), 140)),
            "{modes:?}"
        );
        assert!(modes.contains(&("SERVICE_MODE_SUB_CENTER".into(), 14)));
        assert!(modes.contains(&("SERVICE_MODE_REMOTE_MONITORED".into(), 16)));
        assert_eq!(s.bundles, 4);
        assert!(s.offices >= 40 && s.departments >= 20);
    }
}

#[tokio::test]
async fn writes_need_a_catalog_admin() {
    let mut t = TestCatalog::on_sqlite().await;
    let template = some_item(&mut t).await;
    let body = pb::CreateItemDraftRequest {
        request_id: "r-auth".into(),
        item: Some(new_item(&template, "9001")),
    };
    let anonymous = t
        .client
        .create_item_draft(Request::new(body.clone()))
        .await
        .unwrap_err();
    assert_eq!(anonymous.code(), Code::Unauthenticated);
    let clerk = t
        .client
        .create_item_draft(t.as_role(Role::Clerk, body.clone()))
        .await
        .unwrap_err();
    assert_eq!(clerk.code(), Code::PermissionDenied);
    let mut forged = Request::new(body.clone());
    forged
        .metadata_mut()
        .insert("authorization", "Bearer not.a.token".parse().unwrap());
    assert_eq!(
        t.client.create_item_draft(forged).await.unwrap_err().code(),
        Code::Unauthenticated
    );
    // Authorization comes first: a clerk learns nothing of how bad input would be judged.
    let empty = t
        .client
        .create_item_draft(t.as_role(
            Role::Clerk,
            pb::CreateItemDraftRequest {
                request_id: "r-empty".into(),
                item: Some(pb::Item::default()),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(empty.code(), Code::PermissionDenied);
    assert!(t.client.create_item_draft(t.admin(body)).await.is_ok());
}

#[tokio::test]
async fn bad_item_names_every_bad_field() {
    let mut t = TestCatalog::on_sqlite().await;
    let template = some_item(&mut t).await;
    let mut item = new_item(&template, "9002");
    item.promised_limit_days = item.statutory_limit_days + 1;
    item.department_id = "no-such-dept".into();
    item.name = String::new();
    let err = t
        .client
        .create_item_draft(t.admin(pb::CreateItemDraftRequest {
            request_id: "r-bad".into(),
            item: Some(item),
        }))
        .await
        .unwrap_err();
    let fields = bad_fields(&err);
    for f in [
        "item.promised_limit_days",
        "item.department_id",
        "item.name",
    ] {
        assert!(fields.iter().any(|x| x == f), "{f} missing from {fields:?}");
    }
}

#[tokio::test]
async fn draft_publish_and_cancel_move_the_version_in_force() {
    for mut t in TestCatalog::on_every_engine().await {
        let template = some_item(&mut t).await;
        let draft = t
            .client
            .create_item_draft(t.admin(pb::CreateItemDraftRequest {
                request_id: "r1".into(),
                item: Some(new_item(&template, "9003")),
            }))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(draft.version, 1);
        assert_eq!(draft.status, pb::VersionStatus::Draft as i32);

        // A stale revision is refused with ABORTED.
        let mut stale = draft.clone();
        stale.revision = draft.revision + 7;
        stale.name = "改名".into();
        let err = t
            .client
            .update_item_draft(t.admin(pb::UpdateItemDraftRequest {
                request_id: "r2".into(),
                item: Some(stale),
            }))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::Aborted, "{}", t.db.label);

        let published = t
            .client
            .publish_item_version(t.admin(pb::PublishItemVersionRequest {
                request_id: "r3".into(),
                item_id: draft.id.clone(),
                version: 1,
                valid_from: "2026-11-30".into(),
                valid_until: String::new(),
            }))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(published.status, pb::VersionStatus::Published as i32);
        let got = t
            .client
            .get_item(pb::GetItemRequest {
                item_id: draft.id.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(got.version, 1);

        // A published version cannot be published again: a precondition failure.
        let again = t
            .client
            .publish_item_version(t.admin(pb::PublishItemVersionRequest {
                request_id: "r4".into(),
                item_id: draft.id.clone(),
                version: 1,
                valid_from: "2026-12-01".into(),
                valid_until: String::new(),
            }))
            .await
            .unwrap_err();
        assert_eq!(again.code(), Code::FailedPrecondition);

        t.client
            .cancel_item(t.admin(pb::CancelItemRequest {
                request_id: "r5".into(),
                item_id: draft.id.clone(),
                effective_date: "2026-12-15".into(),
                reason: "法律依据废止".into(),
            }))
            .await
            .unwrap();
        let after = t
            .client
            .get_item(pb::GetItemRequest {
                item_id: draft.id.clone(),
                on_date: "2026-12-20".into(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(after.code(), Code::NotFound);
        let before = t
            .client
            .get_item(pb::GetItemRequest {
                item_id: draft.id.clone(),
                on_date: "2026-12-14".into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(before.cancelled);
    }
}

#[tokio::test]
async fn a_retried_request_returns_the_first_result_and_changes_nothing() {
    for mut t in TestCatalog::on_every_engine().await {
        let template = some_item(&mut t).await;
        let body = pb::CreateItemDraftRequest {
            request_id: "same-id".into(),
            item: Some(new_item(&template, "9004")),
        };
        let mut handles = Vec::new();
        for _ in 0..10 {
            let mut c = t.client.clone();
            let req = t.admin(body.clone());
            handles.push(tokio::spawn(async move { c.create_item_draft(req).await }));
        }
        let mut versions = Vec::new();
        for h in handles {
            match h.await.unwrap() {
                Ok(r) => versions.push(r.into_inner().version),
                Err(s) => assert_eq!(s.code(), Code::Unavailable, "{s:?}"),
            }
        }
        assert!(!versions.is_empty());
        assert!(versions.iter().all(|v| *v == 1), "{versions:?}");
        // The item is only a draft so far: only its admins see it.
        let listed = t
            .client
            .list_item_versions(t.admin(pb::ListItemVersionsRequest {
                item_id: body.item.as_ref().unwrap().id.clone(),
            }))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(listed.versions.len(), 1, "{}", t.db.label);
    }
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_told_apart() {
    let mut t = TestCatalog::on_sqlite().await;
    let template = some_item(&mut t).await;
    let unknown = new_item(&template, "9999").id;
    let err = t
        .client
        .get_item(pb::GetItemRequest {
            item_id: unknown,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let err = t
        .client
        .get_item(pb::GetItemRequest {
            item_id: "abc".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&err), ["item_id"]);
}
