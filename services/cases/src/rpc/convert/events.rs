//! The domain's events as the contract's event messages, packed for the outbox. An event
//! names its case, its actor and its day, and never the applicant: no name, ID number or
//! phone can reach a consumer through it.

use onewindow_kit::outbox::pack;
use onewindow_proto::cases::v1 as pb;
use onewindow_proto::common::v1 as common;
use onewindow_proto::prost_types::Any;

use super::bundles::child_to_proto;
use super::{format_date, format_optional_date, to_i32};
use crate::domain::{
    BundleEvent, BundleFact, CaseFact, ChildCase, Conclusion, Deadlines, DomainEvent, EventActor,
    EventContext, StageDeadline, WindowAuthorization,
};

/// The object type of a case's events and audit entries.
pub const CASE_OBJECT: &str = "case";
/// The object type of a bundle case's events and audit entries.
pub const BUNDLE_CASE_OBJECT: &str = "bundle_case";

/// The contract's package: an event's `type_url` is `type.googleapis.com/` + this + `.` +
/// the message's name.
const PACKAGE: &str = "onewindow.cases.v1";

fn full_name(message: &str) -> String {
    format!("{PACKAGE}.{message}")
}

fn case_ref(c: &EventContext) -> Option<pb::CaseRef> {
    Some(pb::CaseRef {
        case_id: c.case_id.clone(),
        case_number: c.case_number.to_string(),
        item_id: c.item_id.clone(),
        item_version: to_i32(c.item_version),
        department_id: c.department_id.clone(),
        region_code: c.region_code.clone(),
        bundle_case_id: c.bundle_case_id.clone().unwrap_or_default(),
    })
}

fn actor(a: &EventActor) -> Option<pb::EventActor> {
    Some(pb::EventActor {
        subject: a.subject.clone(),
        role: a.role.as_str().to_string(),
        department_id: a.department.clone().unwrap_or_default(),
    })
}

fn deadlines(d: &Deadlines) -> Option<pb::Deadlines> {
    Some(pb::Deadlines {
        accepted_on: format_date(d.accepted_on),
        planned_due_date: format_date(d.planned_due_date),
        latest_due_date: format_date(d.latest_due_date),
        suspended_days: to_i32(d.suspended_days),
        extension_days: to_i32(d.extension_days),
        years_without_schedule: d.years_without_schedule.iter().copied().collect(),
    })
}

fn stage_deadline(s: &StageDeadline) -> pb::StageDeadline {
    pb::StageDeadline {
        stage: common::Stage::from(s.stage).into(),
        started_on: format_date(s.started_on),
        due_date: format_date(s.due_date),
    }
}

