//! One error type for every service's edge, and its single mapping to a gRPC status with
//! the richer error model (field violations, precondition failures).
//!
//! Domains keep their own `thiserror` enums and convert into [`Error`]; this module is the
//! only place that knows how an error becomes a status. Internal causes are logged here and
//! never sent to a client.

use std::fmt;

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// A value as the JSON text that stores, audit trails and events keep. A value that cannot be
/// written (a map with keys that are not strings, a failing `Serialize`) is an internal error,
/// never an empty object in its place.
pub fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value).map_err(Error::internal)
}

/// A bad field of a request: the path of the field (`item.promised_limit_days`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    pub field: String,
    pub description: String,
}

/// Collects every bad field of a request, so the client learns all of them at once.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Violations(Vec<FieldViolation>);

impl Violations {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, description: impl Into<String>) {
        self.0.push(FieldViolation {
            field: field.into(),
            description: description.into(),
        });
    }

    /// Adds `description` for `field` when `bad` holds.
    pub fn check(&mut self, bad: bool, field: impl Into<String>, description: impl Into<String>) {
        if bad {
            self.add(field, description);
        }
    }

    /// Adds "must be at most `max` characters" for `field` when `text` is longer. Characters,
    /// not bytes: a Chinese character counts as one.
    pub fn check_chars(&mut self, text: &str, max: usize, field: impl Into<String>) {
        if text.len() > max && text.chars().count() > max {
            self.add(field, format!("must be at most {max} characters"));
        }
    }

    /// Adds "must hold at most `max` items" for the list `field` when it holds more. Check a
    /// list's length before its items, so that the count leads what a client is told.
    pub fn check_items(&mut self, len: usize, max: usize, field: impl Into<String>) {
        if len > max {
            self.add(field, format!("must hold at most {max} items"));
        }
    }

    /// The field violations a status carries, as another service's edge sent them; none
    /// when it carries no bad request details.
    pub fn of_status(status: &Status) -> Violations {
        let mut v = Violations::new();
        if let Some(bad) = status.get_error_details().bad_request() {
            for f in &bad.field_violations {
                v.add(f.field.clone(), f.description.clone());
            }
        }
        v
    }

    /// Takes over the violations of another check, paths as they are.
    pub fn extend(&mut self, other: Violations) {
        self.0.extend(other.0);
    }

    /// Takes the violations of a nested part, prefixing their field paths.
    pub fn extend_prefixed(&mut self, prefix: &str, other: Violations) {
        for v in other.0 {
            self.add(format!("{prefix}.{}", v.field), v.description);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn as_slice(&self) -> &[FieldViolation] {
        &self.0
    }

    /// `Ok(())` when nothing was found, else the violations as an error.
    pub fn into_result(self) -> Result<(), Error> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::InvalidArgument(self))
        }
    }
}

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|v| format!("{}: {}", v.field, v.description))
            .collect();
        f.write_str(&parts.join("; "))
    }
}

