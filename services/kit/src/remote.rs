//! Calling other services when they run in other processes: a channel balanced over every
//! endpoint of a peer, with connect and per-call timeouts and optional (mutual) TLS; a retry
//! helper for idempotent calls; and the event source that follows a peer's `Watch` stream.
//!
//! Which calls may be retried: reads, and mutations that carry the same `request_id` on every
//! attempt (the contracts make those idempotent). Only UNAVAILABLE, and a call cut off by a
//! broken connection, is retried: every other code is an answer, not a failure to get one.
//!
//! Serving with TLS: [`ServerTls::config`] builds the `tonic::transport::ServerTlsConfig`
//! from PEM files, and a binary hands it to `serve::GrpcServer::tls`.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use futures::StreamExt;
use http::uri::PathAndQuery;
use onewindow_proto::common::v1::{Event, WatchRequest};
use rand::Rng;
use serde::{Deserialize, Deserializer, Serialize};
use tonic::metadata::MetadataValue;
use tonic::transport::{
    Certificate, Channel, ClientTlsConfig, Endpoint, Identity, ServerTlsConfig,
};
use tonic::{Code, Status};

use crate::auth::TokenVerifier;
use crate::config::{AuthSettings, Secret};
use crate::consumer::{BoxFuture, EventSource, EventStream};
use crate::error::Error;
use crate::oidc::Jwks;

/// The `Watch` method of each producer of events.
pub const CATALOG_WATCH: &str = "/onewindow.catalog.v1.CatalogService/Watch";
pub const CASES_WATCH: &str = "/onewindow.cases.v1.CaseService/Watch";
pub const TRADING_WATCH: &str = "/onewindow.trading.v1.TradingService/Watch";
pub const SUPERVISION_WATCH: &str = "/onewindow.supervision.v1.SupervisionService/Watch";

/// How to reach one peer service.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct PeerSettings {
    /// Every address of the peer (`http://catalog:50051`, or `https://` with `tls`); calls
    /// are balanced over them. A comma-separated string is accepted too, so one environment
    /// variable can name several.
    #[serde(deserialize_with = "one_or_many")]
    pub endpoints: Vec<String>,
    pub connect_timeout_ms: u64,
    /// Deadline of one unary call (streams are bounded only until their headers arrive).
    pub request_timeout_ms: u64,
    /// How long an idempotent call is retried on UNAVAILABLE before the error is returned.
    pub retry_deadline_ms: u64,
    pub tls: Option<ClientTls>,
}

impl Default for PeerSettings {
    fn default() -> Self {
        PeerSettings {
            endpoints: Vec::new(),
            connect_timeout_ms: 3_000,
            request_timeout_ms: 10_000,
            retry_deadline_ms: 15_000,
            tls: None,
        }
    }
}

impl PeerSettings {
    /// A peer at the given addresses, other settings default.
    pub fn at<I, S>(endpoints: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        PeerSettings {
            endpoints: endpoints.into_iter().map(Into::into).collect(),
            ..PeerSettings::default()
        }
    }

    pub fn retry_deadline(&self) -> Duration {
        Duration::from_millis(self.retry_deadline_ms)
    }
}

/// TLS towards a peer: the CA that signed its certificate, and for mutual TLS this
/// process's own certificate and key.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct ClientTls {
    /// PEM file of the CA (or CAs) the peer's certificate chains to.
    pub ca_file: String,
    /// The name the peer's certificate is issued to, when it is not the endpoint's host.
    pub domain_name: Option<String>,
    /// PEM file of this process's certificate, for mutual TLS.
    pub cert_file: Option<String>,
    /// PEM file of that certificate's private key.
    pub key_file: Option<String>,
}

impl ClientTls {
    pub fn config(&self) -> Result<ClientTlsConfig, Error> {
        let ca = read_pem("tls.ca_file", &self.ca_file)?;
        let mut config = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(ca));
        if let Some(name) = &self.domain_name {
            config = config.domain_name(name.clone());
        }
        match (&self.cert_file, &self.key_file) {
            (Some(cert), Some(key)) => {
                let cert = read_pem("tls.cert_file", cert)?;
                let key = read_pem("tls.key_file", key)?;
                config = config.identity(Identity::from_pem(cert, key));
            }
            (None, None) => {}
            _ => {
                return Err(Error::invalid(
                    "tls.cert_file",
                    "a client certificate needs both cert_file and key_file",
                ))
            }
        }
        Ok(config)
    }
}

/// TLS of this process's gRPC server: its certificate and key, and for mutual TLS the CA
/// whose client certificates it requires.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct ServerTls {
    /// PEM file of the server's certificate chain.
    pub cert_file: String,
    /// PEM file of its private key.
    pub key_file: String,
    /// PEM file of the CA of client certificates; set, every client must present one.
    pub client_ca_file: Option<String>,
}

