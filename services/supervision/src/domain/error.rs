//! Supervision's failures, and their one mapping to the kit's error at the edge.

use onewindow_kit::calendar::CalendarError;
use onewindow_kit::error::{Error, Violations};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SupervisionError {
    /// Bad fields of a request, all of them at once.
    #[error("invalid argument: {0}")]
    Invalid(Violations),
    #[error("{kind} {id} not found")]
    NotFound { kind: &'static str, id: String },
    /// A command the object's state does not allow.
    #[error("{kind} {id} is {state}: {command} is not allowed")]
    IllegalTransition {
        kind: &'static str,
        id: String,
        state: String,
        command: &'static str,
    },
    /// The object changed since the client read it.
    #[error("{kind} {id} changed since it was read (revision {expected} given, {actual} current)")]
    Stale {
        kind: &'static str,
        id: String,
        expected: i64,
        actual: i64,
    },
    /// A date the working-day calendar cannot reckon with.
    #[error("calendar: {0}")]
    Calendar(#[from] CalendarError),
}

impl SupervisionError {
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> Self {
        let mut v = Violations::new();
        v.add(field, description);
        SupervisionError::Invalid(v)
    }

    pub fn not_found(kind: &'static str, id: impl ToString) -> Self {
        SupervisionError::NotFound {
            kind,
            id: id.to_string(),
        }
    }

    pub fn illegal(
        kind: &'static str,
        id: impl ToString,
        state: impl ToString,
        command: &'static str,
    ) -> Self {
        SupervisionError::IllegalTransition {
            kind,
            id: id.to_string(),
            state: state.to_string(),
            command,
        }
    }

    /// `Ok(())` when nothing was found, else the violations as an error.
    pub fn check(violations: Violations) -> Result<(), SupervisionError> {
        if violations.is_empty() {
            Ok(())
        } else {
            Err(SupervisionError::Invalid(violations))
        }
    }

    /// Refuses a command given a revision other than the current one (0 skips the check).
    pub fn check_revision(
        kind: &'static str,
        id: &str,
        expected: i64,
        actual: i64,
    ) -> Result<(), SupervisionError> {
        if expected != 0 && expected != actual {
            return Err(SupervisionError::Stale {
                kind,
                id: id.to_string(),
                expected,
                actual,
            });
        }
        Ok(())
    }
}

impl From<SupervisionError> for Error {
    fn from(e: SupervisionError) -> Self {
        match e {
            SupervisionError::Invalid(v) => Error::InvalidArgument(v),
            SupervisionError::NotFound { kind, id } => Error::NotFound { kind, id },
            SupervisionError::IllegalTransition {
                kind,
                id,
                state,
                command,
            } => Error::FailedPrecondition {
                kind,
                id,
                state,
                command: command.to_string(),
            },
            SupervisionError::Stale {
                kind,
                id,
                expected,
                actual,
            } => Error::Aborted {
                kind,
                id,
                expected,
                actual,
            },
            // A date the calendar cannot reckon with (outside its years, a span too long)
            // came from outside: a request's or an event's fact, not a defect in here.
            SupervisionError::Calendar(e) => Error::invalid("date", e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn illegal_transition_names_state_and_command() {
        let e: Error = SupervisionError::illegal("complaint", "c1", "rejected", "conclude").into();
        let text = e.to_string();
        assert!(matches!(e, Error::FailedPrecondition { .. }));
        assert!(text.contains("rejected"), "{text}");
        assert!(text.contains("conclude is not allowed"), "{text}");
    }

    #[test]
    fn a_stale_revision_is_aborted_and_zero_skips_the_check() {
        assert!(SupervisionError::check_revision("violation", "v", 0, 7).is_ok());
        assert!(SupervisionError::check_revision("violation", "v", 7, 7).is_ok());
        let e: Error = SupervisionError::check_revision("violation", "v", 6, 7)
            .unwrap_err()
            .into();
        assert!(matches!(
            e,
            Error::Aborted {
                expected: 6,
                actual: 7,
                ..
            }
        ));
    }

    #[test]
    fn invalid_keeps_the_field() {
        let e: Error = SupervisionError::invalid("rating", "is required").into();
        match e {
            Error::InvalidArgument(v) => assert_eq!(v.as_slice()[0].field, "rating"),
            other => panic!("unexpected {other:?}"),
        }
    }
}
