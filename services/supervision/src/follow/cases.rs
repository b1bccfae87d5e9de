//! The cases stream's handlers: each case event moves supervision's record of the case,
//! its watched deadlines, and whatever warnings, closures, violations and figures follow;
//! bundle events keep the bundle's record and name the department that held it up.

use onewindow_kit::db::Tx;
use onewindow_kit::error::Error;

use crate::app::Core;
use crate::domain::bundle::{BundleEvent, BundleRecord};
use crate::domain::case::{CaseEvent, CaseFact, CaseRecord};
use crate::domain::projection::{self, Context};
use crate::domain::SupervisionError;
use crate::effects::{Effects, SYSTEM};
use crate::store;

pub(crate) async fn apply_case(core: &Core, tx: &mut Tx, ev: &CaseEvent) -> Result<(), Error> {
    let case_id = &ev.case.case_id;
    let mut record = store::cases::load_case(tx, core.db.backend(), case_id)
        .await?
        .unwrap_or_else(|| CaseRecord::new(ev.case.clone()));
    // The latest event names the case as it now is (a bundle id may come later).
    record.case = ev.case.clone();
    let mut watches = store::cases::case_watches(tx, core.db.backend(), case_id).await?;
    let item = store::item(tx, &ev.case.item_id, ev.case.item_version).await?;
    // The catalog's stream is followed apart from this one, so the case's own version may
    // not be known yet while another version of the item is.
    let latest = match item {
        Some(_) => None,
        None => store::latest_item(tx, &ev.case.item_id).await?,
    };
    let calendar = core.calendar(&ev.case.region_code);
    let s = &core.settings;
    let fx = projection::apply(
        &mut record,
        &mut watches,
        ev,
        &Context {
            case_thresholds: &s.case_thresholds,
            stage_thresholds: &s.stage_thresholds,
            rules: &s.rules,
            calendar: &calendar,
            item: item.as_ref(),
            item_known: item.is_some() || latest.is_some(),
            latest_office: latest
                .as_ref()
                .map(|l| l.office_id.as_str())
                .filter(|o| !o.is_empty()),
        },
    )
    .map_err(Error::from)?;
    store::cases::save_case(tx, &record).await?;
    let next: Vec<_> = watches
        .iter()
        .map(|w| {
            w.next_check(&s.case_thresholds, &s.stage_thresholds, &calendar)
                .map(|n| (w.clone(), n))
        })
        .collect::<Result<_, SupervisionError>>()
        .map_err(Error::from)?;
    store::cases::save_watches(tx, case_id, &next).await?;
    if let (Some(bundle_id), CaseFact::Concluded { .. }) = (&ev.case.bundle_case_id, &ev.fact) {
        let mut bundle = store::cases::load_bundle(tx, bundle_id)
            .await?
            .unwrap_or_else(|| BundleRecord {
                bundle_case_id: bundle_id.clone(),
                case_number: String::new(),
                lead_department_id: String::new(),
                region_code: ev.case.region_code.clone(),
                children: Vec::new(),
                concluded_on: None,
                late: false,
                events: Vec::new(),
            });
        bundle.child_concluded(
            case_id,
            &ev.case.department_id,
            ev.on,
            record.late,
            ev.evidence.clone(),
        );
        store::cases::save_bundle(tx, &bundle).await?;
    }
    let mut out = Effects::new(tx, core.db.backend(), core.clock.now(), SYSTEM);
    for delta in &fx.stats {
        out.count(delta);
    }
    // Issued before closing, so that what fell due on the day a stage completed is closed
    // with it.
    for due in &fx.due {
        out.issue(due).await?;
    }
    for closure in &fx.closed {
        out.close(closure).await?;
    }
    for hit in &fx.hits {
        out.record(hit, s.rules.severity(hit.rule), ev.on).await?;
    }
    out.finish().await
}

pub(crate) async fn apply_bundle(core: &Core, tx: &mut Tx, ev: &BundleEvent) -> Result<(), Error> {
    let mut bundle = store::cases::load_bundle(tx, &ev.bundle_case_id)
        .await?
        .unwrap_or_else(|| BundleRecord::new(ev));
    // A child's conclusion may have created the record before the bundle's own events.
    bundle.case_number = ev.case_number.clone();
    bundle.lead_department_id = ev.lead_department_id.clone();
    bundle.region_code = ev.region_code.clone();
    let hits = bundle.apply(ev, &core.settings.rules);
    store::cases::save_bundle(tx, &bundle).await?;
    let mut out = Effects::new(tx, core.db.backend(), core.clock.now(), SYSTEM);
    for hit in &hits {
        out.record(hit, core.settings.rules.severity(hit.rule), ev.on)
            .await?;
    }
    out.finish().await
}
