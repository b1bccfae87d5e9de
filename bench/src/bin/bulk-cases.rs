//! `bulk-cases`: fills a cases database with many cases quickly, for measuring the queries
//! at a city's size. The cases are copies of the ones already stored (the standalone binary's
//! demo cases: real bodies the service wrote), with new ids, numbers, applicants, submission
//! times over the past years and due dates around today, in the proportions of a running
//! center: most cases concluded, the rest open in each state. Rows go in with multi-row
//! INSERTs in large transactions, straight into the service's tables.
//!
//! ```sh
//! bulk-cases --url sqlite:///tmp/data/cases.db --cases 1000000
//! ```
//!
//! Two shapes of backlog. By default every open case (a fifth of all) is in the last 60
//! days: the open backlog grows with the cases loaded, the worst case for the queries that
//! count open cases. With `--steady-intake` submissions are spread evenly over the years
//! and only those of the last 60 days may still be open, in the same proportions: the
//! backlog of a center taking in the same number of cases every day, whatever the total.
//!
//! Materials and the outbox are not copied: the queries measured read neither.

#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::time::Instant;

use clap::Parser;
use onewindow_kit::db::{Backend, Db};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::Row;

#[derive(Parser)]
struct Args {
    #[arg(long)]
    url: String,
    #[arg(long, default_value_t = 1_000_000)]
    cases: u64,
    /// Rows per transaction.
    #[arg(long, default_value_t = 50_000)]
    batch: u64,
    /// Spread submissions evenly over the years; only the last 60 days' may be open.
    #[arg(long)]
    steady_intake: bool,
}

/// Open cases are at most this old.
const OPEN_WINDOW_MS: i64 = 60 * 86_400_000;

/// Rows per INSERT statement: 15 columns each, well under SQLite's parameter limit.
const ROWS_PER_STATEMENT: usize = 200;
/// The columns of `cs_case` each row binds.
const COLUMNS: usize = 16;
/// Serials of bulk cases start here, above what the service numbers on its own; past the
/// last six-digit serial they go on from `WRAP_SERIAL`. Open cases are all recent, so the
/// current year takes more than its share.
const FIRST_SERIAL: u32 = 600_000;
const WRAP_SERIAL: u32 = 100_000;
const MAX_PER_REGION_YEAR: u64 = 390_000;

#[derive(Clone)]
struct Template {
    id: String,
    case_number: String,
    query_code_hash: String,
    item_id: String,
    department_id: String,
    region_code: String,
    state: String,
    awaiting_role: String,
    awaiting_stage: Option<String>,
    applicant_subject: Option<String>,
    body: String,
}

/// The share of each state among stored cases: a center concludes most of what it receives.
const STATE_WEIGHTS: &[(&str, u32)] = &[
    ("concluded", 80),
    ("intake_refused", 4),
    ("withdrawn", 2),
    ("submitted", 3),
    ("supplement_requested", 2),
    ("in_progress", 9),
];

