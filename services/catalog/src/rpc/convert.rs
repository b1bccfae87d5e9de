//! Conversions between the contracts and the domain, at the edge only. From the contract,
//! every bad field is collected into one set of violations (paths under a prefix the caller
//! gives, e.g. `item` or `snapshot.items[3]`); to the contract, conversions cannot fail.

mod batches;
mod directory;
mod enums;
mod listing;

use chrono::{DateTime, NaiveDate, Utc};
use onewindow_kit::error::Violations;
use onewindow_proto::catalog::v1 as pb;
use onewindow_proto::common::v1 as common;
use onewindow_proto::prost_types::Timestamp;

use crate::domain::codes::{CodeError, DepartmentId, ItemId, RegionCode};
use crate::domain::item::{Fee, ItemContent, LegalBasis, Material, Step};
use crate::domain::version::ItemVersion;
use crate::domain::BasicCode;

pub use batches::*;
pub use directory::*;
pub use enums::*;
pub use listing::*;

// ---------------------------------------------------------------- primitives

/// A required ISO date (`YYYY-MM-DD`).
pub fn date(s: &str, field: &str, v: &mut Violations) -> Option<NaiveDate> {
    if s.is_empty() {
        v.add(field, "must be given as YYYY-MM-DD");
        return None;
    }
    optional_date(s, field, v)
}

/// An ISO date that may be empty (an open end, or "today").
pub fn optional_date(s: &str, field: &str, v: &mut Violations) -> Option<NaiveDate> {
    if s.is_empty() {
        return None;
    }
    // chrono alone also takes `2026-3-2`; the contract promises exactly ten characters.
    let parsed = (s.len() == 10)
        .then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .flatten();
    if parsed.is_none() {
        v.add(field, format!("{s:?} is not a date (YYYY-MM-DD)"));
    }
    parsed
}

pub fn format_date(d: NaiveDate) -> String {
    // NaiveDate's Display is ISO 8601 (YYYY-MM-DD), as "%Y-%m-%d" would be, without parsing
    // a format string on every call.
    d.to_string()
}

fn format_optional_date(d: Option<NaiveDate>) -> String {
    d.map(format_date).unwrap_or_default()
}

