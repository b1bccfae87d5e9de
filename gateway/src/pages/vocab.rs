//! Names of the cases', supervision's and trading's enum values as people read them, in
//! both languages, and the CSS class of each warning level.

use onewindow_proto::cases::v1 as cases;
use onewindow_proto::supervision::v1 as sup;
use onewindow_proto::trading::v1 as trading;

use super::text::Lang;

const UNKNOWN: (&str, &str) = ("—", "—");

fn pick(lang: Lang, pair: (&'static str, &'static str)) -> &'static str {
    lang.pick(pair.0, pair.1)
}

pub fn case_state(lang: Lang, v: i32) -> &'static str {
    use cases::CaseState as S;
    pick(
        lang,
        match S::try_from(v) {
            Ok(S::Submitted) => ("待受理", "Awaiting intake"),
            Ok(S::SupplementRequested) => ("待补正", "Supplement requested"),
            Ok(S::InProgress) => ("办理中", "In progress"),
            Ok(S::Concluded) => ("已办结", "Concluded"),
            Ok(S::IntakeRefused) => ("不予受理", "Intake refused"),
            Ok(S::Withdrawn) => ("已撤回", "Withdrawn"),
            _ => UNKNOWN,
        },
    )
}

pub fn stage_state(lang: Lang, v: i32) -> &'static str {
    use cases::StageState as S;
    pick(
        lang,
        match S::try_from(v) {
            Ok(S::Pending) => ("未开始", "Pending"),
            Ok(S::Active) => ("办理中", "Active"),
            Ok(S::Completed) => ("已完成", "Completed"),
            _ => UNKNOWN,
        },
    )
}

pub fn outcome(lang: Lang, v: i32) -> &'static str {
    use cases::OutcomeKind as O;
    pick(
        lang,
        match O::try_from(v) {
            Ok(O::Approved) => ("准予", "Approved"),
            Ok(O::Denied) => ("不予", "Denied"),
            _ => UNKNOWN,
        },
    )
}

pub fn channel(lang: Lang, v: i32) -> &'static str {
    use cases::Channel as C;
    pick(
        lang,
        match C::try_from(v) {
            Ok(C::Online) => ("网上申请", "Online"),
            Ok(C::Window) => ("窗口申请", "At a window"),
            _ => UNKNOWN,
        },
    )
}

pub fn id_type(lang: Lang, v: i32) -> &'static str {
    use cases::IdType as T;
    pick(
        lang,
        match T::try_from(v) {
            Ok(T::ResidentIdCard) => ("居民身份证", "Resident ID card"),
            Ok(T::Passport) => ("护照", "Passport"),
            Ok(T::HongKongMacaoPermit) => ("港澳居民来往内地通行证", "Hong Kong/Macao permit"),
            Ok(T::TaiwanPermit) => ("台湾居民来往大陆通行证", "Taiwan permit"),
            Ok(T::ForeignPermanentResident) => {
                ("外国人永久居留身份证", "Foreign permanent resident ID")
            }
            Ok(T::UnifiedSocialCreditCode) => ("统一社会信用代码", "Unified social credit code"),
            Ok(T::Other) => ("其他证件", "Other document"),
            _ => UNKNOWN,
        },
    )
}

/// The ID types a person may give (an enterprise gives its credit code).
pub const PERSON_ID_TYPES: [cases::IdType; 6] = [
    cases::IdType::ResidentIdCard,
    cases::IdType::Passport,
    cases::IdType::HongKongMacaoPermit,
    cases::IdType::TaiwanPermit,
    cases::IdType::ForeignPermanentResident,
    cases::IdType::Other,
];

pub fn bundle_state(lang: Lang, v: i32) -> &'static str {
    use cases::BundleCaseState as S;
    pick(
        lang,
        match S::try_from(v) {
            Ok(S::InProgress) => ("办理中", "In progress"),
            Ok(S::Stopped) => ("已中止", "Stopped"),
            Ok(S::Concluded) => ("已办结", "Concluded"),
            _ => UNKNOWN,
        },
    )
}

