//! The gateway's settings: serde with defaults that run next to the standalone binary
//! (every package on `127.0.0.1:50051`, demo users, no OIDC).

use std::collections::BTreeMap;
use std::net::IpAddr;

use onewindow_kit::config::Secret;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct GatewaySettings {
    /// Where browsers and REST clients reach the gateway.
    pub listen_addr: String,
    pub upstreams: UpstreamSettings,
    pub auth: GatewayAuthSettings,
    pub limits: LimitSettings,
}

impl Default for GatewaySettings {
    fn default() -> Self {
        GatewaySettings {
            listen_addr: "127.0.0.1:8080".into(),
            upstreams: UpstreamSettings::default(),
            auth: GatewayAuthSettings::default(),
            limits: LimitSettings::default(),
        }
    }
}

/// Where each contract package is served. Standalone mode serves every package at one
/// address; a deployment names one per package (`onewindow.catalog.v1 = "http://catalog:50051"`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct UpstreamSettings {
    /// The endpoint of every package not listed in `packages`.
    pub default: String,
    /// Package name -> endpoint URI.
    pub packages: BTreeMap<String, String>,
    /// Deadline of one upstream call (sent as `grpc-timeout`).
    pub timeout_ms: u64,
    pub connect_timeout_ms: u64,
}

impl Default for UpstreamSettings {
    fn default() -> Self {
        UpstreamSettings {
            default: "http://127.0.0.1:50051".into(),
            packages: BTreeMap::new(),
            timeout_ms: 15_000,
            connect_timeout_ms: 3_000,
        }
    }
}

impl UpstreamSettings {
    pub fn endpoint_for(&self, package: &str) -> &str {
        self.packages
            .get(package)
            .map(String::as_str)
            .unwrap_or(&self.default)
    }
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

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct OidcSettings {
    /// Expected `iss`.
    pub issuer: String,
    /// Expected `aud`.
    pub audience: String,
    /// Where the provider publishes its signing keys.
    pub jwks_url: String,
    /// How long fetched keys are trusted before they are fetched again.
    pub jwks_refresh_secs: u64,
    /// Claim holding the OneWindow role names; dots descend (`realm_access.roles`).
    pub roles_claim: String,
    pub department_claim: String,
    pub region_claim: String,
}

impl Default for OidcSettings {
    fn default() -> Self {
        OidcSettings {
            issuer: String::new(),
            audience: "onewindow".into(),
            jwks_url: String::new(),
            jwks_refresh_secs: 600,
            roles_claim: "roles".into(),
            department_claim: "department".into(),
            region_claim: "region".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct LimitSettings {
    /// Largest request body accepted.
    pub max_body_bytes: usize,
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
            request_timeout_secs: 30,
            anonymous_per_second: 20.0,
            anonymous_burst: 60.0,
            trust_forwarded_for: false,
            exempt_addresses: Vec::new(),
        }
    }
}
