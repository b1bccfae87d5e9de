//! The cases contract's event payloads, read into the domain's case and bundle events.

use onewindow_proto::cases::v1 as pb;
use onewindow_proto::common::v1::{self as common, Event};

use super::decode::{date_or, days, event_date, evidence, opt_date, payload, Decoded};
use crate::domain::bundle::{BundleEvent, BundleFact, ChildRef};
use crate::domain::case::{
    CaseEvent, CaseFact, Channel, ChargedFee, Deadlines, OutcomeKind, StageDeadline,
};
use crate::domain::terms::{Actor, CaseRef, HandlerRole};
use crate::rpc::convert::{procedure_name, stage_from_proto};

fn case_ref(r: Option<&pb::CaseRef>) -> Decoded<CaseRef> {
    let r = r.ok_or("case_ref is missing")?;
    if r.case_id.is_empty() {
        return Err("case_ref.case_id is empty".into());
    }
    Ok(CaseRef {
        case_id: r.case_id.clone(),
        case_number: r.case_number.clone(),
        item_id: r.item_id.clone(),
        item_version: days(r.item_version, "case_ref.item_version")?,
        department_id: r.department_id.clone(),
        region_code: r.region_code.clone(),
        bundle_case_id: (!r.bundle_case_id.is_empty()).then(|| r.bundle_case_id.clone()),
    })
}

fn actor(a: Option<&pb::EventActor>) -> Actor {
    a.map(|a| Actor {
        subject: a.subject.clone(),
        role: a.role.clone(),
        department_id: a.department_id.clone(),
    })
    .unwrap_or_default()
}

fn deadlines(d: Option<&pb::Deadlines>) -> Decoded<Deadlines> {
    let Some(d) = d else {
        return Ok(Deadlines::default());
    };
    Ok(Deadlines {
        accepted_on: opt_date(&d.accepted_on, "deadlines.accepted_on")?,
        planned_due: opt_date(&d.planned_due_date, "deadlines.planned_due_date")?,
        latest_due: opt_date(&d.latest_due_date, "deadlines.latest_due_date")?,
        suspended_days: days(d.suspended_days, "deadlines.suspended_days")?,
        extension_days: days(d.extension_days, "deadlines.extension_days")?,
    })
}

fn stage_deadline(s: Option<&pb::StageDeadline>) -> Decoded<Option<StageDeadline>> {
    let Some(s) = s else { return Ok(None) };
    let Some(stage) = stage_from_proto(s.stage) else {
        return Ok(None);
    };
    Ok(Some(StageDeadline {
        stage,
        started_on: opt_date(&s.started_on, "stage.started_on")?,
        due: opt_date(&s.due_date, "stage.due_date")?,
    }))
}

fn handler_role(r: i32) -> Option<HandlerRole> {
    match common::HandlerRole::try_from(r).ok()? {
        common::HandlerRole::Clerk => Some(HandlerRole::Clerk),
        common::HandlerRole::Approver => Some(HandlerRole::Approver),
        common::HandlerRole::Unspecified => None,
    }
}

fn fees(fees: &[pb::ChargedFee]) -> Vec<ChargedFee> {
    fees.iter()
        .map(|f| ChargedFee {
            fee_id: f.fee_id.clone(),
            amount_fen: f.amount_fen,
            standard_amount_fen: f.standard_amount_fen,
            deviates: f.deviates_from_standard,
            on_free_item: f.on_free_item,
        })
        .collect()
}

/// Reads the common head of a case event payload and wraps its fact.
macro_rules! case_event {
    ($stream:expr, $event:expr, $msg:expr, |$m:ident| $fact:expr) => {{
        let $m = $msg;
        let on = date_or(&$m.occurred_on, "occurred_on", event_date($event))?;
        CaseEvent {
            case: case_ref($m.case_ref.as_ref())?,
            actor: actor($m.actor.as_ref()),
            on,
            fact: $fact,
            evidence: evidence($stream, $event, on),
        }
    }};
}

