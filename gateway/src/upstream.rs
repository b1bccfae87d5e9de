//! The gRPC side: one lazily connected channel per upstream endpoint, requests carrying the
//! caller's token and trace context, a pass-through codec for generic calls, health checks.

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::{Buf, BufMut, Bytes};
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::metadata::MetadataValue;
use tonic::transport::{Channel, Endpoint};
use tonic::Status;

use crate::settings::UpstreamSettings;
use crate::Error;

/// Channels by package name; packages sharing an endpoint share a channel.
#[derive(Clone)]
pub struct Upstreams {
    by_endpoint: BTreeMap<String, Channel>,
    settings: UpstreamSettings,
    timeout: Duration,
}

impl Upstreams {
    /// Channels for every package in `packages`; they connect on first use, so the gateway
    /// starts even while a service is still coming up.
    pub fn new<'a>(
        settings: &UpstreamSettings,
        packages: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, Error> {
        let mut by_endpoint = BTreeMap::new();
        for package in packages {
            let uri = settings.endpoint_for(package).to_string();
            if by_endpoint.contains_key(&uri) {
                continue;
            }
            let endpoint = Endpoint::from_shared(uri.clone())
                .map_err(|e| Error::Config(format!("upstream {uri} for {package}: {e}")))?
                .connect_timeout(Duration::from_millis(settings.connect_timeout_ms))
                .tcp_nodelay(true);
            by_endpoint.insert(uri, endpoint.connect_lazy());
        }
        Ok(Upstreams {
            by_endpoint,
            settings: settings.clone(),
            timeout: Duration::from_millis(settings.timeout_ms),
        })
    }

    /// The channel serving `package`.
    pub fn channel(&self, package: &str) -> Result<Channel, Status> {
        self.by_endpoint
            .get(self.settings.endpoint_for(package))
            .cloned()
            .ok_or_else(|| Status::unimplemented(format!("no upstream serves {package}")))
    }

    /// Every distinct endpoint with its channel (readiness).
    pub fn endpoints(&self) -> impl Iterator<Item = (&str, &Channel)> {
        self.by_endpoint.iter().map(|(k, v)| (k.as_str(), v))
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

    /// Calls a unary RPC with an encoded request and returns the encoded response.
    pub async fn unary(
        &self,
        package: &str,
        grpc_path: &str,
        body: Bytes,
        token: Option<&str>,
    ) -> Result<Bytes, Status> {
        let mut grpc = tonic::client::Grpc::new(self.channel(package)?);
        grpc.ready()
            .await
            .map_err(|e| Status::unavailable(format!("upstream not ready: {e}")))?;
        let path = grpc_path
            .parse()
            .map_err(|_| Status::internal("bad rpc path"))?;
        let response = grpc
            .unary(self.request(body, token), path, RawCodec)
            .await?;
        Ok(response.into_inner())
    }

    /// Calls a server-streaming RPC; the stream yields encoded messages.
    pub async fn server_streaming(
        &self,
        package: &str,
        grpc_path: &str,
        body: Bytes,
        token: Option<&str>,
    ) -> Result<tonic::Streaming<Bytes>, Status> {
        let mut grpc = tonic::client::Grpc::new(self.channel(package)?);
        grpc.ready()
            .await
            .map_err(|e| Status::unavailable(format!("upstream not ready: {e}")))?;
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
