//! The cases service's SQL: the only place that knows its tables. One SQL text serves
//! SQLite and PostgreSQL.

use onewindow_kit::calendar::{Calendar, YearSchedule};
use onewindow_kit::db::{Db, Tx};
use onewindow_kit::error::Error;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::domain::{BundleCase, BundleTerms, Case, CaseState, HandlerRole, ItemTerms, Stage};

/// National calendar years are stored under this region code.
pub const NATIONAL: &str = "000000";

use onewindow_kit::error::to_json;

fn from_json<T: DeserializeOwned>(row: &AnyRow) -> Result<T, Error> {
    let body: String = row.try_get("body")?;
    serde_json::from_str(&body).map_err(Error::internal)
}

/// A one-way key for secrets compared on lookup (query codes) and for equality search on
/// identity numbers.
pub fn digest(purpose: &str, value: &str) -> String {
    let mut h = Sha256::new();
    h.update(purpose.as_bytes());
    h.update([0u8]);
    h.update(value.as_bytes());
    hex::encode(h.finalize())
}

// ------------------------------------------------------------------ followed catalog facts

pub async fn save_item_terms(tx: &mut Tx, terms: &ItemTerms) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO cs_item_terms (item_id, version, valid_from, body) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (item_id, version) DO UPDATE SET valid_from = excluded.valid_from, \
         body = excluded.body",
    )
    .bind(&terms.item_id)
    .bind(terms.version as i32)
    .bind(terms.valid_from.to_string())
    .bind(to_json(terms)?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Every version of an item the catalog announced.
pub async fn item_versions(tx: &mut Tx, item_id: &str) -> Result<Vec<ItemTerms>, Error> {
    let rows = sqlx::query("SELECT body FROM cs_item_terms WHERE item_id = $1 ORDER BY version")
        .bind(item_id)
        .fetch_all(&mut **tx)
        .await?;
    rows.iter().map(from_json).collect()
}

pub async fn save_bundle_terms(tx: &mut Tx, terms: &BundleTerms) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO cs_bundle_terms (id, body) VALUES ($1, $2) \
         ON CONFLICT (id) DO UPDATE SET body = excluded.body",
    )
    .bind(&terms.bundle_id)
    .bind(to_json(terms)?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn bundle_terms(tx: &mut Tx, id: &str) -> Result<Option<BundleTerms>, Error> {
    let row = sqlx::query("SELECT body FROM cs_bundle_terms WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(from_json).transpose()
}

pub async fn save_calendar_year(
    tx: &mut Tx,
    region_code: &str,
    schedule: &YearSchedule,
) -> Result<(), Error> {
    let toml = schedule
        .to_toml()
        .map_err(|e| Error::internal(anyhow::anyhow!("{e}")))?;
    sqlx::query(
        "INSERT INTO cs_calendar_year (region_code, year, body) VALUES ($1, $2, $3) \
         ON CONFLICT (region_code, year) DO UPDATE SET body = excluded.body",
    )
    .bind(region_code)
    .bind(schedule.year)
    .bind(toml)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A region's calendar: the official national one, national years the catalog published,
/// then the region's own years.
pub async fn calendar(db: &Db, region_code: &str) -> Result<Calendar, Error> {
    calendar_with(db.reader(), region_code).await
}

/// The region's calendar read in `tx`. A command that holds a transaction reads through it:
/// asking the pool for a second connection could wait for ever once every connection is
/// held by a command waiting for a row this one has locked.
pub async fn calendar_in(tx: &mut Tx, region_code: &str) -> Result<Calendar, Error> {
    calendar_with(&mut **tx, region_code).await
}

async fn calendar_with<'e, E>(executor: E, region_code: &str) -> Result<Calendar, Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(
        "SELECT region_code, body FROM cs_calendar_year WHERE region_code = $1 OR region_code = $2 \
         ORDER BY CASE WHEN region_code = $2 THEN 0 ELSE 1 END, year",
    )
    .bind(region_code)
    .bind(NATIONAL)
    .fetch_all(executor)
    .await?;
    let mut calendar = Calendar::official();
    for row in rows {
        let body: String = row.try_get("body")?;
        let schedule = YearSchedule::from_toml(&body)
            .map_err(|e| Error::internal(anyhow::anyhow!("stored calendar: {e}")))?;
        calendar.set_year(schedule).map_err(Error::internal)?;
    }
    Ok(calendar)
}

// ------------------------------------------------------------------ numbers

/// The next number of a region and year, gap-free (the counter row is locked until commit).
pub async fn next_number(tx: &mut Tx, region_code: &str, year: i32) -> Result<i64, Error> {
    sqlx::query(
        "INSERT INTO cs_number_counter (region_code, year, value) VALUES ($1, $2, 0) \
         ON CONFLICT (region_code, year) DO NOTHING",
    )
    .bind(region_code)
    .bind(year)
    .execute(&mut **tx)
    .await?;
    let v: i64 = sqlx::query_scalar(
        "UPDATE cs_number_counter SET value = value + 1 WHERE region_code = $1 AND year = $2 \
         RETURNING value",
    )
    .bind(region_code)
    .bind(year)
    .fetch_one(&mut **tx)
    .await?;
    Ok(v)
}

// ------------------------------------------------------------------ cases

/// The role whose work the case awaits: intake by a clerk, then each stage's handler.
pub fn awaiting_role(case: &Case) -> &'static str {
    match case.state {
        CaseState::Submitted => "clerk",
        CaseState::InProgress if case.open_suspension().is_none() => {
            match case.current_stage().map(|s| s.handler_role) {
                Some(HandlerRole::Clerk) => "clerk",
                Some(HandlerRole::Approver) => "approver",
                None => "",
            }
        }
        _ => "",
    }
}

