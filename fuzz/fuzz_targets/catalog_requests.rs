//! Protobuf request bytes of the catalog service, decoded and converted as its handlers do
//! before authorization and the store (see cases_requests.rs for why this layer): an item
//! as an author sends it, a listing query, an adjustment batch, a bundle, a region or a
//! department. Never a panic; an item that converts prints back to the same content.

#![no_main]

use libfuzzer_sys::fuzz_target;
use onewindow_catalog::rpc::convert;
use onewindow_proto::catalog::v1 as pb;
use prost::Message;

fuzz_target!(|data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    match which % 6 {
        0 => {
            if let Ok(item) = pb::Item::decode(bytes) {
                if let Ok((id, content)) = convert::item_content_from_proto(&item, "item") {
                    let again = convert::content_to_proto(&id, &content);
                    let (id2, content2) = convert::item_content_from_proto(&again, "item")
                        .expect("an item we printed converts");
                    assert_eq!(id2, id);
                    assert_eq!(content2, content);
                }
            }
        }
        1 => {
            if let Ok(req) = pb::ListItemsRequest::decode(bytes) {
                let _ = convert::list_query_from_proto(&req);
            }
        }
        2 => {
            if let Ok(batch) = pb::AdjustmentBatch::decode(bytes) {
                let _ = convert::batch_from_proto(&batch, "batch");
            }
        }
        3 => {
            if let Ok(bundle) = pb::Bundle::decode(bytes) {
                let _ = convert::bundle_from_proto(&bundle, "bundle");
            }
        }
        4 => {
            if let Ok(region) = pb::Region::decode(bytes) {
                let _ = convert::region_from_proto(&region, "region");
            }
        }
        _ => {
            if let Ok(department) = pb::Department::decode(bytes) {
                let _ = convert::department_from_proto(&department, "department");
            }
        }
    }
});
