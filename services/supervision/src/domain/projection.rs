//! Applying one event of the cases stream to supervision's record of the case: the record
//! and its watched deadlines change, and out come the warnings that fell due, the warnings
//! to close, the rule hits and the figures to count. Pure: the caller loads and stores.

use chrono::NaiveDate;
use onewindow_kit::calendar::Calendar;

use super::case::{
    CaseEvent, CaseFact, CaseRecord, CaseState, Deadlines, FeeRecord, StageDeadline,
    SuspensionRecord,
};
use super::catalog::ItemFacts;
use super::deadline::{Due, Scope, Thresholds, Watch};
use super::error::SupervisionError;
use super::performance::{Counts, StatDelta};
use super::rules::{self, Checked, RuleHit, RuleSettings};
use super::terms::Stage;

/// What the projection needs besides the record: configuration and the catalog's facts.
pub struct Context<'a> {
    pub case_thresholds: &'a Thresholds,
    pub stage_thresholds: &'a Thresholds,
    pub rules: &'a RuleSettings,
    pub calendar: &'a Calendar,
    pub item: Option<&'a ItemFacts>,
    pub item_known: bool,
    /// The office of the latest version the catalog announced of the item, when the case's
    /// own version is not known (yet): where the case is most likely handled.
    pub latest_office: Option<&'a str>,
}

/// A watched deadline that ended, and who its warnings are charged to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closure {
    pub subject_key: String,
    /// `completed`, `concluded`, `withdrawn`, `intake_refused`.
    pub reason: &'static str,
    /// Who completed it, when someone did.
    pub staff_subject: Option<String>,
}

/// The consequences of one event.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Effects {
    pub due: Vec<Due>,
    pub closed: Vec<Closure>,
    pub hits: Vec<RuleHit>,
    pub stats: Vec<StatDelta>,
}

