//! Report supervision: filing and following a complaint, and the supervisor's steps.

use chrono::Datelike;
use onewindow_kit::auth::{principal, Role};
use onewindow_kit::error::{Error, Violations};
use onewindow_kit::outbox::pack;
use onewindow_kit::unit_of_work::{Begin, UnitOfWork};
use onewindow_proto::supervision::v1 as pb;
use rand::Rng;
use tonic::{Request, Response, Status};

use super::convert::count;
use super::records::{
    complaint_changed, complaint_kind_from_proto, complaint_state_from_proto, complaint_status,
    complaint_to_proto, ComplaintView,
};
use super::{invalid, status, Ctx, Page, Reader};
use crate::domain::complaint::{
    same_hash, secret_hash, Complainant, Complaint, ComplaintCommand, ComplaintState, Concerning,
    Filing,
};
use crate::domain::performance::{Counts, StatDelta};
use crate::domain::SupervisionError;
use crate::effects::{new_id, COMPLAINT_CHANGED};
use crate::store;
use crate::store::complaints::ComplaintFilter;
use onewindow_kit::error::to_json;

/// Letters and digits that cannot be mistaken for one another when read aloud or copied.
const SECRET_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const SECRET_LEN: usize = 12;

fn new_secret() -> String {
    let mut rng = rand::rngs::OsRng;
    (0..SECRET_LEN)
        .map(|_| char::from(SECRET_ALPHABET[rng.gen_range(0..SECRET_ALPHABET.len())]))
        .collect()
}

/// What the audit trail keeps of a complaint: never the complainant.
fn audited(c: &Complaint) -> Result<String, Status> {
    let mut redacted = c.clone();
    redacted.complainant = redacted.complainant.map(|_| Complainant {
        name: "***".into(),
        phone: String::new(),
        email: String::new(),
    });
    to_json(&redacted).map_err(status)
}

async fn changed_event(uow: &mut UnitOfWork, c: &Complaint) -> Result<(), Status> {
    uow.event(
        COMPLAINT_CHANGED,
        "complaint",
        &c.id,
        pack(
            "onewindow.supervision.v1.ComplaintChanged",
            &complaint_changed(c),
        ),
    )
    .await
    .map_err(status)?;
    Ok(())
}

pub(super) async fn file_complaint(
    ctx: &Ctx,
    request: Request<pb::FileComplaintRequest>,
) -> Result<Response<pb::FileComplaintResponse>, Status> {
    let req = request.get_ref();
    let who = req.complainant.clone().unwrap_or_default();
    let filing = Filing {
        kind: complaint_kind_from_proto(req.kind),
        concerning: Concerning {
            case_number: req.case_number.trim().to_string(),
            department_id: req.department_id.trim().to_string(),
            trading_project_id: req.trading_project_id.trim().to_string(),
            region_code: req.region_code.trim().to_string(),
        },
        content: req.content.trim().to_string(),
        anonymous: req.anonymous,
        complainant: Complainant {
            name: who.name.trim().to_string(),
            phone: who.phone.trim().to_string(),
            email: who.email.trim().to_string(),
        },
    };
    let (kind, mut filing) = filing.validate().map_err(status)?;
    // A complaint about a case concerns the case's department, whether or not the
    // complainant knew which one that is.
    let about = &mut filing.concerning;
    if about.department_id.is_empty() && !about.case_number.is_empty() {
        if let Some((department, region)) =
            store::cases::department_of(&ctx.core.db, &about.case_number)
                .await
                .map_err(status)?
        {
            about.department_id = department;
            if about.region_code.is_empty() {
                about.region_code = region;
            }
        }
    }
    let (_, begun) = ctx
        .begin::<pb::FileComplaintResponse, _>(
            "FileComplaint",
            &request,
            &req.request_id,
            &[Role::Public],
        )
        .await?;
    let mut uow = match begun {
        Begin::Replay(first) => return replay(ctx, first).await,
        Begin::New(u) => u,
    };
    let today = ctx.today();
    let n = store::next_number(uow.tx(), &format!("complaint-{}", today.year()))
        .await
        .map_err(status)?;
    let tracking_number = format!("TS-{}-{n:06}", today.year());
    let calendar = ctx.core.calendar(&filing.concerning.region_code);
    let c = Complaint::file(
        new_id(),
        tracking_number.clone(),
        kind,
        filing,
        uow.now(),
        today,
        &ctx.core.settings.complaint_limits,
        &calendar,
    )
    .map_err(status)?;
    let secret = new_secret();
    store::complaints::insert(uow.tx(), &c, &secret_hash(&tracking_number, &secret))
        .await
        .map_err(status)?;
    store::stats::bump(
        uow.tx(),
        &StatDelta {
            day: today,
            department_id: c.concerning.department_id.clone(),
            region_code: c.concerning.region_code.clone(),
            counts: Counts {
                complaints: 1,
                ..Counts::default()
            },
        },
    )
    .await
    .map_err(status)?;
    changed_event(&mut uow, &c).await?;
    uow.audit("complaint", &c.id, "file", audited(&c)?)
        .await
        .map_err(status)?;
    let response = pb::FileComplaintResponse {
        tracking_number,
        secret: String::new(),
        status: Some(complaint_status(&c)),
    };
    // The response kept for retries carries no secret: only its hash is ever stored.
    uow.commit(&response).await.map_err(status)?;
    Ok(Response::new(pb::FileComplaintResponse {
        secret,
        ..response
    }))
}

