//! What the supervision service takes from outside, decoded and applied without a
//! database; never a panic.
//!
//! Branch 0 is a run of events of the streams it follows (length-delimited
//! `common.v1.Event`s), read by `follow::decode_event` as the follower reads them and
//! applied to in-memory stand-ins of what the follower loads and stores: case events to the
//! case projection (deadlines, warnings, rules), bundle events to the bundle record, catalog
//! events to the items and calendars the projection is given, trading events to the
//! project record and its red flags. A run rather than one event, because most of the
//! projection's rules need a case accepted before they have anything to judge.
//!
//! The other branches are gRPC requests whose handling before the store is pure: a
//! complaint filed and every supervisor's step on it, an evaluation and the rectification a
//! bad one opens, and a violation assigned or resolved (see cases_requests.rs for why this
//! layer and not the whole service).

#![no_main]

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use onewindow_kit::calendar::Calendar;
use onewindow_proto::common::v1::Event;
use onewindow_proto::supervision::v1 as pb;
use onewindow_supervision::domain::bundle::BundleRecord;
use onewindow_supervision::domain::case::{CaseEvent, CaseFact, CaseRecord};
use onewindow_supervision::domain::catalog::{Calendars, ItemFacts};
use onewindow_supervision::domain::complaint::{
    Complainant, Complaint, ComplaintCommand, ComplaintKind, Concerning, Filing,
};
use onewindow_supervision::domain::deadline::{Warning, Watch};
use onewindow_supervision::domain::evaluation::{
    self, EvaluatedCase, Evaluation, Rating, Rectification, RectificationCommand,
};
use onewindow_supervision::domain::projection::{self, Context};
use onewindow_supervision::domain::rules::RuleHit;
use onewindow_supervision::domain::terms::{EventRef, Severity, SubjectKind};
use onewindow_supervision::domain::trading::{red_flags, OwnerHistory};
use onewindow_supervision::domain::violation::{Violation, ViolationCommand};
use onewindow_supervision::domain::SupervisionError;
use onewindow_supervision::follow::{
    decode_event, CatalogEvent, Followed, ProjectRecord, Taken, TradingEvent,
};
use onewindow_supervision::rpc::convert;
use onewindow_supervision::rpc::records::{self, ComplaintView};
use onewindow_supervision::SupervisionSettings;
use prost::Message;

/// Events read from one input at most: enough for a case's whole life.
const MAX_EVENTS: usize = 24;

fuzz_target!(|data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    let Some(now) = Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).single() else {
        return;
    };
    let settings = SupervisionSettings::default();
    match which % 8 {
        0 => follow(bytes, &settings, now),
        1 => {
            if let Ok(req) = pb::FileComplaintRequest::decode(bytes) {
                file_complaint(req, &settings, now);
            }
        }
        2 => {
            if let Ok(req) = pb::ComplaintStepRequest::decode(bytes) {
                complaint_steps(&req.note, &settings, now);
                let _ = SupervisionError::check_revision("complaint", "c", req.revision, 1);
            }
        }
        3 => {
            if let Ok(req) = pb::ConcludeComplaintRequest::decode(bytes) {
                let command = ComplaintCommand::Conclude {
                    substantiated: req.substantiated,
                    findings: req.findings,
                };
                for c in complaints(&settings, now) {
                    let _ = decide_complaint(&c, command.clone(), &settings, now);
                }
            }
        }
        4 => {
            if let Ok(req) = pb::SubmitEvaluationRequest::decode(bytes) {
                submit_evaluation(&req, &settings, now);
            }
        }
        5 => rectification_steps(bytes, now),
        6 => {
            if let Ok(req) = pb::AssignViolationRequest::decode(bytes) {
                decide_violation(
                    ViolationCommand::Assign {
                        assignee: req.assignee,
                        note: req.note,
                    },
                    now,
                );
            }
        }
        _ => {
            if let Ok(req) = pb::ResolveViolationRequest::decode(bytes) {
                if let Some(resolution) = convert::resolution_from_proto(req.resolution) {
                    let command = ViolationCommand::Resolve {
                        resolution,
                        note: req.note,
                    };
                    decide_violation(command, now);
                }
            }
        }
    }
});

