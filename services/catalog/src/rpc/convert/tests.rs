use super::*;
use crate::domain::batch::{Adjustment, AdjustmentBatch, AdjustmentEntry};
use crate::domain::bundle::{Bundle, BundleStage, BundleStatus, SharedMaterial};
use crate::domain::fixtures::{
    date as day, datong, dept, directory, housing_registry, instant, licence_content, licence_id,
    market_department, published, region, sample_view,
};
use crate::domain::item::ItemLevel;
use crate::domain::snapshot::{ListQuery, StatusFilter};
use crate::domain::CatalogStatistics;

fn fields(v: &Violations) -> Vec<(&str, &str)> {
    v.as_slice()
        .iter()
        .map(|f| (f.field.as_str(), f.description.as_str()))
        .collect()
}

fn published_licence() -> ItemVersion {
    let mut v = published(
        &licence_id(),
        3,
        licence_content(),
        day(2025, 1, 1),
        Some(day(2026, 7, 1)),
    );
    v.revision = 7;
    v.cancelled = true;
    v.cancel_reason = Some("同政发〔2026〕12号".into());
    v.content.allowed_special_procedures = vec![
        crate::domain::SpecialProcedure::ExpertReview,
        crate::domain::SpecialProcedure::Hearing,
    ];
    v
}