/// A retried filing gets its first answer with a fresh secret (the first may never have
/// reached the complainant, and was not kept); the old secret stops working.
async fn replay(
    ctx: &Ctx,
    first: pb::FileComplaintResponse,
) -> Result<Response<pb::FileComplaintResponse>, Status> {
    let secret = new_secret();
    let mut tx = ctx.core.db.begin().await.map_err(status)?;
    store::complaints::replace_secret_hash(
        &mut tx,
        &first.tracking_number,
        &secret_hash(&first.tracking_number, &secret),
    )
    .await
    .map_err(status)?;
    ctx.core.db.commit(tx).await.map_err(status)?;
    Ok(Response::new(pb::FileComplaintResponse { secret, ..first }))
}

pub(super) async fn lookup_complaint(
    ctx: &Ctx,
    request: Request<pb::LookupComplaintRequest>,
) -> Result<Response<pb::ComplaintStatus>, Status> {
    let req = request.into_inner();
    let mut v = Violations::new();
    v.check(
        req.tracking_number.trim().is_empty(),
        "tracking_number",
        "is required",
    );
    v.check(req.secret.trim().is_empty(), "secret", "is required");
    if !v.is_empty() {
        return Err(invalid(v));
    }
    let number = req.tracking_number.trim().to_ascii_uppercase();
    // The same answer for an unknown number and a wrong secret: nothing to probe.
    let not_found = || status(Error::not_found("complaint", &number));
    let (c, stored) = store::complaints::by_tracking_number(&ctx.core.db, &number)
        .await
        .map_err(status)?
        .ok_or_else(not_found)?;
    if !same_hash(&stored, &secret_hash(&number, &req.secret)) {
        return Err(not_found());
    }
    Ok(Response::new(complaint_status(&c)))
}

pub(super) async fn list_complaints(
    ctx: &Ctx,
    request: Request<pb::ListComplaintsRequest>,
) -> Result<Response<pb::ListComplaintsResponse>, Status> {
    let reader = Reader::of(&principal(&request)).map_err(status)?;
    let req = request.into_inner();
    let mut v = Violations::new();
    let page = Page::parse(req.page_size, &req.page_token, &mut v);
    let state = match req.state {
        0 => None,
        s => {
            let parsed = complaint_state_from_proto(s);
            v.check(parsed.is_none(), "state", "is not a complaint state");
            parsed
        }
    };
    if !v.is_empty() {
        return Err(invalid(v));
    }
    let today = ctx.today();
    let view = match reader {
        Reader::All => ComplaintView::SupervisorList,
        Reader::Department(..) => ComplaintView::Department,
    };
    let filter = ComplaintFilter {
        state,
        department_id: reader.department(&req.department_id).map_err(status)?,
        // The request names no region: supervisors see every region, staff their own.
        region_code: reader.region("").map_err(status)?,
        overdue_on: req.overdue_only.then_some(today),
        accepted_only: view == ComplaintView::Department,
    };
    let (items, total) = store::complaints::list(&ctx.core.db, &filter, page.limit, page.offset)
        .await
        .map_err(status)?;
    Ok(Response::new(pb::ListComplaintsResponse {
        next_page_token: page.next_token(items.len(), total),
        complaints: items
            .iter()
            .map(|c| complaint_to_proto(c, view, today))
            .collect(),
        total_size: count(total),
    }))
}

