//! A tender's life: announcement and its minimums, amendments, failure for too few bids,
//! the award held by an objection until answered, the contract; bad input, illegal
//! transitions, retries, visibility, events and the audit trail.

use chrono::Duration;
use futures::StreamExt;
use onewindow_kit::auth::Role;
use onewindow_proto::common::v1 as common;
use onewindow_proto::trading::v1 as pb;
use tonic::Code;
use tonic_types::StatusExt;

use crate::*;

/// The kinds of the events stored so far, in order.
async fn event_kinds(t: &mut TestTrading) -> Vec<String> {
    let head = onewindow_kit::outbox::head(t.trading.db()).await.unwrap();
    onewindow_kit::outbox::read(t.trading.db(), 0, head)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

async fn open(t: &mut TestTrading, id: &str) -> pb::OpeningRecord {
    t.set(opening_time());
    t.client
        .open_bids(t.agent(pb::OpenBidsRequest {
            request_id: format!("open-{id}"),
            project_id: id.into(),
        }))
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn a_tender_with_two_valid_bids_fails() {
    for mut t in TestTrading::on_every_engine().await {
        let p = t
            .announced(tender("大同市第四人民医院彩超采购"), "two")
            .await;
        t.bid(&p.id, 1, 1_200_000_00, b"proposal one")
            .await
            .unwrap();
        t.bid(&p.id, 2, 1_150_000_00, b"proposal two")
            .await
            .unwrap();
        let record = open(&mut t, &p.id).await;
        assert!(record.failed);
        assert_eq!(record.lots[0].valid_bids, 2);
        let project = t.project(&p.id).await;
        assert_eq!(
            project.state,
            pb::ProjectState::Failed as i32,
            "{}",
            t.db.label
        );
        assert!(project
            .failure_reason
            .contains("2 valid bids of 3 required"));
        let kinds = event_kinds(&mut t).await;
        assert_eq!(
            kinds
                .iter()
                .filter(|k| *k == "trading.bid.received")
                .count(),
            2
        );
        assert!(kinds.ends_with(&[
            "trading.bids.opened".into(),
            "trading.project.failed".into()
        ]));
    }
}

#[tokio::test]
async fn announcing_checks_the_legal_minimum_period() {
    let mut t = TestTrading::on_sqlite().await;
    let mut short = tender("大同市图书馆图书采购");
    let periods = short.periods.as_mut().unwrap();
    periods.bid_deadline = Some(ts(t0() + Duration::days(19)));
    periods.opening_at = Some(ts(t0() + Duration::days(19) + Duration::hours(1)));
    let created = t
        .client
        .create_project(t.agent(pb::CreateProjectRequest {
            request_id: "c".into(),
            project: Some(short),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.state, pb::ProjectState::Draft as i32);
    assert!(
        created.code.starts_with("140200-2026-ZC"),
        "{}",
        created.code
    );
    let refused = t
        .client
        .announce_project(t.agent(pb::AnnounceProjectRequest {
            request_id: "a".into(),
            project_id: created.id.clone(),
        }))
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&refused), ["periods.bid_deadline"]);
    assert!(
        refused.message().contains("20 days"),
        "{}",
        refused.message()
    );
}

#[tokio::test]
async fn a_material_amendment_extends_the_deadline() {
    for mut t in TestTrading::on_every_engine().await {
        let p = t
            .announced(tender("大同市第一人民医院MRI采购"), "amend")
            .await;
        let deadline = t0() + Duration::days(25);
        t.set(deadline - Duration::days(5));
        let amend = |material: bool, key: &str| pb::AmendProjectRequest {
            request_id: key.into(),
            project_id: p.id.clone(),
            summary: "技术参数第4.2条磁场强度由1.5T改为3.0T".into(),
            material,
            ..Default::default()
        };
        let clarified = t
            .client
            .amend_project(t.agent(amend(false, "clarify")))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(clarified.periods.unwrap().bid_deadline, Some(ts(deadline)));
        let amended = t
            .client
            .amend_project(t.agent(amend(true, "material")))
            .await
            .unwrap()
            .into_inner();
        let periods = amended.periods.unwrap();
        let extended = t.now() + Duration::days(15);
        assert_eq!(periods.bid_deadline, Some(ts(extended)), "{}", t.db.label);
        assert_eq!(periods.opening_at, Some(ts(extended + Duration::hours(1))));
        assert_eq!(amended.amendments.len(), 2);
        assert!(event_kinds(&mut t)
            .await
            .contains(&"trading.project.amended".to_string()));
        // A bid after the old deadline is now on time.
        t.set(deadline + Duration::days(1));
        t.bid(&p.id, 1, 5_000_000_00, b"on time after the extension")
            .await
            .unwrap();
        let by_bidder = t
            .client
            .amend_project(t.bidder(1, amend(true, "x")))
            .await
            .unwrap_err();
        assert_eq!(by_bidder.code(), Code::PermissionDenied);
    }
}

#[tokio::test]
async fn an_objection_holds_the_award_until_it_is_answered() {
    for mut t in TestTrading::on_every_engine().await {
        seed_experts(&mut t, "医疗设备", 6).await;
        let p = t
            .announced(tender("大同市第三人民医院64排CT采购"), "objection")
            .await;
        for (n, price) in [(1, 5_100_000_00), (2, 5_300_000_00), (3, 5_250_000_00)] {
            t.bid(&p.id, n, price, format!("proposal {n}").as_bytes())
                .await
                .unwrap();
        }
        open(&mut t, &p.id).await;
        let id = p.id.clone();
        let agent = |body| t.agent(body);
        let draw = agent(pb::DrawExpertsRequest {
            request_id: "draw".into(),
            project_id: id.clone(),
        });
        let panel = t.client.draw_experts(draw).await.unwrap().into_inner();
        assert_eq!(panel.members.len(), 3);
        let eval = t.agent(pb::EvaluateBidsRequest {
            request_id: "eval".into(),
            project_id: id.clone(),
            sheets: vec![],
        });
        let evaluation = t.client.evaluate_bids(eval).await.unwrap().into_inner();
        assert_eq!(evaluation.ranking[0].price_fen, 5_100_000_00);
        let publicize = t.agent(pb::PublicizeAwardRequest {
            request_id: "pub".into(),
            project_id: id.clone(),
        });
        let publicized = t
            .client
            .publicize_award(publicize)
            .await
            .unwrap()
            .into_inner();
        assert_eq!(publicized.state, pb::ProjectState::AwardPublicized as i32);
        let award = &publicized.awards[0];
        assert_eq!(
            (award.value_fen, award.runner_up_value_fen),
            (5_100_000_00, 5_250_000_00)
        );
        let objection = |text: &str| pb::FileObjectionRequest {
            request_id: format!("object-{text}"),
            project_id: id.clone(),
            text: text.into(),
            objector: Some(party(2)),
        };
        let outsider = t
            .client
            .file_objection(t.bidder(9, objection("局外人质疑")))
            .await
            .unwrap_err();
        assert_eq!(outsider.code(), Code::PermissionDenied);
        let filed = t
            .client
            .file_objection(t.bidder(2, objection("中标人业绩证明不实")))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(filed.status, pb::ObjectionStatus::Open as i32);

        let end = publicized.periods.unwrap().award_publicity_end.unwrap();
        t.set(chrono::DateTime::from_timestamp(end.seconds, 0).unwrap() + Duration::days(1));
        t.tick().await;
        assert_eq!(
            t.project(&id).await.state,
            pb::ProjectState::AwardPublicized as i32,
            "held by the objection"
        );
        let contract = |key: &str| pb::RecordContractRequest {
            request_id: key.into(),
            project_id: id.clone(),
            award_id: "a1".into(),
            title: "64排CT采购合同".into(),
            value_fen: 5_100_000_00,
            signed_on: "2026-12-20".into(),
        };
        let early = t
            .client
            .record_contract(t.agent(contract("early")))
            .await
            .unwrap_err();
        assert_eq!(early.code(), Code::FailedPrecondition);
        assert!(
            early.message().contains("award_publicized"),
            "{}",
            early.message()
        );

        let answer = pb::AnswerObjectionRequest {
            request_id: "answer".into(),
            project_id: id.clone(),
            objection_id: filed.id.clone(),
            answer: "经核查业绩证明真实有效，质疑不成立".into(),
            upheld: false,
        };
        t.client.answer_objection(t.agent(answer)).await.unwrap();
        t.tick().await;
        let awarded = t.project(&id).await;
        assert_eq!(
            awarded.state,
            pb::ProjectState::Awarded as i32,
            "{}",
            t.db.label
        );
        let signed = t
            .client
            .record_contract(t.agent(contract("sign")))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(signed.value_fen, 5_100_000_00);
        assert_eq!(
            t.project(&id).await.state,
            pb::ProjectState::Contracted as i32
        );

        let kinds = event_kinds(&mut t).await;
        let tail: Vec<&str> = kinds
            .iter()
            .map(String::as_str)
            .filter(|k| !k.starts_with("trading.bid."))
            .collect();
        assert_eq!(
            tail,
            [
                "trading.project.announced",
                "trading.project.bidding_started",
                "trading.bids.opened",
                "trading.project.evaluated",
                "trading.award.publicized",
                "trading.objection.filed",
                "trading.objection.answered",
                "trading.project.awarded",
                "trading.contract.signed",
            ]
        );
        let trail = t
            .client
            .get_audit_trail(t.supervisor(common::GetAuditTrailRequest {
                object_type: "project".into(),
                object_id: id.clone(),
            }))
            .await
            .unwrap()
            .into_inner();
        assert!(trail.verified);
        let actions: Vec<&str> = trail.entries.iter().map(|e| e.action.as_str()).collect();
        assert!(
            actions.contains(&"open_bids") && actions.contains(&"answer_objection"),
            "{actions:?}"
        );
        let answered = trail
            .entries
            .iter()
            .find(|e| e.action == "answer_objection")
            .unwrap();
        assert!(
            answered.change_json.contains("awarded"),
            "the answer made the award final"
        );
    }
}

#[tokio::test]
async fn bad_projects_name_every_bad_field() {
    let mut t = TestTrading::on_sqlite().await;
    let mut bad = tender("");
    bad.method = pb::Method::Auction as i32;
    bad.lots[0].budget_fen = -1;
    bad.owner.as_mut().unwrap().credit_code = "91140200MA0K0000X".into();
    bad.periods.as_mut().unwrap().evaluation_end = Some(ts(opening_time() + Duration::days(2)));
    let status = t
        .client
        .create_project(t.agent(pb::CreateProjectRequest {
            request_id: "bad".into(),
            project: Some(bad),
        }))
        .await
        .unwrap_err();
    let fields = bad_fields(&status);
    for f in [
        "project.title",
        "project.method",
        "project.owner.credit_code",
        "project.lots[0].budget_fen",
        "project.periods.evaluation_end",
    ] {
        assert!(fields.contains(&f.to_string()), "{f} in {fields:?}");
    }
}

#[tokio::test]
async fn illegal_transitions_name_the_state_and_the_command() {
    let mut t = TestTrading::on_sqlite().await;
    let created = t
        .client
        .create_project(t.agent(pb::CreateProjectRequest {
            request_id: "c".into(),
            project: Some(tender("大同市档案馆密集架采购")),
        }))
        .await
        .unwrap()
        .into_inner();
    let status = t
        .client
        .open_bids(t.agent(pb::OpenBidsRequest {
            request_id: "o".into(),
            project_id: created.id.clone(),
        }))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    let details = status.get_error_details();
    let violation = &details.precondition_failure().unwrap().violations[0];
    assert!(
        violation.description.contains("draft"),
        "{}",
        violation.description
    );
    assert!(
        violation.description.contains("open_bids"),
        "{}",
        violation.description
    );
    let missing = t
        .client
        .announce_project(t.agent(pb::AnnounceProjectRequest {
            request_id: "m".into(),
            project_id: "nope".into(),
        }))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
}

#[tokio::test]
async fn a_retried_command_answers_the_same_and_changes_nothing() {
    for mut t in TestTrading::on_every_engine().await {
        let p = t
            .announced(tender("大同市儿童医院呼吸机采购"), "retry")
            .await;
        let again = t
            .client
            .announce_project(t.agent(pb::AnnounceProjectRequest {
                request_id: "announce-retry".into(),
                project_id: p.id.clone(),
            }))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(again, p);
        let kinds = event_kinds(&mut t).await;
        assert_eq!(
            kinds
                .iter()
                .filter(|k| *k == "trading.project.announced")
                .count(),
            1
        );
    }
}

#[tokio::test]
async fn drafts_are_for_staff_and_the_event_stream_for_oversight() {
    let mut t = TestTrading::on_sqlite().await;
    let created = t
        .client
        .create_project(t.agent(pb::CreateProjectRequest {
            request_id: "c".into(),
            project: Some(tender("大同市税务局服务器采购")),
        }))
        .await
        .unwrap()
        .into_inner();
    let public = t
        .client
        .get_project(pb::GetProjectRequest {
            project_id: created.id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(public.code(), Code::NotFound);
    let listed = t
        .client
        .list_projects(pb::ListProjectsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(listed.projects.is_empty());
    let seen = t
        .client
        .get_project(t.supervisor(pb::GetProjectRequest {
            project_id: created.id.clone(),
        }))
        .await
        .unwrap();
    assert_eq!(seen.into_inner().state, pb::ProjectState::Draft as i32);
    let anonymous = t
        .client
        .watch(common::WatchRequest::default())
        .await
        .unwrap_err();
    assert_eq!(anonymous.code(), Code::Unauthenticated);
    let bidder = t
        .client
        .watch(t.as_user("e", Role::Applicant, common::WatchRequest::default()))
        .await
        .unwrap_err();
    assert_eq!(bidder.code(), Code::PermissionDenied);
    let mut stream = t
        .client
        .watch(t.as_user("svc", Role::Service, common::WatchRequest::default()))
        .await
        .unwrap()
        .into_inner();
    t.client
        .announce_project(t.agent(pb::AnnounceProjectRequest {
            request_id: "a".into(),
            project_id: created.id.clone(),
        }))
        .await
        .unwrap();
    let first = tokio::time::timeout(std::time::Duration::from_secs(5), stream.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(first.kind, "trading.project.announced");
}
