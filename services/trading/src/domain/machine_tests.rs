//! Every state of a sealed-bid project against every command: allowed ones succeed, the
//! rest are illegal transitions naming the state and the command.

use chrono::Duration;

use super::fixtures::*;
use super::*;

fn commands(p: &Project) -> Vec<Command> {
    vec![
        Command::Amend(AmendmentInput {
            summary: "更正采购需求第3条".into(),
            ..Default::default()
        }),
        Command::Announce,
        Command::Cancel {
            reason: "采购需求变更".into(),
        },
        Command::SubmitBid { lot_id: "1".into() },
        Command::WithdrawBid,
        Command::OpenBids {
            bids: (1..=3).map(|i| sealed_bid(p, i, 4_000_000_00)).collect(),
            draw_seed: "01".repeat(32),
        },
        Command::DrawExperts { pool: pool() },
        Command::Evaluate { sheets: Vec::new() },
        Command::PublicizeAward,
        Command::FileObjection {
            subject: "u3".into(),
            objector: party("投标人3", 3),
            text: "质疑".into(),
            took_part: true,
        },
        Command::AnswerObjection {
            objection_id: "q1".into(),
            answer: "答复".into(),
            upheld: false,
        },
        Command::RecordContract {
            award_id: "a1".into(),
            title: "合同".into(),
            value_fen: 1,
            signed_on: t0().date_naive(),
        },
        Command::Quote {
            subject: "u9".into(),
            bidder: party("竞买人", 9),
            amount_fen: 10_000_000_00,
        },
        Command::Tick,
    ]
}

fn allowed(state: ProjectState) -> &'static [&'static str] {
    use ProjectState::*;
    match state {
        Draft => &["amend", "announce", "cancel", "tick"],
        Announced => &["amend", "cancel", "tick"],
        Bidding => &["amend", "cancel", "submit_bid", "withdraw_bid", "tick"],
        Opened => &["cancel", "draw_experts", "tick"],
        Evaluating => &["cancel", "evaluate", "tick"],
        AwardPublicized => &["cancel", "file_objection", "answer_objection", "tick"],
        Awarded => &["record_contract", "tick"],
        Contracted | Failed | Cancelled => &["tick"],
    }
}

#[test]
fn every_state_takes_only_its_commands() {
    let mut checked = 0;
    for state in ProjectState::ALL {
        let (p, now) = tender_in(state);
        assert_eq!(p.state, state, "fixture for {state}");
        for command in commands(&p) {
            let name = command.name();
            let result = decide(&p, command, now);
            if allowed(state).contains(&name) {
                assert!(result.is_ok(), "{state} x {name}: {result:?}");
            } else {
                match result {
                    Err(TradingError::IllegalTransition {
                        state: s, command, ..
                    }) => {
                        assert!(s.starts_with(state.as_str()), "{state} x {name}: {s}");
                        assert_eq!(command, name);
                    }
                    other => {
                        panic!("{state} x {name}: expected an illegal transition, got {other:?}")
                    }
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 10 * 14);
}

#[test]
fn an_illegal_transition_changes_nothing_and_a_tick_with_nothing_due_is_silent() {
    for state in ProjectState::ALL {
        let (p, now) = tender_in(state);
        let d = decide(&p, Command::Tick, now).unwrap();
        assert!(d.events.is_empty());
        if !matches!(
            state,
            ProjectState::Announced | ProjectState::AwardPublicized
        ) {
            assert!(!d.changed(&p), "{state}");
            assert!(d.timed.is_empty(), "{state}");
        }
    }
}

#[test]
fn every_decision_that_changes_the_project_moves_its_revision() {
    let (p, now) = tender_in(ProjectState::Bidding);
    let d = decide(
        &p,
        Command::Amend(AmendmentInput {
            summary: "补充技术参数".into(),
            material: true,
            ..Default::default()
        }),
        now,
    )
    .unwrap();
    assert_eq!(d.project.revision, p.revision + 1);
    assert_eq!(d.project.updated_at, now);
    let d = decide(&p, Command::SubmitBid { lot_id: "1".into() }, now).unwrap();
    assert!(!d.changed(&p), "a sealed bid leaves the project as it was");
    assert_eq!(d.events, [DomainEvent::BidReceived]);
}

#[test]
fn time_alone_moves_announced_to_bidding_and_publicity_to_awarded() {
    let (p, now) = tender_in(ProjectState::Announced);
    let d = decide(&p, Command::Tick, now + Duration::days(2)).unwrap();
    assert_eq!(d.project.state, ProjectState::Bidding);
    assert_eq!(d.timed, [DomainEvent::BiddingStarted]);
    let (p, now) = tender_in(ProjectState::AwardPublicized);
    let d = decide(&p, Command::Tick, now + Duration::days(30)).unwrap();
    assert_eq!(
        d.project.state,
        ProjectState::AwardPublicized,
        "the open objection holds the award"
    );
}
