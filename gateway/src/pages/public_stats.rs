//! Public statistics: the catalog's figures, and supervision's per department, namely the
//! satisfaction of evaluations (public ratings) and, for readers supervision lets see them,
//! on-time rates and scores; today's hall-wide figures; the published bulletins (警示教育).

use std::collections::HashMap;

use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate};
use maud::{html, Markup};
use onewindow_proto::catalog::v1 as pb;
use onewindow_proto::supervision::v1 as sup;
use serde::Deserialize;

use super::charts::{bars, Bar};
use super::directory::{department_names, name_of};
use super::inbox::pager;
use super::layout::{page, percent, rate, seg, when};
use super::screen::snapshot;
use super::{labels, vocab, Ctx, PageError};

pub async fn statistics(ctx: Ctx) -> Result<Response, PageError> {
    let oversight = oversight(&ctx).await;
    let t = ctx.t();
    let lang = ctx.lang;
    let s = ctx
        .catalog()?
        .get_catalog_statistics(ctx.req(pb::GetCatalogStatisticsRequest::default()))
        .await
        .map_err(|s| ctx.error(&s))?
        .into_inner();
    let counts = |title: &str, rows: &[pb::Count]| {
        html! {
            h2 { (title) }
            table {
                thead { tr { th { (title) } th.num { (t.count) } } }
                tbody { @for c in rows { tr { td { (labels::statistics_key(lang, &c.key)) } td.num { (c.count) } } } }
            }
        }
    };
    let body = html! {
        h1 { (t.nav_statistics) }
        ul.figures {
            li { strong { (s.items_in_force) } span { (t.items_in_force) } }
            li { strong { (format!("{:.2}", s.average_statutory_limit_days)) } span { (t.avg_statutory) } }
            li { strong { (format!("{:.2}", s.average_promised_limit_days)) } span { (t.avg_promised) } }
            li { strong { (format!("{:.2}%", s.reduction_percent)) } span { (t.reduction) } }
            li { strong { (format!("{:.1}%", s.fully_authorized_share * 100.0)) } span { (t.fully_authorized_share) } }
            li { strong { (s.departments) } span { (t.department_count) } }
            li { strong { (s.offices) } span { (t.office_count) } }
            li { strong { (s.bundles) } span { (t.bundle_count) } }
        }
        (oversight)
        h2 { (t.statistics) }
        (counts(t.by_type, &s.by_type))
        (counts(t.by_service_mode, &s.by_service_mode))
        (counts(t.by_class, &s.by_class))
        h2 { (t.per_department) }
        table {
            thead { tr { th { (t.department) } th.num { (t.count) } th.num { (t.fully_authorized) } th.num { (t.share) } } }
            tbody {
                @for d in &s.by_department {
                    tr {
                        td { a href={ "/departments/" (seg(&d.department_id)) } { (d.department_name) } }
                        td.num { (d.items) }
                        td.num { (d.fully_authorized) }
                        td.num { (format!("{:.1}%", d.fully_authorized_share * 100.0)) }
                    }
                }
            }
        }
    };
    Ok(page(&ctx, t.nav_statistics, body).into_response())
}

/// The service's today: the dashboard's date, else Beijing's civil date now.
fn today_of(dashboard: Option<&sup::Dashboard>) -> NaiveDate {
    dashboard
        .and_then(|d| NaiveDate::parse_from_str(&d.date, "%Y-%m-%d").ok())
        .unwrap_or_else(|| onewindow_kit::clock::local_date(chrono::Utc::now()))
}

/// The colour of a rate: good from 90 %, a warning below 80 %.
fn rate_class(rate: f64) -> &'static str {
    if rate >= 0.9 {
        "good"
    } else if rate >= 0.8 {
        "yellow"
    } else {
        "red"
    }
}

