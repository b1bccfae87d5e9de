//! The hall's touch screen: browsing by department to an item's guide with nothing but
//! taps, every target at least 48 by 48 CSS pixels (the size of a fingertip).

use crate::{Browser, Hall};

/// The smallest target a finger hits reliably, in CSS pixels.
const FINGER: f64 = 48.0;

async fn assert_touch_sized(b: &Browser, page: &str) {
    let links = b.all("a").await;
    assert!(!links.is_empty(), "{page} has links");
    for link in links {
        let (_, _, w, h) = link.rectangle().await.unwrap();
        let text = link.text().await.unwrap_or_default();
        assert!(
            w >= FINGER && h >= FINGER,
            "{page}: the link {text:?} is {w}x{h}, smaller than {FINGER}x{FINGER}"
        );
    }
}

#[tokio::test]
async fn the_kiosk_browses_by_touch_sized_links() {
    let hall = Hall::start().await;
    let Some(b) = Browser::open(&hall.base).await else {
        return;
    };
    // A portrait touch screen of the hall.
    b.client.set_window_size(1080, 1920).await.unwrap();

    b.go("/kiosk").await;
    b.wait("ul.buttons a.button").await;
    assert!(
        b.all("input[type=search], input[type=text]")
            .await
            .is_empty(),
        "no keyboard"
    );
    assert_touch_sized(&b, "/kiosk").await;
    b.shot("kiosk-home").await;

    b.click("a.button[href='/kiosk/departments/gsj']").await;
    b.wait("ul.buttons a.button[href^='/kiosk/items/']").await;
    assert_touch_sized(&b, "/kiosk/departments/gsj").await;
    b.shot("kiosk-department").await;

    b.click("ul.buttons a.button[href^='/kiosk/items/']").await;
    b.wait("div.guide").await;
    assert!(b.text("div.guide").await.contains("申请材料"));
    b.shot("kiosk-item").await;

    b.click("header.kiosk a.big[href='/kiosk']").await;
    b.wait("p.hint").await;
    b.close().await;
}
