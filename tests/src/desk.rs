//! A department at work on its cases, through the contract only: intake (one supplement
//! notice naming everything missing, the files handed in, acceptance; an immediate item
//! accepted and concluded on the spot), every later stage completed by the role its step
//! names, fees charged and paid at the center's cashier, conclusion.

use onewindow_kit::auth::Principal;
use onewindow_proto::cases::v1 as pb;
use onewindow_proto::catalog::v1 as catalog;
use onewindow_proto::common::v1 as common;

use crate::{clerk, handler, parse_date, uploads_for_missing, Applicant, Center};

/// How a department handles the cases that reach it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conduct {
    /// Accepts a case the day it arrives and completes every stage on its due date at the
    /// latest, concluding approved.
    InTime,
    /// Accepts a case the day it arrives, then does nothing more.
    Stalls,
    /// Like [`Conduct::InTime`], but concludes denied.
    Denies,
}

/// An approval with its result, e.g. a certificate number.
pub fn approved(reference: &str) -> pb::Conclusion {
    pb::Conclusion {
        kind: pb::OutcomeKind::Approved as i32,
        result_reference: reference.to_string(),
        ..Default::default()
    }
}

/// A denial with its reason and legal basis.
pub fn denied() -> pb::Conclusion {
    pb::Conclusion {
        kind: pb::OutcomeKind::Denied as i32,
        reason: "申请事项不符合法定条件".into(),
        legal_basis: "《中华人民共和国行政许可法》第三十八条第二款".into(),
        ..Default::default()
    }
}

fn is_active(s: &pb::CaseStage) -> bool {
    s.state == pb::StageState::Active as i32
}

impl Center {
    /// Submits a case online as `applicant`, with a file for every required material.
    pub async fn submit_case(&self, item: &catalog::Item, applicant: &Applicant) -> pb::Case {
        let materials = item
            .materials
            .iter()
            .filter(|m| m.required)
            .map(crate::upload)
            .collect();
        let body = pb::SubmitCaseRequest {
            request_id: self.request_id("submit"),
            item_id: item.id.clone(),
            applicant: Some(applicant.details.clone()),
            materials,
        };
        self.cases()
            .submit_case(self.req(&applicant.account, body))
            .await
            .unwrap_or_else(|e| panic!("{}: submit {}: {e:?}", self.label, item.id))
            .into_inner()
    }

    /// Intake by a clerk of `department`, the day the case arrives. What is missing is named
    /// in one notice (一次性告知) and handed in by `provider` (the applicant of an online
    /// case, or the clerk at the window when `None`); then the clerk accepts the case, or
    /// concludes an immediate item on the spot. Fees are charged and paid right after.
    pub async fn intake(
        &self,
        case_id: &str,
        department: &str,
        provider: Option<&Principal>,
    ) -> pb::Case {
        let clerk = clerk(department);
        let mut case = self.case(&clerk, case_id).await;
        let item = self.item_version(&case.item_id, case.item_version).await;
        let missing = uploads_for_missing(&item, &case);
        if !missing.is_empty() {
            let items = missing
                .iter()
                .map(|u| pb::SupplementItem {
                    material_id: u.material_id.clone(),
                    problem: "缺少该材料".into(),
                })
                .collect();
            let body = pb::RequestSupplementRequest {
                request_id: self.request_id("supplement"),
                case_id: case.id.clone(),
                revision: case.revision,
                items,
            };
            case = self.expect_case(
                self.cases()
                    .request_supplement(self.req(&clerk, body))
                    .await,
                "request supplement",
            );
            let body = pb::ResubmitCaseRequest {
                request_id: self.request_id("resubmit"),
                case_id: case.id.clone(),
                revision: case.revision,
                materials: missing,
            };
            let who = provider.unwrap_or(&clerk);
            case = self.expect_case(
                self.cases().resubmit_case(self.req(who, body)).await,
                "resubmit",
            );
        }
        if item.item_class == catalog::ItemClass::Immediate as i32 {
            case = self.settle_fees(&item, case).await;
            let body = pb::ConcludeImmediatelyRequest {
                request_id: self.request_id("immediate"),
                case_id: case.id.clone(),
                revision: case.revision,
                conclusion: Some(approved(&format!("{department}-{}", case.case_number))),
                opinion: "当场办结".into(),
            };
            return self.expect_case(
                self.cases()
                    .conclude_immediately(self.req(&clerk, body))
                    .await,
                "conclude immediately",
            );
        }
        let body = pb::AcceptCaseRequest {
            request_id: self.request_id("accept"),
            case_id: case.id.clone(),
            revision: case.revision,
            note: "材料齐全，予以受理".into(),
        };
        case = self.expect_case(
            self.cases().accept_case(self.req(&clerk, body)).await,
            "accept",
        );
        self.settle_fees(&item, case).await
    }

