//! Efficiency monitoring (效能监察): when a case or a stage earns an early warning, a yellow
//! card or a red card. Each open deadline is a [`Watch`] that knows the highest level it
//! reached and the date of its next check, so the scanner looks only at what is newly due.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use onewindow_kit::calendar::Calendar;
use serde::{Deserialize, Serialize};

use super::error::SupervisionError;
use super::terms::{Stage, NEVER};

/// The levels, in the order a late deadline reaches them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 预警: `early_warning_days` working days or fewer are left.
    Early,
    /// 黄牌: the due date has passed.
    Yellow,
    /// 红牌: still overdue `red_after_days` working days after the yellow card.
    Red,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Early, Level::Yellow, Level::Red];

    pub fn rank(self) -> i64 {
        match self {
            Level::Early => 1,
            Level::Yellow => 2,
            Level::Red => 3,
        }
    }

    pub fn from_rank(r: i64) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.rank() == r)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Early => "early",
            Level::Yellow => "yellow",
            Level::Red => "red",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// When the levels fall due, in working days of the region's calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// The early warning comes when this many working days are left before the due date.
    pub early_warning_days: u32,
    /// The red card comes this many working days after the yellow card.
    pub red_after_days: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            early_warning_days: 1,
            red_after_days: 3,
        }
    }
}

impl Thresholds {
    /// The date on which `level` falls due for a deadline of `due`.
    ///
    /// Early: the working day from which `early_warning_days` working days remain (the day
    /// itself not counted). Yellow: the first working day after the due date, the first on
    /// which the office can see it overdue. Red: `red_after_days` working days after that.
    pub fn date_of(
        &self,
        level: Level,
        due: NaiveDate,
        calendar: &Calendar,
    ) -> Result<NaiveDate, SupervisionError> {
        Ok(match level {
            Level::Early => working_days_before(due, self.early_warning_days, calendar),
            Level::Yellow => calendar.add_working_days(due, 1)?.value,
            Level::Red => {
                calendar
                    .add_working_days(due, 1 + self.red_after_days)?
                    .value
            }
        })
    }
}

/// The first working day `d` from which exactly `days` working days remain until `due`
/// (those after `d` up to and including `due`). The kit's calendar only counts forward, so
/// this walks back; it goes on over days off, so that the warning comes on a day someone
/// is at work to act on it.
pub fn working_days_before(due: NaiveDate, days: u32, calendar: &Calendar) -> NaiveDate {
    let mut d = due;
    let mut left = days;
    while left > 0 {
        if calendar.is_workday(d) {
            left -= 1;
        }
        match d.pred_opt() {
            Some(p) => d = p,
            None => return d,
        }
    }
    // Stepping back over a day off leaves the count of working days after `d` unchanged.
    while days > 0 && !calendar.is_workday(d) {
        match d.pred_opt() {
            Some(p) => d = p,
            None => return d,
        }
    }
    d
}

/// What a watch is about: a case's promised due date, or one of its stages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "scope", content = "stage")]
pub enum Scope {
    Case,
    Stage(Stage),
}

impl Scope {
    pub fn stage(self) -> Option<Stage> {
        match self {
            Scope::Case => None,
            Scope::Stage(s) => Some(s),
        }
    }
}

/// One open deadline under watch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watch {
    pub case_id: String,
    pub scope: Scope,
    pub case_number: String,
    pub item_id: String,
    pub department_id: String,
    pub office_id: String,
    pub region_code: String,
    pub due: NaiveDate,
    /// The highest level issued so far.
    pub reached: Option<Level>,
    /// The clock is stopped by a suspension: nothing falls due.
    pub suspended: bool,
    /// Who the cards are charged to while the deadline is open.
    pub staff_subject: String,
}

/// A level that fell due, to be issued as a warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub watch: Watch,
    pub level: Level,
    /// The date the level's threshold was reached.
    pub reached_on: NaiveDate,
}

impl Watch {
    /// The key that makes a warning unique with its level: `case:<id>` or
    /// `stage:<id>:<stage>`.
    pub fn subject_key(&self) -> String {
        subject_key(&self.case_id, self.scope)
    }

    fn thresholds<'a>(&self, case: &'a Thresholds, stage: &'a Thresholds) -> &'a Thresholds {
        match self.scope {
            Scope::Case => case,
            Scope::Stage(_) => stage,
        }
    }

    /// The next level to come, if any.
    fn next_level(&self) -> Option<Level> {
        match self.reached {
            None => Some(Level::Early),
            Some(Level::Early) => Some(Level::Yellow),
            Some(Level::Yellow) => Some(Level::Red),
            Some(Level::Red) => None,
        }
    }

    /// The date the scanner must look at this watch again: the next level's date, or
    /// [`NEVER`] when suspended or red already.
    pub fn next_check(
        &self,
        case: &Thresholds,
        stage: &Thresholds,
        calendar: &Calendar,
    ) -> Result<NaiveDate, SupervisionError> {
        if self.suspended {
            return Ok(NEVER);
        }
        match self.next_level() {
            None => Ok(NEVER),
            Some(level) => self
                .thresholds(case, stage)
                .date_of(level, self.due, calendar),
        }
    }

