//! Shared test data: a promised item and an immediate one of Datong's market regulation
//! bureau, applicants, the staff who act, and cases brought into every state.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use onewindow_kit::auth::Role;
use onewindow_kit::calendar::Calendar;

use super::applicant::{Applicant, ApplicantKind, IdType};
use super::case::{Case, Channel, Conclusion, NewMaterial, SupplementItem};
use super::command::{Actor, Command};
use super::decide::decide;
use super::error::CaseError;
use super::event::DomainEvent;
use super::intake::{submit, Submission};
use super::number::CaseNumber;
use super::terms::{
    FeeItem, HandlerRole, ItemClass, ItemTerms, MaterialTerms, SpecialProcedure, Stage, StepTerms,
    WindowAuthorization,
};

pub const DEPT: &str = "scjgj";
pub const REGION: &str = "140200";
pub const APPLICANT: &str = "u-zhangsan";

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// 10:00 in Beijing on that day.
pub fn instant(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(2, 0, 0).unwrap())
}

/// Monday 2 March 2026.
pub fn monday() -> NaiveDate {
    date(2026, 3, 2)
}

fn step(stage: Stage, handler_role: HandlerRole, limit_days: u32) -> StepTerms {
    StepTerms {
        stage,
        handler_role,
        limit_days,
    }
}

fn material(id: &str, name: &str, required: bool, stage: Stage) -> MaterialTerms {
    MaterialTerms {
        id: id.into(),
        name: name.into(),
        required,
        stage,
        shared_material_id: None,
    }
}

/// A promised item (承诺件): review by a clerk, decision and conclusion by an approver.
pub fn promised_terms() -> ItemTerms {
    ItemTerms {
        item_id: "11140200MB0000001X000172001000".into(),
        version: 1,
        name: "食品经营许可".into(),
        department_id: DEPT.into(),
        region_code: REGION.into(),
        item_class: ItemClass::Promised,
        statutory_limit_days: 20,
        promised_limit_days: 10,
        steps: vec![
            step(Stage::Accept, HandlerRole::Clerk, 0),
            step(Stage::Review, HandlerRole::Clerk, 3),
            step(Stage::Decide, HandlerRole::Approver, 3),
            step(Stage::Conclude, HandlerRole::Approver, 2),
        ],
        allowed_special_procedures: vec![SpecialProcedure::Inspection, SpecialProcedure::Hearing],
        max_extension_days: 10,
        materials: vec![
            material("m1", "申请书", true, Stage::Accept),
            MaterialTerms {
                shared_material_id: Some("s-license".into()),
                ..material("m2", "营业执照", true, Stage::Accept)
            },
            material("m3", "场所照片", false, Stage::Accept),
            material("m4", "现场核查记录", true, Stage::Review),
        ],
        fees: vec![FeeItem {
            id: "f1".into(),
            name: "工本费".into(),
            amount_fen: 1_000,
        }],
        free_of_charge: false,
        window_authorization: WindowAuthorization::AcceptOnly,
        valid_from: date(2026, 1, 1),
        valid_until: None,
        cancelled: false,
    }
}

/// An immediate item (即办件), done by the window clerk on the spot.
pub fn immediate_terms() -> ItemTerms {
    ItemTerms {
        item_id: "11140200MB0000001X000172002000".into(),
        name: "个体工商户名称变更登记".into(),
        item_class: ItemClass::Immediate,
        statutory_limit_days: 5,
        promised_limit_days: 0,
        steps: vec![
            step(Stage::Accept, HandlerRole::Clerk, 0),
            step(Stage::Conclude, HandlerRole::Clerk, 0),
        ],
        allowed_special_procedures: vec![],
        max_extension_days: 0,
        materials: vec![material("m1", "变更登记申请书", true, Stage::Accept)],
        fees: vec![FeeItem {
            id: "f1".into(),
            name: "工本费".into(),
            amount_fen: 500,
        }],
        window_authorization: WindowAuthorization::Full,
        ..promised_terms()
    }
}

pub fn person() -> Applicant {
    Applicant {
        kind: ApplicantKind::Person,
        name: "张三".into(),
        id_type: IdType::ResidentIdCard,
        id_number: "140202199001011234".into(),
        phone: "13812345678".into(),
    }
}

pub fn enterprise() -> Applicant {
    Applicant {
        kind: ApplicantKind::Enterprise,
        name: "大同市云冈食品有限公司".into(),
        id_type: IdType::UnifiedSocialCreditCode,
        id_number: "91140200MA0K123454".into(),
        phone: "0352-1234567".into(),
    }
}

fn actor(subject: &str, roles: &[Role], dept: Option<&str>) -> Actor {
    Actor {
        subject: subject.into(),
        roles: roles.to_vec(),
        department: dept.map(str::to_string),
        region: dept.map(|_| REGION.to_string()),
    }
}

