//! Trading's SQL: the only place that knows its tables. One SQL text serves SQLite and
//! PostgreSQL, except the row lock that PostgreSQL needs (`FOR UPDATE`) and SQLite does
//! without (its writes are serialized by `BEGIN IMMEDIATE`).

mod bids;
mod experts;
mod quotes;

pub use bids::*;
pub use experts::*;
pub use quotes::*;

use chrono::{DateTime, Utc};
use onewindow_kit::db::{millis, Backend, Db, Tx};
use onewindow_kit::error::Error;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::domain::{Category, Project, ProjectState};

use onewindow_kit::error::to_json;

fn project_of(row: &AnyRow) -> Result<Project, Error> {
    let body: String = row.try_get("body")?;
    serde_json::from_str(&body).map_err(Error::internal)
}

fn lock(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => " FOR UPDATE",
        Backend::Sqlite => "",
    }
}

/// The next number of a counter (`140200-2026-ZC`), inside the creating transaction.
pub async fn next_number(tx: &mut Tx, name: &str) -> Result<i64, Error> {
    sqlx::query(
        "INSERT INTO trd_counter (name, value) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .execute(&mut **tx)
    .await?;
    let n: i64 = sqlx::query_scalar(
        "UPDATE trd_counter SET value = value + 1 WHERE name = $1 RETURNING value",
    )
    .bind(name)
    .fetch_one(&mut **tx)
    .await?;
    Ok(n)
}

pub async fn insert_project(tx: &mut Tx, p: &Project, sealed_key: &[u8]) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO trd_project (id, code, state, category, method, next_deadline, revision, \
         created_at, updated_at, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&p.id)
    .bind(&p.code)
    .bind(p.state.as_str())
    .bind(p.category.as_str())
    .bind(p.method.as_str())
    .bind(p.next_deadline().map(millis))
    .bind(p.revision)
    .bind(millis(p.created_at))
    .bind(millis(p.updated_at))
    .bind(to_json(p)?)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO trd_project_key (project_id, sealed_key, created_at) VALUES ($1, $2, $3)",
    )
    .bind(&p.id)
    .bind(sealed_key.to_vec())
    .bind(millis(p.created_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A project read inside a writing transaction, its row locked until the end of it, so two
/// writers (two replicas' chronographs, a bid and the opening) take turns.
pub async fn lock_project(
    tx: &mut Tx,
    backend: Backend,
    id: &str,
) -> Result<Option<Project>, Error> {
    let row = sqlx::query(&format!(
        "SELECT body FROM trd_project WHERE id = $1{}",
        lock(backend)
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(project_of).transpose()
}

/// Writes a project as decided, only if it is still at `expected_revision`: a replica that
/// decided from an older revision changes nothing and learns so.
pub async fn update_project(
    tx: &mut Tx,
    p: &Project,
    expected_revision: i64,
) -> Result<bool, Error> {
    let n = sqlx::query(
        "UPDATE trd_project SET state = $1, next_deadline = $2, revision = $3, updated_at = $4, \
         body = $5 WHERE id = $6 AND revision = $7",
    )
    .bind(p.state.as_str())
    .bind(p.next_deadline().map(millis))
    .bind(p.revision)
    .bind(millis(p.updated_at))
    .bind(to_json(p)?)
    .bind(&p.id)
    .bind(expected_revision)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(n == 1)
}

pub async fn get_project(db: &Db, id: &str) -> Result<Option<Project>, Error> {
    let row = sqlx::query("SELECT body FROM trd_project WHERE id = $1")
        .bind(id)
        .fetch_optional(db.reader())
        .await?;
    row.as_ref().map(project_of).transpose()
}

pub async fn sealed_project_key(tx: &mut Tx, id: &str) -> Result<Vec<u8>, Error> {
    let key: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT sealed_key FROM trd_project_key WHERE project_id = $1")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    key.ok_or_else(|| Error::internal(anyhow::anyhow!("project {id} has no key")))
}

pub async fn read_project_key(db: &Db, id: &str) -> Result<Vec<u8>, Error> {
    let key: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT sealed_key FROM trd_project_key WHERE project_id = $1")
            .bind(id)
            .fetch_optional(db.reader())
            .await?;
    key.ok_or_else(|| Error::internal(anyhow::anyhow!("project {id} has no key")))
}

/// A page of projects in creation order (ids are time-ordered), after `after_id`.
pub async fn list_projects(
    db: &Db,
    category: Option<Category>,
    state: Option<ProjectState>,
    after_id: &str,
    limit: i64,
) -> Result<Vec<Project>, Error> {
    let rows = sqlx::query(
        "SELECT body FROM trd_project WHERE id > $1 \
         AND ($2 = '' OR category = $2) AND ($3 = '' OR state = $3) ORDER BY id LIMIT $4",
    )
    .bind(after_id)
    .bind(category.map(|c| c.as_str()).unwrap_or(""))
    .bind(state.map(|s| s.as_str()).unwrap_or(""))
    .bind(limit)
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(project_of).collect()
}

/// Projects with something due by `now`, earliest first.
pub async fn due_projects(db: &Db, now: DateTime<Utc>, limit: i64) -> Result<Vec<String>, Error> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM trd_project WHERE next_deadline IS NOT NULL AND next_deadline <= $1 \
         ORDER BY next_deadline, id LIMIT $2",
    )
    .bind(millis(now))
    .bind(limit)
    .fetch_all(db.reader())
    .await?;
    Ok(ids)
}

/// True when no project exists yet (first start).
pub async fn is_empty(db: &Db) -> Result<bool, Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM trd_project")
        .fetch_one(db.reader())
        .await?;
    Ok(n == 0)
}
