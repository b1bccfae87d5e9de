//! The trading stream's handler: trading red flags, recorded as violations of the traded
//! project. The facts of one project come from several events, so supervision keeps its
//! own record of each project in progress and judges each rule as soon as its facts are
//! there: the bid period at the announcement, the bids at the opening, the award when it
//! is publicized. Violations are unique per rule and subject, so judging again never
//! records a flag twice.

use onewindow_kit::db::Tx;
use onewindow_kit::error::Error;

use super::trading_events::TradingEvent;
use super::trading_record::{ProjectRecord, Taken};
use crate::app::Core;
use crate::domain::terms::EventRef;
use crate::domain::trading::{
    red_flags, Method, TradingFacts, DOMINANT_SUPPLIER, LOWEST_BID_DISQUALIFIED, SHORT_BID_PERIOD,
    SINGLE_BID, WINNER_CLOSE_TO_SECOND,
};
use crate::domain::violation::Violation;
use crate::effects::{Effects, SYSTEM};
use crate::store;

/// Applies one trading event of `project_id` to supervision's record of the project.
pub(crate) async fn apply(
    core: &Core,
    tx: &mut Tx,
    project_id: &str,
    fact: TradingEvent,
    used: EventRef,
) -> Result<(), Error> {
    let loaded = store::trading::load_project(tx, project_id).await?;
    let Some(mut record) = loaded.or_else(|| ProjectRecord::start(project_id, &fact)) else {
        tracing::debug!(
            project_id,
            kind = %used.kind,
            "trading event of a project not followed from its start"
        );
        return Ok(());
    };
    record.evidence.push(used);
    // Evaluated again after an upheld objection cancelled the award, or cancelled whatever
    // it had come to: the awards publicized before are void.
    if matches!(
        fact,
        TradingEvent::Evaluated { .. } | TradingEvent::Cancelled
    ) {
        forget_awards(tx, &record).await?;
    }
    match record.take(fact) {
        Taken::InProgress => {
            judge(core, tx, &record).await?;
            judge_failed_lots(core, tx, &record).await?;
            store::trading::save_project(tx, &record).await
        }
        Taken::Failed => {
            judge_failed_lots(core, tx, &record).await?;
            store::trading::forget_project(tx, project_id).await
        }
        Taken::Ended => store::trading::forget_project(tx, project_id).await,
    }
}

/// Takes the record's awards, void now, out of the owner's history.
async fn forget_awards(tx: &mut Tx, r: &ProjectRecord) -> Result<(), Error> {
    for a in &r.awards {
        store::trading::forget_award(tx, &r.award_key(Some(&a.lot_id))).await?;
    }
    Ok(())
}

/// Whether the record's facts can answer `rule`. Rules a project's kind makes meaningless
/// are never judged on it.
fn answerable(r: &ProjectRecord, rule: &str) -> bool {
    match rule {
        // Before the announcement is seen the period is unknown, not short.
        SHORT_BID_PERIOD => r.period.is_some(),
        // A single source has one supplier by law (单一来源采购).
        SINGLE_BID => r.method != Method::SingleSource,
        // Written for purchases, where the lowest price wins: in a sale the lowest bid is
        // the worst one, and the runner-up is below the winner, not above.
        LOWEST_BID_DISQUALIFIED | WINNER_CLOSE_TO_SECOND => !r.sale,
        // Without the owner, awards cannot be counted against anyone.
        DOMINANT_SUPPLIER => !r.owner_id.is_empty(),
        _ => true,
    }
}

/// Judges every lot by the rules its facts can answer now.
async fn judge(core: &Core, tx: &mut Tx, r: &ProjectRecord) -> Result<(), Error> {
    let today = core.clock.today();
    for lot in r.lots() {
        let facts = r.facts(lot.as_deref(), false, today);
        let key = r.award_key(lot.as_deref());
        assess_rules(core, tx, &facts, &key, &r.evidence, |rule| {
            answerable(r, rule)
        })
        .await?;
    }
    Ok(())
}

/// A lot that failed with one valid bid had a single bid in substance, however many were
/// received: judged on the bid left standing, for the single-bid flag only.
async fn judge_failed_lots(core: &Core, tx: &mut Tx, r: &ProjectRecord) -> Result<(), Error> {
    let today = core.clock.today();
    for lot in r.failed_with_one_valid_bid() {
        let facts = r.facts(Some(&lot), true, today);
        let key = r.award_key(Some(&lot));
        assess_rules(core, tx, &facts, &key, &r.evidence, |rule| {
            rule == SINGLE_BID && answerable(r, rule)
        })
        .await?;
    }
    Ok(())
}

/// Records the award (for the owner's history) and every red flag of the project not
/// recorded before; returns those recorded now.
pub(crate) async fn assess(
    core: &Core,
    tx: &mut Tx,
    facts: &TradingFacts,
    evidence: &[EventRef],
) -> Result<Vec<Violation>, Error> {
    assess_rules(core, tx, facts, &facts.project_id, evidence, |_| true).await
}

/// [`assess`] for the rules `judged` lets through, the award kept in the owner's history
/// under `award_key`.
async fn assess_rules(
    core: &Core,
    tx: &mut Tx,
    facts: &TradingFacts,
    award_key: &str,
    evidence: &[EventRef],
    judged: impl Fn(&str) -> bool,
) -> Result<Vec<Violation>, Error> {
    let on = evidence
        .last()
        .map(|e| e.occurred_on)
        .unwrap_or_else(|| core.clock.today());
    // An award of an unknown owner would be counted against every other unknown one.
    let winner = facts
        .winner_bidder_id
        .as_deref()
        .filter(|_| !facts.owner_id.is_empty());
    let history = store::cases::record_award(tx, award_key, &facts.owner_id, winner, on).await?;
    let hits = red_flags(
        facts,
        &history,
        &core.settings.trading,
        &core.settings.rules,
        evidence,
    );
    let mut out = Effects::new(tx, core.db.backend(), core.clock.now(), SYSTEM);
    let mut recorded = Vec::new();
    for hit in hits.iter().filter(|h| judged(h.rule)) {
        if let Some(v) = out
            .record(hit, core.settings.rules.severity(hit.rule), on)
            .await?
        {
            recorded.push(v);
        }
    }
    out.finish().await?;
    Ok(recorded)
}
