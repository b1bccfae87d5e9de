//! What the cases service reads from the catalog's contract: the item version a case pins,
//! the bundle a bundle case follows, and a region's calendar year. Paths are those of the
//! catalog's messages (`item.steps[1].stage`), so a bad catalog record names its field.

use std::collections::BTreeMap;

use onewindow_kit::calendar::YearSchedule;
use onewindow_kit::error::Violations;
use onewindow_proto::catalog::v1 as catalog;

use super::{
    count, date, each, finish, handler_role, item_class, optional_date, required, required_text,
    special_procedure, stage, window_authorization,
};
use crate::domain::{BundleStageTerms, BundleTerms, FeeItem, ItemTerms, MaterialTerms, StepTerms};

fn step_terms(s: &catalog::Step, at: &str, v: &mut Violations) -> Option<StepTerms> {
    let stage = required(s.stage, &format!("{at}.stage"), v, stage);
    let role = required(
        s.handler_role,
        &format!("{at}.handler_role"),
        v,
        handler_role,
    );
    let limit = count(s.limit_days, &format!("{at}.limit_days"), v);
    Some(StepTerms {
        stage: stage?,
        handler_role: role?,
        limit_days: limit?,
    })
}

fn material_terms(m: &catalog::Material, at: &str, v: &mut Violations) -> Option<MaterialTerms> {
    let id = required_text(&m.id, &format!("{at}.id"), v);
    let stage = required(m.stage, &format!("{at}.stage"), v, stage);
    Some(MaterialTerms {
        id: id?,
        name: m.name.clone(),
        required: m.required,
        stage: stage?,
        shared_material_id: super::non_empty(&m.shared_material_id),
    })
}

fn fee_item(f: &catalog::Fee, at: &str, v: &mut Violations) -> Option<FeeItem> {
    let id = required_text(&f.id, &format!("{at}.id"), v);
    v.check(
        f.amount_fen < 0,
        format!("{at}.amount_fen"),
        "must not be negative",
    );
    Some(FeeItem {
        id: id?,
        name: f.name.clone(),
        amount_fen: (f.amount_fen >= 0).then_some(f.amount_fen)?,
    })
}

/// The terms a case pins from a published item version. The catalog validated far more
/// when it published; what is checked here is what the terms cannot be built without.
/// Only a published version can be pinned: a draft may still change under the case.
pub fn item_terms_from_catalog(item: &catalog::Item) -> Result<ItemTerms, Violations> {
    let mut v = Violations::new();
    let f = |name: &str| format!("item.{name}");
    let item_id = required_text(&item.id, &f("id"), &mut v);
    let version = u32::try_from(item.version).ok().filter(|n| *n >= 1);
    v.check(version.is_none(), f("version"), "must be 1 or more");
    let status = required(
        item.status,
        &f("status"),
        &mut v,
        |s: catalog::VersionStatus| Some(s).filter(|s| *s != catalog::VersionStatus::Unspecified),
    );
    v.check(
        status.is_some_and(|s| s != catalog::VersionStatus::Published),
        f("status"),
        "must be published: a case pins only a published version",
    );
    let department_id = required_text(&item.department_id, &f("department_id"), &mut v);
    let region_code = required_text(&item.region_code, &f("region_code"), &mut v);
    let class = required(item.item_class, &f("item_class"), &mut v, item_class);
    let statutory = count(
        item.statutory_limit_days,
        &f("statutory_limit_days"),
        &mut v,
    );
    let promised = count(item.promised_limit_days, &f("promised_limit_days"), &mut v);
    let steps = each(
        &item.steps,
        |i| f(&format!("steps[{i}]")),
        &mut v,
        step_terms,
    );
    let procedures = each(
        &item.allowed_special_procedures,
        |i| f(&format!("allowed_special_procedures[{i}]")),
        &mut v,
        |raw, at, v| required(*raw, at, v, special_procedure),
    );
    let extension = count(item.max_extension_days, &f("max_extension_days"), &mut v);
    let materials = each(
        &item.materials,
        |i| f(&format!("materials[{i}]")),
        &mut v,
        material_terms,
    );
    let fees = each(&item.fees, |i| f(&format!("fees[{i}]")), &mut v, fee_item);
    let authorization = required(
        item.window_authorization,
        &f("window_authorization"),
        &mut v,
        window_authorization,
    );
    let valid_from = date(&item.valid_from, &f("valid_from"), &mut v);
    let valid_until = optional_date(&item.valid_until, &f("valid_until"), &mut v);
    let terms = (|| {
        Some(ItemTerms {
            item_id: item_id?,
            version: version?,
            name: item.name.clone(),
            department_id: department_id?,
            region_code: region_code?,
            item_class: class?,
            statutory_limit_days: statutory?,
            promised_limit_days: promised?,
            steps: steps?,
            allowed_special_procedures: procedures?,
            max_extension_days: extension?,
            materials: materials?,
            fees: fees?,
            free_of_charge: item.free_of_charge,
            window_authorization: authorization?,
            valid_from: valid_from?,
            valid_until: valid_until?,
            cancelled: item.cancelled,
        })
    })();
    finish(v, terms)
}

