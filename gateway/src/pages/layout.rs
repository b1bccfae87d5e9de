//! The frame of every page: header with navigation, sign-in state and the language switch;
//! the work links of the signed-in by role; the kiosk's own frame with large targets; the
//! error page.

use maud::{html, Markup, DOCTYPE};
use onewindow_kit::auth::Role;

use super::text::Lang;
use super::Ctx;

/// Kiosks go back to their start page after this many idle seconds (no script needed).
const KIOSK_IDLE_SECS: u32 = 180;

pub fn head(lang: Lang, title: &str, extra: Option<Markup>) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · " (lang.t().site) }
            link rel="stylesheet" href="/assets/site.css";
            @if let Some(extra) = extra { (extra) }
        }
    }
}

pub fn page(ctx: &Ctx, title: &str, body: Markup) -> Markup {
    let t = ctx.t();
    let nav = [
        ("/", t.nav_home),
        ("/items", t.nav_items),
        ("/departments", t.nav_departments),
        ("/bundles", t.nav_bundles),
        ("/track", t.nav_track),
        ("/trading", t.nav_trading),
        ("/complaints/new", t.nav_complaints),
        ("/statistics", t.nav_statistics),
        ("/kiosk", t.nav_kiosk),
    ];
    let work = role_nav(ctx);
    let here = current(ctx, nav.iter().map(|(h, _)| *h));
    let here_work = current(ctx, work.iter().map(|(h, _)| *h));
    html! {
        (DOCTYPE)
        html lang=(ctx.lang.html_lang()) {
            (head(ctx.lang, title, None))
            body {
                header.site {
                    a.brand href="/" { (t.site) }
                    nav aria-label=(t.nav_public) {
                        @for (href, label) in nav {
                            a href=(href) aria-current=[(here == Some(href)).then_some("page")] { (label) }
                        }
                        a href="/api/v1/openapi.json" { (t.nav_api) }
                    }
                    div.account {
                        a.lang href=(ctx.other_lang_href()) hreflang=(ctx.lang.other().code()) { (t.switch_lang) }
                        @if ctx.caller.signed_in() {
                            span.user { (t.signed_in_as) ": " (display_name(ctx)) }
                            form.inline method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(ctx.csrf);
                                button type="submit" { (t.nav_logout) }
                            }
                        } @else if ctx.has_login {
                            a href={ "/login?next=" (encode(&ctx.here)) } { (t.nav_login) }
                        }
                    }
                }
                @if !work.is_empty() {
                    nav.work aria-label=(t.nav_work) {
                        @for (href, label) in &work {
                            a href=(*href) aria-current=[(here_work == Some(*href)).then_some("page")] { (label) }
                        }
                    }
                }
                main { (body) }
                footer.site { p { (t.footer) } }
            }
        }
    }
}

/// The link of a navigation bar that this page is under: the longest that matches, so
/// that `/supervision/warnings` marks its own link and not the console's start as well.
fn current<'a>(ctx: &Ctx, hrefs: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    hrefs
        .into_iter()
        .filter(|href| {
            ctx.path == *href || (*href != "/" && ctx.path.starts_with(&format!("{href}/")))
        })
        .max_by_key(|href| href.len())
}

/// Where a signed-in user works, by role; empty for the public.
pub fn role_nav(ctx: &Ctx) -> Vec<(&'static str, &'static str)> {
    let mut links = Vec::new();
    if ctx.has(Role::Applicant) {
        links.push(("/cases", ctx.tr("我的办件", "My applications")));
    }
    if ctx.has(Role::Clerk) {
        links.push(("/work", ctx.tr("受理队列", "Intake queue")));
    } else if ctx.has(Role::Approver) {
        links.push(("/work", ctx.tr("待办审批", "Inbox")));
    }
    if ctx.is_staff() {
        links.push(("/cases", ctx.tr("本部门办件", "Department cases")));
        links.push(("/bundle-cases", ctx.tr("一条龙办件", "Bundle cases")));
    }
    if ctx.has(Role::TradingAgent) {
        links.push(("/trading", ctx.tr("交易项目", "Projects")));
    }
    if ctx.has(Role::Supervisor) {
        links.push(("/supervision", ctx.tr("监察总览", "Supervision")));
        links.push((
            "/supervision/warnings",
            ctx.tr("预警与亮牌", "Warnings and cards"),
        ));
        links.push(("/supervision/violations", ctx.tr("违规记录", "Violations")));
        links.push(("/supervision/complaints", ctx.tr("投诉举报", "Complaints")));
        links.push((
            "/supervision/evaluations",
            ctx.tr("评议与整改", "Evaluations"),
        ));
        links.push((
            "/supervision/performance",
            ctx.tr("绩效排名", "Performance"),
        ));
        links.push(("/cases", ctx.tr("全部办件", "All cases")));
        links.push(("/bundle-cases", ctx.tr("一条龙办件", "Bundle cases")));
        links.push(("/screen", ctx.tr("大厅大屏", "Big screen")));
    }
    links
}

