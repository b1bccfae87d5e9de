//! The gRPC edge of the cases service: conversions, read handlers and the units of work
//! that carry out commands.

mod commands;
pub mod convert;
mod service;

pub use service::CaseRpc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use onewindow_kit::error::{Error, Violations};
use onewindow_kit::uploads;

use crate::domain::intake::{MAX_MATERIAL_BYTES, MAX_SUBMISSION_BYTES};
use tonic::Status;

/// Largest request decoded: a submission carries its materials, up to the domain's total
/// for one submission, with room for the rest of the message. A file over the domain's
/// limits is then refused by the domain, naming its field, not by the transport.
pub const MAX_MESSAGE_BYTES: usize = uploads::CASE_MATERIALS.message_bytes();

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

// Every submission the domain accepts, and room for the rest of its message.
const _: () = assert!(
    MAX_MESSAGE_BYTES as u64 >= MAX_SUBMISSION_BYTES + uploads::MESSAGE_ROOM as u64
        && MAX_MATERIAL_BYTES <= MAX_SUBMISSION_BYTES
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::intake::{MAX_CONTENT_TYPE_CHARS, MAX_FILE_NAME_CHARS};
    use onewindow_proto::cases::v1 as pb;
    use prost::Message;

    #[test]
    fn the_largest_submission_a_form_can_send_fits_the_decoding_limit() {
        // Forty files (the most the application form takes) sharing the submission's
        // total, each with the longest name and media type the domain allows.
        let files = 40;
        let each = usize::try_from(MAX_SUBMISSION_BYTES).unwrap() / files;
        let request = pb::SubmitCaseRequest {
            request_id: "r".repeat(64),
            item_id: "1".repeat(30),
            applicant: Some(pb::Applicant {
                kind: pb::ApplicantKind::Enterprise as i32,
                name: "长".repeat(200),
                id_type: pb::IdType::UnifiedSocialCreditCode as i32,
                id_number: "9".repeat(40),
                phone: "1".repeat(20),
            }),
            materials: (0..files)
                .map(|i| pb::MaterialUpload {
                    material_id: format!("material-{i}"),
                    file_name: "长".repeat(MAX_FILE_NAME_CHARS),
                    content_type: "a".repeat(MAX_CONTENT_TYPE_CHARS),
                    content: vec![0; each],
                })
                .collect(),
        };
        let content: usize = request.materials.iter().map(|m| m.content.len()).sum();
        assert!(content <= usize::try_from(MAX_SUBMISSION_BYTES).unwrap());
        assert!(
            request.encoded_len() <= MAX_MESSAGE_BYTES,
            "{} > {MAX_MESSAGE_BYTES}",
            request.encoded_len()
        );
    }
}
