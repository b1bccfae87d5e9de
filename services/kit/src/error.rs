//! One error type for every service's edge, and its single mapping to a gRPC status with
//! the richer error model (field violations, precondition failures).
//!
//! Domains keep their own `thiserror` enums and convert into [`Error`]; this module is the
//! only place that knows how an error becomes a status. Internal causes are logged here and
//! never sent to a client.

use std::fmt;

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

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

impl From<Error> for Status {
    fn from(e: Error) -> Self {
        let code = e.code();
        match e {
            Error::InvalidArgument(violations) => {
                let mut details = ErrorDetails::new();
                for v in violations.as_slice() {
                    details.add_bad_request_violation(v.field.clone(), v.description.clone());
                }
                Status::with_error_details(code, format!("invalid argument: {violations}"), details)
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
                    format!("{kind}/{id}"),
                    format!("{kind} is {state}: {command} is not allowed"),
                );
                Status::with_error_details(code, e.to_string(), details)
            }
            Error::Internal(cause) => {
                tracing::error!(error = ?cause, "internal error");
                Status::new(code, "internal error")
            }
            other => Status::new(code, other.to_string()),
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

    #[test]
    fn internal_errors_hide_their_cause() {
        let status: Status = Error::internal(anyhow::anyhow!("secret table t_x broke")).into();
        assert_eq!(status.code(), Code::Internal);
        assert!(!status.message().contains("t_x"));
    }
}
