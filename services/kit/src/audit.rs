//! The audit trail: every state change of an object with its actor, hash-chained per object
//! so that an edit behind the service's back is detected by `trail`'s verification.

use onewindow_proto::common::v1::{AuditEntry, AuditTrail};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::db::{Db, Tx};
use crate::error::Error;

/// The hash before an object's first entry.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub object_type: &'a str,
    pub object_id: &'a str,
    pub actor: &'a str,
    pub action: &'a str,
    pub at_ms: i64,
    /// The change as JSON; callers mask personal data before it gets here.
    pub change_json: String,
}

fn entry_hash(prev: &str, c: &Change<'_>) -> String {
    let mut h = Sha256::new();
    for part in [
        prev,
        c.object_type,
        c.object_id,
        c.actor,
        c.action,
        &c.at_ms.to_string(),
        &c.change_json,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Appends an entry in `tx`. Two writers racing on one object cannot both chain to the same
/// predecessor: the unique (object, prev_hash) constraint fails the second.
pub async fn record(tx: &mut Tx, change: Change<'_>) -> Result<(), Error> {
    let prev: Option<String> = sqlx::query_scalar(
        "SELECT hash FROM kit_audit WHERE object_type = $1 AND object_id = $2 \
         ORDER BY seq DESC LIMIT 1",
    )
    .bind(change.object_type)
    .bind(change.object_id)
    .fetch_optional(&mut **tx)
    .await?;
    let prev = prev.unwrap_or_else(|| GENESIS.to_string());
    let hash = entry_hash(&prev, &change);
    sqlx::query(
        "INSERT INTO kit_audit (object_type, object_id, actor, action, at, change_json, \
         prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(change.object_type)
    .bind(change.object_id)
    .bind(change.actor)
    .bind(change.action)
    .bind(change.at_ms)
    .bind(&change.change_json)
    .bind(&prev)
    .bind(&hash)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The trail of an object, every hash recomputed and every link checked.
pub async fn trail(db: &Db, object_type: &str, object_id: &str) -> Result<AuditTrail, Error> {
    let rows = sqlx::query(
        "SELECT seq, actor, action, at, change_json, prev_hash, hash FROM kit_audit \
         WHERE object_type = $1 AND object_id = $2 ORDER BY seq",
    )
    .bind(object_type)
    .bind(object_id)
    .fetch_all(db.reader())
    .await?;
    let mut entries = Vec::with_capacity(rows.len());
    let mut problem = String::new();
    let mut expected_prev = GENESIS.to_string();
    for row in &rows {
        let seq: i64 = row.try_get("seq")?;
        let at_ms: i64 = row.try_get("at")?;
        let entry = AuditEntry {
            seq,
            object_type: object_type.to_string(),
            object_id: object_id.to_string(),
            actor: row.try_get("actor")?,
            action: row.try_get("action")?,
            at: Some(timestamp(at_ms)),
            change_json: row.try_get("change_json")?,
            prev_hash: row.try_get("prev_hash")?,
            hash: row.try_get("hash")?,
        };
        if problem.is_empty() {
            let recomputed = entry_hash(
                &entry.prev_hash,
                &Change {
                    object_type,
                    object_id,
                    actor: &entry.actor,
                    action: &entry.action,
                    at_ms,
                    change_json: entry.change_json.clone(),
                },
            );
            if entry.prev_hash != expected_prev {
                problem = format!("entry {seq} does not follow the entry before it");
            } else if recomputed != entry.hash {
                problem = format!("entry {seq} was altered after it was written");
            }
        }
        expected_prev = entry.hash.clone();
        entries.push(entry);
    }
    Ok(AuditTrail {
        verified: problem.is_empty(),
        problem,
        entries,
    })
}

fn timestamp(ms: i64) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: ms.div_euclid(1000),
        nanos: (ms.rem_euclid(1000) * 1_000_000) as i32,
    }
}
