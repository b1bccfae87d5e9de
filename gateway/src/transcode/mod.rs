//! REST/JSON to gRPC, generically: the route of a request comes from the google.api.http
//! options, its message from the path, query and body, its answer from the output
//! descriptor (JSON, raw `google.api.HttpBody`, or server-sent events for streams).

pub mod request;
pub mod routes;
pub mod template;

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::StreamExt;
use prost::Message;
use prost_reflect::{DynamicMessage, MessageDescriptor, SerializeOptions, Value};

use crate::auth::{Caller, Via};
use crate::problem::Problem;
use crate::AppState;
pub use routes::{BodyRule, Route, RouteTable};

/// Every `/api/v1/...` request that is not the OpenAPI document.
pub async fn handle(State(state): State<Arc<AppState>>, req: Request) -> Response {
    match transcode(&state, req).await {
        Ok(response) => response,
        Err(problem) => problem.into_response(),
    }
}

async fn transcode(state: &AppState, req: Request) -> Result<Response, Problem> {
    let caller = req
        .extensions()
        .get::<Caller>()
        .cloned()
        .unwrap_or_else(Caller::anonymous);
    let (parts, body) = req.into_parts();
    let method = if parts.method == Method::HEAD {
        Method::GET
    } else {
        parts.method.clone()
    };
    let (route, vars) = match state.routes.find(&method, parts.uri.path()) {
        Ok(found) => found,
        Err(true) => {
            return Err(Problem::new(
                StatusCode::METHOD_NOT_ALLOWED,
                format!("{} is not allowed here", parts.method),
            ))
        }
        Err(false) => return Err(Problem::not_found("no such resource")),
    };
    // A browser session may read the API, but a change through it must prove it comes from
    // our own pages (the CSRF header), else any site could post with the user's cookie.
    if caller.via == Via::Cookie
        && method != Method::GET
        && !state.auth.csrf_header_ok(&parts.headers, &caller)
    {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "send a bearer token, or the x-csrf-token header with a session cookie",
        ));
    }
    // The global body limit lets the largest upload through; the route's own is applied
    // here, by the declared length first so that a refused body is not waited for.
    let limit = state.settings.limits.body_limit(route.carries_files);
    let too_large = || {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is too large: at most {limit} bytes here"),
        )
    };
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > u64::try_from(limit).unwrap_or(u64::MAX)) {
        return Err(too_large());
    }
    // Held until the answer is made: the body, its files and the message sent on. Every
    // call that carries files needs a signed-in caller (the services refuse the anonymous
    // anyway), so nobody unknown can hold the few turns by trickling a body.
    let _turn = if route.carries_files {
        if caller.token.is_none() {
            return Err(Problem::unauthenticated("sign in to send files"));
        }
        Some(state.uploads.enter().await.map_err(Problem::uploads_busy)?)
    } else {
        None
    };
    let body = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| too_large())?;

    let mut extra = Vec::new();
    if route.streaming() {
        // A reconnecting EventSource resumes after the last event it saw.
        let resumes = parts
            .headers
            .get("last-event-id")
            .and_then(|v| v.to_str().ok())
            .filter(|_| route.rpc.input().get_field_by_name("after_seq").is_some());
        let in_query = parts
            .uri
            .query()
            .is_some_and(|q| q.contains("after_seq=") || q.contains("afterSeq="));
        if let (Some(last), false) = (resumes, in_query) {
            extra.push(("after_seq".to_string(), last.to_string()));
        }
    }
    // Each form of an upload is let go as soon as the next is made (the body inside
    // `build`): the JSON, the message and its encoding each hold the files, and the call
    // lasts as long as the service takes.
    let message = request::build(route, vars, parts.uri.query(), body, &extra)?;
    // A mutation with its id may be sent again: the service answers an id once.
    let keyed = matches!(
        message.get_field_by_name("request_id").as_deref(),
        Some(Value::String(id)) if !id.is_empty()
    );
    let encoded = Bytes::from(message.encode_to_vec());
    drop(message);
    let token = caller.token.as_deref();

    if route.streaming() {
        let stream = state
            .upstreams
            .server_streaming(&route.package, &route.grpc_path, encoded, token)
            .await
            .map_err(|s| Problem::from_status(&s))?;
        let output = route.rpc.output();
        let events = stream.map(move |item| -> Result<Event, Infallible> {
            Ok(match item {
                Ok(bytes) => {
                    let encoded_len = bytes.len();
                    let json = DynamicMessage::decode(output.clone(), bytes)
                        .map_err(|e| bad_upstream(&e.to_string()))
                        .and_then(|msg| Ok((to_json(&msg, encoded_len)?, msg)));
                    match json {
                        Ok((json, msg)) => {
                            // serde_json writes UTF-8 only.
                            let text = String::from_utf8_lossy(&json);
                            let mut event = Event::default().data(text);
                            if let Some(Value::I64(seq)) = msg.get_field_by_name("seq").as_deref() {
                                event = event.id(seq.to_string());
                            }
                            event
                        }
                        Err(problem) => Event::default().event("error").data(problem.to_json()),
                    }
                }
                Err(status) => Event::default()
                    .event("error")
                    .data(Problem::from_status(&status).to_json()),
            })
        });
        // Streams end at shutdown, so that draining does not wait for idle watchers.
        let events = events.take_until(state.shutdown.clone().cancelled_owned());
        return Ok(Sse::new(events)
            .keep_alive(KeepAlive::default())
            .into_response());
    }

    let answer = state
        .upstreams
        .unary(&route.package, &route.grpc_path, encoded, token, keyed)
        .await
        .map_err(|s| Problem::from_status(&s))?;
    respond(route, answer)
}

