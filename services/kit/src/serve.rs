//! Serving gRPC: the services of this process plus grpc.health.v1 (with real status from the
//! database), reflection v1 and v1alpha, tracing and metrics layers, optional (mutual) TLS,
//! and graceful shutdown.
//!
//! With TLS, the health service can also be served in plaintext on a port of its own:
//! Kubernetes' native gRPC probes do not speak TLS.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures::FutureExt;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::server::NamedService;
use tonic::service::RoutesBuilder;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Server, ServerTlsConfig};
use tonic::Status;
use tonic_health::pb::health_server::HealthServer;
use tonic_health::server::{HealthReporter, HealthService};
use tonic_health::ServingStatus;
use tower::ServiceExt;

use crate::db::Db;
use crate::error::Error;
use crate::remote::Transport;

/// How long in-flight calls may take to finish after SIGTERM.
const DRAIN_GRACE: Duration = Duration::from_secs(5);

/// How often the databases behind the health status are checked.
const HEALTH_PERIOD: Duration = Duration::from_secs(2);

pub struct GrpcServer {
    routes: RoutesBuilder,
    health: HealthReporter,
    health_service: HealthServer<HealthService>,
    checks: Vec<(String, Db)>,
    /// Fully qualified names of the services served, for the metrics' labels.
    names: Vec<String>,
    tls: Option<ServerTlsConfig>,
    plaintext_health: Option<SocketAddr>,
}

impl Default for GrpcServer {
    fn default() -> Self {
        Self::new()
    }
}

impl GrpcServer {
    pub fn new() -> Self {
        let health = HealthReporter::new();
        let health_service = HealthServer::new(HealthService::from_health_reporter(health.clone()));
        let mut routes = RoutesBuilder::default();
        routes.add_service(health_service.clone());
        GrpcServer {
            routes,
            health,
            health_service,
            checks: Vec::new(),
            names: vec![
                "grpc.health.v1.Health".into(),
                "grpc.reflection.v1.ServerReflection".into(),
                "grpc.reflection.v1alpha.ServerReflection".into(),
            ],
            tls: None,
            plaintext_health: None,
        }
    }

    /// Serves TLS with `config` (from [`crate::remote::ServerTls::config`]); with a client
    /// CA in it, every client must present a certificate that CA signed.
    pub fn tls(&mut self, config: ServerTlsConfig) -> &mut Self {
        self.tls = Some(config);
        self
    }

    /// Applies a binary's settings: `tls` (see [`crate::remote::ServerTls`]) and
    /// `health_addr`, the plaintext health port (empty or unset: none).
    pub fn configure(
        &mut self,
        tls: Option<&crate::remote::ServerTls>,
        health_addr: Option<&str>,
    ) -> Result<&mut Self, Error> {
        if let Some(tls) = tls {
            self.tls(tls.config()?);
        }
        if let Some(addr) = health_addr.filter(|a| !a.is_empty()) {
            let addr = addr
                .parse()
                .map_err(|_| Error::invalid("health_addr", format!("{addr} is not an address")))?;
            self.plaintext_health(addr);
        }
        Ok(self)
    }

    /// Also serves grpc.health.v1, alone and in plaintext, at `addr`: for probes that do
    /// not speak TLS. It tells only whether the service is serving.
    pub fn plaintext_health(&mut self, addr: SocketAddr) -> &mut Self {
        self.plaintext_health = Some(addr);
        self
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
        crate::metrics::watch_database(short_name(S::NAME), &db);
        self.names.push(S::NAME.to_string());
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
        self.names.push(S::NAME.to_string());
        self
    }

