//! `cases-load`: `loadgen`'s `cases-submit` and `cases-accept` against a cases service that
//! runs in a process of its own. The item submitted to (the first promised one) is looked
//! up at `--catalog-addr`, since the cases process does not serve the catalog.
//!
//! ```sh
//! cases-load --addr 127.0.0.1:50152 --catalog-addr 127.0.0.1:50151 --target submit \
//!   --token $APPLICANT
//! cases-load --addr 127.0.0.1:50152 --catalog-addr 127.0.0.1:50151 --target accept \
//!   --token $APPLICANT --staff-token $CLERK
//! ```

#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use onewindow_bench::load::{run, Mode, Report};
use onewindow_bench::submission::{case_clients, promised_item, submission, with_token};
use onewindow_proto::cases::v1 as cases;
use onewindow_proto::cases::v1::case_service_client::CaseServiceClient;
use onewindow_proto::catalog::v1 as catalog;
use tonic::transport::Channel;

#[derive(Parser)]
struct Args {
    /// host:port of the cases service.
    #[arg(long)]
    addr: String,
    /// host:port of the catalog service.
    #[arg(long)]
    catalog_addr: String,
    #[arg(long, value_enum)]
    target: Target,
    /// Closed loop: this many callers.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Repeat the run and report each, then the median run by throughput.
    #[arg(long, default_value_t = 1)]
    runs: usize,
    /// Connections to spread callers over.
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// An applicant's token.
    #[arg(long, env = "ONEWINDOW_BENCH_TOKEN")]
    token: String,
    /// A clerk's token of the item's department, for `accept`.
    #[arg(long, env = "ONEWINDOW_BENCH_STAFF_TOKEN")]
    staff_token: Option<String>,
    /// Cases submitted (untimed) before each `accept` run.
    #[arg(long, default_value_t = 20_000)]
    prefill: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Target {
    Submit,
    Accept,
}

/// Submits `total` cases with `concurrency` callers; returns their ids.
async fn prefill(
    clients: &[CaseServiceClient<Channel>],
    item: &catalog::Item,
    run_id: &str,
    token: &str,
    concurrency: usize,
    total: usize,
) -> anyhow::Result<Vec<String>> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut callers = tokio::task::JoinSet::new();
    for k in 0..concurrency.max(1) {
        let mut c = clients[k % clients.len()].clone();
        let (item, run_id, token) = (item.clone(), run_id.to_string(), Some(token.to_string()));
        let next = next.clone();
        callers.spawn(async move {
            let mut ids = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= total {
                    return anyhow::Ok(ids);
                }
                let r = with_token(submission(&item, &run_id, n as u64), &token)?;
                ids.push(c.submit_case(r).await?.into_inner().id);
            }
        });
    }
    let mut all = Vec::with_capacity(total);
    while let Some(done) = callers.join_next().await {
        all.extend(done??);
    }
    Ok(all)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(
        args.target == Target::Submit || args.staff_token.is_some(),
        "accept needs --staff-token (a clerk's of the item's department)"
    );
    let catalog_channel = Channel::from_shared(format!("http://{}", args.catalog_addr))?
        .connect()
        .await?;
    let item = promised_item(&catalog_channel).await?;
    let mut channels = Vec::new();
    for _ in 0..args.connections.max(1) {
        channels.push(
            Channel::from_shared(format!("http://{}", args.addr))?
                .connect()
                .await?,
        );
    }
    let clients = case_clients(&channels);
    let mode = Mode::Closed {
        concurrency: args.concurrency,
    };
    let duration = Duration::from_secs(args.seconds);
    let mut reports: Vec<Report> = Vec::new();
    for i in 0..args.runs.max(1) {
        let run_id = format!("{}-{i}", chrono::Utc::now().timestamp_millis());
        let clients = clients.clone();
        let report = match args.target {
            Target::Submit => {
                let (item, token) = (item.clone(), Some(args.token.clone()));
                run(mode, duration, move |n| {
                    let mut c = clients[n as usize % clients.len()].clone();
                    let req = with_token(submission(&item, &run_id, n), &token);
                    async move {
                        match req {
                            Ok(r) => c.submit_case(r).await.map(|_| ()),
                            Err(e) => Err(tonic::Status::internal(e.to_string())),
                        }
                    }
                })
                .await?
            }
            Target::Accept => {
                // Untimed: the cases to accept, submitted before the run.
                let pending = Arc::new(
                    prefill(
                        &clients,
                        &item,
                        &run_id,
                        &args.token,
                        args.concurrency,
                        args.prefill,
                    )
                    .await?,
                );
                let next = Arc::new(AtomicUsize::new(0));
                let staff = args.staff_token.clone();
                run(mode, duration, move |n| {
                    let mut c = clients[n as usize % clients.len()].clone();
                    let at = next.fetch_add(1, Ordering::Relaxed);
                    let req = pending.get(at).map(|case_id| {
                        let body = cases::AcceptCaseRequest {
                            request_id: format!("bench-accept-{case_id}"),
                            case_id: case_id.clone(),
                            revision: 0,
                            note: String::new(),
                        };
                        with_token(body, &staff)
                    });
                    async move {
                        match req {
                            Some(Ok(r)) => c.accept_case(r).await.map(|_| ()),
                            Some(Err(e)) => Err(tonic::Status::internal(e.to_string())),
                            None => Err(tonic::Status::resource_exhausted(
                                "every prefilled case is accepted: raise --prefill",
                            )),
                        }
                    }
                })
                .await?
            }
        };
        println!("{}", report.line(&format!("run {}", i + 1)));
        reports.push(report);
    }
    reports.sort_by(|a, b| a.throughput().total_cmp(&b.throughput()));
    if let Some(median) = reports.get(reports.len() / 2) {
        println!("{}", median.line("median"));
    }
    Ok(())
}
