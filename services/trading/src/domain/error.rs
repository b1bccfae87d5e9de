//! The trading domain's failures, and their one mapping to the kit's error at the edge.

use onewindow_kit::error::{Error, Violations};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TradingError {
    /// Bad fields of a request, all of them at once.
    #[error("invalid argument: {0}")]
    Invalid(Violations),
    #[error("{kind} {id} not found")]
    NotFound { kind: &'static str, id: String },
    /// A command the object's state (or its period) does not allow. `state` may carry why,
    /// e.g. `bidding (the bid deadline passed at ...)`.
    #[error("{kind} {id} is {state}: {command} is not allowed")]
    IllegalTransition {
        kind: &'static str,
        id: String,
        state: String,
        command: &'static str,
    },
    #[error("permission denied: {0}")]
    PermissionDenied(String),
}

impl TradingError {
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> Self {
        let mut v = Violations::new();
        v.add(field, description);
        TradingError::Invalid(v)
    }

    pub fn not_found(kind: &'static str, id: impl ToString) -> Self {
        TradingError::NotFound {
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
        TradingError::IllegalTransition {
            kind,
            id: id.to_string(),
            state: state.to_string(),
            command,
        }
    }

    /// `Ok(())` when nothing was found, else the violations as an error.
    pub fn check(violations: Violations) -> Result<(), TradingError> {
        if violations.is_empty() {
            Ok(())
        } else {
            Err(TradingError::Invalid(violations))
        }
    }
}

impl From<TradingError> for Error {
    fn from(e: TradingError) -> Self {
        match e {
            TradingError::Invalid(v) => Error::InvalidArgument(v),
            TradingError::NotFound { kind, id } => Error::NotFound { kind, id },
            TradingError::IllegalTransition {
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
            TradingError::PermissionDenied(m) => Error::PermissionDenied(m),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn illegal_transition_maps_to_failed_precondition_naming_state_and_command() {
        let e: Error = TradingError::illegal("project", "p1", "awarded", "submit_bid").into();
        assert!(matches!(e, Error::FailedPrecondition { .. }));
        let text = e.to_string();
        assert!(text.contains("awarded"), "{text}");
        assert!(text.contains("submit_bid is not allowed"), "{text}");
    }

    #[test]
    fn invalid_keeps_the_field_path() {
        let e: Error = TradingError::invalid("project.title", "must not be empty").into();
        match e {
            Error::InvalidArgument(v) => assert_eq!(v.as_slice()[0].field, "project.title"),
            other => panic!("unexpected {other:?}"),
        }
    }
}
