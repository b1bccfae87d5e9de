//! Public resource trading (公共资源交易): announcements by category and state, and a
//! project's page with its lots, periods, amendments, opening record, panel, ranking,
//! awards, objections and contracts; trading agents also see the actions its state allows.

use axum::extract::{Path, Query, RawQuery};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use onewindow_proto::trading::v1 as pb;
use serde::Deserialize;

use super::forms::{done_notice, done_param};
use super::inbox::pager;
use super::labels::yuan;
use super::layout::{page, seg, when};
use super::trading_actions::panel;
use super::{vocab, Ctx, PageError};

#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    #[serde(default)]
    category: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    page_token: String,
}

pub async fn projects(ctx: Ctx, Query(p): Query<ListParams>) -> Result<Response, PageError> {
    let category = pb::Category::from_str_name(&p.category).unwrap_or_default();
    let state = pb::ProjectState::from_str_name(&p.state).unwrap_or_default();
    let list = ctx
        .trading()?
        .list_projects(ctx.req(pb::ListProjectsRequest {
            category: category as i32,
            state: state as i32,
            page_size: 30,
            page_token: p.page_token.clone(),
        }))
        .await
        .map_err(|s| ctx.error(&s))?
        .into_inner();
    let title = ctx.tr("公共资源交易", "Public resource trading");
    let body = html! {
        h1 { (title) }
        p { (ctx.tr("政府采购、建设工程招投标、国有土地使用权出让和产权交易统一在平台公开：交易公告、开标记录和中标结果。",
                    "Government procurement, construction tendering, land-use rights and property rights on one platform: announcements, opening records and awards.")) }
        form.filters method="get" action="/trading" {
            label { (ctx.tr("类别", "Category")) " "
                select name="category" {
                    option value="" { (ctx.tr("全部", "All")) }
                    @for c in vocab::CATEGORIES {
                        option value=(c.as_str_name()) selected[c == category] { (vocab::category(ctx.lang, c as i32)) }
                    }
                }
            }
            " "
            label { (ctx.tr("状态", "State")) " "
                select name="state" {
                    option value="" { (ctx.tr("全部", "All")) }
                    @for s in vocab::PROJECT_STATES {
                        option value=(s.as_str_name()) selected[s == state] { (vocab::project_state(ctx.lang, s as i32)) }
                    }
                }
            }
            " " button type="submit" { (ctx.tr("筛选", "Filter")) }
        }
        @if list.projects.is_empty() {
            p { (ctx.tr("没有符合条件的项目。", "No project matches.")) }
        } @else {
            table.projects {
                thead { tr {
                    th { (ctx.tr("项目编号", "Code")) } th { (ctx.tr("项目名称", "Title")) } th { (ctx.tr("类别", "Category")) }
                    th { (ctx.tr("方式", "Method")) } th { (ctx.tr("状态", "State")) } th { (ctx.tr("投标截止", "Bid deadline")) }
                } }
                tbody {
                    @for pr in &list.projects {
                        tr {
                            td { code { (pr.code) } }
                            td { a href={ "/trading/" (seg(&pr.id)) } { (pr.title) } }
                            td { (vocab::category(ctx.lang, pr.category)) }
                            td { (vocab::method(ctx.lang, pr.method)) }
                            td { span.badge { (vocab::project_state(ctx.lang, pr.state)) } }
                            td { (when(pr.periods.as_ref().and_then(|x| x.bid_deadline.as_ref()))) }
                        }
                    }
                }
            }
        }
        (pager("/trading", &[("category", &p.category), ("state", &p.state)], &p.page_token, &list.next_page_token, &ctx))
    };
    Ok(page(&ctx, title, body).into_response())
}

