//! Complaints and reports to the supervision office (举报监督), anonymous if wished, and
//! their status by tracking number and secret. The secret is shown once, as it is stored
//! only as a hash.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use onewindow_proto::catalog::v1 as catalog;
use onewindow_proto::supervision::v1 as sup;

use super::forms::{hidden, Fields};
use super::layout::{page, when};
use super::{vocab, Ctx, PageError};

pub async fn form(ctx: Ctx) -> Result<Response, PageError> {
    let departments = ctx
        .catalog()?
        .list_departments(ctx.req(catalog::ListDepartmentsRequest::default()))
        .await
        .map(|r| r.into_inner().departments)
        .unwrap_or_default();
    let title = ctx.tr("投诉举报", "Complaints and reports");
    let body = html! {
        h1 { (title) }
        p { (ctx.tr("对窗口服务、审批办理或公共资源交易有意见，可向电子监察室投诉或举报。可以匿名；实名投诉便于我们回访。",
                    "Complain about a window's service, an approval or a trading project, or report misconduct, to the supervision office. You may stay anonymous; with a name we can call you back.")) }
        form.stacked method="post" action="/complaints" {
            (hidden(&ctx))
            fieldset.choice {
                legend { (ctx.tr("类型", "Kind")) }
                label { input type="radio" name="kind" value=(sup::ComplaintKind::Complaint.as_str_name()) checked; " " (vocab::complaint_kind(ctx.lang, sup::ComplaintKind::Complaint as i32)) }
                label { input type="radio" name="kind" value=(sup::ComplaintKind::Report.as_str_name()); " " (vocab::complaint_kind(ctx.lang, sup::ComplaintKind::Report as i32)) }
            }
            label { (ctx.tr("涉及办件编号（可选）", "Case number concerned (optional)"))
                input type="text" name="case_number" maxlength="40" placeholder="140200-2026-000123"; }
            label { (ctx.tr("涉及部门（可选）", "Department concerned (optional)"))
                select name="department_id" {
                    option value="" { "—" }
                    @for d in &departments { option value=(d.id) { (d.name) } }
                }
            }
            label { (ctx.tr("涉及交易项目编号（可选）", "Trading project concerned (optional)"))
                input type="text" name="trading_project_id" maxlength="64"; }
            label { (ctx.tr("投诉举报内容", "What happened"))
                textarea name="content" rows="6" maxlength="4000" required {} }
            label.check { input type="checkbox" name="anonymous" value="1"; " " (ctx.tr("匿名投诉举报", "Stay anonymous")) }
            fieldset {
                legend { (ctx.tr("联系方式（实名时填写姓名及电话或邮箱）", "Contact (with a name: a telephone or an email)")) }
                label { (ctx.tr("姓名", "Name")) input type="text" name="name" maxlength="50" autocomplete="name"; }
                label { (ctx.tr("电话", "Telephone")) input type="tel" name="phone" maxlength="20" autocomplete="tel"; }
                label { (ctx.tr("电子邮箱", "Email")) input type="email" name="email" maxlength="100" autocomplete="email"; }
            }
            button type="submit" { (ctx.tr("提交", "Send")) }
        }
        p.meta { a href="/complaints/status" { (ctx.tr("查询已提交的投诉举报", "Follow a complaint you sent")) } }
    };
    Ok(page(&ctx, title, body).into_response())
}

pub async fn file(ctx: Ctx, f: Fields) -> Result<Response, PageError> {
    let back = "/complaints/new";
    ctx.check_csrf(f.csrf()).map_err(|e| e.back_to(back))?;
    let anonymous = f.has("anonymous");
    let request = sup::FileComplaintRequest {
        request_id: f.request_id(),
        kind: sup::ComplaintKind::from_str_name(f.get("kind"))
            .unwrap_or(sup::ComplaintKind::Complaint) as i32,
        case_number: f.get("case_number").to_string(),
        department_id: f.get("department_id").to_string(),
        trading_project_id: f.get("trading_project_id").to_string(),
        region_code: String::new(),
        content: f.get("content").to_string(),
        anonymous,
        // An anonymous complainant's details are not sent, even if typed.
        complainant: (!anonymous).then(|| sup::Complainant {
            name: f.get("name").to_string(),
            phone: f.get("phone").to_string(),
            email: f.get("email").to_string(),
        }),
    };
    let filed = ctx
        .supervision()?
        .file_complaint(ctx.req(request))
        .await
        .map_err(|s| ctx.error(&s).back_to(back))?
        .into_inner();
    let title = ctx.tr("已收到您的投诉举报", "Your complaint was received");
    let body = html! {
        h1 { (title) }
        section.receipt {
            dl.receipt {
                dt { (ctx.tr("受理编号", "Tracking number")) } dd { strong.tracking-number { (filed.tracking_number) } }
                dt { (ctx.tr("查询密码", "Secret")) } dd { strong.secret { (filed.secret) } }
            }
            p.notice role="alert" { (ctx.tr("请记下受理编号和查询密码。密码只显示这一次，凭它查询办理情况。",
                                            "Write down the tracking number and the secret. The secret is shown only this once; you need it to follow the complaint.")) }
        }
        @if let Some(status) = &filed.status { (status_view(&ctx, status)) }
        p { a href="/complaints/status" { (ctx.tr("查询办理情况", "Follow it")) } }
    };
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        page(&ctx, title, body),
    )
        .into_response())
}

