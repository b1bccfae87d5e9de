//! Figures per day and department, and the mailroom report from the case records.

use chrono::NaiveDate;
use onewindow_kit::db::{Db, Tx};
use onewindow_kit::error::Error;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::day;
use crate::domain::performance::{Counts, StatDelta};

const FIELDS: [&str; 15] = [
    "accepted",
    "concluded",
    "on_time",
    "working_days_used",
    "promised_days",
    "early",
    "yellow",
    "red",
    "violations",
    "evaluations",
    "rating_points",
    "good_ratings",
    "bad_ratings",
    "complaints",
    "substantiated",
];

fn values(c: &Counts) -> [i64; 15] {
    [
        c.accepted,
        c.concluded,
        c.on_time,
        c.working_days_used,
        c.promised_days,
        c.early,
        c.yellow,
        c.red,
        c.violations,
        c.evaluations,
        c.rating_points,
        c.good_ratings,
        c.bad_ratings,
        c.complaints,
        c.substantiated,
    ]
}

fn counts_of(r: &AnyRow) -> Result<Counts, Error> {
    let g = |name: &str| -> Result<i64, Error> { Ok(r.try_get::<i64, _>(name)?) };
    Ok(Counts {
        accepted: g("accepted")?,
        concluded: g("concluded")?,
        on_time: g("on_time")?,
        working_days_used: g("working_days_used")?,
        promised_days: g("promised_days")?,
        early: g("early")?,
        yellow: g("yellow")?,
        red: g("red")?,
        violations: g("violations")?,
        evaluations: g("evaluations")?,
        rating_points: g("rating_points")?,
        good_ratings: g("good_ratings")?,
        bad_ratings: g("bad_ratings")?,
        complaints: g("complaints")?,
        substantiated: g("substantiated")?,
    })
}

/// Adds to a department's day, in the transaction of what it counts. Concurrent writers
/// (replicas) add to the same row safely: the upsert takes the row's lock.
pub async fn bump(tx: &mut Tx, d: &StatDelta) -> Result<(), Error> {
    let columns = FIELDS.join(", ");
    let placeholders: Vec<String> = (4..4 + FIELDS.len()).map(|i| format!("${i}")).collect();
    let updates: Vec<String> = FIELDS
        .iter()
        .map(|f| format!("{f} = sup_daily.{f} + excluded.{f}"))
        .collect();
    let sql = format!(
        "INSERT INTO sup_daily (day, department_id, region_code, {columns}) \
         VALUES ($1, $2, $3, {}) ON CONFLICT (day, department_id, region_code) DO UPDATE SET {}",
        placeholders.join(", "),
        updates.join(", ")
    );
    let mut q = sqlx::query(&sql)
        .bind(day(d.day))
        .bind(&d.department_id)
        .bind(&d.region_code);
    for v in values(&d.counts) {
        q = q.bind(v);
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

fn sums() -> String {
    FIELDS
        .iter()
        .map(|f| format!("CAST(COALESCE(SUM({f}), 0) AS BIGINT) AS {f}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How a period's figures are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    Department,
    Region,
    Day,
    Month,
}

impl Grouping {
    fn key(self) -> &'static str {
        match self {
            Grouping::Department => "department_id",
            Grouping::Region => "region_code",
            Grouping::Day => "day",
            Grouping::Month => "substr(day, 1, 7)",
        }
    }
}

/// Figures of `from..=to` per group: (key, region of the group, counts), optionally of one
/// region or department. Departments-less rows (complaints naming no department) are
/// left out of a per-department grouping.
pub async fn grouped(
    db: &Db,
    grouping: Grouping,
    from: NaiveDate,
    to: NaiveDate,
    region: &str,
    department: &str,
) -> Result<Vec<(String, String, Counts)>, Error> {
    let key = grouping.key();
    let skip_empty = if grouping == Grouping::Department {
        " AND department_id <> ''"
    } else {
        ""
    };
    let sql = format!(
        "SELECT {key} AS k, MIN(region_code) AS region, {} FROM sup_daily \
         WHERE day >= $1 AND day <= $2 AND ($3 = '' OR region_code = $3) \
         AND ($4 = '' OR department_id = $4){skip_empty} GROUP BY {key} ORDER BY {key}",
        sums()
    );
    let rows = sqlx::query(&sql)
        .bind(day(from))
        .bind(day(to))
        .bind(region)
        .bind(department)
        .fetch_all(db.reader())
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("k")?, r.try_get("region")?, counts_of(r)?)))
        .collect()
}

/// Everything of `from..=to` together.
pub async fn total(db: &Db, from: NaiveDate, to: NaiveDate, region: &str) -> Result<Counts, Error> {
    let sql = format!(
        "SELECT {} FROM sup_daily WHERE day >= $1 AND day <= $2 AND ($3 = '' OR region_code = $3)",
        sums()
    );
    let row = sqlx::query(&sql)
        .bind(day(from))
        .bind(day(to))
        .bind(region)
        .fetch_one(db.reader())
        .await?;
    counts_of(&row)
}

/// One department's mailroom figures.
#[derive(Debug, Clone, PartialEq)]
pub struct MailroomRow {
    pub department_id: String,
    pub region_code: String,
    pub accepted: i64,
    pub accept_only: i64,
    pub unknown: i64,
    pub accept_only_concluded: i64,
    pub accept_only_days: i64,
    pub full_concluded: i64,
    pub full_days: i64,
}

/// Per department, the cases accepted in `from..=to` by the window's authorization, and the
/// working days the concluded ones took.
pub async fn mailroom(
    db: &Db,
    from: NaiveDate,
    to: NaiveDate,
    region: &str,
) -> Result<Vec<MailroomRow>, Error> {
    let rows = sqlx::query(
        "SELECT department_id, MIN(region_code) AS region, \
         COUNT(*) AS accepted, \
         CAST(COALESCE(SUM(CASE WHEN accept_only = 1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS accept_only, \
         CAST(COALESCE(SUM(CASE WHEN accept_only IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS unknown, \
         CAST(COALESCE(SUM(CASE WHEN accept_only = 1 AND concluded_on IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS ao_concluded, \
         CAST(COALESCE(SUM(CASE WHEN accept_only = 1 AND concluded_on IS NOT NULL THEN working_days_used ELSE 0 END), 0) AS BIGINT) AS ao_days, \
         CAST(COALESCE(SUM(CASE WHEN accept_only = 0 AND concluded_on IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS full_concluded, \
         CAST(COALESCE(SUM(CASE WHEN accept_only = 0 AND concluded_on IS NOT NULL THEN working_days_used ELSE 0 END), 0) AS BIGINT) AS full_days \
         FROM sup_case WHERE accepted_on >= $1 AND accepted_on <= $2 \
         AND ($3 = '' OR region_code = $3) GROUP BY department_id",
    )
    .bind(day(from))
    .bind(day(to))
    .bind(region)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(MailroomRow {
                department_id: r.try_get("department_id")?,
                region_code: r.try_get("region")?,
                accepted: r.try_get("accepted")?,
                accept_only: r.try_get("accept_only")?,
                unknown: r.try_get("unknown")?,
                accept_only_concluded: r.try_get("ao_concluded")?,
                accept_only_days: r.try_get("ao_days")?,
                full_concluded: r.try_get("full_concluded")?,
                full_days: r.try_get("full_days")?,
            })
        })
        .collect()
}
