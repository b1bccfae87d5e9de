//! What an item (事项) is: the content an author writes into a version, its vocabularies,
//! and the rules a content must satisfy before it can be saved or published.

use std::collections::HashSet;

use onewindow_kit::error::Violations;
use serde::{Deserialize, Serialize};

use super::codes::{BasicCode, DepartmentId, ItemId, RegionCode};
use super::department::Directory;

/// Time limits are working days; ten years of them is beyond any real procedure.
pub const MAX_LIMIT_DAYS: u32 = 3650;
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_KEYWORD_CHARS: usize = 50;
/// An id an author chooses (a material's, a fee's, an office's).
pub const MAX_ID_CHARS: usize = 64;
/// A line of the guide: a place, opening hours, a phone number.
pub const MAX_LINE_CHARS: usize = 200;
/// A paragraph of the guide: a condition, a step's or a material's description, a fee's basis.
pub const MAX_TEXT_CHARS: usize = 2000;
/// The most entries of an item's lists; real items list a handful of each.
pub const MAX_LEGAL_BASES: usize = 50;
pub const MAX_STEPS: usize = 10;
pub const MAX_SPECIAL_PROCEDURES: usize = 10;
pub const MAX_CONDITIONS: usize = 50;
pub const MAX_MATERIALS: usize = 100;
pub const MAX_FEES: usize = 50;
pub const MAX_KEYWORDS: usize = 20;

/// The ten kinds of administrative power, and public service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemType {
    License,
    Penalty,
    Coercion,
    Levy,
    Payment,
    Inspection,
    Confirmation,
    Award,
    Ruling,
    OtherPower,
    PublicService,
}

impl ItemType {
    pub const ALL: [ItemType; 11] = [
        ItemType::License,
        ItemType::Penalty,
        ItemType::Coercion,
        ItemType::Levy,
        ItemType::Payment,
        ItemType::Inspection,
        ItemType::Confirmation,
        ItemType::Award,
        ItemType::Ruling,
        ItemType::OtherPower,
        ItemType::PublicService,
    ];

    /// The two leading digits of the basic codes of this type.
    pub fn basic_code_type(self) -> &'static str {
        match self {
            ItemType::License => "01",
            ItemType::Penalty => "02",
            ItemType::Coercion => "03",
            ItemType::Levy => "04",
            ItemType::Payment => "05",
            ItemType::Inspection => "06",
            ItemType::Confirmation => "07",
            ItemType::Award => "08",
            ItemType::Ruling => "09",
            ItemType::OtherPower => "10",
            ItemType::PublicService => "20",
        }
    }

    pub fn from_basic_code_type(code: &str) -> Option<ItemType> {
        ItemType::ALL
            .into_iter()
            .find(|t| t.basic_code_type() == code)
    }

    pub fn chinese(self) -> &'static str {
        match self {
            ItemType::License => "行政许可",
            ItemType::Penalty => "行政处罚",
            ItemType::Coercion => "行政强制",
            ItemType::Levy => "行政征收",
            ItemType::Payment => "行政给付",
            ItemType::Inspection => "行政检查",
            ItemType::Confirmation => "行政确认",
            ItemType::Award => "行政奖励",
            ItemType::Ruling => "行政裁决",
            ItemType::OtherPower => "其他行政权力",
            ItemType::PublicService => "公共服务",
        }
    }
}

/// The level of government that exercises the item; ordered from the top down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemLevel {
    Province,
    City,
    County,
}

impl ItemLevel {
    /// The level's name in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemLevel::Province => "province",
            ItemLevel::City => "city",
            ItemLevel::County => "county",
        }
    }

    pub fn chinese(self) -> &'static str {
        match self {
            ItemLevel::Province => "省级",
            ItemLevel::City => "市级",
            ItemLevel::County => "县级",
        }
    }
}

/// Where the item is handled: in the main hall, in a sub-center, or outside the hall under
/// remote monitoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceMode {
    Hall,
    SubCenter,
    RemoteMonitored,
}

impl ServiceMode {
    pub const ALL: [ServiceMode; 3] = [
        ServiceMode::Hall,
        ServiceMode::SubCenter,
        ServiceMode::RemoteMonitored,
    ];

    pub fn chinese(self) -> &'static str {
        match self {
            ServiceMode::Hall => "进驻大厅",
            ServiceMode::SubCenter => "分中心",
            ServiceMode::RemoteMonitored => "远程监控",
        }
    }
}

/// Whether the window in the hall may decide, or only receives and forwards (收发室).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowAuthorization {
    Full,
    AcceptOnly,
}

