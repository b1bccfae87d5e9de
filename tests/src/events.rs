//! The cases service's outbox, read as a consumer reads it: the events a scenario caused,
//! their payloads, and the check that none carries an applicant's ID number or phone.

use onewindow_proto::common::v1 as common;
use onewindow_proto::prost::Message;

use crate::{Applicant, Center};

const PAGE: i64 = 500;

/// The event's payload as the contract's message `name` (e.g. `BundleCaseConcluded`).
pub fn payload<M: Message + Default>(event: &common::Event, name: &str) -> M {
    let any = event.payload.as_ref().expect("every event has a payload");
    onewindow_kit::outbox::unpack(&format!("onewindow.cases.v1.{name}"), any).unwrap_or_else(|| {
        panic!(
            "event {} ({}) is not a {name}: {}",
            event.seq, event.kind, any.type_url
        )
    })
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Panics naming every event whose payload or trace context holds an applicant's ID
/// number (in either case of its check character) or phone.
pub fn assert_no_personal_data(label: &str, events: &[common::Event], applicants: &[&Applicant]) {
    assert!(!events.is_empty(), "{label}: the scenario caused no event");
    let mut found = Vec::new();
    for e in events {
        let mut bytes = e
            .payload
            .as_ref()
            .map(|p| p.value.clone())
            .unwrap_or_default();
        for (k, v) in &e.trace_context {
            bytes.extend_from_slice(k.as_bytes());
            bytes.extend_from_slice(v.as_bytes());
        }
        bytes.extend_from_slice(e.object_id.as_bytes());
        for a in applicants {
            let secrets = [
                a.id_number().to_ascii_uppercase(),
                a.id_number().to_ascii_lowercase(),
                a.phone().to_string(),
            ];
            for s in secrets.iter().filter(|s| contains(&bytes, s.as_bytes())) {
                found.push(format!("event {} ({}) holds {s}", e.seq, e.kind));
            }
        }
    }
    assert!(found.is_empty(), "{label}: {}", found.join("; "));
}

impl Center {
    /// Every event the cases service has committed, oldest first.
    pub async fn case_events(&self) -> Vec<common::Event> {
        let mut out: Vec<common::Event> = Vec::new();
        loop {
            let after = out.last().map_or(0, |e| e.seq);
            let page = onewindow_kit::outbox::read(self.cases_db(), after, PAGE)
                .await
                .unwrap();
            let done = (page.len() as i64) < PAGE;
            out.extend(page);
            if done {
                return out;
            }
        }
    }

    /// Every event of the cases service so far carries none of the applicants' ID numbers
    /// or phones.
    pub async fn assert_events_carry_no_personal_data(&self, applicants: &[&Applicant]) {
        let events = self.case_events().await;
        assert_no_personal_data(self.label, &events, applicants);
    }

    /// The events of kind `kind` (e.g. `cases.bundle_case.concluded`) about `object_id`.
    pub async fn events_of(&self, kind: &str, object_id: &str) -> Vec<common::Event> {
        self.case_events()
            .await
            .into_iter()
            .filter(|e| e.kind == kind && e.object_id == object_id)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use onewindow_proto::cases::v1 as pb;

    fn event_with(applicant: &pb::Applicant) -> common::Event {
        // No event message has an applicant field: a leak would come from a free text,
        // such as a reason that quotes the applicant.
        let fact = pb::CaseWithdrawn {
            reason: format!("申请人{}（{}）撤回", applicant.id_number, applicant.phone),
            ..Default::default()
        };
        common::Event {
            seq: 7,
            kind: "cases.case.withdrawn".into(),
            payload: Some(onewindow_kit::outbox::pack(
                "onewindow.cases.v1.CaseWithdrawn",
                &fact,
            )),
            ..Default::default()
        }
    }

    #[test]
    #[should_panic(expected = "event 7 (cases.case.withdrawn) holds")]
    fn an_id_number_inside_a_payload_is_found() {
        let a = Applicant::person(9);
        assert_no_personal_data("test", &[event_with(&a.details)], &[&a]);
    }

    #[test]
    fn another_applicants_event_passes() {
        let a = Applicant::person(9);
        let b = Applicant::person(10);
        assert_no_personal_data("test", &[event_with(&b.details)], &[&a]);
    }
}
