//! An expert review (专家论证) suspends a case's clock: its due dates move by exactly the
//! working days of the suspension, holidays and make-up workdays reckoned by the calendar
//! the center keeps. The day a suspension starts is worked; the day it ends is suspended.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use onewindow_kit::calendar::{Calendar, YearSchedule};
use onewindow_proto::cases::v1 as pb;
use onewindow_proto::common::v1 as common;
use onewindow_suite::{approver, clerk, date, parse_date, payload, Applicant, Center, Conduct};

/// 企业投资项目核准 of the development and reform commission: complex, ten promised working
/// days, expert review allowed.
const PROJECT_APPROVAL: &str = "11140200010837015E010101000000";
const DEPARTMENT: &str = "fgw";

fn active_stage(case: &pb::Case) -> &pb::CaseStage {
    case.stages
        .iter()
        .find(|s| s.state == pb::StageState::Active as i32)
        .expect("an active stage")
}

/// `n` working days after `d`.
fn plus(calendar: &Calendar, d: &str, n: u32) -> String {
    onewindow_suite::iso(calendar.add_working_days(parse_date(d), n).unwrap().value)
}

/// Accepts a case of the project approval on `accepted`.
async fn accepted_case(c: &Center, applicant: &Applicant, accepted: NaiveDate) -> pb::Case {
    c.set_today(accepted);
    let item = c.item(PROJECT_APPROVAL).await;
    assert!(item
        .allowed_special_procedures
        .contains(&(common::SpecialProcedure::ExpertReview as i32)));
    let submitted = c.submit_case(&item, applicant).await;
    c.intake(&submitted.id, DEPARTMENT, Some(&applicant.account))
        .await
}

/// Starts an expert review today, as the department's approver.
async fn start_expert_review(c: &Center, case: &pb::Case) -> pb::Case {
    c.cases()
        .start_suspension(c.req(
            &approver(DEPARTMENT),
            pb::StartSuspensionRequest {
                request_id: c.request_id("suspend"),
                case_id: case.id.clone(),
                revision: case.revision,
                procedure: common::SpecialProcedure::ExpertReview as i32,
                reason: "项目技术方案需组织专家论证".into(),
                declared_days: 5,
            },
        ))
        .await
        .unwrap()
        .into_inner()
}

