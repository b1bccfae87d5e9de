//! Conversions between the contract and the domain, at the edge only: domain to contract
//! cannot fail; contract to domain names every bad field.

use chrono::{DateTime, NaiveDate, Utc};
use onewindow_kit::error::Violations;
use onewindow_proto::common::v1 as common;
use onewindow_proto::prost_types::Timestamp;
use onewindow_proto::supervision::v1 as pb;

use crate::domain::case::{CaseRecord, CaseState, Channel, OutcomeKind};
use crate::domain::deadline::{Level, Scope, Warning};
use crate::domain::rules::{RuleDef, RuleSettings};
use crate::domain::terms::{EventRef, Severity, Stage, SubjectKind};
use crate::domain::violation::{Resolution, Violation, ViolationStatus};

// ---------------------------------------------------------------- primitives

pub fn format_date(d: NaiveDate) -> String {
    // NaiveDate's Display is ISO 8601 (YYYY-MM-DD), as "%Y-%m-%d" would be, without parsing
    // a format string on every call.
    d.to_string()
}

pub fn opt_date(d: Option<NaiveDate>) -> String {
    d.map(format_date).unwrap_or_default()
}

/// A required ISO date.
pub fn date(s: &str, field: &str, v: &mut Violations) -> Option<NaiveDate> {
    if s.is_empty() {
        v.add(field, "must be given as YYYY-MM-DD");
        return None;
    }
    optional_date(s, field, v)
}

/// An ISO date that may be empty.
pub fn optional_date(s: &str, field: &str, v: &mut Violations) -> Option<NaiveDate> {
    if s.is_empty() {
        return None;
    }
    let parsed = (s.len() == 10)
        .then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .flatten();
    if parsed.is_none() {
        v.add(field, format!("{s:?} is not a date (YYYY-MM-DD)"));
    }
    parsed
}

