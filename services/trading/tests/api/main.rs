//! Trading over a real socket with a tonic client: sealed bids and their confidentiality,
//! the project lifecycle and its periods, auctions, the expert draw, the chronograph across
//! replicas and the demo data; on SQLite and, when configured, PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// Fen amounts read as yuan plus two fen digits: `5_100_000_00`.
#![allow(clippy::inconsistent_digit_grouping)]

mod agency;
mod auction;
mod audit;
mod demo;
mod experts;
mod lifecycle;
mod periods;
mod replicas;
mod sealed;

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use onewindow_kit::auth::{Principal, Role, TokenIssuer};
use onewindow_kit::clock::{Clock, ManualClock};
use onewindow_kit::serve::GrpcServer;
use onewindow_kit::testing::{self, TestDb};
use onewindow_proto::prost_types::Timestamp;
use onewindow_proto::trading::v1 as pb;
use onewindow_proto::trading::v1::trading_service_client::TradingServiceClient;
use onewindow_trading::domain::credit_code;
use onewindow_trading::Trading;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;
use tonic::Request;

pub const SCHEMAS: [&onewindow_kit::db::Migrations; 2] =
    [&onewindow_kit::MIGRATIONS, &onewindow_trading::MIGRATIONS];

pub const MASTER_KEY: [u8; 32] = [7u8; 32];

/// Monday 2 November 2026, 09:00 in Datong.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 1, 0, 0).unwrap()
}

pub fn ts(t: DateTime<Utc>) -> Timestamp {
    Timestamp {
        seconds: t.timestamp(),
        nanos: 0,
    }
}

pub struct TestTrading {
    pub addr: SocketAddr,
    pub client: TradingServiceClient<Channel>,
    pub issuer: TokenIssuer,
    pub hand: ManualClock,
    pub clock: Clock,
    pub trading: Trading,
    pub db: TestDb,
    stop: CancellationToken,
}

impl Drop for TestTrading {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl TestTrading {
    /// The service on `db`, its clock at t0.
    pub async fn start(db: TestDb) -> TestTrading {
        let (clock, hand) = Clock::manual(t0());
        let trading = Trading::start(db.db.clone(), clock.clone(), MASTER_KEY)
            .await
            .unwrap();
        let (issuer, _) = TokenIssuer::generate("onewindow", "onewindow").unwrap();
        let mut grpc = GrpcServer::new();
        grpc.add_service(
            trading.grpc_service(issuer.verifier().unwrap()),
            db.db.clone(),
        );
        let bound = grpc.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let addr = bound.local_addr();
        let stop = CancellationToken::new();
        let token = stop.clone();
        tokio::spawn(async move { bound.run_until(token.cancelled_owned()).await });
        let client = TradingServiceClient::connect(format!("http://{addr}"))
            .await
            .unwrap();
        TestTrading {
            addr,
            client,
            issuer,
            hand,
            clock,
            trading,
            db,
            stop,
        }
    }

    pub async fn on_every_engine() -> Vec<TestTrading> {
        let mut out = Vec::new();
        for db in testing::all(&SCHEMAS).await {
            out.push(TestTrading::start(db).await);
        }
        out
    }

    pub async fn on_sqlite() -> TestTrading {
        TestTrading::start(testing::sqlite(&SCHEMAS).await).await
    }

    pub fn as_user<T>(&self, subject: &str, role: Role, body: T) -> Request<T> {
        self.as_member(subject, role, None, body)
    }

    /// A user who works for `department` (for an agent: its agency's credit code).
    pub fn as_member<T>(
        &self,
        subject: &str,
        role: Role,
        department: Option<String>,
        body: T,
    ) -> Request<T> {
        let principal = Principal {
            subject: subject.into(),
            name: String::new(),
            roles: vec![role],
            department,
            region: Some("140200".into()),
        };
        let token = self
            .issuer
            .issue(&principal, Utc::now().timestamp(), 600)
            .unwrap();
        let mut req = Request::new(body);
        req.metadata_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        req
    }

    /// An agent of the projects' agency ([`agency`]).
    pub fn agent<T>(&self, body: T) -> Request<T> {
        self.as_member(
            "agent-1",
            Role::TradingAgent,
            Some(agency().credit_code),
            body,
        )
    }

    /// An agent of another agency.
    pub fn other_agent<T>(&self, body: T) -> Request<T> {
        let other = credit_code("91140200MA0B00002");
        self.as_member("agent-2", Role::TradingAgent, Some(other), body)
    }

    pub fn supervisor<T>(&self, body: T) -> Request<T> {
        self.as_user("supervisor-1", Role::Supervisor, body)
    }

