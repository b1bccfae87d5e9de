//! The staff's actions on a case: the forms the case page offers for its state and the
//! reader's role, and their handling (one RPC each, with the revision read and the form's
//! request id). The cases service decides; the forms only spare staff a refused click.

use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use onewindow_kit::auth::Role;
use onewindow_proto::cases::v1 as pb;
use onewindow_proto::common::v1 as common;

use super::case_page::Loaded;
use super::forms::{hidden, Fields};
use super::layout::seg;
use super::{labels, Ctx, PageError};

const PROCEDURES: [common::SpecialProcedure; 6] = [
    common::SpecialProcedure::ExpertReview,
    common::SpecialProcedure::Hearing,
    common::SpecialProcedure::Inspection,
    common::SpecialProcedure::Testing,
    common::SpecialProcedure::PublicNotice,
    common::SpecialProcedure::WaitingForApplicant,
];

fn role_of(handler_role: i32) -> Role {
    if handler_role == common::HandlerRole::Approver as i32 {
        Role::Approver
    } else {
        Role::Clerk
    }
}

/// The forms for this reader and this case; nothing for readers who may not act.
pub fn panel(ctx: &Ctx, loaded: &Loaded) -> Markup {
    let c = &loaded.case;
    let own = ctx.is_staff()
        && ctx.caller.principal.department.as_deref() == Some(c.department_id.as_str());
    if !own {
        return html! {};
    }
    let action = |name: &str| format!("/cases/{}/{name}", seg(&c.id));
    let revision = html! { input type="hidden" name="revision" value=(c.revision); };
    let state = pb::CaseState::try_from(c.state).unwrap_or(pb::CaseState::Unspecified);
    let may_act = match state {
        pb::CaseState::Submitted => ctx.has(Role::Clerk),
        pb::CaseState::InProgress => true,
        _ => false,
    };
    if !may_act {
        return html! {};
    }
    let active = c
        .stages
        .iter()
        .find(|s| s.state == pb::StageState::Active as i32);
    let holds_stage = active.is_some_and(|s| ctx.has(role_of(s.handler_role)));
    let open_suspension = c.suspensions.last().filter(|s| s.ended_on.is_empty());
    let allowed: Vec<i32> = match &loaded.item {
        Some(item) if !item.allowed_special_procedures.is_empty() => {
            item.allowed_special_procedures.clone()
        }
        _ => PROCEDURES.iter().map(|p| *p as i32).collect(),
    };
    let used: i32 = c.extensions.iter().map(|e| e.days).sum();
    let max_extension = loaded.item.as_ref().map_or(0, |i| i.max_extension_days) - used;
    let materials = loaded
        .item
        .as_ref()
        .map(|i| i.materials.as_slice())
        .unwrap_or_default();
    html! {
        section.actions aria-label=(ctx.tr("办理操作", "Actions")) {
            h2 { (ctx.tr("办理", "Act on this case")) }
            @if state == pb::CaseState::Submitted && ctx.has(Role::Clerk) {
                form.action method="post" action=(action("accept")) {
                    (hidden(ctx)) (revision)
                    h3 { (ctx.tr("受理", "Accept")) }
                    label { (ctx.tr("备注（可选）", "Note (optional)")) input type="text" name="note" maxlength="500"; }
                    button type="submit" name="go" value="accept" { (ctx.tr("受理", "Accept")) }
                }
                @if c.immediate {
                    form.action method="post" action=(action("immediate")) {
                        (hidden(ctx)) (revision)
                        h3 { (ctx.tr("即办件当场办结", "Conclude on the spot")) }
                        (conclusion_fields(ctx))
                        button type="submit" { (ctx.tr("当场办结", "Conclude now")) }
                    }
                }
                form.action method="post" action=(action("supplement")) {
                    (hidden(ctx)) (revision)
                    h3 { (ctx.tr("一次性告知补正", "Request a supplement (all at once)")) }
                    @for m in materials {
                        div.material-choice {
                            label.check { input type="checkbox" name="material" value=(m.id); " " (m.name) }
                            input type="text" name={ "problem_" (m.id) } maxlength="200"
                                placeholder=(ctx.tr("缺少或有误之处", "What is missing or wrong"))
                                aria-label={ (m.name) " " (ctx.tr("问题", "problem")) };
                        }
                    }
                    button type="submit" { (ctx.tr("发出补正通知", "Send the notice")) }
                }
                form.action method="post" action=(action("refuse")) {
                    (hidden(ctx)) (revision)
                    h3 { (ctx.tr("不予受理", "Refuse intake")) }
                    label { (ctx.tr("理由", "Reason")) textarea name="reason" rows="2" required maxlength="1000" {} }
                    label { (ctx.tr("法律依据", "Legal basis")) input type="text" name="legal_basis" required maxlength="500"; }
                    button.danger type="submit" { (ctx.tr("不予受理", "Refuse intake")) }
                }
            }
            @if state == pb::CaseState::InProgress {
                @if let Some(stage) = active.filter(|_| holds_stage) {
                    @if stage.stage == common::Stage::Conclude as i32 {
                        form.action method="post" action=(action("conclude")) {
                            (hidden(ctx)) (revision)
                            h3 { (ctx.tr("办结", "Conclude")) }
                            (conclusion_fields(ctx))
                            button type="submit" { (ctx.tr("办结", "Conclude")) }
                        }
                    } @else {
                        form.action method="post" action=(action("complete")) {
                            (hidden(ctx)) (revision)
                            input type="hidden" name="stage" value=(common::Stage::try_from(stage.stage).unwrap_or_default().as_str_name());
                            h3 { (labels::stage(ctx.lang, stage.stage)) " · " (ctx.tr("办理完毕", "complete the stage")) }
                            label { (ctx.tr("意见", "Opinion")) textarea name="opinion" rows="2" required maxlength="2000" {} }
                            button type="submit" { (ctx.tr("提交意见，进入下一环节", "Complete the stage")) }
                        }
                    }
                }
                @if let Some(open) = open_suspension {
                    form.action method="post" action=(action("resume")) {
                        (hidden(ctx)) (revision)
                        h3 { (ctx.tr("结束中止，恢复计时", "End the suspension")) " · " (labels::special_procedure(ctx.lang, open.procedure)) }
                        label { (ctx.tr("备注（可选）", "Note (optional)")) input type="text" name="note" maxlength="500"; }
                        button type="submit" { (ctx.tr("恢复计时", "Resume the clock")) }
                    }
                } @else {
                    form.action method="post" action=(action("suspend")) {
                        (hidden(ctx)) (revision)
                        h3 { (ctx.tr("特别程序，中止计时", "Suspend for a special procedure")) }
                        label { (ctx.tr("程序", "Procedure"))
                            select name="procedure" { @for p in &allowed {
                                option value=(common::SpecialProcedure::try_from(*p).unwrap_or_default().as_str_name()) { (labels::special_procedure(ctx.lang, *p)) }
                            } } }
                        label { (ctx.tr("原因", "Reason")) input type="text" name="reason" required maxlength="500"; }
                        label { (ctx.tr("预计工作日", "Expected working days")) input type="number" name="declared_days" min="1" max="250" value="5" required; }
                        button type="submit" { (ctx.tr("中止计时", "Suspend")) }
                    }
                }
                @if ctx.has(Role::Approver) && max_extension > 0 {
                    form.action method="post" action=(action("extend")) {
                        (hidden(ctx)) (revision)
                        h3 { (ctx.tr("批准延期", "Approve an extension")) }
                        label { (ctx.tr("延长工作日", "Working days")) input type="number" name="days" min="1" max=(max_extension) value="1" required; }
                        label { (ctx.tr("原因", "Reason")) input type="text" name="reason" required maxlength="500"; }
                        button type="submit" { (ctx.tr("批准延期", "Approve")) }
                    }
                }
            }
        }
    }
}

