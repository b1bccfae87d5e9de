//! The gateway's settings: serde with defaults that run next to the standalone binary
//! (every package on `127.0.0.1:50051`, demo users, no OIDC).

use std::collections::BTreeMap;
use std::net::IpAddr;

use onewindow_kit::config::Secret;
/// The provider's settings are the kit's: the services verify its tokens the same way.
pub use onewindow_kit::oidc::OidcSettings;
use onewindow_kit::remote::ClientTls;
use onewindow_kit::uploads;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct GatewaySettings {
    /// Where browsers and REST clients reach the gateway.
    pub listen_addr: String,
    pub upstreams: UpstreamSettings,
    pub auth: GatewayAuthSettings,
    pub limits: LimitSettings,
    /// Serve the process's Prometheus metrics at `GET /metrics` on `listen_addr` (in
    /// standalone mode they cover every service). Turn off where `listen_addr` is public
    /// and serve them on the binary's separate `metrics.listen` instead.
    pub serve_metrics: bool,
}

impl Default for GatewaySettings {
    fn default() -> Self {
        GatewaySettings {
            listen_addr: "127.0.0.1:8080".into(),
            upstreams: UpstreamSettings::default(),
            auth: GatewayAuthSettings::default(),
            limits: LimitSettings::default(),
            serve_metrics: true,
        }
    }
}

/// Where each contract package is served. Standalone mode serves every package at one
/// address; a deployment names one per package (`onewindow.catalog.v1 = "http://catalog:50051"`).
/// A package may have several endpoints (replicas): a list, or one string with the endpoints
/// separated by commas; calls are balanced over them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct UpstreamSettings {
    /// The endpoints of every package not listed in `packages`.
    #[serde(deserialize_with = "endpoint_list")]
    pub default: String,
    /// Package name -> its endpoints.
    #[serde(deserialize_with = "endpoint_lists")]
    pub packages: BTreeMap<String, String>,
    /// Deadline of one upstream call (sent as `grpc-timeout`).
    pub timeout_ms: u64,
    pub connect_timeout_ms: u64,
    /// How long a read (an RPC routed by GET) is retried, with backoff, while its
    /// upstream answers UNAVAILABLE; every attempt still has `timeout_ms`.
    pub retry_deadline_ms: u64,
    /// TLS towards the services (`https://` endpoints), mutual with a client certificate.
    pub tls: Option<ClientTls>,
}

impl Default for UpstreamSettings {
    fn default() -> Self {
        UpstreamSettings {
            default: "http://127.0.0.1:50051".into(),
            packages: BTreeMap::new(),
            timeout_ms: 15_000,
            connect_timeout_ms: 3_000,
            retry_deadline_ms: 10_000,
            tls: None,
        }
    }
}

impl UpstreamSettings {
    /// The endpoints of `package`, as configured (comma-separated).
    pub fn endpoint_for(&self, package: &str) -> &str {
        self.packages
            .get(package)
            .map(String::as_str)
            .unwrap_or(&self.default)
    }

    /// The endpoints of `package`, one by one.
    pub fn endpoints_for(&self, package: &str) -> Vec<String> {
        split_endpoints(self.endpoint_for(package))
    }
}

fn split_endpoints(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn joined(self) -> String {
        match self {
            OneOrMany::One(s) => split_endpoints(&s).join(","),
            OneOrMany::Many(v) => v.join(","),
        }
    }
}

fn endpoint_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(OneOrMany::deserialize(d)?.joined())
}

fn endpoint_lists<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    let map = BTreeMap::<String, OneOrMany>::deserialize(d)?;
    Ok(map.into_iter().map(|(k, v)| (k, v.joined())).collect())
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct GatewayAuthSettings {
    /// TOML file of the built-in identity provider's users (`[[users]]` with argon2
    /// `password_hash`); unset: the demo users (see `demo_users()`).
    pub users_file: Option<String>,
    /// Lifetime of a browser session (the signed token in the cookie).
    pub session_ttl_secs: i64,
    /// Mark cookies `Secure` (set behind HTTPS).
    pub secure_cookies: bool,
    /// Key of the CSRF tokens; replicas behind one load balancer must share it. Unset: a
    /// random key per process (a restart asks open forms to be sent again).
    pub csrf_key: Secret<String>,
    /// Tokens of a deployment's OpenID Connect provider, accepted besides the built-in ones.
    pub oidc: Option<OidcSettings>,
}

impl Default for GatewayAuthSettings {
    fn default() -> Self {
        GatewayAuthSettings {
            users_file: None,
            session_ttl_secs: 8 * 3600,
            secure_cookies: false,
            csrf_key: Secret::default(),
            oidc: None,
        }
    }
}

