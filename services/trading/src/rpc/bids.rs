//! Sealed bids: submit (sealed at once), withdraw, the bidder's own list, the opening, the
//! opening record and the documents of opened bids.
//!
//! The idempotency record of a submission must not hold the bid in clear either: the claim
//! is keyed by a keyed fingerprint of the request (a plain hash of a request whose price is
//! the only unknown could be reversed by trying prices), and the stored receipt is sealed.

use onewindow_kit::auth::{principal, Role};
use onewindow_kit::error::{Error, Violations};
use onewindow_kit::unit_of_work::{Begin, UnitOfWork};
use onewindow_proto::google::api::HttpBody;
use onewindow_proto::trading::v1 as pb;
use prost::Message;
use serde_json::json;
use tonic::{Request, Response, Status};

use super::convert::*;
use super::effects::Audit;
use super::{invalid, project_not_found, require_agency, status, viewer, TradingRpc, STAFF};
use crate::domain::{
    validate_submission, BidDocument, BidRecord, BidStatus, Command, SealedBid, TradingError,
    UnsealedBid, Viewer, BID_KIND,
};
use crate::seal::{bid_aad, random};
use crate::store;

fn bid_not_found(id: &str) -> Status {
    status(Error::not_found(BID_KIND, id))
}

impl TradingRpc {
    pub(super) async fn submit_bid_command(
        &self,
        request: Request<pb::SubmitBidRequest>,
    ) -> Result<Response<pb::BidReceipt>, Status> {
        let who = principal(&request);
        who.require_any(&[Role::Applicant]).map_err(status)?;
        let req = request.get_ref();
        let mut v = Violations::new();
        let bidder = party_from_proto(req.bidder.as_ref(), "bidder", &mut v);
        let documents: Vec<BidDocument> = req
            .documents
            .iter()
            .map(|d| BidDocument {
                name: d.name.trim().to_string(),
                media_type: d.media_type.trim().to_string(),
                content: d.content.clone(),
            })
            .collect();
        let project = self.visible_project(&request, &req.project_id).await?;
        v.extend(validate_submission(
            project.lot(&req.lot_id),
            project.category.direction(),
            req.price_fen,
            &documents,
            &bidder,
        ));
        if !v.is_empty() {
            return Err(invalid(v));
        }
        let keys = self.trading.keys();
        // `Vec<u8>` is google.protobuf.BytesValue to prost.
        let fingerprint: Vec<u8> = keys.fingerprint(&req.encode_to_vec());
        let begun = UnitOfWork::begin::<Vec<u8>>(
            self.trading.db(),
            self.trading.clock(),
            "SubmitBid",
            &who,
            &req.request_id,
            &fingerprint,
        )
        .await
        .map_err(status)?;
        let mut uow = match begun {
            Begin::Replay(sealed) => return self.replay_receipt(&sealed).map(Response::new),
            Begin::New(u) => u,
        };
        let (before, d) = self
            .decide_locked(&mut uow, &req.project_id, |_| Command::SubmitBid {
                lot_id: req.lot_id.clone(),
            })
            .await?;
        let now = uow.now();
        let replaced = store::active_bid_of(uow.tx(), &req.project_id, &req.lot_id, &who.subject)
            .await
            .map_err(status)?;
        if let Some(old) = &replaced {
            store::set_bid_status(
                uow.tx(),
                &old.id,
                BidStatus::Replaced,
                now.timestamp_millis(),
            )
            .await
            .map_err(status)?;
        }
        let content = SealedBid {
            price_fen: req.price_fen,
            bidder,
            documents,
            nonce: hex::encode(random::<32>()),
        };
        let bid = BidRecord {
            id: uuid::Uuid::now_v7().to_string(),
            project_id: req.project_id.clone(),
            lot_id: req.lot_id.clone(),
            bidder: who.subject.clone(),
            status: BidStatus::Active,
            submitted_at: now,
            commitment: content.commitment(&req.project_id, &req.lot_id),
        };
        let sealed_key = store::sealed_project_key(uow.tx(), &req.project_id)
            .await
            .map_err(status)?;
        let sealing = keys
            .sealing_key(&req.project_id, &sealed_key)
            .map_err(status)?;
        let plaintext = serde_json::to_vec(&content).map_err(|e| status(Error::internal(e)))?;
        let sealed = sealing
            .seal(
                &bid_aad(&bid.project_id, &bid.id, &bid.lot_id, &bid.bidder),
                &plaintext,
            )
            .map_err(status)?;
        store::insert_bid(uow.tx(), &bid, &sealed)
            .await
            .map_err(status)?;
        let replaced_id = replaced.map(|r| r.id).unwrap_or_default();
        let audit = Audit {
            object_type: BID_KIND,
            object_id: &bid.id,
            action: "submit",
            detail: json!({
                "project_id": bid.project_id, "lot_id": bid.lot_id,
                "commitment": bid.commitment, "replaced_bid_id": replaced_id,
            }),
        };
        self.write(&mut uow, &before, &d, audit).await?;
        let receipt = pb::BidReceipt {
            bid_id: bid.id.clone(),
            project_id: bid.project_id.clone(),
            lot_id: bid.lot_id.clone(),
            bidder_credit_code: content.bidder.credit_code.clone(),
            commitment: bid.commitment.clone(),
            nonce: content.nonce.clone(),
            document_digests: content.digests(),
            submitted_at: Some(timestamp(now)),
            replaced_bid_id: replaced_id,
        };
        let stored: Vec<u8> = keys
            .seal_receipt(&receipt.encode_to_vec())
            .map_err(status)?;
        uow.commit(&stored).await.map_err(status)?;
        Ok(Response::new(receipt))
    }

