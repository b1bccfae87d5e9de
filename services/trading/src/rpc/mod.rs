//! The gRPC edge of trading: conversions, events, and the handlers (decode, authorize, call
//! the domain, encode). Every write is one unit of work: idempotency claim, project change,
//! events and audit commit together.

mod awards;
mod bids;
pub mod convert;
pub(crate) mod effects;
pub mod events;
mod projects;
mod quotes;
mod reads;
mod service;

use onewindow_kit::auth::{principal, Principal, Role};
use onewindow_kit::error::{Error, Violations};
use onewindow_kit::unit_of_work::{Begin, UnitOfWork};
use tonic::{Request, Response, Status};

use crate::app::Trading;
use crate::domain::{decide, Command, Decision, Project, Viewer, KIND};
use crate::store;

#[derive(Clone)]
pub struct TradingRpc {
    pub(crate) trading: Trading,
}

impl TradingRpc {
    pub fn new(trading: Trading) -> Self {
        TradingRpc { trading }
    }
}

/// Who reads the whole of what is no longer sealed.
pub(crate) const STAFF: [Role; 3] = [Role::TradingAgent, Role::Supervisor, Role::Service];

pub(crate) fn invalid(v: Violations) -> Status {
    Error::InvalidArgument(v).into()
}

pub(crate) fn status(e: impl Into<Error>) -> Status {
    e.into().into()
}

pub(crate) fn viewer(p: &Principal) -> Viewer {
    if STAFF.iter().any(|r| p.has(*r)) {
        Viewer::Staff
    } else if p.has(Role::Applicant) {
        Viewer::Bidder(p.subject.clone())
    } else {
        Viewer::Public
    }
}

pub(crate) fn project_not_found(id: &str) -> Status {
    status(Error::not_found(KIND, id))
}

impl TradingRpc {
    /// Authorizes a write and begins its unit of work.
    pub(crate) async fn begin<T: prost::Message + Default, R: prost::Message>(
        &self,
        method: &str,
        request: &Request<R>,
        request_id: &str,
        roles: &[Role],
    ) -> Result<Begin<T>, Status> {
        let who = principal(request);
        who.require_any(roles).map_err(status)?;
        UnitOfWork::begin(
            self.trading.db(),
            self.trading.clock(),
            method,
            &who,
            request_id,
            request.get_ref(),
        )
        .await
        .map_err(status)
    }

    /// Reads the project with its row locked and decides the command on it.
    pub(crate) async fn decide_locked(
        &self,
        uow: &mut UnitOfWork,
        project_id: &str,
        command: impl FnOnce(&Project) -> Command,
    ) -> Result<(Project, Decision), Status> {
        let before = store::lock_project(uow.tx(), self.trading.db().backend(), project_id)
            .await
            .map_err(status)?
            .ok_or_else(|| project_not_found(project_id))?;
        let decision = decide(&before, command(&before), uow.now()).map_err(status)?;
        Ok((before, decision))
    }

    /// Writes the decision with the command's audit entry.
    pub(crate) async fn write(
        &self,
        uow: &mut UnitOfWork,
        before: &Project,
        decision: &Decision,
        audit: effects::Audit<'_>,
    ) -> Result<(), Status> {
        let actor = uow.actor().to_string();
        let now = uow.now();
        effects::persist(
            uow.tx(),
            self.trading.db().backend(),
            before,
            decision,
            &actor,
            Some(audit),
            now,
        )
        .await
        .map_err(status)
    }

    /// Commits with the response stored for retries.
    pub(crate) async fn finish<T: prost::Message>(
        &self,
        uow: UnitOfWork,
        response: T,
    ) -> Result<Response<T>, Status> {
        uow.commit(&response).await.map_err(status)?;
        Ok(Response::new(response))
    }

    /// A project as the caller may see it.
    pub(crate) async fn visible_project<R>(
        &self,
        request: &Request<R>,
        project_id: &str,
    ) -> Result<Project, Status> {
        let who = principal(request);
        let project = store::get_project(self.trading.db(), project_id)
            .await
            .map_err(status)?
            .ok_or_else(|| project_not_found(project_id))?;
        crate::domain::visible(&project, &viewer(&who)).ok_or_else(|| project_not_found(project_id))
    }
}
