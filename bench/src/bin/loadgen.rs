//! `loadgen`: drives one RPC at a server and prints throughput and latency percentiles.
//!
//! ```sh
//! loadgen --addr 127.0.0.1:50099 --target hello --concurrency 32 --seconds 10
//! loadgen --addr 127.0.0.1:50051 --target catalog-get-item --rate 5000 --seconds 10
//! loadgen --addr 127.0.0.1:50051 --target cases-accept --token $APPLICANT --staff-token $CLERK
//! loadgen --addr 127.0.0.1:50152 --catalog-addr 127.0.0.1:50151 --target cases-submit \
//!   --token $APPLICANT
//! loadgen --addr 127.0.0.1:50051 --target supervision-dashboard --token $SUPERVISOR
//! ```

#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use onewindow_bench::hello::hello_client::HelloClient;
use onewindow_bench::hello::HelloRequest;
use onewindow_bench::load::{run, Mode, Report};
use onewindow_bench::submission::{case_clients, promised_item, submission, with_token};
use onewindow_proto::cases::v1 as cases;
use onewindow_proto::cases::v1::case_service_client::CaseServiceClient;
use onewindow_proto::catalog::v1 as catalog;
use onewindow_proto::catalog::v1::catalog_service_client::CatalogServiceClient;
use onewindow_proto::supervision::v1 as supervision;
use onewindow_proto::supervision::v1::supervision_service_client::SupervisionServiceClient;
use tonic::transport::Channel;

#[derive(Parser)]
struct Args {
    /// host:port of the server.
    #[arg(long)]
    addr: String,
    /// host:port where cases-submit and cases-accept look up the item they submit to, for a
    /// cases service that runs in a process of its own without the catalog; `--addr` when
    /// absent.
    #[arg(long)]
    catalog_addr: Option<String>,
    #[arg(long, value_enum)]
    target: Target,
    /// Closed loop: this many callers.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Open loop at this many calls per second (overrides --concurrency).
    #[arg(long)]
    rate: Option<u64>,
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Repeat the run and report each, then the median run by throughput.
    #[arg(long, default_value_t = 1)]
    runs: usize,
    /// Connections to spread callers over (HTTP/2 multiplexes calls on each).
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// A bearer token for targets that need one (`onewindow token --role applicant`).
    #[arg(long, env = "ONEWINDOW_BENCH_TOKEN")]
    token: Option<String>,
    /// A clerk's token of the item's department, for cases-accept.
    #[arg(long, env = "ONEWINDOW_BENCH_STAFF_TOKEN")]
    staff_token: Option<String>,
    /// Cases submitted (untimed) before each cases-accept run; a run that accepts them all
    /// counts its further calls as errors.
    #[arg(long, default_value_t = 20_000)]
    prefill: usize,
    /// Days up to today (Beijing time) that supervision's performance and mailroom reports
    /// cover.
    #[arg(long, default_value_t = 30)]
    period_days: i64,
}

#[derive(Clone, Copy, ValueEnum)]
enum Target {
    Hello,
    CatalogGetItem,
    /// A search page of 20 whole items.
    CatalogListItems,
    /// The same search page in the basic view (what a list of results shows).
    CatalogListItemsBasic,
    CasesSubmit,
    CasesAccept,
    /// The big screen: the first message of supervision's `WatchDashboard` stream.
    SupervisionDashboard,
    /// Supervision's `GetPerformance` per department over `--period-days`.
    SupervisionPerformance,
    /// Supervision's `GetMailroomReport` over `--period-days` (it reads case records).
    SupervisionMailroom,
}

/// The item the cases targets submit to (the first promised one), looked up at
/// `--catalog-addr` when given, else on the first connection to `--addr`.
async fn cases_item(args: &Args, channels: &[Channel]) -> anyhow::Result<catalog::Item> {
    match &args.catalog_addr {
        Some(addr) => {
            let channel = Channel::from_shared(format!("http://{addr}"))?
                .connect()
                .await?;
            promised_item(&channel).await
        }
        None => promised_item(&channels[0]).await,
    }
}

