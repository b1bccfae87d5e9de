//! The trading service of OneWindow: public resource trading (公共资源交易) for government
//! procurement, construction tendering, state land-use rights and property rights. Sealed
//! bids stay encrypted until their opening; auctions and listings take live ascending
//! quotes; a chronograph moves projects on as their periods end.

#![forbid(unsafe_code)]
// Amounts in fen are written as yuan grouped by thousands plus two fen digits
// (`5_780_000_00` is 5,780,000.00 yuan), which clippy takes for inconsistent grouping.
#![allow(clippy::inconsistent_digit_grouping)]

pub mod app;
pub(crate) mod chronograph;
pub(crate) mod demo;
pub mod domain;
pub mod rpc;
pub mod seal;
pub mod store;

pub use app::Trading;

use onewindow_kit::db::Migrations;
use sqlx::migrate::Migrator;

static SQLITE: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("migrations/postgres");

/// Trading's tables; run after the kit's.
pub static MIGRATIONS: Migrations = Migrations {
    sqlite: &SQLITE,
    postgres: &POSTGRES,
};