/// The event's kind (`cases.case.accepted`), the case's id, and the payload: the event's
/// message with its case, actor and day. The object type is [`CASE_OBJECT`].
pub fn event_to_any(e: &DomainEvent) -> (&'static str, String, Any) {
    let c = &e.context;
    let case_ref = case_ref(c);
    let actor = actor(&c.actor);
    let occurred_on = format_date(c.occurred_on);
    let any = match &e.fact {
        CaseFact::Submitted {
            channel,
            applicant_kind,
            material_ids,
        } => pack(
            &full_name("CaseSubmitted"),
            &pb::CaseSubmitted {
                case_ref,
                actor,
                occurred_on,
                channel: pb::Channel::from(*channel).into(),
                applicant_kind: pb::ApplicantKind::from(*applicant_kind).into(),
                material_ids: material_ids.clone(),
            },
        ),
        CaseFact::Accepted {
            deadlines: d,
            stages,
            material_ids,
            window_authorization,
            immediate,
            intake_working_days,
        } => pack(
            &full_name("CaseAccepted"),
            &pb::CaseAccepted {
                case_ref,
                actor,
                occurred_on,
                deadlines: deadlines(d),
                stages: stages.iter().map(stage_deadline).collect(),
                material_ids: material_ids.clone(),
                window_fully_authorized: *window_authorization == WindowAuthorization::Full,
                immediate: *immediate,
                intake_working_days: to_i32(*intake_working_days),
            },
        ),
        CaseFact::IntakeRefused {
            reason_given,
            legal_basis_given,
            reason,
            legal_basis,
            material_ids,
        } => pack(
            &full_name("IntakeRefused"),
            &pb::IntakeRefused {
                case_ref,
                actor,
                occurred_on,
                reason_given: *reason_given,
                legal_basis_given: *legal_basis_given,
                reason: reason.clone(),
                legal_basis: legal_basis.clone(),
                material_ids: material_ids.clone(),
            },
        ),
        CaseFact::SupplementRequested {
            notice_number,
            items,
            late_named_material_ids,
            material_ids,
        } => pack(
            &full_name("SupplementRequested"),
            &pb::SupplementRequested {
                case_ref,
                actor,
                occurred_on,
                notice_number: to_i32(*notice_number),
                items: items.iter().map(pb::SupplementItem::from).collect(),
                late_named_material_ids: late_named_material_ids.clone(),
                material_ids: material_ids.clone(),
            },
        ),
        CaseFact::Resubmitted {
            changed_material_ids,
            material_ids,
        } => pack(
            &full_name("CaseResubmitted"),
            &pb::CaseResubmitted {
                case_ref,
                actor,
                occurred_on,
                changed_material_ids: changed_material_ids.clone(),
                material_ids: material_ids.clone(),
            },
        ),
        CaseFact::StageCompleted {
            stage,
            handler_role,
            started_on,
            due_date,
            late,
            opinion_given,
            next,
        } => pack(
            &full_name("StageCompleted"),
            &pb::StageCompleted {
                case_ref,
                actor,
                occurred_on,
                stage: common::Stage::from(*stage).into(),
                handler_role: common::HandlerRole::from(*handler_role).into(),
                started_on: format_date(*started_on),
                due_date: format_date(*due_date),
                late: *late,
                opinion_given: *opinion_given,
                next: next.as_ref().map(stage_deadline),
            },
        ),
        CaseFact::SuspensionStarted {
            procedure,
            reason,
            declared_days,
            stage,
        } => pack(
            &full_name("SuspensionStarted"),
            &pb::SuspensionStarted {
                case_ref,
                actor,
                occurred_on,
                procedure: common::SpecialProcedure::from(*procedure).into(),
                reason: reason.clone(),
                declared_days: to_i32(*declared_days),
                stage: common::Stage::from(*stage).into(),
            },
        ),
        CaseFact::SuspensionEnded {
            procedure,
            started_on,
            ended_on,
            declared_days,
            working_days,
            deadlines: d,
            stage,
        } => pack(
            &full_name("SuspensionEnded"),
            &pb::SuspensionEnded {
                case_ref,
                actor,
                occurred_on,
                procedure: common::SpecialProcedure::from(*procedure).into(),
                started_on: format_date(*started_on),
                ended_on: format_date(*ended_on),
                declared_days: to_i32(*declared_days),
                working_days: to_i32(*working_days),
                deadlines: deadlines(d),
                stage: stage.as_ref().map(stage_deadline),
            },
        ),
        CaseFact::ExtensionApproved {
            days,
            reason,
            total_extension_days,
            max_extension_days,
            deadlines: d,
        } => pack(
            &full_name("ExtensionApproved"),
            &pb::ExtensionApproved {
                case_ref,
                actor,
                occurred_on,
                days: to_i32(*days),
                reason: reason.clone(),
                total_extension_days: to_i32(*total_extension_days),
                max_extension_days: to_i32(*max_extension_days),
                deadlines: deadlines(d),
            },
        ),
        CaseFact::Concluded {
            conclusion,
            reason_given,
            legal_basis_given,
            immediate,
            deadlines: d,
            late,
            past_statutory_limit,
            working_days_used,
            fees,
        } => {
            let mut msg = pb::CaseConcluded {
                case_ref,
                actor,
                occurred_on,
                outcome: pb::OutcomeKind::from(conclusion.kind()).into(),
                reason_given: *reason_given,
                legal_basis_given: *legal_basis_given,
                immediate: *immediate,
                deadlines: deadlines(d),
                late: *late,
                past_statutory_limit: *past_statutory_limit,
                working_days_used: to_i32(*working_days_used),
                fees: fees.iter().map(pb::ChargedFee::from).collect(),
                ..pb::CaseConcluded::default()
            };
            match conclusion {
                Conclusion::Approved { result_reference } => {
                    msg.result_reference = result_reference.clone();
                }
                Conclusion::Denied {
                    reason,
                    legal_basis,
                } => {
                    msg.reason = reason.clone();
                    msg.legal_basis = legal_basis.clone();
                }
            }
            pack(&full_name("CaseConcluded"), &msg)
        }
        CaseFact::Withdrawn { from_state, reason } => pack(
            &full_name("CaseWithdrawn"),
            &pb::CaseWithdrawn {
                case_ref,
                actor,
                occurred_on,
                from_state: pb::CaseState::from(*from_state).into(),
                reason: reason.clone(),
            },
        ),
        CaseFact::FeesCharged {
            fees,
            total_fen,
            free_of_charge,
            deviates_from_standard,
        } => pack(
            &full_name("FeesCharged"),
            &pb::FeesCharged {
                case_ref,
                actor,
                occurred_on,
                fees: fees.iter().map(pb::ChargedFee::from).collect(),
                total_fen: *total_fen,
                free_of_charge: *free_of_charge,
                deviates_from_standard: *deviates_from_standard,
            },
        ),
        CaseFact::PaymentRecorded {
            total_fen,
            payment_reference,
        } => pack(
            &full_name("PaymentRecorded"),
            &pb::PaymentRecorded {
                case_ref,
                actor,
                occurred_on,
                total_fen: *total_fen,
                payment_reference: payment_reference.clone(),
            },
        ),
    };
    (e.kind(), c.case_id.clone(), any)
}

