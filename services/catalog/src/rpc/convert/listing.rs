//! Item search and catalog statistics between the contract and the domain.

use onewindow_kit::error::Violations;
use onewindow_proto::catalog::v1 as pb;

use super::{
    code_opt, count, finish, item_class, item_class_name, item_summary_to_proto, item_to_proto,
    item_type, item_type_name, optional, service_mode, service_mode_name, to_i32,
};
use crate::domain::access::DraftAccess;
use crate::domain::codes::{DepartmentId, RegionCode};
use crate::domain::department::Directory;
use crate::domain::snapshot::{
    ListQuery, Page, StatusFilter, MAX_PAGE_TOKEN_CHARS, MAX_QUERY_CHARS,
};
use crate::domain::stats::CatalogStatistics;
use crate::domain::version::ItemVersion;

/// The search a request asks for, and how much of each item to return.
pub fn list_query_from_proto(
    r: &pb::ListItemsRequest,
) -> Result<(ListQuery, pb::ItemView), Violations> {
    let mut v = Violations::new();
    let department_id = if r.department_id.is_empty() {
        Some(None)
    } else {
        code_opt(
            &r.department_id,
            "department_id",
            &mut v,
            DepartmentId::parse,
        )
    };
    let region_code = if r.region_code.is_empty() {
        Some(None)
    } else {
        code_opt(&r.region_code, "region_code", &mut v, RegionCode::parse)
    };
    let item_type = optional(r.r#type, "type", &mut v, item_type);
    let item_class = optional(r.item_class, "item_class", &mut v, item_class);
    let service_mode = optional(r.service_mode, "service_mode", &mut v, service_mode);
    let status = StatusFilter::parse(&r.status);
    v.check(
        status.is_none(),
        "status",
        "must be in_force, draft, cancelled or all",
    );
    let page_size = count(r.page_size, "page_size", &mut v);
    v.check(
        r.query.chars().count() > MAX_QUERY_CHARS,
        "query",
        format!("must be at most {MAX_QUERY_CHARS} characters"),
    );
    v.check(
        r.page_token.chars().count() > MAX_PAGE_TOKEN_CHARS,
        "page_token",
        format!("must be at most {MAX_PAGE_TOKEN_CHARS} characters"),
    );
    let view = match pb::ItemView::try_from(r.view) {
        Ok(pb::ItemView::Unspecified) => Some(pb::ItemView::Full),
        Ok(view) => Some(view),
        Err(_) => {
            v.add("view", format!("{} is not an item view", r.view));
            None
        }
    };
    let query = (|| {
        let query = ListQuery {
            query: r.query.clone(),
            department_id: department_id?,
            item_type,
            item_class,
            service_mode,
            region_code: region_code?,
            status: status?,
            // The caller's roles decide; the request alone shows no drafts.
            drafts: DraftAccess::Hidden,
            page_size: page_size?,
            page_token: r.page_token.clone(),
        };
        Some((query, view?))
    })();
    finish(v, query)
}

pub fn list_response<V: std::borrow::Borrow<ItemVersion>>(
    page: &Page<V>,
    directory: &Directory,
    view: pb::ItemView,
) -> pb::ListItemsResponse {
    let convert = match view {
        pb::ItemView::Basic => item_summary_to_proto,
        pb::ItemView::Unspecified | pb::ItemView::Full => item_to_proto,
    };
    pb::ListItemsResponse {
        items: page
            .items
            .iter()
            .map(|v| {
                let v = v.borrow();
                convert(v, directory.department_name(&v.content.department_id))
            })
            .collect(),
        next_page_token: page.next_page_token.clone().unwrap_or_default(),
        total_size: to_i32(page.total_size),
    }
}

impl From<&CatalogStatistics> for pb::CatalogStatistics {
    fn from(s: &CatalogStatistics) -> Self {
        let counts = |pairs: Vec<(String, usize)>| -> Vec<pb::Count> {
            pairs
                .into_iter()
                .map(|(key, n)| pb::Count {
                    key,
                    count: to_i32(n),
                })
                .collect()
        };
        pb::CatalogStatistics {
            items_in_force: to_i32(s.items_in_force),
            by_type: counts(
                s.by_type
                    .iter()
                    .map(|(k, n)| (item_type_name(*k), *n))
                    .collect(),
            ),
            by_service_mode: counts(
                s.by_service_mode
                    .iter()
                    .map(|(k, n)| (service_mode_name(*k), *n))
                    .collect(),
            ),
            by_class: counts(
                s.by_class
                    .iter()
                    .map(|(k, n)| (item_class_name(*k), *n))
                    .collect(),
            ),
            average_statutory_limit_days: s.average_statutory_limit_days,
            average_promised_limit_days: s.average_promised_limit_days,
            reduction_percent: s.reduction_percent,
            fully_authorized_share: s.fully_authorized_share,
            by_department: s
                .by_department
                .iter()
                .map(|d| pb::DepartmentAuthorization {
                    department_id: d.department_id.to_string(),
                    department_name: d.department_name.clone(),
                    items: to_i32(d.items),
                    fully_authorized: to_i32(d.fully_authorized),
                    fully_authorized_share: d.fully_authorized_share,
                })
                .collect(),
            departments: to_i32(s.departments),
            offices: to_i32(s.offices),
            bundles: to_i32(s.bundles),
        }
    }
}
