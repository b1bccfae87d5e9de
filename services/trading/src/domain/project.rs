//! A trading project: what is traded, by whom, in which periods, and everything recorded
//! about it as it moves through its life (see `machine` for the moves).

use chrono::{DateTime, Duration, Utc};
use onewindow_kit::error::Violations;
use serde::{Deserialize, Serialize};

use super::auction::AuctionStatus;
use super::award::{Award, Contract, Objection};
use super::error::TradingError;
use super::evaluation::Evaluation;
use super::experts::ExpertPanel;
use super::kinds::{rules, Category, EvaluationMethod, Method, ProjectState};
use super::opening::OpeningRecord;
use super::party::Party;

pub const KIND: &str = "project";
const MAX_LOTS: usize = 50;
/// Longest title (a project's, a lot's) and specialty, and longest description, in
/// characters.
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 10_000;
const DEFAULT_PANEL: u32 = 5;
const DEFAULT_EXTENSION_MINUTES: u32 = 5;
/// The longest evaluation period, in days after the opening: the award and its publicity
/// must still fall within the time the bids stay valid.
pub const MAX_EVALUATION_DAYS: i64 = 30;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lot {
    pub id: String,
    pub title: String,
    pub budget_fen: i64,
    #[serde(default)]
    pub min_increment_fen: i64,
    #[serde(default)]
    pub failed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Periods {
    pub announced_at: Option<DateTime<Utc>>,
    pub enquiry_end: Option<DateTime<Utc>>,
    pub bid_start: DateTime<Utc>,
    pub bid_deadline: DateTime<Utc>,
    pub opening_at: Option<DateTime<Utc>>,
    /// Sealed bids: when the panel's evaluation is due to end (`None` for auctions and
    /// listings, and for a stored record that lacks it).
    #[serde(default)]
    pub evaluation_end: Option<DateTime<Utc>>,
    pub award_publicity_days: u32,
    pub award_publicity_end: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvaluationRule {
    pub method: EvaluationMethod,
    pub price_weight: u32,
    pub technical_weight: u32,
    pub commercial_weight: u32,
    pub expert_specialty: String,
    pub panel_size: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amendment {
    pub at: DateTime<Utc>,
    pub summary: String,
    pub material: bool,
    pub previous_deadline: DateTime<Utc>,
    pub new_deadline: DateTime<Utc>,
}

/// What an agent gives to create a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectDraft {
    pub title: String,
    pub description: String,
    pub category: Category,
    pub method: Method,
    pub region_code: String,
    pub owner: Party,
    pub agency: Party,
    pub lots: Vec<Lot>,
    pub periods: Periods,
    pub min_valid_bids: u32,
    pub evaluation: EvaluationRule,
    pub extension_minutes: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    pub id: String,
    pub code: String,
    pub title: String,
    pub description: String,
    pub category: Category,
    pub method: Method,
    pub state: ProjectState,
    pub region_code: String,
    pub owner: Party,
    pub agency: Party,
    pub lots: Vec<Lot>,
    pub periods: Periods,
    pub min_valid_bids: u32,
    pub evaluation: EvaluationRule,
    pub extension_minutes: u32,
    #[serde(default)]
    pub amendments: Vec<Amendment>,
    pub cancel_reason: Option<String>,
    pub cancelled_in: Option<ProjectState>,
    pub failure_reason: Option<String>,
    pub failed_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub opening: Option<OpeningRecord>,
    pub panel: Option<ExpertPanel>,
    pub evaluation_result: Option<Evaluation>,
    #[serde(default)]
    pub awards: Vec<Award>,
    #[serde(default)]
    pub objections: Vec<Objection>,
    #[serde(default)]
    pub contracts: Vec<Contract>,
    pub auction: Option<AuctionStatus>,
    pub revision: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ProjectDraft {
    /// Every bad field at once, under `prefix` (e.g. `project`).
    pub fn validate(&self, prefix: &str) -> Violations {
        let mut v = Violations::new();
        let f = |name: &str| format!("{prefix}.{name}");
        v.check(
            self.title.trim().is_empty(),
            f("title"),
            "must not be empty",
        );
        v.check_chars(&self.title, MAX_TITLE_CHARS, f("title"));
        v.check_chars(&self.description, MAX_DESCRIPTION_CHARS, f("description"));
        v.check(
            !self.category.allows(self.method),
            f("method"),
            format!("{} is not a method of {}", self.method, self.category),
        );
        v.check(
            self.region_code.len() != 6 || !self.region_code.chars().all(|c| c.is_ascii_digit()),
            f("region_code"),
            "must be a six-digit GB/T 2260 code",
        );
        v.extend(self.owner.validate(&f("owner"), false));
        v.extend(self.agency.validate(&f("agency"), false));
        self.validate_lots(prefix, &mut v);
        self.validate_periods(prefix, &mut v);
        let minimum = rules(self.category, self.method).min_valid_bids;
        v.check(
            self.min_valid_bids != 0 && self.min_valid_bids < minimum,
            f("min_valid_bids"),
            format!("must be at least {minimum} for this method"),
        );
        if self.method.is_sealed() {
            self.validate_evaluation(prefix, &mut v);
        }
        v.check(
            self.extension_minutes > 60,
            f("extension_minutes"),
            "must be at most 60",
        );
        v
    }

    fn validate_lots(&self, prefix: &str, v: &mut Violations) {
        let f = |name: &str| format!("{prefix}.{name}");
        v.check(
            self.lots.is_empty(),
            f("lots"),
            "must hold at least one lot",
        );
        v.check(
            self.lots.len() > MAX_LOTS,
            f("lots"),
            format!("must hold at most {MAX_LOTS} lots"),
        );
        v.check(
            self.method.is_ascending() && self.lots.len() > 1,
            f("lots"),
            "an auction or listing trades one lot",
        );
        for (i, lot) in self.lots.iter().enumerate() {
            let p = format!("{prefix}.lots[{i}]");
            let id_ok = !lot.id.is_empty()
                && lot.id.len() <= 16
                && lot
                    .id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-');
            v.check(
                !id_ok,
                format!("{p}.id"),
                "must be 1 to 16 letters, digits or dashes",
            );
            v.check(
                self.lots[..i].iter().any(|l| l.id == lot.id),
                format!("{p}.id"),
                "is used by another lot",
            );
            v.check(
                lot.title.trim().is_empty(),
                format!("{p}.title"),
                "must not be empty",
            );
            v.check_chars(&lot.title, MAX_TITLE_CHARS, format!("{p}.title"));
            v.check(
                lot.budget_fen <= 0,
                format!("{p}.budget_fen"),
                "must be positive",
            );
            v.check(
                self.method.is_ascending() && lot.min_increment_fen <= 0,
                format!("{p}.min_increment_fen"),
                "must be positive for an auction or listing",
            );
            v.check(
                lot.min_increment_fen < 0,
                format!("{p}.min_increment_fen"),
                "must not be negative",
            );
        }
    }

    fn validate_periods(&self, prefix: &str, v: &mut Violations) {
        let p = &self.periods;
        let f = |name: &str| format!("{prefix}.periods.{name}");
        v.check(
            p.bid_deadline <= p.bid_start,
            f("bid_deadline"),
            "must be after bid_start",
        );
        if let Some(end) = p.enquiry_end {
            v.check(
                end > p.bid_deadline,
                f("enquiry_end"),
                "must not be after bid_deadline",
            );
        }
        match (self.method.is_sealed(), p.opening_at) {
            (true, None) => v.add(f("opening_at"), "is required for sealed bids"),
            (true, Some(at)) => v.check(
                at < p.bid_deadline,
                f("opening_at"),
                "must not be before bid_deadline",
            ),
            (false, Some(_)) => v.add(f("opening_at"), "an auction or listing has no opening"),
            (false, None) => {}
        }
        if let Some(end) = p.evaluation_end {
            match (self.method.is_sealed(), p.opening_at) {
                (true, Some(opening)) => {
                    if let Some(problem) = evaluation_end_problem(opening, end) {
                        v.add(f("evaluation_end"), problem);
                    }
                }
                (true, None) => {}
                (false, _) => v.add(
                    f("evaluation_end"),
                    "an auction or listing has no evaluation",
                ),
            }
        }
        let min = self.category.min_publicity_days();
        v.check(
            p.award_publicity_days != 0 && p.award_publicity_days < min,
            f("award_publicity_days"),
            format!("must be at least {min} for {}", self.category),
        );
        v.check(
            p.award_publicity_days > 60,
            f("award_publicity_days"),
            "must be at most 60",
        );
    }

    fn validate_evaluation(&self, prefix: &str, v: &mut Violations) {
        let e = &self.evaluation;
        let f = |name: &str| format!("{prefix}.evaluation.{name}");
        v.check(
            e.expert_specialty.trim().is_empty(),
            f("expert_specialty"),
            "must name the specialty the panel is drawn from",
        );
        v.check_chars(&e.expert_specialty, MAX_TITLE_CHARS, f("expert_specialty"));
        v.check(
            e.panel_size != 0 && (e.panel_size < 3 || e.panel_size % 2 != 1 || e.panel_size > 25),
            f("panel_size"),
            "must be odd, from 3 to 25",
        );
        if e.method == EvaluationMethod::Scoring {
            let sum = e.price_weight + e.technical_weight + e.commercial_weight;
            v.check(sum != 100, f("price_weight"), "the weights must sum to 100");
            v.check(
                e.price_weight == 0,
                f("price_weight"),
                "price must carry weight",
            );
        }
    }
}

/// What is wrong with an evaluation ending at `end` after an opening at `opening`, if
/// anything: it must end after the opening, within [`MAX_EVALUATION_DAYS`].
pub fn evaluation_end_problem(opening: DateTime<Utc>, end: DateTime<Utc>) -> Option<String> {
    if end <= opening {
        Some("must be after opening_at".into())
    } else if end - opening > Duration::days(MAX_EVALUATION_DAYS) {
        Some(format!(
            "must be at most {MAX_EVALUATION_DAYS} days after opening_at"
        ))
    } else {
        None
    }
}

impl Project {
    /// A new draft; defaults fill what the agent left at zero.
    pub fn create(
        id: String,
        code: String,
        draft: ProjectDraft,
        now: DateTime<Utc>,
    ) -> Result<Project, TradingError> {
        TradingError::check(draft.validate("project"))?;
        let mut periods = draft.periods;
        if periods.award_publicity_days == 0 {
            periods.award_publicity_days = draft.category.default_publicity_days();
        }
        if draft.method.is_sealed() && periods.evaluation_end.is_none() {
            let days = i64::from(draft.category.default_evaluation_days());
            periods.evaluation_end = periods.opening_at.map(|at| at + Duration::days(days));
        }
        periods.announced_at = None;
        periods.award_publicity_end = None;
        let mut evaluation = draft.evaluation;
        if evaluation.panel_size == 0 {
            evaluation.panel_size = DEFAULT_PANEL;
        }
        if evaluation.method == EvaluationMethod::LowestPrice {
            evaluation.price_weight = 100;
            evaluation.technical_weight = 0;
            evaluation.commercial_weight = 0;
        }
        let lots = draft
            .lots
            .into_iter()
            .map(|l| Lot { failed: false, ..l })
            .collect();
        let min_valid_bids = match draft.min_valid_bids {
            0 => rules(draft.category, draft.method).min_valid_bids,
            n => n,
        };
        Ok(Project {
            id,
            code,
            title: draft.title,
            description: draft.description,
            category: draft.category,
            method: draft.method,
            state: ProjectState::Draft,
            region_code: draft.region_code,
            owner: draft.owner,
            agency: draft.agency,
            lots,
            periods,
            min_valid_bids,
            evaluation,
            extension_minutes: match draft.extension_minutes {
                0 => DEFAULT_EXTENSION_MINUTES,
                n => n,
            },
            amendments: Vec::new(),
            cancel_reason: None,
            cancelled_in: None,
            failure_reason: None,
            failed_at: None,
            cancelled_at: None,
            opening: None,
            panel: None,
            evaluation_result: None,
            awards: Vec::new(),
            objections: Vec::new(),
            contracts: Vec::new(),
            auction: None,
            revision: 1,
            created_at: now,
            updated_at: now,
        })
    }

    pub fn lot(&self, id: &str) -> Option<&Lot> {
        self.lots.iter().find(|l| l.id == id)
    }

    /// The instant at which the chronograph has something to do, if any.
    pub fn next_deadline(&self) -> Option<DateTime<Utc>> {
        match self.state {
            ProjectState::Announced => Some(self.periods.bid_start),
            ProjectState::Bidding => self.auction.as_ref().map(|a| a.end),
            ProjectState::AwardPublicized if !self.has_open_objection() => {
                self.periods.award_publicity_end
            }
            _ => None,
        }
    }

    pub fn has_open_objection(&self) -> bool {
        self.objections.iter().any(|o| o.is_open())
    }

    /// The error for `command` in the current state.
    pub fn illegal(&self, command: &'static str) -> TradingError {
        TradingError::illegal(KIND, &self.id, self.state, command)
    }

    /// The error for `command` in the current state, saying why (a closed period).
    pub fn illegal_because(
        &self,
        command: &'static str,
        why: impl std::fmt::Display,
    ) -> TradingError {
        TradingError::illegal(KIND, &self.id, format!("{} ({why})", self.state), command)
    }
}
