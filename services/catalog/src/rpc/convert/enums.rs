//! The contract's enums and the domain's, one table each. The contract's `*_UNSPECIFIED`
//! has no domain value: turning it into one is the caller's choice (a violation, or no filter).

use onewindow_kit::error::Violations;
use onewindow_proto::catalog::v1 as pb;
use onewindow_proto::common::v1 as common;

use crate::domain::batch::AdjustmentAction;
use crate::domain::bundle::BundleStatus;
use crate::domain::department::RegionLevel;
use crate::domain::item::{
    HandlerRole, ItemClass, ItemLevel, ItemType, MaterialForm, OnlineDepth, ServiceMode,
    SpecialProcedure, Stage, WindowAuthorization,
};
use crate::domain::version::VersionStatus;

/// Implements `From<domain> for proto` and a `proto -> Option<domain>` function from one table.
macro_rules! enum_map {
    ($domain:ty, $proto:ty, $from_proto:ident, [$($d:path => $p:path),+ $(,)?]) => {
        impl From<$domain> for $proto {
            fn from(value: $domain) -> Self {
                match value {
                    $($d => $p,)+
                }
            }
        }

        /// None for the unspecified value.
        pub fn $from_proto(value: $proto) -> Option<$domain> {
            match value {
                $($p => Some($d),)+
                _ => None,
            }
        }
    };
}

enum_map!(ItemType, pb::ItemType, item_type, [
    ItemType::License => pb::ItemType::License,
    ItemType::Penalty => pb::ItemType::Penalty,
    ItemType::Coercion => pb::ItemType::Coercion,
    ItemType::Levy => pb::ItemType::Levy,
    ItemType::Payment => pb::ItemType::Payment,
    ItemType::Inspection => pb::ItemType::Inspection,
    ItemType::Confirmation => pb::ItemType::Confirmation,
    ItemType::Award => pb::ItemType::Award,
    ItemType::Ruling => pb::ItemType::Ruling,
    ItemType::OtherPower => pb::ItemType::OtherPower,
    ItemType::PublicService => pb::ItemType::PublicService,
]);

enum_map!(ItemLevel, pb::ItemLevel, item_level, [
    ItemLevel::Province => pb::ItemLevel::Province,
    ItemLevel::City => pb::ItemLevel::City,
    ItemLevel::County => pb::ItemLevel::County,
]);

enum_map!(ServiceMode, pb::ServiceMode, service_mode, [
    ServiceMode::Hall => pb::ServiceMode::Hall,
    ServiceMode::SubCenter => pb::ServiceMode::SubCenter,
    ServiceMode::RemoteMonitored => pb::ServiceMode::RemoteMonitored,
]);

enum_map!(WindowAuthorization, pb::WindowAuthorization, window_authorization, [
    WindowAuthorization::Full => pb::WindowAuthorization::Full,
    WindowAuthorization::AcceptOnly => pb::WindowAuthorization::AcceptOnly,
]);

enum_map!(ItemClass, pb::ItemClass, item_class, [
    ItemClass::Immediate => pb::ItemClass::Immediate,
    ItemClass::Promised => pb::ItemClass::Promised,
    ItemClass::Complex => pb::ItemClass::Complex,
]);

enum_map!(OnlineDepth, pb::OnlineDepth, online_depth, [
    OnlineDepth::Information => pb::OnlineDepth::Information,
    OnlineDepth::Forms => pb::OnlineDepth::Forms,
    OnlineDepth::PreReview => pb::OnlineDepth::PreReview,
    OnlineDepth::Full => pb::OnlineDepth::Full,
]);

enum_map!(MaterialForm, pb::MaterialForm, material_form, [
    MaterialForm::Original => pb::MaterialForm::Original,
    MaterialForm::Copy => pb::MaterialForm::Copy,
    MaterialForm::OriginalAndCopy => pb::MaterialForm::OriginalAndCopy,
    MaterialForm::Electronic => pb::MaterialForm::Electronic,
]);

enum_map!(VersionStatus, pb::VersionStatus, version_status, [
    VersionStatus::Draft => pb::VersionStatus::Draft,
    VersionStatus::Published => pb::VersionStatus::Published,
]);

enum_map!(AdjustmentAction, pb::AdjustmentAction, adjustment_action, [
    AdjustmentAction::Add => pb::AdjustmentAction::Add,
    AdjustmentAction::Cancel => pb::AdjustmentAction::Cancel,
    AdjustmentAction::Delegate => pb::AdjustmentAction::Delegate,
    AdjustmentAction::Modify => pb::AdjustmentAction::Modify,
]);

enum_map!(BundleStatus, pb::BundleStatus, bundle_status, [
    BundleStatus::Draft => pb::BundleStatus::Draft,
    BundleStatus::Published => pb::BundleStatus::Published,
]);

enum_map!(RegionLevel, pb::RegionLevel, region_level, [
    RegionLevel::Province => pb::RegionLevel::Province,
    RegionLevel::City => pb::RegionLevel::City,
    RegionLevel::District => pb::RegionLevel::District,
    RegionLevel::County => pb::RegionLevel::County,
    RegionLevel::DevelopmentZone => pb::RegionLevel::DevelopmentZone,
]);

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

/// An optional enum field (a filter): unspecified means none; an unknown number is a violation.
pub fn optional<P, D>(
    raw: i32,
    field: &str,
    v: &mut Violations,
    map: impl Fn(P) -> Option<D>,
) -> Option<D>
where
    P: TryFrom<i32>,
{
    if raw == 0 {
        None
    } else {
        required(raw, field, v, map)
    }
}

/// The enum as its contract name (`ITEM_TYPE_LICENSE`), the key of statistics counts.
pub fn item_type_name(value: ItemType) -> String {
    pb::ItemType::from(value).as_str_name().to_string()
}

pub fn service_mode_name(value: ServiceMode) -> String {
    pb::ServiceMode::from(value).as_str_name().to_string()
}

pub fn item_class_name(value: ItemClass) -> String {
    pb::ItemClass::from(value).as_str_name().to_string()
}
