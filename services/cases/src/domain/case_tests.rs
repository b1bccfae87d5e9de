//! Every state against every command, then the rules of submission and intake.

use onewindow_kit::calendar::Calendar;

use super::case::{Case, CaseState, Conclusion};
use super::command::{Command, CommandKind, FeeCharge};
use super::decide::{allows, decide};
use super::error::CaseError;
use super::event::CaseFact;
use super::fixtures::*;
use super::intake::{submit, Submission};
use super::number::CaseNumber;
use super::terms::{SpecialProcedure, Stage};

/// A well-formed command of each kind for `case`, so that only the state decides.
fn sample(kind: CommandKind, case: &Case) -> Command {
    let current = case.current_stage().map_or(Stage::Review, |s| s.stage);
    match kind {
        CommandKind::Accept => Command::Accept {
            note: String::new(),
        },
        CommandKind::RefuseIntake => Command::RefuseIntake {
            reason: "不符合法定形式".into(),
            legal_basis: "《行政许可法》第三十二条".into(),
        },
        CommandKind::RequestSupplement => supplement("m3"),
        CommandKind::Resubmit => Command::Resubmit {
            materials: vec![file("m3", 1)],
        },
        CommandKind::ConcludeImmediately => Command::ConcludeImmediately {
            conclusion: Conclusion::Approved {
                result_reference: "NO.1".into(),
            },
            opinion: String::new(),
        },
        CommandKind::CompleteStage => opinion(current),
        CommandKind::StartSuspension => Command::StartSuspension {
            procedure: SpecialProcedure::Inspection,
            reason: "现场核查".into(),
            declared_days: 3,
        },
        CommandKind::EndSuspension => Command::EndSuspension {
            note: String::new(),
        },
        CommandKind::ApproveExtension => Command::ApproveExtension {
            days: 2,
            reason: "需补充论证".into(),
        },
        CommandKind::Conclude => approve(),
        CommandKind::Withdraw => Command::Withdraw {
            reason: String::new(),
        },
        CommandKind::ChargeFees => Command::ChargeFees {
            fees: vec![FeeCharge {
                fee_id: "f1".into(),
                amount_fen: 1_000,
            }],
        },
        CommandKind::RecordPayment => Command::RecordPayment {
            payment_reference: "PAY-1".into(),
            amount_fen: 1_000,
        },
    }
}

