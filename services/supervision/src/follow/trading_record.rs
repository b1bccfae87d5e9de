//! Supervision's record of one traded project, gathered from the trading stream: the
//! announcement gives the owner, the method and the bid period; the opening the bids, with
//! prices and contacts, and which were invalid; the evaluation which valid bids it ranked;
//! the award the winner and its price, per lot. Each lot is judged on its own
//! [`TradingFacts`]: bids for different lots never compete with each other.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::trading_events::{Kind, TradingEvent};
use crate::domain::terms::EventRef;
use crate::domain::trading::{Bid, Contact, Method, TradingFacts};

/// What the announcement (or an amendment) says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    pub owner_id: String,
    pub region_code: String,
    pub method: Method,
    pub sale: bool,
    pub announced_on: NaiveDate,
    pub bid_deadline: NaiveDate,
    pub lot_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedBid {
    pub bid_id: String,
    pub lot_id: String,
    /// The bidder's unified social credit code.
    pub bidder_id: String,
    pub price_fen: i64,
    pub contact: Contact,
    pub valid_at_opening: bool,
    pub invalid_reasons: Vec<String>,
    /// Valid at the opening, yet left out of the evaluation's ranking of its lot.
    #[serde(default)]
    pub unranked: bool,
}

impl RecordedBid {
    pub fn disqualified(&self) -> bool {
        !self.valid_at_opening || self.unranked
    }