/// The terms a bundle case follows. Everything it needs is in the catalog's bundle; the
/// child items' own terms are fetched when each child is submitted.
pub fn bundle_terms_from_catalog(bundle: &catalog::Bundle) -> Result<BundleTerms, Violations> {
    let mut v = Violations::new();
    let f = |name: &str| format!("bundle.{name}");
    let bundle_id = required_text(&bundle.id, &f("id"), &mut v);
    let lead = required_text(&bundle.lead_department_id, &f("lead_department_id"), &mut v);
    let region = required_text(&bundle.region_code, &f("region_code"), &mut v);
    let promised = count(
        bundle.promised_limit_days,
        &f("promised_limit_days"),
        &mut v,
    );
    v.check(
        bundle.stages.is_empty(),
        f("stages"),
        "must have at least one stage",
    );
    let stages = each(
        &bundle.stages,
        |i| f(&format!("stages[{i}]")),
        &mut v,
        |s, at, v| {
            v.check(
                s.item_ids.is_empty(),
                format!("{at}.item_ids"),
                "must name at least one item",
            );
            let ids = each(
                &s.item_ids,
                |j| format!("{at}.item_ids[{j}]"),
                v,
                |id, at, v| required_text(id, at, v),
            );
            Some(BundleStageTerms {
                name: s.name.clone(),
                item_ids: ids?,
            })
        },
    );
    let terms = (|| {
        Some(BundleTerms {
            bundle_id: bundle_id?,
            name: bundle.name.clone(),
            lead_department_id: lead?,
            region_code: region?,
            promised_limit_days: promised?,
            stages: stages?,
        })
    })();
    finish(v, terms)
}

/// A region's year of holidays and make-up workdays, as the catalog publishes it; the
/// schedule's own rules (dates in the year, make-up days on weekends) are checked too, so
/// a bad year is refused here rather than when it is set on a calendar.
pub fn calendar_year_from_catalog(c: &catalog::CalendarYear) -> Result<YearSchedule, Violations> {
    let mut v = Violations::new();
    let mut holidays = BTreeMap::new();
    let mut makeup = BTreeMap::new();
    for (i, day) in c.days.iter().enumerate() {
        let field = format!("calendar.days[{i}]");
        let d = date(&day.date, &format!("{field}.date"), &mut v);
        let kind = catalog::DayKind::try_from(day.kind);
        match (d, kind) {
            (_, Ok(catalog::DayKind::Unspecified)) => {
                v.add(format!("{field}.kind"), "must be specified");
            }
            (_, Err(_)) => {
                v.add(
                    format!("{field}.kind"),
                    format!("unknown value {}", day.kind),
                );
            }
            (Some(d), Ok(catalog::DayKind::Holiday)) => {
                holidays.insert(d, day.name.clone());
            }
            (Some(d), Ok(catalog::DayKind::MakeupWorkday)) => {
                makeup.insert(d, day.name.clone());
            }
            (None, _) => {}
        }
    }
    let schedule = YearSchedule {
        year: c.year,
        published: c.published,
        source: c.source.clone(),
        holidays,
        makeup_workdays: makeup,
    };
    if v.is_empty() {
        if let Err(e) = schedule.validate() {
            v.add("calendar", e.to_string());
        }
    }
    finish(v, Some(schedule))
}
