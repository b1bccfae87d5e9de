//! Fresh databases for tests: always SQLite in a temporary directory, and PostgreSQL too when
//! `ONEWINDOW_TEST_POSTGRES` names a server (an admin URL such as
//! `postgres://postgres@127.0.0.1:5432/postgres`). With `ONEWINDOW_REQUIRE_POSTGRES=1` (CI)
//! a missing server is a failure, not a skip.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::db::{Db, Migrations};

/// A database for one test; the SQLite directory lives as long as this value.
pub struct TestDb {
    pub db: Db,
    pub label: &'static str,
    _dir: Option<tempfile::TempDir>,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// The PostgreSQL admin URL for tests, if any. Panics when CI requires one and none is set,
/// so a suite cannot pass by skipping.
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var("ONEWINDOW_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            if std::env::var("ONEWINDOW_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!("ONEWINDOW_REQUIRE_POSTGRES=1 but ONEWINDOW_TEST_POSTGRES is not set");
            }
            None
        }
    }
}

/// A migrated SQLite database in a fresh temporary directory.
pub async fn sqlite(schemas: &[&Migrations]) -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/test.db", dir.path().display());
    let db = Db::connect(&url, None).await.expect("connect sqlite");
    db.migrate(schemas).await.expect("migrate sqlite");
    TestDb {
        db,
        label: "sqlite",
        _dir: Some(dir),
    }
}

/// A fresh, migrated PostgreSQL database, if a server is configured.
pub async fn postgres(schemas: &[&Migrations]) -> Option<TestDb> {
    let admin_url = postgres_admin_url()?;
    let url = fresh_postgres_database(&admin_url).await;
    let db = Db::connect(&url, Some(4)).await.expect("connect postgres");
    db.migrate(schemas).await.expect("migrate postgres");
    Some(TestDb {
        db,
        label: "postgres",
        _dir: None,
    })
}

/// Creates an empty database on the server and returns its URL.
pub async fn fresh_postgres_database(admin_url: &str) -> String {
    use sqlx::Connection;
    let name = format!(
        "owt_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        uuid::Uuid::new_v4()
            .simple()
            .to_string()
            .get(..8)
            .unwrap_or("x")
    );
    let mut conn = sqlx::postgres::PgConnection::connect(admin_url)
        .await
        .expect("connect to ONEWINDOW_TEST_POSTGRES");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let _ = conn.close().await;
    replace_database(admin_url, &name)
}

fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let prefix_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[prefix_end..].find('/') {
        Some(i) => &base[..prefix_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// Every engine available to this run: SQLite, and PostgreSQL when configured.
pub async fn all(schemas: &[&Migrations]) -> Vec<TestDb> {
    let mut dbs = vec![sqlite(schemas).await];
    if let Some(pg) = postgres(schemas).await {
        dbs.push(pg);
    }
    dbs
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_name_replaces_the_path_of_the_admin_url() {
        assert_eq!(
            super::replace_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            super::replace_database("postgres://u:p@h/db?sslmode=disable", "y"),
            "postgres://u:p@h/y?sslmode=disable"
        );
        assert_eq!(
            super::replace_database("postgres://h", "z"),
            "postgres://h/z"
        );
    }
}