    fn reason(&self) -> String {
        if !self.valid_at_opening {
            if self.invalid_reasons.is_empty() {
                return "invalid at the opening".into();
            }
            return self.invalid_reasons.join("; ");
        }
        if self.unranked {
            return "not ranked by the evaluation".into();
        }
        String::new()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedAward {
    pub lot_id: String,
    pub bid_id: String,
    pub supplier_id: String,
    pub value_fen: i64,
}

/// What is left of a project once its record took an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// Still in progress: judged by every rule its facts can answer, and kept.
    InProgress,
    /// Failed: its failed lots are judged once more, then it is forgotten.
    Failed,
    /// Awarded for good or cancelled: nothing more can raise a flag.
    Ended,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectRecord {
    pub project_id: String,
    /// The owner's credit code; empty when the announcement was never seen.
    pub owner_id: String,
    pub region_code: String,
    pub method: Method,
    /// Land and property are sold: the highest price wins and the reserve is a floor, so
    /// the rules written for purchases (the lowest price wins) do not apply as they stand.
    pub sale: bool,
    /// Announcement and bid deadline as civil dates, once the announcement was seen.
    pub period: Option<(NaiveDate, NaiveDate)>,
    /// The lots the announcement named.
    pub lot_ids: Vec<String>,
    pub opened: bool,
    pub bids: Vec<RecordedBid>,
    /// Lots that failed (流标) for too few valid bids.
    pub failed_lots: BTreeSet<String>,
    pub awards: Vec<RecordedAward>,
    /// The events this record was built from, in stream order: the evidence of its flags.
    pub evidence: Vec<EventRef>,
}

impl ProjectRecord {
    pub fn new(project_id: &str, method: Method, sale: bool) -> ProjectRecord {
        ProjectRecord {
            project_id: project_id.to_string(),
            owner_id: String::new(),
            region_code: String::new(),
            method,
            sale,
            period: None,
            lot_ids: Vec::new(),
            opened: false,
            bids: Vec::new(),
            failed_lots: BTreeSet::new(),
            awards: Vec::new(),
            evidence: Vec::new(),
        }
    }

    /// The record a project not followed so far starts with: at its announcement, or, when
    /// followed from the middle of its life, at the opening or the award, which carry
    /// enough to judge their own rules. None for the events that cannot start one.
    pub fn start(project_id: &str, fact: &TradingEvent) -> Option<ProjectRecord> {
        let kind = match fact {
            TradingEvent::Announced(a) => Kind {
                method: a.method,
                sale: a.sale,
            },
            TradingEvent::Opened { kind, .. } | TradingEvent::AwardPublicized { kind, .. } => *kind,
            _ => return None,
        };
        Some(ProjectRecord::new(project_id, kind.method, kind.sale))
    }

    /// Takes what one event says into the record, and tells what is left of the project.
    /// Awards an evaluation or a cancellation voids are the caller's to forget first.
    pub fn take(&mut self, fact: TradingEvent) -> Taken {
        match fact {
            TradingEvent::Announced(a) => self.announced(a),
            TradingEvent::Amended { bid_deadline } => self.amended(bid_deadline),
            TradingEvent::Opened {
                bids, failed_lots, ..
            } => self.opened(bids, failed_lots),
            TradingEvent::Evaluated { ranked } => self.evaluated(&ranked),
            TradingEvent::AwardPublicized { awards, .. } => self.awarded(awards),
            TradingEvent::Failed => {
                self.failed();
                return Taken::Failed;
            }
            TradingEvent::Awarded | TradingEvent::Cancelled => return Taken::Ended,
        }
        Taken::InProgress
    }

    pub fn announced(&mut self, a: Announcement) {
        self.owner_id = a.owner_id;
        self.region_code = a.region_code;
        self.method = a.method;
        self.sale = a.sale;
        self.period = Some((a.announced_on, a.bid_deadline));
        self.lot_ids = a.lot_ids;
    }

    /// A new deadline; without the announcement there is no period to judge.
    pub fn amended(&mut self, bid_deadline: NaiveDate) {
        if let Some((announced_on, _)) = self.period {
            self.period = Some((announced_on, bid_deadline));
        }
    }

    pub fn opened(&mut self, bids: Vec<RecordedBid>, failed_lots: BTreeSet<String>) {
        self.opened = true;
        self.bids = bids;
        self.failed_lots = failed_lots;
    }

    /// Marks the valid bids each evaluated lot's ranking left out. A re-evaluation follows
    /// an upheld objection, which cancelled the awards: it replaces what the earlier one
    /// said, and no award stands until the next is publicized.
    pub fn evaluated(&mut self, ranked: &BTreeMap<String, BTreeSet<String>>) {
        self.awards.clear();
        for b in &mut self.bids {
            b.unranked = b.valid_at_opening
                && ranked
                    .get(&b.lot_id)
                    .is_some_and(|ids| !ids.contains(&b.bid_id));
        }
    }

    /// The awards publicized now replace earlier ones of the same lots.
    pub fn awarded(&mut self, awards: Vec<RecordedAward>) {
        self.awards
            .retain(|old| !awards.iter().any(|new| new.lot_id == old.lot_id));
        self.awards.extend(awards);
    }

    /// Every lot fails with the project.
    pub fn failed(&mut self) {
        let lots: Vec<String> = self.lots().into_iter().flatten().collect();
        self.failed_lots.extend(lots);
    }

    /// The lots to judge: those with bids or an award, or the project as a whole (`None`)
    /// while there are none.
    pub fn lots(&self) -> Vec<Option<String>> {
        let lots: BTreeSet<&str> = self
            .bids
            .iter()
            .map(|b| b.lot_id.as_str())
            .chain(self.awards.iter().map(|a| a.lot_id.as_str()))
            .collect();
        if lots.is_empty() {
            return vec![None];
        }
        lots.into_iter().map(|l| Some(l.to_string())).collect()
    }

    /// Failed lots left with exactly one valid bid: a single bid in substance.
    pub fn failed_with_one_valid_bid(&self) -> Vec<String> {
        self.failed_lots
            .iter()
            .filter(|lot| {
                self.bids
                    .iter()
                    .filter(|b| &b.lot_id == *lot && !b.disqualified())
                    .count()
                    == 1
            })
            .cloned()
            .collect()
    }

    /// Where the owner's history keeps this lot's award: the project, or the project and
    /// the lot when the project has several (each lot is awarded and contracted alone).
    pub fn award_key(&self, lot: Option<&str>) -> String {
        let seen: BTreeSet<&str> = self
            .lot_ids
            .iter()
            .map(String::as_str)
            .chain(self.bids.iter().map(|b| b.lot_id.as_str()))
            .collect();
        match lot {
            Some(lot) if seen.len() > 1 => format!("{}/{lot}", self.project_id),
            _ => self.project_id.clone(),
        }
    }

    /// The facts of one lot (or of the project while no lot is known). `valid_only` keeps
    /// the bids still standing. Without the announcement both dates are `fallback`: the
    /// caller must not judge the bid period then.
    pub fn facts(&self, lot: Option<&str>, valid_only: bool, fallback: NaiveDate) -> TradingFacts {
        let (announced_on, bid_deadline) = self.period.unwrap_or((fallback, fallback));
        let bids = self
            .bids
            .iter()
            .filter(|b| lot.is_none_or(|l| b.lot_id == l))
            .filter(|b| !valid_only || !b.disqualified())
            .map(|b| Bid {
                bidder_id: b.bidder_id.clone(),
                price_fen: b.price_fen,
                contact: b.contact.clone(),
                disqualified: b.disqualified(),
                disqualification_reason: b.reason(),
            })
            .collect();
        let award = lot.and_then(|l| self.awards.iter().find(|a| a.lot_id == l));
        // The winner as the opening named it, so that it matches its bid.
        let winner = award.map(|a| {
            self.bids
                .iter()
                .find(|b| b.bid_id == a.bid_id)
                .map(|b| b.bidder_id.clone())
                .unwrap_or_else(|| a.supplier_id.clone())
        });
        TradingFacts {
            project_id: self.project_id.clone(),
            owner_id: self.owner_id.clone(),
            // The trading contract names the owner as an organization, not as one of the
            // center's departments; see the report of what it lacks.
            department_id: String::new(),
            region_code: self.region_code.clone(),
            method: self.method,
            announced_on,
            bid_deadline,
            bids,
            winner_bidder_id: winner,
            winning_price_fen: award.map(|a| a.value_fen),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, day).unwrap()
    }

    fn bid(id: &str, lot: &str, bidder: &str, price: i64, valid: bool) -> RecordedBid {
        RecordedBid {
            bid_id: id.into(),
            lot_id: lot.into(),
            bidder_id: bidder.into(),
            price_fen: price,
            contact: Contact::default(),
            valid_at_opening: valid,
            invalid_reasons: if valid {
                vec![]
            } else {
                vec!["the price exceeds the ceiling".into()]
            },
            unranked: false,
        }
    }

    fn record() -> ProjectRecord {
        let mut r = ProjectRecord::new("p", Method::OpenTender, false);
        r.announced(Announcement {
            owner_id: "owner".into(),
            region_code: "140200".into(),
            method: Method::OpenTender,
            sale: false,
            announced_on: d(2),
            bid_deadline: d(27),
            lot_ids: vec!["1".into(), "2".into()],
        });
        r.opened(
            vec![
                bid("b1", "1", "x", 100, true),
                bid("b2", "1", "y", 90, false),
                bid("b3", "2", "x", 200, true),
                bid("b4", "2", "z", 210, true),
            ],
            BTreeSet::from(["1".to_string()]),
        );
        r
    }

    #[test]
    fn each_lot_is_judged_on_its_own_bids() {
        let r = record();
        assert_eq!(r.lots(), [Some("1".to_string()), Some("2".to_string())]);
        let lot2 = r.facts(Some("2"), false, d(1));
        let prices: Vec<i64> = lot2.bids.iter().map(|b| b.price_fen).collect();
        assert_eq!(prices, [200, 210]);
        assert_eq!((lot2.announced_on, lot2.bid_deadline), (d(2), d(27)));
        assert_eq!(r.award_key(Some("2")), "p/2");
    }

    #[test]
    fn a_failed_lot_with_one_valid_bid_is_found_and_its_invalid_bid_left_out() {
        let r = record();
        assert_eq!(r.failed_with_one_valid_bid(), ["1"]);
        let standing = r.facts(Some("1"), true, d(1));
        assert_eq!(standing.bids.len(), 1);
        assert_eq!(standing.bids[0].bidder_id, "x");
    }

    #[test]
    fn the_winner_is_named_as_its_bid_was_and_a_new_award_replaces_the_old() {
        let mut r = record();
        let award = |bid: &str, value| RecordedAward {
            lot_id: "2".into(),
            bid_id: bid.into(),
            supplier_id: "as written on the award".into(),
            value_fen: value,
        };
        r.awarded(vec![award("b3", 200)]);
        r.awarded(vec![award("b4", 210)]);
        let f = r.facts(Some("2"), false, d(1));
        assert_eq!(f.winner_bidder_id.as_deref(), Some("z"));
        assert_eq!(f.winning_price_fen, Some(210));
    }

    #[test]
    fn a_valid_bid_the_evaluation_left_out_counts_as_disqualified() {
        let mut r = record();
        r.evaluated(&BTreeMap::from([(
            "2".to_string(),
            BTreeSet::from(["b3".to_string()]),
        )]));
        let f = r.facts(Some("2"), false, d(1));
        assert!(!f.bids[0].disqualified);
        assert!(f.bids[1].disqualified);
        assert_eq!(
            f.bids[1].disqualification_reason,
            "not ranked by the evaluation"
        );
        // A lot the evaluation did not rank is left as the opening found it.
        assert!(!r.facts(Some("1"), false, d(1)).bids[0].disqualified);
    }
}