    /// The services added so far, called in this process: through the same tracing and
    /// metrics layers as a call from the network and under its `grpc-timeout`, with no
    /// connection, HTTP/2 framing or task in between. A handler that panics answers
    /// INTERNAL, as a call over the network would end in an error, instead of unwinding
    /// into the caller.
    pub fn in_process(&self) -> Result<Transport, Error> {
        let mut routes = self.routes.clone();
        add_reflection(&mut routes)?;
        let service = tower::ServiceBuilder::new()
            .layer(trace_layer())
            .layer(crate::metrics::GrpcMetricsLayer::new(self.names.clone()))
            .service(routes.routes());
        Ok(Transport::new(tower::service_fn(
            move |req: http::Request<tonic::body::Body>| {
                let deadline = grpc_timeout(req.headers());
                let call = AssertUnwindSafe(service.clone().oneshot(req)).catch_unwind();
                async move {
                    let answer = match deadline {
                        Some(limit) => match tokio::time::timeout(limit, call).await {
                            Ok(answer) => answer,
                            Err(_) => {
                                return Ok(Status::deadline_exceeded(
                                    "the call ran past its deadline",
                                )
                                .into_http())
                            }
                        },
                        None => call.await,
                    };
                    Ok(match answer {
                        Ok(Ok(response)) => response.map(tonic::body::Body::new),
                        Ok(Err(never)) => match never {},
                        Err(_) => {
                            Status::internal("the service failed while answering").into_http()
                        }
                    })
                }
            },
        )))
    }

    /// Binds (port 0 picks a free port; the bound address is reported).
    pub async fn bind(self, addr: SocketAddr) -> Result<BoundServer, Error> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| Error::internal(anyhow::anyhow!("cannot bind {addr}: {e}")))?;
        let local = listener.local_addr().map_err(Error::internal)?;
        let health_listener = match self.plaintext_health {
            Some(addr) => Some(TcpListener::bind(addr).await.map_err(|e| {
                Error::internal(anyhow::anyhow!("cannot bind the health port {addr}: {e}"))
            })?),
            None => None,
        };
        Ok(BoundServer {
            server: self,
            listener,
            health_listener,
            addr: local,
        })
    }
}

pub struct BoundServer {
    server: GrpcServer,
    listener: TcpListener,
    health_listener: Option<TcpListener>,
    addr: SocketAddr,
}

impl BoundServer {
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Where the plaintext health service listens, if it does.
    pub fn health_addr(&self) -> Option<SocketAddr> {
        self.health_listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
    }

    /// Serves until `shutdown` completes, then drains in-flight calls.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send) -> Result<(), Error> {
        let GrpcServer {
            mut routes,
            health,
            health_service,
            checks,
            names,
            tls,
            plaintext_health: _,
        } = self.server;
        add_reflection(&mut routes)?;

        let mut builder = Server::builder();
        let tls_on = tls.is_some();
        if let Some(tls) = tls {
            builder = builder
                .tls_config(tls)
                .map_err(|e| Error::invalid("tls", e.to_string()))?;
        }
        let stop_checks = CancellationToken::new();
        tokio::spawn(watch_health(health, checks, stop_checks.clone()));
        if let Some(listener) = self.health_listener {
            tracing::info!(addr = ?listener.local_addr().ok(), "plaintext health serving");
            let stop = stop_checks.clone();
            tokio::spawn(async move {
                let served = Server::builder()
                    .add_service(health_service)
                    .serve_with_incoming_shutdown(
                        TcpIncoming::from(listener).with_nodelay(Some(true)),
                        stop.cancelled_owned(),
                    )
                    .await;
                if let Err(e) = served {
                    tracing::warn!(error = %e, "plaintext health stopped");
                }
            });
        }
        tracing::info!(addr = %self.addr, tls = tls_on, "grpc serving");
        let stopping = CancellationToken::new();
        let signal = stopping.clone();
        let shutdown = async move {
            shutdown.await;
            signal.cancel();
        };
        let serve = builder
            .layer(trace_layer())
            .layer(crate::metrics::GrpcMetricsLayer::new(names))
            .add_routes(routes.routes())
            .serve_with_incoming_shutdown(
                // Without TCP_NODELAY small responses wait out the peer's delayed ACK
                // (about 40 ms a call).
                TcpIncoming::from(self.listener)
                    .with_nodelay(Some(true))
                    .with_keepalive(Some(std::time::Duration::from_secs(60))),
                shutdown,
            );
        // Unary calls drain; a Watch stream never ends by itself, so once the grace period
        // is over the remaining streams are cut (followers resume elsewhere from their
        // stored offsets) rather than holding the process up forever.
        let result = tokio::select! {
            served = serve => served,
            _ = async {
                stopping.cancelled().await;
                tokio::time::sleep(DRAIN_GRACE).await;
            } => {
                tracing::info!("drain grace period over: closing the remaining streams");
                Ok(())
            }
        };
        stop_checks.cancel();
        result.map_err(|e| Error::internal(anyhow::anyhow!("grpc server: {e}")))
    }
}

