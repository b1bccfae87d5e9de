//! Adjustment batches and bundles between the contract and the domain.

use onewindow_kit::error::Violations;
use onewindow_proto::catalog::v1 as pb;

use super::{
    adjustment_action, append, bundle_status, code, content_from_proto, content_to_proto, count,
    date, finish, format_date, from_timestamp, item_level, optional, required, timestamp, to_i32,
};
use crate::domain::batch::{ActionCount, Adjustment, AdjustmentBatch, AdjustmentEntry};
use crate::domain::bundle::{Bundle, BundleStage, BundleStatus, SharedMaterial};
use crate::domain::codes::{DepartmentId, ItemId, RegionCode};
use crate::domain::AdjustmentAction;

fn entry_from_proto(
    e: &pb::AdjustmentEntry,
    at: &str,
    v: &mut Violations,
) -> Option<AdjustmentEntry> {
    let action = required(e.action, &format!("{at}.action"), v, adjustment_action)?;
    let item_id_field = format!("{at}.item_id");
    let item_id = |v: &mut Violations| code(&e.item_id, &item_id_field, v, ItemId::parse);
    let content = |v: &mut Violations| match &e.item {
        None => {
            v.add(
                format!("{at}.item"),
                "must be given for an addition or a modification",
            );
            None
        }
        Some(item) => content_from_proto(item, &format!("{at}.item"))
            .map_err(|more| append(v, more))
            .ok(),
    };
    let change = match action {
        AdjustmentAction::Add => {
            // An addition names its item inside the new content.
            let id = e
                .item
                .as_ref()
                .and_then(|item| code(&item.id, &format!("{at}.item.id"), v, ItemId::parse));
            let content = content(v);
            Adjustment::Add {
                item_id: id?,
                content: content?,
            }
        }
        AdjustmentAction::Cancel => Adjustment::Cancel {
            item_id: item_id(v)?,
        },
        AdjustmentAction::Delegate => {
            let id = item_id(v);
            let to_level = required(e.to_level, &format!("{at}.to_level"), v, item_level);
            let to_region = code(
                &e.to_region_code,
                &format!("{at}.to_region_code"),
                v,
                RegionCode::parse,
            );
            Adjustment::Delegate {
                item_id: id?,
                to_level: to_level?,
                to_region: to_region?,
            }
        }
        AdjustmentAction::Modify => {
            let id = item_id(v);
            if let (Some(id), Some(item)) = (&id, &e.item) {
                v.check(
                    !item.id.is_empty() && item.id != id.as_str(),
                    format!("{at}.item.id"),
                    "must be empty or equal to item_id",
                );
            }
            let content = content(v);
            Adjustment::Modify {
                item_id: id?,
                content: content?,
            }
        }
    };
    Some(AdjustmentEntry {
        change,
        note: e.note.clone(),
    })
}

/// A batch as a client creates it (or an import carries it); paths under `prefix`.
pub fn batch_from_proto(
    b: &pb::AdjustmentBatch,
    prefix: &str,
) -> Result<AdjustmentBatch, Violations> {
    let mut v = Violations::new();
    let effective_date = date(
        &b.effective_date,
        &format!("{prefix}.effective_date"),
        &mut v,
    );
    let entries: Vec<Option<AdjustmentEntry>> = b
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| entry_from_proto(e, &format!("{prefix}.entries[{i}]"), &mut v))
        .collect();
    let applied_at = match (&b.applied_at, b.applied) {
        (Some(t), true) => from_timestamp(t, &format!("{prefix}.applied_at"), &mut v).map(Some),
        (None, true) => {
            v.add(
                format!("{prefix}.applied_at"),
                "must be set when the batch is applied",
            );
            None
        }
        (_, false) => Some(None),
    };
    let batch = (|| {
        Some(AdjustmentBatch {
            id: b.id.clone(),
            policy_reference: b.policy_reference.clone(),
            title: b.title.clone(),
            effective_date: effective_date?,
            entries: entries.into_iter().collect::<Option<Vec<_>>>()?,
            applied_at: applied_at?,
        })
    })();
    finish(v, batch)
}

impl From<&ActionCount> for pb::ActionCount {
    fn from(c: &ActionCount) -> Self {
        pb::ActionCount {
            action: pb::AdjustmentAction::from(c.action).into(),
            count: to_i32(c.count),
            to_level: c
                .to_level
                .map_or(pb::ItemLevel::Unspecified, pb::ItemLevel::from)
                .into(),
        }
    }
}