/// One event of the cases stream about a case.
pub(crate) fn decode_case(stream: &str, e: &Event) -> Decoded<CaseEvent> {
    const P: &str = "onewindow.cases.v1.";
    Ok(match e.kind.as_str() {
        "cases.case.submitted" => {
            case_event!(
                stream,
                e,
                payload::<pb::CaseSubmitted>(e, &format!("{P}CaseSubmitted"))?,
                |m| CaseFact::Submitted {
                    channel: match pb::Channel::try_from(m.channel) {
                        Ok(pb::Channel::Online) => Some(Channel::Online),
                        Ok(pb::Channel::Window) => Some(Channel::Window),
                        _ => None,
                    },
                    material_ids: m.material_ids.clone(),
                }
            )
        }
        "cases.case.accepted" => {
            case_event!(
                stream,
                e,
                payload::<pb::CaseAccepted>(e, &format!("{P}CaseAccepted"))?,
                |m| CaseFact::Accepted {
                    deadlines: deadlines(m.deadlines.as_ref())?,
                    stages: m
                        .stages
                        .iter()
                        .map(|s| stage_deadline(Some(s)))
                        .collect::<Decoded<Vec<_>>>()?
                        .into_iter()
                        .flatten()
                        .collect(),
                    material_ids: m.material_ids.clone(),
                    window_fully_authorized: m.window_fully_authorized,
                    immediate: m.immediate,
                }
            )
        }
        "cases.case.intake_refused" => {
            case_event!(
                stream,
                e,
                payload::<pb::IntakeRefused>(e, &format!("{P}IntakeRefused"))?,
                |m| CaseFact::IntakeRefused {
                    // Trust the text over the flag: a blank reason is no reason.
                    reason_given: m.reason_given && !m.reason.trim().is_empty(),
                    legal_basis_given: m.legal_basis_given && !m.legal_basis.trim().is_empty(),
                }
            )
        }
        "cases.case.supplement_requested" => {
            case_event!(
                stream,
                e,
                payload::<pb::SupplementRequested>(e, &format!("{P}SupplementRequested"))?,
                |m| CaseFact::SupplementRequested {
                    notice_number: days(m.notice_number, "notice_number")?,
                    late_named: m.late_named_material_ids.clone(),
                }
            )
        }
        "cases.case.resubmitted" => {
            case_event!(
                stream,
                e,
                payload::<pb::CaseResubmitted>(e, &format!("{P}CaseResubmitted"))?,
                |m| CaseFact::Resubmitted {
                    material_ids: m.material_ids.clone(),
                }
            )
        }
        "cases.case.stage_completed" => {
            case_event!(
                stream,
                e,
                payload::<pb::StageCompleted>(e, &format!("{P}StageCompleted"))?,
                |m| CaseFact::StageCompleted {
                    stage: stage_from_proto(m.stage).ok_or("stage is unspecified")?,
                    handler_role: handler_role(m.handler_role),
                    due: opt_date(&m.due_date, "due_date")?,
                    late: m.late,
                    next: stage_deadline(m.next.as_ref())?,
                }
            )
        }
        "cases.case.suspension_started" => {
            case_event!(
                stream,
                e,
                payload::<pb::SuspensionStarted>(e, &format!("{P}SuspensionStarted"))?,
                |m| CaseFact::SuspensionStarted {
                    procedure: procedure_name(m.procedure),
                    declared_days: days(m.declared_days, "declared_days")?,
                    stage: stage_from_proto(m.stage),
                }
            )
        }
        "cases.case.suspension_ended" => {
            case_event!(
                stream,
                e,
                payload::<pb::SuspensionEnded>(e, &format!("{P}SuspensionEnded"))?,
                |m| CaseFact::SuspensionEnded {
                    declared_days: days(m.declared_days, "declared_days")?,
                    working_days: days(m.working_days, "working_days")?,
                    deadlines: deadlines(m.deadlines.as_ref())?,
                    stage: stage_deadline(m.stage.as_ref())?,
                }
            )
        }
        "cases.case.extension_approved" => {
            case_event!(
                stream,
                e,
                payload::<pb::ExtensionApproved>(e, &format!("{P}ExtensionApproved"))?,
                |m| CaseFact::ExtensionApproved {
                    days: days(m.days, "days")?,
                    total_days: days(m.total_extension_days, "total_extension_days")?,
                    max_days: days(m.max_extension_days, "max_extension_days")?,
                    deadlines: deadlines(m.deadlines.as_ref())?,
                }
            )
        }
        "cases.case.concluded" => {
            case_event!(
                stream,
                e,
                payload::<pb::CaseConcluded>(e, &format!("{P}CaseConcluded"))?,
                |m| CaseFact::Concluded {
                    outcome: match pb::OutcomeKind::try_from(m.outcome) {
                        Ok(pb::OutcomeKind::Approved) => Some(OutcomeKind::Approved),
                        Ok(pb::OutcomeKind::Denied) => Some(OutcomeKind::Denied),
                        _ => None,
                    },
                    reason_given: m.reason_given && !m.reason.trim().is_empty(),
                    legal_basis_given: m.legal_basis_given && !m.legal_basis.trim().is_empty(),
                    immediate: m.immediate,
                    deadlines: deadlines(m.deadlines.as_ref())?,
                    late: m.late,
                    past_statutory_limit: m.past_statutory_limit,
                    working_days_used: days(m.working_days_used, "working_days_used")?,
                    fees: fees(&m.fees),
                }
            )
        }
        "cases.case.withdrawn" => {
            case_event!(
                stream,
                e,
                payload::<pb::CaseWithdrawn>(e, &format!("{P}CaseWithdrawn"))?,
                |_m| CaseFact::Withdrawn
            )
        }
        "cases.case.fees_charged" => {
            case_event!(
                stream,
                e,
                payload::<pb::FeesCharged>(e, &format!("{P}FeesCharged"))?,
                |m| CaseFact::FeesCharged {
                    fees: fees(&m.fees),
                    free_of_charge: m.free_of_charge,
                }
            )
        }
        "cases.case.payment_recorded" => {
            case_event!(
                stream,
                e,
                payload::<pb::PaymentRecorded>(e, &format!("{P}PaymentRecorded"))?,
                |_m| CaseFact::PaymentRecorded
            )
        }
        other => return Err(format!("{other} is not a case event")),
    })
}

