//! The catalog stream's handlers: item versions (what rules check cases against) and
//! working-day calendars (what deadlines are reckoned with).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use onewindow_kit::calendar::YearSchedule;
use onewindow_kit::db::Tx;
use onewindow_kit::error::Error;
use onewindow_proto::catalog::v1 as pb;
use onewindow_proto::common::v1::{self as common, Event};

use super::decode::{days, opt_date, payload, Decoded};
use crate::app::Core;
use crate::domain::catalog::ItemFacts;
use crate::domain::terms::{parse_date, HandlerRole, Stage};
use crate::rpc::convert::stage_from_proto;
use crate::store;

/// An event of the catalog stream, as far as supervision reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogEvent {
    /// The facts of a published version; None for a draft (never in force).
    Published(Option<ItemFacts>),
    /// A version no longer in force from `until`.
    Cancelled {
        item_id: String,
        version: u32,
        until: NaiveDate,
    },
    /// A region's working-day calendar for a year.
    Calendar {
        region_code: String,
        schedule: YearSchedule,
    },
}

/// One event of the catalog stream.
pub(crate) fn decode_catalog(event: &Event) -> Decoded<CatalogEvent> {
    match event.kind.as_str() {
        "catalog.item.published" => item_facts(event).map(CatalogEvent::Published),
        "catalog.item.cancelled" => {
            let (item_id, version, until) = cancelled(event)?;
            Ok(CatalogEvent::Cancelled {
                item_id,
                version,
                until,
            })
        }
        "catalog.calendar.changed" => {
            let (region_code, schedule) = calendar_year(event)?;
            Ok(CatalogEvent::Calendar {
                region_code,
                schedule,
            })
        }
        other => Err(format!("{other} is not a catalog event supervision reads")),
    }
}

pub(crate) async fn apply(core: &Core, tx: &mut Tx, event: CatalogEvent) -> Result<(), Error> {
    match event {
        CatalogEvent::Published(Some(item)) => {
            // Records lack an office only while no version of their item with one was
            // known (after that, a case takes the latest known office): only then is there
            // anything to fill, and a new version of a busy item reads none of its cases.
            let before = store::latest_item(tx, &item.item_id).await?;
            store::save_item(tx, &item).await?;
            if before.is_none_or(|b| b.office_id.is_empty()) {
                fill_office(core, tx, &item).await?;
            }
            Ok(())
        }
        CatalogEvent::Published(None) => Ok(()),
        CatalogEvent::Cancelled {
            item_id,
            version,
            until,
        } => {
            if let Some(mut item) = store::item(tx, &item_id, version).await? {
                item.valid_until = Some(until);
                store::save_item(tx, &item).await?;
            }
            Ok(())
        }
        CatalogEvent::Calendar {
            region_code,
            schedule,
        } => {
            store::save_calendar_year(tx, &region_code, &schedule).await?;
            core.set_calendar_year(&region_code, schedule);
            Ok(())
        }
    }
}

/// Gives the item's office to the cases projected without one. The two streams are
/// followed apart, so a case's events can come before any version of its item (both
/// replayed at start-up, or a case submitted as a new item is published): its record, the
/// deadlines it opened and the warnings they issued were charged to no office. Cases of any
/// version take it, as a case of a version not announced yet does (`apply_case`).
async fn fill_office(core: &Core, tx: &mut Tx, item: &ItemFacts) -> Result<(), Error> {
    if item.office_id.is_empty() {
        return Ok(());
    }
    let backend = core.db.backend();
    for case_id in store::cases::cases_without_office(tx, &item.item_id).await? {
        // The record, then its watches: the order the cases stream's handler locks them in.
        let Some(mut record) = store::cases::load_case(tx, backend, &case_id).await? else {
            continue;
        };
        if !record.office_id.is_empty() {
            continue;
        }
        record.office_id = item.office_id.clone();
        for mut watch in store::cases::case_watches(tx, backend, &case_id).await? {
            if watch.office_id.is_empty() {
                watch.office_id = item.office_id.clone();
                store::cases::rewrite_watch(tx, &watch).await?;
            }
        }
        store::cases::save_case(tx, &record).await?;
        store::warnings::fill_office(tx, &case_id, &item.office_id).await?;
    }
    Ok(())
}

fn role(r: i32) -> Option<HandlerRole> {
    match common::HandlerRole::try_from(r).ok()? {
        common::HandlerRole::Clerk => Some(HandlerRole::Clerk),
        common::HandlerRole::Approver => Some(HandlerRole::Approver),
        common::HandlerRole::Unspecified => None,
    }
}

/// The facts of a published version; None for a draft (never in force).
fn item_facts(event: &Event) -> Decoded<Option<ItemFacts>> {
    let m: pb::ItemPublished = payload(event, "onewindow.catalog.v1.ItemPublished")?;
    let item = m.item.ok_or("item is missing")?;
    if item.status != pb::VersionStatus::Published as i32 {
        return Ok(None);
    }
    let required_at_intake = item
        .materials
        .iter()
        .filter(|mat| {
            mat.required && matches!(stage_from_proto(mat.stage), None | Some(Stage::Accept))
        })
        .map(|mat| mat.id.clone())
        .collect();
    let steps = item
        .steps
        .iter()
        .filter_map(|s| Some((stage_from_proto(s.stage)?, role(s.handler_role)?)))
        .collect();
    Ok(Some(ItemFacts {
        item_id: item.id.clone(),
        version: days(item.version, "item.version")?,
        department_id: item.department_id.clone(),
        office_id: item.office_id.clone(),
        valid_from: opt_date(&item.valid_from, "item.valid_from")?,
        valid_until: opt_date(&item.valid_until, "item.valid_until")?,
        free_of_charge: item.free_of_charge,
        fees: item
            .fees
            .iter()
            .map(|f| (f.id.clone(), f.amount_fen))
            .collect::<BTreeMap<_, _>>(),
        required_at_intake,
        steps,
        max_extension_days: days(item.max_extension_days, "item.max_extension_days")?,
        window_accept_only: item.window_authorization == pb::WindowAuthorization::AcceptOnly as i32,
    }))
}

fn cancelled(event: &Event) -> Decoded<(String, u32, NaiveDate)> {
    let m: pb::ItemCancelled = payload(event, "onewindow.catalog.v1.ItemCancelled")?;
    let until = parse_date(&m.effective_date)
        .ok_or_else(|| format!("effective_date {:?} is not a date", m.effective_date))?;
    Ok((m.item_id, days(m.version, "version")?, until))
}

fn calendar_year(event: &Event) -> Decoded<(String, YearSchedule)> {
    let m: pb::CalendarChanged = payload(event, "onewindow.catalog.v1.CalendarChanged")?;
    let c = m.calendar.ok_or("calendar is missing")?;
    let mut schedule = YearSchedule::unpublished(m.year);
    schedule.published = c.published;
    schedule.source = c.source.clone();
    for day in &c.days {
        let date = parse_date(&day.date)
            .ok_or_else(|| format!("calendar day {:?} is not a date", day.date))?;
        match pb::DayKind::try_from(day.kind) {
            Ok(pb::DayKind::Holiday) => {
                schedule.holidays.insert(date, day.name.clone());
            }
            Ok(pb::DayKind::MakeupWorkday) => {
                schedule.makeup_workdays.insert(date, day.name.clone());
            }
            _ => return Err(format!("calendar day {} has no kind", day.date)),
        }
    }
    schedule.validate().map_err(|e| e.to_string())?;
    Ok((m.region_code, schedule))
}
