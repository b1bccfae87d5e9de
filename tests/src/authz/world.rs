//! The whole hall in one process for the authorization matrix: catalog (demo data), cases,
//! trading and supervision behind one gRPC server, the gateway in front of it, one manual
//! clock, and a token issuer both trust.

use std::net::SocketAddr;

use chrono::Utc;
use onewindow_cases::Cases;
use onewindow_catalog::Catalog;
use onewindow_gateway::{Gateway, GatewaySettings};
use onewindow_kit::auth::{Principal, TokenIssuer};
use onewindow_kit::clock::{Clock, ManualClock};
use onewindow_kit::consumer::local_source;
use onewindow_kit::db::Db;
use onewindow_kit::serve::GrpcServer;
use onewindow_kit::testing::{self, TestDb};
use onewindow_supervision::verifier::InProcessCases;
use onewindow_supervision::{Supervision, SupervisionSettings};
use onewindow_trading::Trading;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;

use crate::{date, nine_o_clock};

/// Every service and the gateway, on SQLite in temporary directories.
pub struct World {
    pub grpc_addr: SocketAddr,
    pub http_base: String,
    pub channel: Channel,
    pub http: reqwest::Client,
    pub issuer: TokenIssuer,
    pub hand: ManualClock,
    pub clock: Clock,
    pub trading: Trading,
    pub supervision: Supervision,
    pub cases_db: Db,
    pub catalog_db: Db,
    pub trading_db: Db,
    pub supervision_db: Db,
    stop: CancellationToken,
    _dbs: Vec<TestDb>,
}

impl Drop for World {
    fn drop(&mut self) {
        self.stop.cancel();
        self.supervision.shutdown();
    }
}

impl World {
    /// The hall at 09:00 on Monday 2026-11-30, with the demo catalog.
    pub async fn start() -> World {
        let catalog_db =
            testing::sqlite(&[&onewindow_kit::MIGRATIONS, &onewindow_catalog::MIGRATIONS]).await;
        let cases_db =
            testing::sqlite(&[&onewindow_kit::MIGRATIONS, &onewindow_cases::MIGRATIONS]).await;
        let trading_db =
            testing::sqlite(&[&onewindow_kit::MIGRATIONS, &onewindow_trading::MIGRATIONS]).await;
        let supervision_db = testing::sqlite(&[
            &onewindow_kit::MIGRATIONS,
            &onewindow_supervision::MIGRATIONS,
        ])
        .await;
        let (clock, hand) = Clock::manual(nine_o_clock(date(2026, 11, 30)));
        let stop = CancellationToken::new();

        let catalog = Catalog::start(catalog_db.db.clone(), clock.clone())
            .await
            .unwrap();
        catalog.load_demo_if_empty().await.unwrap();
        let cases = Cases::new(cases_db.db.clone(), clock.clone());
        cases.follow_catalog(local_source(catalog_db.db.clone()), stop.clone());
        let trading = Trading::start(trading_db.db.clone(), clock.clone(), [7; 32])
            .await
            .unwrap();
        let supervision = Supervision::start(
            supervision_db.db.clone(),
            clock.clone(),
            SupervisionSettings::default(),
            std::sync::Arc::new(InProcessCases(onewindow_cases::rpc::CaseRpc::new(
                cases.clone(),
            ))),
        )
        .await
        .unwrap();
        supervision.follow("catalog", local_source(catalog_db.db.clone()), stop.clone());
        supervision.follow("cases", local_source(cases_db.db.clone()), stop.clone());
        supervision.follow("trading", local_source(trading_db.db.clone()), stop.clone());

        let (issuer, _) = TokenIssuer::generate("onewindow", "onewindow").unwrap();
        let verifier = issuer.verifier().unwrap();
        let mut grpc = GrpcServer::new();
        grpc.add_service(
            catalog.grpc_service(verifier.clone()),
            catalog_db.db.clone(),
        );
        grpc.add_service(cases.grpc_service(verifier.clone()), cases_db.db.clone());
        grpc.add_service(
            trading.grpc_service(verifier.clone()),
            trading_db.db.clone(),
        );
        grpc.add_service(
            supervision.grpc_service(verifier.clone()),
            supervision_db.db.clone(),
        );
        let bound = grpc.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let grpc_addr = bound.local_addr();
        tokio::spawn(bound.run_until(stop.clone().cancelled_owned()));

        let mut settings = GatewaySettings::default();
        settings.upstreams.default = format!("http://{grpc_addr}");
        // The matrix calls from one address many times a second.
        settings.limits.exempt_addresses = vec!["127.0.0.1".parse().unwrap()];
        let gateway = Gateway::build(settings, Some(issuer.clone()), verifier)
            .await
            .unwrap();
        let bound = gateway.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let http_base = format!("http://{}", bound.local_addr());
        tokio::spawn(bound.run_until(stop.clone().cancelled_owned()));

        let channel = Channel::from_shared(format!("http://{grpc_addr}"))
            .unwrap()
            .connect()
            .await
            .unwrap();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let world = World {
            grpc_addr,
            http_base,
            channel,
            http,
            issuer,
            hand,
            clock,
            trading,
            cases_db: cases_db.db.clone(),
            catalog_db: catalog_db.db.clone(),
            trading_db: trading_db.db.clone(),
            supervision_db: supervision_db.db.clone(),
            supervision,
            stop,
            _dbs: vec![catalog_db, cases_db, trading_db, supervision_db],
        };
        world.sync_cases().await;
        world
    }

