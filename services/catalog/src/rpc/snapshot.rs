//! The catalog as one `CatalogSnapshot`, and its JSON form (the proto3 JSON mapping), which
//! the export writes and the import (and the demo data) reads.

use onewindow_kit::error::Error;
use onewindow_proto::catalog::v1 as pb;
use prost::Message;
use prost_reflect::{DynamicMessage, SerializeOptions};

use crate::app::{State, NATIONAL};
use crate::domain::DraftAccess;

use super::calendar::year_to_proto;
use super::convert::{bundle_to_proto, item_to_proto};

const SNAPSHOT: &str = "onewindow.catalog.v1.CatalogSnapshot";

/// The catalog in force today: directory, items in force, published bundles (a draft bundle
/// is not in force, and not public), batches, stored calendars.
pub fn snapshot(state: &State) -> pb::CatalogSnapshot {
    let view = &state.view;
    let directory = view.directory();
    let department_of = |id: &crate::domain::ItemId| view.department_of(id);
    let mut calendars = Vec::new();
    for region in std::iter::once(NATIONAL.to_string())
        .chain(directory.regions().map(|r| r.code.as_str().to_string()))
    {
        let calendar = state.calendars.for_region(&region);
        for schedule in calendar.years() {
            if region == NATIONAL || state.calendars.is_regional(&region, schedule.year) {
                calendars.push(year_to_proto(&region, schedule.year, Some(schedule)));
            }
        }
    }
    pb::CatalogSnapshot {
        regions: directory.regions().map(pb::Region::from).collect(),
        departments: directory.departments().map(pb::Department::from).collect(),
        items: view
            .items()
            .iter()
            .map(|v| item_to_proto(v, directory.department_name(&v.content.department_id)))
            .collect(),
        bundles: state
            .bundles
            .iter()
            .filter(|b| DraftAccess::Hidden.shows_bundle(b))
            .map(|b| bundle_to_proto(b, &b.department_ids(&department_of)))
            .collect(),
        batches: state
            .batches
            .iter()
            .map(pb::AdjustmentBatch::from)
            .collect(),
        calendars,
    }
}

pub fn to_json(snapshot: &pb::CatalogSnapshot) -> Result<String, Error> {
    let pool = onewindow_proto::descriptor_pool();
    let desc = pool
        .get_message_by_name(SNAPSHOT)
        .ok_or_else(|| Error::internal(anyhow::anyhow!("{SNAPSHOT} missing from descriptors")))?;
    let dynamic = DynamicMessage::decode(desc, snapshot.encode_to_vec().as_slice())
        .map_err(Error::internal)?;
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::pretty(&mut out);
    dynamic
        .serialize_with_options(&mut ser, &SerializeOptions::new())
        .map_err(Error::internal)?;
    String::from_utf8(out).map_err(Error::internal)
}

/// Parses a snapshot in the proto3 JSON mapping; unknown fields are refused.
pub fn from_json(json: &str) -> Result<pb::CatalogSnapshot, Error> {
    let pool = onewindow_proto::descriptor_pool();
    let desc = pool
        .get_message_by_name(SNAPSHOT)
        .ok_or_else(|| Error::internal(anyhow::anyhow!("{SNAPSHOT} missing from descriptors")))?;
    let mut de = serde_json::Deserializer::from_str(json);
    let dynamic = DynamicMessage::deserialize(desc, &mut de)
        .map_err(|e| Error::invalid("snapshot", format!("not a catalog snapshot: {e}")))?;
    de.end()
        .map_err(|e| Error::invalid("snapshot", format!("trailing data: {e}")))?;
    dynamic
        .transcode_to::<pb::CatalogSnapshot>()
        .map_err(Error::internal)
}
