//! The audit trail: every state change of an object with its actor, hash-chained per object
//! so that an edit behind the service's back is detected by `trail`'s verification.

use onewindow_proto::common::v1::{
    AuditBreak, AuditBreakKind, AuditEntry, AuditTrail, AuditVerification, VerifyAuditRequest,
    VerifyAuditResponse,
};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::auth::{Principal, Role};
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
    let entries = stored_entries(db, object_type, object_id).await?;
    let problem = first_break(&entries).map(|b| b.problem).unwrap_or_default();
    Ok(AuditTrail {
        verified: problem.is_empty(),
        problem,
        entries,
    })
}

/// Recomputes one object's chain from the stored rows. An object without entries verifies
/// with `entries == 0`; callers that must tell "no such trail" answer not found on that.
pub async fn verify(
    db: &Db,
    object_type: &str,
    object_id: &str,
) -> Result<AuditVerification, Error> {
    let entries = stored_entries(db, object_type, object_id).await?;
    let broken = first_break(&entries);
    Ok(AuditVerification {
        object_type: object_type.to_string(),
        object_id: object_id.to_string(),
        verified: broken.is_none(),
        entries: entries.len() as i64,
        broken,
    })
}

/// What a supervisor asks of one object's trail: supervisors only, and an object with no
/// trail is not found.
pub async fn verify_for(
    db: &Db,
    who: &Principal,
    object_type: &str,
    object_id: &str,
) -> Result<AuditVerification, Error> {
    who.require_any(&[Role::Supervisor])?;
    if object_type.is_empty() {
        return Err(Error::invalid("object_type", "must not be empty"));
    }
    let found = verify(db, object_type, object_id).await?;
    if found.entries == 0 {
        return Err(Error::not_found(
            "audit trail",
            format!("{object_type}/{object_id}"),
        ));
    }
    Ok(found)
}

/// A supervisor's sweep of a service's trails, one page (see [`sweep`]).
pub async fn sweep_for(
    db: &Db,
    who: &Principal,
    request: &VerifyAuditRequest,
) -> Result<VerifyAuditResponse, Error> {
    who.require_any(&[Role::Supervisor])?;
    sweep(
        db,
        &request.object_type,
        request.page_size,
        &request.page_token,
    )
    .await
}

/// Objects per sweep page when the caller names none, and the most it may ask for.
pub const SWEEP_PAGE: usize = 100;
pub const SWEEP_PAGE_MAX: usize = 500;

/// One page of a service-wide sweep: the objects after `page_token` (in object type, then
/// id order), each trail verified. `page_size` 0 means [`SWEEP_PAGE`]; more than
/// [`SWEEP_PAGE_MAX`] is refused.
pub async fn sweep(
    db: &Db,
    object_type: &str,
    page_size: i32,
    page_token: &str,
) -> Result<VerifyAuditResponse, Error> {
    let size = match usize::try_from(page_size) {
        Ok(0) => SWEEP_PAGE,
        Ok(n) if n <= SWEEP_PAGE_MAX => n,
        _ => {
            return Err(Error::invalid(
                "page_size",
                format!("must be between 0 and {SWEEP_PAGE_MAX}"),
            ))
        }
    };
    let (after_type, after_id) = parse_sweep_token(page_token)?;
    let rows = sqlx::query(
        "SELECT DISTINCT object_type, object_id FROM kit_audit \
         WHERE ($1 = '' OR object_type = $1) \
           AND (object_type > $2 OR (object_type = $2 AND object_id > $3)) \
         ORDER BY object_type, object_id LIMIT $4",
    )
    .bind(object_type)
    .bind(&after_type)
    .bind(&after_id)
    .bind(size as i64 + 1)
    .fetch_all(db.reader())
    .await?;
    let mut objects = Vec::with_capacity(size.min(rows.len()));
    for row in rows.iter().take(size) {
        let t: String = row.try_get("object_type")?;
        let id: String = row.try_get("object_id")?;
        objects.push(verify(db, &t, &id).await?);
    }
    let next_page_token = match (rows.len() > size, objects.last()) {
        (true, Some(last)) => sweep_token(&last.object_type, &last.object_id),
        _ => String::new(),
    };
    Ok(VerifyAuditResponse {
        broken_count: objects.iter().filter(|o| !o.verified).count() as i32,
        objects,
        next_page_token,
    })
}

