//! What a case needs of the item version pinned at submission. The catalog owns items; the
//! case keeps its own copy of these terms so that a later version never changes the rules
//! of a case already under way.

use chrono::NaiveDate;
use onewindow_kit::error::Violations;
use serde::{Deserialize, Serialize};

use super::error::CaseError;

/// The four stages every item's process is reduced to, in their order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 受理
    Accept,
    /// 审核
    Review,
    /// 审批
    Decide,
    /// 办结
    Conclude,
}

impl Stage {
    pub const ALL: [Stage; 4] = [Stage::Accept, Stage::Review, Stage::Decide, Stage::Conclude];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Accept => "accept",
            Stage::Review => "review",
            Stage::Decide => "decide",
            Stage::Conclude => "conclude",
        }
    }
}

/// Who handles a step: a window clerk or an approver of the department.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandlerRole {
    Clerk,
    Approver,
}

/// 即办件 / 承诺件 / 复杂件.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemClass {
    Immediate,
    Promised,
    Complex,
}

/// Procedures whose time does not count against the limits (特别程序).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpecialProcedure {
    ExpertReview,
    Hearing,
    Inspection,
    Testing,
    PublicNotice,
    WaitingForApplicant,
}

impl SpecialProcedure {
    pub const ALL: [SpecialProcedure; 6] = [
        SpecialProcedure::ExpertReview,
        SpecialProcedure::Hearing,
        SpecialProcedure::Inspection,
        SpecialProcedure::Testing,
        SpecialProcedure::PublicNotice,
        SpecialProcedure::WaitingForApplicant,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SpecialProcedure::ExpertReview => "expert_review",
            SpecialProcedure::Hearing => "hearing",
            SpecialProcedure::Inspection => "inspection",
            SpecialProcedure::Testing => "testing",
            SpecialProcedure::PublicNotice => "public_notice",
            SpecialProcedure::WaitingForApplicant => "waiting_for_applicant",
        }
    }
}

/// Whether the item's window may decide (充分授权) or only receives (收发室). The case does
/// not route differently on it; events carry it so supervision can measure it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowAuthorization {
    Full,
    AcceptOnly,
}

/// One step of the item's flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepTerms {
    pub stage: Stage,
    pub handler_role: HandlerRole,
    /// Working days; 0 for a step done on the spot.
    pub limit_days: u32,
}

/// One material the item asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialTerms {
    pub id: String,
    pub name: String,
    pub required: bool,
    /// The stage by which it is needed; intake checks those of the accept stage.
    pub stage: Stage,
    /// Materials with the same shared id are submitted once for a bundle (资料互认).
    pub shared_material_id: Option<String>,
}

/// One fee item of the item, with its standard amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeItem {
    pub id: String,
    pub name: String,
    pub amount_fen: i64,
}

/// The pinned item version, as far as a case is concerned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemTerms {
    pub item_id: String,
    pub version: u32,
    pub name: String,
    pub department_id: String,
    pub region_code: String,
    pub item_class: ItemClass,
    /// 法定时限, working days.
    pub statutory_limit_days: u32,
    /// 承诺时限, working days.
    pub promised_limit_days: u32,
    /// Accept first, conclude last, in the order of [`Stage`].
    pub steps: Vec<StepTerms>,
    pub allowed_special_procedures: Vec<SpecialProcedure>,
    /// 0: no extension may be approved.
    pub max_extension_days: u32,
    pub materials: Vec<MaterialTerms>,
    pub fees: Vec<FeeItem>,
    pub free_of_charge: bool,
    pub window_authorization: WindowAuthorization,
    /// The version's validity; `valid_until` is exclusive.
    pub valid_from: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    /// The item is cancelled (取消) from `valid_until`.
    pub cancelled: bool,
}

impl ItemTerms {
    /// Whether a case may be submitted under this version on `date`.
    pub fn in_force_on(&self, date: NaiveDate) -> bool {
        self.valid_from <= date && self.valid_until.is_none_or(|until| date < until)
    }

    pub fn is_immediate(&self) -> bool {
        self.item_class == ItemClass::Immediate
    }

    pub fn step(&self, stage: Stage) -> Option<&StepTerms> {
        self.steps.iter().find(|s| s.stage == stage)
    }

