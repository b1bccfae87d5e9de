//! The rest of the hall in a browser: trading announcements and a trading agent taking a
//! project from evaluation to award publicity; a complaint filed anonymously and followed;
//! the big screen kept live by server-sent events; bundle cases with late departments.

use chrono::Duration;
use fantoccini::Locator;
use onewindow_proto::supervision::v1 as sup;
use onewindow_proto::supervision::v1::supervision_service_client::SupervisionServiceClient;

use crate::{wait_until, Browser, Hall};

const CLASSROOMS: &str = "大同市中小学智慧教室设备采购项目";

#[tokio::test]
async fn trading_complaints_the_big_screen_and_late_bundles() {
    let hall = Hall::start().await;
    let Some(b) = Browser::open(&hall.base).await else {
        return;
    };

    // Anyone reads the announcements and the opening record.
    b.go("/trading").await;
    b.wait("table.projects").await;
    b.shot("trading-list").await;
    b.navigating(b.client.find(Locator::LinkText(CLASSROOMS)).await.unwrap())
        .await;
    b.wait("table.opening").await;
    assert!(
        b.all("section.actions").await.is_empty(),
        "no actions for the public"
    );
    b.shot("trading-project").await;

    // The trading agent records the evaluation and publicizes the award.
    b.sign_in("trading-agent").await;
    assert_eq!(b.path().await, "/trading");
    b.navigating(b.client.find(Locator::LinkText(CLASSROOMS)).await.unwrap())
        .await;
    b.click("form[action$='/evaluate'] button").await;
    b.wait("p.done").await;
    b.click("form[action$='/publicize'] button").await;
    b.wait("table.awards").await;
    assert_eq!(b.text(".badge.state").await, "中标公示中");
    b.shot("trading-agent-award").await;
    b.sign_out().await;

    // An anonymous complaint, then its status by number and secret.
    b.go("/complaints/new").await;
    b.fill(
        "textarea[name=content]",
        "窗口工作人员要求提供指南以外的材料。",
    )
    .await;
    b.tick("input[name=anonymous]").await;
    b.shot("complaint-form").await;
    b.click("form.stacked button[type=submit]").await;
    let tracking = b.wait(".tracking-number").await.text().await.unwrap();
    let secret = b.text(".secret").await;
    b.shot("complaint-receipt").await;
    b.go("/complaints/status").await;
    b.fill("[name=tracking_number]", &tracking).await;
    b.fill("[name=secret]", &secret).await;
    b.click("form.stacked button[type=submit]").await;
    assert_eq!(b.wait("strong.state").await.text().await.unwrap(), "已收到");

    // The big screen shows the figures, and a new complaint reaches it live.
    b.go("/screen").await;
    let before = b
        .wait("[data-field=open_complaints]")
        .await
        .text()
        .await
        .unwrap();
    b.wait("[data-live]:not([hidden])").await;
    let client = SupervisionServiceClient::connect(hall.grpc_url())
        .await
        .unwrap();
    client
        .clone()
        .file_complaint(tonic::Request::new(sup::FileComplaintRequest {
            request_id: "browser-tour-complaint".into(),
            kind: sup::ComplaintKind::Report as i32,
            content: "举报：窗口收取指南以外的费用。".into(),
            anonymous: true,
            ..Default::default()
        }))
        .await
        .unwrap();
    wait_until("the big screen counts the new complaint", || {
        let b = &b;
        let before = before.clone();
        async move { b.text("[data-field=open_complaints]").await != before }
    })
    .await;
    b.shot("big-screen").await;

    // Ten days on, bundles' departments are late; the supervisor sees who.
    hall.hand.advance(Duration::days(14));
    b.sign_in("supervisor").await;
    b.go("/bundle-cases?late=1").await;
    b.click("table.cases a[href^='/bundle-cases/']").await;
    let late = b.wait("table.progress tr.red").await;
    assert!(late.text().await.unwrap().contains("超时"));
    assert!(b.text("p.error").await.contains("超时部门"));
    b.shot("bundle-case-late").await;

    // The English switch keeps the page.
    b.go("/statistics?lang=en").await;
    assert_eq!(
        b.wait("html[lang=en] h1").await.text().await.unwrap(),
        "Statistics"
    );
    assert!(b.text("main").await.contains("Satisfaction by department"));
    b.shot("statistics-en").await;
    b.close().await;
}
