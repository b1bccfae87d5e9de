//! The bodies that hold the powers (departments), their windows in the hall (offices) and the
//! administrative divisions they belong to, with the directory that items are checked against.

use std::collections::{BTreeMap, HashSet};

use onewindow_kit::error::Violations;
use serde::{Deserialize, Serialize};

use super::codes::{CreditCode, DepartmentId, RegionCode};
use super::item::{MAX_ID_CHARS, MAX_LINE_CHARS, MAX_NAME_CHARS};

/// The most offices a department keeps in the hall; real ones have a few.
pub const MAX_OFFICES: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    Province,
    City,
    District,
    County,
    DevelopmentZone,
}

/// An administrative division (行政区划).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    pub code: RegionCode,
    pub name: String,
    /// None only for a province.
    pub parent: Option<RegionCode>,
    pub level: RegionLevel,
}

impl Region {
    /// Paths under `prefix` (`region`, `snapshot.regions[2]`).
    pub fn validate(&self, prefix: &str) -> Violations {
        let mut v = Violations::new();
        v.check(
            self.name.trim().is_empty(),
            format!("{prefix}.name"),
            "must not be empty",
        );
        match (&self.parent, self.level) {
            (Some(_), RegionLevel::Province) => {
                v.add(format!("{prefix}.parent_code"), "a province has no parent")
            }
            (None, level) if level != RegionLevel::Province => v.add(
                format!("{prefix}.parent_code"),
                "must name the division this one belongs to",
            ),
            (Some(parent), _) => v.check(
                parent == &self.code || !parent.contains(&self.code),
                format!("{prefix}.parent_code"),
                format!("{parent} does not contain {}", self.code),
            ),
            _ => {}
        }
        v
    }
}

/// An approval service office (审批服务办公室) and its window in the hall.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Office {
    pub id: String,
    pub name: String,
    /// Window number in the hall, e.g. `A12`.
    pub window: String,
    /// Hall, floor or sub-center where the window is.
    pub location: String,
    pub phone: String,
}

/// A department (实施主体) with its offices in the hall.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Department {
    pub id: DepartmentId,
    pub name: String,
    pub region_code: RegionCode,
    pub credit_code: CreditCode,
    pub phone: String,
    pub address: String,
    pub offices: Vec<Office>,
}

impl Department {
    /// Every rule the department breaks, with paths under `department.`; the directory
    /// tells which divisions are known.
    pub fn validate(&self, directory: &Directory) -> Violations {
        self.violations_at("department", directory)
    }

    pub fn violations_at(&self, prefix: &str, directory: &Directory) -> Violations {
        let mut v = Violations::new();
        v.check_items(self.offices.len(), MAX_OFFICES, format!("{prefix}.offices"));
        v.check(
            self.name.trim().is_empty(),
            format!("{prefix}.name"),
            "must not be empty",
        );
        v.check_chars(&self.name, MAX_NAME_CHARS, format!("{prefix}.name"));
        v.check_chars(&self.phone, MAX_LINE_CHARS, format!("{prefix}.phone"));
        v.check_chars(&self.address, MAX_LINE_CHARS, format!("{prefix}.address"));
        v.check(
            !directory.has_region(&self.region_code),
            format!("{prefix}.region_code"),
            format!("region {} is not known", self.region_code),
        );
        let mut seen = HashSet::new();
        for (i, office) in self.offices.iter().enumerate() {
            let at = |name: &str| format!("{prefix}.offices[{i}].{name}");
            let id = office.id.trim();
            if id.is_empty() || id.len() != office.id.len() || id.contains(char::is_whitespace) {
                v.add(at("id"), "must be non-empty without spaces");
            } else if !seen.insert(id) {
                v.add(at("id"), format!("{id} is used twice"));
            }
            v.check_chars(&office.id, MAX_ID_CHARS, at("id"));
            v.check(
                office.name.trim().is_empty(),
                at("name"),
                "must not be empty",
            );
            v.check_chars(&office.name, MAX_NAME_CHARS, at("name"));
            v.check_chars(&office.window, MAX_LINE_CHARS, at("window"));
            v.check_chars(&office.location, MAX_LINE_CHARS, at("location"));
            v.check_chars(&office.phone, MAX_LINE_CHARS, at("phone"));
        }
        v
    }
}

/// The departments and regions known to the catalog: what an item's references are checked
/// against. Small (a city has tens of departments), so it is held whole in memory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Directory {
    departments: BTreeMap<DepartmentId, Department>,
    regions: BTreeMap<RegionCode, Region>,
}

