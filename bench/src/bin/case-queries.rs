//! `case-queries`: times the cases service's own store queries on a (bulk-loaded) database:
//! an approver's inbox, the public progress lookup by case number and query code, and the
//! open-case counts behind the metrics. Prints p50, p99 and max of each.
//!
//! ```sh
//! case-queries --url sqlite:///tmp/data/cases.db --calls 2000
//! ```

#![forbid(unsafe_code)]

use std::future::Future;
use std::time::Instant;

use clap::Parser;
use hdrhistogram::Histogram;
use onewindow_cases::store::{self, CaseFilter};
use onewindow_kit::db::Db;
use sqlx::Row;

#[derive(Parser)]
struct Args {
    #[arg(long)]
    url: String,
    #[arg(long, default_value_t = 2000)]
    calls: usize,
}

async fn time<F, Fut>(label: &str, calls: usize, mut call: F) -> anyhow::Result<()>
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = anyhow::Result<usize>>,
{
    let mut h = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3)?;
    let mut rows = 0;
    for i in 0..calls {
        let t0 = Instant::now();
        rows += call(i).await?;
        h.record(u64::try_from(t0.elapsed().as_micros())?.max(1))?;
    }
    println!(
        "{label}: {calls} calls, p50 {} us, p99 {} us, max {} us, {:.1} rows per call",
        h.value_at_quantile(0.5),
        h.value_at_quantile(0.99),
        h.max(),
        rows as f64 / calls.max(1) as f64
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let db = Db::connect(&args.url, None).await?;
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cs_case")
        .fetch_one(db.reader())
        .await?;
    println!("{total} cases");
    let inboxes: Vec<(String, String)> = sqlx::query(
        "SELECT DISTINCT department_id, region_code FROM cs_case WHERE awaiting_role = 'approver'",
    )
    .fetch_all(db.reader())
    .await?
    .iter()
    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
    .collect::<Result<_, sqlx::Error>>()?;
    anyhow::ensure!(!inboxes.is_empty(), "no case awaits an approver");
    let lookups: Vec<(String, String)> = sqlx::query(
        "SELECT case_number, query_code_hash FROM cs_case ORDER BY RANDOM() LIMIT 1000",
    )
    .fetch_all(db.reader())
    .await?
    .iter()
    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
    .collect::<Result<_, sqlx::Error>>()?;

    time(
        "approver inbox (20, by due date, with total)",
        args.calls,
        |i| {
            let (department, region) = inboxes[i % inboxes.len()].clone();
            let db = db.clone();
            async move {
                let f = CaseFilter {
                    department_id: Some(department),
                    region_code: Some(region),
                    awaiting_role: Some("approver".into()),
                    ..Default::default()
                };
                Ok(store::list_cases(&db, &f, true, 0, 20).await?.0.len())
            }
        },
    )
    .await?;
    time("public lookup by number and query code", args.calls, |i| {
        let (number, hash) = lookups[i % lookups.len()].clone();
        let db = db.clone();
        async move {
            Ok(store::case_by_number(&db, &number, &hash)
                .await?
                .map_or(0, |_| 1))
        }
    })
    .await?;
    time("open cases by state (metrics)", args.calls / 10, |_| {
        let db = db.clone();
        async move { Ok(store::open_case_counts(&db).await?.len()) }
    })
    .await?;
    Ok(())
}
