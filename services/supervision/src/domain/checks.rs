//! The checks that turn one event of a case, seen against supervision's record of it and
//! the catalog's facts, into rule hits.

use super::case::{CaseEvent, CaseFact, CaseRecord, ChargedFee, OutcomeKind};
use super::catalog::ItemFacts;
use super::rules::*;
use super::terms::{Actor, EventRef, Stage, SubjectKind};

/// What the checks see besides the event: the record after it, and the catalog's facts.
pub struct Checked<'a> {
    pub record: &'a CaseRecord,
    /// The pinned version, when the catalog announced it.
    pub item: Option<&'a ItemFacts>,
    /// Whether the catalog announced any version of the item.
    pub item_known: bool,
    pub settings: &'a RuleSettings,
}

fn hit(
    c: &Checked<'_>,
    rule: &'static str,
    part: impl Into<String>,
    summary: String,
    evidence: Vec<EventRef>,
) -> RuleHit {
    RuleHit {
        rule,
        subject_kind: SubjectKind::Case,
        subject_id: c.record.case.case_id.clone(),
        part: part.into(),
        department_id: c.record.case.department_id.clone(),
        region_code: c.record.case.region_code.clone(),
        case_number: c.record.case.case_number.clone(),
        summary,
        evidence,
    }
}

/// The event that accepted the case (if seen) and `ev`: the usual evidence of lateness.
fn with_acceptance(c: &Checked<'_>, ev: &CaseEvent) -> Vec<EventRef> {
    let mut evidence: Vec<EventRef> = c
        .record
        .first_event("cases.case.accepted")
        .cloned()
        .into_iter()
        .collect();
    evidence.push(ev.evidence.clone());
    evidence
}

fn missing_parts(reason: bool, basis: bool) -> &'static str {
    match (reason, basis) {
        (false, false) => "without a reason or a legal basis",
        (false, true) => "without a reason",
        _ => "without a legal basis",
    }
}

