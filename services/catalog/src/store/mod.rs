//! The catalog's SQL: the only place that knows its tables. Each object is a row of indexed
//! columns plus its domain value as JSON; one SQL text serves SQLite and PostgreSQL.

use onewindow_kit::db::{from_millis, millis, Db, Tx};
use onewindow_kit::error::Error;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::domain::{Department, ItemId, ItemVersion, Region, VersionStatus};

use onewindow_kit::error::to_json;

fn from_json<T: DeserializeOwned>(row: &AnyRow) -> Result<T, Error> {
    let body: String = row.try_get("body")?;
    serde_json::from_str(&body).map_err(Error::internal)
}

// ------------------------------------------------------------------ regions, departments

pub async fn load_regions(db: &Db) -> Result<Vec<Region>, Error> {
    let rows = sqlx::query("SELECT body FROM cat_region_body ORDER BY code")
        .fetch_all(db.reader())
        .await?;
    rows.iter().map(from_json).collect()
}

pub async fn save_region(tx: &mut Tx, region: &Region) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO cat_region_body (code, body) VALUES ($1, $2) \
         ON CONFLICT (code) DO UPDATE SET body = excluded.body",
    )
    .bind(region.code.as_str())
    .bind(to_json(region)?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn load_departments(db: &Db) -> Result<Vec<Department>, Error> {
    let rows = sqlx::query("SELECT body FROM cat_department ORDER BY id")
        .fetch_all(db.reader())
        .await?;
    rows.iter().map(from_json).collect()
}

pub async fn save_department(tx: &mut Tx, d: &Department, now_ms: i64) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO cat_department (id, region_code, name, body, updated_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET \
         region_code = excluded.region_code, name = excluded.name, body = excluded.body, \
         updated_at = excluded.updated_at",
    )
    .bind(d.id.as_str())
    .bind(d.region_code.as_str())
    .bind(&d.name)
    .bind(to_json(d)?)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

// ------------------------------------------------------------------ item versions

const VERSION_COLUMNS: &str = "body";

pub async fn load_all_versions(db: &Db) -> Result<Vec<ItemVersion>, Error> {
    let rows = sqlx::query(&format!(
        "SELECT {VERSION_COLUMNS} FROM cat_item_version ORDER BY item_id, version"
    ))
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(from_json).collect()
}

/// The versions of one item, read inside the writing transaction so the plan sees what
/// other replicas committed.
pub async fn item_versions(tx: &mut Tx, id: &ItemId) -> Result<Vec<ItemVersion>, Error> {
    let rows = sqlx::query(&format!(
        "SELECT {VERSION_COLUMNS} FROM cat_item_version WHERE item_id = $1 ORDER BY version"
    ))
    .bind(id.as_str())
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(from_json).collect()
}

/// Writes versions as they now are (new or changed).
pub async fn save_versions(tx: &mut Tx, versions: &[&ItemVersion]) -> Result<(), Error> {
    for v in versions {
        let status = match v.status {
            VersionStatus::Draft => 1i32,
            VersionStatus::Published => 2i32,
        };
        sqlx::query(
            "INSERT INTO cat_item_version (item_id, version, status, department_id, \
             region_code, valid_from, valid_until, cancelled, revision, published_at, body) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (item_id, version) DO UPDATE SET status = excluded.status, \
             department_id = excluded.department_id, region_code = excluded.region_code, \
             valid_from = excluded.valid_from, valid_until = excluded.valid_until, \
             cancelled = excluded.cancelled, revision = excluded.revision, \
             published_at = excluded.published_at, body = excluded.body",
        )
        .bind(v.id.as_str())
        .bind(v.version as i32)
        .bind(status)
        .bind(v.content.department_id.as_str())
        .bind(v.content.region_code.as_str())
        .bind(v.valid_from.map(|d| d.to_string()))
        .bind(v.valid_until.map(|d| d.to_string()))
        .bind(i32::from(v.cancelled))
        .bind(v.revision)
        .bind(v.published_at.map(millis))
        .bind(to_json(*v)?)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

// ------------------------------------------------------------------ bundles, batches

/// Loads every stored value of a JSON table (`cat_bundle`, `cat_batch`).
pub async fn load_bodies<T: DeserializeOwned>(db: &Db, table: JsonTable) -> Result<Vec<T>, Error> {
    let rows = sqlx::query(&format!("SELECT body FROM {} ORDER BY id", table.name()))
        .fetch_all(db.reader())
        .await?;
    rows.iter().map(from_json).collect()
}

pub async fn load_body<T: DeserializeOwned>(
    tx: &mut Tx,
    table: JsonTable,
    id: &str,
) -> Result<Option<T>, Error> {
    let row = sqlx::query(&format!("SELECT body FROM {} WHERE id = $1", table.name()))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(from_json).transpose()
}

pub async fn save_body<T: Serialize>(
    tx: &mut Tx,
    table: JsonTable,
    id: &str,
    value: &T,
    now_ms: i64,
) -> Result<(), Error> {
    sqlx::query(&format!(
        "INSERT INTO {} (id, body, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
        table.name()
    ))
    .bind(id)
    .bind(to_json(value)?)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Copy)]
pub enum JsonTable {
    Bundle,
    Batch,
}

impl JsonTable {
    fn name(self) -> &'static str {
        match self {
            JsonTable::Bundle => "cat_bundle",
            JsonTable::Batch => "cat_batch",
        }
    }
}

// ------------------------------------------------------------------ calendars

/// Stored schedules as (region code, year, TOML text); region `000000` is national.
pub async fn load_calendar_years(db: &Db) -> Result<Vec<(String, i32, String)>, Error> {
    let rows = sqlx::query("SELECT region_code, year, body FROM cat_calendar_year")
        .fetch_all(db.reader())
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("region_code")?,
                r.try_get::<i32, _>("year")?,
                r.try_get("body")?,
            ))
        })
        .collect()
}

pub async fn save_calendar_year(
    tx: &mut Tx,
    region_code: &str,
    year: i32,
    toml: &str,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO cat_calendar_year (region_code, year, body) VALUES ($1, $2, $3) \
         ON CONFLICT (region_code, year) DO UPDATE SET body = excluded.body",
    )
    .bind(region_code)
    .bind(year)
    .bind(toml)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// True when nothing has been loaded yet (first start).
pub async fn is_empty(db: &Db) -> Result<bool, Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM cat_item_version) + (SELECT COUNT(*) FROM cat_department)",
    )
    .fetch_one(db.reader())
    .await?;
    Ok(n == 0)
}

#[allow(dead_code)]
fn instant(ms: i64) -> chrono::DateTime<chrono::Utc> {
    from_millis(ms)
}
