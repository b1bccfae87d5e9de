use super::*;
use crate::domain::codes::BasicCode;
use crate::domain::fixtures::{dept, directory, immediate_content, licence_content, licence_id};

fn fields(content: &ItemContent) -> Vec<String> {
    content
        .validate(&licence_id(), &directory())
        .as_slice()
        .iter()
        .map(|f| f.field.clone())
        .collect()
}

fn step(stage: Stage, role: HandlerRole, days: u32) -> Step {
    Step {
        stage,
        handler_role: role,
        limit_days: days,
        description: String::new(),
    }
}

#[test]
fn valid_promised_item_has_no_violations() {
    assert_eq!(fields(&licence_content()), Vec::<String>::new());
}

#[test]
fn valid_immediate_item_has_no_violations() {
    let content = immediate_content();
    let id = crate::domain::fixtures::item_id_of(
        &crate::domain::fixtures::market_department(),
        "070100001000",
    );
    assert!(content.validate(&id, &directory()).is_empty());
}

#[test]
fn promised_limit_above_statutory_is_rejected() {
    let mut c = licence_content();
    c.promised_limit_days = 21;
    assert_eq!(fields(&c), ["item.promised_limit_days"]);
}

#[test]
fn promised_limit_equal_to_statutory_is_allowed() {
    let mut c = licence_content();
    c.promised_limit_days = 20;
    assert!(fields(&c).is_empty());
}

#[test]
fn empty_or_overlong_name_is_rejected() {
    let mut c = licence_content();
    c.name = "   ".into();
    assert_eq!(fields(&c), ["item.name"]);
    c.name = "许".repeat(MAX_NAME_CHARS);
    assert!(fields(&c).is_empty(), "200 Chinese characters are allowed");
    c.name = "许".repeat(MAX_NAME_CHARS + 1);
    assert_eq!(fields(&c), ["item.name"]);
}

#[test]
fn item_without_legal_basis_is_rejected() {
    let mut c = licence_content();
    c.legal_basis.clear();
    assert_eq!(fields(&c), ["item.legal_basis"]);
    c.legal_basis.push(LegalBasis {
        law: " ".into(),
        article: "第一条".into(),
    });
    assert_eq!(fields(&c), ["item.legal_basis[0].law"]);
}

#[test]
fn limits_beyond_ten_years_are_rejected() {
    let mut c = licence_content();
    c.statutory_limit_days = MAX_LIMIT_DAYS + 1;
    c.max_extension_days = MAX_LIMIT_DAYS + 1;
    assert_eq!(
        fields(&c),
        ["item.statutory_limit_days", "item.max_extension_days"]
    );
}

#[test]
fn immediate_item_must_promise_zero_days() {
    let mut c = immediate_content();
    c.promised_limit_days = 1;
    let v = c.violations_at("item", &id_for(&c), &directory());
    assert_eq!(v.as_slice()[0].field, "item.promised_limit_days");
}

#[test]
fn immediate_item_has_only_accept_and_conclude_on_the_spot() {
    let mut c = immediate_content();
    c.steps = vec![
        step(Stage::Accept, HandlerRole::Clerk, 0),
        step(Stage::Review, HandlerRole::Approver, 0),
        step(Stage::Conclude, HandlerRole::Clerk, 1),
    ];
    let v = c.validate(&id_for(&c), &directory());
    let fields: Vec<&str> = v.as_slice().iter().map(|f| f.field.as_str()).collect();
    assert!(fields.contains(&"item.steps[1].stage"), "{fields:?}");
    assert!(fields.contains(&"item.steps[2].limit_days"), "{fields:?}");
}

#[test]
fn promised_item_must_promise_at_least_one_day() {
    let mut c = licence_content();
    c.promised_limit_days = 0;
    for s in &mut c.steps {
        s.limit_days = 0;
    }
    assert_eq!(fields(&c), ["item.promised_limit_days"]);
}

#[test]
fn first_step_must_be_accept() {
    let mut c = licence_content();
    c.steps.remove(0);
    assert_eq!(fields(&c), ["item.steps[0].stage"]);
}

