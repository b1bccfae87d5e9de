//! Report supervision (举报监督): complaints and tip-offs anyone may file, anonymously if
//! they wish. Received -> accepted or rejected (with a reason) -> investigating ->
//! concluded (substantiated or not, with findings) -> feedback given; each step has a time
//! limit in working days. The complainant follows it with a tracking number and a secret of
//! which only a hash is kept.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use onewindow_kit::calendar::Calendar;
use onewindow_kit::error::Violations;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::error::SupervisionError;

const KIND: &str = "complaint";
pub const MAX_CONTENT_CHARS: usize = 4000;
pub const MAX_NOTE_CHARS: usize = 2000;
/// Longest reference to what a complaint concerns (a case number, a department's code, a
/// trading project's id): the other services' ids are short codes.
pub const MAX_REFERENCE_CHARS: usize = 64;
/// Longest complainant's name, phone number (with its dashes) and email address (RFC 5321).
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_PHONE_CHARS: usize = 20;
pub const MAX_EMAIL_CHARS: usize = 254;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintKind {
    Complaint,
    Report,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintState {
    Received,
    Accepted,
    Rejected,
    Investigating,
    Concluded,
    FeedbackGiven,
}

impl ComplaintState {
    pub const ALL: [ComplaintState; 6] = [
        ComplaintState::Received,
        ComplaintState::Accepted,
        ComplaintState::Rejected,
        ComplaintState::Investigating,
        ComplaintState::Concluded,
        ComplaintState::FeedbackGiven,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ComplaintState::Received => "received",
            ComplaintState::Accepted => "accepted",
            ComplaintState::Rejected => "rejected",
            ComplaintState::Investigating => "investigating",
            ComplaintState::Concluded => "concluded",
            ComplaintState::FeedbackGiven => "feedback_given",
        }
    }

    pub fn parse(s: &str) -> Option<ComplaintState> {
        ComplaintState::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Nothing more happens to it.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            ComplaintState::Rejected | ComplaintState::FeedbackGiven
        )
    }
}

impl fmt::Display for ComplaintState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Working days each step may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ComplaintLimits {
    /// From receipt to acceptance or rejection.
    pub intake_days: u32,
    /// From acceptance to the start of the investigation.
    pub start_days: u32,
    /// From the start of the investigation to its conclusion.
    pub investigation_days: u32,
    /// From the conclusion to the feedback.
    pub feedback_days: u32,
}

impl Default for ComplaintLimits {
    fn default() -> Self {
        ComplaintLimits {
            intake_days: 5,
            start_days: 3,
            investigation_days: 30,
            feedback_days: 5,
        }
    }
}

