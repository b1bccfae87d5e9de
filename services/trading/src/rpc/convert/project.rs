//! Projects: from the contract into a draft or an amendment, and back.

use onewindow_kit::error::Violations;
use onewindow_proto::trading::v1 as pb;

use super::*;
use crate::domain::{
    AmendmentInput, EvaluationMethod, EvaluationRule, Lot, Periods, Project, ProjectDraft,
};

pub fn draft_from_proto(p: &pb::Project, prefix: &str) -> Result<ProjectDraft, Violations> {
    let mut v = Violations::new();
    let f = |name: &str| format!("{prefix}.{name}");
    let category = category_from_proto(p.category, &f("category"), &mut v);
    let method = method_from_proto(p.method, &f("method"), &mut v);
    let owner = party_from_proto(p.owner.as_ref(), &f("owner"), &mut v);
    let agency = party_from_proto(p.agency.as_ref(), &f("agency"), &mut v);
    let lots: Vec<Lot> = p
        .lots
        .iter()
        .map(|l| Lot {
            id: l.id.trim().to_string(),
            title: l.title.trim().to_string(),
            budget_fen: l.budget_fen,
            min_increment_fen: l.min_increment_fen,
            failed: false,
        })
        .collect();
    let periods = match &p.periods {
        None => {
            v.add(f("periods"), "is required");
            None
        }
        Some(x) => {
            let pf = |name: &str| format!("{prefix}.periods.{name}");
            let start = required_timestamp(x.bid_start.as_ref(), &pf("bid_start"), &mut v);
            let deadline = required_timestamp(x.bid_deadline.as_ref(), &pf("bid_deadline"), &mut v);
            let opening = from_timestamp(x.opening_at.as_ref(), &pf("opening_at"), &mut v);
            let enquiry = from_timestamp(x.enquiry_end.as_ref(), &pf("enquiry_end"), &mut v);
            let evaluation_end =
                from_timestamp(x.evaluation_end.as_ref(), &pf("evaluation_end"), &mut v);
            let days = count(x.award_publicity_days, &pf("award_publicity_days"), &mut v);
            start
                .zip(deadline)
                .map(|(bid_start, bid_deadline)| Periods {
                    announced_at: None,
                    enquiry_end: enquiry,
                    bid_start,
                    bid_deadline,
                    opening_at: opening,
                    evaluation_end,
                    award_publicity_days: days,
                    award_publicity_end: None,
                })
        }
    };
    let evaluation = match &p.evaluation {
        None => EvaluationRule {
            method: EvaluationMethod::LowestPrice,
            price_weight: 0,
            technical_weight: 0,
            commercial_weight: 0,
            expert_specialty: String::new(),
            panel_size: 0,
        },
        Some(e) => {
            let ef = |name: &str| format!("{prefix}.evaluation.{name}");
            EvaluationRule {
                method: evaluation_method_from_proto(e.method),
                price_weight: count(e.price_weight, &ef("price_weight"), &mut v),
                technical_weight: count(e.technical_weight, &ef("technical_weight"), &mut v),
                commercial_weight: count(e.commercial_weight, &ef("commercial_weight"), &mut v),
                expert_specialty: e.expert_specialty.trim().to_string(),
                panel_size: count(e.panel_size, &ef("panel_size"), &mut v),
            }
        }
    };
    let min_valid_bids = count(p.min_valid_bids, &f("min_valid_bids"), &mut v);
    let extension_minutes = count(p.extension_minutes, &f("extension_minutes"), &mut v);
    let (Some(category), Some(method), Some(periods)) = (category, method, periods) else {
        return Err(v);
    };
    let draft = ProjectDraft {
        title: p.title.trim().to_string(),
        description: p.description.trim().to_string(),
        category,
        method,
        region_code: p.region_code.trim().to_string(),
        owner,
        agency,
        lots,
        periods,
        min_valid_bids,
        evaluation,
        extension_minutes,
    };
    v.extend(draft.validate(prefix));
    if v.is_empty() {
        Ok(draft)
    } else {
        Err(v)
    }
}

