//! The opening (开标): sealed bids, decrypted, are checked against their commitments and
//! the rules of the project, and published as the opening record. Lots with too few valid
//! bids fail; a project whose every lot failed fails (流标).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::bid::{DocumentInfo, SealedBid};
use super::kinds::Direction;
use super::party::Party;
use super::project::Project;

/// A bid as decrypted at the opening, with what was stored beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsealedBid {
    pub bid_id: String,
    pub lot_id: String,
    pub submitted_at: DateTime<Utc>,
    /// The commitment stored (and given as the receipt) when the bid was submitted.
    pub commitment: String,
    pub content: SealedBid,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenedBid {
    pub bid_id: String,
    pub lot_id: String,
    pub bidder: Party,
    pub price_fen: i64,
    pub documents: Vec<DocumentInfo>,
    pub nonce: String,
    pub commitment: String,
    pub valid: bool,
    pub invalid_reasons: Vec<String>,
    pub submitted_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LotOutcome {
    pub lot_id: String,
    pub valid_bids: u32,
    pub failed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningRecord {
    pub opened_at: DateTime<Utc>,
    pub bids: Vec<OpenedBid>,
    pub lots: Vec<LotOutcome>,
    /// Hex; fixed here so that no one can choose it once the bidders are known.
    pub draw_seed: String,
    pub failed: bool,
}

impl OpeningRecord {
    pub fn valid_bids(&self) -> impl Iterator<Item = &OpenedBid> {
        self.bids.iter().filter(|b| b.valid)
    }

    pub fn bid(&self, id: &str) -> Option<&OpenedBid> {
        self.bids.iter().find(|b| b.bid_id == id)
    }

    pub fn valid_count(&self) -> u32 {
        u32::try_from(self.valid_bids().count()).unwrap_or(u32::MAX)
    }
}

/// Checks every bid and decides each lot. Bids are listed by lot, then by submission.
pub fn open(
    project: &Project,
    mut bids: Vec<UnsealedBid>,
    draw_seed: String,
    now: DateTime<Utc>,
) -> OpeningRecord {
    bids.sort_by(|a, b| {
        (a.lot_id.as_str(), a.submitted_at, a.bid_id.as_str()).cmp(&(
            b.lot_id.as_str(),
            b.submitted_at,
            b.bid_id.as_str(),
        ))
    });
    let mut per_org: HashMap<(String, String), u32> = HashMap::new();
    for b in &bids {
        *per_org
            .entry((b.lot_id.clone(), b.content.bidder.credit_code.clone()))
            .or_default() += 1;
    }
    let direction = project.category.direction();
    let opened: Vec<OpenedBid> = bids
        .into_iter()
        .map(|b| {
            let mut reasons = Vec::new();
            if b.content.commitment(&project.id, &b.lot_id) != b.commitment {
                reasons.push("the sealed bid does not match its commitment".to_string());
            }
            match project.lot(&b.lot_id) {
                None => reasons.push("the lot does not exist".to_string()),
                Some(lot) => {
                    let out_of_range = match direction {
                        Direction::Lower => b.content.price_fen > lot.budget_fen,
                        Direction::Higher => b.content.price_fen < lot.budget_fen,
                    };
                    if out_of_range || b.content.price_fen <= 0 {
                        reasons.push(match direction {
                            Direction::Lower => "the price exceeds the ceiling".to_string(),
                            Direction::Higher => "the price is below the reserve".to_string(),
                        });
                    }
                }
            }
            if b.content.documents.is_empty() {
                reasons.push("the bid has no documents".to_string());
            }
            let code = &b.content.bidder.credit_code;
            if *code == project.owner.credit_code || *code == project.agency.credit_code {
                reasons.push("the owner or the agency may not bid".to_string());
            }
            if per_org
                .get(&(b.lot_id.clone(), code.clone()))
                .is_some_and(|n| *n > 1)
            {
                reasons
                    .push("one organization submitted more than one bid for the lot".to_string());
            }
            OpenedBid {
                documents: b.content.documents.iter().map(|d| d.info()).collect(),
                bid_id: b.bid_id,
                lot_id: b.lot_id,
                bidder: b.content.bidder,
                price_fen: b.content.price_fen,
                nonce: b.content.nonce,
                commitment: b.commitment,
                valid: reasons.is_empty(),
                invalid_reasons: reasons,
                submitted_at: b.submitted_at,
            }
        })
        .collect();
    let lots: Vec<LotOutcome> = project
        .lots
        .iter()
        .map(|lot| {
            let valid = opened
                .iter()
                .filter(|b| b.valid && b.lot_id == lot.id)
                .count();
            let valid = u32::try_from(valid).unwrap_or(u32::MAX);
            LotOutcome {
                lot_id: lot.id.clone(),
                valid_bids: valid,
                failed: valid < project.min_valid_bids,
            }
        })
        .collect();
    let failed = lots.iter().all(|l| l.failed);
    OpeningRecord {
        opened_at: now,
        bids: opened,
        lots,
        draw_seed,
        failed,
    }
}

/// Why the project failed at its opening, in words for the record.
pub fn failure_reason(project: &Project, record: &OpeningRecord) -> String {
    let parts: Vec<String> = record
        .lots
        .iter()
        .map(|l| {
            format!(
                "lot {}: {} valid bids of {} required",
                l.lot_id, l.valid_bids, project.min_valid_bids
            )
        })
        .collect();
    format!("too few valid bids ({})", parts.join("; "))
}
