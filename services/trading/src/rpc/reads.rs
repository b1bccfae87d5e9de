//! Publication and oversight: OCDS releases, the event stream, audit trails.

use std::pin::Pin;

use futures::{Stream, StreamExt};
use onewindow_kit::auth::{principal, Role};
use onewindow_kit::error::Error;
use onewindow_kit::{audit, outbox};
use onewindow_proto::common::v1 as common;
use onewindow_proto::google::api::HttpBody;
use onewindow_proto::trading::v1 as pb;
use tonic::{Request, Response, Status};

use super::{status, viewer, TradingRpc, STAFF};
use crate::domain::{ocds, Project, Viewer, BID_KIND, EXPERT_KIND, KIND};
use crate::store;

pub type EventStream = Pin<Box<dyn Stream<Item = Result<common::Event, Status>> + Send + 'static>>;

impl TradingRpc {
    pub(super) async fn export_ocds_read(
        &self,
        request: Request<pb::ExportOcdsRequest>,
    ) -> Result<Response<HttpBody>, Status> {
        let project = self
            .visible_project(&request, &request.get_ref().project_id)
            .await?;
        let package = ocds::release_package(&project, self.trading.clock().now());
        let data = serde_json::to_vec_pretty(&package).map_err(|e| status(Error::internal(e)))?;
        Ok(Response::new(HttpBody {
            content_type: "application/json".into(),
            data,
            extensions: Vec::new(),
        }))
    }

    pub(super) async fn watch_read(
        &self,
        request: Request<common::WatchRequest>,
    ) -> Result<Response<EventStream>, Status> {
        principal(&request).require_any(&STAFF).map_err(status)?;
        let req = request.into_inner();
        if req.after_seq < 0 {
            return Err(status(Error::invalid("after_seq", "must not be negative")));
        }
        let stream = outbox::watch(self.trading.db().clone(), req).map(|r| r.map_err(Status::from));
        Ok(Response::new(Box::pin(stream)))
    }

    /// Staff read the trails of projects and experts; a bid's trail is its bidder's, and
    /// staff's only once the bid's project is opened (before, not even its existence shows).
    pub(super) async fn get_audit_trail_read(
        &self,
        request: Request<common::GetAuditTrailRequest>,
    ) -> Result<Response<common::AuditTrail>, Status> {
        let who = principal(&request);
        let mut readers = STAFF.to_vec();
        readers.push(Role::Applicant);
        who.require_any(&readers).map_err(status)?;
        let req = request.into_inner();
        let db = self.trading.db();
        let not_found = || {
            status(Error::not_found(
                "audit trail",
                format!("{}/{}", req.object_type, req.object_id),
            ))
        };
        // A project's staff: supervisors, services and the agents of its own agency.
        let staff_of = |p: &Project| viewer(&who, p) == Viewer::Staff;
        let allowed = match req.object_type.as_str() {
            t if t == EXPERT_KIND => STAFF.iter().any(|r| who.has(*r)),
            t if t == KIND => store::get_project(db, &req.object_id)
                .await
                .map_err(status)?
                .is_some_and(|p| staff_of(&p)),
            t if t == BID_KIND => match store::get_bid(db, &req.object_id).await.map_err(status)? {
                Some(bid) if bid.bidder == who.subject => true,
                Some(bid) => store::get_project(db, &bid.project_id)
                    .await
                    .map_err(status)?
                    .is_some_and(|p| p.opening.is_some() && staff_of(&p)),
                None => false,
            },
            _ => false,
        };
        if !allowed {
            return Err(not_found());
        }
        let trail = audit::trail(db, &req.object_type, &req.object_id)
            .await
            .map_err(status)?;
        if trail.entries.is_empty() {
            return Err(not_found());
        }
        Ok(Response::new(trail))
    }
}

impl TradingRpc {
    /// A supervisor verifies a trail; a bid's trail, like the bid, stays out of sight until
    /// its project is opened.
    pub(super) async fn verify_audit_trail_read(
        &self,
        request: Request<common::VerifyAuditTrailRequest>,
    ) -> Result<Response<common::AuditVerification>, Status> {
        let who = principal(&request);
        let req = request.into_inner();
        let db = self.trading.db();
        who.require_any(&[Role::Supervisor]).map_err(status)?;
        if req.object_type == BID_KIND && !self.bid_opened(&req.object_id).await? {
            return Err(status(Error::not_found(
                "audit trail",
                format!("{}/{}", req.object_type, req.object_id),
            )));
        }
        audit::verify_for(db, &who, &req.object_type, &req.object_id)
            .await
            .map(Response::new)
            .map_err(status)
    }

    /// The sweep leaves out the trails of bids not yet opened, for the same reason.
    pub(super) async fn verify_audit_read(
        &self,
        request: Request<common::VerifyAuditRequest>,
    ) -> Result<Response<common::VerifyAuditResponse>, Status> {
        let who = principal(&request);
        let mut page = audit::sweep_for(self.trading.db(), &who, request.get_ref())
            .await
            .map_err(status)?;
        let mut shown = Vec::with_capacity(page.objects.len());
        for object in std::mem::take(&mut page.objects) {
            if object.object_type != BID_KIND || self.bid_opened(&object.object_id).await? {
                shown.push(object);
            }
        }
        page.broken_count = shown.iter().filter(|o| !o.verified).count() as i32;
        page.objects = shown;
        Ok(Response::new(page))
    }

    async fn bid_opened(&self, bid_id: &str) -> Result<bool, Status> {
        let db = self.trading.db();
        let Some(bid) = store::get_bid(db, bid_id).await.map_err(status)? else {
            return Ok(false);
        };
        Ok(store::get_project(db, &bid.project_id)
            .await
            .map_err(status)?
            .is_some_and(|p| p.opening.is_some()))
    }
}
