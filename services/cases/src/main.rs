//! `onewindow-cases`: the cases service in a process of its own. It follows the catalog's
//! event stream over gRPC (the catalog may run several replicas; any one serves the stream).
//! Configuration: a TOML file (`--config`), then `ONEWINDOW_*` environment variables
//! (`ONEWINDOW_DATABASE__URL`, `ONEWINDOW_PEERS__CATALOG__ENDPOINTS`).

#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use onewindow_cases::Cases;
use onewindow_kit::clock::Clock;
use onewindow_kit::config::{AuthSettings, DatabaseSettings, Secret, TelemetrySettings};
use onewindow_kit::metrics::MetricsSettings;
use onewindow_kit::process::Listeners;
use onewindow_kit::remote::{self, BearerToken, PeerSettings, ServerTls};
use onewindow_kit::serve::GrpcServer;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

#[derive(Parser)]
#[command(name = "onewindow-cases", version, about = "OneWindow's cases service")]
struct Cli {
    /// TOML configuration file (ONEWINDOW_* environment variables override it).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Create or upgrade the database, then exit.
    #[arg(long)]
    migrate_only: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
struct Settings {
    /// Where the gRPC service listens.
    grpc_addr: String,
    database: DatabaseSettings,
    telemetry: TelemetrySettings,
    /// Tokens are verified with `public_key_files`; no private key here.
    auth: AuthSettings,
    /// TLS of the gRPC server, mutual with `client_ca_file` (see `onewindow_kit::remote`).
    tls: Option<ServerTls>,
    /// A plaintext port serving only grpc.health.v1, for probes that do not speak TLS
    /// (Kubernetes' gRPC probes); unset: none.
    health_addr: Option<String>,
    /// Prometheus metrics over HTTP (`GET /metrics` on `listen`); unset: none.
    metrics: MetricsSettings,
    peers: Peers,
    /// Create the demo cases once the demo catalog has arrived (demo deployments only).
    demo_data: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
struct Peers {
    /// File holding the token (role `service`) presented to peers; read at each reconnect.
    token_file: Option<String>,
    catalog: PeerSettings,
}

impl Default for Peers {
    fn default() -> Self {
        Peers {
            token_file: None,
            catalog: PeerSettings::at(["http://127.0.0.1:50051"]),
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            grpc_addr: "127.0.0.1:50052".into(),
            database: DatabaseSettings {
                url: Secret::new("sqlite://cases.db".into()),
                max_connections: None,
            },
            telemetry: TelemetrySettings {
                service_name: "onewindow-cases".into(),
                ..TelemetrySettings::default()
            },
            auth: AuthSettings::default(),
            tls: None,
            health_addr: None,
            metrics: MetricsSettings::default(),
            peers: Peers::default(),
            demo_data: false,
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings: Settings = onewindow_kit::config::load(cli.config.as_deref())?;
    let telemetry = settings.telemetry.clone();
    onewindow_kit::process::main(&telemetry, "cases", run(settings, cli.migrate_only)).await
}

async fn run(settings: Settings, migrate_only: bool) -> anyhow::Result<()> {
    let db = onewindow_kit::process::open_database(
        "cases",
        &settings.database,
        &[&onewindow_kit::MIGRATIONS, &onewindow_cases::MIGRATIONS],
    )
    .await?;
    if migrate_only {
        tracing::info!("cases database is up to date");
        return Ok(());
    }
    let listeners = Listeners {
        grpc_addr: &settings.grpc_addr,
        tls: settings.tls.as_ref(),
        health_addr: settings.health_addr.as_deref(),
        metrics: &settings.metrics,
    };
    listeners.grpc_addr()?;
    let verifier = remote::verifier_from_files(&settings.auth)?;
    let token = BearerToken::from_file_setting(settings.peers.token_file.as_deref());
    // A token that cannot be read now would fail every reconnect later: say so at start.
    token.current()?;
    let catalog = remote::channel(&settings.peers.catalog).context("peers.catalog")?;

    let stop = CancellationToken::new();
    let cases = Cases::new(db.clone(), Clock::system());
    // Replicas follow together; the offset row's lock lets one apply each event.
    cases.follow_catalog(
        remote::grpc_source(catalog, remote::CATALOG_WATCH, token)?,
        stop.clone(),
    );
    if settings.demo_data {
        let demo = cases.clone();
        tokio::spawn(async move {
            if let Err(e) = load_demo(&demo).await {
                tracing::warn!(error = %e, "demo cases not loaded");
            }
        });
    }
    let mut grpc = GrpcServer::new();
    grpc.add_service(cases.grpc_service(verifier), db.clone());
    let result = listeners.serve(grpc).await;
    stop.cancel();
    db.close().await;
    result
}

/// The demo cases need the demo catalog's items. The catalog runs elsewhere and its head
/// is not known here, so wait until its events have arrived and stopped coming for a while.
async fn load_demo(cases: &Cases) -> anyhow::Result<()> {
    const QUIET: u32 = 12;
    let mut last = -1;
    let mut quiet = 0;
    for _ in 0..1200 {
        let offset = cases.catalog_offset().await?;
        if offset > 0 && offset == last {
            quiet += 1;
            if quiet >= QUIET {
                if let Some(summary) = cases.load_demo_if_empty().await? {
                    tracing::info!(%summary, "demo cases created");
                }
                return Ok(());
            }
        } else {
            quiet = 0;
        }
        last = offset;
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    anyhow::bail!("the catalog's events did not arrive within five minutes")
}
