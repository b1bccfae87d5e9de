//! Logs and traces, set up once per process. Spans carry OpenTelemetry context always (so
//! trace ids cross gateway -> service -> event -> consumer); they are exported over OTLP only
//! when an endpoint is configured. W3C trace context travels in gRPC metadata and events.

use std::collections::HashMap;

use opentelemetry::propagation::{Extractor, Injector};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::{LogFormat, TelemetrySettings};
use crate::error::Error;

/// Flushes and stops exporting on `shutdown`.
pub struct Telemetry {
    provider: SdkTracerProvider,
}

impl Telemetry {
    pub fn shutdown(self) {
        if let Err(e) = self.provider.shutdown() {
            eprintln!("telemetry shutdown: {e}");
        }
    }
}

/// Installs the global subscriber. Calling it again (tests) leaves the first one in place.
pub fn init(settings: &TelemetrySettings) -> Result<Telemetry, Error> {
    let provider = provider(settings)?;
    init_with_provider(settings, provider.clone())?;
    Ok(Telemetry { provider })
}

/// The tracer provider `settings` ask for. With an OTLP endpoint, spans are recorded and
/// exported in batches. Without one nothing would ever read a recorded span, so the traces
/// this process starts are not recorded: their spans still get trace and span ids, which
/// travel in metadata and events and mark the log lines, at a fraction of the cost.
pub fn provider(settings: &TelemetrySettings) -> Result<SdkTracerProvider, Error> {
    let mut builder = SdkTracerProvider::builder().with_resource(
        opentelemetry_sdk::Resource::builder()
            .with_service_name(settings.service_name.clone())
            .build(),
    );
    match settings.otlp_endpoint.as_deref().filter(|e| !e.is_empty()) {
        Some(endpoint) => {
            use opentelemetry_otlp::WithExportConfig;
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_tonic()
                .with_endpoint(endpoint)
                .build()
                .map_err(|e| Error::invalid("telemetry.otlp_endpoint", e.to_string()))?;
            builder = builder.with_batch_exporter(exporter);
        }
        // A trace another process sampled stays sampled through this one (its spans are
        // recorded and dropped here, but the decision travels on to processes that export).
        None => {
            use opentelemetry_sdk::trace::Sampler;
            builder = builder.with_sampler(Sampler::ParentBased(Box::new(Sampler::AlwaysOff)));
        }
    }
    Ok(builder.build())
}

/// Installs the subscriber around a given tracer provider (tests use an in-memory exporter),
/// and the W3C propagator without which no context would travel in metadata or events.
pub fn init_with_provider(
    settings: &TelemetrySettings,
    provider: SdkTracerProvider,
) -> Result<(), Error> {
    init_with_writer(settings, provider, std::io::stdout)
}

/// As [`init_with_provider`], with log lines written to `writer` (tests capture them).
pub fn init_with_writer<W>(
    settings: &TelemetrySettings,
    provider: SdkTracerProvider,
    writer: W,
) -> Result<(), Error>
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    opentelemetry::global::set_text_map_propagator(
        opentelemetry_sdk::propagation::TraceContextPropagator::new(),
    );
    let filter = EnvFilter::try_new(&settings.log_filter)
        .map_err(|e| Error::invalid("telemetry.log_filter", e.to_string()))?;
    // Each call opens a span: the attributes that would say nothing about a call (the source
    // line of the span, the worker thread of an async task, busy and idle time that need a
    // clock read on every poll) and the activation of the OpenTelemetry context on every
    // poll (this code reads the context from the span) are left out.
    let otel = tracing_opentelemetry::layer()
        .with_tracer(provider.tracer("onewindow"))
        .with_location(false)
        .with_threads(false)
        .with_tracked_inactivity(false)
        .with_context_activation(false);
    opentelemetry::global::set_tracer_provider(provider);
    let fmt = match settings.log_format {
        LogFormat::Human => tracing_subscriber::fmt::layer()
            .with_writer(writer)
            .with_target(true)
            .boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .with_writer(writer)
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .boxed(),
    };
    // The log filter quietens logs only: request spans still carry trace context, so a
    // quiet log level never breaks a trace across services and events.
    let _ = tracing_subscriber::registry()
        .with(fmt.with_filter(filter))
        .with(otel.with_filter(tracing_subscriber::filter::LevelFilter::INFO))
        .try_init();
    Ok(())
}

/// The W3C trace context of the current span, to store with an event.
pub fn current_trace_context() -> HashMap<String, String> {
    let cx = tracing::Span::current().context();
    let mut map = HashMap::new();
    opentelemetry::global::get_text_map_propagator(|p| p.inject_context(&cx, &mut map));
    map
}

/// Makes `span` a child of the trace in `carrier` (event or request metadata).
pub fn set_parent_from(span: &tracing::Span, carrier: &HashMap<String, String>) {
    let cx = opentelemetry::global::get_text_map_propagator(|p| p.extract(carrier));
    let _ = span.set_parent(cx);
}

struct Headers<'a>(&'a http::HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}

struct Metadata<'a>(&'a mut tonic::metadata::MetadataMap);

impl Injector for Metadata<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(k), Ok(v)) = (
            tonic::metadata::MetadataKey::from_bytes(key.as_bytes()),
            tonic::metadata::MetadataValue::try_from(value.as_str()),
        ) {
            self.0.insert(k, v);
        }
    }
}

/// The span of an incoming gRPC call, child of the caller's trace if it sent one.
pub fn grpc_request_span<B>(req: &http::Request<B>) -> tracing::Span {
    let span = tracing::info_span!(
        "grpc.request",
        rpc.method = %req.uri().path(),
        otel.kind = "server",
        trace_id = tracing::field::Empty,
    );
    let cx = opentelemetry::global::get_text_map_propagator(|p| p.extract(&Headers(req.headers())));
    let _ = span.set_parent(cx);
    // JSON log lines carry their span's fields: the trace id joins a line to its trace.
    record_trace_id(&span);
    span
}

/// Records the span's trace id in its `trace_id` field, once its parent is set.
pub fn record_trace_id(span: &tracing::Span) {
    use opentelemetry::trace::TraceContextExt;
    let trace_id = span.context().span().span_context().trace_id();
    if trace_id != opentelemetry::trace::TraceId::INVALID {
        span.record("trace_id", tracing::field::display(trace_id));
    }
}

/// A client interceptor that sends the current trace context along.
pub fn propagate(mut req: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
    let cx = tracing::Span::current().context();
    opentelemetry::global::get_text_map_propagator(|p| {
        p.inject_context(&cx, &mut Metadata(req.metadata_mut()))
    });
    Ok(req)
}
