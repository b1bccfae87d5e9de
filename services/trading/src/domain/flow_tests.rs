//! Behaviours of a project through its life: periods, amendments, the opening, objections,
//! auctions, evaluation, views and publication.

use chrono::Duration;

use super::fixtures::*;
use super::*;

fn announce_error_fields(draft: ProjectDraft, at: chrono::DateTime<chrono::Utc>) -> Vec<String> {
    match decide(&created(draft), Command::Announce, at) {
        Err(TradingError::Invalid(v)) => v.as_slice().iter().map(|f| f.field.clone()).collect(),
        other => panic!("expected invalid, got {other:?}"),
    }
}

#[test]
fn an_open_tender_needs_twenty_days_between_announcement_and_deadline() {
    let deadline = tender_draft().periods.bid_deadline;
    let ok = decide(
        &created(tender_draft()),
        Command::Announce,
        deadline - Duration::days(20),
    );
    assert!(ok.is_ok());
    let fields = announce_error_fields(tender_draft(), deadline - Duration::days(19));
    assert_eq!(fields, ["periods.bid_deadline"]);
}

#[test]
fn a_land_listing_needs_twenty_days_notice_and_ten_days_of_quoting() {
    let start = listing_draft().periods.bid_start;
    assert!(decide(
        &created(listing_draft()),
        Command::Announce,
        start - Duration::days(20)
    )
    .is_ok());
    let mut short = listing_draft();
    short.periods.bid_deadline = start + Duration::days(9);
    let fields = announce_error_fields(short, start - Duration::days(19));
    assert_eq!(fields, ["periods.bid_start", "periods.bid_deadline"]);
}

#[test]
fn a_material_amendment_near_the_deadline_extends_it_and_the_opening() {
    let (p, _) = tender_in(ProjectState::Bidding);
    let deadline = p.periods.bid_deadline;
    let now = deadline - Duration::days(5);
    let amend = |material| {
        Command::Amend(AmendmentInput {
            summary: "修改技术参数：探测器排数".into(),
            material,
            ..Default::default()
        })
    };
    let clarified = step(&p, amend(false), now);
    assert_eq!(
        clarified.periods.bid_deadline, deadline,
        "a clarification moves nothing"
    );
    let amended = step(&p, amend(true), now);
    assert_eq!(amended.periods.bid_deadline, now + Duration::days(15));
    assert_eq!(
        amended.periods.opening_at.unwrap() - amended.periods.bid_deadline,
        Duration::hours(1),
        "the opening keeps its distance from the deadline"
    );
    let a = amended.amendments.last().unwrap();
    assert_eq!(
        (a.previous_deadline, a.new_deadline),
        (deadline, now + Duration::days(15))
    );
    let early = step(&p, amend(true), deadline - Duration::days(20));
    assert_eq!(early.periods.bid_deadline, deadline, "enough time was left");
}

#[test]
fn a_project_s_texts_are_bounded_at_creation_and_amendment() {
    let mut draft = tender_draft();
    draft.description = "述".repeat(project::MAX_DESCRIPTION_CHARS + 1);
    draft.lots[0].title = "标".repeat(project::MAX_TITLE_CHARS + 1);
    draft.evaluation.expert_specialty = "专".repeat(project::MAX_TITLE_CHARS + 1);
    let v = draft.validate("project");
    let fields: Vec<&str> = v.as_slice().iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "project.description",
            "project.lots[0].title",
            "project.evaluation.expert_specialty"
        ]
    );

    let (p, _) = tender_in(ProjectState::Bidding);
    let amend = Command::Amend(AmendmentInput {
        summary: "补充技术参数".into(),
        description: Some("述".repeat(project::MAX_DESCRIPTION_CHARS + 1)),
        ..Default::default()
    });
    match decide(&p, amend, p.periods.bid_deadline - Duration::days(5)) {
        Err(TradingError::Invalid(v)) => assert_eq!(v.as_slice()[0].field, "description"),
        other => panic!("expected invalid, got {other:?}"),
    }
}

