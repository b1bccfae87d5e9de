//! The working-day calendar: which civil dates the center works, and deadlines counted in
//! working days.
//!
//! A day is a working day when it is a make-up workday (调休上班) of its year's published
//! schedule, or else when it is Monday to Friday and not a holiday of that schedule. A year
//! whose schedule is not published falls back to Monday to Friday, and every reckoning that
//! crosses such a year names it in [`Reckoned::years_without_schedule`]: a deadline there may
//! move once the State Council publishes the year, and the caller must be able to say so.
//!
//! The center owns its holiday data: [`Calendar::official`] carries the national schedules
//! embedded from `data/holidays/*.toml`, and a region overrides or adds a year with
//! [`Calendar::set_year`], typically from TOML an administrator loads
//! ([`YearSchedule::from_toml`]).
//!
//! Reckoning is bounded: at most [`MAX_WORKING_DAYS`] days are added, and only dates of the
//! years [`MIN_YEAR`]..=[`MAX_YEAR`] are reckoned with; anything else is an error, never a
//! panic or an endless walk.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// The most working days one reckoning may add: ten years, far past any legal time limit.
pub const MAX_WORKING_DAYS: u32 = 3650;
/// The first year the calendar reckons with.
pub const MIN_YEAR: i32 = 1900;
/// The last year the calendar reckons with.
pub const MAX_YEAR: i32 = 9999;

/// Longest holiday or make-up day name, in characters.
const MAX_NAME_CHARS: usize = 64;
/// Longest source reference, in characters.
const MAX_SOURCE_CHARS: usize = 500;

const OFFICIAL_DATA: [&str; 3] = [
    include_str!("../data/holidays/2024.toml"),
    include_str!("../data/holidays/2025.toml"),
    include_str!("../data/holidays/2026.toml"),
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("{days} working days is more than the {max} one reckoning may span")]
    TooManyDays { days: u32, max: u32 },
    #[error("{date} is outside the dates the calendar reckons with ({MIN_YEAR} to {MAX_YEAR})")]
    OutOfRange { date: NaiveDate },
    #[error("invalid holiday schedule: {reason}")]
    InvalidSchedule { reason: String },
}

fn invalid(reason: impl Into<String>) -> CalendarError {
    CalendarError::InvalidSchedule {
        reason: reason.into(),
    }
}

/// One year's arrangement of days off and make-up workdays, as a State Council notice (or a
/// region's own decision) sets it.
///
/// `holidays` lists the days off of the arrangement, whichever weekday they fall on;
/// `makeup_workdays` lists the Saturdays and Sundays that are worked. Each maps the date to
/// the festival it belongs to (元旦, 春节, 清明节, 劳动节, 端午节, 中秋节, 国庆节, or a
/// region's own). An unpublished schedule (`published = false`) is a draft: it is kept, but
/// its days are not applied and the year reckons as Monday to Friday, flagged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearSchedule {
    pub year: i32,
    pub published: bool,
    /// The notice the arrangement comes from, so anyone can check it.
    pub source: String,
    pub holidays: BTreeMap<NaiveDate, String>,
    pub makeup_workdays: BTreeMap<NaiveDate, String>,
}

/// The TOML shape of a schedule. Dates are read as text so that a bad date is reported by
/// its key, and so that one date cannot be written twice in two spellings.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScheduleFile {
    year: i32,
    published: bool,
    #[serde(default)]
    source: String,
    #[serde(default)]
    holidays: BTreeMap<String, String>,
    #[serde(default)]
    makeup_workdays: BTreeMap<String, String>,
}

impl YearSchedule {
    /// A year known to have no published arrangement yet.
    pub fn unpublished(year: i32) -> YearSchedule {
        YearSchedule {
            year,
            published: false,
            source: String::new(),
            holidays: BTreeMap::new(),
            makeup_workdays: BTreeMap::new(),
        }
    }

