//! A violation: one recorded hit of a rule, followed up by a supervisor. Open -> assigned
//! (reassignable) -> resolved, as rectified or dismissed, always with a note.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::error::SupervisionError;
use super::rules::RuleHit;
use super::terms::{EventRef, Severity, SubjectKind};

const KIND: &str = "violation";
/// Longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 2000;
/// Longest assignee: a person's subject, which OpenID Connect bounds at 255 characters.
pub const MAX_ASSIGNEE_CHARS: usize = 255;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ViolationStatus {
    Open,
    Assigned,
    Resolved,
}

impl ViolationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ViolationStatus::Open => "open",
            ViolationStatus::Assigned => "assigned",
            ViolationStatus::Resolved => "resolved",
        }
    }

    pub fn parse(s: &str) -> Option<ViolationStatus> {
        [
            ViolationStatus::Open,
            ViolationStatus::Assigned,
            ViolationStatus::Resolved,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

impl fmt::Display for ViolationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    Rectified,
    Dismissed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub at: DateTime<Utc>,
    pub by: String,
    pub action: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    pub id: String,
    pub dedupe_key: String,
    pub rule: String,
    pub severity: Severity,
    pub subject_kind: SubjectKind,
    pub subject_id: String,
    pub case_number: String,
    pub department_id: String,
    pub region_code: String,
    pub summary: String,
    pub evidence: Vec<EventRef>,
    pub detected_on: NaiveDate,
    pub detected_at: DateTime<Utc>,
    pub status: ViolationStatus,
    pub assignee: String,
    pub resolution: Option<Resolution>,
    pub notes: Vec<Note>,
    pub revision: i64,
}

/// What a supervisor does with a violation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViolationCommand {
    Assign {
        assignee: String,
        note: String,
    },
    Resolve {
        resolution: Resolution,
        note: String,
    },
}

impl ViolationCommand {
    fn name(&self) -> &'static str {
        match self {
            ViolationCommand::Assign { .. } => "assign",
            ViolationCommand::Resolve { .. } => "resolve",
        }
    }
}

impl Violation {
    /// A new violation from a rule's hit.
    pub fn record(
        id: String,
        hit: &RuleHit,
        severity: Severity,
        detected_on: NaiveDate,
        detected_at: DateTime<Utc>,
    ) -> Violation {
        Violation {
            id,
            dedupe_key: hit.dedupe_key(),
            rule: hit.rule.to_string(),
            severity,
            subject_kind: hit.subject_kind,
            subject_id: hit.subject_id.clone(),
            case_number: hit.case_number.clone(),
            department_id: hit.department_id.clone(),
            region_code: hit.region_code.clone(),
            summary: hit.summary.clone(),
            evidence: hit.evidence.clone(),
            detected_on,
            detected_at,
            status: ViolationStatus::Open,
            assignee: String::new(),
            resolution: None,
            notes: Vec::new(),
            revision: 1,
        }
    }

    /// The violation after `command` by `by` at `at`, or why not.
    pub fn decide(
        &self,
        command: ViolationCommand,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<Violation, SupervisionError> {
        if self.status == ViolationStatus::Resolved {
            return Err(SupervisionError::illegal(
                KIND,
                &self.id,
                self.status,
                command.name(),
            ));
        }
        let mut next = self.clone();
        match command {
            ViolationCommand::Assign { assignee, note } => {
                let mut v = onewindow_kit::error::Violations::new();
                v.check(assignee.trim().is_empty(), "assignee", "is required");
                v.check_chars(&assignee, MAX_ASSIGNEE_CHARS, "assignee");
                v.check(
                    note.chars().count() > MAX_NOTE_CHARS,
                    "note",
                    format!("must be at most {MAX_NOTE_CHARS} characters"),
                );
                SupervisionError::check(v)?;
                next.status = ViolationStatus::Assigned;
                next.notes.push(Note {
                    at,
                    by: by.to_string(),
                    action: "assign".into(),
                    text: if note.is_empty() {
                        format!("assigned to {assignee}")
                    } else {
                        note
                    },
                });
                next.assignee = assignee;
            }
            ViolationCommand::Resolve { resolution, note } => {
                let mut v = onewindow_kit::error::Violations::new();
                v.check(note.trim().is_empty(), "note", "is required");
                v.check(
                    note.chars().count() > MAX_NOTE_CHARS,
                    "note",
                    format!("must be at most {MAX_NOTE_CHARS} characters"),
                );
                SupervisionError::check(v)?;
                next.status = ViolationStatus::Resolved;
                next.resolution = Some(resolution);
                next.notes.push(Note {
                    at,
                    by: by.to_string(),
                    action: "resolve".into(),
                    text: note,
                });
            }
        }
        next.revision += 1;
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn violation() -> Violation {
        let hit = RuleHit {
            rule: "fee_on_free_item",
            subject_kind: SubjectKind::Case,
            subject_id: "c1".into(),
            part: "f1".into(),
            department_id: "d".into(),
            region_code: "140200".into(),
            case_number: "n".into(),
            summary: "s".into(),
            evidence: vec![],
        };
        Violation::record(
            "v1".into(),
            &hit,
            Severity::High,
            NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            Utc::now(),
        )
    }

    #[test]
    fn a_violation_is_assigned_reassigned_and_resolved_with_notes() {
        let v = violation();
        let assign = |who: &str| ViolationCommand::Assign {
            assignee: who.into(),
            note: String::new(),
        };
        let a = v.decide(assign("s1"), "boss", Utc::now()).unwrap();
        let a = a.decide(assign("s2"), "boss", Utc::now()).unwrap();
        assert_eq!(
            (a.status, a.assignee.as_str()),
            (ViolationStatus::Assigned, "s2")
        );
        let r = a
            .decide(
                ViolationCommand::Resolve {
                    resolution: Resolution::Rectified,
                    note: "退还多收费用".into(),
                },
                "s2",
                Utc::now(),
            )
            .unwrap();
        assert_eq!(r.status, ViolationStatus::Resolved);
        assert_eq!(r.notes.len(), 3);
        assert_eq!(r.revision, 4);
    }

    #[test]
    fn a_resolved_violation_refuses_further_commands() {
        let r = violation()
            .decide(
                ViolationCommand::Resolve {
                    resolution: Resolution::Dismissed,
                    note: "系统误报".into(),
                },
                "s",
                Utc::now(),
            )
            .unwrap();
        let e = r
            .decide(
                ViolationCommand::Assign {
                    assignee: "x".into(),
                    note: String::new(),
                },
                "s",
                Utc::now(),
            )
            .unwrap_err();
        assert_eq!(
            e,
            SupervisionError::illegal(KIND, "v1", "resolved", "assign")
        );
    }

    #[test]
    fn an_assignee_is_a_subject_of_bounded_length() {
        let e = violation()
            .decide(
                ViolationCommand::Assign {
                    assignee: "长".repeat(MAX_ASSIGNEE_CHARS + 1),
                    note: String::new(),
                },
                "boss",
                Utc::now(),
            )
            .unwrap_err();
        let SupervisionError::Invalid(v) = e else {
            panic!("invalid expected, got {e:?}")
        };
        assert_eq!(v.as_slice()[0].field, "assignee");
    }

    #[test]
    fn resolving_needs_a_note() {
        let e = violation()
            .decide(
                ViolationCommand::Resolve {
                    resolution: Resolution::Rectified,
                    note: " ".into(),
                },
                "s",
                Utc::now(),
            )
            .unwrap_err();
        assert!(matches!(e, SupervisionError::Invalid(_)));
    }
}
