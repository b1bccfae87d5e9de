//! One case from submission to conclusion, and what each party sees.

use onewindow_kit::auth::Role;
use onewindow_proto::cases::v1 as pb;
use onewindow_proto::catalog::v1 as catalog;
use onewindow_proto::common::v1 as common;
use tonic::Code;

use crate::{applicant, uploads, Hall};

#[tokio::test]
async fn a_promised_case_goes_from_submission_to_approval_and_the_citizen_follows_it() {
    for mut h in Hall::on_every_engine().await {
        let item = h.item(catalog::ItemClass::Promised, false).await;
        let dept = item.department_id.clone();
        let citizen = Hall::principal(Role::Applicant, None);
        let clerk = Hall::principal(Role::Clerk, Some(&dept));
        let approver = Hall::principal(Role::Approver, Some(&dept));

        let submitted = h
            .cases
            .submit_case(h.req(
                &citizen,
                pb::SubmitCaseRequest {
                    request_id: "s1".into(),
                    item_id: item.id.clone(),
                    applicant: Some(applicant(1)),
                    materials: uploads(&item),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert!(
            submitted.case_number.starts_with("140200-2026-"),
            "{}",
            submitted.case_number
        );
        assert_eq!(submitted.query_code.len(), 8);
        assert_eq!(submitted.state, pb::CaseState::Submitted as i32);

        // Intake by the department's clerk; another department's clerk may not.
        let other = Hall::principal(Role::Clerk, Some("zzz"));
        let denied = h
            .cases
            .accept_case(h.req(
                &other,
                pb::AcceptCaseRequest {
                    request_id: "a0".into(),
                    case_id: submitted.id.clone(),
                    revision: 0,
                    note: String::new(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(denied.code(), Code::PermissionDenied, "{}", h.label);
        let mut case = h
            .cases
            .accept_case(h.req(
                &clerk,
                pb::AcceptCaseRequest {
                    request_id: "a1".into(),
                    case_id: submitted.id.clone(),
                    revision: submitted.revision,
                    note: "材料齐全".into(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(case.state, pb::CaseState::InProgress as i32);
        assert!(!case.planned_due_date.is_empty());

        // The inbox of the stage's handler holds it.
        let stages: Vec<i32> = item
            .steps
            .iter()
            .map(|s| s.stage)
            .filter(|s| *s != common::Stage::Accept as i32)
            .collect();
        for (n, stage) in stages.iter().enumerate() {
            let step = item.steps.iter().find(|s| s.stage == *stage).unwrap();
            let who = if step.handler_role == common::HandlerRole::Approver as i32 {
                &approver
            } else {
                &clerk
            };
            let inbox = h
                .cases
                .get_inbox(h.req(who, pb::GetInboxRequest::default()))
                .await
                .unwrap()
                .into_inner();
            assert!(
                inbox
                    .entries
                    .iter()
                    .any(|e| e.case_summary.as_ref().is_some_and(|c| c.id == case.id)),
                "{}: stage {stage} not in inbox",
                h.label
            );
            h.advance_days(1);
            if *stage == common::Stage::Conclude as i32 {
                case = h
                    .cases
                    .conclude_case(h.req(
                        who,
                        pb::ConcludeCaseRequest {
                            request_id: format!("c{n}"),
                            case_id: case.id.clone(),
                            revision: case.revision,
                            conclusion: Some(pb::Conclusion {
                                kind: pb::OutcomeKind::Approved as i32,
                                result_reference: "同证字〔2026〕001号".into(),
                                ..Default::default()
                            }),
                            opinion: "准予许可".into(),
                        },
                    ))
                    .await
                    .unwrap()
                    .into_inner();
            } else {
                case = h
                    .cases
                    .complete_stage(h.req(
                        who,
                        pb::CompleteStageRequest {
                            request_id: format!("st{n}"),
                            case_id: case.id.clone(),
                            revision: case.revision,
                            stage: *stage,
                            opinion: "同意".into(),
                        },
                    ))
                    .await
                    .unwrap()
                    .into_inner();
            }
        }
        assert_eq!(case.state, pb::CaseState::Concluded as i32, "{}", h.label);

        // The citizen follows it without an account; personal data is masked.
        let public = h
            .cases
            .lookup_case(pb::LookupCaseRequest {
                case_number: submitted.case_number.clone(),
                query_code: submitted.query_code.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(public.state, pb::CaseState::Concluded as i32);
        let text = format!("{public:?}");
        assert!(
            !text.contains(&applicant(1).id_number) && !text.contains("13912345678"),
            "{text}"
        );
        let wrong = h
            .cases
            .lookup_case(pb::LookupCaseRequest {
                case_number: submitted.case_number.clone(),
                query_code: "ABCDEFGH".into(),
            })
            .await
            .unwrap_err();
        assert_eq!(wrong.code(), Code::NotFound);

        // A closed case refuses every command.
        let again = h
            .cases
            .withdraw_case(h.req(
                &citizen,
                pb::WithdrawCaseRequest {
                    request_id: "w1".into(),
                    case_id: case.id.clone(),
                    revision: 0,
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(again.code(), Code::FailedPrecondition);
    }
}

#[tokio::test]
async fn ten_concurrent_retries_of_one_submission_create_one_case() {
    for mut h in Hall::on_every_engine().await {
        let item = h.item(catalog::ItemClass::Promised, false).await;
        let citizen = Hall::principal(Role::Applicant, None);
        let body = pb::SubmitCaseRequest {
            request_id: "once".into(),
            item_id: item.id.clone(),
            applicant: Some(applicant(2)),
            materials: uploads(&item),
        };
        let mut tasks = Vec::new();
        for _ in 0..10 {
            let mut c = h.cases.clone();
            let r = h.req(&citizen, body.clone());
            tasks.push(tokio::spawn(async move { c.submit_case(r).await }));
        }
        let mut ids = std::collections::BTreeSet::new();
        for t in tasks {
            if let Ok(r) = t.await.unwrap() {
                ids.insert(r.into_inner().id);
            }
        }
        assert_eq!(ids.len(), 1, "{}", h.label);
        let mine = h
            .cases
            .list_cases(h.req(&citizen, pb::ListCasesRequest::default()))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(mine.cases.len(), 1, "{}", h.label);
    }
}

#[tokio::test]
async fn submission_is_refused_for_unknown_items_and_bad_applicants() {
    let mut h = Hall::on_sqlite().await;
    let citizen = Hall::principal(Role::Applicant, None);
    let item = h.item(catalog::ItemClass::Promised, false).await;
    let mut bad = applicant(3);
    bad.id_number = "140202198501010000".into();
    bad.phone = "12".into();
    let err = h
        .cases
        .submit_case(h.req(
            &citizen,
            pb::SubmitCaseRequest {
                request_id: "bad".into(),
                item_id: item.id.clone(),
                applicant: Some(bad),
                materials: uploads(&item),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
    let unknown = h
        .cases
        .submit_case(h.req(
            &citizen,
            pb::SubmitCaseRequest {
                request_id: "unknown".into(),
                item_id: format!("{}9", &item.id[..29]),
                applicant: Some(applicant(3)),
                materials: vec![],
            },
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(unknown.code(), Code::NotFound | Code::FailedPrecondition),
        "{unknown:?}"
    );
    let anonymous = h
        .cases
        .submit_case(pb::SubmitCaseRequest {
            request_id: "anon".into(),
            item_id: item.id.clone(),
            applicant: Some(applicant(3)),
            materials: uploads(&item),
        })
        .await
        .unwrap_err();
    assert_eq!(anonymous.code(), Code::Unauthenticated);
}

#[tokio::test]
async fn a_cancelled_item_takes_no_new_applications() {
    let mut h = Hall::on_sqlite().await;
    let item = h.item(catalog::ItemClass::Promised, false).await;
    let admin = Hall::principal(Role::CatalogAdmin, None);
    h.catalog
        .cancel_item(h.req(
            &admin,
            catalog::CancelItemRequest {
                request_id: "cx".into(),
                item_id: item.id.clone(),
                effective_date: "2026-12-01".into(),
                reason: "职能调整".into(),
            },
        ))
        .await
        .unwrap();
    // The cases service learns it from the catalog's stream; from the 1st it is refused.
    h.sync().await;
    h.advance_days(2);
    let citizen = Hall::principal(Role::Applicant, None);
    let err = h
        .cases
        .submit_case(h.req(
            &citizen,
            pb::SubmitCaseRequest {
                request_id: "late".into(),
                item_id: item.id.clone(),
                applicant: Some(applicant(4)),
                materials: uploads(&item),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition, "{err:?}");
}

/// More submissions and acceptances at once than the database pool has connections (four
/// in the tests): each command reads what it needs through its own transaction, so none
/// waits for a second connection while holding the number counter or a case row that the
/// others wait for. On PostgreSQL this used to stall until the pool's acquire timeout.
#[tokio::test]
async fn more_commands_at_once_than_pool_connections_all_complete() {
    const AT_ONCE: u32 = 16;
    for mut h in Hall::on_every_engine().await {
        let item = h.item(catalog::ItemClass::Promised, false).await;
        let citizen = Hall::principal(Role::Applicant, None);
        let clerk = Hall::principal(Role::Clerk, Some(&item.department_id));
        let mut tasks = Vec::new();
        for n in 0..AT_ONCE {
            let mut c = h.cases.clone();
            let r = h.req(
                &citizen,
                pb::SubmitCaseRequest {
                    request_id: format!("many-{n}"),
                    item_id: item.id.clone(),
                    applicant: Some(applicant(100 + n)),
                    materials: uploads(&item),
                },
            );
            tasks.push(tokio::spawn(async move { c.submit_case(r).await }));
        }
        let mut submitted = Vec::new();
        for t in tasks {
            let case = t
                .await
                .unwrap()
                .unwrap_or_else(|s| panic!("{}: {s:?}", h.label));
            submitted.push(case.into_inner());
        }
        let numbers: std::collections::BTreeSet<_> =
            submitted.iter().map(|c| c.case_number.clone()).collect();
        assert_eq!(numbers.len(), AT_ONCE as usize, "{}", h.label);

        let mut tasks = Vec::new();
        for case in &submitted {
            let mut c = h.cases.clone();
            let r = h.req(
                &clerk,
                pb::AcceptCaseRequest {
                    request_id: format!("accept-{}", case.id),
                    case_id: case.id.clone(),
                    revision: 0,
                    note: String::new(),
                },
            );
            tasks.push(tokio::spawn(async move { c.accept_case(r).await }));
        }
        for t in tasks {
            t.await
                .unwrap()
                .unwrap_or_else(|s| panic!("{}: {s:?}", h.label));
        }
    }
}
