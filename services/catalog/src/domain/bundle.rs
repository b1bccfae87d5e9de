//! One-stop bundles (一条龙): several departments' items handled as one application, in
//! serial stages of parallel items, coordinated by a lead department.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use onewindow_kit::error::Violations;
use serde::{Deserialize, Serialize};

use super::codes::{DepartmentId, ItemId, RegionCode};
use super::error::CatalogError;
use super::item::{MAX_ID_CHARS, MAX_LIMIT_DAYS, MAX_NAME_CHARS, MAX_TEXT_CHARS};

const KIND: &str = "bundle";

/// The most stages of a bundle, items of a stage and shared materials: real bundles have a
/// handful of stages of a few items each.
pub const MAX_STAGES: usize = 20;
pub const MAX_STAGE_ITEMS: usize = 50;
pub const MAX_SHARED_MATERIALS: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BundleStatus {
    Draft,
    Published,
}

/// A stage of a bundle: its items run in parallel; stages run one after another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleStage {
    pub name: String,
    pub item_ids: Vec<ItemId>,
}

/// A material submitted once and recognised by every item of the bundle (资料互认).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedMaterial {
    pub id: String,
    pub name: String,
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    pub id: String,
    pub name: String,
    pub description: String,
    pub lead_department_id: DepartmentId,
    pub region_code: RegionCode,
    pub stages: Vec<BundleStage>,
    pub shared_materials: Vec<SharedMaterial>,
    pub promised_limit_days: u32,
    pub status: BundleStatus,
    pub published_at: Option<DateTime<Utc>>,
}

/// The department holding an item in force, or None when the item is not in force.
pub type DepartmentOf<'a> = &'a dyn Fn(&ItemId) -> Option<DepartmentId>;

impl Bundle {
    pub fn item_ids(&self) -> impl Iterator<Item = &ItemId> {
        self.stages.iter().flat_map(|s| s.item_ids.iter())
    }

    /// The departments taking part: the lead first, then the others as their items appear.
    pub fn department_ids(&self, department_of: DepartmentOf<'_>) -> Vec<DepartmentId> {
        let mut ids = vec![self.lead_department_id.clone()];
        for department in self.item_ids().filter_map(department_of) {
            if !ids.contains(&department) {
                ids.push(department);
            }
        }
        ids
    }

