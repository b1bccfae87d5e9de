//! Two replicas of every service, each a real process on a loopback port, each kind on its
//! own PostgreSQL database (SQLite is one process's file: replicas need PostgreSQL). The
//! clients balance over both replicas and retry idempotent calls on UNAVAILABLE. Under
//! steady load one replica of each kind is killed (SIGKILL) and started again, then the
//! other is stopped (SIGTERM) and started again. Afterwards every acknowledged write is in
//! the database, no retried call failed, and supervision holds each case once and issued
//! each warning once, whichever replica's consumer or scanner got there first.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use onewindow_kit::testing;
use onewindow_suite::processes::{
    accepted_count, assert_acknowledged_writes_kept, cases_in_database, demo_catalog,
    fresh_database, open_db, supervision_database, wait_until_followed, wait_until_scanned, Engine,
    Hall, Load, Process, Projection,
};

fn endpoints(replicas: &[Process]) -> Vec<String> {
    replicas.iter().map(Process::endpoint).collect()
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
    let catalog_db = open_db(&catalog_url).await;
    let cases_db = open_db(&cases_url).await;
    let supervision_db = open_db(&supervision_url).await;
    wait_until_followed(
        "replicas",
        &cases_db,
        onewindow_cases::follow::CATALOG_STREAM,
        &catalog_db,
    )
    .await;

    // 4 applicants × 40 cases: 160 submissions, 107 accepts, 160 catalog reads.
    let load = Load::new(hall.clone(), "replicas", &cases_at, &catalog_at);
    let running = load.spawn(4, 40, 0);

    load.wait_for_progress(40, &running).await;
    for kind in kinds.iter_mut() {
        kind[0].kill();
    }
    load.wait_for_progress(80, &running).await;
    for kind in kinds.iter_mut() {
        kind[0].start_serving().await;
    }
    load.wait_for_progress(140, &running).await;
    for kind in kinds.iter_mut() {
        let status = kind[1].terminate().await;
        assert!(
            status.success(),
            "{} did not drain and exit cleanly on SIGTERM ({status}):\n{}",
            kind[1].label(),
            kind[1].log_tail()
        );
    }
    load.wait_for_progress(200, &running).await;
    for kind in kinds.iter_mut() {
        kind[1].start_serving().await;
    }
    let report = running.await.expect("the load");
    assert!(
        report.errors.is_empty(),
        "idempotent calls failed despite retries: {:#?}",
        report.errors
    );
    assert_eq!(report.acked.len(), 160);
    assert_eq!(report.reads, 160);

    let stored = cases_in_database(&cases_db).await;
    assert_acknowledged_writes_kept("replicas", &report, &stored);

    wait_until_followed("replicas", &supervision_db, "supervision<-cases", &cases_db).await;
    wait_until_scanned("replicas", &supervision_db).await;
    let projection = Projection::read(&supervision_db).await;
    projection.assert_matches("replicas", &stored);
    let accepted = stored.values().filter(|s| *s == "in_progress").count() as i64;
    assert_eq!(
        accepted_count(&supervision_db).await,
        accepted,
        "each accept counted once in supervision's figures"
    );
}
