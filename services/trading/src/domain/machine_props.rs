//! Properties of the project state machine over random command sequences at random times:
//! every change of state follows an edge of the allowed graph, a sealed bid or withdrawal
//! at or after the bid deadline is refused, and a closed project never changes.

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;

use super::fixtures::*;
use super::*;

use ProjectState as S;

/// The edges a project may take, by a command or by time (bidding starts, an auction
/// closes, an award becomes final).
fn edge(from: S, to: S) -> bool {
    matches!(
        (from, to),
        (S::Draft, S::Announced | S::Cancelled)
            | (S::Announced, S::Bidding | S::Cancelled)
            | (
                S::Bidding,
                S::Opened | S::Failed | S::Cancelled | S::AwardPublicized
            )
            | (S::Opened, S::Evaluating | S::Cancelled)
            | (S::Evaluating, S::AwardPublicized | S::Cancelled)
            | (
                S::AwardPublicized,
                S::Awarded | S::Cancelled | S::Evaluating
            )
            | (S::Awarded, S::Contracted)
    )
}

/// Whether `to` is `from` or follows it by at most `hops` edges: one decision may chain a
/// few (announcing once bidding has begun; an award publicized with no publicity period).
fn reachable(from: S, to: S, hops: usize) -> bool {
    from == to
        || (hops > 0
            && S::ALL
                .into_iter()
                .any(|mid| edge(from, mid) && reachable(mid, to, hops - 1)))
}

fn closed(state: S) -> bool {
    matches!(state, S::Failed | S::Cancelled | S::Contracted)
}

#[derive(Debug, Clone)]
enum Op {
    Announce,
    Amend { material: bool, later_hours: i64 },
    Cancel { blank: bool },
    SubmitBid { lot: u8 },
    WithdrawBid,
    Open { bidders: u32 },
    DrawExperts,
    Evaluate,
    Publicize,
    Object,
    Answer { upheld: bool },
    Contract,
    Tick,
    Advance { hours: i64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => Just(Op::Announce),
        1 => (any::<bool>(), -48i64..480).prop_map(|(material, later_hours)| Op::Amend {
            material,
            later_hours
        }),
        1 => any::<bool>().prop_map(|blank| Op::Cancel { blank }),
        3 => (0u8..3).prop_map(|lot| Op::SubmitBid { lot }),
        1 => Just(Op::WithdrawBid),
        2 => (0u32..6).prop_map(|bidders| Op::Open { bidders }),
        2 => Just(Op::DrawExperts),
        2 => Just(Op::Evaluate),
        2 => Just(Op::Publicize),
        1 => Just(Op::Object),
        1 => any::<bool>().prop_map(|upheld| Op::Answer { upheld }),
        2 => Just(Op::Contract),
        1 => Just(Op::Tick),
        4 => prop_oneof![0i64..48, 0i64..24 * 30].prop_map(|hours| Op::Advance { hours }),
    ]
}

fn command(op: &Op, p: &Project, now: DateTime<Utc>) -> Option<Command> {
    Some(match op {
        Op::Announce => Command::Announce,
        Op::Amend {
            material,
            later_hours,
        } => {
            let deadline = p.periods.bid_deadline + Duration::hours(*later_hours);
            Command::Amend(AmendmentInput {
                summary: "澄清".into(),
                material: *material,
                bid_deadline: material.then_some(deadline),
                opening_at: material.then_some(deadline + Duration::hours(1)),
                ..Default::default()
            })
        }
        Op::Cancel { blank } => Command::Cancel {
            reason: if *blank {
                " ".into()
            } else {
                "需求变更".into()
            },
        },
        Op::SubmitBid { lot } => Command::SubmitBid {
            lot_id: (lot + 1).to_string(),
        },
        Op::WithdrawBid => Command::WithdrawBid,
        Op::Open { bidders } => Command::OpenBids {
            bids: (1..=*bidders)
                .map(|i| {
                    let mut bid = sealed_bid(p, i, 5_000_000_00 + i64::from(i));
                    bid.submitted_at = now.min(p.periods.bid_deadline) - Duration::minutes(1);
                    bid
                })
                .collect(),
            draw_seed: "5e".repeat(32),
        },
        Op::DrawExperts => Command::DrawExperts { pool: pool() },
        Op::Evaluate => Command::Evaluate { sheets: Vec::new() },
        Op::Publicize => Command::PublicizeAward,
        Op::Object => Command::FileObjection {
            subject: "u2".into(),
            objector: party("投标人2", 2),
            text: "评标价格计算有误".into(),
            took_part: true,
        },
        Op::Answer { upheld } => Command::AnswerObjection {
            objection_id: p.objections.last()?.id.clone(),
            answer: "经复核".into(),
            upheld: *upheld,
        },
        Op::Contract => Command::RecordContract {
            award_id: p.awards.first()?.id.clone(),
            title: "采购合同".into(),
            value_fen: 5_000_000_01,
            signed_on: now.date_naive(),
        },
        Op::Tick => Command::Tick,
        Op::Advance { .. } => return None,
    })
}

