//! Trading under load until told to stop: agents of two agencies create and announce
//! procurement tenders (each agent only its own agency's), through the kit's balanced,
//! retrying gRPC client; enterprises bid on them, most through the gateway; each project is
//! read back through the gateway. Every other tender opens for bids at once, on its
//! announcement; the rest a few seconds after it, so that the chronograph of one replica or
//! the other moves them from announced to bidding while replicas are killed and stopped.
//! (The law sets no least time from announcement to the start of bidding, only to the bid
//! deadline, 20 days for an open tender: the deadlines here are 25 days away.)

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use onewindow_kit::auth::{Principal, Role};
use onewindow_kit::db::Db;
use onewindow_kit::remote;
use onewindow_proto::prost_types::Timestamp;
use onewindow_proto::trading::v1 as pb;
use onewindow_proto::trading::v1::trading_service_client::TradingServiceClient;
use onewindow_trading::domain::credit_code;
use sqlx::Row;
use tonic::transport::Channel;

use super::gateway::{Rest, WriteTally};
use super::load::{peer, RETRY_DEADLINE};
use super::{Hall, Pace};
use crate::DATONG;

/// The agencies whose agents run the tenders: agent `a` works for `AGENCIES[a % 2]`.
const AGENCIES: [&str; 2] = ["91140200MA0A00001", "91140200MA0B00002"];

/// Bidders on each tender that opens at once; bidder 2 bids over gRPC, the others through
/// the gateway.
const BIDDERS: u32 = 3;

/// What the chronograph writes in the audit trail when time moves a project.
const CHRONOGRAPH: &str = "system:chronograph";

/// How long the chronograph may take to move the last tender once its bidding has started.
const MOVE_POLLS: u32 = 600;
const MOVE_POLL: std::time::Duration = std::time::Duration::from_millis(50);

/// A project as its announcement was acknowledged.
#[derive(Debug, Clone)]
pub struct AckedProject {
    pub id: String,
    /// Announced and waiting for its bidding to start: time must move it.
    pub waits_for_the_clock: bool,
    pub revision: i64,
}

/// What the agents and bidders did.
#[derive(Debug, Default)]
pub struct TradingReport {
    pub projects: Vec<AckedProject>,
    /// Bids acknowledged (their ids).
    pub bids: Vec<String>,
    /// Bids through the gateway.
    pub gateway: WriteTally,
    /// Projects read through the gateway.
    pub reads: u64,
    pub errors: Vec<String>,
}

impl TradingReport {
    fn merge(&mut self, other: TradingReport) {
        self.projects.extend(other.projects);
        self.bids.extend(other.bids);
        self.gateway.merge(other.gateway);
        self.reads += other.reads;
        self.errors.extend(other.errors);
    }
}

/// The moves from announced to bidding, by who made them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transitions {
    /// By the chronograph, when the project's bidding started.
    pub by_the_clock: usize,
    /// By the announcement itself, bidding starting at once.
    pub at_announcement: usize,
}

fn ts(t: DateTime<Utc>) -> Option<Timestamp> {
    Some(Timestamp {
        seconds: t.timestamp(),
        nanos: 0,
    })
}

fn party(name: &str, code: &str) -> pb::Party {
    pb::Party {
        name: name.into(),
        credit_code: credit_code(code),
        contact_name: "联系人".into(),
        contact_phone: "0352-5022101".into(),
        address: "大同市平城区".into(),
    }
}

