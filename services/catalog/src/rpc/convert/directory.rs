//! Regions and departments between the contract and the domain.

use onewindow_kit::error::Violations;
use onewindow_proto::catalog::v1 as pb;

use super::{code, code_opt, finish, region_level, required};
use crate::domain::codes::{CreditCode, DepartmentId, RegionCode};
use crate::domain::department::{Department, Office, Region};

pub fn region_from_proto(r: &pb::Region, prefix: &str) -> Result<Region, Violations> {
    let mut v = Violations::new();
    let code = code(
        &r.code,
        &format!("{prefix}.code"),
        &mut v,
        RegionCode::parse,
    );
    let parent = if r.parent_code.is_empty() {
        Some(None)
    } else {
        let field = format!("{prefix}.parent_code");
        code_opt(&r.parent_code, &field, &mut v, RegionCode::parse)
    };
    let level = required(r.level, &format!("{prefix}.level"), &mut v, region_level);
    let region = (|| {
        Some(Region {
            code: code?,
            name: r.name.clone(),
            parent: parent?,
            level: level?,
        })
    })();
    finish(v, region)
}

impl From<&Region> for pb::Region {
    fn from(r: &Region) -> Self {
        pb::Region {
            code: r.code.to_string(),
            name: r.name.clone(),
            parent_code: r
                .parent
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            level: pb::RegionLevel::from(r.level).into(),
        }
    }
}

pub fn department_from_proto(d: &pb::Department, prefix: &str) -> Result<Department, Violations> {
    let mut v = Violations::new();
    let id = code(&d.id, &format!("{prefix}.id"), &mut v, DepartmentId::parse);
    let region = code(
        &d.region_code,
        &format!("{prefix}.region_code"),
        &mut v,
        RegionCode::parse,
    );
    let credit = code(
        &d.credit_code,
        &format!("{prefix}.credit_code"),
        &mut v,
        CreditCode::parse,
    );
    let offices = d
        .offices
        .iter()
        .map(|o| Office {
            id: o.id.clone(),
            name: o.name.clone(),
            window: o.window.clone(),
            location: o.location.clone(),
            phone: o.phone.clone(),
        })
        .collect();
    let department = (|| {
        Some(Department {
            id: id?,
            name: d.name.clone(),
            region_code: region?,
            credit_code: credit?,
            phone: d.phone.clone(),
            address: d.address.clone(),
            offices,
        })
    })();
    finish(v, department)
}

impl From<&Department> for pb::Department {
    fn from(d: &Department) -> Self {
        pb::Department {
            id: d.id.to_string(),
            name: d.name.clone(),
            region_code: d.region_code.to_string(),
            credit_code: d.credit_code.to_string(),
            phone: d.phone.clone(),
            address: d.address.clone(),
            offices: d
                .offices
                .iter()
                .map(|o| pb::Office {
                    id: o.id.clone(),
                    name: o.name.clone(),
                    window: o.window.clone(),
                    location: o.location.clone(),
                    phone: o.phone.clone(),
                })
                .collect(),
        }
    }
}
