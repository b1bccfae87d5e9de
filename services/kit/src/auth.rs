//! Who is calling: a signed JWT verified on every call into a [`Principal`]; anonymous calls
//! are the `public` principal. Tokens are the built-in issuer's (EdDSA, static public keys)
//! or, when configured, a deployment's OpenID Connect provider's (keys from its JWKS, see
//! [`crate::oidc`]). A small issuer signs tokens for tests and for the standalone binary's
//! built-in identity provider.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use ed25519_dalek::pkcs8::{EncodePrivateKey, EncodePublicKey};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use tonic::{Request, Status};

use crate::error::Error;
use crate::oidc::Jwks;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Public,
    Applicant,
    Clerk,
    Approver,
    CatalogAdmin,
    TradingAgent,
    Supervisor,
    Service,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Public,
        Role::Applicant,
        Role::Clerk,
        Role::Approver,
        Role::CatalogAdmin,
        Role::TradingAgent,
        Role::Supervisor,
        Role::Service,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Public => "public",
            Role::Applicant => "applicant",
            Role::Clerk => "clerk",
            Role::Approver => "approver",
            Role::CatalogAdmin => "catalog_admin",
            Role::TradingAgent => "trading_agent",
            Role::Supervisor => "supervisor",
            Role::Service => "service",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role {s}"))
    }
}

/// The caller of an RPC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub subject: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub department: Option<String>,
    pub region: Option<String>,
}

impl Principal {
    pub fn public() -> Self {
        Principal {
            subject: "anonymous".into(),
            name: String::new(),
            roles: vec![Role::Public],
            department: None,
            region: None,
        }
    }

    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn is_anonymous(&self) -> bool {
        self.roles == [Role::Public]
    }

    /// Ok when the caller holds any of `roles`.
    pub fn require_any(&self, roles: &[Role]) -> Result<(), Error> {
        if roles.iter().any(|r| self.has(*r)) {
            return Ok(());
        }
        if self.is_anonymous() {
            return Err(Error::Unauthenticated("sign in to do this".into()));
        }
        let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        Err(Error::PermissionDenied(format!(
            "requires the role {}",
            names.join(" or ")
        )))
    }

