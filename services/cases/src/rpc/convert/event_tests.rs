//! Every domain event maps to its contract message, which decodes back with the facts.

use std::collections::BTreeSet;

use onewindow_kit::outbox::unpack;
use onewindow_proto::cases::v1 as pb;
use onewindow_proto::common::v1 as common;
use onewindow_proto::prost::Message;
use onewindow_proto::prost_types::Any;

use super::view_tests::{accepted, approved, child, report, started_bundle};
use super::*;
use crate::domain::fixtures::*;
// The fixtures' `date` builds a day; the conversions' `date` parses one.
use crate::domain::fixtures::date;
use crate::domain::{
    decide_bundle, submit, BundleCommand, CaseFact, CaseNumber, Channel, Command, DomainEvent,
    FeeCharge, SpecialProcedure, Stage, Submission,
};
use onewindow_kit::calendar::Calendar;

/// Checks the type URL and decodes the payload as the named message of the contract.
fn decode<M: Message + Default>(any: &Any, message: &str) -> M {
    let name = format!("onewindow.cases.v1.{message}");
    assert_eq!(any.type_url, format!("type.googleapis.com/{name}"));
    unpack(&name, any).unwrap_or_else(|| panic!("{message} does not decode"))
}

fn only(events: Vec<DomainEvent>) -> DomainEvent {
    assert_eq!(events.len(), 1, "{events:?}");
    events.into_iter().next().unwrap()
}

fn event(case: &crate::domain::Case, command: Command, day: chrono::NaiveDate) -> DomainEvent {
    only(apply(case, command, day).unwrap().1)
}

fn submitted_event() -> DomainEvent {
    let submission = Submission {
        id: "case-1".into(),
        case_number: CaseNumber::new(REGION, 2026, 123).unwrap(),
        terms: promised_terms(),
        applicant: person(),
        channel: Channel::Online,
        applicant_subject: Some(APPLICANT.into()),
        materials: ["m1", "m2"].iter().map(|m| file(m, 0)).collect(),
        bundle_case_id: None,
    };
    only(
        submit(submission, &applicant(), monday(), instant(monday()))
            .unwrap()
            .1,
    )
}

/// One event of every kind, from the domain's own transitions.
fn every_case_event() -> Vec<DomainEvent> {
    let d = |day| date(2026, 3, day);
    let charged = ok(
        &in_review(),
        Command::ChargeFees {
            fees: vec![FeeCharge {
                fee_id: "f1".into(),
                amount_fen: 800,
            }],
        },
        d(3),
    );
    vec![
        submitted_event(),
        event(
            &submitted(),
            Command::Accept {
                note: String::new(),
            },
            monday(),
        ),
        event(
            &submitted(),
            Command::RefuseIntake {
                reason: "不属于本部门职权范围".into(),
                legal_basis: "《行政许可法》第三十二条".into(),
            },
            monday(),
        ),
        event(&submitted(), supplement("m3"), monday()),
        event(
            &supplement_requested(),
            Command::Resubmit {
                materials: vec![file("m3", 1)],
            },
            d(3),
        ),
        event(&in_review(), opinion(Stage::Review), d(3)),
        event(
            &in_review(),
            Command::StartSuspension {
                procedure: SpecialProcedure::Inspection,
                reason: "现场核查".into(),
                declared_days: 3,
            },
            d(3),
        ),
        event(
            &suspended(),
            Command::EndSuspension {
                note: String::new(),
            },
            d(5),
        ),
        event(
            &in_review(),
            Command::ApproveExtension {
                days: 2,
                reason: "需专家论证".into(),
            },
            d(3),
        ),
        event(&at_conclude(), approve(), d(5)),
        event(
            &in_review(),
            Command::Withdraw {
                reason: "不再需要".into(),
            },
            d(3),
        ),
        event(
            &in_review(),
            Command::ChargeFees {
                fees: vec![FeeCharge {
                    fee_id: "f1".into(),
                    amount_fen: 800,
                }],
            },
            d(3),
        ),
        event(
            &charged,
            Command::RecordPayment {
                payment_reference: "PAY-2026-0001".into(),
                amount_fen: 800,
            },
            d(4),
        ),
    ]
}

