//! Loading a catalog snapshot (the JSON export, the demo data) in one transaction: all of it
//! or nothing. Published versions are immutable, so a version that is already stored must
//! come back identical; anything else is refused rather than overwritten.

use std::collections::BTreeSet;

use onewindow_kit::calendar::Calendar;
use onewindow_kit::error::{Error, Violations};
use onewindow_kit::unit_of_work::UnitOfWork;
use onewindow_proto::catalog::v1 as pb;

use crate::app::NATIONAL;
use crate::audit;
use crate::domain::{AdjustmentBatch, Bundle, Directory, ItemId, ItemVersion, VersionStatus};
use crate::rpc::calendar::year_from_proto;
use crate::rpc::commands::{import_events, parse_items, parse_regions};
use crate::rpc::convert::{batch_from_proto, bundle_from_proto, department_from_proto};
use crate::store::{self, JsonTable};

/// Loads `snapshot`; every object it creates or changes is recorded on its own audit trail,
/// naming the import by `request_id`.
pub async fn import(
    uow: &mut UnitOfWork,
    request_id: &str,
    snapshot: &pb::CatalogSnapshot,
    current: &Directory,
) -> Result<pb::ImportCatalogResponse, Error> {
    let mut v = Violations::new();
    let regions = parse_regions(snapshot, &mut v);
    let mut directory = Directory::new(
        current.departments().cloned(),
        current.regions().cloned().chain(regions.iter().cloned()),
    );
    let mut departments = Vec::new();
    for (i, d) in snapshot.departments.iter().enumerate() {
        match department_from_proto(d, &format!("snapshot.departments[{i}]")) {
            Ok(d) => {
                directory.put_department(d.clone());
                departments.push(d);
            }
            Err(e) => v.extend(e),
        }
    }
    for (i, d) in departments.iter().enumerate() {
        let prefix = format!("snapshot.departments[{i}]");
        v.extend(d.violations_at(&prefix, &directory));
    }
    let items = parse_items(snapshot, &mut v);
    let mut seen = BTreeSet::new();
    for (i, item) in items.iter().enumerate() {
        let prefix = format!("snapshot.items[{i}]");
        v.extend(item.content.violations_at(&prefix, &item.id, &directory));
        if !seen.insert((item.id.clone(), item.version)) {
            v.add(format!("{prefix}.id"), "appears twice in the snapshot");
        }
    }
    let mut bundles = Vec::new();
    for (i, b) in snapshot.bundles.iter().enumerate() {
        match bundle_from_proto(b, &format!("snapshot.bundles[{i}]")) {
            Ok(b) => bundles.push(b),
            Err(e) => v.extend(e),
        }
    }
    let mut batches = Vec::new();
    for (i, b) in snapshot.batches.iter().enumerate() {
        match batch_from_proto(b, &format!("snapshot.batches[{i}]")) {
            Ok(b) => batches.push(b),
            Err(e) => v.extend(e),
        }
    }
    let mut calendars = Vec::new();
    for (i, c) in snapshot.calendars.iter().enumerate() {
        let known = c.region_code == NATIONAL
            || crate::domain::RegionCode::parse(&c.region_code)
                .map(|code| directory.has_region(&code))
                .unwrap_or(false);
        if !known {
            v.add(
                format!("snapshot.calendars[{i}].region_code"),
                "is not a known region",
            );
        }
        match year_from_proto(c) {
            Ok(s) => calendars.push((c.region_code.clone(), s)),
            Err(e) => {
                for f in e.as_slice() {
                    v.add(
                        format!(
                            "snapshot.{}",
                            f.field.replacen("calendar", &format!("calendars[{i}]"), 1)
                        ),
                        f.description.clone(),
                    );
                }
            }
        }
    }
    // Bundles refer to items in force in the snapshot itself.
    // The service's own clock, on the local calendar: tests set it, and the day in Beijing
    // is not the day in UTC before eight in the morning.
    let today = onewindow_kit::clock::local_date(uow.now());
    let view_items: Vec<ItemVersion> = items.clone();
    let department_of = |id: &ItemId| {
        view_items
            .iter()
            .filter(|v| v.id == *id && v.status == VersionStatus::Published)
            .find(|v| {
                v.valid_from.is_some_and(|f| f <= today) && v.valid_until.is_none_or(|u| today < u)
            })
            .map(|v| v.content.department_id.clone())
    };
    for (i, b) in bundles.iter().enumerate() {
        for f in b.validate(&department_of).as_slice() {
            v.add(
                format!(
                    "snapshot.bundles[{i}].{}",
                    f.field.trim_start_matches("bundle.")
                ),
                f.description.clone(),
            );
        }
    }
    if !v.is_empty() {
        return Err(Error::InvalidArgument(v));
    }

    let now = uow.now().timestamp_millis();
    for r in &regions {
        store::save_region(uow.tx(), r).await?;
    }
    for d in &departments {
        store::save_department(uow.tx(), d, now).await?;
    }
    let mut conflicts = Violations::new();
    // A version stored exactly as the snapshot has it is not changed by the import.
    let mut changed_items = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let stored = store::item_versions(uow.tx(), &item.id).await?;
        let existing = stored.iter().find(|s| s.version == item.version);
        if let Some(existing) = existing {
            if existing.status == VersionStatus::Published && existing.content != item.content {
                conflicts.add(
                    format!("snapshot.items[{i}]"),
                    "differs from the published version already stored; publish a new version instead",
                );
            }
        }
        if existing != Some(item) {
            changed_items.push(item);
        }
    }
    if !conflicts.is_empty() {
        return Err(Error::InvalidArgument(conflicts));
    }
    let refs: Vec<&ItemVersion> = items.iter().collect();
    store::save_versions(uow.tx(), &refs).await?;
    let source = audit::import_source(request_id);
    for d in departments
        .iter()
        .filter(|d| current.department(&d.id) != Some(*d))
    {
        audit::record_imported(uow, audit::DEPARTMENT, d.id.as_str(), d, &source).await?;
    }
    for v in changed_items {
        audit::record_imported(uow, audit::ITEM, v.id.as_str(), v, &source).await?;
    }
    for b in &bundles {
        let before: Option<Bundle> = store::load_body(uow.tx(), JsonTable::Bundle, &b.id).await?;
        store::save_body(uow.tx(), JsonTable::Bundle, &b.id, b, now).await?;
        if before.as_ref() != Some(b) {
            audit::record_imported(uow, audit::BUNDLE, &b.id, b, &source).await?;
        }
    }
    for b in &batches {
        let before: Option<AdjustmentBatch> =
            store::load_body(uow.tx(), JsonTable::Batch, &b.id).await?;
        store::save_body(uow.tx(), JsonTable::Batch, &b.id, b, now).await?;
        if before.as_ref() != Some(b) {
            audit::record_imported(uow, audit::BATCH, &b.id, b, &source).await?;
        }
    }
    let mut check = Calendar::official();
    for (region, schedule) in &calendars {
        check
            .set_year(schedule.clone())
            .map_err(|e| Error::invalid("snapshot.calendars", e.to_string()))?;
        let toml = schedule
            .to_toml()
            .map_err(|e| Error::internal(anyhow::anyhow!("{e}")))?;
        store::save_calendar_year(uow.tx(), region, schedule.year, &toml).await?;
        let object = format!("{region}/{}", schedule.year);
        audit::record_imported(uow, audit::CALENDAR, &object, &toml, &source).await?;
    }
    let named: Vec<(ItemVersion, String)> = items
        .iter()
        .map(|i| {
            (
                i.clone(),
                directory
                    .department_name(&i.content.department_id)
                    .to_string(),
            )
        })
        .collect();
    let published_bundles: Vec<pb::Bundle> = snapshot
        .bundles
        .iter()
        .filter(|b| b.status == pb::BundleStatus::Published as i32)
        .cloned()
        .collect();
    let calendar_years: Vec<pb::CalendarYear> = calendars
        .iter()
        .map(|(r, s)| crate::rpc::calendar::year_to_proto(r, s.year, Some(s)))
        .collect();
    import_events(uow, &named, &published_bundles, &calendar_years).await?;
    let summary = serde_json::json!({
        "request_id": request_id,
        "departments": departments.len(),
        "items": items.len(),
        "bundles": bundles.len(),
        "batches": batches.len(),
        "calendars": calendars.len(),
    });
    uow.audit("catalog", "import", "import", summary.to_string())
        .await?;
    let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    Ok(pb::ImportCatalogResponse {
        departments: count(departments.len()),
        items: count(items.len()),
        bundles: count(bundles.len()),
        batches: count(batches.len()),
        calendars: count(calendars.len()),
    })
}
