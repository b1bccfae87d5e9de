//! The transactional outbox: an event is written in the same transaction as the change it
//! reports, numbered from a counter row locked in that transaction, so sequence numbers are
//! gap-free in commit order. `watch` replays stored events, then follows new commits.

use std::collections::HashMap;
use std::time::Duration;

use futures::Stream;
use onewindow_proto::common::v1::{Event, WatchRequest};
use prost::Message;
use sqlx::Row;

use crate::db::{Backend, Db, Tx, OUTBOX_CHANNEL};
use crate::error::Error;

/// Stored events are read in pages of this many.
const PAGE: i64 = 500;
/// Followers also look for new events this often, in case a wake-up was missed (another
/// SQLite process, a dropped PostgreSQL notification).
const POLL: Duration = Duration::from_millis(1000);

/// Packs a message as `google.protobuf.Any` under its fully qualified name.
pub fn pack<M: Message>(full_name: &str, msg: &M) -> prost_types::Any {
    prost_types::Any {
        type_url: format!("type.googleapis.com/{full_name}"),
        value: msg.encode_to_vec(),
    }
}

/// Unpacks an `Any` if it holds the named message.
pub fn unpack<M: Message + Default>(full_name: &str, any: &prost_types::Any) -> Option<M> {
    let name = any.type_url.rsplit('/').next()?;
    if name != full_name {
        return None;
    }
    M::decode(any.value.as_slice()).ok()
}

/// An event about to be written.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub kind: String,
    pub object_type: String,
    pub object_id: String,
    pub payload: prost_types::Any,
}

/// Writes the event in `tx` and returns its sequence number. The counter row stays locked
/// until `tx` ends, which is what keeps the numbering gap-free in commit order.
pub async fn append(
    tx: &mut Tx,
    backend: Backend,
    occurred_at_ms: i64,
    event: NewEvent,
) -> Result<i64, Error> {
    let seq: i64 = sqlx::query_scalar(
        "UPDATE kit_sequence SET value = value + 1 WHERE name = 'outbox' RETURNING value",
    )
    .fetch_one(&mut **tx)
    .await?;
    let trace = serde_json::to_string(&crate::telemetry::current_trace_context())
        .map_err(Error::internal)?;
    sqlx::query(
        "INSERT INTO kit_outbox (seq, id, kind, object_type, object_id, occurred_at, \
         payload_type, payload, trace_context) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(seq)
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(&event.kind)
    .bind(&event.object_type)
    .bind(&event.object_id)
    .bind(occurred_at_ms)
    .bind(&event.payload.type_url)
    .bind(event.payload.value.clone())
    .bind(trace)
    .execute(&mut **tx)
    .await?;
    if backend == Backend::Postgres {
        // Delivered on commit to every replica listening on this database.
        sqlx::query("SELECT pg_notify($1, '')")
            .bind(OUTBOX_CHANNEL)
            .execute(&mut **tx)
            .await?;
    }
    Ok(seq)
}

/// The highest sequence number committed so far.
pub async fn head(db: &Db) -> Result<i64, Error> {
    let v: i64 = sqlx::query_scalar("SELECT value FROM kit_sequence WHERE name = 'outbox'")
        .fetch_one(db.reader())
        .await?;
    Ok(v)
}

/// Stored events after `after_seq`, at most `limit`.
pub async fn read(db: &Db, after_seq: i64, limit: i64) -> Result<Vec<Event>, Error> {
    let rows = sqlx::query(
        "SELECT seq, id, kind, object_type, object_id, occurred_at, payload_type, payload, \
         trace_context FROM kit_outbox WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(after_seq)
    .bind(limit)
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(row_to_event).collect()
}

fn row_to_event(row: &sqlx::any::AnyRow) -> Result<Event, Error> {
    let occurred: i64 = row.try_get("occurred_at")?;
    let trace: String = row.try_get("trace_context")?;
    let trace_context: HashMap<String, String> = serde_json::from_str(&trace).unwrap_or_default();
    let t = crate::db::from_millis(occurred);
    Ok(Event {
        seq: row.try_get("seq")?,
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        object_type: row.try_get("object_type")?,
        object_id: row.try_get("object_id")?,
        occurred_at: Some(prost_types::Timestamp {
            seconds: t.timestamp(),
            nanos: t.timestamp_subsec_nanos() as i32,
        }),
        payload: Some(prost_types::Any {
            type_url: row.try_get("payload_type")?,
            value: row.try_get("payload")?,
        }),
        trace_context,
    })
}

/// Replays the stored events after `request.after_seq`, then follows new ones as they
/// commit, until the receiver goes away. Woken on commit, not by polling alone.
pub fn watch(db: Db, request: WatchRequest) -> impl Stream<Item = Result<Event, Error>> {
    async_stream::try_stream! {
        let mut commits = db.commits();
        let mut last = request.after_seq.max(0);
        loop {
            commits.borrow_and_update();
            let events = read(&db, last, PAGE).await?;
            let full = events.len() as i64 == PAGE;
            for event in events {
                last = event.seq;
                if request.kinds.is_empty() || request.kinds.contains(&event.kind) {
                    yield event;
                }
            }
            if full {
                continue;
            }
            tokio::select! {
                changed = commits.changed() => {
                    if changed.is_err() {
                        tokio::time::sleep(POLL).await;
                    }
                }
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    }
}
