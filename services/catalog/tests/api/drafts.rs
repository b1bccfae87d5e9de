//! Drafts are the catalog's work in progress: to the public and to applicants a draft item
//! version or a draft bundle does not exist (NOT_FOUND, never listed, never exported, never
//! announced); the catalog's admins and the services read them.

use onewindow_kit::auth::Role;
use onewindow_proto::catalog::v1 as pb;
use tonic::{Code, Request};

use crate::items::{new_item, some_item};
use crate::TestCatalog;

/// Who reads: `None` is the anonymous public.
type Reader = Option<Role>;

const PUBLIC_READERS: [Reader; 3] = [None, Some(Role::Applicant), Some(Role::Clerk)];
const DRAFT_READERS: [Reader; 2] = [Some(Role::CatalogAdmin), Some(Role::Service)];

fn as_reader<T>(t: &TestCatalog, reader: Reader, body: T) -> Request<T> {
    match reader {
        None => Request::new(body),
        Some(role) => t.as_role(role, body),
    }
}

async fn create_draft(t: &mut TestCatalog, item: pb::Item, request_id: &str) -> pb::Item {
    t.client
        .create_item_draft(t.admin(pb::CreateItemDraftRequest {
            request_id: request_id.into(),
            item: Some(item),
        }))
        .await
        .unwrap()
        .into_inner()
}

async fn get_version(
    t: &mut TestCatalog,
    reader: Reader,
    item_id: &str,
    version: i32,
) -> Result<pb::Item, tonic::Status> {
    let req = as_reader(
        t,
        reader,
        pb::GetItemRequest {
            item_id: item_id.into(),
            version,
            on_date: String::new(),
        },
    );
    t.client.get_item(req).await.map(|r| r.into_inner())
}

async fn versions_of(
    t: &mut TestCatalog,
    reader: Reader,
    item_id: &str,
) -> Result<Vec<(i32, i32)>, tonic::Status> {
    let req = as_reader(
        t,
        reader,
        pb::ListItemVersionsRequest {
            item_id: item_id.into(),
        },
    );
    t.client.list_item_versions(req).await.map(|r| {
        r.into_inner()
            .versions
            .iter()
            .map(|v| (v.version, v.status))
            .collect()
    })
}

/// The (id, version) of every item a search with `status` finds among the test's items.
async fn listed(t: &mut TestCatalog, reader: Reader, status: &str) -> Vec<(String, i32)> {
    let req = as_reader(
        t,
        reader,
        pb::ListItemsRequest {
            query: "测试事项92".into(),
            status: status.into(),
            page_size: 100,
            ..Default::default()
        },
    );
    let page = t.client.list_items(req).await.unwrap().into_inner();
    assert_eq!(page.total_size, i32::try_from(page.items.len()).unwrap());
    page.items.into_iter().map(|i| (i.id, i.version)).collect()
}

#[tokio::test]
async fn a_draft_version_is_not_found_by_the_public_and_read_by_catalog_admins() {
    for mut t in TestCatalog::on_every_engine().await {
        let label = t.db.label;
        let template = some_item(&mut t).await;
        // B: version 1 published today, version 2 a draft of a revision.
        let b = create_draft(&mut t, new_item(&template, "9202"), "b-1").await;
        t.client
            .publish_item_version(t.admin(pb::PublishItemVersionRequest {
                request_id: "b-publish".into(),
                item_id: b.id.clone(),
                version: 1,
                valid_from: "2026-11-30".into(),
                valid_until: String::new(),
            }))
            .await
            .unwrap();
        let head = onewindow_kit::outbox::head(t.catalog.db()).await.unwrap();
        let revision = pb::Item {
            name: "测试事项9202（修订）".into(),
            ..new_item(&template, "9202")
        };
        let b2 = create_draft(&mut t, revision, "b-2").await;
        assert_eq!(b2.version, 2);
        // A: a new item that so far is only a draft.
        let a = create_draft(&mut t, new_item(&template, "9201"), "a-1").await;
        assert_eq!(
            onewindow_kit::outbox::head(t.catalog.db()).await.unwrap(),
            head,
            "a draft is never announced on the event stream ({label})"
        );

        let published = pb::VersionStatus::Published as i32;
        let draft = pb::VersionStatus::Draft as i32;
        for reader in PUBLIC_READERS {
            let here = format!("{reader:?} on {label}");
            for (id, version) in [(&a.id, 1), (&a.id, 0), (&b.id, 2)] {
                let err = get_version(&mut t, reader, id, version).await.unwrap_err();
                assert_eq!(err.code(), Code::NotFound, "{id} v{version}, {here}");
            }
            let one = get_version(&mut t, reader, &b.id, 1).await.unwrap();
            assert_eq!(one.status, published, "{here}");
            let in_force = get_version(&mut t, reader, &b.id, 0).await.unwrap();
            assert_eq!(in_force.version, 1, "{here}");

            let err = versions_of(&mut t, reader, &a.id).await.unwrap_err();
            assert_eq!(err.code(), Code::NotFound, "{here}");
            assert_eq!(
                versions_of(&mut t, reader, &b.id).await.unwrap(),
                [(1, published)],
                "{here}"
            );

            assert!(listed(&mut t, reader, "draft").await.is_empty(), "{here}");
            assert_eq!(
                listed(&mut t, reader, "all").await,
                [(b.id.clone(), 1)],
                "{here}"
            );
        }

        for reader in DRAFT_READERS {
            let here = format!("{reader:?} on {label}");
            let got = get_version(&mut t, reader, &a.id, 1).await.unwrap();
            assert_eq!((got.status, got.name.as_str()), (draft, "测试事项9201"));
            let got = get_version(&mut t, reader, &b.id, 2).await.unwrap();
            assert_eq!(got.status, draft, "{here}");
            assert_eq!(got.name, "测试事项9202（修订）", "{here}");
            assert_eq!(
                versions_of(&mut t, reader, &b.id).await.unwrap(),
                [(1, published), (2, draft)],
                "{here}"
            );
            assert_eq!(
                versions_of(&mut t, reader, &a.id).await.unwrap(),
                [(1, draft)],
                "{here}"
            );
            let mut drafts = listed(&mut t, reader, "draft").await;
            drafts.sort();
            let mut expected = vec![(a.id.clone(), 1), (b.id.clone(), 2)];
            expected.sort();
            assert_eq!(drafts, expected, "{here}");
        }
    }
}

