//! Tokens of a deployment's OpenID Connect provider: RS256, ES256 or EdDSA JWTs verified
//! against the provider's JWKS, fetched over HTTP and cached. The keys are fetched again when
//! the cache ages out, or early (at most once per `jwks_min_refetch_secs`) when a token names
//! a key id the cache lacks: that is how a key rotation reaches every process. The gateway and
//! every service verify with this one implementation, so a token means the same caller
//! everywhere.

use std::str::FromStr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::auth::{Principal, Role};
use crate::error::Error;

const ALLOWED: [Algorithm; 3] = [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA];

/// Where the provider's keys are and how its claims name our roles.
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
    /// A token with an unknown key id fetches the keys early, but never more often than
    /// this, whatever tokens arrive.
    pub jwks_min_refetch_secs: u64,
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
            jwks_min_refetch_secs: 30,
            roles_claim: "roles".into(),
            department_claim: "department".into(),
            region_claim: "region".into(),
        }
    }
}

struct Keys {
    keys: Vec<(Option<String>, DecodingKey)>,
    fetched: Instant,
}

/// What the cached keys say about a token.
enum Lookup {
    Verified(Principal),
    Refused(Error),
    /// No cached key has the token's key id (or nothing is cached yet).
    NeedKeys,
}

/// The provider's keys, cached; cheap to share behind an `Arc`.
pub struct Jwks {
    settings: OidcSettings,
    http: reqwest::Client,
    cache: RwLock<Option<Arc<Keys>>>,
    /// One fetch at a time; holds when the last one was tried (successful or not).
    fetching: tokio::sync::Mutex<Option<Instant>>,
}

impl std::fmt::Debug for Jwks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jwks")
            .field("issuer", &self.settings.issuer)
            .field("jwks_url", &self.settings.jwks_url)
            .finish_non_exhaustive()
    }
}

impl Jwks {
    pub fn new(settings: OidcSettings) -> Result<Self, Error> {
        if settings.issuer.is_empty() || settings.jwks_url.is_empty() {
            return Err(Error::invalid(
                "auth.oidc",
                "needs an issuer and a jwks_url",
            ));
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| Error::internal(anyhow::anyhow!("http client: {e}")))?;
        Ok(Jwks {
            settings,
            http,
            cache: RwLock::new(None),
            fetching: tokio::sync::Mutex::new(None),
        })
    }

    pub fn settings(&self) -> &OidcSettings {
        &self.settings
    }

    /// The principal of a provider's token, fetching the keys first when needed.
    pub async fn verify(&self, token: &str) -> Result<Principal, Error> {
        if self.is_stale() {
            // Aged keys still serve while the provider cannot be reached.
            if let Err(e) = self.refresh(false).await {
                if self.cached().is_none() {
                    return Err(e);
                }
            }
        }
        match self.lookup(token) {
            Lookup::Verified(p) => Ok(p),
            Lookup::Refused(e) => Err(e),
            Lookup::NeedKeys => {
                self.refresh(true).await?;
                self.after_refresh(token)
            }
        }
    }

    /// The same from a synchronous caller (a tonic interceptor). On a multi-threaded runtime
    /// a missing key is fetched in place; elsewhere the fetch starts in the background and the
    /// call is refused as UNAVAILABLE, which a client retries. Aged keys are used while fresh
    /// ones are fetched in the background.
    pub fn verify_blocking(self: &Arc<Self>, token: &str) -> Result<Principal, Error> {
        use tokio::runtime::{Handle, RuntimeFlavor};
        let runtime = Handle::try_current().ok();
        if self.cached().is_some() && self.is_stale() {
            if let Some(handle) = &runtime {
                let jwks = self.clone();
                handle.spawn(async move { jwks.refresh(false).await });
            }
        }
        match self.lookup(token) {
            Lookup::Verified(p) => Ok(p),
            Lookup::Refused(e) => Err(e),
            Lookup::NeedKeys => match runtime {
                Some(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
                    tokio::task::block_in_place(|| handle.block_on(self.refresh(true)))?;
                    self.after_refresh(token)
                }
                Some(handle) => {
                    let jwks = self.clone();
                    handle.spawn(async move { jwks.refresh(true).await });
                    Err(Error::Unavailable(
                        "the identity provider's keys are being fetched; try again".into(),
                    ))
                }
                None => Err(Error::Unavailable(
                    "the identity provider's keys are not fetched yet".into(),
                )),
            },
        }
    }

    fn after_refresh(&self, token: &str) -> Result<Principal, Error> {
        match self.lookup(token) {
            Lookup::Verified(p) => Ok(p),
            Lookup::Refused(e) => Err(e),
            Lookup::NeedKeys => Err(Error::Unauthenticated(
                "no key of the identity provider matches the token".into(),
            )),
        }
    }

