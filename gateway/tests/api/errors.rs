//! Errors as problem details: gRPC codes through the grpc-gateway table, field violations
//! from the status details, the gateway's own refusals, limits.

use onewindow_kit::auth::Role;
use reqwest::Method;
use serde_json::json;

use crate::{problem, TestGateway, INVESTMENT_ITEM};

#[tokio::test]
async fn an_unknown_item_is_404_not_found() {
    let t = TestGateway::start().await;
    let r = t.get("/api/v1/items/11140200010837015E019999000000").await;
    assert_eq!(r.status(), 404);
    let p = problem(r).await;
    assert_eq!(p["status"], 404);
    assert_eq!(p["code"], "NOT_FOUND");
    assert_eq!(p["title"], "Not Found");
}

#[tokio::test]
async fn invalid_content_is_400_with_every_field_violation() {
    let t = TestGateway::start().await;
    let mut item = t
        .get_json(&format!("/api/v1/items/{INVESTMENT_ITEM}"))
        .await;
    let statutory = item["statutoryLimitDays"].as_i64().unwrap();
    item["id"] = json!(format!("{}010101900200", &INVESTMENT_ITEM[..18]));
    item["basicCode"] = json!("010101900200");
    item["name"] = json!("");
    item["promisedLimitDays"] = json!(statutory + 1);
    item["departmentId"] = json!("no-such-dept");
    for k in [
        "version",
        "status",
        "validFrom",
        "publishedAt",
        "revision",
        "departmentName",
    ] {
        item.as_object_mut().unwrap().remove(k);
    }
    let r = t
        .send_json(
            Method::POST,
            "/api/v1/items?requestId=bad-1",
            Some(Role::CatalogAdmin),
            &item,
        )
        .await;
    assert_eq!(r.status(), 400);
    let p = problem(r).await;
    assert_eq!(p["code"], "INVALID_ARGUMENT");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert!(!e["description"].as_str().unwrap().is_empty());
            e["field"].as_str().unwrap()
        })
        .collect();
    for f in [
        "item.name",
        "item.promised_limit_days",
        "item.department_id",
    ] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
}

#[tokio::test]
async fn bad_query_parameters_are_refused_before_any_call() {
    let t = TestGateway::start().await;
    let p = problem(t.get("/api/v1/items?nope=1").await).await;
    assert_eq!(p["status"], 400);
    assert_eq!(p["errors"][0]["field"], "nope");

    let p = problem(t.get("/api/v1/items?type=ITEM_TYPE_MAGIC").await).await;
    assert_eq!(p["errors"][0]["field"], "type");
    assert!(p["errors"][0]["description"]
        .as_str()
        .unwrap()
        .contains("ITEM_TYPE_LICENSE"));

    let p = problem(t.get("/api/v1/items?pageSize=many").await).await;
    assert_eq!(p["errors"][0]["field"], "pageSize");

    let r = t
        .http
        .post(t.url(&format!("/api/v1/items/{INVESTMENT_ITEM}:cancel")))
        .bearer_auth(t.token(Role::CatalogAdmin))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn writes_need_a_token_and_the_right_role() {
    let t = TestGateway::start().await;
    let cancel = json!({"requestId": "c1", "effectiveDate": "2026-12-31", "reason": "x"});
    let path = format!("/api/v1/items/{INVESTMENT_ITEM}:cancel");

    let r = t.send_json(Method::POST, &path, None, &cancel).await;
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    assert_eq!(problem(r).await["code"], "UNAUTHENTICATED");

    let r = t
        .send_json(Method::POST, &path, Some(Role::Applicant), &cancel)
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(problem(r).await["code"], "PERMISSION_DENIED");

    let r = t
        .http
        .get(t.url("/api/v1/items"))
        .bearer_auth("not.a.token")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        401,
        "a bad token is refused, not taken as anonymous"
    );
}

#[tokio::test]
async fn unknown_paths_and_methods_are_404_and_405() {
    let t = TestGateway::start().await;
    assert_eq!(t.get("/api/v1/nothing-here").await.status(), 404);
    let r = t
        .http
        .delete(t.url(&format!("/api/v1/items/{INVESTMENT_ITEM}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let t = TestGateway::start_with(|s| s.limits.max_body_bytes = 1024).await;
    let big = json!({"requestId": "x", "reason": "长".repeat(2000)});
    let r = t
        .send_json(
            Method::POST,
            &format!("/api/v1/items/{INVESTMENT_ITEM}:cancel"),
            Some(Role::CatalogAdmin),
            &big,
        )
        .await;
    assert_eq!(r.status(), 413);
}

#[tokio::test]
async fn anonymous_callers_are_rate_limited_per_address_signed_in_ones_are_not() {
    let t = TestGateway::start_with(|s| {
        s.limits.anonymous_burst = 3.0;
        s.limits.anonymous_per_second = 0.01;
    })
    .await;
    for _ in 0..3 {
        assert_eq!(t.get("/api/v1/regions").await.status(), 200);
    }
    let r = t.get("/api/v1/regions").await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(problem(r).await["code"], "RESOURCE_EXHAUSTED");

    let r = t
        .http
        .get(t.url("/api/v1/regions"))
        .bearer_auth(t.token(Role::Clerk))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Liveness is never limited.
    assert_eq!(t.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn readiness_follows_the_upstreams_health() {
    let t = TestGateway::start().await;
    let r = t.get("/readyz").await;
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        body["upstreams"][format!("http://{}", t.catalog_addr)],
        "SERVING"
    );

    // A gateway whose upstream is a closed port is alive but not ready.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let down =
        TestGateway::start_with(|s| s.upstreams.default = format!("http://127.0.0.1:{port}")).await;
    assert_eq!(down.get("/healthz").await.status(), 200);
    assert_eq!(down.get("/readyz").await.status(), 503);
    let r = down.get("/api/v1/regions").await;
    assert_eq!(r.status(), 503);
    assert_eq!(problem(r).await["code"], "UNAVAILABLE");
}