/// The page token after an object: opaque to clients, hex of `type NUL id`.
fn sweep_token(object_type: &str, object_id: &str) -> String {
    hex::encode(format!("{object_type}\0{object_id}"))
}

fn parse_sweep_token(token: &str) -> Result<(String, String), Error> {
    if token.is_empty() {
        return Ok((String::new(), String::new()));
    }
    let bad = || Error::invalid("page_token", "is not a token this service gave");
    let bytes = hex::decode(token).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (t, id) = text.split_once('\0').ok_or_else(bad)?;
    Ok((t.to_string(), id.to_string()))
}

async fn stored_entries(
    db: &Db,
    object_type: &str,
    object_id: &str,
) -> Result<Vec<AuditEntry>, Error> {
    let rows = sqlx::query(
        "SELECT seq, actor, action, at, change_json, prev_hash, hash FROM kit_audit \
         WHERE object_type = $1 AND object_id = $2 ORDER BY seq",
    )
    .bind(object_type)
    .bind(object_id)
    .fetch_all(db.reader())
    .await?;
    let mut entries = Vec::with_capacity(rows.len());
    for row in &rows {
        let at_ms: i64 = row.try_get("at")?;
        entries.push(AuditEntry {
            seq: row.try_get("seq")?,
            object_type: object_type.to_string(),
            object_id: object_id.to_string(),
            actor: row.try_get("actor")?,
            action: row.try_get("action")?,
            at: Some(timestamp(at_ms)),
            change_json: row.try_get("change_json")?,
            prev_hash: row.try_get("prev_hash")?,
            hash: row.try_get("hash")?,
        });
    }
    Ok(entries)
}

/// The first entry whose link or content does not hold, oldest first. A link is checked
/// before content: an entry moved, removed or inserted shows as the break of the chain at
/// that point, whatever its own hash says.
fn first_break(entries: &[AuditEntry]) -> Option<AuditBreak> {
    let mut expected_prev = GENESIS;
    for (i, entry) in entries.iter().enumerate() {
        let position = i as i64 + 1;
        let seq = entry.seq;
        if entry.prev_hash != expected_prev {
            return Some(AuditBreak {
                position,
                seq,
                kind: AuditBreakKind::Unlinked as i32,
                stored: entry.prev_hash.clone(),
                expected: expected_prev.to_string(),
                problem: format!(
                    "entry {position} (seq {seq}) does not follow the entry before it"
                ),
            });
        }
        let at_ms = entry
            .at
            .as_ref()
            .map_or(0, |t| t.seconds * 1000 + i64::from(t.nanos) / 1_000_000);
        let recomputed = entry_hash(
            &entry.prev_hash,
            &Change {
                object_type: &entry.object_type,
                object_id: &entry.object_id,
                actor: &entry.actor,
                action: &entry.action,
                at_ms,
                change_json: entry.change_json.clone(),
            },
        );
        if recomputed != entry.hash {
            return Some(AuditBreak {
                position,
                seq,
                kind: AuditBreakKind::Altered as i32,
                stored: entry.hash.clone(),
                expected: recomputed,
                problem: format!("entry {position} (seq {seq}) was altered after it was written"),
            });
        }
        expected_prev = &entry.hash;
    }
    None
}

