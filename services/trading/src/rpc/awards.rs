//! The expert pool, the panel draw, evaluation, objections and contracts.

use onewindow_kit::auth::{principal, Role};
use onewindow_kit::error::{Error, Violations};
use onewindow_kit::unit_of_work::Begin;
use onewindow_proto::trading::v1 as pb;
use serde_json::json;
use tonic::{Request, Response, Status};

use super::convert::*;
use super::effects::Audit;
use super::{invalid, require_agency, status, TradingRpc, STAFF};
use crate::domain::{decide, Command, Party, EXPERT_KIND};
use crate::store;

impl TradingRpc {
    pub(super) async fn put_expert_command(
        &self,
        request: Request<pb::PutExpertRequest>,
    ) -> Result<Response<pb::Expert>, Status> {
        let req = request.get_ref();
        let Some(e) = req.expert.as_ref() else {
            return Err(status(Error::invalid("expert", "is required")));
        };
        let expert = expert_from_proto(e, "expert").map_err(invalid)?;
        let mut uow = match self
            .begin::<pb::Expert, _>(
                "PutExpert",
                &request,
                &req.request_id,
                &[Role::TradingAgent],
            )
            .await?
        {
            Begin::Replay(r) => return Ok(Response::new(r)),
            Begin::New(u) => u,
        };
        let now_ms = uow.now().timestamp_millis();
        store::put_expert(uow.tx(), &expert, now_ms)
            .await
            .map_err(status)?;
        let detail = serde_json::to_string(&expert).map_err(|e| status(Error::internal(e)))?;
        uow.audit(EXPERT_KIND, &expert.id, "put", detail)
            .await
            .map_err(status)?;
        self.finish(uow, expert_to_proto(&expert)).await
    }

