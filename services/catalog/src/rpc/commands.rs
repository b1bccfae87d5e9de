//! The catalog's writes. Each runs as one unit of work: the idempotency claim, the rows read
//! and written, the outbox events and the audit entries commit together. Rows to change are
//! read inside the transaction, so replicas never plan from stale memory.

use std::collections::HashMap;

use onewindow_kit::auth::{principal, Role};
use onewindow_kit::error::{Error, Violations};
use onewindow_kit::outbox::pack;
use onewindow_kit::unit_of_work::{Begin, UnitOfWork};
use onewindow_proto::catalog::v1 as pb;
use tonic::{Request, Response, Status};

use super::calendar::{year_from_proto, year_to_proto};
use super::convert::{
    batch_from_proto, bundle_from_proto, bundle_to_proto, date, department_from_proto,
    item_content_from_proto, item_to_proto, item_version_from_proto, optional_date,
    region_from_proto,
};
use super::service::CatalogRpc;
use super::{invalid, status};
use crate::app::NATIONAL;
use crate::domain::{
    plan_apply, plan_cancel, plan_create_draft, plan_publish, plan_update_draft, CatalogError,
    Directory, ItemId, ItemVersion, VersionChange, VersionStatus,
};
use crate::store::{self, JsonTable};
use onewindow_kit::error::to_json;

const ITEM_PUBLISHED: &str = "catalog.item.published";
const ITEM_CANCELLED: &str = "catalog.item.cancelled";
const BUNDLE_PUBLISHED: &str = "catalog.bundle.published";
const CALENDAR_CHANGED: &str = "catalog.calendar.changed";
const DEPARTMENT_CHANGED: &str = "catalog.department.changed";

/// The versions that a plan's changes touched, as they now are.
fn changed<'a>(changes: &[VersionChange], versions: &'a [ItemVersion]) -> Vec<&'a ItemVersion> {
    versions
        .iter()
        .filter(|v| {
            changes.iter().any(|c| match c {
                VersionChange::Insert(n) => n.id == v.id && n.version == v.version,
                VersionChange::Publish {
                    item_id, version, ..
                }
                | VersionChange::End {
                    item_id, version, ..
                }
                | VersionChange::Cancel {
                    item_id, version, ..
                } => *item_id == v.id && *version == v.version,
            })
        })
        .collect()
}

/// Stores a new object of a JSON table and records its creation; an existing id is
/// ALREADY_EXISTS, never overwritten.
async fn insert_new<T: serde::Serialize>(
    uow: &mut UnitOfWork,
    table: JsonTable,
    kind: &'static str,
    object_type: &str,
    id: &str,
    value: &T,
) -> Result<(), Status> {
    let existing: Option<serde_json::Value> = store::load_body(uow.tx(), table, id)
        .await
        .map_err(status)?;
    if existing.is_some() {
        return Err(status(Error::AlreadyExists {
            kind,
            id: id.to_string(),
        }));
    }
    let now = uow.now().timestamp_millis();
    store::save_body(uow.tx(), table, id, value, now)
        .await
        .map_err(status)?;
    uow.audit(object_type, id, "create", to_json(value).map_err(status)?)
        .await
        .map_err(status)
}

/// Catalog writes are for catalog administrators: checked before the request is read, so
/// nobody else learns how their input would have been judged.
fn authorize<R>(request: &Request<R>) -> Result<(), Status> {
    principal(request)
        .require_any(&[Role::CatalogAdmin])
        .map_err(status)
}

impl CatalogRpc {
    /// Authorizes a catalog write and begins its unit of work.
    async fn begin<T: prost::Message + Default, R: prost::Message>(
        &self,
        method: &str,
        request: &Request<R>,
        request_id: &str,
    ) -> Result<Begin<T>, Status> {
        let who = principal(request);
        who.require_any(&[Role::CatalogAdmin]).map_err(status)?;
        UnitOfWork::begin(
            self.catalog.db(),
            &self.catalog.clock,
            method,
            &who,
            request_id,
            request.get_ref(),
        )
        .await
        .map_err(status)
    }

    /// Commits, then reloads the state so the caller reads its own write.
    async fn finish<T: prost::Message>(
        &self,
        uow: UnitOfWork,
        response: T,
    ) -> Result<Response<T>, Status> {
        uow.commit(&response).await.map_err(status)?;
        self.catalog.refresh().await.map_err(status)?;
        Ok(Response::new(response))
    }

