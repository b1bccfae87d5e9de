//! Properties of the warnings over random case lives fed through the projection: each
//! (case or stage, level) is issued at most once and in level order, never while the clock
//! is stopped, never after its deadline closed; every watch is closed when the case ends.

use std::collections::{HashMap, HashSet};

use chrono::{Days, NaiveDate};
use proptest::prelude::*;

use super::case::*;
use super::deadline::{Level, Scope};
use super::fixtures::*;
use super::projection::Effects;
use super::terms::Stage;

#[derive(Debug, Clone, Copy)]
enum Op {
    PassDays(u8),
    Accept { due_in: u8, stage_due_in: u8 },
    RefuseIntake,
    Supplement,
    Resubmit,
    CompleteStage { next_due_in: u8 },
    Suspend,
    EndSuspension { moved_by: u8 },
    Extend { days: u8 },
    Conclude,
    Withdraw,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0u8..12).prop_map(Op::PassDays),
        3 => (0u8..15, 0u8..6).prop_map(|(due_in, stage_due_in)| Op::Accept { due_in, stage_due_in }),
        1 => Just(Op::RefuseIntake),
        1 => Just(Op::Supplement),
        1 => Just(Op::Resubmit),
        4 => (0u8..6).prop_map(|next_due_in| Op::CompleteStage { next_due_in }),
        1 => Just(Op::Suspend),
        1 => (0u8..10).prop_map(|moved_by| Op::EndSuspension { moved_by }),
        1 => (0u8..5).prop_map(|days| Op::Extend { days }),
        1 => Just(Op::Conclude),
        1 => Just(Op::Withdraw),
    ]
}

/// Where the case is, as the cases service would see it: only facts it could emit are fed.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Life {
    Submitted,
    Supplement,
    InProgress { stage: usize, suspended: bool },
    Ended,
}

const STAGES: [Stage; 4] = Stage::ALL;

fn plus(d: NaiveDate, n: u8) -> NaiveDate {
    d + Days::new(u64::from(n))
}

struct Fed {
    fact: &'static str,
    suspended_before: bool,
    fx: Effects,
}

