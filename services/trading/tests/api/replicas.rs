//! Several replicas on one database: each move of the chronograph happens once.

use chrono::Duration;
use onewindow_proto::trading::v1 as pb;
use onewindow_trading::Trading;

use crate::*;

#[tokio::test]
async fn two_replicas_move_each_project_once() {
    for mut t in TestTrading::on_every_engine().await {
        let mut ids = Vec::new();
        for i in 0..6 {
            let mut project = tender(&format!("大同市第{i}批医用耗材采购"));
            let periods = project.periods.as_mut().unwrap();
            periods.bid_start = Some(ts(t0() + Duration::days(2)));
            ids.push(t.announced(project, &format!("replica-{i}")).await.id);
        }
        let other = Trading::start(t.db.db.clone(), t.clock.clone(), MASTER_KEY)
            .await
            .unwrap();
        t.set(t0() + Duration::days(2));
        let (a, b, c) = tokio::join!(t.trading.tick(), other.tick(), t.trading.tick());
        let moved = a.unwrap() + b.unwrap() + c.unwrap();
        // The background chronographs may have moved some first; never twice.
        assert!(moved <= 6, "{moved}");
        let head = onewindow_kit::outbox::head(t.trading.db()).await.unwrap();
        let events = onewindow_kit::outbox::read(t.trading.db(), 0, head)
            .await
            .unwrap();
        for id in &ids {
            assert_eq!(t.project(id).await.state, pb::ProjectState::Bidding as i32);
            let started = events
                .iter()
                .filter(|e| e.kind == "trading.project.bidding_started" && e.object_id == *id)
                .count();
            assert_eq!(started, 1, "{} on {}", id, t.db.label);
        }
        assert_eq!(
            t.tick().await + other.tick().await.unwrap(),
            0,
            "nothing left to do"
        );
    }
}
