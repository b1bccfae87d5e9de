//! The transition requests of a case as domain commands, and the applicant as a request
//! gives it. Text is passed on as given: whether a reason may be blank is the command's
//! rule, checked by `decide` after the revision and the caller's rights.

use onewindow_kit::error::Violations;
use onewindow_proto::cases::v1 as pb;

use super::{
    applicant_kind, count, finish, id_type, outcome_kind, required, required_text,
    special_procedure, stage,
};
use crate::domain::{Applicant, Command, Conclusion, FeeCharge, OutcomeKind, SupplementItem};

/// One command on one case, as a request asks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseCommand {
    pub case_id: String,
    /// The revision the client read; `None` when it gave 0, which skips the check.
    pub expected_revision: Option<i64>,
    pub command: Command,
}

/// A transition request of the contract, turned into the domain's command. One generic
/// handler can then serve every transition: idempotency by `request_id`, load the case,
/// `decide`, store.
pub trait IntoCommand {
    /// The client's idempotency key.
    fn request_id(&self) -> &str;
    /// The command, or every bad field of the request.
    fn to_command(&self) -> Result<CaseCommand, Violations>;
}

/// The person or enterprise applying, under `field` (`applicant`). The applicant's own
/// rules (check characters, phone formats) are the domain's: `submit` reports them.
pub fn applicant_from_proto(
    a: Option<&pb::Applicant>,
    field: &str,
    v: &mut Violations,
) -> Option<Applicant> {
    let Some(a) = a else {
        v.add(field, "must be given");
        return None;
    };
    let kind = required(a.kind, &format!("{field}.kind"), v, applicant_kind);
    let id_type = required(a.id_type, &format!("{field}.id_type"), v, id_type);
    Some(Applicant {
        kind: kind?,
        name: a.name.clone(),
        id_type: id_type?,
        id_number: a.id_number.clone(),
        phone: a.phone.clone(),
    })
}

/// The conclusion a handler gives: the fields of the other kind are ignored, since a
/// conclusion carries only what its kind needs.
fn conclusion_from_proto(c: Option<&pb::Conclusion>, v: &mut Violations) -> Option<Conclusion> {
    let Some(c) = c else {
        v.add("conclusion", "must be given");
        return None;
    };
    let kind = required(c.kind, "conclusion.kind", v, outcome_kind)?;
    Some(match kind {
        OutcomeKind::Approved => Conclusion::Approved {
            result_reference: c.result_reference.clone(),
        },
        OutcomeKind::Denied => Conclusion::Denied {
            reason: c.reason.clone(),
            legal_basis: c.legal_basis.clone(),
        },
    })
}

/// The case and the revision every transition request names.
pub(super) fn case_target(
    case_id: &str,
    revision: i64,
    v: &mut Violations,
) -> (Option<String>, Option<i64>) {
    let id = required_text(case_id, "case_id", v);
    v.check(revision < 0, "revision", "must not be negative");
    (id, (revision > 0).then_some(revision))
}

/// Builds the command once every field was good.
fn command(
    case_id: &str,
    revision: i64,
    mut v: Violations,
    build: impl FnOnce(&mut Violations) -> Option<Command>,
) -> Result<CaseCommand, Violations> {
    let (case_id, expected_revision) = case_target(case_id, revision, &mut v);
    let command = build(&mut v);
    let out = case_id.zip(command).map(|(case_id, command)| CaseCommand {
        case_id,
        expected_revision,
        command,
    });
    finish(v, out)
}

/// Implements [`IntoCommand`] for a request from how its fields make the command.
macro_rules! into_command {
    ($request:ty, |$r:ident, $v:ident| $build:expr) => {
        impl IntoCommand for $request {
            fn request_id(&self) -> &str {
                &self.request_id
            }

            fn to_command(&self) -> Result<CaseCommand, Violations> {
                let $r = self;
                command(&self.case_id, self.revision, Violations::new(), |$v| $build)
            }
        }
    };
}

into_command!(pb::AcceptCaseRequest, |r, _v| Some(Command::Accept {
    note: r.note.clone(),
}));

into_command!(pb::RefuseIntakeRequest, |r, _v| Some(
    Command::RefuseIntake {
        reason: r.reason.clone(),
        legal_basis: r.legal_basis.clone(),
    }
));

into_command!(pb::RequestSupplementRequest, |r, _v| Some(
    Command::RequestSupplement {
        items: r
            .items
            .iter()
            .map(|i| SupplementItem {
                material_id: i.material_id.clone(),
                problem: i.problem.clone(),
            })
            .collect(),
    }
));

into_command!(pb::ConcludeImmediatelyRequest, |r, v| {
    let conclusion = conclusion_from_proto(r.conclusion.as_ref(), v)?;
    Some(Command::ConcludeImmediately {
        conclusion,
        opinion: r.opinion.clone(),
    })
});

into_command!(pb::CompleteStageRequest, |r, v| {
    let stage = required(r.stage, "stage", v, stage)?;
    Some(Command::CompleteStage {
        stage,
        opinion: r.opinion.clone(),
    })
});

into_command!(pb::StartSuspensionRequest, |r, v| {
    let procedure = required(r.procedure, "procedure", v, special_procedure);
    let declared_days = count(r.declared_days, "declared_days", v);
    Some(Command::StartSuspension {
        procedure: procedure?,
        reason: r.reason.clone(),
        declared_days: declared_days?,
    })
});

into_command!(pb::EndSuspensionRequest, |r, _v| Some(
    Command::EndSuspension {
        note: r.note.clone(),
    }
));

into_command!(pb::ApproveExtensionRequest, |r, v| {
    let days = count(r.days, "days", v)?;
    Some(Command::ApproveExtension {
        days,
        reason: r.reason.clone(),
    })
});

into_command!(pb::ConcludeCaseRequest, |r, v| {
    let conclusion = conclusion_from_proto(r.conclusion.as_ref(), v)?;
    Some(Command::Conclude {
        conclusion,
        opinion: r.opinion.clone(),
    })
});

into_command!(pb::WithdrawCaseRequest, |r, _v| Some(Command::Withdraw {
    reason: r.reason.clone(),
}));

into_command!(pb::ChargeFeesRequest, |r, _v| Some(Command::ChargeFees {
    fees: r
        .fees
        .iter()
        .map(|f| FeeCharge {
            fee_id: f.fee_id.clone(),
            amount_fen: f.amount_fen,
        })
        .collect(),
}));

into_command!(pb::RecordPaymentRequest, |r, _v| Some(
    Command::RecordPayment {
        payment_reference: r.payment_reference.clone(),
        amount_fen: r.amount_fen,
    }
));