    fn directory(&self) -> Directory {
        self.catalog.state().directory.clone()
    }

    async fn publish_events(
        &self,
        uow: &mut UnitOfWork,
        changes: &[VersionChange],
        versions: &[ItemVersion],
        directory: &Directory,
    ) -> Result<(), Status> {
        for c in changes {
            match c {
                VersionChange::Insert(v) => {
                    let item =
                        item_to_proto(v, directory.department_name(&v.content.department_id));
                    uow.event(
                        ITEM_PUBLISHED,
                        "item",
                        v.id.as_str(),
                        pack(
                            "onewindow.catalog.v1.ItemPublished",
                            &pb::ItemPublished { item: Some(item) },
                        ),
                    )
                    .await
                    .map_err(status)?;
                }
                VersionChange::Publish {
                    item_id, version, ..
                } => {
                    if let Some(v) = versions
                        .iter()
                        .find(|v| v.id == *item_id && v.version == *version)
                    {
                        let item =
                            item_to_proto(v, directory.department_name(&v.content.department_id));
                        uow.event(
                            ITEM_PUBLISHED,
                            "item",
                            item_id.as_str(),
                            pack(
                                "onewindow.catalog.v1.ItemPublished",
                                &pb::ItemPublished { item: Some(item) },
                            ),
                        )
                        .await
                        .map_err(status)?;
                    }
                }
                VersionChange::Cancel {
                    item_id,
                    version,
                    valid_until,
                    reason,
                } => {
                    let payload = pb::ItemCancelled {
                        item_id: item_id.to_string(),
                        version: i32::try_from(*version).unwrap_or(i32::MAX),
                        effective_date: valid_until.to_string(),
                        reason: reason.clone(),
                    };
                    uow.event(
                        ITEM_CANCELLED,
                        "item",
                        item_id.as_str(),
                        pack("onewindow.catalog.v1.ItemCancelled", &payload),
                    )
                    .await
                    .map_err(status)?;
                }
                VersionChange::End { .. } => {}
            }
        }
        Ok(())
    }

    pub(super) async fn put_department_command(
        &self,
        request: Request<pb::PutDepartmentRequest>,
    ) -> Result<Response<pb::Department>, Status> {
        authorize(&request)?;
        let req = request.get_ref();
        let Some(d) = req.department.as_ref() else {
            return Err(status(Error::invalid("department", "is required")));
        };
        let department = department_from_proto(d, "department").map_err(invalid)?;
        let directory = self.directory();
        let v = department.validate(&directory);
        if !v.is_empty() {
            return Err(invalid(v));
        }
        let mut uow = match self
            .begin::<pb::Department, _>("PutDepartment", &request, &req.request_id)
            .await?
        {
            Begin::Replay(r) => return Ok(Response::new(r)),
            Begin::New(u) => u,
        };
        let now = uow.now().timestamp_millis();
        store::save_department(uow.tx(), &department, now)
            .await
            .map_err(status)?;
        let out = pb::Department::from(&department);
        uow.event(
            DEPARTMENT_CHANGED,
            "department",
            department.id.as_str(),
            pack(
                "onewindow.catalog.v1.DepartmentChanged",
                &pb::DepartmentChanged {
                    department: Some(out.clone()),
                },
            ),
        )
        .await
        .map_err(status)?;
        uow.audit(
            "department",
            department.id.as_str(),
            "put",
            to_json(&department).map_err(status)?,
        )
        .await
        .map_err(status)?;
        self.finish(uow, out).await
    }

    pub(super) async fn create_item_draft_command(
        &self,
        request: Request<pb::CreateItemDraftRequest>,
    ) -> Result<Response<pb::Item>, Status> {
        authorize(&request)?;
        let req = request.get_ref();
        let Some(item) = req.item.as_ref() else {
            return Err(status(Error::invalid("item", "is required")));
        };
        let (id, content) = item_content_from_proto(item, "item").map_err(invalid)?;
        let directory = self.directory();
        let mut uow = match self
            .begin::<pb::Item, _>("CreateItemDraft", &request, &req.request_id)
            .await?
        {
            Begin::Replay(r) => return Ok(Response::new(r)),
            Begin::New(u) => u,
        };
        let versions = store::item_versions(uow.tx(), &id).await.map_err(status)?;
        let draft = plan_create_draft(&id, &versions, content, &directory).map_err(status)?;
        store::save_versions(uow.tx(), &[&draft])
            .await
            .map_err(status)?;
        uow.audit(
            "item",
            id.as_str(),
            "create_draft",
            to_json(&draft).map_err(status)?,
        )
        .await
        .map_err(status)?;
        let out = item_to_proto(
            &draft,
            directory.department_name(&draft.content.department_id),
        );
        self.finish(uow, out).await
    }

