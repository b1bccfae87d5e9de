//! Adjustment batches: a policy document that adds, cancels, delegates (下放) or modifies many
//! items at once from one effective date. A batch applies whole or not at all, and only once.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use onewindow_kit::error::Violations;
use serde::{Deserialize, Serialize};

use super::codes::{ItemId, RegionCode};
use super::department::Directory;
use super::error::CatalogError;
use super::item::{ItemContent, ItemLevel, MAX_NAME_CHARS, MAX_TEXT_CHARS};
use super::version::{
    current_draft, is_cancelled, next_version_number, plan_cancel, succession, version_in_force,
    ItemVersion, Moment, VersionChange, VersionStatus,
};

const KIND: &str = "adjustment batch";

/// The most entries of one batch: a city's yearly adjustment touches some hundreds of items.
pub const MAX_ENTRIES: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdjustmentAction {
    Add,
    Cancel,
    Delegate,
    Modify,
}

impl AdjustmentAction {
    pub fn chinese(self) -> &'static str {
        match self {
            AdjustmentAction::Add => "新增",
            AdjustmentAction::Cancel => "取消",
            AdjustmentAction::Delegate => "下放",
            AdjustmentAction::Modify => "调整",
        }
    }
}

/// What one entry of a batch does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Adjustment {
    Add {
        item_id: ItemId,
        content: ItemContent,
    },
    Cancel {
        item_id: ItemId,
    },
    /// The item goes down to a lower level and that level's region.
    Delegate {
        item_id: ItemId,
        to_level: ItemLevel,
        to_region: RegionCode,
    },
    Modify {
        item_id: ItemId,
        content: ItemContent,
    },
}

impl Adjustment {
    pub fn action(&self) -> AdjustmentAction {
        match self {
            Adjustment::Add { .. } => AdjustmentAction::Add,
            Adjustment::Cancel { .. } => AdjustmentAction::Cancel,
            Adjustment::Delegate { .. } => AdjustmentAction::Delegate,
            Adjustment::Modify { .. } => AdjustmentAction::Modify,
        }
    }

    pub fn item_id(&self) -> &ItemId {
        match self {
            Adjustment::Add { item_id, .. }
            | Adjustment::Cancel { item_id }
            | Adjustment::Delegate { item_id, .. }
            | Adjustment::Modify { item_id, .. } => item_id,
        }
    }

