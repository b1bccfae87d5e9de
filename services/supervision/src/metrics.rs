//! Supervision's gauges: warnings by level (early, yellow, red), open and all issued,
//! recounted at a scrape when the database has committed since the last one.

use std::sync::LazyLock;

use onewindow_kit::db::Db;
use onewindow_kit::error::Error;
use onewindow_kit::metrics::GaugeFamily;

use crate::domain::deadline::Level;

static OPEN: LazyLock<GaugeFamily> = LazyLock::new(|| {
    onewindow_kit::metrics::gauge_family(
        "onewindow_supervision_warnings_open",
        "warnings and cards still open, by level",
    )
});

static ISSUED: LazyLock<GaugeFamily> = LazyLock::new(|| {
    onewindow_kit::metrics::gauge_family(
        "onewindow_supervision_warnings",
        "warnings and cards ever issued, by level",
    )
});

/// Keeps the gauges following `db` while it is open.
pub(crate) fn export(db: &Db) {
    LazyLock::force(&OPEN);
    LazyLock::force(&ISSUED);
    onewindow_kit::metrics::refresh_on_commit(db, |db| Box::pin(refresh(db)));
}

async fn refresh(db: Db) -> Result<(), Error> {
    let counts = crate::store::warnings::counts_by_level(&db).await?;
    for level in Level::ALL {
        let (open, issued) = counts
            .iter()
            .find(|(rank, _, _)| *rank == level.rank())
            .map_or((0, 0), |(_, open, all)| (*open, *all));
        let labels = vec![("level", level.as_str())];
        OPEN.get_or_create(&labels).set(open);
        ISSUED.get_or_create(&labels).set(issued);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use onewindow_kit::db::Db;

    async fn add_warning(db: &Db, case: u32, level: i64, open: bool) {
        let mut tx = db.begin().await.unwrap();
        sqlx::query(
            "INSERT INTO sup_warning (id, subject_key, level, stage, case_id, case_number, \
             item_id, department_id, office_id, region_code, staff_subject, due_date, \
             reached_on, issued_at, is_open, closed_at, close_reason) VALUES ($1, $2, $3, '', \
             $2, $2, 'item', 'gsj', 'window', '140200', '', '2026-12-01', '2026-12-01', 0, $4, \
             NULL, '')",
        )
        .bind(format!("w{case}-{level}"))
        .bind(format!("case-{case}"))
        .bind(level)
        .bind(i64::from(open))
        .execute(&mut *tx)
        .await
        .unwrap();
        db.commit(tx).await.unwrap();
    }

    fn gauge(text: &str, name: &str, level: &str) -> Option<i64> {
        let series = format!("{name}{{level=\"{level}\"}} ");
        text.lines()
            .find_map(|l| l.strip_prefix(series.as_str()))
            .and_then(|v| v.parse().ok())
    }

    #[tokio::test]
    async fn warnings_are_counted_by_level_open_and_issued() {
        let db =
            onewindow_kit::testing::sqlite(&[&onewindow_kit::MIGRATIONS, &crate::MIGRATIONS]).await;
        add_warning(&db.db, 1, 1, false).await;
        add_warning(&db.db, 1, 2, true).await;
        add_warning(&db.db, 2, 1, true).await;
        super::export(&db.db);

        let text = onewindow_kit::metrics::render().await;
        let open = "onewindow_supervision_warnings_open";
        let issued = "onewindow_supervision_warnings";
        assert_eq!(gauge(&text, open, "early"), Some(1), "{text}");
        assert_eq!(gauge(&text, issued, "early"), Some(2), "{text}");
        assert_eq!(gauge(&text, open, "yellow"), Some(1), "{text}");
        assert_eq!(gauge(&text, issued, "yellow"), Some(1), "{text}");
        assert_eq!(gauge(&text, open, "red"), Some(0), "{text}");

        add_warning(&db.db, 1, 3, true).await;
        let text = onewindow_kit::metrics::render().await;
        assert_eq!(gauge(&text, open, "red"), Some(1), "{text}");
        assert_eq!(gauge(&text, issued, "red"), Some(1), "{text}");
    }
}
