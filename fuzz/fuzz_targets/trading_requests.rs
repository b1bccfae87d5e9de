//! Protobuf request bytes of the trading service, decoded and converted as its handlers do
//! (see cases_requests.rs for why this layer), then fed to the domain: a project draft is
//! created, announced and moved on by time; an amendment and an expert converted. Never a
//! panic.

#![no_main]

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use onewindow_proto::trading::v1 as pb;
use onewindow_trading::domain::{decide, Command, Project};
use onewindow_trading::rpc::convert;
use prost::Message;

fuzz_target!(|data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    let Some(now) = Utc.with_ymd_and_hms(2026, 11, 2, 1, 0, 0).single() else {
        return;
    };
    match which % 3 {
        0 => {
            let Ok(p) = pb::Project::decode(bytes) else {
                return;
            };
            let Ok(draft) = convert::draft_from_proto(&p, "project") else {
                return;
            };
            let Ok(project) = Project::create("p1".into(), "140200-2026-ZC0001".into(), draft, now)
            else {
                return;
            };
            if let Ok(d) = decide(&project, Command::Announce, now) {
                let _ = decide(&d.project, Command::Tick, now + chrono::Duration::days(40));
            }
        }
        1 => {
            if let Ok(req) = pb::AmendProjectRequest::decode(bytes) {
                let _ = convert::amendment_from_proto(&req);
            }
        }
        _ => {
            if let Ok(e) = pb::Expert::decode(bytes) {
                let _ = convert::expert_from_proto(&e, "expert");
            }
        }
    }
});