/// Applies `ev` to `record` and its `watches` (the open deadlines of the case).
pub fn apply(
    record: &mut CaseRecord,
    watches: &mut Vec<Watch>,
    ev: &CaseEvent,
    ctx: &Context<'_>,
) -> Result<Effects, SupervisionError> {
    let mut fx = Effects::default();
    // Whatever fell due before the event happened was due whether or not supervision was
    // running at the time: the record is the same either way.
    for w in watches.iter_mut() {
        fx.due.extend(w.assess(
            ev.on,
            ctx.case_thresholds,
            ctx.stage_thresholds,
            ctx.calendar,
        )?);
    }
    record.events.push(ev.evidence.clone());
    match (ctx.item, ctx.latest_office) {
        (Some(item), _) => record.office_id = item.office_id.clone(),
        // Only the office is taken from another version (the rules judge the case by its
        // own), and only while the record has none: a guess moving with every new version
        // would part the record from the watches it opened.
        (None, Some(office)) if record.office_id.is_empty() => {
            record.office_id = office.to_string();
        }
        _ => {}
    }
    if is_staff_role(&ev.actor.role) {
        record.last_actor = ev.actor.subject.clone();
    }
    let stat = |counts: Counts| StatDelta {
        day: ev.on,
        department_id: ev.case.department_id.clone(),
        region_code: ev.case.region_code.clone(),
        counts,
    };
    // A record first seen after intake (supervision started late) learns its state from
    // what only an accepted case does.
    if record.state == CaseState::Submitted
        && matches!(
            ev.fact,
            CaseFact::StageCompleted { .. }
                | CaseFact::SuspensionStarted { .. }
                | CaseFact::SuspensionEnded { .. }
                | CaseFact::ExtensionApproved { .. }
        )
    {
        record.state = CaseState::InProgress;
    }
    match &ev.fact {
        CaseFact::Submitted {
            channel,
            material_ids,
        } => {
            record.channel = *channel;
            record.submitted_on = Some(ev.on);
            record.material_ids = material_ids.clone();
        }
        CaseFact::Accepted {
            deadlines,
            stages,
            material_ids,
            window_fully_authorized,
            immediate,
        } => {
            record.state = CaseState::InProgress;
            record.take_deadlines(deadlines);
            if record.accepted_on.is_none() {
                record.accepted_on = Some(ev.on);
            }
            record.material_ids = material_ids.clone();
            record.window_fully_authorized = Some(*window_fully_authorized);
            record.immediate = *immediate;
            {
                let accept = record.stage_mut(Stage::Accept);
                accept.started_on = accept.started_on.or(Some(ev.on));
                accept.completed_on = Some(ev.on);
                accept.actor = Some(ev.actor.clone());
            }
            if !immediate {
                if let Some(due) = record.planned_due {
                    open_watch(watches, record, Scope::Case, due, &ev.actor.subject);
                }
                for s in stages {
                    start_stage(record, watches, s, &ev.actor.subject);
                }
            }
            fx.stats.push(stat(Counts {
                accepted: 1,
                ..Counts::default()
            }));
        }
        CaseFact::IntakeRefused { .. } => {
            record.state = CaseState::IntakeRefused;
            close_all(watches, "intake_refused", None, &mut fx);
        }
        CaseFact::SupplementRequested { .. } => record.state = CaseState::SupplementRequested,
        CaseFact::Resubmitted { material_ids } => {
            record.state = CaseState::Submitted;
            record.material_ids = material_ids.clone();
        }
        CaseFact::StageCompleted {
            stage,
            due,
            late,
            next,
            ..
        } => {
            let s = record.stage_mut(*stage);
            if due.is_some() {
                s.due = *due;
            }
            s.completed_on = Some(ev.on);
            s.actor = Some(ev.actor.clone());
            s.late = *late || s.due.is_some_and(|d| ev.on > d);
            close(
                watches,
                Scope::Stage(*stage),
                "completed",
                Some(ev.actor.subject.clone()),
                &mut fx,
            );
            if let Some(next) = next {
                start_stage(record, watches, next, &ev.actor.subject);
            }
        }
        CaseFact::SuspensionStarted {
            procedure,
            declared_days,
            stage,
        } => {
            record.suspensions.push(SuspensionRecord {
                procedure: procedure.clone(),
                declared_days: *declared_days,
                started_on: ev.on,
                ended_on: None,
                working_days: 0,
                stage: *stage,
                started_by_event: ev.evidence.clone(),
            });
            for w in watches.iter_mut() {
                w.suspended = true;
            }
        }
        CaseFact::SuspensionEnded {
            working_days,
            deadlines,
            stage,
            ..
        } => {
            if let Some(open) = record
                .suspensions
                .iter_mut()
                .rev()
                .find(|s| s.ended_on.is_none())
            {
                open.ended_on = Some(ev.on);
                open.working_days = *working_days;
            }
            move_deadlines(record, watches, deadlines);
            if let Some(s) = stage {
                move_stage(record, watches, s);
            }
            for w in watches.iter_mut() {
                w.suspended = false;
            }
        }
        CaseFact::ExtensionApproved {
            days, deadlines, ..
        } => {
            record.extensions.push(super::case::ExtensionRecord {
                days: *days,
                approved_on: ev.on,
                approved_by: ev.actor.subject.clone(),
            });
            move_deadlines(record, watches, deadlines);
        }
        CaseFact::Concluded {
            outcome,
            immediate,
            deadlines,
            late,
            working_days_used,
            fees,
            ..
        } => {
            record.take_deadlines(deadlines);
            record.state = CaseState::Concluded;
            record.outcome = *outcome;
            record.concluded_on = Some(ev.on);
            record.immediate |= *immediate;
            record.late = !*immediate && (*late || record.planned_due.is_some_and(|d| ev.on > d));
            record.working_days_used = Some(*working_days_used);
            take_fees(record, fees, ctx.item);
            {
                let conclude = record.stage_mut(Stage::Conclude);
                conclude.completed_on = Some(ev.on);
                conclude.actor = Some(ev.actor.clone());
                conclude.late = conclude.due.is_some_and(|d| ev.on > d);
            }
            close_all(
                watches,
                "concluded",
                Some(ev.actor.subject.clone()),
                &mut fx,
            );
            let promised = promised_days(record, ctx.calendar)?;
            fx.stats.push(stat(Counts {
                concluded: 1,
                on_time: i64::from(!record.late),
                working_days_used: i64::from(*working_days_used),
                promised_days: i64::from(promised),
                ..Counts::default()
            }));
        }
        CaseFact::Withdrawn => {
            record.state = CaseState::Withdrawn;
            close_all(watches, "withdrawn", None, &mut fx);
        }
        CaseFact::FeesCharged { fees, .. } => take_fees(record, fees, ctx.item),
        CaseFact::PaymentRecorded => {
            for f in &mut record.fees {
                f.paid = true;
            }
        }
    }
    fx.hits = rules::check(
        ev,
        &Checked {
            record,
            item: ctx.item,
            item_known: ctx.item_known,
            settings: ctx.rules,
        },
    );
    // Violations are counted where they are recorded, once each.
    Ok(fx)
}

