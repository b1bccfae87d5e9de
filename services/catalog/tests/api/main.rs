//! The catalog over a real socket with a tonic client: auth, bad input, versions, batches,
//! bundles, calendars, export/import, events, health and reflection; on SQLite and, when
//! configured, PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod calendar;
mod drafts;
mod items;
mod operations;

use std::net::SocketAddr;

use chrono::{TimeZone, Utc};
use onewindow_catalog::Catalog;
use onewindow_kit::auth::{Principal, Role, TokenIssuer};
use onewindow_kit::clock::{Clock, ManualClock};
use onewindow_kit::serve::GrpcServer;
use onewindow_kit::testing::{self, TestDb};
use onewindow_proto::catalog::v1::catalog_service_client::CatalogServiceClient;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;
use tonic::Request;

pub const SCHEMAS: [&onewindow_kit::db::Migrations; 2] =
    [&onewindow_kit::MIGRATIONS, &onewindow_catalog::MIGRATIONS];

pub struct TestCatalog {
    pub addr: SocketAddr,
    pub client: CatalogServiceClient<Channel>,
    pub issuer: TokenIssuer,
    pub hand: ManualClock,
    pub clock: Clock,
    pub catalog: Catalog,
    pub db: TestDb,
    stop: CancellationToken,
}

impl Drop for TestCatalog {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl TestCatalog {
    /// A catalog on `db` with the demo data loaded, its clock at 2026-11-30 10:00 Beijing.
    pub async fn start(db: TestDb) -> TestCatalog {
        let (clock, hand) = Clock::manual(Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap());
        let catalog = Catalog::start(db.db.clone(), clock.clone()).await.unwrap();
        catalog
            .load_demo_if_empty()
            .await
            .unwrap()
            .expect("demo loaded");
        let (issuer, _) = TokenIssuer::generate("onewindow", "onewindow").unwrap();
        let mut grpc = GrpcServer::new();
        grpc.add_service(
            catalog.grpc_service(issuer.verifier().unwrap()),
            db.db.clone(),
        );
        let bound = grpc.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let addr = bound.local_addr();
        let stop = CancellationToken::new();
        let token = stop.clone();
        tokio::spawn(async move { bound.run_until(token.cancelled_owned()).await });
        let client = CatalogServiceClient::connect(format!("http://{addr}"))
            .await
            .unwrap();
        TestCatalog {
            addr,
            client,
            issuer,
            hand,
            clock,
            catalog,
            db,
            stop,
        }
    }

    pub async fn on_every_engine() -> Vec<TestCatalog> {
        let mut out = Vec::new();
        for db in testing::all(&[&onewindow_kit::MIGRATIONS, &onewindow_catalog::MIGRATIONS]).await
        {
            out.push(TestCatalog::start(db).await);
        }
        out
    }

    pub async fn on_sqlite() -> TestCatalog {
        TestCatalog::start(testing::sqlite(&SCHEMAS).await).await
    }

    pub fn as_role<T>(&self, role: Role, body: T) -> Request<T> {
        let principal = Principal {
            subject: format!("test-{role}"),
            name: String::new(),
            roles: vec![role],
            department: Some("gsj".into()),
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

    pub fn admin<T>(&self, body: T) -> Request<T> {
        self.as_role(Role::CatalogAdmin, body)
    }
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

impl TestCatalog {
    /// The instant the test clock shows.
    pub fn hand_now(&self) -> chrono::DateTime<Utc> {
        self.clock.now()
    }
}
