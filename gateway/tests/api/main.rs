//! The gateway over real sockets: a catalog service in-process on a free port with the demo
//! catalog, the gateway in front of it on another, and an HTTP client.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth;
mod errors;
mod limits;
mod metrics;
mod oidc;
mod openapi;
mod pages;
mod transcoding;

use std::net::SocketAddr;

use chrono::{TimeZone, Utc};
use onewindow_catalog::Catalog;
use onewindow_gateway::{Gateway, GatewaySettings};
use onewindow_kit::auth::{Principal, Role, TokenIssuer};
use onewindow_kit::clock::Clock;
use onewindow_kit::serve::GrpcServer;
use onewindow_kit::testing::{self, TestDb};
use tokio_util::sync::CancellationToken;

pub const SCHEMAS: [&onewindow_kit::db::Migrations; 2] =
    [&onewindow_kit::MIGRATIONS, &onewindow_catalog::MIGRATIONS];

/// A demo item: 企业投资项目核准 of 发展和改革委员会.
pub const INVESTMENT_ITEM: &str = "11140200010837015E010101000000";

pub struct TestGateway {
    pub base: String,
    pub http: reqwest::Client,
    pub issuer: TokenIssuer,
    pub catalog_addr: SocketAddr,
    stop: CancellationToken,
    /// The catalog's database, for tests that go behind the service's back.
    pub db: TestDb,
}

impl Drop for TestGateway {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl TestGateway {
    pub async fn start() -> TestGateway {
        Self::start_with(|_| {}).await
    }

    /// The catalog (clock at 2026-11-30 10:00 Beijing, demo data) and a gateway whose
    /// settings `adjust` may change.
    pub async fn start_with(adjust: impl FnOnce(&mut GatewaySettings)) -> TestGateway {
        let db = testing::sqlite(&SCHEMAS).await;
        let (clock, _hand) = Clock::manual(Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap());
        let catalog = Catalog::start(db.db.clone(), clock).await.unwrap();
        catalog.load_demo_if_empty().await.unwrap();
        let (issuer, _) = TokenIssuer::generate("onewindow", "onewindow").unwrap();
        let mut grpc = GrpcServer::new();
        grpc.add_service(
            catalog.grpc_service(issuer.verifier().unwrap()),
            db.db.clone(),
        );
        let bound = grpc.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let catalog_addr = bound.local_addr();
        let stop = CancellationToken::new();
        tokio::spawn(bound.run_until(stop.clone().cancelled_owned()));

        let mut settings = GatewaySettings::default();
        settings.upstreams.default = format!("http://{catalog_addr}");
        adjust(&mut settings);
        let gateway = Gateway::build(settings, Some(issuer.clone()), issuer.verifier().unwrap())
            .await
            .unwrap();
        let bound = gateway.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let base = format!("http://{}", bound.local_addr());
        tokio::spawn(bound.run_until(stop.clone().cancelled_owned()));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        TestGateway {
            base,
            http,
            issuer,
            catalog_addr,
            stop,
            db,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A token of the built-in issuer for `role` in 工商局 of Datong.
    pub fn token(&self, role: Role) -> String {
        let principal = Principal {
            subject: format!("test-{role}"),
            name: format!("测试{role}"),
            roles: vec![role],
            department: Some("gsj".into()),
            region: Some("140200".into()),
        };
        self.issuer
            .issue(&principal, Utc::now().timestamp(), 600)
            .unwrap()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).send().await.unwrap()
    }

    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        let r = self.get(path).await;
        assert_eq!(r.status(), 200, "GET {path}");
        r.json().await.unwrap()
    }

    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        role: Option<Role>,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        let mut req = self.http.request(method, self.url(path)).json(body);
        if let Some(role) = role {
            req = req.bearer_auth(self.token(role));
        }
        req.send().await.unwrap()
    }
}

/// The problem document of a failed call, checking its media type.
pub async fn problem(r: reqwest::Response) -> serde_json::Value {
    assert_eq!(
        r.headers()["content-type"],
        "application/problem+json",
        "{:?}",
        r.status()
    );
    r.json().await.unwrap()
}
