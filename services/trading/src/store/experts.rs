//! The expert pool.

use onewindow_kit::db::{Db, Tx};
use onewindow_kit::error::Error;
use sqlx::Row;

use crate::domain::Expert;

pub async fn put_expert(tx: &mut Tx, e: &Expert, now_ms: i64) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO trd_expert (id, specialty, active, body, updated_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (id) DO UPDATE SET specialty = excluded.specialty, active = excluded.active, \
         body = excluded.body, updated_at = excluded.updated_at",
    )
    .bind(&e.id)
    .bind(&e.specialty)
    .bind(i32::from(e.active))
    .bind(super::to_json(e)?)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn expert_of(row: &sqlx::any::AnyRow) -> Result<Expert, Error> {
    let body: String = row.try_get("body")?;
    serde_json::from_str(&body).map_err(Error::internal)
}

pub async fn list_experts(db: &Db, specialty: &str) -> Result<Vec<Expert>, Error> {
    let rows =
        sqlx::query("SELECT body FROM trd_expert WHERE ($1 = '' OR specialty = $1) ORDER BY id")
            .bind(specialty)
            .fetch_all(db.reader())
            .await?;
    rows.iter().map(expert_of).collect()
}

/// The pool of a specialty, read in the drawing transaction.
pub async fn expert_pool(tx: &mut Tx, specialty: &str) -> Result<Vec<Expert>, Error> {
    let rows = sqlx::query("SELECT body FROM trd_expert WHERE specialty = $1 ORDER BY id")
        .bind(specialty)
        .fetch_all(&mut **tx)
        .await?;
    rows.iter().map(expert_of).collect()
}
