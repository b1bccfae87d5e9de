//! Evaluation monitoring: the applicant's evaluation, the ratings, and rectification tasks.

use chrono::NaiveDate;
use onewindow_kit::auth::{principal, Principal, Role};
use onewindow_kit::error::{Error, Violations};
use onewindow_kit::outbox::pack;
use onewindow_kit::unit_of_work::{Begin, UnitOfWork};
use onewindow_proto::supervision::v1 as pb;
use tonic::{Request, Response, Status};

use super::convert::{count, format_date, optional_date};
use super::records::{
    dimension_from_proto, evaluation_to_proto, rating_from_proto, rectification_state_from_proto,
    rectification_to_proto,
};
use super::{invalid, region_code, status, Ctx, Page, Reader};
use crate::domain::evaluation::{
    self, EvaluatedCase, Evaluation, Rating, Rectification, RectificationCommand,
};
use crate::domain::performance::{Counts, StatDelta};
use crate::domain::SupervisionError;
use crate::effects::{new_id, EVALUATION_SUBMITTED, RECTIFICATION_CHANGED};
use crate::store;
use crate::store::evaluations::{EvaluationFilter, RectificationFilter};
use crate::store::stats::Grouping;
use onewindow_kit::error::to_json;

async fn rectification_event(uow: &mut UnitOfWork, r: &pb::Rectification) -> Result<(), Status> {
    uow.event(
        RECTIFICATION_CHANGED,
        "rectification",
        &r.id,
        pack(
            "onewindow.supervision.v1.RectificationChanged",
            &pb::RectificationChanged {
                rectification: Some(r.clone()),
            },
        ),
    )
    .await
    .map_err(status)?;
    Ok(())
}

pub(super) async fn submit_evaluation(
    ctx: &Ctx,
    request: Request<pb::SubmitEvaluationRequest>,
) -> Result<Response<pb::Evaluation>, Status> {
    let req = request.get_ref();
    let mut v = Violations::new();
    v.check(
        req.case_number.trim().is_empty(),
        "case_number",
        "is required",
    );
    v.check(
        req.query_code.trim().is_empty(),
        "query_code",
        "is required",
    );
    let dims: Vec<_> = req
        .dimensions
        .iter()
        .map(|d| {
            (
                dimension_from_proto(d.dimension),
                rating_from_proto(d.rating),
            )
        })
        .collect();
    let checked = evaluation::validate(rating_from_proto(req.rating), &dims, &req.comment);
    match (&checked, v.is_empty()) {
        (Err(SupervisionError::Invalid(more)), _) => {
            v.extend(more.clone());
            return Err(invalid(v));
        }
        (_, false) => return Err(invalid(v)),
        _ => {}
    }
    let (rating, dimensions) = checked.map_err(status)?;
    // The cases service proves the evaluator holds the case's number and query code.
    let verified = ctx
        .core
        .verifier
        .verify(req.case_number.trim(), req.query_code.trim())
        .await
        .map_err(|e| match e {
            Error::NotFound { .. } => status(Error::not_found("case", req.case_number.trim())),
            other => status(other),
        })?;
    let (_, begun) = ctx
        .begin::<pb::Evaluation, _>(
            "SubmitEvaluation",
            &request,
            &req.request_id,
            &[Role::Public],
        )
        .await?;
    let mut uow = match begun {
        Begin::Replay(r) => return Ok(Response::new(r)),
        Begin::New(u) => u,
    };
    let now = uow.now();
    let today = ctx.today();
    let mut e = Evaluation {
        id: new_id(),
        case: EvaluatedCase {
            case_id: verified.case_id,
            case_number: verified.case_number,
            item_id: verified.item_id,
            department_id: verified.department_id,
            region_code: verified.region_code,
        },
        rating,
        dimensions,
        comment: req.comment.trim().to_string(),
        submitted_at: now,
        submitted_on: today,
        rectification_id: None,
    };
    let task = if rating.is_bad() {
        let calendar = ctx.core.calendar(&e.case.region_code);
        let task = Rectification::open(
            new_id(),
            &e,
            ctx.core.settings.rectification_days,
            &calendar,
        )
        .map_err(status)?;
        e.rectification_id = Some(task.id.clone());
        Some(task)
    } else {
        None
    };
    if !store::evaluations::insert(uow.tx(), &e)
        .await
        .map_err(status)?
    {
        return Err(status(Error::AlreadyExists {
            kind: "evaluation of case",
            id: e.case.case_number.clone(),
        }));
    }
    store::stats::bump(
        uow.tx(),
        &StatDelta {
            day: today,
            department_id: e.case.department_id.clone(),
            region_code: e.case.region_code.clone(),
            counts: Counts {
                evaluations: 1,
                rating_points: rating.score(),
                good_ratings: i64::from(rating >= Rating::Fair),
                bad_ratings: i64::from(rating.is_bad()),
                ..Counts::default()
            },
        },
    )
    .await
    .map_err(status)?;
    let out = evaluation_to_proto(&e);
    uow.event(
        EVALUATION_SUBMITTED,
        "evaluation",
        &e.id,
        pack(
            "onewindow.supervision.v1.EvaluationSubmitted",
            &pb::EvaluationSubmitted {
                evaluation: Some(out.clone()),
            },
        ),
    )
    .await
    .map_err(status)?;
    uow.audit("evaluation", &e.id, "submit", to_json(&e).map_err(status)?)
        .await
        .map_err(status)?;
    if let Some(task) = task {
        store::evaluations::insert_rectification(uow.tx(), &task, now.timestamp_millis())
            .await
            .map_err(status)?;
        rectification_event(&mut uow, &rectification_to_proto(&task, today)).await?;
        uow.audit(
            "rectification",
            &task.id,
            "open",
            to_json(&task).map_err(status)?,
        )
        .await
        .map_err(status)?;
    }
    ctx.finish(uow, out).await
}

