//! Prometheus metrics of the process: one registry for everything this process runs (the
//! standalone binary runs every service and the gateway in one), gauges refreshed when
//! scraped, the gRPC server layer, and an optional HTTP listener serving `GET /metrics`.
//!
//! Gauges that come from a database are refreshed at scrape time, and only when the
//! database committed something since the last refresh, so an idle service costs nothing.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, RwLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Metric, Registry, Unit};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::consumer::BoxFuture;
use crate::db::{Db, WeakDb};
use crate::error::Error;

/// The content type of [`render`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// How long one refresh may take before the scrape goes on with the older value.
const REFRESH_TIMEOUT: Duration = Duration::from_secs(2);

/// Where this process serves its metrics; unset, it does not.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct MetricsSettings {
    /// Address of the HTTP listener serving `GET /metrics`, e.g. `0.0.0.0:9464`.
    pub listen: Option<String>,
}

static REGISTRY: LazyLock<Mutex<Registry>> = LazyLock::new(|| Mutex::new(Registry::default()));

type Refresh = Box<dyn FnMut() -> Option<BoxFuture<'static, ()>> + Send>;

static REFRESHERS: LazyLock<Mutex<Vec<Refresh>>> = LazyLock::new(|| Mutex::new(Vec::new()));

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves the metrics usable: they are only numbers.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Adds a metric to the process's registry. Call it once per name (keep the metric in a
/// `LazyLock` that registers it on first use).
pub fn register(name: &str, help: &str, metric: impl Metric) {
    lock(&REGISTRY).register(name, help, metric);
}

/// Like [`register`], with the unit appended to the name (`_seconds`).
pub fn register_with_unit(name: &str, help: &str, unit: Unit, metric: impl Metric) {
    lock(&REGISTRY).register_with_unit(name, help, unit, metric);
}

/// Runs `refresh` before each scrape. It returns `None` once what it watches is gone, and
/// is then dropped.
pub fn on_scrape(refresh: impl FnMut() -> Option<BoxFuture<'static, ()>> + Send + 'static) {
    lock(&REFRESHERS).push(Box::new(refresh));
}

/// Runs `refresh` at a scrape when `db` has committed since the last refresh (and at the
/// first scrape). A failed refresh is tried again at the next scrape.
pub fn refresh_on_commit<F>(db: &Db, refresh: F)
where
    F: Fn(Db) -> BoxFuture<'static, Result<(), Error>> + Send + Sync + 'static,
{
    let weak = db.downgrade();
    let mut commits = db.commits();
    let stale = Arc::new(AtomicBool::new(true));
    let refresh = Arc::new(refresh);
    on_scrape(move || {
        let db = weak.upgrade()?;
        let changed = commits.has_changed().unwrap_or(true);
        if !changed && !stale.load(Ordering::Acquire) {
            return Some(Box::pin(async {}));
        }
        // Marked before the query: a commit during it triggers the next refresh.
        commits.borrow_and_update();
        stale.store(false, Ordering::Release);
        let stale = stale.clone();
        let refresh = refresh.clone();
        Some(Box::pin(async move {
            if let Err(e) = refresh(db).await {
                tracing::warn!(error = %e, "metrics refresh failed");
                stale.store(true, Ordering::Release);
            }
        }))
    });
}

/// Refreshes the scrape-time gauges, then encodes every metric of the process in the
/// OpenMetrics text format.
pub async fn render() -> String {
    LazyLock::force(&KIT);
    let due: Vec<BoxFuture<'static, ()>> = {
        let mut list = lock(&REFRESHERS);
        let mut due = Vec::with_capacity(list.len());
        list.retain_mut(|refresh| match refresh() {
            Some(fut) => {
                due.push(fut);
                true
            }
            None => false,
        });
        due
    };
    futures::future::join_all(due.into_iter().map(|fut| async move {
        if tokio::time::timeout(REFRESH_TIMEOUT, fut).await.is_err() {
            tracing::warn!("metrics refresh timed out");
        }
    }))
    .await;
    let mut out = String::new();
    if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &lock(&REGISTRY)) {
        tracing::warn!(error = %e, "metrics encoding failed");
    }
    out
}

