//! A trading agent's actions on a project, as its state offers them (announce, open the
//! bids, draw the panel, record the evaluation, publicize the award, answer an objection,
//! record a contract, cancel), and their handling. The trading service decides.

use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use onewindow_kit::auth::Role;
use onewindow_proto::trading::v1 as pb;

use super::forms::{hidden, Fields};
use super::labels::yuan;
use super::layout::seg;
use super::{Ctx, PageError};

/// Amounts typed in yuan (or points) with at most two decimals, as hundredths; integer
/// arithmetic, never floats.
pub fn hundredths(text: &str) -> Option<i64> {
    let text = text.trim().replace([',', '，'], "");
    let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
    if whole.is_empty() || frac.len() > 2 || !whole.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = format!("{frac:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(frac)
}

fn sealed(p: &pb::Project) -> bool {
    !matches!(
        pb::Method::try_from(p.method),
        Ok(pb::Method::Auction) | Ok(pb::Method::Listing)
    )
}

pub fn panel(ctx: &Ctx, p: &pb::Project) -> Markup {
    // An agent runs its own agency's projects only (its department is the agency's code).
    let agency = p.agency.as_ref().map(|a| a.credit_code.as_str());
    if !ctx.has(Role::TradingAgent) || ctx.caller.principal.department.as_deref() != agency {
        return html! {};
    }
    let state = pb::ProjectState::try_from(p.state).unwrap_or_default();
    let action = |name: &str| format!("/trading/{}/{name}", seg(&p.id));
    let scoring = p
        .evaluation
        .as_ref()
        .is_some_and(|e| e.method == pb::EvaluationMethod::Scoring as i32);
    let valid_bids: Vec<&pb::OpenedBid> = p
        .opening
        .iter()
        .flat_map(|o| o.bids.iter())
        .filter(|b| b.valid)
        .collect();
    let contracted: Vec<&str> = p.contracts.iter().map(|c| c.award_id.as_str()).collect();
    use pb::ProjectState as S;
    html! {
        section.actions aria-label=(ctx.tr("交易操作", "Actions")) {
            h2 { (ctx.tr("代理机构操作", "Agent's actions")) }
            @match state {
                S::Draft => {
                    form.action method="post" action=(action("announce")) {
                        (hidden(ctx))
                        p { (ctx.tr("发布公告前请核对投标期限（法定最短期限由系统校验）。", "Check the periods before announcing; the legal minimums are checked.")) }
                        button type="submit" { (ctx.tr("发布公告", "Announce")) }
                    }
                }
                S::Announced | S::Bidding if sealed(p) => {
                    form.action method="post" action=(action("open")) {
                        (hidden(ctx))
                        p { (ctx.tr("开标时间到达后方可开标；开标即解密全部投标并公布开标记录。", "Bids open at or after the opening time; opening decrypts every bid and publishes the record.")) }
                        button type="submit" { (ctx.tr("开标", "Open the bids")) }
                    }
                }
                S::Opened => {
                    form.action method="post" action=(action("draw")) {
                        (hidden(ctx))
                        p { (ctx.tr("以开标时公布的种子从专家库随机抽取评标委员会。", "Draw the panel from the pool with the seed published at the opening.")) }
                        button type="submit" { (ctx.tr("抽取专家", "Draw the experts")) }
                    }
                }
                S::Evaluating if p.evaluation_result.is_none() => {
                    form.action method="post" action=(action("evaluate")) {
                        (hidden(ctx))
                        @if scoring {
                            p { (ctx.tr("录入每位专家对每份有效投标的技术分和商务分（满分100，可保留两位小数）。", "Enter each expert's technical and commercial scores of each valid bid (out of 100, two decimals).")) }
                            @for m in p.panel.iter().flat_map(|x| x.members.iter()) {
                                fieldset.scores {
                                    legend { (m.name) }
                                    @for b in &valid_bids {
                                        div.score-row {
                                            span { (b.lot_id) " · " @if let Some(x) = &b.bidder { (x.name) } }
                                            label { (ctx.tr("技术", "Technical")) input type="text" inputmode="decimal" name={ "tech_" (m.expert_id) "_" (b.bid_id) } required size="6"; }
                                            label { (ctx.tr("商务", "Commercial")) input type="text" inputmode="decimal" name={ "comm_" (m.expert_id) "_" (b.bid_id) } required size="6"; }
                                        }
                                    }
                                }
                            }
                        } @else {
                            p { (ctx.tr("最低评标价法：按有效投标报价排序。", "Lowest price: the valid bids are ranked by price.")) }
                        }
                        button type="submit" { (ctx.tr("确认评标结果", "Record the evaluation")) }
                    }
                }
                S::Evaluating => {
                    form.action method="post" action=(action("publicize")) {
                        (hidden(ctx))
                        button type="submit" { (ctx.tr("发布中标公示", "Publicize the award")) }
                    }
                }
                S::AwardPublicized => {
                    @for o in p.objections.iter().filter(|o| o.status == pb::ObjectionStatus::Open as i32) {
                        form.action method="post" action=(action("answer")) {
                            (hidden(ctx))
                            input type="hidden" name="objection_id" value=(o.id);
                            h3 { (ctx.tr("答复质疑", "Answer the objection")) ": " @if let Some(x) = &o.objector { (x.name) } }
                            p.meta { (o.text) }
                            label { (ctx.tr("答复", "Answer")) textarea name="answer" rows="3" required maxlength="2000" {} }
                            label.check { input type="checkbox" name="upheld" value="1"; " " (ctx.tr("质疑成立（退回重新评标）", "Uphold (back to evaluation)")) }
                            button type="submit" { (ctx.tr("提交答复", "Answer")) }
                        }
                    }
                }
                S::Awarded => {
                    @for a in p.awards.iter().filter(|a| a.status == pb::AwardStatus::Active as i32 && !contracted.contains(&a.id.as_str())) {
                        form.action method="post" action=(action("contract")) {
                            (hidden(ctx))
                            input type="hidden" name="award_id" value=(a.id);
                            h3 { (ctx.tr("登记合同", "Record the contract")) ": " @if let Some(s) = &a.supplier { (s.name) } }
                            label { (ctx.tr("合同名称", "Title")) input type="text" name="title" required maxlength="200" value=(p.title); }
                            label { (ctx.tr("合同金额（元）", "Value (yuan)")) input type="text" inputmode="decimal" name="value" required value=(yuan(a.value_fen)); }
                            label { (ctx.tr("签订日期", "Signed on")) input type="date" name="signed_on" required; }
                            button type="submit" { (ctx.tr("登记", "Record")) }
                        }
                    }
                }
                _ => {}
            }
            @if matches!(state, S::Draft | S::Announced | S::Bidding | S::Opened | S::Evaluating | S::AwardPublicized) {
                details {
                    summary { (ctx.tr("终止项目", "Cancel the project")) }
                    form.action method="post" action=(action("cancel")) {
                        (hidden(ctx))
                        label { (ctx.tr("终止原因", "Reason")) input type="text" name="reason" required maxlength="500"; }
                        button.danger type="submit" { (ctx.tr("终止", "Cancel")) }
                    }
                }
            }
        }
    }
}

/// The score sheets of a scoring evaluation, one per panel member.
fn sheets(p: &pb::Project, f: &Fields) -> Result<Vec<pb::ScoreSheet>, String> {
    let bids: Vec<&pb::OpenedBid> = p
        .opening
        .iter()
        .flat_map(|o| o.bids.iter())
        .filter(|b| b.valid)
        .collect();
    let mut out = Vec::new();
    for m in p.panel.iter().flat_map(|x| x.members.iter()) {
        let mut scores = Vec::new();
        for b in &bids {
            let score = |prefix: &str| {
                let field = format!("{prefix}_{}_{}", m.expert_id, b.bid_id);
                hundredths(f.get(&field))
                    .and_then(|v| i32::try_from(v).ok())
                    .ok_or_else(|| format!("{}: {}", m.name, f.get(&field)))
            };
            scores.push(pb::BidScore {
                bid_id: b.bid_id.clone(),
                technical: score("tech")?,
                commercial: score("comm")?,
            });
        }
        out.push(pb::ScoreSheet {
            expert_id: m.expert_id.clone(),
            scores,
        });
    }
    Ok(out)
}

pub async fn act(
    ctx: Ctx,
    Path((project_id, action)): Path<(String, String)>,
    f: Fields,
) -> Result<Response, PageError> {
    ctx.require_sign_in()?;
    let back = format!("/trading/{}", seg(&project_id));
    ctx.check_csrf(f.csrf()).map_err(|e| e.back_to(&back))?;
    let mut client = ctx.trading()?;
    let request_id = f.request_id();
    let id = project_id.clone();
    let refused = |s: tonic::Status| ctx.error(&s).back_to(&back);
    let invalid = |why: String| refused(tonic::Status::invalid_argument(why));
    match action.as_str() {
        "announce" => client
            .announce_project(ctx.req(pb::AnnounceProjectRequest {
                request_id,
                project_id: id,
            }))
            .await
            .map(drop),
        "cancel" => client
            .cancel_project(ctx.req(pb::CancelProjectRequest {
                request_id,
                project_id: id,
                reason: f.get("reason").into(),
            }))
            .await
            .map(drop),
        "open" => client
            .open_bids(ctx.req(pb::OpenBidsRequest {
                request_id,
                project_id: id,
            }))
            .await
            .map(drop),
        "draw" => client
            .draw_experts(ctx.req(pb::DrawExpertsRequest {
                request_id,
                project_id: id,
            }))
            .await
            .map(drop),
        "evaluate" => {
            let project = client
                .get_project(ctx.req(pb::GetProjectRequest {
                    project_id: id.clone(),
                }))
                .await
                .map_err(refused)?
                .into_inner();
            let scoring = project
                .evaluation
                .as_ref()
                .is_some_and(|e| e.method == pb::EvaluationMethod::Scoring as i32);
            let sheets = if scoring {
                sheets(&project, &f).map_err(|why| invalid(format!("score {why}")))?
            } else {
                Vec::new()
            };
            client
                .evaluate_bids(ctx.req(pb::EvaluateBidsRequest {
                    request_id,
                    project_id: id,
                    sheets,
                }))
                .await
                .map(drop)
        }
        "publicize" => client
            .publicize_award(ctx.req(pb::PublicizeAwardRequest {
                request_id,
                project_id: id,
            }))
            .await
            .map(drop),
        "answer" => client
            .answer_objection(ctx.req(pb::AnswerObjectionRequest {
                request_id,
                project_id: id,
                objection_id: f.get("objection_id").into(),
                answer: f.get("answer").into(),
                upheld: f.has("upheld"),
            }))
            .await
            .map(drop),
        "contract" => {
            let value_fen = hundredths(f.get("value"))
                .ok_or_else(|| invalid(format!("value: {}", f.get("value"))))?;
            client
                .record_contract(ctx.req(pb::RecordContractRequest {
                    request_id,
                    project_id: id,
                    award_id: f.get("award_id").into(),
                    title: f.get("title").into(),
                    value_fen,
                    signed_on: f.get("signed_on").into(),
                }))
                .await
                .map(drop)
        }
        _ => return Err(ctx.not_found()),
    }
    .map_err(refused)?;
    tracing::info!(project_id = %project_id, action = %action, "trading action from the web");
    Ok(Redirect::to(&format!("{back}?done={action}")).into_response())
}

#[cfg(test)]
mod tests {
    use super::hundredths;

    #[test]
    fn typed_amounts_become_hundredths_without_floats() {
        assert_eq!(hundredths("1234.5"), Some(123_450));
        assert_eq!(hundredths("86.50"), Some(8650));
        assert_eq!(hundredths("1,000"), Some(100_000));
        assert_eq!(hundredths("0.05"), Some(5));
        assert_eq!(hundredths("1.234"), None);
        assert_eq!(hundredths("-3"), None);
        assert_eq!(hundredths(""), None);
        assert_eq!(hundredths("abc"), None);
    }
}
