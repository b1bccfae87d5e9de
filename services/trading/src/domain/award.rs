//! Awards under publicity (中标公示), objections against them (质疑), and the contracts that
//! follow a final award.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::evaluation::Evaluation;
use super::party::Party;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AwardStatus {
    Pending,
    Active,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Award {
    pub id: String,
    pub lot_id: String,
    /// The winning bid, or for an auction the winning quote's number (`quote-<seq>`).
    pub bid_id: String,
    pub supplier: Party,
    pub value_fen: i64,
    pub runner_up_value_fen: Option<i64>,
    pub status: AwardStatus,
    pub publicized_at: DateTime<Utc>,
    pub final_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectionStatus {
    Open,
    Dismissed,
    Upheld,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objection {
    pub id: String,
    pub objector: Party,
    /// The subject of the objector's principal.
    pub objector_subject: String,
    pub text: String,
    pub status: ObjectionStatus,
    pub answer: Option<String>,
    pub filed_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
}

impl Objection {
    pub fn is_open(&self) -> bool {
        self.status == ObjectionStatus::Open
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contract {
    pub id: String,
    pub award_id: String,
    pub title: String,
    pub value_fen: i64,
    pub signed_on: NaiveDate,
    pub recorded_at: DateTime<Utc>,
}

/// One pending award per evaluated lot: the first ranked bid wins, the second is the
/// runner-up. Ids continue after the awards already recorded (earlier rounds stay).
pub fn awards_from(
    evaluation: &Evaluation,
    lots: &[String],
    previous: usize,
    now: DateTime<Utc>,
) -> Vec<Award> {
    let mut out = Vec::new();
    for lot in lots {
        let ranked = evaluation.lot(lot);
        let Some(first) = ranked.first() else {
            continue;
        };
        out.push(Award {
            id: format!("a{}", previous + out.len() + 1),
            lot_id: lot.clone(),
            bid_id: first.bid_id.clone(),
            supplier: first.bidder.clone(),
            value_fen: first.price_fen,
            runner_up_value_fen: ranked.get(1).map(|r| r.price_fen),
            status: AwardStatus::Pending,
            publicized_at: now,
            final_at: None,
        });
    }
    out
}
