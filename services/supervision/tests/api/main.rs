//! Supervision over a real socket with a tonic client, fed by crafted events written into a
//! producer's outbox: warnings as the test clock moves, rules, evaluations, complaints,
//! performance, trading red flags; on SQLite and, when configured, PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod complaints;
mod efficiency;
mod evaluations;
mod events;
mod office;
mod performance;
mod regions;
mod rules;
mod trading;
mod trading_stream;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use onewindow_kit::auth::{Principal, Role, TokenIssuer};
use onewindow_kit::clock::{start_of_local_date, Clock, ManualClock};
use onewindow_kit::consumer::{local_source, Consumer, EventSource};
use onewindow_kit::db::{Db, Migrations};
use onewindow_kit::error::Error;
use onewindow_kit::outbox::{self, NewEvent};
use onewindow_kit::serve::GrpcServer;
use onewindow_kit::testing::{self, TestDb};
use onewindow_proto::supervision::v1::supervision_service_client::SupervisionServiceClient;
use onewindow_supervision::{CaseVerifier, Supervision, SupervisionSettings, VerifiedCase};
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;
use tonic::Request;

pub const SCHEMAS: [&Migrations; 2] = [
    &onewindow_kit::MIGRATIONS,
    &onewindow_supervision::MIGRATIONS,
];
pub const PRODUCER: [&Migrations; 1] = [&onewindow_kit::MIGRATIONS];

pub const DEPT: &str = "gsj";
pub const OTHER_DEPT: &str = "swj";
pub const REGION: &str = "140200";

/// The cases service's stand-in for verifying evaluators.
#[derive(Default, Clone)]
pub struct FakeVerifier(Arc<Mutex<HashMap<(String, String), VerifiedCase>>>);

impl FakeVerifier {
    pub fn know(&self, case_id: &str, case_number: &str, query_code: &str, department: &str) {
        self.know_in(case_id, case_number, query_code, department, REGION);
    }

    /// A case of `department` in `region`.
    pub fn know_in(
        &self,
        case_id: &str,
        case_number: &str,
        query_code: &str,
        department: &str,
        region: &str,
    ) {
        self.0.lock().unwrap().insert(
            (case_number.into(), query_code.into()),
            VerifiedCase {
                case_id: case_id.into(),
                case_number: case_number.into(),
                item_id: "item1".into(),
                department_id: department.into(),
                region_code: region.into(),
            },
        );
    }
}

#[tonic::async_trait]
impl CaseVerifier for FakeVerifier {
    async fn verify(&self, case_number: &str, query_code: &str) -> Result<VerifiedCase, Error> {
        self.0
            .lock()
            .unwrap()
            .get(&(case_number.to_string(), query_code.to_string()))
            .cloned()
            .ok_or_else(|| Error::not_found("case", case_number))
    }
}

pub struct TestSupervision {
    pub client: SupervisionServiceClient<Channel>,
    pub issuer: TokenIssuer,
    pub hand: ManualClock,
    pub clock: Clock,
    pub supervision: Supervision,
    pub verifier: FakeVerifier,
    /// The cases service's database, whose outbox the tests write.
    pub cases: TestDb,
    /// The catalog's, likewise.
    pub catalog: TestDb,
    pub db: TestDb,
    pub addr: SocketAddr,
    follow_stop: Mutex<CancellationToken>,
    stop: CancellationToken,
}

impl Drop for TestSupervision {
    fn drop(&mut self) {
        self.follow_stop.lock().unwrap().cancel();
        self.stop.cancel();
        self.supervision.shutdown();
    }
}

/// 10:00 Beijing time on a civil date.
pub fn at(d: NaiveDate) -> chrono::DateTime<Utc> {
    start_of_local_date(d) + chrono::Duration::hours(10)
}

pub fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

pub fn settings() -> SupervisionSettings {
    SupervisionSettings {
        // Tests scan when they move the clock; the background scanner stays out of the way.
        scan_interval_secs: 3600,
        dashboard_heartbeat_secs: 3600,
        ..SupervisionSettings::default()
    }
}