#[test]
fn stages_out_of_order_are_rejected_at_the_step() {
    let mut c = licence_content();
    c.steps.swap(1, 2);
    assert_eq!(fields(&c), ["item.steps[2].stage"]);
}

#[test]
fn a_stage_twice_is_rejected() {
    let mut c = licence_content();
    c.steps
        .insert(2, step(Stage::Review, HandlerRole::Approver, 1));
    assert_eq!(fields(&c), ["item.steps[2].stage"]);
}

#[test]
fn conclude_step_is_required() {
    let mut c = licence_content();
    c.steps.pop();
    assert_eq!(fields(&c), ["item.steps"]);
    c.steps.clear();
    assert_eq!(fields(&c), ["item.steps"]);
}

#[test]
fn accept_must_be_done_by_a_clerk() {
    let mut c = licence_content();
    c.steps[0].handler_role = HandlerRole::Approver;
    assert_eq!(fields(&c), ["item.steps[0].handler_role"]);
}

#[test]
fn steps_after_accept_must_fit_in_the_promised_limit() {
    let mut c = licence_content();
    c.steps[2].limit_days = 6; // 4 + 6 + 1 = 11 > 10
    assert_eq!(fields(&c), ["item.steps"]);
    // The accept step's own days do not count: the clock starts at acceptance.
    let mut c = licence_content();
    c.steps[0].limit_days = 5;
    assert!(fields(&c).is_empty());
}

#[test]
fn step_limit_beyond_ten_years_is_rejected() {
    let mut c = licence_content();
    c.statutory_limit_days = MAX_LIMIT_DAYS;
    c.promised_limit_days = MAX_LIMIT_DAYS;
    c.steps[2].limit_days = MAX_LIMIT_DAYS + 1;
    assert!(fields(&c).contains(&"item.steps[2].limit_days".to_string()));
}

#[test]
fn material_ids_must_be_unique_and_present() {
    let mut c = licence_content();
    c.materials[1].id = c.materials[0].id.clone();
    assert_eq!(fields(&c), ["item.materials[1].id"]);
    c.materials[0].id = String::new();
    c.materials[1].id = "x".into();
    assert_eq!(fields(&c), ["item.materials[0].id"]);
}

fn fee(id: &str, fen: i64) -> Fee {
    Fee {
        id: id.into(),
        name: "工本费".into(),
        amount_fen: fen,
        basis: "晋价费字〔2010〕1号".into(),
    }
}

#[test]
fn free_item_has_no_fees() {
    let mut c = licence_content();
    c.fees.push(fee("cert", 1000));
    assert_eq!(fields(&c), ["item.fees"]);
}

#[test]
fn charged_item_lists_positive_fees_with_unique_ids() {
    let mut c = licence_content();
    c.free_of_charge = false;
    assert_eq!(fields(&c), ["item.fees"]);
    c.fees = vec![fee("cert", 1000), fee("cert", 0)];
    assert_eq!(fields(&c), ["item.fees[1].id", "item.fees[1].amount_fen"]);
    c.fees = vec![fee("cert", 1000), fee("copy", 50)];
    assert!(fields(&c).is_empty());
}

#[test]
fn unknown_department_is_rejected() {
    let mut c = licence_content();
    c.department_id = dept("nobody");
    c.office_id = None;
    assert_eq!(fields(&c), ["item.department_id"]);
}

#[test]
fn office_must_belong_to_the_department() {
    let mut c = licence_content();
    c.office_id = Some("fcj-office".into());
    assert_eq!(fields(&c), ["item.office_id"]);
}

#[test]
fn unknown_region_is_rejected() {
    let mut c = licence_content();
    c.region_code = crate::domain::fixtures::region("110000");
    assert_eq!(fields(&c), ["item.region_code"]);
}

#[test]
fn basic_code_type_must_match_item_type() {
    let mut c = licence_content();
    c.item_type = ItemType::Penalty;
    assert_eq!(fields(&c), ["item.basic_code"]);
}