    pub(super) async fn list_experts_read(
        &self,
        request: Request<pb::ListExpertsRequest>,
    ) -> Result<Response<pb::ListExpertsResponse>, Status> {
        principal(&request).require_any(&STAFF).map_err(status)?;
        let experts = store::list_experts(self.trading.db(), request.get_ref().specialty.trim())
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListExpertsResponse {
            experts: experts.iter().map(expert_to_proto).collect(),
        }))
    }

    pub(super) async fn draw_experts_command(
        &self,
        request: Request<pb::DrawExpertsRequest>,
    ) -> Result<Response<pb::ExpertPanel>, Status> {
        let req = request.get_ref();
        let mut uow = match self
            .begin::<pb::ExpertPanel, _>(
                "DrawExperts",
                &request,
                &req.request_id,
                &[Role::TradingAgent],
            )
            .await?
        {
            Begin::Replay(r) => return Ok(Response::new(r)),
            Begin::New(u) => u,
        };
        let before = self.lock(&mut uow, &req.project_id).await?;
        require_agency(&principal(&request), &before.agency.credit_code)?;
        let pool = store::expert_pool(uow.tx(), &before.evaluation.expert_specialty)
            .await
            .map_err(status)?;
        let d = decide(&before, Command::DrawExperts { pool }, uow.now()).map_err(status)?;
        let panel = d
            .project
            .panel
            .as_ref()
            .map(panel_to_proto)
            .unwrap_or_default();
        let audit = Audit {
            object_type: "project",
            object_id: &req.project_id,
            action: "draw_experts",
            detail: json!({ "seed": panel.seed, "members": panel.members.iter().map(|m| &m.expert_id).collect::<Vec<_>>() }),
        };
        self.write(&mut uow, &before, &d, audit).await?;
        self.finish(uow, panel).await
    }

    pub(super) async fn evaluate_bids_command(
        &self,
        request: Request<pb::EvaluateBidsRequest>,
    ) -> Result<Response<pb::Evaluation>, Status> {
        let req = request.get_ref();
        let mut v = Violations::new();
        let sheets = sheets_from_proto(&req.sheets, &mut v);
        if !v.is_empty() {
            return Err(invalid(v));
        }
        let mut uow = match self
            .begin::<pb::Evaluation, _>(
                "EvaluateBids",
                &request,
                &req.request_id,
                &[Role::TradingAgent],
            )
            .await?
        {
            Begin::Replay(r) => return Ok(Response::new(r)),
            Begin::New(u) => u,
        };
        let (before, d) = self
            .decide_for_agency(
                &mut uow,
                &principal(&request),
                &req.project_id,
                Command::Evaluate { sheets },
            )
            .await?;
        let evaluation = d
            .project
            .evaluation_result
            .as_ref()
            .map(evaluation_to_proto)
            .unwrap_or_default();
        let audit = Audit {
            object_type: "project",
            object_id: &req.project_id,
            action: "evaluate",
            detail: json!({ "evaluation": d.project.evaluation_result }),
        };
        self.write(&mut uow, &before, &d, audit).await?;
        self.finish(uow, evaluation).await
    }

    pub(super) async fn file_objection_command(
        &self,
        request: Request<pb::FileObjectionRequest>,
    ) -> Result<Response<pb::Objection>, Status> {
        let subject = principal(&request).subject;
        let req = request.get_ref();
        let mut v = Violations::new();
        let objector: Party = party_from_proto(req.objector.as_ref(), "objector", &mut v);
        if !v.is_empty() {
            return Err(invalid(v));
        }
        let mut uow = match self
            .begin::<pb::Objection, _>(
                "FileObjection",
                &request,
                &req.request_id,
                &[Role::Applicant],
            )
            .await?
        {
            Begin::Replay(r) => return Ok(Response::new(r)),
            Begin::New(u) => u,
        };
        let bid_in_project = store::took_part(uow.tx(), &req.project_id, &subject)
            .await
            .map_err(status)?;
        let (before, d) = self
            .decide_locked(&mut uow, &req.project_id, |p| {
                let quoted = p
                    .auction
                    .as_ref()
                    .is_some_and(|a| a.participant(&subject).is_some());
                Command::FileObjection {
                    subject: subject.clone(),
                    objector,
                    text: req.text.clone(),
                    took_part: bid_in_project || quoted,
                }
            })
            .await?;
        let objection = d
            .project
            .objections
            .last()
            .map(objection_to_proto)
            .unwrap_or_default();
        let audit = Audit {
            object_type: "project",
            object_id: &req.project_id,
            action: "file_objection",
            detail: json!({ "objection_id": objection.id, "text": objection.text }),
        };
        self.write(&mut uow, &before, &d, audit).await?;
        self.finish(uow, objection).await
    }

    pub(super) async fn answer_objection_command(
        &self,
        request: Request<pb::AnswerObjectionRequest>,
    ) -> Result<Response<pb::Objection>, Status> {
        let req = request.get_ref();
        let mut uow = match self
            .begin::<pb::Objection, _>(
                "AnswerObjection",
                &request,
                &req.request_id,
                &[Role::TradingAgent],
            )
            .await?
        {
            Begin::Replay(r) => return Ok(Response::new(r)),
            Begin::New(u) => u,
        };
        let (before, d) = self
            .decide_for_agency(
                &mut uow,
                &principal(&request),
                &req.project_id,
                Command::AnswerObjection {
                    objection_id: req.objection_id.clone(),
                    answer: req.answer.clone(),
                    upheld: req.upheld,
                },
            )
            .await?;
        let objection = d
            .project
            .objections
            .iter()
            .find(|o| o.id == req.objection_id)
            .map(objection_to_proto)
            .unwrap_or_default();
        let audit = Audit {
            object_type: "project",
            object_id: &req.project_id,
            action: "answer_objection",
            detail: json!({ "objection_id": req.objection_id, "upheld": req.upheld, "answer": req.answer }),
        };
        self.write(&mut uow, &before, &d, audit).await?;
        self.finish(uow, objection).await
    }

    pub(super) async fn record_contract_command(
        &self,
        request: Request<pb::RecordContractRequest>,
    ) -> Result<Response<pb::Contract>, Status> {
        let req = request.get_ref();
        let mut v = Violations::new();
        let signed_on = date(&req.signed_on, "signed_on", &mut v);
        let Some(signed_on) = signed_on else {
            return Err(invalid(v));
        };
        let mut uow = match self
            .begin::<pb::Contract, _>(
                "RecordContract",
                &request,
                &req.request_id,
                &[Role::TradingAgent],
            )
            .await?
        {
            Begin::Replay(r) => return Ok(Response::new(r)),
            Begin::New(u) => u,
        };
        let (before, d) = self
            .decide_for_agency(
                &mut uow,
                &principal(&request),
                &req.project_id,
                Command::RecordContract {
                    award_id: req.award_id.clone(),
                    title: req.title.clone(),
                    value_fen: req.value_fen,
                    signed_on,
                },
            )
            .await?;
        let contract = d
            .project
            .contracts
            .last()
            .map(contract_to_proto)
            .unwrap_or_default();
        let audit = Audit {
            object_type: "project",
            object_id: &req.project_id,
            action: "record_contract",
            detail: json!({ "contract_id": contract.id, "award_id": contract.award_id, "value_fen": contract.value_fen }),
        };
        self.write(&mut uow, &before, &d, audit).await?;
        self.finish(uow, contract).await
    }
}