/// Every hit of the rules on one event. `c.record` is the record after the event.
pub fn check(ev: &CaseEvent, c: &Checked<'_>) -> Vec<RuleHit> {
    let mut hits = Vec::new();
    let here = || vec![ev.evidence.clone()];
    match &ev.fact {
        CaseFact::Submitted { .. } => {
            let not_in_force = match c.item {
                Some(item) => !item.in_force_on(ev.on),
                // Known item, unknown version: the version was never published.
                None => c.item_known,
            };
            if not_in_force {
                let summary = format!(
                    "version {} of item {} was not in force on {}",
                    ev.case.item_version, ev.case.item_id, ev.on
                );
                hits.push(hit(c, ITEM_VERSION_NOT_IN_FORCE, "", summary, here()));
            }
        }
        CaseFact::Accepted { material_ids, .. } => {
            if let Some(item) = c.item {
                let missing = item.missing_at_intake(material_ids);
                if !missing.is_empty() {
                    let summary =
                        format!("accepted without required materials {}", missing.join(", "));
                    hits.push(hit(c, REQUIRED_MATERIAL_MISSING, "", summary, here()));
                }
            }
            check_department(c, ev, Stage::Accept, &mut hits);
        }
        CaseFact::IntakeRefused {
            reason_given,
            legal_basis_given,
        } => {
            if !reason_given || !legal_basis_given {
                let summary = format!(
                    "intake refused {}",
                    missing_parts(*reason_given, *legal_basis_given)
                );
                hits.push(hit(c, INTAKE_REFUSED_WITHOUT_BASIS, "", summary, here()));
            }
        }
        CaseFact::SupplementRequested {
            notice_number,
            late_named,
        } => {
            if *notice_number > 1 && !late_named.is_empty() {
                let mut evidence: Vec<EventRef> = c
                    .record
                    .first_event("cases.case.supplement_requested")
                    .cloned()
                    .into_iter()
                    .collect();
                if evidence.last() != Some(&ev.evidence) {
                    evidence.push(ev.evidence.clone());
                }
                let summary = format!(
                    "notice {notice_number} names {} present at the first notice",
                    late_named.join(", ")
                );
                hits.push(hit(
                    c,
                    ONE_TIME_NOTICE_BREACHED,
                    notice_number.to_string(),
                    summary,
                    evidence,
                ));
            }
        }
        CaseFact::StageCompleted {
            stage,
            handler_role,
            ..
        } => {
            let expected = c.item.and_then(|i| i.role_of(*stage)).or(*handler_role);
            check_role(c, ev, *stage, expected.map(|r| r.as_str()), &mut hits);
            check_department(c, ev, *stage, &mut hits);
        }
        CaseFact::SuspensionStarted { .. } => {
            let n = c.record.suspensions.len();
            if n > c.settings.max_suspensions as usize {
                let evidence = c
                    .record
                    .suspensions
                    .iter()
                    .map(|s| s.started_by_event.clone())
                    .collect();
                let summary = format!(
                    "suspension {n} of one case, {} allowed",
                    c.settings.max_suspensions
                );
                hits.push(hit(
                    c,
                    SUSPENSION_REPEATED,
                    n.to_string(),
                    summary,
                    evidence,
                ));
            }
        }
        CaseFact::SuspensionEnded {
            declared_days,
            working_days,
            ..
        } => {
            if working_days > declared_days {
                let n = c.record.suspensions.len();
                let mut evidence: Vec<EventRef> = c
                    .record
                    .suspensions
                    .last()
                    .map(|s| s.started_by_event.clone())
                    .into_iter()
                    .collect();
                evidence.push(ev.evidence.clone());
                let summary =
                    format!("suspended {working_days} working days, {declared_days} declared");
                hits.push(hit(c, SUSPENSION_OVERRAN, n.to_string(), summary, evidence));
            }
        }
        CaseFact::ExtensionApproved {
            total_days,
            max_days,
            ..
        } => {
            // The catalog's maximum when known; else what the cases service reported.
            let max = c.item.map(|i| i.max_extension_days).unwrap_or(*max_days);
            if *total_days > max {
                let n = c.record.extensions.len();
                let summary =
                    format!("extended {total_days} working days in all, the item allows {max}");
                hits.push(hit(
                    c,
                    EXTENSION_BEYOND_MAXIMUM,
                    n.to_string(),
                    summary,
                    here(),
                ));
            }
        }
        CaseFact::Concluded {
            outcome,
            reason_given,
            legal_basis_given,
            immediate,
            late,
            past_statutory_limit,
            ..
        } => {
            check_conclusion(c, ev, *late, *past_statutory_limit, &mut hits);
            if *outcome == Some(OutcomeKind::Denied) && (!reason_given || !legal_basis_given) {
                let summary = format!(
                    "denied {}",
                    missing_parts(*reason_given, *legal_basis_given)
                );
                hits.push(hit(c, DENIED_WITHOUT_BASIS, "", summary, here()));
            }
            if !immediate {
                check_skipped(c, ev, &mut hits);
            }
            let expected = c.item.and_then(|i| i.role_of(Stage::Conclude));
            check_role(
                c,
                ev,
                Stage::Conclude,
                expected.map(|r| r.as_str()),
                &mut hits,
            );
            check_department(c, ev, Stage::Conclude, &mut hits);
        }
        CaseFact::FeesCharged {
            fees,
            free_of_charge,
        } => check_fees(c, ev, fees, *free_of_charge, &mut hits),
        CaseFact::Resubmitted { .. } | CaseFact::Withdrawn | CaseFact::PaymentRecorded => {}
    }
    hits.retain(|h| c.settings.enabled(h.rule));
    hits
}

fn is_staff(actor: &Actor) -> bool {
    actor.role == "clerk" || actor.role == "approver"
}

fn check_role(
    c: &Checked<'_>,
    ev: &CaseEvent,
    stage: Stage,
    expected: Option<&str>,
    hits: &mut Vec<RuleHit>,
) {
    let Some(expected) = expected else { return };
    if ev.actor.role != expected {
        let role = if ev.actor.role.is_empty() {
            "no role"
        } else {
            ev.actor.role.as_str()
        };
        let summary = format!(
            "{stage} completed by {} acting as {role}, the step names {expected}",
            ev.actor.subject
        );
        hits.push(hit(
            c,
            STAGE_BY_WRONG_ROLE,
            stage.as_str(),
            summary,
            vec![ev.evidence.clone()],
        ));
    }
}

