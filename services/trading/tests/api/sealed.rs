//! Sealed bids: before the opening, no read path as any role (every RPC, the event stream,
//! audit trails, logs, the stored bytes) shows a price, a document or who the bidders are;
//! after it, every receipt verifies against the published opening record.

use std::time::Duration as StdDuration;

use futures::StreamExt;
use onewindow_kit::auth::Role;
use onewindow_proto::common::v1 as common;
use onewindow_proto::trading::v1 as pb;
use onewindow_trading::domain::commitment;
use prost_reflect::DynamicMessage;
use sqlx::Row;
use tonic::{Code, Request};

use crate::*;

#[derive(Clone, Copy)]
enum Who {
    Anonymous,
    User(&'static str, Role),
}

impl Who {
    fn request<T>(self, t: &TestTrading, body: T) -> Request<T> {
        match self {
            Who::Anonymous => Request::new(body),
            // The agent works for the projects' own agency: it sees them as staff do.
            Who::User(subject, Role::TradingAgent) => t.as_member(
                subject,
                Role::TradingAgent,
                Some(agency().credit_code),
                body,
            ),
            Who::User(subject, role) => t.as_user(subject, role, body),
        }
    }
}

const EVERYONE: [Who; 7] = [
    Who::Anonymous,
    Who::User("enterprise-1", Role::Applicant),
    Who::User("enterprise-2", Role::Applicant),
    Who::User("enterprise-9", Role::Applicant),
    Who::User("agent-1", Role::TradingAgent),
    Who::User("supervisor-1", Role::Supervisor),
    Who::User("service-1", Role::Service),
];

/// An event's payload as JSON (int64 as decimal text), plus its raw bytes as text.
fn event_text(e: &common::Event) -> String {
    let any = e.payload.clone().unwrap_or_default();
    let name = any.type_url.rsplit('/').next().unwrap_or_default();
    let pool = onewindow_proto::descriptor_pool();
    let json = pool
        .get_message_by_name(name)
        .and_then(|d| DynamicMessage::decode(d, any.value.as_slice()).ok())
        .map(|m| serde_json::to_string(&m).unwrap())
        .unwrap_or_else(|| panic!("undecodable payload {name}"));
    format!("{e:?} {json} {}", String::from_utf8_lossy(&any.value))
}

fn answer<T: std::fmt::Debug>(r: Result<tonic::Response<T>, tonic::Status>) -> String {
    match r {
        Ok(r) => format!("{:?}", r.into_inner()),
        Err(s) => format!("error {:?}: {}", s.code(), s.message()),
    }
}

/// Every read of the service as `who`, as text.
async fn everything_seen_by(
    t: &mut TestTrading,
    who: Who,
    project: &str,
    bids: &[String],
) -> String {
    let mut seen = Vec::new();
    let p = || project.to_string();
    let mut c = t.client.clone();
    seen.push(answer(
        c.get_project(who.request(t, pb::GetProjectRequest { project_id: p() }))
            .await,
    ));
    seen.push(answer(
        c.list_projects(who.request(t, pb::ListProjectsRequest::default()))
            .await,
    ));
    seen.push(answer(
        c.list_my_bids(who.request(t, pb::ListMyBidsRequest::default()))
            .await,
    ));
    seen.push(answer(
        c.get_opening_record(who.request(t, pb::GetOpeningRecordRequest { project_id: p() }))
            .await,
    ));
    seen.push(answer(
        c.list_quotes(who.request(t, pb::ListQuotesRequest { project_id: p() }))
            .await,
    ));
    seen.push(answer(
        c.list_experts(who.request(t, pb::ListExpertsRequest::default()))
            .await,
    ));
    match c
        .export_ocds(who.request(t, pb::ExportOcdsRequest { project_id: p() }))
        .await
    {
        Ok(body) => seen.push(String::from_utf8(body.into_inner().data).unwrap()),
        Err(s) => seen.push(s.message().to_string()),
    }
    let watch = c
        .watch_quotes(who.request(
            t,
            pb::WatchQuotesRequest {
                project_id: p(),
                after_seq: 0,
            },
        ))
        .await;
    seen.push(answer(watch.map(|r| r.map(|_| ()))));
    for (i, bid) in bids.iter().enumerate() {
        let doc = pb::GetBidDocumentRequest {
            project_id: p(),
            bid_id: bid.clone(),
            index: 0,
        };
        seen.push(answer(c.get_bid_document(who.request(t, doc)).await));
        let trail = common::GetAuditTrailRequest {
            object_type: "bid".into(),
            object_id: bid.clone(),
        };
        seen.push(answer(c.get_audit_trail(who.request(t, trail)).await));
        seen.push(format!("bid {i} checked"));
    }
    let trail = common::GetAuditTrailRequest {
        object_type: "project".into(),
        object_id: p(),
    };
    seen.push(answer(c.get_audit_trail(who.request(t, trail)).await));
    let head = onewindow_kit::outbox::head(t.trading.db()).await.unwrap();
    match c
        .watch(who.request(
            t,
            common::WatchRequest {
                after_seq: 0,
                kinds: vec![],
            },
        ))
        .await
    {
        Ok(stream) => {
            let mut stream = stream.into_inner();
            let mut n = 0;
            while n < head {
                let e = tokio::time::timeout(StdDuration::from_secs(5), stream.next())
                    .await
                    .expect("events replayed")
                    .unwrap()
                    .unwrap();
                seen.push(event_text(&e));
                n = e.seq;
            }
            assert!(head > 0);
        }
        Err(s) => seen.push(s.message().to_string()),
    }
    seen.join("\n")
}

/// The SQLite file and its write-ahead log, as bytes.
async fn sqlite_bytes(t: &TestTrading) -> Option<Vec<u8>> {
    if t.db.label != "sqlite" {
        return None;
    }
    let row = sqlx::query("SELECT file FROM pragma_database_list WHERE name = 'main'")
        .fetch_one(t.trading.db().reader())
        .await
        .unwrap();
    let file: String = row.try_get("file").unwrap();
    let mut bytes = std::fs::read(&file).unwrap();
    bytes.extend(std::fs::read(format!("{file}-wal")).unwrap_or_default());
    Some(bytes)
}

#[tokio::test]
async fn before_the_opening_nothing_shows_a_price_a_document_or_a_bidder() {
    let logs = LogCapture::default();
    let _capture = logs.install();
    for mut t in TestTrading::on_every_engine().await {
        let p = t
            .announced(tender("大同市第三人民医院64排CT采购项目"), "sealed")
            .await;
        assert_eq!(p.state, pb::ProjectState::Bidding as i32);
        let prices = [4_876_543_21i64, 5_123_456_78, 4_999_888_77];
        let docs: [&[u8]; 3] = [
            b"SEALED-DOC-ALPHA-7f3a91",
            b"SEALED-DOC-BRAVO-2c8e44",
            b"SEALED-DOC-CHARLIE-9d1b07",
        ];
        // Bidder 1 bids, then replaces its bid; bidder 4 bids and withdraws.
        let first = t
            .bid(&p.id, 1, 5_555_444_33, b"SEALED-DOC-REPLACED-55aa")
            .await
            .unwrap();
        let mut receipts = Vec::new();
        for i in 0..3u32 {
            receipts.push(
                t.bid(&p.id, i + 1, prices[i as usize], docs[i as usize])
                    .await
                    .unwrap(),
            );
        }
        assert_eq!(receipts[0].replaced_bid_id, first.bid_id);
        let retried = t.bid(&p.id, 2, prices[1], docs[1]).await.unwrap();
        assert_eq!(retried, receipts[1], "a retry returns the first receipt");
        let gone = t
            .bid(&p.id, 4, 5_432_100_99, b"SEALED-DOC-WITHDRAWN-77bb")
            .await
            .unwrap();
        t.client
            .withdraw_bid(t.bidder(
                4,
                pb::WithdrawBidRequest {
                    request_id: "withdraw-4".into(),
                    project_id: p.id.clone(),
                    bid_id: gone.bid_id.clone(),
                },
            ))
            .await
            .unwrap();
        t.tick().await;

        let mut secrets: Vec<String> = Vec::new();
        for fen in [prices[0], prices[1], prices[2], 5_555_444_33, 5_432_100_99] {
            secrets.push(fen.to_string());
            secrets.push(format!("{}.{:02}", fen / 100, fen % 100));
        }
        for d in docs.iter().copied().chain([
            &b"SEALED-DOC-REPLACED-55aa"[..],
            b"SEALED-DOC-WITHDRAWN-77bb",
        ]) {
            secrets.push(String::from_utf8(d.to_vec()).unwrap());
        }
        for n in 1..=4 {
            secrets.push(party(n).name);
            secrets.push(party(n).credit_code);
            secrets.push(party(n).contact_phone);
        }
        let bid_ids: Vec<String> = receipts
            .iter()
            .map(|r| r.bid_id.clone())
            .chain([first.bid_id.clone(), gone.bid_id.clone()])
            .collect();
        for who in EVERYONE {
            let seen = everything_seen_by(&mut t, who, &p.id, &bid_ids).await;
            for s in &secrets {
                assert!(
                    !seen.contains(s.as_str()),
                    "{} saw {s} before the opening:\n{seen}",
                    t.db.label
                );
            }
        }
        if let Some(bytes) = sqlite_bytes(&t).await {
            let text = String::from_utf8_lossy(&bytes);
            for s in &secrets {
                if let Some(i) = text.find(s.as_str()) {
                    let lo = text.floor_char_boundary(i.saturating_sub(300));
                    let hi = text.ceil_char_boundary((i + 300).min(text.len()));
                    panic!("{s} is stored in clear: {:?}", &text[lo..hi]);
                }
            }
        }
        let logged = logs.text();
        assert!(
            logged.contains("grpc.request"),
            "the capture sees the service's logs"
        );
        for s in &secrets {
            assert!(
                !logged.contains(s.as_str()),
                "{s} was logged before the opening"
            );
        }

        // Opening time has not come: refused, and nothing is decrypted.
        let early = t
            .client
            .open_bids(t.agent(pb::OpenBidsRequest {
                request_id: "open-early".into(),
                project_id: p.id.clone(),
            }))
            .await
            .unwrap_err();
        assert_eq!(early.code(), Code::FailedPrecondition);

        t.set(opening_time());
        let record = t
            .client
            .open_bids(t.agent(pb::OpenBidsRequest {
                request_id: "open".into(),
                project_id: p.id.clone(),
            }))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            record.bids.len(),
            3,
            "replaced and withdrawn bids are not opened"
        );
        assert_eq!(record.draw_seed.len(), 64);
        let public = t
            .client
            .get_opening_record(pb::GetOpeningRecordRequest {
                project_id: p.id.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        for (i, receipt) in receipts.iter().enumerate() {
            let opened = public
                .bids
                .iter()
                .find(|b| b.bid_id == receipt.bid_id)
                .unwrap();
            assert_eq!(opened.price_fen, prices[i]);
            assert_eq!(opened.commitment, receipt.commitment);
            let digests: Vec<String> = opened.documents.iter().map(|d| d.digest.clone()).collect();
            assert_eq!(digests, receipt.document_digests);
            assert_eq!(opened.nonce, receipt.nonce);
            let bidder = opened.bidder.as_ref().unwrap();
            assert!(
                bidder.contact_phone.contains("****"),
                "contacts are masked in public"
            );
            let recomputed = commitment(
                &p.id,
                &bidder.credit_code,
                "1",
                opened.price_fen,
                &digests,
                &opened.nonce,
            );
            assert_eq!(recomputed, receipt.commitment, "the receipt verifies");
            assert!(opened.valid);
        }
        assert_eq!(
            t.project(&p.id).await.state,
            pb::ProjectState::Opened as i32
        );

        // Documents now open to staff and to their own bidder only.
        let doc = |bid: &str| pb::GetBidDocumentRequest {
            project_id: p.id.clone(),
            bid_id: bid.into(),
            index: 0,
        };
        let body = t
            .client
            .get_bid_document(t.supervisor(doc(&receipts[0].bid_id)))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(body.data, docs[0]);
        let own = t
            .client
            .get_bid_document(t.bidder(1, doc(&receipts[0].bid_id)))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(own.data, docs[0]);
        let withdrawn = t
            .client
            .get_bid_document(t.bidder(4, doc(&gone.bid_id)))
            .await
            .unwrap_err();
        assert_eq!(
            withdrawn.code(),
            Code::NotFound,
            "a withdrawn bid is never opened"
        );
        let other = t
            .client
            .get_bid_document(t.bidder(2, doc(&receipts[0].bid_id)))
            .await
            .unwrap_err();
        assert_eq!(other.code(), Code::NotFound);
        let mine = t
            .client
            .list_my_bids(t.bidder(
                2,
                pb::ListMyBidsRequest {
                    project_id: p.id.clone(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            mine.bids[0].price_fen, prices[1],
            "the bidder sees its opened price"
        );
    }
}

#[tokio::test]
async fn a_bid_after_the_deadline_is_refused() {
    for mut t in TestTrading::on_every_engine().await {
        let p = t
            .announced(tender("大同市疾控中心检测设备采购"), "late")
            .await;
        t.set(t0() + chrono::Duration::days(25));
        let late = t
            .bid(&p.id, 1, 1_000_000_00, b"late bid")
            .await
            .unwrap_err();
        assert_eq!(late.code(), Code::FailedPrecondition, "{}", t.db.label);
        assert!(
            late.message().contains("deadline passed"),
            "{}",
            late.message()
        );
        assert!(late.message().contains("submit_bid"), "{}", late.message());
        assert!(!late.message().contains("100000000"));
    }
}

#[tokio::test]
async fn bad_bids_name_every_bad_field_without_echoing_the_price() {
    let mut t = TestTrading::on_sqlite().await;
    let p = t.announced(tender("大同市第五人民医院DR采购"), "bad").await;
    let mut req = bid_request(&p.id, 1, 7_000_000_00, b"x");
    req.documents.clear();
    req.bidder.as_mut().unwrap().credit_code = "123".into();
    let status = t.client.submit_bid(t.bidder(1, req)).await.unwrap_err();
    let fields = bad_fields(&status);
    assert_eq!(fields, ["price_fen", "documents", "bidder.credit_code"]);
    assert!(!status.message().contains("700000000"));
    let as_agent = t
        .client
        .submit_bid(t.agent(bid_request(&p.id, 1, 1, b"x")))
        .await
        .unwrap_err();
    assert_eq!(as_agent.code(), Code::PermissionDenied);
}
