//! The web gateway as a process, and load through it as a REST client sends it (its
//! settings go in a file: package names hold dots, which `ONEWINDOW_*` variables cannot).
//! Applicants submit cases with `POST /api/v1/cases`, a clerk accepts every other one, and
//! the case and the catalog item are read back with GET. Reads must never fail: the gateway
//! retries them on UNAVAILABLE while a replica is down. A write may fail, but only as a 503
//! or 504 problem document (never a 500); the client then sends it again with the same
//! request id until it is acknowledged, so that what the database holds is exactly what was
//! acknowledged.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use onewindow_kit::auth::Principal;
use onewindow_proto::cases::v1 as pb;
use onewindow_proto::catalog::v1 as catalog;
use prost::Message;
use prost_reflect::{DynamicMessage, SerializeOptions};
use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, StatusCode};
use serde_json::Value as Json;

use super::load::{project_approval_clerk, PROJECT_APPROVAL, RETRY_DEADLINE};
use super::{AckedCase, Hall, Pace, Probe, Process};
use crate::{upload, Applicant};

/// The answers a write may fail with through the gateway: the service is unavailable, or it
/// did not answer in time. Either leaves the write undecided, to be sent again.
const UNDECIDED: [StatusCode; 2] = [StatusCode::SERVICE_UNAVAILABLE, StatusCode::GATEWAY_TIMEOUT];

impl Hall {
    /// The web gateway (not started) in front of `upstreams`: each contract package
    /// (`onewindow.cases.v1`) with the endpoints of its replicas. It verifies tokens with the
    /// services' public key, and retries a read on UNAVAILABLE for `retry_deadline_ms`.
    pub fn gateway(&self, upstreams: &[(&str, &[String])], retry_deadline_ms: u64) -> Process {
        let mut gateway = Process::new("onewindow-gateway", "1", self, Vec::new());
        gateway.probe = Probe::Http;
        let mut packages = toml::Table::new();
        for (package, endpoints) in upstreams {
            packages.insert((*package).into(), endpoints.to_vec().into());
        }
        let first = upstreams
            .first()
            .map(|(_, e)| e.to_vec())
            .unwrap_or_default();
        let mut up = toml::Table::new();
        up.insert("default".into(), first.into());
        up.insert("packages".into(), packages.into());
        // Short connection attempts, so a dead replica costs a retry rather than a long wait.
        up.insert("connect_timeout_ms".into(), 500.into());
        up.insert("timeout_ms".into(), 10_000.into());
        up.insert(
            "retry_deadline_ms".into(),
            i64::try_from(retry_deadline_ms).unwrap_or(i64::MAX).into(),
        );
        let mut gw = toml::Table::new();
        gw.insert(
            "listen_addr".into(),
            format!("127.0.0.1:{}", gateway.port).into(),
        );
        gw.insert("upstreams".into(), up.into());
        gw.insert("serve_metrics".into(), false.into());
        let mut auth = toml::Table::new();
        auth.insert(
            "public_key_files".into(),
            vec![self.public_key_file.display().to_string()].into(),
        );
        let mut telemetry = toml::Table::new();
        telemetry.insert(
            "log_filter".into(),
            "info,h2=warn,tower=warn,hyper=warn".into(),
        );
        let mut settings = toml::Table::new();
        settings.insert("gateway".into(), gw.into());
        settings.insert("auth".into(), auth.into());
        settings.insert("telemetry".into(), telemetry.into());
        let file = self.dir().join("gateway.toml");
        std::fs::write(&file, settings.to_string()).expect("write the gateway's settings");
        gateway.args = vec!["--config".into(), file.display().to_string()];
        gateway
    }
}

/// A REST client of the gateway, signing each call with its caller's token.
#[derive(Clone)]
pub(super) struct Rest {
    base: String,
    http: reqwest::Client,
    hall: Arc<Hall>,
}

/// Writes through the gateway: how many it acknowledged, and the failed answers (by HTTP
/// status) of attempts that were then sent again.
#[derive(Debug, Default, Clone)]
pub struct WriteTally {
    pub acknowledged: u64,
    pub failed: BTreeMap<u16, u64>,
    /// Failed answers other than a 503 or 504 problem document (a 500 for a call that a
    /// killed replica broke off, say): each a failure of the gateway, though the write was
    /// sent again like the others so that what it left behind can still be checked.
    pub wrong_failures: Vec<String>,
}

impl WriteTally {
    pub fn failed_total(&self) -> u64 {
        self.failed.values().sum()
    }

    pub fn merge(&mut self, other: WriteTally) {
        self.acknowledged += other.acknowledged;
        for (status, n) in other.failed {
            *self.failed.entry(status).or_default() += n;
        }
        self.wrong_failures.extend(other.wrong_failures);
    }
}

