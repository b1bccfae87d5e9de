//! Online application (网上申请) from an item's guide: the applicant's details and one file
//! per material, uploaded as multipart and passed to SubmitCase with the citizen's token.
//! The receipt shows the case number and the query code once, since only its hash is kept.

use axum::extract::multipart::MultipartError;
use axum::extract::{Multipart, Path};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::html;
use onewindow_kit::auth::Role;
use onewindow_kit::uploads;
use onewindow_proto::cases::v1 as pb;
use onewindow_proto::catalog::v1 as catalog;

use super::catalog::load_guide;
use super::forms::{hidden, Fields};
use super::layout::{encode, page, seg};
use super::{labels, vocab, Ctx, PageError};

/// Files per application: more than any item's materials, fewer than a flood.
const MAX_FILES: usize = 40;

/// Items whose guide offers applying online: pre-review and fully online ones.
pub fn offered_online(item: &catalog::Item) -> bool {
    use catalog::OnlineDepth as D;
    matches!(
        D::try_from(item.online_depth),
        Ok(D::PreReview) | Ok(D::Full)
    )
}

pub async fn form(ctx: Ctx, Path(item_id): Path<String>) -> Result<Response, PageError> {
    ctx.require_sign_in()?;
    let guide = load_guide(&ctx, &item_id).await?;
    let item = &guide.item;
    let title = format!("{} · {}", ctx.tr("在线申请", "Apply online"), item.name);
    let guide_href = format!("/items/{}", seg(&item.id));
    if !offered_online(item) {
        let body = html! {
            h1 { (title) }
            p.notice { (ctx.tr("本事项暂不提供网上申请，请按办事指南到窗口办理。", "This service is not offered online; see its guide for the window.")) }
            p { a href=(guide_href) { (ctx.tr("查看办事指南", "See the guide")) } }
        };
        return Ok(page(&ctx, &title, body).into_response());
    }
    let may_apply = ctx.has(Role::Applicant) || ctx.has(Role::Clerk);
    let name = &ctx.caller.principal.name;
    let body = html! {
        h1 { (title) }
        p.meta { (item.department_name) " · " (ctx.t().promised_limit) " "
            @if item.promised_limit_days == 0 { (ctx.t().on_the_spot) }
            @else { (item.promised_limit_days) " " (ctx.t().working_days) }
            " · " a href=(guide_href) { (ctx.tr("办事指南", "Guide")) } }
        @if !may_apply {
            p.notice { (ctx.tr("网上申请须以申请人账号登录。", "Applying online needs an applicant's account.")) }
        }
        form.apply method="post" enctype="multipart/form-data" action={ (guide_href) "/apply" } {
            (hidden(&ctx))
            fieldset {
                legend { (ctx.tr("申请人信息", "Applicant")) }
                div.choice {
                    label { input type="radio" name="kind" value="person" checked; " " (ctx.tr("自然人", "A person")) }
                    label { input type="radio" name="kind" value="enterprise"; " " (ctx.tr("企业或其他组织", "An enterprise or organization")) }
                }
                label { (ctx.tr("姓名或单位名称", "Name or registered name"))
                    input type="text" name="name" value=(name) required maxlength="100" autocomplete="name"; }
                label { (ctx.tr("证件类型", "ID document"))
                    select name="id_type" {
                        @for t in vocab::PERSON_ID_TYPES {
                            option value=(t.as_str_name()) { (vocab::id_type(ctx.lang, t as i32)) }
                        }
                        option value=(pb::IdType::UnifiedSocialCreditCode.as_str_name()) {
                            (vocab::id_type(ctx.lang, pb::IdType::UnifiedSocialCreditCode as i32))
                            " (" (ctx.tr("企业", "enterprise")) ")"
                        }
                    }
                }
                label { (ctx.tr("证件号码", "ID number"))
                    input type="text" name="id_number" required maxlength="40" autocomplete="off"; }
                label { (ctx.tr("联系电话", "Telephone"))
                    input type="tel" name="phone" required maxlength="20" autocomplete="tel"; }
            }
            fieldset {
                legend { (ctx.t().materials) }
                p.meta { (ctx.tr("每项材料上传一个文件；标注“必需”的材料在受理时必须提供。", "One file per material; those marked required are needed at intake.")) }
                p.meta { (size_note(&ctx)) }
                @for m in &item.materials {
                    @let needed = m.required && m.stage == onewindow_proto::common::v1::Stage::Accept as i32;
                    label.file {
                        strong { (m.name) }
                        " "
                        span.badge { @if m.required { (ctx.t().required) } @else { (ctx.t().optional) } }
                        " "
                        span.meta { (labels::material_form(ctx.lang, m.form)) " · " (labels::stage(ctx.lang, m.stage)) }
                        @if !m.description.is_empty() { span.meta { (m.description) } }
                        input type="file" name={ "file_" (m.id) } required[needed];
                    }
                }
            }
            button type="submit" { (ctx.tr("提交申请", "Submit the application")) }
        }
    };
    Ok(page(&ctx, &title, body).into_response())
}

/// The form as received: its text fields and its files by material id.
struct Received {
    fields: Fields,
    files: Vec<pb::MaterialUpload>,
}