// ---------------------------------------------------------------- followed streams

/// What the follower loads and stores, kept in memory for one run of events.
#[derive(Default)]
struct Records {
    cases: BTreeMap<String, (CaseRecord, Vec<Watch>)>,
    bundles: BTreeMap<String, BundleRecord>,
    items: Vec<ItemFacts>,
    calendars: Calendars,
    projects: BTreeMap<String, ProjectRecord>,
    /// Award key -> (owner, winner), the owners' histories.
    awards: BTreeMap<String, (String, String)>,
}

fn follow(mut bytes: &[u8], settings: &SupervisionSettings, now: DateTime<Utc>) {
    let mut records = Records {
        calendars: Calendars::new(Vec::new()),
        ..Records::default()
    };
    for _ in 0..MAX_EVENTS {
        let Ok(event) = Event::decode_length_delimited(&mut bytes) else {
            return;
        };
        let stream = event.kind.split('.').next().unwrap_or_default().to_string();
        match decode_event(&stream, &event) {
            Ok(Some(Followed::Case(ev))) => records.case(&ev, settings, now),
            Ok(Some(Followed::Bundle(ev))) => {
                let bundle = records
                    .bundles
                    .entry(ev.bundle_case_id.clone())
                    .or_insert_with(|| BundleRecord::new(&ev));
                for hit in bundle.apply(&ev, &settings.rules) {
                    record_violation(&hit, settings, ev.on, now);
                }
            }
            Ok(Some(Followed::Catalog(ev))) => records.catalog(ev),
            Ok(Some(Followed::Trading {
                project_id,
                fact,
                evidence,
            })) => records.trading(&project_id, fact, evidence, settings, now),
            Ok(None) | Err(_) => {}
        }
    }
}

impl Records {
    /// As `follow::cases::apply_case` does, the store replaced by the maps.
    fn case(&mut self, ev: &CaseEvent, settings: &SupervisionSettings, now: DateTime<Utc>) {
        let (mut record, mut watches) = self
            .cases
            .remove(&ev.case.case_id)
            .unwrap_or_else(|| (CaseRecord::new(ev.case.clone()), Vec::new()));
        record.case = ev.case.clone();
        let item = self
            .items
            .iter()
            .find(|i| i.item_id == ev.case.item_id && i.version == ev.case.item_version);
        let latest = match item {
            Some(_) => None,
            None => self
                .items
                .iter()
                .filter(|i| i.item_id == ev.case.item_id)
                .max_by_key(|i| i.version),
        };
        let calendar = self.calendars.for_region(&ev.case.region_code);
        let ctx = Context {
            case_thresholds: &settings.case_thresholds,
            stage_thresholds: &settings.stage_thresholds,
            rules: &settings.rules,
            calendar: &calendar,
            item,
            item_known: item.is_some() || latest.is_some(),
            latest_office: latest
                .map(|l| l.office_id.as_str())
                .filter(|o| !o.is_empty()),
        };
        // An error is a date the calendar cannot reckon with: the follower fails the event.
        let Ok(fx) = projection::apply(&mut record, &mut watches, ev, &ctx) else {
            return;
        };
        for w in &watches {
            let _ = w.next_check(
                &settings.case_thresholds,
                &settings.stage_thresholds,
                &calendar,
            );
        }
        for due in &fx.due {
            let _ = convert::warning_to_proto(&Warning::issue("w".into(), due, now));
        }
        for hit in &fx.hits {
            record_violation(hit, settings, ev.on, now);
        }
        if let (Some(bundle_id), CaseFact::Concluded { .. }) = (&ev.case.bundle_case_id, &ev.fact) {
            if let Some(bundle) = self.bundles.get_mut(bundle_id) {
                bundle.child_concluded(
                    &ev.case.case_id,
                    &ev.case.department_id,
                    ev.on,
                    record.late,
                    ev.evidence.clone(),
                );
            }
        }
        let _ = convert::case_record_to_proto(&record);
        self.cases
            .insert(ev.case.case_id.clone(), (record, watches));
    }

