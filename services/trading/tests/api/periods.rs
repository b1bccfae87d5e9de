//! The evaluation period over the wire: defaulted and checked at creation, carried by
//! amendments and by the announced and amended events, and an evaluation that runs past it
//! taken and left for supervision to see.

use chrono::{DateTime, Duration, Utc};
use onewindow_kit::outbox;
use onewindow_proto::prost_types::Timestamp;
use onewindow_proto::trading::v1 as pb;

use crate::*;

fn instant(ts: Option<&Timestamp>) -> DateTime<Utc> {
    let ts = ts.expect("a timestamp");
    DateTime::from_timestamp(ts.seconds, 0).unwrap()
}

/// The payloads of the stored events of `kind`, in order.
async fn payloads<M: prost::Message + Default>(
    t: &TestTrading,
    kind: &str,
    message: &str,
) -> Vec<M> {
    let head = outbox::head(t.trading.db()).await.unwrap();
    outbox::read(t.trading.db(), 0, head)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == kind)
        .filter_map(|e| outbox::unpack(&format!("onewindow.trading.v1.{message}"), &e.payload?))
        .collect()
}

#[tokio::test]
async fn the_evaluation_end_is_defaulted_carried_by_amendments_and_announced() {
    for mut t in TestTrading::on_every_engine().await {
        let p = t
            .announced(tender("大同市第五人民医院核磁共振采购"), "periods")
            .await;
        let default_end = opening_time() + Duration::days(5);
        let periods = p.periods.unwrap();
        assert_eq!(
            periods.evaluation_end,
            Some(ts(default_end)),
            "{}",
            t.db.label
        );
        let announced: Vec<pb::ProjectAnnounced> =
            payloads(&t, "trading.project.announced", "ProjectAnnounced").await;
        let in_event = announced[0]
            .project
            .as_ref()
            .unwrap()
            .periods
            .as_ref()
            .unwrap();
        assert_eq!(in_event.evaluation_end, Some(ts(default_end)));

        t.set(t0() + Duration::days(20));
        let amend =
            |key: &str, material: bool, end: Option<DateTime<Utc>>| pb::AmendProjectRequest {
                request_id: key.into(),
                project_id: p.id.clone(),
                summary: "技术参数第2.1条场强由1.5T改为3.0T".into(),
                material,
                evaluation_end: end.map(ts),
                ..Default::default()
            };
        let amended = t
            .client
            .amend_project(t.agent(amend("material", true, None)))
            .await
            .unwrap()
            .into_inner()
            .periods
            .unwrap();
        let opening = instant(amended.opening_at.as_ref());
        assert_eq!(opening, t.now() + Duration::days(15) + Duration::hours(1));
        assert_eq!(
            amended.evaluation_end,
            Some(ts(opening + Duration::days(5))),
            "the evaluation moves with the opening"
        );
        let events: Vec<pb::ProjectAmended> =
            payloads(&t, "trading.project.amended", "ProjectAmended").await;
        let in_event = events.last().unwrap().periods.as_ref().unwrap();
        assert_eq!(in_event.evaluation_end, amended.evaluation_end);

        let longer = opening + Duration::days(12);
        let given = t
            .client
            .amend_project(t.agent(amend("longer", false, Some(longer))))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(given.periods.unwrap().evaluation_end, Some(ts(longer)));
        let refused = t
            .client
            .amend_project(t.agent(amend("before", false, Some(opening - Duration::hours(1)))))
            .await
            .unwrap_err();
        assert_eq!(bad_fields(&refused), ["evaluation_end"]);
    }
}

#[tokio::test]
async fn an_evaluation_end_must_follow_the_opening_within_thirty_days() {
    let mut t = TestTrading::on_sqlite().await;
    for (i, end) in [
        opening_time(),
        opening_time() - Duration::days(1),
        opening_time() + Duration::days(31),
    ]
    .into_iter()
    .enumerate()
    {
        let mut project = tender("大同市第六人民医院监护仪采购");
        project.periods.as_mut().unwrap().evaluation_end = Some(ts(end));
        let status = t
            .client
            .create_project(t.agent(pb::CreateProjectRequest {
                request_id: format!("bad-{i}"),
                project: Some(project),
            }))
            .await
            .unwrap_err();
        assert_eq!(
            bad_fields(&status),
            ["project.periods.evaluation_end"],
            "{end}"
        );
    }
}

#[tokio::test]
async fn an_evaluation_after_its_end_is_taken_and_supervision_sees_it() {
    for mut t in TestTrading::on_every_engine().await {
        seed_experts(&mut t, "医疗设备", 6).await;
        let p = t
            .announced(tender("大同市第七人民医院内窥镜采购"), "late")
            .await;
        for n in 1..=3 {
            let price = 2_000_000_00 + i64::from(n);
            t.bid(&p.id, n, price, format!("endoscope {n}").as_bytes())
                .await
                .unwrap();
        }
        t.set(opening_time());
        t.client
            .open_bids(t.agent(pb::OpenBidsRequest {
                request_id: "open".into(),
                project_id: p.id.clone(),
            }))
            .await
            .unwrap();
        t.client
            .draw_experts(t.agent(pb::DrawExpertsRequest {
                request_id: "draw".into(),
                project_id: p.id.clone(),
            }))
            .await
            .unwrap();
        let end = opening_time() + Duration::days(5);
        t.set(end + Duration::days(1));
        let evaluation = t
            .client
            .evaluate_bids(t.agent(pb::EvaluateBidsRequest {
                request_id: "eval".into(),
                project_id: p.id.clone(),
                sheets: vec![],
            }))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            instant(evaluation.evaluated_at.as_ref()),
            end + Duration::days(1)
        );
        let seen = t
            .client
            .get_project(t.supervisor(pb::GetProjectRequest {
                project_id: p.id.clone(),
            }))
            .await
            .unwrap()
            .into_inner();
        let planned = instant(seen.periods.unwrap().evaluation_end.as_ref());
        let done = instant(seen.evaluation_result.unwrap().evaluated_at.as_ref());
        assert!(done > planned, "{done} after {planned} ({})", t.db.label);
    }
}
