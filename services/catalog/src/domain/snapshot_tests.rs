use super::*;
use crate::domain::fixtures::{
    date, dept, item_id_of, licence_content, licence_id, market_department, region, sample_view,
};

fn names(page: &Page) -> Vec<&str> {
    page.items.iter().map(|v| v.content.name.as_str()).collect()
}

fn search(q: ListQuery) -> Page {
    sample_view().search(&q).unwrap()
}

fn query(text: &str) -> ListQuery {
    ListQuery {
        query: text.into(),
        ..ListQuery::default()
    }
}

#[test]
fn view_holds_the_items_in_force_on_its_date_by_department() {
    let view = sample_view();
    let items: Vec<(&str, &str)> = view
        .items()
        .iter()
        .map(|v| (v.content.department_id.as_str(), v.content.name.as_str()))
        .collect();
    assert_eq!(
        items,
        [
            ("dsj", "契税征收"),
            ("fcj", "房屋所有权转移登记"),
            ("scjgj", "食品经营许可"),
        ]
    );
}

#[test]
fn view_on_a_later_date_sees_the_scheduled_item() {
    let view = sample_view();
    let later = CatalogView::build(
        date(2026, 5, 1),
        view.versions.values().flatten().cloned(),
        view.directory().clone(),
        vec![],
    );
    assert_eq!(later.items().len(), 4);
    let earlier = CatalogView::build(
        date(2025, 12, 31),
        view.versions.values().flatten().cloned(),
        view.directory().clone(),
        vec![],
    );
    assert!(earlier
        .items()
        .iter()
        .any(|v| v.content.name == "旧食品流通许可"));
}

#[test]
fn item_in_force_and_its_history_are_found_by_id() {
    let view = sample_view();
    assert_eq!(view.item(&licence_id()).map(|v| v.version), Some(1));
    assert_eq!(view.versions_of(&licence_id()).len(), 2);
    assert_eq!(view.department_of(&licence_id()), Some(dept("scjgj")));
}

#[test]
fn empty_query_lists_everything_in_force() {
    let page = search(ListQuery::default());
    assert_eq!(page.total_size, 3);
    assert_eq!(page.next_page_token, None);
}

#[test]
fn search_matches_chinese_substring_of_the_name() {
    assert_eq!(names(&search(query("转移"))), ["房屋所有权转移登记"]);
}

#[test]
fn search_matches_chinese_substring_of_department_name() {
    assert_eq!(names(&search(query("地方税务"))), ["契税征收"]);
}

#[test]
fn search_matches_keywords_ignoring_case() {
    assert_eq!(names(&search(query("deed tax"))), ["契税征收"]);
    assert_eq!(names(&search(query("过户"))), ["房屋所有权转移登记"]);
}

#[test]
fn search_does_not_match_across_two_keywords() {
    assert!(search(query("二手房过户")).items.is_empty());
    assert_eq!(names(&search(query("二手房"))), ["房屋所有权转移登记"]);
}

#[test]
fn borrowed_search_gives_the_same_page() {
    let view = sample_view();
    let q = query("登记");
    let owned = view.search(&q).unwrap();
    let borrowed = view.search_ref(&q).unwrap();
    assert_eq!(owned.items.iter().collect::<Vec<_>>(), borrowed.items);
    assert_eq!(owned.total_size, borrowed.total_size);
    assert_eq!(owned.next_page_token, borrowed.next_page_token);
}

#[test]
fn search_with_no_match_is_empty() {
    let page = search(query("煤矿"));
    assert!(page.items.is_empty());
    assert_eq!(page.total_size, 0);
}

#[test]
fn filters_combine_with_the_query() {
    let page = search(ListQuery {
        department_id: Some(dept("fcj")),
        ..ListQuery::default()
    });
    assert_eq!(names(&page), ["房屋所有权转移登记"]);
    let page = search(ListQuery {
        item_type: Some(ItemType::Levy),
        ..ListQuery::default()
    });
    assert_eq!(names(&page), ["契税征收"]);
    let page = search(ListQuery {
        item_class: Some(ItemClass::Promised),
        service_mode: Some(ServiceMode::Hall),
        ..ListQuery::default()
    });
    assert_eq!(names(&page), ["食品经营许可"]);
    let page = search(ListQuery {
        query: "许可".into(),
        department_id: Some(dept("fcj")),
        ..ListQuery::default()
    });
    assert!(page.items.is_empty());
}

#[test]
fn region_filter_includes_the_divisions_within() {
    let page = search(ListQuery {
        region_code: Some(region("140000")),
        ..ListQuery::default()
    });
    assert_eq!(page.total_size, 3);
    let page = search(ListQuery {
        region_code: Some(region("140221")),
        ..ListQuery::default()
    });
    assert_eq!(page.total_size, 0);
}

#[test]
fn draft_status_lists_drafts_to_those_who_see_them() {
    let page = search(ListQuery {
        status: StatusFilter::Draft,
        drafts: DraftAccess::Shown,
        ..ListQuery::default()
    });
    assert_eq!(names(&page), ["食品经营许可（修订）"]);
}

