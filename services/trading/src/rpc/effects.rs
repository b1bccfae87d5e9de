//! Writing a decision: the project (only if still at the revision it was decided from), its
//! events and its audit entries, in the caller's transaction. Requests and the chronograph
//! both come through here.

use chrono::{DateTime, Utc};
use onewindow_kit::audit::{self, Change};
use onewindow_kit::db::{millis, Backend, Tx};
use onewindow_kit::error::Error;
use serde_json::{json, Value};

use super::events;
use crate::domain::{Decision, Project};
use crate::store;

/// The chronograph's name in audit trails: moves made by time, whoever's request found them.
pub const CHRONOGRAPH: &str = "system:chronograph";

/// An audit entry of the command itself.
pub struct Audit<'a> {
    pub object_type: &'a str,
    pub object_id: &'a str,
    pub action: &'a str,
    /// Facts of the command; never a sealed price, document or a bidder before opening.
    pub detail: Value,
}

pub async fn persist(
    tx: &mut Tx,
    backend: Backend,
    before: &Project,
    d: &Decision,
    actor: &str,
    audit: Option<Audit<'_>>,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let p = &d.project;
    if d.changed(before) && !store::update_project(tx, p, before.revision).await? {
        return Err(Error::Aborted {
            kind: "project",
            id: p.id.clone(),
            expected: before.revision,
            actual: before.revision + 1,
        });
    }
    let at_ms = millis(now);
    for e in &d.timed {
        events::append(tx, backend, at_ms, p, e).await?;
    }
    if !d.timed.is_empty() {
        let names: Vec<&str> = d.timed.iter().map(events::label).collect();
        audit::record(
            tx,
            Change {
                object_type: "project",
                object_id: &p.id,
                actor: CHRONOGRAPH,
                action: "advance",
                at_ms,
                change_json: json!({ "events": names, "state": p.state.as_str() }).to_string(),
            },
        )
        .await?;
    }
    for e in &d.events {
        events::append(tx, backend, at_ms, p, e).await?;
    }
    if let Some(a) = audit {
        let names: Vec<&str> = d.events.iter().map(events::label).collect();
        let change = json!({
            "state": p.state.as_str(),
            "revision": p.revision,
            "events": names,
            "detail": a.detail,
        });
        audit::record(
            tx,
            Change {
                object_type: a.object_type,
                object_id: a.object_id,
                actor,
                action: a.action,
                at_ms,
                change_json: change.to_string(),
            },
        )
        .await?;
    }
    Ok(())
}
