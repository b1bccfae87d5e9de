//! `onewindow-trading`: the trading service in a process of its own. Configuration: a TOML
//! file (`--config`), then `ONEWINDOW_*` environment variables (`ONEWINDOW_DATABASE__URL`,
//! `ONEWINDOW_MASTER_KEY_FILE`).

#![forbid(unsafe_code)]

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use onewindow_kit::clock::Clock;
use onewindow_kit::config::{AuthSettings, DatabaseSettings, Secret, TelemetrySettings};
use onewindow_kit::metrics::MetricsSettings;
use onewindow_kit::process::Listeners;
use onewindow_kit::remote::{self, ServerTls};
use onewindow_kit::serve::GrpcServer;
use onewindow_trading::Trading;
use serde::{Deserialize, Serialize};

#[derive(Parser)]
#[command(
    name = "onewindow-trading",
    version,
    about = "OneWindow's trading service"
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
    /// File of the 32-byte key (64 hexadecimal digits) that seals bids. Every replica needs
    /// the same one, and losing it makes sealed bids unreadable: it is never generated here.
    master_key_file: Option<String>,
    /// Load the demo projects into an empty database at start.
    demo_data: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            grpc_addr: "127.0.0.1:50053".into(),
            database: DatabaseSettings {
                url: Secret::new("sqlite://trading.db".into()),
                max_connections: None,
            },
            telemetry: TelemetrySettings {
                service_name: "onewindow-trading".into(),
                ..TelemetrySettings::default()
            },
            auth: AuthSettings::default(),
            tls: None,
            health_addr: None,
            metrics: MetricsSettings::default(),
            master_key_file: None,
            demo_data: false,
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings: Settings = onewindow_kit::config::load(cli.config.as_deref())?;
    let telemetry = settings.telemetry.clone();
    onewindow_kit::process::main(&telemetry, "trading", run(settings, cli.migrate_only)).await
}

async fn run(settings: Settings, migrate_only: bool) -> anyhow::Result<()> {
    let db = onewindow_kit::process::open_database(
        "trading",
        &settings.database,
        &[&onewindow_kit::MIGRATIONS, &onewindow_trading::MIGRATIONS],
    )
    .await?;
    if migrate_only {
        tracing::info!("trading database is up to date");
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
    let master_key = master_key(settings.master_key_file.as_deref())?;

    // The chronograph is replica-safe: each period's transition is one guarded transaction.
    let trading = Trading::start(db.clone(), Clock::system(), master_key).await?;
    if settings.demo_data {
        if let Some(summary) = trading.load_demo_if_empty().await? {
            tracing::info!(%summary, "demo trading projects created");
        }
    }
    let mut grpc = GrpcServer::new();
    grpc.add_service(trading.grpc_service(verifier), db.clone());
    listeners.serve(grpc).await?;
    db.close().await;
    Ok(())
}

fn master_key(file: Option<&str>) -> anyhow::Result<[u8; 32]> {
    let Some(path) = file.filter(|f| !f.is_empty()) else {
        anyhow::bail!(
            "master_key_file is required: a file of 64 hexadecimal digits, the same for \
             every replica (e.g. made with `openssl rand -hex 32`)"
        );
    };
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?;
    let bytes = hex::decode(text.trim())
        .map_err(|_| anyhow::anyhow!("{path} must hold 64 hexadecimal digits"))?;
    bytes
        .try_into()
        .map_err(|_| anyhow::anyhow!("{path} must hold a 32-byte key"))
}