fn check_department(c: &Checked<'_>, ev: &CaseEvent, stage: Stage, hits: &mut Vec<RuleHit>) {
    if !is_staff(&ev.actor) && ev.actor.department_id.is_empty() {
        // An applicant's or the system's act has no department to compare.
        return;
    }
    if ev.actor.department_id != c.record.case.department_id {
        let theirs = if ev.actor.department_id.is_empty() {
            "no department".to_string()
        } else {
            ev.actor.department_id.clone()
        };
        let summary = format!(
            "{stage} handled by {} of {theirs}, the item belongs to {}",
            ev.actor.subject, c.record.case.department_id
        );
        hits.push(hit(
            c,
            STAGE_OUTSIDE_DEPARTMENT,
            stage.as_str(),
            summary,
            vec![ev.evidence.clone()],
        ));
    }
}

fn check_conclusion(
    c: &Checked<'_>,
    ev: &CaseEvent,
    late: bool,
    past_statutory: bool,
    hits: &mut Vec<RuleHit>,
) {
    let r = c.record;
    let past_latest = past_statutory || r.latest_due.is_some_and(|d| ev.on > d);
    let past_planned = late || r.planned_due.is_some_and(|d| ev.on > d);
    if past_latest {
        let due = r
            .latest_due
            .map(|d| d.to_string())
            .unwrap_or_else(|| "its statutory due date".into());
        let summary = format!("concluded on {} after {due}", ev.on);
        hits.push(hit(
            c,
            CONCLUDED_AFTER_STATUTORY_LIMIT,
            "",
            summary,
            with_acceptance(c, ev),
        ));
    } else if past_planned {
        let due = r
            .planned_due
            .map(|d| d.to_string())
            .unwrap_or_else(|| "its promised due date".into());
        let summary = format!("concluded on {} after {due}", ev.on);
        hits.push(hit(
            c,
            CONCLUDED_AFTER_PROMISED_LIMIT,
            "",
            summary,
            with_acceptance(c, ev),
        ));
    }
}

fn check_skipped(c: &Checked<'_>, ev: &CaseEvent, hits: &mut Vec<RuleHit>) {
    let mut required: Vec<Stage> = match c.item {
        Some(item) => item.steps.iter().map(|(s, _)| *s).collect(),
        None => c.settings.mandatory_stages.clone(),
    };
    // Stages the case was seen to start must be completed too.
    required.extend(
        c.record
            .stages
            .iter()
            .filter(|s| s.started_on.is_some())
            .map(|s| s.stage),
    );
    required.retain(|s| !matches!(s, Stage::Accept | Stage::Conclude));
    required.sort();
    required.dedup();
    for stage in required {
        let done = c
            .record
            .stage(stage)
            .is_some_and(|s| s.completed_on.is_some());
        if !done {
            let summary = format!("concluded without completing {stage}");
            hits.push(hit(
                c,
                STAGE_SKIPPED,
                stage.as_str(),
                summary,
                with_acceptance(c, ev),
            ));
        }
    }
}

fn check_fees(
    c: &Checked<'_>,
    ev: &CaseEvent,
    fees: &[ChargedFee],
    free_of_charge: bool,
    hits: &mut Vec<RuleHit>,
) {
    let free = free_of_charge || c.item.is_some_and(|i| i.free_of_charge);
    for fee in fees {
        let evidence = vec![ev.evidence.clone()];
        if fee.amount_fen > 0 && (free || fee.on_free_item) {
            let summary = format!(
                "{} fen charged as {} on an item free of charge",
                fee.amount_fen, fee.fee_id
            );
            hits.push(hit(
                c,
                FEE_ON_FREE_ITEM,
                fee.fee_id.clone(),
                summary,
                evidence,
            ));
            continue;
        }
        // The catalog's standard when known; else what the cases service reported.
        let standard = match c.item {
            Some(item) => item.fees.get(&fee.fee_id).copied(),
            None => Some(fee.standard_amount_fen),
        };
        let summary = match standard {
            None => format!(
                "{} fen charged as {}, which is not a fee of the pinned version",
                fee.amount_fen, fee.fee_id
            ),
            Some(standard) if standard != fee.amount_fen || fee.deviates => format!(
                "{} fen charged as {}, the standard is {standard} fen",
                fee.amount_fen, fee.fee_id
            ),
            Some(_) => continue,
        };
        hits.push(hit(
            c,
            FEE_DEVIATES_FROM_STANDARD,
            fee.fee_id.clone(),
            summary,
            evidence,
        ));
    }
}