fn bad_upstream(why: &str) -> Problem {
    tracing::warn!(error = why, "upstream answer does not decode");
    Problem::new(
        StatusCode::BAD_GATEWAY,
        "the service answered in an unknown form",
    )
}

/// The HTTP answer of a unary call.
fn respond(route: &Route, answer: Bytes) -> Result<Response, Problem> {
    let output: MessageDescriptor = route.rpc.output();
    let encoded_len = answer.len();
    let message =
        DynamicMessage::decode(output.clone(), answer).map_err(|e| bad_upstream(&e.to_string()))?;
    if output.full_name() == "google.api.HttpBody" {
        return Ok(raw_body(&message));
    }
    let body = match &route.response_body {
        Some(field) => match message.get_field_by_name(field).as_deref() {
            Some(Value::Message(inner)) => to_json(inner, encoded_len)?,
            _ => to_json(&message, encoded_len)?,
        },
        None => to_json(&message, encoded_len)?,
    };
    let mut response = Response::new(Body::from(body));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

/// A `google.api.HttpBody` as it is: its bytes with its content type.
fn raw_body(message: &DynamicMessage) -> Response {
    let content_type = match message.get_field_by_name("content_type").as_deref() {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => "application/octet-stream".into(),
    };
    let data = match message.get_field_by_name("data").as_deref() {
        Some(Value::Bytes(b)) => b.clone(),
        _ => Bytes::new(),
    };
    let mut response = Response::new(Body::from(data));
    let value = HeaderValue::from_str(&content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    response.headers_mut().insert(header::CONTENT_TYPE, value);
    response
}

/// Proto3 JSON: lowerCamelCase, enums by name, 64-bit integers as strings, defaults omitted.
/// `encoded_len`, the size of the message as protobuf, sizes the buffer (the JSON is
/// rarely more than twice as long). A message that has no JSON form (a value the mapping
/// cannot write) is the service's fault, answered as such: never as an empty object.
pub fn to_json(message: &DynamicMessage, encoded_len: usize) -> Result<Vec<u8>, Problem> {
    let mut out = serde_json::Serializer::new(Vec::with_capacity(encoded_len * 2 + 16));
    message
        .serialize_with_options(&mut out, &SerializeOptions::new())
        .map_err(|e| bad_upstream(&format!("no JSON form: {e}")))?;
    Ok(out.into_inner())
}
