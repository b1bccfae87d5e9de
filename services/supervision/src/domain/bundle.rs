//! One-stop bundles (一条龙): which department's child case held the others up. Supervision
//! keeps its own record of each bundle case's children and how each concluded.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::rules::{RuleHit, RuleSettings, BUNDLE_HELD_UP};
use super::terms::{EventRef, SubjectKind};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleChild {
    pub case_id: String,
    pub department_id: String,
    pub stage_index: u32,
    pub due: Option<NaiveDate>,
    pub concluded_on: Option<NaiveDate>,
    pub late: bool,
    /// The child's conclusion, cited when it was late.
    pub concluded_by_event: Option<EventRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleRecord {
    pub bundle_case_id: String,
    pub case_number: String,
    pub lead_department_id: String,
    pub region_code: String,
    pub children: Vec<BundleChild>,
    pub concluded_on: Option<NaiveDate>,
    pub late: bool,
    pub events: Vec<EventRef>,
}

/// A child as a bundle event names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildRef {
    pub case_id: String,
    pub department_id: String,
    pub due: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BundleFact {
    /// The bundle started, or a later stage did, with its children.
    StageStarted {
        stage_index: u32,
        children: Vec<ChildRef>,
    },
    Concluded {
        late: bool,
        late_department_ids: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleEvent {
    pub bundle_case_id: String,
    pub case_number: String,
    pub lead_department_id: String,
    pub region_code: String,
    pub on: NaiveDate,
    pub fact: BundleFact,
    pub evidence: EventRef,
}

impl BundleRecord {
    pub fn new(ev: &BundleEvent) -> BundleRecord {
        BundleRecord {
            bundle_case_id: ev.bundle_case_id.clone(),
            case_number: ev.case_number.clone(),
            lead_department_id: ev.lead_department_id.clone(),
            region_code: ev.region_code.clone(),
            children: Vec::new(),
            concluded_on: None,
            late: false,
            events: Vec::new(),
        }
    }

    /// A child of the bundle concluded (from the child's own event, which may come before
    /// the bundle's events name it).
    pub fn child_concluded(
        &mut self,
        case_id: &str,
        department_id: &str,
        on: NaiveDate,
        late: bool,
        evidence: EventRef,
    ) {
        let child = match self.children.iter_mut().find(|c| c.case_id == case_id) {
            Some(c) => c,
            None => {
                self.children.push(BundleChild {
                    case_id: case_id.to_string(),
                    department_id: department_id.to_string(),
                    stage_index: 0,
                    due: None,
                    concluded_on: None,
                    late: false,
                    concluded_by_event: None,
                });
                let last = self.children.len() - 1;
                &mut self.children[last]
            }
        };
        child.concluded_on = Some(on);
        child.late = late || child.due.is_some_and(|d| on > d);
        child.concluded_by_event = Some(evidence);
    }

    /// Applies a bundle event; on conclusion, every department whose late child held the
    /// bundle up is a hit (a bundle of one department holds no one else up).
    pub fn apply(&mut self, ev: &BundleEvent, settings: &RuleSettings) -> Vec<RuleHit> {
        self.events.push(ev.evidence.clone());
        match &ev.fact {
            BundleFact::StageStarted {
                stage_index,
                children,
            } => {
                for c in children {
                    match self.children.iter_mut().find(|k| k.case_id == c.case_id) {
                        Some(k) => {
                            k.stage_index = *stage_index;
                            k.due = c.due.or(k.due);
                        }
                        None => self.children.push(BundleChild {
                            case_id: c.case_id.clone(),
                            department_id: c.department_id.clone(),
                            stage_index: *stage_index,
                            due: c.due,
                            concluded_on: None,
                            late: false,
                            concluded_by_event: None,
                        }),
                    }
                }
                Vec::new()
            }
            BundleFact::Concluded {
                late,
                late_department_ids,
            } => {
                self.concluded_on = Some(ev.on);
                self.late = *late;
                if !settings.enabled(BUNDLE_HELD_UP) {
                    return Vec::new();
                }
                self.held_up_by(late_department_ids, ev)
            }
        }
    }

    fn held_up_by(&self, reported: &[String], ev: &BundleEvent) -> Vec<RuleHit> {
        let mut departments: Vec<&str> = self
            .children
            .iter()
            .map(|c| c.department_id.as_str())
            .collect();
        departments.sort();
        departments.dedup();
        if departments.len() < 2 {
            return Vec::new();
        }
        let mut late: Vec<&str> = self
            .children
            .iter()
            .filter(|c| c.late)
            .map(|c| c.department_id.as_str())
            .chain(reported.iter().map(String::as_str))
            .collect();
        late.sort();
        late.dedup();
        late.into_iter()
            .map(|department| {
                let mut evidence: Vec<EventRef> = self
                    .children
                    .iter()
                    .filter(|c| c.department_id == department && c.late)
                    .filter_map(|c| c.concluded_by_event.clone())
                    .collect();
                evidence.push(ev.evidence.clone());
                RuleHit {
                    rule: BUNDLE_HELD_UP,
                    subject_kind: SubjectKind::BundleCase,
                    subject_id: self.bundle_case_id.clone(),
                    part: department.to_string(),
                    department_id: department.to_string(),
                    region_code: self.region_code.clone(),
                    case_number: self.case_number.clone(),
                    summary: format!(
                        "{department} concluded its part of bundle {} after its due date",
                        self.case_number
                    ),
                    evidence,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, day).unwrap()
    }

    fn evref(seq: i64, kind: &str) -> EventRef {
        EventRef {
            stream: "cases".into(),
            seq,
            kind: kind.into(),
            occurred_on: d(2),
        }
    }

    fn event(fact: BundleFact, seq: i64) -> BundleEvent {
        BundleEvent {
            bundle_case_id: "b1".into(),
            case_number: "140200-2026-000009".into(),
            lead_department_id: "gsj".into(),
            region_code: "140200".into(),
            on: d(20),
            fact,
            evidence: evref(seq, "cases.bundle_case.x"),
        }
    }

    fn started(children: &[(&str, &str)]) -> BundleEvent {
        event(
            BundleFact::StageStarted {
                stage_index: 0,
                children: children
                    .iter()
                    .map(|(c, dep)| ChildRef {
                        case_id: c.to_string(),
                        department_id: dep.to_string(),
                        due: Some(d(9)),
                    })
                    .collect(),
            },
            1,
        )
    }

    #[test]
    fn the_late_department_of_a_bundle_is_named_with_its_conclusion() {
        let s = RuleSettings::default();
        let first = started(&[("c1", "gsj"), ("c2", "swj"), ("c3", "gaj")]);
        let mut b = BundleRecord::new(&first);
        assert!(b.apply(&first, &s).is_empty());
        b.child_concluded("c1", "gsj", d(5), false, evref(2, "cases.case.concluded"));
        b.child_concluded("c2", "swj", d(13), false, evref(3, "cases.case.concluded"));
        b.child_concluded("c3", "gaj", d(6), false, evref(4, "cases.case.concluded"));
        let hits = b.apply(
            &event(
                BundleFact::Concluded {
                    late: true,
                    late_department_ids: vec![],
                },
                5,
            ),
            &s,
        );
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].department_id, "swj");
        let seqs: Vec<i64> = hits[0].evidence.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [3, 5]);
    }

    #[test]
    fn a_bundle_on_time_holds_no_one_up() {
        let s = RuleSettings::default();
        let first = started(&[("c1", "gsj"), ("c2", "swj")]);
        let mut b = BundleRecord::new(&first);
        b.apply(&first, &s);
        b.child_concluded("c1", "gsj", d(5), false, evref(2, "k"));
        b.child_concluded("c2", "swj", d(9), false, evref(3, "k"));
        let hits = b.apply(
            &event(
                BundleFact::Concluded {
                    late: false,
                    late_department_ids: vec![],
                },
                4,
            ),
            &s,
        );
        assert!(hits.is_empty());
    }
}