/// One message of the contracts as proto3 JSON, as a REST client writes it.
fn to_json(full_name: &str, message: &impl Message) -> Json {
    let desc = onewindow_proto::descriptor_pool()
        .get_message_by_name(full_name)
        .unwrap_or_else(|| panic!("no message {full_name} in the contracts"));
    let dynamic = DynamicMessage::decode(desc, message.encode_to_vec().as_slice())
        .expect("a message of the contracts decodes as itself");
    dynamic
        .serialize_with_options(serde_json::value::Serializer, &SerializeOptions::new())
        .expect("a message serializes")
}

/// A message of the contracts from the gateway's proto3 JSON.
fn from_json<M: Message + Default>(full_name: &str, body: &[u8]) -> Result<M, String> {
    let desc = onewindow_proto::descriptor_pool()
        .get_message_by_name(full_name)
        .ok_or_else(|| format!("no message {full_name} in the contracts"))?;
    let mut json = serde_json::Deserializer::from_slice(body);
    let dynamic = DynamicMessage::deserialize(desc, &mut json)
        .map_err(|e| format!("not a {full_name}: {e}"))?;
    M::decode(dynamic.encode_to_vec().as_slice()).map_err(|e| e.to_string())
}

/// What one call came to: the status, whether the body is a problem document, the body.
struct Reply {
    status: StatusCode,
    problem: bool,
    body: bytes::Bytes,
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body)
            .chars()
            .take(300)
            .collect()
    }
}

impl Rest {
    pub(super) fn new(hall: Arc<Hall>, base: &str) -> Rest {
        let http = reqwest::Client::builder()
            // Beyond the gateway's own request timeout: the gateway answers first.
            .timeout(Duration::from_secs(40))
            .build()
            .expect("an HTTP client");
        Rest {
            base: base.trim_end_matches('/').to_string(),
            http,
            hall,
        }
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        who: &Principal,
        body: Option<&Json>,
    ) -> Result<Reply, String> {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .bearer_auth(self.hall.token(who));
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| format!("{method} {path}: the gateway did not answer: {e}"))?;
        let status = response.status();
        let problem = response
            .headers()
            .get(CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
        let body = response
            .bytes()
            .await
            .map_err(|e| format!("{method} {path}: the answer broke off: {e}"))?;
        Ok(Reply {
            status,
            problem,
            body,
        })
    }

    /// A read through the gateway: it must succeed at the first call, whatever replica is
    /// down, since the gateway retries it.
    pub(super) async fn get<M: Message + Default>(
        &self,
        path: &str,
        who: &Principal,
        out: &str,
    ) -> Result<M, String> {
        let reply = self.call(Method::GET, path, who, None).await?;
        if !reply.status.is_success() {
            return Err(format!("GET {path}: {} {}", reply.status, reply.text()));
        }
        from_json(out, &reply.body).map_err(|e| format!("GET {path}: {e}"))
    }

    /// A write through the gateway, sent again with the same body (and so the same request
    /// id) while it fails with a 5xx problem document; each such failure is counted, and
    /// one that is not a 503 or 504 is recorded as wrong. A 4xx, an answer that is not a
    /// problem document, or no acknowledgement within the deadline is an error.
    pub(super) async fn write<M: Message + Default>(
        &self,
        path: &str,
        who: &Principal,
        (in_name, body): (&str, &impl Message),
        out: &str,
        tally: &mut WriteTally,
    ) -> Result<M, String> {
        let json = to_json(in_name, body);
        let end = tokio::time::Instant::now() + RETRY_DEADLINE;
        let mut pause = Duration::from_millis(100);
        loop {
            let reply = self.call(Method::POST, path, who, Some(&json)).await?;
            if reply.status.is_success() {
                tally.acknowledged += 1;
                return from_json(out, &reply.body).map_err(|e| format!("POST {path}: {e}"));
            }
            if !reply.status.is_server_error() || !reply.problem {
                return Err(format!(
                    "POST {path} failed with {} (problem document: {}): {}",
                    reply.status,
                    reply.problem,
                    reply.text()
                ));
            }
            if !UNDECIDED.contains(&reply.status) {
                tally.wrong_failures.push(format!(
                    "POST {path} failed with {}, not 503/504: {}",
                    reply.status,
                    reply.text()
                ));
            }
            *tally.failed.entry(reply.status.as_u16()).or_default() += 1;
            if tokio::time::Instant::now() + pause >= end {
                return Err(format!(
                    "POST {path} was never acknowledged: last {} {}",
                    reply.status,
                    reply.text()
                ));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(2));
        }
    }
}

/// What the applicants did through the gateway.
#[derive(Debug, Default)]
pub struct GatewayReport {
    /// Cases whose submission the gateway acknowledged, in the last state acknowledged.
    pub acked: Vec<AckedCase>,
    pub writes: WriteTally,
    /// Reads answered 200.
    pub reads: u64,
    /// Reads that failed, writes that failed otherwise than with 503/504 or were never
    /// acknowledged.
    pub errors: Vec<String>,
}

impl GatewayReport {
    fn merge(&mut self, other: GatewayReport) {
        self.acked.extend(other.acked);
        self.writes.merge(other.writes);
        self.reads += other.reads;
        self.errors.extend(other.errors);
    }
}

