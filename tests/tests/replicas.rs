//! Two replicas of every service, each a real process on a loopback port, each kind on its
//! own PostgreSQL database (SQLite is one process's file: replicas need PostgreSQL), and the
//! web gateway in front of them with upstreams over both replicas of each service. Three
//! loads run at once: applicants and a clerk through the kit's clients, which balance over
//! both replicas and retry idempotent calls on UNAVAILABLE; applicants and the clerk again
//! as REST clients of the gateway; trading agents announcing tenders and enterprises bidding
//! on them, partly through the gateway, some tenders opening for bids seconds after their
//! announcement, for the chronograph of either trading replica to move. Under that load one
//! replica of each kind is killed (SIGKILL) and started again, then the other is stopped
//! (SIGTERM) and started again. Afterwards every acknowledged write is in the database, no
//! retried call and no read through the gateway failed, a write failed through the gateway
//! only as a 503/504 problem document, supervision holds each case once and issued each
//! warning once, and each tender's bidding started once, whichever replica's consumer,
//! scanner or chronograph got there first.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use onewindow_kit::testing;
use onewindow_suite::processes::{
    accepted_count, assert_acknowledged_writes_kept, cases_in_database, demo_catalog,
    fresh_database, open_db, supervision_database, wait_until_followed, wait_until_scanned, Engine,
    GatewayLoad, Hall, Load, LoadReport, Process, Projection, TradingLoad,
};
use tokio::task::JoinHandle;

fn endpoints(replicas: &[Process]) -> Vec<String> {
    replicas.iter().map(Process::endpoint).collect()
}

/// The three loads, struck together.
struct Loads {
    cases: Load,
    running: JoinHandle<LoadReport>,
    gateway: GatewayLoad,
    trading: TradingLoad,
}

