//! Crash consistency, on SQLite and (when configured) PostgreSQL: the cases service process
//! is killed (SIGKILL) under load and started again on the same database. Every write it
//! acknowledged is there, in the state acknowledged; clients retrying with the same request
//! ids saw no error. Then supervision's projection equals a replay: a second supervision,
//! on a fresh database, following the streams from the beginning, ends with the same cases,
//! stages and warnings.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use onewindow_kit::testing;
use onewindow_suite::processes::{
    assert_acknowledged_writes_kept, cases_in_database, open_db, supervision_database, Engine,
    Hall, Projection, SplitCenter,
};

async fn killed_cases_service_keeps_what_it_acknowledged(engine: Engine<'_>) {
    let hall = Arc::new(Hall::new());
    let mut center = SplitCenter::open(&hall, engine).await;
    let label = center.label;

    // 3 applicants × 30 cases: 90 submissions, 60 accepts, 90 catalog reads.
    let load = center.load(&hall, "crash");
    let running = load.spawn(3, 30, 0);
    load.wait_for_progress(50, &running).await;
    center.cases.kill();
    center.cases.start_serving().await;
    let report = running.await.expect("the load");
    assert!(
        report.errors.is_empty(),
        "{label}: idempotent calls failed despite retries: {:#?}",
        report.errors
    );
    assert_eq!(report.acked.len(), 90, "{label}");
    let stored = cases_in_database(&center.cases_db).await;
    assert_acknowledged_writes_kept(label, &report, &stored);

    center.wait_supervised(&center.supervision_db).await;
    let live = Projection::read(&center.supervision_db).await;
    live.assert_matches(label, &stored);

    // A second supervision replays both streams from the first event.
    let replay_url = supervision_database(&hall, engine, "replay").await;
    let mut replay = hall.supervision(
        "replay",
        &replay_url,
        &[center.cases.endpoint()],
        &[center.catalog.endpoint()],
        &[],
    );
    replay.start_serving().await;
    let replay_db = open_db(&replay_url).await;
    center.wait_supervised(&replay_db).await;
    let replayed = Projection::read(&replay_db).await;
    replayed.assert_same_as(label, &live);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_cases_service_keeps_acknowledged_writes_and_replay_matches_on_sqlite() {
    killed_cases_service_keeps_what_it_acknowledged(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_cases_service_keeps_acknowledged_writes_and_replay_matches_on_postgres() {
    let Some(admin) = testing::postgres_admin_url() else {
        eprintln!("ONEWINDOW_TEST_POSTGRES is not set; skipped");
        return;
    };
    killed_cases_service_keeps_what_it_acknowledged(Engine::Postgres(&admin)).await;
}
