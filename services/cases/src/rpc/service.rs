//! The CaseService handlers: reads here, commands in `commands`.

use std::pin::Pin;

use futures::{Stream, StreamExt};
use onewindow_kit::auth::{principal, Role};
use onewindow_kit::error::Error;
use onewindow_kit::{audit, outbox};
use onewindow_proto::cases::v1 as pb;
use onewindow_proto::cases::v1::case_service_server::CaseService;
use onewindow_proto::common::v1 as common;
use onewindow_proto::google::api::HttpBody;
use tonic::{Request, Response, Status};

use super::convert::{
    bundle_case_filter_from_proto, bundle_case_summary, bundle_case_to_proto,
    case_filter_from_proto, case_summary, case_to_proto, inbox_entry, inbox_filter_from_proto,
    lookup_from_proto, public_bundle_case, public_case, CaseView,
};
use super::{decode_token, invalid, next_token, status};
use crate::app::{actor_of, Cases};
use crate::domain::{Actor, BundleCase, Case, Standing};
use crate::store::{self, digest};

#[derive(Clone)]
pub struct CaseRpc {
    pub(crate) cases: Cases,
}

impl CaseRpc {
    pub fn new(cases: Cases) -> Self {
        CaseRpc { cases }
    }

    /// The case as it stands today (an open suspension counted up to today) and where its
    /// due date stands, if its clock runs.
    pub(crate) async fn present(&self, case: &Case) -> Result<(Case, Option<Standing>), Status> {
        let calendar = store::calendar(&self.cases.db, &case.terms.region_code)
            .await
            .map_err(status)?;
        present(
            case,
            self.cases.clock.today(),
            &calendar,
            self.cases.warning_days,
        )
    }

    async fn bundle_standing(&self, b: &BundleCase) -> Result<Option<Standing>, Status> {
        let calendar = store::calendar(&self.cases.db, &b.terms.region_code)
            .await
            .map_err(status)?;
        b.standing(self.cases.clock.today(), &calendar, self.cases.warning_days)
            .map_err(status)
    }
}

pub(crate) fn present(
    case: &Case,
    today: chrono::NaiveDate,
    calendar: &onewindow_kit::calendar::Calendar,
    warning_days: u32,
) -> Result<(Case, Option<Standing>), Status> {
    let shown = case.as_of(today, calendar).map_err(status)?;
    let standing = case
        .standing(today, calendar, warning_days)
        .map_err(status)?;
    Ok((shown, standing))
}

/// Who may read one case: its department's staff, its applicant, supervisors and the
/// center's own systems.
fn may_read(actor: &Actor, case: &Case) -> bool {
    actor.has(Role::Supervisor)
        || actor.has(Role::Service)
        || CaseView::of(actor, case) != CaseView::Masked
}

fn may_read_bundle(actor: &Actor, b: &BundleCase) -> bool {
    actor.has(Role::Supervisor)
        || actor.has(Role::Service)
        || CaseView::of_bundle(actor, b) != CaseView::Masked
        || b.children().any(|c| {
            (actor.has(Role::Clerk) || actor.has(Role::Approver))
                && actor.works_for(&c.department_id, &b.terms.region_code)
        })
}

fn signed_in(actor: &Actor) -> Result<(), Status> {
    if actor.roles.iter().all(|r| *r == Role::Public) {
        return Err(status(Error::Unauthenticated("sign in to do this".into())));
    }
    Ok(())
}

type EventStream = Pin<Box<dyn Stream<Item = Result<common::Event, Status>> + Send + 'static>>;

#[tonic::async_trait]
impl CaseService for CaseRpc {
    async fn submit_case(
        &self,
        request: Request<pb::SubmitCaseRequest>,
    ) -> Result<Response<pb::Case>, Status> {
        self.submit_case_command(request).await
    }