pub async fn project(
    ctx: Ctx,
    Path(project_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let mut client = ctx.trading()?;
    let p = client
        .get_project(ctx.req(pb::GetProjectRequest {
            project_id: project_id.clone(),
        }))
        .await
        .map_err(|s| ctx.error(&s))?
        .into_inner();
    // The opening record is published on its own; the project carries it once opened.
    let opening = match &p.opening {
        Some(o) => Some(o.clone()),
        None => client
            .get_opening_record(ctx.req(pb::GetOpeningRecordRequest { project_id }))
            .await
            .ok()
            .map(|r| r.into_inner()),
    };
    let done = done_param(query.as_deref());
    let body = html! {
        p.crumbs { a href="/trading" { (ctx.tr("公共资源交易", "Public trading")) } " › " (p.code) }
        h1 { (p.title) }
        p.status-line {
            span.badge.state { (vocab::project_state(ctx.lang, p.state)) } " "
            span.badge { (vocab::category(ctx.lang, p.category)) } " "
            span.badge { (vocab::method(ctx.lang, p.method)) }
        }
        (done_notice(&ctx, done.as_deref()))
        (panel(&ctx, &p))
        (announcement(&ctx, &p))
        @if let Some(o) = &opening { (opening_record(&ctx, o)) }
        (results(&ctx, &p))
    };
    Ok(page(&ctx, &p.title, body).into_response())
}

fn party(ctx: &Ctx, label: &str, p: Option<&pb::Party>) -> Markup {
    html! {
        @if let Some(p) = p {
            dt { (label) } dd {
                (p.name)
                @if !p.contact_name.is_empty() || !p.contact_phone.is_empty() {
                    br; span.meta { (ctx.tr("联系人", "Contact")) ": " (p.contact_name) " " (p.contact_phone) }
                }
            }
        }
    }
}

fn announcement(ctx: &Ctx, p: &pb::Project) -> Markup {
    let periods = p.periods.unwrap_or_default();
    html! {
        section {
            h2 { (ctx.tr("交易公告", "Announcement")) }
            p { (p.description) }
            dl.facts {
                dt { (ctx.tr("项目编号", "Code")) } dd { code { (p.code) } }
                (party(ctx, ctx.tr("采购人/招标人/出让人", "Owner"), p.owner.as_ref()))
                (party(ctx, ctx.tr("代理机构", "Agency"), p.agency.as_ref()))
                dt { (ctx.tr("公告发布", "Announced")) } dd { (when(periods.announced_at.as_ref())) }
                @if periods.enquiry_end.is_some() { dt { (ctx.tr("答疑截止", "Questions until")) } dd { (when(periods.enquiry_end.as_ref())) } }
                dt { (ctx.tr("投标开始", "Bids from")) } dd { (when(periods.bid_start.as_ref())) }
                dt { (ctx.tr("投标截止", "Bid deadline")) } dd.limit { (when(periods.bid_deadline.as_ref())) }
                @if periods.opening_at.is_some() { dt { (ctx.tr("开标时间", "Opening")) } dd { (when(periods.opening_at.as_ref())) } }
                @if periods.evaluation_end.is_some() {
                    dt { (ctx.tr("评标截止", "Evaluation ends")) }
                    dd { (when(periods.evaluation_end.as_ref())) @if evaluated_late(p) { " " span.card.red { (ctx.tr("评标超期", "evaluated late")) } } }
                }
                @if periods.award_publicity_end.is_some() { dt { (ctx.tr("公示截止", "Publicity ends")) } dd { (when(periods.award_publicity_end.as_ref())) } }
                @if let Some(e) = &p.evaluation {
                    dt { (ctx.tr("评标办法", "Evaluation")) } dd {
                        @if e.method == pb::EvaluationMethod::Scoring as i32 {
                            (ctx.tr("综合评分法", "Scoring")) " (" (ctx.tr("价格", "price")) " " (e.price_weight) "% · "
                            (ctx.tr("技术", "technical")) " " (e.technical_weight) "% · " (ctx.tr("商务", "commercial")) " " (e.commercial_weight) "%)"
                        } @else { (ctx.tr("最低评标价法", "Lowest price")) }
                        @if !e.expert_specialty.is_empty() { " · " (e.expert_specialty) " × " (e.panel_size) }
                    }
                }
                @if !p.cancel_reason.is_empty() { dt { (ctx.tr("终止原因", "Why cancelled")) } dd { (p.cancel_reason) } }
                @if !p.failure_reason.is_empty() { dt { (ctx.tr("流标原因", "Why it failed")) } dd { (p.failure_reason) } }
            }
            h3 { (ctx.tr("标段", "Lots")) }
            table {
                thead { tr { th { (ctx.tr("标段", "Lot")) } th { (ctx.tr("名称", "Title")) } th.num { (ctx.tr("预算/起始价（元）", "Budget or reserve (yuan)")) } th { (ctx.tr("状态", "State")) } } }
                tbody { @for l in &p.lots {
                    tr { td { (l.id) } td { (l.title) } td.num { (yuan(l.budget_fen)) } td { @if l.failed { span.card.red { (ctx.tr("流标", "failed")) } } } }
                } }
            }
            @if !p.amendments.is_empty() {
                h3 { (ctx.tr("澄清与修改", "Amendments")) }
                ul { @for a in &p.amendments {
                    li { (when(a.at.as_ref())) " · " (a.summary)
                        @if a.material { " " span.badge { (ctx.tr("实质性修改，截止时间顺延至", "material; deadline now")) " " (when(a.new_deadline.as_ref())) } } }
                } }
            }
            @if let Some(a) = &p.auction {
                h3 { (ctx.tr("竞价情况", "Quoting")) }
                dl.facts {
                    dt { (ctx.tr("当前最高报价（元）", "Highest quote (yuan)")) } dd.limit { (yuan(a.highest_fen)) }
                    dt { (ctx.tr("竞买号", "Bidder number")) } dd { (a.highest_bidder_number) }
                    dt { (ctx.tr("报价次数", "Quotes")) } dd { (a.quote_count) }
                    dt { (ctx.tr("截止", "Ends")) } dd { (when(a.end.as_ref())) }
                }
            }
        }
    }
}

/// Whether the panel's evaluation came after the end of the evaluation period (it is not
/// refused then, but supervision should see it).
fn evaluated_late(p: &pb::Project) -> bool {
    let end = p.periods.as_ref().and_then(|x| x.evaluation_end.as_ref());
    let at = p
        .evaluation_result
        .as_ref()
        .and_then(|e| e.evaluated_at.as_ref());
    matches!((end, at), (Some(end), Some(at)) if (at.seconds, at.nanos) > (end.seconds, end.nanos))
}

fn opening_record(ctx: &Ctx, o: &pb::OpeningRecord) -> Markup {
    html! {
        section {
            h2 { (ctx.tr("开标记录", "Opening record")) }
            p.meta { (ctx.tr("开标时间", "Opened")) " " (when(o.opened_at.as_ref())) " · " (ctx.tr("专家抽取种子", "Draw seed")) " " code { (o.draw_seed) } }
            table.opening {
                thead { tr { th { (ctx.tr("标段", "Lot")) } th { (ctx.tr("投标人", "Bidder")) } th.num { (ctx.tr("报价（元）", "Price (yuan)")) } th { (ctx.tr("有效性", "Valid")) } } }
                tbody { @for b in &o.bids {
                    tr class=[(!b.valid).then_some("late")] {
                        td { (b.lot_id) }
                        td { @if let Some(p) = &b.bidder { (p.name) } }
                        td.num { (yuan(b.price_fen)) }
                        td { @if b.valid { (ctx.tr("有效", "valid")) } @else { (ctx.tr("无效", "invalid")) ": " (b.invalid_reasons.join("；")) } }
                    }
                } }
            }
            @if o.failed { p.error { (ctx.tr("有效投标不足，项目流标。", "Too few valid bids: the project failed.")) } }
        }
    }
}

fn results(ctx: &Ctx, p: &pb::Project) -> Markup {
    html! {
        @if let Some(panel) = &p.panel {
            section {
                h2 { (ctx.tr("评标委员会", "Evaluation panel")) }
                ul { @for m in &panel.members { li { (m.name) " · " span.meta { (m.organization) } } } }
            }
        }
        @if let Some(e) = &p.evaluation_result {
            @let scored = e.method == pb::EvaluationMethod::Scoring as i32;
            section {
                h2 { (ctx.tr("评标结果", "Ranking")) }
                table {
                    thead { tr { th.num { (ctx.tr("名次", "Rank")) } th { (ctx.tr("标段", "Lot")) } th { (ctx.tr("投标人", "Bidder")) } th.num { (ctx.tr("报价（元）", "Price")) } @if scored { th.num { (ctx.tr("总分", "Score")) } } } }
                    tbody { @for r in &e.ranking {
                        tr { td.num { (r.rank) } td { (r.lot_id) } td { @if let Some(b) = &r.bidder { (b.name) } } td.num { (yuan(r.price_fen)) } @if scored { td.num { (format!("{:.2}", r.total_score as f64 / 100.0)) } } }
                    } }
                }
            }
        }
        @if !p.awards.is_empty() {
            section {
                h2 { (ctx.tr("中标（成交）结果", "Awards")) }
                table.awards {
                    thead { tr { th { (ctx.tr("标段", "Lot")) } th { (ctx.tr("中标人", "Supplier")) } th.num { (ctx.tr("中标金额（元）", "Value (yuan)")) } th { (ctx.tr("状态", "State")) } th { (ctx.tr("公示时间", "Publicized")) } } }
                    tbody { @for a in &p.awards {
                        tr { td { (a.lot_id) } td { @if let Some(s) = &a.supplier { strong { (s.name) } } } td.num { (yuan(a.value_fen)) }
                             td { (vocab::award_status(ctx.lang, a.status)) } td { (when(a.publicized_at.as_ref())) } }
                    } }
                }
            }
        }
        @if !p.objections.is_empty() {
            section {
                h2 { (ctx.tr("质疑", "Objections")) }
                @for o in &p.objections {
                    article.objection {
                        p { strong { @if let Some(x) = &o.objector { (x.name) } } " · " (when(o.filed_at.as_ref())) " · " span.badge { (vocab::objection_status(ctx.lang, o.status)) } }
                        p { (o.text) }
                        @if !o.answer.is_empty() { p.meta { (ctx.tr("答复", "Answer")) ": " (o.answer) } }
                    }
                }
            }
        }
        @if !p.contracts.is_empty() {
            section {
                h2 { (ctx.tr("合同", "Contracts")) }
                table { thead { tr { th { (ctx.tr("合同名称", "Title")) } th.num { (ctx.tr("金额（元）", "Value (yuan)")) } th { (ctx.tr("签订日期", "Signed")) } } }
                    tbody { @for c in &p.contracts { tr { td { (c.title) } td.num { (yuan(c.value_fen)) } td { (c.signed_on) } } } } }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use prost_types::Timestamp;

    use super::*;

    fn project(end: Option<i64>, evaluated: Option<i64>) -> pb::Project {
        let at = |seconds| Timestamp { seconds, nanos: 0 };
        pb::Project {
            periods: Some(pb::Periods {
                evaluation_end: end.map(at),
                ..Default::default()
            }),
            evaluation_result: evaluated.map(|s| pb::Evaluation {
                evaluated_at: Some(at(s)),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn an_evaluation_after_the_end_of_its_period_is_late() {
        assert!(evaluated_late(&project(Some(1_000), Some(1_001))));
        assert!(!evaluated_late(&project(Some(1_000), Some(1_000))));
        assert!(
            !evaluated_late(&project(Some(1_000), None)),
            "not evaluated yet"
        );
        assert!(
            !evaluated_late(&project(None, Some(1_001))),
            "no period set"
        );
    }
}