pub fn amendment_from_proto(r: &pb::AmendProjectRequest) -> Result<AmendmentInput, Violations> {
    let mut v = Violations::new();
    let deadline = from_timestamp(r.bid_deadline.as_ref(), "bid_deadline", &mut v);
    let opening = from_timestamp(r.opening_at.as_ref(), "opening_at", &mut v);
    let evaluation_end = from_timestamp(r.evaluation_end.as_ref(), "evaluation_end", &mut v);
    if !v.is_empty() {
        return Err(v);
    }
    let non_empty = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    Ok(AmendmentInput {
        summary: r.summary.clone(),
        title: non_empty(&r.title),
        description: non_empty(&r.description),
        material: r.material,
        bid_deadline: deadline,
        opening_at: opening,
        evaluation_end,
    })
}

/// The project as given (already reduced to what the caller may see).
pub fn project_to_proto(p: &Project) -> pb::Project {
    pb::Project {
        id: p.id.clone(),
        code: p.code.clone(),
        title: p.title.clone(),
        description: p.description.clone(),
        category: category_to_proto(p.category) as i32,
        method: method_to_proto(p.method) as i32,
        state: state_to_proto(p.state) as i32,
        region_code: p.region_code.clone(),
        owner: Some(party_to_proto(&p.owner)),
        agency: Some(party_to_proto(&p.agency)),
        lots: p
            .lots
            .iter()
            .map(|l| pb::Lot {
                id: l.id.clone(),
                title: l.title.clone(),
                budget_fen: l.budget_fen,
                min_increment_fen: l.min_increment_fen,
                failed: l.failed,
            })
            .collect(),
        periods: Some(pb::Periods {
            announced_at: optional_timestamp(p.periods.announced_at),
            enquiry_end: optional_timestamp(p.periods.enquiry_end),
            bid_start: Some(timestamp(p.periods.bid_start)),
            bid_deadline: Some(timestamp(p.periods.bid_deadline)),
            opening_at: optional_timestamp(p.periods.opening_at),
            award_publicity_days: to_i32(p.periods.award_publicity_days),
            award_publicity_end: optional_timestamp(p.periods.award_publicity_end),
            current_end: optional_timestamp(p.auction.as_ref().map(|a| a.end)),
            evaluation_end: optional_timestamp(p.periods.evaluation_end),
        }),
        min_valid_bids: to_i32(p.min_valid_bids),
        evaluation: Some(pb::EvaluationRule {
            method: evaluation_method_to_proto(p.evaluation.method) as i32,
            price_weight: to_i32(p.evaluation.price_weight),
            technical_weight: to_i32(p.evaluation.technical_weight),
            commercial_weight: to_i32(p.evaluation.commercial_weight),
            expert_specialty: p.evaluation.expert_specialty.clone(),
            panel_size: to_i32(p.evaluation.panel_size),
        }),
        extension_minutes: to_i32(p.extension_minutes),
        amendments: p
            .amendments
            .iter()
            .map(|a| pb::Amendment {
                at: Some(timestamp(a.at)),
                summary: a.summary.clone(),
                material: a.material,
                previous_deadline: Some(timestamp(a.previous_deadline)),
                new_deadline: Some(timestamp(a.new_deadline)),
            })
            .collect(),
        cancel_reason: p.cancel_reason.clone().unwrap_or_default(),
        failure_reason: p.failure_reason.clone().unwrap_or_default(),
        opening: p.opening.as_ref().map(|o| opening_to_proto(&p.id, o)),
        panel: p.panel.as_ref().map(panel_to_proto),
        evaluation_result: p.evaluation_result.as_ref().map(evaluation_to_proto),
        awards: p.awards.iter().map(award_to_proto).collect(),
        objections: p.objections.iter().map(objection_to_proto).collect(),
        contracts: p.contracts.iter().map(contract_to_proto).collect(),
        auction: p.auction.as_ref().map(auction_to_proto),
        revision: p.revision,
        created_at: Some(timestamp(p.created_at)),
        updated_at: Some(timestamp(p.updated_at)),
    }
}