impl ComplaintLimits {
    fn of(&self, state: ComplaintState) -> Option<u32> {
        match state {
            ComplaintState::Received => Some(self.intake_days),
            ComplaintState::Accepted => Some(self.start_days),
            ComplaintState::Investigating => Some(self.investigation_days),
            ComplaintState::Concluded => Some(self.feedback_days),
            ComplaintState::Rejected | ComplaintState::FeedbackGiven => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complainant {
    pub name: String,
    pub phone: String,
    pub email: String,
}

/// What the complaint names; any of these, or none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Concerning {
    pub case_number: String,
    pub department_id: String,
    pub trading_project_id: String,
    pub region_code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub state: ComplaintState,
    pub at: DateTime<Utc>,
    pub by: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complaint {
    pub id: String,
    pub tracking_number: String,
    pub kind: ComplaintKind,
    pub concerning: Concerning,
    pub content: String,
    /// None when filed anonymously.
    pub complainant: Option<Complainant>,
    pub state: ComplaintState,
    pub filed_at: DateTime<Utc>,
    pub filed_on: NaiveDate,
    /// When the current step is due; None once closed.
    pub step_due_on: Option<NaiveDate>,
    pub rejection_reason: String,
    pub substantiated: Option<bool>,
    pub findings: String,
    pub feedback: String,
    pub history: Vec<Step>,
    pub revision: i64,
}

/// What was filed, before it is a complaint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filing {
    pub kind: Option<ComplaintKind>,
    pub concerning: Concerning,
    pub content: String,
    pub anonymous: bool,
    pub complainant: Complainant,
}

fn is_phone(s: &str) -> bool {
    let digits: String = s.chars().filter(|c| *c != '-').collect();
    digits.chars().all(|c| c.is_ascii_digit()) && (7..=12).contains(&digits.len())
}

fn is_email(s: &str) -> bool {
    matches!(s.split_once('@'), Some((a, b)) if !a.is_empty() && b.contains('.') && !s.contains(' '))
}

impl Filing {
    /// Checks every field at once. An anonymous filing keeps no identity even if one was
    /// typed in.
    pub fn validate(self) -> Result<(ComplaintKind, Filing), SupervisionError> {
        let mut v = Violations::new();
        v.check(self.kind.is_none(), "kind", "must be complaint or report");
        v.check(self.content.trim().is_empty(), "content", "is required");
        v.check(
            self.content.chars().count() > MAX_CONTENT_CHARS,
            "content",
            format!("must be at most {MAX_CONTENT_CHARS} characters"),
        );
        let about = &self.concerning;
        for (field, text) in [
            ("case_number", &about.case_number),
            ("department_id", &about.department_id),
            ("trading_project_id", &about.trading_project_id),
        ] {
            v.check_chars(text, MAX_REFERENCE_CHARS, field);
        }
        let c = &self.complainant;
        if !self.anonymous {
            v.check_chars(&c.name, MAX_NAME_CHARS, "complainant.name");
            v.check_chars(&c.phone, MAX_PHONE_CHARS, "complainant.phone");
            v.check_chars(&c.email, MAX_EMAIL_CHARS, "complainant.email");
            v.check(
                c.name.trim().is_empty(),
                "complainant.name",
                "is required unless anonymous",
            );
            v.check(
                c.phone.is_empty() && c.email.is_empty(),
                "complainant.phone",
                "a phone or an email is required unless anonymous",
            );
            v.check(
                !c.phone.is_empty() && !is_phone(&c.phone),
                "complainant.phone",
                "is not a phone number",
            );
            v.check(
                !c.email.is_empty() && !is_email(&c.email),
                "complainant.email",
                "is not an email address",
            );
        }
        let region = &self.concerning.region_code;
        v.check(
            !region.is_empty()
                && (region.len() != 6 || !region.chars().all(|c| c.is_ascii_digit())),
            "region_code",
            "must be six digits",
        );
        SupervisionError::check(v)?;
        let kind = self
            .kind
            .ok_or_else(|| SupervisionError::invalid("kind", "is required"))?;
        Ok((kind, self))
    }
}

/// The stored hash of a secret, bound to its tracking number.
pub fn secret_hash(tracking_number: &str, secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(tracking_number.as_bytes());
    h.update([0x1f]);
    h.update(secret.trim().to_ascii_uppercase().as_bytes());
    hex::encode(h.finalize())
}

/// Compares two hashes in time independent of where they differ.
pub fn same_hash(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A supervisor's step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComplaintCommand {
    Accept {
        note: String,
    },
    Reject {
        reason: String,
    },
    StartInvestigation {
        note: String,
    },
    Conclude {
        substantiated: bool,
        findings: String,
    },
    GiveFeedback {
        feedback: String,
    },
}

impl ComplaintCommand {
    fn name(&self) -> &'static str {
        match self {
            ComplaintCommand::Accept { .. } => "accept",
            ComplaintCommand::Reject { .. } => "reject",
            ComplaintCommand::StartInvestigation { .. } => "start_investigation",
            ComplaintCommand::Conclude { .. } => "conclude",
            ComplaintCommand::GiveFeedback { .. } => "give_feedback",
        }
    }
}

fn text(field: &str, s: &str, required: bool) -> Result<(), SupervisionError> {
    let mut v = Violations::new();
    v.check(required && s.trim().is_empty(), field, "is required");
    v.check(
        s.chars().count() > MAX_NOTE_CHARS,
        field,
        format!("must be at most {MAX_NOTE_CHARS} characters"),
    );
    SupervisionError::check(v)
}

impl Complaint {
    /// A filed complaint, its first step due `limits.intake_days` working days later.
    #[allow(clippy::too_many_arguments)]
    pub fn file(
        id: String,
        tracking_number: String,
        kind: ComplaintKind,
        filing: Filing,
        at: DateTime<Utc>,
        today: NaiveDate,
        limits: &ComplaintLimits,
        calendar: &Calendar,
    ) -> Result<Complaint, SupervisionError> {
        let step_due_on = Some(calendar.add_working_days(today, limits.intake_days)?.value);
        Ok(Complaint {
            id,
            tracking_number,
            kind,
            concerning: filing.concerning,
            content: filing.content,
            complainant: (!filing.anonymous).then_some(filing.complainant),
            state: ComplaintState::Received,
            filed_at: at,
            filed_on: today,
            step_due_on,
            rejection_reason: String::new(),
            substantiated: None,
            findings: String::new(),
            feedback: String::new(),
            history: vec![Step {
                state: ComplaintState::Received,
                at,
                by: String::new(),
                note: String::new(),
            }],
            revision: 1,
        })
    }

    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.step_due_on.is_some_and(|d| today > d)
    }

    /// The complaint after a supervisor's step, or why not.
    pub fn decide(
        &self,
        command: ComplaintCommand,
        by: &str,
        at: DateTime<Utc>,
        today: NaiveDate,
        limits: &ComplaintLimits,
        calendar: &Calendar,
    ) -> Result<Complaint, SupervisionError> {
        use ComplaintState::*;
        let mut next = self.clone();
        let (state, note) = match (&command, self.state) {
            (ComplaintCommand::Accept { note }, Received) => {
                text("note", note, false)?;
                (Accepted, note.clone())
            }
            (ComplaintCommand::Reject { reason }, Received) => {
                text("note", reason, true)?;
                next.rejection_reason = reason.clone();
                (Rejected, reason.clone())
            }
            (ComplaintCommand::StartInvestigation { note }, Accepted) => {
                text("note", note, false)?;
                (Investigating, note.clone())
            }
            (
                ComplaintCommand::Conclude {
                    substantiated,
                    findings,
                },
                Investigating,
            ) => {
                text("findings", findings, true)?;
                next.substantiated = Some(*substantiated);
                next.findings = findings.clone();
                (Concluded, findings.clone())
            }
            (ComplaintCommand::GiveFeedback { feedback }, Concluded) => {
                text("note", feedback, true)?;
                next.feedback = feedback.clone();
                (FeedbackGiven, feedback.clone())
            }
            (_, state) => {
                return Err(SupervisionError::illegal(
                    KIND,
                    &self.id,
                    state,
                    command.name(),
                ))
            }
        };
        next.state = state;
        next.step_due_on = match limits.of(state) {
            Some(days) => Some(calendar.add_working_days(today, days)?.value),
            None => None,
        };
        next.history.push(Step {
            state,
            at,
            by: by.to_string(),
            note,
        });
        next.revision += 1;
        Ok(next)
    }
}
