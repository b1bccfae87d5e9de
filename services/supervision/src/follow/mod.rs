//! Following other services' streams. Each event kind is routed to one handler; a stream is
//! added by naming a follower and giving its source (`Supervision::follow`), and a kind by
//! adding a route here. Kinds without a route are passed over (their offset still moves):
//! they are facts supervision does not need.

mod case_events;
pub(crate) mod cases;
pub(crate) mod catalog;
mod decode;
pub(crate) mod trading;
mod trading_events;
pub(crate) mod trading_record;

use std::sync::Arc;

use onewindow_kit::consumer::{BoxFuture, Handler};
use onewindow_kit::db::Tx;
use onewindow_kit::error::Error;
use onewindow_proto::common::v1::Event;

use crate::app::Core;
use crate::store;

/// What a route's handler makes of an event it cannot read.
pub(crate) enum Outcome {
    Applied,
    Unreadable(String),
}

type RouteFn =
    for<'a> fn(&'a Core, &'a str, &'a mut Tx, &'a Event) -> BoxFuture<'a, Result<Outcome, Error>>;

/// Event kind -> handler.
const ROUTES: &[(&str, RouteFn)] = &[
    ("cases.case.submitted", cases::apply),
    ("cases.case.accepted", cases::apply),
    ("cases.case.intake_refused", cases::apply),
    ("cases.case.supplement_requested", cases::apply),
    ("cases.case.resubmitted", cases::apply),
    ("cases.case.stage_completed", cases::apply),
    ("cases.case.suspension_started", cases::apply),
    ("cases.case.suspension_ended", cases::apply),
    ("cases.case.extension_approved", cases::apply),
    ("cases.case.concluded", cases::apply),
    ("cases.case.withdrawn", cases::apply),
    ("cases.case.fees_charged", cases::apply),
    ("cases.case.payment_recorded", cases::apply),
    ("cases.bundle_case.started", cases::apply_bundle),
    ("cases.bundle_case.stage_started", cases::apply_bundle),
    ("cases.bundle_case.concluded", cases::apply_bundle),
    ("catalog.item.published", catalog::apply),
    ("catalog.item.cancelled", catalog::apply),
    ("catalog.calendar.changed", catalog::apply),
    // Trading: the events that carry what the red flags judge, and the ends of a project.
    // Bid events carry a count only; objections and contracts change no flag.
    (trading_events::ANNOUNCED, trading::apply),
    (trading_events::AMENDED, trading::apply),
    (trading_events::OPENED, trading::apply),
    (trading_events::EVALUATED, trading::apply),
    (trading_events::AWARD_PUBLICIZED, trading::apply),
    (trading_events::AWARDED, trading::apply),
    (trading_events::FAILED, trading::apply),
    (trading_events::CANCELLED, trading::apply),
];

/// The kinds supervision routes, for documentation and tests.
pub fn routed_kinds() -> impl Iterator<Item = &'static str> {
    ROUTES.iter().map(|(k, _)| *k)
}

/// The handler of one followed stream.
pub(crate) struct Router {
    stream: String,
    core: Arc<Core>,
}

impl Router {
    pub fn new(stream: &str, core: Arc<Core>) -> Router {
        Router {
            stream: stream.to_string(),
            core,
        }
    }
}

impl Handler for Router {
    fn apply<'a>(&'a self, tx: &'a mut Tx, event: &'a Event) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let Some((_, route)) = ROUTES.iter().find(|(k, _)| *k == event.kind) else {
                tracing::debug!(stream = %self.stream, kind = %event.kind, "event kind not followed");
                return Ok(());
            };
            match route(&self.core, &self.stream, tx, event).await? {
                Outcome::Applied => {}
                Outcome::Unreadable(reason) => {
                    // A malformed event must not stop the stream behind it, nor vanish.
                    tracing::warn!(stream = %self.stream, seq = event.seq, kind = %event.kind, reason = %reason, "unreadable event kept aside");
                    store::save_unreadable(tx, &self.stream, event.seq, &event.kind, &reason)
                        .await?;
                }
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_event_of_the_cases_contract_has_a_route() {
        let kinds: Vec<&str> = super::routed_kinds().collect();
        for kind in [
            "submitted",
            "accepted",
            "intake_refused",
            "supplement_requested",
            "resubmitted",
            "stage_completed",
            "suspension_started",
            "suspension_ended",
            "extension_approved",
            "concluded",
            "withdrawn",
            "fees_charged",
            "payment_recorded",
        ] {
            assert!(
                kinds.contains(&format!("cases.case.{kind}").as_str()),
                "{kind}"
            );
        }
        for kind in ["started", "stage_started", "concluded"] {
            assert!(kinds.contains(&format!("cases.bundle_case.{kind}").as_str()));
        }
    }

    #[test]
    fn the_trading_events_the_red_flags_need_have_routes_and_bid_counts_none() {
        let kinds: Vec<&str> = super::routed_kinds().collect();
        for kind in [
            "trading.project.announced",
            "trading.project.amended",
            "trading.bids.opened",
            "trading.project.evaluated",
            "trading.award.publicized",
            "trading.project.awarded",
            "trading.project.failed",
            "trading.project.cancelled",
        ] {
            assert!(kinds.contains(&kind), "{kind}");
        }
        // Sealed bids are counted, never priced, before the opening: nothing to read.
        assert!(!kinds.contains(&"trading.bid.received"));
    }
}