    /// Ok when the caller works for `department` in `region` (staff act only on their own).
    pub fn require_department(&self, department: &str, region: &str) -> Result<(), Error> {
        if self.department.as_deref() == Some(department) && self.region.as_deref() == Some(region)
        {
            Ok(())
        } else {
            Err(Error::PermissionDenied(format!(
                "only staff of {department} in {region} may do this"
            )))
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
}

/// Signs tokens with an Ed25519 key.
#[derive(Clone)]
pub struct TokenIssuer {
    key: Arc<EncodingKey>,
    public_pem: String,
    issuer: String,
    audience: String,
}

impl fmt::Debug for TokenIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenIssuer")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl TokenIssuer {
    /// A fresh random key (tests; a first start of the standalone binary).
    pub fn generate(issuer: &str, audience: &str) -> Result<(Self, String), Error> {
        let signing = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
        let private_pem = signing
            .to_pkcs8_pem(Default::default())
            .map_err(|e| Error::internal(anyhow::anyhow!("encode key: {e}")))?
            .to_string();
        Ok((
            Self::from_private_pem(&private_pem, issuer, audience)?,
            private_pem,
        ))
    }

    pub fn from_private_pem(pem: &str, issuer: &str, audience: &str) -> Result<Self, Error> {
        use ed25519_dalek::pkcs8::DecodePrivateKey;
        let signing = ed25519_dalek::SigningKey::from_pkcs8_pem(pem).map_err(|_| {
            Error::invalid("auth.private_key_file", "not an Ed25519 PKCS#8 PEM key")
        })?;
        let public_pem = signing
            .verifying_key()
            .to_public_key_pem(Default::default())
            .map_err(|e| Error::internal(anyhow::anyhow!("encode key: {e}")))?;
        let key = EncodingKey::from_ed_pem(pem.as_bytes())
            .map_err(|_| Error::invalid("auth.private_key_file", "not an Ed25519 PEM key"))?;
        Ok(TokenIssuer {
            key: Arc::new(key),
            public_pem,
            issuer: issuer.into(),
            audience: audience.into(),
        })
    }

    pub fn public_key_pem(&self) -> &str {
        &self.public_pem
    }

    /// A verifier that accepts this issuer's tokens.
    pub fn verifier(&self) -> Result<TokenVerifier, Error> {
        TokenVerifier::new(
            std::slice::from_ref(&self.public_pem),
            &self.issuer,
            &self.audience,
        )
    }

    /// Signs a token for `principal`, valid for `ttl_secs` from `now_secs`.
    pub fn issue(
        &self,
        principal: &Principal,
        now_secs: i64,
        ttl_secs: i64,
    ) -> Result<String, Error> {
        let claims = Claims {
            sub: principal.subject.clone(),
            name: principal.name.clone(),
            roles: principal
                .roles
                .iter()
                .map(|r| r.as_str().to_string())
                .collect(),
            department: principal.department.clone(),
            region: principal.region.clone(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp: now_secs + ttl_secs,
            iat: now_secs,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::EdDSA), &claims, &self.key)
            .map_err(|e| Error::internal(anyhow::anyhow!("sign token: {e}")))
    }
}

/// Verifies tokens against one or more Ed25519 public keys (key rotation), and the tokens
/// of an OpenID Connect provider against its JWKS when one is configured.
#[derive(Clone)]
pub struct TokenVerifier {
    keys: Arc<Vec<DecodingKey>>,
    validation: Validation,
    oidc: Option<Arc<Jwks>>,
    verified: Arc<VerifiedTokens>,
}

/// Tokens this verifier checked, with their principal and expiry: a caller sends the same
/// token on every request, and checking an Ed25519 signature costs more than the rest of a
/// catalog read. Only the exact bytes of a token that passed are remembered, until it expires.
#[derive(Default)]
struct VerifiedTokens {
    entries: std::sync::Mutex<std::collections::HashMap<String, (Principal, i64)>>,
}

/// Beyond this many tokens the memory is cleared and refilled by the callers that come back.
const VERIFIED_TOKENS_MAX: usize = 10_000;

impl VerifiedTokens {
    fn get(&self, token: &str, leeway: u64) -> Option<Principal> {
        let entries = self.entries.lock().ok()?;
        let (principal, exp) = entries.get(token)?;
        let now = i64::try_from(jsonwebtoken::get_current_timestamp()).ok()?;
        let leeway = i64::try_from(leeway).unwrap_or(0);
        (now <= exp.saturating_add(leeway)).then(|| principal.clone())
    }

    fn insert(&self, token: &str, principal: &Principal, exp: i64) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= VERIFIED_TOKENS_MAX {
                entries.clear();
            }
            entries.insert(token.to_string(), (principal.clone(), exp));
        }
    }
}

impl fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenVerifier")
            .field("keys", &self.keys.len())
            .field("oidc", &self.oidc)
            .finish()
    }
}

impl TokenVerifier {
    pub fn new(public_pems: &[String], issuer: &str, audience: &str) -> Result<Self, Error> {
        let mut keys = Vec::new();
        for (i, pem) in public_pems.iter().enumerate() {
            keys.push(DecodingKey::from_ed_pem(pem.as_bytes()).map_err(|_| {
                Error::invalid(
                    format!("auth.public_key_files[{i}]"),
                    "not an Ed25519 public key",
                )
            })?);
        }
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.leeway = 30;
        Ok(TokenVerifier {
            keys: Arc::new(keys),
            validation,
            oidc: None,
            verified: Arc::default(),
        })
    }

    /// Also accepts the tokens of an OpenID Connect provider (those whose `iss` is its issuer).
    pub fn with_oidc(mut self, jwks: Arc<Jwks>) -> Self {
        self.oidc = Some(jwks);
        self
    }

