//! The office a case is charged to, whichever of the cases and catalog streams is applied
//! first: its record, its open deadlines and the warnings they issue.

use onewindow_proto::supervision::v1 as pb;

use crate::efficiency::{card_counts, warnings};
use crate::events::{item1, publish_item, Story};
use crate::rules::rules_of;
use crate::{applied, day, TestSupervision};

async fn record_office(t: &TestSupervision, case_id: &str) -> String {
    t.client
        .clone()
        .get_case_record(t.supervisor(pb::GetCaseRecordRequest {
            case_id: case_id.into(),
        }))
        .await
        .unwrap()
        .into_inner()
        .office_id
}

/// (office, warnings) of a case's warnings, one entry per office.
async fn warning_offices(t: &TestSupervision, case_id: &str) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    for w in warnings(t, case_id).await {
        match out.iter_mut().find(|(o, _)| *o == w.office_id) {
            Some((_, n)) => *n += 1,
            None => out.push((w.office_id, 1)),
        }
    }
    out
}

/// The offices cards were counted for in March.
async fn counted_offices(t: &TestSupervision) -> Vec<String> {
    card_counts(t, pb::CardGrouping::Office)
        .await
        .into_iter()
        .map(|c| c.key)
        .collect()
}

#[tokio::test]
async fn a_case_seen_before_its_item_is_given_the_items_office_with_its_deadlines_and_warnings() {
    for t in TestSupervision::on_every_engine().await {
        let label = t.label();
        let mut story = Story::new(&t, 60);
        story.submitted(day(3, 2)).await;
        // Due Monday 9 March; its review stage due Friday 20 March.
        story.accepted(day(3, 2), day(3, 9), day(3, 20), true).await;
        story.settle().await;
        t.morning_of(day(3, 6)).await;
        // Nothing told supervision where the item is handled yet.
        assert_eq!(record_office(&t, "case-60").await, "", "{label}");
        assert_eq!(
            warning_offices(&t, "case-60").await,
            [(String::new(), 1)],
            "{label}"
        );
        assert_eq!(counted_offices(&t).await, [""], "{label}");

        let seq = publish_item(&t, item1()).await;
        applied(&t.db.db, "catalog", seq).await;
        assert_eq!(record_office(&t, "case-60").await, "office-a", "{label}");
        assert_eq!(
            warning_offices(&t, "case-60").await,
            [("office-a".to_string(), 1)],
            "{label}"
        );

        // Issued from the watches after they were given the office: the case's yellow and
        // red cards, and its stage's early warning.
        t.morning_of(day(3, 19)).await;
        assert_eq!(
            warning_offices(&t, "case-60").await,
            [("office-a".to_string(), 4)],
            "{label}"
        );
        assert_eq!(counted_offices(&t).await, ["office-a"], "{label}");
    }
}

#[tokio::test]
async fn a_case_of_a_version_not_yet_announced_is_charged_to_the_items_latest_office() {
    for t in TestSupervision::on_every_engine().await {
        let label = t.label();
        let seq = publish_item(&t, item1()).await;
        applied(&t.db.db, "catalog", seq).await;
        let mut story = Story::new(&t, 61).on_version(2);
        story.submitted(day(3, 2)).await;
        story.accepted(day(3, 2), day(3, 9), day(3, 20), true).await;
        story.settle().await;
        assert_eq!(record_office(&t, "case-61").await, "office-a", "{label}");
        // The rules still judge the case by its own version, which the catalog never
        // announced.
        assert_eq!(
            rules_of(&t, "case-61").await,
            ["item_version_not_in_force"],
            "{label}"
        );
        t.morning_of(day(3, 6)).await;
        assert_eq!(
            warning_offices(&t, "case-61").await,
            [("office-a".to_string(), 1)],
            "{label}"
        );
    }
}
