//! Deadline arithmetic in working days of a region's [`Calendar`].
//!
//! A case accepted on day A with a limit of N working days is due at the end of the N-th
//! working day after A; the working days inside suspension intervals and approved extension
//! days are added to N. A stage is due the same way from its own start and limit. Every
//! result carries the years it crossed without a published holiday schedule: such a date
//! was reckoned with weekends only and may still move, and whoever shows it must say so.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use onewindow_kit::calendar::{Calendar, CalendarError, Reckoned, MAX_WORKING_DAYS};
use serde::{Deserialize, Serialize};

/// Working days left at or below which a case gets an early warning (黄牌).
pub const DEFAULT_WARNING_DAYS: u32 = 2;

/// How close a deadline is (超时预警).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningLevel {
    /// More working days left than the threshold.
    Normal,
    /// 黄牌: within the threshold, the due day itself included.
    Yellow,
    /// 红牌: the due date has passed.
    Red,
}

/// An interval during which the clock stood still. Its working days are those after
/// `started_on` up to `ended_on`: the day it starts was worked on, the day it ends is not.
/// An open interval runs up to today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
}

/// A case's due dates as reckoned on some day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines {
    pub accepted_on: NaiveDate,
    /// By the promised limit (承诺时限).
    pub planned_due_date: NaiveDate,
    /// By the statutory limit (法定时限).
    pub latest_due_date: NaiveDate,
    pub suspended_days: u32,
    pub extension_days: u32,
    pub years_without_schedule: BTreeSet<i32>,
}

/// Where a deadline stands today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    pub due_date: NaiveDate,
    /// Working days after today up to the due date; negative (the working days since it)
    /// once it has passed.
    pub remaining_working_days: i64,
    pub warning: WarningLevel,
    pub years_without_schedule: BTreeSet<i32>,
}

fn merge<T>(into: &mut BTreeSet<i32>, r: Reckoned<T>) -> T {
    into.extend(r.years_without_schedule);
    r.value
}

/// The working days inside one suspension interval, counted up to `today` while open.
pub fn suspended_working_days(
    calendar: &Calendar,
    span: Span,
    today: NaiveDate,
) -> Result<Reckoned<u32>, CalendarError> {
    let end = span.ended_on.unwrap_or(today);
    calendar.count_working_days(span.started_on, end)
}

/// The working days inside all `spans`, with the years they crossed unpublished.
pub fn total_suspended_days(
    calendar: &Calendar,
    spans: &[Span],
    today: NaiveDate,
) -> Result<Reckoned<u32>, CalendarError> {
    let mut flags = BTreeSet::new();
    let mut total: u32 = 0;
    for span in spans {
        let days = merge(&mut flags, suspended_working_days(calendar, *span, today)?);
        total = total.saturating_add(days);
    }
    Ok(Reckoned {
        value: total,
        years_without_schedule: flags,
    })
}

/// `start` + `limit_days` + `suspended_days` + `extension_days` working days.
pub fn due_date(
    calendar: &Calendar,
    start: NaiveDate,
    limit_days: u32,
    suspended_days: u32,
    extension_days: u32,
) -> Result<Reckoned<NaiveDate>, CalendarError> {
    let days = limit_days
        .checked_add(suspended_days)
        .and_then(|d| d.checked_add(extension_days))
        .ok_or(CalendarError::TooManyDays {
            days: u32::MAX,
            max: MAX_WORKING_DAYS,
        })?;
    calendar.add_working_days(start, days)
}

/// A case's planned and latest due dates: acceptance + limit + the working days of every
/// suspension + approved extension days, for the promised and the statutory limit.
pub fn case_deadlines(
    calendar: &Calendar,
    accepted_on: NaiveDate,
    promised_limit_days: u32,
    statutory_limit_days: u32,
    suspensions: &[Span],
    extension_days: u32,
    today: NaiveDate,
) -> Result<Deadlines, CalendarError> {
    let mut flags = BTreeSet::new();
    let suspended = merge(
        &mut flags,
        total_suspended_days(calendar, suspensions, today)?,
    );
    let planned = merge(
        &mut flags,
        due_date(
            calendar,
            accepted_on,
            promised_limit_days,
            suspended,
            extension_days,
        )?,
    );
    let latest = merge(
        &mut flags,
        due_date(
            calendar,
            accepted_on,
            statutory_limit_days,
            suspended,
            extension_days,
        )?,
    );
    Ok(Deadlines {
        accepted_on,
        planned_due_date: planned,
        latest_due_date: latest,
        suspended_days: suspended,
        extension_days,
        years_without_schedule: flags,
    })
}

/// A stage's due date: its start + its limit + the working days suspended while it was
/// current (extensions are the case's, not a stage's).
pub fn stage_due_date(
    calendar: &Calendar,
    started_on: NaiveDate,
    limit_days: u32,
    suspensions: &[Span],
    today: NaiveDate,
) -> Result<Reckoned<NaiveDate>, CalendarError> {
    let mut flags = BTreeSet::new();
    let suspended = merge(
        &mut flags,
        total_suspended_days(calendar, suspensions, today)?,
    );
    let due = merge(
        &mut flags,
        due_date(calendar, started_on, limit_days, suspended, 0)?,
    );
    Ok(Reckoned {
        value: due,
        years_without_schedule: flags,
    })
}

