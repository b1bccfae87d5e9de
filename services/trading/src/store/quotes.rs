//! The quote log of auctions and listings, read by `ListQuotes` and followed by `WatchQuotes`.

use onewindow_kit::db::{from_millis, millis, Db, Tx};
use onewindow_kit::error::Error;
use sqlx::Row;

use crate::domain::Quote;

pub async fn insert_quote(tx: &mut Tx, project_id: &str, q: &Quote) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO trd_quote (project_id, seq, bidder_number, amount_fen, placed_at, end_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(project_id)
    .bind(i64::from(q.seq))
    .bind(i64::from(q.bidder_number))
    .bind(q.amount_fen)
    .bind(millis(q.placed_at))
    .bind(millis(q.end))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The quotes of a project after `after_seq`, in order.
pub async fn quotes_after(db: &Db, project_id: &str, after_seq: i64) -> Result<Vec<Quote>, Error> {
    let rows = sqlx::query(
        "SELECT seq, bidder_number, amount_fen, placed_at, end_at FROM trd_quote \
         WHERE project_id = $1 AND seq > $2 ORDER BY seq",
    )
    .bind(project_id)
    .bind(after_seq)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Quote {
                seq: u32::try_from(r.try_get::<i64, _>("seq")?).unwrap_or(0),
                bidder_number: u32::try_from(r.try_get::<i64, _>("bidder_number")?).unwrap_or(0),
                amount_fen: r.try_get("amount_fen")?,
                placed_at: from_millis(r.try_get("placed_at")?),
                end: from_millis(r.try_get("end_at")?),
            })
        })
        .collect()
}