/// Reflection v1 and v1alpha over every contract of OneWindow and grpc.health.v1.
fn add_reflection(routes: &mut RoutesBuilder) -> Result<(), Error> {
    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(onewindow_proto::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    let v1 = reflection().build_v1().map_err(Error::internal)?;
    let v1alpha = reflection().build_v1alpha().map_err(Error::internal)?;
    routes.add_service(v1).add_service(v1alpha);
    Ok(())
}

/// How a call's outcome is classified for its span: by its gRPC status.
type GrpcClassifier =
    tower_http::classify::SharedClassifier<tower_http::classify::GrpcErrorsAsFailures>;

/// A span per call, parented on the caller's trace context.
fn trace_layer<B>(
) -> tower_http::trace::TraceLayer<GrpcClassifier, fn(&http::Request<B>) -> tracing::Span> {
    tower_http::trace::TraceLayer::new_for_grpc()
        .make_span_with(crate::telemetry::grpc_request_span::<B> as fn(&http::Request<B>) -> _)
}

/// The deadline a caller set in `grpc-timeout` (up to eight digits and a unit: hours,
/// minutes, seconds, milliseconds, microseconds or nanoseconds); none if it is absent or
/// malformed, as tonic's server reads it.
fn grpc_timeout(headers: &http::HeaderMap) -> Option<Duration> {
    let value = headers.get("grpc-timeout")?.to_str().ok()?;
    let (digits, unit) = value.split_at(value.len().checked_sub(1)?);
    if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n * 3600),
        "M" => Duration::from_secs(n * 60),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

/// The short name of a service for labels: `cases` for `onewindow.cases.v1.CaseService`.
fn short_name(name: &str) -> &str {
    match name.strip_prefix("onewindow.") {
        Some(rest) => rest.split('.').next().unwrap_or(rest),
        None => name,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn timeout_of(value: &str) -> Option<Duration> {
        let mut headers = http::HeaderMap::new();
        headers.insert("grpc-timeout", value.parse().ok()?);
        grpc_timeout(&headers)
    }

    #[test]
    fn grpc_timeout_reads_every_unit_and_refuses_the_malformed() {
        assert_eq!(timeout_of("2H"), Some(Duration::from_secs(7200)));
        assert_eq!(timeout_of("3M"), Some(Duration::from_secs(180)));
        assert_eq!(timeout_of("5S"), Some(Duration::from_secs(5)));
        assert_eq!(timeout_of("1500m"), Some(Duration::from_millis(1500)));
        assert_eq!(timeout_of("7u"), Some(Duration::from_micros(7)));
        assert_eq!(
            timeout_of("99999999n"),
            Some(Duration::from_nanos(99_999_999))
        );
        for bad in ["", "S", "123456789S", "5s", "-5S", "5 S", "1.5S"] {
            assert_eq!(timeout_of(bad), None, "{bad:?}");
        }
        assert_eq!(grpc_timeout(&http::HeaderMap::new()), None);
    }
}