impl ServerTls {
    /// The configuration for `serve::GrpcServer::tls`; reading the files here makes a
    /// missing or unreadable one a start-up error.
    pub fn config(&self) -> Result<ServerTlsConfig, Error> {
        let cert = read_pem("tls.cert_file", &self.cert_file)?;
        let key = read_pem("tls.key_file", &self.key_file)?;
        let mut config = ServerTlsConfig::new().identity(Identity::from_pem(cert, key));
        if let Some(ca) = &self.client_ca_file {
            let ca = read_pem("tls.client_ca_file", ca)?;
            config = config.client_ca_root(Certificate::from_pem(ca));
        }
        Ok(config)
    }
}

fn read_pem(field: &str, path: &str) -> Result<Vec<u8>, Error> {
    if path.is_empty() {
        return Err(Error::invalid(field, "must name a PEM file"));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| Error::invalid(field, format!("cannot read {path}: {e}")))?;
    if !bytes.windows(10).any(|w| w == b"-----BEGIN") {
        return Err(Error::invalid(field, format!("{path} holds no PEM block")));
    }
    Ok(bytes)
}

/// Accepts a list, or one string with the items separated by commas.
fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        OneOrMany::Many(v) => v,
    })
}

/// A channel to a peer, balanced over its endpoints. It connects lazily, so a process
/// starts while its peers are still coming up; an endpoint that is down stays in the set
/// and fails its calls with UNAVAILABLE until it comes back, which [`retry`] rides over.
pub fn channel(peer: &PeerSettings) -> Result<Channel, Error> {
    if peer.endpoints.is_empty() {
        return Err(Error::invalid("endpoints", "name at least one address"));
    }
    let tls = peer.tls.as_ref().map(ClientTls::config).transpose()?;
    let mut endpoints = Vec::with_capacity(peer.endpoints.len());
    for uri in &peer.endpoints {
        let mut endpoint = Endpoint::from_shared(uri.clone())
            .map_err(|e| Error::invalid("endpoints", format!("{uri}: {e}")))?
            .connect_timeout(Duration::from_millis(peer.connect_timeout_ms))
            .timeout(Duration::from_millis(peer.request_timeout_ms))
            .tcp_nodelay(true)
            // Event streams can be quiet for hours; pings find a dead peer behind a
            // vanished connection instead of waiting on it forever.
            .http2_keep_alive_interval(Duration::from_secs(30))
            .keep_alive_timeout(Duration::from_secs(10))
            .keep_alive_while_idle(true);
        if let Some(tls) = &tls {
            endpoint = endpoint
                .tls_config(tls.clone())
                .map_err(|e| Error::invalid("tls", format!("{uri}: {e}")))?;
        } else if uri.starts_with("https:") {
            return Err(Error::invalid(
                "endpoints",
                format!("{uri} is https but no tls settings are given"),
            ));
        }
        endpoints.push(endpoint);
    }
    Ok(Channel::balance_list(endpoints.into_iter()))
}

/// How a client reaches a service: a [`Channel`] over the network ([`over_network`]) or,
/// in the process that serves it, the service itself
/// ([`crate::serve::GrpcServer::in_process`]). Generated clients take either.
pub type Transport = tower::util::BoxCloneSyncService<
    http::Request<tonic::body::Body>,
    http::Response<tonic::body::Body>,
    TransportError,
>;

/// A call that got no answer through a [`Transport`]: the connection's error, kept as the
/// source so that a broken connection is still told apart from an answer
/// ([`is_transport_failure`]). (A named type rather than a boxed error: the futures of
/// generic clients over a boxed error type are not provably `Send`.)
#[derive(Debug)]
pub struct TransportError(tower::BoxError);

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.0)
    }
}

/// `channel` as a [`Transport`].
pub fn over_network(channel: Channel) -> Transport {
    Transport::new(tower::ServiceExt::map_err(channel, |e| {
        TransportError(Box::new(e))
    }))
}

/// Exponential backoff between attempts, with jitter so that replicas retrying together
/// spread out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub initial: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_millis(50),
            max: Duration::from_secs(2),
        }
    }
}

/// Calls `call` until it succeeds, fails with a code other than UNAVAILABLE, or `deadline`
/// has passed; each attempt is cut off at the deadline too. Only for idempotent calls.
pub async fn retry<T, F, Fut>(deadline: Duration, call: F) -> Result<T, Status>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Status>>,
{
    retry_with(Backoff::default(), deadline, call).await
}

