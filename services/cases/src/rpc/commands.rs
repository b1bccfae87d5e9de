//! Commands as units of work: the idempotency claim, the case rows read and written, the
//! outbox events and the audit entries commit together. A transition of a bundle's child
//! moves its bundle case in the same transaction, and starts the next stage's children.

use onewindow_kit::auth::{principal, Principal, Role};
use onewindow_kit::calendar::Calendar;
use onewindow_kit::error::Error;
use onewindow_kit::unit_of_work::{Begin, UnitOfWork};
use onewindow_proto::cases::v1 as pb;
use rand::SeedableRng;
use tonic::{Request, Response, Status};

use super::convert::{
    bundle_case_to_proto, bundle_event_to_any, bundle_submission_from_proto, case_to_proto,
    event_to_any, resubmission_from_proto, split_files, submission_from_proto, BundleApplication,
    CaseCommand, CaseView, IntoCommand,
};
use super::service::CaseRpc;
use super::{invalid, status};
use crate::app::actor_of;
use crate::domain::{
    decide, decide_bundle, start_bundle, submit, Actor, BundleCase, BundleCommand,
    BundleSubmission, BundleTerms, Case, CaseNumber, Channel, ChildCase, DomainEvent, ItemTerms,
    NewMaterial, QueryCode, Submission,
};
use crate::store::{self, digest};

/// The role the service itself takes for what it does on a bundle's behalf.
fn service_actor() -> Actor {
    Actor {
        subject: "system:cases".into(),
        roles: vec![Role::Service],
        department: None,
        region: None,
    }
}

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn query_code() -> QueryCode {
    QueryCode::generate(&mut rand::rngs::StdRng::from_entropy())
}

/// The version of an item in force on `today`, as the catalog announced it.
async fn terms_in_force(
    tx: &mut onewindow_kit::db::Tx,
    item_id: &str,
    today: chrono::NaiveDate,
) -> Result<ItemTerms, Status> {
    let versions = store::item_versions(tx, item_id).await.map_err(status)?;
    if versions.is_empty() {
        return Err(status(Error::not_found("item", item_id)));
    }
    // The newest version that has started; it is in force unless it has ended.
    let started = versions
        .iter()
        .filter(|v| v.valid_from <= today)
        .max_by_key(|v| v.version)
        .filter(|v| v.in_force_on(today));
    started.cloned().ok_or_else(|| {
        status(Error::precondition(
            "item",
            item_id,
            if versions.iter().any(|v| v.cancelled) {
                "cancelled"
            } else {
                "not in force"
            },
            "submit",
        ))
    })
}

async fn case_number(
    tx: &mut onewindow_kit::db::Tx,
    region: &str,
    today: chrono::NaiveDate,
) -> Result<CaseNumber, Status> {
    use chrono::Datelike;
    let serial = store::next_number(tx, region, today.year())
        .await
        .map_err(status)?;
    CaseNumber::new(
        region,
        today.year(),
        u32::try_from(serial).unwrap_or(u32::MAX),
    )
    .map_err(|e| status(Error::internal(anyhow::anyhow!("case number: {e}"))))
}

async fn emit(uow: &mut UnitOfWork, events: &[DomainEvent]) -> Result<(), Status> {
    for e in events {
        let (kind, object_id, any) = event_to_any(e);
        uow.event(kind, "case", &object_id, any)
            .await
            .map_err(status)?;
    }
    Ok(())
}

/// What the audit trail keeps of a transition: the command and the resulting state, never
/// the applicant's personal data.
fn audit_json(case: &Case, events: &[DomainEvent]) -> String {
    let kinds: Vec<&str> = events.iter().map(|e| e.kind()).collect();
    serde_json::json!({
        "state": case.state.as_str(),
        "revision": case.revision,
        "events": kinds,
        "planned_due_date": case.deadlines.as_ref().map(|d| d.planned_due_date.to_string()),
    })
    .to_string()
}