impl WindowAuthorization {
    pub fn chinese(self) -> &'static str {
        match self {
            WindowAuthorization::Full => "充分授权",
            WindowAuthorization::AcceptOnly => "仅受理",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemClass {
    /// 即办件: done at the window on the spot.
    Immediate,
    /// 承诺件: done within the promised working days.
    Promised,
    /// 复杂件: multi-stage or joint.
    Complex,
}

impl ItemClass {
    pub const ALL: [ItemClass; 3] = [
        ItemClass::Immediate,
        ItemClass::Promised,
        ItemClass::Complex,
    ];

    pub fn chinese(self) -> &'static str {
        match self {
            ItemClass::Immediate => "即办件",
            ItemClass::Promised => "承诺件",
            ItemClass::Complex => "复杂件",
        }
    }
}

/// How far the item can be handled online.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnlineDepth {
    Information,
    Forms,
    PreReview,
    Full,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaterialForm {
    Original,
    Copy,
    OriginalAndCopy,
    Electronic,
}

/// The four stages every item's process is reduced to, in their order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Accept,
    Review,
    Decide,
    Conclude,
}

impl Stage {
    /// The stage's name in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Accept => "accept",
            Stage::Review => "review",
            Stage::Decide => "decide",
            Stage::Conclude => "conclude",
        }
    }

    pub fn chinese(self) -> &'static str {
        match self {
            Stage::Accept => "受理",
            Stage::Review => "审核",
            Stage::Decide => "审批",
            Stage::Conclude => "办结",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandlerRole {
    Clerk,
    Approver,
}

/// Procedures whose time does not count against the limit (特别程序).
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalBasis {
    pub law: String,
    pub article: String,
}

/// One stage of an item's flow, with who handles it and its own limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub stage: Stage,
    pub handler_role: HandlerRole,
    /// Working days; 0 for a stage done on the spot.
    pub limit_days: u32,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Material {
    pub id: String,
    pub name: String,
    pub required: bool,
    pub form: MaterialForm,
    pub copies: u32,
    pub stage: Stage,
    /// Materials with the same shared id are submitted once for several items (资料互认).
    pub shared_material_id: Option<String>,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fee {
    pub id: String,
    pub name: String,
    /// The standard amount in fen (0.01 yuan).
    pub amount_fen: i64,
    pub basis: String,
}

/// Everything an author writes in a version of an item. The identity, the version number,
/// the status and the validity belong to the version, not to what it says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemContent {
    pub basic_code: BasicCode,
    pub name: String,
    pub item_type: ItemType,
    pub legal_basis: Vec<LegalBasis>,
    pub department_id: DepartmentId,
    pub region_code: RegionCode,
    pub level: ItemLevel,
    pub service_mode: ServiceMode,
    pub window_authorization: WindowAuthorization,
    pub item_class: ItemClass,
    pub statutory_limit_days: u32,
    pub promised_limit_days: u32,
    pub steps: Vec<Step>,
    pub allowed_special_procedures: Vec<SpecialProcedure>,
    /// Extension (延期) in working days that may be approved; 0: none allowed.
    pub max_extension_days: u32,
    pub conditions: Vec<String>,
    pub materials: Vec<Material>,
    pub free_of_charge: bool,
    pub fees: Vec<Fee>,
    pub office_id: Option<String>,
    pub place: String,
    pub hours: String,
    pub phone: String,
    pub online_depth: OnlineDepth,
    pub keywords: Vec<String>,
}

impl ItemContent {
    /// Every rule the content of item `id` breaks, with paths under `item.`.
    pub fn validate(&self, id: &ItemId, directory: &Directory) -> Violations {
        self.violations_at("item", id, directory)
    }

    /// As [`ItemContent::validate`], with paths under `prefix` (`batch.entries[3].item`).
    pub fn violations_at(&self, prefix: &str, id: &ItemId, directory: &Directory) -> Violations {
        let mut v = Violations::new();
        let field = |name: &str| format!("{prefix}.{name}");
        self.check_sizes(&mut v, prefix);

        let name_chars = self.name.trim().chars().count();
        v.check(name_chars == 0, field("name"), "must not be empty");
        v.check(
            name_chars > MAX_NAME_CHARS,
            field("name"),
            format!("must be at most {MAX_NAME_CHARS} characters"),
        );

        v.check(
            self.legal_basis.is_empty(),
            field("legal_basis"),
            "must name at least one legal basis",
        );
        for (i, basis) in self.legal_basis.iter().enumerate() {
            v.check(
                basis.law.trim().is_empty(),
                field(&format!("legal_basis[{i}].law")),
                "must not be empty",
            );
        }

        self.check_codes(&mut v, prefix, id);
        self.check_directory(&mut v, prefix, directory);
        self.check_limits(&mut v, prefix);
        self.check_steps(&mut v, prefix);
        self.check_materials_and_fees(&mut v, prefix);

        for (i, keyword) in self.keywords.iter().enumerate() {
            let chars = keyword.trim().chars().count();
            v.check(
                chars == 0 || chars > MAX_KEYWORD_CHARS,
                field(&format!("keywords[{i}]")),
                format!("must be 1 to {MAX_KEYWORD_CHARS} characters"),
            );
        }
        v
    }

    /// How long the texts and how many the entries of the lists may be; lists first, so that
    /// an over-long list is told before whatever its entries break.
    fn check_sizes(&self, v: &mut Violations, prefix: &str) {
        let field = |name: &str| format!("{prefix}.{name}");
        for (name, len, max) in [
            ("legal_basis", self.legal_basis.len(), MAX_LEGAL_BASES),
            ("steps", self.steps.len(), MAX_STEPS),
            (
                "allowed_special_procedures",
                self.allowed_special_procedures.len(),
                MAX_SPECIAL_PROCEDURES,
            ),
            ("conditions", self.conditions.len(), MAX_CONDITIONS),
            ("materials", self.materials.len(), MAX_MATERIALS),
            ("fees", self.fees.len(), MAX_FEES),
            ("keywords", self.keywords.len(), MAX_KEYWORDS),
        ] {
            v.check_items(len, max, field(name));
        }
        for (i, basis) in self.legal_basis.iter().enumerate() {
            v.check_chars(
                &basis.law,
                MAX_NAME_CHARS,
                field(&format!("legal_basis[{i}].law")),
            );
            v.check_chars(
                &basis.article,
                MAX_TEXT_CHARS,
                field(&format!("legal_basis[{i}].article")),
            );
        }
        for (i, step) in self.steps.iter().enumerate() {
            v.check_chars(
                &step.description,
                MAX_TEXT_CHARS,
                field(&format!("steps[{i}].description")),
            );
        }
        for (i, condition) in self.conditions.iter().enumerate() {
            v.check_chars(
                condition,
                MAX_TEXT_CHARS,
                field(&format!("conditions[{i}]")),
            );
        }
        for (i, material) in self.materials.iter().enumerate() {
            let at = |name: &str| field(&format!("materials[{i}].{name}"));
            v.check_chars(&material.id, MAX_ID_CHARS, at("id"));
            v.check_chars(&material.name, MAX_NAME_CHARS, at("name"));
            if let Some(shared) = &material.shared_material_id {
                v.check_chars(shared, MAX_ID_CHARS, at("shared_material_id"));
            }
            v.check_chars(&material.description, MAX_TEXT_CHARS, at("description"));
        }
        for (i, fee) in self.fees.iter().enumerate() {
            let at = |name: &str| field(&format!("fees[{i}].{name}"));
            v.check_chars(&fee.id, MAX_ID_CHARS, at("id"));
            v.check_chars(&fee.name, MAX_NAME_CHARS, at("name"));
            v.check_chars(&fee.basis, MAX_TEXT_CHARS, at("basis"));
        }
        if let Some(office) = &self.office_id {
            v.check_chars(office, MAX_ID_CHARS, field("office_id"));
        }
        v.check_chars(&self.place, MAX_LINE_CHARS, field("place"));
        v.check_chars(&self.hours, MAX_LINE_CHARS, field("hours"));
        v.check_chars(&self.phone, MAX_LINE_CHARS, field("phone"));
    }

    fn check_codes(&self, v: &mut Violations, prefix: &str, id: &ItemId) {
        let type_code = self.item_type.basic_code_type();
        v.check(
            self.basic_code.type_code() != type_code,
            format!("{prefix}.basic_code"),
            format!(
                "type code {} does not match the item type's code {type_code}",
                self.basic_code.type_code()
            ),
        );
        v.check(
            id.basic_code() != self.basic_code,
            format!("{prefix}.id"),
            format!(
                "implementation code must end with the basic code {}",
                self.basic_code
            ),
        );
    }

    fn check_directory(&self, v: &mut Violations, prefix: &str, directory: &Directory) {
        match directory.department(&self.department_id) {
            None => v.add(
                format!("{prefix}.department_id"),
                format!("department {} does not exist", self.department_id),
            ),
            Some(department) => {
                if let Some(office) = &self.office_id {
                    v.check(
                        !department.offices.iter().any(|o| &o.id == office),
                        format!("{prefix}.office_id"),
                        format!("office {office} is not an office of {}", department.id),
                    );
                }
            }
        }
        v.check(
            !directory.has_region(&self.region_code),
            format!("{prefix}.region_code"),
            format!("region {} is not known", self.region_code),
        );
    }

    fn check_limits(&self, v: &mut Violations, prefix: &str) {
        let in_range = |days: u32| days <= MAX_LIMIT_DAYS;
        let range = format!("must be between 0 and {MAX_LIMIT_DAYS} working days");
        for (name, days) in [
            ("statutory_limit_days", self.statutory_limit_days),
            ("promised_limit_days", self.promised_limit_days),
            ("max_extension_days", self.max_extension_days),
        ] {
            v.check(!in_range(days), format!("{prefix}.{name}"), range.clone());
        }
        v.check(
            self.promised_limit_days > self.statutory_limit_days,
            format!("{prefix}.promised_limit_days"),
            format!(
                "must not exceed the statutory limit ({} working days)",
                self.statutory_limit_days
            ),
        );
        match self.item_class {
            ItemClass::Immediate => v.check(
                self.promised_limit_days != 0,
                format!("{prefix}.promised_limit_days"),
                "must be 0 for an immediate item",
            ),
            ItemClass::Promised | ItemClass::Complex => v.check(
                self.promised_limit_days == 0,
                format!("{prefix}.promised_limit_days"),
                "must be at least 1 for a promised or complex item",
            ),
        }
    }

    fn check_steps(&self, v: &mut Violations, prefix: &str) {
        let steps = format!("{prefix}.steps");
        if self.steps.is_empty() {
            v.add(steps, "must have at least an accept and a conclude step");
            return;
        }
        let immediate = self.item_class == ItemClass::Immediate;
        let mut previous: Option<Stage> = None;
        for (i, step) in self.steps.iter().enumerate() {
            let at = |name: &str| format!("{steps}[{i}].{name}");
            if i == 0 {
                v.check(
                    step.stage != Stage::Accept,
                    at("stage"),
                    "the first step must be accept",
                );
            }
            if let Some(before) = previous {
                if step.stage == before {
                    v.add(
                        at("stage"),
                        format!("{} appears twice", step.stage.as_str()),
                    );
                } else if step.stage < before {
                    v.add(
                        at("stage"),
                        format!(
                            "{} must not come after {}",
                            step.stage.as_str(),
                            before.as_str()
                        ),
                    );
                }
            }
            previous = Some(previous.map_or(step.stage, |p| p.max(step.stage)));
            if step.stage == Stage::Accept {
                v.check(
                    step.handler_role != HandlerRole::Clerk,
                    at("handler_role"),
                    "accept is done by a window clerk",
                );
            }
            v.check(
                step.limit_days > MAX_LIMIT_DAYS,
                at("limit_days"),
                format!("must be between 0 and {MAX_LIMIT_DAYS} working days"),
            );
            if immediate {
                v.check(
                    !matches!(step.stage, Stage::Accept | Stage::Conclude),
                    at("stage"),
                    "an immediate item has only accept and conclude steps",
                );
                v.check(
                    step.limit_days != 0,
                    at("limit_days"),
                    "must be 0 for an immediate item",
                );
            }
        }
        v.check(
            !self.steps.iter().any(|s| s.stage == Stage::Conclude),
            steps.clone(),
            "must end with a conclude step",
        );
        // The clock starts at acceptance, so only the later stages share the promise.
        let after_accept: u64 = self
            .steps
            .iter()
            .filter(|s| s.stage != Stage::Accept)
            .map(|s| u64::from(s.limit_days))
            .sum();
        v.check(
            after_accept > u64::from(self.promised_limit_days),
            steps,
            format!(
                "the steps after accept take {after_accept} working days, more than the promised {}",
                self.promised_limit_days
            ),
        );
    }

    fn check_materials_and_fees(&self, v: &mut Violations, prefix: &str) {
        let mut seen = HashSet::new();
        for (i, material) in self.materials.iter().enumerate() {
            let at = |name: &str| format!("{prefix}.materials[{i}].{name}");
            if material.id.trim().is_empty() {
                v.add(at("id"), "must not be empty");
            } else if !seen.insert(material.id.as_str()) {
                v.add(at("id"), format!("{} is used twice", material.id));
            }
            v.check(
                material.name.trim().is_empty(),
                at("name"),
                "must not be empty",
            );
        }

        v.check(
            self.free_of_charge && !self.fees.is_empty(),
            format!("{prefix}.fees"),
            "an item free of charge has no fees",
        );
        v.check(
            !self.free_of_charge && self.fees.is_empty(),
            format!("{prefix}.fees"),
            "an item that is not free of charge must list its fees",
        );
        let mut seen = HashSet::new();
        for (i, fee) in self.fees.iter().enumerate() {
            let at = |name: &str| format!("{prefix}.fees[{i}].{name}");
            if fee.id.trim().is_empty() {
                v.add(at("id"), "must not be empty");
            } else if !seen.insert(fee.id.as_str()) {
                v.add(at("id"), format!("{} is used twice", fee.id));
            }
            v.check(fee.name.trim().is_empty(), at("name"), "must not be empty");
            v.check(
                fee.amount_fen <= 0,
                at("amount_fen"),
                "must be more than 0 fen",
            );
        }
    }
}

#[cfg(test)]
#[path = "item_tests.rs"]
mod tests;
