//! Steady load on the processes, and what it must leave behind. Applicants submit cases
//! with unique request ids, the department's clerk accepts two in three of them, and the
//! catalog is read in between; every call goes through the kit's balanced channel and is
//! retried on UNAVAILABLE with the same request id, as a client of the contracts does. What
//! was acknowledged is recorded, to be found again in the databases afterwards.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use onewindow_kit::consumer::Consumer;
use onewindow_kit::db::Db;
use onewindow_kit::remote::{self, PeerSettings};
use onewindow_proto::cases::v1 as pb;
use onewindow_proto::cases::v1::case_service_client::CaseServiceClient;
use onewindow_proto::catalog::v1 as catalog;
use onewindow_proto::catalog::v1::catalog_service_client::CatalogServiceClient;
use sqlx::Row;
use tonic::transport::Channel;
use tonic::Status;

use super::Hall;
use crate::{clerk, upload, Applicant};

/// 企业投资项目核准 of the development and reform commission: every required material
/// handed in online, a clerk accepts it as it is.
pub(super) const PROJECT_APPROVAL: &str = "11140200010837015E010101000000";
const DEPARTMENT: &str = "fgw";

/// How long the driver retries one call on UNAVAILABLE: long enough for a replica to be
/// replaced, or a killed single process to be started again.
pub(super) const RETRY_DEADLINE: Duration = Duration::from_secs(45);

/// How long a consumer may take to catch up with its producer.
const FOLLOW_POLLS: u32 = 1200;
const FOLLOW_POLL: Duration = Duration::from_millis(50);

/// The clerk who accepts the load's cases.
pub fn project_approval_clerk() -> onewindow_kit::auth::Principal {
    clerk(DEPARTMENT)
}

/// A case the service acknowledged, in the last state it acknowledged.
#[derive(Debug, Clone)]
pub struct AckedCase {
    pub case_id: String,
    pub state: pb::CaseState,
    /// An accept was sent but never answered: it may or may not have happened.
    pub accept_unanswered: bool,
}

/// What the load did.
#[derive(Debug, Default)]
pub struct LoadReport {
    pub acked: Vec<AckedCase>,
    /// Every call that failed after its retries, with the reason.
    pub errors: Vec<String>,
    pub reads: u64,
}

impl LoadReport {
    fn merge(&mut self, other: LoadReport) {
        self.acked.extend(other.acked);
        self.errors.extend(other.errors);
        self.reads += other.reads;
    }
}

/// Applicants and a clerk at work through balanced, retrying clients.
#[derive(Clone)]
pub struct Load {
    hall: Arc<Hall>,
    cases: CaseServiceClient<Channel>,
    catalog: CatalogServiceClient<Channel>,
    /// Distinguishes the request ids of one run from another's on the same databases.
    tag: String,
    /// Operations acknowledged so far, for the test to strike in the middle of the load.
    progress: Arc<AtomicU64>,
}

pub(super) fn peer(endpoints: &[String]) -> PeerSettings {
    PeerSettings {
        connect_timeout_ms: 500,
        request_timeout_ms: 10_000,
        ..PeerSettings::at(endpoints.iter().cloned())
    }
}

