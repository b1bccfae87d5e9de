//! What a project records as it goes: bids, the opening, the panel, the evaluation, awards,
//! objections, contracts, quotes; and experts.

use onewindow_kit::error::Violations;
use onewindow_proto::trading::v1 as pb;

use super::*;
use crate::domain::{
    AuctionStatus, Award, BidRecord, BidScore, Contract, DocumentInfo, Evaluation, Expert,
    ExpertPanel, Objection, OpeningRecord, Quote, ScoreSheet,
};

pub fn document_info_to_proto(d: &DocumentInfo) -> pb::DocumentInfo {
    pb::DocumentInfo {
        name: d.name.clone(),
        media_type: d.media_type.clone(),
        size: d.size,
        digest: d.digest.clone(),
    }
}

pub fn opening_to_proto(project_id: &str, o: &OpeningRecord) -> pb::OpeningRecord {
    pb::OpeningRecord {
        project_id: project_id.to_string(),
        opened_at: Some(timestamp(o.opened_at)),
        bids: o
            .bids
            .iter()
            .map(|b| pb::OpenedBid {
                bid_id: b.bid_id.clone(),
                lot_id: b.lot_id.clone(),
                bidder: Some(party_to_proto(&b.bidder)),
                price_fen: b.price_fen,
                documents: b.documents.iter().map(document_info_to_proto).collect(),
                nonce: b.nonce.clone(),
                commitment: b.commitment.clone(),
                valid: b.valid,
                invalid_reasons: b.invalid_reasons.clone(),
                submitted_at: Some(timestamp(b.submitted_at)),
            })
            .collect(),
        lots: o
            .lots
            .iter()
            .map(|l| pb::LotOutcome {
                lot_id: l.lot_id.clone(),
                valid_bids: to_i32(l.valid_bids),
                failed: l.failed,
            })
            .collect(),
        draw_seed: o.draw_seed.clone(),
        failed: o.failed,
    }
}

/// A bid as its bidder sees it: the price only once the opening record holds it.
pub fn bid_to_proto(b: &BidRecord, opening: Option<&OpeningRecord>) -> pb::Bid {
    let opened = opening.and_then(|o| o.bid(&b.id));
    pb::Bid {
        id: b.id.clone(),
        project_id: b.project_id.clone(),
        lot_id: b.lot_id.clone(),
        status: bid_status_to_proto(b.status) as i32,
        submitted_at: Some(timestamp(b.submitted_at)),
        commitment: b.commitment.clone(),
        opened: opened.is_some(),
        price_fen: opened.map(|o| o.price_fen).unwrap_or(0),
        valid: opened.is_some_and(|o| o.valid),
        invalid_reasons: opened
            .map(|o| o.invalid_reasons.clone())
            .unwrap_or_default(),
    }
}

pub fn panel_to_proto(p: &ExpertPanel) -> pb::ExpertPanel {
    pb::ExpertPanel {
        specialty: p.specialty.clone(),
        size: to_i32(p.size),
        seed: p.seed.clone(),
        candidate_ids: p.candidate_ids.clone(),
        excluded: p
            .excluded
            .iter()
            .map(|e| pb::ExcludedExpert {
                expert_id: e.expert_id.clone(),
                reason: e.reason.clone(),
            })
            .collect(),
        members: p
            .members
            .iter()
            .map(|m| pb::PanelMember {
                expert_id: m.expert_id.clone(),
                name: m.name.clone(),
                organization: m.organization.clone(),
            })
            .collect(),
        drawn_at: Some(timestamp(p.drawn_at)),
    }
}

pub fn sheets_from_proto(sheets: &[pb::ScoreSheet], v: &mut Violations) -> Vec<ScoreSheet> {
    sheets
        .iter()
        .enumerate()
        .map(|(i, s)| ScoreSheet {
            expert_id: s.expert_id.clone(),
            scores: s
                .scores
                .iter()
                .enumerate()
                .map(|(j, x)| BidScore {
                    bid_id: x.bid_id.clone(),
                    technical: count(
                        x.technical,
                        &format!("sheets[{i}].scores[{j}].technical"),
                        v,
                    ),
                    commercial: count(
                        x.commercial,
                        &format!("sheets[{i}].scores[{j}].commercial"),
                        v,
                    ),
                })
                .collect(),
        })
        .collect()
}

