//! Supervision's projections: case records, their watched deadlines, bundle records and
//! trading awards.

use chrono::NaiveDate;
use onewindow_kit::db::{Backend, Db, Tx};
use onewindow_kit::error::Error;
use sqlx::Row;

use super::{day, from_json, to_json};
use crate::domain::bundle::BundleRecord;
use crate::domain::case::CaseRecord;
use crate::domain::deadline::Watch;
use crate::domain::trading::OwnerHistory;

/// The record of a case, to be changed in `tx`. On PostgreSQL it is locked: the cases
/// stream's handler and the catalog's (which gives records their office) both change it,
/// each locking the record before its watches.
pub async fn load_case(
    tx: &mut Tx,
    backend: Backend,
    case_id: &str,
) -> Result<Option<CaseRecord>, Error> {
    let sql = match backend {
        Backend::Sqlite => "SELECT body FROM sup_case WHERE case_id = $1",
        Backend::Postgres => "SELECT body FROM sup_case WHERE case_id = $1 FOR UPDATE",
    };
    let row = sqlx::query(sql)
        .bind(case_id)
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(from_json).transpose()
}

/// The cases of an item whose record may have no office, through the index on `item_id`.
/// The pattern only narrows what is read (the record's own field is the only `office_id`
/// of its JSON); the caller looks at each record.
pub async fn cases_without_office(tx: &mut Tx, item_id: &str) -> Result<Vec<String>, Error> {
    const NO_OFFICE: &str = r#"%"office_id":""%"#;
    let ids = sqlx::query_scalar(
        "SELECT case_id FROM sup_case WHERE item_id = $1 AND body LIKE $2 ORDER BY case_id",
    )
    .bind(item_id)
    .bind(NO_OFFICE)
    .fetch_all(&mut **tx)
    .await?;
    Ok(ids)
}

pub async fn get_case(db: &Db, case_id: &str) -> Result<Option<CaseRecord>, Error> {
    let row = sqlx::query("SELECT body FROM sup_case WHERE case_id = $1")
        .bind(case_id)
        .fetch_optional(db.reader())
        .await?;
    row.as_ref().map(from_json).transpose()
}

