//! The whole hall in this process: the catalog, cases, trading and supervision services on
//! free ports with demo data and a manual clock, the gateway in front of them. The pages
//! are checked over plain HTTP (forms, CSRF, uploads, downloads, escaping) and in headless
//! Chromium driven through chromedriver, clicking through them as people would. Without
//! Chromium the browser tests say why and pass, unless `ONEWINDOW_REQUIRE_BROWSER=1`.
//! Screenshots of the main pages go to `target/screenshots/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod browser;
mod http;
mod kiosk;
mod story;
mod tour;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use onewindow_cases::Cases;
use onewindow_catalog::Catalog;
use onewindow_gateway::{Gateway, GatewaySettings};
use onewindow_kit::auth::{Principal, Role, TokenIssuer};
use onewindow_kit::clock::{Clock, ManualClock};
use onewindow_kit::consumer::local_source;
use onewindow_kit::serve::GrpcServer;
use onewindow_kit::testing::{self, TestDb};
use onewindow_supervision::verifier::InProcessCases;
use onewindow_supervision::{Supervision, SupervisionSettings};
use onewindow_trading::Trading;
use tokio_util::sync::CancellationToken;

pub use browser::Browser;

/// Every service of the hall and the gateway, in this process, on free ports.
pub struct Hall {
    pub base: String,
    pub grpc: SocketAddr,
    pub issuer: TokenIssuer,
    pub hand: ManualClock,
    pub supervision: Supervision,
    stop: CancellationToken,
    _dbs: Vec<TestDb>,
}

impl Drop for Hall {
    fn drop(&mut self) {
        self.stop.cancel();
        self.supervision.shutdown();
    }
}

impl Hall {
    /// The demo hall on Monday 2026-11-30, 10:00 Beijing time.
    pub async fn start() -> Hall {
        let (clock, hand) = Clock::manual(Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap());
        let stop = CancellationToken::new();
        let kit = &onewindow_kit::MIGRATIONS;
        let catalog_db = testing::sqlite(&[kit, &onewindow_catalog::MIGRATIONS]).await;
        let cases_db = testing::sqlite(&[kit, &onewindow_cases::MIGRATIONS]).await;
        let trading_db = testing::sqlite(&[kit, &onewindow_trading::MIGRATIONS]).await;
        let supervision_db = testing::sqlite(&[kit, &onewindow_supervision::MIGRATIONS]).await;

        let catalog = Catalog::start(catalog_db.db.clone(), clock.clone())
            .await
            .unwrap();
        catalog.load_demo_if_empty().await.unwrap();
        let cases = Cases::new(cases_db.db.clone(), clock.clone());
        cases.follow_catalog(local_source(catalog_db.db.clone()), stop.clone());
        let head = onewindow_kit::outbox::head(&catalog_db.db).await.unwrap();
        wait_until("the cases service follows the catalog", || async {
            cases.catalog_offset().await.unwrap() >= head
        })
        .await;
        cases.load_demo_if_empty().await.unwrap();
        let trading = Trading::start(trading_db.db.clone(), clock.clone(), [7u8; 32])
            .await
            .unwrap();
        trading.load_demo_if_empty().await.unwrap();
        let settings = SupervisionSettings {
            // The tests scan when they move the clock.
            scan_interval_secs: 3600,
            dashboard_heartbeat_secs: 3600,
            ..SupervisionSettings::default()
        };
        let supervision = Supervision::start(
            supervision_db.db.clone(),
            clock.clone(),
            settings,
            Arc::new(InProcessCases(onewindow_cases::rpc::CaseRpc::new(
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
        // One browser clicks fast; the anonymous rate limit is for crowds, not for it.
        settings.limits.anonymous_per_second = 1000.0;
        settings.limits.anonymous_burst = 1000.0;
        let gateway = Gateway::build(settings, Some(issuer.clone()), verifier)
            .await
            .unwrap();
        let bound = gateway.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let base = format!("http://{}", bound.local_addr());
        tokio::spawn(bound.run_until(stop.clone().cancelled_owned()));
        Hall {
            base,
            grpc: grpc_addr,
            issuer,
            hand,
            supervision,
            stop,
            _dbs: vec![catalog_db, cases_db, trading_db, supervision_db],
        }
    }

    /// A token of the built-in issuer: `subject` with `role`, of `department` in Datong.
    pub fn token(&self, subject: &str, role: Role, department: Option<&str>) -> String {
        let principal = Principal {
            subject: subject.into(),
            name: format!("测试{role}"),
            roles: vec![role],
            department: department.map(str::to_string),
            region: Some("140200".into()),
        };
        self.issuer
            .issue(&principal, Utc::now().timestamp(), 600)
            .unwrap()
    }

    /// A request to a service carrying `token`.
    pub fn request<T>(&self, token: &str, message: T) -> tonic::Request<T> {
        let mut req = tonic::Request::new(message);
        req.metadata_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        req
    }

    /// A request to a service as a supervisor of Datong.
    pub fn as_supervisor<T>(&self, message: T) -> tonic::Request<T> {
        let token = self.token("test-supervisor", Role::Supervisor, None);
        self.request(&token, message)
    }

    pub fn grpc_url(&self) -> String {
        format!("http://{}", self.grpc)
    }
}

/// Polls `done` every 50 ms for up to 20 s.
pub async fn wait_until<F, Fut>(what: &str, done: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..400 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting until {what}");
}