    /// Reads a schedule from TOML and validates it:
    ///
    /// ```toml
    /// year = 2026
    /// published = true
    /// source = "国务院办公厅关于2026年部分节假日安排的通知（国办发明电〔2025〕7号）"
    ///
    /// [holidays]
    /// "2026-01-01" = "元旦"
    ///
    /// [makeup_workdays]
    /// "2026-01-04" = "元旦"
    /// ```
    pub fn from_toml(text: &str) -> Result<YearSchedule, CalendarError> {
        let file: ScheduleFile =
            toml::from_str(text).map_err(|e| invalid(format!("not a schedule file: {e}")))?;
        let year = file.year;
        let schedule = YearSchedule {
            year,
            published: file.published,
            source: file.source,
            holidays: parse_days(year, "holidays", file.holidays)?,
            makeup_workdays: parse_days(year, "makeup_workdays", file.makeup_workdays)?,
        };
        schedule.validate()?;
        Ok(schedule)
    }

    /// Writes the schedule in the form [`YearSchedule::from_toml`] reads.
    pub fn to_toml(&self) -> Result<String, CalendarError> {
        let days = |m: &BTreeMap<NaiveDate, String>| -> BTreeMap<String, String> {
            m.iter()
                .map(|(d, name)| (d.format("%Y-%m-%d").to_string(), name.clone()))
                .collect()
        };
        let file = ScheduleFile {
            year: self.year,
            published: self.published,
            source: self.source.clone(),
            holidays: days(&self.holidays),
            makeup_workdays: days(&self.makeup_workdays),
        };
        toml::to_string(&file).map_err(|e| invalid(format!("cannot be written as toml: {e}")))
    }

    /// Checks what [`Calendar::set_year`] relies on: the year is one the calendar reckons
    /// with, every date lies in it, no day is both off and worked, make-up workdays are
    /// Saturdays or Sundays (a worked weekday needs no entry), every day is named, and a
    /// published schedule says where it comes from. Holidays may fall on any weekday.
    pub fn validate(&self) -> Result<(), CalendarError> {
        let year = self.year;
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(invalid(format!(
                "year {year} is outside {MIN_YEAR} to {MAX_YEAR}"
            )));
        }
        if self.published && self.source.trim().is_empty() {
            return Err(invalid(format!(
                "year {year}: a published schedule needs its source"
            )));
        }
        if self.source.chars().count() > MAX_SOURCE_CHARS {
            return Err(invalid(format!(
                "year {year}: source is longer than {MAX_SOURCE_CHARS} characters"
            )));
        }
        for (kind, days) in [
            ("holiday", &self.holidays),
            ("make-up workday", &self.makeup_workdays),
        ] {
            for (date, name) in days {
                if date.year() != year {
                    return Err(invalid(format!(
                        "year {year}: {kind} {date} is not in that year"
                    )));
                }
                if name.trim().is_empty() {
                    return Err(invalid(format!("year {year}: {kind} {date} has no name")));
                }
                if name.chars().count() > MAX_NAME_CHARS {
                    return Err(invalid(format!(
                        "year {year}: name of {kind} {date} is longer than {MAX_NAME_CHARS} characters"
                    )));
                }
            }
        }
        for date in self.makeup_workdays.keys() {
            if self.holidays.contains_key(date) {
                return Err(invalid(format!(
                    "year {year}: {date} is both a holiday and a make-up workday"
                )));
            }
            if !is_weekend(*date) {
                return Err(invalid(format!(
                    "year {year}: make-up workday {date} is not a saturday or sunday"
                )));
            }
        }
        Ok(())
    }
}

fn parse_days(
    year: i32,
    table: &str,
    raw: BTreeMap<String, String>,
) -> Result<BTreeMap<NaiveDate, String>, CalendarError> {
    let mut days = BTreeMap::new();
    for (key, name) in raw {
        let date = NaiveDate::parse_from_str(&key, "%Y-%m-%d")
            .ok()
            .filter(|d| d.format("%Y-%m-%d").to_string() == key)
            .ok_or_else(|| {
                invalid(format!(
                    "year {year}: {table} key \"{key}\" is not a date written yyyy-mm-dd"
                ))
            })?;
        days.insert(date, name);
    }
    Ok(days)
}

/// A reckoned value and the years it crossed that have no published schedule. Those years
/// were reckoned as Monday to Friday; a non-empty set means the value may still change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reckoned<T> {
    pub value: T,
    pub years_without_schedule: BTreeSet<i32>,
}

impl<T> Reckoned<T> {
    /// Whether every year crossed had a published schedule, so the value is final.
    pub fn is_certain(&self) -> bool {
        self.years_without_schedule.is_empty()
    }
}