#[test]
fn every_case_event_maps_to_its_message_and_decodes_back() {
    let events = every_case_event();
    let kinds: BTreeSet<&str> = events.iter().map(DomainEvent::kind).collect();
    assert_eq!(kinds.len(), 13, "one event of every kind");
    let p = person();
    for e in &events {
        let (kind, object_id, any) = event_to_any(e);
        assert_eq!(kind, e.kind());
        assert_eq!(object_id, "case-1");
        for secret in [&p.id_number, &p.phone, &p.name] {
            let leaked = any
                .value
                .windows(secret.len())
                .any(|w| w == secret.as_bytes());
            assert!(!leaked, "{kind} carries the applicant's {secret}");
        }
        let c = &e.context;
        let (case_ref, actor, occurred_on) = match &e.fact {
            CaseFact::Submitted { .. } => {
                let m: pb::CaseSubmitted = decode(&any, "CaseSubmitted");
                assert_eq!(m.channel, pb::Channel::Online as i32);
                assert_eq!(m.applicant_kind, pb::ApplicantKind::Person as i32);
                assert_eq!(m.material_ids, ["m1", "m2"]);
                (m.case_ref, m.actor, m.occurred_on)
            }
            CaseFact::Accepted { deadlines, .. } => {
                let m: pb::CaseAccepted = decode(&any, "CaseAccepted");
                let d = m.deadlines.clone().unwrap();
                assert_eq!(d.planned_due_date, format_date(deadlines.planned_due_date));
                assert_eq!(d.latest_due_date, format_date(deadlines.latest_due_date));
                assert_eq!(m.stages[0].stage, common::Stage::Review as i32);
                assert!(!m.window_fully_authorized && !m.immediate);
                assert_eq!(m.material_ids.len(), 4);
                (m.case_ref, m.actor, m.occurred_on)
            }
            CaseFact::IntakeRefused { .. } => {
                let m: pb::IntakeRefused = decode(&any, "IntakeRefused");
                assert!(m.reason_given && m.legal_basis_given);
                assert_eq!(m.legal_basis, "《行政许可法》第三十二条");
                (m.case_ref, m.actor, m.occurred_on)
            }
            CaseFact::SupplementRequested { .. } => {
                let m: pb::SupplementRequested = decode(&any, "SupplementRequested");
                assert_eq!(m.notice_number, 1);
                assert_eq!(m.items[0].material_id, "m3");
                (m.case_ref, m.actor, m.occurred_on)
            }
            CaseFact::Resubmitted { .. } => {
                let m: pb::CaseResubmitted = decode(&any, "CaseResubmitted");
                assert_eq!(m.changed_material_ids, ["m3"]);
                (m.case_ref, m.actor, m.occurred_on)
            }
            CaseFact::StageCompleted { .. } => {
                let m: pb::StageCompleted = decode(&any, "StageCompleted");
                assert_eq!(m.stage, common::Stage::Review as i32);
                assert_eq!(m.handler_role, common::HandlerRole::Clerk as i32);
                assert_eq!(m.due_date, "2026-03-05");
                assert!(m.opinion_given && !m.late);
                let next = m.next.clone().unwrap();
                assert_eq!(next.stage, common::Stage::Decide as i32);
                assert_eq!(next.started_on, "2026-03-03");
                (m.case_ref, m.actor, m.occurred_on)
            }
            CaseFact::SuspensionStarted { .. } => {
                let m: pb::SuspensionStarted = decode(&any, "SuspensionStarted");
                assert_eq!(m.procedure, common::SpecialProcedure::Inspection as i32);
                assert_eq!(
                    (m.declared_days, m.stage),
                    (3, common::Stage::Review as i32)
                );
                (m.case_ref, m.actor, m.occurred_on)
            }
            CaseFact::SuspensionEnded { working_days, .. } => {
                let m: pb::SuspensionEnded = decode(&any, "SuspensionEnded");
                assert_eq!(
                    (m.started_on.as_str(), m.ended_on.as_str()),
                    ("2026-03-03", "2026-03-05")
                );
                assert_eq!(m.working_days, i32::try_from(*working_days).unwrap());
                assert_eq!(m.deadlines.unwrap().suspended_days, m.working_days);
                assert_eq!(m.stage.unwrap().stage, common::Stage::Review as i32);
                (m.case_ref, m.actor, m.occurred_on)
            }
            CaseFact::ExtensionApproved { .. } => {
                let m: pb::ExtensionApproved = decode(&any, "ExtensionApproved");
                assert_eq!(
                    (m.days, m.total_extension_days, m.max_extension_days),
                    (2, 2, 10)
                );
                assert_eq!(m.deadlines.unwrap().extension_days, 2);
                (m.case_ref, m.actor, m.occurred_on)
            }
            CaseFact::Concluded { .. } => {
                let m: pb::CaseConcluded = decode(&any, "CaseConcluded");
                assert_eq!(m.outcome, pb::OutcomeKind::Approved as i32);
                assert_eq!(m.result_reference, "JY11402000000123");
                assert_eq!((m.reason.as_str(), m.reason_given), ("", false));
                assert!(!m.late && !m.past_statutory_limit && !m.immediate);
                assert_eq!(m.working_days_used, 3);
                (m.case_ref, m.actor, m.occurred_on)
            }
            CaseFact::Withdrawn { .. } => {
                let m: pb::CaseWithdrawn = decode(&any, "CaseWithdrawn");
                assert_eq!(m.from_state, pb::CaseState::InProgress as i32);
                assert_eq!(m.reason, "不再需要");
                (m.case_ref, m.actor, m.occurred_on)
            }
            CaseFact::FeesCharged { .. } => {
                let m: pb::FeesCharged = decode(&any, "FeesCharged");
                assert_eq!(m.total_fen, 800);
                assert!(m.deviates_from_standard && !m.free_of_charge);
                let fee = &m.fees[0];
                assert_eq!((fee.amount_fen, fee.standard_amount_fen), (800, 1_000));
                assert!(fee.charged_at.is_some() && fee.paid_at.is_none());
                (m.case_ref, m.actor, m.occurred_on)
            }
            CaseFact::PaymentRecorded { .. } => {
                let m: pb::PaymentRecorded = decode(&any, "PaymentRecorded");
                assert_eq!(
                    (m.total_fen, m.payment_reference.as_str()),
                    (800, "PAY-2026-0001")
                );
                (m.case_ref, m.actor, m.occurred_on)
            }
        };
        let r = case_ref.unwrap();
        assert_eq!(r.case_id, "case-1");
        assert_eq!(r.case_number, "140200-2026-000123");
        assert_eq!(r.item_id, c.item_id);
        assert_eq!((r.item_version, r.department_id.as_str()), (1, DEPT));
        assert_eq!(
            (r.region_code.as_str(), r.bundle_case_id.as_str()),
            (REGION, "")
        );
        let a = actor.unwrap();
        assert_eq!(a.subject, c.actor.subject);
        assert_eq!(a.role, c.actor.role.as_str());
        assert_eq!(
            a.department_id,
            c.actor.department.clone().unwrap_or_default()
        );
        assert_eq!(occurred_on, format_date(c.occurred_on));
    }
}

