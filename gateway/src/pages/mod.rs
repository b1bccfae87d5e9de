//! Server-rendered pages that work without JavaScript: the public catalog (search, item and
//! bundle guides, departments, statistics), online application and progress lookup,
//! evaluations and complaints, trading announcements, the staff's inbox and case pages,
//! the trading agents' projects, the supervision console, the hall's kiosk and big screen,
//! and sign-in. Handlers call the typed gRPC clients with the user's token; maud escapes
//! everything rendered.

mod apply;
mod bundles;
mod case_actions;
mod case_page;
mod catalog;
mod charts;
mod complaints;
mod console;
mod console_audit;
mod console_cases;
mod console_people;
mod directory;
mod forms;
mod inbox;
mod kiosk;
mod labels;
mod layout;
mod login;
mod public_stats;
mod screen;
mod text;
mod track;
mod trading;
mod trading_actions;
mod vocab;

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use onewindow_kit::auth::Role;
use onewindow_kit::remote::Transport;
use onewindow_proto::cases::v1::case_service_client::CaseServiceClient;
use onewindow_proto::catalog::v1::catalog_service_client::CatalogServiceClient;
use onewindow_proto::supervision::v1::supervision_service_client::SupervisionServiceClient;
use onewindow_proto::trading::v1::trading_service_client::TradingServiceClient;
use tower_http::limit::RequestBodyLimitLayer;

use crate::auth::{cookie_value, Caller, LANG_COOKIE};
use crate::settings::LimitSettings;
use crate::AppState;
pub use text::Lang;

/// The packages whose typed clients the pages use.
const CATALOG_PACKAGE: &str = "onewindow.catalog.v1";
const CASES_PACKAGE: &str = "onewindow.cases.v1";
const SUPERVISION_PACKAGE: &str = "onewindow.supervision.v1";
const TRADING_PACKAGE: &str = "onewindow.trading.v1";

/// The pages, with the body limits of `limits`: the upload forms take `max_upload_bytes`,
/// every other page `max_body_bytes` (the gateway's own limit is the larger of the two).
pub fn router(limits: &LimitSettings) -> Router<Arc<AppState>> {
    let uploads = Router::new()
        .route(
            "/items/{item_id}/apply",
            get(apply::form).post(apply::submit),
        )
        .layer(DefaultBodyLimit::max(limits.max_upload_bytes))
        .layer(RequestBodyLimitLayer::new(limits.max_upload_bytes));
    forms()
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(RequestBodyLimitLayer::new(limits.max_body_bytes))
        .merge(uploads)
}

/// Every page but the upload forms.
fn forms() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(catalog::home))
        .route("/items", get(catalog::search))
        .route("/items/{item_id}", get(catalog::item_guide))
        .route("/departments", get(directory::departments))
        .route("/departments/{department_id}", get(directory::department))
        .route("/bundles", get(directory::bundles))
        .route("/bundles/{bundle_id}", get(directory::bundle_guide))
        .route("/statistics", get(public_stats::statistics))
        .route("/bulletins", get(public_stats::bulletins))
        .route("/track", get(track::form).post(track::lookup))
        .route("/evaluate", post(track::evaluate))
        .route("/complaints/new", get(complaints::form))
        .route("/complaints", post(complaints::file))
        .route(
            "/complaints/status",
            get(complaints::status_form).post(complaints::status),
        )
        .route("/trading", get(trading::projects))
        .route("/trading/{project_id}", get(trading::project))
        .route("/trading/{project_id}/{action}", post(trading_actions::act))
        .route("/work", get(inbox::inbox))
        .route("/cases", get(inbox::cases))
        .route("/cases/{case_id}", get(case_page::case))
        .route(
            "/cases/{case_id}/materials/{material_id}",
            get(case_page::material),
        )
        .route("/cases/{case_id}/{action}", post(case_actions::act))
        .route("/bundle-cases", get(bundles::list))
        .route("/bundle-cases/{bundle_case_id}", get(bundles::bundle_case))
        .route("/supervision", get(console::overview))
        .route("/supervision/warnings", get(console::warnings))
        .route("/supervision/audit", get(console_audit::audit))
        .route("/supervision/performance", get(console::performance))
        .route("/supervision/bulletins", post(console::publish_bulletin))
        .route("/supervision/violations", get(console_cases::violations))
        .route(
            "/supervision/violations/{violation_id}",
            get(console_cases::violation).post(console_cases::act_on_violation),
        )
        .route("/supervision/complaints", get(console_people::complaints))
        .route(
            "/supervision/complaints/{complaint_id}",
            get(console_people::complaint).post(console_people::act_on_complaint),
        )
        .route("/supervision/evaluations", get(console_people::evaluations))
        .route(
            "/supervision/rectifications/{rectification_id}",
            get(console_people::rectification).post(console_people::act_on_rectification),
        )
        .route("/screen", get(screen::screen))
        .route("/screen/events", get(screen::events))
        .route("/kiosk", get(kiosk::home))
        .route("/kiosk/departments/{department_id}", get(kiosk::department))
        .route("/kiosk/items/{item_id}", get(kiosk::item))
        .route("/kiosk/bundles/{bundle_id}", get(kiosk::bundle))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/assets/site.css", get(stylesheet))
        .route("/assets/screen.js", get(screen::script))
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/site.css"),
    )
        .into_response()
}

