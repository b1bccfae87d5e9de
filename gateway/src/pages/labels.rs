//! Names of the contracts' enum values as people read them, in both languages.

use onewindow_proto::catalog::v1 as pb;
use onewindow_proto::common::v1 as common;

use super::text::Lang;

const UNKNOWN: (&str, &str) = ("—", "—");

fn pick(lang: Lang, pair: (&'static str, &'static str)) -> &'static str {
    lang.pick(pair.0, pair.1)
}

pub fn item_type(lang: Lang, v: i32) -> &'static str {
    use pb::ItemType as T;
    pick(
        lang,
        match T::try_from(v) {
            Ok(T::License) => ("行政许可", "Administrative license"),
            Ok(T::Penalty) => ("行政处罚", "Administrative penalty"),
            Ok(T::Coercion) => ("行政强制", "Administrative coercion"),
            Ok(T::Levy) => ("行政征收", "Administrative levy"),
            Ok(T::Payment) => ("行政给付", "Administrative payment"),
            Ok(T::Inspection) => ("行政检查", "Administrative inspection"),
            Ok(T::Confirmation) => ("行政确认", "Administrative confirmation"),
            Ok(T::Award) => ("行政奖励", "Administrative award"),
            Ok(T::Ruling) => ("行政裁决", "Administrative ruling"),
            Ok(T::OtherPower) => ("其他行政权力", "Other administrative power"),
            Ok(T::PublicService) => ("公共服务", "Public service"),
            _ => UNKNOWN,
        },
    )
}

/// The item types a citizen browses by, in the order of the catalog's classification.
pub const BROWSABLE_TYPES: [pb::ItemType; 6] = [
    pb::ItemType::License,
    pb::ItemType::Confirmation,
    pb::ItemType::Payment,
    pb::ItemType::Award,
    pb::ItemType::PublicService,
    pb::ItemType::OtherPower,
];

pub fn level(lang: Lang, v: i32) -> &'static str {
    use pb::ItemLevel as L;
    pick(
        lang,
        match L::try_from(v) {
            Ok(L::Province) => ("省级", "Province"),
            Ok(L::City) => ("市级", "City"),
            Ok(L::County) => ("县级", "County"),
            _ => UNKNOWN,
        },
    )
}

pub fn service_mode(lang: Lang, v: i32) -> &'static str {
    use pb::ServiceMode as M;
    pick(
        lang,
        match M::try_from(v) {
            Ok(M::Hall) => ("进驻大厅办理", "In the main hall"),
            Ok(M::SubCenter) => ("分中心办理", "In a sub-center"),
            Ok(M::RemoteMonitored) => ("部门办理（远程监控）", "At the department (monitored)"),
            _ => UNKNOWN,
        },
    )
}

pub fn window_authorization(lang: Lang, v: i32) -> &'static str {
    use pb::WindowAuthorization as W;
    pick(
        lang,
        match W::try_from(v) {
            Ok(W::Full) => ("窗口充分授权", "The window decides"),
            Ok(W::AcceptOnly) => ("窗口仅受理", "The window only receives"),
            _ => UNKNOWN,
        },
    )
}

pub fn item_class(lang: Lang, v: i32) -> &'static str {
    use pb::ItemClass as C;
    pick(
        lang,
        match C::try_from(v) {
            Ok(C::Immediate) => ("即办件", "Immediate"),
            Ok(C::Promised) => ("承诺件", "Promised"),
            Ok(C::Complex) => ("复杂件", "Complex"),
            _ => UNKNOWN,
        },
    )
}

pub fn online_depth(lang: Lang, v: i32) -> &'static str {
    use pb::OnlineDepth as D;
    pick(
        lang,
        match D::try_from(v) {
            Ok(D::Information) => ("网上公开办事指南", "Guide online"),
            Ok(D::Forms) => ("表格下载", "Forms to download"),
            Ok(D::PreReview) => (
                "网上申请、预审，最多跑一次",
                "Apply online, one visit at most",
            ),
            Ok(D::Full) => ("全程网办，无需到现场", "Fully online, no visit"),
            _ => UNKNOWN,
        },
    )
}

