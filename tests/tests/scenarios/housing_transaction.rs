//! 房产交易登记一条龙: the deed tax paid at the local-tax window on the spot, then the
//! housing registry's transfer registration; once sixty days, now within ten working days.

use std::collections::BTreeSet;

use onewindow_proto::cases::v1 as pb;
use onewindow_suite::{
    children, clerk, iso, local_date_of, parse_date, payload, stage_states, Applicant, BundleRun,
    Center, HOUSING_TRANSACTION,
};

use pb::BundleStageState::{Active, Completed};

const TRANSFER_REGISTRATION: &str = "11140200012120800B070113002000";
const PROMISED_DAYS: u32 = 10;

#[tokio::test]
async fn housing_transaction_entered_at_the_window_concludes_approved_within_ten_working_days() {
    for c in Center::on_every_engine().await {
        let label = c.label;
        let applicant = Applicant::person(201);
        // Entered at the housing registry's one-stop window by its clerk.
        let submitted = c.submit_bundle(HOUSING_TRANSACTION, &applicant, true).await;
        assert!(submitted.applicant_subject.is_empty(), "{label}");
        assert_eq!(submitted.lead_department_id, "fgj", "{label}");
        let day0 = c.today();

        // Day 0: the deed tax is settled on the spot, and the transfer registration, which
        // starts by itself, is accepted the same day with its fee paid once at the cashier.
        let run = BundleRun::new(&c, &submitted, &applicant);
        let b = run.work_today().await;
        assert_eq!(stage_states(&b), [Completed, Active], "{label}");
        assert_eq!(b.accepted_on, iso(day0), "{label}");
        let due = c
            .calendar()
            .add_working_days(day0, PROMISED_DAYS)
            .unwrap()
            .value;
        assert_eq!(b.due_date, iso(due), "{label}");
        let registration = &b.stages[1].children[0];
        assert_eq!(registration.item_id, TRANSFER_REGISTRATION, "{label}");
        assert_eq!(registration.accepted_on, iso(day0), "{label}");

        let b = run.run_until_concluded(2 * PROMISED_DAYS).await;
        assert_eq!(b.outcome, pb::OutcomeKind::Approved as i32, "{label}");
        let concluded_on = local_date_of(b.concluded_at.as_ref().unwrap());
        assert!(
            concluded_on <= due,
            "{label}: concluded {concluded_on}, due {due}"
        );
        let departments: BTreeSet<&str> =
            children(&b).map(|ch| ch.department_id.as_str()).collect();
        assert_eq!(departments, BTreeSet::from(["dfsw", "fgj"]), "{label}");

        let case = c.case(&clerk("fgj"), &registration.case_id).await;
        assert_eq!(case.channel, pb::Channel::Window as i32, "{label}");
        assert_eq!(case.fees.len(), 1, "{label}");
        let fee = &case.fees[0];
        assert!(fee.paid_at.is_some(), "{label}: {fee:?}");
        assert!(!fee.deviates_from_standard, "{label}");
        let outcome = case.outcome.as_ref().unwrap();
        assert!(parse_date(&outcome.concluded_on) <= parse_date(&case.planned_due_date));

        let events = c.events_of("cases.bundle_case.concluded", &b.id).await;
        assert_eq!(events.len(), 1, "{label}");
        let fact: pb::BundleCaseConcluded = payload(&events[0], "BundleCaseConcluded");
        assert!(!fact.late, "{label}");
        assert_eq!(fact.due_date, iso(due), "{label}");

        c.assert_events_carry_no_personal_data(&[&applicant]).await;
    }
}