#[test]
fn a_bid_at_or_after_the_deadline_is_refused() {
    let (p, _) = tender_in(ProjectState::Bidding);
    let deadline = p.periods.bid_deadline;
    let submit = || Command::SubmitBid { lot_id: "1".into() };
    assert!(decide(&p, submit(), deadline - Duration::seconds(1)).is_ok());
    for at in [deadline, deadline + Duration::days(1)] {
        match decide(&p, submit(), at) {
            Err(TradingError::IllegalTransition { state, command, .. }) => {
                assert!(state.contains("deadline passed"), "{state}");
                assert_eq!(command, "submit_bid");
            }
            other => panic!("expected refusal, got {other:?}"),
        }
    }
}

#[test]
fn a_tender_with_two_valid_bids_fails() {
    let (p, _) = tender_in(ProjectState::Failed);
    assert_eq!(p.state, ProjectState::Failed);
    let reason = p.failure_reason.as_deref().unwrap();
    assert!(reason.contains("2 valid bids of 3 required"), "{reason}");
    assert!(p.opening.as_ref().unwrap().failed);
    let (p, _) = tender_in(ProjectState::Bidding);
    let mut bids: Vec<UnsealedBid> = (1..=3).map(|i| sealed_bid(&p, i, 100)).collect();
    bids[2].commitment = "0".repeat(64);
    let d = decide(
        &p,
        Command::OpenBids {
            bids,
            draw_seed: "00".repeat(32),
        },
        opening_time(&p),
    )
    .unwrap();
    assert_eq!(
        d.project.state,
        ProjectState::Failed,
        "a broken commitment makes a bid invalid"
    );
    assert_eq!(d.events, [DomainEvent::Opened, DomainEvent::Failed]);
    let bad = &d.project.opening.as_ref().unwrap().bids[2];
    assert!(!bad.valid);
    assert!(bad.invalid_reasons[0].contains("commitment"));
}

#[test]
fn bids_open_only_at_the_opening_time() {
    let (p, _) = tender_in(ProjectState::Bidding);
    let at = opening_time(&p);
    assert!(p.permit_opening(at - Duration::seconds(1)).is_err());
    assert!(p.permit_reading().is_err());
    assert_eq!(p.permit_opening(at).unwrap().project_id(), "p1");
    let (announced, _) = tender_in(ProjectState::Announced);
    assert!(announced.permit_opening(at - Duration::days(30)).is_err());
    let (opened, _) = tender_in(ProjectState::Opened);
    assert!(
        opened.permit_opening(at + Duration::days(1)).is_err(),
        "opened once"
    );
    assert!(opened.permit_reading().is_ok());
}

#[test]
fn an_objection_holds_the_award_until_it_is_answered() {
    let (p, now) = tender_in(ProjectState::AwardPublicized);
    let end = p.periods.award_publicity_end.unwrap();
    let after = step(&p, Command::Tick, end + Duration::days(1));
    assert_eq!(after.state, ProjectState::AwardPublicized);
    assert_eq!(
        after.next_deadline(),
        None,
        "nothing for the chronograph while it is open"
    );
    let late = Command::FileObjection {
        subject: "u3".into(),
        objector: party("投标人3", 3),
        text: "逾期质疑".into(),
        took_part: true,
    };
    assert!(decide(&after, late, end).is_err(), "the publicity is over");
    let answered_at = end + Duration::days(2);
    let answer = Command::AnswerObjection {
        objection_id: "q1".into(),
        answer: "质疑不成立".into(),
        upheld: false,
    };
    let d = decide(&after, answer, answered_at).unwrap();
    assert_eq!(d.project.state, ProjectState::Awarded);
    assert_eq!(
        d.events,
        [
            DomainEvent::ObjectionAnswered("q1".into()),
            DomainEvent::Awarded
        ]
    );
    assert_eq!(d.project.awards[0].final_at, Some(answered_at));
    let _ = now;
}

