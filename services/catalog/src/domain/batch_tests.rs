use super::*;
use crate::domain::codes::BasicCode;
use crate::domain::fixtures::{
    date, directory, housing_department, item_id_of, licence_content, licence_id,
    market_department, moment, published, region,
};

fn content_with(basic: &str, department: &crate::domain::Department) -> (ItemId, ItemContent) {
    let mut c = licence_content();
    c.basic_code = BasicCode::parse(basic).unwrap();
    c.department_id = department.id.clone();
    c.office_id = None;
    c.name = format!("事项{basic}");
    (item_id_of(department, basic), c)
}

/// Three items in force since 2025: the licence and two others of the market department.
fn catalog() -> HashMap<ItemId, Vec<ItemVersion>> {
    let mut map = HashMap::new();
    map.insert(
        licence_id(),
        vec![published(
            &licence_id(),
            1,
            licence_content(),
            date(2025, 1, 1),
            None,
        )],
    );
    for basic in ["010172002000", "010172003000"] {
        let (id, c) = content_with(basic, &market_department());
        map.insert(
            id.clone(),
            vec![published(&id, 1, c, date(2025, 1, 1), None)],
        );
    }
    map
}

fn entry(change: Adjustment) -> AdjustmentEntry {
    AdjustmentEntry {
        change,
        note: String::new(),
    }
}

fn batch(entries: Vec<AdjustmentEntry>) -> AdjustmentBatch {
    AdjustmentBatch {
        id: "batch-2026-1".into(),
        policy_reference: "同政发〔2026〕12号".into(),
        title: "关于调整市级行政审批项目的决定".into(),
        effective_date: date(2026, 7, 1),
        entries,
        applied_at: None,
    }
}

fn market_item(basic: &str) -> ItemId {
    item_id_of(&market_department(), basic)
}

fn four_kinds() -> AdjustmentBatch {
    let (new_id, new_content) = content_with("010180001000", &housing_department());
    let (modified_id, mut modified) = content_with("010172002000", &market_department());
    modified.promised_limit_days = 8;
    batch(vec![
        entry(Adjustment::Add {
            item_id: new_id,
            content: new_content,
        }),
        entry(Adjustment::Cancel {
            item_id: market_item("010172003000"),
        }),
        entry(Adjustment::Delegate {
            item_id: licence_id(),
            to_level: ItemLevel::County,
            to_region: region("140221"),
        }),
        entry(Adjustment::Modify {
            item_id: modified_id,
            content: modified,
        }),
    ])
}

fn fields(e: CatalogError) -> Vec<String> {
    match e {
        CatalogError::Invalid(v) => v.as_slice().iter().map(|f| f.field.clone()).collect(),
        other => panic!("expected invalid argument, got {other:?}"),
    }
}

#[test]
fn well_formed_batch_has_no_violations() {
    assert!(four_kinds().validate(&directory()).is_empty());
}

#[test]
fn overlong_texts_and_too_many_entries_are_rejected_at_their_paths() {
    let mut b = four_kinds();
    b.title = "题".repeat(MAX_NAME_CHARS + 1);
    b.policy_reference = "号".repeat(MAX_NAME_CHARS + 1);
    b.entries[1].note = "注".repeat(MAX_TEXT_CHARS + 1);
    let v = b.validate(&directory());
    let fields: Vec<&str> = v.as_slice().iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "batch.title",
            "batch.policy_reference",
            "batch.entries[1].note"
        ]
    );

    let mut b = four_kinds();
    let cancel = b.entries[1].clone();
    b.entries = vec![cancel; MAX_ENTRIES + 1];
    assert_eq!(
        b.validate(&directory()).as_slice()[0].field,
        "batch.entries"
    );
}

