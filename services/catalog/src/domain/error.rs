//! The catalog domain's failures, and their one mapping to the kit's error at the edge.

use onewindow_kit::error::{Error, Violations};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
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
}

impl CatalogError {
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> Self {
        let mut v = Violations::new();
        v.add(field, description);
        CatalogError::Invalid(v)
    }

    pub fn not_found(kind: &'static str, id: impl ToString) -> Self {
        CatalogError::NotFound {
            kind,
            id: id.to_string(),
        }
    }

    pub fn illegal(
        kind: &'static str,
        id: impl ToString,
        state: impl Into<String>,
        command: &'static str,
    ) -> Self {
        CatalogError::IllegalTransition {
            kind,
            id: id.to_string(),
            state: state.into(),
            command,
        }
    }

    /// `Ok(())` when nothing was found, else the violations as an error.
    pub fn check(violations: Violations) -> Result<(), CatalogError> {
        if violations.is_empty() {
            Ok(())
        } else {
            Err(CatalogError::Invalid(violations))
        }
    }

    /// The error as one line for a field violation of an enclosing request (a batch entry).
    pub fn describe(&self) -> String {
        match self {
            CatalogError::Invalid(v) => v
                .as_slice()
                .iter()
                .map(|f| f.description.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            other => other.to_string(),
        }
    }
}

impl From<CatalogError> for Error {
    fn from(e: CatalogError) -> Self {
        match e {
            CatalogError::Invalid(v) => Error::InvalidArgument(v),
            CatalogError::NotFound { kind, id } => Error::NotFound { kind, id },
            CatalogError::IllegalTransition {
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
            CatalogError::Stale {
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
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_maps_to_invalid_argument_with_its_violations() {
        let e: Error = CatalogError::invalid("item.name", "must not be empty").into();
        match e {
            Error::InvalidArgument(v) => assert_eq!(v.as_slice()[0].field, "item.name"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn illegal_transition_maps_to_failed_precondition_naming_state_and_command() {
        let e: Error = CatalogError::illegal("item version", "x v2", "published", "publish").into();
        assert!(matches!(e, Error::FailedPrecondition { .. }));
        let text = e.to_string();
        assert!(text.contains("published"), "{text}");
        assert!(text.contains("publish is not allowed"), "{text}");
    }

    #[test]
    fn stale_maps_to_aborted() {
        let e: Error = CatalogError::Stale {
            kind: "item version",
            id: "x v2".into(),
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
    }

    #[test]
    fn not_found_keeps_kind_and_id() {
        let e: Error = CatalogError::not_found("bundle", "b1").into();
        assert_eq!(e.to_string(), "bundle b1 not found");
    }

    #[test]
    fn describe_joins_the_descriptions_of_violations() {
        let mut v = Violations::new();
        v.add("a", "first");
        v.add("b", "second");
        assert_eq!(CatalogError::Invalid(v).describe(), "first; second");
    }
}