pub fn timestamp(t: DateTime<Utc>) -> Timestamp {
    Timestamp {
        seconds: t.timestamp(),
        nanos: i32::try_from(t.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

pub fn from_timestamp(t: &Timestamp, field: &str, v: &mut Violations) -> Option<DateTime<Utc>> {
    let parsed = u32::try_from(t.nanos)
        .ok()
        .and_then(|nanos| DateTime::from_timestamp(t.seconds, nanos));
    if parsed.is_none() {
        v.add(field, "is not a valid timestamp");
    }
    parsed
}

fn code<T>(
    s: &str,
    field: &str,
    v: &mut Violations,
    parse: fn(&str) -> Result<T, CodeError>,
) -> Option<T> {
    match parse(s) {
        Ok(value) => Some(value),
        Err(e) => {
            v.add(field, e.to_string());
            None
        }
    }
}

/// Counts of days and copies: a negative number is a violation, not a wrap-around.
fn count(n: i32, field: &str, v: &mut Violations) -> Option<u32> {
    let parsed = u32::try_from(n).ok();
    if parsed.is_none() {
        v.add(field, "must not be negative");
    }
    parsed
}

fn code_opt<T>(
    s: &str,
    field: &str,
    v: &mut Violations,
    parse: fn(&str) -> Result<T, CodeError>,
) -> Option<Option<T>> {
    code(s, field, v, parse).map(Some)
}

fn to_i32(n: impl TryInto<i32>) -> i32 {
    n.try_into().unwrap_or(i32::MAX)
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// Ends a conversion: the value when every field was good, else all the violations.
fn finish<T>(v: Violations, value: Option<T>) -> Result<T, Violations> {
    match value {
        Some(value) if v.is_empty() => Ok(value),
        _ => Err(v),
    }
}

// ---------------------------------------------------------------- items

fn step_from_proto(s: &pb::Step, at: &str, v: &mut Violations) -> Option<Step> {
    let stage = required(s.stage, &format!("{at}.stage"), v, stage);
    let role = required(
        s.handler_role,
        &format!("{at}.handler_role"),
        v,
        handler_role,
    );
    let limit = count(s.limit_days, &format!("{at}.limit_days"), v);
    Some(Step {
        stage: stage?,
        handler_role: role?,
        limit_days: limit?,
        description: s.description.clone(),
    })
}

fn material_from_proto(m: &pb::Material, at: &str, v: &mut Violations) -> Option<Material> {
    let form = required(m.form, &format!("{at}.form"), v, material_form);
    let copies = count(m.copies, &format!("{at}.copies"), v);
    let stage = required(m.stage, &format!("{at}.stage"), v, stage);
    Some(Material {
        id: m.id.clone(),
        name: m.name.clone(),
        required: m.required,
        form: form?,
        copies: copies?,
        stage: stage?,
        shared_material_id: non_empty(&m.shared_material_id),
        description: m.description.clone(),
    })
}

/// Converts each element, keeping going after a bad one so every violation is reported.
fn each<P, D>(
    items: &[P],
    at: impl Fn(usize) -> String,
    v: &mut Violations,
    convert: impl Fn(&P, &str, &mut Violations) -> Option<D>,
) -> Option<Vec<D>> {
    let converted: Vec<Option<D>> = items
        .iter()
        .enumerate()
        .map(|(i, item)| convert(item, &at(i), v))
        .collect();
    converted.into_iter().collect()
}

/// The content of an item, without its id; paths under `prefix`.
pub fn content_from_proto(item: &pb::Item, prefix: &str) -> Result<ItemContent, Violations> {
    let mut v = Violations::new();
    let f = |name: &str| format!("{prefix}.{name}");
    let basic_code = code(&item.basic_code, &f("basic_code"), &mut v, BasicCode::parse);
    let item_type = required(item.r#type, &f("type"), &mut v, item_type);
    let department_id = code(
        &item.department_id,
        &f("department_id"),
        &mut v,
        DepartmentId::parse,
    );
    let region_code = code(
        &item.region_code,
        &f("region_code"),
        &mut v,
        RegionCode::parse,
    );
    let level = required(item.level, &f("level"), &mut v, item_level);
    let mode = required(item.service_mode, &f("service_mode"), &mut v, service_mode);
    let authorization = required(
        item.window_authorization,
        &f("window_authorization"),
        &mut v,
        window_authorization,
    );
    let class = required(item.item_class, &f("item_class"), &mut v, item_class);
    let statutory = count(
        item.statutory_limit_days,
        &f("statutory_limit_days"),
        &mut v,
    );
    let promised = count(item.promised_limit_days, &f("promised_limit_days"), &mut v);
    let extension = count(item.max_extension_days, &f("max_extension_days"), &mut v);
    let steps = each(
        &item.steps,
        |i| f(&format!("steps[{i}]")),
        &mut v,
        step_from_proto,
    );
    let procedures = each(
        &item.allowed_special_procedures,
        |i| f(&format!("allowed_special_procedures[{i}]")),
        &mut v,
        |raw, at, v| required(*raw, at, v, special_procedure),
    );
    let materials = each(
        &item.materials,
        |i| f(&format!("materials[{i}]")),
        &mut v,
        material_from_proto,
    );
    let online = required(item.online_depth, &f("online_depth"), &mut v, online_depth);
    let content = (|| {
        Some(ItemContent {
            basic_code: basic_code?,
            name: item.name.clone(),
            item_type: item_type?,
            legal_basis: item
                .legal_basis
                .iter()
                .map(|b| LegalBasis {
                    law: b.law.clone(),
                    article: b.article.clone(),
                })
                .collect(),
            department_id: department_id?,
            region_code: region_code?,
            level: level?,
            service_mode: mode?,
            window_authorization: authorization?,
            item_class: class?,
            statutory_limit_days: statutory?,
            promised_limit_days: promised?,
            steps: steps?,
            allowed_special_procedures: procedures?,
            max_extension_days: extension?,
            conditions: item.conditions.clone(),
            materials: materials?,
            free_of_charge: item.free_of_charge,
            fees: item
                .fees
                .iter()
                .map(|fee| Fee {
                    id: fee.id.clone(),
                    name: fee.name.clone(),
                    amount_fen: fee.amount_fen,
                    basis: fee.basis.clone(),
                })
                .collect(),
            office_id: non_empty(&item.office_id),
            place: item.place.clone(),
            hours: item.hours.clone(),
            phone: item.phone.clone(),
            online_depth: online?,
            keywords: item.keywords.clone(),
        })
    })();
    finish(v, content)
}

/// The id and content of an item as an author sends it (CreateItemDraft, UpdateItemDraft).
pub fn item_content_from_proto(
    item: &pb::Item,
    prefix: &str,
) -> Result<(ItemId, ItemContent), Violations> {
    let mut v = Violations::new();
    let id = code(&item.id, &format!("{prefix}.id"), &mut v, ItemId::parse);
    let content = match content_from_proto(item, prefix) {
        Ok(content) => Some(content),
        Err(more) => {
            append(&mut v, more);
            None
        }
    };
    finish(v, id.zip(content))
}

/// A whole version, as a snapshot import carries it.
pub fn item_version_from_proto(item: &pb::Item, prefix: &str) -> Result<ItemVersion, Violations> {
    let mut v = Violations::new();
    let f = |name: &str| format!("{prefix}.{name}");
    let parsed = match item_content_from_proto(item, prefix) {
        Ok(parsed) => Some(parsed),
        Err(more) => {
            append(&mut v, more);
            None
        }
    };
    let version = u32::try_from(item.version).ok().filter(|n| *n >= 1);
    v.check(version.is_none(), f("version"), "must be 1 or more");
    let status = required(item.status, &f("status"), &mut v, version_status);
    let valid_from = optional_date(&item.valid_from, &f("valid_from"), &mut v);
    let valid_until = optional_date(&item.valid_until, &f("valid_until"), &mut v);
    let published_at = match &item.published_at {
        Some(t) => from_timestamp(t, &f("published_at"), &mut v).map(Some),
        None => Some(None),
    };
    let result = (|| {
        let (id, content) = parsed?;
        Some(ItemVersion {
            id,
            version: version?,
            status: status?,
            content,
            valid_from,
            valid_until,
            published_at: published_at?,
            revision: item.revision,
            cancelled: item.cancelled,
            cancel_reason: non_empty(&item.cancel_reason),
        })
    })();
    finish(v, result)
}

fn append(v: &mut Violations, more: Violations) {
    for f in more.as_slice() {
        v.add(f.field.clone(), f.description.clone());
    }
}

/// The content as a contract item with no version facts (batch entries).
pub fn content_to_proto(id: &ItemId, c: &ItemContent) -> pb::Item {
    pb::Item {
        legal_basis: c
            .legal_basis
            .iter()
            .map(|b| pb::LegalBasis {
                law: b.law.clone(),
                article: b.article.clone(),
            })
            .collect(),
        steps: c
            .steps
            .iter()
            .map(|s| pb::Step {
                stage: common::Stage::from(s.stage).into(),
                handler_role: common::HandlerRole::from(s.handler_role).into(),
                limit_days: to_i32(s.limit_days),
                description: s.description.clone(),
            })
            .collect(),
        allowed_special_procedures: c
            .allowed_special_procedures
            .iter()
            .map(|p| common::SpecialProcedure::from(*p).into())
            .collect(),
        conditions: c.conditions.clone(),
        materials: c
            .materials
            .iter()
            .map(|m| pb::Material {
                id: m.id.clone(),
                name: m.name.clone(),
                required: m.required,
                form: pb::MaterialForm::from(m.form).into(),
                copies: to_i32(m.copies),
                stage: common::Stage::from(m.stage).into(),
                shared_material_id: m.shared_material_id.clone().unwrap_or_default(),
                description: m.description.clone(),
            })
            .collect(),
        fees: c
            .fees
            .iter()
            .map(|fee| pb::Fee {
                id: fee.id.clone(),
                name: fee.name.clone(),
                amount_fen: fee.amount_fen,
                basis: fee.basis.clone(),
            })
            .collect(),
        office_id: c.office_id.clone().unwrap_or_default(),
        place: c.place.clone(),
        hours: c.hours.clone(),
        phone: c.phone.clone(),
        keywords: c.keywords.clone(),
        ..content_summary_to_proto(id, c)
    }
}

/// The scalar part of an item's content: what a list of results shows (`ITEM_VIEW_BASIC`).
fn content_summary_to_proto(id: &ItemId, c: &ItemContent) -> pb::Item {
    pb::Item {
        id: id.to_string(),
        basic_code: c.basic_code.to_string(),
        name: c.name.clone(),
        r#type: pb::ItemType::from(c.item_type).into(),
        department_id: c.department_id.to_string(),
        region_code: c.region_code.to_string(),
        level: pb::ItemLevel::from(c.level).into(),
        service_mode: pb::ServiceMode::from(c.service_mode).into(),
        window_authorization: pb::WindowAuthorization::from(c.window_authorization).into(),
        item_class: pb::ItemClass::from(c.item_class).into(),
        statutory_limit_days: to_i32(c.statutory_limit_days),
        promised_limit_days: to_i32(c.promised_limit_days),
        max_extension_days: to_i32(c.max_extension_days),
        free_of_charge: c.free_of_charge,
        online_depth: pb::OnlineDepth::from(c.online_depth).into(),
        ..pb::Item::default()
    }
}

/// A version as the contract shows it, with its department's name (output only).
pub fn item_to_proto(version: &ItemVersion, department_name: &str) -> pb::Item {
    with_version(
        version,
        department_name,
        content_to_proto(&version.id, &version.content),
    )
}

/// [`item_to_proto`] without the lists and the office's details (`ITEM_VIEW_BASIC`).
pub fn item_summary_to_proto(version: &ItemVersion, department_name: &str) -> pb::Item {
    with_version(
        version,
        department_name,
        content_summary_to_proto(&version.id, &version.content),
    )
}

fn with_version(version: &ItemVersion, department_name: &str, content: pb::Item) -> pb::Item {
    pb::Item {
        version: to_i32(version.version),
        status: pb::VersionStatus::from(version.status).into(),
        valid_from: format_optional_date(version.valid_from),
        valid_until: format_optional_date(version.valid_until),
        published_at: version.published_at.map(timestamp),
        revision: version.revision,
        department_name: department_name.to_string(),
        cancelled: version.cancelled,
        cancel_reason: version.cancel_reason.clone().unwrap_or_default(),
        ..content
    }
}

#[cfg(test)]
mod tests;
