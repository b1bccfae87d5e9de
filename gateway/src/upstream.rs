//! The gRPC side: one lazily connected channel per upstream, balanced over the upstream's
//! endpoints (replicas), or the services themselves when the gateway runs in their process;
//! requests carrying the caller's token, trace context and deadline;
//! reads retried with backoff while an upstream answers UNAVAILABLE; a pass-through codec for
//! generic calls; health checks.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::time::Duration;

use bytes::{Buf, BufMut, Bytes};
use onewindow_kit::remote::{self, PeerSettings, Transport};
use onewindow_kit::uploads;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::metadata::MetadataValue;
use tonic::Status;

use crate::settings::UpstreamSettings;
use crate::Error;

/// Channels by package name; packages sharing their endpoints share a channel.
#[derive(Clone)]
pub struct Upstreams {
    /// Every distinct upstream (readiness): its endpoints, or `IN_PROCESS`.
    by_endpoint: BTreeMap<String, Transport>,
    /// The upstream of each package, resolved once.
    by_package: HashMap<String, Transport>,
    timeout: Duration,
    retry_deadline: Duration,
    /// `/package.Service/Method` of every read (an RPC routed by GET): safe to send again.
    reads: HashSet<String>,
    /// `/package.Service/Method` of every mutation that takes a `request_id`: safe to send
    /// again with the same id, which the service answers once.
    keyed: HashSet<String>,
    /// Largest message sent upstream: the largest upload body accepted.
    max_send_bytes: usize,
}

/// Largest answer taken from upstream. tonic's default (4 MiB) would cut off the download
/// of a larger material; no answer with a file holds more than the largest message with
/// files that a service accepts.
pub const MAX_RECEIVE_BYTES: usize = uploads::LARGEST_FILE_MESSAGE;

/// The name readiness reports for the services of the gateway's own process.
pub const IN_PROCESS: &str = "in-process";

