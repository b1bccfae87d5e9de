//! The cases service's gauges: open cases by state, recounted at a scrape when the database
//! has committed since the last one (the count reads the state index, open cases only).

use std::sync::LazyLock;

use onewindow_kit::db::Db;
use onewindow_kit::error::Error;
use onewindow_kit::metrics::GaugeFamily;

use crate::domain::CaseState;

static OPEN_CASES: LazyLock<GaugeFamily> = LazyLock::new(|| {
    onewindow_kit::metrics::gauge_family("onewindow_cases_open", "cases not yet closed, by state")
});

/// Keeps the gauges following `db` while it is open.
pub(crate) fn export(db: &Db) {
    LazyLock::force(&OPEN_CASES);
    onewindow_kit::metrics::refresh_on_commit(db, |db| Box::pin(refresh(db)));
}

async fn refresh(db: Db) -> Result<(), Error> {
    let counts = crate::store::open_case_counts(&db).await?;
    for state in CaseState::ALL.into_iter().filter(|s| !s.is_closed()) {
        let n = counts
            .iter()
            .find(|(s, _)| *s == state)
            .map_or(0, |(_, n)| *n);
        OPEN_CASES
            .get_or_create(&vec![("state", state.as_str())])
            .set(n);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use onewindow_kit::db::Db;

    async fn add_case(db: &Db, n: u32, state: &str) {
        let mut tx = db.begin().await.unwrap();
        sqlx::query(
            "INSERT INTO cs_case (id, case_number, query_code_hash, item_id, department_id, \
             region_code, state, awaiting_role, applicant_key, submitted_at, revision, body) \
             VALUES ($1, $2, '', 'item', 'gsj', '140200', $3, '', 'k', 0, 1, '{}')",
        )
        .bind(format!("c{n}"))
        .bind(format!("140200-2026-{n:06}"))
        .bind(state)
        .execute(&mut *tx)
        .await
        .unwrap();
        db.commit(tx).await.unwrap();
    }

    fn gauge(text: &str, state: &str) -> Option<i64> {
        let series = format!("onewindow_cases_open{{state=\"{state}\"}} ");
        text.lines()
            .find_map(|l| l.strip_prefix(series.as_str()))
            .and_then(|v| v.parse().ok())
    }

    #[tokio::test]
    async fn open_cases_are_counted_by_state_and_recounted_after_a_commit() {
        let db =
            onewindow_kit::testing::sqlite(&[&onewindow_kit::MIGRATIONS, &crate::MIGRATIONS]).await;
        add_case(&db.db, 1, "submitted").await;
        add_case(&db.db, 2, "in_progress").await;
        add_case(&db.db, 3, "in_progress").await;
        add_case(&db.db, 4, "concluded").await;
        super::export(&db.db);

        let text = onewindow_kit::metrics::render().await;
        assert_eq!(gauge(&text, "submitted"), Some(1), "{text}");
        assert_eq!(gauge(&text, "in_progress"), Some(2), "{text}");
        assert_eq!(gauge(&text, "supplement_requested"), Some(0), "{text}");
        assert_eq!(gauge(&text, "concluded"), None, "closed cases are not open");

        add_case(&db.db, 5, "supplement_requested").await;
        let text = onewindow_kit::metrics::render().await;
        assert_eq!(gauge(&text, "supplement_requested"), Some(1), "{text}");
    }
}
