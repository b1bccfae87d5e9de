//! The trading stream, crafted the way the trading service writes its outbox, followed into
//! red flags: each flag on the project that breaks its rule, none on a clean one, once each
//! however the stream is replayed; the rules that do not fit a project's kind stay silent.

use std::sync::Arc;

use onewindow_kit::consumer::local_source;
use onewindow_proto::supervision::v1 as sup;
use onewindow_proto::trading::v1 as pb;
use onewindow_supervision::Supervision;
use tokio_util::sync::CancellationToken;

use crate::trading_stream::{nov, offer, Offer, Tender, Trades};
use crate::{settings, TestSupervision};

const SINGLE_BID: &str = "trading.single_bid";
const IDENTICAL_PRICES: &str = "trading.identical_prices";
const SHORT_BID_PERIOD: &str = "trading.short_bid_period";
const SHARED_CONTACT: &str = "trading.shared_contact";
const LOWEST_BID_DISQUALIFIED: &str = "trading.lowest_bid_disqualified";
const WINNER_CLOSE_TO_SECOND: &str = "trading.winner_close_to_second";

async fn violations(t: &TestSupervision, project_id: &str) -> Vec<sup::Violation> {
    let mut found = t
        .client
        .clone()
        .list_violations(t.supervisor(sup::ListViolationsRequest {
            subject_kind: sup::SubjectKind::TradingProject as i32,
            subject_id: project_id.into(),
            page_size: 100,
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner()
        .violations;
    found.sort_by(|a, b| a.rule_id.cmp(&b.rule_id));
    found
}

async fn flags(t: &TestSupervision, project_id: &str) -> Vec<String> {
    violations(t, project_id)
        .await
        .into_iter()
        .map(|v| v.rule_id)
        .collect()
}

/// The (seq, kind) of a violation's evidence.
fn cited(v: &sup::Violation) -> Vec<(i64, String)> {
    assert!(v.evidence.iter().all(|e| e.stream == "trading"), "{v:?}");
    v.evidence.iter().map(|e| (e.seq, e.kind.clone())).collect()
}

async fn records_kept(t: &TestSupervision) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM sup_trading_project")
        .fetch_one(t.db.db.reader())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_single_bid_is_flagged_from_the_opening_and_a_clean_tender_is_not() {
    for t in TestSupervision::on_every_engine().await {
        let mut s = Trades::followed_by(&t).await;
        let single = Tender::procurement("p-single");
        let announced = s.announce(&single).await;
        s.bid_received(&single, 1).await;
        let opened = s.open(&single, &[offer(1, 1_500_000)], 3).await;
        s.failed(&single, 1).await;
        let clean = Tender::procurement("p-clean");
        s.awarded_tender(
            &clean,
            &[
                offer(1, 1_500_000),
                offer(2, 1_600_000),
                offer(3, 1_700_000),
            ],
        )
        .await;
        s.settle().await;

        let found = violations(&t, "p-single").await;
        assert_eq!(found.len(), 1, "{}: {found:?}", t.label());
        assert_eq!(found[0].rule_id, SINGLE_BID);
        assert_eq!(
            cited(&found[0]),
            [
                (announced, "trading.project.announced".to_string()),
                (opened, "trading.bids.opened".to_string())
            ]
        );
        assert_eq!(found[0].detected_on, "2026-11-27");
        assert!(flags(&t, "p-clean").await.is_empty(), "{}", t.label());
        assert_eq!(records_kept(&t).await, 0, "ended projects are forgotten");
        assert_eq!(
            onewindow_supervision::store::unreadable_count(&t.db.db)
                .await
                .unwrap(),
            0
        );
    }
}

#[tokio::test]
async fn identical_prices_are_flagged_at_the_opening_and_a_clean_tender_stays_silent() {
    for t in TestSupervision::on_every_engine().await {
        let mut s = Trades::followed_by(&t).await;
        let same = Tender::procurement("p-same");
        s.announce(&same).await;
        let offers = [
            offer(1, 1_500_000),
            offer(2, 1_620_000),
            offer(3, 1_620_000),
        ];
        let opened = s.open(&same, &offers, 3).await;
        s.settle().await;
        // Known at the opening already, before any evaluation.
        assert_eq!(
            flags(&t, "p-same").await,
            [IDENTICAL_PRICES],
            "{}",
            t.label()
        );
        s.award(&same, &offers).await;
        let clean = Tender::procurement("p-distinct");
        s.awarded_tender(
            &clean,
            &[
                offer(4, 1_500_000),
                offer(5, 1_620_000),
                offer(6, 1_620_100),
            ],
        )
        .await;
        s.settle().await;

        let found = violations(&t, "p-same").await;
        assert_eq!(found.len(), 1, "judged again at the award, recorded once");
        assert!(found[0].summary.contains("1620000"), "{}", found[0].summary);
        assert_eq!(cited(&found[0]).last().unwrap().0, opened);
        assert!(flags(&t, "p-distinct").await.is_empty(), "{}", t.label());
    }
}

#[tokio::test]
async fn a_failed_tender_left_with_one_valid_bid_is_a_single_bid() {
    let t = TestSupervision::on_sqlite().await;
    let mut s = Trades::followed_by(&t).await;
    let p = Tender::procurement("p-one-valid");
    s.announce(&p).await;
    let over = |n, price| Offer {
        invalid: Some("the price exceeds the ceiling"),
        ..offer(n, price)
    };
    let opened = s
        .open(
            &p,
            &[offer(1, 1_500_000), over(2, 2_100_000), over(3, 2_200_000)],
            3,
        )
        .await;
    s.failed(&p, 1).await;
    s.settle().await;
    let found = violations(&t, "p-one-valid").await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].rule_id, SINGLE_BID);
    // Three bids were received, one stood: the opening record says so, lot failed.
    assert_eq!(cited(&found[0]).last().unwrap().0, opened);
}

#[tokio::test]
async fn the_period_the_contacts_the_disqualification_and_the_award_are_judged_as_they_arrive() {
    let t = TestSupervision::on_sqlite().await;
    let mut s = Trades::followed_by(&t).await;
    let p = Tender {
        bid_days: 10,
        ..Tender::procurement("p-rigged")
    };
    let announced = s.announce(&p).await;
    s.bid_received(&p, 1).await;
    s.bid_received(&p, 2).await;
    s.settle().await;
    let short = violations(&t, "p-rigged").await;
    assert_eq!(
        short.iter().map(|v| v.rule_id.as_str()).collect::<Vec<_>>(),
        [SHORT_BID_PERIOD],
        "the period is known at the announcement, nothing else is"
    );
    assert_eq!(
        cited(&short[0]),
        [(announced, "trading.project.announced".to_string())]
    );

    let a = offer(1, 1_000_000);
    // The same phone, written another way.
    let b = Offer {
        phone: "139-0352-0001".into(),
        ..offer(2, 1_003_000)
    };
    let c = Offer {
        invalid: Some("the bid has no documents"),
        ..offer(3, 900_000)
    };
    s.open(&p, &[a.clone(), b.clone(), c], 2).await;
    s.settle().await;
    assert_eq!(
        flags(&t, "p-rigged").await,
        [LOWEST_BID_DISQUALIFIED, SHARED_CONTACT, SHORT_BID_PERIOD]
    );
    // The winner is 0.3 % below the second: known once the award is publicized.
    s.award(&p, &[a, b]).await;
    s.settle().await;
    assert_eq!(
        flags(&t, "p-rigged").await,
        [
            LOWEST_BID_DISQUALIFIED,
            SHARED_CONTACT,
            SHORT_BID_PERIOD,
            WINNER_CLOSE_TO_SECOND
        ]
    );
    let disqualified = violations(&t, "p-rigged")
        .await
        .into_iter()
        .find(|v| v.rule_id == LOWEST_BID_DISQUALIFIED)
        .unwrap();
    assert!(
        disqualified.summary.contains("the bid has no documents"),
        "{}",
        disqualified.summary
    );
}

#[tokio::test]
async fn a_single_source_and_a_land_sale_are_not_judged_by_rules_written_for_tenders() {
    let t = TestSupervision::on_sqlite().await;
    let mut s = Trades::followed_by(&t).await;
    let single_source = Tender {
        method: pb::Method::SingleSource,
        bid_days: 7,
        ..Tender::procurement("p-single-source")
    };
    s.awarded_tender(&single_source, &[offer(1, 1_500_000)])
        .await;
    // A land tender is won by the highest price; the lowest bid, below the reserve, is
    // rightly invalid, and the second is below the winner.
    let land = Tender {
        category: pb::Category::LandUse,
        ..Tender::procurement("p-land")
    };
    s.announce(&land).await;
    let winner = offer(1, 5_010_000);
    let second = offer(2, 5_000_000);
    let below_reserve = Offer {
        invalid: Some("the price is below the reserve"),
        ..offer(3, 1_000_000)
    };
    s.open(&land, &[winner.clone(), second.clone(), below_reserve], 1)
        .await;
    s.award(&land, &[winner, second]).await;
    s.settle().await;
    assert!(flags(&t, "p-single-source").await.is_empty());
    assert!(flags(&t, "p-land").await.is_empty());
}

#[tokio::test]
async fn replicas_and_a_restart_record_each_flag_once() {
    for t in TestSupervision::on_every_engine().await {
        let replica = Supervision::start(
            t.db.db.clone(),
            t.clock.clone(),
            settings(),
            Arc::new(t.verifier.clone()),
        )
        .await
        .unwrap();
        let mut s = Trades::followed_by(&t).await;
        let replica_stop = CancellationToken::new();
        let task = replica.follow(
            "trading",
            local_source(s.producer.db.clone()),
            replica_stop.clone(),
        );
        for n in 0..4 {
            let p = Tender::procurement(&format!("p-{n}"));
            s.announce(&p).await;
            s.open(&p, &[offer(1, 1_500_000), offer(2, 1_500_000)], 3)
                .await;
            s.failed(&p, 2).await;
        }
        s.settle().await;
        // A restart: the follower stops, and a new one resumes from the stored offset.
        s.stop.cancel();
        let stop = CancellationToken::new();
        t.supervision
            .follow("trading", local_source(s.producer.db.clone()), stop.clone());
        let late = Tender::procurement("p-late");
        s.announce(&late).await;
        s.open(&late, &[offer(1, 1_500_000)], 3).await;
        s.settle().await;
        for n in 0..4 {
            assert_eq!(
                flags(&t, &format!("p-{n}")).await,
                [IDENTICAL_PRICES],
                "{}",
                t.label()
            );
        }
        assert_eq!(flags(&t, "p-late").await, [SINGLE_BID]);
        stop.cancel();
        replica_stop.cancel();
        task.await.unwrap();
        replica.shutdown();
    }
}

async fn awards_kept(t: &TestSupervision, project_id: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM sup_trading_award WHERE project_id = $1")
        .bind(project_id)
        .fetch_one(t.db.db.reader())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_cancelled_award_leaves_the_owners_history_with_the_projects_record() {
    for t in TestSupervision::on_every_engine().await {
        let mut s = Trades::followed_by(&t).await;
        let p = Tender::procurement("p-cancelled");
        s.announce(&p).await;
        let offers = [
            offer(1, 1_500_000),
            offer(2, 1_600_000),
            offer(3, 1_700_000),
        ];
        s.open(&p, &offers, 3).await;
        s.publicize(&p, &offers).await;
        s.settle().await;
        assert_eq!(awards_kept(&t, "p-cancelled").await, 1, "{}", t.label());
        assert_eq!(records_kept(&t).await, 1);
        s.cancel(&p).await;
        s.settle().await;
        assert_eq!(awards_kept(&t, "p-cancelled").await, 0, "{}", t.label());
        assert_eq!(records_kept(&t).await, 0);
    }
}

#[tokio::test]
async fn an_unreadable_trading_event_is_kept_aside_and_the_stream_goes_on() {
    let t = TestSupervision::on_sqlite().await;
    let mut s = Trades::followed_by(&t).await;
    let body = pb::BidCount {
        project_id: "p-garbled".into(),
        active_bids: 1,
    };
    s.emit(
        "trading.project.announced",
        "p-garbled",
        "BidCount",
        &body,
        nov(2),
    )
    .await;
    let p = Tender::procurement("p-after");
    s.announce(&p).await;
    s.open(&p, &[offer(1, 1_500_000)], 3).await;
    s.settle().await;
    assert_eq!(flags(&t, "p-after").await, [SINGLE_BID]);
    assert_eq!(
        onewindow_supervision::store::unreadable_count(&t.db.db)
            .await
            .unwrap(),
        1
    );
}
