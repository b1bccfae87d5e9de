//! Evaluation monitoring (评议监察, 好差评): one evaluation per case by its applicant, and the
//! rectification task (整改) a bad one opens: open -> replied by the department -> closed by
//! a supervisor once the applicant was called back (回访).

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use onewindow_kit::calendar::Calendar;
use onewindow_kit::error::Violations;
use serde::{Deserialize, Serialize};

use super::error::SupervisionError;

/// Longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 1000;
/// Longest note, reply or call-back record, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;

/// The five levels, numbered as their scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    VeryDissatisfied = 1,
    Dissatisfied = 2,
    Fair = 3,
    Satisfied = 4,
    VerySatisfied = 5,
}

impl Rating {
    pub fn score(self) -> i64 {
        self as i64
    }

    pub fn from_score(s: i64) -> Option<Rating> {
        match s {
            1 => Some(Rating::VeryDissatisfied),
            2 => Some(Rating::Dissatisfied),
            3 => Some(Rating::Fair),
            4 => Some(Rating::Satisfied),
            5 => Some(Rating::VerySatisfied),
            _ => None,
        }
    }

    /// The lowest two levels: a bad review (差评).
    pub fn is_bad(self) -> bool {
        self <= Rating::Dissatisfied
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Attitude,
    Efficiency,
    Convenience,
    Integrity,
}

/// The case an evaluation is about, as the cases service confirmed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvaluatedCase {
    pub case_id: String,
    pub case_number: String,
    pub item_id: String,
    pub department_id: String,
    pub region_code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    pub id: String,
    pub case: EvaluatedCase,
    pub rating: Rating,
    pub dimensions: Vec<(Dimension, Rating)>,
    pub comment: String,
    pub submitted_at: DateTime<Utc>,
    pub submitted_on: NaiveDate,
    pub rectification_id: Option<String>,
}

