//! A handler's inbox: what awaits intake first, then by due date, and a stage filter that
//! pages and counts only the cases at that stage.

use onewindow_kit::auth::{Principal, Role};
use onewindow_proto::cases::v1 as pb;
use onewindow_proto::catalog::v1 as catalog;
use onewindow_proto::common::v1 as common;

use crate::{applicant, uploads, Hall};

/// The staff of one item's department, and the item.
struct Desk {
    item: catalog::Item,
    citizen: Principal,
    clerk: Principal,
    approver: Principal,
}

impl Desk {
    async fn open(h: &mut Hall) -> Desk {
        let item = h.item(catalog::ItemClass::Promised, false).await;
        let dept = item.department_id.clone();
        Desk {
            citizen: Hall::principal(Role::Applicant, None),
            clerk: Hall::principal(Role::Clerk, Some(&dept)),
            approver: Hall::principal(Role::Approver, Some(&dept)),
            item,
        }
    }

    async fn submit(&self, h: &mut Hall, serial: u32) -> pb::Case {
        h.cases
            .submit_case(h.req(
                &self.citizen,
                pb::SubmitCaseRequest {
                    request_id: format!("inbox-submit-{serial}"),
                    item_id: self.item.id.clone(),
                    applicant: Some(applicant(serial)),
                    materials: uploads(&self.item),
                },
            ))
            .await
            .unwrap()
            .into_inner()
    }

