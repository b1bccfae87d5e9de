//! Conversions between the contracts and the cases domain, at the edge only. From a
//! contract, every bad field is collected into one set of violations, each under the path
//! a client (or the catalog's data) spells it; to the contract, conversions cannot fail.
//!
//! What the domain decides stays there: these conversions refuse only what cannot be
//! represented at all (an unspecified enum where a value is needed, a negative count, a
//! malformed date), so that a command's own rules keep the order `decide` checks them in.

mod bundles;
mod cases;
mod catalog;
mod enums;
mod events;
mod filters;
mod requests;
mod uploads;

use chrono::{DateTime, NaiveDate, Utc};
use onewindow_kit::auth::Role;
use onewindow_kit::error::Violations;
use onewindow_proto::prost_types::Timestamp;

use crate::domain::{Actor, BundleCase, Case};

pub use bundles::*;
pub use cases::*;
pub use catalog::*;
pub use enums::*;
pub use events::*;
pub use filters::*;
pub use requests::*;
pub use uploads::*;

// ---------------------------------------------------------------- who sees what

/// How much of the applicant a reader sees. The contract promises that lists, the inbox
/// and the public lookup mask the name, ID number and phone; only the applicant themself
/// and the department's staff reading one case see them in full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseView {
    /// A clerk or approver of the case's department and region, reading one case.
    Staff,
    /// The applicant who submitted the case online.
    Owner,
    /// Everyone else, and every list.
    Masked,
}

impl CaseView {
    /// The view `actor` gets of one case. Supervisors read the masked view: they check how
    /// a case was handled, which never needs the applicant's documents.
    pub fn of(actor: &Actor, case: &Case) -> CaseView {
        let staff = (actor.has(Role::Clerk) || actor.has(Role::Approver))
            && actor.works_for(&case.terms.department_id, &case.terms.region_code);
        if staff {
            CaseView::Staff
        } else if actor.owns(case) {
            CaseView::Owner
        } else {
            CaseView::Masked
        }
    }

    /// The view `actor` gets of one bundle case: its applicant, or staff of the lead
    /// department, which sees the whole bundle.
    pub fn of_bundle(actor: &Actor, bundle: &BundleCase) -> CaseView {
        let staff = (actor.has(Role::Clerk) || actor.has(Role::Approver))
            && actor.works_for(&bundle.terms.lead_department_id, &bundle.terms.region_code);
        let owner = actor.has(Role::Applicant)
            && bundle.applicant_subject.as_deref() == Some(actor.subject.as_str());
        if staff {
            CaseView::Staff
        } else if owner {
            CaseView::Owner
        } else {
            CaseView::Masked
        }
    }

    pub fn is_masked(self) -> bool {
        self == CaseView::Masked
    }
}

// ---------------------------------------------------------------- primitives

/// A required ISO date (`YYYY-MM-DD`).
pub fn date(s: &str, field: &str, v: &mut Violations) -> Option<NaiveDate> {
    if s.is_empty() {
        v.add(field, "must be given as YYYY-MM-DD");
        return None;
    }
    optional_date(s, field, v).flatten()
}

/// An ISO date that may be empty: `Some(None)` when empty, `None` when malformed.
pub fn optional_date(s: &str, field: &str, v: &mut Violations) -> Option<Option<NaiveDate>> {
    if s.is_empty() {
        return Some(None);
    }
    // chrono alone also takes `2026-3-2`; the contract promises exactly ten characters.
    let parsed = (s.len() == 10)
        .then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .flatten();
    if parsed.is_none() {
        v.add(field, format!("{s:?} is not a date (YYYY-MM-DD)"));
        return None;
    }
    Some(parsed)
}

pub fn format_date(d: NaiveDate) -> String {
    // NaiveDate's Display is ISO 8601 (YYYY-MM-DD), as "%Y-%m-%d" would be, without parsing
    // a format string on every call.
    d.to_string()
}

/// An absent date is the empty string, as the contract spells "not yet".
pub fn format_optional_date(d: Option<NaiveDate>) -> String {
    d.map(format_date).unwrap_or_default()
}

pub fn timestamp(t: DateTime<Utc>) -> Timestamp {
    Timestamp {
        seconds: t.timestamp(),
        nanos: i32::try_from(t.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

/// Counts of days: a negative number is a violation, not a wrap-around.
fn count(n: i32, field: &str, v: &mut Violations) -> Option<u32> {
    let parsed = u32::try_from(n).ok();
    if parsed.is_none() {
        v.add(field, "must not be negative");
    }
    parsed
}

/// A required identifier: blank is a violation.
fn required_text(s: &str, field: &str, v: &mut Violations) -> Option<String> {
    if s.trim().is_empty() {
        v.add(field, "must not be empty");
        return None;
    }
    Some(s.to_string())
}

/// The contract's counters are `int32`; a domain count never comes near the limit, and
/// saturating keeps a conversion to the contract infallible.
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

/// Converts each element, keeping going after a bad one so every violation is reported.
fn each<P, D>(
    items: &[P],
    at: impl Fn(usize) -> String,
    v: &mut Violations,
    mut convert: impl FnMut(&P, &str, &mut Violations) -> Option<D>,
) -> Option<Vec<D>> {
    let converted: Vec<Option<D>> = items
        .iter()
        .enumerate()
        .map(|(i, item)| convert(item, &at(i), v))
        .collect();
    converted.into_iter().collect()
}

#[cfg(test)]
mod event_tests;
#[cfg(test)]
mod filter_tests;
#[cfg(test)]
mod request_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod view_tests;