    pub fn bidder<T>(&self, n: u32, body: T) -> Request<T> {
        self.as_user(&format!("enterprise-{n}"), Role::Applicant, body)
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn set(&self, t: DateTime<Utc>) {
        self.hand.set(t);
    }

    pub async fn tick(&self) -> usize {
        self.trading.tick().await.unwrap()
    }

    pub async fn project(&mut self, id: &str) -> pb::Project {
        self.client
            .get_project(self.agent(pb::GetProjectRequest {
                project_id: id.into(),
            }))
            .await
            .unwrap()
            .into_inner()
    }

    /// Creates and announces a project; returns it as announced.
    pub async fn announced(&mut self, project: pb::Project, key: &str) -> pb::Project {
        let created = self
            .client
            .create_project(self.agent(pb::CreateProjectRequest {
                request_id: format!("create-{key}"),
                project: Some(project),
            }))
            .await
            .unwrap()
            .into_inner();
        self.client
            .announce_project(self.agent(pb::AnnounceProjectRequest {
                request_id: format!("announce-{key}"),
                project_id: created.id,
            }))
            .await
            .unwrap()
            .into_inner()
    }

    /// Submits bidder n's sealed bid.
    pub async fn bid(
        &mut self,
        project_id: &str,
        n: u32,
        price_fen: i64,
        document: &[u8],
    ) -> Result<pb::BidReceipt, tonic::Status> {
        let req = self.bidder(n, bid_request(project_id, n, price_fen, document));
        self.client.submit_bid(req).await.map(|r| r.into_inner())
    }
}

pub fn bid_request(
    project_id: &str,
    n: u32,
    price_fen: i64,
    document: &[u8],
) -> pb::SubmitBidRequest {
    pb::SubmitBidRequest {
        // Never the price: request ids are stored in clear.
        request_id: format!(
            "bid-{n}-{}",
            &onewindow_trading::domain::digest(document)[..16]
        ),
        project_id: project_id.into(),
        lot_id: "1".into(),
        price_fen,
        documents: vec![pb::Document {
            name: "投标文件.pdf".into(),
            media_type: "application/pdf".into(),
            content: document.to_vec(),
        }],
        bidder: Some(party(n)),
    }
}

pub fn party(n: u32) -> pb::Party {
    pb::Party {
        name: format!("山西第{n}医疗设备有限公司"),
        credit_code: credit_code(&format!("91140200MA0K{n:05}")),
        contact_name: format!("联系人{n}"),
        contact_phone: format!("1390352{n:04}"),
        address: "山西省大同市平城区".into(),
    }
}

pub fn owner() -> pb::Party {
    pb::Party {
        name: "大同市第三人民医院".into(),
        credit_code: credit_code("12140200MB0000001"),
        contact_name: "赵主任".into(),
        contact_phone: "0352-5022101".into(),
        address: "大同市平城区".into(),
    }
}

pub fn agency() -> pb::Party {
    pb::Party {
        name: "山西省招标有限公司大同分公司".into(),
        credit_code: credit_code("91140200MA0A00001"),
        contact_name: "钱经理".into(),
        contact_phone: "0352-7966001".into(),
        address: "大同市御东新区".into(),
    }
}

/// A procurement open tender: bidding from t0 for 25 days, opening an hour after.
pub fn tender(title: &str) -> pb::Project {
    pb::Project {
        title: title.into(),
        description: "采购64排CT一台，含三年保修".into(),
        category: pb::Category::GovernmentProcurement as i32,
        method: pb::Method::OpenTender as i32,
        region_code: "140200".into(),
        owner: Some(owner()),
        agency: Some(agency()),
        lots: vec![pb::Lot {
            id: "1".into(),
            title: "64排CT".into(),
            budget_fen: 6_000_000_00,
            ..Default::default()
        }],
        periods: Some(pb::Periods {
            bid_start: Some(ts(t0())),
            bid_deadline: Some(ts(t0() + Duration::days(25))),
            opening_at: Some(ts(t0() + Duration::days(25) + Duration::hours(1))),
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

pub fn opening_time() -> DateTime<Utc> {
    t0() + Duration::days(25) + Duration::hours(1)
}

/// The field paths named by an INVALID_ARGUMENT status.
pub fn bad_fields(status: &tonic::Status) -> Vec<String> {
    use tonic_types::StatusExt;
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    status
        .get_error_details()
        .bad_request()
        .map(|b| b.field_violations.iter().map(|f| f.field.clone()).collect())
        .unwrap_or_default()
}

/// Everything logged on the current thread while it is installed, at every level.
///
/// One subscriber serves the whole test binary and writes each line to the capture of the
/// thread that logged it. A scoped subscriber (`set_default`) is not enough here: while
/// other tests of the binary run on threads with no subscriber, callsites they reach first
/// can stay cached as disabled. A test that captures runs on tokio's current-thread
/// runtime, so the service it starts logs on the test's thread.
#[derive(Clone, Default)]
pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

thread_local! {
    static CURRENT: std::cell::RefCell<Option<LogCapture>> = const { std::cell::RefCell::new(None) };
}

pub struct CaptureGuard;

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        CURRENT.with(|c| *c.borrow_mut() = None);
    }
}

impl LogCapture {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// Captures this thread's logs until the guard drops.
    pub fn install(&self) -> CaptureGuard {
        static GLOBAL: std::sync::Once = std::sync::Once::new();
        GLOBAL.call_once(|| {
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_ansi(false)
                .with_writer(ThreadWriter)
                .finish();
            tracing::subscriber::set_global_default(subscriber).unwrap();
        });
        CURRENT.with(|c| *c.borrow_mut() = Some(self.clone()));
        CaptureGuard
    }
}

impl Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Writes to the current thread's capture, or nowhere.
struct ThreadWriter;

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for ThreadWriter {
    type Writer = Box<dyn Write>;
    fn make_writer(&'a self) -> Self::Writer {
        match CURRENT.with(|c| c.borrow().clone()) {
            Some(capture) => Box::new(capture),
            None => Box::new(std::io::sink()),
        }
    }
}

/// Seeds an expert pool of `n` experts of a specialty.
pub async fn seed_experts(t: &mut TestTrading, specialty: &str, n: u32) {
    for i in 1..=n {
        t.client
            .put_expert(t.agent(pb::PutExpertRequest {
                request_id: format!("expert-{specialty}-{i}"),
                expert: Some(expert(i, specialty)),
            }))
            .await
            .unwrap();
    }
}

pub fn expert(i: u32, specialty: &str) -> pb::Expert {
    pb::Expert {
        id: format!("e{i:03}"),
        name: format!("专家{i}"),
        specialty: specialty.into(),
        organization: format!("山西医科大学第{i}附属医院"),
        organization_credit_code: credit_code(&format!("12140000MB{i:07}")),
        conflict_credit_codes: Vec::new(),
        active: true,
    }
}
