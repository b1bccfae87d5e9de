//! The transition requests as commands, and a resubmission with its files.

use onewindow_proto::cases::v1 as pb;
use onewindow_proto::common::v1 as common;

use super::tests::{ids, paths, upload, SHA256_ABC};
use super::*;
use crate::domain::fixtures::*;
use crate::domain::{
    CaseState, Command, Conclusion, FeeCharge, SpecialProcedure, Stage, SupplementItem,
};

fn approved() -> Option<pb::Conclusion> {
    Some(pb::Conclusion {
        kind: pb::OutcomeKind::Approved.into(),
        result_reference: "JY11402000000123".into(),
        // A denial's grounds on an approval are ignored, not kept.
        reason: "ignored".into(),
        legal_basis: String::new(),
    })
}

#[test]
fn every_transition_request_becomes_its_command() {
    let (request_id, case_id, revision) = ("r1".to_string(), "case-1".to_string(), 3_i64);
    let requests: Vec<(Box<dyn IntoCommand>, Command)> = vec![
        (
            Box::new(pb::AcceptCaseRequest {
                request_id: request_id.clone(),
                case_id: case_id.clone(),
                revision,
                note: "材料齐全".into(),
            }),
            Command::Accept {
                note: "材料齐全".into(),
            },
        ),
        (
            Box::new(pb::RefuseIntakeRequest {
                request_id: request_id.clone(),
                case_id: case_id.clone(),
                revision,
                reason: "不属于本部门职权范围".into(),
                legal_basis: "《行政许可法》第三十二条".into(),
            }),
            Command::RefuseIntake {
                reason: "不属于本部门职权范围".into(),
                legal_basis: "《行政许可法》第三十二条".into(),
            },
        ),
        (
            Box::new(pb::RequestSupplementRequest {
                request_id: request_id.clone(),
                case_id: case_id.clone(),
                revision,
                items: vec![pb::SupplementItem {
                    material_id: "m3".into(),
                    problem: "缺少签字".into(),
                }],
            }),
            Command::RequestSupplement {
                items: vec![SupplementItem {
                    material_id: "m3".into(),
                    problem: "缺少签字".into(),
                }],
            },
        ),
        (
            Box::new(pb::ConcludeImmediatelyRequest {
                request_id: request_id.clone(),
                case_id: case_id.clone(),
                revision,
                conclusion: approved(),
                opinion: "准予".into(),
            }),
            Command::ConcludeImmediately {
                conclusion: Conclusion::Approved {
                    result_reference: "JY11402000000123".into(),
                },
                opinion: "准予".into(),
            },
        ),
        (
            Box::new(pb::CompleteStageRequest {
                request_id: request_id.clone(),
                case_id: case_id.clone(),
                revision,
                stage: common::Stage::Review.into(),
                opinion: "符合条件".into(),
            }),
            Command::CompleteStage {
                stage: Stage::Review,
                opinion: "符合条件".into(),
            },
        ),
        (
            Box::new(pb::StartSuspensionRequest {
                request_id: request_id.clone(),
                case_id: case_id.clone(),
                revision,
                procedure: common::SpecialProcedure::Inspection.into(),
                reason: "现场核查".into(),
                declared_days: 3,
            }),
            Command::StartSuspension {
                procedure: SpecialProcedure::Inspection,
                reason: "现场核查".into(),
                declared_days: 3,
            },
        ),
        (
            Box::new(pb::EndSuspensionRequest {
                request_id: request_id.clone(),
                case_id: case_id.clone(),
                revision,
                note: "核查完毕".into(),
            }),
            Command::EndSuspension {
                note: "核查完毕".into(),
            },
        ),
        (
            Box::new(pb::ApproveExtensionRequest {
                request_id: request_id.clone(),
                case_id: case_id.clone(),
                revision,
                days: 5,
                reason: "需专家论证".into(),
            }),
            Command::ApproveExtension {
                days: 5,
                reason: "需专家论证".into(),
            },
        ),
        (
            Box::new(pb::ConcludeCaseRequest {
                request_id: request_id.clone(),
                case_id: case_id.clone(),
                revision,
                conclusion: Some(pb::Conclusion {
                    kind: pb::OutcomeKind::Denied.into(),
                    result_reference: "ignored".into(),
                    reason: "经营场所不符合要求".into(),
                    legal_basis: "《食品经营许可管理办法》第十一条".into(),
                }),
                opinion: "不予许可".into(),
            }),
            Command::Conclude {
                conclusion: deny(),
                opinion: "不予许可".into(),
            },
        ),
        (
            Box::new(pb::WithdrawCaseRequest {
                request_id: request_id.clone(),
                case_id: case_id.clone(),
                revision,
                reason: "不再需要".into(),
            }),
            Command::Withdraw {
                reason: "不再需要".into(),
            },
        ),
        (
            Box::new(pb::ChargeFeesRequest {
                request_id: request_id.clone(),
                case_id: case_id.clone(),
                revision,
                fees: vec![pb::FeeCharge {
                    fee_id: "f1".into(),
                    amount_fen: 1_000,
                }],
            }),
            Command::ChargeFees {
                fees: vec![FeeCharge {
                    fee_id: "f1".into(),
                    amount_fen: 1_000,
                }],
            },
        ),
        (
            Box::new(pb::RecordPaymentRequest {
                request_id: request_id.clone(),
                case_id: case_id.clone(),
                revision,
                payment_reference: "PAY-2026-0001".into(),
                amount_fen: 1_000,
            }),
            Command::RecordPayment {
                payment_reference: "PAY-2026-0001".into(),
                amount_fen: 1_000,
            },
        ),
    ];
    assert_eq!(requests.len(), 12);
    for (request, expected) in requests {
        assert_eq!(request.request_id(), "r1");
        let c = request.to_command().unwrap();
        assert_eq!(c.case_id, "case-1");
        assert_eq!(c.expected_revision, Some(3));
        assert_eq!(c.command, expected);
    }
}

