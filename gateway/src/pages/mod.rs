//! Server-rendered pages that work without JavaScript: the public catalog (search, item and
//! bundle guides, departments, statistics), the hall's kiosk mode, and sign-in. Handlers
//! call the typed gRPC clients with the user's token; maud escapes everything rendered.

mod catalog;
mod directory;
mod kiosk;
mod labels;
mod layout;
mod login;
mod text;

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use onewindow_proto::catalog::v1::catalog_service_client::CatalogServiceClient;
use tonic::transport::Channel;

use crate::auth::{cookie_value, Caller, LANG_COOKIE};
use crate::AppState;
pub use text::Lang;

/// The package whose typed client the catalog pages use.
const CATALOG_PACKAGE: &str = "onewindow.catalog.v1";

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(catalog::home))
        .route("/items", get(catalog::search))
        .route("/items/{item_id}", get(catalog::item_guide))
        .route("/departments", get(directory::departments))
        .route("/departments/{department_id}", get(directory::department))
        .route("/bundles", get(directory::bundles))
        .route("/bundles/{bundle_id}", get(directory::bundle_guide))
        .route("/statistics", get(directory::statistics))
        .route("/kiosk", get(kiosk::home))
        .route("/kiosk/departments/{department_id}", get(kiosk::department))
        .route("/kiosk/items/{item_id}", get(kiosk::item))
        .route("/kiosk/bundles/{bundle_id}", get(kiosk::bundle))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/assets/site.css", get(stylesheet))
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
            state: state.clone(),
        })
    }
}

impl Ctx {
    pub fn t(&self) -> &'static text::Texts {
        self.lang.t()
    }

    pub fn catalog(&self) -> Result<CatalogServiceClient<Channel>, PageError> {
        self.state
            .upstreams
            .channel(CATALOG_PACKAGE)
            .map(CatalogServiceClient::new)
            .map_err(|s| self.error(&s))
    }

    /// A request to a service on behalf of the user.
    pub fn req<T>(&self, message: T) -> tonic::Request<T> {
        self.state
            .upstreams
            .request(message, self.caller.token.as_deref())
    }

    pub fn error(&self, status: &tonic::Status) -> PageError {
        let http = crate::problem::http_status(status.code());
        if http.is_server_error() {
            tracing::warn!(code = ?status.code(), message = status.message(), "page upstream call failed");
        }
        PageError {
            status: http,
            lang: self.lang,
        }
    }

    pub fn not_found(&self) -> PageError {
        PageError {
            status: StatusCode::NOT_FOUND,
            lang: self.lang,
        }
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
}

/// A page that could not be shown, rendered as an HTML error page.
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub lang: Lang,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let t = self.lang.t();
        let message = match self.status {
            StatusCode::NOT_FOUND => t.not_found,
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => t.denied,
            s if s.is_server_error() => t.unavailable,
            _ => t.error_title,
        };
        (self.status, layout::error_page(self.lang, message)).into_response()
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