impl CaseRpc {
    async fn begin<T: prost::Message + Default>(
        &self,
        method: &str,
        who: &Principal,
        request_id: &str,
        request: &impl prost::Message,
    ) -> Result<Begin<T>, Status> {
        if who.is_anonymous() {
            return Err(status(Error::Unauthenticated("sign in to do this".into())));
        }
        UnitOfWork::begin(
            &self.cases.db,
            &self.cases.clock,
            method,
            who,
            request_id,
            request,
        )
        .await
        .map_err(status)
    }

    /// The region's calendar, read in the command's own transaction (never a second
    /// connection while this one holds locks).
    async fn calendar(uow: &mut UnitOfWork, region: &str) -> Result<Calendar, Status> {
        store::calendar_in(uow.tx(), region).await.map_err(status)
    }

    async fn respond(
        &self,
        mut uow: UnitOfWork,
        case: &Case,
        actor: &Actor,
        query_code: Option<&QueryCode>,
    ) -> Result<Response<pb::Case>, Status> {
        let calendar = Self::calendar(&mut uow, &case.terms.region_code).await?;
        let (shown, standing) = super::service::present(
            case,
            self.cases.clock.today(),
            &calendar,
            self.cases.warning_days,
        )?;
        let mut out = case_to_proto(
            &shown,
            CaseView::of(actor, case),
            standing.as_ref(),
            self.cases.clock.today(),
        );
        if let Some(code) = query_code {
            out.query_code = code.as_str().to_string();
        }
        uow.commit(&out).await.map_err(status)?;
        Ok(Response::new(out))
    }

    pub(super) async fn submit_case_command(
        &self,
        request: Request<pb::SubmitCaseRequest>,
    ) -> Result<Response<pb::Case>, Status> {
        let who = principal(&request);
        let actor = actor_of(&who);
        let req = request.into_inner();
        let mut uow = match self
            .begin::<pb::Case>("SubmitCase", &who, &req.request_id.clone(), &req)
            .await?
        {
            Begin::Replay(r) => return Ok(Response::new(r)),
            Begin::New(u) => u,
        };
        let app = submission_from_proto(req, new_id).map_err(invalid)?;
        let today = self.cases.clock.today();
        let terms = terms_in_force(uow.tx(), &app.item_id, today).await?;
        let channel = if actor.has(Role::Clerk) {
            Channel::Window
        } else {
            Channel::Online
        };
        let number = case_number(uow.tx(), &terms.region_code, today).await?;
        let (materials, contents) = split_files(app.files);
        let submission = Submission {
            id: new_id(),
            case_number: number,
            terms,
            applicant: app.applicant,
            channel,
            applicant_subject: (channel == Channel::Online).then(|| actor.subject.clone()),
            materials: materials.clone(),
            bundle_case_id: None,
        };
        let (case, events) = submit(submission, &actor, today, uow.now()).map_err(status)?;
        let code = query_code();
        store::insert_case(uow.tx(), &case, &digest("query-code", code.as_str()))
            .await
            .map_err(status)?;
        save_contents(&mut uow, &case.id, &materials, contents).await?;
        emit(&mut uow, &events).await?;
        uow.audit("case", &case.id, "submit", audit_json(&case, &events))
            .await
            .map_err(status)?;
        self.respond(uow, &case, &actor, Some(&code)).await
    }

    /// Every transition: load the case in the transaction, decide, store, announce, and
    /// carry the change to the bundle it belongs to.
    pub(super) async fn transition<R>(
        &self,
        method: &str,
        request: Request<R>,
    ) -> Result<Response<pb::Case>, Status>
    where
        R: IntoCommand + prost::Message + Default,
    {
        let who = principal(&request);
        let command = request.get_ref().to_command().map_err(invalid)?;
        let request_id = request.get_ref().request_id().to_string();
        let mut uow = match self
            .begin::<pb::Case>(method, &who, &request_id, request.get_ref())
            .await?
        {
            Begin::Replay(r) => return Ok(Response::new(r)),
            Begin::New(u) => u,
        };
        let case = self.apply(&mut uow, &who, method, command).await?;
        self.respond(uow, &case, &actor_of(&who), None).await
    }

