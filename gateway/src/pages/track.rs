//! Progress lookup without an account (LookupCase: case number and query code) with the
//! timeline and due date, and the evaluation (好评差评) of a concluded case. The code is
//! posted, never put in a URL, so that it stays out of histories and logs.

use std::collections::HashMap;

use axum::extract::Query;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use onewindow_proto::cases::v1 as pb;
use onewindow_proto::supervision::v1 as sup;
use serde::Deserialize;

use super::case_page::timeline;
use super::directory::{department_names, name_of};
use super::forms::{hidden, Fields};
use super::layout::{page, when};
use super::{labels, vocab, Ctx, PageError};

#[derive(Debug, Default, Deserialize)]
pub struct Prefill {
    #[serde(default)]
    case_number: String,
}

fn lookup_form(ctx: &Ctx, case_number: &str) -> Markup {
    html! {
        form.stacked method="post" action="/track" {
            (hidden(ctx))
            label { (ctx.tr("办件编号", "Case number"))
                input type="text" name="case_number" value=(case_number) required maxlength="40"
                    placeholder="140200-2026-000123" autocomplete="off"; }
            label { (ctx.tr("查询码", "Query code"))
                input type="password" name="query_code" required maxlength="16" autocomplete="off"; }
            button type="submit" { (ctx.tr("查询", "Look up")) }
        }
    }
}

pub async fn form(ctx: Ctx, Query(prefill): Query<Prefill>) -> Response {
    let title = ctx.tr("办件进度查询", "Follow a case");
    let body = html! {
        h1 { (title) }
        p { (ctx.tr("输入申请时取得的办件编号和查询码，查看办理进度、承诺办结日期和办理过程。",
                    "Enter the case number and the query code given when you applied to see where the case stands, its due date and what happened.")) }
        (lookup_form(&ctx, &prefill.case_number))
        p.meta { a href="/complaints/status" { (ctx.tr("查询投诉举报办理情况", "Follow a complaint")) } }
    };
    page(&ctx, title, body).into_response()
}

pub async fn lookup(ctx: Ctx, fields: Fields) -> Result<Response, PageError> {
    ctx.check_csrf(fields.csrf())
        .map_err(|e| e.back_to("/track"))?;
    let case_number = fields.get("case_number").to_string();
    let query_code = fields.get("query_code").to_string();
    let found = ctx
        .cases()?
        .lookup_case(ctx.req(pb::LookupCaseRequest {
            case_number: case_number.clone(),
            query_code: query_code.clone(),
        }))
        .await;
    let case = match found {
        Ok(c) => c.into_inner(),
        Err(s) if s.code() == tonic::Code::NotFound => {
            let title = ctx.tr("办件进度查询", "Follow a case");
            let body = html! {
                h1 { (title) }
                p.error role="alert" { (ctx.tr("办件编号或查询码不正确。", "No case matches that number and query code.")) }
                (lookup_form(&ctx, &case_number))
            };
            return Ok((axum::http::StatusCode::NOT_FOUND, page(&ctx, title, body)).into_response());
        }
        Err(s) => return Err(ctx.error(&s).back_to("/track")),
    };
    let names = department_names(&ctx).await;
    let title = format!("{} · {}", case.case_number, case.name);
    let body = html! {
        h1 { (case.name) }
        (public_case(&ctx, &case, &names))
        @if case.state == pb::CaseState::Concluded as i32 && !case.is_bundle {
            (evaluation_form(&ctx, &case.case_number, &query_code))
        }
    };
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        page(&ctx, &title, body),
    )
        .into_response())
}

