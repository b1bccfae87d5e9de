//! The trading floor under electronic supervision: the real trading service and the
//! supervision service in-process behind one gRPC server on a free port, supervision
//! following trading's outbox, one manual clock for both; on SQLite and, when
//! `ONEWINDOW_TEST_POSTGRES` names a server, PostgreSQL. Trading agents, bidders and the
//! supervisor act through the contracts only.
// Fen amounts read as yuan plus two fen digits, as trading writes them: `5_100_000_00`.
#![allow(clippy::inconsistent_digit_grouping)]

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use onewindow_kit::auth::{Principal, Role, TokenIssuer};
use onewindow_kit::clock::{Clock, ManualClock};
use onewindow_kit::consumer::{local_source, Consumer};
use onewindow_kit::error::Error;
use onewindow_kit::serve::GrpcServer;
use onewindow_kit::testing::{self, TestDb};
use onewindow_proto::prost_types::Timestamp;
use onewindow_proto::supervision::v1 as sup;
use onewindow_proto::supervision::v1::supervision_service_client::SupervisionServiceClient;
use onewindow_proto::trading::v1 as pb;
use onewindow_proto::trading::v1::trading_service_client::TradingServiceClient;
use onewindow_suite::{supervisor, DATONG};
use onewindow_supervision::{CaseVerifier, Supervision, SupervisionSettings, VerifiedCase};
use onewindow_trading::domain::credit_code;
use onewindow_trading::Trading;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;
use tonic::Request;

const MASTER_KEY: [u8; 32] = [7u8; 32];
const PROPAGATION_POLLS: u32 = 400;
const PROPAGATION_POLL: Duration = Duration::from_millis(25);
/// The specialty every scenario's panel is drawn from.
pub const SPECIALTY: &str = "医疗设备";

/// Monday 2 November 2026, 09:00 in Datong.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 1, 0, 0).unwrap()
}

fn ts(t: DateTime<Utc>) -> Option<Timestamp> {
    Some(Timestamp {
        seconds: t.timestamp(),
        nanos: 0,
    })
}

/// No evaluation is taken on the trading floor: no case is ever confirmed.
struct NoCases;

#[tonic::async_trait]
impl CaseVerifier for NoCases {
    async fn verify(&self, case_number: &str, _query_code: &str) -> Result<VerifiedCase, Error> {
        Err(Error::not_found("case", case_number))
    }
}

pub struct Floor {
    /// `sqlite` or `postgres`, for assertion messages.
    pub label: &'static str,
    pub trading: Trading,
    pub hand: ManualClock,
    trading_client: TradingServiceClient<Channel>,
    supervision_client: SupervisionServiceClient<Channel>,
    issuer: TokenIssuer,
    supervision: Supervision,
    stop: CancellationToken,
    trading_db: TestDb,
    supervision_db: TestDb,
}

impl Drop for Floor {
    fn drop(&mut self) {
        self.stop.cancel();
        self.supervision.shutdown();
    }
}

impl Floor {
    pub async fn on_every_engine() -> Vec<Floor> {
        let trading_schemas = [&onewindow_kit::MIGRATIONS, &onewindow_trading::MIGRATIONS];
        let supervision_schemas = [
            &onewindow_kit::MIGRATIONS,
            &onewindow_supervision::MIGRATIONS,
        ];
        let mut out = vec![
            Floor::open(
                testing::sqlite(&trading_schemas).await,
                testing::sqlite(&supervision_schemas).await,
            )
            .await,
        ];
        if let (Some(a), Some(b)) = (
            testing::postgres(&trading_schemas).await,
            testing::postgres(&supervision_schemas).await,
        ) {
            out.push(Floor::open(a, b).await);
        }
        out
    }

    async fn open(trading_db: TestDb, supervision_db: TestDb) -> Floor {
        let label = trading_db.label;
        let (clock, hand) = Clock::manual(t0());
        let trading = Trading::start(trading_db.db.clone(), clock.clone(), MASTER_KEY)
            .await
            .unwrap();
        let settings = SupervisionSettings {
            // Deadlines of cases are not watched here; the scanner stays out of the way.
            scan_interval_secs: 3600,
            ..SupervisionSettings::default()
        };
        let supervision = Supervision::start(
            supervision_db.db.clone(),
            clock,
            settings,
            Arc::new(NoCases),
        )
        .await
        .unwrap();
        let stop = CancellationToken::new();
        supervision.follow("trading", local_source(trading_db.db.clone()), stop.clone());
        let (issuer, _) = TokenIssuer::generate("onewindow", "onewindow").unwrap();
        let mut grpc = GrpcServer::new();
        grpc.add_service(
            trading.grpc_service(issuer.verifier().unwrap()),
            trading_db.db.clone(),
        );
        grpc.add_service(
            supervision.grpc_service(issuer.verifier().unwrap()),
            supervision_db.db.clone(),
        );
        let bound = grpc.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let addr = bound.local_addr();
        let token = stop.clone();
        tokio::spawn(async move { bound.run_until(token.cancelled_owned()).await });
        let channel = Channel::from_shared(format!("http://{addr}"))
            .unwrap()
            .connect()
            .await
            .unwrap();
        Floor {
            label,
            trading,
            hand,
            trading_client: TradingServiceClient::new(channel.clone()),
            supervision_client: SupervisionServiceClient::new(channel),
            issuer,
            supervision,
            stop,
            trading_db,
            supervision_db,
        }
    }

