//! The public catalog: the home page with search, themes, departments and bundles; search
//! results; the item guide (办事指南) with every disclosed field.

use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use onewindow_proto::catalog::v1 as pb;
use serde::Deserialize;

use super::layout::{encode, page, seg};
use super::text::Lang;
use super::{labels, Ctx, PageError};

/// Topics a citizen thinks in, each a search of the catalog.
const THEMES: [(&str, &str, &str); 10] = [
    ("企业开办", "Starting a business", "企业"),
    ("房产交易", "Housing", "房屋"),
    ("建设工程", "Construction", "建设"),
    ("出入境", "Travel documents", "出入境"),
    ("机动车", "Vehicles", "机动车"),
    ("道路运输", "Road transport", "道路"),
    ("医疗卫生", "Health", "医疗"),
    ("教育办学", "Schools", "学校"),
    ("食品药品", "Food and drugs", "食品"),
    ("煤矿", "Coal mines", "煤矿"),
];

pub async fn home(ctx: Ctx) -> Result<Response, PageError> {
    let t = ctx.t();
    let client = ctx.catalog()?;
    let (mut c1, mut c2, mut c3) = (client.clone(), client.clone(), client);
    let (stats, departments, bundles) = tokio::join!(
        c1.get_catalog_statistics(ctx.req(pb::GetCatalogStatisticsRequest::default())),
        c2.list_departments(ctx.req(pb::ListDepartmentsRequest::default())),
        c3.list_bundles(ctx.req(pb::ListBundlesRequest::default())),
    );
    let stats = stats.map_err(|s| ctx.error(&s))?.into_inner();
    let departments = departments.map_err(|s| ctx.error(&s))?.into_inner();
    let bundles = bundles.map_err(|s| ctx.error(&s))?.into_inner();
    let body = html! {
        section.search {
            (search_form(&ctx, ""))
        }
        section.glance {
            h2 { (t.at_a_glance) }
            ul.figures {
                li { strong { (stats.items_in_force) } span { (t.items_in_force) } }
                li { strong { (format!("{:.2}", stats.average_statutory_limit_days)) } span { (t.avg_statutory) " (" (t.working_days) ")" } }
                li { strong { (format!("{:.2}", stats.average_promised_limit_days)) } span { (t.avg_promised) " (" (t.working_days) ")" } }
                li { strong { (format!("{:.2}%", stats.reduction_percent)) } span { (t.reduction) } }
            }
            p { a href="/statistics" { (t.nav_statistics) " →" } }
        }
        section.themes {
            h2 { (t.themes) }
            ul.tiles {
                @for (zh, en, query) in THEMES {
                    li { a href={ "/items?q=" (encode(query)) } { (ctx.lang.pick(zh, en)) } }
                }
            }
            h3 { (t.by_type) }
            ul.tiles {
                @for ty in labels::BROWSABLE_TYPES {
                    li { a href={ "/items?type=" (ty.as_str_name()) } { (labels::item_type(ctx.lang, ty as i32)) } }
                }
            }
        }
        section.bundles {
            h2 { (t.bundles) }
            ul.cards {
                @for b in &bundles.bundles {
                    li {
                        a href={ "/bundles/" (seg(&b.id)) } { strong { (b.name) } }
                        p { (t.bundle_promised) ": " (b.promised_limit_days) " " (t.working_days) }
                    }
                }
            }
        }
        section.departments {
            h2 { (t.departments) }
            ul.tiles {
                @for d in &departments.departments {
                    li { a href={ "/departments/" (seg(&d.id)) } { (d.name) } }
                }
            }
        }
    };
    Ok(page(&ctx, t.nav_home, body).into_response())
}