    async fn get_case(
        &self,
        request: Request<pb::GetCaseRequest>,
    ) -> Result<Response<pb::Case>, Status> {
        let actor = actor_of(&principal(&request));
        signed_in(&actor)?;
        let id = &request.get_ref().case_id;
        let case = store::case(&self.cases.db, id)
            .await
            .map_err(status)?
            .ok_or_else(|| status(Error::not_found("case", id)))?;
        if !may_read(&actor, &case) {
            return Err(status(Error::PermissionDenied(
                "only the department's staff, the applicant and supervisors read a case".into(),
            )));
        }
        let (shown, standing) = self.present(&case).await?;
        Ok(Response::new(case_to_proto(
            &shown,
            CaseView::of(&actor, &case),
            standing.as_ref(),
            self.cases.clock.today(),
        )))
    }

    async fn lookup_case(
        &self,
        request: Request<pb::LookupCaseRequest>,
    ) -> Result<Response<pb::PublicCase>, Status> {
        let (number, code) = lookup_from_proto(request.get_ref()).map_err(invalid)?;
        let hash = digest("query-code", code.as_str());
        let number = number.to_string();
        if let Some(case) = store::case_by_number(&self.cases.db, &number, &hash)
            .await
            .map_err(status)?
        {
            return Ok(Response::new(public_case(&case)));
        }
        if let Some(b) = store::bundle_case_by_number(&self.cases.db, &number, &hash)
            .await
            .map_err(status)?
        {
            return Ok(Response::new(public_bundle_case(&b)));
        }
        // The same answer for an unknown number and a wrong code: no oracle for guessing.
        Err(status(Error::not_found("case", number)))
    }

    async fn list_cases(
        &self,
        request: Request<pb::ListCasesRequest>,
    ) -> Result<Response<pb::ListCasesResponse>, Status> {
        let actor = actor_of(&principal(&request));
        signed_in(&actor)?;
        let f = case_filter_from_proto(request.get_ref()).map_err(invalid)?;
        let mut filter = store::CaseFilter {
            department_id: f.department_id,
            region_code: f.region_code,
            state: f.state.map(|s| s.as_str().to_string()),
            item_id: f.item_id,
            applicant_subject: f.applicant_subject,
            applicant_id_number: f.applicant_id_number,
            bundle_case_id: f.bundle_case_id,
            awaiting_role: None,
            awaiting_stage: None,
        };
        // Staff see their own department and region; applicants their own cases.
        if actor.has(Role::Supervisor) || actor.has(Role::Service) {
        } else if actor.has(Role::Clerk) || actor.has(Role::Approver) {
            filter.department_id = actor.department.clone();
            filter.region_code = actor.region.clone();
        } else if actor.has(Role::Applicant) {
            filter.applicant_subject = Some(actor.subject.clone());
        } else {
            return Err(status(Error::PermissionDenied(
                "listing cases is for staff, applicants and supervisors".into(),
            )));
        }
        let offset = decode_token(f.page.token.as_deref())?;
        let (cases, total) = store::list_cases(
            &self.cases.db,
            &filter,
            false,
            offset,
            i64::from(f.page.size),
        )
        .await
        .map_err(status)?;
        let today = self.cases.clock.today();
        let mut out = Vec::with_capacity(cases.len());
        let mut calendars = std::collections::BTreeMap::new();
        for c in &cases {
            let region = c.terms.region_code.clone();
            if !calendars.contains_key(&region) {
                let cal = store::calendar(&self.cases.db, &region)
                    .await
                    .map_err(status)?;
                calendars.insert(region.clone(), cal);
            }
            let Some(calendar) = calendars.get(&region) else {
                continue;
            };
            let (shown, standing) = present(c, today, calendar, self.cases.warning_days)?;
            out.push(case_summary(&shown, standing.as_ref(), today));
        }
        Ok(Response::new(pb::ListCasesResponse {
            next_page_token: next_token(offset, cases.len(), total),
            total_size: i32::try_from(total).unwrap_or(i32::MAX),
            cases: out,
        }))
    }

