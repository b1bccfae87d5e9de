//! `supervision-scan`: times supervision's deadline scan (`Supervision::scan_now`, the
//! scanner's own function) on a bulk-loaded database, with a chosen number of deadlines
//! newly due and everything else open but not due: the scan's cost should follow what is
//! newly due, not how many cases are open.
//!
//! The service runs in this process on the database, with a clock standing on the scan day
//! (the day `bulk-supervision` kept clear) and its own periodic scan pushed out of the way.
//! Before each timed scan, `--newly-due` deadlines are added whose next level (an early
//! warning, a yellow or a red card; of cases and of stages, in equal parts) falls due on the
//! scan day, each of a case of its own (ids unique to this process) in a department and
//! region of the loaded cases. After it, they are removed and the warnings it issued for them
//! closed, as when their stages complete: every run starts alike, and the open warnings the
//! dashboard counts are the loaded ones. During each timed scan a probe makes the one-row write
//! transaction a followed event makes, every 10 ms, and times it: supervision's SQLite
//! database has a single writer, so that is how long an event waits while the scan writes.
//!
//! ```sh
//! supervision-scan --url sqlite:///tmp/data/supervision.db --newly-due 0,100,1000,10000
//! ```

#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use clap::Parser;
use hdrhistogram::Histogram;
use onewindow_bench::supervision::{regions, scan_day, RegionCalendars};
use onewindow_kit::clock::{start_of_local_date, Clock};
use onewindow_kit::db::Db;
use onewindow_kit::error::Error;
use onewindow_supervision::domain::deadline::{Level, Scope, Watch};
use onewindow_supervision::domain::terms::Stage;
use onewindow_supervision::{store, CaseVerifier, Supervision, SupervisionSettings, VerifiedCase};
use sqlx::Row;

#[derive(Parser)]
struct Args {
    #[arg(long)]
    url: String,
    /// Deadlines newly due in each timed scan, one figure per value.
    #[arg(long, value_delimiter = ',', default_value = "0,100,1000,10000")]
    newly_due: Vec<u64>,
    /// Timed scans per value.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Deadlines per scan transaction (`supervision.scan_batch`; the service's default
    /// when not given).
    #[arg(long)]
    batch: Option<u32>,
    /// What-if: the writer's SQLite page cache in MiB (the service leaves SQLite's default
    /// of about 2 MiB).
    #[arg(long)]
    cache_mib: Option<u32>,
}

/// Evaluations are not measured here: every case is unknown.
struct NoCases;

#[tonic::async_trait]
impl CaseVerifier for NoCases {
    async fn verify(&self, _number: &str, _code: &str) -> Result<VerifiedCase, Error> {
        Err(Error::not_found("case", "in the scan benchmark"))
    }
}

/// What a newly due deadline copies from a loaded open case.
struct Owner {
    case_number: String,
    item_id: String,
    department_id: String,
    region_code: String,
}

const KINDS: [(Scope, Level); 6] = [
    (Scope::Case, Level::Early),
    (Scope::Case, Level::Yellow),
    (Scope::Case, Level::Red),
    (Scope::Stage(Stage::Review), Level::Early),
    (Scope::Stage(Stage::Review), Level::Yellow),
    (Scope::Stage(Stage::Review), Level::Red),
];

fn previous(level: Level) -> Option<Level> {
    match level {
        Level::Early => None,
        Level::Yellow => Some(Level::Early),
        Level::Red => Some(Level::Yellow),
    }
}

/// The consumer row the write probe moves (its own, so no real consumer is touched).
const PROBE: &str = "bench<-scan-probe";

/// Until `stop`, every 10 ms: the write a consumer makes for one event (begin, move its
/// offset row, commit), timed from asking for the transaction to the commit. Supervision's
/// SQLite database has one writer, so this is how long an event arriving during the scan
/// waits to be applied.
async fn probe_writes(db: Db, stop: Arc<AtomicBool>) -> anyhow::Result<Histogram<u64>> {
    let mut h = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3)?;
    while !stop.load(Ordering::Relaxed) {
        let t0 = Instant::now();
        let mut tx = db.begin().await?;
        sqlx::query("UPDATE kit_consumer_offset SET last_seq = last_seq + 1 WHERE consumer = $1")
            .bind(PROBE)
            .execute(&mut *tx)
            .await?;
        db.commit(tx).await?;
        h.record(u64::try_from(t0.elapsed().as_micros())?.max(1))?;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(h)
}

