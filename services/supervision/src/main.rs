//! `onewindow-supervision`: the supervision service in a process of its own. It follows the
//! event streams of cases, the catalog and trading over gRPC, and checks evaluations with
//! the cases service's public lookup. Configuration: a TOML file (`--config`), then
//! `ONEWINDOW_*` environment variables (`ONEWINDOW_DATABASE__URL`,
//! `ONEWINDOW_PEERS__CASES__ENDPOINTS`, `ONEWINDOW_SUPERVISION__SCAN_INTERVAL_SECS`).

#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use onewindow_kit::clock::Clock;
use onewindow_kit::config::{AuthSettings, DatabaseSettings, Secret, TelemetrySettings};
use onewindow_kit::metrics::MetricsSettings;
use onewindow_kit::process::Listeners;
use onewindow_kit::remote::{self, BearerToken, PeerSettings, ServerTls};
use onewindow_kit::serve::GrpcServer;
use onewindow_proto::cases::v1::case_service_client::CaseServiceClient;
use onewindow_supervision::verifier::RemoteCases;
use onewindow_supervision::{Supervision, SupervisionSettings};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

#[derive(Parser)]
#[command(
    name = "onewindow-supervision",
    version,
    about = "OneWindow's supervision service"
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
    peers: Peers,
    /// Warning thresholds, rule severities, score weights.
    supervision: SupervisionSettings,
}

/// The services supervision watches. A peer with no endpoints is not followed (a center
/// without public resource trading leaves `trading` empty); `cases` is required.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
struct Peers {
    /// File holding the token (role `service`) presented to peers; read at each reconnect.
    token_file: Option<String>,
    cases: PeerSettings,
    catalog: PeerSettings,
    trading: PeerSettings,
}

impl Default for Peers {
    fn default() -> Self {
        Peers {
            token_file: None,
            catalog: PeerSettings::at(["http://127.0.0.1:50051"]),
            cases: PeerSettings::at(["http://127.0.0.1:50052"]),
            trading: PeerSettings::at(["http://127.0.0.1:50053"]),
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            grpc_addr: "127.0.0.1:50054".into(),
            database: DatabaseSettings {
                url: Secret::new("sqlite://supervision.db".into()),
                max_connections: None,
            },
            telemetry: TelemetrySettings {
                service_name: "onewindow-supervision".into(),
                ..TelemetrySettings::default()
            },
            auth: AuthSettings::default(),
            tls: None,
            health_addr: None,
            metrics: MetricsSettings::default(),
            peers: Peers::default(),
            supervision: SupervisionSettings::default(),
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings: Settings = onewindow_kit::config::load(cli.config.as_deref())?;
    let telemetry = settings.telemetry.clone();
    onewindow_kit::process::main(&telemetry, "supervision", run(settings, cli.migrate_only)).await
}

async fn run(settings: Settings, migrate_only: bool) -> anyhow::Result<()> {
    let db = onewindow_kit::process::open_database(
        "supervision",
        &settings.database,
        &[
            &onewindow_kit::MIGRATIONS,
            &onewindow_supervision::MIGRATIONS,
        ],
    )
    .await?;
    if migrate_only {
        tracing::info!("supervision database is up to date");
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
    let cases = remote::channel(&settings.peers.cases).context("peers.cases")?;

    // The scanner is replica-safe: each warning is issued once, whichever replica finds it.
    let supervision = Supervision::start(
        db.clone(),
        Clock::system(),
        settings.supervision.clone(),
        Arc::new(RemoteCases(CaseServiceClient::new(cases.clone()))),
    )
    .await?;
    let stop = CancellationToken::new();
    supervision.follow(
        "cases",
        remote::grpc_source(cases, remote::CASES_WATCH, token.clone())?,
        stop.clone(),
    );
    for (name, peer, path) in [
        ("catalog", &settings.peers.catalog, remote::CATALOG_WATCH),
        ("trading", &settings.peers.trading, remote::TRADING_WATCH),
    ] {
        if peer.endpoints.is_empty() {
            tracing::info!(stream = name, "no endpoints configured; not followed");
            continue;
        }
        let channel = remote::channel(peer).with_context(|| format!("peers.{name}"))?;
        supervision.follow(
            name,
            remote::grpc_source(channel, path, token.clone())?,
            stop.clone(),
        );
    }
    let mut grpc = GrpcServer::new();
    grpc.add_service(supervision.grpc_service(verifier), db.clone());
    let result = listeners.serve(grpc).await;
    stop.cancel();
    supervision.shutdown();
    db.close().await;
    result
}
