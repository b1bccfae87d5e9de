//! The gRPC edge of the cases service: conversions, read handlers and the units of work
//! that carry out commands.

mod commands;
pub mod convert;
mod service;

pub use service::CaseRpc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use onewindow_kit::error::{Error, Violations};
use tonic::Status;

/// Largest request accepted: a submission carries its materials.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

pub(crate) fn invalid(v: Violations) -> Status {
    Error::InvalidArgument(v).into()
}

pub(crate) fn status(e: impl Into<Error>) -> Status {
    e.into().into()
}

/// An opaque continuation token: the offset into a stable ordering.
pub(crate) fn encode_token(offset: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("offset:{offset}"))
}

pub(crate) fn decode_token(token: Option<&str>) -> Result<i64, Status> {
    let Some(token) = token else { return Ok(0) };
    URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|t| t.strip_prefix("offset:")?.parse::<i64>().ok())
        .filter(|n| *n >= 0)
        .ok_or_else(|| {
            status(Error::invalid(
                "page_token",
                "is not a token this service issued",
            ))
        })
}

pub(crate) fn next_token(offset: i64, returned: usize, total: i64) -> String {
    let next = offset + returned as i64;
    if next < total {
        encode_token(next)
    } else {
        String::new()
    }
}