/// Request sizes and times, and the anonymous callers' rate. Two body limits: files go up
/// only where a contract expects them (`max_upload_bytes`), everything else stays small
/// (`max_body_bytes`). A body over the limit of its route is answered 413.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct LimitSettings {
    /// Largest request body of every route that carries no files (8 MiB).
    pub max_body_bytes: usize,
    /// Largest request body of a route that carries files: a REST call whose request
    /// message holds a `bytes` field in its body (a case's submission, resubmission or
    /// bundle, a bid), and the pages' upload forms. The default is the largest message
    /// carrying files that a service accepts (`onewindow_kit::uploads`) in JSON, where
    /// file content is base64 and 4/3 larger (about 55 MiB); a multipart form carries the
    /// files as they are and fits with room to spare. The gateway's clients send messages
    /// up to this size.
    pub max_upload_bytes: usize,
    /// Requests carrying files that are received and passed on at once, per gateway
    /// process. Each holds its files about three times over while it is decoded and sent
    /// on (a submission with 40 MiB of files took about 120 MiB of a gateway of its own,
    /// about 160 MiB of the standalone binary with the cases service's share), so this is
    /// what bounds the memory uploads take: size the process's memory limit for it.
    /// Further uploads wait for a turn before their body is read.
    pub max_concurrent_uploads: usize,
    /// How long an upload waits for a turn before it is answered 503 with Retry-After.
    pub upload_wait_secs: u64,
    /// Time for a whole request (server-sent event streams excepted).
    pub request_timeout_secs: u64,
    /// Anonymous requests per second per client address (token bucket refill rate).
    pub anonymous_per_second: f64,
    /// Anonymous burst per client address (bucket size).
    pub anonymous_burst: f64,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// Addresses never limited, e.g. the hall's kiosks behind one NAT.
    pub exempt_addresses: Vec<IpAddr>,
}

impl Default for LimitSettings {
    fn default() -> Self {
        LimitSettings {
            max_body_bytes: 8 * 1024 * 1024,
            max_upload_bytes: default_max_upload_bytes(),
            max_concurrent_uploads: 4,
            upload_wait_secs: 10,
            request_timeout_secs: 30,
            anonymous_per_second: 20.0,
            anonymous_burst: 60.0,
            trust_forwarded_for: false,
            exempt_addresses: Vec::new(),
        }
    }
}

impl LimitSettings {
    /// The limit of the body of a request that carries files, or of one that does not.
    pub fn body_limit(&self, carries_files: bool) -> usize {
        if carries_files {
            self.max_upload_bytes
        } else {
            self.max_body_bytes
        }
    }

    /// What any request may send before its route is known: the larger of the two.
    pub fn largest_body(&self) -> usize {
        self.max_body_bytes.max(self.max_upload_bytes)
    }
}

/// The largest message carrying files that a service accepts, sent as JSON: base64 makes
/// every 3 bytes 4 (the room for the message's other fields is inflated too, which covers
/// JSON's field names). A multipart form sends the same files as they are, with a header
/// line or two per part: far less.
pub fn default_max_upload_bytes() -> usize {
    uploads::LARGEST_FILE_MESSAGE.div_ceil(3) * 4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_upload_fits_the_upload_limit_in_json_and_nothing_else_takes_it() {
        let limits = LimitSettings::default();
        let largest = uploads::LARGEST_FILE_MESSAGE;
        // Base64 makes every 3 bytes 4: the largest message with files, all of it content.
        assert!(limits.max_upload_bytes >= largest / 3 * 4);
        assert!(limits.max_upload_bytes > limits.max_body_bytes);
        assert_eq!(limits.body_limit(true), limits.max_upload_bytes);
        assert_eq!(limits.body_limit(false), limits.max_body_bytes);
        assert_eq!(limits.largest_body(), limits.max_upload_bytes);
    }

    #[test]
    fn the_production_ingress_lets_the_largest_upload_through() {
        let ingress = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../deploy/k8s/overlays/production/ingress.yaml"
        ))
        .unwrap();
        let size = ingress
            .lines()
            .find_map(|l| {
                l.trim()
                    .strip_prefix("nginx.ingress.kubernetes.io/proxy-body-size:")
            })
            .unwrap()
            .trim();
        let mib: usize = size.strip_suffix('m').unwrap().parse().unwrap();
        assert!(
            mib * uploads::MIB >= LimitSettings::default().max_upload_bytes,
            "proxy-body-size {size} is under the gateway's upload limit"
        );
    }
}