/// Checks what the applicant gave: a rating, each dimension once, a comment not too long.
pub fn validate(
    rating: Option<Rating>,
    dimensions: &[(Option<Dimension>, Option<Rating>)],
    comment: &str,
) -> Result<(Rating, Vec<(Dimension, Rating)>), SupervisionError> {
    let mut v = Violations::new();
    v.check(rating.is_none(), "rating", "must be one of the five levels");
    let mut out: Vec<(Dimension, Rating)> = Vec::new();
    for (i, (d, r)) in dimensions.iter().enumerate() {
        match (d, r) {
            (Some(d), Some(r)) => {
                if out.iter().any(|(seen, _)| seen == d) {
                    v.add(format!("dimensions[{i}].dimension"), "is given twice");
                } else {
                    out.push((*d, *r));
                }
            }
            (None, _) => v.add(format!("dimensions[{i}].dimension"), "is unknown"),
            (_, None) => v.add(
                format!("dimensions[{i}].rating"),
                "must be one of the five levels",
            ),
        }
    }
    v.check(
        comment.chars().count() > MAX_COMMENT_CHARS,
        "comment",
        format!("must be at most {MAX_COMMENT_CHARS} characters"),
    );
    SupervisionError::check(v)?;
    match rating {
        Some(r) => Ok((r, out)),
        None => Err(SupervisionError::invalid("rating", "is required")),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RectificationState {
    Open,
    Replied,
    Closed,
}

impl RectificationState {
    pub fn as_str(self) -> &'static str {
        match self {
            RectificationState::Open => "open",
            RectificationState::Replied => "replied",
            RectificationState::Closed => "closed",
        }
    }
}

impl fmt::Display for RectificationState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallBack {
    pub at: DateTime<Utc>,
    pub by: String,
    pub reached: bool,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub at: DateTime<Utc>,
    pub by: String,
    pub measures: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rectification {
    pub id: String,
    pub evaluation_id: String,
    pub case: EvaluatedCase,
    pub rating: Rating,
    pub state: RectificationState,
    pub opened_on: NaiveDate,
    pub due_on: NaiveDate,
    pub call_back: Option<CallBack>,
    pub reply: Option<Reply>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: String,
    pub close_note: String,
    pub revision: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RectificationCommand {
    RecordCallBack { reached: bool, note: String },
    Reply { measures: String },
    Close { note: String },
}

impl RectificationCommand {
    fn name(&self) -> &'static str {
        match self {
            RectificationCommand::RecordCallBack { .. } => "record_call_back",
            RectificationCommand::Reply { .. } => "reply",
            RectificationCommand::Close { .. } => "close",
        }
    }
}

fn required_text(field: &str, text: &str) -> Result<(), SupervisionError> {
    let mut v = Violations::new();
    v.check(text.trim().is_empty(), field, "is required");
    v.check(
        text.chars().count() > MAX_TEXT_CHARS,
        field,
        format!("must be at most {MAX_TEXT_CHARS} characters"),
    );
    SupervisionError::check(v)
}

impl Rectification {
    /// The task a bad review opens, due `days` working days after it.
    pub fn open(
        id: String,
        evaluation: &Evaluation,
        days: u32,
        calendar: &Calendar,
    ) -> Result<Rectification, SupervisionError> {
        let due_on = calendar
            .add_working_days(evaluation.submitted_on, days)?
            .value;
        Ok(Rectification {
            id,
            evaluation_id: evaluation.id.clone(),
            case: evaluation.case.clone(),
            rating: evaluation.rating,
            state: RectificationState::Open,
            opened_on: evaluation.submitted_on,
            due_on,
            call_back: None,
            reply: None,
            closed_at: None,
            closed_by: String::new(),
            close_note: String::new(),
            revision: 1,
        })
    }

    /// Still open past its due date.
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.state != RectificationState::Closed && today > self.due_on
    }

    /// The task after `command`, or why not. The call-back may be recorded (again) until
    /// the task closes; the department replies once; a supervisor closes a replied task
    /// whose call-back is recorded.
    pub fn decide(
        &self,
        command: RectificationCommand,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<Rectification, SupervisionError> {
        use RectificationState::*;
        let illegal = |state: String| {
            Err(SupervisionError::illegal(
                "rectification",
                &self.id,
                state,
                command.name(),
            ))
        };
        let mut next = self.clone();
        match (&command, self.state) {
            (RectificationCommand::RecordCallBack { reached, note }, Open | Replied) => {
                required_text("note", note)?;
                next.call_back = Some(CallBack {
                    at,
                    by: by.to_string(),
                    reached: *reached,
                    note: note.clone(),
                });
            }
            (RectificationCommand::Reply { measures }, Open) => {
                required_text("measures", measures)?;
                next.state = Replied;
                next.reply = Some(Reply {
                    at,
                    by: by.to_string(),
                    measures: measures.clone(),
                });
            }
            (RectificationCommand::Close { note }, Replied) => {
                if self.call_back.is_none() {
                    return illegal("replied without a call-back".into());
                }
                required_text("note", note)?;
                next.state = Closed;
                next.closed_at = Some(at);
                next.closed_by = by.to_string();
                next.close_note = note.clone();
            }
            (_, state) => return illegal(state.to_string()),
        }
        next.revision += 1;
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evaluation(rating: Rating) -> Evaluation {
        Evaluation {
            id: "e1".into(),
            case: EvaluatedCase {
                case_id: "c1".into(),
                case_number: "140200-2026-000001".into(),
                item_id: "i".into(),
                department_id: "d".into(),
                region_code: "140200".into(),
            },
            rating,
            dimensions: vec![],
            comment: String::new(),
            submitted_at: Utc::now(),
            // A Monday.
            submitted_on: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            rectification_id: None,
        }
    }

    fn task() -> Rectification {
        Rectification::open(
            "r1".into(),
            &evaluation(Rating::VeryDissatisfied),
            15,
            &Calendar::official(),
        )
        .unwrap()
    }

    #[test]
    fn the_lowest_two_levels_are_bad_reviews() {
        assert!(Rating::VeryDissatisfied.is_bad());
        assert!(Rating::Dissatisfied.is_bad());
        assert!(!Rating::Fair.is_bad());
        assert_eq!(Rating::from_score(4), Some(Rating::Satisfied));
    }

    #[test]
    fn a_task_is_due_fifteen_working_days_later() {
        // Three weeks of working days from Monday 2 March 2026.
        assert_eq!(task().due_on, NaiveDate::from_ymd_opt(2026, 3, 23).unwrap());
        assert!(!task().overdue(NaiveDate::from_ymd_opt(2026, 3, 23).unwrap()));
        assert!(task().overdue(NaiveDate::from_ymd_opt(2026, 3, 24).unwrap()));
    }

    #[test]
    fn a_task_closes_after_reply_and_call_back() {
        let now = Utc::now();
        let t = task()
            .decide(
                RectificationCommand::Reply {
                    measures: "窗口人员培训".into(),
                },
                "clerk",
                now,
            )
            .unwrap();
        let refused = t
            .decide(
                RectificationCommand::Close { note: "ok".into() },
                "sup",
                now,
            )
            .unwrap_err();
        assert!(
            refused.to_string().contains("without a call-back"),
            "{refused}"
        );
        let t = t
            .decide(
                RectificationCommand::RecordCallBack {
                    reached: true,
                    note: "申请人认可".into(),
                },
                "sup",
                now,
            )
            .unwrap();
        let t = t
            .decide(
                RectificationCommand::Close {
                    note: "整改完成".into(),
                },
                "sup",
                now,
            )
            .unwrap();
        assert_eq!(t.state, RectificationState::Closed);
        assert_eq!(t.revision, 4);
        let again = t
            .decide(
                RectificationCommand::Reply {
                    measures: "x".into(),
                },
                "clerk",
                now,
            )
            .unwrap_err();
        assert_eq!(
            again,
            SupervisionError::illegal("rectification", "r1", "closed", "reply")
        );
    }

    #[test]
    fn validation_names_every_bad_field() {
        let e = validate(
            None,
            &[
                (Some(Dimension::Attitude), Some(Rating::Fair)),
                (Some(Dimension::Attitude), Some(Rating::Fair)),
                (None, Some(Rating::Fair)),
            ],
            &"长".repeat(1001),
        )
        .unwrap_err();
        let SupervisionError::Invalid(v) = e else {
            panic!("expected invalid")
        };
        let fields: Vec<&str> = v.as_slice().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "rating",
                "dimensions[1].dimension",
                "dimensions[2].dimension",
                "comment"
            ]
        );
    }
}
