//! The expert draw: experts who work for a bidder, the owner or the agency, or who declared a
//! conflict with any of them, are never drawn; anyone can redo the draw from the published seed.

use onewindow_proto::trading::v1 as pb;
use onewindow_trading::domain::{draw_panel, Conflicts, Expert};

use crate::*;

#[tokio::test]
async fn the_draw_excludes_conflicted_experts_and_is_reproducible_from_its_seed() {
    for mut t in TestTrading::on_every_engine().await {
        seed_experts(&mut t, "医疗设备", 12).await;
        let mut tied = expert(3, "医疗设备");
        tied.organization_credit_code = party(1).credit_code;
        let mut declared = expert(5, "医疗设备");
        declared.conflict_credit_codes = vec![party(2).credit_code];
        let mut owners = expert(7, "医疗设备");
        owners.organization_credit_code = owner().credit_code;
        let mut declared_agency = expert(9, "医疗设备");
        declared_agency.conflict_credit_codes = vec![agency().credit_code];
        for (i, e) in [tied, declared, owners, declared_agency]
            .into_iter()
            .enumerate()
        {
            t.client
                .put_expert(t.agent(pb::PutExpertRequest {
                    request_id: format!("conflict-{i}"),
                    expert: Some(e),
                }))
                .await
                .unwrap();
        }
        let mut project = tender("大同市第三人民医院血液透析设备采购");
        project.evaluation.as_mut().unwrap().panel_size = 7;
        let p = t.announced(project, "draw").await;
        for n in 1..=3 {
            t.bid(
                &p.id,
                n,
                3_000_000_00 + i64::from(n),
                format!("dialysis {n}").as_bytes(),
            )
            .await
            .unwrap();
        }
        t.set(opening_time());
        let record = t
            .client
            .open_bids(t.agent(pb::OpenBidsRequest {
                request_id: "open".into(),
                project_id: p.id.clone(),
            }))
            .await
            .unwrap()
            .into_inner();
        let panel = t
            .client
            .draw_experts(t.agent(pb::DrawExpertsRequest {
                request_id: "draw".into(),
                project_id: p.id.clone(),
            }))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            panel.seed, record.draw_seed,
            "the seed was fixed at the opening"
        );
        let excluded: Vec<(&str, &str)> = panel
            .excluded
            .iter()
            .map(|e| (e.expert_id.as_str(), e.reason.as_str()))
            .collect();
        assert_eq!(excluded.len(), 4, "{excluded:?}");
        assert_eq!(excluded[0], ("e003", "works for a bidder"));
        assert!(excluded[1].1.starts_with("declared a conflict"));
        assert_eq!(excluded[2], ("e007", "works for the owner or the agency"));
        let with_agency = format!("declared a conflict with {}", agency().credit_code);
        assert_eq!(excluded[3], ("e009", with_agency.as_str()));
        let members: Vec<&str> = panel.members.iter().map(|m| m.expert_id.as_str()).collect();
        assert_eq!(members.len(), 7);
        assert!(!members
            .iter()
            .any(|m| ["e003", "e005", "e007", "e009"].contains(m)));

        // The public does not see the panel while it works.
        let public = t
            .client
            .get_project(pb::GetProjectRequest {
                project_id: p.id.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        assert!(public.panel.is_none());

        // Redo the draw from the pool, the opening record and the seed.
        let pool: Vec<Expert> = t
            .client
            .list_experts(t.supervisor(pb::ListExpertsRequest {
                specialty: "医疗设备".into(),
            }))
            .await
            .unwrap()
            .into_inner()
            .experts
            .into_iter()
            .map(|e| Expert {
                id: e.id,
                name: e.name,
                specialty: e.specialty,
                organization: e.organization,
                organization_credit_code: e.organization_credit_code,
                conflict_credit_codes: e.conflict_credit_codes,
                active: e.active,
            })
            .collect();
        let conflicts = Conflicts {
            bidders: record
                .bids
                .iter()
                .map(|b| b.bidder.clone().unwrap().credit_code)
                .collect(),
            owner: owner().credit_code,
            agency: agency().credit_code,
        };
        let again =
            draw_panel(&pool, "医疗设备", 7, &record.draw_seed, &conflicts, t.now()).unwrap();
        let redone: Vec<&str> = again.members.iter().map(|m| m.expert_id.as_str()).collect();
        assert_eq!(redone, members, "{}", t.db.label);
    }
}