pub fn search_form(ctx: &Ctx, query: &str) -> Markup {
    let t = ctx.t();
    html! {
        form.search method="get" action="/items" role="search" {
            label.visually-hidden for="q" { (t.search) }
            input id="q" type="search" name="q" value=(query) placeholder=(t.search_placeholder);
            button type="submit" { (t.search) }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    department: String,
    #[serde(default, rename = "type")]
    item_type: String,
    #[serde(default)]
    page_token: String,
}

pub async fn search(ctx: Ctx, Query(params): Query<SearchParams>) -> Result<Response, PageError> {
    let t = ctx.t();
    let item_type = pb::ItemType::from_str_name(&params.item_type).map_or(0, |v| v as i32);
    let request = pb::ListItemsRequest {
        query: params.q.trim().to_string(),
        department_id: params.department.clone(),
        r#type: item_type,
        page_size: 20,
        page_token: params.page_token.clone(),
        // The results show names, departments and limits; each guide reads its whole item.
        view: pb::ItemView::Basic.into(),
        ..Default::default()
    };
    let page_of = ctx
        .catalog()?
        .list_items(ctx.req(request))
        .await
        .map_err(|s| ctx.error(&s))?
        .into_inner();
    let next = (!page_of.next_page_token.is_empty()).then(|| {
        format!(
            "/items?q={}&department={}&type={}&page_token={}",
            encode(&params.q),
            encode(&params.department),
            encode(&params.item_type),
            encode(&page_of.next_page_token)
        )
    });
    let body = html! {
        (search_form(&ctx, &params.q))
        h1 { (t.results) }
        @if item_type != 0 {
            p.filter { (t.item_type) ": " (labels::item_type(ctx.lang, item_type)) }
        }
        p { (t.total) " " (page_of.total_size) " " (t.items_unit) }
        @if page_of.items.is_empty() {
            p { (t.no_results) }
        } @else {
            (item_list(ctx.lang, &page_of.items, "/items/"))
        }
        nav.pager {
            @if !params.page_token.is_empty() {
                a href={ "/items?q=" (encode(&params.q)) "&department=" (encode(&params.department)) "&type=" (encode(&params.item_type)) } { (t.first_page) }
            }
            @if let Some(next) = next { a href=(next) rel="next" { (t.next_page) } }
        }
    };
    Ok(page(&ctx, t.results, body).into_response())
}

pub fn item_list(lang: Lang, items: &[pb::Item], base: &str) -> Markup {
    let t = lang.t();
    html! {
        ul.items {
            @for item in items {
                li {
                    a href={ (base) (seg(&item.id)) } { (item.name) }
                    span.meta {
                        (item.department_name) " · " (labels::item_class(lang, item.item_class))
                        " · " (t.promised_limit) " "
                        @if item.promised_limit_days == 0 { (t.on_the_spot) }
                        @else { (item.promised_limit_days) " " (t.working_days) }
                    }
                }
            }
        }
    }
}

/// An item with what its guide shows besides: its department (for the office) and region.
pub struct Guide {
    pub item: pb::Item,
    pub department: Option<pb::Department>,
    pub region_name: Option<String>,
}

pub async fn load_guide(ctx: &Ctx, item_id: &str) -> Result<Guide, PageError> {
    let client = ctx.catalog()?;
    let item = client
        .clone()
        .get_item(ctx.req(pb::GetItemRequest {
            item_id: item_id.to_string(),
            ..Default::default()
        }))
        .await
        .map_err(|s| ctx.error(&s))?
        .into_inner();
    let (mut for_department, mut for_regions) = (client.clone(), client);
    let (department, regions) = tokio::join!(
        for_department.get_department(ctx.req(pb::GetDepartmentRequest {
            department_id: item.department_id.clone(),
        })),
        for_regions.list_regions(ctx.req(pb::ListRegionsRequest::default())),
    );
    let region_name = regions.ok().and_then(|r| {
        r.into_inner()
            .regions
            .into_iter()
            .find(|r| r.code == item.region_code)
            .map(|r| r.name)
    });
    Ok(Guide {
        department: department.ok().map(|d| d.into_inner()),
        region_name,
        item,
    })
}

pub async fn item_guide(ctx: Ctx, Path(item_id): Path<String>) -> Result<Response, PageError> {
    let guide = load_guide(&ctx, &item_id).await?;
    let body = html! {
        h1 { (guide.item.name) }
        @if super::apply::offered_online(&guide.item) {
            p.actions {
                a.cta href={ "/items/" (seg(&guide.item.id)) "/apply" } { (ctx.tr("在线申请", "Apply online")) }
                " "
                a href="/track" { (ctx.t().nav_track) }
            }
        }
        (guide_body(ctx.lang, &guide, "/departments/"))
    };
    Ok(page(&ctx, &guide.item.name, body).into_response())
}

/// Every disclosed field of an item (shared by the site and the kiosk).
pub fn guide_body(lang: Lang, guide: &Guide, department_base: &str) -> Markup {
    let t = lang.t();
    let item = &guide.item;
    let office = guide
        .department
        .as_ref()
        .and_then(|d| d.offices.iter().find(|o| o.id == item.office_id));
    let days = |n: i32| -> String {
        if n == 0 {
            t.on_the_spot.to_string()
        } else {
            format!("{n} {}", t.working_days)
        }
    };
    html! {
        p.badges {
            span.badge { (labels::item_class(lang, item.item_class)) }
            span.badge { (labels::item_type(lang, item.r#type)) }
            span.badge { (labels::online_depth(lang, item.online_depth)) }
        }
        @if item.window_authorization == pb::WindowAuthorization::AcceptOnly as i32 {
            p.notice { (t.accept_only_warning) }
        }
        dl.facts {
            dt { (t.department) } dd { a href={ (department_base) (seg(&item.department_id)) } { (item.department_name) } }
            dt { (t.item_code) } dd { code { (item.id) } }
            dt { (t.basic_code) } dd { code { (item.basic_code) } }
            dt { (t.region) } dd { (guide.region_name.as_deref().unwrap_or("")) " (" (item.region_code) ")" }
            dt { (t.level) } dd { (labels::level(lang, item.level)) }
            dt { (t.service_mode) } dd { (labels::service_mode(lang, item.service_mode)) }
            dt { (t.window_authorization) } dd { (labels::window_authorization(lang, item.window_authorization)) }
            dt { (t.statutory_limit) } dd { (days(item.statutory_limit_days)) }
            dt { (t.promised_limit) } dd.limit { (days(item.promised_limit_days)) }
            @if item.max_extension_days > 0 {
                dt { (t.max_extension) } dd { (days(item.max_extension_days)) }
            }
            dt { (t.version) } dd { (item.version) }
            dt { (t.validity) } dd { (item.valid_from) @if !item.valid_until.is_empty() { " – " (item.valid_until) } }
            @if !item.keywords.is_empty() {
                dt { (t.keywords) } dd { (item.keywords.join("、")) }
            }
        }
        section id="conditions" {
            h2 { (t.conditions) }
            ol { @for c in &item.conditions { li { (c) } } }
        }
        section id="materials" {
            h2 { (t.materials) }
            table {
                thead { tr { th { (t.material) } th { (t.necessity) } th { (t.form) } th { (t.copies) } th { (t.stage) } th { (t.note) } } }
                tbody {
                    @for m in &item.materials {
                        tr {
                            td { (m.name) @if !m.shared_material_id.is_empty() { " " span.badge title=(m.shared_material_id) { (t.shared_material) } } }
                            td { @if m.required { (t.required) } @else { (t.optional) } }
                            td { (labels::material_form(lang, m.form)) }
                            td { (m.copies) }
                            td { (labels::stage(lang, m.stage)) }
                            td { (m.description) }
                        }
                    }
                }
            }
        }
        section id="flow" {
            h2 { (t.flow) }
            ol.flow {
                @for s in &item.steps {
                    li {
                        strong { (labels::stage(lang, s.stage)) }
                        span.meta { (t.handler) ": " (labels::handler_role(lang, s.handler_role)) " · " (t.limit) ": " (days(s.limit_days)) }
                        @if !s.description.is_empty() { p { (s.description) } }
                    }
                }
            }
            @if !item.allowed_special_procedures.is_empty() {
                p { (t.special_procedures) ": "
                    @for (i, p) in item.allowed_special_procedures.iter().enumerate() {
                        @if i > 0 { "、" } (labels::special_procedure(lang, *p))
                    }
                }
            }
        }
        section id="fees" {
            h2 { (t.fees) }
            @if item.free_of_charge || item.fees.is_empty() {
                p { (t.free) }
            } @else {
                table {
                    thead { tr { th { (t.fee_item) } th { (t.amount) } th { (t.fee_basis) } } }
                    tbody {
                        @for f in &item.fees {
                            tr { td { (f.name) } td.num { (labels::yuan(f.amount_fen)) " " (t.yuan) } td { (f.basis) } }
                        }
                    }
                }
            }
        }
        section id="legal-basis" {
            h2 { (t.legal_basis) }
            ul { @for b in &item.legal_basis { li { (b.law) " " (b.article) } } }
        }
        section id="window" {
            h2 { (t.window) }
            dl.facts {
                @if let Some(o) = office {
                    dt { (t.office) } dd { (o.name) }
                    dt { (t.window) } dd { strong { (o.window) } " " (o.location) }
                }
                dt { (t.place) } dd { (item.place) }
                dt { (t.phone) } dd { (item.phone) }
                dt { (t.hours) } dd { (item.hours) }
            }
        }
    }
}