    /// Every level not yet issued whose date is `on` or before, in order; marks them
    /// reached. A watch left alone for days gets each level it passed, each dated by the
    /// day its threshold was reached, so the record is the same however late it is looked at.
    pub fn assess(
        &mut self,
        on: NaiveDate,
        case: &Thresholds,
        stage: &Thresholds,
        calendar: &Calendar,
    ) -> Result<Vec<Due>, SupervisionError> {
        let mut due = Vec::new();
        if self.suspended {
            return Ok(due);
        }
        while let Some(level) = self.next_level() {
            let date = self
                .thresholds(case, stage)
                .date_of(level, self.due, calendar)?;
            if date > on {
                break;
            }
            self.reached = Some(level);
            due.push(Due {
                watch: self.clone(),
                level,
                reached_on: date,
            });
        }
        Ok(due)
    }
}

/// An issued early warning or card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    pub id: String,
    pub level: Level,
    pub scope: Scope,
    pub case_id: String,
    pub case_number: String,
    pub item_id: String,
    pub department_id: String,
    pub office_id: String,
    pub region_code: String,
    pub staff_subject: String,
    pub due: NaiveDate,
    pub reached_on: NaiveDate,
    pub issued_at: DateTime<Utc>,
    pub open: bool,
    pub closed_at: Option<DateTime<Utc>>,
    pub close_reason: String,
}

impl Warning {
    pub fn issue(id: String, due: &Due, at: DateTime<Utc>) -> Warning {
        let w = &due.watch;
        Warning {
            id,
            level: due.level,
            scope: w.scope,
            case_id: w.case_id.clone(),
            case_number: w.case_number.clone(),
            item_id: w.item_id.clone(),
            department_id: w.department_id.clone(),
            office_id: w.office_id.clone(),
            region_code: w.region_code.clone(),
            staff_subject: w.staff_subject.clone(),
            due: w.due,
            reached_on: due.reached_on,
            issued_at: at,
            open: true,
            closed_at: None,
            close_reason: String::new(),
        }
    }

    pub fn subject_key(&self) -> String {
        subject_key(&self.case_id, self.scope)
    }
}

pub fn subject_key(case_id: &str, scope: Scope) -> String {
    match scope {
        Scope::Case => format!("case:{case_id}"),
        Scope::Stage(s) => format!("stage:{case_id}:{s}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn watch(due: NaiveDate) -> Watch {
        Watch {
            case_id: "c1".into(),
            scope: Scope::Case,
            case_number: "140200-2026-000001".into(),
            item_id: "i".into(),
            department_id: "d".into(),
            office_id: String::new(),
            region_code: "140200".into(),
            due,
            reached: None,
            suspended: false,
            staff_subject: "u1".into(),
        }
    }

    #[test]
    fn levels_fall_due_on_working_days_around_the_due_date() {
        let cal = Calendar::official();
        let t = Thresholds {
            early_warning_days: 1,
            red_after_days: 3,
        };
        // Due Friday 2026-03-06: early on Thursday, yellow on Monday, red on Thursday.
        let due = d(2026, 3, 6);
        assert_eq!(t.date_of(Level::Early, due, &cal).unwrap(), d(2026, 3, 5));
        assert_eq!(t.date_of(Level::Yellow, due, &cal).unwrap(), d(2026, 3, 9));
        assert_eq!(t.date_of(Level::Red, due, &cal).unwrap(), d(2026, 3, 12));
    }

    #[test]
    fn the_early_warning_skips_back_over_a_holiday() {
        let cal = Calendar::official();
        // Due 2026-10-09, just after the National Day holiday (1 to 8 October off): two
        // working days left means from before the holiday.
        let t = Thresholds {
            early_warning_days: 2,
            red_after_days: 1,
        };
        let early = t.date_of(Level::Early, d(2026, 10, 9), &cal).unwrap();
        assert_eq!(
            cal.count_working_days(early, d(2026, 10, 9)).unwrap().value,
            2
        );
        assert!(early < d(2026, 10, 1));
    }

    #[test]
    fn a_watch_reaches_each_level_once_in_order() {
        let cal = Calendar::official();
        let t = Thresholds::default();
        let mut w = watch(d(2026, 3, 6));
        assert!(w.assess(d(2026, 3, 4), &t, &t, &cal).unwrap().is_empty());
        let early = w.assess(d(2026, 3, 5), &t, &t, &cal).unwrap();
        assert_eq!(early.len(), 1);
        assert_eq!(early[0].level, Level::Early);
        assert!(w.assess(d(2026, 3, 6), &t, &t, &cal).unwrap().is_empty());
        assert_eq!(w.next_check(&t, &t, &cal).unwrap(), d(2026, 3, 9));
        let rest = w.assess(d(2026, 3, 30), &t, &t, &cal).unwrap();
        let levels: Vec<Level> = rest.iter().map(|r| r.level).collect();
        assert_eq!(levels, [Level::Yellow, Level::Red]);
        assert_eq!(rest[1].reached_on, d(2026, 3, 12));
        assert_eq!(w.next_check(&t, &t, &cal).unwrap(), NEVER);
        assert!(w.assess(d(2026, 4, 30), &t, &t, &cal).unwrap().is_empty());
    }

    #[test]
    fn a_suspended_watch_waits() {
        let cal = Calendar::official();
        let t = Thresholds::default();
        let mut w = watch(d(2026, 3, 6));
        w.suspended = true;
        assert!(w.assess(d(2026, 3, 30), &t, &t, &cal).unwrap().is_empty());
        assert_eq!(w.next_check(&t, &t, &cal).unwrap(), NEVER);
    }

    #[test]
    fn subject_keys_tell_cases_from_stages() {
        assert_eq!(subject_key("c1", Scope::Case), "case:c1");
        assert_eq!(
            subject_key("c1", Scope::Stage(Stage::Review)),
            "stage:c1:review"
        );
    }
}