    pub(super) async fn update_item_draft_command(
        &self,
        request: Request<pb::UpdateItemDraftRequest>,
    ) -> Result<Response<pb::Item>, Status> {
        authorize(&request)?;
        let req = request.get_ref();
        let Some(item) = req.item.as_ref() else {
            return Err(status(Error::invalid("item", "is required")));
        };
        let (id, content) = item_content_from_proto(item, "item").map_err(invalid)?;
        let directory = self.directory();
        let mut uow = match self
            .begin::<pb::Item, _>("UpdateItemDraft", &request, &req.request_id)
            .await?
        {
            Begin::Replay(r) => return Ok(Response::new(r)),
            Begin::New(u) => u,
        };
        let versions = store::item_versions(uow.tx(), &id).await.map_err(status)?;
        let current = versions
            .iter()
            .find(|v| i64::from(v.version) == i64::from(item.version))
            .ok_or_else(|| {
                status(CatalogError::not_found(
                    "item version",
                    format!("{id} v{}", item.version),
                ))
            })?;
        let draft =
            plan_update_draft(current, item.revision, content, &directory).map_err(status)?;
        store::save_versions(uow.tx(), &[&draft])
            .await
            .map_err(status)?;
        uow.audit(
            "item",
            id.as_str(),
            "update_draft",
            to_json(&draft).map_err(status)?,
        )
        .await
        .map_err(status)?;
        let out = item_to_proto(
            &draft,
            directory.department_name(&draft.content.department_id),
        );
        self.finish(uow, out).await
    }

    pub(super) async fn publish_item_version_command(
        &self,
        request: Request<pb::PublishItemVersionRequest>,
    ) -> Result<Response<pb::Item>, Status> {
        authorize(&request)?;
        let req = request.get_ref();
        let id = ItemId::parse(&req.item_id)
            .map_err(|e| status(Error::invalid("item_id", e.to_string())))?;
        let mut v = Violations::new();
        let from = date(&req.valid_from, "valid_from", &mut v);
        let until = optional_date(&req.valid_until, "valid_until", &mut v);
        v.check(req.version <= 0, "version", "must be a version number");
        let (Some(from), true) = (from, v.is_empty()) else {
            return Err(invalid(v));
        };
        let directory = self.directory();
        let mut uow = match self
            .begin::<pb::Item, _>("PublishItemVersion", &request, &req.request_id)
            .await?
        {
            Begin::Replay(r) => return Ok(Response::new(r)),
            Begin::New(u) => u,
        };
        let mut versions = store::item_versions(uow.tx(), &id).await.map_err(status)?;
        let version = req.version.unsigned_abs();
        let plan = plan_publish(
            &id,
            &versions,
            version,
            from,
            until,
            &directory,
            self.catalog.moment(),
        )
        .map_err(status)?;
        plan.apply(&mut versions);
        store::save_versions(uow.tx(), &changed(&plan.changes, &versions))
            .await
            .map_err(status)?;
        self.publish_events(&mut uow, &plan.changes, &versions, &directory)
            .await?;
        let version_of = |number: u32| {
            versions
                .iter()
                .find(|v| v.version == number)
                .ok_or_else(|| {
                    status(CatalogError::not_found(
                        "item version",
                        format!("{id} v{number}"),
                    ))
                })
        };
        let published = version_of(version)?;
        uow.audit(
            "item",
            id.as_str(),
            "publish",
            to_json(published).map_err(status)?,
        )
        .await
        .map_err(status)?;
        // The version in force until now, closed by this one, is recorded as ended on the
        // same trail, as an adjustment batch records it.
        for change in &plan.changes {
            if let VersionChange::End { version: ended, .. } = change {
                uow.audit(
                    "item",
                    id.as_str(),
                    "end",
                    to_json(version_of(*ended)?).map_err(status)?,
                )
                .await
                .map_err(status)?;
            }
        }
        let out = item_to_proto(
            published,
            directory.department_name(&published.content.department_id),
        );
        self.finish(uow, out).await
    }