    async fn get_inbox(
        &self,
        request: Request<pb::GetInboxRequest>,
    ) -> Result<Response<pb::GetInboxResponse>, Status> {
        let actor = actor_of(&principal(&request));
        signed_in(&actor)?;
        let role = if actor.has(Role::Approver) {
            "approver"
        } else if actor.has(Role::Clerk) {
            "clerk"
        } else {
            return Err(status(Error::PermissionDenied(
                "the inbox is for clerks and approvers".into(),
            )));
        };
        let (Some(department), Some(region)) = (actor.department.clone(), actor.region.clone())
        else {
            return Err(status(Error::PermissionDenied(
                "the token names no department and region".into(),
            )));
        };
        let f = inbox_filter_from_proto(request.get_ref()).map_err(invalid)?;
        let filter = store::CaseFilter {
            department_id: Some(department),
            region_code: Some(region.clone()),
            awaiting_role: Some(role.to_string()),
            awaiting_stage: f.stage.map(|s| s.as_str().to_string()),
            ..Default::default()
        };
        let offset = decode_token(f.page.token.as_deref())?;
        let (cases, total) = store::list_cases(
            &self.cases.db,
            &filter,
            true,
            offset,
            i64::from(f.page.size),
        )
        .await
        .map_err(status)?;
        let today = self.cases.clock.today();
        let calendar = store::calendar(&self.cases.db, &region)
            .await
            .map_err(status)?;
        let mut entries = Vec::with_capacity(cases.len());
        for c in &cases {
            let case_standing = c
                .standing(today, &calendar, self.cases.warning_days)
                .map_err(status)?;
            let stage_standing = c
                .stage_standing(today, &calendar, self.cases.warning_days)
                .map_err(status)?;
            entries.push(inbox_entry(
                c,
                case_standing.as_ref(),
                stage_standing.as_ref().map(|(_, s)| s),
                today,
            ));
        }
        Ok(Response::new(pb::GetInboxResponse {
            next_page_token: next_token(offset, cases.len(), total),
            total_size: i32::try_from(total).unwrap_or(i32::MAX),
            entries,
        }))
    }

    async fn accept_case(
        &self,
        request: Request<pb::AcceptCaseRequest>,
    ) -> Result<Response<pb::Case>, Status> {
        self.transition("AcceptCase", request).await
    }
    async fn refuse_intake(
        &self,
        request: Request<pb::RefuseIntakeRequest>,
    ) -> Result<Response<pb::Case>, Status> {
        self.transition("RefuseIntake", request).await
    }
    async fn request_supplement(
        &self,
        request: Request<pb::RequestSupplementRequest>,
    ) -> Result<Response<pb::Case>, Status> {
        self.transition("RequestSupplement", request).await
    }
    async fn resubmit_case(
        &self,
        request: Request<pb::ResubmitCaseRequest>,
    ) -> Result<Response<pb::Case>, Status> {
        self.resubmit_command(request).await
    }
    async fn conclude_immediately(
        &self,
        request: Request<pb::ConcludeImmediatelyRequest>,
    ) -> Result<Response<pb::Case>, Status> {
        self.transition("ConcludeImmediately", request).await
    }
    async fn complete_stage(
        &self,
        request: Request<pb::CompleteStageRequest>,
    ) -> Result<Response<pb::Case>, Status> {
        self.transition("CompleteStage", request).await
    }
    async fn start_suspension(
        &self,
        request: Request<pb::StartSuspensionRequest>,
    ) -> Result<Response<pb::Case>, Status> {
        self.transition("StartSuspension", request).await
    }
    async fn end_suspension(
        &self,
        request: Request<pb::EndSuspensionRequest>,
    ) -> Result<Response<pb::Case>, Status> {
        self.transition("EndSuspension", request).await
    }
    async fn approve_extension(
        &self,
        request: Request<pb::ApproveExtensionRequest>,
    ) -> Result<Response<pb::Case>, Status> {
        self.transition("ApproveExtension", request).await
    }
    async fn conclude_case(
        &self,
        request: Request<pb::ConcludeCaseRequest>,
    ) -> Result<Response<pb::Case>, Status> {
        self.transition("ConcludeCase", request).await
    }
    async fn withdraw_case(
        &self,
        request: Request<pb::WithdrawCaseRequest>,
    ) -> Result<Response<pb::Case>, Status> {
        self.transition("WithdrawCase", request).await
    }
    async fn charge_fees(
        &self,
        request: Request<pb::ChargeFeesRequest>,
    ) -> Result<Response<pb::Case>, Status> {
        self.transition("ChargeFees", request).await
    }
    async fn record_payment(
        &self,
        request: Request<pb::RecordPaymentRequest>,
    ) -> Result<Response<pb::Case>, Status> {
        self.transition("RecordPayment", request).await
    }