    /// Where the item's id sits in the request: inside the new item for an addition.
    fn item_id_field(&self, entry: &str) -> String {
        match self {
            Adjustment::Add { .. } => format!("{entry}.item.id"),
            _ => format!("{entry}.item_id"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdjustmentEntry {
    pub change: Adjustment,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdjustmentBatch {
    pub id: String,
    /// The policy document, e.g. 同政发〔2013〕60号.
    pub policy_reference: String,
    pub title: String,
    pub effective_date: NaiveDate,
    pub entries: Vec<AdjustmentEntry>,
    pub applied_at: Option<DateTime<Utc>>,
}

/// How many entries do one thing; delegations are counted per level they go down to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionCount {
    pub action: AdjustmentAction,
    pub to_level: Option<ItemLevel>,
    pub count: u32,
}

impl AdjustmentBatch {
    pub fn is_applied(&self) -> bool {
        self.applied_at.is_some()
    }

    /// Every rule the batch breaks on its own (without the current catalog), paths under `batch.`.
    pub fn validate(&self, directory: &Directory) -> Violations {
        let mut v = Violations::new();
        v.check_items(self.entries.len(), MAX_ENTRIES, "batch.entries");
        v.check(
            self.title.trim().is_empty(),
            "batch.title",
            "must not be empty",
        );
        v.check_chars(&self.title, MAX_NAME_CHARS, "batch.title");
        v.check(
            self.policy_reference.trim().is_empty(),
            "batch.policy_reference",
            "must name the policy document",
        );
        v.check_chars(
            &self.policy_reference,
            MAX_NAME_CHARS,
            "batch.policy_reference",
        );
        v.check(
            self.entries.is_empty(),
            "batch.entries",
            "must have at least one entry",
        );
        let mut first_entry: HashMap<&ItemId, usize> = HashMap::new();
        for (i, entry) in self.entries.iter().enumerate() {
            let at = format!("batch.entries[{i}]");
            v.check_chars(&entry.note, MAX_TEXT_CHARS, format!("{at}.note"));
            let change = &entry.change;
            if let Some(first) = first_entry.get(change.item_id()) {
                v.add(
                    change.item_id_field(&at),
                    format!("item is already in entry {first}"),
                );
            } else {
                first_entry.insert(change.item_id(), i);
            }
            match change {
                Adjustment::Add { item_id, content } | Adjustment::Modify { item_id, content } => {
                    let nested = content.violations_at(&format!("{at}.item"), item_id, directory);
                    for f in nested.as_slice() {
                        v.add(f.field.clone(), f.description.clone());
                    }
                }
                Adjustment::Delegate { to_region, .. } => v.check(
                    !directory.has_region(to_region),
                    format!("{at}.to_region_code"),
                    format!("region {to_region} is not known"),
                ),
                Adjustment::Cancel { .. } => {}
            }
        }
        v
    }

    /// The entries counted per action, delegations per level, in a stable order.
    pub fn counts(&self) -> Vec<ActionCount> {
        let mut counts: BTreeMap<(AdjustmentAction, Option<ItemLevel>), u32> = BTreeMap::new();
        for entry in &self.entries {
            let level = match &entry.change {
                Adjustment::Delegate { to_level, .. } => Some(*to_level),
                _ => None,
            };
            *counts.entry((entry.change.action(), level)).or_default() += 1;
        }
        counts
            .into_iter()
            .map(|((action, to_level), count)| ActionCount {
                action,
                to_level,
                count,
            })
            .collect()
    }
}

/// What applying a batch writes, in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchPlan {
    pub changes: Vec<VersionChange>,
    pub applied_at: DateTime<Utc>,
}

impl BatchPlan {
    pub fn apply(&self, versions: &mut HashMap<ItemId, Vec<ItemVersion>>) {
        for change in &self.changes {
            change.apply(versions.entry(change.item_id().clone()).or_default());
        }
    }
}

/// Plans every entry of `batch` against the current versions of the items; any problem
/// stops the whole batch, with each problem named at its entry.
pub fn plan_apply(
    batch: &AdjustmentBatch,
    current: &HashMap<ItemId, Vec<ItemVersion>>,
    directory: &Directory,
    at: Moment,
) -> Result<BatchPlan, CatalogError> {
    if batch.is_applied() {
        return Err(CatalogError::illegal(KIND, &batch.id, "applied", "apply"));
    }
    let mut v = batch.validate(directory);
    let day = batch.effective_date;
    if day < at.today {
        v.add(
            "batch.effective_date",
            format!("must not be before today ({})", at.today),
        );
        return Err(CatalogError::Invalid(v));
    }
    let mut changes = Vec::new();
    for (i, entry) in batch.entries.iter().enumerate() {
        let at_entry = format!("batch.entries[{i}]");
        let field = entry.change.item_id_field(&at_entry);
        match plan_entry(batch, entry, current, directory, at) {
            Ok(mut planned) => changes.append(&mut planned),
            Err(EntryProblem::At(suffix, why)) => v.add(format!("{at_entry}.{suffix}"), why),
            Err(EntryProblem::Item(why)) => v.add(field, why),
        }
    }
    CatalogError::check(v)?;
    Ok(BatchPlan {
        changes,
        applied_at: at.now,
    })
}

/// Why one entry cannot apply: at a named field of the entry, or at its item id.
enum EntryProblem {
    At(&'static str, String),
    Item(String),
}

fn plan_entry(
    batch: &AdjustmentBatch,
    entry: &AdjustmentEntry,
    current: &HashMap<ItemId, Vec<ItemVersion>>,
    directory: &Directory,
    at: Moment,
) -> Result<Vec<VersionChange>, EntryProblem> {
    let day = batch.effective_date;
    let id = entry.change.item_id();
    let versions = current.get(id).map(Vec::as_slice).unwrap_or_default();
    let new_version = |version: u32, content: ItemContent| ItemVersion {
        status: VersionStatus::Published,
        valid_from: Some(day),
        published_at: Some(at.now),
        ..ItemVersion::draft(id.clone(), version, content)
    };
    if let Adjustment::Add { content, .. } = &entry.change {
        if !versions.is_empty() {
            return Err(EntryProblem::Item("item already exists".into()));
        }
        return Ok(vec![VersionChange::Insert(Box::new(new_version(
            1,
            content.clone(),
        )))]);
    }
    if versions.is_empty() {
        return Err(EntryProblem::Item("item not found".into()));
    }
    if let Adjustment::Cancel { .. } = &entry.change {
        let reason = if entry.note.trim().is_empty() {
            &batch.policy_reference
        } else {
            &entry.note
        };
        return plan_cancel(id, versions, day, reason, at)
            .map(|plan| plan.changes)
            .map_err(|e| EntryProblem::Item(e.describe()));
    }
    if is_cancelled(versions) {
        return Err(EntryProblem::Item("item is cancelled".into()));
    }
    if let Some(draft) = current_draft(versions) {
        // A draft written against the old content would undo this change when published.
        return Err(EntryProblem::Item(format!(
            "item has an open draft (version {}); publish it first",
            draft.version
        )));
    }
    let base = version_in_force(versions, day)
        .ok_or_else(|| EntryProblem::Item(format!("item is not in force on {day}")))?;
    let content = match &entry.change {
        Adjustment::Delegate {
            to_level,
            to_region,
            ..
        } => {
            // Levels are ordered from the top down, so a delegation goes to a greater one.
            if *to_level <= base.content.level {
                return Err(EntryProblem::At(
                    "to_level",
                    format!(
                        "must be below the item's level ({})",
                        base.content.level.as_str()
                    ),
                ));
            }
            let mut content = base.content.clone();
            content.level = *to_level;
            content.region_code = to_region.clone();
            let problems = content.violations_at("item", id, directory);
            if !problems.is_empty() {
                return Err(EntryProblem::Item(
                    CatalogError::Invalid(problems).describe(),
                ));
            }
            content
        }
        Adjustment::Modify { content, .. } => content.clone(),
        Adjustment::Add { .. } | Adjustment::Cancel { .. } => return Ok(vec![]),
    };
    let ended = succession(versions, day).map_err(EntryProblem::Item)?;
    let mut changes: Vec<VersionChange> = ended.into_iter().collect();
    changes.push(VersionChange::Insert(Box::new(new_version(
        next_version_number(versions),
        content,
    ))));
    Ok(changes)
}

#[cfg(test)]
#[path = "batch_tests.rs"]
mod tests;