fn children(c: &[pb::BundleChild]) -> Decoded<Vec<ChildRef>> {
    c.iter()
        .map(|c| {
            Ok(ChildRef {
                case_id: c.case_id.clone(),
                department_id: c.department_id.clone(),
                due: opt_date(&c.due_date, "children.due_date")?,
            })
        })
        .collect()
}

macro_rules! bundle_event {
    ($stream:expr, $event:expr, $msg:expr, |$m:ident| $fact:expr) => {{
        let $m = $msg;
        let on = date_or(&$m.occurred_on, "occurred_on", event_date($event))?;
        let r = $m.bundle_case.as_ref().ok_or("bundle_case is missing")?;
        if r.bundle_case_id.is_empty() {
            return Err("bundle_case.bundle_case_id is empty".into());
        }
        BundleEvent {
            bundle_case_id: r.bundle_case_id.clone(),
            case_number: r.case_number.clone(),
            lead_department_id: r.lead_department_id.clone(),
            region_code: r.region_code.clone(),
            on,
            fact: $fact,
            evidence: evidence($stream, $event, on),
        }
    }};
}

/// One event of the cases stream about a bundle case.
pub(crate) fn decode_bundle(stream: &str, e: &Event) -> Decoded<BundleEvent> {
    const P: &str = "onewindow.cases.v1.";
    Ok(match e.kind.as_str() {
        "cases.bundle_case.started" => {
            bundle_event!(
                stream,
                e,
                payload::<pb::BundleCaseStarted>(e, &format!("{P}BundleCaseStarted"))?,
                |m| BundleFact::StageStarted {
                    stage_index: 0,
                    children: children(&m.children)?,
                }
            )
        }
        "cases.bundle_case.stage_started" => {
            bundle_event!(
                stream,
                e,
                payload::<pb::BundleStageStarted>(e, &format!("{P}BundleStageStarted"))?,
                |m| BundleFact::StageStarted {
                    stage_index: days(m.stage_index, "stage_index")?,
                    children: children(&m.children)?,
                }
            )
        }
        "cases.bundle_case.concluded" => {
            bundle_event!(
                stream,
                e,
                payload::<pb::BundleCaseConcluded>(e, &format!("{P}BundleCaseConcluded"))?,
                |m| BundleFact::Concluded {
                    late: m.late,
                    late_department_ids: m.late_department_ids.clone(),
                }
            )
        }
        other => return Err(format!("{other} is not a bundle case event")),
    })
}