pub fn material_form(lang: Lang, v: i32) -> &'static str {
    use pb::MaterialForm as F;
    pick(
        lang,
        match F::try_from(v) {
            Ok(F::Original) => ("原件", "Original"),
            Ok(F::Copy) => ("复印件", "Copy"),
            Ok(F::OriginalAndCopy) => ("原件及复印件", "Original and copy"),
            Ok(F::Electronic) => ("电子件", "Electronic"),
            _ => UNKNOWN,
        },
    )
}

pub fn stage(lang: Lang, v: i32) -> &'static str {
    use common::Stage as S;
    pick(
        lang,
        match S::try_from(v) {
            Ok(S::Accept) => ("受理", "Accept"),
            Ok(S::Review) => ("审核", "Review"),
            Ok(S::Decide) => ("审批", "Decide"),
            Ok(S::Conclude) => ("办结", "Conclude"),
            _ => UNKNOWN,
        },
    )
}

pub fn handler_role(lang: Lang, v: i32) -> &'static str {
    use common::HandlerRole as H;
    pick(
        lang,
        match H::try_from(v) {
            Ok(H::Clerk) => ("窗口工作人员", "Window clerk"),
            Ok(H::Approver) => ("审批人员", "Approver"),
            _ => UNKNOWN,
        },
    )
}

pub fn special_procedure(lang: Lang, v: i32) -> &'static str {
    use common::SpecialProcedure as P;
    pick(
        lang,
        match P::try_from(v) {
            Ok(P::ExpertReview) => ("专家评审", "Expert review"),
            Ok(P::Hearing) => ("听证", "Hearing"),
            Ok(P::Inspection) => ("现场勘查", "Site inspection"),
            Ok(P::Testing) => ("检验检测", "Testing"),
            Ok(P::PublicNotice) => ("公示", "Public notice"),
            Ok(P::WaitingForApplicant) => ("等待申请人补正", "Waiting for the applicant"),
            _ => UNKNOWN,
        },
    )
}

/// A statistics key as the catalog reports it (an enum name) in words.
pub fn statistics_key(lang: Lang, key: &str) -> String {
    let by_name = |name: &str| -> Option<&'static str> {
        if let Some(v) = pb::ItemType::from_str_name(name) {
            return Some(item_type(lang, v as i32));
        }
        if let Some(v) = pb::ServiceMode::from_str_name(name) {
            return Some(service_mode(lang, v as i32));
        }
        if let Some(v) = pb::ItemClass::from_str_name(name) {
            return Some(item_class(lang, v as i32));
        }
        None
    };
    by_name(key)
        .map(str::to_string)
        .unwrap_or_else(|| key.to_string())
}

/// Fen as yuan with two decimals and thousands grouped: `8000` -> `80.00`,
/// `948000000` -> `9,480,000.00`. Integer arithmetic, never floats.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{:02}", abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fen_render_as_yuan_with_two_decimals() {
        assert_eq!(yuan(8000), "80.00");
        assert_eq!(yuan(5), "0.05");
        assert_eq!(yuan(-1250), "-12.50");
        assert_eq!(yuan(948_000_000), "9,480,000.00");
        assert_eq!(yuan(100_000), "1,000.00");
        assert_eq!(yuan(99_999), "999.99");
    }

    #[test]
    fn statistics_keys_are_named_in_both_languages() {
        assert_eq!(statistics_key(Lang::Zh, "ITEM_TYPE_LICENSE"), "行政许可");
        assert_eq!(
            statistics_key(Lang::En, "ITEM_CLASS_IMMEDIATE"),
            "Immediate"
        );
        assert_eq!(statistics_key(Lang::En, "something"), "something");
    }
}