async fn oversight(ctx: &Ctx) -> Markup {
    let Ok(client) = ctx.supervision() else {
        return html! {};
    };
    let (dashboard, names) = tokio::join!(snapshot(ctx), department_names(ctx));
    let today = today_of(dashboard.as_ref());
    let (mut c1, mut c2, mut c3) = (client.clone(), client.clone(), client);
    let from = today - Duration::days(364);
    let (ratings, performance, bulletins) = tokio::join!(
        c1.get_department_ratings(ctx.req(sup::GetDepartmentRatingsRequest::default())),
        c2.get_performance(ctx.req(sup::GetPerformanceRequest {
            from: from.to_string(),
            to: today.to_string(),
            ..Default::default()
        })),
        c3.list_bulletins(ctx.req(sup::ListBulletinsRequest {
            page_size: 5,
            ..Default::default()
        })),
    );
    let ratings = ratings
        .map(|r| r.into_inner().departments)
        .unwrap_or_default();
    // Supervision shows the full performance report to its own readers only; the public
    // sees each department's on-time rate and ratings, which are public, and the hall's
    // figures of the day.
    let performance = performance.ok().map(|r| r.into_inner());
    let bulletins = bulletins
        .map(|r| r.into_inner().bulletins)
        .unwrap_or_default();
    html! {
        h2 id="efficiency" { (ctx.tr("服务效能与满意度", "Timeliness and satisfaction")) }
        @if let Some(d) = &dashboard {
            @let f = d.today.unwrap_or_default();
            ul.figures {
                li { strong { (f.concluded) } span { (ctx.tr("今日办结", "Concluded today")) } }
                li { strong { (rate(f.on_time_rate, f.concluded)) } span { (ctx.tr("今日按时办结率", "On time today")) } }
                li { strong { (d.open_cases) } span { (ctx.tr("在办件", "Open cases")) } }
                li { strong { (rate(f.good_rate, f.evaluations)) } span { (ctx.tr("今日好评率", "Good ratings today")) } }
            }
        }
        @if let Some(p) = performance.as_ref().filter(|p| !p.rows.is_empty()) {
            (performance_section(ctx, p, &names))
        } @else {
            (timeliness_section(ctx, &ratings, &names))
        }
        (ratings_section(ctx, &ratings, &names))
        h2 { (ctx.tr("通报公告", "Bulletins")) }
        (bulletin_list(ctx, &bulletins, &names))
        p { a href="/bulletins" { (ctx.tr("全部通报", "All bulletins")) " →" } }
    }
}

fn performance_section(
    ctx: &Ctx,
    p: &sup::PerformanceReport,
    names: &HashMap<String, String>,
) -> Markup {
    let period = p.period.clone().unwrap_or_default();
    // A department that concluded nothing has no rate to draw; the table still lists it.
    let rows: Vec<Bar> = p
        .rows
        .iter()
        .filter(|r| r.figures.is_some_and(|f| f.concluded > 0))
        .map(|r| {
            let f = r.figures.unwrap_or_default();
            Bar {
                label: name_of(names, &r.key).to_string(),
                value: f.on_time_rate,
                shown: format!(
                    "{} ({}/{})",
                    rate(f.on_time_rate, f.concluded),
                    f.concluded_on_time,
                    f.concluded
                ),
                class: rate_class(f.on_time_rate),
            }
        })
        .collect();
    html! {
        h3 { (ctx.tr("各部门按时办结率", "On-time rate by department")) " " span.meta { (period.from) " – " (period.to) } }
        (bars(ctx.tr("按时办结率", "Concluded on time"), &rows, 1.0))
        table.performance {
            thead { tr {
                th.num { (ctx.tr("排名", "Rank")) } th { (ctx.t().department) } th.num { (ctx.tr("受理", "Accepted")) }
                th.num { (ctx.tr("办结", "Concluded")) } th.num { (ctx.tr("按时办结率", "On time")) }
                th.num { (ctx.tr("平均用时", "Days used")) } th.num { (ctx.tr("红牌", "Red")) } th.num { (ctx.tr("好评率", "Good")) } th.num { (ctx.tr("综合得分", "Score")) }
            } }
            tbody { @for r in &p.rows {
                @let f = r.figures.unwrap_or_default();
                tr {
                    td.num { (r.rank) } td { (name_of(names, &r.key)) } td.num { (f.accepted) } td.num { (f.concluded) }
                    td.num { (rate(f.on_time_rate, f.concluded)) } td.num { (format!("{:.1}", f.average_working_days)) }
                    td.num { (f.red_cards) } td.num { (rate(f.good_rate, f.evaluations)) } td.num { (format!("{:.1}", r.score)) }
                }
            } }
        }
    }
}