/// Accepts a case on `accepted`, suspends it for an expert review from `start` to `end`,
/// and checks that the due dates moved by exactly the working days the scenario's
/// calendar counts. Then the department completes every stage on its due date; the case
/// concludes on its moved planned due date, not late. Returns the suspended working days.
async fn suspend_and_check(
    c: &Center,
    applicant: &Applicant,
    accepted: NaiveDate,
    start: NaiveDate,
    end: NaiveDate,
) -> u32 {
    let label = c.label;
    let cal = c.calendar().clone();
    let before = accepted_case(c, applicant, accepted).await;
    assert_eq!(before.state, pb::CaseState::InProgress as i32, "{label}");
    assert_eq!(
        before.planned_due_date,
        plus(&cal, &before.accepted_on, 10),
        "{label}"
    );
    assert!(before.years_without_schedule.is_empty(), "{label}");
    let stage_before = active_stage(&before).clone();

    c.set_today(start);
    let started = start_expert_review(c, &before).await;
    assert_eq!(started.planned_due_date, before.planned_due_date, "{label}");

    c.set_today(end);
    let after = c
        .cases()
        .end_suspension(c.req(
            &approver(DEPARTMENT),
            pb::EndSuspensionRequest {
                request_id: c.request_id("resume"),
                case_id: before.id.clone(),
                revision: started.revision,
                note: "专家论证完毕".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let suspended = cal.count_working_days(start, end).unwrap().value;
    let s = &after.suspensions[0];
    assert_eq!(s.working_days, suspended as i32, "{label}: {s:?}");
    assert_eq!(s.started_on, onewindow_suite::iso(start), "{label}");
    assert_eq!(s.ended_on, onewindow_suite::iso(end), "{label}");
    assert_eq!(
        after.planned_due_date,
        plus(&cal, &before.planned_due_date, suspended),
        "{label}"
    );
    assert_eq!(
        after.latest_due_date,
        plus(&cal, &before.latest_due_date, suspended),
        "{label}"
    );
    let moved = |a: &str, b: &str| {
        cal.count_working_days(parse_date(a), parse_date(b))
            .unwrap()
            .value
    };
    assert_eq!(
        moved(&before.planned_due_date, &after.planned_due_date),
        suspended
    );
    let stage_after = active_stage(&after);
    assert_eq!(stage_after.stage, stage_before.stage, "{label}");
    assert_eq!(stage_after.suspended_days, suspended as i32, "{label}");
    assert_eq!(
        stage_after.due_date,
        plus(&cal, &stage_before.due_date, suspended),
        "{label}"
    );
    assert!(after.years_without_schedule.is_empty(), "{label}");

    // The department completes each stage on its due date; review, decide and conclude
    // take the whole promised limit, so the case concludes on its moved due date.
    let mut done = after.clone();
    for _ in 0..30 {
        (done, _) = c
            .act_on_due_stages(&before.id, DEPARTMENT, Conduct::InTime)
            .await;
        if done.state == pb::CaseState::Concluded as i32 {
            break;
        }
        c.next_working_day();
    }
    let outcome = done.outcome.as_ref().expect("concluded");
    assert_eq!(outcome.concluded_on, after.planned_due_date, "{label}");
    let events = c.events_of("cases.case.concluded", &before.id).await;
    assert_eq!(events.len(), 1, "{label}");
    let fact: pb::CaseConcluded = payload(&events[0], "CaseConcluded");
    assert!(!fact.late, "{label}");
    let deadlines = fact.deadlines.as_ref().unwrap();
    assert_eq!(deadlines.suspended_days, suspended as i32, "{label}");
    assert_eq!(
        fact.working_days_used,
        (moved(&before.accepted_on, &outcome.concluded_on) - suspended) as i32,
        "{label}"
    );
    suspended
}

#[tokio::test]
async fn an_expert_review_over_national_day_moves_the_due_dates_by_exactly_its_working_days() {
    for c in Center::on_every_engine().await {
        let applicant = Applicant::person(501);
        // Accepted Thursday 24 September 2026; suspended Tuesday the 29th to Friday 9 October,
        // over National Day (1 to 7 October off).
        let suspended = suspend_and_check(
            &c,
            &applicant,
            date(2026, 9, 24),
            date(2026, 9, 29),
            date(2026, 10, 9),
        )
        .await;
        // 30 September, 8 and 9 October: three working days in ten calendar days.
        assert_eq!(suspended, 3, "{}", c.label);
        c.assert_events_carry_no_personal_data(&[&applicant]).await;
    }
}

#[tokio::test]
async fn an_open_suspension_counts_its_working_days_up_to_today() {
    let mut wrong = Vec::new();
    for c in Center::on_every_engine().await {
        let label = c.label;
        let cal = c.calendar().clone();
        let applicant = Applicant::person(503);
        let accepted = accepted_case(&c, &applicant, date(2026, 9, 24)).await;
        c.set_today(date(2026, 9, 29));
        start_expert_review(&c, &accepted).await;

        // On Thursday 8 October the review has held the clock for 30 September and 8
        // October: the case as read today says so, in every field the contract defines by it.
        let today = date(2026, 10, 8);
        c.set_today(today);
        let so_far = cal
            .count_working_days(date(2026, 9, 29), today)
            .unwrap()
            .value;
        assert_eq!(so_far, 2);
        let open = c.case(&clerk(DEPARTMENT), &accepted.id).await;
        let planned = plus(&cal, &accepted.planned_due_date, so_far);
        let stage = active_stage(&open);
        let seen = (
            open.suspensions[0].working_days,
            open.planned_due_date.clone(),
            stage.suspended_days,
            stage.due_date.clone(),
            open.remaining_working_days,
        );
        let remaining = cal
            .count_working_days(today, parse_date(&planned))
            .unwrap()
            .value;
        let expected = (
            so_far as i32,
            planned,
            so_far as i32,
            plus(&cal, &active_stage(&accepted).due_date, so_far),
            remaining as i32,
        );
        if seen != expected {
            wrong.push(format!("{label}: read {seen:?}, expected {expected:?}"));
        }
        c.assert_events_carry_no_personal_data(&[&applicant]).await;
    }
    assert!(
        wrong.is_empty(),
        "(suspension working_days, planned_due_date, stage suspended_days, stage due_date, \
         remaining_working_days) of a case read during its suspension: {}",
        wrong.join("; ")
    );
}

/// New Year 2027 as a catalog admin would enter it once the State Council publishes it.
fn new_year_2027() -> YearSchedule {
    let day = |d| (date(2027, 1, d), "元旦".to_string());
    YearSchedule {
        year: 2027,
        published: true,
        source: "2027年元旦放假安排".into(),
        holidays: BTreeMap::from([day(1), day(2), day(3)]),
        makeup_workdays: BTreeMap::new(),
    }
}

#[tokio::test]
async fn a_holiday_the_catalog_publishes_for_2027_is_skipped_by_a_suspension_over_new_year() {
    for mut c in Center::on_every_engine().await {
        let applicant = Applicant::person(502);
        // Without the schedule 2027 reckons Monday to Friday, New Year's Day included.
        let unpublished = Calendar::official()
            .count_working_days(date(2026, 12, 29), date(2027, 1, 5))
            .unwrap();
        assert_eq!(unpublished.value, 5);
        c.publish_national_year(new_year_2027()).await;

        let suspended = suspend_and_check(
            &c,
            &applicant,
            date(2026, 12, 21),
            date(2026, 12, 29),
            date(2027, 1, 5),
        )
        .await;
        // 30 and 31 December, 4 and 5 January: Friday 1 January is off.
        assert_eq!(suspended, 4, "{}", c.label);
        c.assert_events_carry_no_personal_data(&[&applicant]).await;
    }
}