    /// When the item has fee items and none is charged yet: the clerk charges the first at
    /// its standard amount and records the one payment at the center's cashier (统一收费).
    pub async fn settle_fees(&self, item: &catalog::Item, case: pb::Case) -> pb::Case {
        let (Some(fee), true) = (item.fees.first(), case.fees.is_empty()) else {
            return case;
        };
        let clerk = clerk(&case.department_id);
        let body = pb::ChargeFeesRequest {
            request_id: self.request_id("charge"),
            case_id: case.id.clone(),
            revision: case.revision,
            fees: vec![pb::FeeCharge {
                fee_id: fee.id.clone(),
                amount_fen: fee.amount_fen,
            }],
        };
        let case = self.expect_case(
            self.cases().charge_fees(self.req(&clerk, body)).await,
            "charge fees",
        );
        let body = pb::RecordPaymentRequest {
            request_id: self.request_id("pay"),
            case_id: case.id.clone(),
            revision: case.revision,
            payment_reference: format!("POS-{}", case.case_number),
            amount_fen: fee.amount_fen,
        };
        self.expect_case(
            self.cases().record_payment(self.req(&clerk, body)).await,
            "record payment",
        )
    }

    /// The handler the current stage's step names completes it: review and decide with an
    /// opinion, conclude with `conclusion`.
    pub async fn complete_current_stage(
        &self,
        case: &pb::Case,
        conclusion: pb::Conclusion,
    ) -> pb::Case {
        let stage = case
            .stages
            .iter()
            .find(|s| is_active(s))
            .unwrap_or_else(|| panic!("{}: case {} has no active stage", self.label, case.id));
        let who = handler(stage.handler_role, &case.department_id);
        if stage.stage == common::Stage::Conclude as i32 {
            let body = pb::ConcludeCaseRequest {
                request_id: self.request_id("conclude"),
                case_id: case.id.clone(),
                revision: case.revision,
                conclusion: Some(conclusion),
                opinion: "依法办结".into(),
            };
            self.expect_case(
                self.cases().conclude_case(self.req(&who, body)).await,
                "conclude",
            )
        } else {
            let body = pb::CompleteStageRequest {
                request_id: self.request_id("stage"),
                case_id: case.id.clone(),
                revision: case.revision,
                stage: stage.stage,
                opinion: "同意".into(),
            };
            self.expect_case(
                self.cases().complete_stage(self.req(&who, body)).await,
                "complete stage",
            )
        }
    }

    /// What a department acting as `conduct` says does today on an accepted case: every
    /// stage due today or earlier is completed, one after the other (a stage of 0 days that
    /// starts today is due today). Returns the case and whether anything was done.
    pub async fn act_on_due_stages(
        &self,
        case_id: &str,
        department: &str,
        conduct: Conduct,
    ) -> (pb::Case, bool) {
        let mut case = self.case(&clerk(department), case_id).await;
        let mut acted = false;
        if conduct == Conduct::Stalls {
            return (case, acted);
        }
        let today = self.today();
        while case.state == pb::CaseState::InProgress as i32 {
            let suspended = case.suspensions.iter().any(|s| s.ended_on.is_empty());
            let Some(stage) = case.stages.iter().find(|s| is_active(s)) else {
                break;
            };
            if suspended || parse_date(&stage.due_date) > today {
                break;
            }
            let conclusion = match conduct {
                Conduct::Denies => crate::denied(),
                _ => approved(&format!("{department}-{}", case.case_number)),
            };
            case = self.complete_current_stage(&case, conclusion).await;
            acted = true;
        }
        (case, acted)
    }

    fn expect_case(
        &self,
        r: Result<tonic::Response<pb::Case>, tonic::Status>,
        what: &str,
    ) -> pb::Case {
        r.unwrap_or_else(|e| panic!("{}: {what}: {e:?}", self.label))
            .into_inner()
    }
}
