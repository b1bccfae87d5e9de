//! The case projection's watched deadlines: suspended, moved and closed.

use super::case::*;
use super::deadline::{Level, Scope};
use super::fixtures::*;
use super::terms::{Actor, Stage};

#[test]
fn a_suspension_stops_the_watches_and_its_end_moves_them() {
    let mut run = Run::new();
    run.submit();
    run.accept(&["m1"]);
    run.feed(
        d(3, 3),
        approver(),
        CaseFact::SuspensionStarted {
            procedure: "hearing".into(),
            declared_days: 5,
            stage: Some(Stage::Review),
        },
        "suspension_started",
    );
    assert!(run.watches.iter().all(|w| w.suspended));
    // The review's early warning fell due on the day the suspension started; while
    // suspended, days pass without more.
    assert_eq!(
        run.issued,
        [(Scope::Stage(Stage::Review), Level::Early, d(3, 3))]
    );
    run.feed(
        d(3, 20),
        approver(),
        CaseFact::ExtensionApproved {
            days: 0,
            total_days: 0,
            max_days: 5,
            deadlines: deadlines(d(3, 9)),
        },
        "extension_approved",
    );
    assert_eq!(run.issued.len(), 1);
    run.feed(
        d(3, 23),
        approver(),
        CaseFact::SuspensionEnded {
            declared_days: 5,
            working_days: 14,
            deadlines: deadlines(d(3, 27)),
            stage: Some(StageDeadline {
                stage: Stage::Review,
                started_on: None,
                due: Some(d(3, 24)),
            }),
        },
        "suspension_ended",
    );
    let case = run.watches.iter().find(|w| w.scope == Scope::Case).unwrap();
    assert_eq!((case.due, case.suspended), (d(3, 27), false));
}

#[test]
fn a_withdrawn_case_closes_its_watches_without_a_staff_member() {
    let mut run = Run::new();
    run.submit();
    run.accept(&["m1"]);
    let fx = run.feed(
        d(3, 3),
        Actor {
            role: "applicant".into(),
            ..Actor::default()
        },
        CaseFact::Withdrawn,
        "withdrawn",
    );
    assert!(run.watches.is_empty());
    assert!(fx
        .closed
        .iter()
        .all(|c| c.reason == "withdrawn" && c.staff_subject.is_none()));
}
