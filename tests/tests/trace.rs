//! One trace across the center: a browser's request to the gateway, the service's RPC, the
//! event it stores in its outbox, and supervision's handling of that event all belong to the
//! trace the browser started, each span the child of the one before.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::time::Duration;

use onewindow::{Settings, Standalone};
use onewindow_kit::auth::{Principal, Role};
use onewindow_kit::config::TelemetrySettings;
use opentelemetry::trace::{SpanId, TraceId};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};

/// The browser's own span, as a W3C `traceparent` would carry it.
const BROWSER_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const BROWSER_SPAN: &str = "00f067aa0ba902b7";

const POLLS: u32 = 400;
const POLL: Duration = Duration::from_millis(25);

fn attribute(span: &SpanData, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.as_str().into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_request_and_the_event_it_causes_form_one_trace() {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    onewindow_kit::telemetry::init_with_provider(
        &TelemetrySettings {
            log_filter: "warn".into(),
            ..TelemetrySettings::default()
        },
        provider.clone(),
    )
    .unwrap();

    let data = tempfile::tempdir().unwrap();
    let mut settings = Settings {
        data_dir: data.path().display().to_string(),
        grpc_addr: "127.0.0.1:0".into(),
        ..Settings::default()
    };
    settings.gateway.listen_addr = "127.0.0.1:0".into();
    let issuer = Standalone::issuer(&settings).unwrap();
    let center = Standalone::build(settings).await.unwrap();
    let base = format!("http://{}", center.http_addr());
    let stop = tokio_util::sync::CancellationToken::new();
    let running = tokio::spawn(center.run_until(stop.clone().cancelled_owned()));

    let admin = Principal {
        subject: "u-catalog-admin".into(),
        name: "目录管理员".into(),
        roles: vec![Role::CatalogAdmin],
        department: None,
        region: Some("140200".into()),
    };
    let token = issuer
        .issue(&admin, chrono::Utc::now().timestamp(), 600)
        .unwrap();
    let response = reqwest::Client::new()
        .put(format!(
            "{base}/api/v1/departments/tracetest?requestId=trace-put-department-1"
        ))
        .bearer_auth(token)
        .header(
            "traceparent",
            format!("00-{BROWSER_TRACE}-{BROWSER_SPAN}-01"),
        )
        .json(&serde_json::json!({
            "id": "tracetest",
            "name": "追踪测试局",
            "regionCode": "140200",
            "creditCode": "11140200017179254H",
        }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    assert!(
        status.is_success(),
        "PUT department: {status} {}",
        response.text().await.unwrap_or_default()
    );

    // Supervision applies the catalog's event in the background; its span ends after that.
    let trace_id = TraceId::from_hex(BROWSER_TRACE).unwrap();
    let mut spans = Vec::new();
    for _ in 0..POLLS {
        spans = exporter
            .get_finished_spans()
            .unwrap()
            .into_iter()
            .filter(|s| s.span_context.trace_id() == trace_id)
            .collect();
        let consumed = spans.iter().any(|s| {
            s.name == "consume"
                && attribute(s, "consumer").as_deref() == Some("supervision<-catalog")
        });
        if consumed {
            break;
        }
        tokio::time::sleep(POLL).await;
    }
    let names: Vec<String> = spans.iter().map(|s| s.name.to_string()).collect();

    let by_id: HashMap<SpanId, &SpanData> = spans
        .iter()
        .map(|s| (s.span_context.span_id(), s))
        .collect();
    let find = |name: &str, pick: &dyn Fn(&SpanData) -> bool| -> &SpanData {
        spans
            .iter()
            .find(|s| s.name == name && pick(s))
            .unwrap_or_else(|| panic!("no {name} span in the browser's trace: {names:?}"))
    };
    let http = find("http.request", &|s| {
        attribute(s, "http.method").as_deref() == Some("PUT")
    });
    let rpc = find("grpc.request", &|s| {
        attribute(s, "rpc.method").as_deref()
            == Some("/onewindow.catalog.v1.CatalogService/PutDepartment")
    });
    let consumed = find("consume", &|s| {
        attribute(s, "consumer").as_deref() == Some("supervision<-catalog")
            && attribute(s, "kind").as_deref() == Some("catalog.department.changed")
    });

    // The gateway's span continues the browser's; the RPC's continues the gateway's.
    assert_eq!(http.parent_span_id, SpanId::from_hex(BROWSER_SPAN).unwrap());
    assert_eq!(rpc.parent_span_id, http.span_context.span_id());
    // The consumer's span descends from the RPC's through spans of the same trace only.
    let mut at = consumed;
    let mut chain = vec![at.name.to_string()];
    while at.span_context.span_id() != rpc.span_context.span_id() {
        at = by_id.get(&at.parent_span_id).unwrap_or_else(|| {
            panic!(
                "the chain {chain:?} breaks: parent {} is not a span of the trace {names:?}",
                at.parent_span_id
            )
        });
        chain.push(at.name.to_string());
    }

    stop.cancel();
    running.await.unwrap().unwrap();
    let _ = provider.shutdown();
}
