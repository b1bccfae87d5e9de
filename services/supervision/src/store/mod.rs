//! Supervision's SQL: the only place that knows its tables. One SQL text serves SQLite and
//! PostgreSQL; where an engine needs its own, both stand side by side.

pub mod cases;
pub mod complaints;
pub mod evaluations;
pub mod stats;
pub(crate) mod trading;
pub mod violations;
pub mod warnings;

use chrono::NaiveDate;
use onewindow_kit::calendar::YearSchedule;
use onewindow_kit::db::{Db, Tx};
use onewindow_kit::error::Error;
use serde::de::DeserializeOwned;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, Row};

use crate::domain::catalog::ItemFacts;
use crate::domain::terms::date_text;

pub(crate) use onewindow_kit::error::to_json;

pub(crate) fn from_json<T: DeserializeOwned>(row: &AnyRow) -> Result<T, Error> {
    let body: String = row.try_get("body")?;
    serde_json::from_str(&body).map_err(Error::internal)
}

pub(crate) fn day(d: NaiveDate) -> String {
    date_text(d)
}

/// A bound value of a dynamic filter.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    Text(String),
    Int(i64),
}

/// The WHERE clause of a list query, built from the filters a request gives.
#[derive(Debug, Default)]
pub(crate) struct Filter {
    clauses: Vec<String>,
    values: Vec<Value>,
}

impl Filter {
    pub fn new() -> Filter {
        Filter::default()
    }

    /// `column op $n`, where `op` is `=`, `<=`, `>=`, `<>`.
    pub fn cmp(&mut self, column: &str, op: &str, value: Value) -> &mut Self {
        self.values.push(value);
        self.clauses
            .push(format!("{column} {op} ${}", self.values.len()));
        self
    }

    /// `column = $n` when the text is not empty.
    pub fn text(&mut self, column: &str, value: &str) -> &mut Self {
        if !value.is_empty() {
            self.cmp(column, "=", Value::Text(value.to_string()));
        }
        self
    }

    pub fn raw(&mut self, clause: &str) -> &mut Self {
        self.clauses.push(clause.to_string());
        self
    }

    pub fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }

    /// The number of the next placeholder.
    pub fn next(&self) -> usize {
        self.values.len() + 1
    }

    pub fn bind<'q>(
        &self,
        mut q: Query<'q, Any, AnyArguments<'q>>,
    ) -> Query<'q, Any, AnyArguments<'q>> {
        for v in &self.values {
            q = match v {
                Value::Text(s) => q.bind(s.clone()),
                Value::Int(i) => q.bind(*i),
            };
        }
        q
    }
}

/// Rows `offset..offset+limit` of a table under a filter, newest first by `order`, with the
/// total count.
pub(crate) async fn page_of<T: DeserializeOwned>(
    db: &Db,
    table: &str,
    filter: &Filter,
    order: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<T>, i64), Error> {
    let where_ = filter.sql();
    let n = filter.next();
    let sql = format!(
        "SELECT body FROM {table}{where_} ORDER BY {order} LIMIT ${n} OFFSET ${}",
        n + 1
    );
    let rows = filter
        .bind(sqlx::query(&sql))
        .bind(limit)
        .bind(offset)
        .fetch_all(db.reader())
        .await?;
    let items = rows.iter().map(from_json).collect::<Result<Vec<T>, _>>()?;
    let count_sql = format!("SELECT COUNT(*) FROM {table}{where_}");
    let total: i64 = filter
        .bind(sqlx::query(&count_sql))
        .fetch_one(db.reader())
        .await?
        .try_get(0)?;
    Ok((items, total))
}

/// The next number of a named counter, allocated in `tx`.
pub async fn next_number(tx: &mut Tx, name: &str) -> Result<i64, Error> {
    sqlx::query(
        "INSERT INTO sup_counter (name, value) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .execute(&mut **tx)
    .await?;
    let n: i64 = sqlx::query_scalar(
        "UPDATE sup_counter SET value = value + 1 WHERE name = $1 RETURNING value",
    )
    .bind(name)
    .fetch_one(&mut **tx)
    .await?;
    Ok(n)
}

// ------------------------------------------------------------------ the catalog's facts

pub async fn save_item(tx: &mut Tx, item: &ItemFacts) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO sup_item_version (item_id, version, body) VALUES ($1, $2, $3) \
         ON CONFLICT (item_id, version) DO UPDATE SET body = excluded.body",
    )
    .bind(&item.item_id)
    .bind(i64::from(item.version))
    .bind(to_json(item)?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn item(tx: &mut Tx, item_id: &str, version: u32) -> Result<Option<ItemFacts>, Error> {
    let row = sqlx::query("SELECT body FROM sup_item_version WHERE item_id = $1 AND version = $2")
        .bind(item_id)
        .bind(i64::from(version))
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(from_json).transpose()
}

/// The latest version the catalog announced of the item, if it announced any.
pub async fn latest_item(tx: &mut Tx, item_id: &str) -> Result<Option<ItemFacts>, Error> {
    let row = sqlx::query(
        "SELECT body FROM sup_item_version WHERE item_id = $1 ORDER BY version DESC LIMIT 1",
    )
    .bind(item_id)
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(from_json).transpose()
}

pub async fn save_calendar_year(
    tx: &mut Tx,
    region_code: &str,
    schedule: &YearSchedule,
) -> Result<(), Error> {
    let toml = schedule.to_toml().map_err(Error::internal)?;
    sqlx::query(
        "INSERT INTO sup_calendar_year (region_code, year, body) VALUES ($1, $2, $3) \
         ON CONFLICT (region_code, year) DO UPDATE SET body = excluded.body",
    )
    .bind(region_code)
    .bind(i64::from(schedule.year))
    .bind(toml)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Every calendar year the catalog announced, as (region, schedule).
pub async fn calendar_years(db: &Db) -> Result<Vec<(String, YearSchedule)>, Error> {
    let rows =
        sqlx::query("SELECT region_code, body FROM sup_calendar_year ORDER BY region_code, year")
            .fetch_all(db.reader())
            .await?;
    let mut out = Vec::new();
    for r in &rows {
        let region: String = r.try_get("region_code")?;
        let body: String = r.try_get("body")?;
        match YearSchedule::from_toml(&body) {
            Ok(s) => out.push((region, s)),
            // Stored by this service after validation; a row that no longer reads is
            // skipped (the official year stays) rather than stopping supervision.
            Err(e) => {
                tracing::warn!(region = %region, error = %e, "stored calendar year unreadable")
            }
        }
    }
    Ok(out)
}

/// Keeps an event that could not be read in sight.
pub async fn save_unreadable(
    tx: &mut Tx,
    stream: &str,
    seq: i64,
    kind: &str,
    reason: &str,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO sup_unreadable_event (stream, seq, kind, reason) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (stream, seq) DO NOTHING",
    )
    .bind(stream)
    .bind(seq)
    .bind(kind)
    .bind(reason)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn unreadable_count(db: &Db) -> Result<i64, Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sup_unreadable_event")
        .fetch_one(db.reader())
        .await?;
    Ok(n)
}
