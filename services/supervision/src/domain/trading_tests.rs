//! The red flags, each on a crafted project and silent on a clean one.

use chrono::NaiveDate;

use super::rules::RuleSettings;
use super::trading::*;

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, day).unwrap()
}

fn bid(bidder: &str, price: i64, phone: &str) -> Bid {
    Bid {
        bidder_id: bidder.into(),
        price_fen: price,
        contact: Contact {
            phone: phone.into(),
            email: format!("{bidder}@example.com"),
            address: format!("{bidder} road"),
        },
        disqualified: false,
        disqualification_reason: String::new(),
    }
}

fn clean() -> TradingFacts {
    TradingFacts {
        project_id: "p1".into(),
        owner_id: "owner".into(),
        department_id: "jtj".into(),
        region_code: "140200".into(),
        method: Method::OpenTender,
        announced_on: d(3, 1),
        bid_deadline: d(3, 25),
        bids: vec![
            bid("a", 1_000_000, "13800000001"),
            bid("b", 1_100_000, "13800000002"),
            bid("c", 1_200_000, "13800000003"),
        ],
        winner_bidder_id: Some("a".into()),
        winning_price_fen: Some(1_000_000),
    }
}

fn history(projects: u32, wins_of_a: u32) -> OwnerHistory {
    OwnerHistory {
        projects,
        wins: [("a".to_string(), wins_of_a)].into_iter().collect(),
    }
}

fn flags(facts: &TradingFacts, h: &OwnerHistory) -> Vec<&'static str> {
    red_flags(
        facts,
        h,
        &TradingThresholds::default(),
        &RuleSettings::default(),
        &[],
    )
    .into_iter()
    .map(|h| h.rule)
    .collect()
}

#[test]
fn a_clean_tender_raises_no_flag() {
    assert!(flags(&clean(), &history(1, 1)).is_empty());
}

#[test]
fn a_single_bid_is_flagged() {
    let mut f = clean();
    f.bids.truncate(1);
    assert_eq!(flags(&f, &history(1, 1)), [SINGLE_BID]);
}

#[test]
fn identical_prices_are_flagged() {
    let mut f = clean();
    f.bids[2].price_fen = 1_100_000;
    assert_eq!(flags(&f, &history(1, 1)), [IDENTICAL_PRICES]);
}

#[test]
fn a_winner_just_below_the_second_is_flagged() {
    let mut f = clean();
    f.bids[1].price_fen = 1_004_000;
    assert_eq!(flags(&f, &history(1, 1)), [WINNER_CLOSE_TO_SECOND]);
}

#[test]
fn a_short_bid_period_is_flagged_per_method() {
    let mut f = clean();
    f.bid_deadline = d(3, 15);
    assert_eq!(flags(&f, &history(1, 1)), [SHORT_BID_PERIOD]);
    // Twenty days is enough for an open tender; a single source has no minimum.
    f.bid_deadline = d(3, 21);
    assert!(flags(&f, &history(1, 1)).is_empty());
    f.method = Method::SingleSource;
    f.bid_deadline = d(3, 2);
    assert!(flags(&f, &history(1, 1)).is_empty());
}

#[test]
fn every_other_bidder_disqualified_is_flagged() {
    let mut f = clean();
    f.bids[1].disqualified = true;
    f.bids[2].disqualified = true;
    assert_eq!(flags(&f, &history(1, 1)), [ALL_OTHERS_DISQUALIFIED]);
}

#[test]
fn the_lowest_bid_disqualified_is_flagged() {
    let mut f = clean();
    f.bids.push(Bid {
        disqualified: true,
        disqualification_reason: "资质不符".into(),
        ..bid("d", 900_000, "13800000004")
    });
    let found = flags(&f, &history(1, 1));
    assert_eq!(found, [LOWEST_BID_DISQUALIFIED]);
}

#[test]
fn bidders_sharing_a_phone_are_flagged_however_it_is_written() {
    let mut f = clean();
    f.bids[2].contact.phone = "138-0000-0002".into();
    let hits = red_flags(
        &f,
        &history(1, 1),
        &TradingThresholds::default(),
        &RuleSettings::default(),
        &[],
    );
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].rule, SHARED_CONTACT);
    assert_eq!(hits[0].part, "phone:b,c");
}

#[test]
fn one_supplier_winning_most_of_an_owners_projects_is_flagged() {
    assert_eq!(flags(&clean(), &history(4, 3)), [DOMINANT_SUPPLIER]);
    // Half is not most; too few projects say nothing.
    assert!(flags(&clean(), &history(4, 2)).is_empty());
    assert!(flags(&clean(), &history(2, 2)).is_empty());
}

#[test]
fn a_disabled_flag_stays_silent() {
    let mut f = clean();
    f.bids.truncate(1);
    let settings = RuleSettings {
        disabled: vec![SINGLE_BID.into()],
        ..RuleSettings::default()
    };
    assert!(red_flags(
        &f,
        &history(1, 1),
        &TradingThresholds::default(),
        &settings,
        &[]
    )
    .is_empty());
}

#[test]
fn prices_at_the_ends_of_the_range_are_judged_without_overflow() {
    // An award of i64::MIN fen against a second bid of 1 fen: the gap is beyond i64, and
    // wrapped it would be negative, "within" any ratio.
    let mut f = clean();
    f.winning_price_fen = Some(i64::MIN);
    f.bids[1].price_fen = 1;
    assert!(!flags(&f, &history(1, 1)).contains(&WINNER_CLOSE_TO_SECOND));
}
