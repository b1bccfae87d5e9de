//! The rules after acceptance: stages, suspensions, extensions, fees, conclusion and
//! withdrawal.

use onewindow_kit::calendar::Calendar;

use super::case::{CaseState, Conclusion, StageState};
use super::command::{Command, FeeCharge};
use super::decide::decide;
use super::error::CaseError;
use super::event::CaseFact;
use super::fixtures::*;
use super::terms::{SpecialProcedure, Stage};

fn charge(fee_id: &str, amount_fen: i64) -> Command {
    Command::ChargeFees {
        fees: vec![FeeCharge {
            fee_id: fee_id.into(),
            amount_fen,
        }],
    }
}

fn pay(amount_fen: i64) -> Command {
    Command::RecordPayment {
        payment_reference: "PAY-20260305-001".into(),
        amount_fen,
    }
}

fn precondition(result: Result<impl std::fmt::Debug, CaseError>) -> String {
    match result {
        Err(CaseError::Precondition { reason, .. }) => reason,
        other => panic!("expected a precondition, got {other:?}"),
    }
}

#[test]
fn a_case_goes_through_its_stages_fees_and_conclusion() {
    let case = ok(&at_conclude(), charge("f1", 1_000), date(2026, 3, 5));
    let case = ok(&case, pay(1_000), date(2026, 3, 5));
    let (case, events) = apply(&case, approve(), date(2026, 3, 5)).unwrap();
    assert_eq!(case.state, CaseState::Concluded);
    assert!(case.stages.iter().all(|s| s.state == StageState::Completed));
    let kinds: Vec<&str> = case.timeline.iter().map(|t| t.action.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "submit",
            "accept",
            "complete_stage",
            "complete_stage",
            "charge_fees",
            "record_payment",
            "conclude"
        ]
    );
    match &events[0].fact {
        CaseFact::Concluded {
            late,
            working_days_used,
            fees,
            ..
        } => {
            assert!(!late);
            // Accepted Monday 2 March, concluded Thursday the 5th.
            assert_eq!(*working_days_used, 3);
            assert_eq!(
                fees[0].payment_reference.as_deref(),
                Some("PAY-20260305-001")
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        events[0].context.actor.role,
        onewindow_kit::auth::Role::Approver
    );
}

#[test]
fn stages_complete_in_order_by_the_role_their_step_names() {
    let case = in_review();
    let reason = precondition(apply(&case, opinion(Stage::Decide), monday()));
    assert!(reason.contains("current stage is review"), "{reason}");
    let reason = precondition(apply(&case, opinion(Stage::Accept), monday()));
    assert!(reason.contains("accepting"), "{reason}");
    let no_opinion = Command::CompleteStage {
        stage: Stage::Review,
        opinion: " ".into(),
    };
    assert!(matches!(
        apply(&case, no_opinion, monday()),
        Err(CaseError::Invalid(_))
    ));

    // Decide is an approver's: the clerk of the same department may not.
    let at_decide = ok(&case, opinion(Stage::Review), date(2026, 3, 3));
    let result = decide(
        &at_decide,
        opinion(Stage::Decide),
        None,
        &clerk(),
        date(2026, 3, 4),
        instant(date(2026, 3, 4)),
        &Calendar::official(),
    );
    assert!(
        matches!(result, Err(CaseError::PermissionDenied(_))),
        "{result:?}"
    );
}

#[test]
fn a_stage_completed_after_its_due_date_is_late_while_the_case_is_not() {
    // Review is due Thursday 5 March; completed Monday the 9th, the case due the 16th.
    let (case, events) = apply(&in_review(), opinion(Stage::Review), date(2026, 3, 9)).unwrap();
    match &events[0].fact {
        CaseFact::StageCompleted {
            late,
            due_date,
            next,
            ..
        } => {
            assert!(late);
            assert_eq!(*due_date, date(2026, 3, 5));
            let next = next.as_ref().unwrap();
            assert_eq!(
                (next.stage, next.due_date),
                (Stage::Decide, date(2026, 3, 12))
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    let standing = case
        .standing(date(2026, 3, 9), &Calendar::official(), 2)
        .unwrap()
        .unwrap();
    assert_eq!(standing.warning, super::deadline::WarningLevel::Normal);
}

#[test]
fn a_suspension_moves_case_and_stage_deadlines_by_its_working_days() {
    // Inspection from Tuesday 3 March to Tuesday the 10th: five working days.
    let (case, events) = apply(
        &suspended(),
        Command::EndSuspension {
            note: "核查完毕".into(),
        },
        date(2026, 3, 10),
    )
    .unwrap();
    let s = &case.suspensions[0];
    assert_eq!((s.working_days, s.ended_on), (5, Some(date(2026, 3, 10))));
    let d = case.deadlines.clone().unwrap();
    assert_eq!(d.suspended_days, 5);
    assert_eq!(d.planned_due_date, date(2026, 3, 23));
    let review = case.current_stage().unwrap();
    assert_eq!(
        (review.suspended_days, review.due_date),
        (5, Some(date(2026, 3, 12)))
    );
    match &events[0].fact {
        CaseFact::SuspensionEnded {
            declared_days,
            working_days,
            stage,
            ..
        } => {
            assert_eq!((*declared_days, *working_days), (3, 5));
            assert_eq!(stage.as_ref().unwrap().due_date, date(2026, 3, 12));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_suspension_only_for_an_allowed_procedure_and_one_at_a_time() {
    let expert = Command::StartSuspension {
        procedure: SpecialProcedure::ExpertReview,
        reason: "专家论证".into(),
        declared_days: 5,
    };
    let reason = precondition(apply(&in_review(), expert.clone(), monday()));
    assert!(reason.contains("does not allow"), "{reason}");
    let hearing = Command::StartSuspension {
        procedure: SpecialProcedure::Hearing,
        reason: "听证".into(),
        declared_days: 5,
    };
    let reason = precondition(apply(&suspended(), hearing, date(2026, 3, 4)));
    assert!(reason.contains("inspection suspension is open"), "{reason}");
    let too_long = Command::StartSuspension {
        procedure: SpecialProcedure::Hearing,
        reason: "听证".into(),
        declared_days: 0,
    };
    assert!(matches!(
        apply(&in_review(), too_long, monday()),
        Err(CaseError::Invalid(_))
    ));
}

#[test]
fn extensions_stay_within_the_item_maximum() {
    let extend = |days| Command::ApproveExtension {
        days,
        reason: "情况复杂".into(),
    };
    let case = ok(&in_review(), extend(6), monday());
    assert_eq!(
        case.deadlines.as_ref().unwrap().planned_due_date,
        date(2026, 3, 24)
    );
    let reason = precondition(apply(&case, extend(5), monday()));
    assert!(reason.contains("total 11"), "{reason}");
    let case = ok(&case, extend(4), monday());
    assert_eq!(case.extension_days(), 10);

    let mut terms = promised_terms();
    terms.max_extension_days = 0;
    let strict = ok(
        &submit_online(terms, &["m1", "m2"]),
        Command::Accept {
            note: String::new(),
        },
        monday(),
    );
    let reason = precondition(apply(&strict, extend(1), monday()));
    assert!(reason.contains("no extension"), "{reason}");
}

#[test]
fn an_approval_waits_for_payment_and_a_denial_needs_its_grounds() {
    let charged = ok(&at_conclude(), charge("f1", 1_000), date(2026, 3, 5));
    let reason = precondition(apply(&charged, approve(), date(2026, 3, 5)));
    assert!(reason.contains("1000 fen"), "{reason}");
    // A denial is not held up by fees.
    let deny_cmd = Command::Conclude {
        conclusion: deny(),
        opinion: String::new(),
    };
    let (denied, events) = apply(&charged, deny_cmd, date(2026, 3, 5)).unwrap();
    assert_eq!(denied.state, CaseState::Concluded);
    match &events[0].fact {
        CaseFact::Concluded {
            reason_given,
            legal_basis_given,
            ..
        } => {
            assert!(*reason_given && *legal_basis_given);
        }
        other => panic!("unexpected {other:?}"),
    }
    let bare = Command::Conclude {
        conclusion: Conclusion::Denied {
            reason: String::new(),
            legal_basis: String::new(),
        },
        opinion: String::new(),
    };
    match apply(&at_conclude(), bare, date(2026, 3, 5)) {
        Err(CaseError::Invalid(v)) => assert_eq!(v.as_slice().len(), 2),
        other => panic!("expected invalid, got {other:?}"),
    }
}

#[test]
fn fees_are_charged_against_fee_items_once_and_deviations_are_flagged() {
    let case = in_review();
    assert!(matches!(
        apply(&case, charge("f9", 1_000), monday()),
        Err(CaseError::Invalid(_))
    ));
    assert!(matches!(
        apply(&case, charge("f1", -1), monday()),
        Err(CaseError::Invalid(_))
    ));
    let twice = Command::ChargeFees {
        fees: vec![
            FeeCharge {
                fee_id: "f1".into(),
                amount_fen: 1_000,
            },
            FeeCharge {
                fee_id: "f1".into(),
                amount_fen: 1_000,
            },
        ],
    };
    assert!(matches!(
        apply(&case, twice, monday()),
        Err(CaseError::Invalid(_))
    ));

    let (charged, events) = apply(&case, charge("f1", 1_500), monday()).unwrap();
    let fee = &charged.fees[0];
    assert_eq!(
        (fee.name.as_str(), fee.amount_fen, fee.standard_amount_fen),
        ("工本费", 1_500, 1_000)
    );
    assert!(fee.deviates_from_standard && !fee.on_free_item);
    match &events[0].fact {
        CaseFact::FeesCharged {
            total_fen,
            deviates_from_standard,
            ..
        } => {
            assert_eq!((*total_fen, *deviates_from_standard), (1_500, true));
        }
        other => panic!("unexpected {other:?}"),
    }
    let reason = precondition(apply(&charged, charge("f1", 1_000), monday()));
    assert!(reason.contains("charged once"), "{reason}");
    match apply(&charged, pay(1_000), monday()) {
        Err(CaseError::Invalid(v)) => assert!(v.to_string().contains("1500 fen")),
        other => panic!("expected invalid, got {other:?}"),
    }
    let paid = ok(&charged, pay(1_500), monday());
    let reason = precondition(apply(&paid, pay(1_500), monday()));
    assert!(reason.contains("already paid"), "{reason}");
}

#[test]
fn a_charge_lists_at_most_as_many_fees_as_an_item_may() {
    let many = Command::ChargeFees {
        fees: vec![
            FeeCharge {
                fee_id: "f1".into(),
                amount_fen: 1_000,
            };
            super::progress::MAX_FEES + 1
        ],
    };
    match apply(&in_review(), many, monday()) {
        Err(CaseError::Invalid(v)) => {
            assert_eq!(v.as_slice()[0].field, "fees");
            assert_eq!(v.as_slice()[0].description, "must hold at most 50 items");
        }
        other => panic!("expected invalid, got {other:?}"),
    }
}

#[test]
fn a_fee_on_a_version_marked_free_is_recorded_and_flagged() {
    let mut terms = promised_terms();
    terms.free_of_charge = true;
    let case = ok(
        &submit_online(terms, &["m1", "m2"]),
        Command::Accept {
            note: String::new(),
        },
        monday(),
    );
    let (charged, events) = apply(&case, charge("f1", 1_000), monday()).unwrap();
    assert!(charged.fees[0].on_free_item);
    assert!(!charged.fees[0].deviates_from_standard);
    assert!(matches!(
        &events[0].fact,
        CaseFact::FeesCharged {
            free_of_charge: true,
            ..
        }
    ));

    // Free as the catalog publishes it: no fee items, so nothing can be charged.
    let mut terms = promised_terms();
    terms.free_of_charge = true;
    terms.fees.clear();
    let case = ok(
        &submit_online(terms, &["m1", "m2"]),
        Command::Accept {
            note: String::new(),
        },
        monday(),
    );
    assert!(matches!(
        apply(&case, charge("f1", 1_000), monday()),
        Err(CaseError::Invalid(_))
    ));
}

#[test]
fn only_the_applicant_withdraws_and_an_open_suspension_ends_with_it() {
    let case = suspended();
    for actor in [clerk(), approver(), other_applicant()] {
        let result = decide(
            &case,
            Command::Withdraw {
                reason: String::new(),
            },
            None,
            &actor,
            date(2026, 3, 5),
            instant(date(2026, 3, 5)),
            &Calendar::official(),
        );
        assert!(
            matches!(result, Err(CaseError::PermissionDenied(_))),
            "{result:?}"
        );
    }
    let (gone, events) = apply(
        &case,
        Command::Withdraw {
            reason: "不再需要".into(),
        },
        date(2026, 3, 5),
    )
    .unwrap();
    assert_eq!(gone.state, CaseState::Withdrawn);
    assert_eq!(gone.suspensions[0].ended_on, Some(date(2026, 3, 5)));
    assert_eq!(gone.suspensions[0].working_days, 2);
    assert!(matches!(
        &events[0].fact,
        CaseFact::Withdrawn {
            from_state: CaseState::InProgress,
            ..
        }
    ));
}

#[test]
fn the_current_stage_standing_warns_before_the_case_does() {
    let case = in_review();
    let cal = Calendar::official();
    // Review is due Thursday 5 March: on Wednesday one working day is left.
    let (stage, s) = case
        .stage_standing(date(2026, 3, 4), &cal, 2)
        .unwrap()
        .unwrap();
    assert_eq!((stage, s.remaining_working_days), (Stage::Review, 1));
    assert_eq!(s.warning, super::deadline::WarningLevel::Yellow);
    let c = case.standing(date(2026, 3, 4), &cal, 2).unwrap().unwrap();
    assert_eq!(c.warning, super::deadline::WarningLevel::Normal);
    let late = case.standing(date(2026, 3, 17), &cal, 2).unwrap().unwrap();
    assert_eq!(late.warning, super::deadline::WarningLevel::Red);
    assert!(concluded()
        .standing(date(2026, 3, 17), &cal, 2)
        .unwrap()
        .is_none());
}