    async fn submit_bundle(
        &self,
        request: Request<pb::SubmitBundleRequest>,
    ) -> Result<Response<pb::BundleCase>, Status> {
        self.submit_bundle_command(request).await
    }

    async fn get_bundle_case(
        &self,
        request: Request<pb::GetBundleCaseRequest>,
    ) -> Result<Response<pb::BundleCase>, Status> {
        let actor = actor_of(&principal(&request));
        signed_in(&actor)?;
        let id = &request.get_ref().bundle_case_id;
        let b = store::bundle_case(&self.cases.db, id)
            .await
            .map_err(status)?
            .ok_or_else(|| status(Error::not_found("bundle case", id)))?;
        if !may_read_bundle(&actor, &b) {
            return Err(status(Error::PermissionDenied(
                "only the bundle's departments, its applicant and supervisors read it".into(),
            )));
        }
        let standing = self.bundle_standing(&b).await?;
        Ok(Response::new(bundle_case_to_proto(
            &b,
            CaseView::of_bundle(&actor, &b),
            standing.as_ref(),
            self.cases.clock.today(),
        )))
    }

    async fn list_bundle_cases(
        &self,
        request: Request<pb::ListBundleCasesRequest>,
    ) -> Result<Response<pb::ListBundleCasesResponse>, Status> {
        let actor = actor_of(&principal(&request));
        signed_in(&actor)?;
        let f = bundle_case_filter_from_proto(request.get_ref()).map_err(invalid)?;
        let (lead, region, applicant) = if actor.has(Role::Supervisor) || actor.has(Role::Service) {
            (f.lead_department_id.clone(), f.region_code.clone(), None)
        } else if actor.has(Role::Clerk) || actor.has(Role::Approver) {
            // Staff see the bundles their department leads or takes part in (filtered below).
            (None, actor.region.clone(), None)
        } else if actor.has(Role::Applicant) {
            (None, None, Some(actor.subject.clone()))
        } else {
            return Err(status(Error::PermissionDenied(
                "listing bundle cases is for staff, applicants and supervisors".into(),
            )));
        };
        let offset = decode_token(f.page.token.as_deref())?;
        // Bundles are few next to cases: filter the rest in memory after the indexed part.
        let all = store::list_bundle_cases(
            &self.cases.db,
            lead.as_deref(),
            region.as_deref(),
            applicant.as_deref(),
            0,
            10_000,
        )
        .await
        .map_err(status)?;
        let today = self.cases.clock.today();
        let staff_department = (!actor.has(Role::Supervisor) && !actor.has(Role::Service))
            .then(|| actor.department.clone())
            .flatten();
        let matching: Vec<&BundleCase> = all
            .iter()
            .filter(|b| {
                staff_department.as_ref().is_none_or(|d| {
                    b.terms.lead_department_id == *d || b.children().any(|c| c.department_id == *d)
                })
            })
            .filter(|b| {
                f.lead_department_id
                    .as_ref()
                    .is_none_or(|d| b.terms.lead_department_id == *d)
            })
            .filter(|b| {
                f.bundle_id
                    .as_ref()
                    .is_none_or(|id| *id == b.terms.bundle_id)
            })
            .filter(|b| f.state.is_none_or(|s| s == b.state))
            .filter(|b| {
                f.department_id
                    .as_ref()
                    .is_none_or(|d| b.children().any(|c| c.department_id == *d))
            })
            .filter(|b| !f.late_only || !b.late_departments(today).is_empty())
            .collect();
        let total = matching.len() as i64;
        let page: Vec<&BundleCase> = matching
            .into_iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(f.page.size as usize)
            .collect();
        let mut out = Vec::with_capacity(page.len());
        for b in &page {
            let standing = self.bundle_standing(b).await?;
            out.push(bundle_case_summary(b, standing.as_ref(), today));
        }
        Ok(Response::new(pb::ListBundleCasesResponse {
            next_page_token: next_token(offset, page.len(), total),
            total_size: i32::try_from(total).unwrap_or(i32::MAX),
            bundle_cases: out,
        }))
    }

