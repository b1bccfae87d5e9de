//! One case as its department's staff, its applicant or a supervisor read it (GetCase):
//! deadlines and warning, stages, suspensions, extensions, supplement notices, materials
//! with downloads, fees, outcome and timeline, and the actions the reader may take.

use std::collections::HashMap;

use axum::extract::{Path, RawQuery};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use onewindow_proto::cases::v1 as pb;
use onewindow_proto::catalog::v1 as catalog;

use super::case_actions::panel;
use super::directory::{department_names, name_of};
use super::forms::{done_notice, done_param};
use super::layout::{page, seg, when};
use super::{labels, vocab, Ctx, PageError};

/// A case and the pinned version of its item (for material names and what the item allows).
pub struct Loaded {
    pub case: pb::Case,
    pub item: Option<catalog::Item>,
}

pub async fn load(ctx: &Ctx, case_id: &str) -> Result<Loaded, PageError> {
    let case = ctx
        .cases()?
        .get_case(ctx.req(pb::GetCaseRequest {
            case_id: case_id.to_string(),
        }))
        .await
        .map_err(|s| ctx.error(&s))?
        .into_inner();
    let item = ctx
        .catalog()?
        .get_item(ctx.req(catalog::GetItemRequest {
            item_id: case.item_id.clone(),
            version: case.item_version,
            on_date: String::new(),
        }))
        .await
        .ok()
        .map(|r| r.into_inner());
    Ok(Loaded { case, item })
}

