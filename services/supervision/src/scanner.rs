//! The clock-driven half of efficiency monitoring: each run reads only the deadlines whose
//! next check has come (an indexed range, however many cases are open), issues what fell
//! due, and moves each to its next check.

use std::collections::HashMap;

use onewindow_kit::calendar::Calendar;
use onewindow_kit::error::Error;

use crate::app::Core;
use crate::effects::{Effects, SYSTEM};
use crate::store;

/// What one scan did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanReport {
    /// Deadlines looked at.
    pub checked: u64,
    /// Warnings issued (those another replica or an event issued first are not counted).
    pub issued: u64,
}

pub(crate) async fn scan(core: &Core) -> Result<ScanReport, Error> {
    let today = core.clock.today();
    let now = core.clock.now();
    let batch = i64::from(core.settings.scan_batch);
    let (case_t, stage_t) = (
        &core.settings.case_thresholds,
        &core.settings.stage_thresholds,
    );
    let mut report = ScanReport::default();
    // One calendar per region for the whole scan, not one per deadline.
    let mut calendars: HashMap<String, Calendar> = HashMap::new();
    loop {
        let mut tx = core.db.begin().await?;
        let due = store::cases::due_watches(&mut tx, core.db.backend(), today, batch).await?;
        let n = due.len();
        let mut fx = Effects::new(&mut tx, core.db.backend(), now, SYSTEM);
        for mut watch in due {
            let calendar = calendars
                .entry(watch.region_code.clone())
                .or_insert_with(|| core.calendar(&watch.region_code));
            let fell_due = watch
                .assess(today, case_t, stage_t, calendar)
                .map_err(Error::from)?;
            let next = watch
                .next_check(case_t, stage_t, calendar)
                .map_err(Error::from)?;
            store::cases::save_watch(fx.tx, &watch, next).await?;
            for d in &fell_due {
                if fx.issue(d).await?.is_some() {
                    report.issued += 1;
                }
            }
            report.checked += 1;
        }
        fx.finish().await?;
        core.db.commit(tx).await?;
        // Every row read moved past today, so a full batch means more may be waiting.
        if (n as i64) < batch {
            break;
        }
    }
    if report.issued > 0 {
        tracing::info!(
            checked = report.checked,
            issued = report.issued,
            "deadline scan"
        );
    }
    Ok(report)
}