pub fn bundle_stage_state(lang: Lang, v: i32) -> &'static str {
    use cases::BundleStageState as S;
    pick(
        lang,
        match S::try_from(v) {
            Ok(S::Pending) => ("未开始", "Pending"),
            Ok(S::Active) => ("并联办理中", "Running in parallel"),
            Ok(S::Completed) => ("已完成", "Completed"),
            Ok(S::Stopped) => ("已中止", "Stopped"),
            _ => UNKNOWN,
        },
    )
}

/// The cases service's deadline warning (normal, yellow, red) as a word and a CSS class.
pub fn case_warning(lang: Lang, v: i32) -> (&'static str, &'static str) {
    use cases::WarningLevel as W;
    match W::try_from(v) {
        Ok(W::Normal) => (lang.pick("正常", "On time"), "normal"),
        Ok(W::Yellow) => (lang.pick("临近时限", "Due soon"), "yellow"),
        Ok(W::Red) => (lang.pick("已超时", "Overdue"), "red"),
        _ => ("", ""),
    }
}

/// Supervision's levels: early warning, yellow card, red card, with their CSS class.
pub fn warning_level(lang: Lang, v: i32) -> (&'static str, &'static str) {
    use sup::WarningLevel as W;
    match W::try_from(v) {
        Ok(W::Early) => (lang.pick("预警", "Early warning"), "early"),
        Ok(W::Yellow) => (lang.pick("黄牌", "Yellow card"), "yellow"),
        Ok(W::Red) => (lang.pick("红牌", "Red card"), "red"),
        _ => ("—", ""),
    }
}

pub fn warning_status(lang: Lang, v: i32) -> &'static str {
    use sup::WarningStatus as S;
    pick(
        lang,
        match S::try_from(v) {
            Ok(S::Open) => ("未结", "Open"),
            Ok(S::Closed) => ("已结", "Closed"),
            _ => UNKNOWN,
        },
    )
}

pub fn severity(lang: Lang, v: i32) -> (&'static str, &'static str) {
    use sup::Severity as S;
    match S::try_from(v) {
        Ok(S::Low) => (lang.pick("低", "Low"), "early"),
        Ok(S::Medium) => (lang.pick("中", "Medium"), "yellow"),
        Ok(S::High) => (lang.pick("高", "High"), "red"),
        _ => ("—", ""),
    }
}

pub fn violation_status(lang: Lang, v: i32) -> &'static str {
    use sup::ViolationStatus as S;
    pick(
        lang,
        match S::try_from(v) {
            Ok(S::Open) => ("待处理", "Open"),
            Ok(S::Assigned) => ("已交办", "Assigned"),
            Ok(S::Resolved) => ("已办结", "Resolved"),
            _ => UNKNOWN,
        },
    )
}

pub fn resolution(lang: Lang, v: i32) -> &'static str {
    use sup::Resolution as R;
    pick(
        lang,
        match R::try_from(v) {
            Ok(R::Rectified) => ("已整改", "Rectified"),
            Ok(R::Dismissed) => ("经核查不属违规", "Dismissed"),
            _ => UNKNOWN,
        },
    )
}

/// The five levels, best first, as a citizen chooses them.
pub const RATINGS: [sup::Rating; 5] = [
    sup::Rating::VerySatisfied,
    sup::Rating::Satisfied,
    sup::Rating::Fair,
    sup::Rating::Dissatisfied,
    sup::Rating::VeryDissatisfied,
];

pub fn rating(lang: Lang, v: i32) -> &'static str {
    use sup::Rating as R;
    pick(
        lang,
        match R::try_from(v) {
            Ok(R::VerySatisfied) => ("非常满意", "Very satisfied"),
            Ok(R::Satisfied) => ("满意", "Satisfied"),
            Ok(R::Fair) => ("基本满意", "Fair"),
            Ok(R::Dissatisfied) => ("不满意", "Dissatisfied"),
            Ok(R::VeryDissatisfied) => ("非常不满意", "Very dissatisfied"),
            _ => UNKNOWN,
        },
    )
}

