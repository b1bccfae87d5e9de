//! The pages with the demo catalog: home, search, the item guide (materials, fees in yuan,
//! flow), bundle guides, statistics, the kiosk, the language switch, escaping.

use crate::TestGateway;

async fn html(t: &TestGateway, path: &str) -> String {
    let r = t.get(path).await;
    assert_eq!(r.status(), 200, "GET {path}");
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    r.text().await.unwrap()
}

/// The id of the first item a search finds.
async fn item_id(t: &TestGateway, query: &str) -> String {
    let q: String = form_urlencoded::byte_serialize(query.as_bytes()).collect();
    let page = t.get_json(&format!("/api/v1/items?query={q}")).await;
    page["items"][0]["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn home_shows_search_themes_departments_and_bundles() {
    let t = TestGateway::start().await;
    let page = html(&t, "/").await;
    assert!(page.contains("<html lang=\"zh-CN\">"), "Chinese by default");
    assert!(page.contains("action=\"/items\""), "a search form");
    assert!(page.contains("工商企业注册登记一条龙"));
    assert!(page.contains("大同市工商行政管理局"));
    assert!(page.contains("主题服务"));
    assert!(page.contains(">170<"), "items in force");
}

#[tokio::test]
async fn the_item_guide_discloses_materials_fees_flow_and_window() {
    let t = TestGateway::start().await;
    let id = item_id(&t, "普通护照").await;
    let page = html(&t, &format!("/items/{id}")).await;
    for expected in [
        "普通护照签发",
        "申请材料",
        "受理条件",
        "办理流程",
        "护照证件费",
        "200.00 元",
        "设定依据",
        "咨询电话",
        "办公时间",
    ] {
        assert!(page.contains(expected), "{expected} missing");
    }
    let item = t.get_json(&format!("/api/v1/items/{id}")).await;
    for m in item["materials"].as_array().unwrap() {
        assert!(page.contains(m["name"].as_str().unwrap()));
    }

    let english = html(&t, &format!("/items/{id}?lang=en")).await;
    assert!(english.contains("<html lang=\"en\">"));
    assert!(english.contains("Materials") && english.contains("200.00 yuan"));
}

#[tokio::test]
async fn the_language_choice_is_remembered_in_a_cookie() {
    let t = TestGateway::start().await;
    let r = t.get("/statistics?lang=en").await;
    let set: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert!(set.iter().any(|c| c.starts_with("lang=en")), "{set:?}");
    let page = t
        .http
        .get(t.url("/departments"))
        .header("cookie", "lang=en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Departments") && page.contains("中文"));
}

#[tokio::test]
async fn search_bundles_departments_and_statistics_render() {
    let t = TestGateway::start().await;
    let results = html(&t, "/items?q=%E7%99%BB%E8%AE%B0").await;
    assert!(results.contains("税务登记"));
    let by_type = html(&t, "/items?type=ITEM_TYPE_LICENSE").await;
    assert!(by_type.contains("行政许可"));

    let bundle = html(&t, "/bundles/enterprise-registration").await;
    assert!(bundle.contains("名称预先核准") && bundle.contains("企业名称预先核准"));
    assert!(bundle.contains("5 个工作日"));

    let department = html(&t, "/departments/gsj").await;
    assert!(department.contains("A01") && department.contains("企业名称预先核准"));

    let stats = html(&t, "/statistics").await;
    assert!(stats.contains("37.") && stats.contains("窗口充分授权比例"));
    // Each department's on-time rate is public.
    assert!(stats.contains("id=\"on-time\"") && stats.contains("各部门按时办结率"));
}

#[tokio::test]
async fn the_kiosk_browses_by_department_and_item_with_large_targets() {
    let t = TestGateway::start().await;
    let home = html(&t, "/kiosk").await;
    assert!(home.contains("class=\"kiosk\""));
    assert!(
        home.contains("http-equiv=\"refresh\""),
        "back to the start when idle"
    );
    assert!(home.contains("href=\"/kiosk/departments/gsj\""));
    assert!(!home.contains("type=\"search\""), "no keyboard needed");
    let department = html(&t, "/kiosk/departments/gsj").await;
    assert!(department.contains("class=\"button\" href=\"/kiosk/items/"));
    let id = item_id(&t, "企业名称预先核准").await;
    let guide = html(&t, &format!("/kiosk/items/{id}")).await;
    assert!(guide.contains("申请材料"));
}

#[tokio::test]
async fn what_users_type_is_escaped() {
    let t = TestGateway::start().await;
    let page = html(&t, "/items?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E").await;
    assert!(!page.contains("<script>alert(1)"));
    assert!(page.contains("&lt;script&gt;alert(1)"));
}

#[tokio::test]
async fn unknown_items_are_a_404_page_and_headers_forbid_scripts() {
    let t = TestGateway::start().await;
    let r = t.get("/items/11140200010837015E019999000000").await;
    assert_eq!(r.status(), 404);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("script-src 'none'"));
    assert!(r.text().await.unwrap().contains("没有找到"));
}

#[tokio::test]
async fn the_audit_page_verifies_trails_and_shows_where_one_was_altered() {
    let t = TestGateway::start().await;
    let as_role = |role: onewindow_kit::auth::Role, path: &str| {
        t.http.get(t.url(path)).bearer_auth(t.token(role)).send()
    };
    let clerk = as_role(onewindow_kit::auth::Role::Clerk, "/supervision/audit")
        .await
        .unwrap();
    assert_eq!(clerk.status(), 403, "audit verification is for supervisors");

    let supervisor = onewindow_kit::auth::Role::Supervisor;
    let sweep = as_role(supervisor, "/supervision/audit?service=catalog&sweep=1")
        .await
        .unwrap();
    assert_eq!(sweep.status(), 200);
    let sweep = sweep.text().await.unwrap();
    assert!(sweep.contains("table class=\"audit\""), "{sweep}");
    // The demo catalog came in as one import, recorded in the catalog's own trail (and
    // each object it brought in on its own).
    assert!(
        sweep.contains("object_type=catalog&amp;object_id=import"),
        "the import's trail is swept: {sweep}"
    );
    assert!(
        !sweep.contains("class=\"red\""),
        "every demo trail is intact"
    );

    let object = "/supervision/audit?service=catalog&object_type=catalog&object_id=import";
    let intact = as_role(supervisor, object)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(intact.contains("完整"), "{intact}");

    // An entry edited behind the service's back: the page names the break.
    sqlx::query(
        "UPDATE kit_audit SET actor = 'mallory' WHERE seq = \
         (SELECT MIN(seq) FROM kit_audit WHERE object_type = 'catalog' AND object_id = 'import')",
    )
    .execute(t.db.db.writer())
    .await
    .unwrap();
    let broken = as_role(supervisor, object)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(broken.contains("链条断裂"), "{broken}");
    assert!(broken.contains("记录内容被改动"), "{broken}");
}
