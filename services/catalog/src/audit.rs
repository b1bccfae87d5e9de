//! The audit entries of the catalog's writes that change many objects at once: an adjustment
//! batch and an import. Each object changed gets its own entry on its own chain, with the
//! change the single-object commands record plus the batch or the import it came from.

use std::collections::HashMap;

use onewindow_kit::error::{to_json, Error};
use onewindow_kit::unit_of_work::UnitOfWork;
use serde::Serialize;
use serde_json::{json, Value};

use crate::domain::{
    Adjustment, AdjustmentBatch, AdjustmentEntry, BatchPlan, ItemId, ItemVersion, VersionChange,
};

pub(crate) const ITEM: &str = "item";
pub(crate) const BUNDLE: &str = "bundle";
pub(crate) const DEPARTMENT: &str = "department";
pub(crate) const BATCH: &str = "adjustment_batch";
pub(crate) const CALENDAR: &str = "calendar";

/// The action of an imported object's entry, whatever it is.
const IMPORT: &str = "import";

/// How a version change reads on its item's trail: a version published at once is recorded
/// as `publish` and a cancellation as `cancel`, like the single-item commands; a version
/// closed by its successor is `end`.
fn version_action(change: &VersionChange) -> &'static str {
    match change {
        VersionChange::Insert(_) | VersionChange::Publish { .. } => "publish",
        VersionChange::Cancel { .. } => "cancel",
        VersionChange::End { .. } => "end",
    }
}

fn changed_version(change: &VersionChange) -> u32 {
    match change {
        VersionChange::Insert(v) => v.version,
        VersionChange::Publish { version, .. }
        | VersionChange::End { version, .. }
        | VersionChange::Cancel { version, .. } => *version,
    }
}

/// `value` as the single-object commands record it, with `source` under `key`: where the
/// change came from. A value that is not a JSON object goes under `value`.
fn change_from(value: &impl Serialize, key: &str, source: &Value) -> Result<String, Error> {
    let mut change = serde_json::to_value(value).map_err(Error::internal)?;
    match &mut change {
        Value::Object(fields) => {
            fields.insert(key.to_string(), source.clone());
        }
        other => {
            change = json!({ "value": other.take(), key: source });
        }
    }
    to_json(&change)
}

/// The batch and its entry, as named in an item's entry.
fn batch_source(batch: &AdjustmentBatch, entry: Option<&AdjustmentEntry>) -> Value {
    let mut source = json!({
        "id": batch.id,
        "policy_reference": batch.policy_reference,
        "title": batch.title,
        "effective_date": batch.effective_date,
    });
    if let (Some(entry), Value::Object(fields)) = (entry, &mut source) {
        fields.insert("adjustment".into(), json!(entry.change.action()));
        if !entry.note.is_empty() {
            fields.insert("note".into(), json!(entry.note));
        }
    }
    source
}

/// Records an applied batch: on each item's trail every version the batch created or changed
/// (`versions` as they are after the plan), with the batch and the entry that did it; on the
/// batch's own trail what each entry did to which versions, and the counts.
pub(crate) async fn record_batch(
    uow: &mut UnitOfWork,
    batch: &AdjustmentBatch,
    plan: &BatchPlan,
    versions: &HashMap<ItemId, Vec<ItemVersion>>,
) -> Result<(), Error> {
    let entry_of: HashMap<&ItemId, &AdjustmentEntry> = batch
        .entries
        .iter()
        .map(|e| (e.change.item_id(), e))
        .collect();
    let mut touched: HashMap<&ItemId, Vec<Value>> = HashMap::new();
    for change in &plan.changes {
        let id = change.item_id();
        let number = changed_version(change);
        let version = versions
            .get(id)
            .and_then(|vs| vs.iter().find(|v| v.version == number))
            .ok_or_else(|| {
                Error::internal(anyhow::anyhow!(
                    "batch {} changed {id} v{number}, which the plan did not leave",
                    batch.id
                ))
            })?;
        let action = version_action(change);
        let source = batch_source(batch, entry_of.get(id).copied());
        uow.audit(
            ITEM,
            id.as_str(),
            action,
            change_from(version, BATCH, &source)?,
        )
        .await?;
        touched
            .entry(id)
            .or_default()
            .push(json!({ "version": number, "action": action }));
    }
    let entries: Vec<Value> = batch
        .entries
        .iter()
        .map(|e| {
            let id = e.change.item_id();
            let mut out = json!({
                "adjustment": e.change.action(),
                "item_id": id,
                "versions": touched.remove(id).unwrap_or_default(),
            });
            if let (
                Adjustment::Delegate {
                    to_level,
                    to_region,
                    ..
                },
                Value::Object(fields),
            ) = (&e.change, &mut out)
            {
                fields.insert("to_level".into(), json!(to_level));
                fields.insert("to_region_code".into(), json!(to_region));
            }
            out
        })
        .collect();
    let counts: Vec<Value> = batch
        .counts()
        .iter()
        .map(|c| {
            let mut out = json!({ "adjustment": c.action, "count": c.count });
            if let (Some(level), Value::Object(fields)) = (c.to_level, &mut out) {
                fields.insert("to_level".into(), json!(level));
            }
            out
        })
        .collect();
    let change = json!({
        "policy_reference": batch.policy_reference,
        "title": batch.title,
        "effective_date": batch.effective_date,
        "applied_at": batch.applied_at,
        "counts": counts,
        "entries": entries,
    });
    uow.audit(BATCH, &batch.id, "apply", change.to_string())
        .await
}

/// Names an import in the entries of the objects it loads: the request it came with.
pub(crate) fn import_source(request_id: &str) -> Value {
    json!({ "request_id": request_id })
}

/// Records an object an import created or changed, on that object's own trail.
pub(crate) async fn record_imported(
    uow: &mut UnitOfWork,
    object_type: &str,
    object_id: &str,
    value: &impl Serialize,
    source: &Value,
) -> Result<(), Error> {
    let change = change_from(value, IMPORT, source)?;
    uow.audit(object_type, object_id, IMPORT, change).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn the_source_joins_the_objects_own_fields_or_wraps_a_plain_value() {
        let source = import_source("demo-catalog");
        let object: Value =
            serde_json::from_str(&change_from(&json!({ "id": "b1" }), IMPORT, &source).unwrap())
                .unwrap();
        assert_eq!(object["id"], "b1");
        assert_eq!(object["import"]["request_id"], "demo-catalog");
        let plain: Value =
            serde_json::from_str(&change_from(&"year = 2027", IMPORT, &source).unwrap()).unwrap();
        assert_eq!(plain["value"], "year = 2027");
        assert_eq!(plain["import"], source);
    }
}