/// A procurement open tender of `agency`, bidding from `bid_start` to 25 days from now.
fn tender(title: String, agency: &str, bid_start: DateTime<Utc>) -> pb::Project {
    let now = Utc::now();
    pb::Project {
        title,
        description: "采购设备一批，含三年保修".into(),
        category: pb::Category::GovernmentProcurement as i32,
        method: pb::Method::OpenTender as i32,
        region_code: DATONG.into(),
        owner: Some(party("大同市第三人民医院", "12140200MB0000001")),
        agency: Some(party("招标代理有限公司大同分公司", agency)),
        lots: vec![pb::Lot {
            id: "1".into(),
            title: "医疗设备".into(),
            budget_fen: 600_000_000,
            ..Default::default()
        }],
        periods: Some(pb::Periods {
            bid_start: ts(bid_start),
            bid_deadline: ts(now + Duration::days(25)),
            opening_at: ts(now + Duration::days(25) + Duration::hours(1)),
            ..Default::default()
        }),
        evaluation: Some(pb::EvaluationRule {
            method: pb::EvaluationMethod::LowestPrice as i32,
            expert_specialty: "医疗设备".into(),
            panel_size: 3,
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn agent(a: u32) -> Principal {
    Principal {
        subject: format!("agent-{a}"),
        name: String::new(),
        roles: vec![Role::TradingAgent],
        department: Some(credit_code(AGENCIES[a as usize % AGENCIES.len()])),
        region: Some(DATONG.into()),
    }
}

fn enterprise(n: u32) -> Principal {
    Principal {
        subject: format!("enterprise-{n}"),
        name: String::new(),
        roles: vec![Role::Applicant],
        department: None,
        region: Some(DATONG.into()),
    }
}

/// Agents and bidders at work until told to stop.
#[derive(Clone)]
pub struct TradingLoad {
    hall: Arc<Hall>,
    trading: TradingServiceClient<Channel>,
    rest: Rest,
    tag: String,
    pace: Pace,
}

impl TradingLoad {
    /// Load on the trading replicas at `trading`, bids and reads through the gateway at
    /// `gateway`.
    pub fn new(hall: Arc<Hall>, tag: &str, trading: &[String], gateway: &str) -> TradingLoad {
        let channel = remote::channel(&peer(trading)).expect("trading channel");
        TradingLoad {
            rest: Rest::new(hall.clone(), gateway),
            hall,
            trading: TradingServiceClient::new(channel),
            tag: tag.into(),
            pace: Pace::default(),
        }
    }

    /// Writes acknowledged so far, and the signal that ends the load.
    pub fn pace(&self) -> &Pace {
        &self.pace
    }

    /// Starts `agents` agents in the background, each running one tender after the other.
    pub fn spawn(&self, agents: u32) -> tokio::task::JoinHandle<TradingReport> {
        let load = self.clone();
        tokio::spawn(async move {
            let mut tasks = Vec::new();
            for a in 0..agents {
                let load = load.clone();
                tasks.push(tokio::spawn(async move { load.agent(a).await }));
            }
            let mut report = TradingReport::default();
            for t in tasks {
                report.merge(t.await.expect("a trading load worker"));
            }
            report
        })
    }

    async fn agent(&self, a: u32) -> TradingReport {
        let mut report = TradingReport::default();
        let who = agent(a);
        let agency = AGENCIES[a as usize % AGENCIES.len()];
        let mut k: u32 = 0;
        while !self.pace.stopped() {
            k += 1;
            // Every other tender opens for bids two to five seconds after it is created.
            let at_once = k % 2 == 1;
            let delay = if at_once { 0 } else { 2 + i64::from(k % 4) };
            let key = format!("{}-a{a}-{k}", self.tag);
            let project = tender(
                format!("大同市第{k}批医疗设备采购（代理{a}）"),
                agency,
                Utc::now() + Duration::seconds(delay),
            );
            let body = pb::CreateProjectRequest {
                request_id: format!("{key}-create"),
                project: Some(project),
            };
            let created = remote::retry(RETRY_DEADLINE, || {
                let mut c = self.trading.clone();
                let req = self.hall.req(&who, body.clone());
                async move { c.create_project(req).await.map(tonic::Response::into_inner) }
            })
            .await;
            let created = match created {
                Ok(p) => p,
                Err(e) => {
                    report.errors.push(format!("create {key}: {e:?}"));
                    continue;
                }
            };
            self.pace.acknowledged();
            let body = pb::AnnounceProjectRequest {
                request_id: format!("{key}-announce"),
                project_id: created.id.clone(),
            };
            let announced = remote::retry(RETRY_DEADLINE, || {
                let mut c = self.trading.clone();
                let req = self.hall.req(&who, body.clone());
                async move {
                    c.announce_project(req)
                        .await
                        .map(tonic::Response::into_inner)
                }
            })
            .await;
            let announced = match announced {
                Ok(p) => p,
                Err(e) => {
                    report.errors.push(format!("announce {key}: {e:?}"));
                    continue;
                }
            };
            self.pace.acknowledged();
            let waits = announced.state == pb::ProjectState::Announced as i32;
            report.projects.push(AckedProject {
                id: announced.id.clone(),
                waits_for_the_clock: waits,
                revision: announced.revision,
            });
            let path = format!("/api/v1/trading/projects/{}", announced.id);
            match self
                .rest
                .get::<pb::Project>(&path, &who, "onewindow.trading.v1.Project")
                .await
            {
                Ok(read) if read.id == announced.id && read.revision >= announced.revision => {
                    report.reads += 1
                }
                Ok(read) => report.errors.push(format!(
                    "read {}: got {} at revision {}",
                    announced.id, read.id, read.revision
                )),
                Err(e) => report.errors.push(format!("read project: {e}")),
            }
            if at_once {
                for n in 1..=BIDDERS {
                    self.bid(&mut report, &announced.id, &key, n).await;
                }
            }
        }
        report
    }

    /// Enterprise `n` bids on `project_id`: over gRPC when `n` is 2, else through the gateway.
    async fn bid(&self, report: &mut TradingReport, project_id: &str, key: &str, n: u32) {
        let bidder = enterprise(n);
        let body = pb::SubmitBidRequest {
            request_id: format!("{key}-bid-{n}"),
            project_id: project_id.into(),
            lot_id: "1".into(),
            price_fen: 500_000_000 + i64::from(n) * 1_000_000,
            documents: vec![pb::Document {
                name: "投标文件.pdf".into(),
                media_type: "application/pdf".into(),
                content: format!("%PDF-1.4 {key} 投标文件 {n}").into_bytes(),
            }],
            bidder: Some(party(
                &format!("山西第{n}医疗设备有限公司"),
                &format!("91140200MA0K{n:05}"),
            )),
        };
        let receipt = if n == 2 {
            remote::retry(RETRY_DEADLINE, || {
                let mut c = self.trading.clone();
                let req = self.hall.req(&bidder, body.clone());
                async move { c.submit_bid(req).await.map(tonic::Response::into_inner) }
            })
            .await
            .map_err(|e| format!("{e:?}"))
        } else {
            self.rest
                .write::<pb::BidReceipt>(
                    &format!("/api/v1/trading/projects/{project_id}/bids"),
                    &bidder,
                    ("onewindow.trading.v1.SubmitBidRequest", &body),
                    "onewindow.trading.v1.BidReceipt",
                    &mut report.gateway,
                )
                .await
        };
        match receipt {
            Ok(r) if r.project_id == project_id && !r.bid_id.is_empty() => {
                self.pace.acknowledged();
                report.bids.push(r.bid_id);
            }
            Ok(r) => report
                .errors
                .push(format!("bid {key}/{n}: a receipt for {}", r.project_id)),
            Err(e) => report.errors.push(format!("bid {key}/{n}: {e}")),
        }
    }
}

/// Per project id, how many events of each kind the trading outbox holds.
async fn project_events(db: &Db) -> BTreeMap<(String, String), i64> {
    sqlx::query(
        "SELECT object_id, kind, COUNT(*) FROM kit_outbox \
         WHERE object_type = 'project' GROUP BY object_id, kind",
    )
    .fetch_all(db.reader())
    .await
    .expect("read kit_outbox")
    .iter()
    .map(|r| {
        (
            (r.get::<String, _>(0), r.get::<String, _>(1)),
            r.get::<i64, _>(2),
        )
    })
    .collect()
}

impl TradingReport {
    /// Asserts that the trading database holds every acknowledged project and bid, and
    /// nothing else: no retried creation or bid stored twice.
    pub async fn assert_kept(&self, label: &str, db: &Db) {
        let projects: BTreeMap<String, String> = sqlx::query("SELECT id, state FROM trd_project")
            .fetch_all(db.reader())
            .await
            .expect("read trd_project")
            .iter()
            .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
            .collect();
        for p in &self.projects {
            assert!(
                projects.contains_key(&p.id),
                "{label}: acknowledged project {} is lost",
                p.id
            );
        }
        assert_eq!(
            projects.len(),
            self.projects.len(),
            "{label}: the trading database holds projects nobody was told about"
        );
        let bids: BTreeMap<String, String> = sqlx::query("SELECT id, status FROM trd_bid")
            .fetch_all(db.reader())
            .await
            .expect("read trd_bid")
            .iter()
            .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
            .collect();
        for id in &self.bids {
            let status = bids
                .get(id)
                .unwrap_or_else(|| panic!("{label}: acknowledged bid {id} is lost"));
            assert_eq!(status, "active", "{label}: bid {id}");
        }
        assert_eq!(
            bids.len(),
            self.bids.len(),
            "{label}: the trading database holds bids nobody was told about"
        );
        let received: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM kit_outbox WHERE kind = 'trading.bid.received'",
        )
        .fetch_one(db.reader())
        .await
        .expect("read kit_outbox");
        assert_eq!(
            received,
            self.bids.len() as i64,
            "{label}: bid events announced"
        );
    }

    /// Waits, a bounded while, until no acknowledged project is still waiting for its
    /// bidding to start: the chronograph has moved them all.
    pub async fn wait_until_moved(&self, label: &str, db: &Db) {
        let mut waiting: i64 = 0;
        for _ in 0..MOVE_POLLS {
            waiting =
                sqlx::query_scalar("SELECT COUNT(*) FROM trd_project WHERE state = 'announced'")
                    .fetch_one(db.reader())
                    .await
                    .expect("read trd_project");
            if waiting == 0 {
                return;
            }
            tokio::time::sleep(MOVE_POLL).await;
        }
        panic!("{label}: the chronograph left {waiting} projects announced");
    }

    /// Asserts that each project was announced once and its bidding started once: by the
    /// chronograph for those acknowledged as announced (one move, one revision, one audit
    /// entry, whichever replica made it), by the announcement for the others; and that every
    /// project is now open for bids. Returns who made the moves.
    pub async fn assert_moved_once(&self, label: &str, db: &Db) -> Transitions {
        let stored: BTreeMap<String, (String, i64)> =
            sqlx::query("SELECT id, state, revision FROM trd_project")
                .fetch_all(db.reader())
                .await
                .expect("read trd_project")
                .iter()
                .map(|r| {
                    (
                        r.get::<String, _>(0),
                        (r.get::<String, _>(1), r.get::<i64, _>(2)),
                    )
                })
                .collect();
        let events = project_events(db).await;
        let moves: BTreeMap<String, i64> = sqlx::query(
            "SELECT object_id, COUNT(*) FROM kit_audit \
             WHERE object_type = 'project' AND action = 'advance' AND actor = $1 \
             GROUP BY object_id",
        )
        .bind(CHRONOGRAPH)
        .fetch_all(db.reader())
        .await
        .expect("read kit_audit")
        .iter()
        .map(|r| (r.get::<String, _>(0), r.get::<i64, _>(1)))
        .collect();
        let count = |id: &str, kind: &str| {
            events
                .get(&(id.to_string(), kind.to_string()))
                .copied()
                .unwrap_or(0)
        };
        let mut transitions = Transitions {
            by_the_clock: 0,
            at_announcement: 0,
        };
        for p in &self.projects {
            let (state, revision) = stored
                .get(&p.id)
                .unwrap_or_else(|| panic!("{label}: acknowledged project {} is lost", p.id));
            assert_eq!(state, "bidding", "{label}: the state of project {}", p.id);
            assert_eq!(
                count(&p.id, "trading.project.announced"),
                1,
                "{label}: announcements of project {}",
                p.id
            );
            assert_eq!(
                count(&p.id, "trading.project.bidding_started"),
                1,
                "{label}: starts of the bidding of project {}",
                p.id
            );
            let by_the_clock = i64::from(p.waits_for_the_clock);
            assert_eq!(
                moves.get(&p.id).copied().unwrap_or(0),
                by_the_clock,
                "{label}: moves of project {} by the clock",
                p.id
            );
            assert_eq!(
                *revision,
                p.revision + by_the_clock,
                "{label}: revision of project {} (announced at {})",
                p.id,
                p.revision
            );
            if p.waits_for_the_clock {
                transitions.by_the_clock += 1;
            } else {
                transitions.at_announcement += 1;
            }
        }
        transitions
    }
}
