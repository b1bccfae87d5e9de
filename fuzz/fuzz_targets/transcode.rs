//! The gateway's JSON transcoding: a REST request (route chosen by the first byte, a query
//! string and a JSON body from the rest) becomes the RPC's request message, or a problem;
//! never a panic. A message that was built encodes, decodes and prints as proto3 JSON, and
//! that JSON read back as a body gives the same message.

#![no_main]

use libfuzzer_sys::fuzz_target;
use onewindow_gateway::transcode::{request, to_json, BodyRule, RouteTable};
use prost::Message;
use prost_reflect::DynamicMessage;
use std::sync::OnceLock;

fn routes() -> &'static RouteTable {
    static ROUTES: OnceLock<RouteTable> = OnceLock::new();
    ROUTES.get_or_init(|| {
        RouteTable::from_pool(onewindow_proto::descriptor_pool()).expect("the contracts' routes")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let table = routes().routes();
    if table.is_empty() {
        return;
    }
    let route = &table[usize::from(which) % table.len()];
    // The query string runs up to the first newline, the body is what follows.
    let (query, body) = match rest.iter().position(|b| *b == b'\n') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (&rest[..0], rest),
    };
    let query = std::str::from_utf8(query).ok().filter(|q| !q.is_empty());
    let Ok(message) = request::build(route, Vec::new(), query, body, &[]) else {
        return;
    };
    let bytes = message.encode_to_vec();
    let decoded = DynamicMessage::decode(route.rpc.input(), bytes.as_slice())
        .expect("a message we encoded decodes");
    let json = to_json(&decoded, bytes.len());
    if matches!(route.body, BodyRule::Whole) {
        let json = json.expect("a message read from JSON prints");
        let again = request::build(route, Vec::new(), None, &json, &[])
            .expect("printed proto3 JSON reads back");
        assert_eq!(again, decoded, "json: {}", String::from_utf8_lossy(&json));
    }
});
