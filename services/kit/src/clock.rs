//! Time as the services see it. Production reads the system clock; tests set a manual clock
//! and move it, so no test sleeps to wait for a deadline.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// Chinese regions all keep Beijing time; civil dates of the calendar are taken there.
const BEIJING_OFFSET_SECS: i32 = 8 * 3600;

#[derive(Clone)]
pub struct Clock(Source);

#[derive(Clone)]
enum Source {
    System,
    Manual(Arc<RwLock<DateTime<Utc>>>),
}

impl Clock {
    pub fn system() -> Self {
        Clock(Source::System)
    }

    /// A clock that stands still at `start` until moved through the returned handle.
    pub fn manual(start: DateTime<Utc>) -> (Self, ManualClock) {
        let cell = Arc::new(RwLock::new(start));
        (Clock(Source::Manual(cell.clone())), ManualClock(cell))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &self.0 {
            Source::System => Utc::now(),
            Source::Manual(cell) => match cell.read() {
                Ok(t) => *t,
                Err(poisoned) => *poisoned.into_inner(),
            },
        }
    }

    /// Today's civil date in the region (Beijing time).
    pub fn today(&self) -> NaiveDate {
        local_date(self.now())
    }

    pub fn now_millis(&self) -> i64 {
        self.now().timestamp_millis()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Source::System => f.write_str("Clock(system)"),
            Source::Manual(_) => write!(f, "Clock(manual {})", self.now()),
        }
    }
}

/// The civil date (Beijing time) of an instant.
pub fn local_date(t: DateTime<Utc>) -> NaiveDate {
    let offset = FixedOffset::east_opt(BEIJING_OFFSET_SECS).unwrap_or_else(|| Utc.fix());
    t.with_timezone(&offset).date_naive()
}

use chrono::Offset;
use chrono::TimeZone;

/// The start of a civil date (00:00 Beijing time) as a UTC instant.
pub fn start_of_local_date(d: NaiveDate) -> DateTime<Utc> {
    let offset = FixedOffset::east_opt(BEIJING_OFFSET_SECS).unwrap_or_else(|| Utc.fix());
    let naive = d.and_time(chrono::NaiveTime::MIN);
    match offset.from_local_datetime(&naive).single() {
        Some(t) => t.with_timezone(&Utc),
        None => Utc.from_utc_datetime(&naive),
    }
}

/// Moves a manual clock.
#[derive(Clone)]
pub struct ManualClock(Arc<RwLock<DateTime<Utc>>>);

impl ManualClock {
    pub fn set(&self, t: DateTime<Utc>) {
        match self.0.write() {
            Ok(mut g) => *g = t,
            Err(poisoned) => *poisoned.into_inner() = t,
        }
    }

    pub fn advance(&self, by: chrono::Duration) {
        match self.0.write() {
            Ok(mut g) => *g += by,
            Err(poisoned) => *poisoned.into_inner() += by,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start = Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap();
        let (clock, hand) = Clock::manual(start);
        assert_eq!(clock.now(), start);
        hand.advance(chrono::Duration::days(1));
        assert_eq!(clock.now(), start + chrono::Duration::days(1));
    }

    #[test]
    fn local_date_is_beijing_date() {
        // 17:00 UTC is 01:00 the next day in Beijing.
        let t = Utc.with_ymd_and_hms(2026, 12, 31, 17, 0, 0).unwrap();
        assert_eq!(local_date(t), NaiveDate::from_ymd_opt(2027, 1, 1).unwrap());
        assert_eq!(
            start_of_local_date(NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()),
            Utc.with_ymd_and_hms(2026, 12, 31, 16, 0, 0).unwrap()
        );
    }
}