/// What went wrong, in the terms a client can act on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid argument: {0}")]
    InvalidArgument(Violations),
    #[error("{kind} {id} not found")]
    NotFound { kind: &'static str, id: String },
    #[error("{kind} {id} already exists")]
    AlreadyExists { kind: &'static str, id: String },
    /// An illegal transition: the object is in `state`, which does not allow `command`.
    #[error("{kind} {id} is {state}: {command} is not allowed")]
    FailedPrecondition {
        kind: &'static str,
        id: String,
        state: String,
        command: String,
    },
    /// A stale update: the object changed since the client read it.
    #[error("{kind} {id} changed since it was read (revision {expected} given, {actual} current)")]
    Aborted {
        kind: &'static str,
        id: String,
        expected: i64,
        actual: i64,
    },
    #[error("unauthenticated: {0}")]
    Unauthenticated(String),
    #[error("permission denied: {0}")]
    PermissionDenied(String),
    #[error("resource exhausted: {0}")]
    ResourceExhausted(String),
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl Error {
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> Self {
        let mut v = Violations::new();
        v.add(field, description);
        Error::InvalidArgument(v)
    }

    pub fn not_found(kind: &'static str, id: impl Into<String>) -> Self {
        Error::NotFound {
            kind,
            id: id.into(),
        }
    }

    pub fn precondition(
        kind: &'static str,
        id: impl Into<String>,
        state: impl fmt::Display,
        command: impl Into<String>,
    ) -> Self {
        Error::FailedPrecondition {
            kind,
            id: id.into(),
            state: state.to_string(),
            command: command.into(),
        }
    }

    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Error::Internal(cause.into())
    }

    pub fn code(&self) -> Code {
        match self {
            Error::InvalidArgument(_) => Code::InvalidArgument,
            Error::NotFound { .. } => Code::NotFound,
            Error::AlreadyExists { .. } => Code::AlreadyExists,
            Error::FailedPrecondition { .. } => Code::FailedPrecondition,
            Error::Aborted { .. } => Code::Aborted,
            Error::Unauthenticated(_) => Code::Unauthenticated,
            Error::PermissionDenied(_) => Code::PermissionDenied,
            Error::ResourceExhausted(_) => Code::ResourceExhausted,
            Error::Unavailable(_) => Code::Unavailable,
            Error::Internal(_) => Code::Internal,
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        if database_unreachable(&e) {
            tracing::warn!(error = %e, "database unavailable");
            Error::Unavailable("the database is unavailable".into())
        } else {
            Error::Internal(e.into())
        }
    }
}

/// Whether `e` says the database cannot be reached (no connection, a connection lost, the
/// server shutting down or full) rather than that a statement failed: the former is
/// UNAVAILABLE, which a client may retry once the database is back.
fn database_unreachable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        // PostgreSQL: class 08 (connection exception), 57P01..57P03 (the server shutting
        // down or starting up), 53300 (too many connections).
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300")
        }),
        _ => false,
    }
}

/// A status travels back in HTTP/2 trailers, and tonic's client refuses a header block over
/// 16 KiB by dropping the whole connection, every call on it with it. A status echoes what
/// the client sent (an id it could not find, a value it got wrong), so its text is bounded
/// here whatever the request held: the message (percent-encoded, up to three times longer),
/// each text of the details (base64, a third longer) and how many violations are listed.
const MAX_MESSAGE_BYTES: usize = 1024;
const MAX_DETAIL_BYTES: usize = 160;
const MAX_LISTED_VIOLATIONS: usize = 10;