impl Directory {
    pub fn new(
        departments: impl IntoIterator<Item = Department>,
        regions: impl IntoIterator<Item = Region>,
    ) -> Self {
        Self {
            departments: departments.into_iter().map(|d| (d.id.clone(), d)).collect(),
            regions: regions.into_iter().map(|r| (r.code.clone(), r)).collect(),
        }
    }

    pub fn department(&self, id: &DepartmentId) -> Option<&Department> {
        self.departments.get(id)
    }

    /// A department's name, or its id when it is unknown (a label must never be empty).
    pub fn department_name<'a>(&'a self, id: &'a DepartmentId) -> &'a str {
        self.departments
            .get(id)
            .map_or(id.as_str(), |d| d.name.as_str())
    }

    pub fn departments(&self) -> impl Iterator<Item = &Department> {
        self.departments.values()
    }

    pub fn has_region(&self, code: &RegionCode) -> bool {
        self.regions.contains_key(code)
    }

    pub fn region(&self, code: &RegionCode) -> Option<&Region> {
        self.regions.get(code)
    }

    pub fn regions(&self) -> impl Iterator<Item = &Region> {
        self.regions.values()
    }

    /// Adds or replaces a department (PutDepartment).
    pub fn put_department(&mut self, department: Department) {
        self.departments.insert(department.id.clone(), department);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::{datong, directory, market_department};

    #[test]
    fn valid_department_has_no_violations() {
        assert!(market_department().validate(&directory()).is_empty());
    }

    #[test]
    fn department_in_unknown_region_is_rejected() {
        let mut d = market_department();
        d.region_code = RegionCode::parse("110000").unwrap();
        let v = d.validate(&directory());
        assert_eq!(v.as_slice()[0].field, "department.region_code");
    }

    #[test]
    fn duplicate_office_ids_are_rejected_with_their_index() {
        let mut d = market_department();
        let copy = d.offices[0].clone();
        d.offices.push(copy);
        d.offices.push(Office {
            id: "a 1".into(),
            name: String::new(),
            window: String::new(),
            location: String::new(),
            phone: String::new(),
        });
        let v = d.validate(&directory());
        let fields: Vec<&str> = v.as_slice().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "department.offices[1].id",
                "department.offices[2].id",
                "department.offices[2].name"
            ]
        );
    }

    #[test]
    fn overlong_texts_and_too_many_offices_are_rejected_at_their_paths() {
        let mut d = market_department();
        d.address = "街".repeat(MAX_LINE_CHARS + 1);
        d.offices[0].name = "室".repeat(MAX_NAME_CHARS + 1);
        d.offices[0].location = "楼".repeat(MAX_LINE_CHARS + 1);
        let v = d.validate(&directory());
        let fields: Vec<&str> = v.as_slice().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "department.address",
                "department.offices[0].name",
                "department.offices[0].location"
            ]
        );

        let mut d = market_department();
        d.offices = (0..=MAX_OFFICES)
            .map(|i| Office {
                id: format!("o{i}"),
                ..d.offices[0].clone()
            })
            .collect();
        let v = d.validate(&directory());
        assert_eq!(v.as_slice().len(), 1);
        assert_eq!(v.as_slice()[0].field, "department.offices");
        assert_eq!(v.as_slice()[0].description, "must hold at most 50 items");
    }

    #[test]
    fn department_without_name_is_rejected() {
        let mut d = market_department();
        d.name = "  ".into();
        let v = d.violations_at("snapshot.departments[0]", &directory());
        assert_eq!(v.as_slice()[0].field, "snapshot.departments[0].name");
    }

    #[test]
    fn region_hierarchy_is_checked() {
        assert!(datong().validate("region").is_empty());
        let shanxi = Region {
            code: RegionCode::parse("140000").unwrap(),
            name: "山西省".into(),
            parent: None,
            level: RegionLevel::Province,
        };
        assert!(shanxi.validate("region").is_empty());

        let orphan = Region {
            parent: None,
            ..datong()
        };
        assert_eq!(
            orphan.validate("region").as_slice()[0].field,
            "region.parent_code"
        );
        let wrong_parent = Region {
            parent: Some(RegionCode::parse("130000").unwrap()),
            ..datong()
        };
        assert!(!wrong_parent.validate("region").is_empty());
        let province_with_parent = Region {
            parent: Some(RegionCode::parse("140000").unwrap()),
            ..shanxi
        };
        assert!(!province_with_parent.validate("region").is_empty());
    }

    #[test]
    fn directory_falls_back_to_the_id_for_an_unknown_department_name() {
        let dir = directory();
        let known = DepartmentId::parse("scjgj").unwrap();
        let unknown = DepartmentId::parse("nobody").unwrap();
        assert_eq!(dir.department_name(&known), "大同市市场监督管理局");
        assert_eq!(dir.department_name(&unknown), "nobody");
    }
}