    async fn get_material_content(
        &self,
        request: Request<pb::GetMaterialContentRequest>,
    ) -> Result<Response<HttpBody>, Status> {
        let actor = actor_of(&principal(&request));
        signed_in(&actor)?;
        let req = request.get_ref();
        let case = store::case(&self.cases.db, &req.case_id)
            .await
            .map_err(status)?
            .ok_or_else(|| status(Error::not_found("case", &req.case_id)))?;
        // Documents are the applicant's: their department's staff and the applicant only.
        if CaseView::of(&actor, &case) == CaseView::Masked {
            return Err(status(Error::PermissionDenied(
                "only the department's staff and the applicant read the materials".into(),
            )));
        }
        if !case.materials.iter().any(|m| m.id == req.case_material_id) {
            return Err(status(Error::not_found("material", &req.case_material_id)));
        }
        let (content_type, data) = store::material(&self.cases.db, &req.case_material_id)
            .await
            .map_err(status)?
            .ok_or_else(|| status(Error::not_found("material", &req.case_material_id)))?;
        Ok(Response::new(HttpBody {
            content_type,
            data,
            extensions: Vec::new(),
        }))
    }

    type WatchStream = EventStream;

    async fn watch(
        &self,
        request: Request<common::WatchRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        principal(&request)
            .require_any(&[Role::Service, Role::Supervisor])
            .map_err(status)?;
        let req = request.into_inner();
        if req.after_seq < 0 {
            return Err(status(Error::invalid("after_seq", "must not be negative")));
        }
        let stream = outbox::watch(self.cases.db.clone(), req).map(|r| r.map_err(Status::from));
        Ok(Response::new(Box::pin(stream)))
    }

    async fn get_audit_trail(
        &self,
        request: Request<common::GetAuditTrailRequest>,
    ) -> Result<Response<common::AuditTrail>, Status> {
        principal(&request)
            .require_any(&[Role::Supervisor, Role::Service])
            .map_err(status)?;
        let req = request.into_inner();
        let trail = audit::trail(&self.cases.db, &req.object_type, &req.object_id)
            .await
            .map_err(status)?;
        if trail.entries.is_empty() {
            return Err(status(Error::not_found(
                "audit trail",
                format!("{}/{}", req.object_type, req.object_id),
            )));
        }
        Ok(Response::new(trail))
    }

    async fn verify_audit_trail(
        &self,
        request: Request<common::VerifyAuditTrailRequest>,
    ) -> Result<Response<common::AuditVerification>, Status> {
        let who = principal(&request);
        let req = request.into_inner();
        audit::verify_for(&self.cases.db, &who, &req.object_type, &req.object_id)
            .await
            .map(Response::new)
            .map_err(status)
    }

    async fn verify_audit(
        &self,
        request: Request<common::VerifyAuditRequest>,
    ) -> Result<Response<common::VerifyAuditResponse>, Status> {
        let who = principal(&request);
        audit::sweep_for(&self.cases.db, &who, request.get_ref())
            .await
            .map(Response::new)
            .map_err(status)
    }
}
