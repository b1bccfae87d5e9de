//! The catalog as it stands on a date, held in memory: what the public search, the
//! statistics and the export read. A city's catalog is a few thousand versions at most, so
//! filtering in memory is simpler and fast enough.

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::NaiveDate;

use super::bundle::Bundle;
use super::codes::{DepartmentId, ItemId, RegionCode};
use super::department::Directory;
use super::error::CatalogError;
use super::item::{ItemClass, ItemType, ServiceMode};
use super::version::{ItemVersion, VersionStatus};

pub const DEFAULT_PAGE_SIZE: u32 = 50;
pub const MAX_PAGE_SIZE: u32 = 500;

/// Which versions a search looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusFilter {
    /// The version of each item in force on the view's date.
    #[default]
    InForce,
    /// Every draft.
    Draft,
    /// The versions that ended, or will end, by a cancellation.
    Cancelled,
    /// One version per item: the one in force, else the latest.
    All,
}

impl StatusFilter {
    /// `in_force` (also the empty string), `draft`, `cancelled` or `all`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "" | "in_force" => Some(StatusFilter::InForce),
            "draft" => Some(StatusFilter::Draft),
            "cancelled" => Some(StatusFilter::Cancelled),
            "all" => Some(StatusFilter::All),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListQuery {
    /// Case-insensitive substring of the name, the department's name or a keyword.
    pub query: String,
    pub department_id: Option<DepartmentId>,
    pub item_type: Option<ItemType>,
    pub item_class: Option<ItemClass>,
    pub service_mode: Option<ServiceMode>,
    /// The division and the divisions within it (a city's search shows its counties' items).
    pub region_code: Option<RegionCode>,
    pub status: StatusFilter,
    /// 0 for the default; above the maximum is cut to the maximum.
    pub page_size: u32,
    pub page_token: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub items: Vec<ItemVersion>,
    pub next_page_token: Option<String>,
    pub total_size: usize,
}

/// The page size a request gets: the default for 0, at most the maximum (as AIP-158 asks,
/// an oversized request is cut rather than refused).
fn page_size(requested: u32) -> usize {
    let size = match requested {
        0 => DEFAULT_PAGE_SIZE,
        n => n.min(MAX_PAGE_SIZE),
    };
    usize::try_from(size).unwrap_or(usize::MAX)
}

/// An opaque continuation token: the offset, so that pages stay stable while the data does.
fn encode_token(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("offset:{offset}"))
}

fn decode_token(token: &str) -> Result<usize, CatalogError> {
    if token.is_empty() {
        return Ok(0);
    }
    URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix("offset:")?.parse().ok())
        .ok_or_else(|| CatalogError::invalid("page_token", "is not a token this service issued"))
}

/// The catalog on one date.
#[derive(Debug, Clone, Default)]
pub struct CatalogView {
    date: NaiveDate,
    directory: Directory,
    versions: BTreeMap<ItemId, Vec<ItemVersion>>,
    in_force: Vec<ItemVersion>,
    bundles: Vec<Bundle>,
}

/// The order of every listing: by department, then by item, then by version.
fn order(a: &ItemVersion, b: &ItemVersion) -> std::cmp::Ordering {
    (&a.content.department_id, &a.id, a.version).cmp(&(&b.content.department_id, &b.id, b.version))
}

impl CatalogView {
    /// Builds the view from every version of every item (drafts and history included).
    pub fn build(
        date: NaiveDate,
        versions: impl IntoIterator<Item = ItemVersion>,
        directory: Directory,
        bundles: Vec<Bundle>,
    ) -> Self {
        let mut by_item: BTreeMap<ItemId, Vec<ItemVersion>> = BTreeMap::new();
        for v in versions {
            by_item.entry(v.id.clone()).or_default().push(v);
        }
        for list in by_item.values_mut() {
            list.sort_by_key(|v| v.version);
        }
        let mut in_force: Vec<ItemVersion> = by_item
            .values()
            .filter_map(|list| list.iter().find(|v| v.in_force_on(date)).cloned())
            .collect();
        in_force.sort_by(order);
        Self {
            date,
            directory,
            versions: by_item,
            in_force,
            bundles,
        }
    }

    pub fn date(&self) -> NaiveDate {
        self.date
    }

    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    /// The items in force on the view's date, by department then id.
    pub fn items(&self) -> &[ItemVersion] {
        &self.in_force
    }

    pub fn item(&self, id: &ItemId) -> Option<&ItemVersion> {
        self.versions
            .get(id)
            .and_then(|list| list.iter().find(|v| v.in_force_on(self.date)))
    }

    /// Every version of an item, oldest first.
    pub fn versions_of(&self, id: &ItemId) -> &[ItemVersion] {
        self.versions.get(id).map(Vec::as_slice).unwrap_or_default()
    }

    pub fn bundles(&self) -> &[Bundle] {
        &self.bundles
    }

    /// The department holding an item in force: the lookup bundles are checked with.
    pub fn department_of(&self, id: &ItemId) -> Option<DepartmentId> {
        self.item(id).map(|v| v.content.department_id.clone())
    }

    fn candidates(&self, status: StatusFilter) -> Vec<&ItemVersion> {
        let mut list: Vec<&ItemVersion> = match status {
            StatusFilter::InForce => return self.in_force.iter().collect(),
            StatusFilter::Draft => self
                .versions
                .values()
                .flatten()
                .filter(|v| v.status == VersionStatus::Draft)
                .collect(),
            StatusFilter::Cancelled => self
                .versions
                .values()
                .flatten()
                .filter(|v| v.cancelled)
                .collect(),
            StatusFilter::All => self
                .versions
                .values()
                .filter_map(|list| {
                    list.iter()
                        .find(|v| v.in_force_on(self.date))
                        .or_else(|| list.last())
                })
                .collect(),
        };
        list.sort_by(|a, b| order(a, b));
        list
    }

    fn matches(&self, v: &ItemVersion, q: &ListQuery, needle: &str) -> bool {
        let c = &v.content;
        if q.department_id
            .as_ref()
            .is_some_and(|d| d != &c.department_id)
            || q.item_type.is_some_and(|t| t != c.item_type)
            || q.item_class.is_some_and(|k| k != c.item_class)
            || q.service_mode.is_some_and(|m| m != c.service_mode)
            || q.region_code
                .as_ref()
                .is_some_and(|r| !r.contains(&c.region_code))
        {
            return false;
        }
        if needle.is_empty() {
            return true;
        }
        // Lowercasing leaves Chinese untouched; `contains` then matches any substring.
        let hit = |text: &str| text.to_lowercase().contains(needle);
        hit(&c.name)
            || hit(self.directory.department_name(&c.department_id))
            || c.keywords.iter().any(|k| hit(k))
    }

    pub fn search(&self, q: &ListQuery) -> Result<Page, CatalogError> {
        let offset = decode_token(&q.page_token)?;
        let size = page_size(q.page_size);
        let needle = q.query.trim().to_lowercase();
        let hits: Vec<&ItemVersion> = self
            .candidates(q.status)
            .into_iter()
            .filter(|v| self.matches(v, q, &needle))
            .collect();
        let total_size = hits.len();
        let items: Vec<ItemVersion> = hits.into_iter().skip(offset).take(size).cloned().collect();
        let end = offset.saturating_add(items.len());
        Ok(Page {
            items,
            next_page_token: (end < total_size).then(|| encode_token(end)),
            total_size,
        })
    }
}

#[cfg(test)]
#[path = "snapshot_tests.rs"]
mod tests;
