//! An agency runs its own projects only: an agent of another agency can neither create a
//! project in its name, nor see its drafts, nor move, open, read or audit what it runs.

use onewindow_kit::auth::Role;
use onewindow_proto::common::v1 as common;
use onewindow_proto::trading::v1 as pb;
use tonic::Code;

use crate::*;

fn code<T>(r: Result<tonic::Response<T>, tonic::Status>) -> Code {
    match r {
        Ok(_) => Code::Ok,
        Err(s) => s.code(),
    }
}

#[tokio::test]
async fn an_agent_creates_projects_for_its_own_agency_only() {
    for mut t in TestTrading::on_every_engine().await {
        let create = |key: &str| pb::CreateProjectRequest {
            request_id: format!("create-{key}"),
            project: Some(tender("大同市第五人民医院监护仪采购")),
        };
        let other = t.other_agent(create("other"));
        assert_eq!(
            code(t.client.create_project(other).await),
            Code::PermissionDenied
        );
        let nobody = t.as_user("agent-0", Role::TradingAgent, create("nobody"));
        assert_eq!(
            code(t.client.create_project(nobody).await),
            Code::PermissionDenied
        );
        let own = t.agent(create("own"));
        assert_eq!(
            code(t.client.create_project(own).await),
            Code::Ok,
            "{}",
            t.db.label
        );
    }
}

#[tokio::test]
async fn another_agencys_agent_neither_sees_a_draft_nor_runs_a_project() {
    for mut t in TestTrading::on_every_engine().await {
        let draft = t
            .client
            .create_project(t.agent(pb::CreateProjectRequest {
                request_id: "create-draft".into(),
                project: Some(tender("大同市第五人民医院监护仪采购")),
            }))
            .await
            .unwrap()
            .into_inner();
        let get = |id: &str| pb::GetProjectRequest {
            project_id: id.into(),
        };
        let seen = t.client.get_project(t.other_agent(get(&draft.id))).await;
        assert_eq!(code(seen), Code::NotFound, "{}", t.db.label);
        let listed = t
            .client
            .list_projects(t.other_agent(pb::ListProjectsRequest::default()))
            .await
            .unwrap()
            .into_inner();
        assert!(listed.projects.iter().all(|p| p.id != draft.id));
        let own_list = t
            .client
            .list_projects(t.agent(pb::ListProjectsRequest::default()))
            .await
            .unwrap()
            .into_inner();
        assert!(own_list.projects.iter().any(|p| p.id == draft.id));

        let announce = |key: &str| pb::AnnounceProjectRequest {
            request_id: format!("announce-{key}"),
            project_id: draft.id.clone(),
        };
        let refused = t.client.announce_project(t.other_agent(announce("other")));
        assert_eq!(code(refused.await), Code::PermissionDenied);
        let cancel = pb::CancelProjectRequest {
            request_id: "cancel-other".into(),
            project_id: draft.id.clone(),
            reason: "采购需求变更".into(),
        };
        let refused = t.client.cancel_project(t.other_agent(cancel));
        assert_eq!(code(refused.await), Code::PermissionDenied);
        let announced = t.client.announce_project(t.agent(announce("own"))).await;
        assert_eq!(code(announced), Code::Ok);

        // Announced, the project is public; its contacts show to its own agency only.
        let public = t
            .client
            .get_project(t.other_agent(get(&draft.id)))
            .await
            .unwrap()
            .into_inner();
        let own = t.project(&draft.id).await;
        assert_ne!(
            public.agency, own.agency,
            "another agency sees masked contacts"
        );

        for n in 1..=3 {
            let doc = format!("proposal {n}");
            t.bid(&draft.id, n, 5_000_000_00 + i64::from(n), doc.as_bytes())
                .await
                .unwrap();
        }
        t.set(opening_time());
        let open = |key: &str| pb::OpenBidsRequest {
            request_id: format!("open-{key}"),
            project_id: draft.id.clone(),
        };
        let refused = t.client.open_bids(t.other_agent(open("other")));
        assert_eq!(code(refused.await), Code::PermissionDenied);
        let record = t
            .client
            .open_bids(t.agent(open("own")))
            .await
            .unwrap()
            .into_inner();
        let bid_id = record.bids[0].bid_id.clone();
        let document = |project_id: &str| pb::GetBidDocumentRequest {
            project_id: project_id.into(),
            bid_id: bid_id.clone(),
            index: 0,
        };
        let read = t
            .client
            .get_bid_document(t.other_agent(document(&draft.id)));
        assert_eq!(code(read.await), Code::NotFound);
        let read = t.client.get_bid_document(t.agent(document(&draft.id)));
        assert_eq!(code(read.await), Code::Ok);
        for (object_type, object_id) in [("project", &draft.id), ("bid", &bid_id)] {
            let trail = |_: ()| common::GetAuditTrailRequest {
                object_type: object_type.into(),
                object_id: object_id.clone(),
            };
            let other = t.client.get_audit_trail(t.other_agent(trail(())));
            assert_eq!(code(other.await), Code::NotFound, "{object_type}");
            let own = t.client.get_audit_trail(t.agent(trail(())));
            assert_eq!(code(own.await), Code::Ok, "{object_type}");
        }
        let draw = pb::DrawExpertsRequest {
            request_id: "draw-other".into(),
            project_id: draft.id.clone(),
        };
        let refused = t.client.draw_experts(t.other_agent(draw));
        assert_eq!(code(refused.await), Code::PermissionDenied);
    }
}
