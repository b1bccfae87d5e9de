//! The trading stream, crafted the way the trading service writes its outbox: projects,
//! their sealed bids as the opening reveals them, evaluations, awards and their ends,
//! followed by supervision as `trading`.

use chrono::{Duration, NaiveDate};
use onewindow_kit::consumer::local_source;
use onewindow_kit::outbox::{self, pack, NewEvent};
use onewindow_kit::testing::{self, TestDb};
use onewindow_proto::prost_types::Timestamp;
use onewindow_proto::trading::v1 as pb;
use tokio_util::sync::CancellationToken;

use crate::{applied, at, TestSupervision, PRODUCER, REGION};

pub fn nov(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

fn ts(d: NaiveDate) -> Option<Timestamp> {
    let t = at(d);
    Some(Timestamp {
        seconds: t.timestamp(),
        nanos: 0,
    })
}

/// A project as its announcement describes it: one lot, bids due `bid_days` after the
/// announcement on 2 November.
#[derive(Clone)]
pub struct Tender {
    pub id: String,
    pub method: pb::Method,
    pub category: pb::Category,
    pub bid_days: i64,
}

impl Tender {
    pub fn procurement(id: &str) -> Tender {
        Tender {
            id: id.into(),
            method: pb::Method::OpenTender,
            category: pb::Category::GovernmentProcurement,
            bid_days: 25,
        }
    }

    pub fn announced_on(&self) -> NaiveDate {
        nov(2)
    }

    pub fn opened_on(&self) -> NaiveDate {
        self.announced_on() + Duration::days(self.bid_days)
    }
}

/// A sealed bid as the opening reveals it.
#[derive(Clone)]
pub struct Offer {
    pub n: u32,
    pub price_fen: i64,
    pub phone: String,
    pub invalid: Option<&'static str>,
}

pub fn offer(n: u32, price_fen: i64) -> Offer {
    Offer {
        n,
        price_fen,
        phone: format!("1390352{n:04}"),
        invalid: None,
    }
}

fn party(n: u32, phone: &str) -> pb::Party {
    pb::Party {
        name: format!("山西第{n}设备有限公司"),
        credit_code: format!("91140200MA0K{n:05}X"),
        contact_name: format!("联系人{n}"),
        contact_phone: phone.into(),
        address: format!("大同市平城区{n}号"),
    }
}

fn bid_id(p: &Tender, o: &Offer) -> String {
    format!("{}-bid-{}", p.id, o.n)
}

/// The trading service's outbox, followed by supervision as `trading`.
pub struct Trades<'a> {
    t: &'a TestSupervision,
    pub producer: TestDb,
    pub stop: CancellationToken,
    last: i64,
}

