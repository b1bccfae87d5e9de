//! Who is calling: a bearer token (the built-in issuer's or the OIDC provider's), or a
//! browser session cookie holding the signed token; CSRF tokens for forms; the rate limit
//! of anonymous callers. The gateway keeps no sessions: the cookie is the signed token.

pub mod oidc;
pub mod users;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use onewindow_kit::auth::{Principal, TokenIssuer, TokenVerifier};
use rand::RngCore;
use sha2::{Digest, Sha256, Sha512};

use crate::problem::Problem;
use crate::settings::GatewayAuthSettings;
use crate::{AppState, Error};

pub const SESSION_COOKIE: &str = "ow_session";
pub const CSRF_COOKIE: &str = "ow_csrf";
pub const LANG_COOKIE: &str = "lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Anonymous,
    Bearer,
    Cookie,
}

/// The caller of one request, put into its extensions by [`identify`].
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    /// Passed on to the services as `authorization: Bearer`.
    pub token: Option<String>,
    pub via: Via,
    /// The browser's CSRF nonce (its cookie), which form tokens are derived from.
    pub csrf_nonce: String,
}

impl Caller {
    pub fn anonymous() -> Self {
        Caller {
            principal: Principal::public(),
            token: None,
            via: Via::Anonymous,
            csrf_nonce: String::new(),
        }
    }

    pub fn signed_in(&self) -> bool {
        self.via != Via::Anonymous
    }
}

pub struct Auth {
    issuer: Option<TokenIssuer>,
    /// The built-in issuer's keys and, when configured, the provider's JWKS.
    verifier: TokenVerifier,
    users: users::UserDirectory,
    /// The demo accounts are in use (no users file): the login page lists them.
    demo: bool,
    /// One SHA-256 block: HMAC takes it as it is.
    csrf_key: [u8; 64],
    session_ttl_secs: i64,
    secure: bool,
}

impl Auth {
    pub fn new(
        settings: &GatewayAuthSettings,
        issuer: Option<TokenIssuer>,
        verifier: TokenVerifier,
    ) -> Result<Self, Error> {
        let users = match (&issuer, &settings.users_file) {
            (None, _) => users::UserDirectory::default(),
            (Some(_), Some(path)) => users::UserDirectory::load(path)?,
            (Some(_), None) => users::UserDirectory::demo()?,
        };
        let verifier = match &settings.oidc {
            Some(oidc) => {
                let jwks = oidc::OidcVerifier::new(oidc.clone())
                    .map_err(|e| Error::Config(e.to_string()))?;
                verifier.with_oidc(Arc::new(jwks))
            }
            None => verifier,
        };
        let demo = issuer.is_some() && settings.users_file.is_none();
        let csrf_key = if settings.csrf_key.expose().is_empty() {
            let mut key = [0u8; 64];
            rand::rngs::OsRng.fill_bytes(&mut key);
            key
        } else {
            Sha512::digest(settings.csrf_key.expose().as_bytes()).into()
        };
        Ok(Auth {
            issuer,
            verifier,
            demo,
            users,
            csrf_key,
            session_ttl_secs: settings.session_ttl_secs.max(60),
            secure: settings.secure_cookies,
        })
    }

    pub fn shows_demo_accounts(&self) -> bool {
        self.demo
    }

    /// True when this gateway signs users in itself (standalone mode).
    pub fn has_login(&self) -> bool {
        self.issuer.is_some()
    }

    /// The principal of a token: the built-in issuer's keys first, then the provider's.
    pub async fn verify(&self, token: &str) -> Result<Principal, String> {
        self.verifier
            .verify_async(token)
            .await
            .map_err(|e| e.to_string())
    }

    /// Checks a username and password and signs a session token.
    pub fn login(&self, username: &str, password: &str) -> Option<(Principal, String)> {
        let issuer = self.issuer.as_ref()?;
        let principal = self.users.authenticate(username, password)?;
        let now = chrono::Utc::now().timestamp();
        match issuer.issue(&principal, now, self.session_ttl_secs) {
            Ok(token) => Some((principal, token)),
            Err(e) => {
                tracing::error!(error = %e, "cannot sign a session token");
                None
            }
        }
    }

    /// The CSRF token of forms shown to `caller`: bound to its browser nonce and to who is
    /// signed in, so a token from before a login or of another browser is refused.
    pub fn csrf_token(&self, caller: &Caller) -> String {
        URL_SAFE_NO_PAD.encode(self.csrf_mac(caller).finalize().into_bytes())
    }