/// The axum handler of `GET /metrics`.
pub async fn handler() -> impl axum::response::IntoResponse {
    ([(http::header::CONTENT_TYPE, CONTENT_TYPE)], render().await)
}

/// Serves `GET /metrics` on `settings.listen`, if set, until the returned handle is
/// dropped. Binding happens here, so a bad or busy address is a start-up error.
pub async fn serve(settings: &MetricsSettings) -> Result<Option<MetricsServer>, Error> {
    let Some(listen) = settings.listen.as_deref().filter(|l| !l.is_empty()) else {
        return Ok(None);
    };
    let addr: SocketAddr = listen
        .parse()
        .map_err(|_| Error::invalid("metrics.listen", format!("{listen} is not an address")))?;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| Error::invalid("metrics.listen", format!("cannot bind {addr}: {e}")))?;
    let local = listener.local_addr().map_err(Error::internal)?;
    let app = axum::Router::new().route("/metrics", axum::routing::get(handler));
    let stop = CancellationToken::new();
    tracing::info!(addr = %local, "metrics serving");
    tokio::spawn({
        let stop = stop.clone();
        async move {
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(stop.cancelled_owned())
                .await
            {
                tracing::warn!(error = %e, "metrics listener stopped");
            }
        }
    });
    Ok(Some(MetricsServer { addr: local, stop }))
}

/// The metrics listener; it stops when this is dropped.
pub struct MetricsServer {
    addr: SocketAddr,
    stop: CancellationToken,
}