    pub fn material(&self, id: &str) -> Option<&MaterialTerms> {
        self.materials.iter().find(|m| m.id == id)
    }

    pub fn fee_item(&self, id: &str) -> Option<&FeeItem> {
        self.fees.iter().find(|f| f.id == id)
    }

    pub fn allows(&self, procedure: SpecialProcedure) -> bool {
        self.allowed_special_procedures.contains(&procedure)
    }

    /// The required materials needed by `stage`.
    pub fn required_materials_at(&self, stage: Stage) -> impl Iterator<Item = &MaterialTerms> {
        self.materials
            .iter()
            .filter(move |m| m.required && m.stage == stage)
    }

    /// Checks what the case's rules rely on. The catalog validates far more when it
    /// publishes; this guards a case against terms that would make it unworkable (a flow
    /// without accept or conclude, steps out of order, an immediate item with stages).
    pub fn validate(&self) -> Result<(), CaseError> {
        let mut v = Violations::new();
        v.check(
            self.item_id.trim().is_empty(),
            "item.id",
            "must not be empty",
        );
        v.check(
            self.department_id.trim().is_empty(),
            "item.department_id",
            "must not be empty",
        );
        v.check(
            self.region_code.len() != 6 || !self.region_code.bytes().all(|b| b.is_ascii_digit()),
            "item.region_code",
            "must be six digits",
        );
        v.check(
            self.promised_limit_days > self.statutory_limit_days,
            "item.promised_limit_days",
            "must not exceed the statutory limit",
        );
        v.check(
            self.steps.first().map(|s| s.stage) != Some(Stage::Accept),
            "item.steps",
            "must start with accept",
        );
        v.check(
            self.steps.last().map(|s| s.stage) != Some(Stage::Conclude),
            "item.steps",
            "must end with conclude",
        );
        v.check(
            self.steps.windows(2).any(|w| w[0].stage >= w[1].stage),
            "item.steps",
            "must be in the order accept, review, decide, conclude, each at most once",
        );
        if self.is_immediate() {
            v.check(
                self.steps.len() != 2,
                "item.steps",
                "an immediate item has only accept and conclude",
            );
        }
        let mut ids: Vec<&str> = self.materials.iter().map(|m| m.id.as_str()).collect();
        ids.sort_unstable();
        v.check(
            ids.windows(2).any(|w| w[0] == w[1]),
            "item.materials",
            "material ids must be unique",
        );
        let mut fee_ids: Vec<&str> = self.fees.iter().map(|f| f.id.as_str()).collect();
        fee_ids.sort_unstable();
        v.check(
            fee_ids.windows(2).any(|w| w[0] == w[1]),
            "item.fees",
            "fee ids must be unique",
        );
        v.check(
            self.fees.iter().any(|f| f.amount_fen < 0),
            "item.fees",
            "standard amounts must not be negative",
        );
        CaseError::check(v)
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{date, immediate_terms, promised_terms};
    use super::*;

    #[test]
    fn fixtures_are_valid_terms() {
        assert_eq!(promised_terms().validate(), Ok(()));
        assert_eq!(immediate_terms().validate(), Ok(()));
    }

    #[test]
    fn steps_out_of_order_are_refused() {
        let mut t = promised_terms();
        t.steps.swap(1, 2);
        assert!(matches!(t.validate(), Err(CaseError::Invalid(_))));
        let mut t = promised_terms();
        t.steps.remove(0);
        assert!(matches!(t.validate(), Err(CaseError::Invalid(_))));
    }

    #[test]
    fn an_immediate_item_with_a_review_step_is_refused() {
        let mut t = immediate_terms();
        t.steps.insert(
            1,
            StepTerms {
                stage: Stage::Review,
                handler_role: HandlerRole::Clerk,
                limit_days: 0,
            },
        );
        assert!(matches!(t.validate(), Err(CaseError::Invalid(_))));
    }

    #[test]
    fn validity_is_inclusive_from_and_exclusive_until() {
        let mut t = promised_terms();
        t.valid_from = date(2026, 1, 1);
        t.valid_until = Some(date(2026, 7, 1));
        assert!(!t.in_force_on(date(2025, 12, 31)));
        assert!(t.in_force_on(date(2026, 1, 1)));
        assert!(t.in_force_on(date(2026, 6, 30)));
        assert!(!t.in_force_on(date(2026, 7, 1)));
    }
}