/// Where a user lands after signing in, by role.
pub fn role_home(principal: &onewindow_kit::auth::Principal) -> &'static str {
    if principal.has(Role::Clerk) || principal.has(Role::Approver) {
        "/work"
    } else if principal.has(Role::Supervisor) {
        "/supervision"
    } else if principal.has(Role::TradingAgent) {
        "/trading"
    } else if principal.has(Role::Applicant) {
        "/cases"
    } else {
        "/"
    }
}

fn display_name(ctx: &Ctx) -> String {
    let p = &ctx.caller.principal;
    if p.name.is_empty() {
        p.subject.clone()
    } else {
        p.name.clone()
    }
}

/// The kiosk frame: big buttons, no keyboard, back to the start when left alone.
pub fn kiosk_page(ctx: &Ctx, title: &str, back: Option<&str>, body: Markup) -> Markup {
    let t = ctx.t();
    let refresh = html! {
        meta http-equiv="refresh" content={ (KIOSK_IDLE_SECS) ";url=/kiosk" };
    };
    html! {
        (DOCTYPE)
        html lang=(ctx.lang.html_lang()) {
            (head(ctx.lang, title, Some(refresh)))
            body.kiosk {
                header.kiosk {
                    a.big href="/kiosk" { (t.kiosk_home) }
                    @if let Some(back) = back {
                        a.big href=(back) { (t.kiosk_back) }
                    }
                    h1 { (title) }
                    a.big href=(ctx.other_lang_href()) { (t.switch_lang) }
                }
                main { (body) }
            }
        }
    }
}

pub fn error_page(lang: Lang, message: &str, detail: Option<&str>, back: Option<&str>) -> Markup {
    let t = lang.t();
    html! {
        (DOCTYPE)
        html lang=(lang.html_lang()) {
            (head(lang, t.error_title, None))
            body {
                header.site { a.brand href="/" { (t.site) } }
                main {
                    h1 { (t.error_title) }
                    p.error role="alert" { (message) }
                    @if let Some(detail) = detail {
                        p { (t.reason_given) ": " code.detail { (detail) } }
                    }
                    @if let Some(back) = back {
                        p { a href=(back) { (t.go_back) } }
                    }
                    p { a href="/" { (t.back_home) } }
                }
            }
        }
    }
}

/// A value for a URL query.
pub fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Everything but RFC 3986's unreserved characters, which a path segment keeps as they are.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A path segment of an id (ids are codes, but nothing rendered is trusted).
pub fn seg(value: &str) -> String {
    let encoded = percent_encoding::utf8_percent_encode(value, SEGMENT).to_string();
    // `.` and `..` alone would move up the path.
    match encoded.as_str() {
        "." => "%2E".into(),
        ".." => "%2E%2E".into(),
        _ => encoded,
    }
}

/// An instant as Beijing wall-clock time (every region keeps it): `2026-11-30 10:00`.
pub fn when(ts: Option<&prost_types::Timestamp>) -> String {
    let Some(ts) = ts else {
        return String::new();
    };
    let Some(utc) = chrono::DateTime::from_timestamp(ts.seconds, 0) else {
        return String::new();
    };
    match chrono::FixedOffset::east_opt(8 * 3600) {
        Some(beijing) => utc
            .with_timezone(&beijing)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        None => utc.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

/// A share (0.0 to 1.0) as a percentage with one decimal.
pub fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// A rate of `of` events, or a dash when there were none to rate (0 % would mislead).
pub fn rate(share: f64, of: i32) -> String {
    if of == 0 {
        "—".to_string()
    } else {
        percent(share)
    }
}
