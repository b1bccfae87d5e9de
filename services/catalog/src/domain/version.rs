//! The life of an item's versions. A draft changes until it is published; a published version
//! never changes except where its validity ends (a successor starts, or the item is
//! cancelled). The published versions of an item never overlap in time, so at most one is in
//! force on a date. Each command is a `plan_*` function that checks the state and returns
//! what to write, or an error naming the state and the command.

use std::fmt;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::codes::ItemId;
use super::department::Directory;
use super::error::CatalogError;
use super::item::{ItemContent, MAX_TEXT_CHARS};

const KIND: &str = "item";
const VERSION_KIND: &str = "item version";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionStatus {
    Draft,
    Published,
}

impl fmt::Display for VersionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VersionStatus::Draft => "draft",
            VersionStatus::Published => "published",
        })
    }
}

/// When a command runs: the instant (for `published_at`) and the civil date of the region
/// (for validity, which is counted in whole days).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moment {
    pub now: DateTime<Utc>,
    pub today: NaiveDate,
}

impl Moment {
    pub fn new(now: DateTime<Utc>, today: NaiveDate) -> Self {
        Self { now, today }
    }

    /// The moment in China Standard Time, which is UTC+8 all year (no daylight saving).
    pub fn in_china(now: DateTime<Utc>) -> Self {
        Self {
            now,
            today: (now + Duration::hours(8)).date_naive(),
        }
    }
}

/// One version of an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemVersion {
    pub id: ItemId,
    pub version: u32,
    pub status: VersionStatus,
    pub content: ItemContent,
    pub valid_from: Option<NaiveDate>,
    /// Exclusive; None while open-ended.
    pub valid_until: Option<NaiveDate>,
    pub published_at: Option<DateTime<Utc>>,
    /// Bumped by every change, for optimistic concurrency on drafts.
    pub revision: i64,
    /// Set on the version that ended when the item was cancelled (from `valid_until`).
    pub cancelled: bool,
    pub cancel_reason: Option<String>,
}

impl ItemVersion {
    pub fn draft(id: ItemId, version: u32, content: ItemContent) -> Self {
        Self {
            id,
            version,
            status: VersionStatus::Draft,
            content,
            valid_from: None,
            valid_until: None,
            published_at: None,
            revision: 1,
            cancelled: false,
            cancel_reason: None,
        }
    }

    /// Published, started on or before `date`, and not yet ended on it.
    pub fn in_force_on(&self, date: NaiveDate) -> bool {
        self.status == VersionStatus::Published
            && self.valid_from.is_some_and(|from| from <= date)
            && self.valid_until.is_none_or(|until| date < until)
    }

    pub fn is_open_ended(&self) -> bool {
        self.status == VersionStatus::Published && self.valid_until.is_none()
    }

    /// The version's name in errors: `11140200MB0000001X010172001000 v2`.
    pub fn label(&self) -> String {
        format!("{} v{}", self.id, self.version)
    }
}

/// A change to write: what the store does, and what [`VersionPlan::apply`] does in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionChange {
    /// A draft becomes published with this validity.
    Publish {
        item_id: ItemId,
        version: u32,
        valid_from: NaiveDate,
        valid_until: Option<NaiveDate>,
        published_at: DateTime<Utc>,
    },
    /// A new version, published at once (adjustment batches). Boxed: it is far larger
    /// than the other changes.
    Insert(Box<ItemVersion>),
    /// A published version ends where its successor starts.
    End {
        item_id: ItemId,
        version: u32,
        valid_until: NaiveDate,
    },
    /// A published version ends because the item is cancelled.
    Cancel {
        item_id: ItemId,
        version: u32,
        valid_until: NaiveDate,
        reason: String,
    },
}

impl VersionChange {
    pub fn item_id(&self) -> &ItemId {
        match self {
            VersionChange::Publish { item_id, .. }
            | VersionChange::End { item_id, .. }
            | VersionChange::Cancel { item_id, .. } => item_id,
            VersionChange::Insert(v) => &v.id,
        }
    }

