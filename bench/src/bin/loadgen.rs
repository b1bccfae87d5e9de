//! `loadgen`: drives one RPC at a server and prints throughput and latency percentiles.
//!
//! ```sh
//! loadgen --addr 127.0.0.1:50099 --target hello --concurrency 32 --seconds 10
//! loadgen --addr 127.0.0.1:50051 --target catalog-get-item --rate 5000 --seconds 10
//! ```

#![forbid(unsafe_code)]

use std::time::Duration;

use clap::{Parser, ValueEnum};
use onewindow_bench::hello::hello_client::HelloClient;
use onewindow_bench::hello::HelloRequest;
use onewindow_bench::load::{run, Mode, Report};
use onewindow_proto::cases::v1 as cases;
use onewindow_proto::cases::v1::case_service_client::CaseServiceClient;
use onewindow_proto::catalog::v1 as catalog;
use onewindow_proto::catalog::v1::catalog_service_client::CatalogServiceClient;
use tonic::transport::Channel;

#[derive(Parser)]
struct Args {
    /// host:port of the server.
    #[arg(long)]
    addr: String,
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
}

#[derive(Clone, Copy, ValueEnum)]
enum Target {
    Hello,
    CatalogGetItem,
    CatalogListItems,
    CasesSubmit,
}

fn with_token<T>(body: T, token: &Option<String>) -> anyhow::Result<tonic::Request<T>> {
    let mut r = tonic::Request::new(body);
    if let Some(t) = token {
        r.metadata_mut()
            .insert("authorization", format!("Bearer {t}").parse()?);
    }
    Ok(r)
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
            Target::CatalogGetItem | Target::CatalogListItems => {
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
                let list = matches!(args.target, Target::CatalogListItems);
                run(mode, duration, move |n| {
                    let mut c = clients[n as usize % clients.len()].clone();
                    let id = ids[n as usize % ids.len()].clone();
                    async move {
                        if list {
                            c.list_items(catalog::ListItemsRequest {
                                query: "许可".into(),
                                page_size: 20,
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
                let mut probe = CatalogServiceClient::new(channels[0].clone());
                let items = probe
                    .list_items(catalog::ListItemsRequest {
                        page_size: 200,
                        ..Default::default()
                    })
                    .await?
                    .into_inner()
                    .items;
                let item = items
                    .into_iter()
                    .find(|i| i.item_class == catalog::ItemClass::Promised as i32)
                    .ok_or_else(|| anyhow::anyhow!("no promised item"))?;
                let clients: Vec<_> = channels
                    .iter()
                    .cloned()
                    .map(|ch| CaseServiceClient::new(ch).max_decoding_message_size(64 << 20))
                    .collect();
                let run_id = format!("{}-{i}", chrono::Utc::now().timestamp_millis());
                run(mode, duration, move |n| {
                    let mut c = clients[n as usize % clients.len()].clone();
                    let body = cases::SubmitCaseRequest {
                        request_id: format!("bench-{run_id}-{n}"),
                        item_id: item.id.clone(),
                        applicant: Some(cases::Applicant {
                            kind: cases::ApplicantKind::Person as i32,
                            name: "测试".into(),
                            id_type: cases::IdType::ResidentIdCard as i32,
                            id_number: "11010519491231002X".into(),
                            phone: "13900000000".into(),
                        }),
                        materials: item
                            .materials
                            .iter()
                            .filter(|m| m.required)
                            .map(|m| cases::MaterialUpload {
                                material_id: m.id.clone(),
                                file_name: "a.pdf".into(),
                                content_type: "application/pdf".into(),
                                content: b"%PDF-1.4".to_vec(),
                            })
                            .collect(),
                    };
                    let req = with_token(body, &token);
                    async move {
                        match req {
                            Ok(r) => c.submit_case(r).await.map(|_| ()),
                            Err(e) => Err(tonic::Status::internal(e.to_string())),
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
