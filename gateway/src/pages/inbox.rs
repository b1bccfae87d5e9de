//! The clerk's intake queue and the approver's inbox (GetInbox: awaiting intake first, then
//! by due date, coloured by warning with the working days left), and the list of cases a
//! reader may see (ListCases: staff their department, applicants their own, supervisors all).

use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use onewindow_proto::cases::v1 as pb;
use onewindow_proto::common::v1 as common;
use serde::Deserialize;

use super::case_page::remaining_words;
use super::layout::{page, seg, when};
use super::{labels, vocab, Ctx, PageError};

#[derive(Debug, Default, Deserialize)]
pub struct InboxParams {
    #[serde(default)]
    stage: String,
    #[serde(default)]
    page_token: String,
}

const STAGES: [common::Stage; 4] = [
    common::Stage::Accept,
    common::Stage::Review,
    common::Stage::Decide,
    common::Stage::Conclude,
];

pub async fn inbox(ctx: Ctx, Query(p): Query<InboxParams>) -> Result<Response, PageError> {
    ctx.require_sign_in()?;
    if !ctx.is_staff() {
        return Err(ctx.error(&tonic::Status::permission_denied(
            "the inbox is for clerks and approvers",
        )));
    }
    let stage = common::Stage::from_str_name(&p.stage).unwrap_or_default();
    let inbox = ctx
        .cases()?
        .get_inbox(ctx.req(pb::GetInboxRequest {
            stage: stage as i32,
            page_size: 50,
            page_token: p.page_token.clone(),
        }))
        .await
        .map_err(|s| ctx.error(&s))?
        .into_inner();
    let title = if ctx.has(onewindow_kit::auth::Role::Approver) {
        ctx.tr("待办审批", "Inbox")
    } else {
        ctx.tr("受理队列", "Intake queue")
    };
    let counts = |class: &str| {
        inbox
            .entries
            .iter()
            .filter(|e| vocab::case_warning(ctx.lang, e.warning).1 == class)
            .count()
    };
    let body = html! {
        h1 { (title) }
        p.summary {
            (ctx.tr("共", "In all")) " " strong { (inbox.total_size) } " " (ctx.tr("件", "cases"))
            " · " span.card.yellow { (ctx.tr("临近时限", "Due soon")) " " (counts("yellow")) }
            " " span.card.red { (ctx.tr("已超时", "Overdue")) " " (counts("red")) }
        }
        nav.filters aria-label=(ctx.tr("按环节", "By stage")) {
            a href="/work" aria-current=[(stage == common::Stage::Unspecified).then_some("page")] { (ctx.tr("全部", "All")) }
            @for s in STAGES {
                a href={ "/work?stage=" (s.as_str_name()) } aria-current=[(stage == s).then_some("page")] { (labels::stage(ctx.lang, s as i32)) }
            }
        }
        @if inbox.entries.is_empty() {
            p { (ctx.tr("目前没有待办的办件。", "Nothing awaits you.")) }
        } @else {
            table.inbox {
                thead { tr {
                    th { (ctx.tr("办件编号", "Case number")) } th { (ctx.tr("事项", "Service")) } th { (ctx.tr("申请人", "Applicant")) }
                    th { (ctx.tr("待办环节", "Stage")) } th { (ctx.tr("到期日", "Due")) } th { (ctx.tr("剩余", "Left")) } th { (ctx.tr("预警", "Warning")) }
                } }
                tbody {
                    @for e in &inbox.entries {
                        @if let Some(c) = &e.case_summary {
                            @let (word, class) = vocab::case_warning(ctx.lang, e.warning);
                            tr class=(class) {
                                td { a href={ "/cases/" (seg(&c.id)) } { (c.case_number) } }
                                td { (c.item_name) }
                                td { @if let Some(a) = &c.applicant { (a.name) } }
                                td { (labels::stage(ctx.lang, e.stage)) @if e.suspended { " " span.badge { (ctx.tr("中止中", "suspended")) } } }
                                td { @if e.due_date.is_empty() { span.meta { (ctx.tr("待受理", "awaiting intake")) } } @else { (e.due_date) } }
                                td.num { @if !e.due_date.is_empty() { (remaining_words(&ctx, e.remaining_working_days)) } }
                                td { @if !class.is_empty() { span class={ "card " (class) } { (word) } } }
                            }
                        }
                    }
                }
            }
        }
        (pager("/work", &[("stage", &p.stage)], &p.page_token, &inbox.next_page_token, &ctx))
    };
    Ok(page(&ctx, title, body).into_response())
}

