//! The outbox events of a decision, for supervision and other followers. Bid events carry
//! a count only; prices and bidders appear first in the opening's event.

use onewindow_kit::db::{Backend, Tx};
use onewindow_kit::error::Error;
use onewindow_kit::outbox::{self, pack, NewEvent};
use onewindow_proto::trading::v1 as pb;

use super::convert::*;
use crate::domain::{mask_contacts, visible, AwardStatus, DomainEvent, Project, Viewer};
use crate::store;

pub const ANNOUNCED: &str = "trading.project.announced";
pub const AMENDED: &str = "trading.project.amended";
pub const BIDDING_STARTED: &str = "trading.project.bidding_started";
pub const BID_RECEIVED: &str = "trading.bid.received";
pub const BID_WITHDRAWN: &str = "trading.bid.withdrawn";
pub const OPENED: &str = "trading.bids.opened";
pub const EVALUATED: &str = "trading.project.evaluated";
pub const AWARD_PUBLICIZED: &str = "trading.award.publicized";
pub const OBJECTION_FILED: &str = "trading.objection.filed";
pub const OBJECTION_ANSWERED: &str = "trading.objection.answered";
pub const AWARDED: &str = "trading.project.awarded";
pub const CONTRACT_SIGNED: &str = "trading.contract.signed";
pub const FAILED: &str = "trading.project.failed";
pub const CANCELLED: &str = "trading.project.cancelled";
pub const QUOTE_PLACED: &str = "trading.quote.placed";

fn name(message: &str) -> String {
    format!("onewindow.trading.v1.{message}")
}

/// The event of one domain event, if it has one.
async fn event_of(
    tx: &mut Tx,
    p: &Project,
    e: &DomainEvent,
) -> Result<Option<(&'static str, prost_types::Any)>, Error> {
    let id = p.id.clone();
    // Supervision sees what staff see, but an event carries no one's phone: contacts are
    // masked as in every public view (equal contacts still mask equally).
    let mut staff = visible(p, &Viewer::Staff).unwrap_or_else(|| p.clone());
    mask_contacts(&mut staff);
    let out = match e {
        DomainEvent::Announced => (
            ANNOUNCED,
            pack(
                &name("ProjectAnnounced"),
                &pb::ProjectAnnounced {
                    project: Some(project_to_proto(&staff)),
                },
            ),
        ),
        DomainEvent::Amended => (
            AMENDED,
            pack(
                &name("ProjectAmended"),
                &pb::ProjectAmended {
                    amendment: project_to_proto(&staff).amendments.pop(),
                    periods: project_to_proto(&staff).periods,
                    project_id: id,
                },
            ),
        ),
        DomainEvent::BiddingStarted => (
            BIDDING_STARTED,
            pack(
                &name("BiddingStarted"),
                &pb::BiddingStarted {
                    project_id: id,
                    method: method_to_proto(p.method) as i32,
                },
            ),
        ),
        DomainEvent::BidReceived | DomainEvent::BidWithdrawn => {
            let n = store::count_active_bids(tx, &id).await?;
            let kind = if *e == DomainEvent::BidReceived {
                BID_RECEIVED
            } else {
                BID_WITHDRAWN
            };
            (
                kind,
                pack(
                    &name("BidCount"),
                    &pb::BidCount {
                        project_id: id,
                        active_bids: to_i32(n),
                    },
                ),
            )
        }
        DomainEvent::Opened => (
            OPENED,
            pack(
                &name("BidsOpened"),
                &pb::BidsOpened {
                    record: staff.opening.as_ref().map(|o| opening_to_proto(&id, o)),
                    project_id: id,
                    method: method_to_proto(p.method) as i32,
                    category: category_to_proto(p.category) as i32,
                },
            ),
        ),
        DomainEvent::Failed => (
            FAILED,
            pack(
                &name("ProjectFailed"),
                &pb::ProjectFailed {
                    project_id: id,
                    reason: p.failure_reason.clone().unwrap_or_default(),
                    valid_bids: match (&p.opening, &p.auction) {
                        (Some(o), _) => to_i32(o.valid_count()),
                        (None, Some(a)) => to_i32(a.bidders()),
                        (None, None) => 0,
                    },
                },
            ),
        ),
        DomainEvent::Cancelled => (
            CANCELLED,
            pack(
                &name("ProjectCancelled"),
                &pb::ProjectCancelled {
                    project_id: id,
                    reason: p.cancel_reason.clone().unwrap_or_default(),
                    cancelled_in: p
                        .cancelled_in
                        .map(|s| state_to_proto(s) as i32)
                        .unwrap_or(0),
                },
            ),
        ),
        DomainEvent::Evaluated => (
            EVALUATED,
            pack(
                &name("ProjectEvaluated"),
                &pb::ProjectEvaluated {
                    project_id: id,
                    evaluation: staff.evaluation_result.as_ref().map(evaluation_to_proto),
                    panel: staff.panel.as_ref().map(panel_to_proto),
                },
            ),
        ),
        DomainEvent::AwardPublicized => {
            let pending: Vec<_> = staff
                .awards
                .iter()
                .filter(|a| a.status == AwardStatus::Pending)
                .collect();
            (
                AWARD_PUBLICIZED,
                pack(
                    &name("AwardPublicized"),
                    &pb::AwardPublicized {
                        project_id: id,
                        budget_fen: pending
                            .iter()
                            .map(|a| p.lot(&a.lot_id).map(|l| l.budget_fen).unwrap_or(0))
                            .collect(),
                        awards: pending.into_iter().map(award_to_proto).collect(),
                        publicity_end: optional_timestamp(p.periods.award_publicity_end),
                        category: category_to_proto(p.category) as i32,
                        method: method_to_proto(p.method) as i32,
                    },
                ),
            )
        }
        DomainEvent::ObjectionFiled(oid) | DomainEvent::ObjectionAnswered(oid) => {
            let kind = if matches!(e, DomainEvent::ObjectionFiled(_)) {
                OBJECTION_FILED
            } else {
                OBJECTION_ANSWERED
            };
            (
                kind,
                pack(
                    &name("ObjectionEvent"),
                    &pb::ObjectionEvent {
                        project_id: id,
                        objection: staff
                            .objections
                            .iter()
                            .find(|o| o.id == *oid)
                            .map(objection_to_proto),
                    },
                ),
            )
        }
        DomainEvent::Awarded => (
            AWARDED,
            pack(
                &name("ProjectAwarded"),
                &pb::ProjectAwarded {
                    project_id: id,
                    awards: staff
                        .awards
                        .iter()
                        .filter(|a| a.status == AwardStatus::Active)
                        .map(award_to_proto)
                        .collect(),
                },
            ),
        ),
        DomainEvent::ContractSigned(cid) => {
            let contract = staff.contracts.iter().find(|c| c.id == *cid);
            let award = contract.and_then(|c| staff.awards.iter().find(|a| a.id == c.award_id));
            (
                CONTRACT_SIGNED,
                pack(
                    &name("ContractSigned"),
                    &pb::ContractSigned {
                        project_id: id,
                        contract: contract.map(contract_to_proto),
                        award: award.map(award_to_proto),
                    },
                ),
            )
        }
        DomainEvent::QuotePlaced(q) => (
            QUOTE_PLACED,
            pack(
                &name("QuotePlaced"),
                &pb::QuotePlaced {
                    quote: Some(quote_to_proto(&id, q)),
                },
            ),
        ),
        // The panel and a withdrawn award travel with the evaluation and the answer.
        DomainEvent::PanelDrawn | DomainEvent::AwardsCancelled => return Ok(None),
    };
    Ok(Some(out))
}