fn public_case(ctx: &Ctx, case: &pb::PublicCase, names: &HashMap<String, String>) -> Markup {
    let t = ctx.t();
    html! {
        dl.facts {
            dt { (ctx.tr("办件编号", "Case number")) } dd { strong { (case.case_number) } }
            dt { (t.department) } dd { (name_of(names, &case.department_id)) }
            dt { (ctx.tr("申请人", "Applicant")) } dd { @if let Some(a) = &case.applicant { (a.name) } }
            dt { (ctx.tr("办理状态", "State")) } dd { strong.state { (vocab::case_state(ctx.lang, case.state)) } }
            @if case.current_stage != 0 {
                dt { (ctx.tr("当前环节", "Current stage")) } dd { (labels::stage(ctx.lang, case.current_stage)) }
            }
            dt { (ctx.tr("申请时间", "Submitted")) } dd { (when(case.submitted_at.as_ref())) }
            @if !case.accepted_on.is_empty() {
                dt { (ctx.tr("受理日期", "Accepted on")) } dd { (case.accepted_on) }
            }
            @if !case.planned_due_date.is_empty() {
                dt { (ctx.tr("承诺办结日期", "Due by")) } dd.limit { (case.planned_due_date) }
            }
            @if let Some(o) = &case.outcome {
                dt { (ctx.tr("办理结果", "Outcome")) } dd {
                    (vocab::outcome(ctx.lang, o.kind))
                    @if !o.result_reference.is_empty() { " · " (o.result_reference) }
                    @if !o.concluded_on.is_empty() { " · " (o.concluded_on) }
                }
            }
        }
        @if !case.supplement_items.is_empty() {
            section.notice {
                h2 { (ctx.tr("需要补正的材料（一次性告知）", "Materials to supplement (one-time notice)")) }
                ul { @for i in &case.supplement_items { li { code { (i.material_id) } " " (i.problem) } } }
            }
        }
        @if case.is_bundle {
            h2 { (ctx.tr("各部门办理情况", "Each department's part")) }
            table {
                thead { tr {
                    th { (ctx.tr("事项", "Service")) } th { (t.department) } th { (ctx.tr("状态", "State")) } th { (ctx.tr("承诺办结日期", "Due by")) }
                } }
                tbody {
                    @for c in &case.children {
                        tr { td { (c.name) } td { (name_of(names, &c.department_id)) }
                             td { (vocab::case_state(ctx.lang, c.state)) } td { (c.planned_due_date) } }
                    }
                }
            }
        }
        h2 { (ctx.tr("办理过程", "What happened")) }
        (timeline(ctx, &case.timeline))
    }
}

fn evaluation_form(ctx: &Ctx, case_number: &str, query_code: &str) -> Markup {
    html! {
        section.evaluate {
            h2 { (ctx.tr("服务评价", "Rate the service")) }
            p { (ctx.tr("您的评价直接送达电子监察室，差评将启动整改和回访。",
                        "Your rating goes to the supervision office; a bad one starts a rectification and a call-back.")) }
            form.stacked method="post" action="/evaluate" {
                (hidden(ctx))
                input type="hidden" name="case_number" value=(case_number);
                input type="hidden" name="query_code" value=(query_code);
                fieldset.rating {
                    legend { (ctx.tr("总体评价", "Overall")) }
                    @for r in vocab::RATINGS {
                        label { input type="radio" name="rating" value=(r.as_str_name()) required; " " (vocab::rating(ctx.lang, r as i32)) }
                    }
                }
                table.dimensions {
                    thead { tr { th { (ctx.tr("评价维度", "Dimension")) } @for r in vocab::RATINGS { th { (vocab::rating(ctx.lang, r as i32)) } } } }
                    tbody {
                        @for d in vocab::DIMENSIONS {
                            tr {
                                th scope="row" { (vocab::dimension(ctx.lang, d as i32)) }
                                @for r in vocab::RATINGS {
                                    td { input type="radio" name=(d.as_str_name()) value=(r.as_str_name())
                                        aria-label={ (vocab::dimension(ctx.lang, d as i32)) " " (vocab::rating(ctx.lang, r as i32)) }; }
                                }
                            }
                        }
                    }
                }
                label { (ctx.tr("意见建议（可选）", "Comment (optional)"))
                    textarea name="comment" rows="3" maxlength="1000" {} }
                button type="submit" { (ctx.tr("提交评价", "Send the rating")) }
            }
        }
    }
}

pub async fn evaluate(ctx: Ctx, fields: Fields) -> Result<Response, PageError> {
    ctx.check_csrf(fields.csrf())
        .map_err(|e| e.back_to("/track"))?;
    let dimensions = vocab::DIMENSIONS
        .iter()
        .filter_map(|d| {
            sup::Rating::from_str_name(fields.get(d.as_str_name())).map(|r| sup::DimensionRating {
                dimension: *d as i32,
                rating: r as i32,
            })
        })
        .collect();
    let rating =
        sup::Rating::from_str_name(fields.get("rating")).unwrap_or(sup::Rating::Unspecified);
    let evaluation = ctx
        .supervision()?
        .submit_evaluation(ctx.req(sup::SubmitEvaluationRequest {
            request_id: fields.request_id(),
            case_number: fields.get("case_number").to_string(),
            query_code: fields.get("query_code").to_string(),
            rating: rating as i32,
            dimensions,
            comment: fields.get("comment").to_string(),
        }))
        .await
        .map_err(|s| ctx.error(&s).back_to("/track"))?
        .into_inner();
    let title = ctx.tr("感谢您的评价", "Thank you for your rating");
    let body = html! {
        h1 { (title) }
        p.done role="status" {
            (evaluation.case_number) ": " strong.rating { (vocab::rating(ctx.lang, evaluation.rating)) }
        }
        @if !evaluation.rectification_id.is_empty() {
            p { (ctx.tr("我们已将您的意见交办整改，并将回访您。", "Your rating has opened a rectification; you will be called back.")) }
        }
        p { a href="/" { (ctx.t().back_home) } }
    };
    Ok(page(&ctx, title, body).into_response())
}