impl MetricsServer {
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

// ------------------------------------------------------------------ the kit's own metrics

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct MethodLabels {
    pub service: String,
    pub method: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CodeLabels {
    pub service: String,
    pub method: String,
    pub code: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(non_camel_case_types)] // label values as Prometheus users write them
pub enum ConnectionState {
    in_use,
    idle,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PoolLabels {
    pub service: String,
    pub pool: &'static str,
    pub state: ConnectionState,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StreamLabels {
    pub stream: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ConsumerLabels {
    pub consumer: String,
    pub stream: String,
}

/// Latency buckets in seconds, from a cached read to a slow report.
pub const LATENCY_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

pub fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

pub(crate) struct KitMetrics {
    pub grpc_requests: Family<MethodLabels, Counter>,
    pub grpc_errors: Family<CodeLabels, Counter>,
    pub grpc_duration: Family<MethodLabels, Histogram, fn() -> Histogram>,
    pub db_connections: Family<PoolLabels, Gauge>,
    pub outbox_head: Family<StreamLabels, Gauge>,
    pub consumer_offset: Family<ConsumerLabels, Gauge>,
    pub consumer_lag: Family<ConsumerLabels, Gauge>,
}

pub(crate) static KIT: LazyLock<KitMetrics> = LazyLock::new(|| {
    let m = KitMetrics {
        grpc_requests: Family::default(),
        grpc_errors: Family::default(),
        grpc_duration: Family::new_with_constructor(latency_histogram),
        db_connections: Family::default(),
        outbox_head: Family::default(),
        consumer_offset: Family::default(),
        consumer_lag: Family::default(),
    };
    register(
        "onewindow_grpc_server_requests",
        "gRPC calls received, by service and method",
        m.grpc_requests.clone(),
    );
    register(
        "onewindow_grpc_server_errors",
        "gRPC calls answered with a status other than OK, by status code",
        m.grpc_errors.clone(),
    );
    register_with_unit(
        "onewindow_grpc_server_request_duration",
        "time to the response headers: a unary call's handling time, a stream's opening",
        Unit::Seconds,
        m.grpc_duration.clone(),
    );
    register(
        "onewindow_db_connections",
        "database pool connections, in use and idle",
        m.db_connections.clone(),
    );
    register(
        "onewindow_outbox_head",
        "the last sequence number committed to the service's outbox",
        m.outbox_head.clone(),
    );
    register(
        "onewindow_consumer_offset",
        "the last event a consumer applied from the stream it follows",
        m.consumer_offset.clone(),
    );
    register(
        "onewindow_consumer_lag",
        "events of the stream not yet applied by the consumer (stream head minus offset), \
         where the head is known in this process",
        m.consumer_lag.clone(),
    );
    m
});

/// Exports `db`'s pool connections and outbox head under `service` while `db` lives.
pub(crate) fn watch_database(service: &str, db: &Db) {
    LazyLock::force(&KIT);
    let service = service.to_string();
    // Every service's database has an outbox; its stream is named after the service.
    let head_labels = StreamLabels {
        stream: service.clone(),
    };
    let weak: WeakDb = db.downgrade();
    let mut pools: Vec<&'static str> = Vec::new();
    on_scrape(move || {
        let Some(db) = weak.upgrade() else {
            for pool in &pools {
                for state in [ConnectionState::in_use, ConnectionState::idle] {
                    KIT.db_connections.remove(&PoolLabels {
                        service: service.clone(),
                        pool,
                        state,
                    });
                }
            }
            return None;
        };
        pools.clear();
        for stats in db.pool_stats() {
            pools.push(stats.pool);
            let labels = |state| PoolLabels {
                service: service.clone(),
                pool: stats.pool,
                state,
            };
            KIT.db_connections
                .get_or_create(&labels(ConnectionState::in_use))
                .set(stats.in_use as i64);
            KIT.db_connections
                .get_or_create(&labels(ConnectionState::idle))
                .set(stats.idle as i64);
        }
        Some(Box::pin(async {}))
    });
    refresh_on_commit(db, move |db| {
        let labels = head_labels.clone();
        Box::pin(async move {
            let head = crate::outbox::head(&db).await?;
            KIT.outbox_head.get_or_create(&labels).set(head);
            Ok(())
        })
    });
}

// ------------------------------------------------------------------ the gRPC server layer

/// Counts calls, their failures by status code and their latency, labelled by service and
/// method. Paths of services this server does not serve are labelled `unknown`, so that
/// made-up paths cannot grow the label sets.
///
/// A call costs one map lookup by its path: each method's label set and metric handles are
/// made on its first call and shared after.
#[derive(Clone)]
pub struct GrpcMetricsLayer {
    known: Arc<HashSet<String>>,
    methods: Arc<RwLock<HashMap<String, Arc<MethodMetrics>>>>,
    unknown: Arc<MethodMetrics>,
}

/// One method's labels and the handles of its series (handles share the family's values).
struct MethodMetrics {
    labels: MethodLabels,
    requests: Counter,
    duration: Histogram,
}

impl MethodMetrics {
    fn new(labels: MethodLabels) -> Self {
        MethodMetrics {
            requests: KIT.grpc_requests.get_or_create(&labels).clone(),
            duration: KIT.grpc_duration.get_or_create(&labels).clone(),
            labels,
        }
    }
}

impl GrpcMetricsLayer {
    /// `services`: the fully qualified names of the services served.
    pub fn new(services: impl IntoIterator<Item = String>) -> Self {
        LazyLock::force(&KIT);
        GrpcMetricsLayer {
            known: Arc::new(services.into_iter().collect()),
            methods: Arc::default(),
            unknown: Arc::new(MethodMetrics::new(MethodLabels {
                service: "unknown".into(),
                method: "unknown".into(),
            })),
        }
    }

    fn method(&self, path: &str) -> Arc<MethodMetrics> {
        if let Some(m) = self
            .methods
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(path)
        {
            return m.clone();
        }
        let mut parts = path.trim_start_matches('/').splitn(2, '/');
        let labels = match (parts.next(), parts.next()) {
            (Some(service), Some(method))
                if self.known.contains(service) && !method.is_empty() && !method.contains('/') =>
            {
                MethodLabels {
                    service: service.to_string(),
                    method: method.to_string(),
                }
            }
            // Not kept by path: made-up paths must not grow the map.
            _ => return self.unknown.clone(),
        };
        self.methods
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(path.to_string())
            .or_insert_with(|| Arc::new(MethodMetrics::new(labels)))
            .clone()
    }
}

impl<S> tower::Layer<S> for GrpcMetricsLayer {
    type Service = GrpcMetrics<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GrpcMetrics {
            inner,
            layer: self.clone(),
        }
    }
}

#[derive(Clone)]
pub struct GrpcMetrics<S> {
    inner: S,
    layer: GrpcMetricsLayer,
}

impl<S, ReqBody, ResBody> tower::Service<http::Request<ReqBody>> for GrpcMetrics<S>
where
    S: tower::Service<http::Request<ReqBody>, Response = http::Response<ResBody>>,
    S::Future: Send + 'static,
    S::Error: 'static,
    ResBody: Body<Data = Bytes> + Send + Unpin + 'static,
    ResBody::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<ReqBody>) -> Self::Future {
        let method = self.layer.method(req.uri().path());
        method.requests.inc();
        let start = Instant::now();
        let response = self.inner.call(req);
        Box::pin(async move {
            let response = response.await?;
            method.duration.observe(start.elapsed().as_secs_f64());
            let (parts, body) = response.into_parts();
            let body = match status_code(&parts.headers) {
                // A trailers-only answer: the status is in the headers.
                Some(code) => {
                    count_code(&method.labels, code);
                    tonic::body::Body::new(body)
                }
                None => tonic::body::Body::new(StatusBody {
                    inner: body,
                    method: Some(method),
                }),
            };
            Ok(http::Response::from_parts(parts, body))
        })
    }
}

/// A response body that reads the status from the trailers as they pass.
struct StatusBody<B> {
    inner: B,
    /// Taken once the status is counted.
    method: Option<Arc<MethodMetrics>>,
}

impl<B> Body for StatusBody<B>
where
    B: Body<Data = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(trailers) = frame.trailers_ref() {
                    if let Some(m) = this.method.take() {
                        count_code(&m.labels, status_code(trailers).unwrap_or(tonic::Code::Ok));
                    }
                }
            }
            Poll::Ready(Some(Err(_))) => {
                if let Some(m) = this.method.take() {
                    count_code(&m.labels, tonic::Code::Internal);
                }
            }
            Poll::Ready(None) => {
                // Ended without trailers: nothing said otherwise, so OK.
                this.method.take();
            }
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl<B> Drop for StatusBody<B> {
    fn drop(&mut self) {
        // Dropped before its end: the client went away (a stream it stopped following).
        if let Some(m) = self.method.take() {
            count_code(&m.labels, tonic::Code::Cancelled);
        }
    }
}

fn status_code(headers: &http::HeaderMap) -> Option<tonic::Code> {
    headers
        .get("grpc-status")
        .map(|v| tonic::Code::from_bytes(v.as_bytes()))
}

fn count_code(labels: &MethodLabels, code: tonic::Code) {
    if code == tonic::Code::Ok {
        return;
    }
    KIT.grpc_errors
        .get_or_create(&CodeLabels {
            service: labels.service.clone(),
            method: labels.method.clone(),
            code: code_name(code),
        })
        .inc();
}

/// The canonical name of a status code, as in the gRPC specification.
pub fn code_name(code: tonic::Code) -> &'static str {
    use tonic::Code::*;
    match code {
        Ok => "OK",
        Cancelled => "CANCELLED",
        Unknown => "UNKNOWN",
        InvalidArgument => "INVALID_ARGUMENT",
        DeadlineExceeded => "DEADLINE_EXCEEDED",
        NotFound => "NOT_FOUND",
        AlreadyExists => "ALREADY_EXISTS",
        PermissionDenied => "PERMISSION_DENIED",
        ResourceExhausted => "RESOURCE_EXHAUSTED",
        FailedPrecondition => "FAILED_PRECONDITION",
        Aborted => "ABORTED",
        OutOfRange => "OUT_OF_RANGE",
        Unimplemented => "UNIMPLEMENTED",
        Internal => "INTERNAL",
        Unavailable => "UNAVAILABLE",
        DataLoss => "DATA_LOSS",
        Unauthenticated => "UNAUTHENTICATED",
    }
}