    /// The principal of a bearer token. A provider's token whose key is not cached yet is
    /// looked up synchronously (see [`Jwks::verify_blocking`]); async callers use
    /// [`TokenVerifier::verify_async`].
    pub fn verify(&self, token: &str) -> Result<Principal, Error> {
        match (self.verify_own(token), self.provider_of(token)) {
            (Ok(p), _) => Ok(p),
            (Err(_), Some(jwks)) => jwks.verify_blocking(token),
            (Err(e), None) => Err(e),
        }
    }

    /// [`TokenVerifier::verify`], waiting for the provider's keys without blocking.
    pub async fn verify_async(&self, token: &str) -> Result<Principal, Error> {
        match (self.verify_own(token), self.provider_of(token)) {
            (Ok(p), _) => Ok(p),
            (Err(_), Some(jwks)) => jwks.verify(token).await,
            (Err(e), None) => Err(e),
        }
    }

    /// The provider that issued `token`, by its unverified `iss`: only its tokens ever cause
    /// a fetch of its keys.
    fn provider_of(&self, token: &str) -> Option<&Arc<Jwks>> {
        let jwks = self.oidc.as_ref()?;
        (unverified_issuer(token)?.as_str() == jwks.settings().issuer).then_some(jwks)
    }

    fn verify_own(&self, token: &str) -> Result<Principal, Error> {
        if let Some(principal) = self.verified.get(token, self.validation.leeway) {
            return Ok(principal);
        }
        let mut last = None;
        for key in self.keys.iter() {
            match jsonwebtoken::decode::<Claims>(token, key, &self.validation) {
                Ok(data) => {
                    let exp = data.claims.exp;
                    let principal = principal_of(data.claims)?;
                    self.verified.insert(token, &principal, exp);
                    return Ok(principal);
                }
                Err(e) => last = Some(e),
            }
        }
        let reason = last
            .map(|e| e.to_string())
            .unwrap_or_else(|| "no keys".into());
        Err(Error::Unauthenticated(format!("invalid token: {reason}")))
    }

    /// A tonic interceptor: verifies the `authorization: Bearer` metadata, if any, and puts
    /// the principal into the request's extensions. A bad token is refused outright rather
    /// than treated as anonymous.
    pub fn interceptor(&self) -> impl Fn(Request<()>) -> Result<Request<()>, Status> + Clone {
        // The router clones the service, and so the interceptor, for every call: shared, the
        // validation settings are not copied each time.
        let verifier = Arc::new(self.clone());
        move |mut req: Request<()>| {
            let principal = match req.metadata().get("authorization") {
                None => Principal::public(),
                Some(value) => {
                    let value = value
                        .to_str()
                        .map_err(|_| Status::unauthenticated("malformed authorization header"))?;
                    let token = value
                        .strip_prefix("Bearer ")
                        .or_else(|| value.strip_prefix("bearer "))
                        .ok_or_else(|| Status::unauthenticated("expected a bearer token"))?;
                    verifier.verify(token).map_err(Status::from)?
                }
            };
            req.extensions_mut().insert(principal);
            Ok(req)
        }
    }
}

/// The `iss` claim of a token, read without checking anything: for routing only.
fn unverified_issuer(token: &str) -> Option<String> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("iss")?.as_str().map(str::to_string)
}

fn principal_of(claims: Claims) -> Result<Principal, Error> {
    let mut roles = Vec::new();
    let mut seen = HashSet::new();
    for r in &claims.roles {
        let role = Role::from_str(r).map_err(Error::Unauthenticated)?;
        if seen.insert(role) {
            roles.push(role);
        }
    }
    if roles.is_empty() {
        roles.push(Role::Public);
    }
    Ok(Principal {
        subject: claims.sub,
        name: claims.name,
        roles,
        department: claims.department,
        region: claims.region,
    })
}

