//! Complaints and their secrets' hashes; bulletins.

use onewindow_kit::db::{millis, Db, Tx};
use onewindow_kit::error::Error;
use sqlx::Row;

use super::{day, from_json, page_of, to_json, Filter, Value};
use crate::domain::bulletin::{Bulletin, BulletinKind};
use crate::domain::complaint::{Complaint, ComplaintState};

fn due_text(c: &Complaint) -> String {
    c.step_due_on.map(day).unwrap_or_default()
}

pub async fn insert(tx: &mut Tx, c: &Complaint, secret_hash: &str) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO sup_complaint (id, tracking_number, secret_hash, department_id, \
         region_code, state, step_due_on, filed_at, revision, body) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&c.id)
    .bind(&c.tracking_number)
    .bind(secret_hash)
    .bind(&c.concerning.department_id)
    .bind(&c.concerning.region_code)
    .bind(c.state.as_str())
    .bind(due_text(c))
    .bind(millis(c.filed_at))
    .bind(c.revision)
    .bind(to_json(c)?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn load(tx: &mut Tx, id: &str) -> Result<Option<Complaint>, Error> {
    let row = sqlx::query("SELECT body FROM sup_complaint WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(from_json).transpose()
}

pub async fn get(db: &Db, id: &str) -> Result<Option<Complaint>, Error> {
    let row = sqlx::query("SELECT body FROM sup_complaint WHERE id = $1")
        .bind(id)
        .fetch_optional(db.reader())
        .await?;
    row.as_ref().map(from_json).transpose()
}

/// The complaint and its stored secret hash, by tracking number.
pub async fn by_tracking_number(
    db: &Db,
    tracking_number: &str,
) -> Result<Option<(Complaint, String)>, Error> {
    let row = sqlx::query("SELECT secret_hash, body FROM sup_complaint WHERE tracking_number = $1")
        .bind(tracking_number)
        .fetch_optional(db.reader())
        .await?;
    match row {
        Some(r) => Ok(Some((from_json(&r)?, r.try_get("secret_hash")?))),
        None => Ok(None),
    }
}

pub async fn replace_secret_hash(
    tx: &mut Tx,
    tracking_number: &str,
    secret_hash: &str,
) -> Result<(), Error> {
    sqlx::query("UPDATE sup_complaint SET secret_hash = $1 WHERE tracking_number = $2")
        .bind(secret_hash)
        .bind(tracking_number)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn save(tx: &mut Tx, c: &Complaint) -> Result<(), Error> {
    sqlx::query(
        "UPDATE sup_complaint SET state = $1, step_due_on = $2, revision = $3, body = $4 \
         WHERE id = $5",
    )
    .bind(c.state.as_str())
    .bind(due_text(c))
    .bind(c.revision)
    .bind(to_json(c)?)
    .bind(&c.id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(Debug, Default, Clone)]
pub struct ComplaintFilter {
    pub state: Option<ComplaintState>,
    pub department_id: String,
    pub region_code: String,
    /// Only complaints past the step they are in on this date.
    pub overdue_on: Option<chrono::NaiveDate>,
    /// Leave out complaints not yet accepted (what a department may see).
    pub accepted_only: bool,
}

pub async fn list(
    db: &Db,
    f: &ComplaintFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Complaint>, i64), Error> {
    let mut w = Filter::new();
    w.text("department_id", &f.department_id)
        .text("region_code", &f.region_code);
    if let Some(s) = f.state {
        w.cmp("state", "=", Value::Text(s.as_str().into()));
    }
    if let Some(today) = f.overdue_on {
        w.raw("step_due_on <> ''")
            .cmp("step_due_on", "<", Value::Text(day(today)));
    }
    if f.accepted_only {
        w.raw("state NOT IN ('received', 'rejected')");
    }
    page_of(
        db,
        "sup_complaint",
        &w,
        "filed_at DESC, id DESC",
        limit,
        offset,
    )
    .await
}

/// Complaints still being handled, optionally of one region.
pub async fn open_count(db: &Db, region: &str) -> Result<i64, Error> {
    let row = sqlx::query(
        "SELECT COUNT(*) FROM sup_complaint WHERE state NOT IN ('rejected', 'feedback_given') \
         AND ($1 = '' OR region_code = $1)",
    )
    .bind(region)
    .fetch_one(db.reader())
    .await?;
    Ok(row.try_get(0)?)
}

// ------------------------------------------------------------------ bulletins

pub async fn insert_bulletin(tx: &mut Tx, b: &Bulletin) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO sup_bulletin (id, kind, department_id, published_at, body) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&b.id)
    .bind(b.kind.as_str())
    .bind(&b.department_id)
    .bind(millis(b.published_at))
    .bind(to_json(b)?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn list_bulletins(
    db: &Db,
    department_id: &str,
    kind: Option<BulletinKind>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Bulletin>, i64), Error> {
    let mut w = Filter::new();
    w.text("department_id", department_id);
    if let Some(k) = kind {
        w.cmp("kind", "=", Value::Text(k.as_str().into()));
    }
    page_of(
        db,
        "sup_bulletin",
        &w,
        "published_at DESC, id DESC",
        limit,
        offset,
    )
    .await
}
