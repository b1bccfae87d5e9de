//! What supervision learns from the catalog's stream: each item version's rules (required
//! materials, fee standards, steps, window authorization, validity) and the regions'
//! working-day calendars. Rules check cases against these, not against the flags the cases
//! service computed, whenever the catalog has told supervision.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use onewindow_kit::calendar::{Calendar, YearSchedule};
use serde::{Deserialize, Serialize};

use super::terms::{HandlerRole, Stage};

/// One published version of an item, as far as supervision needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemFacts {
    pub item_id: String,
    pub version: u32,
    pub department_id: String,
    pub office_id: String,
    pub valid_from: Option<NaiveDate>,
    /// Exclusive; None while open-ended.
    pub valid_until: Option<NaiveDate>,
    pub free_of_charge: bool,
    /// Fee id -> standard amount in fen.
    pub fees: BTreeMap<String, i64>,
    /// Materials required at intake (the accept stage, or no stage named).
    pub required_at_intake: Vec<String>,
    /// The steps of the flow, in order.
    pub steps: Vec<(Stage, HandlerRole)>,
    /// The window may only receive (收发室).
    pub window_accept_only: bool,
    /// Working days of extension the version allows.
    #[serde(default)]
    pub max_extension_days: u32,
}

impl ItemFacts {
    /// Whether the version was in force on `date`.
    pub fn in_force_on(&self, date: NaiveDate) -> bool {
        self.valid_from.is_some_and(|from| from <= date)
            && self.valid_until.is_none_or(|until| date < until)
    }

    /// The role the flow names for a stage, if the stage is in the flow.
    pub fn role_of(&self, stage: Stage) -> Option<HandlerRole> {
        self.steps
            .iter()
            .find(|(s, _)| *s == stage)
            .map(|(_, r)| *r)
    }

    /// The required materials of intake that are not among `present`.
    pub fn missing_at_intake(&self, present: &[String]) -> Vec<String> {
        self.required_at_intake
            .iter()
            .filter(|m| !present.contains(m))
            .cloned()
            .collect()
    }
}

/// The region code under which the catalog publishes national calendar years.
pub const NATIONAL: &str = "000000";

/// The national calendar and the regions' own years, as the catalog announced them.
#[derive(Debug, Clone, Default)]
pub struct Calendars {
    national: Calendar,
    regional: BTreeMap<String, Vec<YearSchedule>>,
}

impl Calendars {
    /// The official schedules, overridden by what the catalog announced: (region, schedule).
    pub fn new(stored: Vec<(String, YearSchedule)>) -> Calendars {
        let mut national = Calendar::official();
        let mut regional: BTreeMap<String, Vec<YearSchedule>> = BTreeMap::new();
        for (region, schedule) in stored {
            if region == NATIONAL {
                // The catalog validated it before announcing it; a year that does not
                // validate keeps the official data rather than stopping supervision.
                let _ = national.set_year(schedule);
            } else {
                regional.entry(region).or_default().push(schedule);
            }
        }
        Calendars { national, regional }
    }

    /// These calendars with one year set (replacing what the region had for it).
    pub fn with_year(&self, region: &str, schedule: YearSchedule) -> Calendars {
        let mut next = self.clone();
        if region == NATIONAL {
            let _ = next.national.set_year(schedule);
        } else {
            let years = next.regional.entry(region.to_string()).or_default();
            years.retain(|y| y.year != schedule.year);
            years.push(schedule);
        }
        next
    }

    /// The calendar of a region: the national one with the region's own years over it.
    pub fn for_region(&self, region: &str) -> Calendar {
        let mut calendar = self.national.clone();
        if let Some(years) = self.regional.get(region) {
            for y in years {
                let _ = calendar.set_year(y.clone());
            }
        }
        calendar
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> ItemFacts {
        ItemFacts {
            item_id: "i".into(),
            version: 2,
            department_id: "d".into(),
            office_id: "o".into(),
            valid_from: NaiveDate::from_ymd_opt(2026, 1, 1),
            valid_until: NaiveDate::from_ymd_opt(2026, 7, 1),
            free_of_charge: false,
            fees: BTreeMap::new(),
            required_at_intake: vec!["m1".into(), "m2".into()],
            steps: vec![
                (Stage::Accept, HandlerRole::Clerk),
                (Stage::Review, HandlerRole::Clerk),
                (Stage::Decide, HandlerRole::Approver),
            ],
            window_accept_only: false,
            max_extension_days: 0,
        }
    }

    #[test]
    fn validity_excludes_the_end_date() {
        let f = facts();
        assert!(f.in_force_on(NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()));
        assert!(!f.in_force_on(NaiveDate::from_ymd_opt(2026, 7, 1).unwrap()));
        assert!(!f.in_force_on(NaiveDate::from_ymd_opt(2025, 12, 31).unwrap()));
    }

    #[test]
    fn missing_materials_and_roles_come_from_the_version() {
        let f = facts();
        assert_eq!(f.missing_at_intake(&["m2".into()]), ["m1"]);
        assert_eq!(f.role_of(Stage::Decide), Some(HandlerRole::Approver));
        assert_eq!(f.role_of(Stage::Conclude), None);
    }

    #[test]
    fn a_regional_year_overrides_the_national_one_only_in_its_region() {
        let mut schedule = YearSchedule::unpublished(2026);
        schedule.published = true;
        schedule.source = "市政府通知".into();
        let day = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
        schedule.holidays.insert(day, "本地节日".into());
        let c = Calendars::new(vec![("140200".into(), schedule)]);
        assert!(!c.for_region("140200").is_workday(day));
        assert!(c.for_region("140300").is_workday(day));
    }
}