impl Load {
    pub fn new(hall: Arc<Hall>, tag: &str, cases: &[String], catalog: &[String]) -> Load {
        let cases = remote::channel(&peer(cases)).expect("cases channel");
        let catalog = remote::channel(&peer(catalog)).expect("catalog channel");
        Load {
            hall,
            cases: CaseServiceClient::new(cases).max_decoding_message_size(64 << 20),
            catalog: CatalogServiceClient::new(catalog),
            tag: tag.into(),
            progress: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Operations acknowledged so far.
    pub fn progress(&self) -> u64 {
        self.progress.load(Ordering::Relaxed)
    }

    /// Waits until at least `n` operations were acknowledged (bounded by the load itself:
    /// it returns early when the load has finished).
    pub async fn wait_for_progress(&self, n: u64, running: &tokio::task::JoinHandle<LoadReport>) {
        while self.progress() < n && !running.is_finished() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Starts `workers` applicants, each submitting `cases_each` cases (serials from
    /// `first_serial`), in the background.
    pub fn spawn(
        &self,
        workers: u32,
        cases_each: u32,
        first_serial: u32,
    ) -> tokio::task::JoinHandle<LoadReport> {
        let load = self.clone();
        tokio::spawn(async move {
            let item = load.item().await.expect("the catalog answers");
            let mut tasks = Vec::new();
            for w in 0..workers {
                let load = load.clone();
                let item = item.clone();
                let first = first_serial + w * cases_each;
                tasks.push(tokio::spawn(async move {
                    load.applicant(&item, first..first + cases_each).await
                }));
            }
            let mut report = LoadReport::default();
            for t in tasks {
                report.merge(t.await.expect("a load worker"));
            }
            report
        })
    }

    async fn item(&self) -> Result<catalog::Item, Status> {
        let catalog = self.catalog.clone();
        remote::retry(RETRY_DEADLINE, || {
            let mut c = catalog.clone();
            async move {
                c.get_item(catalog::GetItemRequest {
                    item_id: PROJECT_APPROVAL.into(),
                    version: 0,
                    on_date: String::new(),
                })
                .await
                .map(tonic::Response::into_inner)
            }
        })
        .await
    }

    async fn applicant(&self, item: &catalog::Item, serials: std::ops::Range<u32>) -> LoadReport {
        let mut report = LoadReport::default();
        let materials: Vec<pb::MaterialUpload> = item
            .materials
            .iter()
            .filter(|m| m.required)
            .map(upload)
            .collect();
        for serial in serials {
            let applicant = Applicant::person(serial);
            let body = pb::SubmitCaseRequest {
                request_id: format!("{}-submit-{serial}", self.tag),
                item_id: item.id.clone(),
                applicant: Some(applicant.details.clone()),
                materials: materials.clone(),
            };
            let submitted = remote::retry(RETRY_DEADLINE, || {
                let mut c = self.cases.clone();
                let req = self.hall.req(&applicant.account, body.clone());
                async move { c.submit_case(req).await.map(tonic::Response::into_inner) }
            })
            .await;
            let case = match submitted {
                Ok(case) => case,
                Err(e) => {
                    report.errors.push(format!("submit {serial}: {e:?}"));
                    continue;
                }
            };
            self.progress.fetch_add(1, Ordering::Relaxed);
            let mut acked = AckedCase {
                case_id: case.id.clone(),
                state: pb::CaseState::try_from(case.state).unwrap_or_default(),
                accept_unanswered: false,
            };
            if serial % 3 != 0 {
                let body = pb::AcceptCaseRequest {
                    request_id: format!("{}-accept-{serial}", self.tag),
                    case_id: case.id.clone(),
                    revision: case.revision,
                    note: "材料齐全，予以受理".into(),
                };
                let accepted = remote::retry(RETRY_DEADLINE, || {
                    let mut c = self.cases.clone();
                    let req = self.hall.req(&project_approval_clerk(), body.clone());
                    async move { c.accept_case(req).await.map(tonic::Response::into_inner) }
                })
                .await;
                match accepted {
                    Ok(case) => {
                        acked.state = pb::CaseState::try_from(case.state).unwrap_or_default();
                        self.progress.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => {
                        acked.accept_unanswered = true;
                        report.errors.push(format!("accept {serial}: {e:?}"));
                    }
                }
            }
            report.acked.push(acked);
            match self.item().await {
                Ok(_) => report.reads += 1,
                Err(e) => report.errors.push(format!("read item: {e:?}")),
            }
        }
        report
    }
}

/// Every case in the cases service's database: id → stored state (`in_progress`).
pub async fn cases_in_database(db: &Db) -> BTreeMap<String, String> {
    sqlx::query("SELECT id, state FROM cs_case")
        .fetch_all(db.reader())
        .await
        .expect("read cs_case")
        .iter()
        .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
        .collect()
}

/// The state name the cases service stores for a contract state.
pub fn stored_state(state: pb::CaseState) -> &'static str {
    match state {
        pb::CaseState::Submitted => "submitted",
        pb::CaseState::SupplementRequested => "supplement_requested",
        pb::CaseState::InProgress => "in_progress",
        pb::CaseState::Concluded => "concluded",
        pb::CaseState::IntakeRefused => "intake_refused",
        pb::CaseState::Withdrawn => "withdrawn",
        pb::CaseState::Unspecified => "unspecified",
    }
}

/// Asserts that every acknowledged case is in the database in the state acknowledged (or,
/// for an accept never answered, possibly accepted), and that no submission was stored
/// twice: the database holds exactly the acknowledged cases.
pub fn assert_acknowledged_writes_kept(
    label: &str,
    report: &LoadReport,
    stored: &BTreeMap<String, String>,
) {
    for acked in &report.acked {
        let state = stored
            .get(&acked.case_id)
            .unwrap_or_else(|| panic!("{label}: acknowledged case {} is lost", acked.case_id));
        let expected = stored_state(acked.state);
        let maybe_accepted = acked.accept_unanswered && state == "in_progress";
        assert!(
            state == expected || maybe_accepted,
            "{label}: case {} was acknowledged {expected}, the database says {state}",
            acked.case_id
        );
    }
    assert_eq!(
        stored.len(),
        report.acked.len(),
        "{label}: the database holds cases nobody was told about (a retry stored twice?)"
    );
}

/// Waits, a bounded while, until `consumer` (in `consumer_db`) has applied every event that
/// `producer_db`'s outbox holds.
pub async fn wait_until_followed(label: &str, consumer_db: &Db, consumer: &str, producer_db: &Db) {
    let head = onewindow_kit::outbox::head(producer_db)
        .await
        .expect("producer head");
    let consumer = Consumer::new(consumer, consumer_db.clone());
    let mut offset = 0;
    for _ in 0..FOLLOW_POLLS {
        offset = consumer.offset().await.expect("consumer offset");
        if offset >= head {
            return;
        }
        tokio::time::sleep(FOLLOW_POLL).await;
    }
    panic!("{label}: consumer stopped at {offset} of {head}");
}

/// Cases accepted, as supervision's daily figures count them (each accept event counted
/// once, or the figure is off).
pub async fn accepted_count(db: &Db) -> i64 {
    sqlx::query_scalar("SELECT CAST(COALESCE(SUM(accepted), 0) AS BIGINT) FROM sup_daily")
        .fetch_one(db.reader())
        .await
        .expect("read sup_daily")
}

/// A case record without its `office_id`. Supervision takes a case's office from the item
/// version it learnt from the catalog's stream, so the office of a case whose only event
/// arrived before the catalog's events is empty, and stays so: two instances following the
/// same streams may differ there, by the order in which the two streams reached them. That
/// divergence is left out of the comparison; everything else must agree.
fn without_office(body: &str) -> String {
    let mut value: serde_json::Value = serde_json::from_str(body).expect("a JSON case record");
    if let Some(record) = value.as_object_mut() {
        record.remove("office_id");
    }
    value.to_string()
}

/// Supervision's projection in a canonical form: every case with its record (stages
/// included) and every warning issued, without what depends on when or where it was
/// processed (local ids, processing timestamps).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Projection {
    pub cases: Vec<String>,
    pub warnings: Vec<String>,
    /// Warnings counted in the daily figures.
    pub warnings_counted: i64,
    /// Warning-issued events in supervision's own outbox.
    pub warning_events: i64,
}

impl Projection {
    pub async fn read(db: &Db) -> Projection {
        let mut cases: Vec<String> = sqlx::query(
            "SELECT case_id, case_number, item_id, department_id, region_code, state, \
             accepted_on, concluded_on, accept_only, working_days_used, body \
             FROM sup_case",
        )
        .fetch_all(db.reader())
        .await
        .expect("read sup_case")
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {} {} {} {:?} {:?} {:?} {:?} {}",
                r.get::<String, _>(0),
                r.get::<String, _>(1),
                r.get::<String, _>(2),
                r.get::<String, _>(3),
                r.get::<String, _>(4),
                r.get::<String, _>(5),
                r.get::<Option<String>, _>(6),
                r.get::<Option<String>, _>(7),
                r.get::<Option<i64>, _>(8),
                r.get::<Option<i64>, _>(9),
                without_office(&r.get::<String, _>(10)),
            )
        })
        .collect();
        let mut warnings: Vec<String> = sqlx::query(
            "SELECT subject_key, level, stage, case_id, case_number, department_id, \
             due_date, reached_on, is_open, close_reason \
             FROM sup_warning",
        )
        .fetch_all(db.reader())
        .await
        .expect("read sup_warning")
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {} {} {} {} {} {} {}",
                r.get::<String, _>(0),
                r.get::<i64, _>(1),
                r.get::<String, _>(2),
                r.get::<String, _>(3),
                r.get::<String, _>(4),
                r.get::<String, _>(5),
                r.get::<String, _>(6),
                r.get::<String, _>(7),
                r.get::<i64, _>(8),
                r.get::<String, _>(9),
            )
        })
        .collect();
        // Sorted here: the engines' collations order text differently.
        cases.sort();
        warnings.sort();
        let warnings_counted = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(early + yellow + red), 0) AS BIGINT) FROM sup_daily",
        )
        .fetch_one(db.reader())
        .await
        .expect("read sup_daily");
        let warning_events = sqlx::query_scalar("SELECT COUNT(*) FROM kit_outbox WHERE kind = $1")
            .bind("supervision.warning.issued")
            .fetch_one(db.reader())
            .await
            .expect("read kit_outbox");
        Projection {
            cases,
            warnings,
            warnings_counted,
            warning_events,
        }
    }

    /// Asserts that `self` (a replay) equals `live`, naming the records that differ.
    pub fn assert_same_as(&self, label: &str, live: &Projection) {
        for (what, mine, theirs) in [
            ("case", &self.cases, &live.cases),
            ("warning", &self.warnings, &live.warnings),
        ] {
            let only_here: Vec<&String> = mine.iter().filter(|l| !theirs.contains(l)).collect();
            let only_live: Vec<&String> = theirs.iter().filter(|l| !mine.contains(l)).collect();
            assert!(
                only_here.is_empty() && only_live.is_empty(),
                "{label}: the replay's {what} records differ from the live projection's\n\
                 replay only ({}): {:#?}\nlive only ({}): {:#?}",
                only_here.len(),
                only_here.iter().take(3).collect::<Vec<_>>(),
                only_live.len(),
                only_live.iter().take(3).collect::<Vec<_>>(),
            );
        }
        assert_eq!(self.warnings_counted, live.warnings_counted, "{label}");
        assert_eq!(self.warning_events, live.warning_events, "{label}");
    }

    /// Case ids projected.
    pub fn case_ids(&self) -> Vec<&str> {
        self.cases
            .iter()
            .filter_map(|c| c.split(' ').next())
            .collect()
    }

    /// Asserts that the projection holds each case of the cases service once, in its
    /// stored state, and each warning once, counted once and announced once.
    pub fn assert_matches(&self, label: &str, stored: &BTreeMap<String, String>) {
        let ids: Vec<&str> = self.case_ids();
        let expected: Vec<&str> = stored.keys().map(String::as_str).collect();
        assert_eq!(ids, expected, "{label}: supervision's cases");
        for line in &self.cases {
            let mut parts = line.split(' ');
            let id = parts.next().unwrap_or_default();
            let state = parts.nth(4).unwrap_or_default();
            assert_eq!(
                Some(state),
                stored.get(id).map(String::as_str),
                "{label}: supervision's state of {id}"
            );
        }
        let warnings = self.warnings.len() as i64;
        assert!(warnings > 0, "{label}: no warning was issued at all");
        assert_eq!(
            self.warnings_counted, warnings,
            "{label}: warnings counted in the daily figures"
        );
        assert_eq!(
            self.warning_events, warnings,
            "{label}: warning events announced"
        );
    }
}

/// Waits, a bounded while, until supervision's scanner has handled every deadline whose
/// check has come (none is left with a next check of today or before).
pub async fn wait_until_scanned(label: &str, db: &Db) {
    let today = onewindow_kit::clock::Clock::system().today();
    let today = today.format("%Y-%m-%d").to_string();
    let mut due: i64 = 0;
    for _ in 0..FOLLOW_POLLS {
        due = sqlx::query_scalar("SELECT COUNT(*) FROM sup_watch WHERE next_check <= $1")
            .bind(&today)
            .fetch_one(db.reader())
            .await
            .expect("read sup_watch");
        if due == 0 {
            return;
        }
        tokio::time::sleep(FOLLOW_POLL).await;
    }
    panic!("{label}: {due} deadlines were never scanned");
}
