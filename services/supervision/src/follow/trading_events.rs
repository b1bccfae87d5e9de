//! Reading the trading contract's events into what supervision records of a project. Only
//! what an event carries is read: prices and bidders first arrive with the opening (the
//! bid events before it carry a count only and are not followed).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use onewindow_kit::clock::local_date;
use onewindow_proto::common::v1::Event;
use onewindow_proto::prost_types::Timestamp;
use onewindow_proto::trading::v1 as pb;

use super::decode::{event_date, evidence, payload, Decoded};
use super::trading_record::{Announcement, RecordedAward, RecordedBid};
use crate::domain::terms::EventRef;
use crate::domain::trading::{Contact, Method};

pub(crate) const ANNOUNCED: &str = "trading.project.announced";
pub(crate) const AMENDED: &str = "trading.project.amended";
pub(crate) const OPENED: &str = "trading.bids.opened";
pub(crate) const EVALUATED: &str = "trading.project.evaluated";
pub(crate) const AWARD_PUBLICIZED: &str = "trading.award.publicized";
pub(crate) const AWARDED: &str = "trading.project.awarded";
pub(crate) const FAILED: &str = "trading.project.failed";
pub(crate) const CANCELLED: &str = "trading.project.cancelled";

/// How the trading method and category are known where a record starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    pub method: Method,
    pub sale: bool,
}

/// One trading event, as far as the red flags need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TradingEvent {
    Announced(Announcement),
    Amended {
        bid_deadline: NaiveDate,
    },
    Opened {
        kind: Kind,
        bids: Vec<RecordedBid>,
        failed_lots: BTreeSet<String>,
    },
    /// The bids each evaluated lot ranked, by lot.
    Evaluated {
        ranked: BTreeMap<String, BTreeSet<String>>,
    },
    AwardPublicized {
        kind: Kind,
        awards: Vec<RecordedAward>,
    },
    Failed,
    /// The awards became final: nothing more can raise a flag.
    Awarded,
    /// Cancelled, whatever it had come to: any award it publicized is void.
    Cancelled,
}

fn name(message: &str) -> String {
    format!("onewindow.trading.v1.{message}")
}

/// The project the event is about, what it says, and the event as evidence.
pub(crate) fn decode_trading(
    stream: &str,
    event: &Event,
) -> Decoded<(String, TradingEvent, EventRef)> {
    let (project_id, fact) = decode_fact(event)?;
    Ok((project_id, fact, evidence(stream, event, event_date(event))))
}

fn decode_fact(event: &Event) -> Decoded<(String, TradingEvent)> {
    Ok(match event.kind.as_str() {
        ANNOUNCED => {
            let m: pb::ProjectAnnounced = payload(event, &name("ProjectAnnounced"))?;
            let p = m.project.ok_or("project is missing")?;
            (
                p.id.clone(),
                TradingEvent::Announced(announcement(&p, event)?),
            )
        }
        AMENDED => {
            let m: pb::ProjectAmended = payload(event, &name("ProjectAmended"))?;
            let periods = m.periods.ok_or("periods is missing")?;
            let bid_deadline = civil_date(periods.bid_deadline.as_ref(), "periods.bid_deadline")?;
            (m.project_id, TradingEvent::Amended { bid_deadline })
        }
        OPENED => {
            let m: pb::BidsOpened = payload(event, &name("BidsOpened"))?;
            let record = m.record.ok_or("record is missing")?;
            let bids = record
                .bids
                .iter()
                .enumerate()
                .map(|(i, b)| opened_bid(b, i))
                .collect::<Decoded<Vec<_>>>()?;
            let failed_lots = record
                .lots
                .iter()
                .filter(|l| l.failed)
                .map(|l| l.lot_id.clone())
                .collect();
            let kind = kind(m.method, m.category)?;
            (
                m.project_id,
                TradingEvent::Opened {
                    kind,
                    bids,
                    failed_lots,
                },
            )
        }
        EVALUATED => {
            let m: pb::ProjectEvaluated = payload(event, &name("ProjectEvaluated"))?;
            let evaluation = m.evaluation.ok_or("evaluation is missing")?;
            let mut ranked: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            for r in &evaluation.ranking {
                ranked
                    .entry(r.lot_id.clone())
                    .or_default()
                    .insert(r.bid_id.clone());
            }
            (m.project_id, TradingEvent::Evaluated { ranked })
        }
        AWARD_PUBLICIZED => {
            let m: pb::AwardPublicized = payload(event, &name("AwardPublicized"))?;
            let awards = m
                .awards
                .iter()
                .enumerate()
                .map(|(i, a)| award(a, i))
                .collect::<Decoded<Vec<_>>>()?;
            let kind = kind(m.method, m.category)?;
            (m.project_id, TradingEvent::AwardPublicized { kind, awards })
        }
        AWARDED => {
            let m: pb::ProjectAwarded = payload(event, &name("ProjectAwarded"))?;
            (m.project_id, TradingEvent::Awarded)
        }
        FAILED => {
            let m: pb::ProjectFailed = payload(event, &name("ProjectFailed"))?;
            (m.project_id, TradingEvent::Failed)
        }
        CANCELLED => {
            let m: pb::ProjectCancelled = payload(event, &name("ProjectCancelled"))?;
            (m.project_id, TradingEvent::Cancelled)
        }
        other => return Err(format!("{other} is not a trading event supervision reads")),
    })
    .and_then(|(id, e)| {
        if id.is_empty() {
            Err("project_id is missing".into())
        } else {
            Ok((id, e))
        }
    })
}

