//! The case projection on crafted event sequences: each rule fires on its breach and stays
//! silent on a clean case.

use std::collections::BTreeMap;

use super::case::*;
use super::catalog::ItemFacts;
use super::deadline::{Level, Scope};
use super::fixtures::*;
use super::rules;
use super::terms::{Actor, Stage};

#[test]
fn a_clean_case_breaks_no_rule_and_closes_every_watch() {
    let mut run = Run::new();
    run.clean();
    assert!(run.hits.is_empty(), "{:?}", run.hits);
    assert!(run.watches.is_empty());
    assert_eq!(run.record.state, CaseState::Concluded);
    assert_eq!(run.record.office_id, "office1");
    assert!(!run.record.late);
    // The review stage was due 4 March and completed on the 3rd: its early warning fell
    // due on the 3rd itself and is the only warning of the case.
    assert_eq!(
        run.issued,
        [(Scope::Stage(Stage::Review), Level::Early, d(3, 3))]
    );
    assert!(run.closed.contains(&"case:c1".to_string()));
}

#[test]
fn intake_refused_without_a_legal_basis_is_a_violation() {
    let mut run = Run::new();
    run.submit();
    run.feed(
        d(3, 3),
        clerk(),
        CaseFact::IntakeRefused {
            reason_given: true,
            legal_basis_given: false,
        },
        "intake_refused",
    );
    assert_eq!(run.rules(), [rules::INTAKE_REFUSED_WITHOUT_BASIS]);
    let mut fine = Run::new();
    fine.submit();
    fine.feed(
        d(3, 3),
        clerk(),
        CaseFact::IntakeRefused {
            reason_given: true,
            legal_basis_given: true,
        },
        "intake_refused",
    );
    assert!(fine.hits.is_empty());
}

#[test]
fn accepting_without_a_required_material_is_a_violation() {
    let mut run = Run::new();
    run.submit();
    run.accept(&["m2"]);
    assert_eq!(run.rules(), [rules::REQUIRED_MATERIAL_MISSING]);
}

#[test]
fn a_case_on_a_version_not_in_force_is_a_violation() {
    let mut run = Run::new();
    run.item = Some(ItemFacts {
        valid_until: Some(d(2, 1)),
        ..item()
    });
    run.submit();
    assert_eq!(run.rules(), [rules::ITEM_VERSION_NOT_IN_FORCE]);
    // Without any word from the catalog, supervision cannot tell and stays silent.
    let mut unknown = Run::new();
    unknown.item = None;
    unknown.submit();
    assert!(unknown.hits.is_empty());
}

#[test]
fn skipping_the_decision_is_a_violation() {
    let mut run = Run::new();
    run.submit();
    run.accept(&["m1"]);
    run.complete(d(3, 3), clerk(), Stage::Review, Some(Stage::Conclude));
    run.conclude(d(3, 5));
    assert_eq!(run.hits, [(rules::STAGE_SKIPPED, "decide".to_string())]);
}

#[test]
fn a_stage_completed_by_the_wrong_role_or_department_is_a_violation() {
    let mut run = Run::new();
    run.submit();
    run.accept(&["m1"]);
    run.complete(d(3, 3), clerk(), Stage::Review, Some(Stage::Decide));
    let outsider = Actor {
        department_id: "swj".into(),
        ..clerk()
    };
    run.complete(d(3, 4), outsider, Stage::Decide, Some(Stage::Conclude));
    assert_eq!(
        run.hits,
        [
            (rules::STAGE_BY_WRONG_ROLE, "decide".to_string()),
            (rules::STAGE_OUTSIDE_DEPARTMENT, "decide".to_string())
        ]
    );
}

#[test]
fn fees_off_the_standard_or_on_a_free_item_are_violations() {
    let fee = |id: &str, amount: i64| ChargedFee {
        fee_id: id.into(),
        amount_fen: amount,
        standard_amount_fen: amount,
        deviates: false,
        on_free_item: false,
    };
    let mut run = Run::new();
    run.submit();
    run.accept(&["m1"]);
    // The cases service reported no deviation; the catalog's standard says otherwise.
    run.feed(
        d(3, 3),
        clerk(),
        CaseFact::FeesCharged {
            fees: vec![fee("f1", 6000)],
            free_of_charge: false,
        },
        "fees_charged",
    );
    assert_eq!(
        run.hits,
        [(rules::FEE_DEVIATES_FROM_STANDARD, "f1".to_string())]
    );

    let mut free = Run::new();
    free.item = Some(ItemFacts {
        free_of_charge: true,
        fees: BTreeMap::new(),
        ..item()
    });
    free.feed(
        d(3, 3),
        clerk(),
        CaseFact::FeesCharged {
            fees: vec![fee("f9", 100)],
            free_of_charge: false,
        },
        "fees_charged",
    );
    assert_eq!(free.rules(), [rules::FEE_ON_FREE_ITEM]);

    let mut right = Run::new();
    right.feed(
        d(3, 3),
        clerk(),
        CaseFact::FeesCharged {
            fees: vec![fee("f1", 5000)],
            free_of_charge: false,
        },
        "fees_charged",
    );
    assert!(right.hits.is_empty());
}