impl Drop for Trades<'_> {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl<'a> Trades<'a> {
    pub async fn followed_by(t: &'a TestSupervision) -> Trades<'a> {
        let producer = testing::sqlite(&PRODUCER).await;
        let stop = CancellationToken::new();
        t.supervision
            .follow("trading", local_source(producer.db.clone()), stop.clone());
        Trades {
            t,
            producer,
            stop,
            last: 0,
        }
    }

    pub async fn emit(
        &mut self,
        kind: &str,
        project_id: &str,
        message: &str,
        body: &impl prost::Message,
        on: NaiveDate,
    ) -> i64 {
        let db = &self.producer.db;
        let mut tx = db.begin().await.unwrap();
        let seq = outbox::append(
            &mut tx,
            db.backend(),
            at(on).timestamp_millis(),
            NewEvent {
                kind: kind.into(),
                object_type: "project".into(),
                object_id: project_id.into(),
                payload: pack(&format!("onewindow.trading.v1.{message}"), body),
            },
        )
        .await
        .unwrap();
        db.commit(tx).await.unwrap();
        self.last = seq;
        seq
    }

    /// Waits until supervision applied every event written so far.
    pub async fn settle(&self) {
        applied(&self.t.db.db, "trading", self.last).await;
    }

    pub async fn announce(&mut self, p: &Tender) -> i64 {
        let project = pb::Project {
            id: p.id.clone(),
            title: "大同市第三人民医院设备采购".into(),
            category: p.category as i32,
            method: p.method as i32,
            state: pb::ProjectState::Bidding as i32,
            region_code: REGION.into(),
            owner: Some(pb::Party {
                name: "大同市第三人民医院".into(),
                credit_code: "12140200MB0000001X".into(),
                ..Default::default()
            }),
            lots: vec![pb::Lot {
                id: "1".into(),
                budget_fen: 2_000_000,
                ..Default::default()
            }],
            periods: Some(pb::Periods {
                announced_at: ts(p.announced_on()),
                bid_start: ts(p.announced_on()),
                bid_deadline: ts(p.opened_on()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let body = pb::ProjectAnnounced {
            project: Some(project),
        };
        let on = p.announced_on();
        self.emit(
            "trading.project.announced",
            &p.id,
            "ProjectAnnounced",
            &body,
            on,
        )
        .await
    }

    pub async fn bid_received(&mut self, p: &Tender, active_bids: i32) -> i64 {
        let body = pb::BidCount {
            project_id: p.id.clone(),
            active_bids,
        };
        let on = p.announced_on() + Duration::days(1);
        self.emit("trading.bid.received", &p.id, "BidCount", &body, on)
            .await
    }

    /// The opening; the lot fails when fewer than `min_valid` bids are valid.
    pub async fn open(&mut self, p: &Tender, offers: &[Offer], min_valid: usize) -> i64 {
        let valid = offers.iter().filter(|o| o.invalid.is_none()).count();
        let failed = valid < min_valid;
        let record = pb::OpeningRecord {
            project_id: p.id.clone(),
            opened_at: ts(p.opened_on()),
            bids: offers
                .iter()
                .map(|o| pb::OpenedBid {
                    bid_id: bid_id(p, o),
                    lot_id: "1".into(),
                    bidder: Some(party(o.n, &o.phone)),
                    price_fen: o.price_fen,
                    valid: o.invalid.is_none(),
                    invalid_reasons: o.invalid.iter().map(|r| r.to_string()).collect(),
                    ..Default::default()
                })
                .collect(),
            lots: vec![pb::LotOutcome {
                lot_id: "1".into(),
                valid_bids: i32::try_from(valid).unwrap(),
                failed,
            }],
            draw_seed: "00".into(),
            failed,
        };
        let body = pb::BidsOpened {
            project_id: p.id.clone(),
            record: Some(record),
            method: p.method as i32,
            category: p.category as i32,
        };
        let on = p.opened_on();
        self.emit("trading.bids.opened", &p.id, "BidsOpened", &body, on)
            .await
    }

    pub async fn failed(&mut self, p: &Tender, valid_bids: i32) -> i64 {
        let body = pb::ProjectFailed {
            project_id: p.id.clone(),
            reason: "too few valid bids".into(),
            valid_bids,
        };
        let on = p.opened_on();
        self.emit("trading.project.failed", &p.id, "ProjectFailed", &body, on)
            .await
    }

    /// Evaluation, the award of the first ranked offer, and the award made final.
    pub async fn award(&mut self, p: &Tender, ranking: &[Offer]) {
        let award = self.publicize(p, ranking).await;
        let awarded = pb::ProjectAwarded {
            project_id: p.id.clone(),
            awards: vec![pb::Award {
                status: pb::AwardStatus::Active as i32,
                ..award
            }],
        };
        let on = p.opened_on() + Duration::days(12);
        self.emit(
            "trading.project.awarded",
            &p.id,
            "ProjectAwarded",
            &awarded,
            on,
        )
        .await;
    }

    /// Evaluation and the award of the first ranked offer, under publicity.
    pub async fn publicize(&mut self, p: &Tender, ranking: &[Offer]) -> pb::Award {
        let evaluation = pb::Evaluation {
            method: pb::EvaluationMethod::LowestPrice as i32,
            ranking: ranking
                .iter()
                .enumerate()
                .map(|(i, o)| pb::RankedBid {
                    bid_id: bid_id(p, o),
                    lot_id: "1".into(),
                    bidder: Some(party(o.n, &o.phone)),
                    price_fen: o.price_fen,
                    rank: i32::try_from(i + 1).unwrap(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        };
        let evaluated = pb::ProjectEvaluated {
            project_id: p.id.clone(),
            evaluation: Some(evaluation),
            panel: None,
        };
        let on = p.opened_on() + Duration::days(1);
        self.emit(
            "trading.project.evaluated",
            &p.id,
            "ProjectEvaluated",
            &evaluated,
            on,
        )
        .await;
        let winner = &ranking[0];
        let award = pb::Award {
            id: "a1".into(),
            lot_id: "1".into(),
            bid_id: bid_id(p, winner),
            supplier: Some(party(winner.n, &winner.phone)),
            value_fen: winner.price_fen,
            runner_up_value_fen: ranking.get(1).map(|o| o.price_fen).unwrap_or(0),
            status: pb::AwardStatus::Pending as i32,
            ..Default::default()
        };
        let publicized = pb::AwardPublicized {
            project_id: p.id.clone(),
            awards: vec![award.clone()],
            category: p.category as i32,
            method: p.method as i32,
            budget_fen: vec![2_000_000],
            ..Default::default()
        };
        let on = p.opened_on() + Duration::days(2);
        self.emit(
            "trading.award.publicized",
            &p.id,
            "AwardPublicized",
            &publicized,
            on,
        )
        .await;
        award
    }

    pub async fn cancel(&mut self, p: &Tender) -> i64 {
        let body = pb::ProjectCancelled {
            project_id: p.id.clone(),
            reason: "采购需求发生重大变化".into(),
            cancelled_in: pb::ProjectState::AwardPublicized as i32,
        };
        let on = p.opened_on() + Duration::days(3);
        self.emit(
            "trading.project.cancelled",
            &p.id,
            "ProjectCancelled",
            &body,
            on,
        )
        .await
    }

    /// The whole life of a tender whose bids all stand and that is awarded.
    pub async fn awarded_tender(&mut self, p: &Tender, offers: &[Offer]) {
        self.announce(p).await;
        self.open(p, offers, 1).await;
        let mut ranking = offers.to_vec();
        ranking.sort_by_key(|o| o.price_fen);
        self.award(p, &ranking).await;
    }
}
