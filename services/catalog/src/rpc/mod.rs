//! The gRPC edge of the catalog: conversions between the contracts and the domain, and the
//! handlers (decode, authorize, call the domain, encode).

pub mod calendar;
pub(crate) mod commands;
pub mod convert;
mod service;
pub mod snapshot;

pub use service::CatalogRpc;

use onewindow_kit::error::{Error, Violations};
use tonic::Status;

/// Bad input as a status naming every bad field.
pub(crate) fn invalid(v: Violations) -> Status {
    Error::InvalidArgument(v).into()
}

/// Any error of the service as a status, through the kit's one mapping.
pub(crate) fn status(e: impl Into<Error>) -> Status {
    e.into().into()
}