pub async fn retry_with<T, F, Fut>(
    backoff: Backoff,
    deadline: Duration,
    mut call: F,
) -> Result<T, Status>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Status>>,
{
    let end = tokio::time::Instant::now() + deadline;
    let mut wait = backoff.initial;
    let mut attempt = 1u32;
    loop {
        let outcome = match tokio::time::timeout_at(end, call()).await {
            Ok(outcome) => outcome,
            Err(_) => {
                return Err(Status::deadline_exceeded(format!(
                    "no answer within {}ms ({attempt} attempts)",
                    deadline.as_millis()
                )))
            }
        };
        match outcome {
            Err(status) if retryable(&status) => {
                // Full jitter: anywhere up to the current step.
                let pause = rand::thread_rng().gen_range(wait / 2..=wait);
                if tokio::time::Instant::now() + pause >= end {
                    return Err(status);
                }
                tracing::debug!(attempt, error = %status.message(), "unavailable; retrying");
                tokio::time::sleep(pause).await;
                wait = (wait * 2).min(backoff.max);
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// UNAVAILABLE, or a call cut off because its connection broke (a peer killed in the middle
/// of it, or a pooled connection to it found dead before the call went out): tonic reports
/// these as UNKNOWN or CANCELLED made up on this side, with the transport's error as their
/// source (a status the peer sent has none), and they are no answer either.
fn retryable(status: &Status) -> bool {
    status.code() == Code::Unavailable || is_transport_failure(status)
}

/// A status the client made up because the connection failed under the call (a peer killed
/// mid-call): UNKNOWN, CANCELLED or INTERNAL ("h2 protocol error") with a transport error as
/// its source. A status the server sent never has a source: it is read from the trailers.
pub fn is_transport_failure(status: &Status) -> bool {
    matches!(
        status.code(),
        Code::Unknown | Code::Cancelled | Code::Internal
    ) && std::error::Error::source(status).is_some()
}

/// `status`, with a transport failure told as what it is to the caller: UNAVAILABLE (try
/// again), not UNKNOWN.
pub fn unavailable_if_transport(status: Status) -> Status {
    if is_transport_failure(&status) {
        Status::unavailable(format!(
            "the service went away during the call: {}",
            status.message()
        ))
    } else {
        status
    }
}

/// The verifier of the tokens callers present, from the PEM files of the accepted public
/// keys (several during a key rotation) and, when `auth.oidc` is set, the JWKS of the
/// deployment's OpenID Connect provider. A service never holds the private key.
pub fn verifier_from_files(auth: &AuthSettings) -> Result<TokenVerifier, Error> {
    let mut pems = Vec::with_capacity(auth.public_key_files.len());
    for (i, file) in auth.public_key_files.iter().enumerate() {
        let pem = std::fs::read_to_string(file).map_err(|e| {
            Error::invalid(
                format!("auth.public_key_files[{i}]"),
                format!("cannot read {file}: {e}"),
            )
        })?;
        pems.push(pem);
    }
    if pems.is_empty() && auth.oidc.is_none() {
        tracing::warn!("auth.public_key_files and auth.oidc are empty: every caller is anonymous");
    }
    let verifier = TokenVerifier::new(&pems, &auth.issuer, &auth.audience)?;
    match &auth.oidc {
        Some(oidc) => Ok(verifier.with_oidc(std::sync::Arc::new(Jwks::new(oidc.clone())?))),
        None => Ok(verifier),
    }
}

/// The bearer token a process presents to its peers: none, a fixed value, or a file read
/// at every use (a mounted secret that is rotated takes effect at the next reconnect).
#[derive(Debug, Clone, Default)]
pub enum BearerToken {
    #[default]
    None,
    Fixed(Secret<String>),
    File(PathBuf),
}

impl BearerToken {
    pub fn fixed(token: impl Into<String>) -> Self {
        BearerToken::Fixed(Secret::new(token.into()))
    }

    /// From an optional file setting: none when unset or empty.
    pub fn from_file_setting(path: Option<&str>) -> Self {
        match path {
            Some(p) if !p.is_empty() => BearerToken::File(PathBuf::from(p)),
            _ => BearerToken::None,
        }
    }

    /// The token now, if any.
    pub fn current(&self) -> Result<Option<Secret<String>>, Error> {
        match self {
            BearerToken::None => Ok(None),
            BearerToken::Fixed(t) => Ok(Some(t.clone())),
            BearerToken::File(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    Error::invalid(
                        "peers.token_file",
                        format!("cannot read {}: {e}", path.display()),
                    )
                })?;
                let token = text.trim();
                if token.is_empty() {
                    return Err(Error::invalid(
                        "peers.token_file",
                        format!("{} is empty", path.display()),
                    ));
                }
                Ok(Some(Secret::new(token.to_string())))
            }
        }
    }
}

/// A request carrying the current trace context and, if given, the bearer token.
pub fn request<T>(message: T, token: Option<&Secret<String>>) -> Result<tonic::Request<T>, Error> {
    // The kit's propagator only adds metadata and never fails.
    let carrier = crate::telemetry::propagate(tonic::Request::new(()))
        .unwrap_or_else(|_| tonic::Request::new(()));
    let (mut metadata, extensions, ()) = carrier.into_parts();
    if let Some(token) = token {
        let value = MetadataValue::try_from(format!("Bearer {}", token.expose()))
            .map_err(|_| Error::invalid("auth.service_token", "not a valid header value"))?;
        metadata.insert("authorization", value);
    }
    Ok(tonic::Request::from_parts(metadata, extensions, message))
}

/// The kit's error for a status a peer returned (or the transport made up).
pub fn error_of(status: &Status) -> Error {
    let what = format!("{}: {}", status.code(), status.message());
    match status.code() {
        Code::Unauthenticated => Error::Unauthenticated(what),
        Code::PermissionDenied => Error::PermissionDenied(what),
        _ => Error::Unavailable(what),
    }
}

/// Follows a peer's `Watch` stream over gRPC: each (re)connection asks for the events after
/// the consumer's offset, carrying `token` (read afresh each time).
#[derive(Clone)]
pub struct GrpcSource {
    channel: Channel,
    path: PathAndQuery,
    token: BearerToken,
}

/// The event source of a peer's `Watch` method, e.g.
/// `grpc_source(channel, CASES_WATCH, token)`.
pub fn grpc_source(channel: Channel, path: &str, token: BearerToken) -> Result<GrpcSource, Error> {
    let path = PathAndQuery::try_from(path)
        .map_err(|e| Error::invalid("watch path", format!("{path}: {e}")))?;
    Ok(GrpcSource {
        channel,
        path,
        token,
    })
}

impl EventSource for GrpcSource {
    fn watch(&self, after_seq: i64) -> BoxFuture<'_, Result<EventStream, Error>> {
        Box::pin(async move {
            let token = self.token.current()?;
            let request = request(
                WatchRequest {
                    after_seq,
                    kinds: Vec::new(),
                },
                token.as_ref(),
            )?;
            let mut grpc = tonic::client::Grpc::new(self.channel.clone());
            grpc.ready().await.map_err(|e| {
                Error::Unavailable(format!("{} not reachable: {e}", self.path.path()))
            })?;
            let response = grpc
                .server_streaming(
                    request,
                    self.path.clone(),
                    tonic_prost::ProstCodec::<WatchRequest, Event>::default(),
                )
                .await
                .map_err(|s| error_of(&s))?;
            let stream = response
                .into_inner()
                .map(|item| item.map_err(|s| error_of(&s)));
            Ok(Box::pin(stream) as EventStream)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;
    use std::net::SocketAddr;
    use std::pin::Pin;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::task::{Context, Poll};

    use futures::Stream;
    use tokio::net::TcpListener;
    use tokio_util::sync::CancellationToken;
    use tonic::server::NamedService;
    use tonic::transport::server::TcpIncoming;
    use tonic::transport::Server;
    use tonic_health::pb::health_check_response::ServingStatus;
    use tonic_health::pb::health_client::HealthClient;
    use tonic_health::pb::HealthCheckRequest;

    use super::*;
    use crate::consumer::{Consumer, Handler};
    use crate::db::{Db, Tx};
    use crate::outbox::{self, NewEvent};

    async fn listener() -> (TcpListener, SocketAddr) {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let a = l.local_addr().unwrap();
        (l, a)
    }

    /// A server whose health service tells who it is: `who` is SERVING on one and
    /// NOT_SERVING on the other.
    async fn health_server(serving: bool, stop: CancellationToken) -> SocketAddr {
        let (reporter, service) = tonic_health::server::health_reporter();
        let status = if serving {
            tonic_health::ServingStatus::Serving
        } else {
            tonic_health::ServingStatus::NotServing
        };
        reporter.set_service_status("who", status).await;
        let (l, addr) = listener().await;
        tokio::spawn(async move {
            // Kept alive with the server: dropping the reporter would end its updates.
            let _reporter = reporter;
            Server::builder()
                .add_service(service)
                .serve_with_incoming_shutdown(TcpIncoming::from(l), stop.cancelled_owned())
                .await
                .unwrap();
        });
        addr
    }

    async fn who(channel: &Channel) -> Result<bool, Status> {
        let mut client = HealthClient::new(channel.clone());
        let reply = client
            .check(HealthCheckRequest {
                service: "who".into(),
            })
            .await?;
        Ok(reply.into_inner().status == ServingStatus::Serving as i32)
    }

    #[tokio::test]
    async fn retry_repeats_unavailable_calls_until_one_succeeds() {
        let calls = AtomicUsize::new(0);
        let result = retry(Duration::from_secs(5), || async {
            if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                Err(Status::unavailable("not yet"))
            } else {
                Ok(7)
            }
        })
        .await;
        assert_eq!(result.unwrap(), 7);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn retry_returns_other_errors_at_once() {
        let calls = AtomicUsize::new(0);
        let result: Result<(), Status> = retry(Duration::from_secs(5), || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(Status::not_found("no such case"))
        })
        .await;
        assert_eq!(result.unwrap_err().code(), Code::NotFound);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn retry_gives_up_at_its_deadline() {
        let calls = AtomicUsize::new(0);
        let started = std::time::Instant::now();
        let result: Result<(), Status> = retry(Duration::from_millis(400), || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(Status::unavailable("down"))
        })
        .await;
        assert_eq!(result.unwrap_err().code(), Code::Unavailable);
        assert!(
            calls.load(Ordering::SeqCst) >= 3,
            "backoff retried a few times"
        );
        assert!(started.elapsed() < Duration::from_millis(1_000));
    }

    #[tokio::test]
    async fn retry_cuts_off_an_attempt_that_outlives_the_deadline() {
        let result: Result<(), Status> = retry(Duration::from_millis(200), || async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Ok(())
        })
        .await;
        assert_eq!(result.unwrap_err().code(), Code::DeadlineExceeded);
    }

    #[tokio::test]
    async fn balanced_channel_spreads_calls_over_both_endpoints() {
        let stop = CancellationToken::new();
        let a = health_server(true, stop.clone()).await;
        let b = health_server(false, stop.clone()).await;
        let channel = channel(&PeerSettings::at([
            format!("http://{a}"),
            format!("http://{b}"),
        ]))
        .unwrap();
        let (mut on_a, mut on_b) = (0, 0);
        for _ in 0..60 {
            if who(&channel).await.unwrap() {
                on_a += 1;
            } else {
                on_b += 1;
            }
        }
        stop.cancel();
        assert!(on_a > 0 && on_b > 0, "a answered {on_a}, b answered {on_b}");
    }

    #[tokio::test]
    async fn retry_over_a_balanced_channel_rides_over_a_dead_endpoint() {
        let stop = CancellationToken::new();
        let live = health_server(true, stop.clone()).await;
        // A port that was free a moment ago: nothing listens there.
        let dead = listener().await.1;
        let peer = PeerSettings {
            connect_timeout_ms: 500,
            ..PeerSettings::at([format!("http://{dead}"), format!("http://{live}")])
        };
        let channel = channel(&peer).unwrap();
        for _ in 0..10 {
            let serving = retry(Duration::from_secs(10), || who(&channel)).await;
            assert!(serving.unwrap(), "only the live endpoint can answer");
        }
        stop.cancel();
    }

    #[test]
    fn endpoints_come_from_a_list_or_a_comma_separated_string() {
        let one: PeerSettings =
            serde_json::from_str(r#"{"endpoints": "http://a:1, http://b:2"}"#).unwrap();
        assert_eq!(one.endpoints, ["http://a:1", "http://b:2"]);
        let many: PeerSettings = serde_json::from_str(r#"{"endpoints": ["http://a:1"]}"#).unwrap();
        assert_eq!(many.endpoints, ["http://a:1"]);
        assert_eq!(many.request_timeout_ms, 10_000);
    }

    #[test]
    fn a_peer_without_endpoints_or_with_https_but_no_tls_is_a_configuration_error() {
        assert!(channel(&PeerSettings::default()).is_err());
        assert!(channel(&PeerSettings::at(["https://cases:50051"])).is_err());
    }

    #[test]
    fn missing_tls_files_are_named() {
        let tls = ServerTls {
            cert_file: "/nonexistent/tls.crt".into(),
            key_file: "/nonexistent/tls.key".into(),
            client_ca_file: None,
        };
        let Err(Error::InvalidArgument(v)) = tls.config() else {
            panic!("expected an invalid setting")
        };
        assert_eq!(v.as_slice()[0].field, "tls.cert_file");
    }

    #[test]
    fn a_token_file_is_read_at_each_use_and_never_printed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "first\n").unwrap();
        let token = BearerToken::from_file_setting(path.to_str());
        assert_eq!(token.current().unwrap().unwrap().expose(), "first");
        std::fs::write(&path, "second").unwrap();
        let now = token.current().unwrap().unwrap();
        assert_eq!(now.expose(), "second");
        assert!(!format!("{now:?}").contains("second"));
        assert!(BearerToken::from_file_setting(Some(""))
            .current()
            .unwrap()
            .is_none());
    }

    // ------------------------------------------------------------ the gRPC event source

    /// A producer's `Watch`, served from its outbox, refusing calls without the token.
    #[derive(Clone)]
    struct WatchServer {
        db: Db,
        token: &'static str,
    }

    impl NamedService for WatchServer {
        const NAME: &'static str = "onewindow.cases.v1.CaseService";
    }

    type Streamed = Pin<Box<dyn Stream<Item = Result<Event, Status>> + Send>>;

    impl tonic::server::ServerStreamingService<WatchRequest> for WatchServer {
        type Response = Event;
        type ResponseStream = Streamed;
        type Future = BoxFuture<'static, Result<tonic::Response<Streamed>, Status>>;

        fn call(&mut self, request: tonic::Request<WatchRequest>) -> Self::Future {
            let db = self.db.clone();
            let expected = format!("Bearer {}", self.token);
            Box::pin(async move {
                let sent = request
                    .metadata()
                    .get("authorization")
                    .and_then(|v| v.to_str().ok());
                if sent != Some(expected.as_str()) {
                    return Err(Status::unauthenticated("bad token"));
                }
                let stream =
                    outbox::watch(db, request.into_inner()).map(|r| r.map_err(Status::from));
                Ok(tonic::Response::new(Box::pin(stream) as Streamed))
            })
        }
    }

    impl tower::Service<http::Request<tonic::body::Body>> for WatchServer {
        type Response = http::Response<tonic::body::Body>;
        type Error = Infallible;
        type Future = BoxFuture<'static, Result<Self::Response, Infallible>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, req: http::Request<tonic::body::Body>) -> Self::Future {
            let method = self.clone();
            Box::pin(async move {
                let codec = tonic_prost::ProstCodec::<Event, WatchRequest>::default();
                Ok(tonic::server::Grpc::new(codec)
                    .server_streaming(method, req)
                    .await)
            })
        }
    }

    async fn watch_server(db: Db, stop: CancellationToken) -> SocketAddr {
        let (l, addr) = listener().await;
        let svc = WatchServer { db, token: "t0ken" };
        tokio::spawn(async move {
            Server::builder()
                .add_service(svc)
                .serve_with_incoming_shutdown(TcpIncoming::from(l), stop.cancelled_owned())
                .await
                .unwrap();
        });
        addr
    }

    async fn produce(db: &Db, n: usize) {
        for i in 0..n {
            let mut tx = db.begin().await.unwrap();
            outbox::append(
                &mut tx,
                db.backend(),
                1,
                NewEvent {
                    kind: "test.happened".into(),
                    object_type: "thing".into(),
                    object_id: format!("t{i}"),
                    payload: outbox::pack(
                        "onewindow.common.v1.WatchRequest",
                        &WatchRequest::default(),
                    ),
                },
            )
            .await
            .unwrap();
            db.commit(tx).await.unwrap();
        }
    }

    struct Record(Arc<Mutex<Vec<i64>>>);

    impl Handler for Record {
        fn apply<'a>(
            &'a self,
            _: &'a mut Tx,
            event: &'a Event,
        ) -> BoxFuture<'a, Result<(), Error>> {
            self.0.lock().unwrap().push(event.seq);
            Box::pin(async { Ok(()) })
        }
    }

    async fn wait_for_offset(consumer: &Consumer, n: i64) -> i64 {
        for _ in 0..200 {
            let offset = consumer.offset().await.unwrap();
            if offset >= n {
                return offset;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        consumer.offset().await.unwrap()
    }

    #[tokio::test]
    async fn grpc_source_follows_a_producer_in_another_server_exactly_once() {
        let producer = crate::testing::sqlite(&[&crate::MIGRATIONS]).await;
        let consumer_db = crate::testing::sqlite(&[&crate::MIGRATIONS]).await;
        produce(&producer.db, 3).await;
        let stop = CancellationToken::new();
        let addr = watch_server(producer.db.clone(), stop.clone()).await;
        let channel = channel(&PeerSettings::at([format!("http://{addr}")])).unwrap();
        let source = grpc_source(channel, CASES_WATCH, BearerToken::fixed("t0ken")).unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let consumer = Consumer::new("test<-cases", consumer_db.db.clone());
        tokio::spawn(
            consumer
                .clone()
                .run(source, Record(seen.clone()), stop.clone()),
        );

        assert_eq!(
            wait_for_offset(&consumer, 3).await,
            3,
            "stored events replayed"
        );
        produce(&producer.db, 2).await;
        assert_eq!(
            wait_for_offset(&consumer, 5).await,
            5,
            "new events followed"
        );
        stop.cancel();
        assert_eq!(*seen.lock().unwrap(), [1, 2, 3, 4, 5]);
    }

    #[tokio::test]
    async fn grpc_source_without_the_right_token_is_refused_as_unauthenticated() {
        let producer = crate::testing::sqlite(&[&crate::MIGRATIONS]).await;
        let stop = CancellationToken::new();
        let addr = watch_server(producer.db.clone(), stop.clone()).await;
        let channel = channel(&PeerSettings::at([format!("http://{addr}")])).unwrap();
        let source = grpc_source(channel, CASES_WATCH, BearerToken::fixed("wrong")).unwrap();
        let Err(e) = source.watch(0).await else {
            panic!("a wrong token must not open the stream")
        };
        stop.cancel();
        assert!(matches!(e, Error::Unauthenticated(_)), "{e}");
    }

    #[tokio::test]
    async fn grpc_source_reports_an_unreachable_producer_as_unavailable() {
        let dead = listener().await.1;
        let peer = PeerSettings {
            connect_timeout_ms: 300,
            ..PeerSettings::at([format!("http://{dead}")])
        };
        let source =
            grpc_source(channel(&peer).unwrap(), CATALOG_WATCH, BearerToken::None).unwrap();
        let Err(e) = source.watch(0).await else {
            panic!("nothing listens there")
        };
        assert!(matches!(e, Error::Unavailable(_)), "{e}");
    }

    // ------------------------------------------------------------ TLS

    // A throwaway CA, a server certificate for `localhost` and a client certificate, made
    // for these tests with openssl (P-256, valid for a century); they protect nothing.
    const CA_CERT: &str = "\
-----BEGIN CERTIFICATE-----\n\
MIIBnzCCAUWgAwIBAgIUKQs2AbpjQYnC32TOkMwprozru1AwCgYIKoZIzj0EAwIw\n\
HDEaMBgGA1UEAwwRb25ld2luZG93IHRlc3QgY2EwIBcNMjYxMTMwMDQzNzQxWhgP\n\
MjEyNjExMDYwNDM3NDFaMBwxGjAYBgNVBAMMEW9uZXdpbmRvdyB0ZXN0IGNhMFkw\n\
EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEruUm+TZq7fI+/nCewuRGBj7IK0OOVrZa\n\
5FcrRFErHqoGggGYX5f6V1iCWBV6zlT67+dM0uavw3lKx2UfpfB63aNjMGEwHQYD\n\
VR0OBBYEFPqp98VFIkzq/sxJKBIUmcjuVKaGMB8GA1UdIwQYMBaAFPqp98VFIkzq\n\
/sxJKBIUmcjuVKaGMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEGMAoG\n\
CCqGSM49BAMCA0gAMEUCICXf+6Ow/u9FP+T6ZAl+eqZVPiaCfOhX6xYdE/gKnqM4\n\
AiEAjOhEuZtWDnnXJjSW/8iwtV0G8a8BRX8T38NuvaVC3Jo=\n\
-----END CERTIFICATE-----\n";
    const SERVER_CERT: &str = "\
-----BEGIN CERTIFICATE-----\n\
MIIBvDCCAWGgAwIBAgIUDT/AN7ha6HNCDUOuenS+hoVhhUkwCgYIKoZIzj0EAwIw\n\
HDEaMBgGA1UEAwwRb25ld2luZG93IHRlc3QgY2EwIBcNMjYxMTMwMDQzNzQxWhgP\n\
MjEyNjExMDYwNDM3NDFaMBExDzANBgNVBAMMBnNlcnZlcjBZMBMGByqGSM49AgEG\n\
CCqGSM49AwEHA0IABGI5VAya3a2NIsxFiS6TqN0bZkhEEI2MenS0jyMInYORmI7r\n\
qJxMyJzUfHGA2/mOydHwFcpdlsaxgUpzj6iJsP6jgYkwgYYwCQYDVR0TBAIwADAO\n\
BgNVHQ8BAf8EBAMCB4AwFAYDVR0RBA0wC4IJbG9jYWxob3N0MBMGA1UdJQQMMAoG\n\
CCsGAQUFBwMBMB0GA1UdDgQWBBTmC7jEtwm6HdGxz1C2qDbLrFZIcDAfBgNVHSME\n\
GDAWgBT6qffFRSJM6v7MSSgSFJnI7lSmhjAKBggqhkjOPQQDAgNJADBGAiEAoMaS\n\
Ldngs4uuPmsBIoNAfY0ptiDNxTZ1yowHAoW15iACIQC4sFXE0pNdqa6Vy8xExvq7\n\
oqnwNWKG3DNGkH3jmCgqdQ==\n\
-----END CERTIFICATE-----\n";
    const SERVER_KEY: &str = "\
-----BEGIN PRIVATE KEY-----\n\
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgFOM/cXFV28p+Wy83\n\
zZnw4NZZhXr6ESCWHoW4PWCoFHmhRANCAARiOVQMmt2tjSLMRYkuk6jdG2ZIRBCN\n\
jHp0tI8jCJ2DkZiO66icTMic1HxxgNv5jsnR8BXKXZbGsYFKc4+oibD+\n\
-----END PRIVATE KEY-----\n";
    const CLIENT_CERT: &str = "\
-----BEGIN CERTIFICATE-----\n\
MIIBvDCCAWOgAwIBAgIUDT/AN7ha6HNCDUOuenS+hoVhhUowCgYIKoZIzj0EAwIw\n\
HDEaMBgGA1UEAwwRb25ld2luZG93IHRlc3QgY2EwIBcNMjYxMTMwMDQzNzQxWhgP\n\
MjEyNjExMDYwNDM3NDFaMBExDzANBgNVBAMMBmNsaWVudDBZMBMGByqGSM49AgEG\n\
CCqGSM49AwEHA0IABKYEfYbUPZl+nATMKzl15ST4Fg/jpCfQjkpKubpe1AuRp09u\n\
+ZGVJWIq+wrweT8i0SUR/ANfYrXdmOww41TH8X6jgYswgYgwCQYDVR0TBAIwADAO\n\
BgNVHQ8BAf8EBAMCB4AwFgYDVR0RBA8wDYILc3VwZXJ2aXNpb24wEwYDVR0lBAww\n\
CgYIKwYBBQUHAwIwHQYDVR0OBBYEFPBBFnPY6Qi/hpA+FKKT8uMXWph/MB8GA1Ud\n\
IwQYMBaAFPqp98VFIkzq/sxJKBIUmcjuVKaGMAoGCCqGSM49BAMCA0cAMEQCIBwW\n\
JpYBvC8BJ9adIAtb3iwnP0qgq1ylpSxiwuQolMglAiBxJuPNvyFTdWD0kbulX5WY\n\
AU0CfTr3OPgi7IkL2s1mfg==\n\
-----END CERTIFICATE-----\n";
    const CLIENT_KEY: &str = "\
-----BEGIN PRIVATE KEY-----\n\
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgGcxqDxpXPXx1VLIv\n\
RphsPgZyYwY8xQgoYAbjdAE9hdmhRANCAASmBH2G1D2ZfpwEzCs5deUk+BYP46Qn\n\
0I5KSrm6XtQLkadPbvmRlSViKvsK8Hk/ItElEfwDX2K13ZjsMONUx/F+\n\
-----END PRIVATE KEY-----\n";

    fn write_pems(dir: &std::path::Path) -> impl Fn(&str) -> String + '_ {
        for (name, pem) in [
            ("ca.crt", CA_CERT),
            ("server.crt", SERVER_CERT),
            ("server.key", SERVER_KEY),
            ("client.crt", CLIENT_CERT),
            ("client.key", CLIENT_KEY),
        ] {
            std::fs::write(dir.join(name), pem).unwrap();
        }
        move |name: &str| dir.join(name).display().to_string()
    }

    async fn tls_health_server(tls: &ServerTls, stop: CancellationToken) -> SocketAddr {
        let (reporter, service) = tonic_health::server::health_reporter();
        reporter
            .set_service_status("who", tonic_health::ServingStatus::Serving)
            .await;
        let (l, addr) = listener().await;
        let mut builder = Server::builder().tls_config(tls.config().unwrap()).unwrap();
        tokio::spawn(async move {
            let _reporter = reporter;
            builder
                .add_service(service)
                .serve_with_incoming_shutdown(TcpIncoming::from(l), stop.cancelled_owned())
                .await
                .unwrap();
        });
        addr
    }

    #[tokio::test]
    async fn mutual_tls_admits_a_client_with_a_certificate_and_refuses_one_without() {
        let dir = tempfile::tempdir().unwrap();
        let file = write_pems(dir.path());
        let stop = CancellationToken::new();
        let server = ServerTls {
            cert_file: file("server.crt"),
            key_file: file("server.key"),
            client_ca_file: Some(file("ca.crt")),
        };
        let addr = tls_health_server(&server, stop.clone()).await;
        let with_cert = ClientTls {
            ca_file: file("ca.crt"),
            domain_name: Some("localhost".into()),
            cert_file: Some(file("client.crt")),
            key_file: Some(file("client.key")),
        };
        let peer = PeerSettings {
            tls: Some(with_cert.clone()),
            ..PeerSettings::at([format!("https://{addr}")])
        };
        assert!(who(&channel(&peer).unwrap()).await.unwrap());

        let without_cert = PeerSettings {
            tls: Some(ClientTls {
                cert_file: None,
                key_file: None,
                ..with_cert
            }),
            ..peer
        };
        assert!(who(&channel(&without_cert).unwrap()).await.is_err());
        stop.cancel();
    }

    #[tokio::test]
    async fn a_client_refuses_a_server_its_ca_did_not_sign() {
        let dir = tempfile::tempdir().unwrap();
        let file = write_pems(dir.path());
        let stop = CancellationToken::new();
        let server = ServerTls {
            cert_file: file("server.crt"),
            key_file: file("server.key"),
            client_ca_file: None,
        };
        let addr = tls_health_server(&server, stop.clone()).await;
        // The server's own certificate is no CA: nothing chains to it.
        let peer = PeerSettings {
            tls: Some(ClientTls {
                ca_file: file("client.crt"),
                domain_name: Some("localhost".into()),
                ..ClientTls::default()
            }),
            ..PeerSettings::at([format!("https://{addr}")])
        };
        assert!(who(&channel(&peer).unwrap()).await.is_err());
        let trusting = PeerSettings {
            tls: Some(ClientTls {
                ca_file: file("ca.crt"),
                domain_name: Some("localhost".into()),
                ..ClientTls::default()
            }),
            ..peer
        };
        assert!(who(&channel(&trusting).unwrap()).await.unwrap());
        stop.cancel();
    }

    #[test]
    fn a_status_made_up_by_the_client_for_a_lost_connection_is_a_transport_failure() {
        for code in [Code::Unknown, Code::Cancelled, Code::Internal] {
            let mut lost = Status::new(code, "h2 protocol error: http2 error");
            lost.set_source(std::sync::Arc::new(std::io::Error::other(
                "connection reset",
            )));
            assert!(is_transport_failure(&lost), "{code:?}");
            assert_eq!(unavailable_if_transport(lost).code(), Code::Unavailable);
            // The same code sent by the server (no source) is the server's answer.
            assert!(
                !is_transport_failure(&Status::new(code, "boom")),
                "{code:?}"
            );
        }
        let mut refused = Status::invalid_argument("bad");
        refused.set_source(std::sync::Arc::new(std::io::Error::other("x")));
        assert!(!is_transport_failure(&refused));
    }
}
