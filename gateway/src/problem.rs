//! Errors as HTTP problem details (RFC 9457): a gRPC status maps through the grpc-gateway
//! table, with field violations and precondition failures taken from the status details.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tonic::Code;
use tonic_types::StatusExt;

pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PreconditionError {
    #[serde(rename = "type")]
    pub kind: String,
    pub subject: String,
    pub description: String,
}

/// One problem document.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: AboutBlank,
    pub title: &'static str,
    #[serde(serialize_with = "as_u16")]
    pub status: StatusCode,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// The gRPC code behind the problem, e.g. `NOT_FOUND`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    #[serde(rename = "preconditionFailures", skip_serializing_if = "Vec::is_empty")]
    pub precondition_failures: Vec<PreconditionError>,
    #[serde(skip)]
    pub retry_after_secs: Option<u32>,
}

/// The problem type of every problem here: the status code says it all (RFC 9457 4.2.1).
#[derive(Debug, Clone, Copy, Default)]
pub struct AboutBlank;

impl Serialize for AboutBlank {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("about:blank")
    }
}

fn as_u16<S: serde::Serializer>(status: &StatusCode, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u16(status.as_u16())
}

/// The code an answer stands for: a connection lost under the call (the client's UNKNOWN or
/// CANCELLED with a transport error) is the service being unavailable (503, try again), not
/// an unknown error inside it.
pub fn code_of(status: &tonic::Status) -> Code {
    if onewindow_kit::remote::is_transport_failure(status) {
        Code::Unavailable
    } else {
        status.code()
    }
}

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Problem {
            kind: AboutBlank,
            title: status.canonical_reason().unwrap_or("Error"),
            status,
            detail: detail.into(),
            code: None,
            errors: Vec::new(),
            precondition_failures: Vec::new(),
            retry_after_secs: None,
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::BAD_REQUEST, detail)
    }

    /// A request that is wrong in one named field.
    pub fn field(field: impl Into<String>, description: impl Into<String>) -> Self {
        let description = description.into();
        let field = field.into();
        let mut p = Problem::bad_request(format!("invalid argument: {field}: {description}"));
        p.code = Some("INVALID_ARGUMENT");
        p.errors.push(FieldError { field, description });
        p
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        let mut p = Problem::new(StatusCode::NOT_FOUND, detail);
        p.code = Some("NOT_FOUND");
        p
    }

    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        let mut p = Problem::new(StatusCode::UNAUTHORIZED, detail);
        p.code = Some("UNAUTHENTICATED");
        p
    }

    pub fn too_many_requests(retry_after_secs: u32) -> Self {
        Problem::retry_later(
            StatusCode::TOO_MANY_REQUESTS,
            "RESOURCE_EXHAUSTED",
            "too many requests from this address; sign in or slow down",
            retry_after_secs,
        )
    }

    /// Every turn for uploads is taken ([`crate::limits::UploadGate`]).
    pub fn uploads_busy(retry_after_secs: u32) -> Self {
        Problem::retry_later(
            StatusCode::SERVICE_UNAVAILABLE,
            "UNAVAILABLE",
            "many files are being uploaded at the moment; send this again shortly",
            retry_after_secs,
        )
    }

    /// A refusal for now, to be sent again after `retry_after_secs` (at least 1).
    fn retry_later(
        status: StatusCode,
        code: &'static str,
        detail: &str,
        retry_after_secs: u32,
    ) -> Self {
        let mut p = Problem::new(status, detail);
        p.code = Some(code);
        p.retry_after_secs = Some(retry_after_secs.max(1));
        p
    }

    /// The problem a gRPC status stands for.
    pub fn from_status(status: &tonic::Status) -> Self {
        let code = code_of(status);
        let http = http_status(code);
        let detail = match code {
            // Transport failures carry internal text (addresses, library errors): log it,
            // tell the client only what it can act on.
            Code::Unavailable | Code::Unknown => {
                tracing::warn!(code = ?status.code(), message = status.message(), "upstream failed");
                "the service is unavailable; try again later".to_string()
            }
            _ => status.message().to_string(),
        };
        let mut p = Problem::new(http, detail);
        p.code = Some(code_name(code));
        let details = status.get_error_details();
        if let Some(bad) = details.bad_request() {
            p.errors = bad
                .field_violations
                .iter()
                .map(|v| FieldError {
                    field: v.field.clone(),
                    description: v.description.clone(),
                })
                .collect();
        }
        if let Some(pre) = details.precondition_failure() {
            p.precondition_failures = pre
                .violations
                .iter()
                .map(|v| PreconditionError {
                    kind: v.r#type.clone(),
                    subject: v.subject.clone(),
                    description: v.description.clone(),
                })
                .collect();
        }
        if let Some(retry) = details.retry_info().and_then(|r| r.retry_delay) {
            p.retry_after_secs = Some(u32::try_from(retry.as_secs()).unwrap_or(u32::MAX).max(1));
        }
        p
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.to_json()).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(secs) = self.retry_after_secs {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// Errors the tower layers answer before any handler runs (a body over the limit by its
/// Content-Length, a request past its time) carry the layer's bare status; on the REST API
/// they become problem documents like every other error. Pages keep their own answers.
pub async fn layer_errors_as_problems(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if !api || is_problem || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let detail = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "the body is too large",
        StatusCode::GATEWAY_TIMEOUT => "the request took too long (a slow body or a slow service)",
        _ => "",
    };
    let mut problem = Problem::new(status, detail);
    problem.retry_after_secs = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let mut answer = problem.into_response();
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            answer.headers_mut().entry(name).or_insert(value.clone());
        }
    }
    answer
}

