//! The CatalogService handlers. Reads are public and served from the in-memory state, except
//! drafts, which only the catalog's admins and the services see; writes need
//! `catalog_admin` and run in `commands`.

use std::pin::Pin;

use futures::{Stream, StreamExt};
use onewindow_kit::auth::{principal, Role};
use onewindow_kit::error::{Error, Violations};
use onewindow_kit::{audit, outbox};
use onewindow_proto::catalog::v1 as pb;
use onewindow_proto::catalog::v1::catalog_service_server::CatalogService;
use onewindow_proto::common::v1 as common;
use onewindow_proto::google::api::HttpBody;
use tonic::{Request, Response, Status};

use super::calendar::year_to_proto;
use super::convert::{
    bundle_to_proto, date, format_date, item_to_proto, list_query_from_proto, list_response,
    optional_date,
};
use super::{invalid, snapshot, status};
use crate::app::Catalog;
use crate::domain::{
    catalog_csv, version_in_force, CatalogError, CatalogStatistics, DepartmentId, DraftAccess,
    ItemId, RegionCode,
};

#[derive(Clone)]
pub struct CatalogRpc {
    pub(crate) catalog: Catalog,
}

impl CatalogRpc {
    pub fn new(catalog: Catalog) -> Self {
        CatalogRpc { catalog }
    }
}

fn parse_item_id(s: &str, field: &str) -> Result<ItemId, Status> {
    ItemId::parse(s).map_err(|e| status(Error::invalid(field, e.to_string())))
}

/// Drafts are seen by those who manage the catalog and by the services that run on it; to
/// everyone else a draft does not exist (NOT_FOUND), like an item never published.
fn draft_access<R>(request: &Request<R>) -> DraftAccess {
    let who = principal(request);
    if who.has(Role::CatalogAdmin) || who.has(Role::Service) {
        DraftAccess::Shown
    } else {
        DraftAccess::Hidden
    }
}

fn known_region(catalog: &Catalog, code: &str) -> Result<String, Status> {
    let parsed = RegionCode::parse(code)
        .map_err(|e| status(Error::invalid("region_code", e.to_string())))?;
    if !catalog.state().directory.has_region(&parsed) {
        return Err(status(Error::not_found("region", code)));
    }
    Ok(code.to_string())
}

type EventStream = Pin<Box<dyn Stream<Item = Result<common::Event, Status>> + Send + 'static>>;

#[tonic::async_trait]
impl CatalogService for CatalogRpc {
    async fn list_regions(
        &self,
        _request: Request<pb::ListRegionsRequest>,
    ) -> Result<Response<pb::ListRegionsResponse>, Status> {
        let state = self.catalog.state();
        Ok(Response::new(pb::ListRegionsResponse {
            regions: state.directory.regions().map(pb::Region::from).collect(),
        }))
    }

    async fn list_departments(
        &self,
        request: Request<pb::ListDepartmentsRequest>,
    ) -> Result<Response<pb::ListDepartmentsResponse>, Status> {
        let region = request.into_inner().region_code;
        let state = self.catalog.state();
        Ok(Response::new(pb::ListDepartmentsResponse {
            departments: state
                .directory
                .departments()
                .filter(|d| region.is_empty() || d.region_code.as_str() == region)
                .map(pb::Department::from)
                .collect(),
        }))
    }

    async fn get_department(
        &self,
        request: Request<pb::GetDepartmentRequest>,
    ) -> Result<Response<pb::Department>, Status> {
        let id = request.into_inner().department_id;
        let parsed = DepartmentId::parse(&id)
            .map_err(|e| status(Error::invalid("department_id", e.to_string())))?;
        let state = self.catalog.state();
        let department = state
            .directory
            .department(&parsed)
            .ok_or_else(|| status(Error::not_found("department", &id)))?;
        Ok(Response::new(pb::Department::from(department)))
    }

    async fn put_department(
        &self,
        request: Request<pb::PutDepartmentRequest>,
    ) -> Result<Response<pb::Department>, Status> {
        self.put_department_command(request).await
    }

