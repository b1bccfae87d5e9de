//! Early warnings and cards.

use chrono::NaiveDate;
use onewindow_kit::db::{from_millis, millis, Db, Tx};
use onewindow_kit::error::Error;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{day, Filter, Value};
use crate::domain::deadline::{Level, Scope, Warning};
use crate::domain::terms::{parse_date, Stage};

const COLUMNS: &str = "id, level, stage, case_id, case_number, item_id, department_id, \
    office_id, region_code, staff_subject, due_date, reached_on, issued_at, is_open, \
    closed_at, close_reason";

fn bad(what: &str) -> Error {
    Error::internal(anyhow::anyhow!("stored warning has a bad {what}"))
}

fn row_to_warning(r: &AnyRow) -> Result<Warning, Error> {
    let stage: String = r.try_get("stage")?;
    let scope = if stage.is_empty() {
        Scope::Case
    } else {
        Scope::Stage(Stage::parse(&stage).ok_or_else(|| bad("stage"))?)
    };
    let due: String = r.try_get("due_date")?;
    let reached: String = r.try_get("reached_on")?;
    let closed_at: Option<i64> = r.try_get("closed_at")?;
    Ok(Warning {
        id: r.try_get("id")?,
        level: Level::from_rank(r.try_get("level")?).ok_or_else(|| bad("level"))?,
        scope,
        case_id: r.try_get("case_id")?,
        case_number: r.try_get("case_number")?,
        item_id: r.try_get("item_id")?,
        department_id: r.try_get("department_id")?,
        office_id: r.try_get("office_id")?,
        region_code: r.try_get("region_code")?,
        staff_subject: r.try_get("staff_subject")?,
        due: parse_date(&due).ok_or_else(|| bad("due date"))?,
        reached_on: parse_date(&reached).ok_or_else(|| bad("reached date"))?,
        issued_at: from_millis(r.try_get("issued_at")?),
        open: r.try_get::<i64, _>("is_open")? == 1,
        closed_at: closed_at.map(from_millis),
        close_reason: r.try_get("close_reason")?,
    })
}

/// Inserts the warning unless its case or stage already has one of that level: true when
/// this call issued it. The unique key, not the caller, is what makes it once.
pub async fn insert(tx: &mut Tx, w: &Warning) -> Result<bool, Error> {
    let stage = w.scope.stage().map(|s| s.as_str()).unwrap_or_default();
    let inserted = sqlx::query(&format!(
        "INSERT INTO sup_warning (subject_key, {COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, \
         $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) \
         ON CONFLICT (subject_key, level) DO NOTHING"
    ))
    .bind(w.subject_key())
    .bind(&w.id)
    .bind(w.level.rank())
    .bind(stage)
    .bind(&w.case_id)
    .bind(&w.case_number)
    .bind(&w.item_id)
    .bind(&w.department_id)
    .bind(&w.office_id)
    .bind(&w.region_code)
    .bind(&w.staff_subject)
    .bind(day(w.due))
    .bind(day(w.reached_on))
    .bind(millis(w.issued_at))
    .bind(i64::from(w.open))
    .bind(w.closed_at.map(millis))
    .bind(&w.close_reason)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// Moves the count of open warnings of a department and level by `delta`, in the
/// transaction that opens or closes them (through `Effects`, which writes the counts last
/// and in key order, so that concurrent transactions never deadlock on them).
pub async fn count_open(
    tx: &mut Tx,
    region: &str,
    department: &str,
    level: i64,
    delta: i64,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO sup_open_warnings (region_code, department_id, level, n) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (region_code, department_id, level) \
         DO UPDATE SET n = sup_open_warnings.n + excluded.n",
    )
    .bind(region)
    .bind(department)
    .bind(level)
    .bind(delta)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Closes the open warnings of a case or stage; returns them as closed. The cards are
/// charged to whoever completed it, when someone did.
pub async fn close(
    tx: &mut Tx,
    subject_key: &str,
    reason: &str,
    staff_subject: Option<&str>,
    at_ms: i64,
) -> Result<Vec<Warning>, Error> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM sup_warning WHERE subject_key = $1 AND is_open = 1 ORDER BY level",
    )
    .bind(subject_key)
    .fetch_all(&mut **tx)
    .await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query(
        "UPDATE sup_warning SET is_open = 0, closed_at = $1, close_reason = $2, \
         staff_subject = COALESCE($3, staff_subject) WHERE subject_key = $4 AND is_open = 1",
    )
    .bind(at_ms)
    .bind(reason)
    .bind(staff_subject.filter(|s| !s.is_empty()).map(str::to_string))
    .bind(subject_key)
    .execute(&mut **tx)
    .await?;
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM sup_warning WHERE subject_key = $1 ORDER BY level"
    ))
    .bind(subject_key)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(row_to_warning)
        .filter(|w| w.as_ref().map_or(true, |w| ids.contains(&w.id)))
        .collect()
}

