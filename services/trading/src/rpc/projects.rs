//! Projects: create, amend, announce, cancel, get, list.

use onewindow_kit::auth::{principal, Role};
use onewindow_kit::error::{Error, Violations};
use onewindow_kit::unit_of_work::Begin;
use onewindow_proto::trading::v1 as pb;
use serde_json::json;
use tonic::{Request, Response, Status};

use super::convert::*;
use super::effects::Audit;
use super::{invalid, require_agency, status, viewer, TradingRpc};
use crate::domain::{visible, Command, Project, Viewer};
use crate::store;

const DEFAULT_PAGE: i64 = 20;
const MAX_PAGE: i64 = 100;

fn staff_view(p: &Project) -> pb::Project {
    project_to_proto(&visible(p, &Viewer::Staff).unwrap_or_else(|| p.clone()))
}

impl TradingRpc {
    pub(super) async fn create_project_command(
        &self,
        request: Request<pb::CreateProjectRequest>,
    ) -> Result<Response<pb::Project>, Status> {
        let req = request.get_ref();
        let Some(project) = req.project.as_ref() else {
            return Err(status(Error::invalid("project", "is required")));
        };
        let draft = draft_from_proto(project, "project").map_err(invalid)?;
        // An agent creates projects for its own agency only; checked before the unit of work
        // so that a refused request claims no request id.
        let who = principal(&request);
        if who.has(Role::TradingAgent) {
            require_agency(&who, &draft.agency.credit_code)?;
        }
        let mut uow = match self
            .begin::<pb::Project, _>(
                "CreateProject",
                &request,
                &req.request_id,
                &[Role::TradingAgent],
            )
            .await?
        {
            Begin::Replay(r) => return Ok(Response::new(r)),
            Begin::New(u) => u,
        };
        let id = uuid::Uuid::now_v7().to_string();
        let year = onewindow_kit::clock::local_date(uow.now())
            .format("%Y")
            .to_string();
        let prefix = format!("{}-{year}-{}", draft.region_code, draft.category.code());
        let n = store::next_number(uow.tx(), &prefix)
            .await
            .map_err(status)?;
        let code = format!("{prefix}{n:04}");
        let project = Project::create(id.clone(), code, draft, uow.now()).map_err(status)?;
        let sealed_key = self.trading.keys().new_project_key(&id).map_err(status)?;
        store::insert_project(uow.tx(), &project, &sealed_key)
            .await
            .map_err(status)?;
        let detail = json!({
            "code": project.code, "title": project.title,
            "category": project.category.as_str(), "method": project.method.as_str(),
        });
        uow.audit("project", &id, "create", detail.to_string())
            .await
            .map_err(status)?;
        self.finish(uow, staff_view(&project)).await
    }

    /// Runs a project command for a trading agent and answers with the project.
    async fn project_command<R: prost::Message>(
        &self,
        method: &str,
        request: &Request<R>,
        request_id: &str,
        project_id: &str,
        command: Command,
        detail: serde_json::Value,
    ) -> Result<Response<pb::Project>, Status> {
        let mut uow = match self
            .begin::<pb::Project, _>(method, request, request_id, &[Role::TradingAgent])
            .await?
        {
            Begin::Replay(r) => return Ok(Response::new(r)),
            Begin::New(u) => u,
        };
        let action = command.name();
        let (before, d) = self
            .decide_for_agency(&mut uow, &principal(request), project_id, command)
            .await?;
        let audit = Audit {
            object_type: "project",
            object_id: project_id,
            action,
            detail,
        };
        self.write(&mut uow, &before, &d, audit).await?;
        self.finish(uow, staff_view(&d.project)).await
    }

    pub(super) async fn amend_project_command(
        &self,
        request: Request<pb::AmendProjectRequest>,
    ) -> Result<Response<pb::Project>, Status> {
        let req = request.get_ref();
        let input = amendment_from_proto(req).map_err(invalid)?;
        let detail = json!({ "summary": input.summary, "material": input.material });
        self.project_command(
            "AmendProject",
            &request,
            &req.request_id,
            &req.project_id,
            Command::Amend(input),
            detail,
        )
        .await
    }

    pub(super) async fn announce_project_command(
        &self,
        request: Request<pb::AnnounceProjectRequest>,
    ) -> Result<Response<pb::Project>, Status> {
        let req = request.get_ref();
        self.project_command(
            "AnnounceProject",
            &request,
            &req.request_id,
            &req.project_id,
            Command::Announce,
            json!({}),
        )
        .await
    }

    pub(super) async fn cancel_project_command(
        &self,
        request: Request<pb::CancelProjectRequest>,
    ) -> Result<Response<pb::Project>, Status> {
        let req = request.get_ref();
        self.project_command(
            "CancelProject",
            &request,
            &req.request_id,
            &req.project_id,
            Command::Cancel {
                reason: req.reason.clone(),
            },
            json!({ "reason": req.reason }),
        )
        .await
    }

    pub(super) async fn publicize_award_command(
        &self,
        request: Request<pb::PublicizeAwardRequest>,
    ) -> Result<Response<pb::Project>, Status> {
        let req = request.get_ref();
        self.project_command(
            "PublicizeAward",
            &request,
            &req.request_id,
            &req.project_id,
            Command::PublicizeAward,
            json!({}),
        )
        .await
    }

    pub(super) async fn get_project_read(
        &self,
        request: Request<pb::GetProjectRequest>,
    ) -> Result<Response<pb::Project>, Status> {
        let project = self
            .visible_project(&request, &request.get_ref().project_id)
            .await?;
        Ok(Response::new(project_to_proto(&project)))
    }

    pub(super) async fn list_projects_read(
        &self,
        request: Request<pb::ListProjectsRequest>,
    ) -> Result<Response<pb::ListProjectsResponse>, Status> {
        let who = principal(&request);
        let req = request.into_inner();
        let mut v = Violations::new();
        let category = category_filter(req.category, "category", &mut v);
        let state = state_filter(req.state, "state", &mut v);
        v.check(req.page_size < 0, "page_size", "must not be negative");
        let token_ok = req.page_token.is_empty() || uuid::Uuid::parse_str(&req.page_token).is_ok();
        v.check(!token_ok, "page_token", "is not a token this service gave");
        if !v.is_empty() {
            return Err(invalid(v));
        }
        let size = match i64::from(req.page_size) {
            0 => DEFAULT_PAGE,
            n => n.min(MAX_PAGE),
        };
        let page = store::list_projects(self.trading.db(), category, state, &req.page_token, size)
            .await
            .map_err(status)?;
        let next_page_token = if page.len() as i64 == size {
            page.last().map(|p| p.id.clone()).unwrap_or_default()
        } else {
            String::new()
        };
        Ok(Response::new(pb::ListProjectsResponse {
            projects: page
                .iter()
                .filter_map(|p| visible(p, &viewer(&who, p)))
                .map(|p| project_to_proto(&p))
                .collect(),
            next_page_token,
        }))
    }
}
