//! Permission monitoring: the rules, violations and their follow-up, the mailroom report.

use onewindow_kit::auth::{principal, Role};
use onewindow_kit::error::{Error, Violations};
use onewindow_kit::outbox::pack;
use onewindow_kit::unit_of_work::Begin;
use onewindow_proto::supervision::v1 as pb;
use tonic::{Request, Response, Status};

use super::convert::{
    count, date, format_date, resolution_from_proto, rule_to_proto, severity_from_proto,
    subject_from_proto, violation_status_from_proto, violation_to_proto,
};
use super::{invalid, status, Ctx, Page, Reader};
use crate::domain::rules::RULES;
use crate::domain::violation::ViolationCommand;
use crate::domain::SupervisionError;
use crate::effects::VIOLATION_CHANGED;
use crate::store;
use crate::store::violations::ViolationFilter;
use onewindow_kit::error::to_json;

pub(super) async fn list_rules(
    ctx: &Ctx,
    _request: Request<pb::ListRulesRequest>,
) -> Result<Response<pb::ListRulesResponse>, Status> {
    let settings = &ctx.core.settings.rules;
    Ok(Response::new(pb::ListRulesResponse {
        rules: RULES.iter().map(|r| rule_to_proto(r, settings)).collect(),
    }))
}

/// An enum filter: 0 for none, else a known value.
fn optional<T>(
    raw: i32,
    parse: impl Fn(i32) -> Option<T>,
    field: &str,
    v: &mut Violations,
) -> Option<T> {
    if raw == 0 {
        return None;
    }
    let parsed = parse(raw);
    v.check(parsed.is_none(), field, "is not a known value");
    parsed
}

pub(super) async fn list_violations(
    ctx: &Ctx,
    request: Request<pb::ListViolationsRequest>,
) -> Result<Response<pb::ListViolationsResponse>, Status> {
    let reader = Reader::of(&principal(&request)).map_err(status)?;
    let req = request.into_inner();
    let mut v = Violations::new();
    let page = Page::parse(req.page_size, &req.page_token, &mut v);
    let filter = ViolationFilter {
        department_id: String::new(),
        region_code: String::new(),
        rule: req.rule_id.clone(),
        status: optional(req.status, violation_status_from_proto, "status", &mut v),
        subject_kind: optional(req.subject_kind, subject_from_proto, "subject_kind", &mut v),
        subject_id: req.subject_id.clone(),
        min_severity: optional(
            req.min_severity,
            severity_from_proto,
            "min_severity",
            &mut v,
        ),
    };
    if !v.is_empty() {
        return Err(invalid(v));
    }
    let filter = ViolationFilter {
        department_id: reader.department(&req.department_id).map_err(status)?,
        region_code: reader.region(&req.region_code).map_err(status)?,
        ..filter
    };
    let (items, total) = store::violations::list(&ctx.core.db, &filter, page.limit, page.offset)
        .await
        .map_err(status)?;
    Ok(Response::new(pb::ListViolationsResponse {
        next_page_token: page.next_token(items.len(), total),
        violations: items.iter().map(violation_to_proto).collect(),
        total_size: count(total),
    }))
}

pub(super) async fn get_violation(
    ctx: &Ctx,
    request: Request<pb::GetViolationRequest>,
) -> Result<Response<pb::Violation>, Status> {
    let reader = Reader::of(&principal(&request)).map_err(status)?;
    let id = request.into_inner().violation_id;
    let found = store::violations::get(&ctx.core.db, &id)
        .await
        .map_err(status)?
        .filter(|x| reader.may_see_in(&x.department_id, &x.region_code))
        .ok_or_else(|| status(Error::not_found("violation", &id)))?;
    Ok(Response::new(violation_to_proto(&found)))
}

