//! Red flags of public resource trading (公共资源交易), on supervision's own model of a
//! project. The trading contract is mapped onto [`TradingFacts`] at the edge; the rules
//! here need only these facts and the owner's history of awards.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::rules::{RuleHit, RuleSettings};
use super::terms::{EventRef, SubjectKind};

pub const SINGLE_BID: &str = "trading.single_bid";
pub const IDENTICAL_PRICES: &str = "trading.identical_prices";
pub const WINNER_CLOSE_TO_SECOND: &str = "trading.winner_close_to_second";
pub const SHORT_BID_PERIOD: &str = "trading.short_bid_period";
pub const ALL_OTHERS_DISQUALIFIED: &str = "trading.all_others_disqualified";
pub const LOWEST_BID_DISQUALIFIED: &str = "trading.lowest_bid_disqualified";
pub const SHARED_CONTACT: &str = "trading.shared_contact";
pub const DOMINANT_SUPPLIER: &str = "trading.dominant_supplier";

/// How a project is traded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// 公开招标
    OpenTender,
    /// 邀请招标
    InvitedTender,
    /// 竞争性谈判
    CompetitiveNegotiation,
    /// 询价
    Inquiry,
    /// 单一来源
    SingleSource,
    /// 拍卖 / 挂牌 (land, property rights)
    Auction,
}

/// How to reach a bidder, as the bid gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub phone: String,
    pub email: String,
    pub address: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bid {
    pub bidder_id: String,
    pub price_fen: i64,
    pub contact: Contact,
    pub disqualified: bool,
    pub disqualification_reason: String,
}

/// A project as supervision sees it once awarded (or failed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TradingFacts {
    pub project_id: String,
    /// The purchaser or seller (招标人 / 采购人).
    pub owner_id: String,
    /// The owner's department, when it is one; violations are counted against it.
    pub department_id: String,
    pub region_code: String,
    pub method: Method,
    pub announced_on: NaiveDate,
    pub bid_deadline: NaiveDate,
    pub bids: Vec<Bid>,
    pub winner_bidder_id: Option<String>,
    pub winning_price_fen: Option<i64>,
}

/// What the owner awarded before this project, for the dominant-supplier flag.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnerHistory {
    /// Awarded projects of the owner, this one included.
    pub projects: u32,
    /// Wins per supplier over those projects, this one included.
    pub wins: BTreeMap<String, u32>,
}

/// The thresholds of the red flags.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TradingThresholds {
    /// The winning price is "very close" to the second when the gap is at most this share
    /// of the second price.
    pub close_price_ratio: f64,
    /// The shortest legal bid period per method, in calendar days from announcement to
    /// the bid deadline; methods not named have none.
    pub min_bid_days: BTreeMap<Method, u32>,
    /// One supplier "wins most" when it wins more than this share of the owner's projects...
    pub dominant_share: f64,
    /// ...and the owner has awarded at least this many.
    pub dominant_min_projects: u32,
}

impl Default for TradingThresholds {
    fn default() -> Self {
        TradingThresholds {
            close_price_ratio: 0.005,
            // 招标投标法 art. 24: at least 20 days for a tender; 政府采购非招标采购方式管理办法:
            // 3 working days for negotiation and inquiry, reckoned here as 3 calendar days.
            min_bid_days: BTreeMap::from([
                (Method::OpenTender, 20),
                (Method::InvitedTender, 20),
                (Method::CompetitiveNegotiation, 3),
                (Method::Inquiry, 3),
            ]),
            dominant_share: 0.5,
            dominant_min_projects: 3,
        }
    }
}

impl TradingThresholds {
    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..1.0).contains(&self.close_price_ratio) {
            return Err("close_price_ratio must be at least 0 and below 1".into());
        }
        if !(0.0..1.0).contains(&self.dominant_share) {
            return Err("dominant_share must be at least 0 and below 1".into());
        }
        Ok(())
    }
}

