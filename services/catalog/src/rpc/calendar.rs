//! Calendar years between the contract and the kit's calendar.

use std::collections::BTreeMap;

use onewindow_kit::calendar::YearSchedule;
use onewindow_kit::error::Violations;
use onewindow_proto::catalog::v1 as pb;

use super::convert::{date, format_date};

pub fn year_to_proto(
    region_code: &str,
    year: i32,
    schedule: Option<&YearSchedule>,
) -> pb::CalendarYear {
    let Some(s) = schedule else {
        return pb::CalendarYear {
            region_code: region_code.into(),
            year,
            published: false,
            days: Vec::new(),
            source: String::new(),
        };
    };
    let mut days: Vec<pb::SpecialDay> = s
        .holidays
        .iter()
        .map(|(d, name)| pb::SpecialDay {
            date: format_date(*d),
            kind: pb::DayKind::Holiday.into(),
            name: name.clone(),
        })
        .chain(s.makeup_workdays.iter().map(|(d, name)| pb::SpecialDay {
            date: format_date(*d),
            kind: pb::DayKind::MakeupWorkday.into(),
            name: name.clone(),
        }))
        .collect();
    days.sort_by(|a, b| a.date.cmp(&b.date));
    pb::CalendarYear {
        region_code: region_code.into(),
        year,
        published: s.published,
        days,
        source: s.source.clone(),
    }
}

/// The most special days of a year: one entry per day of a leap year.
pub const MAX_SPECIAL_DAYS: usize = 366;

/// A year's schedule from the contract; the calendar validates it further when set.
pub fn year_from_proto(c: &pb::CalendarYear) -> Result<YearSchedule, Violations> {
    let mut v = Violations::new();
    v.check_items(c.days.len(), MAX_SPECIAL_DAYS, "calendar.days");
    if !v.is_empty() {
        return Err(v);
    }
    let mut holidays = BTreeMap::new();
    let mut makeup = BTreeMap::new();
    for (i, day) in c.days.iter().enumerate() {
        let field = format!("calendar.days[{i}]");
        let Some(d) = date(&day.date, &format!("{field}.date"), &mut v) else {
            continue;
        };
        match pb::DayKind::try_from(day.kind) {
            Ok(pb::DayKind::Holiday) => {
                holidays.insert(d, day.name.clone());
            }
            Ok(pb::DayKind::MakeupWorkday) => {
                makeup.insert(d, day.name.clone());
            }
            _ => v.add(
                format!("{field}.kind"),
                "must be DAY_KIND_HOLIDAY or DAY_KIND_MAKEUP_WORKDAY",
            ),
        }
    }
    let schedule = YearSchedule {
        year: c.year,
        published: c.published,
        source: c.source.clone(),
        holidays,
        makeup_workdays: makeup,
    };
    if v.is_empty() {
        if let Err(e) = schedule.validate() {
            v.add("calendar", e.to_string());
        }
    }
    if v.is_empty() {
        Ok(schedule)
    } else {
        Err(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(date: &str) -> pb::SpecialDay {
        pb::SpecialDay {
            date: date.into(),
            kind: pb::DayKind::Holiday.into(),
            name: "元旦".into(),
        }
    }

    #[test]
    fn a_year_of_more_special_days_than_days_is_refused_at_the_list() {
        let year = |days: Vec<pb::SpecialDay>| pb::CalendarYear {
            region_code: "140200".into(),
            year: 2026,
            published: false,
            days,
            source: String::new(),
        };
        assert!(year_from_proto(&year(vec![day("2026-01-01")])).is_ok());
        let v = year_from_proto(&year(vec![day("2026-01-01"); MAX_SPECIAL_DAYS + 1])).unwrap_err();
        assert_eq!(v.as_slice().len(), 1);
        assert_eq!(v.as_slice()[0].field, "calendar.days");
    }
}
