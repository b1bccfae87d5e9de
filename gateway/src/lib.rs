//! The web gateway of OneWindow: how citizens, enterprises, staff, kiosks and REST clients
//! reach the services. It transcodes REST/JSON to gRPC from the contracts' google.api.http
//! rules, publishes the OpenAPI document derived from them, renders the public pages, and
//! signs browsers in. It holds no business state.

#![forbid(unsafe_code)]

pub mod auth;
mod health;
pub mod limits;
pub mod openapi;
pub mod pages;
pub mod problem;
pub mod settings;
pub mod transcode;
pub mod upstream;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::MatchedPath;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::routing::{any, get};
use axum::Router;
use onewindow_kit::auth::{TokenIssuer, TokenVerifier};
use onewindow_kit::remote::Transport;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use auth::users::{demo_users, hash_password, DemoUser, DEMO_PASSWORD};
pub use settings::{
    GatewayAuthSettings, GatewaySettings, LimitSettings, OidcSettings, UpstreamSettings,
};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("configuration: {0}")]
    Config(String),
    #[error("cannot bind {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("serving http: {0}")]
    Serve(std::io::Error),
}

/// What the handlers share; nothing in it is business state.
pub struct AppState {
    pub(crate) routes: transcode::RouteTable,
    pub(crate) upstreams: upstream::Upstreams,
    pub(crate) auth: auth::Auth,
    pub(crate) limiter: limits::RateLimiter,
    pub(crate) uploads: limits::UploadGate,
    pub(crate) settings: GatewaySettings,
    /// The OpenAPI document, rendered once.
    pub(crate) openapi: String,
    /// Cancelled at shutdown, so that open event streams end and draining finishes.
    pub(crate) shutdown: CancellationToken,
}

/// The gateway, built and ready to bind.
pub struct Gateway {
    router: Router,
    settings: GatewaySettings,
    shutdown: CancellationToken,
}

impl Gateway {
    /// Reads the contracts' routes, prepares the upstream channels (connected on first
    /// use) and the sign-in. With an `issuer` the gateway is the identity provider (users
    /// from `auth.users_file`, else the demo users); `verifier` accepts the tokens that the
    /// services accept.
    pub async fn build(
        settings: GatewaySettings,
        issuer: Option<TokenIssuer>,
        verifier: TokenVerifier,
    ) -> Result<Gateway, Error> {
        Self::build_on(settings, issuer, verifier, None).await
    }

    /// The gateway of a process that serves every service itself (the standalone binary):
    /// it calls them through `local` ([`onewindow_kit::serve::GrpcServer::in_process`]),
    /// and `settings.upstreams` names no endpoint.
    pub async fn build_in_process(
        settings: GatewaySettings,
        issuer: Option<TokenIssuer>,
        verifier: TokenVerifier,
        local: Transport,
    ) -> Result<Gateway, Error> {
        Self::build_on(settings, issuer, verifier, Some(local)).await
    }

    async fn build_on(
        settings: GatewaySettings,
        issuer: Option<TokenIssuer>,
        verifier: TokenVerifier,
        local: Option<Transport>,
    ) -> Result<Gateway, Error> {
        let routes = transcode::RouteTable::from_pool(onewindow_proto::descriptor_pool())?;
        let packages = routes.packages();
        let upstreams = upstream::Upstreams::new(
            &settings.upstreams,
            settings.limits.max_upload_bytes,
            packages.iter().map(String::as_str),
            local,
        )?;
        let openapi = serde_json::to_string(&openapi::document(&routes))
            .map_err(|e| Error::Config(format!("openapi document: {e}")))?;
        let auth = auth::Auth::new(&settings.auth, issuer, verifier)?;
        let shutdown = CancellationToken::new();
        let state = Arc::new(AppState {
            routes,
            upstreams,
            auth,
            limiter: limits::RateLimiter::new(&settings.limits),
            uploads: limits::UploadGate::new(&settings.limits),
            settings: settings.clone(),
            openapi,
            shutdown: shutdown.clone(),
        });
        Ok(Gateway {
            router: router(state),
            settings,
            shutdown,
        })
    }

    /// The HTTP service, to serve or to embed.
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// Binds the configured `listen_addr`.
    pub async fn bind_configured(self) -> Result<BoundGateway, Error> {
        let addr: SocketAddr = self.settings.listen_addr.parse().map_err(|_| {
            Error::Config(format!(
                "listen_addr {} is not an address",
                self.settings.listen_addr
            ))
        })?;
        self.bind(addr).await
    }

    /// Binds (port 0 picks a free port; the bound address is reported).
    pub async fn bind(self, addr: SocketAddr) -> Result<BoundGateway, Error> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| Error::Bind { addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| Error::Bind { addr, source })?;
        Ok(BoundGateway {
            gateway: self,
            listener,
            addr: local,
        })
    }
}

pub struct BoundGateway {
    gateway: Gateway,
    listener: TcpListener,
    addr: SocketAddr,
}

impl BoundGateway {
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until `shutdown` completes, then ends event streams and drains requests.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), Error> {
        let token = self.gateway.shutdown.clone();
        tokio::spawn({
            let token = token.clone();
            async move {
                shutdown.await;
                token.cancel();
            }
        });
        tracing::info!(addr = %self.addr, "http serving");
        let service = self
            .gateway
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        // Small responses must not wait out the client's delayed ACK.
        let listener = axum::serve::ListenerExt::tap_io(self.listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        axum::serve(listener, service)
            .with_graceful_shutdown(token.cancelled_owned())
            .await
            .map_err(Error::Serve)
    }
}

const CSP: &str = "default-src 'self'; script-src 'none'; style-src 'self'; \
                   img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

fn router(state: Arc<AppState>) -> Router {
    let limits = &state.settings.limits;
    let timeout = Duration::from_secs(limits.request_timeout_secs.max(1));
    let mut router = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/api/v1/openapi.json", get(health::openapi))
        .route("/api/v1/{*rest}", any(transcode::handle));
    if state.settings.serve_metrics {
        router = router.route("/metrics", get(onewindow_kit::metrics::handler));
    }
    router
        .merge(pages::router(limits))
        // Inside the routing, so the route template is known; outside the handlers' own
        // layers, so their answers (a timeout, a refused body) are counted too.
        .layer(axum::middleware::from_fn(count_request))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::identify,
        ))
        // Every answer: no sniffing, no framing, no scripts, forms only to us.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("referrer-policy"),
            HeaderValue::from_static("same-origin"),
        ))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::GATEWAY_TIMEOUT,
            timeout,
        ))
        // The larger of the two body limits: each route applies its own inside (the
        // transcoder by the route's request message, the pages by their forms).
        .layer(RequestBodyLimitLayer::new(limits.largest_body()))
        .layer(axum::middleware::from_fn(problem::layer_errors_as_problems))
        .layer(TraceLayer::new_for_http().make_span_with(health::request_span))
        .with_state(state)
}

/// Counts a request under its route template (`/api/v1/{*rest}`, `/cases/{number}`): raw
/// paths carry case numbers and query codes, and would make a label set per request.
async fn count_request(
    route: Option<MatchedPath>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let method = request.method().clone();
    let started = Instant::now();
    let response = next.run(request).await;
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    onewindow_kit::metrics::record_http(&method, route, response.status(), started.elapsed());
    response
}
