//! `supervision-queries`: times, one by one, the store queries behind supervision's
//! dashboard and reports on a (bulk-loaded) database, so that a slow RPC can be traced to
//! its query. Prints p50, p99 and max of each.
//!
//! ```sh
//! supervision-queries --url sqlite:///tmp/data/supervision.db --calls 200
//! ```

#![forbid(unsafe_code)]

use std::future::Future;
use std::time::Instant;

use chrono::Duration;
use clap::Parser;
use hdrhistogram::Histogram;
use onewindow_kit::db::Db;
use onewindow_supervision::store::{self, stats::Grouping};

#[derive(Parser)]
struct Args {
    #[arg(long)]
    url: String,
    #[arg(long, default_value_t = 200)]
    calls: usize,
    /// Days up to today that the reports cover.
    #[arg(long, default_value_t = 30)]
    period_days: i64,
}

async fn time<F, Fut>(label: &str, calls: usize, mut call: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<usize>>,
{
    let mut h = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3)?;
    let mut rows = 0;
    for _ in 0..calls {
        let t0 = Instant::now();
        rows += call().await?;
        h.record(u64::try_from(t0.elapsed().as_micros())?.max(1))?;
    }
    println!(
        "{label}: {calls} calls, p50 {} us, p99 {} us, max {} us, {:.0} rows",
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
    let today = onewindow_kit::clock::local_date(chrono::Utc::now());
    let from = today - Duration::days(args.period_days);
    let n = args.calls;
    println!("dashboard, every region:");
    time("  open cases (sup_case by state)", n, || async {
        store::cases::open_cases(&db, "").await?;
        Ok(1)
    })
    .await?;
    time(
        "  open warnings by department and level (sup_warning)",
        n,
        || async { Ok(store::warnings::open_counts(&db, "").await?.1.len()) },
    )
    .await?;
    time("  today's figures (sup_daily)", n, || async {
        store::stats::total(&db, today, today, "").await?;
        Ok(1)
    })
    .await?;
    time("  open violations", n, || async {
        store::violations::open_count(&db, "").await?;
        Ok(1)
    })
    .await?;
    time("  open complaints", n, || async {
        store::complaints::open_count(&db, "").await?;
        Ok(1)
    })
    .await?;
    println!("reports over {} days:", args.period_days);
    time("  performance per department (sup_daily)", n, || async {
        Ok(
            store::stats::grouped(&db, Grouping::Department, from, today, "", "")
                .await?
                .len(),
        )
    })
    .await?;
    time("  mailroom per department (sup_case)", n, || async {
        Ok(store::stats::mailroom(&db, from, today, "").await?.len())
    })
    .await?;
    Ok(())
}