    fn req<T>(&self, who: &Principal, body: T) -> Request<T> {
        let token = self.issuer.issue(who, Utc::now().timestamp(), 600).unwrap();
        let mut r = Request::new(body);
        r.metadata_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        r
    }

    fn person(subject: &str, role: Role) -> Principal {
        Principal {
            subject: subject.into(),
            name: String::new(),
            roles: vec![role],
            department: None,
            region: Some(DATONG.into()),
        }
    }

    /// An agent of the tender's agency: its department is the agency's credit code.
    fn agent<T>(&self, body: T) -> Request<T> {
        let agent = Principal {
            department: Some(credit_code("91140200MA0A00001")),
            ..Floor::person("agent-1", Role::TradingAgent)
        };
        self.req(&agent, body)
    }

    /// Moves the clock and lets the chronograph make what time has brought, now.
    pub async fn set(&self, t: DateTime<Utc>) {
        self.hand.set(t);
        self.trading.tick().await.unwrap();
    }

    /// Waits, a bounded while, until supervision has applied every event trading committed.
    pub async fn sync(&self) {
        let head = onewindow_kit::outbox::head(&self.trading_db.db)
            .await
            .unwrap();
        let consumer = Consumer::new("supervision<-trading", self.supervision_db.db.clone());
        for _ in 0..PROPAGATION_POLLS {
            if consumer.offset().await.unwrap() >= head {
                return;
            }
            tokio::time::sleep(PROPAGATION_POLL).await;
        }
        panic!("{}: supervision did not catch up with trading", self.label);
    }

    /// An expert pool of `n` for the scenarios' specialty.
    pub async fn seed_experts(&self, n: u32) {
        for i in 1..=n {
            let expert = pb::Expert {
                id: format!("e{i:03}"),
                name: format!("专家{i}"),
                specialty: SPECIALTY.into(),
                organization: format!("山西医科大学第{i}附属医院"),
                organization_credit_code: credit_code(&format!("12140000MB{i:07}")),
                conflict_credit_codes: Vec::new(),
                active: true,
            };
            let body = pb::PutExpertRequest {
                request_id: format!("expert-{i}"),
                expert: Some(expert),
            };
            self.trading_client
                .clone()
                .put_expert(self.agent(body))
                .await
                .unwrap();
        }
    }

    /// Creates and announces a procurement open tender of the city's third hospital:
    /// bidding from now for 25 days, opening an hour after.
    pub async fn announce_tender(&self, title: &str) -> pb::Project {
        let now = self.trading.clock().now();
        let project = pb::Project {
            title: title.into(),
            description: "采购设备一批，含三年保修".into(),
            category: pb::Category::GovernmentProcurement as i32,
            method: pb::Method::OpenTender as i32,
            region_code: DATONG.into(),
            owner: Some(pb::Party {
                name: "大同市第三人民医院".into(),
                credit_code: credit_code("12140200MB0000001"),
                contact_name: "赵主任".into(),
                contact_phone: "0352-5022101".into(),
                address: "大同市平城区新建南路".into(),
            }),
            agency: Some(pb::Party {
                name: "山西省招标有限公司大同分公司".into(),
                credit_code: credit_code("91140200MA0A00001"),
                contact_name: "钱经理".into(),
                contact_phone: "0352-7966001".into(),
                address: "大同市御东新区".into(),
            }),
            lots: vec![pb::Lot {
                id: "1".into(),
                title: title.into(),
                budget_fen: 6_000_000_00,
                ..Default::default()
            }],
            periods: Some(pb::Periods {
                bid_start: ts(now),
                bid_deadline: ts(now + chrono::Duration::days(25)),
                opening_at: ts(now + chrono::Duration::days(25) + chrono::Duration::hours(1)),
                ..Default::default()
            }),
            evaluation: Some(pb::EvaluationRule {
                method: pb::EvaluationMethod::LowestPrice as i32,
                expert_specialty: SPECIALTY.into(),
                panel_size: 3,
                ..Default::default()
            }),
            ..Default::default()
        };
        let mut client = self.trading_client.clone();
        let created = client
            .create_project(self.agent(pb::CreateProjectRequest {
                request_id: format!("create-{title}"),
                project: Some(project),
            }))
            .await
            .unwrap()
            .into_inner();
        client
            .announce_project(self.agent(pb::AnnounceProjectRequest {
                request_id: format!("announce-{title}"),
                project_id: created.id,
            }))
            .await
            .unwrap()
            .into_inner()
    }