    /// As `follow::catalog::apply` does.
    fn catalog(&mut self, ev: CatalogEvent) {
        match ev {
            CatalogEvent::Published(Some(item)) => {
                self.items
                    .retain(|i| (&i.item_id, i.version) != (&item.item_id, item.version));
                self.items.push(item);
            }
            CatalogEvent::Published(None) => {}
            CatalogEvent::Cancelled {
                item_id,
                version,
                until,
            } => {
                for i in &mut self.items {
                    if i.item_id == item_id && i.version == version {
                        i.valid_until = Some(until);
                    }
                }
            }
            CatalogEvent::Calendar {
                region_code,
                schedule,
            } => self.calendars = self.calendars.with_year(&region_code, schedule),
        }
    }

    /// As `follow::trading::apply` does, every rule judged whether its facts answer it.
    fn trading(
        &mut self,
        project_id: &str,
        fact: TradingEvent,
        evidence: EventRef,
        settings: &SupervisionSettings,
        now: DateTime<Utc>,
    ) {
        let loaded = self.projects.remove(project_id);
        let Some(mut record) = loaded.or_else(|| ProjectRecord::start(project_id, &fact)) else {
            return;
        };
        let on = evidence.occurred_on;
        record.evidence.push(evidence);
        let taken = record.take(fact);
        if taken == Taken::InProgress {
            for lot in record.lots() {
                self.judge(&record, lot.as_deref(), false, settings, on, now);
            }
        }
        if taken != Taken::Ended {
            for lot in record.failed_with_one_valid_bid() {
                self.judge(&record, Some(&lot), true, settings, on, now);
            }
        }
        if taken == Taken::InProgress {
            self.projects.insert(project_id.to_string(), record);
        }
    }

    fn judge(
        &mut self,
        record: &ProjectRecord,
        lot: Option<&str>,
        valid_only: bool,
        settings: &SupervisionSettings,
        on: NaiveDate,
        now: DateTime<Utc>,
    ) {
        let facts = record.facts(lot, valid_only, on);
        let key = record.award_key(lot);
        if let Some(winner) = facts.winner_bidder_id.clone() {
            self.awards.insert(key, (facts.owner_id.clone(), winner));
        }
        let mut history = OwnerHistory::default();
        for (owner, winner) in self.awards.values() {
            if *owner == facts.owner_id {
                history.projects = history.projects.saturating_add(1);
                *history.wins.entry(winner.clone()).or_default() += 1;
            }
        }
        let hits = red_flags(
            &facts,
            &history,
            &settings.trading,
            &settings.rules,
            &record.evidence,
        );
        for hit in &hits {
            record_violation(hit, settings, on, now);
        }
    }
}

fn record_violation(
    hit: &RuleHit,
    settings: &SupervisionSettings,
    on: NaiveDate,
    now: DateTime<Utc>,
) {
    let v = Violation::record("v".into(), hit, settings.rules.severity(hit.rule), on, now);
    let _ = convert::violation_to_proto(&v);
}

// ---------------------------------------------------------------- requests

