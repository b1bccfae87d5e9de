//! Evaluations, rectification tasks and the ratings per department.

use chrono::NaiveDate;
use onewindow_kit::db::{millis, Db, Tx};
use onewindow_kit::error::Error;
use sqlx::Row;

use super::{day, from_json, page_of, to_json, Filter, Value};
use crate::domain::evaluation::{Evaluation, Rectification, RectificationState};

/// Stores an evaluation; false when the case already has one.
pub async fn insert(tx: &mut Tx, e: &Evaluation) -> Result<bool, Error> {
    let n = sqlx::query(
        "INSERT INTO sup_evaluation (id, case_id, department_id, region_code, rating, \
         submitted_on, submitted_at, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (case_id) DO NOTHING",
    )
    .bind(&e.id)
    .bind(&e.case.case_id)
    .bind(&e.case.department_id)
    .bind(&e.case.region_code)
    .bind(e.rating.score())
    .bind(day(e.submitted_on))
    .bind(millis(e.submitted_at))
    .bind(to_json(e)?)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(n == 1)
}

#[derive(Debug, Default, Clone)]
pub struct EvaluationFilter {
    pub department_id: String,
    pub region_code: String,
    pub max_rating: Option<i64>,
}

pub async fn list(
    db: &Db,
    f: &EvaluationFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Evaluation>, i64), Error> {
    let mut w = Filter::new();
    w.text("department_id", &f.department_id)
        .text("region_code", &f.region_code);
    if let Some(r) = f.max_rating {
        w.cmp("rating", "<=", Value::Int(r));
    }
    page_of(
        db,
        "sup_evaluation",
        &w,
        "submitted_at DESC, id DESC",
        limit,
        offset,
    )
    .await
}

/// Per department: (department, region, counts per rating 1..=5).
pub async fn ratings(
    db: &Db,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    region: &str,
) -> Result<Vec<(String, String, [i64; 5])>, Error> {
    let rows = sqlx::query(
        "SELECT department_id, region_code, rating, COUNT(*) AS n FROM sup_evaluation \
         WHERE ($1 = '' OR submitted_on >= $1) AND ($2 = '' OR submitted_on <= $2) \
         AND ($3 = '' OR region_code = $3) GROUP BY department_id, region_code, rating",
    )
    .bind(from.map(day).unwrap_or_default())
    .bind(to.map(day).unwrap_or_default())
    .bind(region)
    .fetch_all(db.reader())
    .await?;
    let mut out: Vec<(String, String, [i64; 5])> = Vec::new();
    for r in &rows {
        let department: String = r.try_get("department_id")?;
        let region: String = r.try_get("region_code")?;
        let rating: i64 = r.try_get("rating")?;
        let n: i64 = r.try_get("n")?;
        let at = match out
            .iter()
            .position(|(d, reg, _)| *d == department && *reg == region)
        {
            Some(i) => i,
            None => {
                out.push((department, region, [0; 5]));
                out.len() - 1
            }
        };
        if let Some(slot) = usize::try_from(rating - 1)
            .ok()
            .and_then(|i| out[at].2.get_mut(i))
        {
            *slot += n;
        }
    }
    Ok(out)
}

pub async fn insert_rectification(tx: &mut Tx, r: &Rectification, at_ms: i64) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO sup_rectification (id, evaluation_id, department_id, region_code, state, \
         due_on, opened_at, revision, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&r.id)
    .bind(&r.evaluation_id)
    .bind(&r.case.department_id)
    .bind(&r.case.region_code)
    .bind(r.state.as_str())
    .bind(day(r.due_on))
    .bind(at_ms)
    .bind(r.revision)
    .bind(to_json(r)?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn load_rectification(tx: &mut Tx, id: &str) -> Result<Option<Rectification>, Error> {
    let row = sqlx::query("SELECT body FROM sup_rectification WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(from_json).transpose()
}

pub async fn get_rectification(db: &Db, id: &str) -> Result<Option<Rectification>, Error> {
    let row = sqlx::query("SELECT body FROM sup_rectification WHERE id = $1")
        .bind(id)
        .fetch_optional(db.reader())
        .await?;
    row.as_ref().map(from_json).transpose()
}

pub async fn save_rectification(tx: &mut Tx, r: &Rectification) -> Result<(), Error> {
    sqlx::query("UPDATE sup_rectification SET state = $1, revision = $2, body = $3 WHERE id = $4")
        .bind(r.state.as_str())
        .bind(r.revision)
        .bind(to_json(r)?)
        .bind(&r.id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[derive(Debug, Default, Clone)]
pub struct RectificationFilter {
    pub department_id: String,
    pub region_code: String,
    pub state: Option<RectificationState>,
    /// Open past this date.
    pub overdue_on: Option<NaiveDate>,
}

pub async fn list_rectifications(
    db: &Db,
    f: &RectificationFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Rectification>, i64), Error> {
    let mut w = Filter::new();
    w.text("department_id", &f.department_id)
        .text("region_code", &f.region_code);
    if let Some(s) = f.state {
        w.cmp("state", "=", Value::Text(s.as_str().into()));
    }
    if let Some(today) = f.overdue_on {
        w.raw("state <> 'closed'")
            .cmp("due_on", "<", Value::Text(day(today)));
    }
    page_of(
        db,
        "sup_rectification",
        &w,
        "opened_at DESC, id DESC",
        limit,
        offset,
    )
    .await
}