    /// Accepts the case, then completes the approver's stages that follow in order, at most
    /// `stages` of them; the case then awaits the next stage.
    async fn accept_and_complete(&self, h: &mut Hall, case: &pb::Case, stages: usize) -> pb::Case {
        let mut case = h
            .cases
            .accept_case(h.req(
                &self.clerk,
                pb::AcceptCaseRequest {
                    request_id: format!("inbox-accept-{}", case.id),
                    case_id: case.id.clone(),
                    revision: case.revision,
                    note: String::new(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        let approvers = self
            .item
            .steps
            .iter()
            .skip_while(|s| s.stage == common::Stage::Accept as i32)
            .take_while(|s| s.handler_role == common::HandlerRole::Approver as i32)
            .map(|s| s.stage)
            .collect::<Vec<_>>();
        assert!(
            approvers.len() >= stages,
            "the item has {} approver stages after intake",
            approvers.len()
        );
        for stage in approvers.into_iter().take(stages) {
            case = h
                .cases
                .complete_stage(h.req(
                    &self.approver,
                    pb::CompleteStageRequest {
                        request_id: format!("inbox-stage-{}-{stage}", case.id),
                        case_id: case.id.clone(),
                        revision: case.revision,
                        stage,
                        opinion: "同意".into(),
                    },
                ))
                .await
                .unwrap()
                .into_inner();
        }
        case
    }

    /// Every inbox entry of `who` at `stage` (0: any), page by page, with each page's size
    /// and stated total.
    async fn pages(
        &self,
        h: &mut Hall,
        who: &Principal,
        stage: common::Stage,
        page_size: i32,
    ) -> (Vec<pb::InboxEntry>, Vec<(usize, i32)>) {
        let mut entries = Vec::new();
        let mut pages = Vec::new();
        let mut page_token = String::new();
        loop {
            let page = h
                .cases
                .get_inbox(h.req(
                    who,
                    pb::GetInboxRequest {
                        stage: stage as i32,
                        page_size,
                        page_token: page_token.clone(),
                    },
                ))
                .await
                .unwrap()
                .into_inner();
            pages.push((page.entries.len(), page.total_size));
            entries.extend(page.entries);
            if page.next_page_token.is_empty() {
                return (entries, pages);
            }
            assert!(pages.len() < 20, "{}: the inbox pages never end", h.label);
            page_token = page.next_page_token;
        }
    }
}

fn case_ids(entries: &[pb::InboxEntry]) -> Vec<String> {
    entries
        .iter()
        .map(|e| e.case_summary.as_ref().unwrap().id.clone())
        .collect()
}

#[tokio::test]
async fn the_inbox_lists_cases_awaiting_intake_first_then_by_due_date() {
    for mut h in Hall::on_every_engine().await {
        let desk = Desk::open(&mut h).await;
        // Submitted first but accepted two days later, so due later.
        let late = desk.submit(&mut h, 11).await;
        let early = desk.submit(&mut h, 12).await;
        let early = desk.accept_and_complete(&mut h, &early, 2).await;
        h.advance_days(2);
        let late = desk.accept_and_complete(&mut h, &late, 2).await;
        let older_intake = desk.submit(&mut h, 13).await;
        h.advance_days(1);
        let newer_intake = desk.submit(&mut h, 14).await;

        let expected = vec![
            older_intake.id.clone(),
            newer_intake.id.clone(),
            early.id.clone(),
            late.id.clone(),
        ];
        let (entries, pages) = desk
            .pages(&mut h, &desk.clerk, common::Stage::Unspecified, 20)
            .await;
        assert_eq!(case_ids(&entries), expected, "{}", h.label);
        assert_eq!(pages, vec![(4, 4)], "{}", h.label);
        let dues: Vec<&str> = entries.iter().map(|e| e.due_date.as_str()).collect();
        assert!(
            dues[0].is_empty() && dues[1].is_empty(),
            "{}: {dues:?}",
            h.label
        );
        assert!(
            !dues[2].is_empty() && dues[2] < dues[3],
            "{}: {dues:?}",
            h.label
        );
        assert_eq!(
            entries.iter().map(|e| e.stage).collect::<Vec<_>>(),
            vec![
                common::Stage::Accept as i32,
                common::Stage::Accept as i32,
                common::Stage::Conclude as i32,
                common::Stage::Conclude as i32,
            ],
            "{}",
            h.label
        );

        // Page by page, the same order.
        let (paged, pages) = desk
            .pages(&mut h, &desk.clerk, common::Stage::Unspecified, 3)
            .await;
        assert_eq!(case_ids(&paged), expected, "{}", h.label);
        assert_eq!(pages, vec![(3, 4), (1, 4)], "{}", h.label);
    }
}

#[tokio::test]
async fn a_stage_filtered_inbox_pages_and_counts_only_that_stage() {
    for mut h in Hall::on_every_engine().await {
        let desk = Desk::open(&mut h).await;
        let mut at_review = Vec::new();
        let mut at_decide = Vec::new();
        let mut awaiting_intake = Vec::new();
        for k in 0..8u32 {
            let case = desk.submit(&mut h, 20 + k).await;
            match k % 3 {
                0 => at_review.push(desk.accept_and_complete(&mut h, &case, 0).await.id),
                1 => at_decide.push(desk.accept_and_complete(&mut h, &case, 1).await.id),
                _ => awaiting_intake.push(case.id),
            }
            // Two a day from Monday to Thursday, so the stages' due dates interleave.
            if k % 2 == 1 {
                h.advance_days(1);
            }
        }
        at_review.sort();
        at_decide.sort();
        awaiting_intake.sort();
        assert_eq!(
            (at_review.len(), at_decide.len(), awaiting_intake.len()),
            (3, 3, 2)
        );

        for (who, stage, want, page_size, want_pages) in [
            (
                &desk.approver,
                common::Stage::Decide,
                &at_decide,
                2,
                vec![(2, 3), (1, 3)],
            ),
            (
                &desk.approver,
                common::Stage::Review,
                &at_review,
                2,
                vec![(2, 3), (1, 3)],
            ),
            (
                &desk.approver,
                common::Stage::Review,
                &at_review,
                3,
                vec![(3, 3)],
            ),
            (
                &desk.clerk,
                common::Stage::Accept,
                &awaiting_intake,
                1,
                vec![(1, 2), (1, 2)],
            ),
            (
                &desk.clerk,
                common::Stage::Conclude,
                &Vec::new(),
                2,
                vec![(0, 0)],
            ),
        ] {
            let (entries, pages) = desk.pages(&mut h, who, stage, page_size).await;
            assert_eq!(pages, want_pages, "{}: {stage:?} by {page_size}", h.label);
            assert!(
                entries.iter().all(|e| e.stage == stage as i32),
                "{}: {stage:?}",
                h.label
            );
            let mut ids = case_ids(&entries);
            ids.sort();
            assert_eq!(&ids, want, "{}: {stage:?}", h.label);
        }

        // Unfiltered, the approver's inbox holds both stages, in due-date order.
        let (entries, pages) = desk
            .pages(&mut h, &desk.approver, common::Stage::Unspecified, 4)
            .await;
        assert_eq!(pages, vec![(4, 6), (2, 6)], "{}", h.label);
        let dues: Vec<&str> = entries.iter().map(|e| e.due_date.as_str()).collect();
        assert!(
            dues.windows(2).all(|w| w[0] <= w[1]),
            "{}: {dues:?}",
            h.label
        );
    }
}