/// The grpc-gateway table from gRPC codes to HTTP statuses.
pub fn http_status(code: Code) -> StatusCode {
    match code {
        Code::Ok => StatusCode::OK,
        // 499 Client Closed Request (nginx) has no constant.
        Code::Cancelled => StatusCode::from_u16(499).unwrap_or(StatusCode::BAD_REQUEST),
        Code::Unknown => StatusCode::INTERNAL_SERVER_ERROR,
        Code::InvalidArgument => StatusCode::BAD_REQUEST,
        Code::DeadlineExceeded => StatusCode::GATEWAY_TIMEOUT,
        Code::NotFound => StatusCode::NOT_FOUND,
        Code::AlreadyExists => StatusCode::CONFLICT,
        Code::PermissionDenied => StatusCode::FORBIDDEN,
        Code::Unauthenticated => StatusCode::UNAUTHORIZED,
        Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
        Code::FailedPrecondition => StatusCode::BAD_REQUEST,
        Code::Aborted => StatusCode::CONFLICT,
        Code::OutOfRange => StatusCode::BAD_REQUEST,
        Code::Unimplemented => StatusCode::NOT_IMPLEMENTED,
        Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Code::DataLoss => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

pub fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::Unauthenticated => "UNAUTHENTICATED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic_types::ErrorDetails;

    #[test]
    fn field_violations_of_a_status_become_errors() {
        let mut details = ErrorDetails::new();
        details.add_bad_request_violation("item.name", "must not be empty");
        let status =
            tonic::Status::with_error_details(Code::InvalidArgument, "invalid argument", details);
        let p = Problem::from_status(&status);
        assert_eq!(p.status, StatusCode::BAD_REQUEST);
        assert_eq!(p.errors[0].field, "item.name");
        let json: serde_json::Value = serde_json::from_str(&p.to_json()).unwrap();
        assert_eq!(json["status"], 400);
        assert_eq!(json["errors"][0]["description"], "must not be empty");
    }

    #[test]
    fn precondition_failures_are_kept_and_map_to_400() {
        let mut details = ErrorDetails::new();
        details.add_precondition_failure_violation("STATE", "case/c1", "case is concluded");
        let status = tonic::Status::with_error_details(
            Code::FailedPrecondition,
            "case c1 is concluded",
            details,
        );
        let p = Problem::from_status(&status);
        assert_eq!(p.status, StatusCode::BAD_REQUEST);
        assert_eq!(p.precondition_failures[0].subject, "case/c1");
    }

    #[test]
    fn codes_follow_the_grpc_gateway_table() {
        assert_eq!(http_status(Code::NotFound), StatusCode::NOT_FOUND);
        assert_eq!(http_status(Code::Aborted), StatusCode::CONFLICT);
        assert_eq!(http_status(Code::Unauthenticated), StatusCode::UNAUTHORIZED);
        assert_eq!(http_status(Code::PermissionDenied), StatusCode::FORBIDDEN);
        assert_eq!(http_status(Code::Cancelled).as_u16(), 499);
        assert_eq!(
            http_status(Code::DeadlineExceeded),
            StatusCode::GATEWAY_TIMEOUT
        );
    }

    #[test]
    fn a_connection_lost_under_the_call_is_a_503_to_try_again() {
        let lost = tonic::Status::from_error(Box::new(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "connection reset",
        )));
        assert_eq!(lost.code(), Code::Unknown);
        let p = Problem::from_status(&lost);
        assert_eq!(p.status, 503);
        assert_eq!(p.code, Some("UNAVAILABLE"));
        // An UNKNOWN the server itself sent stays what it is.
        let sent = Problem::from_status(&tonic::Status::unknown("boom"));
        assert_eq!(sent.status, 500);
    }
}