/// Sets a consumer's offset and, when its stream's head is known, its lag.
pub(crate) fn consumer_position(consumer: &str, stream: &str, offset: i64, head: Option<i64>) {
    let labels = ConsumerLabels {
        consumer: consumer.to_string(),
        stream: stream.to_string(),
    };
    KIT.consumer_offset.get_or_create(&labels).set(offset);
    if let Some(head) = head {
        KIT.consumer_lag
            .get_or_create(&labels)
            .set(head.saturating_sub(offset).max(0));
    }
}

/// Label pairs of a service's own gauges, e.g. `[("state", "in_progress")]`.
pub type Labels = Vec<(&'static str, &'static str)>;

pub type GaugeFamily = Family<Labels, Gauge>;

/// A family of gauges registered under `name`; keep it in a `LazyLock`.
pub fn gauge_family(name: &str, help: &str) -> GaugeFamily {
    let family = GaugeFamily::default();
    register(name, help, family.clone());
    family
}

// ------------------------------------------------------------------ HTTP (the gateway)

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: &'static str,
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteClassLabels {
    pub method: &'static str,
    pub route: String,
    pub class: &'static str,
}

struct HttpMetrics {
    requests: Family<RouteLabels, Counter>,
    errors: Family<RouteClassLabels, Counter>,
    duration: Family<RouteLabels, Histogram, fn() -> Histogram>,
}