#[derive(Debug)]
enum Expect {
    Ok,
    Illegal,
    Precondition(&'static str),
}

use CommandKind as K;
use Expect::{Illegal, Precondition as Pre};

/// What every command does in every state of the promised item. `Illegal` rows are what
/// the state itself forbids; `Pre` rows are what the case's data forbids in that state.
fn expected(state: &str, kind: CommandKind) -> Expect {
    match (state, kind) {
        (
            "submitted",
            K::Accept | K::RefuseIntake | K::RequestSupplement | K::Withdraw | K::Resubmit,
        ) => Expect::Ok,
        ("submitted", K::ConcludeImmediately) => Pre("only an immediate item"),
        ("submitted", K::ChargeFees) => Pre("after acceptance"),
        ("submitted", K::RecordPayment) => Pre("no fees are charged"),
        ("submitted", _) => Illegal,

        ("supplement_requested", K::Resubmit | K::RefuseIntake | K::Withdraw) => Expect::Ok,
        ("supplement_requested", _) => Illegal,

        ("in_review", K::CompleteStage | K::StartSuspension | K::ApproveExtension) => Expect::Ok,
        ("in_review", K::Withdraw | K::ChargeFees) => Expect::Ok,
        ("in_review", K::EndSuspension) => Pre("no suspension is open"),
        ("in_review", K::Conclude) => Pre("not completed: review, decide"),
        ("in_review", K::RecordPayment) => Pre("no fees are charged"),

        ("suspended", K::EndSuspension | K::ApproveExtension) => Expect::Ok,
        ("suspended", K::Withdraw | K::ChargeFees) => Expect::Ok,
        ("suspended", K::CompleteStage | K::StartSuspension) => Pre("suspension is open"),
        ("suspended", K::Conclude) => Pre("not completed: review, decide"),
        ("suspended", K::RecordPayment) => Pre("no fees are charged"),

        ("at_conclude", K::Conclude | K::StartSuspension | K::ApproveExtension) => Expect::Ok,
        ("at_conclude", K::Withdraw | K::ChargeFees) => Expect::Ok,
        ("at_conclude", K::CompleteStage) => Pre("completed by concluding"),
        ("at_conclude", K::EndSuspension) => Pre("no suspension is open"),
        ("at_conclude", K::RecordPayment) => Pre("no fees are charged"),

        ("in_review" | "suspended" | "at_conclude", _) => Illegal,
        // Closed cases refuse everything.
        _ => Illegal,
    }
}

fn check(name: &str, case: &Case, kind: CommandKind, expect: &Expect) {
    let command = sample(kind, case);
    let result = apply(case, command, date(2026, 3, 6));
    match (expect, result) {
        (Expect::Ok, Ok((next, events))) => {
            assert_eq!(next.revision, case.revision + 1, "{name} x {kind}");
            assert!(!events.is_empty(), "{name} x {kind} emits an event");
        }
        (Illegal, Err(CaseError::IllegalTransition { state, command, .. })) => {
            assert_eq!((state, command), (case.state, kind), "{name} x {kind}");
        }
        (
            Pre(why),
            Err(CaseError::Precondition {
                state,
                command,
                reason,
                ..
            }),
        ) => {
            assert_eq!((state, command), (case.state, kind), "{name} x {kind}");
            assert!(
                reason.contains(why),
                "{name} x {kind}: {reason} should say {why}"
            );
        }
        (expect, got) => panic!("{name} x {kind}: expected {expect:?}, got {got:?}"),
    }
}

#[test]
fn every_state_against_every_command() {
    let states: [(&str, Case); 8] = [
        ("submitted", submitted()),
        ("supplement_requested", supplement_requested()),
        ("in_review", in_review()),
        ("suspended", suspended()),
        ("at_conclude", at_conclude()),
        ("concluded", concluded()),
        ("intake_refused", refused()),
        ("withdrawn", withdrawn()),
    ];
    for (name, case) in &states {
        for kind in CommandKind::ALL {
            let expect = expected(name, kind);
            // The table and the state machine's own list of what a state allows agree.
            assert_eq!(
                !matches!(expect, Illegal),
                allows(case.state, kind),
                "{name} x {kind}"
            );
            check(name, case, kind, &expect);
        }
    }
}

#[test]
fn immediate_item_at_intake_against_every_command() {
    let case = submit_online(immediate_terms(), &["m1"]);
    for kind in CommandKind::ALL {
        let expect = match kind {
            K::ConcludeImmediately
            | K::RefuseIntake
            | K::RequestSupplement
            | K::Withdraw
            | K::Resubmit => Expect::Ok,
            // An immediate item's fees are settled at the window before the one act.
            K::ChargeFees => Expect::Ok,
            K::Accept => Pre("accepted and concluded in one act"),
            K::RecordPayment => Pre("no fees are charged"),
            _ => Illegal,
        };
        let command = match kind {
            K::ChargeFees => Command::ChargeFees {
                fees: vec![FeeCharge {
                    fee_id: "f1".into(),
                    amount_fen: 500,
                }],
            },
            K::RequestSupplement => supplement("m1"),
            K::Resubmit => Command::Resubmit {
                materials: vec![file("m1", 2)],
            },
            other => sample(other, &case),
        };
        let result = apply(&case, command, monday());
        match (&expect, result) {
            (Expect::Ok, Ok(_)) => {}
            (Illegal, Err(CaseError::IllegalTransition { .. })) => {}
            (Pre(why), Err(CaseError::Precondition { reason, .. })) if reason.contains(why) => {}
            (expect, got) => panic!("immediate x {kind}: expected {expect:?}, got {got:?}"),
        }
    }
}

#[test]
fn an_immediate_item_is_accepted_and_concluded_in_one_act() {
    let case = submit_online(immediate_terms(), &["m1"]);
    let (done, events) = apply(&case, sample(K::ConcludeImmediately, &case), monday()).unwrap();
    assert_eq!(done.state, CaseState::Concluded);
    assert_eq!(done.accepted_on, Some(monday()));
    assert!(done.outcome.as_ref().unwrap().immediate);
    assert!(done
        .stages
        .iter()
        .all(|s| s.state == super::case::StageState::Completed));
    let kinds: Vec<&str> = events.iter().map(|e| e.kind()).collect();
    assert_eq!(kinds, ["cases.case.accepted", "cases.case.concluded"]);
    let d = done.deadlines.unwrap();
    assert_eq!(d.planned_due_date, monday());
}

#[test]
fn an_immediate_item_whose_conclusion_needs_an_approver_refuses_a_plain_clerk() {
    let mut terms = immediate_terms();
    terms.steps[1].handler_role = super::terms::HandlerRole::Approver;
    let case = submit_online(terms, &["m1"]);
    let result = apply(&case, sample(K::ConcludeImmediately, &case), monday());
    assert!(
        matches!(result, Err(CaseError::PermissionDenied(_))),
        "{result:?}"
    );
}

#[test]
fn accepting_without_a_required_material_names_it_and_points_to_a_supplement() {
    let case = submit_online(promised_terms(), &["m1", "m3"]);
    match apply(
        &case,
        Command::Accept {
            note: String::new(),
        },
        monday(),
    ) {
        Err(CaseError::Precondition { reason, .. }) => {
            assert!(reason.contains("m2"), "{reason}");
            assert!(
                !reason.contains("m4"),
                "review materials are not needed at intake: {reason}"
            );
            assert!(reason.contains("request a supplement"), "{reason}");
        }
        other => panic!("expected a precondition, got {other:?}"),
    }
}

#[test]
fn acceptance_starts_the_clock_and_the_first_stage() {
    let (case, events) = apply(
        &submitted(),
        Command::Accept {
            note: "材料齐全".into(),
        },
        monday(),
    )
    .unwrap();
    assert_eq!(case.state, CaseState::InProgress);
    let d = case.deadlines.clone().unwrap();
    // Ten working days after Monday 2 March 2026.
    assert_eq!(d.planned_due_date, date(2026, 3, 16));
    assert_eq!(d.latest_due_date, date(2026, 3, 30));
    let review = case.current_stage().unwrap();
    assert_eq!(review.stage, Stage::Review);
    assert_eq!(review.due_date, Some(date(2026, 3, 5)));
    match &events[0].fact {
        CaseFact::Accepted {
            stages,
            material_ids,
            intake_working_days,
            ..
        } => {
            assert_eq!(stages[0].due_date, date(2026, 3, 5));
            assert_eq!(material_ids, &["m1", "m2", "m3", "m4"]);
            assert_eq!(*intake_working_days, 0);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_supplement_notice_must_name_something_and_every_missing_required_material() {
    let case = submit_online(promised_terms(), &["m3"]);
    let empty = apply(
        &case,
        Command::RequestSupplement { items: vec![] },
        monday(),
    );
    assert!(matches!(empty, Err(CaseError::Invalid(_))), "{empty:?}");
    match apply(&case, supplement("m1"), monday()) {
        Err(CaseError::Invalid(v)) => {
            assert!(v.to_string().contains("m2"), "{v}");
        }
        other => panic!("expected invalid, got {other:?}"),
    }
    let unknown = apply(&case, supplement("m9"), monday());
    assert!(matches!(unknown, Err(CaseError::Invalid(_))), "{unknown:?}");
}

#[test]
fn resubmission_replaces_the_file_and_returns_to_intake() {
    let case = ok(&submitted(), supplement("m2"), monday());
    assert_eq!(case.state, CaseState::SupplementRequested);
    let case = ok(
        &case,
        Command::Resubmit {
            materials: vec![file("m2", 1)],
        },
        date(2026, 3, 3),
    );
    assert_eq!(case.state, CaseState::Submitted);
    let m2: Vec<_> = case
        .materials
        .iter()
        .filter(|m| m.material_id == "m2")
        .collect();
    assert_eq!(m2.len(), 1);
    assert_eq!((m2[0].id.as_str(), m2[0].round), ("file-m2-1", 1));
    let accepted = ok(
        &case,
        Command::Accept {
            note: String::new(),
        },
        date(2026, 3, 3),
    );
    assert_eq!(accepted.accepted_on, Some(date(2026, 3, 3)));
}

#[test]
fn a_later_notice_flags_what_should_have_been_named_the_first_time() {
    let case = submit_online(promised_terms(), &["m2", "m3"]);
    let case = ok(&case, supplement("m1"), monday());
    let case = ok(
        &case,
        Command::Resubmit {
            materials: vec![file("m1", 1)],
        },
        monday(),
    );
    let notice = Command::RequestSupplement {
        items: vec![
            super::case::SupplementItem {
                material_id: "m1".into(),
                problem: "仍缺签字".into(),
            },
            super::case::SupplementItem {
                material_id: "m3".into(),
                problem: "照片模糊".into(),
            },
        ],
    };
    let (case, events) = apply(&case, notice, date(2026, 3, 3)).unwrap();
    match &events[0].fact {
        CaseFact::SupplementRequested {
            notice_number,
            late_named_material_ids,
            ..
        } => {
            assert_eq!(*notice_number, 2);
            // m1 was resubmitted since; m3 was there, unchanged, at the first notice.
            assert_eq!(late_named_material_ids, &["m3"]);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(case.supplement_notices[1].late_named_material_ids, ["m3"]);
}

#[test]
fn refusing_intake_needs_a_reason_and_a_legal_basis() {
    let refuse = Command::RefuseIntake {
        reason: " ".into(),
        legal_basis: String::new(),
    };
    match apply(&submitted(), refuse, monday()) {
        Err(CaseError::Invalid(v)) => {
            let fields: Vec<&str> = v.as_slice().iter().map(|f| f.field.as_str()).collect();
            assert_eq!(fields, ["reason", "legal_basis"]);
        }
        other => panic!("expected invalid, got {other:?}"),
    }
    let case = refused();
    assert_eq!(case.state, CaseState::IntakeRefused);
    assert!(case.closed_at.is_some());
}

#[test]
fn a_stale_revision_is_refused_before_anything_else() {
    let case = concluded();
    let result = decide(
        &case,
        Command::Accept {
            note: String::new(),
        },
        Some(case.revision - 1),
        &supervisor(),
        monday(),
        instant(monday()),
        &Calendar::official(),
    );
    assert!(matches!(result, Err(CaseError::Stale { .. })), "{result:?}");
}

#[test]
fn staff_of_another_department_and_supervisors_cannot_act() {
    let case = in_review();
    for actor in [other_clerk(), supervisor(), other_applicant()] {
        for kind in CommandKind::ALL {
            let result = decide(
                &case,
                sample(kind, &case),
                None,
                &actor,
                monday(),
                instant(monday()),
                &Calendar::official(),
            );
            assert!(
                matches!(result, Err(CaseError::PermissionDenied(_))),
                "{} x {kind}: {result:?}",
                actor.subject
            );
        }
    }
}

fn submission(terms: super::terms::ItemTerms) -> Submission {
    Submission {
        id: "case-2".into(),
        case_number: CaseNumber::new(REGION, 2026, 124).unwrap(),
        terms,
        applicant: enterprise(),
        channel: super::case::Channel::Window,
        applicant_subject: None,
        materials: vec![file("m1", 0), file("m2", 0)],
        bundle_case_id: None,
    }
}

#[test]
fn submission_pins_an_item_in_force_only() {
    let now = instant(monday());
    let (case, events) = submit(submission(promised_terms()), &clerk(), monday(), now).unwrap();
    assert_eq!(case.channel, super::case::Channel::Window);
    assert_eq!(case.revision, 1);
    assert_eq!(events[0].kind(), "cases.case.submitted");

    let mut ended = promised_terms();
    ended.valid_until = Some(monday());
    ended.cancelled = true;
    let result = submit(submission(ended), &clerk(), monday(), now);
    assert!(
        matches!(result, Err(CaseError::NotInForce { .. })),
        "{result:?}"
    );
    let mut future = promised_terms();
    future.valid_from = date(2026, 4, 1);
    let result = submit(submission(future), &clerk(), monday(), now);
    assert!(
        matches!(result, Err(CaseError::NotInForce { .. })),
        "{result:?}"
    );
}

#[test]
fn submission_checks_who_submits_and_what() {
    let now = instant(monday());
    let result = submit(submission(promised_terms()), &other_clerk(), monday(), now);
    assert!(matches!(result, Err(CaseError::PermissionDenied(_))));
    let mut online = submission(promised_terms());
    online.channel = super::case::Channel::Online;
    online.applicant_subject = Some(APPLICANT.into());
    let result = submit(online, &other_applicant(), monday(), now);
    assert!(matches!(result, Err(CaseError::PermissionDenied(_))));

    let mut bad = submission(promised_terms());
    bad.materials.push(file("m9", 0));
    bad.materials.push(file("m1", 1));
    bad.case_number = CaseNumber::new("140300", 2026, 1).unwrap();
    bad.applicant.phone = "x".into();
    match submit(bad, &clerk(), monday(), now) {
        Err(CaseError::Invalid(v)) => {
            let fields: Vec<&str> = v.as_slice().iter().map(|f| f.field.as_str()).collect();
            assert_eq!(
                fields,
                [
                    "case_number",
                    "applicant.phone",
                    "materials[2].material_id",
                    "materials[3].material_id"
                ]
            );
        }
        other => panic!("expected invalid, got {other:?}"),
    }
}

#[test]
fn a_file_is_refused_under_the_names_of_the_upload() {
    let mut bad = submission(promised_terms());
    bad.materials[0].name = "长".repeat(super::intake::MAX_FILE_NAME_CHARS + 1);
    bad.materials[1].content_type = "长".repeat(20_000);
    match submit(bad, &clerk(), monday(), instant(monday())) {
        Err(CaseError::Invalid(v)) => {
            let fields: Vec<&str> = v.as_slice().iter().map(|f| f.field.as_str()).collect();
            assert_eq!(
                fields,
                ["materials[0].file_name", "materials[1].content_type"]
            );
        }
        other => panic!("expected invalid, got {other:?}"),
    }
}

#[test]
fn a_supplement_notice_names_at_most_as_many_materials_as_an_item_lists() {
    let case = submit_online(promised_terms(), &["m3"]);
    let Command::RequestSupplement { items } = supplement("m1") else {
        unreachable!()
    };
    let many = Command::RequestSupplement {
        items: vec![items[0].clone(); super::intake::MAX_MATERIALS + 1],
    };
    match apply(&case, many, monday()) {
        Err(CaseError::Invalid(v)) => {
            assert_eq!(v.as_slice()[0].field, "items");
            assert_eq!(v.as_slice()[0].description, "must hold at most 100 items");
        }
        other => panic!("expected invalid, got {other:?}"),
    }
}

#[test]
fn events_carry_no_id_number_or_phone() {
    let mut case = submitted();
    let mut events = Vec::new();
    for (command, day) in [
        (
            Command::Accept {
                note: String::new(),
            },
            monday(),
        ),
        (opinion(Stage::Review), date(2026, 3, 3)),
        (opinion(Stage::Decide), date(2026, 3, 4)),
        (approve(), date(2026, 3, 5)),
    ] {
        let (next, mut e) = apply(&case, command, day).unwrap();
        events.append(&mut e);
        case = next;
    }
    assert_eq!(events.len(), 4);
    let text = serde_json::to_string(&events).unwrap();
    let p = person();
    for secret in [&p.id_number, &p.phone, &p.name] {
        assert!(!text.contains(secret.as_str()), "{secret} leaked");
    }
}
