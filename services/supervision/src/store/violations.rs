//! Violations: rule hits with their evidence, followed up by supervisors.

use onewindow_kit::db::{millis, Db, Tx};
use onewindow_kit::error::Error;
use sqlx::Row;

use super::{day, from_json, page_of, to_json, Filter, Value};
use crate::domain::terms::{Severity, SubjectKind};
use crate::domain::violation::{Violation, ViolationStatus};

/// Records the violation unless its dedupe key is already there: true when this call did.
pub async fn insert(tx: &mut Tx, v: &Violation) -> Result<bool, Error> {
    let n = sqlx::query(
        "INSERT INTO sup_violation (id, dedupe_key, rule, severity, subject_kind, subject_id, \
         department_id, region_code, status, detected_on, detected_at, revision, body) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(&v.id)
    .bind(&v.dedupe_key)
    .bind(&v.rule)
    .bind(v.severity.rank())
    .bind(v.subject_kind.as_str())
    .bind(&v.subject_id)
    .bind(&v.department_id)
    .bind(&v.region_code)
    .bind(v.status.as_str())
    .bind(day(v.detected_on))
    .bind(millis(v.detected_at))
    .bind(v.revision)
    .bind(to_json(v)?)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// The violation as it is inside `tx`, for a command to change.
pub async fn load(tx: &mut Tx, id: &str) -> Result<Option<Violation>, Error> {
    let row = sqlx::query("SELECT body FROM sup_violation WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(from_json).transpose()
}

pub async fn get(db: &Db, id: &str) -> Result<Option<Violation>, Error> {
    let row = sqlx::query("SELECT body FROM sup_violation WHERE id = $1")
        .bind(id)
        .fetch_optional(db.reader())
        .await?;
    row.as_ref().map(from_json).transpose()
}

pub async fn save(tx: &mut Tx, v: &Violation) -> Result<(), Error> {
    sqlx::query("UPDATE sup_violation SET status = $1, revision = $2, body = $3 WHERE id = $4")
        .bind(v.status.as_str())
        .bind(v.revision)
        .bind(to_json(v)?)
        .bind(&v.id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[derive(Debug, Default, Clone)]
pub struct ViolationFilter {
    pub department_id: String,
    pub region_code: String,
    pub rule: String,
    pub status: Option<ViolationStatus>,
    pub subject_kind: Option<SubjectKind>,
    pub subject_id: String,
    pub min_severity: Option<Severity>,
}

pub async fn list(
    db: &Db,
    f: &ViolationFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Violation>, i64), Error> {
    let mut w = Filter::new();
    w.text("department_id", &f.department_id)
        .text("region_code", &f.region_code)
        .text("rule", &f.rule)
        .text("subject_id", &f.subject_id);
    if let Some(s) = f.status {
        w.cmp("status", "=", Value::Text(s.as_str().into()));
    }
    if let Some(k) = f.subject_kind {
        w.cmp("subject_kind", "=", Value::Text(k.as_str().into()));
    }
    if let Some(s) = f.min_severity {
        w.cmp("severity", ">=", Value::Int(s.rank()));
    }
    page_of(
        db,
        "sup_violation",
        &w,
        "detected_at DESC, id DESC",
        limit,
        offset,
    )
    .await
}

/// Violations not yet resolved, optionally of one region.
pub async fn open_count(db: &Db, region: &str) -> Result<i64, Error> {
    let row = sqlx::query(
        "SELECT COUNT(*) FROM sup_violation WHERE status <> 'resolved' \
         AND ($1 = '' OR region_code = $1)",
    )
    .bind(region)
    .fetch_one(db.reader())
    .await?;
    Ok(row.try_get(0)?)
}