    fn replay_receipt(&self, sealed: &[u8]) -> Result<pb::BidReceipt, Status> {
        let bytes = self.trading.keys().open_receipt(sealed).map_err(status)?;
        pb::BidReceipt::decode(bytes.as_slice()).map_err(|e| status(Error::internal(e)))
    }

    pub(super) async fn withdraw_bid_command(
        &self,
        request: Request<pb::WithdrawBidRequest>,
    ) -> Result<Response<pb::Bid>, Status> {
        let subject = principal(&request).subject;
        let req = request.get_ref();
        let mut uow = match self
            .begin::<pb::Bid, _>("WithdrawBid", &request, &req.request_id, &[Role::Applicant])
            .await?
        {
            Begin::Replay(r) => return Ok(Response::new(r)),
            Begin::New(u) => u,
        };
        let bid = store::bid_in_tx(uow.tx(), &req.bid_id)
            .await
            .map_err(status)?
            .filter(|b| b.bidder == subject && b.project_id == req.project_id)
            .ok_or_else(|| bid_not_found(&req.bid_id))?;
        if bid.status != BidStatus::Active {
            return Err(status(TradingError::illegal(
                BID_KIND,
                &bid.id,
                bid.status.as_str(),
                "withdraw_bid",
            )));
        }
        let (before, d) = self
            .decide_locked(&mut uow, &req.project_id, |_| Command::WithdrawBid)
            .await?;
        let now_ms = uow.now().timestamp_millis();
        store::set_bid_status(uow.tx(), &bid.id, BidStatus::Withdrawn, now_ms)
            .await
            .map_err(status)?;
        let audit = Audit {
            object_type: BID_KIND,
            object_id: &bid.id,
            action: "withdraw",
            detail: json!({ "project_id": bid.project_id }),
        };
        self.write(&mut uow, &before, &d, audit).await?;
        let out = bid_to_proto(
            &BidRecord {
                status: BidStatus::Withdrawn,
                ..bid
            },
            None,
        );
        self.finish(uow, out).await
    }

    pub(super) async fn list_my_bids_read(
        &self,
        request: Request<pb::ListMyBidsRequest>,
    ) -> Result<Response<pb::ListMyBidsResponse>, Status> {
        let who = principal(&request);
        who.require_any(&[Role::Applicant]).map_err(status)?;
        let db = self.trading.db();
        let bids = store::bids_of_bidder(db, &who.subject, &request.get_ref().project_id)
            .await
            .map_err(status)?;
        let mut out = Vec::with_capacity(bids.len());
        let mut project: Option<crate::domain::Project> = None;
        for b in &bids {
            if project.as_ref().is_none_or(|p| p.id != b.project_id) {
                project = store::get_project(db, &b.project_id)
                    .await
                    .map_err(status)?;
            }
            let opening = project.as_ref().and_then(|p| p.opening.as_ref());
            out.push(bid_to_proto(b, opening));
        }
        Ok(Response::new(pb::ListMyBidsResponse { bids: out }))
    }