fn conclusion_fields(ctx: &Ctx) -> Markup {
    html! {
        fieldset.choice {
            legend { (ctx.tr("决定", "Decision")) }
            label { input type="radio" name="outcome" value="approved" checked; " " (ctx.tr("准予", "Approve")) }
            label { input type="radio" name="outcome" value="denied"; " " (ctx.tr("不予", "Deny")) }
        }
        label { (ctx.tr("准予：证照或文书编号", "Approved: certificate or document number")) input type="text" name="result_reference" maxlength="200"; }
        label { (ctx.tr("不予：理由", "Denied: reason")) input type="text" name="reason" maxlength="1000"; }
        label { (ctx.tr("不予：法律依据", "Denied: legal basis")) input type="text" name="legal_basis" maxlength="500"; }
        label { (ctx.tr("意见", "Opinion")) textarea name="opinion" rows="2" maxlength="2000" {} }
    }
}

fn conclusion(f: &Fields) -> pb::Conclusion {
    if f.get("outcome") == "denied" {
        pb::Conclusion {
            kind: pb::OutcomeKind::Denied as i32,
            reason: f.get("reason").to_string(),
            legal_basis: f.get("legal_basis").to_string(),
            ..Default::default()
        }
    } else {
        pb::Conclusion {
            kind: pb::OutcomeKind::Approved as i32,
            result_reference: f.get("result_reference").to_string(),
            ..Default::default()
        }
    }
}