/// Applicants and a clerk at work through the gateway until told to stop.
#[derive(Clone)]
pub struct GatewayLoad {
    rest: Rest,
    tag: String,
    pace: Pace,
}

impl GatewayLoad {
    /// A load through the gateway at `base` (`http://127.0.0.1:port`).
    pub fn new(hall: Arc<Hall>, tag: &str, base: &str) -> GatewayLoad {
        GatewayLoad {
            rest: Rest::new(hall, base),
            tag: tag.into(),
            pace: Pace::default(),
        }
    }

    /// Writes acknowledged so far, and the signal that ends the load.
    pub fn pace(&self) -> &Pace {
        &self.pace
    }

    /// Starts `workers` applicants in the background, with serials from `first_serial`;
    /// each submits cases one after the other until the pace is stopped.
    pub fn spawn(&self, workers: u32, first_serial: u32) -> tokio::task::JoinHandle<GatewayReport> {
        let load = self.clone();
        tokio::spawn(async move {
            let mut tasks = Vec::new();
            for w in 0..workers {
                let load = load.clone();
                tasks.push(tokio::spawn(async move {
                    load.applicant(w, workers, first_serial).await
                }));
            }
            let mut report = GatewayReport::default();
            for t in tasks {
                report.merge(t.await.expect("a gateway load worker"));
            }
            report
        })
    }

    async fn applicant(&self, w: u32, workers: u32, first_serial: u32) -> GatewayReport {
        let mut report = GatewayReport::default();
        let item_path = format!("/api/v1/items/{PROJECT_APPROVAL}");
        let someone = Applicant::person(first_serial + w).account;
        let item: catalog::Item = match self
            .rest
            .get(&item_path, &someone, "onewindow.catalog.v1.Item")
            .await
        {
            Ok(item) => item,
            Err(e) => {
                report.errors.push(format!("read item: {e}"));
                return report;
            }
        };
        let materials: Vec<pb::MaterialUpload> = item
            .materials
            .iter()
            .filter(|m| m.required)
            .map(upload)
            .collect();
        let mut i = 0;
        while !self.pace.stopped() {
            let serial = first_serial + i * workers + w;
            i += 1;
            let applicant = Applicant::person(serial);
            let body = pb::SubmitCaseRequest {
                request_id: format!("{}-rest-submit-{serial}", self.tag),
                item_id: item.id.clone(),
                applicant: Some(applicant.details.clone()),
                materials: materials.clone(),
            };
            let submitted = self
                .rest
                .write::<pb::Case>(
                    "/api/v1/cases",
                    &applicant.account,
                    ("onewindow.cases.v1.SubmitCaseRequest", &body),
                    "onewindow.cases.v1.Case",
                    &mut report.writes,
                )
                .await;
            let case = match submitted {
                Ok(case) => case,
                Err(e) => {
                    report.errors.push(format!("submit {serial}: {e}"));
                    continue;
                }
            };
            self.pace.acknowledged();
            let mut acked = AckedCase {
                case_id: case.id.clone(),
                state: pb::CaseState::try_from(case.state).unwrap_or_default(),
                accept_unanswered: false,
            };
            if serial.is_multiple_of(2) {
                let body = pb::AcceptCaseRequest {
                    request_id: format!("{}-rest-accept-{serial}", self.tag),
                    case_id: case.id.clone(),
                    revision: case.revision,
                    note: "材料齐全，予以受理".into(),
                };
                let accepted = self
                    .rest
                    .write::<pb::Case>(
                        &format!("/api/v1/cases/{}:accept", case.id),
                        &project_approval_clerk(),
                        ("onewindow.cases.v1.AcceptCaseRequest", &body),
                        "onewindow.cases.v1.Case",
                        &mut report.writes,
                    )
                    .await;
                match accepted {
                    Ok(case) => {
                        acked.state = pb::CaseState::try_from(case.state).unwrap_or_default();
                        self.pace.acknowledged();
                    }
                    Err(e) => {
                        acked.accept_unanswered = true;
                        report.errors.push(format!("accept {serial}: {e}"));
                    }
                }
            }
            let expected = acked.state;
            report.acked.push(acked);
            let read: Result<pb::Case, String> = self
                .rest
                .get(
                    &format!("/api/v1/cases/{}", case.id),
                    &applicant.account,
                    "onewindow.cases.v1.Case",
                )
                .await;
            match read {
                Ok(read) if read.id == case.id && read.state == expected as i32 => {
                    report.reads += 1
                }
                Ok(read) => report.errors.push(format!(
                    "read case {}: got {} in state {}, acknowledged {expected:?}",
                    case.id, read.id, read.state
                )),
                Err(e) => report.errors.push(format!("read case: {e}")),
            }
            match self
                .rest
                .get::<catalog::Item>(&item_path, &applicant.account, "onewindow.catalog.v1.Item")
                .await
            {
                Ok(read) if read.id == item.id => report.reads += 1,
                Ok(read) => report
                    .errors
                    .push(format!("read item: got {} for {}", read.id, item.id)),
                Err(e) => report.errors.push(format!("read item: {e}")),
            }
        }
        report
    }
}
