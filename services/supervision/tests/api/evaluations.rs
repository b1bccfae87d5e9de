//! Evaluation monitoring: verified evaluations, rectification tasks, public ratings.

use onewindow_proto::supervision::v1 as pb;
use tonic::{Code, Request};

use crate::events::Story;
use crate::{bad_fields, day, TestSupervision, DEPT, OTHER_DEPT};

fn evaluation(
    request_id: &str,
    number: &str,
    code: &str,
    rating: pb::Rating,
) -> pb::SubmitEvaluationRequest {
    pb::SubmitEvaluationRequest {
        request_id: request_id.into(),
        case_number: number.into(),
        query_code: code.into(),
        rating: rating as i32,
        dimensions: vec![pb::DimensionRating {
            dimension: pb::Dimension::Attitude as i32,
            rating: rating as i32,
        }],
        comment: "窗口人员让我跑了三趟".into(),
    }
}

#[tokio::test]
async fn a_bad_review_opens_a_rectification_task_due_fifteen_working_days_later() {
    for mut t in TestSupervision::on_every_engine().await {
        t.verifier
            .know("case-90", "140200-2026-000090", "QC90QC90", DEPT);
        // Anyone holding the number and the query code may evaluate: no account needed.
        let e = t
            .client
            .submit_evaluation(Request::new(evaluation(
                "e-1",
                "140200-2026-000090",
                "QC90QC90",
                pb::Rating::VeryDissatisfied,
            )))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(e.department_id, DEPT);
        assert!(!e.rectification_id.is_empty());
        let get = |t: &TestSupervision| {
            let mut c = t.client.clone();
            let req = t.supervisor(pb::GetRectificationRequest {
                rectification_id: e.rectification_id.clone(),
            });
            async move { c.get_rectification(req).await.unwrap().into_inner() }
        };
        let task = get(&t).await;
        // Monday 2 March + 15 working days.
        assert_eq!(
            (task.opened_on.as_str(), task.due_date.as_str()),
            ("2026-03-02", "2026-03-23")
        );
        assert_eq!(task.state, pb::RectificationState::Open as i32);
        assert!(!task.overdue);

        t.hand.set(crate::at(day(3, 24)));
        assert!(get(&t).await.overdue, "{}", t.label());
        let overdue = t
            .client
            .list_rectifications(t.clerk_of(
                DEPT,
                pb::ListRectificationsRequest {
                    overdue_only: true,
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(overdue.total_size, 1);

        let reply = |request_id: &str| pb::ReplyRectificationRequest {
            request_id: request_id.into(),
            rectification_id: e.rectification_id.clone(),
            revision: 0,
            measures: "对窗口人员进行一次性告知培训".into(),
        };
        let foreign = t
            .client
            .reply_rectification(t.clerk_of(OTHER_DEPT, reply("x-1")))
            .await
            .unwrap_err();
        assert_eq!(foreign.code(), Code::PermissionDenied);
        let replied = t
            .client
            .reply_rectification(t.clerk_of(DEPT, reply("x-2")))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(replied.state, pb::RectificationState::Replied as i32);
        let close = |request_id: &str| pb::CloseRectificationRequest {
            request_id: request_id.into(),
            rectification_id: e.rectification_id.clone(),
            revision: 0,
            note: "整改到位".into(),
        };
        let early = t
            .client
            .close_rectification(t.supervisor(close("c-1")))
            .await
            .unwrap_err();
        assert_eq!(early.code(), Code::FailedPrecondition);
        assert!(
            early.message().contains("without a call-back"),
            "{}",
            early.message()
        );
        t.client
            .record_call_back(t.supervisor(pb::RecordCallBackRequest {
                request_id: "cb-1".into(),
                rectification_id: e.rectification_id.clone(),
                revision: 0,
                reached: true,
                note: "申请人表示满意".into(),
            }))
            .await
            .unwrap();
        let closed = t
            .client
            .close_rectification(t.supervisor(close("c-2")))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(closed.state, pb::RectificationState::Closed as i32);
        assert!(!closed.overdue);
        assert!(closed.call_back.unwrap().reached);
    }
}

#[tokio::test]
async fn one_evaluation_per_case_and_only_with_the_right_query_code() {
    let mut t = TestSupervision::on_sqlite().await;
    t.verifier
        .know("case-91", "140200-2026-000091", "RIGHT123", DEPT);
    let wrong = t
        .client
        .submit_evaluation(Request::new(evaluation(
            "e-1",
            "140200-2026-000091",
            "WRONG123",
            pb::Rating::Satisfied,
        )))
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), Code::NotFound);
    let good = evaluation(
        "e-2",
        "140200-2026-000091",
        "RIGHT123",
        pb::Rating::Satisfied,
    );
    let first = t
        .client
        .submit_evaluation(Request::new(good.clone()))
        .await
        .unwrap()
        .into_inner();
    assert!(
        first.rectification_id.is_empty(),
        "a good review opens no task"
    );
    let retry = t
        .client
        .submit_evaluation(Request::new(good.clone()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(retry, first);
    let second = t
        .client
        .submit_evaluation(Request::new(pb::SubmitEvaluationRequest {
            request_id: "e-3".into(),
            ..good
        }))
        .await
        .unwrap_err();
    assert_eq!(second.code(), Code::AlreadyExists);
    let bad = t
        .client
        .submit_evaluation(Request::new(pb::SubmitEvaluationRequest {
            request_id: "e-4".into(),
            case_number: String::new(),
            query_code: String::new(),
            rating: 0,
            dimensions: vec![pb::DimensionRating {
                dimension: 0,
                rating: 9,
            }],
            comment: String::new(),
        }))
        .await
        .unwrap_err();
    assert_eq!(
        bad_fields(&bad),
        [
            "case_number",
            "query_code",
            "rating",
            "dimensions[0].dimension"
        ]
    );
}

/// Every department's ratings and on-time rate, as anyone reads them.
async fn public_ratings(t: &TestSupervision) -> pb::GetDepartmentRatingsResponse {
    t.client
        .clone()
        .get_department_ratings(Request::new(pb::GetDepartmentRatingsRequest::default()))
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn department_ratings_are_public() {
    let mut t = TestSupervision::on_sqlite().await;
    let ratings = [
        (DEPT, pb::Rating::VerySatisfied),
        (DEPT, pb::Rating::Satisfied),
        (DEPT, pb::Rating::Dissatisfied),
        (OTHER_DEPT, pb::Rating::VerySatisfied),
    ];
    for (i, (department, rating)) in ratings.iter().enumerate() {
        let number = format!("140200-2026-{:06}", 100 + i);
        t.verifier
            .know(&format!("case-{}", 100 + i), &number, "CODE", department);
        t.client
            .submit_evaluation(Request::new(evaluation(
                &format!("r-{i}"),
                &number,
                "CODE",
                *rating,
            )))
            .await
            .unwrap();
    }
    let out = public_ratings(&t).await;
    let rows: Vec<(&str, i32, f64, f64)> = out
        .departments
        .iter()
        .map(|d| {
            (
                d.department_id.as_str(),
                d.evaluations,
                d.good_rate,
                d.bad_rate,
            )
        })
        .collect();
    assert_eq!(rows, [(OTHER_DEPT, 1, 1.0, 0.0), (DEPT, 3, 0.6667, 0.3333)]);
    assert_eq!(out.departments[1].by_rating, [0, 1, 0, 1, 1]);

    // Timeliness is public beside the ratings: of two cases, one concluded on time.
    for (n, concluded_on) in [(120, day(3, 6)), (121, day(3, 16))] {
        let mut s = Story::new(&t, n);
        s.submitted(day(3, 2)).await;
        s.accepted(day(3, 2), day(3, 9), day(3, 4), true).await;
        s.concluded(concluded_on, day(3, 2), day(3, 9)).await;
        s.settle().await;
    }
    let out = public_ratings(&t).await;
    let timeliness: Vec<(&str, i32, i32, f64)> = out
        .departments
        .iter()
        .map(|d| {
            (
                d.department_id.as_str(),
                d.concluded,
                d.concluded_on_time,
                d.on_time_rate,
            )
        })
        .collect();
    assert_eq!(timeliness, [(OTHER_DEPT, 0, 0, 0.0), (DEPT, 2, 1, 0.5)]);
    // Evaluations themselves are for staff: the public sees the rates only.
    let denied = t
        .client
        .list_evaluations(Request::new(pb::ListEvaluationsRequest::default()))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::Unauthenticated);
}