struct Row15 {
    id: String,
    case_number: String,
    t: usize,
    subject: Option<String>,
    due_date: Option<String>,
    submitted_at: i64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let db = Db::connect(&args.url, None).await?;
    let rows = sqlx::query(
        "SELECT id, case_number, query_code_hash, item_id, department_id, region_code, state, \
         awaiting_role, awaiting_stage, applicant_subject, body FROM cs_case",
    )
    .fetch_all(db.reader())
    .await?;
    let mut templates = Vec::new();
    for r in &rows {
        templates.push(Template {
            id: r.try_get("id")?,
            case_number: r.try_get("case_number")?,
            query_code_hash: r.try_get("query_code_hash")?,
            item_id: r.try_get("item_id")?,
            department_id: r.try_get("department_id")?,
            region_code: r.try_get("region_code")?,
            state: r.try_get("state")?,
            awaiting_role: r.try_get("awaiting_role")?,
            awaiting_stage: r.try_get("awaiting_stage")?,
            applicant_subject: r.try_get("applicant_subject")?,
            body: r.try_get("body")?,
        });
    }
    anyhow::ensure!(!templates.is_empty(), "the database holds no case to copy");
    let mut by_state: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, t) in templates.iter().enumerate() {
        by_state.entry(t.state.as_str()).or_default().push(i);
    }
    let weights: Vec<(&Vec<usize>, u32)> = STATE_WEIGHTS
        .iter()
        .filter_map(|(s, w)| by_state.get(s).map(|list| (list, *w)))
        .collect();
    // The states a case older than the open window is in.
    let ended: Vec<(&Vec<usize>, u32)> = weights
        .iter()
        .filter(|(list, _)| {
            let tpl = &templates[list[0]];
            tpl.awaiting_role.is_empty() && tpl.state != "in_progress"
        })
        .cloned()
        .collect();
    anyhow::ensure!(
        !ended.is_empty(),
        "the database holds no concluded case to copy"
    );
    let regions: std::collections::HashSet<&str> =
        templates.iter().map(|t| t.region_code.as_str()).collect();
    let years = (args.cases / (MAX_PER_REGION_YEAR * regions.len().max(1) as u64) + 1).max(3);
    println!(
        "{} templates in {} states, {} regions; submissions over {years} years",
        templates.len(),
        by_state.len(),
        regions.len()
    );

    let now_ms = chrono::Utc::now().timestamp_millis();
    let today = chrono::Utc::now().date_naive();
    let span_ms = i64::try_from(years)? * 365 * 86_400_000;
    let mut rng = StdRng::seed_from_u64(7);
    let mut serials: HashMap<(String, i32), u32> = HashMap::new();
    let start = Instant::now();
    let mut done = 0_u64;
    while done < args.cases {
        let n = args.batch.min(args.cases - done);
        let mut batch = Vec::with_capacity(usize::try_from(n)?);
        for i in 0..n {
            let steady_age = args.steady_intake.then(|| rng.gen_range(0..span_ms));
            let states = match steady_age {
                Some(age) if age >= OPEN_WINDOW_MS => &ended,
                _ => &weights,
            };
            let list = pick_weighted(&mut rng, states);
            let t = list[rng.gen_range(0..list.len())];
            let tpl = &templates[t];
            // Open cases are recent; concluded ones spread over the years.
            let age = match steady_age {
                Some(age) => age,
                None if tpl.awaiting_role.is_empty() && tpl.state != "in_progress" => {
                    rng.gen_range(0..span_ms)
                }
                None => rng.gen_range(0..OPEN_WINDOW_MS),
            };
            let submitted_at = now_ms - age;
            let year = chrono::DateTime::from_timestamp_millis(submitted_at)
                .map_or(2026, |d| chrono::Datelike::year(&d));
            let serial = serials
                .entry((tpl.region_code.clone(), year))
                .or_insert(FIRST_SERIAL);
            *serial = match *serial {
                999_999 => WRAP_SERIAL,
                s => s + 1,
            };
            // A case number has six digits: a region-year holds 900 000 bulk cases at most.
            anyhow::ensure!(
                *serial != FIRST_SERIAL,
                "more than 900 000 cases in {} in {year}: load fewer",
                tpl.region_code
            );
            let due_date = (!tpl.awaiting_role.is_empty() || tpl.state == "in_progress")
                .then(|| (today + chrono::Duration::days(rng.gen_range(-10..30))).to_string());
            batch.push(Row15 {
                id: format!("bulk-{:012}", done + i),
                case_number: format!("{}-{year}-{:06}", tpl.region_code, serial),
                t,
                subject: tpl
                    .applicant_subject
                    .as_ref()
                    .map(|_| format!("bulk-citizen-{}", rng.gen_range(0..200_000))),
                due_date,
                submitted_at,
            });
        }
        let mut tx = db.begin().await?;
        for chunk in batch.chunks(ROWS_PER_STATEMENT) {
            let mut sql = String::from(
                "INSERT INTO cs_case (id, case_number, query_code_hash, item_id, department_id, \
                 region_code, state, awaiting_role, awaiting_stage, applicant_subject, \
                 applicant_key, bundle_case_id, due_date, submitted_at, revision, body) VALUES ",
            );
            for r in 0..chunk.len() {
                if r > 0 {
                    sql.push(',');
                }
                sql.push('(');
                for c in 1..=COLUMNS {
                    if c > 1 {
                        sql.push(',');
                    }
                    sql.push_str(&format!("${}", r * COLUMNS + c));
                }
                sql.push(')');
            }
            let mut q = sqlx::query(&sql);
            for row in chunk {
                let tpl = &templates[row.t];
                let mut body = tpl.body.replacen(&tpl.id, &row.id, 1).replacen(
                    &tpl.case_number,
                    &row.case_number,
                    1,
                );
                if let (Some(old), Some(new)) = (&tpl.applicant_subject, &row.subject) {
                    body = body.replace(old.as_str(), new);
                }
                q = q
                    .bind(row.id.clone())
                    .bind(row.case_number.clone())
                    .bind(tpl.query_code_hash.clone())
                    .bind(tpl.item_id.clone())
                    .bind(tpl.department_id.clone())
                    .bind(tpl.region_code.clone())
                    .bind(tpl.state.clone())
                    .bind(tpl.awaiting_role.clone())
                    .bind(tpl.awaiting_stage.clone())
                    .bind(row.subject.clone())
                    .bind(format!("bulk-key-{}", row.subject.as_deref().unwrap_or("")))
                    .bind(None::<String>)
                    .bind(row.due_date.clone())
                    .bind(row.submitted_at)
                    .bind(1_i64)
                    .bind(body);
            }
            q.execute(&mut *tx).await?;
        }
        db.commit(tx).await?;
        done += n;
        println!(
            "{done} cases in {:.1} s ({:.0}/s)",
            start.elapsed().as_secs_f64(),
            done as f64 / start.elapsed().as_secs_f64()
        );
    }
    // A table at rest, as the service's would be: its statistics gathered, and on
    // PostgreSQL its pages marked all-visible as autovacuum does, so that the inbox's count
    // reads the index alone (a table just loaded reads every heap page for it instead).
    let settle = match db.backend() {
        Backend::Sqlite => "ANALYZE",
        Backend::Postgres => "VACUUM (ANALYZE)",
    };
    println!("{settle}");
    sqlx::query(settle).execute(db.writer()).await?;
    println!(
        "loaded {done} cases in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// One of the lists, each as likely as its weight.
fn pick_weighted<'a>(rng: &mut StdRng, lists: &[(&'a Vec<usize>, u32)]) -> &'a Vec<usize> {
    let total: u32 = lists.iter().map(|(_, w)| w).sum();
    let mut pick = rng.gen_range(0..total);
    for (list, w) in lists {
        if pick < *w {
            return list;
        }
        pick -= w;
    }
    lists[lists.len() - 1].0
}