#[test]
fn a_suspension_overrunning_or_repeated_is_a_violation_with_its_start_as_evidence() {
    let mut run = Run::new();
    run.submit();
    run.accept(&["m1"]);
    let start = |run: &mut Run, on| {
        run.feed(
            on,
            approver(),
            CaseFact::SuspensionStarted {
                procedure: "expert_review".into(),
                declared_days: 2,
                stage: Some(Stage::Review),
            },
            "suspension_started",
        )
    };
    let end = |run: &mut Run, on, days| {
        run.feed(
            on,
            approver(),
            CaseFact::SuspensionEnded {
                declared_days: 2,
                working_days: days,
                deadlines: deadlines(d(3, 12)),
                stage: None,
            },
            "suspension_ended",
        )
    };
    start(&mut run, d(3, 3));
    let fx = end(&mut run, d(3, 6), 3);
    assert_eq!(fx.hits[0].rule, rules::SUSPENSION_OVERRAN);
    let seqs: Vec<i64> = fx.hits[0].evidence.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [3, 4]);
    let fx = start(&mut run, d(3, 9));
    assert_eq!(fx.hits[0].rule, rules::SUSPENSION_REPEATED);
    assert_eq!(fx.hits[0].evidence.len(), 2);
}

#[test]
fn concluding_late_is_a_violation_by_supervisions_own_dates() {
    let mut run = Run::new();
    run.submit();
    run.accept(&["m1"]);
    run.complete(d(3, 3), clerk(), Stage::Review, Some(Stage::Decide));
    run.complete(d(3, 4), approver(), Stage::Decide, Some(Stage::Conclude));
    // The event says on time; the record says due 9 March.
    run.conclude(d(3, 11));
    assert_eq!(run.rules(), [rules::CONCLUDED_AFTER_PROMISED_LIMIT]);
    assert!(run.record.late);
}

#[test]
fn concluding_after_the_statutory_due_date_is_the_graver_violation() {
    let mut run = Run::new();
    run.submit();
    run.accept(&["m1"]);
    run.complete(d(3, 3), clerk(), Stage::Review, Some(Stage::Decide));
    run.complete(d(3, 4), approver(), Stage::Decide, Some(Stage::Conclude));
    // Latest (statutory) due date 31 March: concluded on 1 April, and only the graver rule.
    run.conclude(d(4, 1));
    assert_eq!(run.rules(), [rules::CONCLUDED_AFTER_STATUTORY_LIMIT]);
    assert!(run.record.late);
}

#[test]
fn a_denial_without_its_reason_or_legal_basis_is_a_violation() {
    for (reason_given, legal_basis_given, breach) in [
        (false, true, true),
        (true, false, true),
        (false, false, true),
        (true, true, false),
    ] {
        let mut run = Run::new();
        run.submit();
        run.accept(&["m1"]);
        run.complete(d(3, 3), clerk(), Stage::Review, Some(Stage::Decide));
        run.complete(d(3, 4), approver(), Stage::Decide, Some(Stage::Conclude));
        run.conclude_as(
            d(3, 5),
            OutcomeKind::Denied,
            reason_given,
            legal_basis_given,
        );
        let expected: &[&str] = if breach {
            &[rules::DENIED_WITHOUT_BASIS]
        } else {
            &[]
        };
        assert_eq!(
            run.rules(),
            expected,
            "reason {reason_given}, basis {legal_basis_given}"
        );
    }
}

#[test]
fn a_second_notice_naming_what_the_first_could_have_is_a_violation() {
    let mut run = Run::new();
    run.submit();
    let notice = |n, late: Vec<String>| CaseFact::SupplementRequested {
        notice_number: n,
        late_named: late,
    };
    run.feed(d(3, 2), clerk(), notice(1, vec![]), "supplement_requested");
    run.feed(
        d(3, 3),
        clerk(),
        CaseFact::Resubmitted {
            material_ids: vec!["m1".into()],
        },
        "resubmitted",
    );
    run.feed(
        d(3, 4),
        clerk(),
        notice(2, vec!["m1".into()]),
        "supplement_requested",
    );
    assert_eq!(
        run.hits,
        [(rules::ONE_TIME_NOTICE_BREACHED, "2".to_string())]
    );
}

#[test]
fn a_disabled_rule_stays_silent() {
    let mut run = Run::new();
    run.settings.disabled = vec![rules::REQUIRED_MATERIAL_MISSING.into()];
    run.submit();
    run.accept(&[]);
    assert!(run.hits.is_empty());
}

#[test]
fn extending_beyond_the_items_maximum_is_a_violation() {
    let mut run = Run::new();
    run.submit();
    run.accept(&["m1"]);
    let extend = |total| CaseFact::ExtensionApproved {
        days: 3,
        total_days: total,
        max_days: 10,
        deadlines: deadlines(d(3, 12)),
    };
    // The cases service allows ten days; the catalog's version allows five.
    run.feed(d(3, 4), approver(), extend(3), "extension_approved");
    assert!(run.hits.is_empty());
    run.feed(d(3, 5), approver(), extend(6), "extension_approved");
    assert_eq!(run.rules(), [rules::EXTENSION_BEYOND_MAXIMUM]);
}