fn normalized(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Every red flag of a project. `evidence` is the events the facts came from.
pub fn red_flags(
    facts: &TradingFacts,
    history: &OwnerHistory,
    t: &TradingThresholds,
    settings: &RuleSettings,
    evidence: &[EventRef],
) -> Vec<RuleHit> {
    let mut hits = Vec::new();
    let mut flag = |rule: &'static str, part: String, summary: String| {
        hits.push(RuleHit {
            rule,
            subject_kind: SubjectKind::TradingProject,
            subject_id: facts.project_id.clone(),
            part,
            department_id: facts.department_id.clone(),
            region_code: facts.region_code.clone(),
            case_number: String::new(),
            summary,
            evidence: evidence.to_vec(),
        });
    };
    let bids = &facts.bids;
    if bids.len() == 1 {
        flag(
            SINGLE_BID,
            String::new(),
            "a single bid was received".into(),
        );
    }

    let mut by_price: BTreeMap<i64, Vec<&str>> = BTreeMap::new();
    for b in bids {
        by_price.entry(b.price_fen).or_default().push(&b.bidder_id);
    }
    for (price, bidders) in by_price.iter().filter(|(_, b)| b.len() > 1) {
        flag(
            IDENTICAL_PRICES,
            price.to_string(),
            format!("{} bid the same {price} fen", bidders.join(", ")),
        );
    }

    if let (Some(winner), Some(price)) = (&facts.winner_bidder_id, facts.winning_price_fen) {
        let second = bids
            .iter()
            .filter(|b| &b.bidder_id != winner && !b.disqualified && b.price_fen >= price)
            .map(|b| b.price_fen)
            .min();
        if let Some(second) = second {
            // The prices are the trading stream's: two of them may lie further apart than
            // an i64 reaches.
            let gap = second.abs_diff(price) as f64;
            if second > 0 && gap / second as f64 <= t.close_price_ratio {
                flag(
                    WINNER_CLOSE_TO_SECOND,
                    String::new(),
                    format!(
                        "the winning {price} fen is within {:.2} % of the second {second} fen",
                        t.close_price_ratio * 100.0
                    ),
                );
            }
        }
        let others: Vec<&Bid> = bids.iter().filter(|b| &b.bidder_id != winner).collect();
        if !others.is_empty() && others.iter().all(|b| b.disqualified) {
            flag(
                ALL_OTHERS_DISQUALIFIED,
                String::new(),
                format!(
                    "all {} bidders other than the winner were disqualified",
                    others.len()
                ),
            );
        }
        let wins = history.wins.get(winner).copied().unwrap_or(0);
        if history.projects >= t.dominant_min_projects
            && f64::from(wins) > t.dominant_share * f64::from(history.projects)
        {
            flag(
                DOMINANT_SUPPLIER,
                winner.clone(),
                format!(
                    "{winner} won {wins} of the {} projects of {}",
                    history.projects, facts.owner_id
                ),
            );
        }
    }

    if let Some(min_days) = t.min_bid_days.get(&facts.method) {
        let days = (facts.bid_deadline - facts.announced_on).num_days();
        if days < i64::from(*min_days) {
            flag(
                SHORT_BID_PERIOD,
                String::new(),
                format!(
                    "bids were due {days} days after the announcement, the minimum is {min_days}"
                ),
            );
        }
    }

    if let Some(lowest) = bids.iter().min_by_key(|b| b.price_fen) {
        if lowest.disqualified && bids.len() > 1 {
            flag(
                LOWEST_BID_DISQUALIFIED,
                lowest.bidder_id.clone(),
                format!(
                    "the lowest bid, {} fen by {}, was disqualified: {}",
                    lowest.price_fen, lowest.bidder_id, lowest.disqualification_reason
                ),
            );
        }
    }

    let mut contacts: BTreeMap<(&str, String), Vec<&str>> = BTreeMap::new();
    for b in bids {
        for (kind, value) in [
            ("phone", &b.contact.phone),
            ("email", &b.contact.email),
            ("address", &b.contact.address),
        ] {
            let v = normalized(value);
            if !v.is_empty() {
                contacts.entry((kind, v)).or_default().push(&b.bidder_id);
            }
        }
    }
    for ((kind, _), bidders) in contacts {
        let mut distinct = bidders.clone();
        distinct.sort();
        distinct.dedup();
        if distinct.len() > 1 {
            flag(
                SHARED_CONTACT,
                format!("{kind}:{}", distinct.join(",")),
                format!("{} give the same {kind}", distinct.join(", ")),
            );
        }
    }
    hits.retain(|h| settings.enabled(h.rule));
    hits
}