fn file_complaint(
    req: pb::FileComplaintRequest,
    settings: &SupervisionSettings,
    now: DateTime<Utc>,
) {
    // The handler trims each field first; untrimmed, the domain sees a wider input.
    let who = req.complainant.unwrap_or_default();
    let filing = Filing {
        kind: records::complaint_kind_from_proto(req.kind),
        concerning: Concerning {
            case_number: req.case_number,
            department_id: req.department_id,
            trading_project_id: req.trading_project_id,
            region_code: req.region_code,
        },
        content: req.content,
        anonymous: req.anonymous,
        complainant: Complainant {
            name: who.name,
            phone: who.phone,
            email: who.email,
        },
    };
    let Ok((kind, filing)) = filing.validate() else {
        return;
    };
    let calendar = Calendar::official();
    let today = now.date_naive();
    let Ok(c) = Complaint::file(
        "c".into(),
        "TS-2026-000001".into(),
        kind,
        filing,
        now,
        today,
        &settings.complaint_limits,
        &calendar,
    ) else {
        return;
    };
    for view in [
        ComplaintView::Supervisor,
        ComplaintView::SupervisorList,
        ComplaintView::Department,
    ] {
        let _ = records::complaint_to_proto(&c, view, today);
    }
    let _ = records::complaint_status(&c);
}

/// A complaint in each state a supervisor's step can find it in.
fn complaints(settings: &SupervisionSettings, now: DateTime<Utc>) -> Vec<Complaint> {
    let filing = Filing {
        kind: None,
        concerning: Concerning::default(),
        content: "窗口人员态度恶劣".into(),
        anonymous: true,
        complainant: Complainant::default(),
    };
    let Ok(received) = Complaint::file(
        "c".into(),
        "TS-2026-000001".into(),
        ComplaintKind::Complaint,
        filing,
        now,
        now.date_naive(),
        &settings.complaint_limits,
        &Calendar::official(),
    ) else {
        return Vec::new();
    };
    let mut out = vec![received];
    for command in [
        ComplaintCommand::Accept {
            note: String::new(),
        },
        ComplaintCommand::StartInvestigation {
            note: String::new(),
        },
        ComplaintCommand::Conclude {
            substantiated: true,
            findings: "属实".into(),
        },
        ComplaintCommand::GiveFeedback {
            feedback: "已答复".into(),
        },
    ] {
        let Some(last) = out.last() else { break };
        match decide_complaint(last, command, settings, now) {
            Some(next) => out.push(next),
            None => break,
        }
    }
    out
}

fn decide_complaint(
    c: &Complaint,
    command: ComplaintCommand,
    settings: &SupervisionSettings,
    now: DateTime<Utc>,
) -> Option<Complaint> {
    let next = c
        .decide(
            command,
            "u-supervisor",
            now,
            now.date_naive(),
            &settings.complaint_limits,
            &Calendar::official(),
        )
        .ok()?;
    let _ = records::complaint_to_proto(&next, ComplaintView::Supervisor, now.date_naive());
    Some(next)
}

/// The four steps that take a note, each tried on a complaint in every state.
fn complaint_steps(note: &str, settings: &SupervisionSettings, now: DateTime<Utc>) {
    let all = complaints(settings, now);
    for command in [
        ComplaintCommand::Accept { note: note.into() },
        ComplaintCommand::Reject {
            reason: note.into(),
        },
        ComplaintCommand::StartInvestigation { note: note.into() },
        ComplaintCommand::GiveFeedback {
            feedback: note.into(),
        },
    ] {
        for c in &all {
            let _ = decide_complaint(c, command.clone(), settings, now);
        }
    }
}

/// An evaluation of the fixture case, without dimensions or comment.
fn evaluation(rating: Rating, now: DateTime<Utc>) -> Evaluation {
    Evaluation {
        id: "e".into(),
        case: EvaluatedCase {
            case_id: "c1".into(),
            case_number: "140200-2026-000001".into(),
            item_id: "item1".into(),
            department_id: "gsj".into(),
            region_code: "140200".into(),
        },
        rating,
        dimensions: Vec::new(),
        comment: String::new(),
        submitted_at: now,
        submitted_on: now.date_naive(),
        rectification_id: None,
    }
}

