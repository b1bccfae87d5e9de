//! The evaluation period of a sealed-bid project: its default, its bounds, how amendments
//! carry it, and an evaluation that runs past it.

use chrono::{DateTime, Duration, Utc};

use super::fixtures::*;
use super::*;

fn fields_of(v: &onewindow_kit::error::Violations) -> Vec<&str> {
    v.as_slice().iter().map(|f| f.field.as_str()).collect()
}

fn amend_error_fields(p: &Project, input: AmendmentInput, now: DateTime<Utc>) -> Vec<String> {
    match decide(p, Command::Amend(input), now) {
        Err(TradingError::Invalid(v)) => v.as_slice().iter().map(|f| f.field.clone()).collect(),
        other => panic!("expected invalid, got {other:?}"),
    }
}

#[test]
fn an_unset_evaluation_end_is_the_category_s_default_after_the_opening() {
    let p = created(tender_draft());
    let opening = opening_time(&p);
    assert_eq!(p.periods.evaluation_end, Some(opening + Duration::days(5)));

    let mut works = tender_draft();
    works.category = Category::Construction;
    let p = created(works);
    assert_eq!(p.periods.evaluation_end, Some(opening + Duration::days(7)));

    let mut given = tender_draft();
    given.periods.evaluation_end = Some(opening + Duration::days(2));
    let p = created(given);
    assert_eq!(p.periods.evaluation_end, Some(opening + Duration::days(2)));

    let p = created(listing_draft());
    assert_eq!(
        p.periods.evaluation_end, None,
        "a listing has no evaluation"
    );
}

#[test]
fn the_evaluation_ends_after_the_opening_and_within_thirty_days() {
    let opening = tender_draft().periods.opening_at.unwrap();
    for (end, ok) in [
        (opening - Duration::hours(1), false),
        (opening, false),
        (opening + Duration::minutes(1), true),
        (opening + Duration::days(30), true),
        (opening + Duration::days(30) + Duration::seconds(1), false),
    ] {
        let mut draft = tender_draft();
        draft.periods.evaluation_end = Some(end);
        let v = draft.validate("project");
        if ok {
            assert!(v.is_empty(), "{end}: {v:?}");
        } else {
            assert_eq!(fields_of(&v), ["project.periods.evaluation_end"], "{end}");
        }
    }

    let mut listing = listing_draft();
    listing.periods.evaluation_end = Some(listing.periods.bid_deadline + Duration::days(1));
    let v = listing.validate("project");
    assert_eq!(fields_of(&v), ["project.periods.evaluation_end"]);
    assert!(v.as_slice()[0].description.contains("no evaluation"));
}

#[test]
fn a_material_amendment_moves_the_evaluation_end_with_the_opening() {
    let (p, _) = tender_in(ProjectState::Bidding);
    let span = p.periods.evaluation_end.unwrap() - opening_time(&p);
    let now = p.periods.bid_deadline - Duration::days(5);
    let amended = step(
        &p,
        Command::Amend(AmendmentInput {
            summary: "修改技术参数：探测器排数".into(),
            material: true,
            ..Default::default()
        }),
        now,
    );
    assert_eq!(amended.periods.bid_deadline, now + Duration::days(15));
    assert_eq!(
        amended.periods.evaluation_end.unwrap() - opening_time(&amended),
        span,
        "the evaluation keeps its length"
    );

    let given = opening_time(&amended) + Duration::days(10);
    let longer = step(
        &amended,
        Command::Amend(AmendmentInput {
            summary: "延长评标时间".into(),
            evaluation_end: Some(given),
            ..Default::default()
        }),
        now,
    );
    assert_eq!(longer.periods.evaluation_end, Some(given));
    assert_eq!(longer.periods.opening_at, amended.periods.opening_at);
}

#[test]
fn an_amendment_may_not_end_the_evaluation_before_the_opening() {
    let (p, _) = tender_in(ProjectState::Bidding);
    let now = p.periods.bid_deadline - Duration::days(20);
    let early = AmendmentInput {
        summary: "调整评标时间".into(),
        evaluation_end: Some(opening_time(&p) - Duration::hours(1)),
        ..Default::default()
    };
    assert_eq!(amend_error_fields(&p, early, now), ["evaluation_end"]);
    // Moving the opening past an explicit evaluation end is refused as well.
    let behind = AmendmentInput {
        summary: "推迟开标".into(),
        bid_deadline: Some(p.periods.bid_deadline + Duration::days(6)),
        opening_at: Some(p.periods.bid_deadline + Duration::days(6)),
        evaluation_end: Some(p.periods.evaluation_end.unwrap()),
        ..Default::default()
    };
    assert_eq!(amend_error_fields(&p, behind, now), ["evaluation_end"]);
    let far = AmendmentInput {
        summary: "调整评标时间".into(),
        evaluation_end: Some(opening_time(&p) + Duration::days(31)),
        ..Default::default()
    };
    assert_eq!(amend_error_fields(&p, far, now), ["evaluation_end"]);

    let listing = created(listing_draft());
    let announced = step(
        &listing,
        Command::Announce,
        listing.periods.bid_start - Duration::days(20),
    );
    let none = AmendmentInput {
        summary: "补充评标安排".into(),
        evaluation_end: Some(announced.periods.bid_deadline + Duration::days(1)),
        ..Default::default()
    };
    assert_eq!(
        amend_error_fields(
            &announced,
            none,
            announced.periods.bid_start - Duration::days(10)
        ),
        ["evaluation_end"]
    );
}

#[test]
fn a_draft_s_evaluation_end_follows_its_opening_unless_given() {
    let draft = created(tender_draft());
    let span = draft.periods.evaluation_end.unwrap() - opening_time(&draft);
    let later = draft.periods.bid_deadline + Duration::days(2);
    let edited = step(
        &draft,
        Command::Amend(AmendmentInput {
            bid_deadline: Some(later),
            opening_at: Some(later),
            ..Default::default()
        }),
        t0() - Duration::days(1),
    );
    assert_eq!(edited.periods.evaluation_end, Some(later + span));

    let given = later + Duration::days(1);
    let edited = step(
        &edited,
        Command::Amend(AmendmentInput {
            evaluation_end: Some(given),
            ..Default::default()
        }),
        t0() - Duration::days(1),
    );
    assert_eq!(edited.periods.evaluation_end, Some(given));
    let fields = amend_error_fields(
        &edited,
        AmendmentInput {
            evaluation_end: Some(later),
            ..Default::default()
        },
        t0() - Duration::days(1),
    );
    assert_eq!(fields, ["evaluation_end"]);
}

#[test]
fn an_evaluation_after_its_end_is_taken_and_recorded_as_late() {
    let (p, _) = tender_in(ProjectState::Evaluating);
    let end = p.periods.evaluation_end.unwrap();
    let late = end + Duration::days(2);
    let d = decide(&p, Command::Evaluate { sheets: Vec::new() }, late).unwrap();
    assert_eq!(d.events, [DomainEvent::Evaluated]);
    let evaluated_at = d.project.evaluation_result.as_ref().unwrap().evaluated_at;
    assert!(evaluated_at > end);
    assert_eq!(
        d.project.periods.evaluation_end,
        Some(end),
        "the planned end stays for supervision to compare"
    );
    let publicized = step(&d.project, Command::PublicizeAward, late);
    assert_eq!(publicized.state, ProjectState::AwardPublicized);
}
