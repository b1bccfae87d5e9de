//! Properties of working-day arithmetic on the official calendar and on random schedules
//! (holidays on any weekday, worked weekends, unpublished years): adding n working days and
//! counting back gives n, the result is a working day, and the result grows with n.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use onewindow_kit::calendar::{Calendar, YearSchedule};
use proptest::prelude::*;

fn date_in(years: std::ops::RangeInclusive<i32>) -> impl Strategy<Value = NaiveDate> {
    let first = NaiveDate::from_ymd_opt(*years.start(), 1, 1).expect("a date");
    let last = NaiveDate::from_ymd_opt(*years.end(), 12, 31).expect("a date");
    (0..=(last - first).num_days())
        .prop_map(move |n| first + Days::new(u64::try_from(n).expect("not negative")))
}

/// A schedule for `year`: random days off, random worked weekend days, maybe a draft.
fn schedule(year: i32) -> impl Strategy<Value = YearSchedule> {
    (
        prop::collection::vec(0u32..365, 0..40),
        prop::collection::vec(0u32..365, 0..10),
        prop::bool::weighted(0.8),
    )
        .prop_map(move |(off, worked, published)| {
            let jan1 = NaiveDate::from_ymd_opt(year, 1, 1).expect("a date");
            let day = |n: u32| jan1 + Days::new(u64::from(n));
            let holidays: BTreeMap<NaiveDate, String> = off
                .into_iter()
                .map(day)
                .filter(|d| d.year() == year)
                .map(|d| (d, "节日".to_string()))
                .collect();
            let makeup_workdays = worked
                .into_iter()
                .map(day)
                .filter(|d| d.year() == year)
                .filter(|d| matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
                .filter(|d| !holidays.contains_key(d))
                .map(|d| (d, "节日".to_string()))
                .collect();
            YearSchedule {
                year,
                published,
                source: "通知".into(),
                holidays,
                makeup_workdays,
            }
        })
}

/// A calendar with random schedules for 2025 to 2027 and none for the years around them.
fn calendar() -> impl Strategy<Value = Calendar> {
    (schedule(2025), schedule(2026), schedule(2027)).prop_map(|(a, b, c)| {
        let mut cal = Calendar::empty();
        for s in [a, b, c] {
            cal.set_year(s).expect("a valid schedule");
        }
        cal
    })
}

fn add(cal: &Calendar, from: NaiveDate, n: u32) -> NaiveDate {
    cal.add_working_days(from, n).expect("in range").value
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn counting_back_what_was_added_gives_n(
        cal in calendar(),
        from in date_in(2024..=2028),
        n in 0u32..300,
    ) {
        let due = cal.add_working_days(from, n).expect("in range");
        let counted = cal.count_working_days(from, due.value).expect("in range");
        prop_assert_eq!(counted.value, n);
        prop_assert_eq!(counted.years_without_schedule, due.years_without_schedule);
    }

    #[test]
    fn added_days_land_on_working_days(
        cal in calendar(),
        from in date_in(2024..=2028),
        n in 1u32..300,
    ) {
        let due = add(&cal, from, n);
        prop_assert!(cal.is_workday(due), "{due} is a day off");
        prop_assert!(due > from);
        // No working day is skipped: the day before still lacks one.
        let eve = due.pred_opt().expect("in range");
        prop_assert_eq!(cal.count_working_days(from, eve).expect("in range").value, n - 1);
    }

    #[test]
    fn adding_more_days_never_ends_earlier(
        cal in calendar(),
        from in date_in(2024..=2028),
        n in 0u32..300,
        more in 1u32..60,
    ) {
        let a = add(&cal, from, n);
        let b = add(&cal, from, n + more);
        prop_assert!(b > a, "{} days: {}, {} days: {}", n, a, n + more, b);
        // And in steps: adding n then more is adding n + more.
        prop_assert_eq!(add(&cal, a, more), b);
    }

    #[test]
    fn a_later_start_never_ends_earlier(
        cal in calendar(),
        from in date_in(2024..=2028),
        later in 0u64..40,
        n in 0u32..200,
    ) {
        let start = from + Days::new(later);
        prop_assert!(add(&cal, start, n) >= add(&cal, from, n));
    }

    #[test]
    fn the_official_calendar_matches_a_day_by_day_walk(
        from in date_in(2024..=2027),
        n in 0u32..120,
    ) {
        let cal = Calendar::official();
        let mut day = from;
        let mut left = n;
        while left > 0 {
            day = day.succ_opt().expect("in range");
            if cal.is_workday(day) {
                left -= 1;
            }
        }
        prop_assert_eq!(add(&cal, from, n), day);
    }
}
