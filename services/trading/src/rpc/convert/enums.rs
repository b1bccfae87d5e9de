//! The contract's enums and the domain's.

use onewindow_kit::error::Violations;
use onewindow_proto::trading::v1 as pb;

use crate::domain::{
    AwardStatus, BidStatus, Category, EvaluationMethod, Method, ObjectionStatus, ProjectState,
};

pub fn category_from_proto(n: i32, field: &str, v: &mut Violations) -> Option<Category> {
    let c = match pb::Category::try_from(n) {
        Ok(pb::Category::GovernmentProcurement) => Some(Category::GovernmentProcurement),
        Ok(pb::Category::Construction) => Some(Category::Construction),
        Ok(pb::Category::LandUse) => Some(Category::LandUse),
        Ok(pb::Category::PropertyRights) => Some(Category::PropertyRights),
        Ok(pb::Category::Unspecified) | Err(_) => None,
    };
    if c.is_none() {
        v.add(field, "must be a category of trading");
    }
    c
}

pub fn category_to_proto(c: Category) -> pb::Category {
    match c {
        Category::GovernmentProcurement => pb::Category::GovernmentProcurement,
        Category::Construction => pb::Category::Construction,
        Category::LandUse => pb::Category::LandUse,
        Category::PropertyRights => pb::Category::PropertyRights,
    }
}

pub fn method_from_proto(n: i32, field: &str, v: &mut Violations) -> Option<Method> {
    let m = match pb::Method::try_from(n) {
        Ok(pb::Method::OpenTender) => Some(Method::OpenTender),
        Ok(pb::Method::InvitedTender) => Some(Method::InvitedTender),
        Ok(pb::Method::CompetitiveNegotiation) => Some(Method::CompetitiveNegotiation),
        Ok(pb::Method::Inquiry) => Some(Method::Inquiry),
        Ok(pb::Method::SingleSource) => Some(Method::SingleSource),
        Ok(pb::Method::Auction) => Some(Method::Auction),
        Ok(pb::Method::Listing) => Some(Method::Listing),
        Ok(pb::Method::Unspecified) | Err(_) => None,
    };
    if m.is_none() {
        v.add(field, "must be a trading method");
    }
    m
}

pub fn method_to_proto(m: Method) -> pb::Method {
    match m {
        Method::OpenTender => pb::Method::OpenTender,
        Method::InvitedTender => pb::Method::InvitedTender,
        Method::CompetitiveNegotiation => pb::Method::CompetitiveNegotiation,
        Method::Inquiry => pb::Method::Inquiry,
        Method::SingleSource => pb::Method::SingleSource,
        Method::Auction => pb::Method::Auction,
        Method::Listing => pb::Method::Listing,
    }
}

pub fn state_to_proto(s: ProjectState) -> pb::ProjectState {
    match s {
        ProjectState::Draft => pb::ProjectState::Draft,
        ProjectState::Announced => pb::ProjectState::Announced,
        ProjectState::Bidding => pb::ProjectState::Bidding,
        ProjectState::Opened => pb::ProjectState::Opened,
        ProjectState::Evaluating => pb::ProjectState::Evaluating,
        ProjectState::AwardPublicized => pb::ProjectState::AwardPublicized,
        ProjectState::Awarded => pb::ProjectState::Awarded,
        ProjectState::Contracted => pb::ProjectState::Contracted,
        ProjectState::Failed => pb::ProjectState::Failed,
        ProjectState::Cancelled => pb::ProjectState::Cancelled,
    }
}

/// A filter: unspecified means any.
pub fn state_filter(n: i32, field: &str, v: &mut Violations) -> Option<ProjectState> {
    match pb::ProjectState::try_from(n) {
        Ok(pb::ProjectState::Unspecified) => None,
        Ok(s) => ProjectState::ALL
            .into_iter()
            .find(|d| state_to_proto(*d) == s),
        Err(_) => {
            v.add(field, "is not a project state");
            None
        }
    }
}

pub fn category_filter(n: i32, field: &str, v: &mut Violations) -> Option<Category> {
    if n == 0 {
        return None;
    }
    category_from_proto(n, field, v)
}

pub fn evaluation_method_from_proto(n: i32) -> EvaluationMethod {
    match pb::EvaluationMethod::try_from(n) {
        Ok(pb::EvaluationMethod::Scoring) => EvaluationMethod::Scoring,
        _ => EvaluationMethod::LowestPrice,
    }
}

pub fn evaluation_method_to_proto(m: EvaluationMethod) -> pb::EvaluationMethod {
    match m {
        EvaluationMethod::LowestPrice => pb::EvaluationMethod::LowestPrice,
        EvaluationMethod::Scoring => pb::EvaluationMethod::Scoring,
    }
}

pub fn bid_status_to_proto(s: BidStatus) -> pb::BidStatus {
    match s {
        BidStatus::Active => pb::BidStatus::Active,
        BidStatus::Withdrawn => pb::BidStatus::Withdrawn,
        BidStatus::Replaced => pb::BidStatus::Replaced,
    }
}

pub fn award_status_to_proto(s: AwardStatus) -> pb::AwardStatus {
    match s {
        AwardStatus::Pending => pb::AwardStatus::Pending,
        AwardStatus::Active => pb::AwardStatus::Active,
        AwardStatus::Cancelled => pb::AwardStatus::Cancelled,
    }
}

pub fn objection_status_to_proto(s: ObjectionStatus) -> pb::ObjectionStatus {
    match s {
        ObjectionStatus::Open => pb::ObjectionStatus::Open,
        ObjectionStatus::Dismissed => pb::ObjectionStatus::Dismissed,
        ObjectionStatus::Upheld => pb::ObjectionStatus::Upheld,
    }
}