pub fn clerk() -> Actor {
    actor("clerk-li", &[Role::Clerk], Some(DEPT))
}
pub fn approver() -> Actor {
    actor("approver-wang", &[Role::Approver], Some(DEPT))
}
pub fn applicant() -> Actor {
    actor(APPLICANT, &[Role::Applicant], None)
}
pub fn other_applicant() -> Actor {
    actor("u-lisi", &[Role::Applicant], None)
}
pub fn other_clerk() -> Actor {
    actor("clerk-zhao", &[Role::Clerk], Some("zrzyj"))
}
pub fn supervisor() -> Actor {
    actor("supervisor-sun", &[Role::Supervisor], None)
}
pub fn cashier() -> Actor {
    actor("cashier", &[Role::Service], None)
}

/// The one actor allowed to give `command` at its step in the fixtures' items.
pub fn actor_for(command: &Command, case: &Case) -> Actor {
    match command {
        Command::Withdraw { .. } => applicant(),
        Command::Resubmit { .. } => applicant(),
        Command::ApproveExtension { .. } => approver(),
        Command::RecordPayment { .. } => cashier(),
        Command::CompleteStage { .. } | Command::Conclude { .. } => {
            match case.current_stage().map(|s| s.handler_role) {
                Some(HandlerRole::Approver) => approver(),
                _ => clerk(),
            }
        }
        _ => clerk(),
    }
}

pub fn file(material_id: &str, n: u32) -> NewMaterial {
    NewMaterial {
        id: format!("file-{material_id}-{n}"),
        material_id: material_id.into(),
        name: format!("{material_id}.pdf"),
        content_type: "application/pdf".into(),
        size_bytes: 2048,
        sha256: "ab".repeat(32),
        shared_material_id: None,
    }
}

pub fn submit_online(terms: ItemTerms, material_ids: &[&str]) -> Case {
    let submission = Submission {
        id: "case-1".into(),
        case_number: CaseNumber::new(REGION, 2026, 123).unwrap(),
        terms,
        applicant: person(),
        channel: Channel::Online,
        applicant_subject: Some(APPLICANT.into()),
        materials: material_ids.iter().map(|m| file(m, 0)).collect(),
        bundle_case_id: None,
    };
    submit(submission, &applicant(), monday(), instant(monday()))
        .unwrap()
        .0
}

/// Applies a command with the actor its step calls for, on `today`.
pub fn apply(
    case: &Case,
    command: Command,
    today: NaiveDate,
) -> Result<(Case, Vec<DomainEvent>), CaseError> {
    let actor = actor_for(&command, case);
    decide(
        case,
        command,
        None,
        &actor,
        today,
        instant(today),
        &Calendar::official(),
    )
}

pub fn ok(case: &Case, command: Command, today: NaiveDate) -> Case {
    apply(case, command, today).unwrap().0
}

pub fn opinion(stage: Stage) -> Command {
    Command::CompleteStage {
        stage,
        opinion: "符合条件".into(),
    }
}

pub fn approve() -> Command {
    Command::Conclude {
        conclusion: Conclusion::Approved {
            result_reference: "JY11402000000123".into(),
        },
        opinion: "准予许可".into(),
    }
}

pub fn deny() -> Conclusion {
    Conclusion::Denied {
        reason: "经营场所不符合要求".into(),
        legal_basis: "《食品经营许可管理办法》第十一条".into(),
    }
}

pub fn supplement(material_id: &str) -> Command {
    Command::RequestSupplement {
        items: vec![SupplementItem {
            material_id: material_id.into(),
            problem: "缺少签字".into(),
        }],
    }
}

/// Submitted with every material.
pub fn submitted() -> Case {
    submit_online(promised_terms(), &["m1", "m2", "m3", "m4"])
}

pub fn supplement_requested() -> Case {
    ok(&submitted(), supplement("m3"), monday())
}

/// Accepted on Monday 2 March 2026: at review.
pub fn in_review() -> Case {
    ok(
        &submitted(),
        Command::Accept {
            note: String::new(),
        },
        monday(),
    )
}

/// At review, an inspection under way since Tuesday.
pub fn suspended() -> Case {
    ok(
        &in_review(),
        Command::StartSuspension {
            procedure: SpecialProcedure::Inspection,
            reason: "现场核查".into(),
            declared_days: 3,
        },
        date(2026, 3, 3),
    )
}

/// Review and decision done: at conclude.
pub fn at_conclude() -> Case {
    let c = ok(&in_review(), opinion(Stage::Review), date(2026, 3, 3));
    ok(&c, opinion(Stage::Decide), date(2026, 3, 4))
}

pub fn concluded() -> Case {
    ok(&at_conclude(), approve(), date(2026, 3, 5))
}

pub fn refused() -> Case {
    ok(
        &submitted(),
        Command::RefuseIntake {
            reason: "不属于本部门职权范围".into(),
            legal_basis: "《行政许可法》第三十二条".into(),
        },
        monday(),
    )
}

pub fn withdrawn() -> Case {
    ok(
        &in_review(),
        Command::Withdraw {
            reason: String::new(),
        },
        date(2026, 3, 3),
    )
}
