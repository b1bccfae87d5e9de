//! The frame of every page: header with navigation, sign-in state and the language switch;
//! the kiosk's own frame with large targets; the error page.

use maud::{html, Markup, DOCTYPE};

use super::text::Lang;
use super::Ctx;

/// Kiosks go back to their start page after this many idle seconds (no script needed).
const KIOSK_IDLE_SECS: u32 = 180;

fn head(lang: Lang, title: &str, extra: Option<Markup>) -> Markup {
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
        ("/statistics", t.nav_statistics),
        ("/kiosk", t.nav_kiosk),
    ];
    html! {
        (DOCTYPE)
        html lang=(ctx.lang.html_lang()) {
            (head(ctx.lang, title, None))
            body {
                header.site {
                    a.brand href="/" { (t.site) }
                    nav {
                        @for (href, label) in nav {
                            @let current = ctx.path == href || (href != "/" && ctx.path.starts_with(href));
                            a href=(href) aria-current=[current.then_some("page")] { (label) }
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
                main { (body) }
                footer.site { p { (t.footer) } }
            }
        }
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

pub fn error_page(lang: Lang, message: &str) -> Markup {
    let t = lang.t();
    html! {
        (DOCTYPE)
        html lang=(lang.html_lang()) {
            (head(lang, t.error_title, None))
            body {
                header.site { a.brand href="/" { (t.site) } }
                main {
                    h1 { (t.error_title) }
                    p { (message) }
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

/// A path segment of an id (ids are codes, but nothing rendered is trusted).
pub fn seg(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC).to_string()
}
