//! Online permission monitoring (网上许可监察): the named rules, their severity and settings,
//! and the hit a rule makes. A hit carries the events that prove it and a key that makes it
//! unique, so a replayed event never records the same violation twice. The checks of case
//! events are in `checks`, the trading red flags in `trading`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::terms::{EventRef, Severity, Stage, SubjectKind};

pub use super::checks::{check, Checked};

/// A rule supervision applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleDef {
    pub id: &'static str,
    pub severity: Severity,
    pub description: &'static str,
}

const fn rule(id: &'static str, severity: Severity, description: &'static str) -> RuleDef {
    RuleDef {
        id,
        severity,
        description,
    }
}

pub const INTAKE_REFUSED_WITHOUT_BASIS: &str = "intake_refused_without_basis";
pub const ONE_TIME_NOTICE_BREACHED: &str = "one_time_notice_breached";
pub const REQUIRED_MATERIAL_MISSING: &str = "required_material_missing";
pub const ITEM_VERSION_NOT_IN_FORCE: &str = "item_version_not_in_force";
pub const STAGE_SKIPPED: &str = "stage_skipped";
pub const STAGE_BY_WRONG_ROLE: &str = "stage_by_wrong_role";
pub const STAGE_OUTSIDE_DEPARTMENT: &str = "stage_outside_department";
pub const FEE_DEVIATES_FROM_STANDARD: &str = "fee_deviates_from_standard";
pub const FEE_ON_FREE_ITEM: &str = "fee_on_free_item";
pub const SUSPENSION_OVERRAN: &str = "suspension_overran";
pub const SUSPENSION_REPEATED: &str = "suspension_repeated";
pub const CONCLUDED_AFTER_PROMISED_LIMIT: &str = "concluded_after_promised_limit";
pub const CONCLUDED_AFTER_STATUTORY_LIMIT: &str = "concluded_after_statutory_limit";
pub const DENIED_WITHOUT_BASIS: &str = "denied_without_basis";
pub const BUNDLE_HELD_UP: &str = "bundle_held_up";
pub const EXTENSION_BEYOND_MAXIMUM: &str = "extension_beyond_maximum";

/// Every rule, the trading red flags included.
pub const RULES: &[RuleDef] = &[
    rule(INTAKE_REFUSED_WITHOUT_BASIS, Severity::High, "intake refused without a reason or without its legal basis"),
    rule(ONE_TIME_NOTICE_BREACHED, Severity::Medium, "a later supplement notice names materials that were already present at the first one (一次性告知)"),
    rule(REQUIRED_MATERIAL_MISSING, Severity::High, "accepted although a material the item requires at intake is missing"),
    rule(ITEM_VERSION_NOT_IN_FORCE, Severity::High, "submitted on an item version that was not in force that day"),
    rule(STAGE_SKIPPED, Severity::High, "concluded without completing a stage of the item's flow"),
    rule(STAGE_BY_WRONG_ROLE, Severity::High, "a stage completed by someone without the role its step names"),
    rule(STAGE_OUTSIDE_DEPARTMENT, Severity::High, "a stage handled by staff outside the item's department"),
    rule(FEE_DEVIATES_FROM_STANDARD, Severity::High, "a fee charged at an amount other than the catalog's standard"),
    rule(FEE_ON_FREE_ITEM, Severity::High, "a fee charged on an item that is free of charge"),
    rule(SUSPENSION_OVERRAN, Severity::Medium, "a suspension lasted longer than the working days declared"),
    rule(SUSPENSION_REPEATED, Severity::Medium, "the clock of one case was suspended more often than allowed"),
    rule(CONCLUDED_AFTER_PROMISED_LIMIT, Severity::Medium, "concluded after the promised due date"),
    rule(CONCLUDED_AFTER_STATUTORY_LIMIT, Severity::High, "concluded after the statutory due date"),
    rule(DENIED_WITHOUT_BASIS, Severity::High, "denied without a reason or without its legal basis"),
    rule(BUNDLE_HELD_UP, Severity::Medium, "one department's late case held a one-stop bundle up"),
    rule(EXTENSION_BEYOND_MAXIMUM, Severity::High, "extensions beyond the maximum the item allows"),
    rule(super::trading::SINGLE_BID, Severity::Medium, "a tender with a single bid"),
    rule(super::trading::IDENTICAL_PRICES, Severity::High, "two or more bids at the same price"),
    rule(super::trading::WINNER_CLOSE_TO_SECOND, Severity::Medium, "the winning price is very close to the second price"),
    rule(super::trading::SHORT_BID_PERIOD, Severity::High, "the bid period is shorter than the legal minimum for the method"),
    rule(super::trading::ALL_OTHERS_DISQUALIFIED, Severity::High, "every bidder but the winner was disqualified"),
    rule(super::trading::LOWEST_BID_DISQUALIFIED, Severity::Medium, "the lowest bid was disqualified"),
    rule(super::trading::SHARED_CONTACT, Severity::High, "bidders share a phone, email or address"),
    rule(super::trading::DOMINANT_SUPPLIER, Severity::Medium, "one supplier wins most projects of one owner"),
];

pub fn rule_def(id: &str) -> Option<&'static RuleDef> {
    RULES.iter().find(|r| r.id == id)
}

/// How the rules are applied; defaults that run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RuleSettings {
    /// Stages every non-immediate case must complete when the catalog has not told
    /// supervision the item's own flow.
    pub mandatory_stages: Vec<Stage>,
    /// Suspensions one case may have.
    pub max_suspensions: u32,
    /// Rules switched off, by id.
    pub disabled: Vec<String>,
    /// Severities other than the defaults, by rule id.
    pub severities: BTreeMap<String, Severity>,
}

impl Default for RuleSettings {
    fn default() -> Self {
        RuleSettings {
            mandatory_stages: vec![Stage::Review, Stage::Decide],
            max_suspensions: 1,
            disabled: Vec::new(),
            severities: BTreeMap::new(),
        }
    }
}

impl RuleSettings {
    pub fn enabled(&self, id: &str) -> bool {
        !self.disabled.iter().any(|d| d == id)
    }

    pub fn severity(&self, id: &str) -> Severity {
        self.severities
            .get(id)
            .copied()
            .or_else(|| rule_def(id).map(|r| r.severity))
            .unwrap_or(Severity::Medium)
    }

    /// Names every unknown rule id in the settings.
    pub fn unknown_rules(&self) -> Vec<String> {
        self.disabled
            .iter()
            .chain(self.severities.keys())
            .filter(|id| rule_def(id).is_none())
            .cloned()
            .collect()
    }
}

/// One hit of a rule, before it is recorded as a violation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleHit {
    pub rule: &'static str,
    pub subject_kind: SubjectKind,
    pub subject_id: String,
    /// What tells this hit from another of the same rule on the same subject (a stage, a
    /// fee, a suspension's number); empty when there can be only one.
    pub part: String,
    pub department_id: String,
    pub region_code: String,
    pub case_number: String,
    pub summary: String,
    pub evidence: Vec<EventRef>,
}

impl RuleHit {
    /// The key that makes the violation unique.
    pub fn dedupe_key(&self) -> String {
        format!(
            "{}|{}|{}|{}",
            self.rule,
            self.subject_kind.as_str(),
            self.subject_id,
            self.part
        )
    }
}
