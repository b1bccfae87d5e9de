//! What every service binary does around its service: telemetry for the life of the
//! process, the database opened and brought up to date, and the gRPC server on its
//! listeners (TLS, the plaintext health port, metrics) until SIGTERM or SIGINT.

use std::future::Future;
use std::net::SocketAddr;

use anyhow::Context;

use crate::config::{DatabaseSettings, TelemetrySettings};
use crate::db::{Db, Migrations};
use crate::metrics::MetricsSettings;
use crate::remote::ServerTls;
use crate::serve::GrpcServer;

/// Runs a binary's `run` with telemetry set up from `telemetry` and flushed at the end; a
/// failure is logged as `{name} stopped` before it is returned.
pub async fn main(
    telemetry: &TelemetrySettings,
    name: &str,
    run: impl Future<Output = anyhow::Result<()>>,
) -> anyhow::Result<()> {
    let telemetry = crate::telemetry::init(telemetry)?;
    let result = run.await;
    if let Err(e) = &result {
        tracing::error!(error = format!("{e:#}"), "{name} stopped");
    }
    telemetry.shutdown();
    result
}

/// Opens the `name` service's database and brings its schema up to date. Replicas starting
/// together take turns: the migrator holds a lock on PostgreSQL.
pub async fn open_database(
    name: &str,
    settings: &DatabaseSettings,
    schemas: &[&Migrations],
) -> anyhow::Result<Db> {
    let db = Db::connect(settings.url.expose(), settings.max_connections)
        .await
        .with_context(|| format!("cannot open the {name} database"))?;
    db.migrate(schemas).await?;
    Ok(db)
}

/// Where a service binary listens.
pub struct Listeners<'a> {
    /// The gRPC address.
    pub grpc_addr: &'a str,
    /// TLS of the gRPC server, mutual with a client CA.
    pub tls: Option<&'a ServerTls>,
    /// The plaintext port serving only grpc.health.v1 (empty or unset: none).
    pub health_addr: Option<&'a str>,
    /// Prometheus metrics over HTTP.
    pub metrics: &'a MetricsSettings,
}

impl Listeners<'_> {
    /// The gRPC address, checked before anything starts.
    pub fn grpc_addr(&self) -> anyhow::Result<SocketAddr> {
        self.grpc_addr
            .parse()
            .with_context(|| format!("grpc_addr {} is not an address", self.grpc_addr))
    }

    /// Serves `grpc` on these listeners until SIGTERM or SIGINT.
    pub async fn serve(&self, mut grpc: GrpcServer) -> anyhow::Result<()> {
        let addr = self.grpc_addr()?;
        grpc.configure(self.tls, self.health_addr)?;
        let server = grpc.bind(addr).await?;
        let _metrics = crate::metrics::serve(self.metrics).await?;
        server.run_until(crate::serve::shutdown_signal()).await?;
        Ok(())
    }
}