/// Links to the first and the next page of a list.
pub fn pager(base: &str, keep: &[(&str, &str)], current: &str, next: &str, ctx: &Ctx) -> Markup {
    let query = |token: &str| {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in keep.iter().filter(|(_, v)| !v.is_empty()) {
            q.append_pair(k, v);
        }
        if !token.is_empty() {
            q.append_pair("page_token", token);
        }
        let q = q.finish();
        if q.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{q}")
        }
    };
    html! {
        nav.pager {
            @if !current.is_empty() { a href=(query("")) { (ctx.t().first_page) } }
            @if !next.is_empty() { a href=(query(next)) rel="next" { (ctx.t().next_page) } }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct CaseParams {
    #[serde(default)]
    state: String,
    #[serde(default)]
    page_token: String,
}

const STATES: [pb::CaseState; 6] = [
    pb::CaseState::Submitted,
    pb::CaseState::SupplementRequested,
    pb::CaseState::InProgress,
    pb::CaseState::Concluded,
    pb::CaseState::IntakeRefused,
    pb::CaseState::Withdrawn,
];

pub async fn cases(ctx: Ctx, Query(p): Query<CaseParams>) -> Result<Response, PageError> {
    ctx.require_sign_in()?;
    let state = pb::CaseState::from_str_name(&p.state).unwrap_or_default();
    let list = ctx
        .cases()?
        .list_cases(ctx.req(pb::ListCasesRequest {
            state: state as i32,
            page_size: 50,
            page_token: p.page_token.clone(),
            ..Default::default()
        }))
        .await
        .map_err(|s| ctx.error(&s))?
        .into_inner();
    let title = if ctx.has(onewindow_kit::auth::Role::Applicant) && !ctx.is_staff() {
        ctx.tr("我的办件", "My applications")
    } else {
        ctx.tr("办件", "Cases")
    };
    let body = html! {
        h1 { (title) }
        form.filters method="get" action="/cases" {
            label { (ctx.tr("状态", "State")) " "
                select name="state" {
                    option value="" { (ctx.tr("全部", "All")) }
                    @for s in STATES {
                        option value=(s.as_str_name()) selected[s == state] { (vocab::case_state(ctx.lang, s as i32)) }
                    }
                }
            }
            " " button type="submit" { (ctx.tr("筛选", "Filter")) }
        }
        p { (ctx.t().total) " " (list.total_size) }
        @if list.cases.is_empty() {
            p { (ctx.tr("没有办件。", "No cases.")) " " a href="/items" { (ctx.tr("查找事项并在线申请", "Find a service and apply")) } }
        } @else {
            table.cases {
                thead { tr {
                    th { (ctx.tr("办件编号", "Case number")) } th { (ctx.tr("事项", "Service")) } th { (ctx.tr("申请人", "Applicant")) }
                    th { (ctx.tr("状态", "State")) } th { (ctx.tr("申请时间", "Submitted")) } th { (ctx.tr("承诺办结日期", "Due by")) } th { (ctx.tr("预警", "Warning")) }
                } }
                tbody {
                    @for c in &list.cases {
                        @let (word, class) = vocab::case_warning(ctx.lang, c.warning);
                        tr class=(class) {
                            td { a href={ "/cases/" (seg(&c.id)) } { (c.case_number) } }
                            td { (c.item_name) }
                            td { @if let Some(a) = &c.applicant { (a.name) } }
                            td { (vocab::case_state(ctx.lang, c.state)) @if c.current_stage != 0 { " · " (labels::stage(ctx.lang, c.current_stage)) } }
                            td { (when(c.submitted_at.as_ref())) }
                            td { (c.planned_due_date) }
                            td { @if !class.is_empty() && class != "normal" { span class={ "card " (class) } { (word) } " " span.remaining { (remaining_words(&ctx, c.remaining_working_days)) } } }
                        }
                    }
                }
            }
        }
        (pager("/cases", &[("state", &p.state)], &p.page_token, &list.next_page_token, &ctx))
        p.meta { a href="/track" { (ctx.t().nav_track) } }
    };
    Ok(page(&ctx, title, body).into_response())
}
