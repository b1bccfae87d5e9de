//! Performance and warning education: figures and ranking, series, bulletins, the live
//! dashboard, supervision's own events, and trading red flags.

use std::time::Duration;

use futures::StreamExt;
use onewindow_proto::common::v1 as common;
use onewindow_proto::supervision::v1 as pb;
use onewindow_supervision::{Bid, Contact, EventRef, Method, TradingFacts};
use tonic::{Code, Request};

use crate::events::Story;
use crate::{bad_fields, day, TestSupervision, DEPT, OTHER_DEPT, REGION};

fn march() -> (String, String) {
    ("2026-03-01".into(), "2026-03-31".into())
}

/// DEPT concludes a case on time; OTHER_DEPT concludes one late and earns cards.
async fn two_departments(t: &TestSupervision) {
    let mut good = Story::new(t, 200);
    good.clean().await;
    let mut bad = Story::new(t, 201).in_department(OTHER_DEPT);
    bad.submitted(day(3, 2)).await;
    bad.accepted(day(3, 2), day(3, 9), day(3, 30), true).await;
    bad.settle().await;
    t.morning_of(day(3, 16)).await;
    let later = day(3, 20);
    bad.stage_completed(
        day(3, 16),
        common::Stage::Review,
        None,
        Some((common::Stage::Decide, later)),
    )
    .await;
    bad.stage_completed(
        day(3, 16),
        common::Stage::Decide,
        None,
        Some((common::Stage::Conclude, later)),
    )
    .await;
    bad.concluded(day(3, 16), day(3, 2), day(3, 9)).await;
    bad.settle().await;
}