pub async fn act(
    ctx: Ctx,
    Path((case_id, action)): Path<(String, String)>,
    f: Fields,
) -> Result<Response, PageError> {
    ctx.require_sign_in()?;
    let back = format!("/cases/{}", seg(&case_id));
    ctx.check_csrf(f.csrf()).map_err(|e| e.back_to(&back))?;
    let mut client = ctx.cases()?;
    let (request_id, revision) = (f.request_id(), f.int::<i64>("revision"));
    let id = case_id.clone();
    let outcome = match action.as_str() {
        "accept" => client
            .accept_case(ctx.req(pb::AcceptCaseRequest {
                request_id,
                case_id: id,
                revision,
                note: f.get("note").into(),
            }))
            .await
            .map(drop),
        "refuse" => client
            .refuse_intake(ctx.req(pb::RefuseIntakeRequest {
                request_id,
                case_id: id,
                revision,
                reason: f.get("reason").into(),
                legal_basis: f.get("legal_basis").into(),
            }))
            .await
            .map(drop),
        "supplement" => {
            let items = f
                .all("material")
                .into_iter()
                .map(|m| pb::SupplementItem {
                    material_id: m.to_string(),
                    problem: f.get(&format!("problem_{m}")).to_string(),
                })
                .collect();
            client
                .request_supplement(ctx.req(pb::RequestSupplementRequest {
                    request_id,
                    case_id: id,
                    revision,
                    items,
                }))
                .await
                .map(drop)
        }
        "immediate" => client
            .conclude_immediately(ctx.req(pb::ConcludeImmediatelyRequest {
                request_id,
                case_id: id,
                revision,
                conclusion: Some(conclusion(&f)),
                opinion: f.get("opinion").into(),
            }))
            .await
            .map(drop),
        "complete" => client
            .complete_stage(ctx.req(pb::CompleteStageRequest {
                request_id,
                case_id: id,
                revision,
                stage: common::Stage::from_str_name(f.get("stage")).unwrap_or_default() as i32,
                opinion: f.get("opinion").into(),
            }))
            .await
            .map(drop),
        "conclude" => client
            .conclude_case(ctx.req(pb::ConcludeCaseRequest {
                request_id,
                case_id: id,
                revision,
                conclusion: Some(conclusion(&f)),
                opinion: f.get("opinion").into(),
            }))
            .await
            .map(drop),
        "suspend" => client
            .start_suspension(ctx.req(pb::StartSuspensionRequest {
                request_id,
                case_id: id,
                revision,
                procedure:
                    common::SpecialProcedure::from_str_name(f.get("procedure")).unwrap_or_default()
                        as i32,
                reason: f.get("reason").into(),
                declared_days: f.int("declared_days"),
            }))
            .await
            .map(drop),
        "resume" => client
            .end_suspension(ctx.req(pb::EndSuspensionRequest {
                request_id,
                case_id: id,
                revision,
                note: f.get("note").into(),
            }))
            .await
            .map(drop),
        "extend" => client
            .approve_extension(ctx.req(pb::ApproveExtensionRequest {
                request_id,
                case_id: id,
                revision,
                days: f.int("days"),
                reason: f.get("reason").into(),
            }))
            .await
            .map(drop),
        _ => return Err(ctx.not_found()),
    };
    outcome.map_err(|s| ctx.error(&s).back_to(&back))?;
    tracing::info!(case_id = %case_id, action = %action, "case action from the web");
    Ok(Redirect::to(&format!("{back}?done={action}")).into_response())
}
