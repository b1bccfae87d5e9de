//! The supervision service of OneWindow: electronic supervision (电子监察), "six in one".
//! It follows the cases stream (and the catalog's, and later trading's) into its own record,
//! issues early warnings and cards as days pass, records rule violations with their
//! evidence, takes evaluations and complaints, and reports performance.

#![forbid(unsafe_code)]

pub mod app;
pub mod domain;
mod effects;
pub mod follow;
pub mod metrics;
pub mod rpc;
pub mod scanner;
pub mod settings;
pub mod store;
pub mod verifier;

pub use app::Supervision;
pub use domain::terms::EventRef;
pub use domain::trading::{Bid, Contact, Method, TradingFacts};
pub use scanner::ScanReport;
pub use settings::SupervisionSettings;
pub use verifier::{CaseVerifier, VerifiedCase};

use onewindow_kit::db::Migrations;
use sqlx::migrate::Migrator;

static SQLITE: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("migrations/postgres");

/// Supervision's tables; run after the kit's.
pub static MIGRATIONS: Migrations = Migrations {
    sqlite: &SQLITE,
    postgres: &POSTGRES,
};
