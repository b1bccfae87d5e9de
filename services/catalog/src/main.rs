//! `onewindow-catalog`: the catalog service in a process of its own, for a deployment
//! where every service runs apart (Kubernetes). Configuration: a TOML file (`--config`),
//! then `ONEWINDOW_*` environment variables (`ONEWINDOW_DATABASE__URL`).

#![forbid(unsafe_code)]

use std::path::PathBuf;

use clap::Parser;
use onewindow_catalog::Catalog;
use onewindow_kit::clock::Clock;
use onewindow_kit::config::{AuthSettings, DatabaseSettings, Secret, TelemetrySettings};
use onewindow_kit::metrics::MetricsSettings;
use onewindow_kit::process::Listeners;
use onewindow_kit::remote::{self, ServerTls};
use onewindow_kit::serve::GrpcServer;
use serde::{Deserialize, Serialize};

#[derive(Parser)]
#[command(
    name = "onewindow-catalog",
    version,
    about = "OneWindow's catalog service"
)]
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
    /// Load the demo catalog into an empty database at start.
    demo_data: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            grpc_addr: "127.0.0.1:50051".into(),
            database: DatabaseSettings {
                url: Secret::new("sqlite://catalog.db".into()),
                max_connections: None,
            },
            telemetry: TelemetrySettings {
                service_name: "onewindow-catalog".into(),
                ..TelemetrySettings::default()
            },
            auth: AuthSettings::default(),
            tls: None,
            health_addr: None,
            metrics: MetricsSettings::default(),
            demo_data: false,
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings: Settings = onewindow_kit::config::load(cli.config.as_deref())?;
    let telemetry = settings.telemetry.clone();
    onewindow_kit::process::main(&telemetry, "catalog", run(settings, cli.migrate_only)).await
}

async fn run(settings: Settings, migrate_only: bool) -> anyhow::Result<()> {
    let db = onewindow_kit::process::open_database(
        "catalog",
        &settings.database,
        &[&onewindow_kit::MIGRATIONS, &onewindow_catalog::MIGRATIONS],
    )
    .await?;
    if migrate_only {
        tracing::info!("catalog database is up to date");
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

    let catalog = Catalog::start(db.clone(), Clock::system()).await?;
    if settings.demo_data {
        if let Some(summary) = catalog.load_demo_if_empty().await? {
            tracing::info!(%summary, "demo catalog loaded");
        }
    }
    let mut grpc = GrpcServer::new();
    grpc.add_service(catalog.grpc_service(verifier), db.clone());
    listeners.serve(grpc).await?;
    db.close().await;
    Ok(())
}
