//! One case through the hall: a citizen finds an item, applies online and follows the
//! case; a clerk accepts it; the deadline passes (the manual clock moves) and a supervisor
//! sees the red card; an approver reviews and decides; the clerk concludes (the catalog's
//! conclude step is the window's); the citizen rates it and supervision shows the rating.

use chrono::{TimeZone, Utc};
use onewindow_proto::supervision::v1 as sup;
use onewindow_proto::supervision::v1::supervision_service_client::SupervisionServiceClient;

use crate::{wait_until, Browser, Hall};

/// 企业名称预先核准 of 工商局: review and decide by an approver, one day each.
const NAME_CHECK: &str = "11140200017179254H010171001000";

/// A resident ID card number with a valid check character.
const ID_NUMBER: &str = "14021319900307123X";

async fn act(b: &Browser, action: &str, fields: &[(&str, &str)]) {
    let form = format!("form[action$='/{action}']");
    for (name, value) in fields {
        b.fill(&format!("{form} [name={name}]"), value).await;
    }
    b.click(&format!("{form} button[type=submit]")).await;
    b.wait("p.done").await;
}

#[tokio::test]
async fn a_citizen_applies_and_the_hall_handles_the_case() {
    let hall = Hall::start().await;
    let Some(b) = Browser::open(&hall.base).await else {
        return;
    };
    let files = tempfile::tempdir().unwrap();
    let pdf = |name: &str| {
        let path = files.path().join(name);
        std::fs::write(&path, format!("%PDF-1.4\n% {name}\n")).unwrap();
        path.display().to_string()
    };

    // A citizen finds the item from the home page and opens its guide.
    b.go("/").await;
    b.shot("home").await;
    b.fill("form.search input[name=q]", "企业名称预先核准")
        .await;
    b.click("form.search button").await;
    b.click(&format!("ul.items a[href='/items/{NAME_CHECK}']"))
        .await;
    b.wait("p.actions a.cta").await;
    b.shot("item-guide").await;

    // Applying needs an account: sign in, then back to the form.
    b.click("p.actions a.cta").await;
    b.sign_in("zhangsan").await;
    assert_eq!(b.path().await, format!("/items/{NAME_CHECK}/apply"));
    b.fill("form.apply [name=id_number]", ID_NUMBER).await;
    b.fill("form.apply [name=phone]", "13912345678").await;
    b.wait("form.apply [name=file_m1]")
        .await
        .send_keys(&pdf("申请书.pdf"))
        .await
        .unwrap();
    b.wait("form.apply [name=file_m2]")
        .await
        .send_keys(&pdf("身份证明.pdf"))
        .await
        .unwrap();
    b.shot("apply-form").await;
    b.click("form.apply button[type=submit]").await;

    // The receipt shows the case number and the query code once.
    let case_number = b.wait(".case-number").await.text().await.unwrap();
    let query_code = b.text(".query-code").await;
    assert!(case_number.starts_with("140200-2026-"), "{case_number}");
    assert_eq!(query_code.len(), 8, "{query_code}");
    let case_href = b
        .wait("a[href^='/cases/']")
        .await
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    b.shot("receipt").await;

    // The citizen follows the case with the number and the code.
    b.click("a.cta[href^='/track']").await;
    b.fill("form.stacked [name=query_code]", &query_code).await;
    b.click("form.stacked button[type=submit]").await;
    assert_eq!(b.wait("strong.state").await.text().await.unwrap(), "待受理");
    b.shot("track-submitted").await;
    b.sign_out().await;

    // The clerk of 工商局 finds it in the intake queue and accepts it.
    b.sign_in("clerk-gsj").await;
    assert_eq!(b.path().await, "/work");
    b.click(&format!("table.inbox a[href='{case_href}']")).await;
    b.wait("form[action$='/accept']").await;
    b.shot("case-intake").await;
    act(&b, "accept", &[("note", "材料齐全")]).await;
    assert_eq!(b.text(".badge.state").await, "办理中");
    b.sign_out().await;

    // Two weeks pass without a decision: supervision's scan issues a red card.
    hall.hand
        .set(Utc.with_ymd_and_hms(2026, 12, 14, 2, 0, 0).unwrap());
    let case_id = case_href.trim_start_matches("/cases/").replace("%2D", "-");
    let client = SupervisionServiceClient::connect(hall.grpc_url())
        .await
        .unwrap();
    wait_until("a red card for the case", || {
        let mut client = client.clone();
        let request = hall.as_supervisor(sup::ListWarningsRequest {
            case_id: case_id.clone(),
            level: sup::WarningLevel::Red as i32,
            ..Default::default()
        });
        let supervision = hall.supervision.clone();
        async move {
            supervision.scan_now().await.unwrap();
            let found = client.list_warnings(request).await.unwrap().into_inner();
            !found.warnings.is_empty()
        }
    })
    .await;
    b.sign_in("supervisor").await;
    assert_eq!(b.path().await, "/supervision");
    b.shot("supervision-overview").await;
    b.go("/supervision/warnings?level=WARNING_LEVEL_RED").await;
    let row = b.wait("table.warnings tr.red").await;
    assert!(b.text("table.warnings").await.contains(&case_number));
    assert!(row.text().await.unwrap().contains("红牌"));
    b.shot("supervision-red-cards").await;
    b.sign_out().await;

    // The approver sees it overdue, reviews and decides.
    b.sign_in("approver-gsj").await;
    let overdue = b
        .wait(&format!("table.inbox tr.red a[href='{case_href}']"))
        .await;
    b.shot("inbox-approver").await;
    b.navigating(overdue).await;
    act(&b, "complete", &[("opinion", "材料齐全，同意")]).await;
    act(&b, "complete", &[("opinion", "准予核准")]).await;
    b.sign_out().await;

    // The window concludes, approved, with the notice's number.
    b.sign_in("clerk-gsj").await;
    b.go(&case_href).await;
    act(
        &b,
        "conclude",
        &[
            ("result_reference", "（大）名称预核内字〔2026〕第0815号"),
            ("opinion", "准予核准"),
        ],
    )
    .await;
    assert_eq!(b.text(".badge.state").await, "已办结");
    b.shot("case-concluded").await;
    b.sign_out().await;

    // The citizen follows it to the end and rates it, unhappy with the wait.
    b.go("/track").await;
    b.fill("form.stacked [name=case_number]", &case_number)
        .await;
    b.fill("form.stacked [name=query_code]", &query_code).await;
    b.click("form.stacked button[type=submit]").await;
    assert_eq!(b.wait("strong.state").await.text().await.unwrap(), "已办结");
    b.tick("input[name=rating][value=RATING_DISSATISFIED]")
        .await;
    b.tick("input[name=DIMENSION_ATTITUDE][value=RATING_SATISFIED]")
        .await;
    b.tick("input[name=DIMENSION_EFFICIENCY][value=RATING_VERY_DISSATISFIED]")
        .await;
    b.fill("textarea[name=comment]", "超过承诺时限两周才办结。")
        .await;
    b.shot("evaluation-form").await;
    b.click("section.evaluate button[type=submit]").await;
    assert_eq!(
        b.wait("strong.rating").await.text().await.unwrap(),
        "不满意"
    );
    b.shot("evaluation-thanks").await;

    // The public statistics show 工商局's rating; the console shows the task it opened.
    b.go("/statistics").await;
    let ratings = b.wait("table.ratings").await.text().await.unwrap();
    assert!(ratings.contains("工商"), "{ratings}");
    // And its on-time rate, with the case just concluded counted.
    let timeliness = b.wait("table.timeliness").await.text().await.unwrap();
    assert!(timeliness.contains("工商"), "{timeliness}");
    b.shot("statistics").await;
    b.sign_in("supervisor").await;
    b.go("/supervision/evaluations").await;
    assert!(b
        .wait("table.rectifications")
        .await
        .text()
        .await
        .unwrap()
        .contains(&case_number));
    b.shot("supervision-evaluations").await;
    b.go("/supervision/performance").await;
    b.wait("figure.chart svg").await;
    b.shot("supervision-performance").await;
    b.close().await;
}
