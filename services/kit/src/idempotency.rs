//! `request_id -> response`: a retried mutation returns the first result and changes nothing.
//!
//! The claim is a row inserted in the mutation's own transaction, so a concurrent duplicate
//! waits on it (PostgreSQL's unique index, SQLite's single writer) and then finds the stored
//! response; a failed mutation rolls its claim back and can be retried.

use prost::Message;
use sha2::{Digest, Sha256};

use crate::db::Tx;
use crate::error::Error;

const MAX_REQUEST_ID_LEN: usize = 128;

/// The outcome of claiming a request id.
pub enum Claim<T> {
    /// First time: go on, then call [`complete`] in the same transaction.
    New(Key),
    /// Seen before: here is the response that was given.
    Replay(T),
}

pub struct Key {
    key: String,
}

/// Claims `request_id` for `method` on behalf of `subject` in `tx`. `request` is hashed, so
/// that reusing an id for a different request is refused instead of answered wrongly.
pub async fn claim<T: Message + Default>(
    tx: &mut Tx,
    method: &str,
    subject: &str,
    request_id: &str,
    request: &impl Message,
    now_ms: i64,
) -> Result<Claim<T>, Error> {
    if request_id.trim().is_empty() {
        return Err(Error::invalid("request_id", "is required for a mutation"));
    }
    if request_id.len() > MAX_REQUEST_ID_LEN {
        return Err(Error::invalid(
            "request_id",
            format!("must be at most {MAX_REQUEST_ID_LEN} characters"),
        ));
    }
    let key = format!("{method}\u{1f}{subject}\u{1f}{request_id}");
    let request_hash = hex::encode(Sha256::digest(request.encode_to_vec()));
    let inserted = sqlx::query(
        "INSERT INTO kit_idempotency (key, request_hash, response, created_at) \
         VALUES ($1, $2, NULL, $3) ON CONFLICT (key) DO NOTHING",
    )
    .bind(&key)
    .bind(&request_hash)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(Claim::New(Key { key }));
    }
    let row: Option<(String, Option<Vec<u8>>)> =
        sqlx::query_as("SELECT request_hash, response FROM kit_idempotency WHERE key = $1")
            .bind(&key)
            .fetch_optional(&mut **tx)
            .await?;
    match row {
        Some((hash, _)) if hash != request_hash => Err(Error::invalid(
            "request_id",
            "was already used for a different request",
        )),
        Some((_, Some(bytes))) => T::decode(bytes.as_slice())
            .map(Claim::Replay)
            .map_err(Error::internal),
        _ => Err(Error::Unavailable(
            "the same request is being processed; retry".into(),
        )),
    }
}

/// Stores the response of a claimed request, in the same transaction as the mutation.
pub async fn complete(tx: &mut Tx, key: Key, response: &impl Message) -> Result<(), Error> {
    sqlx::query("UPDATE kit_idempotency SET response = $1 WHERE key = $2")
        .bind(response.encode_to_vec())
        .bind(&key.key)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
