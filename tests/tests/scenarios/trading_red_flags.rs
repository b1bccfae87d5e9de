//! The city's third hospital tenders three purchases on the trading platform the same
//! morning. One draws a single bid and fails at its opening (流标); in another two bidders
//! offer exactly the same price; the third is a clean competition. Supervision, following
//! trading's event stream, raises the single-bid flag on the first, the identical-prices
//! flag on the second and nothing on the third, each once, from the opening on; and keeps
//! them when the awards become final.
// Fen amounts read as yuan plus two fen digits, as trading writes them: `5_100_000_00`.
#![allow(clippy::inconsistent_digit_grouping)]

use chrono::Duration;
use onewindow_proto::trading::v1 as pb;

use crate::trading_floor::{t0, Floor};

const SINGLE_BID: &str = "trading.single_bid";
const IDENTICAL_PRICES: &str = "trading.identical_prices";

#[tokio::test]
async fn a_single_bid_and_identical_prices_are_flagged_and_a_clean_tender_is_not() {
    for floor in Floor::on_every_engine().await {
        let label = floor.label;
        floor.seed_experts(6).await;
        let single = floor.announce_tender("64排CT").await;
        let same = floor.announce_tender("彩色多普勒超声诊断仪").await;
        let clean = floor.announce_tender("全自动生化分析仪").await;

        floor.bid(&single, 1, 5_100_000_00).await;
        for (n, price) in [(2, 5_100_000_00), (3, 5_300_000_00), (4, 5_300_000_00)] {
            floor.bid(&same, n, price).await;
        }
        for (n, price) in [(5, 5_100_000_00), (6, 5_300_000_00), (7, 5_500_000_00)] {
            floor.bid(&clean, n, price).await;
        }
        floor.sync().await;
        for p in [&single, &same, &clean] {
            assert!(
                floor.flags(&p.id).await.is_empty(),
                "{label}: nothing to judge before the opening"
            );
        }

        floor
            .set(t0() + Duration::days(25) + Duration::hours(1))
            .await;
        let opening = floor.open_bids(&single).await;
        assert!(opening.failed, "{label}: one bid of three required");
        let opening = floor.open_bids(&same).await;
        assert!(!opening.failed);
        floor.open_bids(&clean).await;
        floor.sync().await;
        assert_eq!(floor.flags(&single.id).await, [SINGLE_BID], "{label}");
        assert_eq!(floor.flags(&same.id).await, [IDENTICAL_PRICES], "{label}");
        assert!(floor.flags(&clean.id).await.is_empty(), "{label}");

        let mut publicity_end = t0();
        for p in [&same, &clean] {
            let publicized = floor.evaluate_and_publicize(p).await;
            assert_eq!(
                publicized.awards[0].value_fen, 5_100_000_00,
                "{label}: the lowest price wins"
            );
            let end = publicized
                .periods
                .and_then(|x| x.award_publicity_end)
                .unwrap();
            publicity_end =
                publicity_end.max(chrono::DateTime::from_timestamp(end.seconds, 0).unwrap());
        }
        floor.sync().await;
        floor.set(publicity_end + Duration::days(1)).await;
        for p in [&same, &clean] {
            assert_eq!(
                floor.project(&p.id).await.state,
                pb::ProjectState::Awarded as i32,
                "{label}"
            );
        }
        floor.sync().await;

        let single_flags = floor.violations(&single.id).await;
        assert_eq!(single_flags.len(), 1, "{label}: {single_flags:?}");
        let cited: Vec<&str> = single_flags[0]
            .evidence
            .iter()
            .map(|e| e.kind.as_str())
            .collect();
        assert_eq!(
            cited,
            ["trading.project.announced", "trading.bids.opened"],
            "{label}"
        );
        assert!(single_flags[0]
            .evidence
            .iter()
            .all(|e| e.stream == "trading"));
        let same_flags = floor.violations(&same.id).await;
        assert_eq!(same_flags.len(), 1, "{label}: judged again, recorded once");
        assert_eq!(same_flags[0].rule_id, IDENTICAL_PRICES);
        assert!(
            same_flags[0].summary.contains("530000000"),
            "{label}: {}",
            same_flags[0].summary
        );
        assert!(floor.flags(&clean.id).await.is_empty(), "{label}");
    }
}
