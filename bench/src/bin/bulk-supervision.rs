//! `bulk-supervision`: fills supervision's database with many case records, for measuring
//! the deadline scan and the dashboard at a city's size. What a bulk load of the cases
//! database does not give: supervision's own projection of the cases stream.
//!
//! The records are copies of the ones already stored (the standalone binary's demo cases,
//! as supervision recorded them from their events), with new ids and numbers and their dates
//! moved: concluded cases over the past years, open ones recent, with due dates from 15 days
//! ago to 40 days ahead. Each open case keeps its template's watched deadlines (the case's
//! and its open stage's), assessed as the scanner would have left them after yesterday's
//! scan: every level passed is issued as an open warning, and the next check is the next
//! level's date. No background deadline is due on the scan day itself, so the scan bench
//! (`supervision-scan`) decides exactly how many are newly due. Some concluded cases were
//! late and carry closed warnings. The figures per day and department (`sup_daily`) count
//! what these records count. Rows are written with supervision's own store functions, in
//! large transactions.
//!
//! ```sh
//! bulk-supervision --url sqlite:///tmp/data/supervision.db --cases 1000000
//! ```
//!
//! Not loaded: violations, evaluations, complaints, bulletins, outbox and audit rows.

#![forbid(unsafe_code)]

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use chrono::{Datelike, Duration, NaiveDate};
use clap::Parser;
use onewindow_bench::supervision::{regions, scan_day, RegionCalendars};
use onewindow_kit::clock::start_of_local_date;
use onewindow_kit::db::{Backend, Db};
use onewindow_supervision::domain::case::{CaseRecord, CaseState};
use onewindow_supervision::domain::deadline::{Due, Level, Scope, Warning, Watch};
use onewindow_supervision::domain::performance::{Counts, StatDelta};
use onewindow_supervision::store;
use onewindow_supervision::SupervisionSettings;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::Row;

#[derive(Parser)]
struct Args {
    #[arg(long)]
    url: String,
    #[arg(long, default_value_t = 1_000_000)]
    cases: u64,
    /// Cases per transaction.
    #[arg(long, default_value_t = 20_000)]
    batch: u64,
    /// Concluded cases spread over this many years.
    #[arg(long, default_value_t = 3)]
    years: i64,
    /// Run ANALYZE after loading (the service itself never does).
    #[arg(long)]
    analyze: bool,
}

/// The share of each state among records: a center concludes most of what it receives
/// (the same proportions as `bulk-cases`).
const STATE_WEIGHTS: &[(CaseState, u32)] = &[
    (CaseState::Concluded, 80),
    (CaseState::IntakeRefused, 4),
    (CaseState::Withdrawn, 2),
    (CaseState::Submitted, 3),
    (CaseState::SupplementRequested, 2),
    (CaseState::InProgress, 9),
];
/// Concluded cases that were late and had an early warning and a yellow card (a third of
/// them a red card too), closed when they concluded.
const LATE_SHARE: f64 = 0.12;
const FIRST_SERIAL: u32 = 600_000;

struct Template {
    record: CaseRecord,
    watches: Vec<Watch>,
}

/// Everything of one generated case.
struct Generated {
    record: CaseRecord,
    watches: Vec<(Watch, NaiveDate)>,
    warnings: Vec<Warning>,
}

fn shift(r: &mut CaseRecord, by: Duration) {
    let move_opt = |d: &mut Option<NaiveDate>| {
        if let Some(x) = d {
            *x += by;
        }
    };
    move_opt(&mut r.submitted_on);
    move_opt(&mut r.accepted_on);
    move_opt(&mut r.planned_due);
    move_opt(&mut r.latest_due);
    move_opt(&mut r.concluded_on);
    for s in &mut r.stages {
        move_opt(&mut s.started_on);
        move_opt(&mut s.due);
        move_opt(&mut s.completed_on);
    }
    for s in &mut r.suspensions {
        s.started_on += by;
        move_opt(&mut s.ended_on);
    }
    for e in &mut r.extensions {
        e.approved_on += by;
    }
}