pub async fn case(
    ctx: Ctx,
    Path(case_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    ctx.require_sign_in()?;
    let loaded = load(&ctx, &case_id).await?;
    let names = department_names(&ctx).await;
    let c = &loaded.case;
    let material_names: HashMap<&str, &str> = loaded
        .item
        .iter()
        .flat_map(|i| i.materials.iter())
        .map(|m| (m.id.as_str(), m.name.as_str()))
        .collect();
    let (warning, warning_class) = vocab::case_warning(ctx.lang, c.warning);
    let done = done_param(query.as_deref());
    let body = html! {
        p.crumbs { a href="/cases" { (ctx.tr("办件", "Cases")) } " › " (c.case_number) }
        h1 { (c.item_name) }
        p.status-line {
            span.badge.state { (vocab::case_state(ctx.lang, c.state)) }
            @if c.current_stage != 0 { " " span.badge { (labels::stage(ctx.lang, c.current_stage)) } }
            @if !warning_class.is_empty() {
                " " span class={ "card " (warning_class) } { (warning) }
                " " span.remaining { (remaining_words(&ctx, c.remaining_working_days)) }
            }
        }
        (done_notice(&ctx, done.as_deref()))
        (panel(&ctx, &loaded))
        (facts(&ctx, c, &names))
        (stages(&ctx, c))
        (suspensions_and_extensions(&ctx, c))
        (notices(&ctx, c, &material_names))
        (materials(&ctx, c, &material_names))
        (fees(&ctx, c))
        h2 { (ctx.tr("办理过程", "What happened")) }
        (timeline(&ctx, &c.timeline))
    };
    Ok(page(&ctx, &c.case_number, body).into_response())
}

/// "3 working days left" or "2 working days overdue".
pub fn remaining_words(ctx: &Ctx, days: i32) -> String {
    if days >= 0 {
        format!(
            "{} {} {}",
            ctx.tr("剩余", ""),
            days,
            ctx.tr("个工作日", "working days left")
        )
        .trim()
        .to_string()
    } else {
        format!(
            "{} {} {}",
            ctx.tr("已超时", "overdue by"),
            -days,
            ctx.t().working_days
        )
    }
}

fn facts(ctx: &Ctx, c: &pb::Case, names: &HashMap<String, String>) -> Markup {
    let t = ctx.t();
    html! {
        dl.facts {
            dt { (ctx.tr("办件编号", "Case number")) } dd { strong { (c.case_number) } }
            dt { (ctx.tr("事项", "Service")) } dd { a href={ "/items/" (seg(&c.item_id)) } { (c.item_name) } " " span.meta { (t.version) " " (c.item_version) } }
            dt { (t.department) } dd { (name_of(names, &c.department_id)) " (" (c.region_code) ")" }
            dt { (ctx.tr("申请方式", "Channel")) } dd { (vocab::channel(ctx.lang, c.channel)) }
            @if let Some(a) = &c.applicant {
                dt { (ctx.tr("申请人", "Applicant")) } dd { (a.name) }
                dt { (vocab::id_type(ctx.lang, a.id_type)) } dd { code { (a.id_number) } }
                dt { (ctx.tr("联系电话", "Telephone")) } dd { (a.phone) }
            }
            dt { (ctx.tr("申请时间", "Submitted")) } dd { (when(c.submitted_at.as_ref())) }
            @if !c.accepted_on.is_empty() {
                dt { (ctx.tr("受理日期", "Accepted on")) } dd { (c.accepted_on) }
                dt { (ctx.tr("承诺办结日期", "Due by (promised)")) } dd.limit { (c.planned_due_date) }
                dt { (ctx.tr("法定办结日期", "Due by (statutory)")) } dd { (c.latest_due_date) }
            }
            @if !c.years_without_schedule.is_empty() {
                dt { (ctx.tr("注意", "Note")) } dd.meta {
                    (ctx.tr("以下年份尚未公布节假日安排，日期按周末推算，可能调整：", "No holiday schedule yet for these years; the dates may move: "))
                    (c.years_without_schedule.iter().map(|y| y.to_string()).collect::<Vec<_>>().join("、"))
                }
            }
            @if !c.bundle_case_id.is_empty() {
                dt { (ctx.tr("所属一条龙", "Part of bundle")) } dd { a href={ "/bundle-cases/" (seg(&c.bundle_case_id)) } { (ctx.tr("查看一条龙办件", "See the bundle case")) } }
            }
            @if let Some(o) = &c.outcome {
                dt { (ctx.tr("办理结果", "Outcome")) } dd {
                    strong { (vocab::outcome(ctx.lang, o.kind)) }
                    @if !o.result_reference.is_empty() { " · " (o.result_reference) }
                    @if !o.reason.is_empty() { " · " (o.reason) }
                    @if !o.legal_basis.is_empty() { " · " (o.legal_basis) }
                    " · " (o.concluded_on)
                }
            }
            @if let Some(r) = &c.intake_refusal {
                dt { (ctx.tr("不予受理", "Intake refused")) } dd { (r.reason) " · " (r.legal_basis) }
            }
            @if !c.withdrawal_reason.is_empty() {
                dt { (ctx.tr("撤回原因", "Why withdrawn")) } dd { (c.withdrawal_reason) }
            }
        }
    }
}

fn stages(ctx: &Ctx, c: &pb::Case) -> Markup {
    if c.stages.is_empty() {
        return html! {};
    }
    html! {
        h2 { (ctx.tr("办理环节与时限", "Stages and deadlines")) }
        table.stages {
            thead { tr {
                th { (ctx.t().stage) } th { (ctx.t().handler) } th { (ctx.tr("状态", "State")) }
                th { (ctx.tr("开始", "Started")) } th { (ctx.tr("时限", "Limit")) } th { (ctx.tr("到期日", "Due")) }
                th { (ctx.tr("中止天数", "Suspended")) } th { (ctx.tr("完成", "Completed")) } th { (ctx.tr("意见", "Opinion")) }
            } }
            tbody {
                @for s in &c.stages {
                    tr class=[s.late.then_some("late")] {
                        td { (labels::stage(ctx.lang, s.stage)) }
                        td { (labels::handler_role(ctx.lang, s.handler_role)) }
                        td { (vocab::stage_state(ctx.lang, s.state)) @if s.late { " " span.card.red { (ctx.tr("超时", "late")) } } }
                        td { (s.started_on) }
                        td.num { (s.limit_days) }
                        td { (s.due_date) }
                        td.num { (s.suspended_days) }
                        td { (when(s.completed_at.as_ref())) @if !s.actor.is_empty() { br; span.meta { (s.actor) } } }
                        td { (s.opinion) }
                    }
                }
            }
        }
    }
}

fn suspensions_and_extensions(ctx: &Ctx, c: &pb::Case) -> Markup {
    html! {
        @if !c.suspensions.is_empty() {
            h2 { (ctx.tr("中止（特别程序）", "Suspensions (special procedures)")) }
            table {
                thead { tr { th { (ctx.tr("程序", "Procedure")) } th { (ctx.t().stage) } th { (ctx.tr("原因", "Reason")) }
                    th { (ctx.tr("开始", "Started")) } th { (ctx.tr("结束", "Ended")) } th.num { (ctx.tr("预计天数", "Declared")) } th.num { (ctx.tr("实际工作日", "Working days")) } } }
                tbody {
                    @for s in &c.suspensions {
                        tr class=[s.ended_on.is_empty().then_some("open")] {
                            td { (labels::special_procedure(ctx.lang, s.procedure)) }
                            td { (labels::stage(ctx.lang, s.stage)) }
                            td { (s.reason) }
                            td { (s.started_on) }
                            td { @if s.ended_on.is_empty() { em { (ctx.tr("进行中", "open")) } } @else { (s.ended_on) } }
                            td.num { (s.declared_days) }
                            td.num { (s.working_days) }
                        }
                    }
                }
            }
        }
        @if !c.extensions.is_empty() {
            h2 { (ctx.tr("延期", "Extensions")) }
            table {
                thead { tr { th.num { (ctx.tr("天数", "Days")) } th { (ctx.tr("原因", "Reason")) } th { (ctx.tr("批准人", "Approved by")) } th { (ctx.tr("时间", "When")) } } }
                tbody { @for e in &c.extensions {
                    tr { td.num { (e.days) } td { (e.reason) } td { (e.approved_by) } td { (when(e.approved_at.as_ref())) } }
                } }
            }
        }
    }
}

fn notices(ctx: &Ctx, c: &pb::Case, names: &HashMap<&str, &str>) -> Markup {
    html! {
        @if !c.supplement_notices.is_empty() {
            h2 { (ctx.tr("补正通知（一次性告知）", "Supplement notices")) }
            @for n in &c.supplement_notices {
                section.notice {
                    p { strong { "#" (n.number) } " · " (when(n.issued_at.as_ref())) " · " (n.issued_by) }
                    ul { @for i in &n.items {
                        li { (names.get(i.material_id.as_str()).copied().unwrap_or(&i.material_id)) ": " (i.problem) }
                    } }
                }
            }
        }
    }
}

fn materials(ctx: &Ctx, c: &pb::Case, names: &HashMap<&str, &str>) -> Markup {
    html! {
        h2 { (ctx.t().materials) }
        @if c.materials.is_empty() {
            p.meta { (ctx.tr("未提交材料。", "No materials submitted.")) }
        } @else {
            table.materials {
                thead { tr { th { (ctx.t().material) } th { (ctx.tr("文件", "File")) } th.num { (ctx.tr("大小", "Size")) }
                    th { (ctx.tr("提交时间", "Submitted")) } th { "SHA-256" } } }
                tbody {
                    @for m in &c.materials {
                        tr {
                            td { (names.get(m.material_id.as_str()).copied().unwrap_or(&m.material_id))
                                 @if !m.shared_material_id.is_empty() { " " span.badge { (ctx.t().shared_material) } }
                                 @if m.round > 0 { " " span.badge { (ctx.tr("补正", "resubmitted")) " " (m.round) } } }
                            td { a href={ "/cases/" (seg(&c.id)) "/materials/" (seg(&m.id)) } download { (m.name) } }
                            td.num { (size(m.size_bytes)) }
                            td { (when(m.submitted_at.as_ref())) }
                            td { code.hash title=(m.sha256) { (m.sha256.get(..12).unwrap_or(&m.sha256)) "…" } }
                        }
                    }
                }
            }
        }
    }
}

fn size(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else if bytes >= 1024 {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

fn fees(ctx: &Ctx, c: &pb::Case) -> Markup {
    html! {
        @if !c.fees.is_empty() {
            h2 { (ctx.t().fees) }
            table {
                thead { tr { th { (ctx.t().fee_item) } th.num { (ctx.t().amount) } th.num { (ctx.tr("标准", "Standard")) } th { (ctx.tr("缴费", "Paid")) } } }
                tbody { @for f in &c.fees {
                    tr class=[f.deviates_from_standard.then_some("late")] {
                        td { (f.name) }
                        td.num { (labels::yuan(f.amount_fen)) }
                        td.num { (labels::yuan(f.standard_amount_fen)) }
                        td { (when(f.paid_at.as_ref())) " " (f.payment_reference) }
                    }
                } }
            }
        }
    }
}

/// What happened to a case, oldest first.
pub fn timeline(ctx: &Ctx, entries: &[pb::TimelineEntry]) -> Markup {
    html! {
        ol.timeline {
            @for e in entries {
                li {
                    time { (when(e.at.as_ref())) }
                    " " strong { (vocab::timeline_action(ctx.lang, &e.action)) }
                    @if !e.note.is_empty() { " · " span { (vocab::timeline_note(ctx.lang, &e.note)) } }
                }
            }
        }
    }
}

/// Content types a browser may be handed as they are; anything else is a plain download.
const SAFE_TYPES: [&str; 5] = [
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "text/plain",
];

pub async fn material(
    ctx: Ctx,
    Path((case_id, material_id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    ctx.require_sign_in()?;
    let case = ctx
        .cases()?
        .get_case(ctx.req(pb::GetCaseRequest {
            case_id: case_id.clone(),
        }))
        .await
        .map_err(|s| ctx.error(&s))?
        .into_inner();
    let Some(file) = case.materials.iter().find(|m| m.id == material_id) else {
        return Err(ctx.not_found());
    };
    let body = ctx
        .cases()?
        .get_material_content(ctx.req(pb::GetMaterialContentRequest {
            case_id,
            case_material_id: material_id,
        }))
        .await
        .map_err(|s| ctx.error(&s))?
        .into_inner();
    let declared = body.content_type.to_ascii_lowercase();
    let content_type = if SAFE_TYPES.contains(&declared.as_str()) {
        declared
    } else {
        "application/octet-stream".to_string()
    };
    let ascii: String = file
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let utf8 =
        percent_encoding::utf8_percent_encode(&file.name, percent_encoding::NON_ALPHANUMERIC);
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{utf8}");
    let mut response = body.data.into_response();
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    // An uploaded file is the applicant's, never a page of ours: no scripts, no caching.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}