    async fn list_items(
        &self,
        request: Request<pb::ListItemsRequest>,
    ) -> Result<Response<pb::ListItemsResponse>, Status> {
        let (mut query, view) = list_query_from_proto(request.get_ref()).map_err(invalid)?;
        query.drafts = draft_access(&request);
        let state = self.catalog.state();
        let page = state.view.search_ref(&query).map_err(status)?;
        Ok(Response::new(list_response(&page, &state.directory, view)))
    }

    async fn get_item(
        &self,
        request: Request<pb::GetItemRequest>,
    ) -> Result<Response<pb::Item>, Status> {
        let access = draft_access(&request);
        let req = request.into_inner();
        let id = parse_item_id(&req.item_id, "item_id")?;
        let mut v = Violations::new();
        let on = optional_date(&req.on_date, "on_date", &mut v);
        v.check(req.version < 0, "version", "must not be negative");
        if !v.is_empty() {
            return Err(invalid(v));
        }
        let state = self.catalog.state();
        let versions = state
            .versions
            .get(&id)
            .filter(|list| list.iter().any(|v| access.shows(v)))
            .ok_or_else(|| status(CatalogError::not_found("item", &id)))?;
        let found = if req.version > 0 {
            versions
                .iter()
                .filter(|v| access.shows(v))
                .find(|v| i64::from(v.version) == i64::from(req.version))
        } else {
            version_in_force(versions, on.unwrap_or_else(|| self.catalog.today()))
        };
        let version = found.ok_or_else(|| {
            status(Error::not_found(
                "item version",
                if req.version > 0 {
                    format!("{id} v{}", req.version)
                } else {
                    format!(
                        "{id} in force on {}",
                        on.unwrap_or_else(|| self.catalog.today())
                    )
                },
            ))
        })?;
        let name = state
            .directory
            .department_name(&version.content.department_id);
        Ok(Response::new(item_to_proto(version, name)))
    }

    async fn list_item_versions(
        &self,
        request: Request<pb::ListItemVersionsRequest>,
    ) -> Result<Response<pb::ListItemVersionsResponse>, Status> {
        let id = parse_item_id(&request.get_ref().item_id, "item_id")?;
        let access = draft_access(&request);
        let state = self.catalog.state();
        let versions = state
            .versions
            .get(&id)
            .map(|list| access.versions(list))
            .filter(|list| !list.is_empty())
            .ok_or_else(|| status(CatalogError::not_found("item", &id)))?;
        Ok(Response::new(pb::ListItemVersionsResponse {
            versions: versions
                .into_iter()
                .map(|v| {
                    item_to_proto(v, state.directory.department_name(&v.content.department_id))
                })
                .collect(),
        }))
    }

    async fn create_item_draft(
        &self,
        request: Request<pb::CreateItemDraftRequest>,
    ) -> Result<Response<pb::Item>, Status> {
        self.create_item_draft_command(request).await
    }

    async fn update_item_draft(
        &self,
        request: Request<pb::UpdateItemDraftRequest>,
    ) -> Result<Response<pb::Item>, Status> {
        self.update_item_draft_command(request).await
    }

    async fn publish_item_version(
        &self,
        request: Request<pb::PublishItemVersionRequest>,
    ) -> Result<Response<pb::Item>, Status> {
        self.publish_item_version_command(request).await
    }

    async fn cancel_item(
        &self,
        request: Request<pb::CancelItemRequest>,
    ) -> Result<Response<pb::Item>, Status> {
        self.cancel_item_command(request).await
    }

    async fn create_adjustment_batch(
        &self,
        request: Request<pb::CreateAdjustmentBatchRequest>,
    ) -> Result<Response<pb::AdjustmentBatch>, Status> {
        self.create_batch_command(request).await
    }

    async fn apply_adjustment_batch(
        &self,
        request: Request<pb::ApplyAdjustmentBatchRequest>,
    ) -> Result<Response<pb::AdjustmentBatch>, Status> {
        self.apply_batch_command(request).await
    }

