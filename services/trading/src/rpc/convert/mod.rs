//! Conversions between the contracts and the domain, at the edge only. From the contract,
//! every bad field is collected into one set of violations; to the contract, conversions
//! cannot fail. Projects are converted after `domain::visible` has taken out what the
//! caller may not see.

mod enums;
mod project;
mod records;

pub use enums::*;
pub use project::*;
pub use records::*;

use chrono::{DateTime, NaiveDate, Utc};
use onewindow_kit::error::Violations;
use onewindow_proto::prost_types::Timestamp;
use onewindow_proto::trading::v1 as pb;

use crate::domain::Party;

pub fn timestamp(t: DateTime<Utc>) -> Timestamp {
    Timestamp {
        seconds: t.timestamp(),
        nanos: i32::try_from(t.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

pub fn optional_timestamp(t: Option<DateTime<Utc>>) -> Option<Timestamp> {
    t.map(timestamp)
}

/// A timestamp that may be absent; a present but impossible one is a violation.
pub fn from_timestamp(
    t: Option<&Timestamp>,
    field: &str,
    v: &mut Violations,
) -> Option<DateTime<Utc>> {
    let t = t?;
    let parsed = u32::try_from(t.nanos)
        .ok()
        .and_then(|nanos| DateTime::from_timestamp(t.seconds, nanos));
    if parsed.is_none() {
        v.add(field, "is not a valid timestamp");
    }
    parsed
}

pub fn required_timestamp(
    t: Option<&Timestamp>,
    field: &str,
    v: &mut Violations,
) -> Option<DateTime<Utc>> {
    if t.is_none() {
        v.add(field, "is required");
    }
    from_timestamp(t, field, v)
}

/// A required ISO date (`YYYY-MM-DD`).
pub fn date(s: &str, field: &str, v: &mut Violations) -> Option<NaiveDate> {
    let parsed = (s.len() == 10)
        .then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .flatten();
    if parsed.is_none() {
        v.add(field, "must be a date (YYYY-MM-DD)");
    }
    parsed
}

pub fn party_to_proto(p: &Party) -> pb::Party {
    pb::Party {
        name: p.name.clone(),
        credit_code: p.credit_code.clone(),
        contact_name: p.contact_name.clone(),
        contact_phone: p.contact_phone.clone(),
        address: p.address.clone(),
    }
}

pub fn party_from_proto(p: Option<&pb::Party>, field: &str, v: &mut Violations) -> Party {
    match p {
        None => {
            v.add(field, "is required");
            Party::default()
        }
        Some(p) => Party {
            name: p.name.trim().to_string(),
            credit_code: p.credit_code.trim().to_string(),
            contact_name: p.contact_name.trim().to_string(),
            contact_phone: p.contact_phone.trim().to_string(),
            address: p.address.trim().to_string(),
        },
    }
}

/// A count that must not be negative.
pub fn count(n: i32, field: &str, v: &mut Violations) -> u32 {
    match u32::try_from(n) {
        Ok(n) => n,
        Err(_) => {
            v.add(field, "must not be negative");
            0
        }
    }
}

pub fn to_i32(n: impl TryInto<i32>) -> i32 {
    n.try_into().unwrap_or(i32::MAX)
}
