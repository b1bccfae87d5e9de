//! `GET /metrics`: requests counted under their route template, never their raw path.

use crate::TestGateway;

#[tokio::test]
async fn requests_are_counted_by_route_template_and_never_by_raw_path() {
    let gw = TestGateway::start().await;
    // A page and a REST call whose paths carry a case number, and a path nothing serves.
    gw.get("/cases/140200-2026-918273").await;
    let rest = gw.get("/api/v1/cases/140200-2026-918273").await;
    assert!(rest.status().is_client_error() || rest.status().is_server_error());
    let rest_class = if rest.status().is_server_error() {
        "5xx"
    } else {
        "4xx"
    };
    let missing = gw.get("/no-such-page-645372").await;
    assert_eq!(missing.status(), 404);

    let response = gw.get("/metrics").await;
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    let text = response.text().await.unwrap();

    assert!(
        text.contains(r#"onewindow_http_requests_total{method="GET",route="/cases/{case_id}"}"#),
        "{text}"
    );
    assert!(
        text.contains(r#"onewindow_http_request_duration_seconds_count{method="GET",route="/cases/{case_id}"}"#),
        "{text}"
    );
    let rest_errors = format!(
        r#"onewindow_http_errors_total{{method="GET",route="/api/v1/{{*rest}}",class="{rest_class}"}}"#
    );
    assert!(text.contains(&rest_errors), "{rest_errors} in {text}");
    assert!(
        text.contains(r#"onewindow_http_errors_total{method="GET",route="unmatched",class="4xx"}"#),
        "{text}"
    );
    assert!(
        !text.contains("918273"),
        "a case number leaked into the metrics"
    );
    assert!(
        !text.contains("645372"),
        "a raw path leaked into the metrics"
    );
    // The services behind the gateway (here the catalog, in this process) are in it too.
    assert!(
        text.contains("onewindow_grpc_server_requests_total"),
        "{text}"
    );
}

#[tokio::test]
async fn metrics_can_be_kept_off_the_public_listener() {
    let gw = TestGateway::start_with(|s| s.serve_metrics = false).await;
    assert_eq!(gw.get("/metrics").await.status(), 404);
}