    pub(super) async fn resubmit_command(
        &self,
        request: Request<pb::ResubmitCaseRequest>,
    ) -> Result<Response<pb::Case>, Status> {
        let who = principal(&request);
        let req = request.into_inner();
        let mut uow = match self
            .begin::<pb::Case>("ResubmitCase", &who, &req.request_id.clone(), &req)
            .await?
        {
            Begin::Replay(r) => return Ok(Response::new(r)),
            Begin::New(u) => u,
        };
        let (command, contents) = resubmission_from_proto(req, new_id).map_err(invalid)?;
        let materials = match &command.command {
            crate::domain::Command::Resubmit { materials } => materials.clone(),
            _ => Vec::new(),
        };
        let case = self.apply(&mut uow, &who, "ResubmitCase", command).await?;
        save_contents(&mut uow, &case.id, &materials, contents).await?;
        self.respond(uow, &case, &actor_of(&who), None).await
    }

    /// Decides one command on one case inside `uow` and stores the outcome.
    async fn apply(
        &self,
        uow: &mut UnitOfWork,
        who: &Principal,
        method: &str,
        c: CaseCommand,
    ) -> Result<Case, Status> {
        let actor = actor_of(who);
        let case = store::case_in_tx(uow.tx(), &c.case_id)
            .await
            .map_err(status)?
            .ok_or_else(|| status(Error::not_found("case", &c.case_id)))?;
        let calendar = Self::calendar(uow, &case.terms.region_code).await?;
        let today = self.cases.clock.today();
        let (next, events) = decide(
            &case,
            c.command,
            c.expected_revision,
            &actor,
            today,
            uow.now(),
            &calendar,
        )
        .map_err(status)?;
        if !store::update_case(uow.tx(), &next, case.revision)
            .await
            .map_err(status)?
        {
            return Err(status(Error::Aborted {
                kind: "case",
                id: case.id.clone(),
                expected: case.revision,
                actual: case.revision + 1,
            }));
        }
        emit(uow, &events).await?;
        uow.audit("case", &next.id, method, audit_json(&next, &events))
            .await
            .map_err(status)?;
        if let Some(bundle_id) = next.bundle_case_id.clone() {
            if ChildCase::of(&case) != ChildCase::of(&next) {
                self.advance_bundle(uow, &bundle_id, &next, &calendar)
                    .await?;
            }
        }
        Ok(next)
    }

    /// Tells the bundle its child changed; starts the next stage's children when it asks.
    async fn advance_bundle(
        &self,
        uow: &mut UnitOfWork,
        bundle_id: &str,
        child: &Case,
        calendar: &Calendar,
    ) -> Result<(), Status> {
        let bundle = store::bundle_case_in_tx(uow.tx(), bundle_id)
            .await
            .map_err(status)?
            .ok_or_else(|| {
                status(Error::internal(anyhow::anyhow!(
                    "bundle case {bundle_id} of case {} is missing",
                    child.id
                )))
            })?;
        let today = self.cases.clock.today();
        let (mut next, mut events) = decide_bundle(
            &bundle,
            BundleCommand::ChildChanged(ChildCase::of(child)),
            today,
            uow.now(),
            calendar,
        )
        .map_err(status)?;
        if let Some((index, stage)) = next.stage_to_start() {
            let item_ids = stage.item_ids.clone();
            let shared = next.shared_files.clone();
            let mut children = Vec::new();
            for item_id in item_ids {
                let terms = terms_in_force(uow.tx(), &item_id, today).await?;
                let materials = shared_for(&terms, &shared);
                let parent = Parent::of(&next);
                let case = self.submit_child(uow, &parent, terms, materials).await?;
                children.push(ChildCase::of(&case));
            }
            let (started, more) = decide_bundle(
                &next,
                BundleCommand::StageStarted { index, children },
                today,
                uow.now(),
                calendar,
            )
            .map_err(status)?;
            next = started;
            events.extend(more);
        }
        if !store::update_bundle_case(uow.tx(), &next, bundle.revision)
            .await
            .map_err(status)?
        {
            return Err(status(Error::Aborted {
                kind: "bundle case",
                id: bundle.id.clone(),
                expected: bundle.revision,
                actual: bundle.revision + 1,
            }));
        }
        for e in &events {
            let (kind, object_id, any) = bundle_event_to_any(e);
            uow.event(kind, "bundle_case", &object_id, any)
                .await
                .map_err(status)?;
        }
        uow.audit(
            "bundle_case",
            &next.id,
            "advance",
            serde_json::json!({"state": next.state.to_string(), "revision": next.revision})
                .to_string(),
        )
        .await
        .map_err(status)?;
        Ok(())
    }

