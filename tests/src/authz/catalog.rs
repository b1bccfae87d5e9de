//! The catalog's fixtures for the matrix: new items, drafts, batches, bundles and import
//! bodies, each made through the contracts by a catalog admin. Every new item has a basic
//! code no other fixture of the run uses, so that a fresh fixture per call never collides
//! with one made before.

use std::sync::atomic::{AtomicU32, Ordering};

use onewindow_proto::catalog::v1 as catalog;
use serde_json::Value as Json;

use super::call::typed_to_json;
use super::fixtures::{request_id, STAGED_ITEM};
use super::matrix::{principal, Vars};
use super::world::World;

fn set(vars: &mut Vars, name: &str, value: impl Into<Json>) {
    vars.insert(name.to_string(), value.into());
}

/// A number no other new item of this run has.
fn fresh_number() -> u32 {
    static N: AtomicU32 = AtomicU32::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// A new licence of fgw, as its author sends it: the content of `STAGED_ITEM` under a basic
/// code of its own (main items 8000 and up are not in the demo catalog).
async fn new_item(world: &World) -> catalog::Item {
    let template = world.item(STAGED_ITEM).await;
    let n = fresh_number();
    let basic = format!(
        "{}{:04}{:03}000",
        &template.basic_code[..2],
        8000 + n / 1000,
        n % 1000
    );
    catalog::Item {
        id: format!("{}{basic}", &template.id[..18]),
        version: 0,
        status: catalog::VersionStatus::Unspecified as i32,
        basic_code: basic,
        name: format!("授权矩阵测试事项{n}"),
        valid_from: String::new(),
        valid_until: String::new(),
        published_at: None,
        revision: 0,
        department_name: String::new(),
        cancelled: false,
        cancel_reason: String::new(),
        ..template
    }
}

/// A draft of a new item, made by a catalog admin.
async fn draft(world: &World, vars: &Vars) -> catalog::Item {
    let body = new_item(world).await;
    world
        .catalog()
        .create_item_draft(world.req(
            &principal("catalog_admin", vars),
            catalog::CreateItemDraftRequest {
                request_id: request_id(),
                item: Some(body),
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("create an item draft: {e:?}"))
        .into_inner()
}

/// A batch adding one new item from today, as its author sends it (the id is the service's).
async fn batch_body(world: &World) -> catalog::AdjustmentBatch {
    catalog::AdjustmentBatch {
        id: String::new(),
        policy_reference: "同政发〔2026〕99号".into(),
        title: "授权矩阵测试调整".into(),
        effective_date: crate::iso(world.clock.today()),
        entries: vec![catalog::AdjustmentEntry {
            action: catalog::AdjustmentAction::Add as i32,
            item: Some(new_item(world).await),
            note: "新增".into(),
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// A new bundle with the stages of the enterprise registration bundle, not yet created.
async fn bundle_body(world: &World) -> catalog::Bundle {
    let demo = world
        .catalog()
        .get_bundle(catalog::GetBundleRequest {
            bundle_id: crate::ENTERPRISE_REGISTRATION.into(),
        })
        .await
        .unwrap_or_else(|e| panic!("the enterprise registration bundle: {e:?}"))
        .into_inner();
    catalog::Bundle {
        id: format!("authz-bundle-{}", fresh_number()),
        name: "授权矩阵测试一条龙".into(),
        status: catalog::BundleStatus::Unspecified as i32,
        published_at: None,
        department_ids: Vec::new(),
        ..demo
    }
}

/// Makes the catalog fixture `name`; false when `name` is no catalog fixture.
pub async fn make(world: &World, name: &str, vars: &mut Vars) -> bool {
    let admin = principal("catalog_admin", vars);
    match name {
        "item_draft" => {
            let body = new_item(world).await;
            set(
                vars,
                "item_body",
                typed_to_json("onewindow.catalog.v1.Item", &body),
            );
        }
        "draft" => {
            let draft = draft(world, vars).await;
            set(vars, "item_id", draft.id.clone());
            set(vars, "version", draft.version);
            set(
                vars,
                "draft_body",
                typed_to_json("onewindow.catalog.v1.Item", &draft),
            );
        }
        "published_item" => {
            // An item of its own, in force from today: cancelling it disturbs no other row.
            let draft = draft(world, vars).await;
            let today = world.clock.today();
            world
                .catalog()
                .publish_item_version(world.req(
                    &admin,
                    catalog::PublishItemVersionRequest {
                        request_id: request_id(),
                        item_id: draft.id.clone(),
                        version: draft.version,
                        valid_from: crate::iso(today),
                        valid_until: String::new(),
                    },
                ))
                .await
                .unwrap_or_else(|e| panic!("publish {}: {e:?}", draft.id));
            set(vars, "item_id", draft.id);
            let tomorrow = today.succ_opt().expect("a next day");
            set(vars, "tomorrow", crate::iso(tomorrow));
        }
        "batch_body" => {
            let body = batch_body(world).await;
            set(
                vars,
                "batch_body",
                typed_to_json("onewindow.catalog.v1.AdjustmentBatch", &body),
            );
        }
        "batch" => {
            let body = batch_body(world).await;
            let batch = world
                .catalog()
                .create_adjustment_batch(world.req(
                    &admin,
                    catalog::CreateAdjustmentBatchRequest {
                        request_id: request_id(),
                        batch: Some(body),
                    },
                ))
                .await
                .unwrap_or_else(|e| panic!("create a batch: {e:?}"))
                .into_inner();
            set(vars, "batch_id", batch.id);
        }
        "bundle_body" => {
            let body = bundle_body(world).await;
            set(
                vars,
                "bundle_body",
                typed_to_json("onewindow.catalog.v1.Bundle", &body),
            );
        }
        "draft_bundle" => {
            let body = bundle_body(world).await;
            let bundle = world
                .catalog()
                .create_bundle(world.req(
                    &admin,
                    catalog::CreateBundleRequest {
                        request_id: request_id(),
                        bundle: Some(body),
                    },
                ))
                .await
                .unwrap_or_else(|e| panic!("create a bundle: {e:?}"))
                .into_inner();
            set(vars, "bundle_id", bundle.id);
        }
        "import_body" => {
            // A snapshot as the export writes it: one new item, published from today.
            let today = crate::iso(world.clock.today());
            let item = catalog::Item {
                version: 1,
                status: catalog::VersionStatus::Published as i32,
                valid_from: today,
                published_at: Some(onewindow_proto::prost_types::Timestamp {
                    seconds: world.clock.now().timestamp(),
                    nanos: 0,
                }),
                revision: 1,
                ..new_item(world).await
            };
            let body = catalog::ImportCatalogRequest {
                request_id: request_id(),
                snapshot: Some(catalog::CatalogSnapshot {
                    items: vec![item],
                    ..Default::default()
                }),
            };
            set(
                vars,
                "import_body",
                typed_to_json("onewindow.catalog.v1.ImportCatalogRequest", &body),
            );
        }
        _ => return false,
    }
    true
}