/// Submits `args.prefill` cases with `args.concurrency` callers; returns their ids.
async fn prefill(
    clients: &[CaseServiceClient<Channel>],
    item: &catalog::Item,
    run_id: &str,
    token: &str,
    args: &Args,
) -> anyhow::Result<Vec<String>> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut callers = tokio::task::JoinSet::new();
    for k in 0..args.concurrency.max(1) {
        let mut c = clients[k % clients.len()].clone();
        let (item, run_id, token) = (item.clone(), run_id.to_string(), Some(token.to_string()));
        let (next, total) = (next.clone(), args.prefill);
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
    let mut all = Vec::with_capacity(args.prefill);
    while let Some(done) = callers.join_next().await {
        all.extend(done??);
    }
    Ok(all)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut channels = Vec::new();
    for _ in 0..args.connections.max(1) {
        channels.push(
            Channel::from_shared(format!("http://{}", args.addr))?
                .connect()
                .await?,
        );
    }
    let mode = match args.rate {
        Some(rate_per_sec) => Mode::Open {
            rate_per_sec,
            max_in_flight: 10_000,
        },
        None => Mode::Closed {
            concurrency: args.concurrency,
        },
    };
    let duration = Duration::from_secs(args.seconds);
    let mut reports: Vec<Report> = Vec::new();
    for i in 0..args.runs.max(1) {
        let report = match args.target {
            Target::Hello => {
                let clients: Vec<_> = channels.iter().cloned().map(HelloClient::new).collect();
                run(mode, duration, move |n| {
                    let mut c = clients[n as usize % clients.len()].clone();
                    async move {
                        c.say_hello(HelloRequest {
                            name: "world".into(),
                        })
                        .await
                        .map(|_| ())
                    }
                })
                .await?
            }
            Target::CatalogGetItem | Target::CatalogListItems | Target::CatalogListItemsBasic => {
                let mut probe = CatalogServiceClient::new(channels[0].clone());
                let items = probe
                    .list_items(catalog::ListItemsRequest {
                        page_size: 100,
                        ..Default::default()
                    })
                    .await?
                    .into_inner()
                    .items;
                let ids: Vec<String> = items.into_iter().map(|i| i.id).collect();
                anyhow::ensure!(!ids.is_empty(), "the catalog holds no items");
                let clients: Vec<_> = channels
                    .iter()
                    .cloned()
                    .map(CatalogServiceClient::new)
                    .collect();
                let list = match args.target {
                    Target::CatalogListItems => Some(catalog::ItemView::Full),
                    Target::CatalogListItemsBasic => Some(catalog::ItemView::Basic),
                    _ => None,
                };
                run(mode, duration, move |n| {
                    let mut c = clients[n as usize % clients.len()].clone();
                    let id = ids[n as usize % ids.len()].clone();
                    async move {
                        if let Some(view) = list {
                            c.list_items(catalog::ListItemsRequest {
                                query: "许可".into(),
                                page_size: 20,
                                view: view.into(),
                                ..Default::default()
                            })
                            .await
                            .map(|_| ())
                        } else {
                            c.get_item(catalog::GetItemRequest {
                                item_id: id,
                                ..Default::default()
                            })
                            .await
                            .map(|_| ())
                        }
                    }
                })
                .await?
            }
            Target::CasesSubmit => {
                let token = args.token.clone();
                anyhow::ensure!(
                    token.is_some(),
                    "cases-submit needs --token (an applicant's)"
                );
                let item = cases_item(&args, &channels).await?;
                let clients = case_clients(&channels);
                let run_id = format!("{}-{i}", chrono::Utc::now().timestamp_millis());
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
            Target::CasesAccept => {
                let (Some(token), Some(staff)) = (args.token.clone(), args.staff_token.clone())
                else {
                    anyhow::bail!(
                        "cases-accept needs --token (an applicant's) and --staff-token (a clerk's of the item's department)"
                    );
                };
                let item = cases_item(&args, &channels).await?;
                let clients = case_clients(&channels);
                // Untimed: the cases to accept, submitted before the run.
                let run_id = format!("{}-{i}", chrono::Utc::now().timestamp_millis());
                let pending = Arc::new(prefill(&clients, &item, &run_id, &token, &args).await?);
                let next = Arc::new(AtomicUsize::new(0));
                let staff = Some(staff);
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
            Target::SupervisionDashboard
            | Target::SupervisionPerformance
            | Target::SupervisionMailroom => {
                let clients: Vec<_> = channels
                    .iter()
                    .cloned()
                    .map(SupervisionServiceClient::new)
                    .collect();
                let token = args.token.clone();
                let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
                let from = (today - chrono::Duration::days(args.period_days)).to_string();
                let to = today.to_string();
                let target = args.target;
                run(mode, duration, move |n| {
                    let mut c = clients[n as usize % clients.len()].clone();
                    let (token, from, to) = (token.clone(), from.clone(), to.clone());
                    async move {
                        let bad = |e: anyhow::Error| tonic::Status::internal(e.to_string());
                        match target {
                            Target::SupervisionDashboard => {
                                let r = with_token(
                                    supervision::WatchDashboardRequest::default(),
                                    &token,
                                )
                                .map_err(bad)?;
                                let mut stream = c.watch_dashboard(r).await?.into_inner();
                                // The first message is the dashboard as of now; the stream
                                // is dropped after it.
                                stream.message().await.map(|_| ())
                            }
                            Target::SupervisionPerformance => {
                                let body = supervision::GetPerformanceRequest {
                                    from,
                                    to,
                                    ..Default::default()
                                };
                                let r = with_token(body, &token).map_err(bad)?;
                                c.get_performance(r).await.map(|_| ())
                            }
                            _ => {
                                let body = supervision::GetMailroomReportRequest {
                                    from,
                                    to,
                                    ..Default::default()
                                };
                                let r = with_token(body, &token).map_err(bad)?;
                                c.get_mailroom_report(r).await.map(|_| ())
                            }
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