    pub(super) async fn open_bids_command(
        &self,
        request: Request<pb::OpenBidsRequest>,
    ) -> Result<Response<pb::OpeningRecord>, Status> {
        let req = request.get_ref();
        let mut uow = match self
            .begin::<pb::OpeningRecord, _>(
                "OpenBids",
                &request,
                &req.request_id,
                &[Role::TradingAgent],
            )
            .await?
        {
            Begin::Replay(r) => return Ok(Response::new(r)),
            Begin::New(u) => u,
        };
        let project = self.lock(&mut uow, &req.project_id).await?;
        require_agency(&principal(&request), &project.agency.credit_code)?;
        // No key before the permit; no permit before the opening time.
        let permit = project.permit_opening(uow.now()).map_err(status)?;
        let sealed_key = store::sealed_project_key(uow.tx(), &project.id)
            .await
            .map_err(status)?;
        let key = self
            .trading
            .keys()
            .opening_key(&permit, &sealed_key)
            .map_err(status)?;
        let mut bids = Vec::new();
        for (b, sealed) in store::sealed_active_bids(uow.tx(), &project.id)
            .await
            .map_err(status)?
        {
            let plain = key
                .open(
                    &bid_aad(&b.project_id, &b.id, &b.lot_id, &b.bidder),
                    &sealed,
                )
                .map_err(status)?;
            let content: SealedBid =
                serde_json::from_slice(&plain).map_err(|e| status(Error::internal(e)))?;
            bids.push(UnsealedBid {
                bid_id: b.id,
                lot_id: b.lot_id,
                submitted_at: b.submitted_at,
                commitment: b.commitment,
                content,
            });
        }
        let draw_seed = hex::encode(random::<32>());
        let d = crate::domain::decide(&project, Command::OpenBids { bids, draw_seed }, uow.now())
            .map_err(status)?;
        let opening = d.project.opening.clone();
        let audit = Audit {
            object_type: "project",
            object_id: &project.id,
            action: "open_bids",
            detail: json!({ "opening": opening }),
        };
        self.write(&mut uow, &project, &d, audit).await?;
        let out = opening
            .as_ref()
            .map(|o| opening_to_proto(&project.id, o))
            .unwrap_or_default();
        self.finish(uow, out).await
    }

    pub(super) async fn get_opening_record_read(
        &self,
        request: Request<pb::GetOpeningRecordRequest>,
    ) -> Result<Response<pb::OpeningRecord>, Status> {
        let project = self
            .visible_project(&request, &request.get_ref().project_id)
            .await?;
        match &project.opening {
            Some(o) => Ok(Response::new(opening_to_proto(&project.id, o))),
            None => Err(status(
                project.illegal_because("get_opening_record", "the bids are sealed"),
            )),
        }
    }

    pub(super) async fn get_bid_document_read(
        &self,
        request: Request<pb::GetBidDocumentRequest>,
    ) -> Result<Response<HttpBody>, Status> {
        let who = principal(&request);
        let mut readers = STAFF.to_vec();
        readers.push(Role::Applicant);
        who.require_any(&readers).map_err(status)?;
        let req = request.get_ref();
        let db = self.trading.db();
        let (bid, sealed) = store::sealed_bid(db, &req.bid_id)
            .await
            .map_err(status)?
            .filter(|(b, _)| b.project_id == req.project_id)
            .ok_or_else(|| bid_not_found(&req.bid_id))?;
        let project = store::get_project(db, &bid.project_id)
            .await
            .map_err(status)?
            .ok_or_else(|| project_not_found(&bid.project_id))?;
        // The bidder's own, or the project's staff's; to anyone else the bid does not exist.
        if viewer(&who, &project) != Viewer::Staff && bid.bidder != who.subject {
            return Err(bid_not_found(&req.bid_id));
        }
        let permit = project.permit_reading().map_err(status)?;
        // A withdrawn or replaced bid was never opened, and stays sealed for good.
        if project
            .opening
            .as_ref()
            .and_then(|o| o.bid(&bid.id))
            .is_none()
        {
            return Err(bid_not_found(&bid.id));
        }
        let sealed_key = store::read_project_key(db, &project.id)
            .await
            .map_err(status)?;
        let key = self
            .trading
            .keys()
            .opening_key(&permit, &sealed_key)
            .map_err(status)?;
        let plain = key
            .open(
                &bid_aad(&bid.project_id, &bid.id, &bid.lot_id, &bid.bidder),
                &sealed,
            )
            .map_err(status)?;
        let content: SealedBid =
            serde_json::from_slice(&plain).map_err(|e| status(Error::internal(e)))?;
        let document = usize::try_from(req.index)
            .ok()
            .and_then(|i| content.documents.into_iter().nth(i))
            .ok_or_else(|| status(Error::not_found("document", req.index.to_string())))?;
        Ok(Response::new(HttpBody {
            content_type: if document.media_type.is_empty() {
                "application/octet-stream".into()
            } else {
                document.media_type
            },
            data: document.content,
            extensions: Vec::new(),
        }))
    }
}