fn lookup_form(ctx: &Ctx) -> Markup {
    html! {
        form.stacked method="post" action="/complaints/status" {
            (hidden(ctx))
            label { (ctx.tr("受理编号", "Tracking number")) input type="text" name="tracking_number" required maxlength="40" autocomplete="off"; }
            label { (ctx.tr("查询密码", "Secret")) input type="password" name="secret" required maxlength="64" autocomplete="off"; }
            button type="submit" { (ctx.tr("查询", "Look up")) }
        }
    }
}

fn status_form_page(ctx: &Ctx, error: Option<&str>) -> Markup {
    let title = ctx.tr("投诉举报办理情况", "Complaint status");
    page(
        ctx,
        title,
        html! {
            h1 { (title) }
            @if let Some(e) = error { p.error role="alert" { (e) } }
            (lookup_form(ctx))
        },
    )
}

pub async fn status_form(ctx: Ctx) -> Response {
    status_form_page(&ctx, None).into_response()
}

pub async fn status(ctx: Ctx, f: Fields) -> Result<Response, PageError> {
    ctx.check_csrf(f.csrf())
        .map_err(|e| e.back_to("/complaints/status"))?;
    let found = ctx
        .supervision()?
        .lookup_complaint(ctx.req(sup::LookupComplaintRequest {
            tracking_number: f.get("tracking_number").to_string(),
            secret: f.get("secret").to_string(),
        }))
        .await;
    let status = match found {
        Ok(s) => s.into_inner(),
        Err(s)
            if matches!(
                s.code(),
                tonic::Code::NotFound | tonic::Code::InvalidArgument
            ) =>
        {
            let words = ctx.tr(
                "受理编号或查询密码不正确。",
                "No complaint matches that number and secret.",
            );
            let page = status_form_page(&ctx, Some(words));
            return Ok((axum::http::StatusCode::NOT_FOUND, page).into_response());
        }
        Err(s) => return Err(ctx.error(&s).back_to("/complaints/status")),
    };
    let title = ctx.tr("投诉举报办理情况", "Complaint status");
    let body = html! { h1 { (title) } (status_view(&ctx, &status)) };
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        page(&ctx, title, body),
    )
        .into_response())
}

fn status_view(ctx: &Ctx, s: &sup::ComplaintStatus) -> Markup {
    html! {
        dl.facts {
            dt { (ctx.tr("受理编号", "Tracking number")) } dd { (s.tracking_number) }
            dt { (ctx.tr("类型", "Kind")) } dd { (vocab::complaint_kind(ctx.lang, s.kind)) }
            dt { (ctx.tr("状态", "State")) } dd { strong.state { (vocab::complaint_state(ctx.lang, s.state)) } }
            dt { (ctx.tr("提交时间", "Filed")) } dd { (when(s.filed_at.as_ref())) }
            @if !s.step_due_date.is_empty() {
                dt { (ctx.tr("本环节办理期限", "Current step due by")) } dd { (s.step_due_date) }
            }
            @if !s.rejection_reason.is_empty() {
                dt { (ctx.tr("不予受理理由", "Why it was rejected")) } dd { (s.rejection_reason) }
            }
            @if let Some(sub) = s.substantiated {
                dt { (ctx.tr("调查结论", "Finding")) } dd {
                    @if sub { (ctx.tr("情况属实", "Substantiated")) } @else { (ctx.tr("情况不属实", "Not substantiated")) }
                }
            }
            @if !s.feedback.is_empty() {
                dt { (ctx.tr("处理反馈", "Feedback")) } dd { (s.feedback) }
            }
        }
        h2 { (ctx.tr("办理过程", "Steps")) }
        ol.timeline {
            @for step in &s.history {
                li { time { (when(step.at.as_ref())) } " " strong { (vocab::complaint_state(ctx.lang, step.state)) } }
            }
        }
    }
}