#[test]
fn draft_status_lists_nothing_to_the_public() {
    let page = search(ListQuery {
        status: StatusFilter::Draft,
        query: "修订".into(),
        ..ListQuery::default()
    });
    assert!(page.items.is_empty());
    assert_eq!(page.total_size, 0);
}

/// The sample catalog with one more item that so far is only a draft.
fn view_with_a_new_draft() -> CatalogView {
    let view = sample_view();
    let new_id = item_id_of(&market_department(), "010172011000");
    let mut draft = ItemVersion::draft(new_id, 1, licence_content());
    draft.content.basic_code = crate::domain::BasicCode::parse("010172011000").unwrap();
    draft.content.name = "网络餐饮备案".into();
    CatalogView::build(
        view.date(),
        view.versions
            .values()
            .flatten()
            .cloned()
            .chain(std::iter::once(draft)),
        view.directory().clone(),
        vec![],
    )
}

#[test]
fn all_status_hides_an_item_that_is_only_a_draft_from_the_public() {
    let view = view_with_a_new_draft();
    let all = |drafts| {
        view.search(&ListQuery {
            status: StatusFilter::All,
            drafts,
            ..ListQuery::default()
        })
        .unwrap()
    };
    let public = all(DraftAccess::Hidden);
    assert_eq!(public.total_size, 5);
    assert!(!names(&public).contains(&"网络餐饮备案"));
    assert!(public
        .items
        .iter()
        .all(|v| v.status == VersionStatus::Published));
    let staff = all(DraftAccess::Shown);
    assert_eq!(staff.total_size, 6);
    assert!(names(&staff).contains(&"网络餐饮备案"));
}

#[test]
fn cancelled_status_lists_cancelled_items() {
    let page = search(ListQuery {
        status: StatusFilter::Cancelled,
        ..ListQuery::default()
    });
    assert_eq!(names(&page), ["旧食品流通许可"]);
}

#[test]
fn all_status_lists_each_item_once() {
    let page = search(ListQuery {
        status: StatusFilter::All,
        ..ListQuery::default()
    });
    assert_eq!(page.total_size, 5);
    let licence = page.items.iter().find(|v| v.id == licence_id()).unwrap();
    assert_eq!(licence.version, 1, "the version in force, not the draft");
}

#[test]
fn pages_follow_each_other_without_gaps_or_repeats() {
    let view = sample_view();
    let mut q = ListQuery {
        status: StatusFilter::All,
        page_size: 2,
        ..ListQuery::default()
    };
    let mut seen = Vec::new();
    loop {
        let page = view.search(&q).unwrap();
        assert!(page.items.len() <= 2);
        assert_eq!(page.total_size, 5);
        seen.extend(page.items.iter().map(|v| v.id.clone()));
        match page.next_page_token {
            Some(token) => q.page_token = token,
            None => break,
        }
    }
    let all: Vec<ItemId> = view
        .search(&ListQuery {
            status: StatusFilter::All,
            ..ListQuery::default()
        })
        .unwrap()
        .items
        .into_iter()
        .map(|v| v.id)
        .collect();
    assert_eq!(seen, all);
}

#[test]
fn malformed_page_token_is_invalid_argument() {
    for token in ["%%%", "bm9wZQ", "b2Zmc2V0Oi0x"] {
        let err = sample_view()
            .search(&ListQuery {
                page_token: token.into(),
                ..ListQuery::default()
            })
            .unwrap_err();
        assert_eq!(
            err,
            CatalogError::invalid("page_token", "is not a token this service issued"),
            "{token}"
        );
    }
}

#[test]
fn page_size_defaults_and_is_capped() {
    assert_eq!(page_size(0), 50);
    assert_eq!(page_size(7), 7);
    assert_eq!(page_size(500), 500);
    assert_eq!(page_size(501), 500);
    let view = sample_view();
    let page = view
        .search(&ListQuery {
            page_size: 100_000,
            ..ListQuery::default()
        })
        .unwrap();
    assert_eq!(page.items.len(), 3);
}

#[test]
fn a_token_past_the_end_gives_an_empty_page() {
    let page = search(ListQuery {
        page_token: encode_token(99),
        ..ListQuery::default()
    });
    assert!(page.items.is_empty());
    assert_eq!(page.next_page_token, None);
}

#[test]
fn status_filter_parses_the_documented_names() {
    assert_eq!(StatusFilter::parse(""), Some(StatusFilter::InForce));
    assert_eq!(StatusFilter::parse("in_force"), Some(StatusFilter::InForce));
    assert_eq!(StatusFilter::parse("draft"), Some(StatusFilter::Draft));
    assert_eq!(
        StatusFilter::parse("cancelled"),
        Some(StatusFilter::Cancelled)
    );
    assert_eq!(StatusFilter::parse("all"), Some(StatusFilter::All));
    assert_eq!(StatusFilter::parse("ALL"), None);
}
