//! The catalog service of OneWindow: the approval items (事项目录) a service center handles,
//! their versions and adjustments, the departments that hold them, the one-stop bundles and
//! the working-day calendars.

#![forbid(unsafe_code)]

pub mod app;
pub(crate) mod audit;
pub mod domain;
pub(crate) mod import;
pub mod rpc;
pub mod store;

pub use app::Catalog;

use onewindow_kit::db::Migrations;
use sqlx::migrate::Migrator;

static SQLITE: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("migrations/postgres");

/// The catalog's tables; run after the kit's.
pub static MIGRATIONS: Migrations = Migrations {
    sqlite: &SQLITE,
    postgres: &POSTGRES,
};
