//! Liveness (`/healthz`: the process answers), readiness (`/readyz`: every upstream reports
//! grpc.health.v1 SERVING), the OpenAPI document, and the span of each HTTP request.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::AppState;

pub async fn healthz() -> Response {
    axum::Json(json!({"status": "ok"})).into_response()
}

pub async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    let checks = state.upstreams.health().await;
    let ready = checks.iter().all(|(_, r)| r.is_ok());
    let upstreams: serde_json::Map<String, serde_json::Value> = checks
        .into_iter()
        .map(|(uri, r)| {
            let v = match r {
                Ok(()) => json!("SERVING"),
                Err(why) => json!(why),
            };
            (uri, v)
        })
        .collect();
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({"status": if ready { "ready" } else { "not ready" }, "upstreams": upstreams});
    (status, axum::Json(body)).into_response()
}

pub async fn openapi(State(state): State<Arc<AppState>>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.openapi.clone(),
    )
        .into_response()
}

/// The span of an HTTP request, continuing the caller's trace when it sent `traceparent`;
/// calls to the services made inside it carry the trace on.
pub fn request_span<B>(req: &Request<B>) -> tracing::Span {
    let span = tracing::info_span!(
        "http.request",
        http.method = %req.method(),
        http.path = %req.uri().path(),
        otel.kind = "server",
        trace_id = tracing::field::Empty,
    );
    let carrier: HashMap<String, String> = ["traceparent", "tracestate"]
        .into_iter()
        .filter_map(|k| {
            req.headers()
                .get(k)
                .and_then(|v| v.to_str().ok())
                .map(|v| (k.to_string(), v.to_string()))
        })
        .collect();
    if !carrier.is_empty() {
        onewindow_kit::telemetry::set_parent_from(&span, &carrier);
    }
    // JSON log lines carry their span's fields: the trace id joins a line to its trace.
    onewindow_kit::telemetry::record_trace_id(&span);
    span
}
