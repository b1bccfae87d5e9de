//! The vocabulary shared by every part of supervision: stages, actors, the events cited as
//! evidence, the subjects of violations.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The date of "no further check": rows waiting for nothing are parked here, so the
/// scanner's index never returns them.
pub const NEVER: NaiveDate = NaiveDate::MAX;

/// The sentinel as stored: ISO text compares in date order, and `9999-12-31` after all.
pub const NEVER_TEXT: &str = "9999-12-31";

/// ISO text of a date, with [`NEVER`] as `9999-12-31`.
pub fn date_text(d: NaiveDate) -> String {
    if d >= NEVER {
        NEVER_TEXT.to_string()
    } else {
        d.format("%Y-%m-%d").to_string()
    }
}

/// A date from ISO text; `9999-12-31` reads back as [`NEVER`].
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    if s == NEVER_TEXT {
        return Some(NEVER);
    }
    if s.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// The four stages every item's process is reduced to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Accept,
    Review,
    Decide,
    Conclude,
}

impl Stage {
    pub const ALL: [Stage; 4] = [Stage::Accept, Stage::Review, Stage::Decide, Stage::Conclude];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Accept => "accept",
            Stage::Review => "review",
            Stage::Decide => "decide",
            Stage::Conclude => "conclude",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who a step names as its handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandlerRole {
    Clerk,
    Approver,
}

impl HandlerRole {
    pub fn as_str(self) -> &'static str {
        match self {
            HandlerRole::Clerk => "clerk",
            HandlerRole::Approver => "approver",
        }
    }
}

/// One event of a followed stream, kept as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRef {
    /// The follower's name: `cases`, `catalog`, `trading`.
    pub stream: String,
    pub seq: i64,
    pub kind: String,
    pub occurred_on: NaiveDate,
}

/// Which case an event is about, as the cases service names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRef {
    pub case_id: String,
    pub case_number: String,
    pub item_id: String,
    pub item_version: u32,
    pub department_id: String,
    pub region_code: String,
    #[serde(default)]
    pub bundle_case_id: Option<String>,
}

/// Who caused an event.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Actor {
    pub subject: String,
    /// `applicant`, `clerk`, `approver`, `service` or `system`.
    pub role: String,
    pub department_id: String,
}

/// How serious a rule's hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn rank(self) -> i64 {
        match self {
            Severity::Low => 1,
            Severity::Medium => 2,
            Severity::High => 3,
        }
    }

    pub fn from_rank(r: i64) -> Option<Severity> {
        match r {
            1 => Some(Severity::Low),
            2 => Some(Severity::Medium),
            3 => Some(Severity::High),
            _ => None,
        }
    }
}

/// What a violation is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    Case,
    BundleCase,
    TradingProject,
}

impl SubjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Case => "case",
            SubjectKind::BundleCase => "bundle_case",
            SubjectKind::TradingProject => "trading_project",
        }
    }

    pub fn parse(s: &str) -> Option<SubjectKind> {
        [
            SubjectKind::Case,
            SubjectKind::BundleCase,
            SubjectKind::TradingProject,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_round_trips_through_text_and_sorts_last() {
        assert_eq!(parse_date(&date_text(NEVER)), Some(NEVER));
        let d = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        assert_eq!(parse_date(&date_text(d)), Some(d));
        assert!(date_text(d) < date_text(NEVER));
        assert_eq!(parse_date("2026-3-2"), None);
    }

    #[test]
    fn stages_parse_back_from_their_names() {
        for s in Stage::ALL {
            assert_eq!(Stage::parse(s.as_str()), Some(s));
        }
        assert_eq!(Stage::parse("approve"), None);
    }
}
