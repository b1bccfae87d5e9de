//! The demo: all four kinds of trading in their states, played through the service.

use std::collections::BTreeSet;

use onewindow_proto::trading::v1 as pb;
use pb::ProjectState as S;

use crate::*;

#[tokio::test]
async fn the_demo_loads_once_with_every_kind_in_its_states() {
    for mut t in TestTrading::on_every_engine().await {
        let summary = t
            .trading
            .load_demo_if_empty()
            .await
            .unwrap()
            .expect("loaded");
        assert!(summary.contains("10 trading projects"), "{summary}");
        assert!(t.trading.load_demo_if_empty().await.unwrap().is_none());
        let all = t
            .client
            // The supervisor sees every agency's drafts too.
            .list_projects(t.supervisor(pb::ListProjectsRequest {
                page_size: 100,
                ..Default::default()
            }))
            .await
            .unwrap()
            .into_inner()
            .projects;
        assert_eq!(all.len(), 10);
        let kinds: BTreeSet<i32> = all.iter().map(|p| p.category).collect();
        assert_eq!(kinds.len(), 4, "all four kinds of trading");
        let states: BTreeSet<i32> = all.iter().map(|p| p.state).collect();
        for s in [
            S::Draft,
            S::Announced,
            S::Bidding,
            S::Evaluating,
            S::AwardPublicized,
            S::Awarded,
            S::Contracted,
            S::Failed,
            S::Cancelled,
        ] {
            assert!(states.contains(&(s as i32)), "{s:?} in {}", t.db.label);
        }
        let road = all.iter().find(|p| p.title.contains("御河东路")).unwrap();
        assert_eq!(road.state, S::Contracted as i32);
        assert_eq!(road.awards[0].status, pb::AwardStatus::Active as i32);
        assert_eq!(
            road.objections[0].status,
            pb::ObjectionStatus::Dismissed as i32
        );
        let ct = all.iter().find(|p| p.title.contains("医学影像")).unwrap();
        assert_eq!(ct.state, S::Bidding as i32);
        assert!(ct.opening.is_none(), "its bids stay sealed");
        let listing = all
            .iter()
            .find(|p| p.title.contains("DTG-2026-18"))
            .unwrap();
        assert_eq!(listing.auction.as_ref().unwrap().highest_fen, 59_000_000_00);
        let public = t
            .client
            .list_projects(pb::ListProjectsRequest {
                page_size: 100,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .projects;
        assert_eq!(public.len(), 9, "the draft is not public");
        let ocds = t
            .client
            .export_ocds(pb::ExportOcdsRequest {
                project_id: road.id.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        let package: serde_json::Value = serde_json::from_slice(&ocds.data).unwrap();
        let tags: Vec<&str> = package["releases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["tag"][0].as_str().unwrap())
            .collect();
        assert_eq!(
            tags,
            ["tender", "tenderUpdate", "award", "awardUpdate", "contract"]
        );
    }
}
