//! Tokens of a deployment's OpenID Connect provider: RS256, ES256 or EdDSA JWTs verified
//! against the provider's JWKS, fetched over HTTP and cached (fetched again when the cache
//! ages out, or early when a token names a key id the cache lacks: key rotation).

use std::str::FromStr;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use onewindow_kit::auth::{Principal, Role};
use serde_json::Value as Json;
use tokio::sync::{Mutex, RwLock};

use crate::settings::OidcSettings;
use crate::Error;

/// Never fetch the keys more often than this, whatever tokens arrive.
const MIN_REFETCH: Duration = Duration::from_secs(30);

const ALLOWED: [Algorithm; 3] = [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA];

struct Keys {
    keys: Vec<(Option<String>, DecodingKey)>,
    fetched: Instant,
}

pub struct OidcVerifier {
    settings: OidcSettings,
    http: reqwest::Client,
    cache: RwLock<Option<Keys>>,
    fetching: Mutex<()>,
}

impl std::fmt::Debug for OidcVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcVerifier")
            .field("issuer", &self.settings.issuer)
            .field("jwks_url", &self.settings.jwks_url)
            .finish_non_exhaustive()
    }
}

impl OidcVerifier {
    pub fn new(settings: OidcSettings) -> Result<Self, Error> {
        if settings.issuer.is_empty() || settings.jwks_url.is_empty() {
            return Err(Error::Config(
                "auth.oidc needs an issuer and a jwks_url".into(),
            ));
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| Error::Config(format!("http client: {e}")))?;
        Ok(OidcVerifier {
            settings,
            http,
            cache: RwLock::new(None),
            fetching: Mutex::new(()),
        })
    }

    /// The principal of a provider's token.
    pub async fn verify(&self, token: &str) -> Result<Principal, String> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| format!("bad token: {e}"))?;
        if !ALLOWED.contains(&header.alg) {
            return Err(format!("algorithm {:?} is not accepted", header.alg));
        }
        let kid = header.kid.clone();
        let mut tried_fresh = false;
        loop {
            let stale = self.cache_is_stale().await;
            if stale || tried_fresh {
                self.refresh(tried_fresh).await?;
            }
            let found = self.try_keys(token, header.alg, kid.as_deref()).await;
            match found {
                Some(result) => return result,
                None if !tried_fresh => tried_fresh = true,
                None => return Err("no key of the provider matches the token".into()),
            }
        }
    }

    async fn cache_is_stale(&self) -> bool {
        let ttl = Duration::from_secs(self.settings.jwks_refresh_secs);
        match &*self.cache.read().await {
            Some(keys) => keys.fetched.elapsed() > ttl,
            None => true,
        }
    }

    /// `None` when no cached key has the token's key id.
    async fn try_keys(
        &self,
        token: &str,
        alg: Algorithm,
        kid: Option<&str>,
    ) -> Option<Result<Principal, String>> {
        let cache = self.cache.read().await;
        let keys = cache.as_ref()?;
        let mut validation = Validation::new(alg);
        validation.set_issuer(&[&self.settings.issuer]);
        validation.set_audience(&[&self.settings.audience]);
        validation.leeway = 30;
        let mut last = None;
        for (key_id, key) in &keys.keys {
            // A key without an id may sign any token; one with an id only its own.
            if let (Some(wanted), Some(id)) = (kid, key_id.as_deref()) {
                if wanted != id {
                    continue;
                }
            }
            match jsonwebtoken::decode::<Json>(token, key, &validation) {
                Ok(data) => return Some(self.principal_of(&data.claims)),
                Err(e) => last = Some(e.to_string()),
            }
        }
        last.map(|e| Err(format!("invalid token: {e}")))
    }

    async fn refresh(&self, forced: bool) -> Result<(), String> {
        let _one_at_a_time = self.fetching.lock().await;
        if let Some(keys) = &*self.cache.read().await {
            let ttl = Duration::from_secs(self.settings.jwks_refresh_secs);
            let age = keys.fetched.elapsed();
            if (forced && age < MIN_REFETCH) || (!forced && age <= ttl) {
                return Ok(()); // another request just fetched them
            }
        }
        let set: JwkSet = self
            .http
            .get(&self.settings.jwks_url)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| {
                tracing::warn!(error = %e, url = %self.settings.jwks_url, "jwks fetch failed");
                "the identity provider's keys are unavailable".to_string()
            })?
            .json()
            .await
            .map_err(|e| format!("the identity provider's keys do not parse: {e}"))?;
        let mut keys = Vec::new();
        for jwk in &set.keys {
            match DecodingKey::from_jwk(jwk) {
                Ok(key) => keys.push((jwk.common.key_id.clone(), key)),
                Err(e) => tracing::warn!(error = %e, kid = ?jwk.common.key_id, "jwk skipped"),
            }
        }
        tracing::info!(keys = keys.len(), "jwks fetched");
        *self.cache.write().await = Some(Keys {
            keys,
            fetched: Instant::now(),
        });
        Ok(())
    }

    fn principal_of(&self, claims: &Json) -> Result<Principal, String> {
        let subject = claims
            .get("sub")
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty())
            .ok_or("the token has no subject")?;
        let name = ["name", "preferred_username"]
            .iter()
            .find_map(|k| claims.get(*k).and_then(Json::as_str))
            .unwrap_or_default();
        // Providers add roles of their own (offline_access ...): only ours count.
        let mut roles: Vec<Role> = match claim(claims, &self.settings.roles_claim) {
            Some(Json::Array(items)) => items
                .iter()
                .filter_map(Json::as_str)
                .filter_map(|r| Role::from_str(r).ok())
                .collect(),
            Some(Json::String(s)) => s
                .split_whitespace()
                .filter_map(|r| Role::from_str(r).ok())
                .collect(),
            _ => Vec::new(),
        };
        roles.dedup();
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
            department: text(&self.settings.department_claim),
            region: text(&self.settings.region_claim),
        })
    }
}

/// A claim by dotted path (`realm_access.roles`).
fn claim<'a>(claims: &'a Json, path: &str) -> Option<&'a Json> {
    path.split('.').try_fold(claims, |v, k| v.get(k))
}