fn announcement(p: &pb::Project, event: &Event) -> Decoded<Announcement> {
    let periods = p.periods.as_ref().ok_or("project.periods is missing")?;
    let announced_on = match &periods.announced_at {
        Some(t) => civil_date(Some(t), "project.periods.announced_at")?,
        // Announced when the event happened, if the project does not say.
        None => event_date(event),
    };
    let owner = p.owner.as_ref().ok_or("project.owner is missing")?;
    Ok(Announcement {
        owner_id: party_id(owner),
        region_code: p.region_code.clone(),
        method: method(p.method)?,
        sale: sale(p.category)?,
        announced_on,
        bid_deadline: civil_date(
            periods.bid_deadline.as_ref(),
            "project.periods.bid_deadline",
        )?,
        lot_ids: p.lots.iter().map(|l| l.id.clone()).collect(),
    })
}

fn opened_bid(b: &pb::OpenedBid, i: usize) -> Decoded<RecordedBid> {
    let bidder = b
        .bidder
        .as_ref()
        .ok_or_else(|| format!("record.bids[{i}].bidder is missing"))?;
    Ok(RecordedBid {
        bid_id: b.bid_id.clone(),
        lot_id: b.lot_id.clone(),
        bidder_id: party_id(bidder),
        price_fen: b.price_fen,
        contact: Contact {
            phone: bidder.contact_phone.clone(),
            // A party of the trading contract gives no email.
            email: String::new(),
            address: bidder.address.clone(),
        },
        valid_at_opening: b.valid,
        invalid_reasons: b.invalid_reasons.clone(),
        unranked: false,
    })
}

fn award(a: &pb::Award, i: usize) -> Decoded<RecordedAward> {
    let supplier = a
        .supplier
        .as_ref()
        .ok_or_else(|| format!("awards[{i}].supplier is missing"))?;
    Ok(RecordedAward {
        lot_id: a.lot_id.clone(),
        bid_id: a.bid_id.clone(),
        supplier_id: party_id(supplier),
        value_fen: a.value_fen,
    })
}

/// An organization by its unified social credit code, which trading requires of every
/// party; by its name should one come without.
fn party_id(p: &pb::Party) -> String {
    if p.credit_code.trim().is_empty() {
        p.name.trim().to_string()
    } else {
        p.credit_code.trim().to_string()
    }
}

fn kind(m: i32, category: i32) -> Decoded<Kind> {
    Ok(Kind {
        method: method(m)?,
        sale: sale(category)?,
    })
}

fn method(m: i32) -> Decoded<Method> {
    match pb::Method::try_from(m) {
        Ok(pb::Method::OpenTender) => Ok(Method::OpenTender),
        Ok(pb::Method::InvitedTender) => Ok(Method::InvitedTender),
        Ok(pb::Method::CompetitiveNegotiation) => Ok(Method::CompetitiveNegotiation),
        Ok(pb::Method::Inquiry) => Ok(Method::Inquiry),
        Ok(pb::Method::SingleSource) => Ok(Method::SingleSource),
        // Supervision's model has one method for open ascending quotes (拍卖 / 挂牌).
        Ok(pb::Method::Auction | pb::Method::Listing) => Ok(Method::Auction),
        Ok(pb::Method::Unspecified) | Err(_) => Err(format!("method {m} is not a method")),
    }
}

/// Whether the category sells (land, property) rather than buys.
fn sale(category: i32) -> Decoded<bool> {
    match pb::Category::try_from(category) {
        Ok(pb::Category::GovernmentProcurement | pb::Category::Construction) => Ok(false),
        Ok(pb::Category::LandUse | pb::Category::PropertyRights) => Ok(true),
        Ok(pb::Category::Unspecified) | Err(_) => {
            Err(format!("category {category} is not a category"))
        }
    }
}

/// The civil date (Beijing) of a required instant.
fn civil_date(t: Option<&Timestamp>, field: &str) -> Decoded<NaiveDate> {
    let t = t.ok_or_else(|| format!("{field} is missing"))?;
    let nanos = u32::try_from(t.nanos).unwrap_or(0);
    chrono::DateTime::from_timestamp(t.seconds, nanos)
        .map(local_date)
        .ok_or_else(|| format!("{field} is not an instant"))
}
