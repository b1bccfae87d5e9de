//! Online permission monitoring (网上许可监察) in the console: rule violations with the
//! events that prove them, given to a supervisor to follow and closed as rectified or
//! dismissed.

use axum::extract::{Path, Query, RawQuery};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use onewindow_proto::supervision::v1 as sup;
use serde::Deserialize;

use super::directory::{department_names, name_of};
use super::forms::{done_notice, done_param, hidden, Fields};
use super::inbox::pager;
use super::layout::{page, seg, when};
use super::{vocab, Ctx, PageError};

#[derive(Debug, Default, Deserialize)]
pub struct ViolationParams {
    #[serde(default)]
    status: String,
    #[serde(default)]
    page_token: String,
}

const STATUSES: [sup::ViolationStatus; 3] = [
    sup::ViolationStatus::Open,
    sup::ViolationStatus::Assigned,
    sup::ViolationStatus::Resolved,
];

fn subject_href(v: &sup::Violation) -> Option<String> {
    match sup::SubjectKind::try_from(v.subject_kind) {
        Ok(sup::SubjectKind::Case) => Some(format!("/cases/{}", seg(&v.subject_id))),
        Ok(sup::SubjectKind::BundleCase) => Some(format!("/bundle-cases/{}", seg(&v.subject_id))),
        Ok(sup::SubjectKind::TradingProject) => Some(format!("/trading/{}", seg(&v.subject_id))),
        _ => None,
    }
}