#[test]
fn batch_applies_every_kind_of_entry_from_its_effective_date() {
    let mut current = catalog();
    let plan = plan_apply(&four_kinds(), &current, &directory(), moment()).unwrap();
    assert_eq!(plan.applied_at, moment().now);
    plan.apply(&mut current);
    let day = date(2026, 7, 1);
    let in_force = |id: &ItemId| version_in_force(&current[id], day).cloned();

    let (new_id, _) = content_with("010180001000", &housing_department());
    assert_eq!(in_force(&new_id).map(|v| v.version), Some(1));

    let cancelled = market_item("010172003000");
    assert!(in_force(&cancelled).is_none());
    assert!(current[&cancelled][0].cancelled);
    assert_eq!(
        current[&cancelled][0].cancel_reason.as_deref(),
        Some("同政发〔2026〕12号")
    );

    let delegated = in_force(&licence_id()).unwrap();
    assert_eq!(delegated.version, 2);
    assert_eq!(delegated.content.level, ItemLevel::County);
    assert_eq!(delegated.content.region_code, region("140221"));
    // The city version still answers for the days before the batch.
    let before = version_in_force(&current[&licence_id()], date(2026, 6, 30)).unwrap();
    assert_eq!(before.content.level, ItemLevel::City);

    let modified = in_force(&market_item("010172002000")).unwrap();
    assert_eq!(modified.content.promised_limit_days, 8);
}

#[test]
fn batch_with_one_bad_entry_applies_nothing() {
    let mut b = four_kinds();
    b.entries.push(entry(Adjustment::Cancel {
        item_id: market_item("010199001000"),
    }));
    let err = plan_apply(&b, &catalog(), &directory(), moment()).unwrap_err();
    assert_eq!(fields(err), ["batch.entries[4].item_id"]);
}

#[test]
fn an_item_twice_in_a_batch_is_rejected_at_the_second_entry() {
    let mut b = four_kinds();
    b.entries.push(entry(Adjustment::Cancel {
        item_id: licence_id(),
    }));
    let v = b.validate(&directory());
    assert_eq!(v.as_slice()[0].field, "batch.entries[4].item_id");
    assert!(v.as_slice()[0].description.contains("entry 2"));
}

#[test]
fn a_batch_applies_only_once() {
    let mut b = four_kinds();
    b.applied_at = Some(moment().now);
    let err = plan_apply(&b, &catalog(), &directory(), moment()).unwrap_err();
    assert_eq!(
        err,
        CatalogError::illegal("adjustment batch", "batch-2026-1", "applied", "apply")
    );
}

#[test]
fn adding_an_existing_item_is_rejected_at_its_id() {
    let b = batch(vec![entry(Adjustment::Add {
        item_id: licence_id(),
        content: licence_content(),
    })]);
    let err = plan_apply(&b, &catalog(), &directory(), moment()).unwrap_err();
    assert_eq!(fields(err), ["batch.entries[0].item.id"]);
}

#[test]
fn invalid_new_content_is_reported_inside_the_entry() {
    let (id, mut c) = content_with("010180001000", &housing_department());
    c.promised_limit_days = 30;
    let b = batch(vec![entry(Adjustment::Add {
        item_id: id,
        content: c,
    })]);
    let err = plan_apply(&b, &catalog(), &directory(), moment()).unwrap_err();
    assert_eq!(fields(err), ["batch.entries[0].item.promised_limit_days"]);
}

#[test]
fn delegation_must_go_down_a_level() {
    let b = batch(vec![entry(Adjustment::Delegate {
        item_id: licence_id(),
        to_level: ItemLevel::Province,
        to_region: region("140000"),
    })]);
    let err = plan_apply(&b, &catalog(), &directory(), moment()).unwrap_err();
    assert_eq!(fields(err), ["batch.entries[0].to_level"]);
}

#[test]
fn delegation_to_an_unknown_region_is_rejected() {
    let b = batch(vec![entry(Adjustment::Delegate {
        item_id: licence_id(),
        to_level: ItemLevel::County,
        to_region: region("140299"),
    })]);
    let v = b.validate(&directory());
    assert_eq!(v.as_slice()[0].field, "batch.entries[0].to_region_code");
}

