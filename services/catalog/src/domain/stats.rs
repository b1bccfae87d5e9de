//! The figures the center reports about its catalog: how many items, where they are handled,
//! how much the promised limits cut the statutory ones, and how far each department has
//! authorized its window to decide ("one change, four unchanged" shows up here).

use std::collections::BTreeMap;

use super::bundle::BundleStatus;
use super::codes::DepartmentId;
use super::item::{ItemClass, ItemType, ServiceMode, WindowAuthorization};
use super::snapshot::CatalogView;
use super::version::ItemVersion;

#[derive(Debug, Clone, PartialEq)]
pub struct DepartmentAuthorization {
    pub department_id: DepartmentId,
    pub department_name: String,
    pub items: usize,
    pub fully_authorized: usize,
    /// 0 to 1.
    pub fully_authorized_share: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CatalogStatistics {
    pub items_in_force: usize,
    /// Only the values that occur, in the order of the enum.
    pub by_type: Vec<(ItemType, usize)>,
    pub by_service_mode: Vec<(ServiceMode, usize)>,
    pub by_class: Vec<(ItemClass, usize)>,
    pub average_statutory_limit_days: f64,
    pub average_promised_limit_days: f64,
    /// (1 - average promised / average statutory) * 100; 0 without statutory limits.
    pub reduction_percent: f64,
    /// 0 to 1.
    pub fully_authorized_share: f64,
    /// Departments holding items in force, by id.
    pub by_department: Vec<DepartmentAuthorization>,
    pub departments: usize,
    pub offices: usize,
    /// Published bundles.
    pub bundles: usize,
}

fn count_by<K: Ord + Copy>(keys: impl Iterator<Item = K>) -> Vec<(K, usize)> {
    let mut counts: BTreeMap<K, usize> = BTreeMap::new();
    for key in keys {
        *counts.entry(key).or_default() += 1;
    }
    counts.into_iter().collect()
}

/// Counts and day sums stay far below 2^52, so their conversion to f64 is exact.
fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

fn as_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

impl CatalogStatistics {
    pub fn of(view: &CatalogView) -> Self {
        let items = view.items();
        let n = as_u64(items.len());
        let statutory: u64 = items
            .iter()
            .map(|v| u64::from(v.content.statutory_limit_days))
            .sum();
        let promised: u64 = items
            .iter()
            .map(|v| u64::from(v.content.promised_limit_days))
            .sum();
        let full = |v: &&ItemVersion| v.content.window_authorization == WindowAuthorization::Full;

        let mut per_department: BTreeMap<&DepartmentId, (usize, usize)> = BTreeMap::new();
        for v in items {
            let entry = per_department.entry(&v.content.department_id).or_default();
            entry.0 += 1;
            if full(&v) {
                entry.1 += 1;
            }
        }
        let by_department = per_department
            .into_iter()
            .map(|(id, (items, fully))| DepartmentAuthorization {
                department_id: id.clone(),
                department_name: view.directory().department_name(id).to_string(),
                items,
                fully_authorized: fully,
                fully_authorized_share: ratio(as_u64(fully), as_u64(items)),
            })
            .collect();

        let reduction_percent = if statutory == 0 {
            0.0
        } else {
            // The item counts cancel out: the ratio of averages is the ratio of sums.
            (1.0 - ratio(promised, statutory)) * 100.0
        };
        CatalogStatistics {
            items_in_force: items.len(),
            by_type: count_by(items.iter().map(|v| v.content.item_type)),
            by_service_mode: count_by(items.iter().map(|v| v.content.service_mode)),
            by_class: count_by(items.iter().map(|v| v.content.item_class)),
            average_statutory_limit_days: ratio(statutory, n),
            average_promised_limit_days: ratio(promised, n),
            reduction_percent,
            fully_authorized_share: ratio(as_u64(items.iter().filter(full).count()), n),
            by_department,
            departments: view.directory().departments().count(),
            offices: view
                .directory()
                .departments()
                .map(|d| d.offices.len())
                .sum(),
            bundles: view
                .bundles()
                .iter()
                .filter(|b| b.status == BundleStatus::Published)
                .count(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::{date, dept, directory, sample_view};

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn counts_items_by_type_mode_and_class() {
        let s = CatalogStatistics::of(&sample_view());
        assert_eq!(s.items_in_force, 3);
        assert_eq!(
            s.by_type,
            [
                (ItemType::License, 1),
                (ItemType::Levy, 1),
                (ItemType::Confirmation, 1)
            ]
        );
        assert_eq!(
            s.by_service_mode,
            [
                (ServiceMode::Hall, 1),
                (ServiceMode::SubCenter, 1),
                (ServiceMode::RemoteMonitored, 1)
            ]
        );
        assert_eq!(
            s.by_class,
            [
                (ItemClass::Immediate, 1),
                (ItemClass::Promised, 1),
                (ItemClass::Complex, 1)
            ]
        );
    }

    #[test]
    fn reduction_compares_average_promised_with_average_statutory() {
        // Statutory 20, 30 and 5; promised 10, 10 and 0.
        let s = CatalogStatistics::of(&sample_view());
        assert!(close(s.average_statutory_limit_days, 55.0 / 3.0));
        assert!(close(s.average_promised_limit_days, 20.0 / 3.0));
        assert!(close(s.reduction_percent, (1.0 - 20.0 / 55.0) * 100.0));
    }

    #[test]
    fn share_fully_authorized_overall_and_per_department() {
        let s = CatalogStatistics::of(&sample_view());
        assert!(close(s.fully_authorized_share, 2.0 / 3.0));
        let housing = s
            .by_department
            .iter()
            .find(|d| d.department_id == dept("fcj"))
            .unwrap();
        assert_eq!(housing.department_name, "大同市房产管理局");
        assert_eq!((housing.items, housing.fully_authorized), (1, 0));
        assert!(close(housing.fully_authorized_share, 0.0));
        let ids: Vec<&str> = s
            .by_department
            .iter()
            .map(|d| d.department_id.as_str())
            .collect();
        assert_eq!(ids, ["dsj", "fcj", "scjgj"]);
    }

    #[test]
    fn counts_departments_offices_and_published_bundles() {
        let s = CatalogStatistics::of(&sample_view());
        assert_eq!((s.departments, s.offices, s.bundles), (3, 3, 0));
    }

    #[test]
    fn only_published_bundles_are_counted() {
        use crate::domain::bundle::{Bundle, BundleStatus};
        use crate::domain::fixtures::region;
        let bundle = |id: &str, status| Bundle {
            id: id.into(),
            name: "工商企业注册".into(),
            description: String::new(),
            lead_department_id: dept("scjgj"),
            region_code: region("140200"),
            stages: vec![],
            shared_materials: vec![],
            promised_limit_days: 5,
            status,
            published_at: None,
        };
        let view = CatalogView::build(
            date(2026, 3, 2),
            vec![],
            directory(),
            vec![
                bundle("a", BundleStatus::Published),
                bundle("b", BundleStatus::Draft),
            ],
        );
        assert_eq!(CatalogStatistics::of(&view).bundles, 1);
    }

    #[test]
    fn an_empty_catalog_has_zeros_not_nan() {
        let view = CatalogView::build(date(2026, 3, 2), vec![], directory(), vec![]);
        let s = CatalogStatistics::of(&view);
        assert_eq!(s.items_in_force, 0);
        assert!(close(s.average_statutory_limit_days, 0.0));
        assert!(close(s.reduction_percent, 0.0));
        assert!(close(s.fully_authorized_share, 0.0));
        assert!(s.by_department.is_empty());
    }
}