fn timestamp(ms: i64) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: ms.div_euclid(1000),
        nanos: (ms.rem_euclid(1000) * 1_000_000) as i32,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::testing;

    async fn write(db: &Db, object_id: &str, steps: usize) {
        for i in 0..steps {
            let mut tx = db.begin().await.unwrap();
            record(
                &mut tx,
                Change {
                    object_type: "item",
                    object_id,
                    actor: "admin",
                    action: "step",
                    at_ms: i as i64,
                    change_json: format!("{{\"step\":{i}}}"),
                },
            )
            .await
            .unwrap();
            db.commit(tx).await.unwrap();
        }
    }

    async fn seq_at(db: &Db, object_id: &str, position: i64) -> i64 {
        let seqs: Vec<i64> =
            sqlx::query_scalar("SELECT seq FROM kit_audit WHERE object_id = $1 ORDER BY seq")
                .bind(object_id)
                .fetch_all(db.reader())
                .await
                .unwrap();
        seqs[(position - 1) as usize]
    }

    #[tokio::test]
    async fn an_edited_change_is_reported_at_its_entry_with_both_hashes() {
        for t in testing::all(&[&crate::MIGRATIONS]).await {
            write(&t.db, "i1", 3).await;
            assert!(verify(&t.db, "item", "i1").await.unwrap().verified);
            let seq = seq_at(&t.db, "i1", 2).await;
            sqlx::query("UPDATE kit_audit SET change_json = '{\"step\":9}' WHERE seq = $1")
                .bind(seq)
                .execute(t.db.writer())
                .await
                .unwrap();
            let found = verify(&t.db, "item", "i1").await.unwrap();
            assert!(!found.verified, "{}", t.label);
            assert_eq!(found.entries, 3);
            let broken = found.broken.unwrap();
            assert_eq!((broken.position, broken.seq), (2, seq), "{}", t.label);
            assert_eq!(broken.kind, AuditBreakKind::Altered as i32);
            assert_ne!(broken.stored, broken.expected);
        }
    }

    #[tokio::test]
    async fn a_rehashed_forgery_or_a_removed_entry_breaks_the_next_link() {
        for t in testing::all(&[&crate::MIGRATIONS]).await {
            write(&t.db, "forged", 3).await;
            // The forger rewrites entry 1 and gives it a hash that fits its new content.
            let first = seq_at(&t.db, "forged", 1).await;
            let forged = entry_hash(
                GENESIS,
                &Change {
                    object_type: "item",
                    object_id: "forged",
                    actor: "mallory",
                    action: "step",
                    at_ms: 0,
                    change_json: "{\"step\":0}".into(),
                },
            );
            sqlx::query("UPDATE kit_audit SET actor = 'mallory', hash = $1 WHERE seq = $2")
                .bind(&forged)
                .bind(first)
                .execute(t.db.writer())
                .await
                .unwrap();
            let broken = verify(&t.db, "item", "forged")
                .await
                .unwrap()
                .broken
                .unwrap();
            assert_eq!(broken.position, 2, "{}", t.label);
            assert_eq!(broken.kind, AuditBreakKind::Unlinked as i32);
            assert_eq!(broken.expected, forged);

            write(&t.db, "gap", 3).await;
            let middle = seq_at(&t.db, "gap", 2).await;
            sqlx::query("DELETE FROM kit_audit WHERE seq = $1")
                .bind(middle)
                .execute(t.db.writer())
                .await
                .unwrap();
            let found = verify(&t.db, "item", "gap").await.unwrap();
            let broken = found.broken.unwrap();
            assert_eq!((found.entries, broken.position), (2, 2), "{}", t.label);
            assert_eq!(broken.kind, AuditBreakKind::Unlinked as i32);
        }
    }

    #[tokio::test]
    async fn the_sweep_pages_through_every_object_and_counts_the_broken() {
        for t in testing::all(&[&crate::MIGRATIONS]).await {
            for id in ["a", "b", "c", "d", "e"] {
                write(&t.db, id, 2).await;
            }
            let seq = seq_at(&t.db, "d", 1).await;
            sqlx::query("UPDATE kit_audit SET actor = 'mallory' WHERE seq = $1")
                .bind(seq)
                .execute(t.db.writer())
                .await
                .unwrap();
            let mut seen = Vec::new();
            let mut broken = 0;
            let mut token = String::new();
            loop {
                let page = sweep(&t.db, "", 2, &token).await.unwrap();
                assert!(page.objects.len() <= 2);
                broken += page.broken_count;
                seen.extend(page.objects.into_iter().map(|o| o.object_id));
                if page.next_page_token.is_empty() {
                    break;
                }
                token = page.next_page_token;
            }
            assert_eq!(seen, ["a", "b", "c", "d", "e"], "{}", t.label);
            assert_eq!(broken, 1);
            assert!(sweep(&t.db, "bundle", 0, "")
                .await
                .unwrap()
                .objects
                .is_empty());
            assert!(sweep(&t.db, "", 501, "").await.is_err());
            assert!(sweep(&t.db, "", 0, "zz").await.is_err());
        }
    }
}