static HTTP: LazyLock<HttpMetrics> = LazyLock::new(|| {
    let m = HttpMetrics {
        requests: Family::default(),
        errors: Family::default(),
        duration: Family::new_with_constructor(latency_histogram),
    };
    register(
        "onewindow_http_requests",
        "HTTP requests answered, by method and route template",
        m.requests.clone(),
    );
    register(
        "onewindow_http_errors",
        "HTTP requests answered with a 4xx or 5xx status, by status class",
        m.errors.clone(),
    );
    register_with_unit(
        "onewindow_http_request_duration",
        "time to the response headers (a server-sent event stream: its opening)",
        Unit::Seconds,
        m.duration.clone(),
    );
    m
});

/// Records one HTTP answer. `route` must be a route template (`/cases/{number}`), never a
/// raw path: paths carry case numbers and query codes.
pub fn record_http(method: &http::Method, route: &str, status: http::StatusCode, took: Duration) {
    let method = match *method {
        http::Method::GET => "GET",
        http::Method::POST => "POST",
        http::Method::PUT => "PUT",
        http::Method::PATCH => "PATCH",
        http::Method::DELETE => "DELETE",
        http::Method::HEAD => "HEAD",
        http::Method::OPTIONS => "OPTIONS",
        _ => "other",
    };
    let labels = RouteLabels {
        method,
        route: route.to_string(),
    };
    HTTP.requests.get_or_create(&labels).inc();
    HTTP.duration
        .get_or_create(&labels)
        .observe(took.as_secs_f64());
    let class = if status.is_server_error() {
        "5xx"
    } else if status.is_client_error() {
        "4xx"
    } else {
        return;
    };
    HTTP.errors
        .get_or_create(&RouteClassLabels {
            method,
            route: labels.route,
            class,
        })
        .inc();
}
