//! What the supervision scale benchmarks share: the region calendars supervision holds, and
//! the day they scan on, so that the loader and the scan agree on what is newly due.

use std::collections::HashMap;

use chrono::NaiveDate;
use onewindow_kit::calendar::Calendar;
use onewindow_kit::db::Db;
use onewindow_supervision::domain::catalog::Calendars;

/// The calendar of each region, as supervision would use it.
pub struct RegionCalendars {
    all: Calendars,
    cache: HashMap<String, Calendar>,
}

impl RegionCalendars {
    pub async fn load(db: &Db) -> anyhow::Result<RegionCalendars> {
        let stored = onewindow_supervision::store::calendar_years(db).await?;
        Ok(RegionCalendars {
            all: Calendars::new(stored),
            cache: HashMap::new(),
        })
    }

    pub fn get(&mut self, region: &str) -> &Calendar {
        self.cache
            .entry(region.to_string())
            .or_insert_with(|| self.all.for_region(region))
    }
}

/// The scan day: today in Beijing, or the next day that is a working day in every one of
/// `regions` (on a day off no level falls due).
pub fn scan_day(calendars: &mut RegionCalendars, regions: &[String]) -> NaiveDate {
    let mut d = onewindow_kit::clock::local_date(chrono::Utc::now());
    for _ in 0..30 {
        if regions.iter().all(|r| calendars.get(r).is_workday(d)) {
            return d;
        }
        d = d.succ_opt().unwrap_or(d);
    }
    d
}

/// The regions of the case records stored.
pub async fn regions(db: &Db) -> anyhow::Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT DISTINCT region_code FROM sup_case ORDER BY region_code")
            .fetch_all(db.reader())
            .await?,
    )
}