#[tokio::test]
async fn a_draft_bundle_is_not_found_listed_or_exported_for_the_public() {
    let mut t = TestCatalog::on_sqlite().await;
    let demo = t
        .client
        .get_bundle(pb::GetBundleRequest {
            bundle_id: "enterprise-registration".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let body = pb::Bundle {
        id: "draft-bundle".into(),
        name: "测试一条龙".into(),
        status: pb::BundleStatus::Unspecified as i32,
        published_at: None,
        department_ids: Vec::new(),
        ..demo
    };
    t.client
        .create_bundle(t.admin(pb::CreateBundleRequest {
            request_id: "bundle-1".into(),
            bundle: Some(body),
        }))
        .await
        .unwrap();

    for reader in PUBLIC_READERS {
        let req = as_reader(
            &t,
            reader,
            pb::GetBundleRequest {
                bundle_id: "draft-bundle".into(),
            },
        );
        let err = t.client.get_bundle(req).await.unwrap_err();
        assert_eq!(err.code(), Code::NotFound, "{reader:?}");
        let req = as_reader(&t, reader, pb::ListBundlesRequest {});
        let bundles = t.client.list_bundles(req).await.unwrap().into_inner();
        assert!(
            !bundles.bundles.iter().any(|b| b.id == "draft-bundle"),
            "{reader:?}"
        );
        assert_eq!(bundles.bundles.len(), 4, "the demo's published bundles");
        let req = as_reader(
            &t,
            reader,
            pb::ExportCatalogRequest {
                format: pb::ExportFormat::Json as i32,
            },
        );
        let json = String::from_utf8(
            t.client
                .export_catalog(req)
                .await
                .unwrap()
                .into_inner()
                .data,
        )
        .unwrap();
        assert!(!json.contains("draft-bundle"), "{reader:?}");
    }
    for reader in DRAFT_READERS {
        let req = as_reader(
            &t,
            reader,
            pb::GetBundleRequest {
                bundle_id: "draft-bundle".into(),
            },
        );
        let got = t.client.get_bundle(req).await.unwrap().into_inner();
        assert_eq!(got.status, pb::BundleStatus::Draft as i32, "{reader:?}");
        let req = as_reader(&t, reader, pb::ListBundlesRequest {});
        let bundles = t.client.list_bundles(req).await.unwrap().into_inner();
        assert!(bundles.bundles.iter().any(|b| b.id == "draft-bundle"));
    }

    // Once published, it is public information like any other bundle.
    t.client
        .publish_bundle(t.admin(pb::PublishBundleRequest {
            request_id: "bundle-2".into(),
            bundle_id: "draft-bundle".into(),
        }))
        .await
        .unwrap();
    let got = t
        .client
        .get_bundle(pb::GetBundleRequest {
            bundle_id: "draft-bundle".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.status, pb::BundleStatus::Published as i32);
}
