//! Sealed bids: the ciphertext and what may be known of a bid before its opening.

use onewindow_kit::db::{from_millis, millis, Db, Tx};
use onewindow_kit::error::Error;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::domain::{BidRecord, BidStatus};

const COLUMNS: &str = "id, project_id, lot_id, bidder, status, submitted_at, commitment";

fn record_of(row: &AnyRow) -> Result<BidRecord, Error> {
    let status: String = row.try_get("status")?;
    Ok(BidRecord {
        id: row.try_get("id")?,
        project_id: row.try_get("project_id")?,
        lot_id: row.try_get("lot_id")?,
        bidder: row.try_get("bidder")?,
        status: BidStatus::parse(&status)
            .ok_or_else(|| Error::internal(anyhow::anyhow!("unknown bid status {status}")))?,
        submitted_at: from_millis(row.try_get("submitted_at")?),
        commitment: row.try_get("commitment")?,
    })
}

pub async fn insert_bid(tx: &mut Tx, bid: &BidRecord, sealed: &[u8]) -> Result<(), Error> {
    sqlx::query(&format!(
        "INSERT INTO trd_bid ({COLUMNS}, sealed, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $6)"
    ))
    .bind(&bid.id)
    .bind(&bid.project_id)
    .bind(&bid.lot_id)
    .bind(&bid.bidder)
    .bind(bid.status.as_str())
    .bind(millis(bid.submitted_at))
    .bind(&bid.commitment)
    .bind(sealed.to_vec())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn set_bid_status(
    tx: &mut Tx,
    id: &str,
    status: BidStatus,
    now_ms: i64,
) -> Result<(), Error> {
    sqlx::query("UPDATE trd_bid SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(status.as_str())
        .bind(now_ms)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The bidder's active bid for a lot, if any.
pub async fn active_bid_of(
    tx: &mut Tx,
    project_id: &str,
    lot_id: &str,
    bidder: &str,
) -> Result<Option<BidRecord>, Error> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM trd_bid WHERE project_id = $1 AND lot_id = $2 AND bidder = $3 \
         AND status = 'active'"
    ))
    .bind(project_id)
    .bind(lot_id)
    .bind(bidder)
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(record_of).transpose()
}

pub async fn bid_in_tx(tx: &mut Tx, id: &str) -> Result<Option<BidRecord>, Error> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM trd_bid WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(record_of).transpose()
}

pub async fn get_bid(db: &Db, id: &str) -> Result<Option<BidRecord>, Error> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM trd_bid WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.reader())
        .await?;
    row.as_ref().map(record_of).transpose()
}

pub async fn count_active_bids(tx: &mut Tx, project_id: &str) -> Result<i64, Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM trd_bid WHERE project_id = $1 AND status = 'active'",
    )
    .bind(project_id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(n)
}

/// The active bids of a project with their ciphertexts, for the opening.
pub async fn sealed_active_bids(
    tx: &mut Tx,
    project_id: &str,
) -> Result<Vec<(BidRecord, Vec<u8>)>, Error> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS}, sealed FROM trd_bid WHERE project_id = $1 AND status = 'active' \
         ORDER BY submitted_at, id"
    ))
    .bind(project_id)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|r| Ok((record_of(r)?, r.try_get::<Vec<u8>, _>("sealed")?)))
        .collect()
}

/// One bid's ciphertext (to read its documents after the opening).
pub async fn sealed_bid(db: &Db, id: &str) -> Result<Option<(BidRecord, Vec<u8>)>, Error> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS}, sealed FROM trd_bid WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db.reader())
    .await?;
    row.as_ref()
        .map(|r| Ok((record_of(r)?, r.try_get::<Vec<u8>, _>("sealed")?)))
        .transpose()
}

/// The bids a bidder submitted, newest first, optionally of one project.
pub async fn bids_of_bidder(
    db: &Db,
    bidder: &str,
    project_id: &str,
) -> Result<Vec<BidRecord>, Error> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM trd_bid WHERE bidder = $1 AND ($2 = '' OR project_id = $2) \
         ORDER BY submitted_at DESC, id"
    ))
    .bind(bidder)
    .bind(project_id)
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(record_of).collect()
}

/// True when the principal ever bid on the project (objections are theirs to file).
pub async fn took_part(tx: &mut Tx, project_id: &str, bidder: &str) -> Result<bool, Error> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM trd_bid WHERE project_id = $1 AND bidder = $2")
            .bind(project_id)
            .bind(bidder)
            .fetch_one(&mut **tx)
            .await?;
    Ok(n > 0)
}