    async fn get_adjustment_batch(
        &self,
        request: Request<pb::GetAdjustmentBatchRequest>,
    ) -> Result<Response<pb::AdjustmentBatch>, Status> {
        let id = request.into_inner().batch_id;
        let state = self.catalog.state();
        let batch = state
            .batches
            .iter()
            .find(|b| b.id == id)
            .ok_or_else(|| status(Error::not_found("adjustment batch", &id)))?;
        Ok(Response::new(pb::AdjustmentBatch::from(batch)))
    }

    async fn list_adjustment_batches(
        &self,
        _request: Request<pb::ListAdjustmentBatchesRequest>,
    ) -> Result<Response<pb::ListAdjustmentBatchesResponse>, Status> {
        let state = self.catalog.state();
        Ok(Response::new(pb::ListAdjustmentBatchesResponse {
            batches: state
                .batches
                .iter()
                .map(pb::AdjustmentBatch::from)
                .collect(),
        }))
    }

    async fn create_bundle(
        &self,
        request: Request<pb::CreateBundleRequest>,
    ) -> Result<Response<pb::Bundle>, Status> {
        self.create_bundle_command(request).await
    }

    async fn publish_bundle(
        &self,
        request: Request<pb::PublishBundleRequest>,
    ) -> Result<Response<pb::Bundle>, Status> {
        self.publish_bundle_command(request).await
    }

    async fn get_bundle(
        &self,
        request: Request<pb::GetBundleRequest>,
    ) -> Result<Response<pb::Bundle>, Status> {
        let access = draft_access(&request);
        let id = request.into_inner().bundle_id;
        let state = self.catalog.state();
        let bundle = state
            .bundles
            .iter()
            .find(|b| b.id == id && access.shows_bundle(b))
            .ok_or_else(|| status(Error::not_found("bundle", &id)))?;
        let view = state.view.clone();
        let department_of = |i: &ItemId| view.department_of(i);
        Ok(Response::new(bundle_to_proto(
            bundle,
            &bundle.department_ids(&department_of),
        )))
    }

    async fn list_bundles(
        &self,
        request: Request<pb::ListBundlesRequest>,
    ) -> Result<Response<pb::ListBundlesResponse>, Status> {
        let access = draft_access(&request);
        let state = self.catalog.state();
        let view = state.view.clone();
        let department_of = |i: &ItemId| view.department_of(i);
        Ok(Response::new(pb::ListBundlesResponse {
            bundles: state
                .bundles
                .iter()
                .filter(|b| access.shows_bundle(b))
                .map(|b| bundle_to_proto(b, &b.department_ids(&department_of)))
                .collect(),
        }))
    }

    async fn add_working_days(
        &self,
        request: Request<pb::AddWorkingDaysRequest>,
    ) -> Result<Response<pb::AddWorkingDaysResponse>, Status> {
        let req = request.into_inner();
        let region = known_region(&self.catalog, &req.region_code)?;
        let mut v = Violations::new();
        let from = date(&req.from, "from", &mut v);
        v.check(req.days < 0, "days", "must not be negative");
        let (Some(from), true) = (from, v.is_empty()) else {
            return Err(invalid(v));
        };
        let calendar = self.catalog.state().calendars.for_region(&region);
        let r = calendar
            .add_working_days(from, req.days.unsigned_abs())
            .map_err(|e| status(Error::invalid("days", e.to_string())))?;
        Ok(Response::new(pb::AddWorkingDaysResponse {
            date: format_date(r.value),
            years_without_schedule: r.years_without_schedule.into_iter().collect(),
        }))
    }

    async fn count_working_days(
        &self,
        request: Request<pb::CountWorkingDaysRequest>,
    ) -> Result<Response<pb::CountWorkingDaysResponse>, Status> {
        let req = request.into_inner();
        let region = known_region(&self.catalog, &req.region_code)?;
        let mut v = Violations::new();
        let from = date(&req.from, "from", &mut v);
        let to = date(&req.to, "to", &mut v);
        let (Some(from), Some(to)) = (from, to) else {
            return Err(invalid(v));
        };
        let calendar = self.catalog.state().calendars.for_region(&region);
        let r = calendar
            .count_working_days(from, to)
            .map_err(|e| status(Error::invalid("to", e.to_string())))?;
        Ok(Response::new(pb::CountWorkingDaysResponse {
            days: i32::try_from(r.value).unwrap_or(i32::MAX),
            years_without_schedule: r.years_without_schedule.into_iter().collect(),
        }))
    }

