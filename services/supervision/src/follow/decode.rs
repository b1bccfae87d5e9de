//! Reading the contract's shared pieces into domain terms. A missing or malformed fact is
//! an error naming the field, so the event is kept aside as unreadable rather than half
//! applied.

use chrono::NaiveDate;
use onewindow_kit::clock::local_date;
use onewindow_proto::common::v1::Event;

use crate::domain::terms::{parse_date, EventRef};

pub(crate) type Decoded<T> = Result<T, String>;

/// A required ISO date; an empty one falls back to `fallback`.
pub(crate) fn date_or(s: &str, field: &str, fallback: NaiveDate) -> Decoded<NaiveDate> {
    if s.is_empty() {
        return Ok(fallback);
    }
    parse_date(s).ok_or_else(|| format!("{field} {s:?} is not a date"))
}

/// An ISO date that may be empty.
pub(crate) fn opt_date(s: &str, field: &str) -> Decoded<Option<NaiveDate>> {
    if s.is_empty() {
        return Ok(None);
    }
    parse_date(s)
        .map(Some)
        .ok_or_else(|| format!("{field} {s:?} is not a date"))
}

pub(crate) fn days(n: i32, field: &str) -> Decoded<u32> {
    u32::try_from(n).map_err(|_| format!("{field} {n} is negative"))
}

/// The civil date the event happened on, by the producer's clock.
pub(crate) fn event_date(event: &Event) -> NaiveDate {
    let t = event
        .occurred_at
        .as_ref()
        .and_then(|t| {
            chrono::DateTime::from_timestamp(t.seconds, u32::try_from(t.nanos).unwrap_or(0))
        })
        .unwrap_or_default();
    local_date(t)
}

pub(crate) fn evidence(stream: &str, event: &Event, on: NaiveDate) -> EventRef {
    EventRef {
        stream: stream.to_string(),
        seq: event.seq,
        kind: event.kind.clone(),
        occurred_on: on,
    }
}

/// Unpacks the payload as `M`, or says why not.
pub(crate) fn payload<M: prost::Message + Default>(event: &Event, full_name: &str) -> Decoded<M> {
    let any = event
        .payload
        .as_ref()
        .ok_or_else(|| "the event has no payload".to_string())?;
    onewindow_kit::outbox::unpack::<M>(full_name, any)
        .ok_or_else(|| format!("the payload is {}, not {full_name}", any.type_url))
}