#[test]
fn an_upheld_objection_sends_the_project_back_to_evaluation() {
    let (p, now) = tender_in(ProjectState::AwardPublicized);
    let d = decide(
        &p,
        Command::AnswerObjection {
            objection_id: "q1".into(),
            answer: "质疑成立，重新评审".into(),
            upheld: true,
        },
        now,
    )
    .unwrap();
    assert_eq!(d.project.state, ProjectState::Evaluating);
    assert_eq!(d.project.awards[0].status, AwardStatus::Cancelled);
    assert!(d.project.evaluation_result.is_none());
    let again = step(&d.project, Command::Evaluate { sheets: Vec::new() }, now);
    let again = step(&again, Command::PublicizeAward, now);
    assert_eq!(again.awards.len(), 2);
    assert_eq!(again.awards[1].id, "a2");
}

#[test]
fn only_bidders_may_object() {
    let (p, now) = tender_in(ProjectState::AwardPublicized);
    let outsider = Command::FileObjection {
        subject: "u8".into(),
        objector: party("无关单位", 8),
        text: "质疑".into(),
        took_part: false,
    };
    assert!(matches!(
        decide(&p, outsider, now),
        Err(TradingError::PermissionDenied(_))
    ));
}

#[test]
fn lowest_price_wins_and_the_runner_up_is_recorded() {
    let (p, _) = tender_in(ProjectState::Awarded);
    let a = &p.awards[0];
    assert_eq!(a.value_fen, 5_000_000_01);
    assert_eq!(a.runner_up_value_fen, Some(5_000_000_02));
    assert_eq!(a.supplier.name, "投标人1");
    assert_eq!(a.status, AwardStatus::Active);
}

#[test]
fn scoring_weighs_price_technical_and_commercial_scores() {
    let mut draft = tender_draft();
    draft.evaluation.method = EvaluationMethod::Scoring;
    draft.evaluation.price_weight = 30;
    draft.evaluation.technical_weight = 60;
    draft.evaluation.commercial_weight = 10;
    let p = step(&created(draft), Command::Announce, t0() - Duration::days(1));
    let prices = [4_000_000_00, 5_000_000_00, 4_500_000_00];
    let bids = (1..=3)
        .map(|i| sealed_bid(&p, i, prices[i as usize - 1]))
        .collect();
    let at = opening_time(&p);
    let p = step(
        &p,
        Command::OpenBids {
            bids,
            draw_seed: "77".repeat(32),
        },
        at,
    );
    let p = step(&p, Command::DrawExperts { pool: pool() }, at);
    let sheet = |e: &str, tech: [u32; 3]| ScoreSheet {
        expert_id: e.into(),
        scores: (0..3)
            .map(|i| BidScore {
                bid_id: format!("b{}", i + 1),
                technical: tech[i],
                commercial: 8000,
            })
            .collect(),
    };
    let members: Vec<String> = p
        .panel
        .as_ref()
        .unwrap()
        .members
        .iter()
        .map(|m| m.expert_id.clone())
        .collect();
    let incomplete = vec![sheet(&members[0], [5000, 9500, 7000])];
    assert!(matches!(
        decide(&p, Command::Evaluate { sheets: incomplete }, at),
        Err(TradingError::Invalid(_))
    ));
    let sheets = members
        .iter()
        .map(|m| sheet(m, [5000, 9500, 7000]))
        .collect();
    let p = step(&p, Command::Evaluate { sheets }, at);
    let ranking = &p.evaluation_result.as_ref().unwrap().ranking;
    // b1: 30.00 + 60*50.00% + 10*80.00% = 68.00; b2: 24.00 + 57.00 + 8.00 = 89.00;
    // b3: 26.66 + 42.00 + 8.00 = 76.66.
    let order: Vec<(&str, i64)> = ranking
        .iter()
        .map(|r| (r.bid_id.as_str(), r.total_score))
        .collect();
    assert_eq!(order, [("b2", 8900), ("b3", 7666), ("b1", 6800)]);
}