    async fn get_calendar_year(
        &self,
        request: Request<pb::GetCalendarYearRequest>,
    ) -> Result<Response<pb::CalendarYear>, Status> {
        let req = request.into_inner();
        let region = known_region(&self.catalog, &req.region_code)?;
        if !(1900..=9999).contains(&req.year) {
            return Err(status(Error::invalid(
                "year",
                "must be between 1900 and 9999",
            )));
        }
        let calendar = self.catalog.state().calendars.for_region(&region);
        Ok(Response::new(year_to_proto(
            &region,
            req.year,
            calendar.year(req.year),
        )))
    }

    async fn put_calendar_year(
        &self,
        request: Request<pb::PutCalendarYearRequest>,
    ) -> Result<Response<pb::CalendarYear>, Status> {
        self.put_calendar_year_command(request).await
    }

    async fn get_catalog_statistics(
        &self,
        request: Request<pb::GetCatalogStatisticsRequest>,
    ) -> Result<Response<pb::CatalogStatistics>, Status> {
        let mut v = Violations::new();
        let on = optional_date(&request.get_ref().on_date, "on_date", &mut v);
        if !v.is_empty() {
            return Err(invalid(v));
        }
        let state = self.catalog.state();
        let view = state.view_on(on.unwrap_or_else(|| self.catalog.today()));
        Ok(Response::new(pb::CatalogStatistics::from(
            &CatalogStatistics::of(&view),
        )))
    }

    async fn export_catalog(
        &self,
        request: Request<pb::ExportCatalogRequest>,
    ) -> Result<Response<HttpBody>, Status> {
        let format = pb::ExportFormat::try_from(request.get_ref().format)
            .map_err(|_| status(Error::invalid("format", "unknown export format")))?;
        let state = self.catalog.state();
        let body = match format {
            pb::ExportFormat::Csv => HttpBody {
                content_type: "text/csv; charset=utf-8".into(),
                data: catalog_csv(&state.view).into_bytes(),
                extensions: Vec::new(),
            },
            pb::ExportFormat::Json | pb::ExportFormat::Unspecified => HttpBody {
                content_type: "application/json".into(),
                data: snapshot::to_json(&snapshot::snapshot(&state))
                    .map_err(status)?
                    .into_bytes(),
                extensions: Vec::new(),
            },
        };
        Ok(Response::new(body))
    }

    async fn import_catalog(
        &self,
        request: Request<pb::ImportCatalogRequest>,
    ) -> Result<Response<pb::ImportCatalogResponse>, Status> {
        self.import_catalog_command(request).await
    }

    type WatchStream = EventStream;

    async fn watch(
        &self,
        request: Request<common::WatchRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        let req = request.into_inner();
        if req.after_seq < 0 {
            return Err(status(Error::invalid("after_seq", "must not be negative")));
        }
        let stream = outbox::watch(self.catalog.db().clone(), req).map(|r| r.map_err(Status::from));
        Ok(Response::new(Box::pin(stream)))
    }

    async fn get_audit_trail(
        &self,
        request: Request<common::GetAuditTrailRequest>,
    ) -> Result<Response<common::AuditTrail>, Status> {
        principal(&request)
            .require_any(&[Role::CatalogAdmin, Role::Supervisor])
            .map_err(status)?;
        let req = request.into_inner();
        let trail = audit::trail(self.catalog.db(), &req.object_type, &req.object_id)
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
        audit::verify_for(self.catalog.db(), &who, &req.object_type, &req.object_id)
            .await
            .map(Response::new)
            .map_err(status)
    }

    async fn verify_audit(
        &self,
        request: Request<common::VerifyAuditRequest>,
    ) -> Result<Response<common::VerifyAuditResponse>, Status> {
        let who = principal(&request);
        audit::sweep_for(self.catalog.db(), &who, request.get_ref())
            .await
            .map(Response::new)
            .map_err(status)
    }
}
