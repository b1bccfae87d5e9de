//! Protobuf request bytes of the cases service, decoded and converted as its handlers do
//! before anything else: into the domain's application, command, filter or lookup, or a
//! list of field violations; never a panic.
//!
//! Why the conversion layer and not the whole service: a handler is decode, convert,
//! authorize, then the domain and the store. Running the service in-process would spend
//! each input on a token check and a SQLite transaction, a few hundred inputs a second,
//! and every input without a valid token and a known case stops at authorization or at
//! the store. The bytes a client controls meet the code here; the state machine behind it
//! is covered by the property tests over random commands.

#![no_main]

use libfuzzer_sys::fuzz_target;
use onewindow_cases::rpc::convert;
use onewindow_proto::cases::v1 as pb;
use prost::Message;

fuzz_target!(|data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    let mut n = 0u32;
    let new_id = move || {
        n += 1;
        format!("f{n}")
    };
    match which % 5 {
        0 => {
            if let Ok(req) = pb::SubmitCaseRequest::decode(bytes) {
                let materials = req.materials.len();
                if let Ok(app) = convert::submission_from_proto(req, new_id) {
                    assert_eq!(app.files.len(), materials);
                }
            }
        }
        1 => {
            if let Ok(req) = pb::ResubmitCaseRequest::decode(bytes) {
                let _ = convert::resubmission_from_proto(req, new_id);
            }
        }
        2 => {
            if let Ok(req) = pb::ListCasesRequest::decode(bytes) {
                let _ = convert::case_filter_from_proto(&req);
            }
        }
        3 => {
            if let Ok(req) = pb::GetInboxRequest::decode(bytes) {
                let _ = convert::inbox_filter_from_proto(&req);
            }
        }
        _ => {
            if let Ok(req) = pb::LookupCaseRequest::decode(bytes) {
                let _ = convert::lookup_from_proto(&req);
            }
        }
    }
});
