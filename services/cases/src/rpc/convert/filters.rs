//! The read requests' filters as plain values for the store, and the public lookup's
//! number and code. Who may read what is the service's to decide: a filter here is only
//! what the client asked for.

use onewindow_kit::error::Violations;
use onewindow_proto::cases::v1 as pb;

use super::{bundle_case_state, case_state, finish, non_empty, optional, stage};
use crate::domain::{BundleState, CaseNumber, CaseState, QueryCode, Stage};

/// The contract's default page size, when a request gives 0.
pub const DEFAULT_PAGE_SIZE: u32 = 20;
/// The contract's largest page; a larger request gets this many.
pub const MAX_PAGE_SIZE: u32 = 100;

/// Which page of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// 1 to [`MAX_PAGE_SIZE`].
    pub size: u32,
    /// From the previous response; `None` for the first page.
    pub token: Option<String>,
}

/// A page size of 0 is the default and more than the maximum is the maximum, as the
/// contract says; only a negative one is an error.
fn page(size: i32, token: &str, v: &mut Violations) -> Option<PageRequest> {
    let Ok(size) = u32::try_from(size) else {
        v.add("page_size", "must not be negative");
        return None;
    };
    let size = match size {
        0 => DEFAULT_PAGE_SIZE,
        n => n.min(MAX_PAGE_SIZE),
    };
    Some(PageRequest {
        size,
        token: non_empty(token),
    })
}

/// What ListCases asks for; `None` is no filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFilter {
    pub department_id: Option<String>,
    pub region_code: Option<String>,
    pub item_id: Option<String>,
    pub state: Option<CaseState>,
    pub applicant_subject: Option<String>,
    pub applicant_id_number: Option<String>,
    pub bundle_case_id: Option<String>,
    pub page: PageRequest,
}

pub fn case_filter_from_proto(r: &pb::ListCasesRequest) -> Result<CaseFilter, Violations> {
    let mut v = Violations::new();
    let state = optional(r.state, "state", &mut v, case_state);
    let page = page(r.page_size, &r.page_token, &mut v);
    let filter = (|| {
        Some(CaseFilter {
            department_id: non_empty(&r.department_id),
            region_code: non_empty(&r.region_code),
            item_id: non_empty(&r.item_id),
            state: state?,
            applicant_subject: non_empty(&r.applicant_subject),
            applicant_id_number: non_empty(&r.applicant_id_number),
            bundle_case_id: non_empty(&r.bundle_case_id),
            page: page?,
        })
    })();
    finish(v, filter)
}

/// What GetInbox asks for; the department and region are the caller's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxFilter {
    pub stage: Option<Stage>,
    pub page: PageRequest,
}

pub fn inbox_filter_from_proto(r: &pb::GetInboxRequest) -> Result<InboxFilter, Violations> {
    let mut v = Violations::new();
    let stage = optional(r.stage, "stage", &mut v, stage);
    let page = page(r.page_size, &r.page_token, &mut v);
    let filter = (|| {
        Some(InboxFilter {
            stage: stage?,
            page: page?,
        })
    })();
    finish(v, filter)
}

/// What ListBundleCases asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleCaseFilter {
    pub bundle_id: Option<String>,
    pub lead_department_id: Option<String>,
    /// A department with a child case in the bundle.
    pub department_id: Option<String>,
    pub region_code: Option<String>,
    pub state: Option<BundleState>,
    pub late_only: bool,
    pub page: PageRequest,
}

pub fn bundle_case_filter_from_proto(
    r: &pb::ListBundleCasesRequest,
) -> Result<BundleCaseFilter, Violations> {
    let mut v = Violations::new();
    let state = optional(r.state, "state", &mut v, bundle_case_state);
    let page = page(r.page_size, &r.page_token, &mut v);
    let filter = (|| {
        Some(BundleCaseFilter {
            bundle_id: non_empty(&r.bundle_id),
            lead_department_id: non_empty(&r.lead_department_id),
            department_id: non_empty(&r.department_id),
            region_code: non_empty(&r.region_code),
            state: state?,
            late_only: r.late_only,
            page: page?,
        })
    })();
    finish(v, filter)
}

/// The public lookup's case number and query code, both checked for form. A malformed
/// code is reported like a bad field, but a wrong one must fail like an unknown number:
/// that is the service's to do.
pub fn lookup_from_proto(r: &pb::LookupCaseRequest) -> Result<(CaseNumber, QueryCode), Violations> {
    let mut v = Violations::new();
    let number = CaseNumber::parse(r.case_number.trim())
        .map_err(|e| v.add("case_number", e.to_string()))
        .ok();
    let code = QueryCode::parse(&r.query_code)
        .map_err(|e| v.add("query_code", e.to_string()))
        .ok();
    finish(v, number.zip(code))
}