/// The principal that the interceptor put on a request (public if none).
pub fn principal<T>(req: &Request<T>) -> Principal {
    req.extensions()
        .get::<Principal>()
        .cloned()
        .unwrap_or_else(Principal::public)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff() -> Principal {
        Principal {
            subject: "u-clerk-1".into(),
            name: "张三".into(),
            roles: vec![Role::Clerk],
            department: Some("gsj".into()),
            region: Some("140200".into()),
        }
    }

    #[test]
    fn issued_token_verifies_into_the_same_principal() {
        let (issuer, _) = TokenIssuer::generate("onewindow", "onewindow").unwrap();
        let token = issuer
            .issue(&staff(), chrono::Utc::now().timestamp(), 600)
            .unwrap();
        let p = issuer.verifier().unwrap().verify(&token).unwrap();
        assert_eq!(p, staff());
    }

    #[test]
    fn token_of_another_key_is_refused() {
        let (a, _) = TokenIssuer::generate("onewindow", "onewindow").unwrap();
        let (b, _) = TokenIssuer::generate("onewindow", "onewindow").unwrap();
        let token = a
            .issue(&staff(), chrono::Utc::now().timestamp(), 600)
            .unwrap();
        assert!(matches!(
            b.verifier().unwrap().verify(&token),
            Err(Error::Unauthenticated(_))
        ));
    }

    #[test]
    fn remembered_token_verifies_again_but_an_altered_copy_does_not() {
        let (issuer, _) = TokenIssuer::generate("onewindow", "onewindow").unwrap();
        let verifier = issuer.verifier().unwrap();
        let token = issuer
            .issue(&staff(), chrono::Utc::now().timestamp(), 600)
            .unwrap();
        assert_eq!(verifier.verify(&token).unwrap(), staff());
        assert_eq!(verifier.verify(&token).unwrap(), staff());
        // One character inside the signature changed.
        let at = token.len() - 10;
        let swapped = if &token[at..=at] == "A" { "B" } else { "A" };
        let altered = format!("{}{swapped}{}", &token[..at], &token[at + 1..]);
        assert!(verifier.verify(&altered).is_err());
    }

    #[test]
    fn remembered_token_is_refused_once_expired() {
        let (issuer, _) = TokenIssuer::generate("onewindow", "onewindow").unwrap();
        let verifier = issuer.verifier().unwrap();
        let token = issuer
            .issue(&staff(), chrono::Utc::now().timestamp(), 600)
            .unwrap();
        let exp = chrono::Utc::now().timestamp() - 3600;
        verifier.verified.insert(&token, &staff(), exp);
        assert!(verifier.verified.get(&token, 30).is_none());
    }

    #[test]
    fn expired_token_is_refused() {
        let (issuer, _) = TokenIssuer::generate("onewindow", "onewindow").unwrap();
        let token = issuer
            .issue(&staff(), chrono::Utc::now().timestamp() - 7200, 600)
            .unwrap();
        assert!(issuer.verifier().unwrap().verify(&token).is_err());
    }

    #[test]
    fn staff_act_only_in_their_own_department_and_region() {
        let p = staff();
        assert!(p.require_department("gsj", "140200").is_ok());
        assert!(p.require_department("zjj", "140200").is_err());
        assert!(p.require_department("gsj", "140212").is_err());
    }

    #[test]
    fn anonymous_caller_is_told_to_sign_in_others_are_denied() {
        assert!(matches!(
            Principal::public().require_any(&[Role::CatalogAdmin]),
            Err(Error::Unauthenticated(_))
        ));
        assert!(matches!(
            staff().require_any(&[Role::CatalogAdmin]),
            Err(Error::PermissionDenied(_))
        ));
    }

    #[test]
    fn private_key_round_trips_through_pem() {
        let (issuer, pem) = TokenIssuer::generate("i", "a").unwrap();
        let again = TokenIssuer::from_private_pem(&pem, "i", "a").unwrap();
        assert_eq!(issuer.public_key_pem(), again.public_key_pem());
    }
}
