//! The cases domain's failures, and their one mapping to the kit's error at the edge.

use chrono::NaiveDate;
use onewindow_kit::calendar::CalendarError;
use onewindow_kit::error::{Error, Violations};

use super::bundle::BundleState;
use super::case::CaseState;
use super::command::CommandKind;
use super::number::NumberError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    /// Bad fields of a command, all of them at once.
    #[error("invalid argument: {0}")]
    Invalid(Violations),
    #[error("{kind} {id} not found")]
    NotFound { kind: &'static str, id: String },
    /// The case's state does not allow the command at all.
    #[error("case {id} is {state}: {command} is not allowed")]
    IllegalTransition {
        id: String,
        state: CaseState,
        command: CommandKind,
    },
    /// The state allows the command, but a rule of the item or of the case's data forbids
    /// it now (a material missing, a stage not done, a suspension open).
    #[error("case {id} is {state}: {command} is not allowed ({reason})")]
    Precondition {
        id: String,
        state: CaseState,
        command: CommandKind,
        reason: String,
    },
    /// A bundle case's state does not allow what was asked.
    #[error("bundle case {id} is {state}: {command} is not allowed ({reason})")]
    BundlePrecondition {
        id: String,
        state: BundleState,
        command: &'static str,
        reason: String,
    },
    /// The item version is not in force on the day of submission, or the item is cancelled.
    #[error("item {item_id} version {version} is not in force on {on}")]
    NotInForce {
        item_id: String,
        version: u32,
        on: NaiveDate,
    },
    /// The case changed since the client read it.
    #[error("case {id} changed since it was read (revision {expected} given, {actual} current)")]
    Stale {
        id: String,
        expected: i64,
        actual: i64,
    },
    #[error("permission denied: {0}")]
    PermissionDenied(String),
    /// A deadline could not be reckoned (a span beyond what the calendar reckons with).
    #[error("deadline cannot be reckoned: {0}")]
    Calendar(#[from] CalendarError),
}

impl CaseError {
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> Self {
        let mut v = Violations::new();
        v.add(field, description);
        CaseError::Invalid(v)
    }

    pub fn not_found(kind: &'static str, id: impl Into<String>) -> Self {
        CaseError::NotFound {
            kind,
            id: id.into(),
        }
    }

    pub fn denied(reason: impl Into<String>) -> Self {
        CaseError::PermissionDenied(reason.into())
    }

    /// `Ok(())` when nothing was found, else the violations as an error.
    pub fn check(violations: Violations) -> Result<(), CaseError> {
        if violations.is_empty() {
            Ok(())
        } else {
            Err(CaseError::Invalid(violations))
        }
    }
}

/// A number or code read from a request is a bad field of it.
impl From<NumberError> for CaseError {
    fn from(e: NumberError) -> Self {
        let field = match e {
            NumberError::QueryCodeFormat => "query_code",
            _ => "case_number",
        };
        CaseError::invalid(field, e.to_string())
    }
}

impl From<CaseError> for Error {
    fn from(e: CaseError) -> Self {
        match e {
            CaseError::Invalid(v) => Error::InvalidArgument(v),
            CaseError::NotFound { kind, id } => Error::NotFound { kind, id },
            CaseError::IllegalTransition { id, state, command } => {
                Error::precondition("case", id, state, command.as_str())
            }
            CaseError::Precondition {
                id,
                state,
                command,
                reason,
            } => Error::precondition("case", id, state, format!("{command} ({reason})")),
            CaseError::BundlePrecondition {
                id,
                state,
                command,
                reason,
            } => Error::precondition("bundle case", id, state, format!("{command} ({reason})")),
            CaseError::NotInForce {
                item_id,
                version,
                on,
            } => Error::precondition(
                "item",
                format!("{item_id} version {version}"),
                format!("not in force on {on}"),
                "submit",
            ),
            CaseError::Stale {
                id,
                expected,
                actual,
            } => Error::Aborted {
                kind: "case",
                id,
                expected,
                actual,
            },
            CaseError::PermissionDenied(reason) => Error::PermissionDenied(reason),
            // Limits are bounded by validation, so a deadline the calendar cannot reckon is
            // a defect of data or code, not something the caller can fix.
            CaseError::Calendar(e) => Error::internal(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_maps_to_invalid_argument_with_its_violations() {
        let e: Error = CaseError::invalid("reason", "must not be empty").into();
        match e {
            Error::InvalidArgument(v) => assert_eq!(v.as_slice()[0].field, "reason"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn illegal_transition_names_state_and_command() {
        let e: Error = CaseError::IllegalTransition {
            id: "c1".into(),
            state: CaseState::Concluded,
            command: CommandKind::Accept,
        }
        .into();
        assert!(matches!(e, Error::FailedPrecondition { .. }));
        assert_eq!(e.to_string(), "case c1 is concluded: accept is not allowed");
    }

    #[test]
    fn precondition_keeps_its_reason() {
        let e: Error = CaseError::Precondition {
            id: "c1".into(),
            state: CaseState::Submitted,
            command: CommandKind::Accept,
            reason: "missing required materials: m1".into(),
        }
        .into();
        let text = e.to_string();
        assert!(text.contains("submitted"), "{text}");
        assert!(
            text.contains("accept (missing required materials: m1)"),
            "{text}"
        );
    }

    #[test]
    fn stale_maps_to_aborted_and_denial_to_permission_denied() {
        let e: Error = CaseError::Stale {
            id: "c1".into(),
            expected: 3,
            actual: 4,
        }
        .into();
        assert!(matches!(
            e,
            Error::Aborted {
                expected: 3,
                actual: 4,
                ..
            }
        ));
        let e: Error = CaseError::denied("not your department").into();
        assert!(matches!(e, Error::PermissionDenied(_)));
        let e: Error = CaseError::not_found("case", "c9").into();
        assert_eq!(e.to_string(), "case c9 not found");
    }

    #[test]
    fn not_in_force_is_a_failed_precondition() {
        let e: Error = CaseError::NotInForce {
            item_id: "i1".into(),
            version: 2,
            on: NaiveDate::from_ymd_opt(2026, 3, 2).expect("date"),
        }
        .into();
        assert!(matches!(e, Error::FailedPrecondition { .. }));
        assert!(e.to_string().contains("not in force on 2026-03-02"));
    }

    #[test]
    fn a_bad_number_or_code_is_an_invalid_field() {
        let e: CaseError = super::super::number::CaseNumber::parse("x")
            .unwrap_err()
            .into();
        match e {
            CaseError::Invalid(v) => assert_eq!(v.as_slice()[0].field, "case_number"),
            other => panic!("unexpected {other:?}"),
        }
        let e: CaseError = super::super::number::QueryCode::parse("0")
            .unwrap_err()
            .into();
        match e {
            CaseError::Invalid(v) => assert_eq!(v.as_slice()[0].field, "query_code"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn error_messages_are_lowercase() {
        let errors = [
            CaseError::invalid("x", "y"),
            CaseError::not_found("case", "c"),
            CaseError::denied("only staff of d in r may do this"),
            CaseError::IllegalTransition {
                id: "c".into(),
                state: CaseState::Withdrawn,
                command: CommandKind::Conclude,
            },
        ];
        for e in errors {
            let text = e.to_string();
            assert!(text.starts_with(|c: char| !c.is_uppercase()), "{text}");
        }
    }
}