#[tokio::test]
async fn performance_ranks_departments_and_the_series_add_up() {
    for mut t in TestSupervision::on_every_engine().await {
        two_departments(&t).await;
        let (from, to) = march();
        let report = t
            .client
            .get_performance(t.supervisor(pb::GetPerformanceRequest {
                from: from.clone(),
                to: to.clone(),
                ..Default::default()
            }))
            .await
            .unwrap()
            .into_inner();
        let order: Vec<(&str, i32)> = report
            .rows
            .iter()
            .map(|r| (r.key.as_str(), r.rank))
            .collect();
        assert_eq!(order, [(DEPT, 1), (OTHER_DEPT, 2)], "{}", t.label());
        let good = report.rows[0].figures.unwrap();
        assert_eq!(
            (good.accepted, good.concluded, good.concluded_on_time),
            (1, 1, 1)
        );
        assert_eq!(good.on_time_rate, 1.0);
        let bad = report.rows[1].figures.unwrap();
        assert_eq!(
            (bad.concluded, bad.concluded_on_time, bad.violations),
            (1, 0, 1)
        );
        assert_eq!(
            (bad.early_warnings, bad.yellow_cards, bad.red_cards),
            (1, 1, 1)
        );
        assert!(report.rows[0].score > report.rows[1].score);
        let total = report.total.unwrap();
        assert_eq!((total.accepted, total.concluded), (2, 2));

        // Staff see where their department stands, not the others.
        let own = t
            .client
            .get_performance(t.clerk_of(
                OTHER_DEPT,
                pb::GetPerformanceRequest {
                    from: from.clone(),
                    to: to.clone(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        let order: Vec<(&str, i32)> = own.rows.iter().map(|r| (r.key.as_str(), r.rank)).collect();
        assert_eq!(order, [(OTHER_DEPT, 2)]);

        let monthly = t
            .client
            .get_performance_series(t.supervisor(pb::GetPerformanceSeriesRequest {
                from: from.clone(),
                to: to.clone(),
                granularity: pb::Granularity::Month as i32,
                ..Default::default()
            }))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(monthly.points.len(), 1);
        assert_eq!(monthly.points[0].period, "2026-03");
        assert_eq!(monthly.points[0].figures.unwrap().concluded, 2);
        let daily = t
            .client
            .get_performance_series(t.supervisor(pb::GetPerformanceSeriesRequest {
                from,
                to,
                granularity: pb::Granularity::Day as i32,
                department_id: OTHER_DEPT.into(),
                ..Default::default()
            }))
            .await
            .unwrap()
            .into_inner();
        let days: Vec<&str> = daily.points.iter().map(|p| p.period.as_str()).collect();
        // Accepted on the 2nd; early warning reached on the 6th, yellow on the 10th, red on
        // the 13th; concluded late (a violation) on the 16th.
        assert_eq!(
            days,
            [
                "2026-03-02",
                "2026-03-06",
                "2026-03-10",
                "2026-03-13",
                "2026-03-16"
            ]
        );
        let bad_period = t
            .client
            .get_performance(t.supervisor(pb::GetPerformanceRequest {
                from: "2026-03-31".into(),
                to: "2026-03-01".into(),
                ..Default::default()
            }))
            .await
            .unwrap_err();
        assert_eq!(bad_fields(&bad_period), ["to"]);
    }
}

#[tokio::test]
async fn bulletins_of_cards_are_published_by_supervisors_and_listed_for_everyone() {
    let mut t = TestSupervision::on_sqlite().await;
    two_departments(&t).await;
    let red = t
        .client
        .list_warnings(t.supervisor(pb::ListWarningsRequest {
            level: pb::WarningLevel::Red as i32,
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner()
        .warnings
        .remove(0);
    let publish = pb::PublishBulletinRequest {
        request_id: "b-1".into(),
        kind: pb::BulletinKind::Card as i32,
        title: "红牌通报".into(),
        body: "某局办件超期未办结，予以红牌警示。".into(),
        warning_id: red.id.clone(),
        ..Default::default()
    };
    let denied = t
        .client
        .publish_bulletin(t.clerk_of(DEPT, publish.clone()))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    let missing = t
        .client
        .publish_bulletin(t.supervisor(pb::PublishBulletinRequest {
            warning_id: String::new(),
            title: String::new(),
            ..publish.clone()
        }))
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&missing), ["title", "warning_id"]);
    let b = t
        .client
        .publish_bulletin(t.supervisor(publish))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(b.department_id, OTHER_DEPT);
    let public = t
        .client
        .list_bulletins(Request::new(pb::ListBulletinsRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(public.total_size, 1);
    assert_eq!(public.bulletins[0].warning_id, red.id);
}

#[tokio::test]
async fn the_dashboard_streams_todays_figures_as_they_change() {
    let t = TestSupervision::on_sqlite().await;
    // Two screens of the city and one of a district: the city's share one feed.
    let mut screens = Vec::new();
    for region in ["", "", REGION] {
        let mut client = t.client.clone();
        let mut stream = client
            .watch_dashboard(Request::new(pb::WatchDashboardRequest {
                region_code: region.into(),
            }))
            .await
            .unwrap()
            .into_inner();
        let first = stream.next().await.unwrap().unwrap();
        assert_eq!(first.date, "2026-03-02");
        assert_eq!(first.today.unwrap().accepted, 0);
        screens.push(stream);
    }
    let mut s = Story::new(&t, 300);
    s.submitted(day(3, 2)).await;
    s.accepted(day(3, 2), day(3, 9), day(3, 4), true).await;
    for stream in &mut screens {
        let next = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                let d = stream.next().await.unwrap().unwrap();
                if d.open_cases == 1 {
                    return d;
                }
            }
        })
        .await
        .expect("the dashboard moved");
        assert_eq!(next.today.unwrap().accepted, 1);
    }
    assert_eq!(t.supervision.dashboard_feeds(), 2);
    drop(screens);
    // The feeds end with their last screen.
    tokio::time::timeout(Duration::from_secs(10), async {
        while t.supervision.dashboard_feeds() > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the feeds ended");
}

#[tokio::test]
async fn supervisions_own_events_are_for_supervisors() {
    let mut t = TestSupervision::on_sqlite().await;
    let mut s = Story::new(&t, 400);
    s.submitted(day(3, 2)).await;
    s.refused(day(3, 3), "", "").await;
    s.settle().await;
    let public = t
        .client
        .watch(Request::new(common::WatchRequest::default()))
        .await
        .unwrap_err();
    assert_eq!(public.code(), Code::Unauthenticated);
    let mut events = t
        .client
        .watch(t.supervisor(common::WatchRequest::default()))
        .await
        .unwrap()
        .into_inner();
    let e = events.next().await.unwrap().unwrap();
    assert_eq!(e.kind, "supervision.violation.recorded");
    let v: pb::ViolationRecorded = onewindow_kit::outbox::unpack(
        "onewindow.supervision.v1.ViolationRecorded",
        e.payload.as_ref().unwrap(),
    )
    .unwrap();
    assert_eq!(v.violation.unwrap().rule_id, "intake_refused_without_basis");
}

fn project(id: &str, winner: &str) -> TradingFacts {
    let bid = |bidder: &str, price: i64, phone: &str| Bid {
        bidder_id: bidder.into(),
        price_fen: price,
        contact: Contact {
            phone: phone.into(),
            email: String::new(),
            address: String::new(),
        },
        disqualified: false,
        disqualification_reason: String::new(),
    };
    TradingFacts {
        project_id: id.into(),
        owner_id: "city-hospital".into(),
        department_id: "wjw".into(),
        region_code: "140200".into(),
        method: Method::OpenTender,
        announced_on: day(3, 1),
        bid_deadline: day(3, 10),
        bids: vec![
            bid(winner, 1_000_000, "13800000001"),
            bid("z", 1_000_000, "13800000001"),
        ],
        winner_bidder_id: Some(winner.into()),
        winning_price_fen: Some(1_000_000),
    }
}

#[tokio::test]
async fn trading_red_flags_are_recorded_once_as_violations_of_the_project() {
    let mut t = TestSupervision::on_sqlite().await;
    let evidence = [EventRef {
        stream: "trading".into(),
        seq: 7,
        kind: "trading.project.awarded".into(),
        occurred_on: day(3, 12),
    }];
    let first = t
        .supervision
        .assess_trading(&project("p1", "a"), &evidence)
        .await
        .unwrap();
    let mut rules: Vec<String> = first.iter().map(|v| v.rule.clone()).collect();
    rules.sort();
    assert_eq!(
        rules,
        [
            "trading.identical_prices",
            "trading.shared_contact",
            "trading.short_bid_period",
            "trading.winner_close_to_second"
        ]
    );
    let again = t
        .supervision
        .assess_trading(&project("p1", "a"), &evidence)
        .await
        .unwrap();
    assert!(again.is_empty(), "a replayed project records nothing twice");
    let listed = t
        .client
        .list_violations(t.supervisor(pb::ListViolationsRequest {
            subject_kind: pb::SubjectKind::TradingProject as i32,
            subject_id: "p1".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.total_size, 4);
    assert_eq!(listed.violations[0].evidence[0].stream, "trading");
    // The third award of one owner to one supplier: it wins most of the owner's projects.
    t.supervision
        .assess_trading(&project("p2", "a"), &evidence)
        .await
        .unwrap();
    let third = t
        .supervision
        .assess_trading(&project("p3", "a"), &evidence)
        .await
        .unwrap();
    assert!(third.iter().any(|v| v.rule == "trading.dominant_supplier"));
}
