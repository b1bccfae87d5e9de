//! Auctions and listings: quotes, the quote log, and the live stream of quotes.

use std::pin::Pin;
use std::time::Duration;

use futures::Stream;
use onewindow_kit::auth::{principal, Role};
use onewindow_kit::error::{Error, Violations};
use onewindow_kit::unit_of_work::Begin;
use onewindow_proto::trading::v1 as pb;
use serde_json::json;
use tonic::{Request, Response, Status};

use super::convert::*;
use super::effects::Audit;
use super::{invalid, status, TradingRpc};
use crate::domain::{Command, DomainEvent, ProjectState};
use crate::store;

pub type QuoteStream = Pin<Box<dyn Stream<Item = Result<pb::Quote, Status>> + Send + 'static>>;

/// Watchers also look for new quotes this often, in case a wake-up was missed.
const POLL: Duration = Duration::from_millis(1000);

impl TradingRpc {
    pub(super) async fn submit_quote_command(
        &self,
        request: Request<pb::SubmitQuoteRequest>,
    ) -> Result<Response<pb::Quote>, Status> {
        let subject = principal(&request).subject;
        let req = request.get_ref();
        let mut v = Violations::new();
        let bidder = party_from_proto(req.bidder.as_ref(), "bidder", &mut v);
        if !v.is_empty() {
            return Err(invalid(v));
        }
        let mut uow = match self
            .begin::<pb::Quote, _>("SubmitQuote", &request, &req.request_id, &[Role::Applicant])
            .await?
        {
            Begin::Replay(r) => return Ok(Response::new(r)),
            Begin::New(u) => u,
        };
        let (before, d) = self
            .decide_locked(&mut uow, &req.project_id, |_| Command::Quote {
                subject: subject.clone(),
                bidder,
                amount_fen: req.amount_fen,
            })
            .await?;
        let Some(quote) = d.events.iter().find_map(|e| match e {
            DomainEvent::QuotePlaced(q) => Some(q.clone()),
            _ => None,
        }) else {
            return Err(status(Error::internal(anyhow::anyhow!(
                "a quote placed no quote"
            ))));
        };
        store::insert_quote(uow.tx(), &req.project_id, &quote)
            .await
            .map_err(status)?;
        let audit = Audit {
            object_type: "project",
            object_id: &req.project_id,
            action: "submit_quote",
            detail: json!({ "seq": quote.seq, "bidder_number": quote.bidder_number, "amount_fen": quote.amount_fen }),
        };
        self.write(&mut uow, &before, &d, audit).await?;
        self.finish(uow, quote_to_proto(&req.project_id, &quote))
            .await
    }

    pub(super) async fn list_quotes_read(
        &self,
        request: Request<pb::ListQuotesRequest>,
    ) -> Result<Response<pb::ListQuotesResponse>, Status> {
        let project = self
            .visible_project(&request, &request.get_ref().project_id)
            .await?;
        if project.method.is_sealed() {
            return Err(status(
                project.illegal_because("list_quotes", "sealed bids have no quotes"),
            ));
        }
        let quotes = store::quotes_after(self.trading.db(), &project.id, 0)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListQuotesResponse {
            quotes: quotes
                .iter()
                .map(|q| quote_to_proto(&project.id, q))
                .collect(),
            status: project.auction.as_ref().map(auction_to_proto),
        }))
    }

    /// Replays the quotes after `after_seq`, then follows new ones as they commit; ends once
    /// the auction is over and every quote has been sent.
    pub(super) async fn watch_quotes_read(
        &self,
        request: Request<pb::WatchQuotesRequest>,
    ) -> Result<Response<QuoteStream>, Status> {
        let project = self
            .visible_project(&request, &request.get_ref().project_id)
            .await?;
        if project.method.is_sealed() {
            return Err(status(
                project.illegal_because("watch_quotes", "sealed bids have no quotes"),
            ));
        }
        if request.get_ref().after_seq < 0 {
            return Err(status(Error::invalid("after_seq", "must not be negative")));
        }
        let db = self.trading.db().clone();
        let mut last = request.get_ref().after_seq;
        let id = project.id;
        let stream = async_stream::try_stream! {
            let mut commits = db.commits();
            loop {
                commits.borrow_and_update();
                let live = store::get_project(&db, &id)
                    .await
                    .map_err(status)?
                    .is_some_and(|p| matches!(p.state, ProjectState::Announced | ProjectState::Bidding));
                for q in store::quotes_after(&db, &id, last).await.map_err(status)? {
                    last = i64::from(q.seq);
                    yield quote_to_proto(&id, &q);
                }
                if !live {
                    break;
                }
                tokio::select! {
                    changed = commits.changed() => {
                        if changed.is_err() {
                            tokio::time::sleep(POLL).await;
                        }
                    }
                    _ = tokio::time::sleep(POLL) => {}
                }
            }
        };
        Ok(Response::new(Box::pin(stream)))
    }
}
