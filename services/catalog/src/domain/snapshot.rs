//! The catalog as it stands on a date, held in memory: what the public search, the
//! statistics and the export read. A city's catalog is a few thousand versions at most, so
//! filtering in memory is simpler and fast enough.

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::NaiveDate;

use super::access::DraftAccess;
use super::bundle::Bundle;
use super::codes::{DepartmentId, ItemId, RegionCode};
use super::department::Directory;
use super::error::CatalogError;
use super::item::{ItemClass, ItemType, ServiceMode};
use super::version::{ItemVersion, VersionStatus};

pub const DEFAULT_PAGE_SIZE: u32 = 50;
pub const MAX_PAGE_SIZE: u32 = 500;
/// The longest search text: an item's name is at most a sentence, and each query is matched
/// against every item in force, so a longer one is refused rather than searched.
pub const MAX_QUERY_CHARS: usize = 100;
/// Page tokens are the offsets this service hands out; anything longer is not one.
pub const MAX_PAGE_TOKEN_CHARS: usize = 64;

/// Which versions a search looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusFilter {
    /// The version of each item in force on the view's date.
    #[default]
    InForce,
    /// Every draft (none for a searcher who does not see drafts).
    Draft,
    /// The versions that ended, or will end, by a cancellation.
    Cancelled,
    /// One version per item: the one in force, else the latest the searcher sees.
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
    /// Whether the searcher sees drafts; by default, like the public, they do not.
    pub drafts: DraftAccess,
    /// 0 for the default; above the maximum is cut to the maximum.
    pub page_size: u32,
    pub page_token: String,
}

/// A page of a search: owned versions, or borrowed from the view (`CatalogView::search_ref`)
/// by a caller that only converts them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<V = ItemVersion> {
    pub items: Vec<V>,
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
    /// For each item in `in_force`, at the same index: its searchable text, lowercased once
    /// here rather than on every search.
    in_force_text: Vec<String>,
    bundles: Vec<Bundle>,
}

/// Separates the fields of a searchable text; a query never contains it (see `search`), so
/// a match never spans two fields.
const FIELD_SEPARATOR: char = '\u{1}';

/// The name, the department's name and the keywords of a version, lowercased and joined.
fn searchable_text(v: &ItemVersion, directory: &Directory) -> String {
    let c = &v.content;
    let mut text = String::new();
    for field in [c.name.as_str(), directory.department_name(&c.department_id)]
        .into_iter()
        .chain(c.keywords.iter().map(String::as_str))
    {
        text.push_str(&field.to_lowercase());
        text.push(FIELD_SEPARATOR);
    }
    text
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
        let in_force_text = in_force
            .iter()
            .map(|v| searchable_text(v, &directory))
            .collect();
        Self {
            date,
            directory,
            versions: by_item,
            in_force,
            in_force_text,
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

    /// The versions a search looks at, each with its searchable text when it is at hand;
    /// drafts only for a searcher who sees them.
    fn candidates(
        &self,
        status: StatusFilter,
        drafts: DraftAccess,
    ) -> Vec<(&ItemVersion, Option<&str>)> {
        let mut list: Vec<&ItemVersion> = match status {
            StatusFilter::InForce => {
                return self
                    .in_force
                    .iter()
                    .zip(self.in_force_text.iter().map(|t| Some(t.as_str())))
                    .collect()
            }
            StatusFilter::Draft => self
                .versions
                .values()
                .flatten()
                .filter(|v| v.status == VersionStatus::Draft && drafts.shows(v))
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
                        .or_else(|| list.iter().rev().find(|v| drafts.shows(v)))
                })
                .collect(),
        };
        list.sort_by(|a, b| order(a, b));
        list.into_iter().map(|v| (v, None)).collect()
    }

    fn matches(&self, v: &ItemVersion, text: Option<&str>, q: &ListQuery, needle: &str) -> bool {
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
        if let Some(text) = text {
            return text.contains(needle);
        }
        // Lowercasing leaves Chinese untouched; `contains` then matches any substring.
        let hit = |text: &str| text.to_lowercase().contains(needle);
        hit(&c.name)
            || hit(self.directory.department_name(&c.department_id))
            || c.keywords.iter().any(|k| hit(k))
    }

    pub fn search(&self, q: &ListQuery) -> Result<Page, CatalogError> {
        let page = self.search_ref(q)?;
        Ok(Page {
            items: page.items.into_iter().cloned().collect(),
            next_page_token: page.next_page_token,
            total_size: page.total_size,
        })
    }

    /// [`CatalogView::search`] without copying the versions of the page.
    pub fn search_ref(&self, q: &ListQuery) -> Result<Page<&ItemVersion>, CatalogError> {
        let offset = decode_token(&q.page_token)?;
        let size = page_size(q.page_size);
        let needle = q.query.trim().to_lowercase();
        // A separator in the query could match across fields: such a query is matched
        // field by field.
        let joined = !needle.contains(FIELD_SEPARATOR);
        let hits: Vec<&ItemVersion> = self
            .candidates(q.status, q.drafts)
            .into_iter()
            .filter(|(v, text)| self.matches(v, text.filter(|_| joined), q, &needle))
            .map(|(v, _)| v)
            .collect();
        let total_size = hits.len();
        let items: Vec<&ItemVersion> = hits.into_iter().skip(offset).take(size).collect();
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