    pub(super) async fn cancel_item_command(
        &self,
        request: Request<pb::CancelItemRequest>,
    ) -> Result<Response<pb::Item>, Status> {
        authorize(&request)?;
        let req = request.get_ref();
        let id = ItemId::parse(&req.item_id)
            .map_err(|e| status(Error::invalid("item_id", e.to_string())))?;
        let mut v = Violations::new();
        let effective = date(&req.effective_date, "effective_date", &mut v);
        let Some(effective) = effective else {
            return Err(invalid(v));
        };
        let directory = self.directory();
        let mut uow = match self
            .begin::<pb::Item, _>("CancelItem", &request, &req.request_id)
            .await?
        {
            Begin::Replay(r) => return Ok(Response::new(r)),
            Begin::New(u) => u,
        };
        let mut versions = store::item_versions(uow.tx(), &id).await.map_err(status)?;
        let plan = plan_cancel(
            &id,
            &versions,
            effective,
            &req.reason,
            self.catalog.moment(),
        )
        .map_err(status)?;
        plan.apply(&mut versions);
        let touched = changed(&plan.changes, &versions);
        store::save_versions(uow.tx(), &touched)
            .await
            .map_err(status)?;
        self.publish_events(&mut uow, &plan.changes, &versions, &directory)
            .await?;
        let cancelled = touched
            .first()
            .copied()
            .ok_or_else(|| status(CatalogError::not_found("item", &id)))?;
        uow.audit(
            "item",
            id.as_str(),
            "cancel",
            to_json(cancelled).map_err(status)?,
        )
        .await
        .map_err(status)?;
        let out = item_to_proto(
            cancelled,
            directory.department_name(&cancelled.content.department_id),
        );
        self.finish(uow, out).await
    }

    pub(super) async fn create_batch_command(
        &self,
        request: Request<pb::CreateAdjustmentBatchRequest>,
    ) -> Result<Response<pb::AdjustmentBatch>, Status> {
        authorize(&request)?;
        let req = request.get_ref();
        let Some(b) = req.batch.as_ref() else {
            return Err(status(Error::invalid("batch", "is required")));
        };
        let mut batch = batch_from_proto(b, "batch").map_err(invalid)?;
        if batch.id.is_empty() {
            batch.id = uuid::Uuid::now_v7().to_string();
        }
        batch.applied_at = None;
        let v = batch.validate(&self.directory());
        if !v.is_empty() {
            return Err(invalid(v));
        }
        let mut uow = match self
            .begin::<pb::AdjustmentBatch, _>("CreateAdjustmentBatch", &request, &req.request_id)
            .await?
        {
            Begin::Replay(r) => return Ok(Response::new(r)),
            Begin::New(u) => u,
        };
        insert_new(
            &mut uow,
            JsonTable::Batch,
            "adjustment batch",
            "adjustment_batch",
            &batch.id,
            &batch,
        )
        .await?;
        self.finish(uow, pb::AdjustmentBatch::from(&batch)).await
    }

    pub(super) async fn apply_batch_command(
        &self,
        request: Request<pb::ApplyAdjustmentBatchRequest>,
    ) -> Result<Response<pb::AdjustmentBatch>, Status> {
        authorize(&request)?;
        let req = request.get_ref();
        let directory = self.directory();
        let mut uow = match self
            .begin::<pb::AdjustmentBatch, _>("ApplyAdjustmentBatch", &request, &req.request_id)
            .await?
        {
            Begin::Replay(r) => return Ok(Response::new(r)),
            Begin::New(u) => u,
        };
        let mut batch: crate::domain::AdjustmentBatch =
            store::load_body(uow.tx(), JsonTable::Batch, &req.batch_id)
                .await
                .map_err(status)?
                .ok_or_else(|| status(Error::not_found("adjustment batch", &req.batch_id)))?;
        let mut current: HashMap<ItemId, Vec<ItemVersion>> = HashMap::new();
        for entry in &batch.entries {
            let id = entry.change.item_id().clone();
            if let std::collections::hash_map::Entry::Vacant(slot) = current.entry(id) {
                let versions = store::item_versions(uow.tx(), slot.key())
                    .await
                    .map_err(status)?;
                slot.insert(versions);
            }
        }
        let plan =
            plan_apply(&batch, &current, &directory, self.catalog.moment()).map_err(status)?;
        plan.apply(&mut current);
        for versions in current.values() {
            store::save_versions(uow.tx(), &changed(&plan.changes, versions))
                .await
                .map_err(status)?;
            self.publish_events(&mut uow, &plan.changes, versions, &directory)
                .await?;
        }
        batch.applied_at = Some(plan.applied_at);
        let now = uow.now().timestamp_millis();
        store::save_body(uow.tx(), JsonTable::Batch, &batch.id, &batch, now)
            .await
            .map_err(status)?;
        crate::audit::record_batch(&mut uow, &batch, &plan, &current)
            .await
            .map_err(status)?;
        self.finish(uow, pb::AdjustmentBatch::from(&batch)).await
    }

