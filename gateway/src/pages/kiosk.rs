//! Kiosk mode for the hall's touch screens: departments and bundles as large buttons, a
//! department's items as large buttons, the guide in large type; no keyboard needed.

use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use maud::html;
use onewindow_proto::catalog::v1 as pb;
use serde::Deserialize;

use super::catalog::{guide_body, load_guide};
use super::directory::{bundle_body, load_bundle, load_department, offices};
use super::layout::{kiosk_page, seg};
use super::{Ctx, PageError};

/// Buttons per screen: a touch screen does not scroll well.
const PER_SCREEN: usize = 12;

pub async fn home(ctx: Ctx) -> Result<Response, PageError> {
    let t = ctx.t();
    let client = ctx.catalog()?;
    let (mut c1, mut c2) = (client.clone(), client);
    let (departments, bundles) = tokio::join!(
        c1.list_departments(ctx.req(pb::ListDepartmentsRequest::default())),
        c2.list_bundles(ctx.req(pb::ListBundlesRequest::default())),
    );
    let departments = departments.map_err(|s| ctx.error(&s))?.into_inner();
    let bundles = bundles.map_err(|s| ctx.error(&s))?.into_inner();
    let body = html! {
        p.hint { (t.kiosk_hint) }
        h2 { (t.bundles) }
        ul.buttons {
            @for b in &bundles.bundles {
                li { a.button href={ "/kiosk/bundles/" (seg(&b.id)) } { (b.name) } }
            }
        }
        h2 { (t.departments) }
        ul.buttons {
            @for d in &departments.departments {
                li {
                    a.button href={ "/kiosk/departments/" (seg(&d.id)) } {
                        (d.name)
                        @for o in &d.offices { " " span.window { (o.window) } }
                    }
                }
            }
        }
    };
    Ok(kiosk_page(&ctx, t.kiosk_title, None, body).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct Screen {
    #[serde(default)]
    screen: usize,
}

pub async fn department(
    ctx: Ctx,
    Path(department_id): Path<String>,
    Query(at): Query<Screen>,
) -> Result<Response, PageError> {
    let t = ctx.t();
    let (department, items) = load_department(&ctx, ctx.catalog()?, &department_id).await?;
    let screens = items.len().div_ceil(PER_SCREEN).max(1);
    let screen = at.screen.min(screens - 1);
    let shown = items.iter().skip(screen * PER_SCREEN).take(PER_SCREEN);
    let here = format!("/kiosk/departments/{}", seg(&department.id));
    let body = html! {
        (offices(ctx.lang, &department))
        ul.buttons {
            @for item in shown {
                li { a.button href={ "/kiosk/items/" (seg(&item.id)) } { (item.name) } }
            }
        }
        nav.pager {
            @if screen > 0 {
                a.big href={ (here) "?screen=" (screen - 1) } { (t.previous) }
            }
            span { (screen + 1) " / " (screens) }
            @if screen + 1 < screens {
                a.big href={ (here) "?screen=" (screen + 1) } { (t.next_page) }
            }
        }
    };
    Ok(kiosk_page(&ctx, &department.name, Some("/kiosk"), body).into_response())
}

pub async fn item(ctx: Ctx, Path(item_id): Path<String>) -> Result<Response, PageError> {
    let guide = load_guide(&ctx, &item_id).await?;
    let back = format!("/kiosk/departments/{}", seg(&guide.item.department_id));
    let body = html! {
        div.guide { (guide_body(ctx.lang, &guide, "/kiosk/departments/")) }
    };
    Ok(kiosk_page(&ctx, &guide.item.name, Some(&back), body).into_response())
}

pub async fn bundle(ctx: Ctx, Path(bundle_id): Path<String>) -> Result<Response, PageError> {
    let guide = load_bundle(&ctx, &bundle_id).await?;
    let body = html! {
        div.guide { (bundle_body(ctx.lang, &guide, "/kiosk/items/")) }
    };
    Ok(kiosk_page(&ctx, &guide.bundle.name, Some("/kiosk"), body).into_response())
}