/// Feeds a case life built from `ops`; returns each event's effects and the run.
fn live(ops: &[Op]) -> (Vec<Fed>, Run, Life) {
    let mut run = Run::new();
    let mut on = d(3, 2);
    let mut life = Life::Submitted;
    let mut planned = on;
    let mut fed = Vec::new();
    run.submit();
    let deadlines = |planned: NaiveDate| Deadlines {
        planned_due: Some(planned),
        latest_due: Some(plus(planned, 20)),
        ..deadlines(planned)
    };
    for op in ops {
        let (fact, kind, next): (CaseFact, &'static str, Life) = match (*op, life) {
            (Op::PassDays(n), _) => {
                on = plus(on, n);
                continue;
            }
            (
                Op::Accept {
                    due_in,
                    stage_due_in,
                },
                Life::Submitted,
            ) => {
                planned = plus(on, due_in);
                (
                    CaseFact::Accepted {
                        deadlines: deadlines(planned),
                        stages: vec![StageDeadline {
                            stage: Stage::Review,
                            started_on: Some(on),
                            due: Some(plus(on, stage_due_in)),
                        }],
                        material_ids: vec!["m1".into()],
                        window_fully_authorized: true,
                        immediate: false,
                    },
                    "accepted",
                    Life::InProgress {
                        stage: 1,
                        suspended: false,
                    },
                )
            }
            (Op::RefuseIntake, Life::Submitted) => (
                CaseFact::IntakeRefused {
                    reason_given: true,
                    legal_basis_given: true,
                },
                "intake_refused",
                Life::Ended,
            ),
            (Op::Supplement, Life::Submitted) => (
                CaseFact::SupplementRequested {
                    notice_number: 1,
                    late_named: Vec::new(),
                },
                "supplement_requested",
                Life::Supplement,
            ),
            (Op::Resubmit, Life::Supplement) => (
                CaseFact::Resubmitted {
                    material_ids: vec!["m1".into()],
                },
                "resubmitted",
                Life::Submitted,
            ),
            (
                Op::CompleteStage { next_due_in },
                Life::InProgress {
                    stage,
                    suspended: false,
                },
            ) if stage + 1 < STAGES.len() => (
                CaseFact::StageCompleted {
                    stage: STAGES[stage],
                    handler_role: None,
                    due: None,
                    late: false,
                    next: Some(StageDeadline {
                        stage: STAGES[stage + 1],
                        started_on: Some(on),
                        due: Some(plus(on, next_due_in)),
                    }),
                },
                "stage_completed",
                Life::InProgress {
                    stage: stage + 1,
                    suspended: false,
                },
            ),
            (
                Op::Suspend,
                Life::InProgress {
                    stage,
                    suspended: false,
                },
            ) => (
                CaseFact::SuspensionStarted {
                    procedure: "hearing".into(),
                    declared_days: 5,
                    stage: Some(STAGES[stage]),
                },
                "suspension_started",
                Life::InProgress {
                    stage,
                    suspended: true,
                },
            ),
            (
                Op::EndSuspension { moved_by },
                Life::InProgress {
                    stage,
                    suspended: true,
                },
            ) => {
                planned = plus(planned, moved_by);
                (
                    CaseFact::SuspensionEnded {
                        declared_days: 5,
                        working_days: u32::from(moved_by),
                        deadlines: deadlines(planned),
                        stage: Some(StageDeadline {
                            stage: STAGES[stage],
                            started_on: None,
                            due: Some(plus(on, moved_by)),
                        }),
                    },
                    "suspension_ended",
                    Life::InProgress {
                        stage,
                        suspended: false,
                    },
                )
            }
            (Op::Extend { days }, Life::InProgress { .. }) => {
                planned = plus(planned, days);
                (
                    CaseFact::ExtensionApproved {
                        days: u32::from(days),
                        total_days: u32::from(days),
                        max_days: 30,
                        deadlines: deadlines(planned),
                    },
                    "extension_approved",
                    life,
                )
            }
            (
                Op::Conclude,
                Life::InProgress {
                    stage: 3,
                    suspended: false,
                },
            ) => (
                CaseFact::Concluded {
                    outcome: Some(OutcomeKind::Approved),
                    reason_given: false,
                    legal_basis_given: false,
                    immediate: false,
                    deadlines: deadlines(planned),
                    late: on > planned,
                    past_statutory_limit: false,
                    working_days_used: 3,
                    fees: vec![],
                },
                "concluded",
                Life::Ended,
            ),
            (Op::Withdraw, Life::Submitted | Life::Supplement | Life::InProgress { .. }) => {
                (CaseFact::Withdrawn, "withdrawn", Life::Ended)
            }
            _ => continue,
        };
        let suspended_before = matches!(
            life,
            Life::InProgress {
                suspended: true,
                ..
            }
        );
        let actor = if matches!(kind, "concluded" | "extension_approved") {
            approver()
        } else {
            clerk()
        };
        let fx = run.feed(on, actor, fact, kind);
        fed.push(Fed {
            fact: kind,
            suspended_before,
            fx,
        });
        life = next;
    }
    (fed, run, life)
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(op(), 1..50)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn each_subject_and_level_is_warned_at_most_once_in_order(ops in ops()) {
        let (fed, _, _) = live(&ops);
        let mut seen = HashSet::new();
        let mut highest: HashMap<String, Level> = HashMap::new();
        for f in &fed {
            for due in &f.fx.due {
                let key = due.watch.subject_key();
                prop_assert!(seen.insert((key.clone(), due.level)), "{} {:?} twice", key, due.level);
                if let Some(before) = highest.get(&key) {
                    prop_assert!(due.level > *before, "{key}: {:?} after {:?}", due.level, before);
                }
                highest.insert(key, due.level);
            }
        }
    }

    #[test]
    fn nothing_falls_due_while_suspended_or_after_closing(ops in ops()) {
        let (fed, _, _) = live(&ops);
        let mut closed: HashSet<String> = HashSet::new();
        for f in &fed {
            if f.suspended_before {
                prop_assert!(f.fx.due.is_empty(), "due while suspended, at {}", f.fact);
            }
            for due in &f.fx.due {
                prop_assert!(!closed.contains(&due.watch.subject_key()), "due after closing");
            }
            closed.extend(f.fx.closed.iter().map(|c| c.subject_key.clone()));
        }
    }

    #[test]
    fn every_watch_is_closed_when_the_case_ends(ops in ops()) {
        let (fed, run, life) = live(&ops);
        let opened: HashSet<String> = run.watches.iter().map(|w| w.subject_key()).collect();
        if life == Life::Ended {
            prop_assert!(run.watches.is_empty(), "left open: {:?}", opened);
            let closed: HashSet<String> = fed.iter()
                .flat_map(|f| f.fx.closed.iter().map(|c| c.subject_key.clone()))
                .collect();
            for f in &fed {
                for due in &f.fx.due {
                    prop_assert!(closed.contains(&due.watch.subject_key()));
                }
            }
        }
        // A completed stage's watch is closed with it.
        for f in fed.iter().filter(|f| f.fact == "stage_completed") {
            prop_assert!(f.fx.closed.iter().any(|c| c.reason == "completed"));
        }
    }
}

/// The lives above are only worth something if warnings of every level come out of them.
#[test]
fn random_lives_reach_every_level_and_both_scopes() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut levels = HashSet::new();
    let mut scopes = HashSet::new();
    for _ in 0..300 {
        let ops = ops().new_tree(&mut runner).expect("tree").current();
        let (fed, _, _) = live(&ops);
        for due in fed.iter().flat_map(|f| &f.fx.due) {
            levels.insert(due.level);
            scopes.insert(matches!(due.watch.scope, Scope::Case));
        }
    }
    assert_eq!(levels.len(), 3, "{levels:?}");
    assert_eq!(scopes.len(), 2);
}