    /// Every rule the bundle breaks, paths under `bundle.`.
    pub fn validate(&self, department_of: DepartmentOf<'_>) -> Violations {
        let mut v = Violations::new();
        v.check_items(self.stages.len(), MAX_STAGES, "bundle.stages");
        v.check_items(
            self.shared_materials.len(),
            MAX_SHARED_MATERIALS,
            "bundle.shared_materials",
        );
        // The id names the bundle in every later call (publish, get, submit).
        v.check(self.id.trim().is_empty(), "bundle.id", "must not be empty");
        v.check_chars(&self.id, MAX_ID_CHARS, "bundle.id");
        v.check(
            self.name.trim().is_empty(),
            "bundle.name",
            "must not be empty",
        );
        v.check_chars(&self.name, MAX_NAME_CHARS, "bundle.name");
        v.check_chars(&self.description, MAX_TEXT_CHARS, "bundle.description");
        v.check(
            self.promised_limit_days == 0 || self.promised_limit_days > MAX_LIMIT_DAYS,
            "bundle.promised_limit_days",
            format!("must be between 1 and {MAX_LIMIT_DAYS} working days"),
        );
        v.check(
            self.stages.is_empty(),
            "bundle.stages",
            "must have at least one stage",
        );
        let mut stage_of: HashMap<&ItemId, usize> = HashMap::new();
        let mut departments = HashSet::new();
        for (i, stage) in self.stages.iter().enumerate() {
            let at = format!("bundle.stages[{i}]");
            v.check(
                stage.name.trim().is_empty(),
                format!("{at}.name"),
                "must not be empty",
            );
            v.check_chars(&stage.name, MAX_NAME_CHARS, format!("{at}.name"));
            v.check_items(
                stage.item_ids.len(),
                MAX_STAGE_ITEMS,
                format!("{at}.item_ids"),
            );
            v.check(
                stage.item_ids.is_empty(),
                format!("{at}.item_ids"),
                "must have at least one item",
            );
            for (j, item) in stage.item_ids.iter().enumerate() {
                let field = format!("{at}.item_ids[{j}]");
                if let Some(first) = stage_of.get(item) {
                    v.add(field, format!("item is already in stage {first}"));
                    continue;
                }
                stage_of.insert(item, i);
                match department_of(item) {
                    Some(department) => {
                        departments.insert(department);
                    }
                    None => v.add(field, format!("item {item} is not in force")),
                }
            }
        }
        // Only report the lead when the items themselves are all known.
        if !departments.is_empty() && !departments.contains(&self.lead_department_id) {
            v.add(
                "bundle.lead_department_id",
                format!(
                    "{} holds none of the bundle's items",
                    self.lead_department_id
                ),
            );
        }
        let mut seen = HashSet::new();
        for (i, material) in self.shared_materials.iter().enumerate() {
            let at = format!("bundle.shared_materials[{i}]");
            if material.id.trim().is_empty() {
                v.add(format!("{at}.id"), "must not be empty");
            } else if !seen.insert(material.id.as_str()) {
                v.add(format!("{at}.id"), format!("{} is used twice", material.id));
            }
            v.check_chars(&material.id, MAX_ID_CHARS, format!("{at}.id"));
            v.check(
                material.name.trim().is_empty(),
                format!("{at}.name"),
                "must not be empty",
            );
            v.check_chars(&material.name, MAX_NAME_CHARS, format!("{at}.name"));
        }
        v
    }