pub(super) async fn list_evaluations(
    ctx: &Ctx,
    request: Request<pb::ListEvaluationsRequest>,
) -> Result<Response<pb::ListEvaluationsResponse>, Status> {
    let reader = Reader::of(&principal(&request)).map_err(status)?;
    let req = request.into_inner();
    let mut v = Violations::new();
    let page = Page::parse(req.page_size, &req.page_token, &mut v);
    let max_rating = match req.max_rating {
        0 => None,
        r => {
            v.check(
                rating_from_proto(r).is_none(),
                "max_rating",
                "is not a rating",
            );
            Some(i64::from(r))
        }
    };
    if !v.is_empty() {
        return Err(invalid(v));
    }
    let filter = EvaluationFilter {
        department_id: reader.department(&req.department_id).map_err(status)?,
        region_code: reader.region(&req.region_code).map_err(status)?,
        max_rating,
    };
    let (items, total) = store::evaluations::list(&ctx.core.db, &filter, page.limit, page.offset)
        .await
        .map_err(status)?;
    Ok(Response::new(pb::ListEvaluationsResponse {
        next_page_token: page.next_token(items.len(), total),
        evaluations: items.iter().map(evaluation_to_proto).collect(),
        total_size: count(total),
    }))
}

pub(super) async fn get_department_ratings(
    ctx: &Ctx,
    request: Request<pb::GetDepartmentRatingsRequest>,
) -> Result<Response<pb::GetDepartmentRatingsResponse>, Status> {
    let req = request.into_inner();
    region_code(&req.region_code).map_err(status)?;
    let mut v = Violations::new();
    let from = optional_date(&req.from, "from", &mut v);
    let to = optional_date(&req.to, "to", &mut v);
    if !v.is_empty() {
        return Err(invalid(v));
    }
    let db = &ctx.core.db;
    let rows = store::evaluations::ratings(db, from, to, &req.region_code)
        .await
        .map_err(status)?;
    // Concluded and on time, by the day of conclusion; "all time" is every day recorded
    // (days are stored as ISO text: the bounds are four-digit years).
    let (first, last) = (
        NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or_default(),
        NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or_default(),
    );
    let mut timeliness = store::stats::grouped(
        db,
        Grouping::Department,
        from.unwrap_or(first),
        to.unwrap_or(last),
        &req.region_code,
        "",
    )
    .await
    .map_err(status)?;
    let round = |x: f64| (x * 10_000.0).round() / 10_000.0;
    let mut departments: Vec<pb::DepartmentRating> = rows
        .into_iter()
        .map(|(department_id, region_code, by)| {
            let total: i64 = by.iter().sum();
            let points: i64 = by.iter().zip(1i64..).map(|(n, score)| n * score).sum();
            let share = |n: i64| {
                if total == 0 {
                    0.0
                } else {
                    round(n as f64 / total as f64)
                }
            };
            pb::DepartmentRating {
                department_id,
                region_code,
                evaluations: count(total),
                by_rating: by.iter().map(|n| count(*n)).collect(),
                average: share(points),
                good_rate: share(by[2] + by[3] + by[4]),
                bad_rate: share(by[0] + by[1]),
                ..Default::default()
            }
        })
        .collect();
    // Departments with cases concluded and none rated yet are shown too.
    for (department_id, region_code, _) in &timeliness {
        if !departments
            .iter()
            .any(|d| d.department_id == *department_id)
        {
            departments.push(pb::DepartmentRating {
                department_id: department_id.clone(),
                region_code: region_code.clone(),
                by_rating: vec![0; 5],
                ..Default::default()
            });
        }
    }
    for d in &mut departments {
        if let Some(at) = timeliness
            .iter()
            .position(|(id, _, _)| *id == d.department_id)
        {
            let (_, _, c) = timeliness.swap_remove(at);
            d.concluded = count(c.concluded);
            d.concluded_on_time = count(c.on_time);
            d.on_time_rate = round(c.on_time_rate().unwrap_or(0.0));
        }
    }
    departments.sort_by(|a, b| {
        b.average
            .total_cmp(&a.average)
            .then_with(|| a.department_id.cmp(&b.department_id))
    });
    Ok(Response::new(pb::GetDepartmentRatingsResponse {
        period: Some(pb::Period {
            from: from.map(format_date).unwrap_or_default(),
            to: to.map(format_date).unwrap_or_default(),
        }),
        departments,
    }))
}

