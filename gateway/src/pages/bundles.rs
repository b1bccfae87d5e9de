//! One-stop bundle cases (一条龙): the list a reader may see, and one bundle case with every
//! stage and every department's child case, the late departments marked, so that a joint
//! approval that does not coordinate shows who holds it up.

use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use maud::html;
use onewindow_proto::cases::v1 as pb;
use serde::Deserialize;

use super::case_page::remaining_words;
use super::directory::{department_names, name_of};
use super::inbox::pager;
use super::layout::{page, seg, when};
use super::{vocab, Ctx, PageError};

#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    #[serde(default)]
    late: String,
    #[serde(default)]
    page_token: String,
}

pub async fn list(ctx: Ctx, Query(p): Query<ListParams>) -> Result<Response, PageError> {
    ctx.require_sign_in()?;
    let late_only = p.late == "1";
    let list = ctx
        .cases()?
        .list_bundle_cases(ctx.req(pb::ListBundleCasesRequest {
            late_only,
            page_size: 50,
            page_token: p.page_token.clone(),
            ..Default::default()
        }))
        .await
        .map_err(|s| ctx.error(&s))?
        .into_inner();
    let names = department_names(&ctx).await;
    let title = ctx.tr("一条龙办件", "Bundle cases");
    let body = html! {
        h1 { (title) }
        nav.filters {
            a href="/bundle-cases" aria-current=[(!late_only).then_some("page")] { (ctx.tr("全部", "All")) }
            a href="/bundle-cases?late=1" aria-current=[late_only.then_some("page")] { (ctx.tr("有部门超时", "With a late department")) }
        }
        @if list.bundle_cases.is_empty() {
            p { (ctx.tr("没有一条龙办件。", "No bundle cases.")) }
        } @else {
            table.cases {
                thead { tr {
                    th { (ctx.tr("办件编号", "Case number")) } th { (ctx.tr("一条龙", "Bundle")) } th { (ctx.t().lead_department) }
                    th { (ctx.tr("状态", "State")) } th { (ctx.tr("到期日", "Due")) } th { (ctx.tr("超时部门", "Late departments")) }
                } }
                tbody {
                    @for b in &list.bundle_cases {
                        @let (_, class) = vocab::case_warning(ctx.lang, b.warning);
                        tr class=(class) {
                            td { a href={ "/bundle-cases/" (seg(&b.id)) } { (b.case_number) } }
                            td { (b.bundle_name) }
                            td { (name_of(&names, &b.lead_department_id)) }
                            td { (vocab::bundle_state(ctx.lang, b.state)) }
                            td { (b.due_date) }
                            td { @for d in &b.late_department_ids { span.card.red { (name_of(&names, d)) } " " } }
                        }
                    }
                }
            }
        }
        (pager("/bundle-cases", &[("late", &p.late)], &p.page_token, &list.next_page_token, &ctx))
    };
    Ok(page(&ctx, title, body).into_response())
}

pub async fn bundle_case(
    ctx: Ctx,
    Path(bundle_case_id): Path<String>,
) -> Result<Response, PageError> {
    ctx.require_sign_in()?;
    let b = ctx
        .cases()?
        .get_bundle_case(ctx.req(pb::GetBundleCaseRequest { bundle_case_id }))
        .await
        .map_err(|s| ctx.error(&s))?
        .into_inner();
    let names = department_names(&ctx).await;
    let (warning, class) = vocab::case_warning(ctx.lang, b.warning);
    let late = |d: &str| b.late_department_ids.iter().any(|l| l == d);
    let body = html! {
        p.crumbs { a href="/bundle-cases" { (ctx.tr("一条龙办件", "Bundle cases")) } " › " (b.case_number) }
        h1 { (b.bundle_name) }
        p.status-line {
            span.badge.state { (vocab::bundle_state(ctx.lang, b.state)) }
            @if !class.is_empty() {
                " " span class={ "card " (class) } { (warning) }
                " " span.remaining { (remaining_words(&ctx, b.remaining_working_days)) }
            }
        }
        @if !b.late_department_ids.is_empty() {
            p.error role="alert" {
                strong { (ctx.tr("超时部门：", "Late departments: ")) }
                @for (i, d) in b.late_department_ids.iter().enumerate() {
                    @if i > 0 { "、" } (name_of(&names, d))
                }
            }
        }
        dl.facts {
            dt { (ctx.tr("办件编号", "Case number")) } dd { strong { (b.case_number) } }
            dt { (ctx.t().lead_department) } dd { (name_of(&names, &b.lead_department_id)) }
            @if let Some(a) = &b.applicant { dt { (ctx.tr("申请人", "Applicant")) } dd { (a.name) } }
            dt { (ctx.tr("申请时间", "Submitted")) } dd { (when(b.submitted_at.as_ref())) }
            @if !b.accepted_on.is_empty() {
                dt { (ctx.tr("开始计时", "Clock started")) } dd { (b.accepted_on) }
                dt { (ctx.t().bundle_promised) } dd.limit { (b.due_date) }
            }
            @if b.outcome != 0 {
                dt { (ctx.tr("办理结果", "Outcome")) } dd { (vocab::outcome(ctx.lang, b.outcome)) }
            }
        }
        h2 { (ctx.t().stages) }
        p.meta { (ctx.t().parallel_note) }
        @for stage in &b.stages {
            section.bundle-stage {
                h3 { (stage.index + 1) ". " (stage.name) " " span.badge { (vocab::bundle_stage_state(ctx.lang, stage.state)) } }
                @if stage.children.is_empty() {
                    p.meta { (ctx.tr("本阶段尚未开始。", "This stage has not started.")) }
                } @else {
                    table.progress {
                        thead { tr {
                            th { (ctx.t().department) } th { (ctx.tr("事项", "Service")) } th { (ctx.tr("办件编号", "Case number")) }
                            th { (ctx.tr("状态", "State")) } th { (ctx.tr("受理日期", "Accepted")) } th { (ctx.tr("到期日", "Due")) }
                        } }
                        tbody {
                            @for c in &stage.children {
                                @let is_late = c.late || (late(&c.department_id) && c.state != pb::CaseState::Concluded as i32);
                                tr class=[is_late.then_some("red")] {
                                    td { (name_of(&names, &c.department_id))
                                        @if is_late { " " span.card.red { (ctx.tr("超时", "late")) } } }
                                    td { (c.item_name) }
                                    td { a href={ "/cases/" (seg(&c.case_id)) } { (c.case_number) } }
                                    td { (vocab::case_state(ctx.lang, c.state)) @if c.outcome != 0 { " · " (vocab::outcome(ctx.lang, c.outcome)) } }
                                    td { (c.accepted_on) }
                                    td { (c.due_date) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page(&ctx, &b.case_number, body).into_response())
}