impl Upstreams {
    /// Channels for every package in `packages`; they connect on first use, so the gateway
    /// starts even while a service is still coming up.
    ///
    /// Messages up to `max_send_bytes` go up (the upload body limit: a body's message is
    /// never larger than its JSON or its form).
    ///
    /// With `local` (the services of this very process, in the standalone binary) every
    /// package is called there and the endpoints in `settings` are not used.
    pub fn new<'a>(
        settings: &UpstreamSettings,
        max_send_bytes: usize,
        packages: impl IntoIterator<Item = &'a str>,
        local: Option<Transport>,
    ) -> Result<Self, Error> {
        let mut by_endpoint = BTreeMap::new();
        let mut by_package = HashMap::new();
        if let Some(local) = &local {
            by_endpoint.insert(IN_PROCESS.to_string(), local.clone());
        }
        for package in packages {
            if let Some(local) = &local {
                by_package.insert(package.to_string(), local.clone());
                continue;
            }
            let endpoints = settings.endpoints_for(package);
            let key = endpoints.join(",");
            if let Some(shared) = by_endpoint.get(&key) {
                by_package.insert(package.to_string(), shared.clone());
                continue;
            }
            let peer = PeerSettings {
                endpoints,
                connect_timeout_ms: settings.connect_timeout_ms,
                request_timeout_ms: settings.timeout_ms,
                retry_deadline_ms: settings.retry_deadline_ms,
                tls: settings.tls.clone(),
            };
            let channel = remote::channel(&peer)
                .map_err(|e| Error::Config(format!("upstream {key} for {package}: {e}")))?;
            let transport = remote::over_network(channel);
            by_package.insert(package.to_string(), transport.clone());
            by_endpoint.insert(key, transport);
        }
        Ok(Upstreams {
            by_endpoint,
            by_package,
            timeout: Duration::from_millis(settings.timeout_ms),
            retry_deadline: Duration::from_millis(settings.retry_deadline_ms),
            reads: read_paths(onewindow_proto::descriptor_pool()),
            keyed: keyed_paths(onewindow_proto::descriptor_pool()),
            max_send_bytes,
        })
    }

    /// The message limits of every client: (decoding, encoding).
    pub fn limits(&self) -> (usize, usize) {
        (MAX_RECEIVE_BYTES, self.max_send_bytes)
    }

    /// A generic client on `channel`, with the gateway's message limits.
    fn grpc(&self, channel: Transport) -> tonic::client::Grpc<Transport> {
        tonic::client::Grpc::new(channel)
            .max_decoding_message_size(MAX_RECEIVE_BYTES)
            .max_encoding_message_size(self.max_send_bytes)
    }

    /// The channel serving `package`.
    pub fn channel(&self, package: &str) -> Result<Transport, Status> {
        self.by_package
            .get(package)
            .cloned()
            .ok_or_else(|| Status::unimplemented(format!("no upstream serves {package}")))
    }

    /// A request carrying the caller's bearer token, the current trace context and the
    /// upstream deadline.
    pub fn request<T>(&self, message: T, token: Option<&str>) -> tonic::Request<T> {
        // The trace context first (the kit's interceptor only adds metadata and never
        // fails), then the caller's token on the same metadata.
        let carrier = onewindow_kit::telemetry::propagate(tonic::Request::new(()))
            .unwrap_or_else(|_| tonic::Request::new(()));
        let (mut metadata, extensions, ()) = carrier.into_parts();
        if let Some(token) = token {
            if let Ok(value) = MetadataValue::try_from(format!("Bearer {token}")) {
                metadata.insert("authorization", value);
            }
        }
        let mut req = tonic::Request::from_parts(metadata, extensions, message);
        req.set_timeout(self.timeout);
        req
    }

    /// Calls a unary RPC with an encoded request and returns the encoded response. A read,
    /// or a mutation whose request carries its id (`keyed`: the transcoder knows), is retried
    /// on UNAVAILABLE or a connection lost under the call (another replica, or the same one
    /// back) until `retry_deadline_ms`; anything else is sent once. A connection lost under
    /// the call is answered as UNAVAILABLE, never as UNKNOWN.
    pub async fn unary(
        &self,
        package: &str,
        grpc_path: &str,
        body: Bytes,
        token: Option<&str>,
        keyed: bool,
    ) -> Result<Bytes, Status> {
        let channel = self.channel(package)?;
        let path: http::uri::PathAndQuery = grpc_path
            .parse()
            .map_err(|_| Status::internal("bad rpc path"))?;
        let attempt = || {
            let mut grpc = self.grpc(channel.clone());
            let request = self.request(body.clone(), token);
            let path = path.clone();
            async move {
                grpc.ready()
                    .await
                    .map_err(|e| Status::unavailable(format!("upstream not ready: {e}")))?;
                let response = grpc.unary(request, path, RawCodec).await?;
                Ok(response.into_inner())
            }
        };
        let again = self.reads.contains(grpc_path) || (keyed && self.keyed.contains(grpc_path));
        let answer = if again {
            remote::retry(self.retry_deadline, attempt).await
        } else {
            within(self.timeout, attempt()).await
        };
        answer.map_err(remote::unavailable_if_transport)
    }

    /// Calls a server-streaming RPC; the stream yields encoded messages.
    pub async fn server_streaming(
        &self,
        package: &str,
        grpc_path: &str,
        body: Bytes,
        token: Option<&str>,
    ) -> Result<tonic::Streaming<Bytes>, Status> {
        let mut grpc = self.grpc(self.channel(package)?);
        let ready = async {
            grpc.ready()
                .await
                .map_err(|e| Status::unavailable(format!("upstream not ready: {e}")))
        };
        within(self.timeout, ready).await?;
        let path = grpc_path
            .parse()
            .map_err(|_| Status::internal("bad rpc path"))?;
        // A stream outlives any request deadline; it ends when the client goes away.
        let mut req = self.request(body, token);
        req.metadata_mut().remove("grpc-timeout");
        let response = grpc.server_streaming(req, path, RawCodec).await?;
        Ok(response.into_inner())
    }

    /// The overall grpc.health.v1 status of each endpoint.
    pub async fn health(&self) -> Vec<(String, Result<(), String>)> {
        use tonic_health::pb::health_check_response::ServingStatus;
        use tonic_health::pb::health_client::HealthClient;
        use tonic_health::pb::HealthCheckRequest;
        let checks = self.by_endpoint.iter().map(|(uri, channel)| async move {
            let mut client = HealthClient::new(channel.clone());
            let mut req = tonic::Request::new(HealthCheckRequest {
                service: String::new(),
            });
            req.set_timeout(Duration::from_secs(2));
            let outcome = match tokio::time::timeout(Duration::from_secs(3), client.check(req))
                .await
            {
                Err(_) => Err("health check timed out".to_string()),
                Ok(Err(status)) => Err(format!("{}: {}", status.code(), status.message())),
                Ok(Ok(resp)) if resp.get_ref().status == ServingStatus::Serving as i32 => Ok(()),
                Ok(Ok(resp)) => Err(format!("status {}", resp.get_ref().status)),
            };
            (uri.clone(), outcome)
        });
        futures::future::join_all(checks).await
    }
}

/// Cuts a call off at `timeout`, beside the `grpc-timeout` the upstream is told: a connection
/// that never answers does not hold the caller longer.
async fn within<T>(
    timeout: Duration,
    call: impl Future<Output = Result<T, Status>>,
) -> Result<T, Status> {
    tokio::time::timeout(timeout, call)
        .await
        .unwrap_or_else(|_| {
            Err(Status::deadline_exceeded(
                "the upstream did not answer in time",
            ))
        })
}

/// The gRPC paths of the RPCs whose google.api.http rule is a GET.
fn read_paths(pool: &prost_reflect::DescriptorPool) -> HashSet<String> {
    let Some(http) = pool.get_extension_by_name("google.api.http") else {
        return HashSet::new();
    };
    let mut reads = HashSet::new();
    for service in pool.services() {
        for method in service.methods() {
            let options = method.options();
            let rule = options.get_extension(&http);
            let is_get = rule
                .as_message()
                .is_some_and(|r| r.has_field_by_name("get"));
            if is_get {
                reads.insert(format!("/{}/{}", service.full_name(), method.name()));
            }
        }
    }
    reads
}