async fn count(db: &Db, sql: &str) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar(sql).fetch_one(db.reader()).await?)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let db = Db::connect(&args.url, None).await?;
    if let Some(mib) = args.cache_mib {
        // The writer pool holds one connection: this is the connection every scan uses.
        sqlx::query(&format!("PRAGMA cache_size = -{}", u64::from(mib) * 1024))
            .execute(db.writer())
            .await?;
    }
    let defaults = SupervisionSettings::default();
    let settings = SupervisionSettings {
        // The service's own periodic scan must not run between the timed ones.
        scan_interval_secs: 30 * 86_400,
        scan_batch: args.batch.unwrap_or(defaults.scan_batch),
        ..defaults
    };
    let (case_t, stage_t) = (settings.case_thresholds, settings.stage_thresholds);
    let mut calendars = RegionCalendars::load(&db).await?;
    let regions = regions(&db).await?;
    let day = scan_day(&mut calendars, &regions);

    // For each region and kind, a due date whose level falls due on the scan day.
    let mut due_on: HashMap<(String, usize), NaiveDate> = HashMap::new();
    for region in &regions {
        let calendar = calendars.get(region).clone();
        for (k, (scope, level)) in KINDS.iter().enumerate() {
            let t = match scope {
                Scope::Case => &case_t,
                Scope::Stage(_) => &stage_t,
            };
            let found = (-30..=30)
                .map(|d| day + chrono::Duration::days(d))
                .find(|due| t.date_of(*level, *due, &calendar).ok() == Some(day));
            let Some(due) = found else {
                anyhow::bail!("no due date makes {level} fall due on {day} in {region}");
            };
            due_on.insert((region.clone(), k), due);
        }
    }
    let owners: Vec<Owner> = sqlx::query(
        "SELECT case_number, item_id, department_id, region_code FROM sup_case \
         WHERE state = 'in_progress' LIMIT 1000",
    )
    .fetch_all(db.reader())
    .await?
    .iter()
    .map(|r| {
        Ok(Owner {
            case_number: r.try_get("case_number")?,
            item_id: r.try_get("item_id")?,
            department_id: r.try_get("department_id")?,
            region_code: r.try_get("region_code")?,
        })
    })
    .collect::<Result<_, sqlx::Error>>()?;
    anyhow::ensure!(!owners.is_empty(), "no open case record to copy");

    println!(
        "scan day {day}: {} case records, {} open, {} watched deadlines ({} already due), {} warnings ({} open)",
        count(&db, "SELECT COUNT(*) FROM sup_case").await?,
        count(&db, "SELECT COUNT(*) FROM sup_case WHERE state = 'in_progress'").await?,
        count(&db, "SELECT COUNT(*) FROM sup_watch").await?,
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sup_watch WHERE next_check <= $1")
            .bind(day.to_string())
            .fetch_one(db.reader())
            .await?,
        count(&db, "SELECT COUNT(*) FROM sup_warning").await?,
        count(&db, "SELECT COUNT(*) FROM sup_warning WHERE is_open = 1").await?,
    );
    let plan = sqlx::query(
        "EXPLAIN QUERY PLAN SELECT body FROM sup_watch WHERE next_check <= $1 \
         ORDER BY next_check, subject_key LIMIT $2",
    )
    .bind(day.to_string())
    .bind(i64::from(settings.scan_batch))
    .fetch_all(db.reader())
    .await;
    if let Ok(rows) = plan {
        let steps: Vec<String> = rows
            .iter()
            .filter_map(|r| r.try_get::<String, _>("detail").ok())
            .collect();
        println!("the scanner's read (SQLite plan): {}", steps.join("; "));
    }

    let start_at = start_of_local_date(day) + chrono::Duration::hours(10);
    let (clock, _hands) = Clock::manual(start_at);
    let batch = settings.scan_batch;
    let service = Supervision::start(db.clone(), clock, settings, Arc::new(NoCases)).await?;
    // Its first scan runs at start; let it finish.
    tokio::time::sleep(Duration::from_secs(1)).await;

    // Cases of earlier processes on this database have issued warnings already.
    let stamp = chrono::Utc::now().timestamp_millis();
    let mut serial = 0_u64;
    sqlx::query(
        "INSERT INTO kit_consumer_offset (consumer, last_seq) VALUES ($1, 0) \
         ON CONFLICT (consumer) DO NOTHING",
    )
    .bind(PROBE)
    .execute(db.writer())
    .await?;
    for &x in &args.newly_due {
        let mut times = Vec::new();
        let mut probe_waits = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3)?;
        for run in 0..args.runs.max(1) {
            let mut added = Vec::new();
            let mut tx = db.begin().await?;
            for i in 0..x {
                serial += 1;
                let owner = &owners[usize::try_from(i)? % owners.len()];
                let k = usize::try_from(serial)? % KINDS.len();
                let (scope, level) = KINDS[k];
                let w = Watch {
                    case_id: format!("fg-{stamp}-{serial:09}"),
                    scope,
                    case_number: owner.case_number.clone(),
                    item_id: owner.item_id.clone(),
                    department_id: owner.department_id.clone(),
                    office_id: String::new(),
                    region_code: owner.region_code.clone(),
                    due: due_on[&(owner.region_code.clone(), k)],
                    reached: previous(level),
                    suspended: false,
                    staff_subject: "bench-staff".into(),
                };
                store::cases::save_watch(&mut tx, &w, day).await?;
                added.push(w.case_id);
            }
            db.commit(tx).await?;

            // Meanwhile, the small write transaction a followed event makes, every 10 ms.
            let stop = Arc::new(AtomicBool::new(false));
            let probe = tokio::spawn(probe_writes(db.clone(), stop.clone()));
            let t0 = Instant::now();
            let report = service.scan_now().await?;
            let took = t0.elapsed();
            stop.store(true, Ordering::Relaxed);
            probe_waits.add(&probe.await??)?;
            times.push(took);
            if report.checked != x || report.issued != x {
                println!(
                    "  run {}: checked {}, issued {} (expected {x} each)",
                    run + 1,
                    report.checked,
                    report.issued
                );
            }

            let mut tx = db.begin().await?;
            for id in &added {
                sqlx::query("DELETE FROM sup_watch WHERE case_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "UPDATE sup_warning SET is_open = 0, closed_at = $2, \
                     close_reason = 'completed' WHERE case_id = $1",
                )
                .bind(id)
                .bind(start_at.timestamp_millis())
                .execute(&mut *tx)
                .await?;
            }
            // Closed here by hand, not by the service: the dashboard's counts follow.
            store::warnings::recount_open(&mut tx).await?;
            db.commit(tx).await?;
        }
        times.sort();
        let median = times[times.len() / 2];
        let per = if x > 0 {
            format!(
                ", {:.0} us per newly due deadline",
                median.as_secs_f64() * 1e6 / x as f64
            )
        } else {
            String::new()
        };
        println!(
            "newly due {x}: scan median {:.1} ms (runs: {}){per}; {} transactions of at most {batch}",
            median.as_secs_f64() * 1e3,
            times
                .iter()
                .map(|t| format!("{:.1}", t.as_secs_f64() * 1e3))
                .collect::<Vec<_>>()
                .join(", "),
            x / u64::from(batch) + 1,
        );
        println!(
            "  meanwhile, a one-row write transaction every 10 ms: {} of them, p50 {:.1} ms, \
             p99 {:.1} ms, max {:.1} ms",
            probe_waits.len(),
            probe_waits.value_at_quantile(0.5) as f64 / 1e3,
            probe_waits.value_at_quantile(0.99) as f64 / 1e3,
            probe_waits.max() as f64 / 1e3,
        );
    }
    service.shutdown();
    Ok(())
}