pub async fn save_case(tx: &mut Tx, r: &CaseRecord) -> Result<(), Error> {
    let accept_only = r.window_fully_authorized.map(|full| i64::from(!full));
    sqlx::query(
        "INSERT INTO sup_case (case_id, case_number, item_id, department_id, region_code, \
         state, accepted_on, concluded_on, accept_only, working_days_used, body) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (case_id) DO UPDATE SET case_number = excluded.case_number, \
         item_id = excluded.item_id, department_id = excluded.department_id, \
         region_code = excluded.region_code, state = excluded.state, \
         accepted_on = excluded.accepted_on, concluded_on = excluded.concluded_on, \
         accept_only = excluded.accept_only, working_days_used = excluded.working_days_used, \
         body = excluded.body",
    )
    .bind(&r.case.case_id)
    .bind(&r.case.case_number)
    .bind(&r.case.item_id)
    .bind(&r.case.department_id)
    .bind(&r.case.region_code)
    .bind(r.state.as_str())
    .bind(r.accepted_on.map(day))
    .bind(r.concluded_on.map(day))
    .bind(accept_only)
    .bind(r.working_days_used.map(i64::from))
    .bind(to_json(r)?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The open deadlines of one case. On PostgreSQL they are locked, so a scanner of another
/// replica changing them is waited for rather than overwritten.
pub async fn case_watches(
    tx: &mut Tx,
    backend: Backend,
    case_id: &str,
) -> Result<Vec<Watch>, Error> {
    let sql = match backend {
        Backend::Sqlite => "SELECT body FROM sup_watch WHERE case_id = $1 ORDER BY subject_key",
        Backend::Postgres => {
            "SELECT body FROM sup_watch WHERE case_id = $1 ORDER BY subject_key FOR UPDATE"
        }
    };
    let rows = sqlx::query(sql).bind(case_id).fetch_all(&mut **tx).await?;
    rows.iter().map(from_json).collect()
}

/// Makes the stored watches of a case exactly `watches`, each with its next check.
pub async fn save_watches(
    tx: &mut Tx,
    case_id: &str,
    watches: &[(Watch, NaiveDate)],
) -> Result<(), Error> {
    let keys: Vec<String> = watches.iter().map(|(w, _)| w.subject_key()).collect();
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT subject_key FROM sup_watch WHERE case_id = $1")
            .bind(case_id)
            .fetch_all(&mut **tx)
            .await?;
    for gone in stored.iter().filter(|k| !keys.contains(k)) {
        sqlx::query("DELETE FROM sup_watch WHERE subject_key = $1")
            .bind(gone)
            .execute(&mut **tx)
            .await?;
    }
    for (w, next) in watches {
        save_watch(tx, w, *next).await?;
    }
    Ok(())
}

pub async fn save_watch(tx: &mut Tx, w: &Watch, next_check: NaiveDate) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO sup_watch (subject_key, case_id, next_check, body) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (subject_key) DO UPDATE SET next_check = excluded.next_check, \
         body = excluded.body",
    )
    .bind(w.subject_key())
    .bind(&w.case_id)
    .bind(day(next_check))
    .bind(to_json(w)?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Rewrites a watch's facts, leaving its next check where it was.
pub async fn rewrite_watch(tx: &mut Tx, w: &Watch) -> Result<(), Error> {
    sqlx::query("UPDATE sup_watch SET body = $1 WHERE subject_key = $2")
        .bind(to_json(w)?)
        .bind(w.subject_key())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Up to `limit` watches whose next check is `today` or before: the scanner's whole read,
/// through the index on `next_check`. On PostgreSQL the rows are locked and rows another
/// replica is scanning are skipped, so replicas share the work instead of repeating it.
pub async fn due_watches(
    tx: &mut Tx,
    backend: Backend,
    today: NaiveDate,
    limit: i64,
) -> Result<Vec<Watch>, Error> {
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT body FROM sup_watch WHERE next_check <= $1 ORDER BY next_check, subject_key \
             LIMIT $2"
        }
        Backend::Postgres => {
            "SELECT body FROM sup_watch WHERE next_check <= $1 ORDER BY next_check, subject_key \
             LIMIT $2 FOR UPDATE SKIP LOCKED"
        }
    };
    let rows = sqlx::query(sql)
        .bind(day(today))
        .bind(limit)
        .fetch_all(&mut **tx)
        .await?;
    rows.iter().map(from_json).collect()
}

/// The department and region of a case, by its number.
pub async fn department_of(db: &Db, case_number: &str) -> Result<Option<(String, String)>, Error> {
    let row = sqlx::query("SELECT department_id, region_code FROM sup_case WHERE case_number = $1")
        .bind(case_number)
        .fetch_optional(db.reader())
        .await?;
    match row {
        Some(r) => Ok(Some((
            r.try_get("department_id")?,
            r.try_get("region_code")?,
        ))),
        None => Ok(None),
    }
}

/// Open cases (in progress), optionally of one region.
pub async fn open_cases(db: &Db, region: &str) -> Result<i64, Error> {
    let row = sqlx::query(
        "SELECT COUNT(*) FROM sup_case WHERE state = 'in_progress' AND ($1 = '' OR region_code = $1)",
    )
    .bind(region)
    .fetch_one(db.reader())
    .await?;
    Ok(row.try_get(0)?)
}

pub async fn load_bundle(tx: &mut Tx, id: &str) -> Result<Option<BundleRecord>, Error> {
    let row = sqlx::query("SELECT body FROM sup_bundle WHERE bundle_case_id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(from_json).transpose()
}

pub async fn save_bundle(tx: &mut Tx, b: &BundleRecord) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO sup_bundle (bundle_case_id, body) VALUES ($1, $2) \
         ON CONFLICT (bundle_case_id) DO UPDATE SET body = excluded.body",
    )
    .bind(&b.bundle_case_id)
    .bind(to_json(b)?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records an award and returns the owner's history with it.
pub async fn record_award(
    tx: &mut Tx,
    project_id: &str,
    owner_id: &str,
    winner_id: Option<&str>,
    on: NaiveDate,
) -> Result<OwnerHistory, Error> {
    if let Some(winner) = winner_id {
        sqlx::query(
            "INSERT INTO sup_trading_award (project_id, owner_id, winner_id, awarded_on) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (project_id) DO UPDATE SET \
             owner_id = excluded.owner_id, winner_id = excluded.winner_id",
        )
        .bind(project_id)
        .bind(owner_id)
        .bind(winner)
        .bind(day(on))
        .execute(&mut **tx)
        .await?;
    }
    let rows = sqlx::query(
        "SELECT winner_id, COUNT(*) AS n FROM sup_trading_award WHERE owner_id = $1 \
         GROUP BY winner_id",
    )
    .bind(owner_id)
    .fetch_all(&mut **tx)
    .await?;
    let mut history = OwnerHistory::default();
    for r in &rows {
        let winner: String = r.try_get("winner_id")?;
        let n: i64 = r.try_get("n")?;
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        history.projects = history.projects.saturating_add(n);
        history.wins.insert(winner, n);
    }
    Ok(history)
}