/// `text` cut to at most `max` bytes on a character boundary, an ellipsis marking the cut.
fn clip(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

impl From<Error> for Status {
    fn from(e: Error) -> Self {
        let code = e.code();
        match e {
            Error::InvalidArgument(violations) => {
                let mut details = ErrorDetails::new();
                for v in violations.as_slice().iter().take(MAX_LISTED_VIOLATIONS) {
                    details.add_bad_request_violation(
                        clip(&v.field, MAX_DETAIL_BYTES),
                        clip(&v.description, MAX_DETAIL_BYTES),
                    );
                }
                let message = clip(
                    &format!("invalid argument: {violations}"),
                    MAX_MESSAGE_BYTES,
                );
                Status::with_error_details(code, message, details)
            }
            Error::FailedPrecondition {
                kind,
                ref id,
                ref state,
                ref command,
            } => {
                let mut details = ErrorDetails::new();
                details.add_precondition_failure_violation(
                    "STATE",
                    clip(&format!("{kind}/{id}"), MAX_DETAIL_BYTES),
                    clip(
                        &format!("{kind} is {state}: {command} is not allowed"),
                        MAX_DETAIL_BYTES,
                    ),
                );
                Status::with_error_details(code, clip(&e.to_string(), MAX_MESSAGE_BYTES), details)
            }
            Error::Internal(cause) => {
                tracing::error!(error = ?cause, "internal error");
                Status::new(code, "internal error")
            }
            other => Status::new(code, clip(&other.to_string(), MAX_MESSAGE_BYTES)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_argument_carries_every_field_violation() {
        let mut v = Violations::new();
        v.add("item.name", "must not be empty");
        v.add(
            "item.promised_limit_days",
            "must not exceed the statutory limit",
        );
        let status: Status = v.into_result().unwrap_err().into();
        assert_eq!(status.code(), Code::InvalidArgument);
        let details = status.get_error_details();
        let bad = details.bad_request().expect("bad request details");
        let fields: Vec<&str> = bad
            .field_violations
            .iter()
            .map(|f| f.field.as_str())
            .collect();
        assert_eq!(fields, ["item.name", "item.promised_limit_days"]);
    }

    #[test]
    fn lengths_are_counted_in_characters_and_lists_in_items() {
        let mut v = Violations::new();
        v.check_chars(&"长".repeat(200), 200, "item.name");
        v.check_items(50, 50, "project.lots");
        assert!(v.is_empty(), "at the limit is allowed: {v}");
        v.check_chars(&"长".repeat(201), 200, "item.name");
        v.check_items(51, 50, "project.lots");
        assert_eq!(
            v.to_string(),
            "item.name: must be at most 200 characters; project.lots: must hold at most 50 items"
        );
    }

    #[test]
    fn the_violations_of_a_status_are_read_back() {
        let mut v = Violations::new();
        v.add("query_code", "must be 8 characters");
        let status: Status = v.clone().into_result().unwrap_err().into();
        assert_eq!(Violations::of_status(&status), v);
        assert!(Violations::of_status(&Status::invalid_argument("bare")).is_empty());
    }

    #[test]
    fn illegal_transition_is_a_precondition_failure_naming_state_and_command() {
        let status: Status = Error::precondition("case", "c1", "concluded", "accept").into();
        assert_eq!(status.code(), Code::FailedPrecondition);
        assert!(status.message().contains("concluded"));
        assert!(status.message().contains("accept"));
        let details = status.get_error_details();
        assert_eq!(
            details
                .precondition_failure()
                .expect("precondition details")
                .violations
                .len(),
            1
        );
    }

    #[test]
    fn a_database_out_of_reach_is_unavailable_and_a_failed_statement_internal() {
        let reset = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        for e in [
            sqlx::Error::Io(reset),
            sqlx::Error::PoolTimedOut,
            sqlx::Error::PoolClosed,
        ] {
            assert_eq!(Error::from(e).code(), Code::Unavailable);
        }
        assert_eq!(Error::from(sqlx::Error::RowNotFound).code(), Code::Internal);
    }

    /// The size of the trailers that carry `status` back, as HTTP/2 counts a header list.
    fn trailer_bytes(status: &Status) -> usize {
        let mut headers = tonic::codegen::http::HeaderMap::new();
        status.add_header(&mut headers).expect("the status encodes");
        headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len() + 32)
            .sum()
    }

    #[test]
    fn a_status_stays_small_whatever_the_request_held() {
        let long = "长".repeat(20_000);
        let mut many = Violations::new();
        for i in 0..5_000 {
            many.add(format!("items[{i}].name"), format!("{long} is not a name"));
        }
        let statuses: Vec<Status> = vec![
            Error::not_found("case", long.clone()).into(),
            Error::precondition("case", long.clone(), "concluded", "accept").into(),
            Error::invalid("case_id", format!("no case {long}")).into(),
            many.into_result().unwrap_err().into(),
        ];
        for status in statuses {
            let bytes = trailer_bytes(&status);
            assert!(bytes < 8 * 1024, "{:?}: {bytes} bytes", status.code());
            assert!(status.message().ends_with('…'));
        }
    }

    #[test]
    fn a_short_status_is_sent_as_it_is() {
        let status: Status = Error::not_found("case", "c1").into();
        assert_eq!(status.message(), "case c1 not found");
        assert_eq!(clip("长长", 6), "长长");
        assert_eq!(clip("长长长", 6), "长…");
        assert_eq!(clip("ab长长", 7), "ab…");
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let status: Status = Error::internal(anyhow::anyhow!("secret table t_x broke")).into();
        assert_eq!(status.code(), Code::Internal);
        assert!(!status.message().contains("t_x"));
    }
}