/// `lang=en` or `lang=zh` in a query string.
pub fn lang_from_query(query: Option<&str>) -> Option<Lang> {
    form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::parse(&v))
}

/// What every page needs: the language, the caller, its CSRF token, where it is.
pub struct Ctx {
    pub lang: Lang,
    pub caller: Caller,
    pub csrf: String,
    /// Path and query of this request, for the language switch and sign-in's return.
    pub here: String,
    pub path: String,
    pub has_login: bool,
    /// A GET (or HEAD): the page may be asked for again after signing in.
    pub is_read: bool,
    state: Arc<AppState>,
}

impl FromRequestParts<Arc<AppState>> for Ctx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let lang = lang_from_query(parts.uri.query())
            .or_else(|| cookie_value(&parts.headers, LANG_COOKIE).and_then(|c| Lang::parse(&c)))
            .unwrap_or_default();
        let caller = parts
            .extensions
            .get::<Caller>()
            .cloned()
            .unwrap_or_else(Caller::anonymous);
        let csrf = state.auth.csrf_token(&caller);
        let here = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        Ok(Ctx {
            lang,
            caller,
            csrf,
            here,
            path: parts.uri.path().to_string(),
            has_login: state.auth.has_login(),
            is_read: parts.method == axum::http::Method::GET
                || parts.method == axum::http::Method::HEAD,
            state: state.clone(),
        })
    }
}

