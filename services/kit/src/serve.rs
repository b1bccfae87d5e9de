//! Serving gRPC: the services of this process plus grpc.health.v1 (with real status from the
//! database), reflection v1 and v1alpha, a tracing layer, and graceful shutdown.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::server::NamedService;
use tonic::service::RoutesBuilder;
use tonic::transport::server::TcpIncoming;
use tonic::transport::Server;
use tonic_health::server::HealthReporter;
use tonic_health::ServingStatus;

use crate::db::Db;
use crate::error::Error;

/// How often the databases behind the health status are checked.
const HEALTH_PERIOD: Duration = Duration::from_secs(2);

pub struct GrpcServer {
    routes: RoutesBuilder,
    health: HealthReporter,
    checks: Vec<(String, Db)>,
}

impl Default for GrpcServer {
    fn default() -> Self {
        Self::new()
    }
}

impl GrpcServer {
    pub fn new() -> Self {
        let (health, health_service) = tonic_health::server::health_reporter();
        let mut routes = RoutesBuilder::default();
        routes.add_service(health_service);
        GrpcServer {
            routes,
            health,
            checks: Vec::new(),
        }
    }

    /// Adds a service whose health follows `db`'s reachability.
    pub fn add_service<S>(&mut self, svc: S, db: Db) -> &mut Self
    where
        S: tower::Service<http::Request<tonic::body::Body>, Error = Infallible>
            + NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Response: axum::response::IntoResponse,
        S::Future: Send + 'static,
    {
        self.routes.add_service(svc);
        self.checks.push((S::NAME.to_string(), db));
        self
    }

    /// Adds a service with no database of its own.
    pub fn add_stateless_service<S>(&mut self, svc: S) -> &mut Self
    where
        S: tower::Service<http::Request<tonic::body::Body>, Error = Infallible>
            + NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Response: axum::response::IntoResponse,
        S::Future: Send + 'static,
    {
        self.routes.add_service(svc);
        self
    }

    /// Binds (port 0 picks a free port; the bound address is reported).
    pub async fn bind(self, addr: SocketAddr) -> Result<BoundServer, Error> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| Error::internal(anyhow::anyhow!("cannot bind {addr}: {e}")))?;
        let local = listener.local_addr().map_err(Error::internal)?;
        Ok(BoundServer {
            server: self,
            listener,
            addr: local,
        })
    }
}

pub struct BoundServer {
    server: GrpcServer,
    listener: TcpListener,
    addr: SocketAddr,
}

impl BoundServer {
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until `shutdown` completes, then drains in-flight calls.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send) -> Result<(), Error> {
        let GrpcServer {
            mut routes,
            health,
            checks,
        } = self.server;
        let reflection = || {
            tonic_reflection::server::Builder::configure()
                .register_encoded_file_descriptor_set(onewindow_proto::FILE_DESCRIPTOR_SET)
                .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        };
        let v1 = reflection().build_v1().map_err(Error::internal)?;
        let v1alpha = reflection().build_v1alpha().map_err(Error::internal)?;
        routes.add_service(v1).add_service(v1alpha);

        let stop_checks = CancellationToken::new();
        tokio::spawn(watch_health(health, checks, stop_checks.clone()));
        tracing::info!(addr = %self.addr, "grpc serving");
        let result = Server::builder()
            .layer(
                tower_http::trace::TraceLayer::new_for_grpc()
                    .make_span_with(crate::telemetry::grpc_request_span),
            )
            .add_routes(routes.routes())
            .serve_with_incoming_shutdown(
                // Without TCP_NODELAY small responses wait out the peer's delayed ACK
                // (about 40 ms a call).
                TcpIncoming::from(self.listener)
                    .with_nodelay(Some(true))
                    .with_keepalive(Some(std::time::Duration::from_secs(60))),
                shutdown,
            )
            .await;
        stop_checks.cancel();
        result.map_err(|e| Error::internal(anyhow::anyhow!("grpc server: {e}")))
    }
}

async fn watch_health(health: HealthReporter, checks: Vec<(String, Db)>, stop: CancellationToken) {
    loop {
        let mut all = true;
        for (name, db) in &checks {
            let ok = db.ping().await;
            all &= ok;
            let status = if ok {
                ServingStatus::Serving
            } else {
                ServingStatus::NotServing
            };
            health.set_service_status(name, status).await;
        }
        let overall = if all {
            ServingStatus::Serving
        } else {
            ServingStatus::NotServing
        };
        health.set_service_status("", overall).await;
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(HEALTH_PERIOD) => {}
        }
    }
}

/// Completes on SIGINT or SIGTERM (Kubernetes stops pods with SIGTERM).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for sigterm");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!("sigint: shutting down"),
        _ = term => tracing::info!("sigterm: shutting down"),
    }
}
