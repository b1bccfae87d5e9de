//! Every shape of HTTP rule the contracts use, against the real catalog: path variables,
//! nested path fields, query parameters (enums, repeated, snake and camel case), `body: "*"`,
//! `body: "field"`, custom verbs, raw `google.api.HttpBody`, server-sent events.

use std::time::Duration;

use onewindow_kit::auth::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::{problem, TestGateway, INVESTMENT_ITEM};

#[tokio::test]
async fn path_variable_reaches_the_rpc_and_the_answer_is_proto3_json() {
    let t = TestGateway::start().await;
    let item = t
        .get_json(&format!("/api/v1/items/{INVESTMENT_ITEM}"))
        .await;
    assert_eq!(item["name"], "企业投资项目核准");
    assert_eq!(item["itemClass"], "ITEM_CLASS_COMPLEX", "enums by name");
    assert_eq!(item["statutoryLimitDays"], 15, "lowerCamelCase names");
    assert_eq!(
        item["revision"].as_str().is_some(),
        item.get("revision").is_some()
    );
    assert_eq!(item["departmentName"], "大同市发展和改革委员会");
}

#[tokio::test]
async fn query_parameters_bind_enums_paging_and_either_name_style() {
    let t = TestGateway::start().await;
    let page = t
        .get_json("/api/v1/items?query=%E8%AE%B8%E5%8F%AF&type=ITEM_TYPE_LICENSE&pageSize=5")
        .await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    assert!(items.iter().all(|i| i["type"] == "ITEM_TYPE_LICENSE"));
    assert!(page["totalSize"].as_i64().unwrap() > 5);
    let token = page["nextPageToken"].as_str().unwrap();

    // snake_case names and enum numbers are accepted too.
    let next = t
        .get_json(&format!(
            "/api/v1/items?query=%E8%AE%B8%E5%8F%AF&type=1&page_size=5&page_token={token}"
        ))
        .await;
    let next_items = next["items"].as_array().unwrap();
    assert!(!next_items.is_empty());
    assert!(next_items
        .iter()
        .all(|n| !items.iter().any(|i| i["id"] == n["id"])));

    // The basic view leaves out each item's lists.
    let basic = t
        .get_json("/api/v1/items?query=%E8%AE%B8%E5%8F%AF&type=ITEM_TYPE_LICENSE&pageSize=5&view=ITEM_VIEW_BASIC")
        .await;
    let basic_items = basic["items"].as_array().unwrap();
    assert_eq!(basic_items.len(), 5);
    assert!(items.iter().any(|i| i.get("materials").is_some()));
    for (b, i) in basic_items.iter().zip(items) {
        assert_eq!((&b["id"], &b["name"]), (&i["id"], &i["name"]));
        assert!(
            b.get("materials").is_none() && b.get("steps").is_none(),
            "{b}"
        );
    }
}

#[tokio::test]
async fn custom_verb_with_path_and_query_parameters() {
    let t = TestGateway::start().await;
    let r = t
        .get_json("/api/v1/calendars/140200:addWorkingDays?from=2026-09-30&days=5")
        .await;
    // 2026: the National Day holiday runs 1-8 October, so five working days land after it.
    let date = r["date"].as_str().unwrap();
    assert!(date > "2026-10-08", "{date}");
    let year = t.get_json("/api/v1/calendars/140200/years/2026").await;
    assert_eq!(year["year"], 2026);
    assert_eq!(year["published"], true);
}

/// A new item's content built from a demo item, as REST JSON.
async fn new_item_json(t: &TestGateway, main: &str) -> Value {
    let mut item = t
        .get_json(&format!("/api/v1/items/{INVESTMENT_ITEM}"))
        .await;
    let credit = &INVESTMENT_ITEM[..18];
    let basic = format!("{}{main}001000", &item["basicCode"].as_str().unwrap()[..2]);
    let obj = item.as_object_mut().unwrap();
    for k in [
        "version",
        "status",
        "validFrom",
        "validUntil",
        "publishedAt",
        "revision",
        "departmentName",
    ] {
        obj.remove(k);
    }
    obj.insert("id".into(), json!(format!("{credit}{basic}")));
    obj.insert("basicCode".into(), json!(basic));
    obj.insert("name".into(), json!(format!("测试事项{main}")));
    item
}