pub const DIMENSIONS: [sup::Dimension; 4] = [
    sup::Dimension::Attitude,
    sup::Dimension::Efficiency,
    sup::Dimension::Convenience,
    sup::Dimension::Integrity,
];

pub fn dimension(lang: Lang, v: i32) -> &'static str {
    use sup::Dimension as D;
    pick(
        lang,
        match D::try_from(v) {
            Ok(D::Attitude) => ("服务态度", "Attitude"),
            Ok(D::Efficiency) => ("办事效率", "Speed"),
            Ok(D::Convenience) => ("便捷程度", "Convenience"),
            Ok(D::Integrity) => ("廉洁自律", "Integrity"),
            _ => UNKNOWN,
        },
    )
}

pub fn rectification_state(lang: Lang, v: i32) -> &'static str {
    use sup::RectificationState as S;
    pick(
        lang,
        match S::try_from(v) {
            Ok(S::Open) => ("待整改", "Awaiting reply"),
            Ok(S::Replied) => ("已答复待核查", "Replied"),
            Ok(S::Closed) => ("已销号", "Closed"),
            _ => UNKNOWN,
        },
    )
}

pub fn complaint_kind(lang: Lang, v: i32) -> &'static str {
    use sup::ComplaintKind as K;
    pick(
        lang,
        match K::try_from(v) {
            Ok(K::Complaint) => ("投诉", "Complaint"),
            Ok(K::Report) => ("举报", "Report"),
            _ => UNKNOWN,
        },
    )
}

pub fn complaint_state(lang: Lang, v: i32) -> &'static str {
    use sup::ComplaintState as S;
    pick(
        lang,
        match S::try_from(v) {
            Ok(S::Received) => ("已收到", "Received"),
            Ok(S::Accepted) => ("已受理", "Accepted"),
            Ok(S::Rejected) => ("不予受理", "Rejected"),
            Ok(S::Investigating) => ("调查中", "Under investigation"),
            Ok(S::Concluded) => ("已办结", "Concluded"),
            Ok(S::FeedbackGiven) => ("已反馈", "Feedback given"),
            _ => UNKNOWN,
        },
    )
}

pub fn bulletin_kind(lang: Lang, v: i32) -> &'static str {
    use sup::BulletinKind as K;
    pick(
        lang,
        match K::try_from(v) {
            Ok(K::Card) => ("亮牌通报", "Card notice"),
            Ok(K::Violation) => ("违规通报", "Violation notice"),
            Ok(K::Notice) => ("公告", "Notice"),
            _ => UNKNOWN,
        },
    )
}

pub fn category(lang: Lang, v: i32) -> &'static str {
    use trading::Category as C;
    pick(
        lang,
        match C::try_from(v) {
            Ok(C::GovernmentProcurement) => ("政府采购", "Government procurement"),
            Ok(C::Construction) => ("建设工程招投标", "Construction tendering"),
            Ok(C::LandUse) => ("国有土地使用权出让", "Land-use rights"),
            Ok(C::PropertyRights) => ("产权交易", "Property rights"),
            _ => UNKNOWN,
        },
    )
}

pub const CATEGORIES: [trading::Category; 4] = [
    trading::Category::GovernmentProcurement,
    trading::Category::Construction,
    trading::Category::LandUse,
    trading::Category::PropertyRights,
];

pub fn method(lang: Lang, v: i32) -> &'static str {
    use trading::Method as M;
    pick(
        lang,
        match M::try_from(v) {
            Ok(M::OpenTender) => ("公开招标", "Open tender"),
            Ok(M::InvitedTender) => ("邀请招标", "Invited tender"),
            Ok(M::CompetitiveNegotiation) => ("竞争性谈判", "Competitive negotiation"),
            Ok(M::Inquiry) => ("询价", "Inquiry"),
            Ok(M::SingleSource) => ("单一来源", "Single source"),
            Ok(M::Auction) => ("拍卖", "Auction"),
            Ok(M::Listing) => ("挂牌", "Listing"),
            _ => UNKNOWN,
        },
    )
}

