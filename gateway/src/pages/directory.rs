//! Departments with their windows and items, one-stop bundle guides, and department names
//! for the pages of other services.

use std::collections::HashMap;

use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use onewindow_proto::catalog::v1 as pb;

use super::catalog::item_list;
use super::layout::{page, seg};
use super::text::Lang;
use super::{Ctx, PageError};

pub async fn departments(ctx: Ctx) -> Result<Response, PageError> {
    let t = ctx.t();
    let list = ctx
        .catalog()?
        .list_departments(ctx.req(pb::ListDepartmentsRequest::default()))
        .await
        .map_err(|s| ctx.error(&s))?
        .into_inner();
    let body = html! {
        h1 { (t.departments) }
        table {
            thead { tr { th { (t.department) } th { (t.window) } th { (t.phone) } } }
            tbody {
                @for d in &list.departments {
                    tr {
                        td { a href={ "/departments/" (seg(&d.id)) } { (d.name) } }
                        td { @for o in &d.offices { span.badge { (o.window) } " " } }
                        td { (d.phone) }
                    }
                }
            }
        }
    };
    Ok(page(&ctx, t.departments, body).into_response())
}

pub async fn department(
    ctx: Ctx,
    Path(department_id): Path<String>,
) -> Result<Response, PageError> {
    let t = ctx.t();
    let client = ctx.catalog()?;
    let (department, items) = load_department(&ctx, client, &department_id).await?;
    let body = html! {
        h1 { (department.name) }
        dl.facts {
            dt { (t.address) } dd { (department.address) }
            dt { (t.phone) } dd { (department.phone) }
        }
        h2 { (t.offices) }
        (offices(ctx.lang, &department))
        h2 { (t.items_of_department) " (" (items.len()) ")" }
        (item_list(ctx.lang, &items, "/items/"))
    };
    Ok(page(&ctx, &department.name, body).into_response())
}

pub fn offices(lang: Lang, department: &pb::Department) -> Markup {
    let t = lang.t();
    html! {
        table {
            thead { tr { th { (t.office) } th { (t.window) } th { (t.place) } th { (t.phone) } } }
            tbody {
                @for o in &department.offices {
                    tr { td { (o.name) } td { strong { (o.window) } } td { (o.location) } td { (o.phone) } }
                }
            }
        }
    }
}

/// A department and every item of it in force (all pages of the listing).
pub async fn load_department(
    ctx: &Ctx,
    client: onewindow_proto::catalog::v1::catalog_service_client::CatalogServiceClient<
        onewindow_kit::remote::Transport,
    >,
    department_id: &str,
) -> Result<(pb::Department, Vec<pb::Item>), PageError> {
    let department = client
        .clone()
        .get_department(ctx.req(pb::GetDepartmentRequest {
            department_id: department_id.to_string(),
        }))
        .await
        .map_err(|s| ctx.error(&s))?
        .into_inner();
    let mut items = Vec::new();
    let mut page_token = String::new();
    // A department has tens of items; the bound only guards against a looping token.
    for _ in 0..50 {
        let page_of = client
            .clone()
            .list_items(ctx.req(pb::ListItemsRequest {
                department_id: department_id.to_string(),
                page_size: 100,
                page_token: page_token.clone(),
                view: pb::ItemView::Basic.into(),
                ..Default::default()
            }))
            .await
            .map_err(|s| ctx.error(&s))?
            .into_inner();
        items.extend(page_of.items);
        if page_of.next_page_token.is_empty() {
            break;
        }
        page_token = page_of.next_page_token;
    }
    Ok((department, items))
}

pub async fn bundles(ctx: Ctx) -> Result<Response, PageError> {
    let t = ctx.t();
    let list = ctx
        .catalog()?
        .list_bundles(ctx.req(pb::ListBundlesRequest::default()))
        .await
        .map_err(|s| ctx.error(&s))?
        .into_inner();
    let body = html! {
        h1 { (t.bundles) }
        ul.cards {
            @for b in &list.bundles {
                li {
                    a href={ "/bundles/" (seg(&b.id)) } { strong { (b.name) } }
                    p { (b.description) }
                    p.meta { (t.bundle_promised) ": " (b.promised_limit_days) " " (t.working_days) }
                }
            }
        }
    };
    Ok(page(&ctx, t.bundles, body).into_response())
}

