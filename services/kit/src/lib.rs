//! What every OneWindow service shares: configuration, the database, the outbox and its
//! watchers, idempotency, the audit trail, authentication, telemetry, serving, time.
#![forbid(unsafe_code)]

pub mod audit;
pub mod auth;
pub mod calendar;
pub mod clock;
pub mod codes;
pub mod config;
pub mod consumer;
pub mod db;
pub mod error;
pub mod idempotency;
pub mod metrics;
pub mod oidc;
pub mod outbox;
pub mod process;
pub mod remote;
pub mod serve;
pub mod telemetry;
pub mod testing;
pub mod unit_of_work;
pub mod uploads;

use sqlx::migrate::Migrator;

static SQLITE: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("migrations/postgres");

/// The kit's own tables (outbox, idempotency, audit, consumer offsets), run before a
/// service's migrations in every service's database.
pub static MIGRATIONS: db::Migrations = db::Migrations {
    sqlite: &SQLITE,
    postgres: &POSTGRES,
};
