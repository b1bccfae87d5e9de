//! Exactly-once consumption: catching up, following, restarts and replicas.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use onewindow_kit::consumer::{local_source, BoxFuture, Consumer, EventSource, Handler};
use onewindow_kit::db::{Db, Tx};
use onewindow_kit::error::Error;
use onewindow_kit::outbox::{self, NewEvent};
use onewindow_kit::testing;
use onewindow_proto::common::v1::{Event, WatchRequest};
use tokio_util::sync::CancellationToken;

/// Records every event it applies, without a unique key, so duplicates would show.
struct Record;

impl Handler for Record {
    fn apply<'a>(&'a self, tx: &'a mut Tx, event: &'a Event) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            sqlx::query("INSERT INTO seen (seq) VALUES ($1)")
                .bind(event.seq)
                .execute(&mut **tx)
                .await?;
            Ok(())
        })
    }
}

async fn produce(db: &Db, n: usize) {
    for i in 0..n {
        let mut tx = db.begin().await.unwrap();
        outbox::append(
            &mut tx,
            db.backend(),
            1,
            NewEvent {
                kind: "test.happened".into(),
                object_type: "thing".into(),
                object_id: format!("t{i}"),
                payload: outbox::pack("onewindow.common.v1.WatchRequest", &WatchRequest::default()),
            },
        )
        .await
        .unwrap();
        db.commit(tx).await.unwrap();
    }
}

async fn seen(db: &Db) -> Vec<i64> {
    sqlx::query_scalar("SELECT seq FROM seen ORDER BY seq")
        .fetch_all(db.reader())
        .await
        .unwrap()
}

async fn wait_for(db: &Db, n: usize) -> Vec<i64> {
    for _ in 0..200 {
        let s = seen(db).await;
        if s.len() >= n {
            // A little longer, so duplicates would have time to show.
            tokio::time::sleep(Duration::from_millis(100)).await;
            return seen(db).await;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    seen(db).await
}

async fn consumer_db(engine: &str) -> Option<testing::TestDb> {
    let t = match engine {
        "sqlite" => testing::sqlite(&[&onewindow_kit::MIGRATIONS]).await,
        _ => testing::postgres(&[&onewindow_kit::MIGRATIONS]).await?,
    };
    sqlx::query("CREATE TABLE seen (seq BIGINT NOT NULL)")
        .execute(t.db.writer())
        .await
        .unwrap();
    Some(t)
}

#[tokio::test]
async fn catches_up_follows_and_resumes_after_a_restart_without_duplicates() {
    for engine in ["sqlite", "postgres"] {
        let Some(c) = consumer_db(engine).await else {
            continue;
        };
        let producer = testing::sqlite(&[&onewindow_kit::MIGRATIONS]).await;
        produce(&producer.db, 5).await;

        let stop = CancellationToken::new();
        let consumer = Consumer::new("test<-producer", c.db.clone());
        let task = tokio::spawn(consumer.clone().run(
            local_source(producer.db.clone()),
            Record,
            stop.clone(),
        ));
        produce(&producer.db, 5).await;
        assert_eq!(
            wait_for(&c.db, 10).await,
            (1..=10).collect::<Vec<i64>>(),
            "{engine}"
        );
        stop.cancel();
        task.await.unwrap();

        // While the consumer is down the producer goes on; on restart it catches up.
        produce(&producer.db, 7).await;
        let stop = CancellationToken::new();
        let task = tokio::spawn(consumer.clone().run(
            local_source(producer.db.clone()),
            Record,
            stop.clone(),
        ));
        assert_eq!(
            wait_for(&c.db, 17).await,
            (1..=17).collect::<Vec<i64>>(),
            "{engine}"
        );
        assert_eq!(consumer.offset().await.unwrap(), 17);
        stop.cancel();
        task.await.unwrap();
    }
}

#[tokio::test]
async fn two_replicas_apply_each_event_once() {
    for engine in ["sqlite", "postgres"] {
        let Some(c) = consumer_db(engine).await else {
            continue;
        };
        let producer = testing::sqlite(&[&onewindow_kit::MIGRATIONS]).await;
        let stop = CancellationToken::new();
        let mut tasks = Vec::new();
        for _ in 0..2 {
            let consumer = Consumer::new("test<-producer", c.db.clone());
            tasks.push(tokio::spawn(consumer.run(
                local_source(producer.db.clone()),
                Record,
                stop.clone(),
            )));
        }
        produce(&producer.db, 30).await;
        assert_eq!(
            wait_for(&c.db, 30).await,
            (1..=30).collect::<Vec<i64>>(),
            "{engine}"
        );
        stop.cancel();
        for t in tasks {
            t.await.unwrap();
        }
    }
}

#[tokio::test]
async fn an_unreachable_producer_is_retried_until_it_answers() {
    let c = consumer_db("sqlite").await.unwrap();
    let producer = testing::sqlite(&[&onewindow_kit::MIGRATIONS]).await;
    produce(&producer.db, 3).await;
    let attempts = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = attempts.clone();
    let db = producer.db.clone();
    // The first three connection attempts fail, as if the producer were down.
    let flaky = move |after: i64| -> BoxFuture<
        'static,
        Result<onewindow_kit::consumer::EventStream, Error>,
    > {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let db = db.clone();
        Box::pin(async move {
            if n < 3 {
                return Err(Error::Unavailable("producer down".into()));
            }
            local_source(db).watch(after).await
        })
    };
    let stop = CancellationToken::new();
    let task = tokio::spawn(Consumer::new("flaky", c.db.clone()).run(flaky, Record, stop.clone()));
    assert_eq!(wait_for(&c.db, 3).await, vec![1, 2, 3]);
    assert!(attempts.load(std::sync::atomic::Ordering::SeqCst) >= 4);
    stop.cancel();
    task.await.unwrap();
}