#[test]
fn a_denial_event_carries_its_grounds_and_an_immediate_one_says_so() {
    let at = date(2026, 3, 5);
    let e = event(
        &at_conclude(),
        Command::Conclude {
            conclusion: deny(),
            opinion: String::new(),
        },
        at,
    );
    let (_, _, any) = event_to_any(&e);
    let m: pb::CaseConcluded = decode(&any, "CaseConcluded");
    assert_eq!(m.outcome, pb::OutcomeKind::Denied as i32);
    assert_eq!(m.result_reference, "");
    assert!(m.reason_given && m.legal_basis_given);
    assert_eq!(m.reason, "经营场所不符合要求");

    let case = submit_online(immediate_terms(), &["m1"]);
    let (_, events) = apply(
        &case,
        Command::ConcludeImmediately {
            conclusion: crate::domain::Conclusion::Approved {
                result_reference: "GT-1".into(),
            },
            opinion: String::new(),
        },
        monday(),
    )
    .unwrap();
    let decoded: Vec<String> = events.iter().map(|e| event_to_any(e).2.type_url).collect();
    assert_eq!(
        decoded,
        [
            "type.googleapis.com/onewindow.cases.v1.CaseAccepted",
            "type.googleapis.com/onewindow.cases.v1.CaseConcluded"
        ]
    );
    let accepted: pb::CaseAccepted = decode(&event_to_any(&events[0]).2, "CaseAccepted");
    assert!(accepted.immediate && accepted.window_fully_authorized);
}