/// A bundle with the names of its items and departments.
pub struct BundleGuide {
    pub bundle: pb::Bundle,
    pub items: HashMap<String, pb::Item>,
    pub departments: HashMap<String, String>,
}

pub async fn load_bundle(ctx: &Ctx, bundle_id: &str) -> Result<BundleGuide, PageError> {
    let client = ctx.catalog()?;
    let bundle = client
        .clone()
        .get_bundle(ctx.req(pb::GetBundleRequest {
            bundle_id: bundle_id.to_string(),
        }))
        .await
        .map_err(|s| ctx.error(&s))?
        .into_inner();
    let ids: Vec<String> = bundle
        .stages
        .iter()
        .flat_map(|s| s.item_ids.iter().cloned())
        .collect();
    let fetches = ids.iter().map(|id| {
        let mut c = client.clone();
        let req = ctx.req(pb::GetItemRequest {
            item_id: id.clone(),
            ..Default::default()
        });
        async move { c.get_item(req).await.map(|r| r.into_inner()) }
    });
    let mut for_departments = client.clone();
    let (items, departments) = tokio::join!(
        futures::future::join_all(fetches),
        for_departments.list_departments(ctx.req(pb::ListDepartmentsRequest::default())),
    );
    let items = items
        .into_iter()
        .filter_map(Result::ok)
        .map(|i| (i.id.clone(), i))
        .collect();
    let departments = departments
        .map(|d| {
            d.into_inner()
                .departments
                .into_iter()
                .map(|d| (d.id, d.name))
                .collect()
        })
        .unwrap_or_default();
    Ok(BundleGuide {
        bundle,
        items,
        departments,
    })
}

pub async fn bundle_guide(ctx: Ctx, Path(bundle_id): Path<String>) -> Result<Response, PageError> {
    let guide = load_bundle(&ctx, &bundle_id).await?;
    let body = html! {
        h1 { (guide.bundle.name) }
        (bundle_body(ctx.lang, &guide, "/items/"))
    };
    Ok(page(&ctx, &guide.bundle.name, body).into_response())
}

pub fn bundle_body(lang: Lang, guide: &BundleGuide, item_base: &str) -> Markup {
    let t = lang.t();
    let b = &guide.bundle;
    let department = |id: &str| guide.departments.get(id).cloned().unwrap_or(id.to_string());
    html! {
        p { (b.description) }
        dl.facts {
            dt { (t.lead_department) } dd { (department(&b.lead_department_id)) }
            dt { (t.bundle_promised) } dd.limit { (b.promised_limit_days) " " (t.working_days) }
            dt { (t.participating) } dd {
                @for (i, d) in b.department_ids.iter().enumerate() {
                    @if i > 0 { "、" } (department(d))
                }
            }
        }
        h2 { (t.stages) }
        p.meta { (t.parallel_note) }
        ol.stages {
            @for stage in &b.stages {
                li {
                    strong { (stage.name) }
                    ul {
                        @for id in &stage.item_ids {
                            li {
                                @if let Some(item) = guide.items.get(id) {
                                    a href={ (item_base) (seg(id)) } { (item.name) }
                                    span.meta { (item.department_name) " · " (t.promised_limit) " " (item.promised_limit_days) " " (t.working_days) }
                                } @else {
                                    code { (id) }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { (t.shared_materials) }
        ul {
            @for m in &b.shared_materials {
                li { (m.name) " " span.meta { @if m.required { (t.required) } @else { (t.optional) } } }
            }
        }
    }
}

/// Department names by id, for pages of other services that name departments by id. A
/// catalog that does not answer leaves the ids shown as they are.
pub async fn department_names(ctx: &Ctx) -> HashMap<String, String> {
    let Ok(mut client) = ctx.catalog() else {
        return HashMap::new();
    };
    client
        .list_departments(ctx.req(pb::ListDepartmentsRequest::default()))
        .await
        .map(|r| {
            r.into_inner()
                .departments
                .into_iter()
                .map(|d| (d.id, d.name))
                .collect()
        })
        .unwrap_or_default()
}

/// The name of a department, or its id when the catalog does not know it.
pub fn name_of<'a>(names: &'a HashMap<String, String>, id: &'a str) -> &'a str {
    names.get(id).map(String::as_str).unwrap_or(id)
}
