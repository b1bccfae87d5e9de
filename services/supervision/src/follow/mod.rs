//! Following other services' streams. Each event kind is routed to one reader, which
//! decodes it ([`decode_event`], without the database) and applies it to supervision's
//! records; a stream is added by naming a follower and giving its source
//! (`Supervision::follow`), and a kind by adding a route here. Kinds without a route are
//! passed over (their offset still moves): they are facts supervision does not need.

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

pub use catalog::CatalogEvent;
pub use trading_events::{Kind, TradingEvent};
pub use trading_record::{Announcement, ProjectRecord, RecordedAward, RecordedBid, Taken};

use crate::app::Core;
use crate::domain::bundle::BundleEvent;
use crate::domain::case::CaseEvent;
use crate::domain::terms::EventRef;
use crate::store;

/// Which reader an event kind goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Case,
    Bundle,
    Catalog,
    Trading,
}

/// Event kind -> reader.
const ROUTES: &[(&str, Route)] = &[
    ("cases.case.submitted", Route::Case),
    ("cases.case.accepted", Route::Case),
    ("cases.case.intake_refused", Route::Case),
    ("cases.case.supplement_requested", Route::Case),
    ("cases.case.resubmitted", Route::Case),
    ("cases.case.stage_completed", Route::Case),
    ("cases.case.suspension_started", Route::Case),
    ("cases.case.suspension_ended", Route::Case),
    ("cases.case.extension_approved", Route::Case),
    ("cases.case.concluded", Route::Case),
    ("cases.case.withdrawn", Route::Case),
    ("cases.case.fees_charged", Route::Case),
    ("cases.case.payment_recorded", Route::Case),
    ("cases.bundle_case.started", Route::Bundle),
    ("cases.bundle_case.stage_started", Route::Bundle),
    ("cases.bundle_case.concluded", Route::Bundle),
    ("catalog.item.published", Route::Catalog),
    ("catalog.item.cancelled", Route::Catalog),
    ("catalog.calendar.changed", Route::Catalog),
    // Trading: the events that carry what the red flags judge, and the ends of a project.
    // Bid events carry a count only; objections and contracts change no flag.
    (trading_events::ANNOUNCED, Route::Trading),
    (trading_events::AMENDED, Route::Trading),
    (trading_events::OPENED, Route::Trading),
    (trading_events::EVALUATED, Route::Trading),
    (trading_events::AWARD_PUBLICIZED, Route::Trading),
    (trading_events::AWARDED, Route::Trading),
    (trading_events::FAILED, Route::Trading),
    (trading_events::CANCELLED, Route::Trading),
];

/// The kinds supervision routes, for documentation and tests.
pub fn routed_kinds() -> impl Iterator<Item = &'static str> {
    ROUTES.iter().map(|(k, _)| *k)
}

/// An event of a followed stream as supervision reads it, before anything is loaded or
/// stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Followed {
    Case(CaseEvent),
    Bundle(BundleEvent),
    Catalog(CatalogEvent),
    Trading {
        project_id: String,
        fact: TradingEvent,
        evidence: EventRef,
    },
}