    /// Applies the change to the versions of its item; each changed version's revision moves on.
    pub fn apply(&self, versions: &mut Vec<ItemVersion>) {
        let find = |versions: &mut Vec<ItemVersion>, n: u32| -> Option<usize> {
            versions.iter().position(|v| v.version == n)
        };
        match self {
            VersionChange::Insert(v) => versions.push(v.as_ref().clone()),
            VersionChange::Publish {
                version,
                valid_from,
                valid_until,
                published_at,
                ..
            } => {
                if let Some(i) = find(versions, *version) {
                    let v = &mut versions[i];
                    v.status = VersionStatus::Published;
                    v.valid_from = Some(*valid_from);
                    v.valid_until = *valid_until;
                    v.published_at = Some(*published_at);
                    v.revision += 1;
                }
            }
            VersionChange::End {
                version,
                valid_until,
                ..
            } => {
                if let Some(i) = find(versions, *version) {
                    versions[i].valid_until = Some(*valid_until);
                    versions[i].revision += 1;
                }
            }
            VersionChange::Cancel {
                version,
                valid_until,
                reason,
                ..
            } => {
                if let Some(i) = find(versions, *version) {
                    let v = &mut versions[i];
                    v.valid_until = Some(*valid_until);
                    v.cancelled = true;
                    v.cancel_reason = Some(reason.clone());
                    v.revision += 1;
                }
            }
        }
    }
}

/// The changes one command makes to one item's versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionPlan {
    pub changes: Vec<VersionChange>,
}

impl VersionPlan {
    pub fn apply(&self, versions: &mut Vec<ItemVersion>) {
        for change in &self.changes {
            change.apply(versions);
        }
    }
}

/// The number the next version of the item gets: one more than any so far.
pub fn next_version_number(versions: &[ItemVersion]) -> u32 {
    versions.iter().map(|v| v.version).max().unwrap_or(0) + 1
}

pub fn current_draft(versions: &[ItemVersion]) -> Option<&ItemVersion> {
    versions.iter().find(|v| v.status == VersionStatus::Draft)
}

pub fn version_in_force(versions: &[ItemVersion], date: NaiveDate) -> Option<&ItemVersion> {
    versions.iter().find(|v| v.in_force_on(date))
}

/// The published version that starts last.
pub fn latest_published(versions: &[ItemVersion]) -> Option<&ItemVersion> {
    versions
        .iter()
        .filter(|v| v.status == VersionStatus::Published)
        .max_by_key(|v| (v.valid_from, v.version))
}

/// An item is cancelled once a cancellation has been planned, even one that takes effect later.
pub fn is_cancelled(versions: &[ItemVersion]) -> bool {
    versions.iter().any(|v| v.cancelled)
}

/// Starts a draft: version 1 of a new item or the next version of an existing one.
pub fn plan_create_draft(
    id: &ItemId,
    versions: &[ItemVersion],
    content: ItemContent,
    directory: &Directory,
) -> Result<ItemVersion, CatalogError> {
    if is_cancelled(versions) {
        return Err(CatalogError::illegal(KIND, id, "cancelled", "create draft"));
    }
    if let Some(draft) = current_draft(versions) {
        return Err(CatalogError::illegal(
            KIND,
            id,
            format!("in draft as version {}", draft.version),
            "create draft",
        ));
    }
    CatalogError::check(content.validate(id, directory))?;
    Ok(ItemVersion::draft(
        id.clone(),
        next_version_number(versions),
        content,
    ))
}

/// Replaces a draft's content, if the client saw its current revision.
pub fn plan_update_draft(
    current: &ItemVersion,
    expected_revision: i64,
    content: ItemContent,
    directory: &Directory,
) -> Result<ItemVersion, CatalogError> {
    if current.status != VersionStatus::Draft {
        return Err(CatalogError::illegal(
            VERSION_KIND,
            current.label(),
            current.status.to_string(),
            "update draft",
        ));
    }
    if current.revision != expected_revision {
        return Err(CatalogError::Stale {
            kind: VERSION_KIND,
            id: current.label(),
            expected: expected_revision,
            actual: current.revision,
        });
    }
    CatalogError::check(content.validate(&current.id, directory))?;
    Ok(ItemVersion {
        content,
        revision: current.revision + 1,
        ..current.clone()
    })
}