/// A region's calendar: the national schedules, each year overridable.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Calendar {
    years: BTreeMap<i32, YearSchedule>,
}

impl Calendar {
    /// The national schedules the center ships (2024 to 2026).
    pub fn official() -> Calendar {
        static OFFICIAL: OnceLock<Calendar> = OnceLock::new();
        OFFICIAL
            .get_or_init(|| {
                let mut calendar = Calendar::empty();
                // The embedded files are checked by the tests; were one ever broken, its year
                // would reckon as unpublished and be flagged, which is wrong-but-visible
                // rather than a service that cannot start.
                for text in OFFICIAL_DATA {
                    if let Ok(schedule) = YearSchedule::from_toml(text) {
                        let _ = calendar.set_year(schedule);
                    }
                }
                calendar
            })
            .clone()
    }

    /// A calendar with no schedule at all: every year reckons as Monday to Friday, flagged.
    pub fn empty() -> Calendar {
        Calendar::default()
    }

    /// Validates the schedule ([`YearSchedule::validate`]) and makes it the year's, replacing
    /// whatever the year had, national data included.
    pub fn set_year(&mut self, schedule: YearSchedule) -> Result<(), CalendarError> {
        schedule.validate()?;
        self.years.insert(schedule.year, schedule);
        Ok(())
    }

    /// Takes the year's schedule away; the year then reckons as unpublished.
    pub fn remove_year(&mut self, year: i32) -> Option<YearSchedule> {
        self.years.remove(&year)
    }

    /// The schedule the calendar holds for the year, published or a draft.
    pub fn year(&self, year: i32) -> Option<&YearSchedule> {
        self.years.get(&year)
    }

    /// Every schedule held, by year.
    pub fn years(&self) -> impl Iterator<Item = &YearSchedule> {
        self.years.values()
    }

    /// Whether the year's days come from a published schedule.
    pub fn has_schedule(&self, year: i32) -> bool {
        self.published(year).is_some()
    }

    fn published(&self, year: i32) -> Option<&YearSchedule> {
        self.years.get(&year).filter(|s| s.published)
    }

    /// Whether the center works on that day. A year without a published schedule works
    /// Monday to Friday.
    pub fn is_workday(&self, d: NaiveDate) -> bool {
        match self.published(d.year()) {
            Some(s) if s.makeup_workdays.contains_key(&d) => true,
            Some(s) if s.holidays.contains_key(&d) => false,
            _ => !is_weekend(d),
        }
    }

    /// The festival a day off belongs to, when the day is a holiday of a published schedule.
    pub fn holiday_name(&self, d: NaiveDate) -> Option<&str> {
        self.published(d.year())
            .and_then(|s| s.holidays.get(&d))
            .map(String::as_str)
    }

    /// The `days`-th working day strictly after `from`; `from` itself when `days` is 0.
    ///
    /// A case accepted on `from` with a limit of `days` working days is due at the end of the
    /// returned day. The day of acceptance never counts, make-up weekend days do, holidays
    /// do not. Years crossed after `from` up to the result that have no published schedule
    /// are flagged.
    pub fn add_working_days(
        &self,
        from: NaiveDate,
        days: u32,
    ) -> Result<Reckoned<NaiveDate>, CalendarError> {
        check_range(from)?;
        if days > MAX_WORKING_DAYS {
            return Err(CalendarError::TooManyDays {
                days,
                max: MAX_WORKING_DAYS,
            });
        }
        let mut flagged = BTreeSet::new();
        let mut day = from;
        let mut left = days;
        let mut seen_year = None;
        // Each step moves one day forward and the walk stops at MAX_YEAR, so even a calendar
        // made of nothing but holidays ends.
        while left > 0 {
            day = day
                .succ_opt()
                .ok_or(CalendarError::OutOfRange { date: day })?;
            if day.year() > MAX_YEAR {
                return Err(CalendarError::OutOfRange { date: day });
            }
            if seen_year != Some(day.year()) {
                seen_year = Some(day.year());
                if !self.has_schedule(day.year()) {
                    flagged.insert(day.year());
                }
            }
            if self.is_workday(day) {
                left -= 1;
            }
        }
        Ok(Reckoned {
            value: day,
            years_without_schedule: flagged,
        })
    }

