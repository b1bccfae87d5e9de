//! The supervision console (电子监察): the overview of today, warnings and cards with a
//! level filter (效能监察), performance rankings with bar charts (绩效监察), and publishing a
//! bulletin (警示教育). Supervision decides who reads what; pages pass the user's token.

use std::collections::HashMap;

use axum::extract::Query;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, NaiveDate};
use maud::{html, Markup};
use onewindow_proto::supervision::v1 as sup;
use serde::Deserialize;

use super::charts::{bars, Bar};
use super::directory::{department_names, name_of};
use super::forms::{hidden, Fields};
use super::inbox::pager;
use super::layout::{page, rate, seg};
use super::screen::snapshot;
use super::{labels, vocab, Ctx, PageError};

fn today_of(d: Option<&sup::Dashboard>) -> NaiveDate {
    d.and_then(|d| NaiveDate::parse_from_str(&d.date, "%Y-%m-%d").ok())
        .unwrap_or_else(|| onewindow_kit::clock::local_date(chrono::Utc::now()))
}

pub async fn overview(ctx: Ctx) -> Result<Response, PageError> {
    ctx.require_sign_in()?;
    let (dashboard, names) = tokio::join!(snapshot(&ctx), department_names(&ctx));
    let today = today_of(dashboard.as_ref());
    let client = ctx.supervision()?;
    let (mut c1, mut c2) = (client.clone(), client);
    let (counts, reds) = tokio::join!(
        c1.get_card_counts(ctx.req(sup::GetCardCountsRequest {
            from: (today - Duration::days(89)).to_string(),
            to: today.to_string(),
            group_by: sup::CardGrouping::Department as i32,
            ..Default::default()
        })),
        c2.list_warnings(ctx.req(sup::ListWarningsRequest {
            level: sup::WarningLevel::Red as i32,
            status: sup::WarningStatus::Open as i32,
            page_size: 10,
            ..Default::default()
        })),
    );
    let counts = counts.map_err(|s| ctx.error(&s))?.into_inner();
    let reds = reds.map_err(|s| ctx.error(&s))?.into_inner();
    let title = ctx.tr("电子监察", "Electronic supervision");
    let body = html! {
        h1 { (title) }
        @if let Some(d) = &dashboard {
            ul.figures {
                li { strong { (d.open_cases) } span { (ctx.tr("在办件", "Open cases")) } }
                li.early { strong { (d.open_early_warnings) } span { (ctx.tr("预警", "Early warnings")) } }
                li.yellow { strong { (d.open_yellow_cards) } span { (ctx.tr("黄牌", "Yellow cards")) } }
                li.red { strong { (d.open_red_cards) } span { (ctx.tr("红牌", "Red cards")) } }
                li { strong { (d.open_violations) } span { (ctx.tr("待处理违规", "Open violations")) } }
                li { strong { (d.open_complaints) } span { (ctx.tr("待办投诉", "Open complaints")) } }
            }
        }
        h2 { (ctx.tr("未结红牌", "Open red cards")) }
        (warning_table(&ctx, &reds.warnings, &names, false))
        p { a href="/supervision/warnings?level=WARNING_LEVEL_RED" { (ctx.tr("全部红牌", "Every red card")) " →" } }
        p { a href="/supervision/audit" { (ctx.tr("审计链校验", "Audit trail verification")) " →" } }
        h2 { (ctx.tr("近90天各部门亮牌", "Cards by department, last 90 days")) }
        (card_chart(&ctx, &counts.counts, &names))
    };
    Ok(page(&ctx, title, body).into_response())
}