pub(super) async fn list_rectifications(
    ctx: &Ctx,
    request: Request<pb::ListRectificationsRequest>,
) -> Result<Response<pb::ListRectificationsResponse>, Status> {
    let reader = Reader::of(&principal(&request)).map_err(status)?;
    let req = request.into_inner();
    let mut v = Violations::new();
    let page = Page::parse(req.page_size, &req.page_token, &mut v);
    let state = match req.state {
        0 => None,
        s => {
            let parsed = rectification_state_from_proto(s);
            v.check(parsed.is_none(), "state", "is not a rectification state");
            parsed
        }
    };
    if !v.is_empty() {
        return Err(invalid(v));
    }
    let today = ctx.today();
    let filter = RectificationFilter {
        department_id: reader.department(&req.department_id).map_err(status)?,
        // The request names no region: supervisors see every region, staff their own.
        region_code: reader.region("").map_err(status)?,
        state,
        overdue_on: req.overdue_only.then_some(today),
    };
    let (items, total) =
        store::evaluations::list_rectifications(&ctx.core.db, &filter, page.limit, page.offset)
            .await
            .map_err(status)?;
    Ok(Response::new(pb::ListRectificationsResponse {
        next_page_token: page.next_token(items.len(), total),
        rectifications: items
            .iter()
            .map(|r| rectification_to_proto(r, today))
            .collect(),
        total_size: count(total),
    }))
}