    /// Submits one child case of a bundle, as the service, with the bundle's applicant.
    async fn submit_child(
        &self,
        uow: &mut UnitOfWork,
        bundle: &Parent,
        terms: ItemTerms,
        materials: Vec<NewMaterial>,
    ) -> Result<Case, Status> {
        let today = self.cases.clock.today();
        let number = case_number(uow.tx(), &terms.region_code, today).await?;
        let submission = Submission {
            id: new_id(),
            case_number: number,
            terms,
            applicant: bundle.applicant.clone(),
            channel: bundle.channel,
            applicant_subject: bundle.applicant_subject.clone(),
            materials,
            bundle_case_id: Some(bundle.id.clone()),
        };
        let (case, events) =
            submit(submission, &service_actor(), today, uow.now()).map_err(status)?;
        // Children are followed through the bundle's number and code, not their own.
        store::insert_case(uow.tx(), &case, &digest("query-code", &new_id()))
            .await
            .map_err(status)?;
        emit(uow, &events).await?;
        uow.audit("case", &case.id, "submit", audit_json(&case, &events))
            .await
            .map_err(status)?;
        Ok(case)
    }

    pub(super) async fn submit_bundle_command(
        &self,
        request: Request<pb::SubmitBundleRequest>,
    ) -> Result<Response<pb::BundleCase>, Status> {
        let who = principal(&request);
        let actor = actor_of(&who);
        let req = request.into_inner();
        let mut uow = match self
            .begin::<pb::BundleCase>("SubmitBundle", &who, &req.request_id.clone(), &req)
            .await?
        {
            Begin::Replay(r) => return Ok(Response::new(r)),
            Begin::New(u) => u,
        };
        let app: BundleApplication = bundle_submission_from_proto(req, new_id).map_err(invalid)?;
        let terms: BundleTerms = store::bundle_terms(uow.tx(), &app.bundle_id)
            .await
            .map_err(status)?
            .ok_or_else(|| status(Error::not_found("bundle", &app.bundle_id)))?;
        let v = app.check_against(&terms);
        if !v.is_empty() {
            return Err(invalid(v));
        }
        let today = self.cases.clock.today();
        let calendar = Self::calendar(&mut uow, &terms.region_code).await?;
        let channel = if actor.has(Role::Clerk) {
            Channel::Window
        } else {
            Channel::Online
        };
        let number = case_number(uow.tx(), &terms.region_code, today).await?;
        let bundle_id = new_id();
        let first = terms
            .stages
            .first()
            .map(|s| s.item_ids.clone())
            .unwrap_or_default();
        // The children are written first and the bundle case after them, once they are
        // known; all in this one transaction.
        let parent = Parent {
            id: bundle_id.clone(),
            applicant: app.applicant.clone(),
            channel,
            applicant_subject: (channel == Channel::Online).then(|| actor.subject.clone()),
        };
        let mut children = Vec::new();
        let mut child_cases = Vec::new();
        for item_id in first {
            let item = terms_in_force(uow.tx(), &item_id, today).await?;
            let materials = app.materials_for(&item);
            let case = self
                .submit_child(&mut uow, &parent, item, materials)
                .await?;
            children.push(ChildCase::of(&case));
            child_cases.push(case);
        }
        for f in &app.shared_files {
            store::save_material(
                uow.tx(),
                &f.id,
                &bundle_id,
                &f.content_type,
                &f.sha256,
                &f.content,
            )
            .await
            .map_err(status)?;
        }
        for (case, files) in child_cases.iter().zip(std::iter::repeat(&app)) {
            for own in files
                .item_files
                .iter()
                .filter(|i| i.item_id == case.terms.item_id)
            {
                for m in &own.files {
                    store::save_material(
                        uow.tx(),
                        &m.material.id,
                        &case.id,
                        &m.material.content_type,
                        &m.material.sha256,
                        &m.content,
                    )
                    .await
                    .map_err(status)?;
                }
            }
        }
        let submission = BundleSubmission {
            id: bundle_id.clone(),
            case_number: number,
            terms,
            applicant: app.applicant.clone(),
            channel,
            applicant_subject: (channel == Channel::Online).then(|| actor.subject.clone()),
            first_children: children,
            shared_files: app
                .shared_files
                .iter()
                .map(|f| NewMaterial {
                    id: f.id.clone(),
                    material_id: f.shared_material_id.clone(),
                    name: f.name.clone(),
                    content_type: f.content_type.clone(),
                    size_bytes: f.size_bytes,
                    sha256: f.sha256.clone(),
                    shared_material_id: Some(f.shared_material_id.clone()),
                })
                .collect(),
        };
        let (bundle, events) =
            start_bundle(submission, &actor, today, uow.now()).map_err(status)?;
        let code = query_code();
        store::insert_bundle_case(uow.tx(), &bundle, &digest("query-code", code.as_str()))
            .await
            .map_err(status)?;
        for e in &events {
            let (kind, object_id, any) = bundle_event_to_any(e);
            uow.event(kind, "bundle_case", &object_id, any)
                .await
                .map_err(status)?;
        }
        uow.audit(
            "bundle_case",
            &bundle.id,
            "submit",
            serde_json::json!({"state": bundle.state.to_string()}).to_string(),
        )
        .await
        .map_err(status)?;
        let standing = bundle
            .standing(today, &calendar, self.cases.warning_days)
            .map_err(status)?;
        let mut out = bundle_case_to_proto(
            &bundle,
            CaseView::of_bundle(&actor, &bundle),
            standing.as_ref(),
            today,
        );
        out.query_code = code.as_str().to_string();
        uow.commit(&out).await.map_err(status)?;
        Ok(Response::new(out))
    }
}

