//! Properties of the state machine over random command sequences by random actors: closed
//! cases never change, no case concludes without its stages, and the records stay sound.

use chrono::{Days, NaiveDate};
use onewindow_kit::calendar::Calendar;
use proptest::prelude::*;

use super::case::{Case, Conclusion, StageState, SupplementItem};
use super::command::{Actor, Command, FeeCharge};
use super::decide::decide;
use super::error::CaseError;
use super::event::DomainEvent;
use super::fixtures::*;
use super::terms::{SpecialProcedure, Stage};

type Step = (u8, u8, u8, u8);

fn command(cmd: u8, variant: u8, n: usize, case: &Case) -> Command {
    let v = usize::from(variant);
    let material = ["m1", "m2", "m3", "m4"][v % 4];
    let conclusion = if v % 3 == 0 {
        Conclusion::Denied {
            reason: "不符合条件".into(),
            legal_basis: "第十条".into(),
        }
    } else {
        Conclusion::Approved {
            result_reference: format!("R-{n}"),
        }
    };
    match cmd % 16 {
        // The next step of the happy path, so that long runs reach the later states.
        13..=15 => next_step(case, conclusion),
        0 => Command::Accept {
            note: String::new(),
        },
        1 => Command::RefuseIntake {
            reason: if v % 2 == 0 {
                "不予受理".into()
            } else {
                String::new()
            },
            legal_basis: "第三十二条".into(),
        },
        2 => Command::RequestSupplement {
            items: vec![SupplementItem {
                material_id: material.into(),
                problem: "缺失".into(),
            }],
        },
        3 => Command::Resubmit {
            materials: vec![file(material, u32::try_from(n).unwrap_or(0) + 1)],
        },
        4 => Command::ConcludeImmediately {
            conclusion,
            opinion: String::new(),
        },
        5 => Command::CompleteStage {
            stage: Stage::ALL[v % 4],
            opinion: "同意".into(),
        },
        6 => Command::StartSuspension {
            procedure: SpecialProcedure::ALL[v % 6],
            reason: "特别程序".into(),
            declared_days: 1 + u32::from(variant % 5),
        },
        7 => Command::EndSuspension {
            note: String::new(),
        },
        8 => Command::ApproveExtension {
            days: u32::from(variant % 8),
            reason: "延期".into(),
        },
        9 => Command::Conclude {
            conclusion,
            opinion: String::new(),
        },
        10 => Command::Withdraw {
            reason: String::new(),
        },
        11 => Command::ChargeFees {
            fees: vec![FeeCharge {
                fee_id: "f1".into(),
                amount_fen: 500 * i64::from(variant % 4),
            }],
        },
        _ => Command::RecordPayment {
            payment_reference: "PAY".into(),
            amount_fen: if v % 4 == 0 { 1 } else { case.unpaid_fen() },
        },
    }
}

fn next_step(case: &Case, conclusion: Conclusion) -> Command {
    use super::case::CaseState as S;
    match (case.state, case.current_stage().map(|s| s.stage)) {
        (S::Submitted, _) if case.terms.is_immediate() => Command::ConcludeImmediately {
            conclusion,
            opinion: String::new(),
        },
        (S::Submitted, _) => Command::Accept {
            note: String::new(),
        },
        (S::SupplementRequested, _) => Command::Resubmit {
            materials: vec![file("m1", 9), file("m2", 9)],
        },
        (S::InProgress, _) if case.open_suspension().is_some() => Command::EndSuspension {
            note: String::new(),
        },
        (S::InProgress, Some(stage)) if stage != Stage::Conclude => Command::CompleteStage {
            stage,
            opinion: "同意".into(),
        },
        _ => Command::Conclude {
            conclusion,
            opinion: String::new(),
        },
    }
}

/// Mostly the actor the step calls for, sometimes someone who may not act.
fn actor(who: u8, command: &Command, case: &Case) -> Actor {
    match who % 12 {
        0 => clerk(),
        1 => approver(),
        2 => applicant(),
        3 => other_applicant(),
        4 => other_clerk(),
        5 => supervisor(),
        6 => cashier(),
        _ => actor_for(command, case),
    }
}

fn start(which: u8) -> Case {
    match which % 4 {
        0 | 1 => submitted(),
        2 => submit_online(promised_terms(), &["m3"]),
        _ => submit_online(immediate_terms(), &["m1"]),
    }
}

struct Outcome {
    before: Case,
    result: Result<(Case, Vec<DomainEvent>), CaseError>,
}