/// Appends the event of `e` to the outbox in `tx`.
pub async fn append(
    tx: &mut Tx,
    backend: Backend,
    now_ms: i64,
    p: &Project,
    e: &DomainEvent,
) -> Result<(), Error> {
    if let Some((kind, payload)) = event_of(tx, p, e).await? {
        outbox::append(
            tx,
            backend,
            now_ms,
            NewEvent {
                kind: kind.into(),
                object_type: "project".into(),
                object_id: p.id.clone(),
                payload,
            },
        )
        .await?;
    }
    Ok(())
}

/// The name of a domain event in the audit trail.
pub fn label(e: &DomainEvent) -> &'static str {
    match e {
        DomainEvent::Announced => "announced",
        DomainEvent::Amended => "amended",
        DomainEvent::BiddingStarted => "bidding_started",
        DomainEvent::BidReceived => "bid_received",
        DomainEvent::BidWithdrawn => "bid_withdrawn",
        DomainEvent::Opened => "opened",
        DomainEvent::Failed => "failed",
        DomainEvent::Cancelled => "cancelled",
        DomainEvent::PanelDrawn => "panel_drawn",
        DomainEvent::Evaluated => "evaluated",
        DomainEvent::AwardPublicized => "award_publicized",
        DomainEvent::AwardsCancelled => "awards_cancelled",
        DomainEvent::ObjectionFiled(_) => "objection_filed",
        DomainEvent::ObjectionAnswered(_) => "objection_answered",
        DomainEvent::Awarded => "awarded",
        DomainEvent::ContractSigned(_) => "contract_signed",
        DomainEvent::QuotePlaced(_) => "quote_placed",
    }
}