fn entry_to_proto(e: &AdjustmentEntry) -> pb::AdjustmentEntry {
    let mut out = pb::AdjustmentEntry {
        action: pb::AdjustmentAction::from(e.change.action()).into(),
        item_id: e.change.item_id().to_string(),
        note: e.note.clone(),
        ..pb::AdjustmentEntry::default()
    };
    match &e.change {
        Adjustment::Add { item_id, content } | Adjustment::Modify { item_id, content } => {
            out.item = Some(content_to_proto(item_id, content));
        }
        Adjustment::Delegate {
            to_level,
            to_region,
            ..
        } => {
            out.to_level = pb::ItemLevel::from(*to_level).into();
            out.to_region_code = to_region.to_string();
        }
        Adjustment::Cancel { .. } => {}
    }
    out
}

impl From<&AdjustmentBatch> for pb::AdjustmentBatch {
    fn from(b: &AdjustmentBatch) -> Self {
        pb::AdjustmentBatch {
            id: b.id.clone(),
            policy_reference: b.policy_reference.clone(),
            title: b.title.clone(),
            effective_date: format_date(b.effective_date),
            entries: b.entries.iter().map(entry_to_proto).collect(),
            applied: b.is_applied(),
            applied_at: b.applied_at.map(timestamp),
            counts: b.counts().iter().map(pb::ActionCount::from).collect(),
        }
    }
}

/// A bundle as a client creates it; an unspecified status is a draft (status is set by
/// publishing, not by the author).
pub fn bundle_from_proto(b: &pb::Bundle, prefix: &str) -> Result<Bundle, Violations> {
    let mut v = Violations::new();
    let f = |name: &str| format!("{prefix}.{name}");
    let lead = code(
        &b.lead_department_id,
        &f("lead_department_id"),
        &mut v,
        DepartmentId::parse,
    );
    let region = code(&b.region_code, &f("region_code"), &mut v, RegionCode::parse);
    let mut stages = Vec::new();
    for (i, s) in b.stages.iter().enumerate() {
        let item_ids: Vec<Option<ItemId>> = s
            .item_ids
            .iter()
            .enumerate()
            .map(|(j, id)| {
                code(
                    id,
                    &f(&format!("stages[{i}].item_ids[{j}]")),
                    &mut v,
                    ItemId::parse,
                )
            })
            .collect();
        stages.push(
            item_ids
                .into_iter()
                .collect::<Option<Vec<_>>>()
                .map(|item_ids| BundleStage {
                    name: s.name.clone(),
                    item_ids,
                }),
        );
    }
    let promised = count(b.promised_limit_days, &f("promised_limit_days"), &mut v);
    let status = optional(b.status, &f("status"), &mut v, bundle_status);
    let published_at = match &b.published_at {
        Some(t) => from_timestamp(t, &f("published_at"), &mut v).map(Some),
        None => Some(None),
    };
    let bundle = (|| {
        Some(Bundle {
            id: b.id.clone(),
            name: b.name.clone(),
            description: b.description.clone(),
            lead_department_id: lead?,
            region_code: region?,
            stages: stages.into_iter().collect::<Option<Vec<_>>>()?,
            shared_materials: b
                .shared_materials
                .iter()
                .map(|m| SharedMaterial {
                    id: m.id.clone(),
                    name: m.name.clone(),
                    required: m.required,
                })
                .collect(),
            promised_limit_days: promised?,
            status: status.unwrap_or(BundleStatus::Draft),
            published_at: published_at?,
        })
    })();
    finish(v, bundle)
}

/// A bundle as the contract shows it, with the departments taking part (output only).
pub fn bundle_to_proto(b: &Bundle, department_ids: &[DepartmentId]) -> pb::Bundle {
    pb::Bundle {
        id: b.id.clone(),
        name: b.name.clone(),
        description: b.description.clone(),
        lead_department_id: b.lead_department_id.to_string(),
        region_code: b.region_code.to_string(),
        stages: b
            .stages
            .iter()
            .map(|s| pb::BundleStage {
                name: s.name.clone(),
                item_ids: s.item_ids.iter().map(ToString::to_string).collect(),
            })
            .collect(),
        shared_materials: b
            .shared_materials
            .iter()
            .map(|m| pb::SharedMaterial {
                id: m.id.clone(),
                name: m.name.clone(),
                required: m.required,
            })
            .collect(),
        promised_limit_days: to_i32(b.promised_limit_days),
        status: pb::BundleStatus::from(b.status).into(),
        published_at: b.published_at.map(timestamp),
        department_ids: department_ids.iter().map(ToString::to_string).collect(),
    }
}