#[test]
fn every_bundle_event_maps_to_its_message_and_decodes_back() {
    let cal = Calendar::official();
    let (b, started) = started_bundle();
    let d = |day| date(2026, 3, day);
    let a = accepted(child(201, "item-a", DEPT), d(4));
    let bb = accepted(child(202, "item-b", "gaj"), d(6));
    let (b, _) = report(&b, approved(a, d(5)), d(5));
    let (b, none) = report(&b, approved(bb, d(5)), d(5));
    assert!(
        none.is_empty(),
        "completing a stage reports nothing by itself"
    );
    let c = child(203, "item-c", "swj");
    let (b, stage_started) = decide_bundle(
        &b,
        BundleCommand::StageStarted {
            index: 1,
            children: vec![c.clone()],
        },
        d(5),
        instant(d(5)),
        &cal,
    )
    .unwrap();
    let (_, concluded) = report(&b, approved(accepted(c, d(9)), d(6)), d(6));

    let events = [started, stage_started, concluded].map(only_bundle);
    let kinds: Vec<&str> = events.iter().map(|e| e.kind()).collect();
    assert_eq!(
        kinds,
        [
            "cases.bundle_case.started",
            "cases.bundle_case.stage_started",
            "cases.bundle_case.concluded"
        ]
    );
    let mapped: Vec<(&str, String, Any)> = events.iter().map(bundle_event_to_any).collect();
    for (kind, id, any) in &mapped {
        assert_eq!(id, "bundle-1", "{kind}");
        assert!(!any.value.windows(6).any(|w| w == b"140202"), "{kind}");
    }
    let m: pb::BundleCaseStarted = decode(&mapped[0].2, "BundleCaseStarted");
    let r = m.bundle_case.unwrap();
    assert_eq!(r.case_number, "140200-2026-000200");
    assert_eq!(r.bundle_id, "enterprise-registration");
    assert_eq!(r.lead_department_id, DEPT);
    assert_eq!(m.actor.unwrap().role, "applicant");
    assert_eq!(m.children.len(), 2);
    assert_eq!(m.shared_material_ids, ["s-license"]);
    let m: pb::BundleStageStarted = decode(&mapped[1].2, "BundleStageStarted");
    assert_eq!((m.stage_index, m.stage_name.as_str()), (1, "税务登记"));
    assert_eq!(m.actor.unwrap().subject, "system");
    assert_eq!(m.children[0].case_id, "child-203");
    let m: pb::BundleCaseConcluded = decode(&mapped[2].2, "BundleCaseConcluded");
    assert_eq!(m.outcome, pb::OutcomeKind::Approved as i32);
    assert_eq!(m.accepted_on, "2026-03-02");
    assert_eq!(m.occurred_on, "2026-03-06");
    // item-a concluded on the 5th, due the 4th: its department was late.
    assert_eq!(m.late_department_ids, [DEPT]);
    assert_eq!(m.stopped_by_case_id, "");
}

fn only_bundle(events: Vec<crate::domain::BundleEvent>) -> crate::domain::BundleEvent {
    assert_eq!(events.len(), 1, "{events:?}");
    events.into_iter().next().unwrap()
}