/// Gives a case's warnings issued without an office the office of its item.
pub async fn fill_office(tx: &mut Tx, case_id: &str, office_id: &str) -> Result<(), Error> {
    sqlx::query("UPDATE sup_warning SET office_id = $1 WHERE case_id = $2 AND office_id = ''")
        .bind(office_id)
        .bind(case_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Counts the open warnings again from the warnings themselves, for a database filled or
/// changed by other means than the service.
pub async fn recount_open(tx: &mut Tx) -> Result<(), Error> {
    sqlx::query("DELETE FROM sup_open_warnings")
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO sup_open_warnings (region_code, department_id, level, n) \
         SELECT region_code, department_id, level, COUNT(*) FROM sup_warning \
         WHERE is_open = 1 GROUP BY region_code, department_id, level",
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn get(db: &Db, id: &str) -> Result<Option<Warning>, Error> {
    get_with(db.reader(), id).await
}

/// The warning read in a command's own transaction (never a second connection while the
/// transaction holds one).
pub async fn get_in(tx: &mut Tx, id: &str) -> Result<Option<Warning>, Error> {
    get_with(&mut **tx, id).await
}

async fn get_with<'e, E>(executor: E, id: &str) -> Result<Option<Warning>, Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM sup_warning WHERE id = $1"))
        .bind(id)
        .fetch_optional(executor)
        .await?;
    row.as_ref().map(row_to_warning).transpose()
}

#[derive(Debug, Default, Clone)]
pub struct WarningFilter {
    pub department_id: String,
    pub region_code: String,
    pub case_id: String,
    pub level: Option<Level>,
    /// Some(true): stage warnings only; Some(false): case warnings only.
    pub stage_only: Option<bool>,
    pub open: Option<bool>,
}

pub async fn list(
    db: &Db,
    f: &WarningFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Warning>, i64), Error> {
    let mut w = Filter::new();
    w.text("department_id", &f.department_id)
        .text("region_code", &f.region_code)
        .text("case_id", &f.case_id);
    if let Some(level) = f.level {
        w.cmp("level", "=", Value::Int(level.rank()));
    }
    match f.stage_only {
        Some(true) => w.raw("stage <> ''"),
        Some(false) => w.raw("stage = ''"),
        None => &mut w,
    };
    if let Some(open) = f.open {
        w.cmp("is_open", "=", Value::Int(i64::from(open)));
    }
    let n = w.next();
    let sql = format!(
        "SELECT {COLUMNS} FROM sup_warning{} ORDER BY issued_at DESC, id DESC LIMIT ${n} OFFSET ${}",
        w.sql(),
        n + 1
    );
    let rows = w
        .bind(sqlx::query(&sql))
        .bind(limit)
        .bind(offset)
        .fetch_all(db.reader())
        .await?;
    let items = rows.iter().map(row_to_warning).collect::<Result<_, _>>()?;
    let total: i64 = w
        .bind(sqlx::query(&format!(
            "SELECT COUNT(*) FROM sup_warning{}",
            w.sql()
        )))
        .fetch_one(db.reader())
        .await?
        .try_get(0)?;
    Ok((items, total))
}

/// Warnings per key column (`department_id`, `office_id` or `staff_subject`) and level,
/// by the date each level was reached.
pub async fn counts(
    db: &Db,
    key: CountKey,
    from: NaiveDate,
    to: NaiveDate,
    region: &str,
    department: &str,
) -> Result<Vec<(String, String, [i64; 3])>, Error> {
    let column = key.column();
    let rows = sqlx::query(&format!(
        "SELECT {column} AS k, MIN(department_id) AS department_id, level, COUNT(*) AS n \
         FROM sup_warning WHERE reached_on >= $1 AND reached_on <= $2 \
         AND ($3 = '' OR region_code = $3) AND ($4 = '' OR department_id = $4) \
         GROUP BY {column}, level"
    ))
    .bind(day(from))
    .bind(day(to))
    .bind(region)
    .bind(department)
    .fetch_all(db.reader())
    .await?;
    let mut out: Vec<(String, String, [i64; 3])> = Vec::new();
    for r in &rows {
        let k: String = r.try_get("k")?;
        let department_id: String = r.try_get("department_id")?;
        let level: i64 = r.try_get("level")?;
        let n: i64 = r.try_get("n")?;
        let at = match out.iter().position(|(key, _, _)| *key == k) {
            Some(i) => i,
            None => {
                out.push((k, department_id, [0; 3]));
                out.len() - 1
            }
        };
        if let Some(slot) = usize::try_from(level - 1)
            .ok()
            .and_then(|i| out[at].2.get_mut(i))
        {
            *slot += n;
        }
    }
    out.sort_by(|a, b| {
        (b.2[2], b.2[1], b.2[0])
            .cmp(&(a.2[2], a.2[1], a.2[0]))
            .then_with(|| a.0.cmp(&b.0))
    });
    Ok(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountKey {
    Department,
    Office,
    Staff,
}

impl CountKey {
    fn column(self) -> &'static str {
        match self {
            CountKey::Department => "department_id",
            CountKey::Office => "office_id",
            CountKey::Staff => "staff_subject",
        }
    }
}

/// Open warnings per level, and the departments with most open cards.
pub async fn open_counts(
    db: &Db,
    region: &str,
) -> Result<([i64; 3], Vec<(String, i64, i64)>), Error> {
    let rows = sqlx::query(
        "SELECT department_id, level, n FROM sup_open_warnings \
         WHERE n <> 0 AND ($1 = '' OR region_code = $1)",
    )
    .bind(region)
    .fetch_all(db.reader())
    .await?;
    let mut levels = [0i64; 3];
    let mut departments: Vec<(String, i64, i64)> = Vec::new();
    for r in &rows {
        let department: String = r.try_get("department_id")?;
        let level: i64 = r.try_get("level")?;
        let n: i64 = r.try_get("n")?;
        if let Some(slot) = usize::try_from(level - 1)
            .ok()
            .and_then(|i| levels.get_mut(i))
        {
            *slot += n;
        }
        let at = match departments.iter().position(|(d, _, _)| *d == department) {
            Some(i) => i,
            None => {
                departments.push((department, 0, 0));
                departments.len() - 1
            }
        };
        match Level::from_rank(level) {
            Some(Level::Yellow) => departments[at].1 += n,
            Some(Level::Red) => departments[at].2 += n,
            _ => {}
        }
    }
    departments.retain(|(_, y, r)| y + r > 0);
    departments.sort_by(|a, b| (b.2, b.1).cmp(&(a.2, a.1)).then_with(|| a.0.cmp(&b.0)));
    departments.truncate(10);
    Ok((levels, departments))
}

/// Warnings by level rank: (rank, open, all issued), for the metrics. Reads the
/// `(is_open, level)` index only.
pub async fn counts_by_level(db: &Db) -> Result<Vec<(i64, i64, i64)>, Error> {
    let rows = sqlx::query(
        "SELECT level, is_open, COUNT(*) AS n FROM sup_warning GROUP BY is_open, level",
    )
    .fetch_all(db.reader())
    .await?;
    let mut counts: Vec<(i64, i64, i64)> = Vec::new();
    for r in &rows {
        let level: i64 = r.try_get("level")?;
        let open = r.try_get::<i64, _>("is_open")? == 1;
        let n: i64 = r.try_get("n")?;
        let at = match counts.iter().position(|(l, _, _)| *l == level) {
            Some(i) => i,
            None => {
                counts.push((level, 0, 0));
                counts.len() - 1
            }
        };
        if open {
            counts[at].1 += n;
        }
        counts[at].2 += n;
    }
    Ok(counts)
}
