//! Writing what the domain decided: warnings issued and closed, violations recorded, each
//! with its outbox event, its audit entry and its count, in the caller's transaction. Used
//! by the followers, the scanner and the commands alike, so a warning is the same thing
//! whichever path issued it.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use onewindow_kit::audit::{self, Change};
use onewindow_kit::db::{Backend, Tx};
use onewindow_kit::error::{to_json, Error};
use onewindow_kit::outbox::{self, pack, NewEvent};
use onewindow_proto::supervision::v1 as pb;

use crate::domain::deadline::{Due, Warning};
use crate::domain::performance::{Counts, StatDelta};
use crate::domain::projection::Closure;
use crate::domain::rules::RuleHit;
use crate::domain::terms::Severity;
use crate::domain::violation::Violation;
use crate::rpc::convert::{violation_to_proto, warning_to_proto};
use crate::store;

/// The actor of what supervision does by itself.
pub const SYSTEM: &str = "system:supervision";

pub const WARNING_ISSUED: &str = "supervision.warning.issued";
pub const WARNING_CLOSED: &str = "supervision.warning.closed";
pub const VIOLATION_RECORDED: &str = "supervision.violation.recorded";
pub const VIOLATION_CHANGED: &str = "supervision.violation.changed";
pub const EVALUATION_SUBMITTED: &str = "supervision.evaluation.submitted";
pub const RECTIFICATION_CHANGED: &str = "supervision.rectification.changed";
pub const COMPLAINT_CHANGED: &str = "supervision.complaint.changed";
pub const BULLETIN_PUBLISHED: &str = "supervision.bulletin.published";

pub(crate) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// One transaction's writer of effects: who acts, and when. Figures are gathered and
/// written last, merged and in key order ([`Effects::finish`]), so that transactions
/// touching the same days take their row locks in one order and never deadlock.
pub(crate) struct Effects<'t> {
    pub tx: &'t mut Tx,
    backend: Backend,
    now: DateTime<Utc>,
    actor: String,
    counts: BTreeMap<(NaiveDate, String, String), Counts>,
    /// Open warnings by (region, department, level): +1 issued, -1 closed.
    open: BTreeMap<(String, String, i64), i64>,
}

impl<'t> Effects<'t> {
    pub fn new(tx: &'t mut Tx, backend: Backend, now: DateTime<Utc>, actor: &str) -> Self {
        Effects {
            tx,
            backend,
            now,
            actor: actor.to_string(),
            counts: BTreeMap::new(),
            open: BTreeMap::new(),
        }
    }

    /// Counts figures, written by [`Effects::finish`].
    pub fn count(&mut self, d: &StatDelta) {
        *self
            .counts
            .entry((d.day, d.department_id.clone(), d.region_code.clone()))
            .or_default() += d.counts;
    }

    fn count_open(&mut self, w: &Warning, delta: i64) {
        *self
            .open
            .entry((
                w.region_code.clone(),
                w.department_id.clone(),
                w.level.rank(),
            ))
            .or_default() += delta;
    }

    /// Writes the figures and the open warnings' counts gathered.
    pub async fn finish(self) -> Result<(), Error> {
        for ((region, department, level), delta) in self.open {
            if delta != 0 {
                store::warnings::count_open(self.tx, &region, &department, level, delta).await?;
            }
        }
        for ((day, department_id, region_code), counts) in self.counts {
            store::stats::bump(
                self.tx,
                &StatDelta {
                    day,
                    department_id,
                    region_code,
                    counts,
                },
            )
            .await?;
        }
        Ok(())
    }

    pub async fn event(
        &mut self,
        kind: &str,
        object_type: &str,
        object_id: &str,
        payload: prost_types::Any,
    ) -> Result<(), Error> {
        outbox::append(
            self.tx,
            self.backend,
            self.now.timestamp_millis(),
            NewEvent {
                kind: kind.into(),
                object_type: object_type.into(),
                object_id: object_id.into(),
                payload,
            },
        )
        .await?;
        Ok(())
    }

    pub async fn audit(
        &mut self,
        object_type: &str,
        object_id: &str,
        action: &str,
        change_json: String,
    ) -> Result<(), Error> {
        audit::record(
            self.tx,
            Change {
                object_type,
                object_id,
                actor: &self.actor,
                action,
                at_ms: self.now.timestamp_millis(),
                change_json,
            },
        )
        .await
    }

    /// Issues a level that fell due, unless it was issued before; returns it when new.
    pub async fn issue(&mut self, due: &Due) -> Result<Option<Warning>, Error> {
        let warning = Warning::issue(new_id(), due, self.now);
        if !store::warnings::insert(self.tx, &warning).await? {
            return Ok(None);
        }
        self.count(&StatDelta {
            day: warning.reached_on,
            department_id: warning.department_id.clone(),
            region_code: warning.region_code.clone(),
            counts: Counts::warning(warning.level),
        });
        if warning.open {
            self.count_open(&warning, 1);
        }
        let payload = pb::WarningIssued {
            warning: Some(warning_to_proto(&warning)),
        };
        self.event(
            WARNING_ISSUED,
            "warning",
            &warning.id,
            pack("onewindow.supervision.v1.WarningIssued", &payload),
        )
        .await?;
        self.audit("warning", &warning.id, "issue", to_json(&warning)?)
            .await?;
        Ok(Some(warning))
    }

    /// Closes the open warnings of a deadline that ended.
    pub async fn close(&mut self, c: &Closure) -> Result<Vec<Warning>, Error> {
        let closed = store::warnings::close(
            self.tx,
            &c.subject_key,
            c.reason,
            c.staff_subject.as_deref(),
            self.now.timestamp_millis(),
        )
        .await?;
        for w in &closed {
            self.count_open(w, -1);
            let payload = pb::WarningClosed {
                warning: Some(warning_to_proto(w)),
            };
            self.event(
                WARNING_CLOSED,
                "warning",
                &w.id,
                pack("onewindow.supervision.v1.WarningClosed", &payload),
            )
            .await?;
            self.audit("warning", &w.id, "close", to_json(w)?).await?;
        }
        Ok(closed)
    }

    /// Records a rule's hit, unless the same hit was recorded before; returns it when new.
    pub async fn record(
        &mut self,
        hit: &RuleHit,
        severity: Severity,
        detected_on: NaiveDate,
    ) -> Result<Option<Violation>, Error> {
        let v = Violation::record(new_id(), hit, severity, detected_on, self.now);
        if !store::violations::insert(self.tx, &v).await? {
            return Ok(None);
        }
        self.count(&StatDelta {
            day: detected_on,
            department_id: v.department_id.clone(),
            region_code: v.region_code.clone(),
            counts: Counts {
                violations: 1,
                ..Counts::default()
            },
        });
        let payload = pb::ViolationRecorded {
            violation: Some(violation_to_proto(&v)),
        };
        self.event(
            VIOLATION_RECORDED,
            "violation",
            &v.id,
            pack("onewindow.supervision.v1.ViolationRecorded", &payload),
        )
        .await?;
        self.audit("violation", &v.id, "record", to_json(&v)?)
            .await?;
        Ok(Some(v))
    }
}