/// Each department's on-time rate (按时办结率), for everyone.
fn timeliness_section(
    ctx: &Ctx,
    departments: &[sup::DepartmentRating],
    names: &HashMap<String, String>,
) -> Markup {
    let mut concluded: Vec<&sup::DepartmentRating> =
        departments.iter().filter(|d| d.concluded > 0).collect();
    concluded.sort_by(|a, b| {
        b.on_time_rate
            .total_cmp(&a.on_time_rate)
            .then_with(|| b.concluded.cmp(&a.concluded))
    });
    let rows: Vec<Bar> = concluded
        .iter()
        .map(|d| Bar {
            label: name_of(names, &d.department_id).to_string(),
            value: d.on_time_rate,
            shown: format!(
                "{} · {} {}",
                percent(d.on_time_rate),
                d.concluded,
                ctx.tr("件", "cases")
            ),
            class: rate_class(d.on_time_rate),
        })
        .collect();
    html! {
        h3 id="on-time" { (ctx.tr("各部门按时办结率", "On-time rate by department")) }
        @if concluded.is_empty() {
            p.meta { (ctx.tr("暂无办结件。", "No case concluded yet.")) }
        } @else {
            (bars(ctx.tr("按时办结率", "On time"), &rows, 1.0))
            table.timeliness {
                thead { tr {
                    th { (ctx.t().department) } th.num { (ctx.tr("办结件", "Concluded")) }
                    th.num { (ctx.tr("按时办结", "On time")) } th.num { (ctx.tr("按时办结率", "On-time rate")) }
                } }
                tbody { @for d in &concluded {
                    tr { td { (name_of(names, &d.department_id)) } td.num { (d.concluded) }
                         td.num { (d.concluded_on_time) } td.num { (percent(d.on_time_rate)) } }
                } }
            }
        }
    }
}

fn ratings_section(
    ctx: &Ctx,
    departments: &[sup::DepartmentRating],
    names: &HashMap<String, String>,
) -> Markup {
    let ratings: Vec<&sup::DepartmentRating> =
        departments.iter().filter(|d| d.evaluations > 0).collect();
    let rows: Vec<Bar> = ratings
        .iter()
        .map(|r| Bar {
            label: name_of(names, &r.department_id).to_string(),
            value: r.good_rate,
            shown: format!(
                "{} · {} {}",
                percent(r.good_rate),
                r.evaluations,
                ctx.tr("条", "ratings")
            ),
            class: rate_class(r.good_rate),
        })
        .collect();
    html! {
        h3 { (ctx.tr("各部门满意度（好评率）", "Satisfaction by department (good ratings)")) }
        @if ratings.is_empty() {
            p.meta { (ctx.tr("暂无评价。", "No ratings yet.")) }
        } @else {
            (bars(ctx.tr("好评率", "Good ratings"), &rows, 1.0))
            table.ratings {
                thead { tr {
                    th { (ctx.t().department) } th.num { (ctx.tr("评价数", "Ratings")) } th.num { (ctx.tr("平均分", "Average")) }
                    th.num { (ctx.tr("好评率", "Good")) } th.num { (ctx.tr("差评率", "Bad")) }
                } }
                tbody { @for r in &ratings {
                    tr { td { (name_of(names, &r.department_id)) } td.num { (r.evaluations) } td.num { (format!("{:.2}", r.average)) }
                         td.num { (percent(r.good_rate)) } td.num { (percent(r.bad_rate)) } }
                } }
            }
        }
    }
}

pub fn bulletin_list(
    ctx: &Ctx,
    bulletins: &[sup::Bulletin],
    names: &HashMap<String, String>,
) -> Markup {
    html! {
        @if bulletins.is_empty() {
            p.meta { (ctx.tr("暂无通报。", "No bulletins.")) }
        } @else {
            ul.bulletins {
                @for b in bulletins {
                    li {
                        article {
                            h3 { span.badge { (vocab::bulletin_kind(ctx.lang, b.kind)) } " " (b.title) }
                            p.meta { (when(b.published_at.as_ref()))
                                @if !b.department_id.is_empty() { " · " (name_of(names, &b.department_id)) } }
                            p { (b.body) }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct BulletinParams {
    #[serde(default)]
    page_token: String,
}

pub async fn bulletins(ctx: Ctx, Query(p): Query<BulletinParams>) -> Result<Response, PageError> {
    let (list, names) = tokio::join!(
        async {
            ctx.supervision()?
                .list_bulletins(ctx.req(sup::ListBulletinsRequest {
                    page_size: 20,
                    page_token: p.page_token.clone(),
                    ..Default::default()
                }))
                .await
                .map_err(|s| ctx.error(&s))
        },
        department_names(&ctx),
    );
    let list = list?.into_inner();
    let title = ctx.tr("通报公告", "Bulletins");
    let body = html! {
        h1 { (title) }
        p { (ctx.tr("电子监察室发布的亮牌通报、违规通报和公告（警示教育）。", "Notices of cards and violations, and general notices, from the supervision office.")) }
        (bulletin_list(&ctx, &list.bulletins, &names))
        (pager("/bulletins", &[], &p.page_token, &list.next_page_token, &ctx))
    };
    Ok(page(&ctx, title, body).into_response())
}