impl Ctx {
    pub fn t(&self) -> &'static text::Texts {
        self.lang.t()
    }

    /// A pair of words by the page's language.
    pub fn tr(&self, zh: &'static str, en: &'static str) -> &'static str {
        self.lang.pick(zh, en)
    }

    fn channel(&self, package: &str) -> Result<Transport, PageError> {
        self.state
            .upstreams
            .channel(package)
            .map_err(|s| self.error(&s))
    }

    // Every client takes the transcoder's message limits (`Upstreams::limits`): a material
    // as large as a service accepts comes back down, an upload form's files go up.
    pub fn catalog(&self) -> Result<CatalogServiceClient<Transport>, PageError> {
        let (decoding, encoding) = self.state.upstreams.limits();
        self.channel(CATALOG_PACKAGE).map(|c| {
            CatalogServiceClient::new(c)
                .max_decoding_message_size(decoding)
                .max_encoding_message_size(encoding)
        })
    }

    pub fn cases(&self) -> Result<CaseServiceClient<Transport>, PageError> {
        let (decoding, encoding) = self.state.upstreams.limits();
        self.channel(CASES_PACKAGE).map(|c| {
            CaseServiceClient::new(c)
                .max_decoding_message_size(decoding)
                .max_encoding_message_size(encoding)
        })
    }

    pub fn supervision(&self) -> Result<SupervisionServiceClient<Transport>, PageError> {
        let (decoding, encoding) = self.state.upstreams.limits();
        self.channel(SUPERVISION_PACKAGE).map(|c| {
            SupervisionServiceClient::new(c)
                .max_decoding_message_size(decoding)
                .max_encoding_message_size(encoding)
        })
    }

    pub fn trading(&self) -> Result<TradingServiceClient<Transport>, PageError> {
        let (decoding, encoding) = self.state.upstreams.limits();
        self.channel(TRADING_PACKAGE).map(|c| {
            TradingServiceClient::new(c)
                .max_decoding_message_size(decoding)
                .max_encoding_message_size(encoding)
        })
    }

    /// A request to a service on behalf of the user.
    pub fn req<T>(&self, message: T) -> tonic::Request<T> {
        self.state
            .upstreams
            .request(message, self.caller.token.as_deref())
    }

    /// A streaming request on behalf of the user: no deadline, it ends when the page goes.
    pub fn stream_req<T>(&self, message: T) -> tonic::Request<T> {
        let mut req = self.req(message);
        req.metadata_mut().remove("grpc-timeout");
        req
    }

    pub fn has(&self, role: Role) -> bool {
        self.caller.signed_in() && self.caller.principal.has(role)
    }

    /// Window clerks and approvers: the ones with an inbox.
    pub fn is_staff(&self) -> bool {
        self.has(Role::Clerk) || self.has(Role::Approver)
    }

    /// Pages of the signed-in only send the anonymous to sign in first.
    pub fn require_sign_in(&self) -> Result<(), PageError> {
        if self.caller.signed_in() {
            Ok(())
        } else {
            Err(self.login_first())
        }
    }

    /// Sign in, then come back: to this page, or for a form that was sent (it cannot be
    /// asked for again with GET) to the start.
    pub fn login_first(&self) -> PageError {
        let next = if self.is_read {
            self.here.clone()
        } else {
            "/".to_string()
        };
        PageError {
            status: StatusCode::UNAUTHORIZED,
            lang: self.lang,
            detail: None,
            login: self.has_login.then_some(next),
            back: None,
        }
    }

    /// A failed upstream call as a page: a sign-in for the anonymous, the service's own
    /// words for a refused request (they name the state and the rule), nothing of a fault.
    pub fn error(&self, status: &tonic::Status) -> PageError {
        let code = crate::problem::code_of(status);
        let http = crate::problem::http_status(code);
        if http.is_server_error() {
            tracing::warn!(code = ?code, message = status.message(), "page upstream call failed");
        }
        if status.code() == tonic::Code::Unauthenticated && !self.caller.signed_in() {
            return self.login_first();
        }
        PageError {
            status: http,
            lang: self.lang,
            detail: http
                .is_client_error()
                .then(|| status.message().to_string())
                .filter(|m| !m.is_empty()),
            login: None,
            back: None,
        }
    }

    pub fn not_found(&self) -> PageError {
        PageError {
            status: StatusCode::NOT_FOUND,
            lang: self.lang,
            detail: None,
            login: None,
            back: None,
        }
    }

    /// A form whose CSRF token does not belong to this browser and user.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), PageError> {
        if self.state.auth.csrf_ok(&self.caller, submitted) {
            Ok(())
        } else {
            Err(PageError {
                status: StatusCode::FORBIDDEN,
                lang: self.lang,
                detail: Some(self.t().form_expired.to_string()),
                login: None,
                back: None,
            })
        }
    }

    /// A turn to upload files ([`crate::limits::UploadGate`]), taken before the form is
    /// read and kept until the page answers.
    pub async fn upload_turn(&self) -> Result<tokio::sync::OwnedSemaphorePermit, PageError> {
        self.state.uploads.enter().await.map_err(|_| PageError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            lang: self.lang,
            detail: Some(
                self.tr(
                    "此刻上传文件的人较多，请稍后再提交。",
                    "Many files are being uploaded at the moment; please submit again shortly.",
                )
                .into(),
            ),
            login: None,
            back: None,
        })
    }

    /// This page in the other language: the same query with `lang` replaced.
    pub fn other_lang_href(&self) -> String {
        let (path, query) = self.here.split_once('?').unwrap_or((&self.here, ""));
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            if k != "lang" {
                out.append_pair(&k, &v);
            }
        }
        out.append_pair("lang", self.lang.other().code());
        format!("{path}?{}", out.finish())
    }

    /// Cancelled at shutdown: long-lived event streams end with it.
    pub fn shutdown(&self) -> tokio_util::sync::CancellationToken {
        self.state.shutdown.clone()
    }
}

/// A page that could not be shown, rendered as an HTML error page (or a sign-in).
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub lang: Lang,
    /// The service's reason for refusing, shown as it is (escaped).
    pub detail: Option<String>,
    /// Sign in first, then come back here.
    pub login: Option<String>,
    /// Where the visitor goes back to (the form's page).
    pub back: Option<String>,
}

impl PageError {
    /// The error page offers a way back to `href` (the page of the form that failed).
    pub fn back_to(mut self, href: impl Into<String>) -> Self {
        self.back = Some(href.into());
        self
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let Some(next) = &self.login {
            let to = format!("/login?next={}", layout::encode(safe_return(next)));
            return Redirect::to(&to).into_response();
        }
        let t = self.lang.t();
        let message = match self.status {
            StatusCode::NOT_FOUND => t.not_found,
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => t.denied,
            s if s.is_server_error() => t.unavailable,
            _ => t.refused,
        };
        let page = layout::error_page(
            self.lang,
            message,
            self.detail.as_deref(),
            self.back.as_deref().map(safe_return),
        );
        (self.status, page).into_response()
    }
}

/// Continues where a sign-in started, but only on this site.
pub fn safe_return(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next
    } else {
        "/"
    }
}
