#![allow(clippy::unwrap_used)]
//! The kit's tables against every available engine (SQLite; PostgreSQL when configured).

use std::time::Duration;

use futures::StreamExt;
use onewindow_kit::audit::{self, Change};
use onewindow_kit::db::Db;
use onewindow_kit::error::Error;
use onewindow_kit::idempotency::{self, Claim};
use onewindow_kit::outbox::{self, NewEvent};
use onewindow_kit::testing;
use onewindow_proto::common::v1::{AuditEntry, WatchRequest};

fn event(i: usize) -> NewEvent {
    NewEvent {
        kind: "test.thing.happened".into(),
        object_type: "thing".into(),
        object_id: format!("t{i}"),
        payload: outbox::pack(
            "onewindow.common.v1.WatchRequest",
            &WatchRequest {
                after_seq: i as i64,
                kinds: vec![],
            },
        ),
    }
}

async fn append_one(db: &Db, i: usize) -> i64 {
    let mut tx = db.begin().await.unwrap();
    let seq = outbox::append(&mut tx, db.backend(), 1, event(i))
        .await
        .unwrap();
    db.commit(tx).await.unwrap();
    seq
}

#[tokio::test]
async fn outbox_sequence_is_gap_free_under_concurrent_writers() {
    for t in testing::all(&[&onewindow_kit::MIGRATIONS]).await {
        let mut tasks = Vec::new();
        for i in 0..40 {
            let db = t.db.clone();
            tasks.push(tokio::spawn(async move { append_one(&db, i).await }));
        }
        let mut seqs: Vec<i64> = Vec::new();
        for task in tasks {
            seqs.push(task.await.unwrap());
        }
        seqs.sort();
        assert_eq!(seqs, (1..=40).collect::<Vec<i64>>(), "{}", t.label);
        let stored = outbox::read(&t.db, 0, 100).await.unwrap();
        let stored: Vec<i64> = stored.iter().map(|e| e.seq).collect();
        assert_eq!(stored, (1..=40).collect::<Vec<i64>>(), "{}", t.label);
        assert_eq!(outbox::head(&t.db).await.unwrap(), 40);
    }
}

#[tokio::test]
async fn rolled_back_event_leaves_no_gap() {
    for t in testing::all(&[&onewindow_kit::MIGRATIONS]).await {
        append_one(&t.db, 1).await;
        let mut tx = t.db.begin().await.unwrap();
        outbox::append(&mut tx, t.db.backend(), 1, event(2))
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(append_one(&t.db, 3).await, 2, "{}", t.label);
    }
}

#[tokio::test]
async fn watch_replays_then_follows_new_commits() {
    for t in testing::all(&[&onewindow_kit::MIGRATIONS]).await {
        for i in 0..3 {
            append_one(&t.db, i).await;
        }
        let mut stream = Box::pin(outbox::watch(
            t.db.clone(),
            WatchRequest {
                after_seq: 1,
                kinds: vec![],
            },
        ));
        let first = stream.next().await.unwrap().unwrap();
        let second = stream.next().await.unwrap().unwrap();
        assert_eq!((first.seq, second.seq), (2, 3), "{}", t.label);
        let db = t.db.clone();
        tokio::spawn(async move { append_one(&db, 9).await });
        // Woken by the commit, well before the polling fallback would matter.
        let next = tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .expect("followed the new commit")
            .unwrap()
            .unwrap();
        assert_eq!(next.seq, 4);
        assert_eq!(next.object_id, "t9");
        let payload: WatchRequest = outbox::unpack(
            "onewindow.common.v1.WatchRequest",
            next.payload.as_ref().unwrap(),
        )
        .unwrap();
        assert_eq!(payload.after_seq, 9);
    }
}

#[tokio::test]
async fn retried_request_id_returns_the_first_response() {
    for t in testing::all(&[&onewindow_kit::MIGRATIONS]).await {
        let request = WatchRequest {
            after_seq: 7,
            kinds: vec![],
        };
        let mut tx = t.db.begin().await.unwrap();
        let claim = idempotency::claim::<AuditEntry>(&mut tx, "m", "u1", "r1", &request, 1)
            .await
            .unwrap();
        let Claim::New(key) = claim else {
            panic!("first claim must be new")
        };
        let response = AuditEntry {
            seq: 42,
            ..Default::default()
        };
        idempotency::complete(&mut tx, key, &response)
            .await
            .unwrap();
        t.db.commit(tx).await.unwrap();

        let mut tx = t.db.begin().await.unwrap();
        match idempotency::claim::<AuditEntry>(&mut tx, "m", "u1", "r1", &request, 2)
            .await
            .unwrap()
        {
            Claim::Replay(r) => assert_eq!(r.seq, 42, "{}", t.label),
            Claim::New(_) => panic!("a retry must replay"),
        }
        let other = WatchRequest {
            after_seq: 8,
            kinds: vec![],
        };
        let reused = idempotency::claim::<AuditEntry>(&mut tx, "m", "u1", "r1", &other, 2).await;
        assert!(
            matches!(reused, Err(Error::InvalidArgument(_))),
            "{}",
            t.label
        );
        let empty = idempotency::claim::<AuditEntry>(&mut tx, "m", "u1", " ", &other, 2).await;
        assert!(matches!(empty, Err(Error::InvalidArgument(_))));
    }
}

#[tokio::test]
async fn audit_trail_verifies_and_detects_tampering() {
    for t in testing::all(&[&onewindow_kit::MIGRATIONS]).await {
        for (i, action) in ["create", "publish", "cancel"].iter().enumerate() {
            let mut tx = t.db.begin().await.unwrap();
            audit::record(
                &mut tx,
                Change {
                    object_type: "item",
                    object_id: "i1",
                    actor: "admin",
                    action,
                    at_ms: i as i64,
                    change_json: format!("{{\"step\":{i}}}"),
                },
            )
            .await
            .unwrap();
            t.db.commit(tx).await.unwrap();
        }
        let trail = audit::trail(&t.db, "item", "i1").await.unwrap();
        assert!(trail.verified, "{}: {}", t.label, trail.problem);
        assert_eq!(trail.entries.len(), 3);

        sqlx::query("UPDATE kit_audit SET actor = 'mallory' WHERE action = 'publish'")
            .execute(t.db.writer())
            .await
            .unwrap();
        let trail = audit::trail(&t.db, "item", "i1").await.unwrap();
        assert!(!trail.verified, "{}", t.label);
        assert!(trail.problem.contains("altered"));
    }
}