/// Working days from `today` to `due`: positive ahead of it, 0 on the day, negative after.
pub fn remaining_working_days(
    calendar: &Calendar,
    today: NaiveDate,
    due: NaiveDate,
) -> Result<Reckoned<i64>, CalendarError> {
    if today <= due {
        let r = calendar.count_working_days(today, due)?;
        Ok(Reckoned {
            value: i64::from(r.value),
            years_without_schedule: r.years_without_schedule,
        })
    } else {
        let r = calendar.count_working_days(due, today)?;
        // Past the due date by calendar days only (a weekend) still counts as overdue.
        let value = -i64::from(r.value.max(1));
        Ok(Reckoned {
            value,
            years_without_schedule: r.years_without_schedule,
        })
    }
}

/// Overdue once past the due date; early warning within `warning_days` of it.
pub fn warning_level(remaining_working_days: i64, warning_days: u32) -> WarningLevel {
    if remaining_working_days < 0 {
        WarningLevel::Red
    } else if remaining_working_days <= i64::from(warning_days) {
        WarningLevel::Yellow
    } else {
        WarningLevel::Normal
    }
}

/// Where `due` stands on `today`.
pub fn standing(
    calendar: &Calendar,
    due: NaiveDate,
    today: NaiveDate,
    warning_days: u32,
) -> Result<Standing, CalendarError> {
    let r = remaining_working_days(calendar, today, due)?;
    Ok(Standing {
        due_date: due,
        remaining_working_days: r.value,
        warning: warning_level(r.value, warning_days),
        years_without_schedule: r.years_without_schedule,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn deadlines(accepted: NaiveDate, spans: &[Span], ext: u32, today: NaiveDate) -> Deadlines {
        case_deadlines(&Calendar::official(), accepted, 10, 20, spans, ext, today)
            .expect("reckonable")
    }

    #[test]
    fn promised_limit_skips_mid_autumn_and_national_day_and_counts_makeup_saturday() {
        // Accepted Monday 2026-09-21: 22-24, 28-30 September, 8-9 October, Saturday 10th
        // (a make-up workday) and Monday 12th make ten.
        let d = deadlines(date(2026, 9, 21), &[], 0, date(2026, 9, 21));
        assert_eq!(d.planned_due_date, date(2026, 10, 12));
        assert!(d.years_without_schedule.is_empty());
    }

    #[test]
    fn suspension_over_the_holiday_week_moves_the_due_date_by_exactly_its_working_days() {
        let cal = Calendar::official();
        let accepted = date(2026, 9, 21);
        let span = Span {
            started_on: date(2026, 9, 28),
            ended_on: Some(date(2026, 10, 12)),
        };
        // 29, 30 September, 8, 9, 10 (make-up), 12 October: six working days in fifteen.
        let suspended = suspended_working_days(&cal, span, date(2026, 10, 12)).expect("ok");
        assert_eq!(suspended.value, 6);
        let without = deadlines(accepted, &[], 0, date(2026, 10, 12));
        let with = deadlines(accepted, &[span], 0, date(2026, 10, 12));
        assert_eq!(with.suspended_days, 6);
        assert_eq!(with.planned_due_date, date(2026, 10, 20));
        assert_eq!(
            cal.count_working_days(without.planned_due_date, with.planned_due_date)
                .expect("ok")
                .value,
            6
        );
        assert_eq!(
            cal.count_working_days(without.latest_due_date, with.latest_due_date)
                .expect("ok")
                .value,
            6
        );
    }

    #[test]
    fn an_open_suspension_counts_up_to_today() {
        let span = Span {
            started_on: date(2026, 3, 2),
            ended_on: None,
        };
        let d = deadlines(date(2026, 3, 2), &[span], 0, date(2026, 3, 6));
        assert_eq!(d.suspended_days, 4);
        let later = deadlines(date(2026, 3, 2), &[span], 0, date(2026, 3, 9));
        assert_eq!(later.suspended_days, 5);
    }

    #[test]
    fn make_up_workdays_count() {
        let cal = Calendar::official();
        // Friday 9 October 2026: the next working day is Saturday the 10th (调休上班).
        let due = due_date(&cal, date(2026, 10, 9), 1, 0, 0).expect("ok");
        assert_eq!(due.value, date(2026, 10, 10));
        // Friday 13 February 2026: Saturday the 14th is worked before the Spring Festival.
        let due = due_date(&cal, date(2026, 2, 13), 1, 0, 0).expect("ok");
        assert_eq!(due.value, date(2026, 2, 14));
    }

    #[test]
    fn extension_days_add_to_both_due_dates() {
        let d = deadlines(date(2026, 3, 2), &[], 3, date(2026, 3, 2));
        let plain = deadlines(date(2026, 3, 2), &[], 0, date(2026, 3, 2));
        let cal = Calendar::official();
        let moved = |a, b| cal.count_working_days(a, b).expect("ok").value;
        assert_eq!(moved(plain.planned_due_date, d.planned_due_date), 3);
        assert_eq!(moved(plain.latest_due_date, d.latest_due_date), 3);
        assert_eq!(d.extension_days, 3);
    }

    #[test]
    fn a_deadline_into_2027_is_flagged() {
        // Monday 2026-12-28: 29, 30, 31 December, then 2027 reckoned Monday to Friday, its
        // 1 January counted as a working day until the year's schedule is published.
        let d = deadlines(date(2026, 12, 28), &[], 0, date(2026, 12, 28));
        assert_eq!(d.planned_due_date, date(2027, 1, 11));
        assert_eq!(d.years_without_schedule, BTreeSet::from([2027]));
        let s = standing(
            &Calendar::official(),
            d.planned_due_date,
            date(2026, 12, 28),
            2,
        )
        .expect("ok");
        assert_eq!(s.years_without_schedule, BTreeSet::from([2027]));
    }

    #[test]
    fn a_stage_due_date_adds_only_its_own_suspensions() {
        let cal = Calendar::official();
        let span = Span {
            started_on: date(2026, 3, 3),
            ended_on: Some(date(2026, 3, 5)),
        };
        let due = stage_due_date(&cal, date(2026, 3, 2), 3, &[span], date(2026, 3, 5)).expect("ok");
        // Tuesday 3rd to Thursday 5th suspends the 4th and 5th: 3 + 2 days from Monday.
        assert_eq!(due.value, date(2026, 3, 9));
        let none = stage_due_date(&cal, date(2026, 3, 2), 0, &[], date(2026, 3, 2)).expect("ok");
        assert_eq!(none.value, date(2026, 3, 2));
    }

    #[test]
    fn warning_levels_follow_the_remaining_working_days() {
        let cal = Calendar::official();
        let due = date(2026, 10, 12);
        let at = |today| standing(&cal, due, today, 2).expect("ok");
        assert_eq!(at(date(2026, 9, 30)).remaining_working_days, 4);
        assert_eq!(at(date(2026, 9, 30)).warning, WarningLevel::Normal);
        // 10th (make-up) and 12th remain.
        assert_eq!(at(date(2026, 10, 9)).remaining_working_days, 2);
        assert_eq!(at(date(2026, 10, 9)).warning, WarningLevel::Yellow);
        assert_eq!(at(due).remaining_working_days, 0);
        assert_eq!(at(due).warning, WarningLevel::Yellow);
        assert_eq!(at(date(2026, 10, 13)).remaining_working_days, -1);
        assert_eq!(at(date(2026, 10, 13)).warning, WarningLevel::Red);
    }

    #[test]
    fn overdue_over_a_weekend_is_still_red() {
        // Due Friday 2026-03-06; on Saturday no working day has passed, yet it is late.
        let s = standing(&Calendar::official(), date(2026, 3, 6), date(2026, 3, 7), 2).expect("ok");
        assert_eq!(s.remaining_working_days, -1);
        assert_eq!(s.warning, WarningLevel::Red);
    }

    fn any_date_2026() -> impl Strategy<Value = NaiveDate> {
        (0u64..365).prop_map(|n| date(2026, 1, 1) + chrono::Days::new(n))
    }

    proptest! {
        #[test]
        fn a_suspension_never_brings_a_due_date_earlier(
            accepted in any_date_2026(),
            promised in 0u32..60,
            start_after in 0u64..80,
            length in 0u64..80,
            open in any::<bool>(),
            today_after in 0u64..200,
        ) {
            let cal = Calendar::official();
            let started_on = accepted + chrono::Days::new(start_after);
            let ended_on = started_on + chrono::Days::new(length);
            let today = accepted + chrono::Days::new(today_after).max(chrono::Days::new(start_after));
            let span = Span { started_on, ended_on: (!open).then_some(ended_on) };
            let without = case_deadlines(&cal, accepted, promised, promised + 5, &[], 0, today)
                .expect("reckonable");
            let with = case_deadlines(&cal, accepted, promised, promised + 5, &[span], 0, today)
                .expect("reckonable");
            prop_assert!(with.planned_due_date >= without.planned_due_date);
            prop_assert!(with.latest_due_date >= without.latest_due_date);
            // And exactly by the suspended working days.
            let moved = cal
                .count_working_days(without.planned_due_date, with.planned_due_date)
                .expect("ok")
                .value;
            prop_assert_eq!(moved, with.suspended_days);
        }

        #[test]
        fn remaining_days_never_grow_as_days_pass(
            due in any_date_2026(),
            today in any_date_2026(),
            step in 1u64..10,
        ) {
            let cal = Calendar::official();
            let now = remaining_working_days(&cal, today, due).expect("ok").value;
            let later = remaining_working_days(&cal, today + chrono::Days::new(step), due)
                .expect("ok")
                .value;
            prop_assert!(later <= now);
        }
    }
}