    fn cached(&self) -> Option<Arc<Keys>> {
        match self.cache.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn is_stale(&self) -> bool {
        let ttl = Duration::from_secs(self.settings.jwks_refresh_secs);
        self.cached()
            .is_none_or(|keys| keys.fetched.elapsed() > ttl)
    }

    fn lookup(&self, token: &str) -> Lookup {
        let header = match jsonwebtoken::decode_header(token) {
            Ok(h) => h,
            Err(e) => return Lookup::Refused(Error::Unauthenticated(format!("bad token: {e}"))),
        };
        if !ALLOWED.contains(&header.alg) {
            return Lookup::Refused(Error::Unauthenticated(format!(
                "algorithm {:?} is not accepted",
                header.alg
            )));
        }
        let Some(keys) = self.cached() else {
            return Lookup::NeedKeys;
        };
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.settings.issuer]);
        validation.set_audience(&[&self.settings.audience]);
        validation.leeway = 30;
        let mut last = None;
        for (key_id, key) in &keys.keys {
            // A key without an id may sign any token; one with an id only its own.
            if let (Some(wanted), Some(id)) = (header.kid.as_deref(), key_id.as_deref()) {
                if wanted != id {
                    continue;
                }
            }
            match jsonwebtoken::decode::<Json>(token, key, &validation) {
                Ok(data) => {
                    return match principal_of(&self.settings, &data.claims) {
                        Ok(p) => Lookup::Verified(p),
                        Err(e) => Lookup::Refused(e),
                    }
                }
                Err(e) => last = Some(e.to_string()),
            }
        }
        match last {
            Some(e) => Lookup::Refused(Error::Unauthenticated(format!("invalid token: {e}"))),
            None => Lookup::NeedKeys,
        }
    }

    /// Fetches the keys, unless another caller just did: a `forced` fetch (unknown key id)
    /// waits `jwks_min_refetch_secs` since the last attempt, a routine one the cache's age.
    async fn refresh(&self, forced: bool) -> Result<(), Error> {
        let asked = Instant::now();
        let mut last_attempt = self.fetching.lock().await;
        if self.cached().is_some_and(|keys| keys.fetched >= asked) {
            return Ok(()); // fetched by another caller while this one waited
        }
        if let Some(at) = *last_attempt {
            let since = at.elapsed();
            let min = Duration::from_secs(self.settings.jwks_min_refetch_secs);
            let fresh = !self.is_stale();
            if since < min || (!forced && fresh) {
                return Ok(());
            }
        }
        *last_attempt = Some(Instant::now());
        let unavailable = |e: reqwest::Error| {
            tracing::warn!(error = %e, url = %self.settings.jwks_url, "jwks fetch failed");
            Error::Unavailable("the identity provider's keys are unavailable".into())
        };
        let set: JwkSet = self
            .http
            .get(&self.settings.jwks_url)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(unavailable)?
            .json()
            .await
            .map_err(unavailable)?;
        let mut keys = Vec::new();
        for jwk in &set.keys {
            match DecodingKey::from_jwk(jwk) {
                Ok(key) => keys.push((jwk.common.key_id.clone(), key)),
                Err(e) => tracing::warn!(error = %e, kid = ?jwk.common.key_id, "jwk skipped"),
            }
        }
        tracing::info!(keys = keys.len(), "jwks fetched");
        let keys = Arc::new(Keys {
            keys,
            fetched: Instant::now(),
        });
        match self.cache.write() {
            Ok(mut guard) => *guard = Some(keys),
            Err(poisoned) => *poisoned.into_inner() = Some(keys),
        }
        Ok(())
    }
}

/// The caller a provider's claims describe. Providers add roles of their own
/// (`offline_access` ...): only ours count.
fn principal_of(settings: &OidcSettings, claims: &Json) -> Result<Principal, Error> {
    let subject = claims
        .get("sub")
        .and_then(Json::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::Unauthenticated("the token has no subject".into()))?;
    let name = ["name", "preferred_username"]
        .iter()
        .find_map(|k| claims.get(*k).and_then(Json::as_str))
        .unwrap_or_default();
    let mut roles: Vec<Role> = Vec::new();
    let named: Vec<&str> = match claim(claims, &settings.roles_claim) {
        Some(Json::Array(items)) => items.iter().filter_map(Json::as_str).collect(),
        Some(Json::String(s)) => s.split_whitespace().collect(),
        _ => Vec::new(),
    };
    for role in named.into_iter().filter_map(|r| Role::from_str(r).ok()) {
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    if roles.is_empty() {
        roles.push(Role::Public);
    }
    let text = |path: &str| {
        claim(claims, path)
            .and_then(Json::as_str)
            .map(str::to_string)
    };
    Ok(Principal {
        subject: subject.to_string(),
        name: name.to_string(),
        roles,
        department: text(&settings.department_claim),
        region: text(&settings.region_claim),
    })
}

/// A claim by dotted path (`realm_access.roles`).
fn claim<'a>(claims: &'a Json, path: &str) -> Option<&'a Json> {
    path.split('.').try_fold(claims, |v, k| v.get(k))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn settings() -> OidcSettings {
        OidcSettings {
            issuer: "https://sso.example".into(),
            jwks_url: "http://127.0.0.1:9/jwks".into(),
            roles_claim: "realm_access.roles".into(),
            ..OidcSettings::default()
        }
    }

    #[test]
    fn claims_map_to_our_roles_department_and_region() {
        let claims = json!({
            "sub": "u-1", "preferred_username": "wang",
            "realm_access": {"roles": ["clerk", "offline_access", "clerk"]},
            "department": "gsj", "region": "140200",
        });
        let p = principal_of(&settings(), &claims).unwrap();
        assert_eq!(p.subject, "u-1");
        assert_eq!(p.name, "wang");
        assert_eq!(p.roles, vec![Role::Clerk]);
        assert_eq!(p.department.as_deref(), Some("gsj"));
        assert_eq!(p.region.as_deref(), Some("140200"));
    }

    #[test]
    fn a_token_without_our_roles_is_a_public_caller_and_one_without_subject_is_refused() {
        let p = principal_of(&settings(), &json!({"sub": "u-2"})).unwrap();
        assert_eq!(p.roles, vec![Role::Public]);
        assert!(principal_of(&settings(), &json!({"name": "x"})).is_err());
    }

    #[test]
    fn settings_without_issuer_or_jwks_url_are_refused() {
        let mut s = settings();
        s.jwks_url.clear();
        assert!(Jwks::new(s).is_err());
    }
}
