//! Report supervision and evaluation monitoring in the console: complaints through their
//! steps (accept or reject, investigate, conclude, feedback), the evaluations, and the
//! rectification tasks a bad one opens (call-back, the department's reply, closing).

use axum::extract::{Path, Query, RawQuery};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use onewindow_proto::supervision::v1 as sup;
use serde::Deserialize;

use super::directory::{department_names, name_of};
use super::forms::{done_notice, done_param, hidden, Fields};
use super::inbox::pager;
use super::layout::{page, seg, when};
use super::{vocab, Ctx, PageError};

#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    #[serde(default)]
    state: String,
    #[serde(default)]
    page_token: String,
}

pub async fn complaints(ctx: Ctx, Query(p): Query<ListParams>) -> Result<Response, PageError> {
    ctx.require_sign_in()?;
    let state = sup::ComplaintState::from_str_name(&p.state).unwrap_or_default();
    let (list, names) = tokio::join!(
        async {
            ctx.supervision()?
                .list_complaints(ctx.req(sup::ListComplaintsRequest {
                    state: state as i32,
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
    let title = ctx.tr("投诉举报", "Complaints and reports");
    let body = html! {
        h1 { (title) }
        form.filters method="get" action="/supervision/complaints" {
            label { (ctx.tr("状态", "State")) " " select name="state" {
                option value="" { (ctx.tr("全部", "All")) }
                @for s in (1..=6).filter_map(|v| sup::ComplaintState::try_from(v).ok()) {
                    option value=(s.as_str_name()) selected[s == state] { (vocab::complaint_state(ctx.lang, s as i32)) }
                }
            } }
            " " button type="submit" { (ctx.tr("筛选", "Filter")) }
        }
        table.complaints {
            thead { tr {
                th { (ctx.tr("受理编号", "Tracking number")) } th { (ctx.tr("类型", "Kind")) } th { (ctx.tr("状态", "State")) }
                th { (ctx.t().department) } th { (ctx.tr("提交", "Filed")) } th { (ctx.tr("本步期限", "Step due")) }
            } }
            tbody { @for c in &list.complaints {
                tr class=[c.overdue.then_some("red")] {
                    td { a href={ "/supervision/complaints/" (seg(&c.id)) } { (c.tracking_number) } }
                    td { (vocab::complaint_kind(ctx.lang, c.kind)) @if c.anonymous { " " span.badge { (ctx.tr("匿名", "anonymous")) } } }
                    td { (vocab::complaint_state(ctx.lang, c.state)) }
                    td { (name_of(&names, &c.department_id)) }
                    td { (when(c.filed_at.as_ref())) }
                    td { (c.step_due_date) @if c.overdue { " " span.card.red { (ctx.tr("超期", "overdue")) } } }
                }
            } }
        }
        (pager("/supervision/complaints", &[("state", &p.state)], &p.page_token, &list.next_page_token, &ctx))
    };
    Ok(page(&ctx, title, body).into_response())
}

fn step_form(ctx: &Ctx, c: &sup::Complaint, step: &str, title: &str, note: Option<&str>) -> Markup {
    html! {
        form.action method="post" action={ "/supervision/complaints/" (seg(&c.id)) } {
            (hidden(ctx))
            input type="hidden" name="revision" value=(c.revision);
            input type="hidden" name="step" value=(step);
            h3 { (title) }
            @if let Some(label) = note { label { (label) textarea name="note" rows="2" required maxlength="2000" {} } }
            button type="submit" { (title) }
        }
    }
}

pub async fn complaint(
    ctx: Ctx,
    Path(complaint_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    ctx.require_sign_in()?;
    let (c, names) = tokio::join!(
        async {
            ctx.supervision()?
                .get_complaint(ctx.req(sup::GetComplaintRequest { complaint_id }))
                .await
                .map_err(|s| ctx.error(&s))
        },
        department_names(&ctx),
    );
    let c = c?.into_inner();
    use sup::ComplaintState as S;
    let state = S::try_from(c.state).unwrap_or_default();
    let done = done_param(query.as_deref());
    let body = html! {
        p.crumbs { a href="/supervision/complaints" { (ctx.tr("投诉举报", "Complaints")) } " › " (c.tracking_number) }
        h1 { (vocab::complaint_kind(ctx.lang, c.kind)) " " (c.tracking_number) }
        p.status-line { span.badge.state { (vocab::complaint_state(ctx.lang, c.state)) }
            @if c.overdue { " " span.card.red { (ctx.tr("本步超期", "step overdue")) } } }
        (done_notice(&ctx, done.as_deref()))
        dl.facts {
            @if !c.case_number.is_empty() { dt { (ctx.tr("涉及办件", "Case")) } dd { (c.case_number) } }
            @if !c.department_id.is_empty() { dt { (ctx.t().department) } dd { (name_of(&names, &c.department_id)) } }
            @if !c.trading_project_id.is_empty() { dt { (ctx.tr("涉及交易项目", "Trading project")) } dd { a href={ "/trading/" (seg(&c.trading_project_id)) } { (c.trading_project_id) } } }
            dt { (ctx.tr("提交时间", "Filed")) } dd { (when(c.filed_at.as_ref())) }
            @if !c.step_due_date.is_empty() { dt { (ctx.tr("本步期限", "Step due by")) } dd { (c.step_due_date) } }
            dt { (ctx.tr("投诉人", "Complainant")) } dd {
                @if c.anonymous { (ctx.tr("匿名", "Anonymous")) }
                @else if let Some(p) = &c.complainant { (p.name) " " (p.phone) " " (p.email) }
            }
            @if !c.rejection_reason.is_empty() { dt { (ctx.tr("不予受理理由", "Rejected because")) } dd { (c.rejection_reason) } }
            @if let Some(s) = c.substantiated { dt { (ctx.tr("结论", "Finding")) } dd { @if s { (ctx.tr("属实", "Substantiated")) } @else { (ctx.tr("不属实", "Not substantiated")) } } }
            @if !c.findings.is_empty() { dt { (ctx.tr("调查情况", "Findings")) } dd { (c.findings) } }
            @if !c.feedback.is_empty() { dt { (ctx.tr("反馈", "Feedback")) } dd { (c.feedback) } }
        }
        h2 { (ctx.tr("内容", "Content")) }
        p.content { (c.content) }
        h2 { (ctx.tr("办理过程", "Steps")) }
        ol.timeline { @for s in &c.history {
            li { time { (when(s.at.as_ref())) } " " strong { (vocab::complaint_state(ctx.lang, s.state)) } " " (s.by) @if !s.note.is_empty() { " · " (s.note) } }
        } }
        section.actions {
            @match state {
                S::Received => {
                    (step_form(&ctx, &c, "accept", ctx.tr("受理", "Accept"), None))
                    (step_form(&ctx, &c, "reject", ctx.tr("不予受理", "Reject"), Some(ctx.tr("理由", "Reason"))))
                }
                S::Accepted => { (step_form(&ctx, &c, "investigate", ctx.tr("开始调查", "Start the investigation"), None)) }
                S::Investigating => {
                    form.action method="post" action={ "/supervision/complaints/" (seg(&c.id)) } {
                        (hidden(&ctx))
                        input type="hidden" name="revision" value=(c.revision);
                        input type="hidden" name="step" value="conclude";
                        h3 { (ctx.tr("调查结论", "Conclude")) }
                        label.check { input type="checkbox" name="substantiated" value="1"; " " (ctx.tr("情况属实", "Substantiated")) }
                        label { (ctx.tr("调查情况", "Findings")) textarea name="findings" rows="3" required maxlength="4000" {} }
                        button type="submit" { (ctx.tr("作出结论", "Conclude")) }
                    }
                }
                S::Concluded => { (step_form(&ctx, &c, "feedback", ctx.tr("反馈投诉人", "Give feedback"), Some(ctx.tr("反馈内容", "Feedback")))) }
                _ => {}
            }
        }
    };
    Ok(page(&ctx, &c.tracking_number, body).into_response())
}

pub async fn act_on_complaint(
    ctx: Ctx,
    Path(complaint_id): Path<String>,
    f: Fields,
) -> Result<Response, PageError> {
    ctx.require_sign_in()?;
    let back = format!("/supervision/complaints/{}", seg(&complaint_id));
    ctx.check_csrf(f.csrf()).map_err(|e| e.back_to(&back))?;
    let mut client = ctx.supervision()?;
    let step = sup::ComplaintStepRequest {
        request_id: f.request_id(),
        complaint_id: complaint_id.clone(),
        revision: f.int("revision"),
        note: f.get("note").into(),
    };
    match f.get("step") {
        "accept" => client.accept_complaint(ctx.req(step)).await,
        "reject" => client.reject_complaint(ctx.req(step)).await,
        "investigate" => client.start_investigation(ctx.req(step)).await,
        "feedback" => client.give_feedback(ctx.req(step)).await,
        "conclude" => {
            client
                .conclude_complaint(ctx.req(sup::ConcludeComplaintRequest {
                    request_id: step.request_id,
                    complaint_id,
                    revision: step.revision,
                    substantiated: f.has("substantiated"),
                    findings: f.get("findings").into(),
                }))
                .await
        }
        _ => return Err(ctx.not_found()),
    }
    .map_err(|s| ctx.error(&s).back_to(&back))?;
    Ok(Redirect::to(&format!("{back}?done=saved")).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct EvaluationParams {
    #[serde(default)]
    bad: String,
    #[serde(default)]
    page_token: String,
}

pub async fn evaluations(
    ctx: Ctx,
    Query(p): Query<EvaluationParams>,
) -> Result<Response, PageError> {
    ctx.require_sign_in()?;
    let bad_only = p.bad == "1";
    let client = ctx.supervision()?;
    let (mut c1, mut c2) = (client.clone(), client);
    let (list, tasks, names) = tokio::join!(
        c1.list_evaluations(ctx.req(sup::ListEvaluationsRequest {
            max_rating: if bad_only {
                sup::Rating::Dissatisfied as i32
            } else {
                0
            },
            page_size: 50,
            page_token: p.page_token.clone(),
            ..Default::default()
        })),
        c2.list_rectifications(ctx.req(sup::ListRectificationsRequest {
            page_size: 50,
            ..Default::default()
        })),
        department_names(&ctx),
    );
    let list = list.map_err(|s| ctx.error(&s))?.into_inner();
    let tasks = tasks.map_err(|s| ctx.error(&s))?.into_inner();
    let title = ctx.tr("评议与整改", "Evaluations and rectification");
    let body = html! {
        h1 { (title) }
        h2 { (ctx.tr("整改任务", "Rectification tasks")) }
        table.rectifications {
            thead { tr { th { (ctx.tr("办件编号", "Case")) } th { (ctx.t().department) } th { (ctx.tr("评价", "Rating")) } th { (ctx.tr("状态", "State")) } th { (ctx.tr("期限", "Due")) } } }
            tbody { @for r in &tasks.rectifications {
                tr class=[r.overdue.then_some("red")] {
                    td { a href={ "/supervision/rectifications/" (seg(&r.id)) } { (r.case_number) } }
                    td { (name_of(&names, &r.department_id)) }
                    td { (vocab::rating(ctx.lang, r.rating)) }
                    td { (vocab::rectification_state(ctx.lang, r.state)) }
                    td { (r.due_date) @if r.overdue { " " span.card.red { (ctx.tr("超期", "overdue")) } } }
                }
            } }
        }
        h2 { (ctx.tr("评价", "Evaluations")) }
        nav.filters {
            a href="/supervision/evaluations" aria-current=[(!bad_only).then_some("page")] { (ctx.tr("全部", "All")) }
            a href="/supervision/evaluations?bad=1" aria-current=[bad_only.then_some("page")] { (ctx.tr("差评", "Bad only")) }
        }
        table.evaluations {
            thead { tr { th { (ctx.tr("办件编号", "Case")) } th { (ctx.t().department) } th { (ctx.tr("评价", "Rating")) } th { (ctx.tr("分项", "Dimensions")) } th { (ctx.tr("意见", "Comment")) } th { (ctx.tr("时间", "When")) } } }
            tbody { @for e in &list.evaluations {
                tr class=[(e.rating <= sup::Rating::Dissatisfied as i32).then_some("yellow")] {
                    td { (e.case_number) } td { (name_of(&names, &e.department_id)) } td { strong { (vocab::rating(ctx.lang, e.rating)) } }
                    td { @for d in &e.dimensions { span.badge { (vocab::dimension(ctx.lang, d.dimension)) " " (vocab::rating(ctx.lang, d.rating)) } " " } }
                    td { (e.comment) } td { (when(e.submitted_at.as_ref())) }
                }
            } }
        }
        (pager("/supervision/evaluations", &[("bad", &p.bad)], &p.page_token, &list.next_page_token, &ctx))
    };
    Ok(page(&ctx, title, body).into_response())
}

pub async fn rectification(
    ctx: Ctx,
    Path(rectification_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    ctx.require_sign_in()?;
    let (r, names) = tokio::join!(
        async {
            ctx.supervision()?
                .get_rectification(ctx.req(sup::GetRectificationRequest { rectification_id }))
                .await
                .map_err(|s| ctx.error(&s))
        },
        department_names(&ctx),
    );
    let r = r?.into_inner();
    let action = format!("/supervision/rectifications/{}", seg(&r.id));
    let open = r.state != sup::RectificationState::Closed as i32;
    let done = done_param(query.as_deref());
    let body = html! {
        p.crumbs { a href="/supervision/evaluations" { (ctx.tr("评议与整改", "Evaluations")) } " › " (r.case_number) }
        h1 { (ctx.tr("整改任务", "Rectification")) " · " (r.case_number) }
        p.status-line { span.badge.state { (vocab::rectification_state(ctx.lang, r.state)) } @if r.overdue { " " span.card.red { (ctx.tr("超期", "overdue")) } } }
        (done_notice(&ctx, done.as_deref()))
        dl.facts {
            dt { (ctx.t().department) } dd { (name_of(&names, &r.department_id)) }
            dt { (ctx.tr("评价", "Rating")) } dd { (vocab::rating(ctx.lang, r.rating)) }
            dt { (ctx.tr("开始", "Opened")) } dd { (r.opened_on) }
            dt { (ctx.tr("期限", "Due")) } dd.limit { (r.due_date) }
            @if let Some(c) = &r.call_back { dt { (ctx.tr("回访", "Call-back")) } dd { (when(c.at.as_ref())) " · " (c.by) " · " @if c.reached { (ctx.tr("已联系上", "reached")) } @else { (ctx.tr("未联系上", "not reached")) } " · " (c.note) } }
            @if let Some(x) = &r.reply { dt { (ctx.tr("部门答复", "Reply")) } dd { (when(x.at.as_ref())) " · " (x.by) " · " (x.measures) } }
            @if !r.close_note.is_empty() { dt { (ctx.tr("销号意见", "Closing note")) } dd { (r.close_note) } }
        }
        @if open {
            section.actions {
                @if r.call_back.is_none() {
                    form.action method="post" action=(action) {
                        (hidden(&ctx)) input type="hidden" name="revision" value=(r.revision); input type="hidden" name="step" value="call_back";
                        h3 { (ctx.tr("记录回访", "Record the call-back")) }
                        label.check { input type="checkbox" name="reached" value="1" checked; " " (ctx.tr("已联系上申请人", "The applicant was reached")) }
                        label { (ctx.tr("回访情况", "What they said")) textarea name="note" rows="2" required maxlength="2000" {} }
                        button type="submit" { (ctx.tr("记录", "Record")) }
                    }
                }
                @if r.reply.is_none() && ctx.is_staff() {
                    form.action method="post" action=(action) {
                        (hidden(&ctx)) input type="hidden" name="revision" value=(r.revision); input type="hidden" name="step" value="reply";
                        h3 { (ctx.tr("答复整改情况", "Reply with the measures")) }
                        label { (ctx.tr("整改措施", "Measures")) textarea name="note" rows="3" required maxlength="4000" {} }
                        button type="submit" { (ctx.tr("答复", "Reply")) }
                    }
                }
                @if r.state == sup::RectificationState::Replied as i32 {
                    form.action method="post" action=(action) {
                        (hidden(&ctx)) input type="hidden" name="revision" value=(r.revision); input type="hidden" name="step" value="close";
                        h3 { (ctx.tr("销号", "Close")) }
                        label { (ctx.tr("意见", "Note")) textarea name="note" rows="2" required maxlength="2000" {} }
                        button type="submit" { (ctx.tr("销号", "Close")) }
                    }
                }
            }
        }
    };
    Ok(page(&ctx, &r.case_number, body).into_response())
}

pub async fn act_on_rectification(
    ctx: Ctx,
    Path(rectification_id): Path<String>,
    f: Fields,
) -> Result<Response, PageError> {
    ctx.require_sign_in()?;
    let back = format!("/supervision/rectifications/{}", seg(&rectification_id));
    ctx.check_csrf(f.csrf()).map_err(|e| e.back_to(&back))?;
    let mut client = ctx.supervision()?;
    let (request_id, revision, note) = (
        f.request_id(),
        f.int::<i64>("revision"),
        f.get("note").to_string(),
    );
    match f.get("step") {
        "call_back" => {
            client
                .record_call_back(ctx.req(sup::RecordCallBackRequest {
                    request_id,
                    rectification_id,
                    revision,
                    reached: f.has("reached"),
                    note,
                }))
                .await
        }
        "reply" => {
            client
                .reply_rectification(ctx.req(sup::ReplyRectificationRequest {
                    request_id,
                    rectification_id,
                    revision,
                    measures: note,
                }))
                .await
        }
        "close" => {
            client
                .close_rectification(ctx.req(sup::CloseRectificationRequest {
                    request_id,
                    rectification_id,
                    revision,
                    note,
                }))
                .await
        }
        _ => return Err(ctx.not_found()),
    }
    .map_err(|s| ctx.error(&s).back_to(&back))?;
    Ok(Redirect::to(&format!("{back}?done=saved")).into_response())
}
