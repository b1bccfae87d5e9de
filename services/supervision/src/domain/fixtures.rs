//! A case fed event by event through the projection, for the domain's tests.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use onewindow_kit::calendar::Calendar;

use super::case::*;
use super::catalog::ItemFacts;
use super::deadline::{Level, Scope, Thresholds, Watch};
use super::projection::{apply, Context, Effects};
use super::rules::RuleSettings;
use super::terms::{Actor, CaseRef, EventRef, HandlerRole, Stage};

pub(crate) fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, day).unwrap()
}

pub(crate) fn clerk() -> Actor {
    Actor {
        subject: "u-clerk".into(),
        role: "clerk".into(),
        department_id: "gsj".into(),
    }
}

pub(crate) fn approver() -> Actor {
    Actor {
        subject: "u-approver".into(),
        role: "approver".into(),
        department_id: "gsj".into(),
    }
}

pub(crate) fn item() -> ItemFacts {
    ItemFacts {
        item_id: "item1".into(),
        version: 1,
        department_id: "gsj".into(),
        office_id: "office1".into(),
        valid_from: Some(d(1, 1)),
        valid_until: None,
        free_of_charge: false,
        fees: BTreeMap::from([("f1".to_string(), 5000)]),
        required_at_intake: vec!["m1".into()],
        steps: vec![
            (Stage::Accept, HandlerRole::Clerk),
            (Stage::Review, HandlerRole::Clerk),
            (Stage::Decide, HandlerRole::Approver),
            (Stage::Conclude, HandlerRole::Approver),
        ],
        window_accept_only: false,
        max_extension_days: 5,
    }
}

pub(crate) fn deadlines(due: NaiveDate) -> Deadlines {
    Deadlines {
        accepted_on: Some(d(3, 2)),
        planned_due: Some(due),
        latest_due: Some(d(3, 31)),
        suspended_days: 0,
        extension_days: 0,
    }
}

/// Feeds events to one case, keeping the record and watches between them.
pub(crate) struct Run {
    pub record: CaseRecord,
    pub watches: Vec<Watch>,
    pub seq: i64,
    pub item: Option<ItemFacts>,
    pub settings: RuleSettings,
    pub hits: Vec<(&'static str, String)>,
    pub issued: Vec<(Scope, Level, NaiveDate)>,
    pub closed: Vec<String>,
}

impl Run {
    pub fn new() -> Run {
        Run {
            record: CaseRecord::new(case_ref()),
            watches: Vec::new(),
            seq: 0,
            item: Some(item()),
            settings: RuleSettings::default(),
            hits: Vec::new(),
            issued: Vec::new(),
            closed: Vec::new(),
        }
    }

    pub fn feed(&mut self, on: NaiveDate, actor: Actor, fact: CaseFact, kind: &str) -> Effects {
        self.seq += 1;
        let ev = CaseEvent {
            case: case_ref(),
            actor,
            on,
            fact,
            evidence: EventRef {
                stream: "cases".into(),
                seq: self.seq,
                kind: format!("cases.case.{kind}"),
                occurred_on: on,
            },
        };
        let calendar = Calendar::official();
        let t = Thresholds::default();
        let ctx = Context {
            case_thresholds: &t,
            stage_thresholds: &t,
            rules: &self.settings,
            calendar: &calendar,
            item: self.item.as_ref(),
            item_known: self.item.is_some(),
            latest_office: None,
        };
        let fx = apply(&mut self.record, &mut self.watches, &ev, &ctx).unwrap();
        self.hits
            .extend(fx.hits.iter().map(|h| (h.rule, h.part.clone())));
        self.issued.extend(
            fx.due
                .iter()
                .map(|x| (x.watch.scope, x.level, x.reached_on)),
        );
        self.closed
            .extend(fx.closed.iter().map(|c| c.subject_key.clone()));
        fx
    }

    pub fn submit(&mut self) {
        self.feed(
            d(3, 2),
            clerk(),
            CaseFact::Submitted {
                channel: Some(Channel::Window),
                material_ids: vec!["m1".into()],
            },
            "submitted",
        );
    }

    pub fn accept(&mut self, materials: &[&str]) {
        self.feed(
            d(3, 2),
            clerk(),
            CaseFact::Accepted {
                deadlines: deadlines(d(3, 9)),
                stages: vec![StageDeadline {
                    stage: Stage::Review,
                    started_on: Some(d(3, 2)),
                    due: Some(d(3, 4)),
                }],
                material_ids: materials.iter().map(|m| m.to_string()).collect(),
                window_fully_authorized: true,
                immediate: false,
            },
            "accepted",
        );
    }

    pub fn complete(&mut self, on: NaiveDate, actor: Actor, stage: Stage, next: Option<Stage>) {
        self.feed(
            on,
            actor,
            CaseFact::StageCompleted {
                stage,
                handler_role: None,
                due: None,
                late: false,
                next: next.map(|s| StageDeadline {
                    stage: s,
                    started_on: Some(on),
                    due: Some(d(3, 9)),
                }),
            },
            "stage_completed",
        );
    }

    pub fn conclude(&mut self, on: NaiveDate) {
        self.conclude_as(on, OutcomeKind::Approved, false, false);
    }

    /// Concluded on time with `outcome`, its reason and legal basis given or not.
    pub fn conclude_as(
        &mut self,
        on: NaiveDate,
        outcome: OutcomeKind,
        reason_given: bool,
        legal_basis_given: bool,
    ) {
        self.feed(
            on,
            approver(),
            CaseFact::Concluded {
                outcome: Some(outcome),
                reason_given,
                legal_basis_given,
                immediate: false,
                deadlines: deadlines(d(3, 9)),
                late: false,
                past_statutory_limit: false,
                working_days_used: 3,
                fees: vec![],
            },
            "concluded",
        );
    }

    /// The clean path: submitted, accepted, reviewed, decided, concluded on time.
    pub fn clean(&mut self) {
        self.submit();
        self.accept(&["m1"]);
        self.complete(d(3, 3), clerk(), Stage::Review, Some(Stage::Decide));
        self.complete(d(3, 4), approver(), Stage::Decide, Some(Stage::Conclude));
        self.conclude(d(3, 5));
    }

    pub fn rules(&self) -> Vec<&'static str> {
        self.hits.iter().map(|(r, _)| *r).collect()
    }
}

pub(crate) fn case_ref() -> CaseRef {
    CaseRef {
        case_id: "c1".into(),
        case_number: "140200-2026-000001".into(),
        item_id: "item1".into(),
        item_version: 1,
        department_id: "gsj".into(),
        region_code: "140200".into(),
        bundle_case_id: None,
    }
}