fn issued_at(on: NaiveDate) -> chrono::DateTime<chrono::Utc> {
    start_of_local_date(on) + Duration::hours(9)
}

fn count(
    stats: &mut BTreeMap<(NaiveDate, String, String), Counts>,
    r: &CaseRecord,
    on: NaiveDate,
    c: Counts,
) {
    *stats
        .entry((on, r.case.department_id.clone(), r.case.region_code.clone()))
        .or_default() += c;
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let db = Db::connect(&args.url, None).await?;
    let settings = SupervisionSettings::default();
    let (case_t, stage_t) = (&settings.case_thresholds, &settings.stage_thresholds);

    let mut templates: Vec<Template> = Vec::new();
    for row in sqlx::query("SELECT case_id, body FROM sup_case WHERE case_id NOT LIKE 'bulk-%'")
        .fetch_all(db.reader())
        .await?
    {
        let id: String = row.try_get("case_id")?;
        let body: String = row.try_get("body")?;
        let record: CaseRecord = serde_json::from_str(&body)?;
        let mut watches = Vec::new();
        for w in sqlx::query_scalar::<_, String>("SELECT body FROM sup_watch WHERE case_id = $1")
            .bind(&id)
            .fetch_all(db.reader())
            .await?
        {
            watches.push(serde_json::from_str::<Watch>(&w)?);
        }
        templates.push(Template { record, watches });
    }
    anyhow::ensure!(
        !templates.is_empty(),
        "the database holds no case record to copy"
    );
    let mut by_state: HashMap<&'static str, Vec<usize>> = HashMap::new();
    for (i, t) in templates.iter().enumerate() {
        // An open template is useful only with a due date to move.
        if t.record.state == CaseState::InProgress && t.record.planned_due.is_none() {
            continue;
        }
        by_state.entry(t.record.state.as_str()).or_default().push(i);
    }
    let weights: Vec<(CaseState, &Vec<usize>, u32)> = STATE_WEIGHTS
        .iter()
        .filter_map(|(s, w)| by_state.get(s.as_str()).map(|list| (*s, list, *w)))
        .collect();
    let total_weight: u32 = weights.iter().map(|(_, _, w)| w).sum();

    let mut calendars = RegionCalendars::load(&db).await?;
    let day = scan_day(&mut calendars, &regions(&db).await?);
    let yesterday = day - Duration::days(1);
    println!(
        "{} templates in {} states; scan day {day}: no loaded deadline falls due on it",
        templates.len(),
        by_state.len()
    );

    let mut rng = StdRng::seed_from_u64(11);
    let mut serials: HashMap<(String, i32), u32> = HashMap::new();
    let mut stats: BTreeMap<(NaiveDate, String, String), Counts> = BTreeMap::new();
    let (mut n_watches, mut n_open_warnings, mut n_closed_warnings) = (0_u64, 0_u64, 0_u64);
    let start = Instant::now();
    let mut done = 0_u64;
    while done < args.cases {
        let n = args.batch.min(args.cases - done);
        let mut batch = Vec::with_capacity(usize::try_from(n)?);
        for i in 0..n {
            let mut pick = rng.gen_range(0..total_weight);
            let (mut state, mut list) = (weights[0].0, weights[0].1);
            for (s, l, w) in &weights {
                if pick < *w {
                    (state, list) = (*s, l);
                    break;
                }
                pick -= w;
            }
            let tpl = &templates[list[rng.gen_range(0..list.len())]];
            let case_id = format!("bulk-{:012}", done + i);
            let g = match state {
                CaseState::InProgress => open_case(
                    tpl,
                    &case_id,
                    day,
                    yesterday,
                    &mut rng,
                    &mut calendars,
                    case_t,
                    stage_t,
                )?,
                CaseState::Concluded => concluded_case(
                    tpl,
                    &case_id,
                    day,
                    args.years,
                    &mut rng,
                    &mut calendars,
                    case_t,
                )?,
                _ => {
                    let mut record = tpl.record.clone();
                    let from = record.submitted_on.unwrap_or(day);
                    let target = day - Duration::days(rng.gen_range(0..60));
                    shift(&mut record, target - from);
                    Generated {
                        record,
                        watches: Vec::new(),
                        warnings: Vec::new(),
                    }
                }
            };
            batch.push((case_id, g));
        }
        let mut tx = db.begin().await?;
        for (case_id, mut g) in batch {
            let r = &mut g.record;
            let on = r.accepted_on.or(r.submitted_on).unwrap_or(day);
            let serial = serials
                .entry((r.case.region_code.clone(), on.year()))
                .or_insert(FIRST_SERIAL);
            *serial += 1;
            r.case.case_id = case_id.clone();
            r.case.case_number = format!("{}-{}-{:06}", r.case.region_code, on.year(), serial);
            if let Some(a) = r.accepted_on {
                count(
                    &mut stats,
                    r,
                    a,
                    Counts {
                        accepted: 1,
                        ..Counts::default()
                    },
                );
            }
            if let (Some(c), Some(a)) = (r.concluded_on, r.accepted_on) {
                let cal = calendars.get(&r.case.region_code);
                let used = cal.count_working_days(a, c.max(a))?.value;
                let promised = match r.planned_due {
                    Some(p) => cal.count_working_days(a, p.max(a))?.value,
                    None => used,
                };
                r.working_days_used = Some(used);
                count(
                    &mut stats,
                    r,
                    c,
                    Counts {
                        concluded: 1,
                        on_time: i64::from(!r.late),
                        working_days_used: i64::from(used),
                        promised_days: i64::from(promised),
                        ..Counts::default()
                    },
                );
            }
            store::cases::save_case(&mut tx, &g.record).await?;
            for (mut w, next) in g.watches {
                w.case_id = case_id.clone();
                w.case_number = g.record.case.case_number.clone();
                store::cases::save_watch(&mut tx, &w, next).await?;
                n_watches += 1;
            }
            for mut w in g.warnings {
                w.case_id = case_id.clone();
                w.case_number = g.record.case.case_number.clone();
                count(
                    &mut stats,
                    &g.record,
                    w.reached_on,
                    Counts::warning(w.level),
                );
                if w.open {
                    n_open_warnings += 1;
                } else {
                    n_closed_warnings += 1;
                }
                store::warnings::insert(&mut tx, &w).await?;
            }
        }
        db.commit(tx).await?;
        done += n;
        println!(
            "{done} case records in {:.1} s ({:.0}/s)",
            start.elapsed().as_secs_f64(),
            done as f64 / start.elapsed().as_secs_f64()
        );
    }
    let mut tx = db.begin().await?;
    // The warnings went in through the store, not the service's effects: count the open ones.
    store::warnings::recount_open(&mut tx).await?;
    let days = stats.len();
    for ((on, department_id, region_code), counts) in stats {
        store::stats::bump(
            &mut tx,
            &StatDelta {
                day: on,
                department_id,
                region_code,
                counts,
            },
        )
        .await?;
    }
    db.commit(tx).await?;
    if args.analyze {
        sqlx::query("ANALYZE").execute(db.writer()).await?;
    }
    // A service's database at rest: on SQLite the pages in the file, not hundreds of
    // megabytes of them still in the write-ahead log (reads through a long log are slower);
    // on PostgreSQL the pages marked all-visible, as autovacuum does, so that counts can
    // read an index alone.
    let settle = match db.backend() {
        Backend::Sqlite => "PRAGMA wal_checkpoint(TRUNCATE)",
        Backend::Postgres => "VACUUM",
    };
    sqlx::query(settle).execute(db.writer()).await?;
    println!(
        "loaded {done} case records, {n_watches} watched deadlines, {n_open_warnings} open and \
         {n_closed_warnings} closed warnings, {days} department-days of figures in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// An open case whose due date lies between 15 days ago and 40 days ahead, accepted before
/// today, its deadlines as yesterday's scan left them and none due on `day`.
#[allow(clippy::too_many_arguments)]
fn open_case(
    tpl: &Template,
    case_id: &str,
    day: NaiveDate,
    yesterday: NaiveDate,
    rng: &mut StdRng,
    calendars: &mut RegionCalendars,
    case_t: &onewindow_supervision::domain::deadline::Thresholds,
    stage_t: &onewindow_supervision::domain::deadline::Thresholds,
) -> anyhow::Result<Generated> {
    let base_due = tpl.record.planned_due.unwrap_or(day);
    let accepted = tpl.record.accepted_on.unwrap_or(base_due);
    let low = (day - Duration::days(15) - base_due).num_days();
    let high = (day + Duration::days(40) - base_due)
        .num_days()
        .min((yesterday - accepted).num_days());
    let mut delta = if high > low {
        rng.gen_range(low..=high)
    } else {
        high
    };
    let calendar = calendars.get(&tpl.record.case.region_code).clone();
    for _ in 0..15 {
        let by = Duration::days(delta);
        let mut record = tpl.record.clone();
        shift(&mut record, by);
        let mut watches = Vec::new();
        let mut warnings = Vec::new();
        let mut clear = true;
        for w in &tpl.watches {
            let mut w = w.clone();
            w.due += by;
            w.reached = None;
            for d in w.assess(yesterday, case_t, stage_t, &calendar)? {
                let part = w.scope.stage().map_or("case", |s| s.as_str());
                let id = format!("{case_id}-{part}-{}", d.level);
                warnings.push(Warning::issue(id, &d, issued_at(d.reached_on)));
            }
            let next = w.next_check(case_t, stage_t, &calendar)?;
            clear &= next != day;
            watches.push((w, next));
        }
        if clear {
            return Ok(Generated {
                record,
                watches,
                warnings,
            });
        }
        // Moved a day back: what would fall due on the scan day fell due before it.
        delta -= 1;
    }
    anyhow::bail!(
        "no shift of template {} keeps the scan day clear",
        tpl.record.case.case_id
    )
}

/// A concluded case, concluded within the past `years`; some were late and had cards.
fn concluded_case(
    tpl: &Template,
    case_id: &str,
    day: NaiveDate,
    years: i64,
    rng: &mut StdRng,
    calendars: &mut RegionCalendars,
    case_t: &onewindow_supervision::domain::deadline::Thresholds,
) -> anyhow::Result<Generated> {
    let mut record = tpl.record.clone();
    let from = record.concluded_on.or(record.accepted_on).unwrap_or(day);
    let target = day - Duration::days(rng.gen_range(1..years.max(1) * 365));
    shift(&mut record, target - from);
    let mut warnings = Vec::new();
    if let (Some(accepted), Some(concluded)) = (record.accepted_on, record.concluded_on) {
        if rng.gen_bool(LATE_SHARE) && concluded > accepted + Duration::days(3) {
            let due = concluded - Duration::days(rng.gen_range(2..8));
            record.planned_due = Some(due.max(accepted));
            record.latest_due = record.planned_due;
            record.late = true;
            let calendar = calendars.get(&record.case.region_code);
            let watch = Watch {
                case_id: case_id.to_string(),
                scope: Scope::Case,
                case_number: String::new(),
                item_id: record.case.item_id.clone(),
                department_id: record.case.department_id.clone(),
                office_id: record.office_id.clone(),
                region_code: record.case.region_code.clone(),
                due: due.max(accepted),
                reached: None,
                suspended: false,
                staff_subject: record.last_actor.clone(),
            };
            let red = rng.gen_bool(1.0 / 3.0);
            for level in [Level::Early, Level::Yellow, Level::Red] {
                if level == Level::Red && !red {
                    break;
                }
                let reached_on = case_t.date_of(level, watch.due, calendar)?;
                if reached_on > concluded {
                    break;
                }
                let due = Due {
                    watch: watch.clone(),
                    level,
                    reached_on,
                };
                let mut w = Warning::issue(
                    format!("{case_id}-case-{level}"),
                    &due,
                    issued_at(reached_on),
                );
                w.open = false;
                w.closed_at = Some(issued_at(concluded) + Duration::hours(1));
                w.close_reason = "concluded".into();
                warnings.push(w);
            }
        }
    }
    Ok(Generated {
        record,
        watches: Vec::new(),
        warnings,
    })
}