fn sheet_to_proto(s: &ScoreSheet) -> pb::ScoreSheet {
    pb::ScoreSheet {
        expert_id: s.expert_id.clone(),
        scores: s
            .scores
            .iter()
            .map(|x| pb::BidScore {
                bid_id: x.bid_id.clone(),
                technical: to_i32(x.technical),
                commercial: to_i32(x.commercial),
            })
            .collect(),
    }
}

pub fn evaluation_to_proto(e: &Evaluation) -> pb::Evaluation {
    pb::Evaluation {
        method: evaluation_method_to_proto(e.method) as i32,
        ranking: e
            .ranking
            .iter()
            .map(|r| pb::RankedBid {
                bid_id: r.bid_id.clone(),
                lot_id: r.lot_id.clone(),
                bidder: Some(party_to_proto(&r.bidder)),
                price_fen: r.price_fen,
                rank: to_i32(r.rank),
                price_score: r.price_score,
                technical_score: r.technical_score,
                commercial_score: r.commercial_score,
                total_score: r.total_score,
            })
            .collect(),
        sheets: e.sheets.iter().map(sheet_to_proto).collect(),
        evaluated_at: Some(timestamp(e.evaluated_at)),
    }
}

pub fn award_to_proto(a: &Award) -> pb::Award {
    pb::Award {
        id: a.id.clone(),
        lot_id: a.lot_id.clone(),
        bid_id: a.bid_id.clone(),
        supplier: Some(party_to_proto(&a.supplier)),
        value_fen: a.value_fen,
        runner_up_value_fen: a.runner_up_value_fen.unwrap_or(0),
        status: award_status_to_proto(a.status) as i32,
        publicized_at: Some(timestamp(a.publicized_at)),
        final_at: optional_timestamp(a.final_at),
    }
}

pub fn objection_to_proto(o: &Objection) -> pb::Objection {
    pb::Objection {
        id: o.id.clone(),
        objector: Some(party_to_proto(&o.objector)),
        text: o.text.clone(),
        status: objection_status_to_proto(o.status) as i32,
        answer: o.answer.clone().unwrap_or_default(),
        filed_at: Some(timestamp(o.filed_at)),
        answered_at: optional_timestamp(o.answered_at),
    }
}

pub fn contract_to_proto(c: &Contract) -> pb::Contract {
    pb::Contract {
        id: c.id.clone(),
        award_id: c.award_id.clone(),
        title: c.title.clone(),
        value_fen: c.value_fen,
        signed_on: c.signed_on.format("%Y-%m-%d").to_string(),
        recorded_at: Some(timestamp(c.recorded_at)),
    }
}

pub fn quote_to_proto(project_id: &str, q: &Quote) -> pb::Quote {
    pb::Quote {
        project_id: project_id.to_string(),
        seq: i64::from(q.seq),
        bidder_number: to_i32(q.bidder_number),
        amount_fen: q.amount_fen,
        placed_at: Some(timestamp(q.placed_at)),
        end: Some(timestamp(q.end)),
    }
}

pub fn auction_to_proto(a: &AuctionStatus) -> pb::AuctionStatus {
    pb::AuctionStatus {
        reserve_fen: a.reserve_fen,
        min_increment_fen: a.min_increment_fen,
        highest_fen: a.highest.as_ref().map(|h| h.amount_fen).unwrap_or(0),
        highest_bidder_number: a.highest.as_ref().map(|h| to_i32(h.number)).unwrap_or(0),
        quote_count: to_i32(a.quote_count),
        end: Some(timestamp(a.end)),
        bidders: to_i32(a.bidders()),
    }
}

pub fn expert_to_proto(e: &Expert) -> pb::Expert {
    pb::Expert {
        id: e.id.clone(),
        name: e.name.clone(),
        specialty: e.specialty.clone(),
        organization: e.organization.clone(),
        organization_credit_code: e.organization_credit_code.clone(),
        conflict_credit_codes: e.conflict_credit_codes.clone(),
        active: e.active,
    }
}

pub fn expert_from_proto(e: &pb::Expert, prefix: &str) -> Result<Expert, Violations> {
    let expert = Expert {
        id: e.id.trim().to_string(),
        name: e.name.trim().to_string(),
        specialty: e.specialty.trim().to_string(),
        organization: e.organization.trim().to_string(),
        organization_credit_code: e.organization_credit_code.trim().to_string(),
        conflict_credit_codes: e
            .conflict_credit_codes
            .iter()
            .map(|c| c.trim().to_string())
            .collect(),
        active: e.active,
    };
    let v = expert.validate(prefix);
    if v.is_empty() {
        Ok(expert)
    } else {
        Err(v)
    }
}