/// What a child case takes from its bundle case.
struct Parent {
    id: String,
    applicant: crate::domain::Applicant,
    channel: Channel,
    applicant_subject: Option<String>,
}

impl Parent {
    fn of(b: &BundleCase) -> Parent {
        Parent {
            id: b.id.clone(),
            applicant: b.applicant.clone(),
            channel: b.channel,
            applicant_subject: b.applicant_subject.clone(),
        }
    }
}

/// The shared materials a child of a later stage takes over (资料互认).
fn shared_for(terms: &ItemTerms, shared: &[NewMaterial]) -> Vec<NewMaterial> {
    terms
        .materials
        .iter()
        .filter_map(|m| {
            let sid = m.shared_material_id.as_ref()?;
            shared
                .iter()
                .find(|s| s.shared_material_id.as_ref() == Some(sid))
                .map(|s| NewMaterial {
                    material_id: m.id.clone(),
                    ..s.clone()
                })
        })
        .collect()
}

async fn save_contents(
    uow: &mut UnitOfWork,
    case_id: &str,
    materials: &[NewMaterial],
    contents: Vec<super::convert::FileContent>,
) -> Result<(), Status> {
    for c in contents {
        let Some(m) = materials.iter().find(|m| m.id == c.file_id) else {
            continue;
        };
        store::save_material(
            uow.tx(),
            &c.file_id,
            case_id,
            &m.content_type,
            &m.sha256,
            &c.content,
        )
        .await
        .map_err(status)?;
    }
    Ok(())
}
