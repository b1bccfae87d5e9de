//! The cases service of OneWindow: every application (办件) for a catalog item, from
//! submission through intake, review, decision and conclusion within the item's promised
//! working days, and the one-stop bundle cases (一条龙) whose child cases run in parallel.

#![forbid(unsafe_code)]

pub mod app;
mod demo;
pub mod domain;
pub mod follow;
pub mod metrics;
pub mod rpc;
pub mod store;

pub use app::Cases;

use onewindow_kit::db::Migrations;
use sqlx::migrate::Migrator;

static SQLITE: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("migrations/postgres");

/// The cases service's tables; run after the kit's.
pub static MIGRATIONS: Migrations = Migrations {
    sqlite: &SQLITE,
    postgres: &POSTGRES,
};
