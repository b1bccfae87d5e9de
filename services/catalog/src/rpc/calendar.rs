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

/// A year's schedule from the contract; the calendar validates it further when set.
pub fn year_from_proto(c: &pb::CalendarYear) -> Result<YearSchedule, Violations> {
    let mut v = Violations::new();
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
