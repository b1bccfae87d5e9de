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

/// Whether `who` works for `agency` (a unified social credit code): a trading agent's token
/// names its agency as its department, and an agent runs only its own agency's projects.
pub(crate) fn works_for(who: &Principal, agency: &str) -> bool {
    who.has(Role::TradingAgent) && who.department.as_deref() == Some(agency)
}

/// How `who` sees `project`: supervisors and services as staff, an agent as staff of its own
/// agency's projects only (another agency's as the public does), an enterprise as a bidder.
pub(crate) fn viewer(who: &Principal, project: &Project) -> Viewer {
    if who.has(Role::Supervisor)
        || who.has(Role::Service)
        || works_for(who, &project.agency.credit_code)
    {
        Viewer::Staff
    } else if who.has(Role::Applicant) {
        Viewer::Bidder(who.subject.clone())
    } else {
        Viewer::Public
    }
}

/// Only an agent of the project's own agency runs it.
pub(crate) fn require_agency(who: &Principal, agency: &str) -> Result<(), Status> {
    if works_for(who, agency) {
        return Ok(());
    }
    Err(status(Error::PermissionDenied(format!(
        "only staff of the agency {agency} may run its projects"
    ))))
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

    /// Reads the project with its row locked.
    pub(crate) async fn lock(
        &self,
        uow: &mut UnitOfWork,
        project_id: &str,
    ) -> Result<Project, Status> {
        store::lock_project(uow.tx(), self.trading.db().backend(), project_id)
            .await
            .map_err(status)?
            .ok_or_else(|| project_not_found(project_id))
    }

    /// An agent's command: the project locked, its agency checked, the command decided.
    pub(crate) async fn decide_for_agency(
        &self,
        uow: &mut UnitOfWork,
        who: &Principal,
        project_id: &str,
        command: Command,
    ) -> Result<(Project, Decision), Status> {
        let before = self.lock(uow, project_id).await?;
        require_agency(who, &before.agency.credit_code)?;
        let decision = decide(&before, command, uow.now()).map_err(status)?;
        Ok((before, decision))
    }

    /// A bidder's command: the project locked and the command decided on it.
    pub(crate) async fn decide_locked(
        &self,
        uow: &mut UnitOfWork,
        project_id: &str,
        command: impl FnOnce(&Project) -> Command,
    ) -> Result<(Project, Decision), Status> {
        let before = self.lock(uow, project_id).await?;
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
        crate::domain::visible(&project, &viewer(&who, &project))
            .ok_or_else(|| project_not_found(project_id))
    }
}