impl Loads {
    /// Waits until the load over the kit's clients has acknowledged `cases` operations (or
    /// finished), and the gateway's and trading's loads `more` writes each beyond what they
    /// had when this was called: each phase has writes of all three.
    async fn get_on(&self, phase: &str, cases: u64, more: u64) {
        let (gateway, trading) = (self.gateway.pace(), self.trading.pace());
        let (g, t) = (gateway.progress(), trading.progress());
        self.cases.wait_for_progress(cases, &self.running).await;
        gateway
            .wait_past(&format!("gateway load, {phase}"), g, more)
            .await;
        trading
            .wait_past(&format!("trading load, {phase}"), t, more)
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_killed_and_stopped_under_load_lose_and_double_nothing() {
    let Some(admin) = testing::postgres_admin_url() else {
        eprintln!("ONEWINDOW_TEST_POSTGRES is not set: replicas need PostgreSQL; skipped");
        return;
    };
    let hall = Arc::new(Hall::new());
    let pg = Engine::Postgres(&admin);
    let catalog_url = demo_catalog(&hall, pg).await;
    let cases_url = fresh_database(
        &hall,
        pg,
        "cases",
        &[&onewindow_kit::MIGRATIONS, &onewindow_cases::MIGRATIONS],
    )
    .await;
    let trading_url = fresh_database(
        &hall,
        pg,
        "trading",
        &[&onewindow_kit::MIGRATIONS, &onewindow_trading::MIGRATIONS],
    )
    .await;
    let supervision_url = supervision_database(&hall, pg, "supervision").await;

    let mut catalog = vec![
        hall.catalog("a", &catalog_url),
        hall.catalog("b", &catalog_url),
    ];
    let mut trading = vec![
        hall.trading("a", &trading_url),
        hall.trading("b", &trading_url),
    ];
    let catalog_at = endpoints(&catalog);
    let trading_at = endpoints(&trading);
    let mut cases = vec![
        hall.cases("a", &cases_url, &catalog_at),
        hall.cases("b", &cases_url, &catalog_at),
    ];
    let cases_at = endpoints(&cases);
    let mut supervision = vec![
        hall.supervision("a", &supervision_url, &cases_at, &catalog_at, &trading_at),
        hall.supervision("b", &supervision_url, &cases_at, &catalog_at, &trading_at),
    ];
    let supervision_at = endpoints(&supervision);
    // Reads retried for up to 20 s: one replica of each kind is always up.
    let mut gateway = hall.gateway(
        &[
            ("onewindow.cases.v1", &cases_at),
            ("onewindow.catalog.v1", &catalog_at),
            ("onewindow.trading.v1", &trading_at),
            ("onewindow.supervision.v1", &supervision_at),
        ],
        20_000,
    );
    let mut kinds = [&mut catalog, &mut trading, &mut cases, &mut supervision];
    for kind in kinds.iter_mut() {
        for p in kind.iter_mut() {
            p.start();
        }
    }
    for kind in kinds.iter_mut() {
        for p in kind.iter_mut() {
            p.wait_serving().await;
        }
    }
    gateway.start_serving().await;
    let catalog_db = open_db(&catalog_url).await;
    let cases_db = open_db(&cases_url).await;
    let trading_db = open_db(&trading_url).await;
    let supervision_db = open_db(&supervision_url).await;
    wait_until_followed(
        "replicas",
        &cases_db,
        onewindow_cases::follow::CATALOG_STREAM,
        &catalog_db,
    )
    .await;

    // Over the kit's clients, 3 applicants × 30 cases: 90 submissions, 60 accepts, 90
    // catalog reads. Through the gateway, 2 applicants and 2 trading agents until stopped.
    let cases_load = Load::new(hall.clone(), "replicas", &cases_at, &catalog_at);
    let loads = Loads {
        running: cases_load.spawn(3, 30, 0),
        cases: cases_load,
        gateway: GatewayLoad::new(hall.clone(), "replicas", &gateway.endpoint()),
        trading: TradingLoad::new(hall.clone(), "replicas", &trading_at, &gateway.endpoint()),
    };
    let gateway_running = loads.gateway.spawn(2, 1000);
    let trading_running = loads.trading.spawn(2);

    loads.get_on("before the kill", 25, 6).await;
    for kind in kinds.iter_mut() {
        kind[0].kill();
    }
    loads.get_on("one replica of each killed", 50, 10).await;
    for kind in kinds.iter_mut() {
        kind[0].start_serving().await;
    }
    loads.get_on("the killed replicas back", 90, 6).await;
    for kind in kinds.iter_mut() {
        let status = kind[1].terminate().await;
        assert!(
            status.success(),
            "{} did not drain and exit cleanly on SIGTERM ({status}):\n{}",
            kind[1].label(),
            kind[1].log_tail()
        );
    }
    loads
        .get_on("the other replica of each stopped", 120, 10)
        .await;
    for kind in kinds.iter_mut() {
        kind[1].start_serving().await;
    }
    loads.get_on("every replica back", 150, 6).await;
    loads.gateway.pace().stop();
    loads.trading.pace().stop();
    let mut report = loads.running.await.expect("the load");
    let rest = gateway_running.await.expect("the gateway load");
    let market = trading_running.await.expect("the trading load");
    let gateway_exit = gateway.terminate().await;
    assert!(
        gateway_exit.success(),
        "the gateway did not drain and exit cleanly on SIGTERM ({gateway_exit}):\n{}",
        gateway.log_tail()
    );

    let mut through_gateway = rest.writes.clone();
    through_gateway.merge(market.gateway.clone());
    eprintln!(
        "replicas: through the gateway {} writes acknowledged ({} cases submitted, {} bids), \
         {} attempts failed first {:?} (by HTTP status; each sent again with its request id \
         until acknowledged), {} reads (cases, items, projects)",
        through_gateway.acknowledged,
        rest.acked.len(),
        market.gateway.acknowledged,
        through_gateway.failed_total(),
        through_gateway.failed,
        rest.reads + market.reads,
    );

    assert!(
        report.errors.is_empty(),
        "idempotent calls failed despite retries: {:#?}",
        report.errors
    );
    assert_eq!(report.acked.len(), 90);
    assert_eq!(report.reads, 90);
    assert!(
        rest.errors.is_empty(),
        "through the gateway, reads failed or writes were refused or never acknowledged: {:#?}",
        rest.errors
    );
    assert!(!rest.acked.is_empty(), "the gateway acknowledged no case");
    assert_eq!(
        rest.reads,
        2 * rest.acked.len() as u64,
        "reads through the gateway"
    );
    assert!(
        market.errors.is_empty(),
        "trading calls failed: {:#?}",
        market.errors
    );
    assert!(!market.bids.is_empty(), "no bid was acknowledged");
    assert!(
        market.gateway.acknowledged > 0,
        "the gateway acknowledged no bid"
    );
    assert_eq!(market.reads, market.projects.len() as u64, "projects read");

    report.acked.extend(rest.acked);
    let stored = cases_in_database(&cases_db).await;
    assert_acknowledged_writes_kept("replicas", &report, &stored);

    market.wait_until_moved("replicas", &trading_db).await;
    market.assert_kept("replicas", &trading_db).await;
    let transitions = market.assert_moved_once("replicas", &trading_db).await;
    eprintln!(
        "replicas: trading {} projects announced, {} bids acknowledged ({} through the \
         gateway); bidding started once each: {} moved by the chronograph, {} at announcement",
        market.projects.len(),
        market.bids.len(),
        market.gateway.acknowledged,
        transitions.by_the_clock,
        transitions.at_announcement
    );
    assert!(
        transitions.by_the_clock > 0,
        "no tender waited for the chronograph: the test proves nothing about it"
    );

    wait_until_followed("replicas", &supervision_db, "supervision<-cases", &cases_db).await;
    wait_until_followed(
        "replicas",
        &supervision_db,
        "supervision<-trading",
        &trading_db,
    )
    .await;
    wait_until_scanned("replicas", &supervision_db).await;
    let projection = Projection::read(&supervision_db).await;
    projection.assert_matches("replicas", &stored);
    let accepted = stored.values().filter(|s| *s == "in_progress").count() as i64;
    assert_eq!(
        accepted_count(&supervision_db).await,
        accepted,
        "each accept counted once in supervision's figures"
    );

    // Last, so that a run failing here has shown that everything else held.
    assert!(
        through_gateway.wrong_failures.is_empty(),
        "the gateway failed writes otherwise than with a 503/504 problem document: {:#?}",
        through_gateway.wrong_failures
    );
}