fn card_chart(ctx: &Ctx, counts: &[sup::CardCount], names: &HashMap<String, String>) -> Markup {
    let rows: Vec<Bar> = counts
        .iter()
        .take(15)
        .map(|c| Bar {
            label: name_of(names, &c.department_id).to_string(),
            value: f64::from(c.red_cards * 2 + c.yellow_cards),
            shown: format!(
                "{} {} · {} {} · {} {}",
                ctx.tr("红", "red"),
                c.red_cards,
                ctx.tr("黄", "yellow"),
                c.yellow_cards,
                ctx.tr("预警", "early"),
                c.early_warnings
            ),
            class: if c.red_cards > 0 {
                "red"
            } else if c.yellow_cards > 0 {
                "yellow"
            } else {
                "early"
            },
        })
        .collect();
    html! {
        @if rows.is_empty() { p.meta { (ctx.tr("期间未亮牌。", "No cards in the period.")) } }
        @else { (bars(ctx.tr("亮牌数（红牌计二）", "Cards (red counts twice)"), &rows, 0.0)) }
    }
}

fn warning_table(
    ctx: &Ctx,
    warnings: &[sup::Warning],
    names: &HashMap<String, String>,
    publish: bool,
) -> Markup {
    html! {
        @if warnings.is_empty() {
            p.meta { (ctx.tr("没有符合条件的预警。", "No warning matches.")) }
        } @else {
            table.warnings {
                thead { tr {
                    th { (ctx.tr("级别", "Level")) } th { (ctx.tr("办件编号", "Case number")) } th { (ctx.t().stage) }
                    th { (ctx.t().department) } th { (ctx.tr("责任人", "Charged to")) } th { (ctx.tr("到期日", "Due")) }
                    th { (ctx.tr("亮牌日期", "Reached")) } th { (ctx.tr("状态", "Status")) }
                    @if publish { th { (ctx.tr("通报", "Notice")) } }
                } }
                tbody {
                    @for w in warnings {
                        @let (word, class) = vocab::warning_level(ctx.lang, w.level);
                        tr class=(class) {
                            td { span class={ "card " (class) } { (word) } }
                            td { a href={ "/cases/" (seg(&w.case_id)) } { (w.case_number) } }
                            td { @if w.scope == sup::WarningScope::Stage as i32 { (labels::stage(ctx.lang, w.stage)) } @else { (ctx.tr("整体时限", "Whole case")) } }
                            td { (name_of(names, &w.department_id)) }
                            td { (w.staff_subject) }
                            td { (w.due_date) }
                            td { (w.reached_on) }
                            td { (vocab::warning_status(ctx.lang, w.status)) }
                            @if publish {
                                td { @if w.level != sup::WarningLevel::Early as i32 {
                                    details {
                                        summary { (ctx.tr("发布通报", "Publish")) }
                                        form.stacked method="post" action="/supervision/bulletins" {
                                            (hidden(ctx))
                                            input type="hidden" name="kind" value=(sup::BulletinKind::Card.as_str_name());
                                            input type="hidden" name="warning_id" value=(w.id);
                                            label { (ctx.tr("标题", "Title")) input type="text" name="title" required maxlength="200"
                                                value={ (name_of(names, &w.department_id)) " " (word) " · " (w.case_number) }; }
                                            label { (ctx.tr("内容", "Text")) textarea name="body" rows="3" required maxlength="4000" {
                                                (w.case_number) " " (ctx.tr("超过办理时限，", "passed its due date ")) (w.due_date) (ctx.tr("，予以通报。", "; notice is given."))
                                            } }
                                            button type="submit" { (ctx.tr("发布", "Publish")) }
                                        }
                                    }
                                } }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct WarningParams {
    #[serde(default)]
    level: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    page_token: String,
}

const LEVELS: [sup::WarningLevel; 3] = [
    sup::WarningLevel::Early,
    sup::WarningLevel::Yellow,
    sup::WarningLevel::Red,
];

pub async fn warnings(ctx: Ctx, Query(p): Query<WarningParams>) -> Result<Response, PageError> {
    ctx.require_sign_in()?;
    let level = sup::WarningLevel::from_str_name(&p.level).unwrap_or_default();
    let status = sup::WarningStatus::from_str_name(&p.status).unwrap_or_default();
    let (list, names) = tokio::join!(
        async {
            ctx.supervision()?
                .list_warnings(ctx.req(sup::ListWarningsRequest {
                    level: level as i32,
                    status: status as i32,
                    page_size: 50,
                    page_token: p.page_token.clone(),
                    ..Default::default()
                }))
                .await
                .map_err(|s| ctx.error(&s))
        },
        department_names(&ctx),
    );
    let list = list?.into_inner();
    let title = ctx.tr("预警与亮牌", "Warnings and cards");
    let body = html! {
        h1 { (title) }
        form.filters method="get" action="/supervision/warnings" {
            label { (ctx.tr("级别", "Level")) " "
                select name="level" {
                    option value="" { (ctx.tr("全部", "All")) }
                    @for l in LEVELS { option value=(l.as_str_name()) selected[l == level] { (vocab::warning_level(ctx.lang, l as i32).0) } }
                }
            }
            " "
            label { (ctx.tr("状态", "Status")) " "
                select name="status" {
                    option value="" { (ctx.tr("全部", "All")) }
                    @for s in [sup::WarningStatus::Open, sup::WarningStatus::Closed] {
                        option value=(s.as_str_name()) selected[s == status] { (vocab::warning_status(ctx.lang, s as i32)) }
                    }
                }
            }
            " " button type="submit" { (ctx.tr("筛选", "Filter")) }
        }
        p { (ctx.t().total) " " (list.total_size) }
        (warning_table(&ctx, &list.warnings, &names, true))
        (pager("/supervision/warnings", &[("level", &p.level), ("status", &p.status)], &p.page_token, &list.next_page_token, &ctx))
    };
    Ok(page(&ctx, title, body).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct PeriodParams {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

pub async fn performance(ctx: Ctx, Query(p): Query<PeriodParams>) -> Result<Response, PageError> {
    ctx.require_sign_in()?;
    let (dashboard, names) = tokio::join!(snapshot(&ctx), department_names(&ctx));
    let today = today_of(dashboard.as_ref());
    let to = NaiveDate::parse_from_str(&p.to, "%Y-%m-%d").unwrap_or(today);
    let from = NaiveDate::parse_from_str(&p.from, "%Y-%m-%d").unwrap_or(to - Duration::days(89));
    let report = ctx
        .supervision()?
        .get_performance(ctx.req(sup::GetPerformanceRequest {
            from: from.to_string(),
            to: to.to_string(),
            ..Default::default()
        }))
        .await
        .map_err(|s| ctx.error(&s))?
        .into_inner();
    let bar = |value: f64, shown: String, class: &'static str, key: &str| Bar {
        label: name_of(&names, key).to_string(),
        value,
        shown,
        class,
    };
    let scores: Vec<Bar> = report
        .rows
        .iter()
        .map(|r| bar(r.score, format!("{:.1}", r.score), "good", &r.key))
        .collect();
    // A department that concluded nothing has no rate to draw; the table still lists it.
    let on_time: Vec<Bar> = report
        .rows
        .iter()
        .filter(|r| r.figures.is_some_and(|f| f.concluded > 0))
        .map(|r| {
            let f = r.figures.unwrap_or_default();
            let share = f.on_time_rate;
            let class = if share >= 0.9 {
                "good"
            } else if share >= 0.8 {
                "yellow"
            } else {
                "red"
            };
            bar(share, rate(share, f.concluded), class, &r.key)
        })
        .collect();
    let total = report.total.unwrap_or_default();
    let weights = report.weights.unwrap_or_default();
    let title = ctx.tr("绩效排名", "Performance ranking");
    let body = html! {
        h1 { (title) }
        form.filters method="get" action="/supervision/performance" {
            label { (ctx.tr("自", "From")) " " input type="date" name="from" value=(from.to_string()); }
            " " label { (ctx.tr("至", "To")) " " input type="date" name="to" value=(to.to_string()); }
            " " button type="submit" { (ctx.tr("统计", "Show")) }
        }
        ul.figures {
            li { strong { (total.accepted) } span { (ctx.tr("受理", "Accepted")) } }
            li { strong { (total.concluded) } span { (ctx.tr("办结", "Concluded")) } }
            li { strong { (rate(total.on_time_rate, total.concluded)) } span { (ctx.tr("按时办结率", "On time")) } }
            li.red { strong { (total.red_cards) } span { (ctx.tr("红牌", "Red cards")) } }
            li { strong { (rate(total.good_rate, total.evaluations)) } span { (ctx.tr("好评率", "Good ratings")) } }
            li { strong { (total.complaints) } span { (ctx.tr("投诉", "Complaints")) } }
        }
        p.meta { (ctx.tr("综合得分权重", "Score weights")) ": "
            (ctx.tr("按时", "on time")) " " (weights.on_time) " · " (ctx.tr("速度", "speed")) " " (weights.speed) " · "
            (ctx.tr("满意度", "satisfaction")) " " (weights.satisfaction) " · " (ctx.tr("纪律", "discipline")) " " (weights.discipline) }
        div.charts {
            (bars(ctx.tr("综合得分", "Composite score"), &scores, 100.0))
            (bars(ctx.tr("按时办结率", "On-time rate"), &on_time, 1.0))
        }
        table.performance {
            thead { tr {
                th.num { (ctx.tr("排名", "Rank")) } th { (ctx.t().department) } th.num { (ctx.tr("受理", "Accepted")) } th.num { (ctx.tr("办结", "Concluded")) }
                th.num { (ctx.tr("按时率", "On time")) } th.num { (ctx.tr("平均用时", "Days used")) } th.num { (ctx.tr("承诺时限", "Promised")) }
                th.num { (ctx.tr("黄牌", "Yellow")) } th.num { (ctx.tr("红牌", "Red")) } th.num { (ctx.tr("违规", "Violations")) }
                th.num { (ctx.tr("好评率", "Good")) } th.num { (ctx.tr("投诉", "Complaints")) } th.num { (ctx.tr("得分", "Score")) }
            } }
            tbody { @for r in &report.rows {
                @let f = r.figures.unwrap_or_default();
                tr {
                    td.num { (r.rank) } td { (name_of(&names, &r.key)) } td.num { (f.accepted) } td.num { (f.concluded) }
                    td.num { (rate(f.on_time_rate, f.concluded)) } td.num { (format!("{:.1}", f.average_working_days)) } td.num { (format!("{:.1}", f.average_promised_days)) }
                    td.num { (f.yellow_cards) } td.num { (f.red_cards) } td.num { (f.violations) }
                    td.num { (rate(f.good_rate, f.evaluations)) } td.num { (f.complaints) } td.num { strong { (format!("{:.1}", r.score)) } }
                }
            } }
        }
    };
    Ok(page(&ctx, title, body).into_response())
}

pub async fn publish_bulletin(ctx: Ctx, f: Fields) -> Result<Response, PageError> {
    ctx.require_sign_in()?;
    let back = "/supervision/warnings";
    ctx.check_csrf(f.csrf()).map_err(|e| e.back_to(back))?;
    ctx.supervision()?
        .publish_bulletin(ctx.req(sup::PublishBulletinRequest {
            request_id: f.request_id(),
            kind:
                sup::BulletinKind::from_str_name(f.get("kind")).unwrap_or(sup::BulletinKind::Notice)
                    as i32,
            title: f.get("title").into(),
            body: f.get("body").into(),
            warning_id: f.get("warning_id").into(),
            violation_id: f.get("violation_id").into(),
            department_id: f.get("department_id").into(),
            region_code: String::new(),
        }))
        .await
        .map_err(|s| ctx.error(&s).back_to(back))?;
    Ok(Redirect::to("/bulletins").into_response())
}
