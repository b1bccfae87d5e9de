//! Supervision's rules, free of transport and storage: deadlines and cards, the case
//! projection and the permission rules, evaluations and rectification, complaints,
//! performance, bulletins and the trading red flags.

pub mod bulletin;
pub mod bundle;
pub mod case;
pub mod catalog;
pub mod checks;
pub mod complaint;
pub mod deadline;
pub mod error;
pub mod evaluation;
pub mod performance;
pub mod projection;
pub mod rules;
pub mod terms;
pub mod trading;
pub mod violation;

#[cfg(test)]
mod complaint_tests;
#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod projection_tests;
#[cfg(test)]
mod trading_tests;
#[cfg(test)]
mod warning_props;
#[cfg(test)]
mod watch_tests;

pub use error::SupervisionError;