#[test]
fn modifying_a_cancelled_item_is_rejected() {
    let mut current = catalog();
    plan_cancel(
        &licence_id(),
        &current[&licence_id()],
        date(2026, 5, 1),
        "取消",
        moment(),
    )
    .unwrap()
    .apply(current.get_mut(&licence_id()).unwrap());
    let b = batch(vec![entry(Adjustment::Modify {
        item_id: licence_id(),
        content: licence_content(),
    })]);
    let err = plan_apply(&b, &current, &directory(), moment()).unwrap_err();
    assert_eq!(fields(err), ["batch.entries[0].item_id"]);
}

#[test]
fn an_open_draft_blocks_a_modification() {
    let mut current = catalog();
    current
        .get_mut(&licence_id())
        .unwrap()
        .push(ItemVersion::draft(licence_id(), 2, licence_content()));
    let b = batch(vec![entry(Adjustment::Modify {
        item_id: licence_id(),
        content: licence_content(),
    })]);
    let err = plan_apply(&b, &current, &directory(), moment()).unwrap_err();
    assert_eq!(fields(err), ["batch.entries[0].item_id"]);
}

#[test]
fn a_batch_cannot_take_effect_in_the_past() {
    let mut b = four_kinds();
    b.effective_date = date(2026, 1, 1);
    let err = plan_apply(&b, &catalog(), &directory(), moment()).unwrap_err();
    assert_eq!(fields(err), ["batch.effective_date"]);
}

#[test]
fn empty_batch_without_title_or_policy_is_rejected() {
    let mut b = batch(vec![]);
    b.title.clear();
    b.policy_reference = " ".into();
    let v = b.validate(&directory());
    let got: Vec<&str> = v.as_slice().iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        got,
        ["batch.title", "batch.policy_reference", "batch.entries"]
    );
}

/// The June 2013 batch of the report: 8 added, 2 cancelled, 48 delegated to the city or
/// county and 5 delegated to the county.
#[test]
fn counts_delegations_per_level() {
    let mut entries = Vec::new();
    let mut n = 0;
    let mut next_id = || {
        n += 1;
        market_item(&format!("01{:04}001000", n))
    };
    for _ in 0..8 {
        let item_id = next_id();
        entries.push(entry(Adjustment::Add {
            content: licence_content(),
            item_id,
        }));
    }
    for _ in 0..2 {
        entries.push(entry(Adjustment::Cancel { item_id: next_id() }));
    }
    for (count, level) in [(48, ItemLevel::City), (5, ItemLevel::County)] {
        for _ in 0..count {
            entries.push(entry(Adjustment::Delegate {
                item_id: next_id(),
                to_level: level,
                to_region: region("140200"),
            }));
        }
    }
    let counts = batch(entries).counts();
    let got: Vec<(AdjustmentAction, Option<ItemLevel>, u32)> = counts
        .iter()
        .map(|c| (c.action, c.to_level, c.count))
        .collect();
    assert_eq!(
        got,
        [
            (AdjustmentAction::Add, None, 8),
            (AdjustmentAction::Cancel, None, 2),
            (AdjustmentAction::Delegate, Some(ItemLevel::City), 48),
            (AdjustmentAction::Delegate, Some(ItemLevel::County), 5),
        ]
    );
}

#[test]
fn modification_ends_a_scheduled_end_at_the_batch_date() {
    let mut current = catalog();
    current.get_mut(&licence_id()).unwrap()[0].valid_until = Some(date(2026, 12, 31));
    let b = batch(vec![entry(Adjustment::Modify {
        item_id: licence_id(),
        content: licence_content(),
    })]);
    let plan = plan_apply(&b, &current, &directory(), moment()).unwrap();
    assert!(matches!(
        plan.changes[0],
        VersionChange::End { version: 1, valid_until, .. } if valid_until == date(2026, 7, 1)
    ));
    assert!(
        matches!(&plan.changes[1], VersionChange::Insert(v) if v.version == 2 && v.valid_until.is_none())
    );
}
