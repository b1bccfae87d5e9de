//! Crafted events of the cases and catalog streams, written the way their producers would.

use chrono::NaiveDate;
use onewindow_kit::outbox::pack;
use onewindow_proto::cases::v1 as pb;
use onewindow_proto::catalog::v1 as cat;
use onewindow_proto::common::v1::{HandlerRole, SpecialProcedure, Stage};

use crate::{append, applied, TestSupervision, DEPT, REGION};

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// One case's events, in order.
pub struct Story<'a> {
    pub t: &'a TestSupervision,
    pub case_id: String,
    pub number: String,
    pub department: String,
    pub region: String,
    pub bundle_case_id: String,
    pub item_version: i32,
    pub materials: Vec<String>,
    last: i64,
}

impl<'a> Story<'a> {
    pub fn new(t: &'a TestSupervision, n: u32) -> Story<'a> {
        Story {
            t,
            case_id: format!("case-{n}"),
            number: format!("{REGION}-2026-{n:06}"),
            department: DEPT.into(),
            region: REGION.into(),
            bundle_case_id: String::new(),
            item_version: 1,
            materials: vec!["m1".into()],
            last: 0,
        }
    }

    pub fn in_department(mut self, d: &str) -> Self {
        self.department = d.into();
        self
    }

    pub fn in_region(mut self, r: &str) -> Self {
        self.region = r.into();
        self
    }

    pub fn on_version(mut self, v: i32) -> Self {
        self.item_version = v;
        self
    }

    pub fn with_materials(mut self, m: &[&str]) -> Self {
        self.materials = m.iter().map(|x| x.to_string()).collect();
        self
    }

    pub fn in_bundle(mut self, b: &str) -> Self {
        self.bundle_case_id = b.into();
        self
    }

    fn case_ref(&self) -> Option<pb::CaseRef> {
        Some(pb::CaseRef {
            case_id: self.case_id.clone(),
            case_number: self.number.clone(),
            item_id: "item1".into(),
            item_version: self.item_version,
            department_id: self.department.clone(),
            region_code: self.region.clone(),
            bundle_case_id: self.bundle_case_id.clone(),
        })
    }

    pub fn staff(&self, role: &str) -> Option<pb::EventActor> {
        Some(pb::EventActor {
            subject: format!("u-{role}"),
            role: role.into(),
            department_id: self.department.clone(),
        })
    }

    async fn emit(&mut self, kind: &str, name: &str, msg: &impl prost::Message) -> i64 {
        let seq = append(
            &self.t.cases.db,
            kind,
            &self.case_id,
            pack(&format!("onewindow.cases.v1.{name}"), msg),
        )
        .await;
        self.last = seq;
        seq
    }

    /// Waits until supervision applied every event of the story so far.
    pub async fn settle(&self) {
        applied(&self.t.db.db, "cases", self.last).await;
    }

    pub async fn submitted(&mut self, on: NaiveDate) -> i64 {
        let m = pb::CaseSubmitted {
            case_ref: self.case_ref(),
            actor: self.staff("clerk"),
            occurred_on: iso(on),
            channel: pb::Channel::Window as i32,
            applicant_kind: pb::ApplicantKind::Person as i32,
            material_ids: vec!["m1".into()],
        };
        self.emit("cases.case.submitted", "CaseSubmitted", &m).await
    }

    pub fn deadlines(accepted: NaiveDate, due: NaiveDate) -> Option<pb::Deadlines> {
        Some(pb::Deadlines {
            accepted_on: iso(accepted),
            planned_due_date: iso(due),
            latest_due_date: iso(due + chrono::Duration::days(21)),
            suspended_days: 0,
            extension_days: 0,
            years_without_schedule: vec![],
        })
    }

    pub async fn accepted(
        &mut self,
        on: NaiveDate,
        due: NaiveDate,
        review_due: NaiveDate,
        window_fully_authorized: bool,
    ) -> i64 {
        let m = pb::CaseAccepted {
            case_ref: self.case_ref(),
            actor: self.staff("clerk"),
            occurred_on: iso(on),
            deadlines: Self::deadlines(on, due),
            stages: vec![pb::StageDeadline {
                stage: Stage::Review as i32,
                started_on: iso(on),
                due_date: iso(review_due),
            }],
            material_ids: self.materials.clone(),
            window_fully_authorized,
            immediate: false,
            intake_working_days: 0,
        };
        self.emit("cases.case.accepted", "CaseAccepted", &m).await
    }

    pub async fn refused(&mut self, on: NaiveDate, reason: &str, basis: &str) -> i64 {
        let m = pb::IntakeRefused {
            case_ref: self.case_ref(),
            actor: self.staff("clerk"),
            occurred_on: iso(on),
            reason_given: !reason.is_empty(),
            legal_basis_given: !basis.is_empty(),
            reason: reason.into(),
            legal_basis: basis.into(),
            material_ids: vec![],
        };
        self.emit("cases.case.intake_refused", "IntakeRefused", &m)
            .await
    }

    pub async fn stage_completed(
        &mut self,
        on: NaiveDate,
        stage: Stage,
        actor: Option<pb::EventActor>,
        next: Option<(Stage, NaiveDate)>,
    ) -> i64 {
        let (handler_role, role) = match stage {
            Stage::Review => (HandlerRole::Clerk, "clerk"),
            _ => (HandlerRole::Approver, "approver"),
        };
        let m = pb::StageCompleted {
            case_ref: self.case_ref(),
            actor: actor.or_else(|| self.staff(role)),
            occurred_on: iso(on),
            stage: stage as i32,
            handler_role: handler_role as i32,
            started_on: String::new(),
            due_date: String::new(),
            late: false,
            opinion_given: true,
            next: next.map(|(s, due)| pb::StageDeadline {
                stage: s as i32,
                started_on: iso(on),
                due_date: iso(due),
            }),
        };
        self.emit("cases.case.stage_completed", "StageCompleted", &m)
            .await
    }

    pub async fn suspension_started(&mut self, on: NaiveDate, declared: i32) -> i64 {
        let m = pb::SuspensionStarted {
            case_ref: self.case_ref(),
            actor: self.staff("approver"),
            occurred_on: iso(on),
            procedure: SpecialProcedure::ExpertReview as i32,
            reason: "专家论证".into(),
            declared_days: declared,
            stage: Stage::Review as i32,
        };
        self.emit("cases.case.suspension_started", "SuspensionStarted", &m)
            .await
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn suspension_ended(
        &mut self,
        on: NaiveDate,
        started: NaiveDate,
        declared: i32,
        working_days: i32,
        accepted: NaiveDate,
        due: NaiveDate,
        review_due: NaiveDate,
    ) -> i64 {
        let mut deadlines = Self::deadlines(accepted, due);
        if let Some(d) = deadlines.as_mut() {
            d.suspended_days = working_days;
        }
        let m = pb::SuspensionEnded {
            case_ref: self.case_ref(),
            actor: self.staff("approver"),
            occurred_on: iso(on),
            procedure: SpecialProcedure::ExpertReview as i32,
            started_on: iso(started),
            ended_on: iso(on),
            declared_days: declared,
            working_days,
            deadlines,
            stage: Some(pb::StageDeadline {
                stage: Stage::Review as i32,
                started_on: iso(accepted),
                due_date: iso(review_due),
            }),
        };
        self.emit("cases.case.suspension_ended", "SuspensionEnded", &m)
            .await
    }

    pub async fn concluded(&mut self, on: NaiveDate, accepted: NaiveDate, due: NaiveDate) -> i64 {
        let m = pb::CaseConcluded {
            case_ref: self.case_ref(),
            actor: self.staff("approver"),
            occurred_on: iso(on),
            outcome: pb::OutcomeKind::Approved as i32,
            result_reference: "证-001".into(),
            deadlines: Self::deadlines(accepted, due),
            late: on > due,
            working_days_used: 3,
            ..Default::default()
        };
        self.emit("cases.case.concluded", "CaseConcluded", &m).await
    }

    pub async fn fees_charged(
        &mut self,
        on: NaiveDate,
        fee_id: &str,
        amount: i64,
        standard: i64,
    ) -> i64 {
        let fee = pb::ChargedFee {
            fee_id: fee_id.into(),
            name: "登记费".into(),
            amount_fen: amount,
            standard_amount_fen: standard,
            deviates_from_standard: amount != standard,
            ..Default::default()
        };
        let m = pb::FeesCharged {
            case_ref: self.case_ref(),
            actor: self.staff("clerk"),
            occurred_on: iso(on),
            fees: vec![fee],
            total_fen: amount,
            free_of_charge: false,
            deviates_from_standard: amount != standard,
        };
        self.emit("cases.case.fees_charged", "FeesCharged", &m)
            .await
    }

    /// The whole clean path: accepted 2 March, review, decide, concluded 5 March.
    pub async fn clean(&mut self) {
        let (a, due) = (crate::day(3, 2), crate::day(3, 9));
        self.submitted(a).await;
        self.accepted(a, due, crate::day(3, 4), true).await;
        self.stage_completed(
            crate::day(3, 3),
            Stage::Review,
            None,
            Some((Stage::Decide, due)),
        )
        .await;
        self.stage_completed(
            crate::day(3, 4),
            Stage::Decide,
            None,
            Some((Stage::Conclude, due)),
        )
        .await;
        self.concluded(crate::day(3, 5), a, due).await;
    }
}

/// Announces an item version on the catalog's stream.
pub async fn publish_item(t: &TestSupervision, item: cat::Item) -> i64 {
    let id = item.id.clone();
    append(
        &t.catalog.db,
        "catalog.item.published",
        &id,
        pack(
            "onewindow.catalog.v1.ItemPublished",
            &cat::ItemPublished { item: Some(item) },
        ),
    )
    .await
}

/// The catalog's item1 v1: a fee of 50 yuan, m1 required at intake, four steps.
pub fn item1() -> cat::Item {
    let step = |stage: Stage, role: HandlerRole| cat::Step {
        stage: stage as i32,
        handler_role: role as i32,
        limit_days: 1,
        description: String::new(),
    };
    cat::Item {
        id: "item1".into(),
        version: 1,
        status: cat::VersionStatus::Published as i32,
        name: "测试事项".into(),
        department_id: DEPT.into(),
        region_code: REGION.into(),
        office_id: "office-a".into(),
        window_authorization: cat::WindowAuthorization::Full as i32,
        steps: vec![
            step(Stage::Accept, HandlerRole::Clerk),
            step(Stage::Review, HandlerRole::Clerk),
            step(Stage::Decide, HandlerRole::Approver),
            step(Stage::Conclude, HandlerRole::Approver),
        ],
        materials: vec![cat::Material {
            id: "m1".into(),
            name: "申请书".into(),
            required: true,
            stage: Stage::Accept as i32,
            ..Default::default()
        }],
        fees: vec![cat::Fee {
            id: "f1".into(),
            name: "登记费".into(),
            amount_fen: 5000,
            basis: String::new(),
        }],
        valid_from: "2026-01-01".into(),
        ..Default::default()
    }
}

/// Cancels a version on the catalog's stream from a date.
pub async fn cancel_item(t: &TestSupervision, item_id: &str, version: i32, from: &str) -> i64 {
    append(
        &t.catalog.db,
        "catalog.item.cancelled",
        item_id,
        pack(
            "onewindow.catalog.v1.ItemCancelled",
            &cat::ItemCancelled {
                item_id: item_id.into(),
                version,
                effective_date: from.into(),
                reason: "职能调整".into(),
            },
        ),
    )
    .await
}

/// Announces a region's own year on the catalog's stream.
pub async fn regional_year(t: &TestSupervision, holidays: &[(&str, &str)]) -> i64 {
    let days = holidays
        .iter()
        .map(|(date, name)| cat::SpecialDay {
            date: date.to_string(),
            kind: cat::DayKind::Holiday as i32,
            name: name.to_string(),
        })
        .collect();
    append(
        &t.catalog.db,
        "catalog.calendar.changed",
        REGION,
        pack(
            "onewindow.catalog.v1.CalendarChanged",
            &cat::CalendarChanged {
                region_code: REGION.into(),
                year: 2026,
                calendar: Some(cat::CalendarYear {
                    region_code: REGION.into(),
                    year: 2026,
                    published: true,
                    days,
                    source: "市人民政府通知".into(),
                }),
            },
        ),
    )
    .await
}