pub async fn violations(ctx: Ctx, Query(p): Query<ViolationParams>) -> Result<Response, PageError> {
    ctx.require_sign_in()?;
    let status = sup::ViolationStatus::from_str_name(&p.status).unwrap_or_default();
    let (list, names) = tokio::join!(
        async {
            ctx.supervision()?
                .list_violations(ctx.req(sup::ListViolationsRequest {
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
    let title = ctx.tr("违规记录", "Violations");
    let body = html! {
        h1 { (title) }
        nav.filters {
            a href="/supervision/violations" aria-current=[(status == sup::ViolationStatus::Unspecified).then_some("page")] { (ctx.tr("全部", "All")) }
            @for s in STATUSES {
                a href={ "/supervision/violations?status=" (s.as_str_name()) } aria-current=[(s == status).then_some("page")] { (vocab::violation_status(ctx.lang, s as i32)) }
            }
        }
        p { (ctx.t().total) " " (list.total_size) }
        table.violations {
            thead { tr {
                th { (ctx.tr("严重程度", "Severity")) } th { (ctx.tr("规则", "Rule")) } th { (ctx.tr("发现", "Found")) }
                th { (ctx.t().department) } th { (ctx.tr("对象", "Subject")) } th { (ctx.tr("日期", "Detected")) } th { (ctx.tr("状态", "Status")) }
            } }
            tbody { @for v in &list.violations {
                @let (sev, class) = vocab::severity(ctx.lang, v.severity);
                tr {
                    td { span class={ "card " (class) } { (sev) } }
                    td { code { (v.rule_id) } }
                    td { a href={ "/supervision/violations/" (seg(&v.id)) } { (v.summary) } }
                    td { (name_of(&names, &v.department_id)) }
                    td { @if v.case_number.is_empty() { (v.subject_id) } @else { (v.case_number) } }
                    td { (v.detected_on) }
                    td { (vocab::violation_status(ctx.lang, v.status)) }
                }
            } }
        }
        (pager("/supervision/violations", &[("status", &p.status)], &p.page_token, &list.next_page_token, &ctx))
    };
    Ok(page(&ctx, title, body).into_response())
}

pub async fn violation(
    ctx: Ctx,
    Path(violation_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    ctx.require_sign_in()?;
    let (v, names) = tokio::join!(
        async {
            ctx.supervision()?
                .get_violation(ctx.req(sup::GetViolationRequest { violation_id }))
                .await
                .map_err(|s| ctx.error(&s))
        },
        department_names(&ctx),
    );
    let v = v?.into_inner();
    let (sev, class) = vocab::severity(ctx.lang, v.severity);
    let action = format!("/supervision/violations/{}", seg(&v.id));
    let done = done_param(query.as_deref());
    let body = html! {
        p.crumbs { a href="/supervision/violations" { (ctx.tr("违规记录", "Violations")) } " › " code { (v.rule_id) } }
        h1 { (v.summary) }
        p.status-line { span class={ "card " (class) } { (sev) } " " span.badge { (vocab::violation_status(ctx.lang, v.status)) } }
        (done_notice(&ctx, done.as_deref()))
        dl.facts {
            dt { (ctx.tr("规则", "Rule")) } dd { code { (v.rule_id) } }
            dt { (ctx.t().department) } dd { (name_of(&names, &v.department_id)) " (" (v.region_code) ")" }
            dt { (ctx.tr("对象", "Subject")) } dd {
                @match subject_href(&v) {
                    Some(href) => { a href=(href) { @if v.case_number.is_empty() { (v.subject_id) } @else { (v.case_number) } } }
                    None => { (v.subject_id) }
                }
            }
            dt { (ctx.tr("发现时间", "Detected")) } dd { (when(v.detected_at.as_ref())) }
            @if !v.assignee.is_empty() { dt { (ctx.tr("跟进人", "Followed by")) } dd { (v.assignee) } }
            @if v.resolution != 0 { dt { (ctx.tr("处理结果", "Resolution")) } dd { (vocab::resolution(ctx.lang, v.resolution)) } }
        }
        h2 { (ctx.tr("证据（事件）", "Evidence (events)")) }
        table.evidence {
            thead { tr { th { (ctx.tr("来源", "Stream")) } th.num { (ctx.tr("序号", "Seq")) } th { (ctx.tr("事件", "Event")) } th { (ctx.tr("日期", "Date")) } } }
            tbody { @for e in &v.evidence {
                tr { td { (e.stream) } td.num { (e.seq) } td { code { (e.kind) } } td { (e.occurred_on) } }
            } }
        }
        @if !v.notes.is_empty() {
            h2 { (ctx.tr("处理记录", "Notes")) }
            ol.timeline { @for n in &v.notes { li { time { (when(n.at.as_ref())) } " " strong { (n.action) } " · " (n.by) " · " (n.text) } } }
        }
        @if v.status != sup::ViolationStatus::Resolved as i32 {
            section.actions {
                h2 { (ctx.tr("处理", "Act")) }
                form.action method="post" action=(action) {
                    (hidden(&ctx))
                    input type="hidden" name="revision" value=(v.revision);
                    input type="hidden" name="action" value="assign";
                    h3 { (ctx.tr("交办跟进", "Assign")) }
                    label { (ctx.tr("跟进人", "Supervisor")) input type="text" name="assignee" required maxlength="100" value=(ctx.caller.principal.subject); }
                    label { (ctx.tr("备注", "Note")) input type="text" name="note" maxlength="1000"; }
                    button type="submit" { (ctx.tr("交办", "Assign")) }
                }
                form.action method="post" action=(action) {
                    (hidden(&ctx))
                    input type="hidden" name="revision" value=(v.revision);
                    input type="hidden" name="action" value="resolve";
                    h3 { (ctx.tr("办结", "Resolve")) }
                    fieldset.choice {
                        label { input type="radio" name="resolution" value=(sup::Resolution::Rectified.as_str_name()) checked; " " (vocab::resolution(ctx.lang, sup::Resolution::Rectified as i32)) }
                        label { input type="radio" name="resolution" value=(sup::Resolution::Dismissed.as_str_name()); " " (vocab::resolution(ctx.lang, sup::Resolution::Dismissed as i32)) }
                    }
                    label { (ctx.tr("处理情况", "What was done or found")) textarea name="note" rows="2" required maxlength="2000" {} }
                    button type="submit" { (ctx.tr("办结", "Resolve")) }
                }
            }
        }
    };
    Ok(page(&ctx, &v.summary, body).into_response())
}

pub async fn act_on_violation(
    ctx: Ctx,
    Path(violation_id): Path<String>,
    f: Fields,
) -> Result<Response, PageError> {
    ctx.require_sign_in()?;
    let back = format!("/supervision/violations/{}", seg(&violation_id));
    ctx.check_csrf(f.csrf()).map_err(|e| e.back_to(&back))?;
    let mut client = ctx.supervision()?;
    let (request_id, revision) = (f.request_id(), f.int::<i64>("revision"));
    let action = f.get("action").to_string();
    match action.as_str() {
        "assign" => client
            .assign_violation(ctx.req(sup::AssignViolationRequest {
                request_id,
                violation_id,
                revision,
                assignee: f.get("assignee").into(),
                note: f.get("note").into(),
            }))
            .await
            .map(drop),
        "resolve" => client
            .resolve_violation(ctx.req(sup::ResolveViolationRequest {
                request_id,
                violation_id,
                revision,
                resolution: sup::Resolution::from_str_name(f.get("resolution")).unwrap_or_default()
                    as i32,
                note: f.get("note").into(),
            }))
            .await
            .map(drop),
        _ => return Err(ctx.not_found()),
    }
    .map_err(|s| ctx.error(&s).back_to(&back))?;
    Ok(Redirect::to(&format!("{back}?done=saved")).into_response())
}