#[test]
fn item_id_must_end_with_the_basic_code() {
    let mut c = licence_content();
    c.basic_code = BasicCode::parse("010172002000").unwrap();
    assert_eq!(fields(&c), ["item.id"]);
}

#[test]
fn keywords_are_limited_to_fifty_characters() {
    let mut c = licence_content();
    c.keywords = vec!["好".repeat(50), "好".repeat(51), String::new()];
    assert_eq!(fields(&c), ["item.keywords[1]", "item.keywords[2]"]);
}

#[test]
fn every_problem_is_reported_at_once() {
    let mut c = licence_content();
    c.name.clear();
    c.legal_basis.clear();
    c.promised_limit_days = 30;
    assert_eq!(
        fields(&c),
        ["item.name", "item.legal_basis", "item.promised_limit_days"]
    );
}

#[test]
fn violations_take_the_callers_prefix() {
    let mut c = licence_content();
    c.promised_limit_days = 21;
    let v = c.violations_at("batch.entries[3].item", &licence_id(), &directory());
    assert_eq!(
        v.as_slice()[0].field,
        "batch.entries[3].item.promised_limit_days"
    );
}

#[test]
fn item_type_basic_code_types_round_trip() {
    for t in ItemType::ALL {
        assert_eq!(ItemType::from_basic_code_type(t.basic_code_type()), Some(t));
    }
    assert_eq!(ItemType::PublicService.basic_code_type(), "20");
    assert_eq!(ItemType::from_basic_code_type("11"), None);
}

#[test]
fn stages_are_ordered_accept_review_decide_conclude() {
    assert!(Stage::Accept < Stage::Review);
    assert!(Stage::Review < Stage::Decide);
    assert!(Stage::Decide < Stage::Conclude);
}

#[test]
fn content_survives_json_for_storage() {
    let c = licence_content();
    let json = serde_json::to_string(&c).unwrap();
    assert!(json.contains("\"item_type\":\"license\""), "{json}");
    let back: ItemContent = serde_json::from_str(&json).unwrap();
    assert_eq!(back, c);
}

fn id_for(c: &ItemContent) -> ItemId {
    ItemId::new(
        &crate::domain::fixtures::market_department().credit_code,
        &c.basic_code,
    )
}

#[test]
fn step_messages_name_the_stages_in_lowercase() {
    let mut c = licence_content();
    c.steps.swap(1, 2);
    let v = c.validate(&licence_id(), &directory());
    assert_eq!(
        v.as_slice()[0].description,
        "review must not come after decide"
    );
}

#[test]
fn overlong_texts_of_the_guide_are_rejected_at_their_paths() {
    let long = "长".repeat(MAX_TEXT_CHARS + 1);
    let mut c = licence_content();
    c.legal_basis[0].law = "法".repeat(MAX_NAME_CHARS + 1);
    c.steps[1].description = long.clone();
    c.materials[0].name = "材".repeat(MAX_NAME_CHARS + 1);
    c.place = "地".repeat(MAX_LINE_CHARS + 1);
    c.conditions = vec!["条件".into(), long];
    assert_eq!(
        fields(&c),
        [
            "item.legal_basis[0].law",
            "item.steps[1].description",
            "item.conditions[1]",
            "item.materials[0].name",
            "item.place",
        ]
    );
}

#[test]
fn an_overlong_office_id_is_rejected_for_its_length() {
    let mut c = licence_content();
    c.office_id = Some("o".repeat(MAX_ID_CHARS + 1));
    let v = c.validate(&licence_id(), &directory());
    assert_eq!(v.as_slice()[0].field, "item.office_id");
    assert_eq!(v.as_slice()[0].description, "must be at most 64 characters");
}

#[test]
fn a_list_beyond_its_maximum_is_named_before_its_entries() {
    let mut c = licence_content();
    let material = c.materials[0].clone();
    c.materials = vec![material; MAX_MATERIALS + 1];
    c.keywords = vec!["许可".into(); MAX_KEYWORDS + 1];
    let found = fields(&c);
    assert_eq!(found[..2], ["item.materials", "item.keywords"]);
    assert!(found[2..].iter().all(|f| f.starts_with("item.materials[")));
}