    /// The number of working days d with `from < d <= to`: 0 when `to <= from`.
    ///
    /// This is the inverse of [`Calendar::add_working_days`]: for every `from` and `n`,
    /// `count_working_days(from, add_working_days(from, n)) == n`, and both flag the same
    /// years. Used for time elapsed or suspended, it counts working days since `from`.
    pub fn count_working_days(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Reckoned<u32>, CalendarError> {
        check_range(from)?;
        check_range(to)?;
        let mut flagged = BTreeSet::new();
        let Some(first) = from.succ_opt().filter(|d| *d <= to) else {
            return Ok(Reckoned {
                value: 0,
                years_without_schedule: flagged,
            });
        };
        // Year by year rather than day by day, so that a span of centuries costs as little
        // as a span of weeks.
        let mut total: u64 = 0;
        for year in first.year()..=to.year() {
            let (Some(jan1), Some(dec31)) = (
                NaiveDate::from_ymd_opt(year, 1, 1),
                NaiveDate::from_ymd_opt(year, 12, 31),
            ) else {
                return Err(CalendarError::OutOfRange { date: to });
            };
            let start = first.max(jan1);
            let end = to.min(dec31);
            let mut n = weekdays_between(start, end);
            match self.published(year) {
                // Validation keeps make-up days on weekends and apart from holidays, so the
                // two adjustments never touch the same day.
                Some(s) => {
                    let off = s
                        .holidays
                        .range(start..=end)
                        .filter(|(d, _)| !is_weekend(**d))
                        .count() as u64;
                    let worked = s.makeup_workdays.range(start..=end).count() as u64;
                    n = n.saturating_sub(off).saturating_add(worked);
                }
                None => {
                    flagged.insert(year);
                }
            }
            total = total.saturating_add(n);
        }
        Ok(Reckoned {
            value: u32::try_from(total).unwrap_or(u32::MAX),
            years_without_schedule: flagged,
        })
    }
}

fn check_range(d: NaiveDate) -> Result<(), CalendarError> {
    if (MIN_YEAR..=MAX_YEAR).contains(&d.year()) {
        Ok(())
    } else {
        Err(CalendarError::OutOfRange { date: d })
    }
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Mondays to Fridays in `first..=last` (0 when `last < first`).
fn weekdays_between(first: NaiveDate, last: NaiveDate) -> u64 {
    let Ok(len) = u64::try_from((last - first).num_days() + 1) else {
        return 0;
    };
    let start = u64::from(first.weekday().num_days_from_monday());
    let rest = (0..len % 7).filter(|i| (start + i) % 7 < 5).count() as u64;
    len / 7 * 5 + rest
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn add(cal: &Calendar, from: NaiveDate, n: u32) -> Reckoned<NaiveDate> {
        cal.add_working_days(from, n).expect("within range")
    }

    fn count(cal: &Calendar, from: NaiveDate, to: NaiveDate) -> Reckoned<u32> {
        cal.count_working_days(from, to).expect("within range")
    }

    fn years(ys: &[i32]) -> BTreeSet<i32> {
        ys.iter().copied().collect()
    }

    fn naive_count(cal: &Calendar, from: NaiveDate, to: NaiveDate) -> u32 {
        from.iter_days()
            .skip(1)
            .take_while(|d| *d <= to)
            .filter(|d| cal.is_workday(*d))
            .count() as u32
    }

    #[test]
    fn official_data_loads_all_three_years() {
        for text in OFFICIAL_DATA {
            YearSchedule::from_toml(text).expect("embedded schedule is valid");
        }
        let cal = Calendar::official();
        let held: Vec<i32> = cal.years().map(|s| s.year).collect();
        assert_eq!(held, vec![2024, 2025, 2026]);
        for s in cal.years() {
            assert!(s.published);
            assert!(s.source.contains("国务院办公厅关于"), "{}", s.source);
        }
    }

    #[test]
    fn official_data_has_the_notices_day_counts() {
        let cal = Calendar::official();
        let counts = |y: i32| {
            let s = cal.year(y).expect("official year");
            (s.holidays.len(), s.makeup_workdays.len())
        };
        assert_eq!(counts(2024), (28, 8));
        assert_eq!(counts(2025), (28, 5));
        assert_eq!(counts(2026), (33, 6));
    }

    #[test]
    fn makeup_saturday_counts_as_working_day() {
        let cal = Calendar::official();
        // Friday 2026-02-13, the eve of the Spring Festival break; Saturday 14th is worked.
        assert!(cal.is_workday(date(2026, 2, 14)));
        assert_eq!(add(&cal, date(2026, 2, 13), 1).value, date(2026, 2, 14));
        // Friday 2026-10-09, after National Day; Saturday 10th is worked.
        assert_eq!(add(&cal, date(2026, 10, 9), 1).value, date(2026, 10, 10));
        assert_eq!(count(&cal, date(2026, 10, 9), date(2026, 10, 12)).value, 2);
    }

    #[test]
    fn makeup_sunday_counts_as_working_day() {
        let cal = Calendar::official();
        assert!(cal.is_workday(date(2026, 1, 4)));
        assert_eq!(add(&cal, date(2025, 12, 31), 1).value, date(2026, 1, 4));
    }

    #[test]
    fn holiday_on_a_weekday_is_not_a_working_day() {
        let cal = Calendar::official();
        assert!(!cal.is_workday(date(2026, 5, 4)));
        assert_eq!(cal.holiday_name(date(2026, 5, 4)), Some("劳动节"));
        assert_eq!(cal.holiday_name(date(2026, 5, 6)), None);
    }

    #[test]
    fn spring_festival_2026_is_skipped() {
        let cal = Calendar::official();
        // 2026-02-15..=23 are off; the make-up Saturday before them is worked.
        assert_eq!(add(&cal, date(2026, 2, 13), 2).value, date(2026, 2, 24));
        assert_eq!(add(&cal, date(2026, 2, 14), 1).value, date(2026, 2, 24));
        assert_eq!(count(&cal, date(2026, 2, 14), date(2026, 2, 23)).value, 0);
        assert!(add(&cal, date(2026, 2, 14), 1).is_certain());
    }

    #[test]
    fn national_day_2025_is_skipped() {
        let cal = Calendar::official();
        // 2025-10-01..=08 are off (National Day with Mid-Autumn); Saturday 11th is worked.
        assert_eq!(add(&cal, date(2025, 9, 30), 1).value, date(2025, 10, 9));
        assert_eq!(add(&cal, date(2025, 9, 30), 3).value, date(2025, 10, 11));
        assert_eq!(add(&cal, date(2025, 9, 30), 4).value, date(2025, 10, 13));
        assert_eq!(cal.holiday_name(date(2025, 10, 6)), Some("中秋节"));
    }

    #[test]
    fn zero_days_is_the_day_itself() {
        let cal = Calendar::official();
        let r = add(&cal, date(2026, 2, 15), 0);
        assert_eq!(r.value, date(2026, 2, 15));
        assert!(r.is_certain());
    }

    #[test]
    fn count_is_zero_when_to_is_not_after_from() {
        let cal = Calendar::official();
        assert_eq!(count(&cal, date(2026, 3, 3), date(2026, 3, 3)).value, 0);
        assert_eq!(count(&cal, date(2026, 3, 3), date(2026, 3, 1)).value, 0);
    }

    #[test]
    fn deadline_into_unpublished_2027_uses_weekends_and_is_flagged() {
        let cal = Calendar::official();
        // Wednesday 2026-12-30: Thursday 31st, then 2027 as Monday to Friday, so its
        // 1 January counts until its schedule is published.
        let r = add(&cal, date(2026, 12, 30), 5);
        assert_eq!(r.value, date(2027, 1, 6));
        assert_eq!(r.years_without_schedule, years(&[2027]));
        assert!(!r.is_certain());
        let c = count(&cal, date(2026, 12, 30), date(2027, 1, 6));
        assert_eq!(c.value, 5);
        assert_eq!(c.years_without_schedule, years(&[2027]));
    }

    #[test]
    fn deadline_within_published_years_is_not_flagged() {
        let cal = Calendar::official();
        let r = add(&cal, date(2024, 12, 20), 20);
        assert!(r.is_certain(), "{r:?}");
        assert!(count(&cal, date(2024, 12, 20), r.value).is_certain());
    }

    #[test]
    fn unpublished_draft_is_not_applied() {
        let mut cal = Calendar::official();
        let mut draft = YearSchedule::unpublished(2027);
        draft.holidays.insert(date(2027, 1, 1), "元旦".into());
        cal.set_year(draft).expect("a draft is valid");
        assert!(cal.year(2027).is_some());
        assert!(!cal.has_schedule(2027));
        assert!(cal.is_workday(date(2027, 1, 1)));
        let r = add(&cal, date(2026, 12, 31), 1);
        assert_eq!(r.value, date(2027, 1, 1));
        assert_eq!(r.years_without_schedule, years(&[2027]));
    }

    #[test]
    fn publishing_a_year_removes_its_flag() {
        let mut cal = Calendar::official();
        let text = r#"
            year = 2027
            published = true
            source = "a notice"
            [holidays]
            "2027-01-01" = "元旦"
        "#;
        cal.set_year(YearSchedule::from_toml(text).expect("valid"))
            .expect("valid");
        let r = add(&cal, date(2026, 12, 31), 1);
        assert_eq!(r.value, date(2027, 1, 4));
        assert!(r.is_certain());
    }

    #[test]
    fn empty_calendar_reckons_weekends_only_and_flags_every_year() {
        let cal = Calendar::empty();
        assert_eq!(cal.years().count(), 0);
        assert!(cal.is_workday(date(2026, 2, 16)));
        assert!(!cal.is_workday(date(2026, 2, 14)));
        let r = add(&cal, date(2025, 12, 31), 2);
        assert_eq!(r.value, date(2026, 1, 2));
        assert_eq!(r.years_without_schedule, years(&[2026]));
    }

    #[test]
    fn overriding_a_year_per_region_replaces_the_national_data() {
        let mut region = Calendar::official();
        let mut local = region.year(2026).expect("official 2026").clone();
        local.source = "a region's own arrangement".into();
        // A local festival on a Monday, and no make-up Saturday on 28 February.
        local.holidays.insert(date(2026, 4, 20), "地方节日".into());
        local.makeup_workdays.remove(&date(2026, 2, 28));
        region.set_year(local).expect("valid override");

        assert!(!region.is_workday(date(2026, 4, 20)));
        assert!(!region.is_workday(date(2026, 2, 28)));
        assert_eq!(
            region.year(2026).map(|s| s.source.as_str()),
            Some("a region's own arrangement")
        );
        let national = Calendar::official();
        assert!(national.is_workday(date(2026, 4, 20)));
        assert!(national.is_workday(date(2026, 2, 28)));
        assert_eq!(
            count(&national, date(2026, 2, 1), date(2026, 4, 30)).value,
            count(&region, date(2026, 2, 1), date(2026, 4, 30)).value + 2
        );
    }

    #[test]
    fn removing_a_year_makes_it_unpublished() {
        let mut cal = Calendar::official();
        assert!(cal.remove_year(2025).is_some());
        assert!(cal.is_workday(date(2025, 10, 2)));
        let r = add(&cal, date(2025, 9, 30), 1);
        assert_eq!(r.years_without_schedule, years(&[2025]));
    }

    #[test]
    fn too_many_days_is_refused() {
        let cal = Calendar::official();
        assert_eq!(
            cal.add_working_days(date(2026, 1, 1), MAX_WORKING_DAYS + 1),
            Err(CalendarError::TooManyDays {
                days: MAX_WORKING_DAYS + 1,
                max: MAX_WORKING_DAYS
            })
        );
        assert!(cal
            .add_working_days(date(2026, 1, 1), MAX_WORKING_DAYS)
            .is_ok());
        assert!(cal.add_working_days(date(2026, 1, 1), u32::MAX).is_err());
    }

    #[test]
    fn dates_outside_the_supported_years_are_refused() {
        let cal = Calendar::official();
        let early = date(1899, 12, 31);
        let late = date(10000, 1, 1);
        assert_eq!(
            cal.add_working_days(early, 1),
            Err(CalendarError::OutOfRange { date: early })
        );
        assert!(cal.count_working_days(early, date(2026, 1, 1)).is_err());
        assert!(cal.count_working_days(date(2026, 1, 1), late).is_err());
        assert!(cal.add_working_days(NaiveDate::MAX, 1).is_err());
        assert!(cal.add_working_days(NaiveDate::MIN, 0).is_err());
        // A deadline that would run past the last year is refused, not wrapped.
        assert_eq!(
            cal.add_working_days(date(9999, 12, 30), 5),
            Err(CalendarError::OutOfRange {
                date: date(10000, 1, 1)
            })
        );
    }

    #[test]
    fn count_over_the_whole_range_is_cheap_and_flags_unpublished_years() {
        let cal = Calendar::official();
        let r = count(&cal, date(1900, 1, 1), date(9999, 12, 31));
        assert!(r.value > 2_000_000);
        assert_eq!(
            r.years_without_schedule.len(),
            (MAX_YEAR - MIN_YEAR + 1 - 3) as usize
        );
        assert!(!r.years_without_schedule.contains(&2025));
    }

    #[test]
    fn error_messages_are_lowercase() {
        let errors = [
            CalendarError::TooManyDays {
                days: 4000,
                max: 3650,
            },
            CalendarError::OutOfRange {
                date: date(1800, 1, 1),
            },
            invalid("year 2027: x"),
        ];
        for e in errors {
            let text = e.to_string();
            assert!(text.starts_with(|c: char| !c.is_uppercase()), "{text}");
        }
    }

    fn valid_2027() -> YearSchedule {
        let mut s = YearSchedule::unpublished(2027);
        s.published = true;
        s.source = "a notice".into();
        s.holidays.insert(date(2027, 1, 1), "元旦".into());
        // 2027-01-02 is a Saturday: a holiday may fall on a weekend.
        s.holidays.insert(date(2027, 1, 2), "元旦".into());
        s.makeup_workdays.insert(date(2027, 1, 9), "元旦".into());
        s
    }

    #[test]
    fn schedule_validation_accepts_a_sound_year() {
        let mut cal = Calendar::empty();
        assert_eq!(cal.set_year(valid_2027()), Ok(()));
        assert!(!cal.is_workday(date(2027, 1, 2)));
        assert!(cal.is_workday(date(2027, 1, 9)));
    }

    #[test]
    fn schedule_validation_rejects_what_cannot_be_reckoned() {
        let mut cal = Calendar::official();
        let before = cal.clone();
        let mut cases: Vec<(YearSchedule, &str)> = Vec::new();

        let mut s = valid_2027();
        s.holidays.insert(date(2026, 12, 31), "x".into());
        cases.push((s, "not in that year"));
        let mut s = valid_2027();
        s.makeup_workdays.insert(date(2028, 1, 1), "x".into());
        cases.push((s, "not in that year"));
        let mut s = valid_2027();
        s.holidays.insert(date(2027, 1, 9), "x".into());
        cases.push((s, "both a holiday and a make-up workday"));
        let mut s = valid_2027();
        s.makeup_workdays.insert(date(2027, 1, 4), "x".into());
        cases.push((s, "not a saturday or sunday"));
        let mut s = valid_2027();
        s.holidays.insert(date(2027, 5, 3), " ".into());
        cases.push((s, "has no name"));
        let mut s = valid_2027();
        s.source = String::new();
        cases.push((s, "needs its source"));
        let mut s = valid_2027();
        s.year = 12000;
        s.holidays.clear();
        s.makeup_workdays.clear();
        cases.push((s, "outside"));

        for (schedule, why) in cases {
            match cal.set_year(schedule) {
                Err(CalendarError::InvalidSchedule { reason }) => {
                    assert!(reason.contains(why), "{reason} should say {why}")
                }
                other => panic!("expected invalid schedule ({why}), got {other:?}"),
            }
        }
        assert_eq!(cal, before, "a refused schedule changes nothing");
    }

    #[test]
    fn from_toml_rejects_bad_files() {
        let bad = [
            ("year = 2027\npublished = true\nsource = \"n\"\n[holidays]\n\"2027-13-01\" = \"x\"\n", "is not a date"),
            ("year = 2027\npublished = true\nsource = \"n\"\n[holidays]\n\"2027-1-1\" = \"x\"\n", "is not a date"),
            ("year = 2027\npublished = true\nsource = \"n\"\nextra = 1\n", "not a schedule file"),
            ("year = 2027\n", "not a schedule file"),
            ("not toml at all", "not a schedule file"),
            ("year = 2027\npublished = true\nsource = \"n\"\n[makeup_workdays]\n\"2027-01-04\" = \"x\"\n", "not a saturday or sunday"),
        ];
        for (text, why) in bad {
            match YearSchedule::from_toml(text) {
                Err(CalendarError::InvalidSchedule { reason }) => {
                    assert!(reason.contains(why), "{reason} should say {why}")
                }
                other => panic!("expected invalid schedule ({why}), got {other:?}"),
            }
        }
    }

    #[test]
    fn toml_round_trip_keeps_the_schedule() {
        for s in Calendar::official().years() {
            let text = s.to_toml().expect("writable");
            assert_eq!(&YearSchedule::from_toml(&text).expect("readable"), s);
        }
        let s = YearSchedule::unpublished(2030);
        let text = s.to_toml().expect("writable");
        assert_eq!(YearSchedule::from_toml(&text).expect("readable"), s);
    }

    /// The official data agrees, day by day, with the `chinese_holiday` crate over the range
    /// that crate covers (it panics after 2026-12-25).
    #[test]
    fn official_data_agrees_with_chinese_holiday() {
        let cal = Calendar::official();
        let mut disagreements = Vec::new();
        for d in date(2024, 1, 1)
            .iter_days()
            .take_while(|d| *d <= date(2026, 12, 25))
        {
            let theirs = chinese_holiday::chinese_holiday(&d).is_workday();
            if cal.is_workday(d) != theirs {
                disagreements.push((d, cal.is_workday(d), theirs));
            }
        }
        assert!(
            disagreements.is_empty(),
            "(date, ours, theirs): {disagreements:?}"
        );
    }

    #[test]
    fn weekday_arithmetic_matches_walking_day_by_day() {
        let cal = Calendar::official();
        let start = date(2023, 12, 20);
        for len in 0..800 {
            let to = start + chrono::Days::new(len);
            assert_eq!(
                count(&cal, start, to).value,
                naive_count(&cal, start, to),
                "{to}"
            );
        }
    }

    fn any_date_2023_2028() -> impl Strategy<Value = NaiveDate> {
        let first = date(2023, 1, 1);
        let span = (date(2028, 12, 31) - first).num_days() as u64;
        (0..=span).prop_map(move |n| first + chrono::Days::new(n))
    }

    /// Any date chrono can hold, often near the ends of the supported years.
    fn any_date() -> impl Strategy<Value = NaiveDate> {
        let days = |a: NaiveDate, b: NaiveDate| a.num_days_from_ce()..=b.num_days_from_ce();
        prop_oneof![
            days(NaiveDate::MIN, NaiveDate::MAX),
            days(date(1895, 1, 1), date(1905, 12, 31)),
            days(date(9990, 1, 1), date(10005, 12, 31)),
        ]
        .prop_map(|n| NaiveDate::from_num_days_from_ce_opt(n).expect("in chrono's range"))
    }

    proptest! {
        #[test]
        fn count_undoes_add(from in any_date_2023_2028(), n in 0u32..400) {
            let cal = Calendar::official();
            let due = add(&cal, from, n);
            let counted = count(&cal, from, due.value);
            prop_assert_eq!(counted.value, n);
            prop_assert_eq!(&counted.years_without_schedule, &due.years_without_schedule);
            if n > 0 {
                // The due day is the first day reaching n, not any later one.
                prop_assert!(cal.is_workday(due.value));
                let eve = due.value.pred_opt().expect("in range");
                prop_assert_eq!(count(&cal, from, eve).value, n - 1);
            }
        }

        #[test]
        fn count_is_monotonic_and_additive(
            a in any_date_2023_2028(),
            b in any_date_2023_2028(),
            c in any_date_2023_2028(),
        ) {
            let cal = Calendar::official();
            let mut v = [a, b, c];
            v.sort();
            let [a, b, c] = v;
            let ab = count(&cal, a, b).value;
            let bc = count(&cal, b, c).value;
            let ac = count(&cal, a, c).value;
            prop_assert!(ab <= ac);
            prop_assert!(count(&cal, b, c).value <= ac);
            prop_assert_eq!(ab + bc, ac);
            prop_assert_eq!(ac, naive_count(&cal, a, c));
        }

        #[test]
        fn never_panics_on_any_input(from in any_date(), to in any_date(), n in any::<u32>()) {
            let cal = Calendar::official();
            let _ = cal.is_workday(from);
            let _ = cal.add_working_days(from, n);
            let _ = cal.count_working_days(from, to);
        }
    }
}