fn is_staff_role(role: &str) -> bool {
    matches!(role, "clerk" | "approver")
}

/// The promised limit the case had: its due date less what suspensions and extensions
/// added. Immediate cases promise nothing beyond the day.
fn promised_days(record: &CaseRecord, calendar: &Calendar) -> Result<u32, SupervisionError> {
    let (Some(accepted), Some(due), false) =
        (record.accepted_on, record.planned_due, record.immediate)
    else {
        return Ok(0);
    };
    let span = calendar.count_working_days(accepted, due)?.value;
    Ok(span.saturating_sub(record.suspended_days + record.extension_days))
}

fn open_watch(
    watches: &mut Vec<Watch>,
    record: &CaseRecord,
    scope: Scope,
    due: NaiveDate,
    staff: &str,
) {
    if let Some(w) = watches.iter_mut().find(|w| w.scope == scope) {
        w.due = due;
        return;
    }
    watches.push(Watch {
        case_id: record.case.case_id.clone(),
        scope,
        case_number: record.case.case_number.clone(),
        item_id: record.case.item_id.clone(),
        department_id: record.case.department_id.clone(),
        office_id: record.office_id.clone(),
        region_code: record.case.region_code.clone(),
        due,
        reached: None,
        suspended: false,
        staff_subject: staff.to_string(),
    });
}

fn start_stage(record: &mut CaseRecord, watches: &mut Vec<Watch>, s: &StageDeadline, staff: &str) {
    {
        let rec = record.stage_mut(s.stage);
        if s.started_on.is_some() {
            rec.started_on = s.started_on;
        }
        if s.due.is_some() {
            rec.due = s.due;
        }
        if rec.completed_on.is_some() {
            return;
        }
    }
    if let Some(due) = s.due {
        open_watch(watches, record, Scope::Stage(s.stage), due, staff);
    }
}

fn move_deadlines(record: &mut CaseRecord, watches: &mut [Watch], d: &Deadlines) {
    record.take_deadlines(d);
    if let Some(due) = record.planned_due {
        if let Some(w) = watches.iter_mut().find(|w| w.scope == Scope::Case) {
            w.due = due;
        }
    }
}

fn move_stage(record: &mut CaseRecord, watches: &mut [Watch], s: &StageDeadline) {
    let rec = record.stage_mut(s.stage);
    if let Some(due) = s.due {
        rec.due = Some(due);
        if let Some(w) = watches
            .iter_mut()
            .find(|w| w.scope == Scope::Stage(s.stage))
        {
            w.due = due;
        }
    }
}

fn close(
    watches: &mut Vec<Watch>,
    scope: Scope,
    reason: &'static str,
    staff: Option<String>,
    fx: &mut Effects,
) {
    if let Some(i) = watches.iter().position(|w| w.scope == scope) {
        let w = watches.remove(i);
        fx.closed.push(Closure {
            subject_key: w.subject_key(),
            reason,
            staff_subject: staff,
        });
    }
}

fn close_all(
    watches: &mut Vec<Watch>,
    reason: &'static str,
    staff: Option<String>,
    fx: &mut Effects,
) {
    for w in watches.drain(..) {
        fx.closed.push(Closure {
            subject_key: w.subject_key(),
            reason,
            staff_subject: staff.clone(),
        });
    }
}

fn take_fees(record: &mut CaseRecord, fees: &[super::case::ChargedFee], item: Option<&ItemFacts>) {
    for f in fees {
        let catalog = item.and_then(|i| i.fees.get(&f.fee_id).copied());
        match record.fees.iter_mut().find(|r| r.fee_id == f.fee_id) {
            Some(r) => {
                r.amount_fen = f.amount_fen;
                r.standard_amount_fen = f.standard_amount_fen;
                r.catalog_amount_fen = catalog.or(r.catalog_amount_fen);
            }
            None => record.fees.push(FeeRecord {
                fee_id: f.fee_id.clone(),
                amount_fen: f.amount_fen,
                standard_amount_fen: f.standard_amount_fen,
                catalog_amount_fen: catalog,
                paid: false,
            }),
        }
    }
}
