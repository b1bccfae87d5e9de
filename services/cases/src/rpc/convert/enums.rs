//! The contracts' enums and the domain's, one table each. A contract's `*_UNSPECIFIED` has
//! no domain value: turning it into one is the caller's choice (a violation where a value
//! is required, no filter where it is optional).

use onewindow_kit::error::Violations;
use onewindow_proto::cases::v1 as pb;
use onewindow_proto::catalog::v1 as catalog;
use onewindow_proto::common::v1 as common;

use crate::domain::{
    ApplicantKind, BundleStageState, BundleState, CaseState, Channel, HandlerRole, IdType,
    ItemClass, OutcomeKind, SpecialProcedure, Stage, StageState, WarningLevel, WindowAuthorization,
};

/// Implements `From<domain> for proto` and a `proto -> Option<domain>` function from one
/// table, so the two directions cannot drift apart.
macro_rules! enum_map {
    ($domain:ty, $proto:ty, $from_proto:ident, [$($d:path => $p:path),+ $(,)?]) => {
        impl From<$domain> for $proto {
            fn from(value: $domain) -> Self {
                match value {
                    $($d => $p,)+
                }
            }
        }

        /// `None` for the unspecified value.
        pub fn $from_proto(value: $proto) -> Option<$domain> {
            match value {
                $($p => Some($d),)+
                _ => None,
            }
        }
    };
}

enum_map!(Stage, common::Stage, stage, [
    Stage::Accept => common::Stage::Accept,
    Stage::Review => common::Stage::Review,
    Stage::Decide => common::Stage::Decide,
    Stage::Conclude => common::Stage::Conclude,
]);

enum_map!(HandlerRole, common::HandlerRole, handler_role, [
    HandlerRole::Clerk => common::HandlerRole::Clerk,
    HandlerRole::Approver => common::HandlerRole::Approver,
]);

enum_map!(SpecialProcedure, common::SpecialProcedure, special_procedure, [
    SpecialProcedure::ExpertReview => common::SpecialProcedure::ExpertReview,
    SpecialProcedure::Hearing => common::SpecialProcedure::Hearing,
    SpecialProcedure::Inspection => common::SpecialProcedure::Inspection,
    SpecialProcedure::Testing => common::SpecialProcedure::Testing,
    SpecialProcedure::PublicNotice => common::SpecialProcedure::PublicNotice,
    SpecialProcedure::WaitingForApplicant => common::SpecialProcedure::WaitingForApplicant,
]);

enum_map!(ItemClass, catalog::ItemClass, item_class, [
    ItemClass::Immediate => catalog::ItemClass::Immediate,
    ItemClass::Promised => catalog::ItemClass::Promised,
    ItemClass::Complex => catalog::ItemClass::Complex,
]);

enum_map!(WindowAuthorization, catalog::WindowAuthorization, window_authorization, [
    WindowAuthorization::Full => catalog::WindowAuthorization::Full,
    WindowAuthorization::AcceptOnly => catalog::WindowAuthorization::AcceptOnly,
]);

enum_map!(CaseState, pb::CaseState, case_state, [
    CaseState::Submitted => pb::CaseState::Submitted,
    CaseState::SupplementRequested => pb::CaseState::SupplementRequested,
    CaseState::InProgress => pb::CaseState::InProgress,
    CaseState::Concluded => pb::CaseState::Concluded,
    CaseState::IntakeRefused => pb::CaseState::IntakeRefused,
    CaseState::Withdrawn => pb::CaseState::Withdrawn,
]);

enum_map!(Channel, pb::Channel, channel, [
    Channel::Online => pb::Channel::Online,
    Channel::Window => pb::Channel::Window,
]);

enum_map!(ApplicantKind, pb::ApplicantKind, applicant_kind, [
    ApplicantKind::Person => pb::ApplicantKind::Person,
    ApplicantKind::Enterprise => pb::ApplicantKind::Enterprise,
]);

enum_map!(IdType, pb::IdType, id_type, [
    IdType::ResidentIdCard => pb::IdType::ResidentIdCard,
    IdType::Passport => pb::IdType::Passport,
    IdType::HongKongMacaoPermit => pb::IdType::HongKongMacaoPermit,
    IdType::TaiwanPermit => pb::IdType::TaiwanPermit,
    IdType::ForeignPermanentResident => pb::IdType::ForeignPermanentResident,
    IdType::UnifiedSocialCreditCode => pb::IdType::UnifiedSocialCreditCode,
    IdType::Other => pb::IdType::Other,
]);

enum_map!(StageState, pb::StageState, stage_state, [
    StageState::Pending => pb::StageState::Pending,
    StageState::Active => pb::StageState::Active,
    StageState::Completed => pb::StageState::Completed,
]);

enum_map!(OutcomeKind, pb::OutcomeKind, outcome_kind, [
    OutcomeKind::Approved => pb::OutcomeKind::Approved,
    OutcomeKind::Denied => pb::OutcomeKind::Denied,
]);

enum_map!(WarningLevel, pb::WarningLevel, warning_level, [
    WarningLevel::Normal => pb::WarningLevel::Normal,
    WarningLevel::Yellow => pb::WarningLevel::Yellow,
    WarningLevel::Red => pb::WarningLevel::Red,
]);

enum_map!(BundleState, pb::BundleCaseState, bundle_case_state, [
    BundleState::InProgress => pb::BundleCaseState::InProgress,
    BundleState::Stopped => pb::BundleCaseState::Stopped,
    BundleState::Concluded => pb::BundleCaseState::Concluded,
]);

enum_map!(BundleStageState, pb::BundleStageState, bundle_stage_state, [
    BundleStageState::Pending => pb::BundleStageState::Pending,
    BundleStageState::Active => pb::BundleStageState::Active,
    BundleStageState::Completed => pb::BundleStageState::Completed,
    BundleStageState::Stopped => pb::BundleStageState::Stopped,
]);

/// A required enum field: an unknown number or the unspecified value is a violation.
pub fn required<P, D>(
    raw: i32,
    field: &str,
    v: &mut Violations,
    map: impl Fn(P) -> Option<D>,
) -> Option<D>
where
    P: TryFrom<i32>,
{
    match P::try_from(raw) {
        Err(_) => {
            v.add(field, format!("unknown value {raw}"));
            None
        }
        Ok(p) => {
            let value = map(p);
            if value.is_none() {
                v.add(field, "must be specified");
            }
            value
        }
    }
}

/// An optional enum field (a filter): unspecified means none; an unknown number is a
/// violation. `Some(None)` for no filter, `None` for a violation.
pub fn optional<P, D>(
    raw: i32,
    field: &str,
    v: &mut Violations,
    map: impl Fn(P) -> Option<D>,
) -> Option<Option<D>>
where
    P: TryFrom<i32>,
{
    if raw == 0 {
        Some(None)
    } else {
        required(raw, field, v, map).map(Some)
    }
}
