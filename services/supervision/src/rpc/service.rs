//! The SupervisionService: each RPC delegates to its part (efficiency, permission,
//! evaluations, complaints, performance); events and audit are here.

use std::pin::Pin;
use std::sync::Arc;

use futures::{Stream, StreamExt};
use onewindow_kit::auth::{principal, Role};
use onewindow_kit::error::Error;
use onewindow_kit::{audit, outbox};
use onewindow_proto::common::v1 as common;
use onewindow_proto::supervision::v1 as pb;
use onewindow_proto::supervision::v1::supervision_service_server::SupervisionService;
use tonic::{Request, Response, Status};

use super::{complaints, efficiency, evaluations, performance, permission, status, Ctx};
use crate::app::Core;

#[derive(Clone)]
pub struct SupervisionRpc {
    ctx: Ctx,
}

impl SupervisionRpc {
    pub(crate) fn new(core: Arc<Core>) -> Self {
        SupervisionRpc { ctx: Ctx { core } }
    }
}

pub(crate) type Streamed<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

type R<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl SupervisionService for SupervisionRpc {
    async fn list_warnings(
        &self,
        r: Request<pb::ListWarningsRequest>,
    ) -> R<pb::ListWarningsResponse> {
        efficiency::list_warnings(&self.ctx, r).await
    }
    async fn get_warning(&self, r: Request<pb::GetWarningRequest>) -> R<pb::Warning> {
        efficiency::get_warning(&self.ctx, r).await
    }
    async fn get_card_counts(
        &self,
        r: Request<pb::GetCardCountsRequest>,
    ) -> R<pb::GetCardCountsResponse> {
        efficiency::get_card_counts(&self.ctx, r).await
    }
    async fn get_case_record(&self, r: Request<pb::GetCaseRecordRequest>) -> R<pb::CaseRecord> {
        efficiency::get_case_record(&self.ctx, r).await
    }

    async fn list_rules(&self, r: Request<pb::ListRulesRequest>) -> R<pb::ListRulesResponse> {
        permission::list_rules(&self.ctx, r).await
    }
    async fn list_violations(
        &self,
        r: Request<pb::ListViolationsRequest>,
    ) -> R<pb::ListViolationsResponse> {
        permission::list_violations(&self.ctx, r).await
    }
    async fn get_violation(&self, r: Request<pb::GetViolationRequest>) -> R<pb::Violation> {
        permission::get_violation(&self.ctx, r).await
    }
    async fn assign_violation(&self, r: Request<pb::AssignViolationRequest>) -> R<pb::Violation> {
        permission::assign_violation(&self.ctx, r).await
    }
    async fn resolve_violation(&self, r: Request<pb::ResolveViolationRequest>) -> R<pb::Violation> {
        permission::resolve_violation(&self.ctx, r).await
    }
    async fn get_mailroom_report(
        &self,
        r: Request<pb::GetMailroomReportRequest>,
    ) -> R<pb::MailroomReport> {
        permission::get_mailroom_report(&self.ctx, r).await
    }

    async fn submit_evaluation(
        &self,
        r: Request<pb::SubmitEvaluationRequest>,
    ) -> R<pb::Evaluation> {
        evaluations::submit_evaluation(&self.ctx, r).await
    }
    async fn list_evaluations(
        &self,
        r: Request<pb::ListEvaluationsRequest>,
    ) -> R<pb::ListEvaluationsResponse> {
        evaluations::list_evaluations(&self.ctx, r).await
    }
    async fn get_department_ratings(
        &self,
        r: Request<pb::GetDepartmentRatingsRequest>,
    ) -> R<pb::GetDepartmentRatingsResponse> {
        evaluations::get_department_ratings(&self.ctx, r).await
    }
    async fn list_rectifications(
        &self,
        r: Request<pb::ListRectificationsRequest>,
    ) -> R<pb::ListRectificationsResponse> {
        evaluations::list_rectifications(&self.ctx, r).await
    }
    async fn get_rectification(
        &self,
        r: Request<pb::GetRectificationRequest>,
    ) -> R<pb::Rectification> {
        evaluations::get_rectification(&self.ctx, r).await
    }
    async fn record_call_back(
        &self,
        r: Request<pb::RecordCallBackRequest>,
    ) -> R<pb::Rectification> {
        evaluations::record_call_back(&self.ctx, r).await
    }
    async fn reply_rectification(
        &self,
        r: Request<pb::ReplyRectificationRequest>,
    ) -> R<pb::Rectification> {
        evaluations::reply_rectification(&self.ctx, r).await
    }
    async fn close_rectification(
        &self,
        r: Request<pb::CloseRectificationRequest>,
    ) -> R<pb::Rectification> {
        evaluations::close_rectification(&self.ctx, r).await
    }

    async fn file_complaint(
        &self,
        r: Request<pb::FileComplaintRequest>,
    ) -> R<pb::FileComplaintResponse> {
        complaints::file_complaint(&self.ctx, r).await
    }
    async fn lookup_complaint(
        &self,
        r: Request<pb::LookupComplaintRequest>,
    ) -> R<pb::ComplaintStatus> {
        complaints::lookup_complaint(&self.ctx, r).await
    }
    async fn list_complaints(
        &self,
        r: Request<pb::ListComplaintsRequest>,
    ) -> R<pb::ListComplaintsResponse> {
        complaints::list_complaints(&self.ctx, r).await
    }
    async fn get_complaint(&self, r: Request<pb::GetComplaintRequest>) -> R<pb::Complaint> {
        complaints::get_complaint(&self.ctx, r).await
    }
    async fn accept_complaint(&self, r: Request<pb::ComplaintStepRequest>) -> R<pb::Complaint> {
        complaints::step(&self.ctx, r, complaints::Step::Accept).await
    }
    async fn reject_complaint(&self, r: Request<pb::ComplaintStepRequest>) -> R<pb::Complaint> {
        complaints::step(&self.ctx, r, complaints::Step::Reject).await
    }
    async fn start_investigation(&self, r: Request<pb::ComplaintStepRequest>) -> R<pb::Complaint> {
        complaints::step(&self.ctx, r, complaints::Step::StartInvestigation).await
    }
    async fn conclude_complaint(
        &self,
        r: Request<pb::ConcludeComplaintRequest>,
    ) -> R<pb::Complaint> {
        complaints::conclude(&self.ctx, r).await
    }
    async fn give_feedback(&self, r: Request<pb::ComplaintStepRequest>) -> R<pb::Complaint> {
        complaints::step(&self.ctx, r, complaints::Step::GiveFeedback).await
    }

    async fn get_performance(
        &self,
        r: Request<pb::GetPerformanceRequest>,
    ) -> R<pb::PerformanceReport> {
        performance::get_performance(&self.ctx, r).await
    }
    async fn get_performance_series(
        &self,
        r: Request<pb::GetPerformanceSeriesRequest>,
    ) -> R<pb::PerformanceSeries> {
        performance::get_performance_series(&self.ctx, r).await
    }
    async fn publish_bulletin(&self, r: Request<pb::PublishBulletinRequest>) -> R<pb::Bulletin> {
        performance::publish_bulletin(&self.ctx, r).await
    }
    async fn list_bulletins(
        &self,
        r: Request<pb::ListBulletinsRequest>,
    ) -> R<pb::ListBulletinsResponse> {
        performance::list_bulletins(&self.ctx, r).await
    }

    type WatchDashboardStream = Streamed<pb::Dashboard>;

    async fn watch_dashboard(
        &self,
        r: Request<pb::WatchDashboardRequest>,
    ) -> R<Self::WatchDashboardStream> {
        performance::watch_dashboard(&self.ctx, r).await
    }

    type WatchStream = Streamed<common::Event>;

    async fn watch(&self, request: Request<common::WatchRequest>) -> R<Self::WatchStream> {
        principal(&request)
            .require_any(&[Role::Supervisor, Role::Service])
            .map_err(status)?;
        let req = request.into_inner();
        if req.after_seq < 0 {
            return Err(status(Error::invalid("after_seq", "must not be negative")));
        }
        let stream = outbox::watch(self.ctx.core.db.clone(), req).map(|r| r.map_err(Status::from));
        Ok(Response::new(Box::pin(stream)))
    }

    async fn get_audit_trail(
        &self,
        request: Request<common::GetAuditTrailRequest>,
    ) -> R<common::AuditTrail> {
        principal(&request)
            .require_any(&[Role::Supervisor])
            .map_err(status)?;
        let req = request.into_inner();
        let trail = audit::trail(&self.ctx.core.db, &req.object_type, &req.object_id)
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
    ) -> R<common::AuditVerification> {
        let who = principal(&request);
        let req = request.into_inner();
        audit::verify_for(&self.ctx.core.db, &who, &req.object_type, &req.object_id)
            .await
            .map(Response::new)
            .map_err(status)
    }

    async fn verify_audit(
        &self,
        request: Request<common::VerifyAuditRequest>,
    ) -> R<common::VerifyAuditResponse> {
        let who = principal(&request);
        audit::sweep_for(&self.ctx.core.db, &who, request.get_ref())
            .await
            .map(Response::new)
            .map_err(status)
    }
}
