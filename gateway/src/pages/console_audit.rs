//! Audit verification in the console: a supervisor asks a service to recompute the hash
//! chain of one object's trail, or to sweep every trail a page at a time, and sees what
//! holds and where a chain breaks.

use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use onewindow_kit::auth::Role;
use onewindow_proto::common::v1 as common;
use serde::Deserialize;

use super::layout::page;
use super::{Ctx, PageError};

/// The services whose trails can be verified, with the object types each records.
const SERVICES: [(&str, &str, &str, &str); 4] = [
    ("cases", "办件", "Cases", "case, bundle_case"),
    (
        "catalog",
        "事项目录",
        "Catalog",
        "item, bundle, adjustment_batch, department, calendar, catalog",
    ),
    ("trading", "公共资源交易", "Trading", "project, bid, expert"),
    (
        "supervision",
        "电子监察",
        "Supervision",
        "warning, violation, evaluation, complaint",
    ),
];

#[derive(Debug, Default, Deserialize)]
pub struct AuditParams {
    #[serde(default)]
    service: String,
    #[serde(default)]
    object_type: String,
    #[serde(default)]
    object_id: String,
    #[serde(default)]
    page_token: String,
    /// `1`: run the sweep.
    #[serde(default)]
    sweep: String,
}

pub async fn audit(ctx: Ctx, Query(p): Query<AuditParams>) -> Result<Response, PageError> {
    ctx.require_sign_in()?;
    if !ctx.has(Role::Supervisor) {
        return Err(ctx.error(&tonic::Status::permission_denied(
            "audit verification is for supervisors",
        )));
    }
    let service = SERVICES
        .iter()
        .find(|s| s.0 == p.service)
        .map_or("cases", |s| s.0);
    let object = if p.object_id.is_empty() {
        None
    } else {
        let ask = common::VerifyAuditTrailRequest {
            object_type: p.object_type.clone(),
            object_id: p.object_id.clone(),
        };
        let answer = match service {
            "catalog" => ctx.catalog()?.verify_audit_trail(ctx.req(ask)).await,
            "trading" => ctx.trading()?.verify_audit_trail(ctx.req(ask)).await,
            "supervision" => ctx.supervision()?.verify_audit_trail(ctx.req(ask)).await,
            _ => ctx.cases()?.verify_audit_trail(ctx.req(ask)).await,
        };
        Some(answer.map_err(|s| ctx.error(&s))?.into_inner())
    };
    let sweep = if p.sweep == "1" {
        let ask = common::VerifyAuditRequest {
            page_size: 200,
            page_token: p.page_token.clone(),
            object_type: if p.object_id.is_empty() {
                p.object_type.clone()
            } else {
                String::new()
            },
        };
        let answer = match service {
            "catalog" => ctx.catalog()?.verify_audit(ctx.req(ask)).await,
            "trading" => ctx.trading()?.verify_audit(ctx.req(ask)).await,
            "supervision" => ctx.supervision()?.verify_audit(ctx.req(ask)).await,
            _ => ctx.cases()?.verify_audit(ctx.req(ask)).await,
        };
        Some(answer.map_err(|s| ctx.error(&s))?.into_inner())
    } else {
        None
    };
    let title = ctx.tr("审计链校验", "Audit trail verification");
    let body = html! {
        p.crumbs { a href="/supervision" { (ctx.tr("电子监察", "Supervision")) } " › " (title) }
        h1 { (title) }
        p { (ctx.tr(
            "每项状态变更都按对象记入审计链，每条记录含上一条的哈希。校验由服务依据所存记录重新计算整条链。",
            "Every state change is recorded in a per-object audit trail, each entry holding the hash of the one before. Verification makes the service recompute the whole chain from the stored rows.",
        )) }
        form.filters method="get" action="/supervision/audit" {
            label { (ctx.tr("服务", "Service")) " " select name="service" {
                @for s in &SERVICES {
                    option value=(s.0) selected[s.0 == service] { (ctx.tr(s.1, s.2)) }
                }
            } }
            " " label { (ctx.tr("对象类型", "Object type")) " " input name="object_type" value=(p.object_type) maxlength="64" placeholder="case"; }
            " " label { (ctx.tr("对象编号", "Object id")) " " input name="object_id" value=(p.object_id) maxlength="200"; }
            " " button type="submit" { (ctx.tr("校验此对象", "Verify this object")) }
            " " button type="submit" name="sweep" value="1" { (ctx.tr("全量巡检", "Sweep every trail")) }
        }
        p.hint { (ctx.tr("各服务的对象类型：", "Object types by service: "))
            @for s in &SERVICES { (ctx.tr(s.1, s.2)) " (" code { (s.3) } ") " } }
        @if let Some(v) = &object {
            h2 { (v.object_type) " " (v.object_id) }
            (verification(&ctx, v))
        }
        @if let Some(page) = &sweep {
            h2 { (ctx.tr("巡检结果", "Sweep")) }
            p.status-line {
                (ctx.tr("本页校验对象", "Objects checked on this page")) ": " strong { (page.objects.len()) } "; "
                (ctx.tr("链条断裂", "broken")) ": "
                @if page.broken_count > 0 { span.card.red { (page.broken_count) } } @else { strong { "0" } }
            }
            table.audit {
                thead { tr {
                    th { (ctx.tr("对象类型", "Object type")) } th { (ctx.tr("对象编号", "Object id")) }
                    th { (ctx.tr("记录数", "Entries")) } th { (ctx.tr("结果", "Result")) }
                } }
                tbody { @for o in page.objects.iter().filter(|o| !o.verified).chain(page.objects.iter().filter(|o| o.verified)) {
                    tr class=[(!o.verified).then_some("red")] {
                        td { (o.object_type) }
                        td { a href=(object_link(service, o)) { (o.object_id) } }
                        td { (o.entries) }
                        td { @if o.verified { (ctx.tr("完整", "intact")) } @else if let Some(b) = &o.broken { span.card.red { (ctx.tr("断裂", "broken")) } " " (b.problem) } }
                    }
                } }
            }
            @if !page.next_page_token.is_empty() {
                p { a href=(next_link(service, &p, &page.next_page_token)) { (ctx.tr("下一页", "Next page")) " →" } }
            }
        }
    };
    Ok(page(&ctx, title, body).into_response())
}

