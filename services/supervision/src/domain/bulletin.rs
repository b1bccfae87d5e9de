//! Warning education (警示教育): public notices of cards, violations, or anything else the
//! supervision office wants known.

use chrono::{DateTime, Utc};
use onewindow_kit::codes::is_region_code;
use onewindow_kit::error::Violations;
use serde::{Deserialize, Serialize};

use super::error::SupervisionError;

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_BODY_CHARS: usize = 10_000;
/// Longest id a notice names (a warning, a violation), and a department's code.
pub const MAX_ID_CHARS: usize = 64;
pub const MAX_DEPARTMENT_ID_CHARS: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BulletinKind {
    Card,
    Violation,
    Notice,
}

impl BulletinKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BulletinKind::Card => "card",
            BulletinKind::Violation => "violation",
            BulletinKind::Notice => "notice",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bulletin {
    pub id: String,
    pub kind: BulletinKind,
    pub title: String,
    pub body: String,
    pub department_id: String,
    pub region_code: String,
    pub warning_id: String,
    pub violation_id: String,
    pub published_at: DateTime<Utc>,
    pub published_by: String,
}

/// A bulletin as asked for: a card notice names a warning, a violation notice a violation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub kind: Option<BulletinKind>,
    pub title: String,
    pub body: String,
    pub warning_id: String,
    pub violation_id: String,
    pub department_id: String,
    pub region_code: String,
}

impl Draft {
    pub fn validate(&self) -> Result<BulletinKind, SupervisionError> {
        let mut v = Violations::new();
        v.check(self.title.trim().is_empty(), "title", "is required");
        v.check(
            self.title.chars().count() > MAX_TITLE_CHARS,
            "title",
            format!("must be at most {MAX_TITLE_CHARS} characters"),
        );
        v.check(self.body.trim().is_empty(), "body", "is required");
        v.check(
            self.body.chars().count() > MAX_BODY_CHARS,
            "body",
            format!("must be at most {MAX_BODY_CHARS} characters"),
        );
        v.check_chars(&self.warning_id, MAX_ID_CHARS, "warning_id");
        v.check_chars(&self.violation_id, MAX_ID_CHARS, "violation_id");
        v.check_chars(
            &self.department_id,
            MAX_DEPARTMENT_ID_CHARS,
            "department_id",
        );
        v.check(
            !self.region_code.is_empty() && !is_region_code(&self.region_code),
            "region_code",
            "must be a region code of 6 digits",
        );
        match self.kind {
            None => v.add("kind", "must be card, violation or notice"),
            Some(BulletinKind::Card) => v.check(
                self.warning_id.is_empty(),
                "warning_id",
                "is required for a card notice",
            ),
            Some(BulletinKind::Violation) => v.check(
                self.violation_id.is_empty(),
                "violation_id",
                "is required for a violation notice",
            ),
            Some(BulletinKind::Notice) => {}
        }
        SupervisionError::check(v)?;
        self.kind
            .ok_or_else(|| SupervisionError::invalid("kind", "is required"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_names_a_department_and_region_of_their_formats() {
        let d = Draft {
            kind: Some(BulletinKind::Notice),
            title: "通报".into(),
            body: "本月办件情况".into(),
            warning_id: String::new(),
            violation_id: String::new(),
            department_id: "长".repeat(20_000),
            region_code: "长".repeat(20_000),
        };
        let SupervisionError::Invalid(v) = d.validate().unwrap_err() else {
            panic!("invalid expected")
        };
        let fields: Vec<&str> = v.as_slice().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["department_id", "region_code"]);
    }

    #[test]
    fn a_card_notice_must_name_its_warning() {
        let d = Draft {
            kind: Some(BulletinKind::Card),
            title: "红牌通报".into(),
            body: "某局超期办理".into(),
            warning_id: String::new(),
            violation_id: String::new(),
            department_id: String::new(),
            region_code: String::new(),
        };
        let SupervisionError::Invalid(v) = d.validate().unwrap_err() else {
            panic!("invalid expected")
        };
        assert_eq!(v.as_slice()[0].field, "warning_id");
        let ok = Draft {
            warning_id: "w1".into(),
            ..d
        };
        assert_eq!(ok.validate().unwrap(), BulletinKind::Card);
    }
}