    /// A signed token of `who`; `None` for the anonymous public.
    pub fn token(&self, who: &Principal) -> Option<String> {
        if who.is_anonymous() {
            return None;
        }
        Some(self.issuer.issue(who, Utc::now().timestamp(), 600).unwrap())
    }

    /// Waits, a bounded while, until the cases service has applied the catalog's events.
    pub async fn sync_cases(&self) {
        let head = onewindow_kit::outbox::head(&self.catalog_db).await.unwrap();
        let consumer = onewindow_kit::consumer::Consumer::new(
            onewindow_cases::follow::CATALOG_STREAM,
            self.cases_db.clone(),
        );
        for _ in 0..400 {
            if consumer.offset().await.unwrap() >= head {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("the cases service did not catch up with the catalog");
    }

    /// Waits, a bounded while, until supervision has applied every event `source` has
    /// committed so far (`cases`, `trading`, `catalog`).
    pub async fn sync_supervision(&self, name: &str, source: &Db) {
        let head = onewindow_kit::outbox::head(source).await.unwrap();
        let consumer = onewindow_kit::consumer::Consumer::new(
            format!("supervision<-{name}"),
            self.supervision_db.clone(),
        );
        for _ in 0..400 {
            if consumer.offset().await.unwrap() >= head {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("supervision did not catch up with {name}");
    }

    /// Lets supervision apply what the other services committed, so that what it writes on
    /// its own does not count as an effect of a request under test.
    pub async fn settle(&self) {
        self.sync_cases().await;
        self.sync_supervision("catalog", &self.catalog_db).await;
        self.sync_supervision("cases", &self.cases_db).await;
        self.sync_supervision("trading", &self.trading_db).await;
    }

    /// The database of the service that serves `rpc` (a full method name).
    pub fn db_of(&self, rpc: &str) -> &Db {
        match rpc.split('.').nth(1) {
            Some("catalog") => &self.catalog_db,
            Some("cases") => &self.cases_db,
            Some("trading") => &self.trading_db,
            Some("supervision") => &self.supervision_db,
            other => panic!("no service {other:?}"),
        }
    }
}

/// Audit entries and outbox events a service has written so far: what a request changed.
pub async fn effects(db: &Db) -> (i64, i64) {
    let audit: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM kit_audit")
        .fetch_one(db.reader())
        .await
        .unwrap();
    let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM kit_outbox")
        .fetch_one(db.reader())
        .await
        .unwrap();
    (audit, events)
}