#[tokio::test]
async fn body_field_and_nested_path_fields_drive_the_draft_lifecycle() {
    let t = TestGateway::start().await;
    let item = new_item_json(&t, "9003").await;
    let id = item["id"].as_str().unwrap().to_string();

    // body: "item", request_id from the query.
    let r = t
        .send_json(
            Method::POST,
            "/api/v1/items?requestId=r1",
            Some(Role::CatalogAdmin),
            &item,
        )
        .await;
    assert_eq!(r.status(), 200);
    let draft: Value = r.json().await.unwrap();
    assert_eq!(draft["version"], 1);
    assert_eq!(draft["status"], "VERSION_STATUS_DRAFT");

    // {item.id} and {item.version} come from the path, the rest of the item from the body.
    let mut change = draft.clone();
    change["name"] = json!("改名后的测试事项");
    change.as_object_mut().unwrap().remove("id");
    let r = t
        .send_json(
            Method::PATCH,
            &format!("/api/v1/items/{id}/versions/1?request_id=r2"),
            Some(Role::CatalogAdmin),
            &change,
        )
        .await;
    assert_eq!(r.status(), 200);
    let updated: Value = r.json().await.unwrap();
    assert_eq!(updated["name"], "改名后的测试事项");
    assert_eq!(updated["id"], id.as_str());

    // A stale revision: ABORTED is 409.
    let mut stale = updated.clone();
    stale["revision"] = json!("999");
    let r = t
        .send_json(
            Method::PATCH,
            &format!("/api/v1/items/{id}/versions/1?requestId=r2b"),
            Some(Role::CatalogAdmin),
            &stale,
        )
        .await;
    assert_eq!(r.status(), 409);
    assert_eq!(problem(r).await["code"], "ABORTED");

    // body: "*" with a custom verb; path variables fill item_id and version.
    let publish = json!({"requestId": "r3", "validFrom": "2026-11-30"});
    let path = format!("/api/v1/items/{id}/versions/1:publish");
    let r = t
        .send_json(Method::POST, &path, Some(Role::CatalogAdmin), &publish)
        .await;
    assert_eq!(r.status(), 200);
    let published: Value = r.json().await.unwrap();
    assert_eq!(published["status"], "VERSION_STATUS_PUBLISHED");

    // Publishing again is an illegal transition: 400 with the precondition failure.
    let again = json!({"requestId": "r4", "validFrom": "2026-11-30"});
    let r = t
        .send_json(Method::POST, &path, Some(Role::CatalogAdmin), &again)
        .await;
    assert_eq!(r.status(), 400);
    let p = problem(r).await;
    assert_eq!(p["code"], "FAILED_PRECONDITION");
    assert!(
        !p["preconditionFailures"].as_array().unwrap().is_empty(),
        "{p}"
    );
}

#[tokio::test]
async fn body_field_with_a_nested_path_id_puts_a_department() {
    let t = TestGateway::start().await;
    let mut department = t.get_json("/api/v1/departments/gsj").await;
    department["phone"] = json!("0352-1234567");
    // The path names the department; the body's copy of the id is overridden by it.
    department["id"] = json!("ignored");
    let r = t
        .send_json(
            Method::PUT,
            "/api/v1/departments/gsj?requestId=put-1",
            Some(Role::CatalogAdmin),
            &department,
        )
        .await;
    assert_eq!(r.status(), 200);
    let saved: Value = r.json().await.unwrap();
    assert_eq!(saved["id"], "gsj");
    assert_eq!(
        t.get_json("/api/v1/departments/gsj").await["phone"],
        "0352-1234567"
    );
}

#[tokio::test]
async fn http_body_responses_are_returned_raw_with_their_content_type() {
    let t = TestGateway::start().await;
    let r = t
        .get("/api/v1/catalog:export?format=EXPORT_FORMAT_CSV")
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let bytes = r.bytes().await.unwrap();
    assert!(
        bytes.starts_with(&[0xEF, 0xBB, 0xBF]),
        "CSV starts with a BOM for Excel"
    );
    assert!(String::from_utf8_lossy(&bytes).contains("企业投资项目核准"));

    let r = t
        .get("/api/v1/catalog:export?format=EXPORT_FORMAT_JSON")
        .await;
    assert_eq!(r.headers()["content-type"], "application/json");
    let snapshot: Value = r.json().await.unwrap();
    assert_eq!(snapshot["items"].as_array().unwrap().len(), 170);
}

/// Reads server-sent events until `n` data lines arrived (or a few seconds passed).
async fn read_events(r: reqwest::Response, n: usize) -> Vec<(String, Value)> {
    let mut r = r;
    let mut buffer = String::new();
    let mut events = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while events.len() < n {
        let chunk = tokio::time::timeout_at(deadline, r.chunk()).await;
        let Ok(Ok(Some(chunk))) = chunk else { break };
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let id = block
                .lines()
                .find_map(|l| l.strip_prefix("id:"))
                .unwrap_or_default()
                .trim()
                .to_string();
            if let Some(data) = block.lines().find_map(|l| l.strip_prefix("data:")) {
                events.push((id, serde_json::from_str(data.trim()).unwrap()));
            }
        }
    }
    events
}

#[tokio::test]
async fn watch_streams_as_server_sent_events_with_repeated_kinds() {
    let t = TestGateway::start().await;
    let mut department = t.get_json("/api/v1/departments/zjj").await;
    department["phone"] = json!("0352-7654321");
    let r = t
        .send_json(
            Method::PUT,
            "/api/v1/departments/zjj?requestId=w1",
            Some(Role::CatalogAdmin),
            &department,
        )
        .await;
    assert_eq!(r.status(), 200);
    let cancel = json!({"requestId": "w2", "effectiveDate": "2026-12-31", "reason": "测试取消"});
    let r = t
        .send_json(
            Method::POST,
            &format!("/api/v1/items/{INVESTMENT_ITEM}:cancel"),
            Some(Role::CatalogAdmin),
            &cancel,
        )
        .await;
    assert_eq!(r.status(), 200);

    let r = t
        .http
        .get(t.url(
            "/api/v1/catalog/events?kinds=catalog.department.changed&kinds=catalog.item.cancelled",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let events = read_events(r, 2).await;
    let kinds: Vec<&str> = events
        .iter()
        .map(|(_, e)| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["catalog.department.changed", "catalog.item.cancelled"]
    );
    // The event id is the sequence number, so a reconnecting client resumes after it.
    let (first_id, first) = &events[0];
    assert_eq!(first_id, first["seq"].as_str().unwrap());

    let r = t
        .http
        .get(t.url(
            "/api/v1/catalog/events?kinds=catalog.department.changed&kinds=catalog.item.cancelled",
        ))
        .header("last-event-id", first_id.as_str())
        .send()
        .await
        .unwrap();
    let resumed = read_events(r, 1).await;
    assert_eq!(resumed[0].1["kind"], "catalog.item.cancelled");
}