    pub(super) async fn create_bundle_command(
        &self,
        request: Request<pb::CreateBundleRequest>,
    ) -> Result<Response<pb::Bundle>, Status> {
        authorize(&request)?;
        let req = request.get_ref();
        let Some(b) = req.bundle.as_ref() else {
            return Err(status(Error::invalid("bundle", "is required")));
        };
        let mut bundle = bundle_from_proto(b, "bundle").map_err(invalid)?;
        bundle.status = crate::domain::BundleStatus::Draft;
        bundle.published_at = None;
        let state = self.catalog.state();
        let view = state.view.clone();
        let department_of = |i: &ItemId| view.department_of(i);
        let v = bundle.validate(&department_of);
        if !v.is_empty() {
            return Err(invalid(v));
        }
        let mut uow = match self
            .begin::<pb::Bundle, _>("CreateBundle", &request, &req.request_id)
            .await?
        {
            Begin::Replay(r) => return Ok(Response::new(r)),
            Begin::New(u) => u,
        };
        insert_new(
            &mut uow,
            JsonTable::Bundle,
            "bundle",
            "bundle",
            &bundle.id,
            &bundle,
        )
        .await?;
        let out = bundle_to_proto(&bundle, &bundle.department_ids(&department_of));
        self.finish(uow, out).await
    }

    pub(super) async fn publish_bundle_command(
        &self,
        request: Request<pb::PublishBundleRequest>,
    ) -> Result<Response<pb::Bundle>, Status> {
        authorize(&request)?;
        let req = request.get_ref();
        let state = self.catalog.state();
        let view = state.view.clone();
        let department_of = |i: &ItemId| view.department_of(i);
        let mut uow = match self
            .begin::<pb::Bundle, _>("PublishBundle", &request, &req.request_id)
            .await?
        {
            Begin::Replay(r) => return Ok(Response::new(r)),
            Begin::New(u) => u,
        };
        let bundle: crate::domain::Bundle =
            store::load_body(uow.tx(), JsonTable::Bundle, &req.bundle_id)
                .await
                .map_err(status)?
                .ok_or_else(|| status(Error::not_found("bundle", &req.bundle_id)))?;
        let published = bundle.publish(&department_of, uow.now()).map_err(status)?;
        let now = uow.now().timestamp_millis();
        store::save_body(uow.tx(), JsonTable::Bundle, &published.id, &published, now)
            .await
            .map_err(status)?;
        let out = bundle_to_proto(&published, &published.department_ids(&department_of));
        uow.event(
            BUNDLE_PUBLISHED,
            "bundle",
            &published.id,
            pack(
                "onewindow.catalog.v1.BundlePublished",
                &pb::BundlePublished {
                    bundle: Some(out.clone()),
                },
            ),
        )
        .await
        .map_err(status)?;
        uow.audit(
            "bundle",
            &published.id,
            "publish",
            to_json(&published).map_err(status)?,
        )
        .await
        .map_err(status)?;
        self.finish(uow, out).await
    }