/// Reads one event of `stream` as the follower does: `Ok(None)` for a kind supervision
/// does not follow, `Err` with the reason an unreadable event is kept aside with.
pub fn decode_event(stream: &str, event: &Event) -> Result<Option<Followed>, String> {
    let Some((_, route)) = ROUTES.iter().find(|(k, _)| *k == event.kind) else {
        return Ok(None);
    };
    Ok(Some(match route {
        Route::Case => Followed::Case(case_events::decode_case(stream, event)?),
        Route::Bundle => Followed::Bundle(case_events::decode_bundle(stream, event)?),
        Route::Catalog => Followed::Catalog(catalog::decode_catalog(event)?),
        Route::Trading => {
            let (project_id, fact, evidence) = trading_events::decode_trading(stream, event)?;
            Followed::Trading {
                project_id,
                fact,
                evidence,
            }
        }
    }))
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
            // What the event begins is undone on its own if its facts turn out unusable.
            sqlx::query("SAVEPOINT follow_event")
                .execute(&mut **tx)
                .await?;
            let applied = self.apply_decoded(tx, event).await;
            match applied {
                // Readable, yet facts the domain cannot reckon with (a date outside the
                // calendar): like an unreadable event, kept aside rather than retried for
                // ever in front of the rest of the stream.
                Err(Error::InvalidArgument(v)) => {
                    sqlx::query("ROLLBACK TO SAVEPOINT follow_event")
                        .execute(&mut **tx)
                        .await?;
                    let reason = v.to_string();
                    tracing::warn!(stream = %self.stream, seq = event.seq, kind = %event.kind, reason = %reason, "event with unusable facts kept aside");
                    store::save_unreadable(tx, &self.stream, event.seq, &event.kind, &reason).await
                }
                Ok(()) => {
                    sqlx::query("RELEASE SAVEPOINT follow_event")
                        .execute(&mut **tx)
                        .await?;
                    Ok(())
                }
                Err(e) => Err(e),
            }
        })
    }
}

impl Router {
    async fn apply_decoded(&self, tx: &mut Tx, event: &Event) -> Result<(), Error> {
        let core = &self.core;
        {
            match decode_event(&self.stream, event) {
                Ok(Some(Followed::Case(ev))) => cases::apply_case(core, tx, &ev).await,
                Ok(Some(Followed::Bundle(ev))) => cases::apply_bundle(core, tx, &ev).await,
                Ok(Some(Followed::Catalog(ev))) => catalog::apply(core, tx, ev).await,
                Ok(Some(Followed::Trading {
                    project_id,
                    fact,
                    evidence,
                })) => trading::apply(core, tx, &project_id, fact, evidence).await,
                Ok(None) => {
                    tracing::debug!(stream = %self.stream, kind = %event.kind, "event kind not followed");
                    Ok(())
                }
                Err(reason) => {
                    // A malformed event must not stop the stream behind it, nor vanish.
                    tracing::warn!(stream = %self.stream, seq = event.seq, kind = %event.kind, reason = %reason, "unreadable event kept aside");
                    store::save_unreadable(tx, &self.stream, event.seq, &event.kind, &reason).await
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use onewindow_kit::outbox::pack;
    use onewindow_proto::cases::v1 as pb;
    use onewindow_proto::common::v1::Event;

    use super::{decode_event, Followed};
    use crate::domain::case::CaseFact;

    fn event(kind: &str, payload: Option<prost_types::Any>) -> Event {
        Event {
            seq: 7,
            kind: kind.into(),
            payload,
            ..Event::default()
        }
    }

    #[test]
    fn decode_event_reads_what_is_routed_passes_over_the_rest_and_says_what_it_cannot_read() {
        let withdrawn = pb::CaseWithdrawn {
            case_ref: Some(pb::CaseRef {
                case_id: "c1".into(),
                ..pb::CaseRef::default()
            }),
            occurred_on: "2026-03-02".into(),
            ..pb::CaseWithdrawn::default()
        };
        let any = pack("onewindow.cases.v1.CaseWithdrawn", &withdrawn);
        let read = decode_event("cases", &event("cases.case.withdrawn", Some(any.clone())));
        match read {
            Ok(Some(Followed::Case(ev))) => {
                assert_eq!(ev.case.case_id, "c1");
                assert_eq!(ev.fact, CaseFact::Withdrawn);
                assert_eq!((ev.evidence.stream.as_str(), ev.evidence.seq), ("cases", 7));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            decode_event("cases", &event("cases.case.viewed", Some(any.clone()))),
            Ok(None)
        );
        // Routed, but the payload is another message.
        let err = decode_event("cases", &event("cases.case.concluded", Some(any)));
        assert!(matches!(err, Err(reason) if reason.contains("CaseConcluded")));
    }

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