    /// Enterprise `n` submits its sealed bid for the project's only lot.
    pub async fn bid(&self, project: &pb::Project, n: u32, price_fen: i64) {
        let document = format!("{} 投标文件 {n}", project.id).into_bytes();
        let body = pb::SubmitBidRequest {
            request_id: format!("bid-{}-{n}", project.id),
            project_id: project.id.clone(),
            lot_id: "1".into(),
            price_fen,
            documents: vec![pb::Document {
                name: "投标文件.pdf".into(),
                media_type: "application/pdf".into(),
                content: document,
            }],
            bidder: Some(enterprise(n)),
        };
        let who = Floor::person(&format!("enterprise-{n}"), Role::Applicant);
        self.trading_client
            .clone()
            .submit_bid(self.req(&who, body))
            .await
            .unwrap_or_else(|e| panic!("{}: bid of {n}: {e:?}", self.label));
    }

    pub async fn open_bids(&self, project: &pb::Project) -> pb::OpeningRecord {
        self.trading_client
            .clone()
            .open_bids(self.agent(pb::OpenBidsRequest {
                request_id: format!("open-{}", project.id),
                project_id: project.id.clone(),
            }))
            .await
            .unwrap_or_else(|e| panic!("{}: open {}: {e:?}", self.label, project.id))
            .into_inner()
    }

    /// Draws the panel, ranks the bids by lowest price and publicizes the award.
    pub async fn evaluate_and_publicize(&self, project: &pb::Project) -> pb::Project {
        let mut client = self.trading_client.clone();
        let id = project.id.clone();
        client
            .draw_experts(self.agent(pb::DrawExpertsRequest {
                request_id: format!("draw-{id}"),
                project_id: id.clone(),
            }))
            .await
            .unwrap();
        client
            .evaluate_bids(self.agent(pb::EvaluateBidsRequest {
                request_id: format!("evaluate-{id}"),
                project_id: id.clone(),
                sheets: vec![],
            }))
            .await
            .unwrap();
        client
            .publicize_award(self.agent(pb::PublicizeAwardRequest {
                request_id: format!("publicize-{id}"),
                project_id: id.clone(),
            }))
            .await
            .unwrap_or_else(|e| panic!("{}: publicize {id}: {e:?}", self.label))
            .into_inner()
    }

    pub async fn project(&self, id: &str) -> pb::Project {
        self.trading_client
            .clone()
            .get_project(self.agent(pb::GetProjectRequest {
                project_id: id.into(),
            }))
            .await
            .unwrap()
            .into_inner()
    }

    /// The violations of a traded project, as the supervision office lists them, by rule.
    pub async fn violations(&self, project_id: &str) -> Vec<sup::Violation> {
        let body = sup::ListViolationsRequest {
            subject_kind: sup::SubjectKind::TradingProject as i32,
            subject_id: project_id.into(),
            page_size: 100,
            ..Default::default()
        };
        let mut found = self
            .supervision_client
            .clone()
            .list_violations(self.req(&supervisor(), body))
            .await
            .unwrap_or_else(|e| panic!("{}: violations of {project_id}: {e:?}", self.label))
            .into_inner()
            .violations;
        found.sort_by(|a, b| a.rule_id.cmp(&b.rule_id));
        found
    }

    pub async fn flags(&self, project_id: &str) -> Vec<String> {
        self.violations(project_id)
            .await
            .into_iter()
            .map(|v| v.rule_id)
            .collect()
    }
}

/// Enterprise `n`, with a phone and an address of its own.
pub fn enterprise(n: u32) -> pb::Party {
    pb::Party {
        name: format!("山西第{n}医疗设备有限公司"),
        credit_code: credit_code(&format!("91140200MA0K{n:05}")),
        contact_name: format!("联系人{n}"),
        contact_phone: format!("1390352{n:04}"),
        address: format!("山西省大同市平城区工业路{n}号"),
    }
}