pub fn timestamp(t: DateTime<Utc>) -> Timestamp {
    Timestamp {
        seconds: t.timestamp(),
        nanos: i32::try_from(t.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

pub fn count(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn days(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

// ---------------------------------------------------------------- enums

pub fn stage_to_proto(s: Stage) -> common::Stage {
    match s {
        Stage::Accept => common::Stage::Accept,
        Stage::Review => common::Stage::Review,
        Stage::Decide => common::Stage::Decide,
        Stage::Conclude => common::Stage::Conclude,
    }
}

pub fn stage_from_proto(s: i32) -> Option<Stage> {
    match common::Stage::try_from(s).ok()? {
        common::Stage::Accept => Some(Stage::Accept),
        common::Stage::Review => Some(Stage::Review),
        common::Stage::Decide => Some(Stage::Decide),
        common::Stage::Conclude => Some(Stage::Conclude),
        common::Stage::Unspecified => None,
    }
}

/// `SPECIAL_PROCEDURE_EXPERT_REVIEW` as `expert_review`.
pub fn procedure_name(p: i32) -> String {
    common::SpecialProcedure::try_from(p)
        .map(|p| {
            p.as_str_name()
                .trim_start_matches("SPECIAL_PROCEDURE_")
                .to_ascii_lowercase()
        })
        .unwrap_or_else(|_| format!("procedure_{p}"))
}

pub fn procedure_from_name(name: &str) -> i32 {
    common::SpecialProcedure::from_str_name(&format!(
        "SPECIAL_PROCEDURE_{}",
        name.to_ascii_uppercase()
    ))
    .map(|p| p as i32)
    .unwrap_or_default()
}

pub fn level_to_proto(l: Level) -> pb::WarningLevel {
    match l {
        Level::Early => pb::WarningLevel::Early,
        Level::Yellow => pb::WarningLevel::Yellow,
        Level::Red => pb::WarningLevel::Red,
    }
}

pub fn level_from_proto(l: i32) -> Option<Level> {
    match pb::WarningLevel::try_from(l).ok()? {
        pb::WarningLevel::Early => Some(Level::Early),
        pb::WarningLevel::Yellow => Some(Level::Yellow),
        pb::WarningLevel::Red => Some(Level::Red),
        pb::WarningLevel::Unspecified => None,
    }
}

pub fn severity_to_proto(s: Severity) -> pb::Severity {
    match s {
        Severity::Low => pb::Severity::Low,
        Severity::Medium => pb::Severity::Medium,
        Severity::High => pb::Severity::High,
    }
}

pub fn severity_from_proto(s: i32) -> Option<Severity> {
    match pb::Severity::try_from(s).ok()? {
        pb::Severity::Low => Some(Severity::Low),
        pb::Severity::Medium => Some(Severity::Medium),
        pb::Severity::High => Some(Severity::High),
        pb::Severity::Unspecified => None,
    }
}

pub fn subject_to_proto(k: SubjectKind) -> pb::SubjectKind {
    match k {
        SubjectKind::Case => pb::SubjectKind::Case,
        SubjectKind::BundleCase => pb::SubjectKind::BundleCase,
        SubjectKind::TradingProject => pb::SubjectKind::TradingProject,
    }
}

pub fn subject_from_proto(k: i32) -> Option<SubjectKind> {
    match pb::SubjectKind::try_from(k).ok()? {
        pb::SubjectKind::Case => Some(SubjectKind::Case),
        pb::SubjectKind::BundleCase => Some(SubjectKind::BundleCase),
        pb::SubjectKind::TradingProject => Some(SubjectKind::TradingProject),
        pb::SubjectKind::Unspecified => None,
    }
}

pub fn violation_status_from_proto(s: i32) -> Option<ViolationStatus> {
    match pb::ViolationStatus::try_from(s).ok()? {
        pb::ViolationStatus::Open => Some(ViolationStatus::Open),
        pb::ViolationStatus::Assigned => Some(ViolationStatus::Assigned),
        pb::ViolationStatus::Resolved => Some(ViolationStatus::Resolved),
        pb::ViolationStatus::Unspecified => None,
    }
}

pub fn resolution_from_proto(r: i32) -> Option<Resolution> {
    match pb::Resolution::try_from(r).ok()? {
        pb::Resolution::Rectified => Some(Resolution::Rectified),
        pb::Resolution::Dismissed => Some(Resolution::Dismissed),
        pb::Resolution::Unspecified => None,
    }
}

fn case_status(s: CaseState) -> pb::CaseStatus {
    match s {
        CaseState::Submitted => pb::CaseStatus::Submitted,
        CaseState::SupplementRequested => pb::CaseStatus::SupplementRequested,
        CaseState::InProgress => pb::CaseStatus::InProgress,
        CaseState::Concluded => pb::CaseStatus::Concluded,
        CaseState::IntakeRefused => pb::CaseStatus::IntakeRefused,
        CaseState::Withdrawn => pb::CaseStatus::Withdrawn,
    }
}

// ---------------------------------------------------------------- objects

pub fn evidence_to_proto(e: &EventRef) -> pb::EvidenceEvent {
    pb::EvidenceEvent {
        stream: e.stream.clone(),
        seq: e.seq,
        kind: e.kind.clone(),
        occurred_on: format_date(e.occurred_on),
    }
}

pub fn warning_to_proto(w: &Warning) -> pb::Warning {
    let (scope, stage) = match w.scope {
        Scope::Case => (pb::WarningScope::Case, common::Stage::Unspecified),
        Scope::Stage(s) => (pb::WarningScope::Stage, stage_to_proto(s)),
    };
    pb::Warning {
        id: w.id.clone(),
        scope: scope.into(),
        level: level_to_proto(w.level).into(),
        case_id: w.case_id.clone(),
        case_number: w.case_number.clone(),
        stage: stage.into(),
        item_id: w.item_id.clone(),
        department_id: w.department_id.clone(),
        office_id: w.office_id.clone(),
        region_code: w.region_code.clone(),
        staff_subject: w.staff_subject.clone(),
        due_date: format_date(w.due),
        reached_on: format_date(w.reached_on),
        issued_at: Some(timestamp(w.issued_at)),
        status: if w.open {
            pb::WarningStatus::Open
        } else {
            pb::WarningStatus::Closed
        }
        .into(),
        closed_at: w.closed_at.map(timestamp),
        close_reason: w.close_reason.clone(),
    }
}

pub fn rule_to_proto(r: &RuleDef, settings: &RuleSettings) -> pb::Rule {
    pb::Rule {
        id: r.id.to_string(),
        description: r.description.to_string(),
        severity: severity_to_proto(settings.severity(r.id)).into(),
        enabled: settings.enabled(r.id),
    }
}

pub fn violation_to_proto(v: &Violation) -> pb::Violation {
    pb::Violation {
        id: v.id.clone(),
        rule_id: v.rule.clone(),
        severity: severity_to_proto(v.severity).into(),
        subject_kind: subject_to_proto(v.subject_kind).into(),
        subject_id: v.subject_id.clone(),
        case_number: v.case_number.clone(),
        department_id: v.department_id.clone(),
        region_code: v.region_code.clone(),
        summary: v.summary.clone(),
        evidence: v.evidence.iter().map(evidence_to_proto).collect(),
        detected_on: format_date(v.detected_on),
        detected_at: Some(timestamp(v.detected_at)),
        status: match v.status {
            ViolationStatus::Open => pb::ViolationStatus::Open,
            ViolationStatus::Assigned => pb::ViolationStatus::Assigned,
            ViolationStatus::Resolved => pb::ViolationStatus::Resolved,
        }
        .into(),
        assignee: v.assignee.clone(),
        resolution: match v.resolution {
            None => pb::Resolution::Unspecified,
            Some(Resolution::Rectified) => pb::Resolution::Rectified,
            Some(Resolution::Dismissed) => pb::Resolution::Dismissed,
        }
        .into(),
        notes: v
            .notes
            .iter()
            .map(|n| pb::ViolationNote {
                at: Some(timestamp(n.at)),
                by: n.by.clone(),
                action: n.action.clone(),
                text: n.text.clone(),
            })
            .collect(),
        revision: v.revision,
    }
}

pub fn case_record_to_proto(r: &CaseRecord) -> pb::CaseRecord {
    pb::CaseRecord {
        case_id: r.case.case_id.clone(),
        case_number: r.case.case_number.clone(),
        item_id: r.case.item_id.clone(),
        item_version: i32::try_from(r.case.item_version).unwrap_or(i32::MAX),
        department_id: r.case.department_id.clone(),
        office_id: r.office_id.clone(),
        region_code: r.case.region_code.clone(),
        bundle_case_id: r.case.bundle_case_id.clone().unwrap_or_default(),
        status: case_status(r.state).into(),
        channel: match r.channel {
            Some(Channel::Online) => "online",
            Some(Channel::Window) => "window",
            None => "",
        }
        .into(),
        submitted_on: opt_date(r.submitted_on),
        accepted_on: opt_date(r.accepted_on),
        planned_due_date: opt_date(r.planned_due),
        latest_due_date: opt_date(r.latest_due),
        suspended_days: days(r.suspended_days),
        extension_days: days(r.extension_days),
        window_fully_authorized: r.window_fully_authorized,
        immediate: r.immediate,
        stages: r
            .stages
            .iter()
            .map(|s| pb::StageRecord {
                stage: stage_to_proto(s.stage).into(),
                started_on: opt_date(s.started_on),
                due_date: opt_date(s.due),
                completed_on: opt_date(s.completed_on),
                actor: s
                    .actor
                    .as_ref()
                    .map(|a| a.subject.clone())
                    .unwrap_or_default(),
                actor_role: s.actor.as_ref().map(|a| a.role.clone()).unwrap_or_default(),
                actor_department_id: s
                    .actor
                    .as_ref()
                    .map(|a| a.department_id.clone())
                    .unwrap_or_default(),
                late: s.late,
            })
            .collect(),
        suspensions: r
            .suspensions
            .iter()
            .map(|s| pb::SuspensionRecord {
                procedure: procedure_from_name(&s.procedure),
                declared_days: days(s.declared_days),
                started_on: format_date(s.started_on),
                ended_on: opt_date(s.ended_on),
                working_days: days(s.working_days),
                stage: s.stage.map(stage_to_proto).unwrap_or_default().into(),
            })
            .collect(),
        extensions: r
            .extensions
            .iter()
            .map(|e| pb::ExtensionRecord {
                days: days(e.days),
                approved_on: format_date(e.approved_on),
                approved_by: e.approved_by.clone(),
            })
            .collect(),
        fees: r
            .fees
            .iter()
            .map(|f| pb::FeeRecord {
                fee_id: f.fee_id.clone(),
                amount_fen: f.amount_fen,
                standard_amount_fen: f.standard_amount_fen,
                catalog_amount_fen: f.catalog_amount_fen.unwrap_or_default(),
                paid: f.paid,
            })
            .collect(),
        outcome: match r.outcome {
            Some(OutcomeKind::Approved) => "approved",
            Some(OutcomeKind::Denied) => "denied",
            None => "",
        }
        .into(),
        concluded_on: opt_date(r.concluded_on),
        late: r.late,
        working_days_used: r.working_days_used.map(days).unwrap_or_default(),
        events: r.events.iter().map(evidence_to_proto).collect(),
    }
}