/// What the cases service takes, said before the applicant picks the files.
fn size_note(ctx: &Ctx) -> String {
    let mib = uploads::CASE_MATERIALS.per_file / uploads::MIB;
    let total = uploads::CASE_MATERIALS.per_request / uploads::MIB;
    match ctx.lang {
        super::Lang::Zh => format!("每个文件不超过 {mib} MB，合计不超过 {total} MB。"),
        super::Lang::En => format!("At most {mib} MB a file and {total} MB together."),
    }
}

/// Files over the total the cases service takes for one submission are refused here,
/// before they go up, in the applicant's words rather than as a transport error.
fn too_large(ctx: &Ctx) -> PageError {
    PageError {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        lang: ctx.lang,
        detail: Some(format!(
            "{} {}",
            ctx.tr("上传的文件过大。", "The files are too large."),
            size_note(ctx)
        )),
        login: None,
        back: None,
    }
}

async fn receive(ctx: &Ctx, mut multipart: Multipart) -> Result<Received, PageError> {
    let bad = |e: MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return too_large(ctx);
        }
        PageError {
            status: StatusCode::BAD_REQUEST,
            lang: ctx.lang,
            detail: Some(
                ctx.tr("上传的表单不完整。", "The upload was incomplete.")
                    .into(),
            ),
            login: None,
            back: None,
        }
    };
    let mut pairs = Vec::new();
    let mut files = Vec::new();
    let mut total = 0usize;
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        if let Some(material_id) = name.strip_prefix("file_") {
            let material_id = material_id.to_string();
            let file_name = field.file_name().unwrap_or_default().to_string();
            let content_type = field
                .content_type()
                .unwrap_or("application/octet-stream")
                .to_string();
            let content = field.bytes().await.map_err(bad)?;
            // A file input left empty still sends a part, with no name and no bytes.
            if file_name.is_empty() && content.is_empty() {
                continue;
            }
            if files.len() >= MAX_FILES {
                return Err(ctx.error(&tonic::Status::invalid_argument(format!(
                    "at most {MAX_FILES} files"
                ))));
            }
            total += content.len();
            if total > uploads::CASE_MATERIALS.per_request {
                return Err(too_large(ctx));
            }
            files.push(pb::MaterialUpload {
                material_id,
                file_name,
                content_type,
                content: content.to_vec(),
            });
        } else {
            let value = field.text().await.map_err(bad)?;
            pairs.push((name, value));
        }
    }
    Ok(Received {
        fields: Fields::from_pairs(pairs),
        files,
    })
}

pub async fn submit(
    ctx: Ctx,
    Path(item_id): Path<String>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    ctx.require_sign_in()?;
    let back = format!("/items/{}/apply", seg(&item_id));
    let _turn = ctx.upload_turn().await.map_err(|e| e.back_to(&back))?;
    let received = receive(&ctx, multipart).await?;
    let f = &received.fields;
    ctx.check_csrf(f.csrf()).map_err(|e| e.back_to(&back))?;
    let enterprise = f.get("kind") == "enterprise";
    let id_type = if enterprise {
        pb::IdType::UnifiedSocialCreditCode
    } else {
        pb::IdType::from_str_name(f.get("id_type")).unwrap_or(pb::IdType::ResidentIdCard)
    };
    let request = pb::SubmitCaseRequest {
        request_id: f.request_id(),
        item_id: item_id.clone(),
        applicant: Some(pb::Applicant {
            kind: if enterprise {
                pb::ApplicantKind::Enterprise
            } else {
                pb::ApplicantKind::Person
            } as i32,
            name: f.get("name").to_string(),
            id_type: id_type as i32,
            id_number: f.get("id_number").to_uppercase(),
            phone: f.get("phone").to_string(),
        }),
        materials: received.files,
    };
    let case = ctx
        .cases()?
        .submit_case(ctx.req(request))
        .await
        .map_err(|s| ctx.error(&s).back_to(&back))?
        .into_inner();
    tracing::info!(case_number = %case.case_number, "application submitted online");
    let title = ctx.tr("申请已提交", "Application submitted");
    let body = html! {
        h1 { (title) }
        section.receipt aria-labelledby="receipt-title" {
            h2 id="receipt-title" { (case.item_name) }
            dl.receipt {
                dt { (ctx.tr("办件编号", "Case number")) }
                dd { strong.case-number { (case.case_number) } }
                dt { (ctx.tr("查询码", "Query code")) }
                dd { strong.query-code { (case.query_code) } }
            }
            p.notice role="alert" {
                (ctx.tr("请立即记下或打印办件编号和查询码。查询码只显示这一次，凭它查询进度、评价服务。",
                        "Write down or print the case number and the query code now. The code is shown only this once; you need it to follow and rate the case."))
            }
        }
        p {
            a.cta href={ "/track?case_number=" (encode(&case.case_number)) } { (ctx.tr("查询办理进度", "Follow the case")) }
            " "
            a href={ "/cases/" (seg(&case.id)) } { (ctx.tr("查看办件详情", "See the case")) }
        }
    };
    // The code must not linger in a cache or be shown again from history.
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        page(&ctx, title, body),
    )
        .into_response())
}