    /// Publishes a draft bundle whose items are all in force now.
    pub fn publish(
        &self,
        department_of: DepartmentOf<'_>,
        now: DateTime<Utc>,
    ) -> Result<Bundle, CatalogError> {
        if self.status == BundleStatus::Published {
            return Err(CatalogError::illegal(
                KIND,
                &self.id,
                "published",
                "publish",
            ));
        }
        CatalogError::check(self.validate(department_of))?;
        Ok(Bundle {
            status: BundleStatus::Published,
            published_at: Some(now),
            ..self.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::{
        dept, housing_department, instant, item_id_of, market_department, region, tax_department,
    };

    fn registry_item() -> ItemId {
        item_id_of(&housing_department(), "070201001000")
    }

    fn deed_tax_item() -> ItemId {
        item_id_of(&tax_department(), "040101001000")
    }

    /// Items in force and their departments: the housing registry and the deed tax.
    fn department_of(id: &ItemId) -> Option<DepartmentId> {
        if id == &registry_item() {
            Some(dept("fcj"))
        } else if id == &deed_tax_item() {
            Some(dept("dsj"))
        } else {
            None
        }
    }

    /// The housing transaction bundle of the report: registry and deed tax, 10 working days.
    fn housing_bundle() -> Bundle {
        Bundle {
            id: "housing-transaction".into(),
            name: "房产交易登记".into(),
            description: "房产登记与契税缴纳一窗办理".into(),
            lead_department_id: dept("fcj"),
            region_code: region("140200"),
            stages: vec![BundleStage {
                name: "并联受理".into(),
                item_ids: vec![registry_item(), deed_tax_item()],
            }],
            shared_materials: vec![SharedMaterial {
                id: "id-card".into(),
                name: "身份证".into(),
                required: true,
            }],
            promised_limit_days: 10,
            status: BundleStatus::Draft,
            published_at: None,
        }
    }

    fn fields(b: &Bundle) -> Vec<String> {
        b.validate(&department_of)
            .as_slice()
            .iter()
            .map(|f| f.field.clone())
            .collect()
    }

    #[test]
    fn housing_bundle_is_valid() {
        assert!(fields(&housing_bundle()).is_empty());
    }

    #[test]
    fn bundle_needs_an_id() {
        let mut b = housing_bundle();
        b.id = " ".into();
        assert_eq!(fields(&b), ["bundle.id"]);
    }

    #[test]
    fn bundle_needs_a_stage_with_items() {
        let mut b = housing_bundle();
        b.stages[0].item_ids.clear();
        assert_eq!(fields(&b), ["bundle.stages[0].item_ids"]);
        b.stages.clear();
        assert_eq!(fields(&b), ["bundle.stages"]);
    }

    #[test]
    fn an_item_twice_in_a_bundle_is_rejected() {
        let mut b = housing_bundle();
        b.stages.push(BundleStage {
            name: "办结".into(),
            item_ids: vec![registry_item()],
        });
        assert_eq!(fields(&b), ["bundle.stages[1].item_ids[0]"]);
    }

    #[test]
    fn every_item_must_be_in_force() {
        let mut b = housing_bundle();
        b.stages[0]
            .item_ids
            .push(item_id_of(&market_department(), "010172001000"));
        assert_eq!(fields(&b), ["bundle.stages[0].item_ids[2]"]);
    }

    #[test]
    fn lead_department_must_hold_one_of_the_items() {
        let mut b = housing_bundle();
        b.lead_department_id = dept("scjgj");
        assert_eq!(fields(&b), ["bundle.lead_department_id"]);
    }

    #[test]
    fn bundle_promises_at_least_one_day() {
        let mut b = housing_bundle();
        b.promised_limit_days = 0;
        assert_eq!(fields(&b), ["bundle.promised_limit_days"]);
    }

    #[test]
    fn shared_material_ids_are_unique() {
        let mut b = housing_bundle();
        b.shared_materials.push(b.shared_materials[0].clone());
        assert_eq!(fields(&b), ["bundle.shared_materials[1].id"]);
    }

    #[test]
    fn overlong_names_and_too_many_stages_are_rejected_at_their_paths() {
        let mut b = housing_bundle();
        b.id = "b".repeat(MAX_ID_CHARS + 1);
        b.description = "说".repeat(MAX_TEXT_CHARS + 1);
        b.stages[0].name = "段".repeat(MAX_NAME_CHARS + 1);
        b.shared_materials[0].name = "材".repeat(MAX_NAME_CHARS + 1);
        assert_eq!(
            fields(&b),
            [
                "bundle.id",
                "bundle.description",
                "bundle.stages[0].name",
                "bundle.shared_materials[0].name"
            ]
        );

        let mut b = housing_bundle();
        let stage = b.stages[0].clone();
        b.stages = vec![stage; MAX_STAGES + 1];
        assert_eq!(fields(&b)[0], "bundle.stages");
    }

    #[test]
    fn department_ids_put_the_lead_first_without_repeats() {
        let mut b = housing_bundle();
        b.lead_department_id = dept("dsj");
        assert_eq!(b.department_ids(&department_of), [dept("dsj"), dept("fcj")]);
    }

    #[test]
    fn publishing_a_draft_bundle_stamps_it() {
        let published = housing_bundle()
            .publish(&department_of, instant(2026, 3, 2))
            .unwrap();
        assert_eq!(published.status, BundleStatus::Published);
        assert_eq!(published.published_at, Some(instant(2026, 3, 2)));
    }

    #[test]
    fn a_published_bundle_cannot_publish_again() {
        let published = housing_bundle()
            .publish(&department_of, instant(2026, 3, 2))
            .unwrap();
        let err = published
            .publish(&department_of, instant(2026, 3, 3))
            .unwrap_err();
        assert_eq!(
            err,
            CatalogError::illegal("bundle", "housing-transaction", "published", "publish")
        );
    }

    #[test]
    fn an_invalid_bundle_does_not_publish() {
        let mut b = housing_bundle();
        b.name.clear();
        assert!(matches!(
            b.publish(&department_of, instant(2026, 3, 2)),
            Err(CatalogError::Invalid(_))
        ));
    }
}
