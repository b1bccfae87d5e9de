//! Who acts on a case and what they can ask of it: the commands that
//! [`decide`](super::decide::decide) turns into a new case and its events.

use std::fmt;

use onewindow_kit::auth::Role;
use serde::{Deserialize, Serialize};

use super::case::{Case, Conclusion, NewMaterial, SupplementItem};
use super::terms::{SpecialProcedure, Stage};

/// Who acts: the verified caller, as the domain needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub subject: String,
    pub roles: Vec<Role>,
    pub department: Option<String>,
    pub region: Option<String>,
}

impl Actor {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Staff act only on their own department's cases in their own region.
    pub fn works_for(&self, department: &str, region: &str) -> bool {
        self.department.as_deref() == Some(department) && self.region.as_deref() == Some(region)
    }

    /// The applicant who submitted `case` online.
    pub fn owns(&self, case: &Case) -> bool {
        self.has(Role::Applicant)
            && case.applicant_subject.as_deref() == Some(self.subject.as_str())
    }
}

/// A fee to charge: one of the item's fee items, and the amount actually charged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeCharge {
    pub fee_id: String,
    pub amount_fen: i64,
}

/// What can be asked of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Accept {
        note: String,
    },
    RefuseIntake {
        reason: String,
        legal_basis: String,
    },
    RequestSupplement {
        items: Vec<SupplementItem>,
    },
    Resubmit {
        materials: Vec<NewMaterial>,
    },
    ConcludeImmediately {
        conclusion: Conclusion,
        opinion: String,
    },
    CompleteStage {
        stage: Stage,
        opinion: String,
    },
    StartSuspension {
        procedure: SpecialProcedure,
        reason: String,
        declared_days: u32,
    },
    EndSuspension {
        note: String,
    },
    ApproveExtension {
        days: u32,
        reason: String,
    },
    Conclude {
        conclusion: Conclusion,
        opinion: String,
    },
    Withdraw {
        reason: String,
    },
    ChargeFees {
        fees: Vec<FeeCharge>,
    },
    RecordPayment {
        payment_reference: String,
        amount_fen: i64,
    },
}

/// The commands without their data: what errors, the timeline and tests name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandKind {
    Accept,
    RefuseIntake,
    RequestSupplement,
    Resubmit,
    ConcludeImmediately,
    CompleteStage,
    StartSuspension,
    EndSuspension,
    ApproveExtension,
    Conclude,
    Withdraw,
    ChargeFees,
    RecordPayment,
}

impl CommandKind {
    pub const ALL: [CommandKind; 13] = [
        CommandKind::Accept,
        CommandKind::RefuseIntake,
        CommandKind::RequestSupplement,
        CommandKind::Resubmit,
        CommandKind::ConcludeImmediately,
        CommandKind::CompleteStage,
        CommandKind::StartSuspension,
        CommandKind::EndSuspension,
        CommandKind::ApproveExtension,
        CommandKind::Conclude,
        CommandKind::Withdraw,
        CommandKind::ChargeFees,
        CommandKind::RecordPayment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CommandKind::Accept => "accept",
            CommandKind::RefuseIntake => "refuse_intake",
            CommandKind::RequestSupplement => "request_supplement",
            CommandKind::Resubmit => "resubmit",
            CommandKind::ConcludeImmediately => "conclude_immediately",
            CommandKind::CompleteStage => "complete_stage",
            CommandKind::StartSuspension => "start_suspension",
            CommandKind::EndSuspension => "end_suspension",
            CommandKind::ApproveExtension => "approve_extension",
            CommandKind::Conclude => "conclude",
            CommandKind::Withdraw => "withdraw",
            CommandKind::ChargeFees => "charge_fees",
            CommandKind::RecordPayment => "record_payment",
        }
    }
}

impl fmt::Display for CommandKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Command {
    pub fn kind(&self) -> CommandKind {
        match self {
            Command::Accept { .. } => CommandKind::Accept,
            Command::RefuseIntake { .. } => CommandKind::RefuseIntake,
            Command::RequestSupplement { .. } => CommandKind::RequestSupplement,
            Command::Resubmit { .. } => CommandKind::Resubmit,
            Command::ConcludeImmediately { .. } => CommandKind::ConcludeImmediately,
            Command::CompleteStage { .. } => CommandKind::CompleteStage,
            Command::StartSuspension { .. } => CommandKind::StartSuspension,
            Command::EndSuspension { .. } => CommandKind::EndSuspension,
            Command::ApproveExtension { .. } => CommandKind::ApproveExtension,
            Command::Conclude { .. } => CommandKind::Conclude,
            Command::Withdraw { .. } => CommandKind::Withdraw,
            Command::ChargeFees { .. } => CommandKind::ChargeFees,
            Command::RecordPayment { .. } => CommandKind::RecordPayment,
        }
    }
}