    pub(super) async fn put_calendar_year_command(
        &self,
        request: Request<pb::PutCalendarYearRequest>,
    ) -> Result<Response<pb::CalendarYear>, Status> {
        authorize(&request)?;
        let req = request.get_ref();
        let Some(c) = req.calendar.as_ref() else {
            return Err(status(Error::invalid("calendar", "is required")));
        };
        let region = c.region_code.clone();
        if region != NATIONAL {
            let known = crate::domain::RegionCode::parse(&region)
                .map(|code| self.catalog.state().directory.has_region(&code))
                .unwrap_or(false);
            if !known {
                return Err(status(Error::invalid(
                    "calendar.region_code",
                    format!("must be {NATIONAL} (national) or a known region"),
                )));
            }
        }
        let schedule = year_from_proto(c).map_err(invalid)?;
        let mut uow = match self
            .begin::<pb::CalendarYear, _>("PutCalendarYear", &request, &req.request_id)
            .await?
        {
            Begin::Replay(r) => return Ok(Response::new(r)),
            Begin::New(u) => u,
        };
        let toml = schedule
            .to_toml()
            .map_err(|e| status(Error::internal(anyhow::anyhow!("{e}"))))?;
        store::save_calendar_year(uow.tx(), &region, schedule.year, &toml)
            .await
            .map_err(status)?;
        let object = format!("{region}/{}", schedule.year);
        uow.event(
            CALENDAR_CHANGED,
            "calendar",
            &object,
            pack(
                "onewindow.catalog.v1.CalendarChanged",
                &pb::CalendarChanged {
                    region_code: region.clone(),
                    year: schedule.year,
                    calendar: Some(year_to_proto(&region, schedule.year, Some(&schedule))),
                },
            ),
        )
        .await
        .map_err(status)?;
        uow.audit("calendar", &object, "put", toml.clone())
            .await
            .map_err(status)?;
        self.finish(uow, year_to_proto(&region, schedule.year, Some(&schedule)))
            .await
    }

    pub(super) async fn import_catalog_command(
        &self,
        request: Request<pb::ImportCatalogRequest>,
    ) -> Result<Response<pb::ImportCatalogResponse>, Status> {
        authorize(&request)?;
        let req = request.get_ref();
        let Some(snapshot) = req.snapshot.as_ref() else {
            return Err(status(Error::invalid("snapshot", "is required")));
        };
        let mut uow = match self
            .begin::<pb::ImportCatalogResponse, _>("ImportCatalog", &request, &req.request_id)
            .await?
        {
            Begin::Replay(r) => return Ok(Response::new(r)),
            Begin::New(u) => u,
        };
        let response =
            crate::import::import(&mut uow, &req.request_id, snapshot, &self.directory())
                .await
                .map_err(status)?;
        self.finish(uow, response).await
    }
}

/// Events for what an import brought in, so followers learn the catalog as loaded.
pub(crate) async fn import_events(
    uow: &mut UnitOfWork,
    items: &[(ItemVersion, String)],
    bundles: &[pb::Bundle],
    calendars: &[pb::CalendarYear],
) -> Result<(), Error> {
    for (v, department_name) in items {
        if v.status == VersionStatus::Published {
            let item = item_to_proto(v, department_name);
            uow.event(
                ITEM_PUBLISHED,
                "item",
                v.id.as_str(),
                pack(
                    "onewindow.catalog.v1.ItemPublished",
                    &pb::ItemPublished { item: Some(item) },
                ),
            )
            .await?;
        }
    }
    for b in bundles {
        uow.event(
            BUNDLE_PUBLISHED,
            "bundle",
            &b.id,
            pack(
                "onewindow.catalog.v1.BundlePublished",
                &pb::BundlePublished {
                    bundle: Some(b.clone()),
                },
            ),
        )
        .await?;
    }
    for c in calendars {
        let object = format!("{}/{}", c.region_code, c.year);
        uow.event(
            CALENDAR_CHANGED,
            "calendar",
            &object,
            pack(
                "onewindow.catalog.v1.CalendarChanged",
                &pb::CalendarChanged {
                    region_code: c.region_code.clone(),
                    year: c.year,
                    calendar: Some(c.clone()),
                },
            ),
        )
        .await?;
    }
    Ok(())
}

/// Parses the parts of a snapshot; every bad field of every part is reported at once.
pub(crate) fn parse_regions(
    snapshot: &pb::CatalogSnapshot,
    v: &mut Violations,
) -> Vec<crate::domain::Region> {
    snapshot
        .regions
        .iter()
        .enumerate()
        .filter_map(
            |(i, r)| match region_from_proto(r, &format!("snapshot.regions[{i}]")) {
                Ok(r) => Some(r),
                Err(e) => {
                    v.extend(e);
                    None
                }
            },
        )
        .collect()
}

pub(crate) fn parse_items(snapshot: &pb::CatalogSnapshot, v: &mut Violations) -> Vec<ItemVersion> {
    snapshot
        .items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            match item_version_from_proto(item, &format!("snapshot.items[{i}]")) {
                Ok(version) => Some(version),
                Err(e) => {
                    v.extend(e);
                    None
                }
            }
        })
        .collect()
}
