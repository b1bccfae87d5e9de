//! The people of the hall as the services see them: principals carried by signed tokens.
//! Staff subjects name their role and department (`clerk-gsj`), so a scenario can tell from
//! a stage's actor which department's staff completed it.

use onewindow_kit::auth::{Principal, Role};
use onewindow_proto::cases::v1 as pb;
use onewindow_proto::common::v1 as common;

use crate::DATONG;

fn staff(role: Role, department: &str) -> Principal {
    Principal {
        subject: format!("{role}-{department}"),
        name: String::new(),
        roles: vec![role],
        department: Some(department.to_string()),
        region: Some(DATONG.into()),
    }
}

/// A window clerk of `department` in Datong.
pub fn clerk(department: &str) -> Principal {
    staff(Role::Clerk, department)
}

/// An approver (the department's officer) of `department` in Datong.
pub fn approver(department: &str) -> Principal {
    staff(Role::Approver, department)
}

/// The staff member a step names: its clerk or its approver.
pub fn handler(role: i32, department: &str) -> Principal {
    if role == common::HandlerRole::Approver as i32 {
        approver(department)
    } else {
        clerk(department)
    }
}

/// Someone of the electronic supervision office, who reads everything.
pub fn supervisor() -> Principal {
    Principal {
        subject: "supervisor-1".into(),
        name: String::new(),
        roles: vec![Role::Supervisor],
        department: None,
        region: Some(DATONG.into()),
    }
}

/// The catalog's administrator.
pub fn catalog_admin() -> Principal {
    Principal {
        subject: "catalog-admin-1".into(),
        name: String::new(),
        roles: vec![Role::CatalogAdmin],
        department: None,
        region: Some(DATONG.into()),
    }
}

/// A citizen with an account and the identity they apply with.
#[derive(Debug, Clone)]
pub struct Applicant {
    /// The account they sign in with.
    pub account: Principal,
    /// What they write on an application.
    pub details: pb::Applicant,
}

impl Applicant {
    /// A person with a valid resident ID number and a mobile phone, both unique to `serial`.
    pub fn person(serial: u32) -> Applicant {
        let first17 = format!("14020219850101{:03}", serial % 1000);
        let check = onewindow_cases::domain::applicant::resident_id_check_char(&first17)
            .expect("seventeen digits");
        Applicant {
            account: Principal {
                subject: format!("applicant-{serial}"),
                name: String::new(),
                roles: vec![Role::Applicant],
                department: None,
                region: None,
            },
            details: pb::Applicant {
                kind: pb::ApplicantKind::Person as i32,
                name: "王建国".into(),
                id_type: pb::IdType::ResidentIdCard as i32,
                id_number: format!("{first17}{check}"),
                phone: format!("1391234{:04}", serial % 10_000),
            },
        }
    }

    pub fn id_number(&self) -> &str {
        &self.details.id_number
    }

    pub fn phone(&self) -> &str {
        &self.details.phone
    }
}
