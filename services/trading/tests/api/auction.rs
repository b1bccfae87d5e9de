//! Listings and auctions: ascending quotes, the end that moves for a last-minute quote, live
//! quotes for watchers, and the close by the clock.

use chrono::{DateTime, Duration, Utc};
use futures::StreamExt;
use onewindow_proto::trading::v1 as pb;
use tonic::Code;

use crate::*;

fn land_listing(start: DateTime<Utc>) -> pb::Project {
    pb::Project {
        title: "平城区DTG-2026-21号宗地国有建设用地使用权挂牌出让".into(),
        description: "住宅用地，面积36,200平方米".into(),
        category: pb::Category::LandUse as i32,
        method: pb::Method::Listing as i32,
        region_code: "140200".into(),
        owner: Some(owner()),
        agency: Some(agency()),
        lots: vec![pb::Lot {
            id: "1".into(),
            title: "DTG-2026-21号宗地".into(),
            budget_fen: 46_000_000_00,
            min_increment_fen: 500_000_00,
            failed: false,
        }],
        periods: Some(pb::Periods {
            bid_start: Some(ts(start)),
            bid_deadline: Some(ts(start + Duration::days(10))),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn quote(
    t: &TestTrading,
    project_id: &str,
    n: u32,
    amount_fen: i64,
) -> tonic::Request<pb::SubmitQuoteRequest> {
    t.bidder(
        n,
        pb::SubmitQuoteRequest {
            request_id: format!("quote-{n}-{amount_fen}"),
            project_id: project_id.into(),
            amount_fen,
            bidder: Some(party(n)),
        },
    )
}

#[tokio::test]
async fn a_last_minute_quote_extends_the_listing_and_watchers_see_quotes_live() {
    for mut t in TestTrading::on_every_engine().await {
        let start = t0() + Duration::days(20);
        let end = start + Duration::days(10);
        let p = t.announced(land_listing(start), "listing").await;
        assert_eq!(p.state, pb::ProjectState::Announced as i32);
        let early = t
            .client
            .submit_quote(quote(&t, &p.id, 1, 46_000_000_00))
            .await
            .unwrap_err();
        assert_eq!(early.code(), Code::FailedPrecondition);

        t.set(start);
        assert_eq!(t.tick().await, 1, "the chronograph starts the listing");
        let mut watcher = t
            .client
            .watch_quotes(pb::WatchQuotesRequest {
                project_id: p.id.clone(),
                after_seq: 0,
            })
            .await
            .unwrap()
            .into_inner();
        t.client
            .submit_quote(quote(&t, &p.id, 1, 46_000_000_00))
            .await
            .unwrap();
        let low = t
            .client
            .submit_quote(quote(&t, &p.id, 2, 46_400_000_00))
            .await
            .unwrap_err();
        assert_eq!(bad_fields(&low), ["amount_fen"]);
        t.set(end - Duration::minutes(2));
        let last = t
            .client
            .submit_quote(quote(&t, &p.id, 2, 46_500_000_00))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            last.end,
            Some(ts(end + Duration::minutes(3))),
            "{}",
            t.db.label
        );
        assert_eq!(last.bidder_number, 2);

        let mut seen = Vec::new();
        for _ in 0..2 {
            let q = tokio::time::timeout(std::time::Duration::from_secs(5), watcher.next())
                .await
                .expect("quote streamed")
                .unwrap()
                .unwrap();
            seen.push((q.seq, q.bidder_number, q.amount_fen));
        }
        assert_eq!(seen, [(1, 1, 46_000_000_00), (2, 2, 46_500_000_00)]);

        t.set(end + Duration::minutes(1));
        t.tick().await;
        assert_eq!(
            t.project(&p.id).await.state,
            pb::ProjectState::Bidding as i32,
            "still open after the old end"
        );
        t.set(end + Duration::minutes(3));
        t.tick().await;
        let closed = t.project(&p.id).await;
        assert_eq!(closed.state, pb::ProjectState::AwardPublicized as i32);
        let award = &closed.awards[0];
        assert_eq!(award.value_fen, 46_500_000_00);
        assert_eq!(award.runner_up_value_fen, 46_000_000_00);
        assert_eq!(award.supplier.as_ref().unwrap().name, party(2).name);
        let public = t
            .client
            .get_project(pb::GetProjectRequest {
                project_id: p.id.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        assert!(public.awards[0]
            .supplier
            .as_ref()
            .unwrap()
            .contact_phone
            .contains("****"));
        let rest = tokio::time::timeout(std::time::Duration::from_secs(5), watcher.next())
            .await
            .expect("stream ends");
        assert!(rest.is_none(), "the stream ends with the auction");
        let late = t
            .client
            .submit_quote(quote(&t, &p.id, 1, 47_000_000_00))
            .await
            .unwrap_err();
        assert_eq!(late.code(), Code::FailedPrecondition);
    }
}

#[tokio::test]
async fn a_listing_takes_quotes_not_sealed_bids() {
    let mut t = TestTrading::on_sqlite().await;
    let start = t0() + Duration::days(20);
    let p = t.announced(land_listing(start), "nobids").await;
    t.set(start + Duration::hours(1));
    let refused = t.bid(&p.id, 1, 46_000_000_00, b"sealed").await.unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert!(
        refused.message().contains("quotes"),
        "{}",
        refused.message()
    );
    let listed = t
        .client
        .list_quotes(pb::ListQuotesRequest {
            project_id: p.id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.status.unwrap().reserve_fen, 46_000_000_00);
}