fn verification(ctx: &Ctx, v: &common::AuditVerification) -> Markup {
    html! {
        @match &v.broken {
            None => p.status-line { span.badge.state { (ctx.tr("完整", "Intact")) } " "
                (ctx.tr("全部记录哈希与链接均已重新计算核对：", "Every hash recomputed and every link checked: ")) (v.entries) " " (ctx.tr("条记录", "entries")) },
            Some(b) => {
                p.status-line { span.card.red { (ctx.tr("链条断裂", "Broken")) } " " (b.problem) }
                dl.facts {
                    dt { (ctx.tr("位置", "Entry")) } dd { (b.position) " / " (v.entries) " (seq " (b.seq) ")" }
                    dt { (ctx.tr("问题", "What differs")) } dd { (break_kind(ctx, b.kind)) }
                    dt { (ctx.tr("所存值", "Stored")) } dd { code { (b.stored) } }
                    dt { (ctx.tr("应为", "Expected")) } dd { code { (b.expected) } }
                }
            }
        }
    }
}

fn break_kind(ctx: &Ctx, kind: i32) -> &'static str {
    match common::AuditBreakKind::try_from(kind).unwrap_or_default() {
        common::AuditBreakKind::Altered => ctx.tr(
            "记录内容被改动：重新计算的哈希与所存哈希不符",
            "the entry's content was changed: its recomputed hash differs from the stored one",
        ),
        common::AuditBreakKind::Unlinked => ctx.tr(
            "链接断开：记录的上一哈希不是前一条记录的哈希（记录被删除、插入或改链）",
            "the link is broken: its previous hash is not the hash of the entry before (an entry removed, inserted or re-linked)",
        ),
        common::AuditBreakKind::Unspecified => "",
    }
}

fn query(pairs: &[(&str, &str)]) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        q.append_pair(k, v);
    }
    q.finish()
}

fn object_link(service: &str, o: &common::AuditVerification) -> String {
    format!(
        "/supervision/audit?{}",
        query(&[
            ("service", service),
            ("object_type", &o.object_type),
            ("object_id", &o.object_id),
        ])
    )
}

fn next_link(service: &str, p: &AuditParams, token: &str) -> String {
    format!(
        "/supervision/audit?{}",
        query(&[
            ("service", service),
            ("object_type", &p.object_type),
            ("sweep", "1"),
            ("page_token", token),
        ])
    )
}