async fn change(
    ctx: &Ctx,
    method: &str,
    request: &Request<impl prost::Message>,
    request_id: &str,
    violation_id: &str,
    revision: i64,
    command: ViolationCommand,
) -> Result<Response<pb::Violation>, Status> {
    let (who, begun) = ctx
        .begin::<pb::Violation, _>(method, request, request_id, &[Role::Supervisor])
        .await?;
    let mut uow = match begun {
        Begin::Replay(r) => return Ok(Response::new(r)),
        Begin::New(u) => u,
    };
    let current = store::violations::load(uow.tx(), violation_id)
        .await
        .map_err(status)?
        .ok_or_else(|| status(Error::not_found("violation", violation_id)))?;
    SupervisionError::check_revision("violation", violation_id, revision, current.revision)
        .map_err(status)?;
    let action = match &command {
        ViolationCommand::Assign { .. } => "assign",
        ViolationCommand::Resolve { .. } => "resolve",
    };
    let next = current
        .decide(command, &who.subject, uow.now())
        .map_err(status)?;
    store::violations::save(uow.tx(), &next)
        .await
        .map_err(status)?;
    let out = violation_to_proto(&next);
    uow.event(
        VIOLATION_CHANGED,
        "violation",
        &next.id,
        pack(
            "onewindow.supervision.v1.ViolationChanged",
            &pb::ViolationChanged {
                violation: Some(out.clone()),
            },
        ),
    )
    .await
    .map_err(status)?;
    uow.audit(
        "violation",
        &next.id,
        action,
        to_json(&next).map_err(status)?,
    )
    .await
    .map_err(status)?;
    ctx.finish(uow, out).await
}

pub(super) async fn assign_violation(
    ctx: &Ctx,
    request: Request<pb::AssignViolationRequest>,
) -> Result<Response<pb::Violation>, Status> {
    let req = request.get_ref().clone();
    let command = ViolationCommand::Assign {
        assignee: req.assignee,
        note: req.note,
    };
    change(
        ctx,
        "AssignViolation",
        &request,
        &req.request_id,
        &req.violation_id,
        req.revision,
        command,
    )
    .await
}

pub(super) async fn resolve_violation(
    ctx: &Ctx,
    request: Request<pb::ResolveViolationRequest>,
) -> Result<Response<pb::Violation>, Status> {
    let req = request.get_ref().clone();
    let Some(resolution) = resolution_from_proto(req.resolution) else {
        return Err(status(Error::invalid(
            "resolution",
            "must be rectified or dismissed",
        )));
    };
    let command = ViolationCommand::Resolve {
        resolution,
        note: req.note,
    };
    change(
        ctx,
        "ResolveViolation",
        &request,
        &req.request_id,
        &req.violation_id,
        req.revision,
        command,
    )
    .await
}

fn share(n: i64, of: i64) -> f64 {
    if of == 0 {
        0.0
    } else {
        ((n as f64 / of as f64) * 10_000.0).round() / 10_000.0
    }
}

pub(super) async fn get_mailroom_report(
    ctx: &Ctx,
    request: Request<pb::GetMailroomReportRequest>,
) -> Result<Response<pb::MailroomReport>, Status> {
    let reader = Reader::of(&principal(&request)).map_err(status)?;
    let req = request.into_inner();
    let mut v = Violations::new();
    let from = date(&req.from, "from", &mut v);
    let to = date(&req.to, "to", &mut v);
    let (Some(from), Some(to), true) = (from, to, v.is_empty()) else {
        return Err(invalid(v));
    };
    let region = reader.region(&req.region_code).map_err(status)?;
    let mut rows = store::stats::mailroom(&ctx.core.db, from, to, &region)
        .await
        .map_err(status)?;
    rows.retain(|r| reader.may_see_in(&r.department_id, &r.region_code));
    let mut out: Vec<pb::MailroomRow> = rows
        .iter()
        .map(|r| pb::MailroomRow {
            department_id: r.department_id.clone(),
            region_code: r.region_code.clone(),
            accepted: count(r.accepted),
            accept_only: count(r.accept_only),
            accept_only_share: share(r.accept_only, r.accepted),
            accept_only_concluded: count(r.accept_only_concluded),
            average_days_outside: share(r.accept_only_days, r.accept_only_concluded),
            average_days_fully_authorized: share(r.full_days, r.full_concluded),
            unknown: count(r.unknown),
        })
        .collect();
    out.sort_by(|a, b| {
        b.accept_only_share
            .total_cmp(&a.accept_only_share)
            .then_with(|| a.department_id.cmp(&b.department_id))
    });
    Ok(Response::new(pb::MailroomReport {
        period: Some(pb::Period {
            from: format_date(from),
            to: format_date(to),
        }),
        rows: out,
    }))
}