pub fn project_state(lang: Lang, v: i32) -> &'static str {
    use trading::ProjectState as S;
    pick(
        lang,
        match S::try_from(v) {
            Ok(S::Draft) => ("草稿", "Draft"),
            Ok(S::Announced) => ("已发布公告", "Announced"),
            Ok(S::Bidding) => ("投标中", "Taking bids"),
            Ok(S::Opened) => ("已开标", "Opened"),
            Ok(S::Evaluating) => ("评标中", "Under evaluation"),
            Ok(S::AwardPublicized) => ("中标公示中", "Award under publicity"),
            Ok(S::Awarded) => ("已定标", "Awarded"),
            Ok(S::Contracted) => ("已签订合同", "Contracted"),
            Ok(S::Failed) => ("流标", "Failed"),
            Ok(S::Cancelled) => ("已终止", "Cancelled"),
            _ => UNKNOWN,
        },
    )
}

pub const PROJECT_STATES: [trading::ProjectState; 10] = [
    trading::ProjectState::Draft,
    trading::ProjectState::Announced,
    trading::ProjectState::Bidding,
    trading::ProjectState::Opened,
    trading::ProjectState::Evaluating,
    trading::ProjectState::AwardPublicized,
    trading::ProjectState::Awarded,
    trading::ProjectState::Contracted,
    trading::ProjectState::Failed,
    trading::ProjectState::Cancelled,
];

pub fn award_status(lang: Lang, v: i32) -> &'static str {
    use trading::AwardStatus as S;
    pick(
        lang,
        match S::try_from(v) {
            Ok(S::Pending) => ("公示中", "Under publicity"),
            Ok(S::Active) => ("有效", "Final"),
            Ok(S::Cancelled) => ("已撤销", "Cancelled"),
            _ => UNKNOWN,
        },
    )
}

pub fn objection_status(lang: Lang, v: i32) -> &'static str {
    use trading::ObjectionStatus as S;
    pick(
        lang,
        match S::try_from(v) {
            Ok(S::Open) => ("待答复", "Open"),
            Ok(S::Dismissed) => ("驳回", "Dismissed"),
            Ok(S::Upheld) => ("成立", "Upheld"),
            _ => UNKNOWN,
        },
    )
}

/// The words of a timeline entry's action (the cases service names them in English).
pub fn timeline_action(lang: Lang, action: &str) -> String {
    let words = match action {
        "submit" => ("提交申请", "Submitted"),
        "accept" => ("受理", "Accepted"),
        "refuse_intake" => ("不予受理", "Intake refused"),
        "request_supplement" => ("一次性告知补正", "Supplement requested"),
        "resubmit" => ("补正材料", "Materials resubmitted"),
        "complete_stage" => ("环节办理完毕", "Stage completed"),
        "start_suspension" => ("中止计时（特别程序）", "Clock suspended"),
        "end_suspension" => ("恢复计时", "Clock resumed"),
        "approve_extension" => ("批准延期", "Extension approved"),
        "conclude" => ("办结", "Concluded"),
        "conclude_immediately" => ("即办办结", "Concluded on the spot"),
        "withdraw" => ("撤回", "Withdrawn"),
        "charge_fees" => ("收费", "Fees charged"),
        "record_payment" => ("缴费", "Paid"),
        _ => return action.replace('_', " "),
    };
    lang.pick(words.0, words.1).to_string()
}

/// A timeline note as the cases service writes it: a stage's name is put in words; any
/// other note (a reason, a procedure) is the staff's own text and stays.
pub fn timeline_note(lang: Lang, note: &str) -> String {
    let stage = match note {
        "accept" => ("受理", "accept"),
        "review" => ("审核", "review"),
        "decide" => ("审批", "decide"),
        "conclude" => ("办结", "conclude"),
        _ => return note.to_string(),
    };
    lang.pick(stage.0, stage.1).to_string()
}
