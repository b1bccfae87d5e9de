//! Evaluation (评标): the valid bids of each lot that did not fail, ranked by lowest
//! evaluated price or by comprehensive scoring (综合评分法). Scores are integers in
//! hundredths of a point, so a ranking never depends on floating-point rounding.
//!
//! Scoring: the price score is objective (价格分 = 基准价 / 报价 x 价格权重 for purchases, the
//! reserve direction inverted for sales), the same on every sheet; each panel member gives a
//! technical and a commercial score out of 100 for every valid bid; their means are weighted
//! and added to the price score.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use onewindow_kit::error::Violations;
use serde::{Deserialize, Serialize};

use super::error::TradingError;
use super::kinds::{Direction, EvaluationMethod};
use super::opening::OpenedBid;
use super::party::Party;
use super::project::Project;

/// A full score: 100.00 points.
pub const FULL: u32 = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BidScore {
    pub bid_id: String,
    pub technical: u32,
    pub commercial: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreSheet {
    pub expert_id: String,
    pub scores: Vec<BidScore>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankedBid {
    pub bid_id: String,
    pub lot_id: String,
    pub bidder: Party,
    pub price_fen: i64,
    pub rank: u32,
    pub price_score: i64,
    pub technical_score: i64,
    pub commercial_score: i64,
    pub total_score: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    pub method: EvaluationMethod,
    pub ranking: Vec<RankedBid>,
    pub sheets: Vec<ScoreSheet>,
    pub evaluated_at: DateTime<Utc>,
}

impl Evaluation {
    /// The ranked bids of one lot, best first.
    pub fn lot(&self, lot_id: &str) -> Vec<&RankedBid> {
        self.ranking.iter().filter(|r| r.lot_id == lot_id).collect()
    }
}

/// Ranks the valid bids of every lot still open. The project must be opened, with a panel.
pub fn evaluate(
    project: &Project,
    sheets: Vec<ScoreSheet>,
    now: DateTime<Utc>,
) -> Result<Evaluation, TradingError> {
    let (Some(opening), Some(panel)) = (&project.opening, &project.panel) else {
        return Err(project.illegal_because("evaluate", "no panel has been drawn"));
    };
    let open_lots: BTreeSet<&str> = opening
        .lots
        .iter()
        .filter(|l| !l.failed)
        .map(|l| l.lot_id.as_str())
        .collect();
    let bids: Vec<&OpenedBid> = opening
        .valid_bids()
        .filter(|b| open_lots.contains(b.lot_id.as_str()))
        .collect();
    let rule = &project.evaluation;
    let direction = project.category.direction();
    if rule.method == EvaluationMethod::LowestPrice {
        if !sheets.is_empty() {
            return Err(TradingError::invalid(
                "sheets",
                "lowest-price evaluation takes no score sheets",
            ));
        }
    } else {
        let members: Vec<&str> = panel.members.iter().map(|m| m.expert_id.as_str()).collect();
        let bid_ids: Vec<&str> = bids.iter().map(|b| b.bid_id.as_str()).collect();
        TradingError::check(check_sheets(&sheets, &members, &bid_ids))?;
    }
    let mut ranking = Vec::new();
    for lot in &open_lots {
        let lot_bids: Vec<&&OpenedBid> = bids.iter().filter(|b| b.lot_id == *lot).collect();
        let base = match direction {
            Direction::Lower => lot_bids.iter().map(|b| b.price_fen).min(),
            Direction::Higher => lot_bids.iter().map(|b| b.price_fen).max(),
        }
        .unwrap_or(1)
        .max(1);
        let mut ranked: Vec<(RankedBid, DateTime<Utc>)> = lot_bids
            .iter()
            .map(|b| (score(b, rule, direction, base, &sheets), b.submitted_at))
            .collect();
        ranked.sort_by(|(a, at), (b, bt)| {
            b.total_score
                .cmp(&a.total_score)
                .then_with(|| better_price(direction, a.price_fen, b.price_fen))
                .then_with(|| at.cmp(bt))
                .then_with(|| a.bid_id.cmp(&b.bid_id))
        });
        for (i, (mut r, _)) in ranked.into_iter().enumerate() {
            r.rank = u32::try_from(i + 1).unwrap_or(u32::MAX);
            ranking.push(r);
        }
    }
    Ok(Evaluation {
        method: rule.method,
        ranking,
        sheets,
        evaluated_at: now,
    })
}

fn better_price(direction: Direction, a: i64, b: i64) -> Ordering {
    match direction {
        Direction::Lower => a.cmp(&b),
        Direction::Higher => b.cmp(&a),
    }
}

fn score(
    b: &OpenedBid,
    rule: &super::project::EvaluationRule,
    direction: Direction,
    base: i64,
    sheets: &[ScoreSheet],
) -> RankedBid {
    let mut r = RankedBid {
        bid_id: b.bid_id.clone(),
        lot_id: b.lot_id.clone(),
        bidder: b.bidder.clone(),
        price_fen: b.price_fen,
        rank: 0,
        price_score: 0,
        technical_score: 0,
        commercial_score: 0,
        total_score: 0,
    };
    if rule.method == EvaluationMethod::LowestPrice {
        return r;
    }
    let weight = i128::from(rule.price_weight) * 100;
    let price = i128::from(b.price_fen.max(1));
    let base = i128::from(base);
    let price_score = match direction {
        Direction::Lower => weight * base / price,
        Direction::Higher => weight * price / base,
    };
    let n = i64::try_from(sheets.len()).unwrap_or(1).max(1);
    let (tech, comm) = sheets
        .iter()
        .filter_map(|s| s.scores.iter().find(|x| x.bid_id == b.bid_id))
        .fold((0i64, 0i64), |(t, c), x| {
            (t + i64::from(x.technical), c + i64::from(x.commercial))
        });
    r.price_score = i64::try_from(price_score).unwrap_or(i64::MAX);
    r.technical_score = i64::from(rule.technical_weight) * (tech / n) / 100;
    r.commercial_score = i64::from(rule.commercial_weight) * (comm / n) / 100;
    r.total_score = r.price_score + r.technical_score + r.commercial_score;
    r
}

fn check_sheets(sheets: &[ScoreSheet], members: &[&str], bids: &[&str]) -> Violations {
    let mut v = Violations::new();
    for m in members {
        let n = sheets.iter().filter(|s| s.expert_id == *m).count();
        v.check(
            n != 1,
            "sheets",
            format!("panel member {m} must hand in exactly one sheet ({n} given)"),
        );
    }
    for (i, s) in sheets.iter().enumerate() {
        v.check(
            !members.contains(&s.expert_id.as_str()),
            format!("sheets[{i}].expert_id"),
            "is not on the panel",
        );
        for b in bids {
            let n = s.scores.iter().filter(|x| x.bid_id == *b).count();
            v.check(
                n != 1,
                format!("sheets[{i}].scores"),
                format!("must score bid {b} exactly once"),
            );
        }
        for (j, x) in s.scores.iter().enumerate() {
            v.check(
                !bids.contains(&x.bid_id.as_str()),
                format!("sheets[{i}].scores[{j}].bid_id"),
                "is not a valid bid under evaluation",
            );
            v.check(
                x.technical > FULL,
                format!("sheets[{i}].scores[{j}].technical"),
                "must be from 0 to 10000 (hundredths of a point)",
            );
            v.check(
                x.commercial > FULL,
                format!("sheets[{i}].scores[{j}].commercial"),
                "must be from 0 to 10000 (hundredths of a point)",
            );
        }
    }
    v
}
