//! The hall's big screen (`/screen`): today's figures and the departments with most open
//! cards, rendered on the server from supervision's WatchDashboard, then kept live by
//! server-sent events (`/screen/events`) and a small script. Without the script the page
//! still shows the figures and reloads itself every minute.

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::http::{header, HeaderValue};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use maud::{html, Markup, DOCTYPE};
use onewindow_proto::supervision::v1 as sup;

use super::charts::{bars, Bar};
use super::directory::{department_names, name_of};
use super::layout::{head, rate, when};
use super::{Ctx, PageError};

/// How long a page waits for the first figures before it renders without them.
const FIRST_FIGURES: Duration = Duration::from_secs(3);

/// Scripts only from us on this page (the rest of the site allows none).
const SCREEN_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The dashboard as it stands now: the first message of the watch.
pub async fn snapshot(ctx: &Ctx) -> Option<sup::Dashboard> {
    let mut client = ctx.supervision().ok()?;
    let first = async {
        let mut stream = client
            .watch_dashboard(ctx.stream_req(sup::WatchDashboardRequest::default()))
            .await
            .ok()?
            .into_inner();
        stream.message().await.ok().flatten()
    };
    tokio::time::timeout(FIRST_FIGURES, first)
        .await
        .ok()
        .flatten()
}

/// Each figure with the name the script updates it by.
fn figures(
    ctx: &Ctx,
    d: &sup::Dashboard,
) -> Vec<(&'static str, &'static str, String, &'static str)> {
    let today = d.today.unwrap_or_default();
    vec![
        (
            "accepted",
            ctx.tr("今日受理", "Accepted today"),
            today.accepted.to_string(),
            "",
        ),
        (
            "concluded",
            ctx.tr("今日办结", "Concluded today"),
            today.concluded.to_string(),
            "good",
        ),
        (
            "on_time_rate",
            ctx.tr("今日按时办结率", "On time today"),
            rate(today.on_time_rate, today.concluded),
            "good",
        ),
        (
            "open_cases",
            ctx.tr("在办件", "Open cases"),
            d.open_cases.to_string(),
            "",
        ),
        (
            "open_early_warnings",
            ctx.tr("预警", "Early warnings"),
            d.open_early_warnings.to_string(),
            "early",
        ),
        (
            "open_yellow_cards",
            ctx.tr("黄牌", "Yellow cards"),
            d.open_yellow_cards.to_string(),
            "yellow",
        ),
        (
            "open_red_cards",
            ctx.tr("红牌", "Red cards"),
            d.open_red_cards.to_string(),
            "red",
        ),
        (
            "evaluations",
            ctx.tr("今日评价", "Ratings today"),
            today.evaluations.to_string(),
            "",
        ),
        (
            "good_rate",
            ctx.tr("今日好评率", "Good ratings today"),
            rate(today.good_rate, today.evaluations),
            "good",
        ),
        (
            "open_complaints",
            ctx.tr("待办投诉", "Open complaints"),
            d.open_complaints.to_string(),
            "",
        ),
        (
            "open_violations",
            ctx.tr("待处理违规", "Open violations"),
            d.open_violations.to_string(),
            "",
        ),
    ]
}

fn cards_chart(ctx: &Ctx, d: &sup::Dashboard, names: &HashMap<String, String>) -> Markup {
    let rows: Vec<Bar> = d
        .most_cards
        .iter()
        .map(|c| Bar {
            label: name_of(names, &c.department_id).to_string(),
            value: f64::from(c.open_red_cards) * 2.0 + f64::from(c.open_yellow_cards),
            shown: format!(
                "{} {} · {} {}",
                ctx.tr("红", "red"),
                c.open_red_cards,
                ctx.tr("黄", "yellow"),
                c.open_yellow_cards
            ),
            class: if c.open_red_cards > 0 {
                "red"
            } else {
                "yellow"
            },
        })
        .collect();
    html! {
        @if rows.is_empty() {
            p.calm { (ctx.tr("目前没有未结的黄牌和红牌。", "No open yellow or red cards.")) }
        } @else {
            (bars(ctx.tr("亮牌最多的部门（红牌计二）", "Departments with most open cards (red counts twice)"), &rows, 0.0))
        }
    }
}

pub async fn screen(ctx: Ctx) -> Result<Response, PageError> {
    let (dashboard, names) = tokio::join!(snapshot(&ctx), department_names(&ctx));
    let title = ctx.tr(
        "行政服务中心 · 实时监察",
        "Service center · live supervision",
    );
    let extra = html! {
        noscript { meta http-equiv="refresh" content="60"; }
        script src="/assets/screen.js" defer {}
    };
    let body = html! {
        (DOCTYPE)
        html lang=(ctx.lang.html_lang()) {
            (head(ctx.lang, title, Some(extra)))
            body.screen {
                header.screen {
                    h1 { (title) }
                    p.asof {
                        span data-field="date" { @if let Some(d) = &dashboard { (d.date) } }
                        " · " (ctx.tr("更新于", "as of")) " "
                        span data-field="as_of" { @if let Some(d) = &dashboard { (when(d.as_of.as_ref())) } }
                        " " span.live data-live hidden { "● " (ctx.tr("实时", "live")) }
                    }
                }
                main {
                    @match &dashboard {
                        Some(d) => {
                            ul.big-figures {
                                @for (field, label, value, class) in figures(&ctx, d) {
                                    li class=(class) { strong data-field=(field) { (value) } span { (label) } }
                                }
                            }
                            section #cards { (cards_chart(&ctx, d, &names)) }
                        }
                        None => { p.calm { (ctx.t().unavailable) } }
                    }
                }
            }
        }
    };
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(SCREEN_CSP),
    );
    Ok(response)
}

/// The figures as the script takes them: each field's text, and the chart as markup
/// (escaped on the server like every page).
fn event_data(ctx: &Ctx, d: &sup::Dashboard, names: &HashMap<String, String>) -> String {
    let mut fields = serde_json::Map::new();
    for (field, _, value, _) in figures(ctx, d) {
        fields.insert(field.into(), value.into());
    }
    fields.insert("date".into(), d.date.clone().into());
    fields.insert("as_of".into(), when(d.as_of.as_ref()).into());
    serde_json::json!({
        "fields": fields,
        "cards_html": cards_chart(ctx, d, names).into_string(),
    })
    .to_string()
}

pub async fn events(ctx: Ctx) -> Result<Response, PageError> {
    let names = department_names(&ctx).await;
    let stream = ctx
        .supervision()?
        .watch_dashboard(ctx.stream_req(sup::WatchDashboardRequest::default()))
        .await
        .map_err(|s| ctx.error(&s))?
        .into_inner();
    let shutdown = ctx.shutdown();
    let events = stream
        .take_while(|item| std::future::ready(item.is_ok()))
        .filter_map(move |item| {
            let out = item.ok().map(|d| {
                Ok::<Event, Infallible>(
                    Event::default()
                        .event("dashboard")
                        .data(event_data(&ctx, &d, &names)),
                )
            });
            std::future::ready(out)
        })
        // The stream ends at shutdown, so that draining does not wait for the big screen.
        .take_until(shutdown.cancelled_owned());
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response())
}

pub async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/screen.js"),
    )
        .into_response()
}