pub(super) async fn get_rectification(
    ctx: &Ctx,
    request: Request<pb::GetRectificationRequest>,
) -> Result<Response<pb::Rectification>, Status> {
    let reader = Reader::of(&principal(&request)).map_err(status)?;
    let id = request.into_inner().rectification_id;
    let r = store::evaluations::get_rectification(&ctx.core.db, &id)
        .await
        .map_err(status)?
        .filter(|r| reader.may_see_in(&r.case.department_id, &r.case.region_code))
        .ok_or_else(|| status(Error::not_found("rectification", &id)))?;
    Ok(Response::new(rectification_to_proto(&r, ctx.today())))
}

/// Who may give a command on a task: supervisors, or for a reply, the department's staff.
fn authorize(
    who: &Principal,
    task: &Rectification,
    command: &RectificationCommand,
) -> Result<(), Error> {
    match command {
        RectificationCommand::Reply { .. } => {
            who.require_any(&[Role::Clerk, Role::Approver])?;
            // Staff act only for their own department in their own region.
            who.require_department(&task.case.department_id, &task.case.region_code)
        }
        _ => who.require_any(&[Role::Supervisor]),
    }
}

async fn change(
    ctx: &Ctx,
    method: &str,
    request: &Request<impl prost::Message>,
    request_id: &str,
    id: &str,
    revision: i64,
    command: RectificationCommand,
) -> Result<Response<pb::Rectification>, Status> {
    let roles = [Role::Supervisor, Role::Clerk, Role::Approver];
    let (who, begun) = ctx
        .begin::<pb::Rectification, _>(method, request, request_id, &roles)
        .await?;
    let mut uow = match begun {
        Begin::Replay(r) => return Ok(Response::new(r)),
        Begin::New(u) => u,
    };
    let current = store::evaluations::load_rectification(uow.tx(), id)
        .await
        .map_err(status)?
        .ok_or_else(|| status(Error::not_found("rectification", id)))?;
    authorize(&who, &current, &command).map_err(status)?;
    SupervisionError::check_revision("rectification", id, revision, current.revision)
        .map_err(status)?;
    let action = match &command {
        RectificationCommand::RecordCallBack { .. } => "record_call_back",
        RectificationCommand::Reply { .. } => "reply",
        RectificationCommand::Close { .. } => "close",
    };
    let next = current
        .decide(command, &who.subject, uow.now())
        .map_err(status)?;
    store::evaluations::save_rectification(uow.tx(), &next)
        .await
        .map_err(status)?;
    let out = rectification_to_proto(&next, ctx.today());
    rectification_event(&mut uow, &out).await?;
    uow.audit(
        "rectification",
        &next.id,
        action,
        to_json(&next).map_err(status)?,
    )
    .await
    .map_err(status)?;
    ctx.finish(uow, out).await
}

pub(super) async fn record_call_back(
    ctx: &Ctx,
    request: Request<pb::RecordCallBackRequest>,
) -> Result<Response<pb::Rectification>, Status> {
    let r = request.get_ref().clone();
    let command = RectificationCommand::RecordCallBack {
        reached: r.reached,
        note: r.note,
    };
    change(
        ctx,
        "RecordCallBack",
        &request,
        &r.request_id,
        &r.rectification_id,
        r.revision,
        command,
    )
    .await
}

pub(super) async fn reply_rectification(
    ctx: &Ctx,
    request: Request<pb::ReplyRectificationRequest>,
) -> Result<Response<pb::Rectification>, Status> {
    let r = request.get_ref().clone();
    let command = RectificationCommand::Reply {
        measures: r.measures,
    };
    change(
        ctx,
        "ReplyRectification",
        &request,
        &r.request_id,
        &r.rectification_id,
        r.revision,
        command,
    )
    .await
}

pub(super) async fn close_rectification(
    ctx: &Ctx,
    request: Request<pb::CloseRectificationRequest>,
) -> Result<Response<pb::Rectification>, Status> {
    let r = request.get_ref().clone();
    let command = RectificationCommand::Close { note: r.note };
    change(
        ctx,
        "CloseRectification",
        &request,
        &r.request_id,
        &r.rectification_id,
        r.revision,
        command,
    )
    .await
}
