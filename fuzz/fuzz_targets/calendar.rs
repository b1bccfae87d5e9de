//! Working-day arithmetic on any dates and counts, on the official calendar and on one
//! whose schedule the input writes: it never panics, and wherever it answers, counting back
//! what was added gives the count, and the result is a working day.

#![no_main]

use chrono::{Datelike, Days, NaiveDate, Weekday};
use libfuzzer_sys::fuzz_target;
use onewindow_kit::calendar::{Calendar, YearSchedule};

fn date(bytes: [u8; 4]) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(i32::from_le_bytes(bytes))
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 12 {
        return;
    }
    let from = date([data[0], data[1], data[2], data[3]]);
    let to = date([data[4], data[5], data[6], data[7]]);
    let n = u32::from_le_bytes([data[8], data[9], data[10], data[11]]) % 5000;
    let rest = &data[12..];

    // A schedule for the year of `from`: each further pair of bytes a day off or a worked
    // weekend day. Set only if it validates, like an admin's edit.
    let mut calendar = Calendar::official();
    if let Some(from) = from {
        let year = from.year();
        let mut schedule = YearSchedule::unpublished(year);
        schedule.published = rest.first().is_some_and(|b| b & 1 == 1);
        schedule.source = "fuzz".into();
        if let Some(jan1) = NaiveDate::from_ymd_opt(year, 1, 1) {
            for pair in rest.chunks_exact(2).skip(1) {
                let offset = u64::from(u16::from_le_bytes([pair[0], pair[1]]) % 366);
                let Some(day) = jan1.checked_add_days(Days::new(offset)) else {
                    continue;
                };
                if day.year() != year {
                    continue;
                }
                if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && pair[0] & 0x80 != 0 {
                    schedule.makeup_workdays.insert(day, "补班".into());
                } else if !schedule.makeup_workdays.contains_key(&day) {
                    schedule.holidays.insert(day, "假日".into());
                }
            }
        }
        let _ = calendar.set_year(schedule);
    }

    for cal in [&Calendar::official(), &calendar] {
        if let (Some(from), Some(to)) = (from, to) {
            let _ = cal.count_working_days(from, to);
            let _ = cal.is_workday(to);
        }
        let Some(from) = from else { continue };
        let Ok(due) = cal.add_working_days(from, n) else {
            continue;
        };
        let back = cal
            .count_working_days(from, due.value)
            .expect("a date the calendar reached is one it counts to");
        assert_eq!(back.value, n, "from {from} by {n} to {}", due.value);
        assert_eq!(back.years_without_schedule, due.years_without_schedule);
        if n > 0 {
            assert!(cal.is_workday(due.value), "{} is a day off", due.value);
            assert!(due.value > from);
        } else {
            assert_eq!(due.value, from);
        }
    }
});