/// Runs the steps, keeping the case after each successful one.
fn run(first: u8, steps: &[Step]) -> Vec<Outcome> {
    let calendar = Calendar::official();
    let mut case = start(first);
    let mut today: NaiveDate = monday();
    let mut outcomes = Vec::new();
    for (n, &(cmd, who, variant, days)) in steps.iter().enumerate() {
        today = today + Days::new(u64::from(days % 3));
        let command = command(cmd, variant, n, &case);
        let actor = actor(who, &command, &case);
        let result = decide(
            &case,
            command,
            Some(case.revision),
            &actor,
            today,
            instant(today),
            &calendar,
        );
        if let Ok((next, _)) = &result {
            let next = next.clone();
            outcomes.push(Outcome {
                before: case,
                result,
            });
            case = next;
        } else {
            outcomes.push(Outcome {
                before: case.clone(),
                result,
            });
        }
    }
    outcomes
}

fn steps() -> impl Strategy<Value = (u8, Vec<Step>)> {
    (any::<u8>(), prop::collection::vec(any::<Step>(), 1..60))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_commands_never_change_a_closed_case((first, steps) in steps()) {
        for o in run(first, &steps) {
            if o.before.is_closed() {
                prop_assert!(
                    matches!(
                        o.result,
                        Err(CaseError::IllegalTransition { .. } | CaseError::PermissionDenied(_))
                    ),
                    "a closed case accepted a command: {:?}",
                    o.result
                );
            }
        }
    }

    #[test]
    fn no_case_concludes_without_its_stages((first, steps) in steps()) {
        for o in run(first, &steps) {
            let Ok((next, _)) = &o.result else { continue };
            if next.state != super::case::CaseState::Concluded {
                continue;
            }
            let outcome = next.outcome.as_ref().expect("a concluded case has an outcome");
            if outcome.immediate {
                prop_assert!(next.terms.is_immediate());
                continue;
            }
            prop_assert!(!next.terms.is_immediate());
            for stage in o.before.stages.iter().filter(|s| s.stage != Stage::Conclude) {
                prop_assert_eq!(stage.state, StageState::Completed, "{:?} was not done", stage.stage);
            }
            prop_assert!(next.stages.iter().all(|s| s.state == StageState::Completed));
            prop_assert_eq!(next.stages.len(), next.terms.steps.len());
        }
    }

    #[test]
    fn every_transition_keeps_the_records_sound((first, steps) in steps()) {
        for o in run(first, &steps) {
            let Ok((next, events)) = &o.result else { continue };
            prop_assert_eq!(next.revision, o.before.revision + 1);
            prop_assert!(!events.is_empty());
            prop_assert!(next.suspensions.iter().filter(|s| s.is_open()).count() <= 1);
            prop_assert!(next.extension_days() <= next.terms.max_extension_days);
            // Stages run in order: completed ones, at most one active, then pending ones.
            let order: Vec<u8> = next.stages.iter().map(|s| match s.state {
                StageState::Completed => 0,
                StageState::Active => 1,
                StageState::Pending => 2,
            }).collect();
            prop_assert!(order.windows(2).all(|w| w[0] <= w[1]), "{:?}", order);
            prop_assert!(order.iter().filter(|s| **s == 1).count() <= 1);
            if let (Some(before), Some(after)) = (&o.before.deadlines, &next.deadlines) {
                // Nothing a case goes through brings its due dates earlier.
                prop_assert!(after.planned_due_date >= before.planned_due_date);
                prop_assert!(after.latest_due_date >= before.latest_due_date);
            }
        }
    }
}

/// The runs above are only worth something if they reach the later states; this pins
/// that the generator gets there often enough.
#[test]
fn random_runs_reach_every_state() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    use std::collections::HashSet;
    let mut runner = TestRunner::deterministic();
    let mut seen = HashSet::new();
    let mut concluded_through_stages = 0;
    for _ in 0..300 {
        let (first, steps) = steps().new_tree(&mut runner).expect("tree").current();
        for o in run(first, &steps) {
            if let Ok((next, _)) = &o.result {
                seen.insert(next.state);
                if next.outcome.as_ref().is_some_and(|x| !x.immediate) {
                    concluded_through_stages += 1;
                }
            }
        }
    }
    assert_eq!(seen.len(), super::case::CaseState::ALL.len(), "{seen:?}");
    assert!(concluded_through_stages > 20, "{concluded_through_stages}");
}