/// One decided step: the project before, the command's name and time, and the result.
struct Step {
    before: Project,
    name: &'static str,
    now: DateTime<Utc>,
    result: Result<Decision, TradingError>,
}

fn run(ops: &[Op]) -> Vec<Step> {
    let mut p = created(tender_draft());
    let mut now = t0() - Duration::days(1);
    let mut steps = Vec::new();
    for op in ops {
        if let Op::Advance { hours } = op {
            now += Duration::hours(*hours);
            continue;
        }
        let Some(c) = command(op, &p, now) else {
            continue;
        };
        let name = c.name();
        let result = decide(&p, c, now);
        let next = result.as_ref().ok().map(|d| d.project.clone());
        steps.push(Step {
            before: p.clone(),
            name,
            now,
            result,
        });
        if let Some(next) = next {
            p = next;
        }
    }
    steps
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(op(), 1..60)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn states_change_only_along_the_allowed_graph(ops in ops()) {
        for s in run(&ops) {
            let Ok(d) = &s.result else { continue };
            // What time brought before the command, then what the command did.
            let (from, to) = (s.before.state, d.project.state);
            let timed = advance(&s.before, s.now).0.state;
            prop_assert!(reachable(from, timed, 3), "{:?} -> {:?} by time", from, timed);
            prop_assert!(reachable(timed, to, 2), "{:?} -> {:?} by {}", timed, to, s.name);
            if d.changed(&s.before) {
                prop_assert_eq!(d.project.revision, s.before.revision + 1);
            } else {
                prop_assert_eq!(d.project.revision, s.before.revision);
            }
        }
    }

    #[test]
    fn sealed_bids_after_the_deadline_are_refused(ops in ops()) {
        for s in run(&ops) {
            if !matches!(s.name, "submit_bid" | "withdraw_bid") {
                continue;
            }
            // The deadline that counts is the one in force when the bid arrives, after
            // what time has brought.
            let (before, _) = advance(&s.before, s.now);
            if s.now >= before.periods.bid_deadline || before.state != S::Bidding {
                prop_assert!(
                    matches!(s.result, Err(TradingError::IllegalTransition { .. })),
                    "{} at {} (deadline {}) in {:?}: {:?}",
                    s.name, s.now, before.periods.bid_deadline, before.state, s.result.as_ref().map(|d| d.project.state)
                );
            }
        }
    }

    #[test]
    fn a_closed_project_never_changes(ops in ops()) {
        for s in run(&ops) {
            if !closed(s.before.state) {
                continue;
            }
            match &s.result {
                Ok(d) => prop_assert!(!d.changed(&s.before), "{} changed a {:?} project", s.name, s.before.state),
                Err(e) => prop_assert!(matches!(e, TradingError::IllegalTransition { .. }), "{e:?}"),
            }
        }
    }

    #[test]
    fn bids_are_opened_only_at_or_after_the_opening_time(ops in ops()) {
        for s in run(&ops) {
            let Ok(d) = &s.result else { continue };
            if let (None, Some(record)) = (&s.before.opening, &d.project.opening) {
                let at = s.before.periods.opening_at.expect("a sealed project has an opening time");
                prop_assert!(s.now >= at);
                prop_assert!(record.opened_at >= at);
            }
        }
    }
}

/// The runs above are worth something only if they reach the later states.
#[test]
fn random_runs_reach_the_later_states() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    use std::collections::HashSet;
    let mut runner = TestRunner::deterministic();
    let mut seen = HashSet::new();
    for _ in 0..400 {
        let ops = ops().new_tree(&mut runner).expect("tree").current();
        for s in run(&ops) {
            if let Ok(d) = s.result {
                seen.insert(d.project.state);
            }
        }
    }
    for state in [
        S::Bidding,
        S::Opened,
        S::Evaluating,
        S::Failed,
        S::Cancelled,
    ] {
        assert!(seen.contains(&state), "{state:?} not reached: {seen:?}");
    }
}