/// As the handler checks it, then the evaluation and the task a bad one opens.
fn submit_evaluation(
    req: &pb::SubmitEvaluationRequest,
    settings: &SupervisionSettings,
    now: DateTime<Utc>,
) {
    let dims: Vec<_> = req
        .dimensions
        .iter()
        .map(|d| {
            (
                records::dimension_from_proto(d.dimension),
                records::rating_from_proto(d.rating),
            )
        })
        .collect();
    let Ok((rating, dimensions)) =
        evaluation::validate(records::rating_from_proto(req.rating), &dims, &req.comment)
    else {
        return;
    };
    let e = Evaluation {
        dimensions,
        comment: req.comment.clone(),
        ..evaluation(rating, now)
    };
    let _ = records::evaluation_to_proto(&e);
    if rating.is_bad() {
        let calendar = Calendar::official();
        if let Ok(task) =
            Rectification::open("r".into(), &e, settings.rectification_days, &calendar)
        {
            let _ = records::rectification_to_proto(&task, now.date_naive());
        }
    }
}

/// A rectification task in each state: open, replied without and with a call-back, closed.
fn rectifications(now: DateTime<Utc>) -> Vec<Rectification> {
    let e = evaluation(Rating::VeryDissatisfied, now);
    let Ok(open) = Rectification::open("r".into(), &e, 15, &Calendar::official()) else {
        return Vec::new();
    };
    let mut out = vec![open];
    for command in [
        RectificationCommand::Reply {
            measures: "已约谈".into(),
        },
        RectificationCommand::RecordCallBack {
            reached: true,
            note: "满意".into(),
        },
        RectificationCommand::Close {
            note: "整改完成".into(),
        },
    ] {
        let Some(last) = out.last() else { break };
        match last.decide(command, "u", now) {
            Ok(next) => out.push(next),
            Err(_) => break,
        }
    }
    out
}

/// The second byte chooses the request: a call-back, a reply or a closing.
fn rectification_steps(bytes: &[u8], now: DateTime<Utc>) {
    let Some((&which, bytes)) = bytes.split_first() else {
        return;
    };
    let command = match which % 3 {
        0 => match pb::RecordCallBackRequest::decode(bytes) {
            Ok(r) => RectificationCommand::RecordCallBack {
                reached: r.reached,
                note: r.note,
            },
            Err(_) => return,
        },
        1 => match pb::ReplyRectificationRequest::decode(bytes) {
            Ok(r) => RectificationCommand::Reply {
                measures: r.measures,
            },
            Err(_) => return,
        },
        _ => match pb::CloseRectificationRequest::decode(bytes) {
            Ok(r) => RectificationCommand::Close { note: r.note },
            Err(_) => return,
        },
    };
    for r in rectifications(now) {
        if let Ok(next) = r.decide(command.clone(), "u", now) {
            let _ = records::rectification_to_proto(&next, now.date_naive());
        }
    }
}

fn decide_violation(command: ViolationCommand, now: DateTime<Utc>) {
    let hit = RuleHit {
        rule: "fee_on_free_item",
        subject_kind: SubjectKind::Case,
        subject_id: "c1".into(),
        part: "f1".into(),
        department_id: "gsj".into(),
        region_code: "140200".into(),
        case_number: "140200-2026-000001".into(),
        summary: "50 fen charged as f1 on an item free of charge".into(),
        evidence: Vec::new(),
    };
    let open = Violation::record("v".into(), &hit, Severity::High, now.date_naive(), now);
    let Ok(assigned) = open.decide(
        ViolationCommand::Assign {
            assignee: "u-supervisor".into(),
            note: String::new(),
        },
        "u-boss",
        now,
    ) else {
        return;
    };
    for v in [open, assigned] {
        if let Ok(next) = v.decide(command.clone(), "u-boss", now) {
            let _ = convert::violation_to_proto(&next);
            // A resolved violation takes no further command.
            let _ = next.decide(command.clone(), "u-boss", now);
        }
    }
}