impl TestSupervision {
    pub async fn start(db: TestDb) -> TestSupervision {
        let (clock, hand) = Clock::manual(at(day(3, 2)));
        let cases = testing::sqlite(&PRODUCER).await;
        let catalog = testing::sqlite(&PRODUCER).await;
        let verifier = FakeVerifier::default();
        let supervision = Supervision::start(
            db.db.clone(),
            clock.clone(),
            settings(),
            Arc::new(verifier.clone()),
        )
        .await
        .unwrap();
        let (issuer, _) = TokenIssuer::generate("onewindow", "onewindow").unwrap();
        let mut grpc = GrpcServer::new();
        grpc.add_service(
            supervision.grpc_service(issuer.verifier().unwrap()),
            db.db.clone(),
        );
        let bound = grpc.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let addr = bound.local_addr();
        let stop = CancellationToken::new();
        let token = stop.clone();
        tokio::spawn(async move { bound.run_until(token.cancelled_owned()).await });
        let client = SupervisionServiceClient::connect(format!("http://{addr}"))
            .await
            .unwrap();
        let follow_stop = CancellationToken::new();
        supervision.follow("cases", local_source(cases.db.clone()), follow_stop.clone());
        supervision.follow(
            "catalog",
            local_source(catalog.db.clone()),
            follow_stop.clone(),
        );
        TestSupervision {
            client,
            issuer,
            hand,
            clock,
            supervision,
            verifier,
            cases,
            catalog,
            db,
            addr,
            follow_stop: Mutex::new(follow_stop),
            stop,
        }
    }

    pub async fn on_every_engine() -> Vec<TestSupervision> {
        let mut out = Vec::new();
        for db in testing::all(&SCHEMAS).await {
            out.push(TestSupervision::start(db).await);
        }
        out
    }

    pub async fn on_sqlite() -> TestSupervision {
        TestSupervision::start(testing::sqlite(&SCHEMAS).await).await
    }

    pub fn label(&self) -> &'static str {
        self.db.label
    }

    /// Stops following (as if supervision were down); events keep coming into the outbox.
    pub fn stop_following(&self) {
        self.follow_stop.lock().unwrap().cancel();
    }

    /// Follows again, as a restarted supervision would, from the stored offsets.
    pub fn resume_following(&self) {
        let stop = CancellationToken::new();
        *self.follow_stop.lock().unwrap() = stop.clone();
        self.supervision
            .follow_all(followers(&self.cases.db, &self.catalog.db), stop);
    }

    /// Moves the clock to 10:00 of a day and scans, as the scanner would that morning.
    pub async fn morning_of(&self, d: NaiveDate) {
        self.hand.set(at(d));
        self.supervision.scan_now().await.unwrap();
    }

    pub fn request<T>(&self, who: Principal, body: T) -> Request<T> {
        let token = self
            .issuer
            .issue(&who, Utc::now().timestamp(), 600)
            .unwrap();
        let mut req = Request::new(body);
        req.metadata_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        req
    }

    pub fn supervisor<T>(&self, body: T) -> Request<T> {
        self.request(person("u-sup", Role::Supervisor, None), body)
    }

    pub fn clerk_of<T>(&self, department: &str, body: T) -> Request<T> {
        self.request(person("u-clerk", Role::Clerk, Some(department)), body)
    }

    /// A request of staff with `role` of `department` in `region`.
    pub fn staff_in<T>(&self, role: Role, department: &str, region: &str, body: T) -> Request<T> {
        let who = Principal {
            region: Some(region.into()),
            ..person("u-staff", role, Some(department))
        };
        self.request(who, body)
    }
}

/// What supervision follows: the cases and catalog streams, read from their outboxes.
fn followers(cases: &Db, catalog: &Db) -> Vec<(String, Box<dyn EventSource>)> {
    vec![
        ("cases".into(), Box::new(local_source(cases.clone()))),
        ("catalog".into(), Box::new(local_source(catalog.clone()))),
    ]
}

pub fn person(subject: &str, role: Role, department: Option<&str>) -> Principal {
    Principal {
        subject: subject.into(),
        name: String::new(),
        roles: vec![role],
        department: department.map(String::from),
        region: Some(REGION.into()),
    }
}

/// Writes one event into a producer's outbox, as the producer would.
pub async fn append(
    db: &Db,
    kind: &str,
    object_id: &str,
    payload: onewindow_proto::prost_types::Any,
) -> i64 {
    let mut tx = db.begin().await.unwrap();
    let seq = outbox::append(
        &mut tx,
        db.backend(),
        Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0)
            .unwrap()
            .timestamp_millis(),
        NewEvent {
            kind: kind.into(),
            object_type: "case".into(),
            object_id: object_id.into(),
            payload,
        },
    )
    .await
    .unwrap();
    db.commit(tx).await.unwrap();
    seq
}

/// Waits until supervision has applied the stream up to `seq`.
pub async fn applied(db: &Db, follower: &str, seq: i64) {
    let consumer = Consumer::new(format!("supervision<-{follower}"), db.clone());
    for _ in 0..400 {
        if consumer.offset().await.unwrap() >= seq {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{follower} did not reach {seq}");
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
