//! The complaint's life, its filing's checks and its secret.

use chrono::{NaiveDate, Utc};
use onewindow_kit::calendar::Calendar;

use super::complaint::*;
use super::error::SupervisionError;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
}

fn filing(anonymous: bool) -> Filing {
    Filing {
        kind: Some(ComplaintKind::Complaint),
        concerning: Concerning {
            department_id: "gsj".into(),
            ..Concerning::default()
        },
        content: "窗口人员态度恶劣".into(),
        anonymous,
        complainant: Complainant {
            name: "王五".into(),
            phone: "13800001234".into(),
            email: String::new(),
        },
    }
}

fn filed(anonymous: bool) -> Complaint {
    let (kind, f) = filing(anonymous).validate().unwrap();
    Complaint::file(
        "c1".into(),
        "TS-2026-000001".into(),
        kind,
        f,
        Utc::now(),
        day(2),
        &ComplaintLimits::default(),
        &Calendar::official(),
    )
    .unwrap()
}

fn step(
    c: &Complaint,
    cmd: ComplaintCommand,
    today: NaiveDate,
) -> Result<Complaint, SupervisionError> {
    c.decide(
        cmd,
        "sup",
        Utc::now(),
        today,
        &ComplaintLimits::default(),
        &Calendar::official(),
    )
}

#[test]
fn a_complaint_goes_through_every_step_each_with_its_limit() {
    let c = filed(false);
    assert_eq!(c.step_due_on, Some(day(9)));
    assert!(c.overdue(day(10)));
    let c = step(
        &c,
        ComplaintCommand::Accept {
            note: String::new(),
        },
        day(3),
    )
    .unwrap();
    assert_eq!(c.step_due_on, Some(day(6)));
    let c = step(
        &c,
        ComplaintCommand::StartInvestigation {
            note: String::new(),
        },
        day(4),
    )
    .unwrap();
    let c = step(
        &c,
        ComplaintCommand::Conclude {
            substantiated: true,
            findings: "属实".into(),
        },
        day(20),
    )
    .unwrap();
    assert_eq!(c.substantiated, Some(true));
    let c = step(
        &c,
        ComplaintCommand::GiveFeedback {
            feedback: "已处理".into(),
        },
        day(23),
    )
    .unwrap();
    assert_eq!(c.state, ComplaintState::FeedbackGiven);
    assert_eq!(c.step_due_on, None);
    assert!(!c.overdue(day(31)));
    assert_eq!(c.history.len(), 5);
}

#[test]
fn a_rejected_complaint_is_closed_and_needs_a_reason() {
    let c = filed(true);
    assert!(matches!(
        step(&c, ComplaintCommand::Reject { reason: " ".into() }, day(3)),
        Err(SupervisionError::Invalid(_))
    ));
    let c = step(
        &c,
        ComplaintCommand::Reject {
            reason: "不属于受理范围".into(),
        },
        day(3),
    )
    .unwrap();
    assert!(c.state.is_closed());
    let e = step(
        &c,
        ComplaintCommand::StartInvestigation {
            note: String::new(),
        },
        day(4),
    )
    .unwrap_err();
    assert_eq!(
        e,
        SupervisionError::illegal("complaint", "c1", "rejected", "start_investigation")
    );
}

#[test]
fn an_anonymous_filing_keeps_no_identity() {
    assert_eq!(filed(true).complainant, None);
    assert!(filed(false).complainant.is_some());
}

#[test]
fn a_named_filing_needs_a_name_and_a_way_to_reach_them() {
    let mut f = filing(false);
    f.complainant = Complainant {
        name: String::new(),
        phone: "12".into(),
        email: "x".into(),
    };
    f.content = String::new();
    let SupervisionError::Invalid(v) = f.validate().unwrap_err() else {
        panic!("invalid expected")
    };
    let fields: Vec<&str> = v.as_slice().iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "content",
            "complainant.name",
            "complainant.phone",
            "complainant.email"
        ]
    );
}

#[test]
fn what_a_filing_names_and_who_files_it_are_bounded() {
    let long = "长".repeat(20_000);
    let mut f = filing(false);
    f.concerning.department_id = long.clone();
    f.concerning.case_number = long.clone();
    f.complainant.name = long;
    f.complainant.phone = format!("1{}3800001234", "-".repeat(MAX_PHONE_CHARS));
    let SupervisionError::Invalid(v) = f.validate().unwrap_err() else {
        panic!("invalid expected")
    };
    let fields: Vec<&str> = v.as_slice().iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "case_number",
            "department_id",
            "complainant.name",
            "complainant.phone"
        ]
    );
}

#[test]
fn secrets_are_compared_by_hash_ignoring_case() {
    let h = secret_hash("TS-2026-000001", "ABCD2345");
    assert!(same_hash(&h, &secret_hash("TS-2026-000001", "abcd2345")));
    assert!(!same_hash(&h, &secret_hash("TS-2026-000002", "ABCD2345")));
}
