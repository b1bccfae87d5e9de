//! Calendar RPCs: working days across holidays, make-up days and unpublished years.

use onewindow_proto::catalog::v1 as pb;
use tonic::Code;

use crate::{bad_fields, TestCatalog};

#[tokio::test]
async fn five_working_days_from_before_national_day_skip_the_holiday_and_count_the_makeup_saturday()
{
    let mut t = TestCatalog::on_sqlite().await;
    // 2026-09-30 (Wed) + 5: Oct 1-7 off; Thu 8, Fri 9, the make-up Saturday 10, Mon 12, Tue 13.
    let r = t
        .client
        .add_working_days(pb::AddWorkingDaysRequest {
            region_code: "140200".into(),
            from: "2026-09-30".into(),
            days: 5,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.date, "2026-10-13");
    assert!(r.years_without_schedule.is_empty());
    let c = t
        .client
        .count_working_days(pb::CountWorkingDaysRequest {
            region_code: "140200".into(),
            from: "2026-09-30".into(),
            to: "2026-10-13".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(c.days, 5);
}

#[tokio::test]
async fn a_deadline_into_an_unpublished_year_is_flagged() {
    let mut t = TestCatalog::on_sqlite().await;
    let r = t
        .client
        .add_working_days(pb::AddWorkingDaysRequest {
            region_code: "140200".into(),
            from: "2026-12-28".into(),
            days: 10,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.years_without_schedule, [2027]);
}

#[tokio::test]
async fn an_admin_publishes_the_next_year_and_the_flag_goes() {
    let mut t = TestCatalog::on_sqlite().await;
    let year = pb::CalendarYear {
        region_code: "000000".into(),
        year: 2027,
        published: true,
        source: "国办发明电〔2026〕X号".into(),
        days: vec![pb::SpecialDay {
            date: "2027-01-01".into(),
            kind: pb::DayKind::Holiday as i32,
            name: "元旦".into(),
        }],
    };
    t.client
        .put_calendar_year(t.admin(pb::PutCalendarYearRequest {
            request_id: "cal-2027".into(),
            calendar: Some(year),
        }))
        .await
        .unwrap();
    let r = t
        .client
        .add_working_days(pb::AddWorkingDaysRequest {
            region_code: "140200".into(),
            from: "2026-12-31".into(),
            days: 1,
        })
        .await
        .unwrap()
        .into_inner();
    // 2027-01-01 (Fri) is now a holiday: the first working day is Monday the 4th.
    assert_eq!(r.date, "2027-01-04");
    assert!(r.years_without_schedule.is_empty());
}

#[tokio::test]
async fn calendar_input_is_checked() {
    let mut t = TestCatalog::on_sqlite().await;
    let err = t
        .client
        .add_working_days(pb::AddWorkingDaysRequest {
            region_code: "140200".into(),
            from: "30/09/2026".into(),
            days: -1,
        })
        .await
        .unwrap_err();
    let fields = bad_fields(&err);
    assert!(fields.contains(&"from".to_string()) && fields.contains(&"days".to_string()));
    let err = t
        .client
        .add_working_days(pb::AddWorkingDaysRequest {
            region_code: "999999".into(),
            from: "2026-09-30".into(),
            days: 1,
        })
        .await
        .unwrap_err();
    assert!(matches!(err.code(), Code::NotFound | Code::InvalidArgument));
    let bad_day = pb::CalendarYear {
        region_code: "000000".into(),
        year: 2027,
        published: true,
        source: "x".into(),
        days: vec![pb::SpecialDay {
            date: "2026-05-01".into(),
            kind: pb::DayKind::Holiday as i32,
            name: "劳动节".into(),
        }],
    };
    let err = t
        .client
        .put_calendar_year(t.admin(pb::PutCalendarYearRequest {
            request_id: "bad-cal".into(),
            calendar: Some(bad_day),
        }))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
}