/// The gRPC paths of the RPCs whose request has a `request_id` field (every mutation).
fn keyed_paths(pool: &prost_reflect::DescriptorPool) -> HashSet<String> {
    let mut keyed = HashSet::new();
    for service in pool.services() {
        for method in service.methods() {
            if method.input().get_field_by_name("request_id").is_some() {
                keyed.insert(format!("/{}/{}", service.full_name(), method.name()));
            }
        }
    }
    keyed
}

/// A codec that passes encoded protobuf bytes through untouched: the transcoder encodes
/// and decodes with the descriptors itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct RawCodec;

impl Codec for RawCodec {
    type Encode = Bytes;
    type Decode = Bytes;
    type Encoder = RawCodec;
    type Decoder = RawCodec;

    fn encoder(&mut self) -> Self::Encoder {
        RawCodec
    }

    fn decoder(&mut self) -> Self::Decoder {
        RawCodec
    }
}

impl Encoder for RawCodec {
    type Item = Bytes;
    type Error = Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put(item);
        Ok(())
    }
}

impl Decoder for RawCodec {
    type Item = Bytes;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, Status> {
        Ok(Some(src.copy_to_bytes(src.remaining())))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use onewindow_catalog::Catalog;
    use onewindow_kit::auth::TokenIssuer;
    use onewindow_kit::clock::Clock;
    use onewindow_kit::serve::GrpcServer;
    use onewindow_kit::testing;
    use tokio_util::sync::CancellationToken;

    #[test]
    fn only_rpcs_routed_by_get_count_as_reads() {
        let reads = read_paths(onewindow_proto::descriptor_pool());
        assert!(reads.contains("/onewindow.catalog.v1.CatalogService/ListRegions"));
        assert!(reads.contains("/onewindow.cases.v1.CaseService/GetCase"));
        assert!(!reads.contains("/onewindow.cases.v1.CaseService/SubmitCase"));
        assert!(!reads.contains("/onewindow.cases.v1.CaseService/AcceptCase"));
    }

    #[test]
    fn every_mutation_carries_its_id_and_no_read_does() {
        let pool = onewindow_proto::descriptor_pool();
        let keyed = keyed_paths(pool);
        assert!(keyed.contains("/onewindow.cases.v1.CaseService/SubmitCase"));
        assert!(keyed.contains("/onewindow.trading.v1.TradingService/SubmitBid"));
        let reads = read_paths(pool);
        assert!(
            keyed.is_disjoint(&reads),
            "{:?}",
            keyed.intersection(&reads)
        );
    }

    #[tokio::test]
    async fn reads_keep_succeeding_when_one_of_two_endpoints_is_dead() {
        let db =
            testing::sqlite(&[&onewindow_kit::MIGRATIONS, &onewindow_catalog::MIGRATIONS]).await;
        let (clock, _hand) = Clock::manual(Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap());
        let catalog = Catalog::start(db.db.clone(), clock).await.unwrap();
        catalog.load_demo_if_empty().await.unwrap();
        let (issuer, _) = TokenIssuer::generate("onewindow", "onewindow").unwrap();
        let mut grpc = GrpcServer::new();
        grpc.add_service(
            catalog.grpc_service(issuer.verifier().unwrap()),
            db.db.clone(),
        );
        let bound = grpc.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let live = bound.local_addr();
        let stop = CancellationToken::new();
        tokio::spawn(bound.run_until(stop.clone().cancelled_owned()));
        // A port that was free a moment ago and has nothing listening now.
        let dead = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };

        let mut settings = crate::GatewaySettings::default();
        settings.upstreams.default = format!("http://{dead}, http://{live}");
        settings.upstreams.connect_timeout_ms = 500;
        let gateway =
            crate::Gateway::build(settings, Some(issuer.clone()), issuer.verifier().unwrap())
                .await
                .unwrap();
        let bound = gateway.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let base = format!("http://{}", bound.local_addr());
        tokio::spawn(bound.run_until(stop.clone().cancelled_owned()));

        let http = reqwest::Client::new();
        let token = issuer
            .issue(
                &onewindow_kit::auth::Principal {
                    subject: "u-supervisor".into(),
                    name: String::new(),
                    roles: vec![onewindow_kit::auth::Role::Supervisor],
                    department: None,
                    region: Some("140200".into()),
                },
                Utc::now().timestamp(),
                600,
            )
            .unwrap();
        for i in 0..20 {
            let r = http
                .get(format!("{base}/api/v1/regions"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "read {i} through the gateway");
            let body: serde_json::Value = r.json().await.unwrap();
            assert!(
                body["regions"].as_array().is_some_and(|r| !r.is_empty()),
                "{body}"
            );
        }
        stop.cancel();
    }
}