pub(super) async fn get_complaint(
    ctx: &Ctx,
    request: Request<pb::GetComplaintRequest>,
) -> Result<Response<pb::Complaint>, Status> {
    let reader = Reader::of(&principal(&request)).map_err(status)?;
    let id = request.into_inner().complaint_id;
    let c = store::complaints::get(&ctx.core.db, &id)
        .await
        .map_err(status)?
        .filter(|c| match &reader {
            Reader::All => true,
            Reader::Department(d, region) => {
                *d == c.concerning.department_id
                    && *region == c.concerning.region_code
                    && !matches!(c.state, ComplaintState::Received | ComplaintState::Rejected)
            }
        })
        .ok_or_else(|| status(Error::not_found("complaint", &id)))?;
    let view = match reader {
        Reader::All => ComplaintView::Supervisor,
        Reader::Department(..) => ComplaintView::Department,
    };
    Ok(Response::new(complaint_to_proto(&c, view, ctx.today())))
}

/// A supervisor's step that takes a note.
#[derive(Debug, Clone, Copy)]
pub(super) enum Step {
    Accept,
    Reject,
    StartInvestigation,
    GiveFeedback,
}

pub(super) async fn step(
    ctx: &Ctx,
    request: Request<pb::ComplaintStepRequest>,
    step: Step,
) -> Result<Response<pb::Complaint>, Status> {
    let r = request.get_ref().clone();
    let (method, command) = match step {
        Step::Accept => ("AcceptComplaint", ComplaintCommand::Accept { note: r.note }),
        Step::Reject => (
            "RejectComplaint",
            ComplaintCommand::Reject { reason: r.note },
        ),
        Step::StartInvestigation => (
            "StartInvestigation",
            ComplaintCommand::StartInvestigation { note: r.note },
        ),
        Step::GiveFeedback => (
            "GiveFeedback",
            ComplaintCommand::GiveFeedback { feedback: r.note },
        ),
    };
    change(
        ctx,
        method,
        &request,
        &r.request_id,
        &r.complaint_id,
        r.revision,
        command,
    )
    .await
}

pub(super) async fn conclude(
    ctx: &Ctx,
    request: Request<pb::ConcludeComplaintRequest>,
) -> Result<Response<pb::Complaint>, Status> {
    let r = request.get_ref().clone();
    let command = ComplaintCommand::Conclude {
        substantiated: r.substantiated,
        findings: r.findings,
    };
    change(
        ctx,
        "ConcludeComplaint",
        &request,
        &r.request_id,
        &r.complaint_id,
        r.revision,
        command,
    )
    .await
}

async fn change(
    ctx: &Ctx,
    method: &str,
    request: &Request<impl prost::Message>,
    request_id: &str,
    id: &str,
    revision: i64,
    command: ComplaintCommand,
) -> Result<Response<pb::Complaint>, Status> {
    let (who, begun) = ctx
        .begin::<pb::Complaint, _>(method, request, request_id, &[Role::Supervisor])
        .await?;
    let mut uow = match begun {
        Begin::Replay(r) => return Ok(Response::new(r)),
        Begin::New(u) => u,
    };
    let current = store::complaints::load(uow.tx(), id)
        .await
        .map_err(status)?
        .ok_or_else(|| status(Error::not_found("complaint", id)))?;
    SupervisionError::check_revision("complaint", id, revision, current.revision)
        .map_err(status)?;
    let today = ctx.today();
    let calendar = ctx.core.calendar(&current.concerning.region_code);
    let next = current
        .decide(
            command,
            &who.subject,
            uow.now(),
            today,
            &ctx.core.settings.complaint_limits,
            &calendar,
        )
        .map_err(status)?;
    store::complaints::save(uow.tx(), &next)
        .await
        .map_err(status)?;
    if next.state == ComplaintState::Concluded && next.substantiated == Some(true) {
        store::stats::bump(
            uow.tx(),
            &StatDelta {
                day: today,
                department_id: next.concerning.department_id.clone(),
                region_code: next.concerning.region_code.clone(),
                counts: Counts {
                    substantiated: 1,
                    ..Counts::default()
                },
            },
        )
        .await
        .map_err(status)?;
    }
    changed_event(&mut uow, &next).await?;
    uow.audit("complaint", &next.id, next.state.as_str(), audited(&next)?)
        .await
        .map_err(status)?;
    let out = complaint_to_proto(&next, ComplaintView::Supervisor, today);
    ctx.finish(uow, out).await
}