#[test]
fn item_version_round_trips_through_the_contract() {
    let version = published_licence();
    let proto = item_to_proto(&version, "大同市市场监督管理局");
    assert_eq!(proto.department_name, "大同市市场监督管理局");
    assert_eq!(proto.valid_from, "2025-01-01");
    assert_eq!(proto.valid_until, "2026-07-01");
    assert_eq!(proto.r#type, pb::ItemType::License as i32);
    let back = item_version_from_proto(&proto, "item").unwrap();
    assert_eq!(back, version);
}

#[test]
fn charged_content_round_trips_with_fees_in_fen() {
    let (id, content) = housing_registry();
    let proto = content_to_proto(&id, &content);
    assert_eq!(proto.fees[0].amount_fen, 8000);
    let (back_id, back) = item_content_from_proto(&proto, "item").unwrap();
    assert_eq!((back_id, back), (id, content));
}

#[test]
fn unspecified_and_unknown_enums_are_field_violations() {
    let mut proto = content_to_proto(&licence_id(), &licence_content());
    proto.r#type = 0;
    proto.steps[1].stage = pb::ItemClass::Unspecified as i32;
    proto.materials[0].form = 99;
    proto.allowed_special_procedures = vec![0];
    let v = item_content_from_proto(&proto, "item").unwrap_err();
    assert_eq!(
        fields(&v),
        [
            ("item.type", "must be specified"),
            ("item.steps[1].stage", "must be specified"),
            ("item.allowed_special_procedures[0]", "must be specified"),
            ("item.materials[0].form", "unknown value 99"),
        ]
    );
}

#[test]
fn bad_codes_and_negative_limits_are_all_reported_under_the_prefix() {
    let mut proto = content_to_proto(&licence_id(), &licence_content());
    proto.id = "x".into();
    proto.region_code = "990000".into();
    proto.department_id = "SCJGJ".into();
    proto.promised_limit_days = -1;
    proto.steps[0].limit_days = -2;
    let v = item_content_from_proto(&proto, "snapshot.items[4]").unwrap_err();
    let got: Vec<&str> = fields(&v).into_iter().map(|(f, _)| f).collect();
    assert_eq!(
        got,
        [
            "snapshot.items[4].id",
            "snapshot.items[4].department_id",
            "snapshot.items[4].region_code",
            "snapshot.items[4].promised_limit_days",
            "snapshot.items[4].steps[0].limit_days",
        ]
    );
    assert!(fields(&v)[0].1.contains("30 characters"));
}

#[test]
fn dates_must_be_iso_with_ten_characters() {
    let mut v = Violations::new();
    assert_eq!(date("2026-03-02", "d", &mut v), Some(day(2026, 3, 2)));
    assert_eq!(date("2026-3-2", "d", &mut v), None);
    assert_eq!(date("2026-02-30", "d", &mut v), None);
    assert_eq!(date("02/03/2026", "d", &mut v), None);
    assert_eq!(date("", "required", &mut v), None);
    assert_eq!(optional_date("", "optional", &mut v), None);
    let got: Vec<&str> = fields(&v).into_iter().map(|(f, _)| f).collect();
    assert_eq!(got, ["d", "d", "d", "required"]);
}

#[test]
fn version_from_contract_needs_a_version_number_and_status() {
    let mut proto = item_to_proto(&published_licence(), "");
    proto.version = 0;
    proto.status = 0;
    proto.valid_from = "soon".into();
    let v = item_version_from_proto(&proto, "item").unwrap_err();
    let got: Vec<&str> = fields(&v).into_iter().map(|(f, _)| f).collect();
    assert_eq!(got, ["item.version", "item.status", "item.valid_from"]);
}

#[test]
fn timestamps_round_trip_and_bad_nanos_are_rejected() {
    let t = instant(2026, 3, 2);
    let mut v = Violations::new();
    assert_eq!(from_timestamp(&timestamp(t), "t", &mut v), Some(t));
    let bad = Timestamp {
        seconds: 0,
        nanos: -1,
    };
    assert_eq!(from_timestamp(&bad, "t", &mut v), None);
    assert_eq!(v.as_slice().len(), 1);
}

#[test]
fn department_and_region_round_trip() {
    let d = market_department();
    let proto = pb::Department::from(&d);
    assert_eq!(department_from_proto(&proto, "department").unwrap(), d);
    let r = datong();
    assert_eq!(
        region_from_proto(&pb::Region::from(&r), "region").unwrap(),
        r
    );
}

#[test]
fn department_with_bad_credit_code_is_rejected_at_that_field() {
    let mut proto = pb::Department::from(&market_department());
    proto.credit_code.replace_range(17.., "Z");
    let v = department_from_proto(&proto, "department").unwrap_err();
    assert_eq!(fields(&v)[0].0, "department.credit_code");
}

fn sample_batch() -> AdjustmentBatch {
    let (housing_id, housing) = housing_registry();
    AdjustmentBatch {
        id: "b1".into(),
        policy_reference: "同政发〔2013〕60号".into(),
        title: "调整市级行政审批项目".into(),
        effective_date: day(2026, 7, 1),
        entries: vec![
            AdjustmentEntry {
                change: Adjustment::Add {
                    item_id: housing_id,
                    content: housing,
                },
                note: "新增".into(),
            },
            AdjustmentEntry {
                change: Adjustment::Cancel {
                    item_id: licence_id(),
                },
                note: String::new(),
            },
            AdjustmentEntry {
                change: Adjustment::Delegate {
                    item_id: crate::domain::fixtures::item_id_of(
                        &market_department(),
                        "010172002000",
                    ),
                    to_level: ItemLevel::County,
                    to_region: region("140221"),
                },
                note: String::new(),
            },
            AdjustmentEntry {
                change: Adjustment::Modify {
                    item_id: crate::domain::fixtures::item_id_of(
                        &market_department(),
                        "010172003000",
                    ),
                    content: licence_content(),
                },
                note: String::new(),
            },
        ],
        applied_at: Some(instant(2026, 3, 2)),
    }
}

#[test]
fn batch_round_trips_with_its_counts() {
    let batch = sample_batch();
    let proto = pb::AdjustmentBatch::from(&batch);
    assert!(proto.applied);
    assert_eq!(proto.counts.len(), 4);
    let delegate = &proto.counts[2];
    assert_eq!(delegate.action, pb::AdjustmentAction::Delegate as i32);
    assert_eq!(delegate.to_level, pb::ItemLevel::County as i32);
    assert_eq!(batch_from_proto(&proto, "batch").unwrap(), batch);
}

#[test]
fn batch_entries_missing_their_parts_are_named() {
    let mut proto = pb::AdjustmentBatch::from(&sample_batch());
    proto.applied = false;
    proto.applied_at = None;
    proto.entries[0].item = None;
    proto.entries[1].item_id.clear();
    proto.entries[2].to_level = 0;
    proto.entries[3].action = 0;
    proto.effective_date.clear();
    let v = batch_from_proto(&proto, "batch").unwrap_err();
    let got: Vec<&str> = fields(&v).into_iter().map(|(f, _)| f).collect();
    assert_eq!(
        got,
        [
            "batch.effective_date",
            "batch.entries[0].item",
            "batch.entries[1].item_id",
            "batch.entries[2].to_level",
            "batch.entries[3].action",
        ]
    );
}

#[test]
fn modify_entry_item_id_must_agree_with_its_content() {
    let mut proto = pb::AdjustmentBatch::from(&sample_batch());
    if let Some(item) = proto.entries[3].item.as_mut() {
        item.id = licence_id().to_string();
    }
    let v = batch_from_proto(&proto, "batch").unwrap_err();
    assert_eq!(fields(&v)[0].0, "batch.entries[3].item.id");
}

fn sample_bundle() -> Bundle {
    Bundle {
        id: "enterprise-registration".into(),
        name: "工商企业注册".into(),
        description: "一次提交纸质材料，5个工作日办结".into(),
        lead_department_id: dept("scjgj"),
        region_code: region("140200"),
        stages: vec![BundleStage {
            name: "并联审批".into(),
            item_ids: vec![licence_id()],
        }],
        shared_materials: vec![SharedMaterial {
            id: "id-card".into(),
            name: "法定代表人身份证".into(),
            required: true,
        }],
        promised_limit_days: 5,
        status: BundleStatus::Published,
        published_at: Some(instant(2026, 3, 2)),
    }
}

#[test]
fn bundle_round_trips_and_shows_its_departments() {
    let bundle = sample_bundle();
    let proto = bundle_to_proto(&bundle, &[dept("scjgj"), dept("dsj")]);
    assert_eq!(proto.department_ids, ["scjgj", "dsj"]);
    assert_eq!(bundle_from_proto(&proto, "bundle").unwrap(), bundle);
}

#[test]
fn new_bundle_without_status_is_a_draft() {
    let mut proto = bundle_to_proto(&sample_bundle(), &[]);
    proto.status = 0;
    proto.published_at = None;
    assert_eq!(
        bundle_from_proto(&proto, "bundle").unwrap().status,
        BundleStatus::Draft
    );
    proto.status = 9;
    proto.stages[0].item_ids.push("bad".into());
    let v = bundle_from_proto(&proto, "bundle").unwrap_err();
    let got: Vec<&str> = fields(&v).into_iter().map(|(f, _)| f).collect();
    assert_eq!(got, ["bundle.stages[0].item_ids[1]", "bundle.status"]);
}

#[test]
fn list_request_filters_are_optional_and_checked() {
    let (q, view) = list_query_from_proto(&pb::ListItemsRequest::default()).unwrap();
    assert_eq!(q, ListQuery::default());
    assert_eq!(
        view,
        pb::ItemView::Full,
        "unset: the whole item, as before views"
    );

    let (q, view) = list_query_from_proto(&pb::ListItemsRequest {
        query: "许可".into(),
        department_id: "scjgj".into(),
        r#type: pb::ItemType::License as i32,
        region_code: "140200".into(),
        status: "draft".into(),
        page_size: 20,
        view: pb::ItemView::Basic as i32,
        ..pb::ListItemsRequest::default()
    })
    .unwrap();
    assert_eq!(view, pb::ItemView::Basic);
    assert_eq!(q.department_id, Some(dept("scjgj")));
    assert_eq!(q.item_type, Some(crate::domain::ItemType::License));
    assert_eq!(q.status, StatusFilter::Draft);
    assert_eq!(q.page_size, 20);

    let v = list_query_from_proto(&pb::ListItemsRequest {
        department_id: "Bad Id".into(),
        item_class: 42,
        status: "everything".into(),
        page_size: -1,
        view: 7,
        ..pb::ListItemsRequest::default()
    })
    .unwrap_err();
    let got: Vec<&str> = fields(&v).into_iter().map(|(f, _)| f).collect();
    assert_eq!(
        got,
        ["department_id", "item_class", "status", "page_size", "view"]
    );
}

#[test]
fn list_response_names_each_items_department() {
    let view = sample_view();
    let page = view.search(&ListQuery::default()).unwrap();
    let response = list_response(&page, view.directory(), pb::ItemView::Full);
    assert_eq!(response.total_size, 3);
    assert_eq!(response.next_page_token, "");
    assert_eq!(response.items[0].department_name, "大同市地方税务局");
}

#[test]
fn the_basic_view_is_the_full_item_without_its_lists_and_office() {
    let view = sample_view();
    let page = view.search(&ListQuery::default()).unwrap();
    let full = list_response(&page, view.directory(), pb::ItemView::Full);
    let basic = list_response(&page, view.directory(), pb::ItemView::Basic);
    assert_eq!(
        (basic.total_size, &basic.next_page_token),
        (full.total_size, &full.next_page_token)
    );
    assert!(full
        .items
        .iter()
        .any(|i| !i.materials.is_empty() && !i.steps.is_empty()));
    for (b, f) in basic.items.iter().zip(&full.items) {
        let expected = pb::Item {
            legal_basis: vec![],
            steps: vec![],
            allowed_special_procedures: vec![],
            conditions: vec![],
            materials: vec![],
            fees: vec![],
            office_id: String::new(),
            place: String::new(),
            hours: String::new(),
            phone: String::new(),
            keywords: vec![],
            ..f.clone()
        };
        assert_eq!(b, &expected);
    }
}

#[test]
fn statistics_use_contract_enum_names_as_keys() {
    let stats = CatalogStatistics::of(&sample_view());
    let proto = pb::CatalogStatistics::from(&stats);
    let keys: Vec<&str> = proto.by_type.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "ITEM_TYPE_LICENSE",
            "ITEM_TYPE_LEVY",
            "ITEM_TYPE_CONFIRMATION"
        ]
    );
    assert_eq!(proto.by_service_mode[1].key, "SERVICE_MODE_SUB_CENTER");
    assert_eq!(proto.by_class[0].key, "ITEM_CLASS_IMMEDIATE");
    assert_eq!(proto.items_in_force, 3);
    assert_eq!(proto.by_department.len(), 3);
    assert_eq!(proto.departments, 3);
}

#[test]
fn every_domain_enum_value_survives_the_contract() {
    for t in crate::domain::ItemType::ALL {
        assert_eq!(item_type(pb::ItemType::from(t)), Some(t));
    }
    for m in crate::domain::ServiceMode::ALL {
        assert_eq!(service_mode(pb::ServiceMode::from(m)), Some(m));
    }
    for c in crate::domain::ItemClass::ALL {
        assert_eq!(item_class(pb::ItemClass::from(c)), Some(c));
    }
    assert_eq!(item_type(pb::ItemType::Unspecified), None);
    assert!(directory().has_region(&region("140200")));
}