/// The stage whose work the case awaits, as its inbox entry shows it: accept while awaiting
/// intake, then the active stage; none while no role's work is awaited.
pub fn awaiting_stage(case: &Case) -> Option<&'static str> {
    match awaiting_role(case) {
        "" => None,
        _ if case.state == CaseState::Submitted => Some(Stage::Accept.as_str()),
        _ => case.current_stage().map(|s| s.stage.as_str()),
    }
}

fn due_date(case: &Case) -> Option<String> {
    case.current_stage()
        .and_then(|s| s.due_date)
        .or_else(|| case.deadlines.as_ref().map(|d| d.planned_due_date))
        .map(|d| d.to_string())
}

pub async fn insert_case(tx: &mut Tx, case: &Case, query_code_hash: &str) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO cs_case (id, case_number, query_code_hash, item_id, department_id, \
         region_code, state, awaiting_role, awaiting_stage, applicant_subject, applicant_key, \
         bundle_case_id, due_date, submitted_at, revision, body) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(&case.id)
    .bind(case.case_number.to_string())
    .bind(query_code_hash)
    .bind(&case.terms.item_id)
    .bind(&case.terms.department_id)
    .bind(&case.terms.region_code)
    .bind(case.state.as_str())
    .bind(awaiting_role(case))
    .bind(awaiting_stage(case))
    .bind(case.applicant_subject.clone())
    .bind(applicant_key(case))
    .bind(case.bundle_case_id.clone())
    .bind(due_date(case))
    .bind(case.submitted_at.timestamp_millis())
    .bind(case.revision)
    .bind(to_json(case)?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn applicant_key(case: &Case) -> String {
    digest("applicant", &case.applicant.id_number)
}

/// Writes a transition if the stored revision is still `previous`; false when another
/// writer got there first.
pub async fn update_case(tx: &mut Tx, case: &Case, previous: i64) -> Result<bool, Error> {
    let n = sqlx::query(
        "UPDATE cs_case SET state = $1, awaiting_role = $2, awaiting_stage = $3, due_date = $4, \
         revision = $5, body = $6 WHERE id = $7 AND revision = $8",
    )
    .bind(case.state.as_str())
    .bind(awaiting_role(case))
    .bind(awaiting_stage(case))
    .bind(due_date(case))
    .bind(case.revision)
    .bind(to_json(case)?)
    .bind(&case.id)
    .bind(previous)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(n == 1)
}

pub async fn case_in_tx(tx: &mut Tx, id: &str) -> Result<Option<Case>, Error> {
    let row = sqlx::query("SELECT body FROM cs_case WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(from_json).transpose()
}

pub async fn case(db: &Db, id: &str) -> Result<Option<Case>, Error> {
    let row = sqlx::query("SELECT body FROM cs_case WHERE id = $1")
        .bind(id)
        .fetch_optional(db.reader())
        .await?;
    row.as_ref().map(from_json).transpose()
}

/// A case by its number, if the query code matches.
pub async fn case_by_number(
    db: &Db,
    number: &str,
    query_code_hash: &str,
) -> Result<Option<Case>, Error> {
    let row =
        sqlx::query("SELECT body FROM cs_case WHERE case_number = $1 AND query_code_hash = $2")
            .bind(number)
            .bind(query_code_hash)
            .fetch_optional(db.reader())
            .await?;
    row.as_ref().map(from_json).transpose()
}

/// Filters of a case listing; `None` is no filter.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub department_id: Option<String>,
    pub region_code: Option<String>,
    pub state: Option<String>,
    pub item_id: Option<String>,
    pub applicant_subject: Option<String>,
    pub applicant_id_number: Option<String>,
    pub bundle_case_id: Option<String>,
    pub awaiting_role: Option<String>,
    /// The stage whose work the case awaits (`accept` while awaiting intake).
    pub awaiting_stage: Option<String>,
}

/// Cases matching `f`, newest first (or for an inbox: awaiting intake first, oldest
/// submission first, then by due date), `limit` from `offset`.
pub async fn list_cases(
    db: &Db,
    f: &CaseFilter,
    by_due_date: bool,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Case>, i64), Error> {
    let key = f
        .applicant_id_number
        .as_deref()
        .map(|n| digest("applicant", n));
    // Only the bound filters enter the statement: a `($n IS NULL OR column = $n)` form
    // keeps SQLite from using any index, which at a million cases is a full scan per call.
    let bound = [
        ("department_id", f.department_id.clone()),
        ("region_code", f.region_code.clone()),
        ("state", f.state.clone()),
        ("item_id", f.item_id.clone()),
        ("applicant_subject", f.applicant_subject.clone()),
        ("applicant_key", key),
        ("bundle_case_id", f.bundle_case_id.clone()),
        ("awaiting_role", f.awaiting_role.clone()),
        ("awaiting_stage", f.awaiting_stage.clone()),
    ]
    .into_iter()
    .filter_map(|(column, value)| value.map(|v| (column, v)))
    .collect::<Vec<_>>();
    let filters = if bound.is_empty() {
        "1 = 1".to_string()
    } else {
        bound
            .iter()
            .enumerate()
            .map(|(i, (column, _))| format!("{column} = ${}", i + 1))
            .collect::<Vec<_>>()
            .join(" AND ")
    };
    // Cases awaiting intake have no due date. SQLite sorts NULLs first and PostgreSQL last
    // unless told; the inbox index orders them the same way, so a page still stops early.
    let order = if by_due_date {
        "ORDER BY due_date NULLS FIRST, submitted_at, id"
    } else {
        "ORDER BY submitted_at DESC, id"
    };
    let n = bound.len();
    let sql = format!(
        "SELECT body FROM cs_case WHERE {filters} {order} LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let count_sql = format!("SELECT COUNT(*) AS n FROM cs_case WHERE {filters}");
    let mut query = sqlx::query(&sql);
    let mut count = sqlx::query(&count_sql);
    for (_, value) in &bound {
        query = query.bind(value.clone());
        count = count.bind(value.clone());
    }
    let rows = query
        .bind(limit)
        .bind(offset)
        .fetch_all(db.reader())
        .await?;
    let total: i64 = count.fetch_one(db.reader()).await?.try_get("n")?;
    let cases = rows
        .iter()
        .map(from_json)
        .collect::<Result<Vec<Case>, Error>>()?;
    Ok((cases, total))
}

// ------------------------------------------------------------------ materials

pub async fn save_material(
    tx: &mut Tx,
    id: &str,
    case_id: &str,
    content_type: &str,
    sha256: &str,
    content: &[u8],
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO cs_material (id, case_id, content_type, sha256, content) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(case_id)
    .bind(content_type)
    .bind(sha256)
    .bind(content.to_vec())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A stored file by id; the caller checks that the case it reads records this file (a
/// bundle's shared files are stored once and recorded by several children).
pub async fn material(db: &Db, id: &str) -> Result<Option<(String, Vec<u8>)>, Error> {
    let row = sqlx::query("SELECT content_type, content FROM cs_material WHERE id = $1")
        .bind(id)
        .fetch_optional(db.reader())
        .await?;
    row.map(|r| Ok((r.try_get("content_type")?, r.try_get("content")?)))
        .transpose()
}

// ------------------------------------------------------------------ bundle cases

pub async fn insert_bundle_case(
    tx: &mut Tx,
    b: &BundleCase,
    query_code_hash: &str,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO cs_bundle_case (id, case_number, query_code_hash, bundle_id, \
         lead_department_id, region_code, state, applicant_subject, submitted_at, revision, body) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&b.id)
    .bind(b.case_number.to_string())
    .bind(query_code_hash)
    .bind(&b.terms.bundle_id)
    .bind(&b.terms.lead_department_id)
    .bind(&b.terms.region_code)
    .bind(b.state.to_string())
    .bind(b.applicant_subject.clone())
    .bind(b.submitted_at.timestamp_millis())
    .bind(b.revision)
    .bind(to_json(b)?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn update_bundle_case(tx: &mut Tx, b: &BundleCase, previous: i64) -> Result<bool, Error> {
    let n = sqlx::query(
        "UPDATE cs_bundle_case SET state = $1, revision = $2, body = $3 WHERE id = $4 AND revision = $5",
    )
    .bind(b.state.to_string())
    .bind(b.revision)
    .bind(to_json(b)?)
    .bind(&b.id)
    .bind(previous)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(n == 1)
}

pub async fn bundle_case_in_tx(tx: &mut Tx, id: &str) -> Result<Option<BundleCase>, Error> {
    let row = sqlx::query("SELECT body FROM cs_bundle_case WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(from_json).transpose()
}

pub async fn bundle_case(db: &Db, id: &str) -> Result<Option<BundleCase>, Error> {
    let row = sqlx::query("SELECT body FROM cs_bundle_case WHERE id = $1")
        .bind(id)
        .fetch_optional(db.reader())
        .await?;
    row.as_ref().map(from_json).transpose()
}

pub async fn bundle_case_by_number(
    db: &Db,
    number: &str,
    query_code_hash: &str,
) -> Result<Option<BundleCase>, Error> {
    let row = sqlx::query(
        "SELECT body FROM cs_bundle_case WHERE case_number = $1 AND query_code_hash = $2",
    )
    .bind(number)
    .bind(query_code_hash)
    .fetch_optional(db.reader())
    .await?;
    row.as_ref().map(from_json).transpose()
}

pub async fn list_bundle_cases(
    db: &Db,
    lead_department_id: Option<&str>,
    region_code: Option<&str>,
    applicant_subject: Option<&str>,
    offset: i64,
    limit: i64,
) -> Result<Vec<BundleCase>, Error> {
    let rows = sqlx::query(
        "SELECT body FROM cs_bundle_case WHERE ($1 IS NULL OR lead_department_id = $1) \
         AND ($2 IS NULL OR region_code = $2) AND ($3 IS NULL OR applicant_subject = $3) \
         ORDER BY submitted_at DESC, id LIMIT $4 OFFSET $5",
    )
    .bind(lead_department_id.map(str::to_string))
    .bind(region_code.map(str::to_string))
    .bind(applicant_subject.map(str::to_string))
    .bind(limit)
    .bind(offset)
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(from_json).collect()
}

pub async fn is_empty(db: &Db) -> Result<bool, Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cs_case")
        .fetch_one(db.reader())
        .await?;
    Ok(n == 0)
}

/// Every item version the catalog announced (demo data picks from them).
pub async fn all_item_terms(db: &Db) -> Result<Vec<ItemTerms>, Error> {
    let rows = sqlx::query("SELECT body FROM cs_item_terms ORDER BY item_id, version")
        .fetch_all(db.reader())
        .await?;
    rows.iter().map(from_json).collect()
}

/// Open cases by state, for the metrics (an index range: closed cases are not read).
pub async fn open_case_counts(db: &Db) -> Result<Vec<(CaseState, i64)>, Error> {
    let [a, b, c] = [
        CaseState::Submitted,
        CaseState::SupplementRequested,
        CaseState::InProgress,
    ];
    let rows = sqlx::query(
        "SELECT state, COUNT(*) AS n FROM cs_case WHERE state IN ($1, $2, $3) GROUP BY state",
    )
    .bind(a.as_str())
    .bind(b.as_str())
    .bind(c.as_str())
    .fetch_all(db.reader())
    .await?;
    let mut counts = Vec::with_capacity(rows.len());
    for row in &rows {
        let state: String = row.try_get("state")?;
        let n: i64 = row.try_get("n")?;
        if let Some(state) = CaseState::ALL.into_iter().find(|s| s.as_str() == state) {
            counts.push((state, n));
        }
    }
    Ok(counts)
}
