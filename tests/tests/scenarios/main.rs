//! Scenarios from the domain across the catalog and the cases service, each on SQLite and,
//! when `ONEWINDOW_TEST_POSTGRES` names a server, PostgreSQL: one-stop bundles end to end
//! within their promised working days, a late department seen by the lead department, a
//! suspension that moves a due date by exactly its working days, a denial that stops a
//! bundle. Every scenario of cases ends by reading the cases service's outbox: no event
//! carries an applicant's ID number or phone. On the trading floor, supervision follows the
//! trading service and flags rigged-looking tenders.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod construction_project;
mod denial;
mod enterprise_registration;
mod housing_transaction;
mod suspension;
mod trading_floor;
mod trading_red_flags;