#[test]
fn revision_zero_skips_the_check_and_a_negative_one_is_refused() {
    let mut r = pb::WithdrawCaseRequest {
        case_id: "case-1".into(),
        ..pb::WithdrawCaseRequest::default()
    };
    assert_eq!(r.to_command().unwrap().expected_revision, None);
    r.revision = -1;
    assert_eq!(paths(&r.to_command().unwrap_err()), ["revision"]);
}

#[test]
fn missing_targets_and_unspecified_values_of_commands_are_field_violations() {
    let v = pb::CompleteStageRequest {
        revision: -1,
        ..pb::CompleteStageRequest::default()
    }
    .to_command()
    .unwrap_err();
    assert_eq!(paths(&v), ["case_id", "revision", "stage"]);
    let v = pb::StartSuspensionRequest {
        case_id: "case-1".into(),
        declared_days: -1,
        ..pb::StartSuspensionRequest::default()
    }
    .to_command()
    .unwrap_err();
    assert_eq!(paths(&v), ["procedure", "declared_days"]);
    let v = pb::ConcludeCaseRequest {
        case_id: "case-1".into(),
        ..pb::ConcludeCaseRequest::default()
    }
    .to_command()
    .unwrap_err();
    assert_eq!(paths(&v), ["conclusion"]);
    let v = pb::ConcludeImmediatelyRequest {
        case_id: "case-1".into(),
        conclusion: Some(pb::Conclusion::default()),
        ..pb::ConcludeImmediatelyRequest::default()
    }
    .to_command()
    .unwrap_err();
    assert_eq!(paths(&v), ["conclusion.kind"]);
    let v = pb::ApproveExtensionRequest {
        case_id: "case-1".into(),
        days: -2,
        ..pb::ApproveExtensionRequest::default()
    }
    .to_command()
    .unwrap_err();
    assert_eq!(paths(&v), ["days"]);
}

#[test]
fn a_resubmission_carries_its_files_records_and_their_contents() {
    let req = pb::ResubmitCaseRequest {
        request_id: "r2".into(),
        case_id: "case-1".into(),
        revision: 2,
        materials: vec![upload("m3", b"%PDF-abc")],
    };
    let (c, contents) = resubmission_from_proto(req, ids()).unwrap();
    assert_eq!(
        (c.case_id.as_str(), c.expected_revision),
        ("case-1", Some(2))
    );
    let Command::Resubmit { materials } = &c.command else {
        panic!("not a resubmission: {:?}", c.command);
    };
    assert_eq!(materials[0].id, "file-1");
    assert_eq!(materials[0].sha256, SHA256_ABC);
    assert_eq!(contents[0].file_id, "file-1");
    // The domain takes the command as converted.
    let case = ok(&supplement_requested(), c.command, monday());
    assert_eq!(case.state, CaseState::Submitted);
    let v = resubmission_from_proto(
        pb::ResubmitCaseRequest {
            materials: vec![upload("", b"%PDF-x")],
            ..pb::ResubmitCaseRequest::default()
        },
        ids(),
    )
    .unwrap_err();
    assert_eq!(paths(&v), ["case_id", "materials[0].material_id"]);
}