    pub fn csrf_ok(&self, caller: &Caller, submitted: &str) -> bool {
        if caller.csrf_nonce.is_empty() {
            return false;
        }
        match URL_SAFE_NO_PAD.decode(submitted.trim()) {
            Ok(bytes) => self.csrf_mac(caller).verify_slice(&bytes).is_ok(),
            Err(_) => false,
        }
    }

    /// The `x-csrf-token` header of an API call made with a session cookie.
    pub fn csrf_header_ok(&self, headers: &HeaderMap, caller: &Caller) -> bool {
        headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| self.csrf_ok(caller, t))
    }

    fn csrf_mac(&self, caller: &Caller) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new(&self.csrf_key.into());
        mac.update(b"csrf\0");
        mac.update(caller.csrf_nonce.as_bytes());
        mac.update(b"\0");
        mac.update(caller.principal.subject.as_bytes());
        mac
    }

    pub fn session_cookie(&self, token: &str) -> String {
        self.cookie(SESSION_COOKIE, token, Some(self.session_ttl_secs))
    }

    pub fn clear_session_cookie(&self) -> String {
        self.cookie(SESSION_COOKIE, "", Some(0))
    }

    pub fn csrf_cookie(&self, nonce: &str) -> String {
        self.cookie(CSRF_COOKIE, nonce, None)
    }

    fn cookie(&self, name: &str, value: &str, max_age: Option<i64>) -> String {
        let mut c = cookie::Cookie::build((name, value))
            .path("/")
            .http_only(true)
            .same_site(cookie::SameSite::Lax)
            .secure(self.secure);
        if let Some(secs) = max_age {
            c = c.max_age(cookie::time::Duration::seconds(secs));
        }
        c.build().to_string()
    }
}

/// The value of a cookie sent with a request.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| cookie::Cookie::split_parse(v.to_string()))
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

fn random_nonce() -> String {
    let mut bytes = [0u8; 18];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The client address: the socket's, or the first `X-Forwarded-For` hop behind a trusted proxy.
fn client_ip(req: &Request, trust_forwarded: bool) -> Option<IpAddr> {
    if trust_forwarded {
        let forwarded = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok());
        if forwarded.is_some() {
            return forwarded;
        }
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// Middleware: identifies the caller, sets the CSRF nonce cookie when missing, and limits
/// the rate of anonymous callers.
pub async fn identify(
    State(state): State<Arc<AppState>>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_string();
    let mut set_cookies: Vec<String> = Vec::new();
    let existing_nonce = cookie_value(req.headers(), CSRF_COOKIE).filter(|n| n.len() >= 16);
    let csrf_nonce = match existing_nonce {
        Some(n) => n,
        None => {
            let n = random_nonce();
            set_cookies.push(state.auth.csrf_cookie(&n));
            n
        }
    };

    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
                .map(str::to_string)
        });
    let mut caller = Caller {
        csrf_nonce,
        ..Caller::anonymous()
    };
    match bearer {
        Some(Some(token)) => match state.auth.verify(&token).await {
            Ok(principal) => {
                caller.principal = principal;
                caller.token = Some(token);
                caller.via = Via::Bearer;
            }
            Err(why) => return Problem::unauthenticated(why).into_response(),
        },
        Some(None) => {
            return Problem::unauthenticated("expected a bearer token").into_response();
        }
        None => {
            if let Some(token) =
                cookie_value(req.headers(), SESSION_COOKIE).filter(|t| !t.is_empty())
            {
                match state.auth.verify(&token).await {
                    Ok(principal) => {
                        caller.principal = principal;
                        caller.token = Some(token);
                        caller.via = Via::Cookie;
                    }
                    // An expired session: the browser goes on anonymously.
                    Err(_) => set_cookies.push(state.auth.clear_session_cookie()),
                }
            }
        }
    }

    let exempt_path = path == "/healthz" || path == "/readyz" || path.starts_with("/assets/");
    let limited = !(caller.signed_in() || exempt_path);
    if limited {
        if let Some(ip) = client_ip(&req, state.settings.limits.trust_forwarded_for) {
            if let Err(wait) = state.limiter.check(ip) {
                return Problem::too_many_requests(wait).into_response();
            }
        }
    }

    if let Some(lang) = crate::pages::lang_from_query(req.uri().query()) {
        set_cookies.push(
            cookie::Cookie::build((LANG_COOKIE, lang.code()))
                .path("/")
                .same_site(cookie::SameSite::Lax)
                .max_age(cookie::time::Duration::days(365))
                .build()
                .to_string(),
        );
    }

    req.extensions_mut().insert(caller);
    let mut response = next.run(req).await;
    for c in set_cookies {
        if let Ok(v) = HeaderValue::from_str(&c) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}