#[test]
fn a_last_minute_quote_extends_a_listing_and_the_highest_quote_wins() {
    let start = listing_draft().periods.bid_start;
    let p = step(
        &created(listing_draft()),
        Command::Announce,
        start - Duration::days(20),
    );
    let end = p.periods.bid_deadline;
    let quote = |s: &str, n: u32, amount| Command::Quote {
        subject: s.into(),
        bidder: party(&format!("竞买人{n}"), n),
        amount_fen: amount,
    };
    assert!(decide(
        &p,
        quote("u1", 1, 58_000_000_00),
        start - Duration::hours(1)
    )
    .is_err());
    let p = step(&p, quote("u1", 1, 58_000_000_00), start + Duration::days(1));
    let p = step(
        &p,
        quote("u2", 2, 58_500_000_00),
        end - Duration::minutes(2),
    );
    assert_eq!(p.auction.as_ref().unwrap().end, end + Duration::minutes(3));
    assert_eq!(p.next_deadline(), Some(end + Duration::minutes(3)));
    let p = step(&p, Command::Tick, end + Duration::minutes(1));
    assert_eq!(
        p.state,
        ProjectState::Bidding,
        "still open after the original end"
    );
    let p = step(
        &p,
        quote("u1", 1, 59_000_000_00),
        end + Duration::minutes(2),
    );
    let d = decide(&p, Command::Tick, end + Duration::hours(1)).unwrap();
    assert_eq!(d.project.state, ProjectState::AwardPublicized);
    let award = &d.project.awards[0];
    assert_eq!(
        (award.value_fen, award.runner_up_value_fen),
        (59_000_000_00, Some(58_500_000_00))
    );
    assert_eq!(award.supplier.name, "竞买人1");
    assert_eq!(award.publicized_at, end + Duration::minutes(7));
}

#[test]
fn a_listing_with_no_quote_fails_at_its_end() {
    let start = listing_draft().periods.bid_start;
    let p = step(
        &created(listing_draft()),
        Command::Announce,
        start - Duration::days(20),
    );
    let p = step(&p, Command::Tick, p.periods.bid_deadline);
    assert_eq!(p.state, ProjectState::Failed);
    assert_eq!(p.failed_at, Some(p.periods.bid_deadline));
}

#[test]
fn the_public_sees_no_drafts_and_no_contacts() {
    let (draft, _) = tender_in(ProjectState::Draft);
    assert!(visible(&draft, &Viewer::Public).is_none());
    assert!(visible(&draft, &Viewer::Bidder("u1".into())).is_none());
    assert!(visible(&draft, &Viewer::Staff).is_some());
    let (p, _) = tender_in(ProjectState::Evaluating);
    let public = visible(&p, &Viewer::Public).unwrap();
    assert!(
        public.panel.is_none(),
        "the panel is confidential while it works"
    );
    let bidder = &public.opening.as_ref().unwrap().bids[0].bidder;
    assert!(bidder.contact_phone.contains("****"));
    let staff = visible(&p, &Viewer::Staff).unwrap();
    assert!(staff.panel.is_some());
}

#[test]
fn ocds_has_a_release_per_stage() {
    let (p, now) = tender_in(ProjectState::Contracted);
    let package = ocds::release_package(&p, now);
    let tags: Vec<String> = package["releases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["tag"][0].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        tags,
        ["tender", "tenderUpdate", "award", "awardUpdate", "contract"]
    );
    let last = &package["releases"][4];
    assert_eq!(last["tender"]["status"], "complete");
    assert_eq!(last["awards"][0]["status"], "active");
    assert_eq!(last["contracts"][0]["value"]["amount"], 5_000_000.01);
    assert_eq!(package["releases"][0]["tender"].get("tenderers"), None);
    let (draft, now) = tender_in(ProjectState::Draft);
    assert!(ocds::release_package(&draft, now)["releases"]
        .as_array()
        .unwrap()
        .is_empty());
}
