//! Sign-in with the built-in identity provider, and sign-out. Both forms carry a CSRF token;
//! the session is the signed token in an HttpOnly, SameSite=Lax cookie.

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use maud::html;
use serde::Deserialize;
use std::sync::Arc;

use super::layout::page;
use super::{safe_return, Ctx};
use crate::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct Next {
    #[serde(default)]
    next: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

pub async fn form(ctx: Ctx, State(state): State<Arc<AppState>>, Query(q): Query<Next>) -> Response {
    render(&ctx, &state, None, &q.next, "").into_response()
}

fn render(
    ctx: &Ctx,
    state: &AppState,
    error: Option<&str>,
    next: &str,
    username: &str,
) -> maud::Markup {
    let t = ctx.t();
    let demo = state.auth.shows_demo_accounts().then(crate::demo_users);
    let body = html! {
        h1 { (t.sign_in) }
        @if !ctx.has_login {
            p { (t.no_login) }
        } @else {
            @if let Some(error) = error { p.error role="alert" { (error) } }
            form.login method="post" action="/login" {
                input type="hidden" name="csrf" value=(ctx.csrf);
                input type="hidden" name="next" value=(safe_return(next));
                label { (t.username) input type="text" name="username" value=(username) autocomplete="username" required; }
                label { (t.password) input type="password" name="password" autocomplete="current-password" required; }
                button type="submit" { (t.sign_in) }
            }
            @if let Some(users) = demo {
                section.demo {
                    h2 { (t.demo_accounts) }
                    p { (t.demo_password) " " code { (crate::auth::users::DEMO_PASSWORD) } }
                    table {
                        thead { tr { th { (t.username) } th { (t.roles) } th { (t.department) } th { (t.note) } } }
                        tbody {
                            @for u in &users {
                                tr {
                                    td { code { (u.username) } }
                                    td { (u.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")) }
                                    td { (u.department.as_deref().unwrap_or("")) " " (u.region.as_deref().unwrap_or("")) }
                                    td { (u.note) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    page(ctx, t.sign_in, body)
}

pub async fn submit(
    ctx: Ctx,
    State(state): State<Arc<AppState>>,
    Form(form): Form<LoginForm>,
) -> Response {
    let t = ctx.t();
    if !state.auth.csrf_ok(&ctx.caller, &form.csrf) {
        let page = render(
            &ctx,
            &state,
            Some(t.form_expired),
            &form.next,
            &form.username,
        );
        return (StatusCode::FORBIDDEN, page).into_response();
    }
    match state.auth.login(form.username.trim(), &form.password) {
        Some((principal, token)) => {
            tracing::info!(subject = %principal.subject, "signed in");
            // Without a page to return to, each role starts where it works.
            let next = match safe_return(&form.next) {
                "/" => super::layout::role_home(&principal),
                next => next,
            };
            (
                StatusCode::SEE_OTHER,
                [
                    (header::SET_COOKIE, state.auth.session_cookie(&token)),
                    (header::LOCATION, next.to_string()),
                ],
            )
                .into_response()
        }
        None => {
            tracing::info!("sign-in refused");
            let page = render(&ctx, &state, Some(t.bad_login), &form.next, &form.username);
            (StatusCode::UNAUTHORIZED, page).into_response()
        }
    }
}

pub async fn logout(
    ctx: Ctx,
    State(state): State<Arc<AppState>>,
    Form(form): Form<LogoutForm>,
) -> Response {
    if let Err(refused) = ctx.check_csrf(&form.csrf) {
        return refused.into_response();
    }
    (
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, state.auth.clear_session_cookie()),
            (header::LOCATION, "/".to_string()),
        ],
    )
        .into_response()
}