/// Where a new version starting on `from` fits: published versions must all start before it;
/// the one still running on `from` (or open-ended) must end then. Err is why it does not fit.
pub(crate) fn succession(
    versions: &[ItemVersion],
    from: NaiveDate,
) -> Result<Option<VersionChange>, String> {
    let published = || {
        versions
            .iter()
            .filter(|v| v.status == VersionStatus::Published)
    };
    if let Some(later) = published().find(|v| v.valid_from.is_some_and(|f| f >= from)) {
        return Err(format!(
            "overlaps version {} valid from {}",
            later.version,
            later.valid_from.map_or_else(String::new, |d| d.to_string())
        ));
    }
    Ok(published()
        .find(|v| v.valid_until.is_none_or(|until| until > from))
        .map(|v| VersionChange::End {
            item_id: v.id.clone(),
            version: v.version,
            valid_until: from,
        }))
}

/// Publishes a draft from `valid_from` (until `valid_until`, exclusive, or open-ended); the
/// version in force before it ends where it starts.
pub fn plan_publish(
    id: &ItemId,
    versions: &[ItemVersion],
    version: u32,
    valid_from: NaiveDate,
    valid_until: Option<NaiveDate>,
    directory: &Directory,
    at: Moment,
) -> Result<VersionPlan, CatalogError> {
    let draft = versions
        .iter()
        .find(|v| v.version == version)
        .ok_or_else(|| CatalogError::not_found(VERSION_KIND, format!("{id} v{version}")))?;
    if draft.status != VersionStatus::Draft {
        return Err(CatalogError::illegal(
            VERSION_KIND,
            draft.label(),
            draft.status.to_string(),
            "publish",
        ));
    }
    if is_cancelled(versions) {
        return Err(CatalogError::illegal(KIND, id, "cancelled", "publish"));
    }
    if valid_from < at.today {
        return Err(CatalogError::invalid(
            "valid_from",
            format!("must not be before today ({})", at.today),
        ));
    }
    if let Some(until) = valid_until {
        if until <= valid_from {
            return Err(CatalogError::invalid(
                "valid_until",
                format!("must be after valid_from ({valid_from})"),
            ));
        }
    }
    // The directory may have changed since the draft was saved.
    CatalogError::check(draft.content.validate(id, directory))?;
    let ended =
        succession(versions, valid_from).map_err(|e| CatalogError::invalid("valid_from", e))?;
    let mut changes: Vec<VersionChange> = ended.into_iter().collect();
    changes.push(VersionChange::Publish {
        item_id: id.clone(),
        version,
        valid_from,
        valid_until,
        published_at: at.now,
    });
    Ok(VersionPlan { changes })
}

/// Cancels an item (取消) from `effective_date`: its last published version ends then.
pub fn plan_cancel(
    id: &ItemId,
    versions: &[ItemVersion],
    effective_date: NaiveDate,
    reason: &str,
    at: Moment,
) -> Result<VersionPlan, CatalogError> {
    if versions.is_empty() {
        return Err(CatalogError::not_found(KIND, id));
    }
    if is_cancelled(versions) {
        return Err(CatalogError::illegal(KIND, id, "cancelled", "cancel"));
    }
    if reason.trim().is_empty() {
        return Err(CatalogError::invalid("reason", "must not be empty"));
    }
    if reason.chars().count() > MAX_TEXT_CHARS {
        return Err(CatalogError::invalid(
            "reason",
            format!("must be at most {MAX_TEXT_CHARS} characters"),
        ));
    }
    if effective_date < at.today {
        return Err(CatalogError::invalid(
            "effective_date",
            format!("must not be before today ({})", at.today),
        ));
    }
    let last = latest_published(versions)
        .ok_or_else(|| CatalogError::illegal(KIND, id, "never published", "cancel"))?;
    if last.valid_from.is_some_and(|from| from >= effective_date) {
        // The version would end before it began; cancel from a later date instead.
        return Err(CatalogError::invalid(
            "effective_date",
            format!(
                "must be after the start of version {} ({})",
                last.version,
                last.valid_from.map_or_else(String::new, |d| d.to_string())
            ),
        ));
    }
    if last
        .valid_until
        .is_some_and(|until| until <= effective_date)
    {
        return Err(CatalogError::illegal(
            KIND,
            id,
            format!("not in force on {effective_date}"),
            "cancel",
        ));
    }
    Ok(VersionPlan {
        changes: vec![VersionChange::Cancel {
            item_id: id.clone(),
            version: last.version,
            valid_until: effective_date,
            reason: reason.trim().to_string(),
        }],
    })
}

#[cfg(test)]
#[path = "version_tests.rs"]
mod tests;