/// The bundle event's kind (`cases.bundle_case.started`), the bundle case's id, and the
/// payload. The object type is [`BUNDLE_CASE_OBJECT`]. A child's lateness is judged on
/// the event's day.
pub fn bundle_event_to_any(e: &BundleEvent) -> (&'static str, String, Any) {
    let bundle_case = Some(pb::BundleCaseRef {
        bundle_case_id: e.bundle_case_id.clone(),
        case_number: e.case_number.to_string(),
        bundle_id: e.bundle_id.clone(),
        lead_department_id: e.lead_department_id.clone(),
        region_code: e.region_code.clone(),
    });
    let actor = actor(&e.actor);
    let occurred_on = format_date(e.occurred_on);
    let children = |c: &[ChildCase]| {
        c.iter()
            .map(|c| child_to_proto(c, e.occurred_on))
            .collect::<Vec<_>>()
    };
    let any = match &e.fact {
        BundleFact::Started {
            children: c,
            shared_material_ids,
        } => pack(
            &full_name("BundleCaseStarted"),
            &pb::BundleCaseStarted {
                bundle_case,
                actor,
                occurred_on,
                children: children(c),
                shared_material_ids: shared_material_ids.clone(),
            },
        ),
        BundleFact::StageStarted {
            index,
            name,
            children: c,
        } => pack(
            &full_name("BundleStageStarted"),
            &pb::BundleStageStarted {
                bundle_case,
                actor,
                occurred_on,
                stage_index: to_i32(*index),
                stage_name: name.clone(),
                children: children(c),
            },
        ),
        BundleFact::Concluded {
            outcome,
            stopped_by_case_id,
            accepted_on,
            due_date,
            late,
            late_department_ids,
        } => pack(
            &full_name("BundleCaseConcluded"),
            &pb::BundleCaseConcluded {
                bundle_case,
                actor,
                occurred_on,
                outcome: pb::OutcomeKind::from(*outcome).into(),
                stopped_by_case_id: stopped_by_case_id.clone().unwrap_or_default(),
                accepted_on: format_optional_date(*accepted_on),
                due_date: format_optional_date(*due_date),
                late: *late,
                late_department_ids: late_department_ids.clone(),
            },
        ),
    };
    (e.kind(), e.bundle_case_id.clone(), any)
}
