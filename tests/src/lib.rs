//! The harness of the cross-service scenarios: a catalog with its demo data and a cases
//! service following the catalog's event stream, both in-process behind one gRPC server on a
//! free port, on SQLite and, when `ONEWINDOW_TEST_POSTGRES` names a server, PostgreSQL too.
//! One manual clock, moved by working days of the same calendar the services reckon with,
//! stands for time; the people of the hall are signed tokens; departments act on their cases
//! through the contract only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod authz;
mod bundles;
mod desk;
mod events;
pub mod logs;
mod materials;
mod people;
pub mod processes;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use onewindow_cases::Cases;
use onewindow_catalog::Catalog;
use onewindow_kit::auth::{Principal, TokenIssuer};
use onewindow_kit::calendar::{Calendar, YearSchedule};
use onewindow_kit::clock::{start_of_local_date, Clock, ManualClock};
use onewindow_kit::consumer::local_source;
use onewindow_kit::db::Db;
use onewindow_kit::serve::GrpcServer;
use onewindow_kit::testing::{self, TestDb};
use onewindow_proto::cases::v1 as pb;
use onewindow_proto::cases::v1::case_service_client::CaseServiceClient;
use onewindow_proto::catalog::v1 as catalog;
use onewindow_proto::catalog::v1::catalog_service_client::CatalogServiceClient;
use onewindow_proto::prost_types::Timestamp;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;
use tonic::{Request, Status};

pub use bundles::{children, is_open, stage_states, BundleRun};
pub use desk::{approved, denied, Conduct};
pub use events::{assert_no_personal_data, payload};
pub use materials::{
    first_stage_materials, missing_required, sha256_hex, shared_content, shared_uploads, upload,
    uploads_for_missing,
};
pub use people::{approver, catalog_admin, clerk, handler, supervisor, Applicant};

/// The region every demo item and bundle belongs to: Datong city.
pub const DATONG: &str = "140200";

/// The region code under which the catalog keeps the national calendar.
pub const NATIONAL: &str = "000000";

/// The demo bundles.
pub const ENTERPRISE_REGISTRATION: &str = "enterprise-registration";
pub const HOUSING_TRANSACTION: &str = "housing-transaction";
pub const CONSTRUCTION_PROJECT: &str = "construction-project";

/// How long a scenario waits for an event to travel from one service to another.
const PROPAGATION_POLLS: u32 = 400;
const PROPAGATION_POLL: Duration = Duration::from_millis(25);

/// The service center: the catalog and the cases service, and the clock on the wall.
pub struct Center {
    /// `sqlite` or `postgres`, for assertion messages.
    pub label: &'static str,
    cases: CaseServiceClient<Channel>,
    catalog: CatalogServiceClient<Channel>,
    issuer: TokenIssuer,
    hand: ManualClock,
    clock: Clock,
    calendar: Calendar,
    requests: AtomicU64,
    stop: CancellationToken,
    catalog_db: TestDb,
    cases_db: TestDb,
}

impl Drop for Center {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// 09:00 in Beijing on `date`, when the hall opens.
pub fn nine_o_clock(date: NaiveDate) -> chrono::DateTime<Utc> {
    start_of_local_date(date) + chrono::Duration::hours(9)
}

/// A date from its parts, for readable scenarios.
pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

/// A date as the contract writes it (`2026-03-02`).
pub fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// An ISO date of the contract (`2026-03-02`).
pub fn parse_date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|e| panic!("{s:?} is no date: {e}"))
}

/// The civil date (Beijing) of a contract timestamp.
pub fn local_date_of(t: &Timestamp) -> NaiveDate {
    let at = Utc
        .timestamp_opt(t.seconds, u32::try_from(t.nanos).unwrap_or(0))
        .single()
        .expect("a valid timestamp");
    onewindow_kit::clock::local_date(at)
}

impl Center {
    /// A center on every engine this run has: SQLite, and PostgreSQL when configured.
    pub async fn on_every_engine() -> Vec<Center> {
        let mut out = vec![Center::on_sqlite().await];
        let catalog_schemas = [&onewindow_kit::MIGRATIONS, &onewindow_catalog::MIGRATIONS];
        let cases_schemas = [&onewindow_kit::MIGRATIONS, &onewindow_cases::MIGRATIONS];
        if let (Some(a), Some(b)) = (
            testing::postgres(&catalog_schemas).await,
            testing::postgres(&cases_schemas).await,
        ) {
            out.push(Center::open(a, b).await);
        }
        out
    }

    pub async fn on_sqlite() -> Center {
        Center::open(
            testing::sqlite(&[&onewindow_kit::MIGRATIONS, &onewindow_catalog::MIGRATIONS]).await,
            testing::sqlite(&[&onewindow_kit::MIGRATIONS, &onewindow_cases::MIGRATIONS]).await,
        )
        .await
    }

    /// The catalog with its demo data and a cases service following it, the clock at 09:00
    /// on Monday 2026-11-30.
    async fn open(catalog_db: TestDb, cases_db: TestDb) -> Center {
        let (clock, hand) = Clock::manual(nine_o_clock(date(2026, 11, 30)));
        let label = cases_db.label;
        let catalog = Catalog::start(catalog_db.db.clone(), clock.clone())
            .await
            .unwrap();
        catalog.load_demo_if_empty().await.unwrap();
        let cases = Cases::new(cases_db.db.clone(), clock.clone());
        let stop = CancellationToken::new();
        cases.follow_catalog(local_source(catalog_db.db.clone()), stop.clone());

        let (issuer, _) = TokenIssuer::generate("onewindow", "onewindow").unwrap();
        let mut grpc = GrpcServer::new();
        grpc.add_service(
            catalog.grpc_service(issuer.verifier().unwrap()),
            catalog_db.db.clone(),
        );
        grpc.add_service(
            cases.grpc_service(issuer.verifier().unwrap()),
            cases_db.db.clone(),
        );
        let bound = grpc.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let addr = bound.local_addr();
        let token = stop.clone();
        tokio::spawn(async move { bound.run_until(token.cancelled_owned()).await });
        let channel = Channel::from_shared(format!("http://{addr}"))
            .unwrap()
            .connect()
            .await
            .unwrap();
        let center = Center {
            label,
            cases: CaseServiceClient::new(channel.clone()).max_decoding_message_size(64 << 20),
            catalog: CatalogServiceClient::new(channel),
            issuer,
            hand,
            clock,
            calendar: Calendar::official(),
            requests: AtomicU64::new(0),
            stop,
            catalog_db,
            cases_db,
        };
        center.sync().await;
        center
    }

    /// Waits, a bounded while, until the cases service has applied every catalog event
    /// committed so far.
    pub async fn sync(&self) {
        let head = onewindow_kit::outbox::head(&self.catalog_db.db)
            .await
            .unwrap();
        let consumer = onewindow_kit::consumer::Consumer::new(
            onewindow_cases::follow::CATALOG_STREAM,
            self.cases_db.db.clone(),
        );
        for _ in 0..PROPAGATION_POLLS {
            if consumer.offset().await.unwrap() >= head {
                return;
            }
            tokio::time::sleep(PROPAGATION_POLL).await;
        }
        panic!(
            "{}: the cases service did not catch up with the catalog",
            self.label
        );
    }

    /// A client of the cases service (cheap: clients share the connection).
    pub fn cases(&self) -> CaseServiceClient<Channel> {
        self.cases.clone()
    }

    /// A client of the catalog.
    pub fn catalog(&self) -> CatalogServiceClient<Channel> {
        self.catalog.clone()
    }

    /// The cases service's database, whose outbox the scenarios read.
    pub fn cases_db(&self) -> &Db {
        &self.cases_db.db
    }

    /// A request carrying `who`'s signed token.
    pub fn req<T>(&self, who: &Principal, body: T) -> Request<T> {
        let token = self.issuer.issue(who, Utc::now().timestamp(), 600).unwrap();
        let mut r = Request::new(body);
        r.metadata_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        r
    }

    /// A fresh idempotency key.
    pub fn request_id(&self, what: &str) -> String {
        let n = self.requests.fetch_add(1, Ordering::Relaxed);
        format!("{what}-{n}")
    }

    // ------------------------------------------------------------------ time

    /// Today in the hall (Beijing).
    pub fn today(&self) -> NaiveDate {
        self.clock.today()
    }

    /// The calendar the services reckon with: the national schedules the kit ships, and
    /// every year the scenario published through the catalog.
    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// Sets the clock to 09:00 on `date`; any date will do, back or forth.
    pub fn set_today(&self, date: NaiveDate) {
        self.hand.set(nine_o_clock(date));
    }

    /// The working day `n` working days after today.
    pub fn working_days_after_today(&self, n: u32) -> NaiveDate {
        self.calendar
            .add_working_days(self.today(), n)
            .unwrap()
            .value
    }

    /// Moves the clock to 09:00 of the next working day.
    pub fn next_working_day(&self) {
        self.advance_working_days(1);
    }

    /// Moves the clock to 09:00 of the `n`-th working day after today.
    pub fn advance_working_days(&self, n: u32) {
        self.set_today(self.working_days_after_today(n));
    }

    /// A catalog admin publishes a national year schedule; once the cases service has
    /// followed it, the scenario's calendar knows it too.
    pub async fn publish_national_year(&mut self, schedule: YearSchedule) {
        let mut days: Vec<catalog::SpecialDay> = schedule
            .holidays
            .iter()
            .map(|(d, name)| catalog::SpecialDay {
                date: d.format("%Y-%m-%d").to_string(),
                kind: catalog::DayKind::Holiday as i32,
                name: name.clone(),
            })
            .collect();
        days.extend(
            schedule
                .makeup_workdays
                .iter()
                .map(|(d, name)| catalog::SpecialDay {
                    date: d.format("%Y-%m-%d").to_string(),
                    kind: catalog::DayKind::MakeupWorkday as i32,
                    name: name.clone(),
                }),
        );
        let body = catalog::PutCalendarYearRequest {
            request_id: self.request_id("calendar"),
            calendar: Some(catalog::CalendarYear {
                region_code: NATIONAL.into(),
                year: schedule.year,
                published: schedule.published,
                days,
                source: schedule.source.clone(),
            }),
        };
        self.catalog()
            .put_calendar_year(self.req(&catalog_admin(), body))
            .await
            .unwrap();
        self.sync().await;
        self.calendar.set_year(schedule).unwrap();
    }

    // ------------------------------------------------------------------ reads

    /// The catalog's item version in force today.
    pub async fn item(&self, item_id: &str) -> catalog::Item {
        self.item_version(item_id, 0).await
    }

    /// One version of a catalog item (0: the version in force today).
    pub async fn item_version(&self, item_id: &str, version: i32) -> catalog::Item {
        self.catalog()
            .get_item(catalog::GetItemRequest {
                item_id: item_id.to_string(),
                version,
                on_date: String::new(),
            })
            .await
            .unwrap_or_else(|e| panic!("{}: item {item_id}: {e:?}", self.label))
            .into_inner()
    }

    /// A published bundle of the catalog.
    pub async fn bundle(&self, bundle_id: &str) -> catalog::Bundle {
        self.catalog()
            .get_bundle(catalog::GetBundleRequest {
                bundle_id: bundle_id.to_string(),
            })
            .await
            .unwrap_or_else(|e| panic!("{}: bundle {bundle_id}: {e:?}", self.label))
            .into_inner()
    }

    /// One case as `who` may read it.
    pub async fn try_case(&self, who: &Principal, case_id: &str) -> Result<pb::Case, Status> {
        self.cases()
            .get_case(self.req(
                who,
                pb::GetCaseRequest {
                    case_id: case_id.to_string(),
                },
            ))
            .await
            .map(tonic::Response::into_inner)
    }

    /// One case as `who`, who must be allowed to read it.
    pub async fn case(&self, who: &Principal, case_id: &str) -> pb::Case {
        self.try_case(who, case_id)
            .await
            .unwrap_or_else(|e| panic!("{}: case {case_id} as {}: {e:?}", self.label, who.subject))
    }

    /// One bundle case as `who` may read it.
    pub async fn try_bundle_case(
        &self,
        who: &Principal,
        bundle_case_id: &str,
    ) -> Result<pb::BundleCase, Status> {
        self.cases()
            .get_bundle_case(self.req(
                who,
                pb::GetBundleCaseRequest {
                    bundle_case_id: bundle_case_id.to_string(),
                },
            ))
            .await
            .map(tonic::Response::into_inner)
    }

    /// One bundle case as `who`, who must be allowed to read it.
    pub async fn bundle_case(&self, who: &Principal, bundle_case_id: &str) -> pb::BundleCase {
        self.try_bundle_case(who, bundle_case_id)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "{}: bundle case {bundle_case_id} as {}: {e:?}",
                    self.label, who.subject
                )
            })
    }

    /// Bundle cases as `who` lists them.
    pub async fn list_bundle_cases(
        &self,
        who: &Principal,
        filter: pb::ListBundleCasesRequest,
    ) -> Vec<pb::BundleCase> {
        self.cases()
            .list_bundle_cases(self.req(who, filter))
            .await
            .unwrap_or_else(|e| panic!("{}: list as {}: {e:?}", self.label, who.subject))
            .into_inner()
            .bundle_cases
    }

    /// Submits a bundle with its shared materials once (资料互认) and the first stage's own
    /// materials: online by the applicant, or at the lead department's window by its clerk.
    pub async fn submit_bundle(
        &self,
        bundle_id: &str,
        applicant: &Applicant,
        at_window: bool,
    ) -> pb::BundleCase {
        let bundle = self.bundle(bundle_id).await;
        let who = if at_window {
            clerk(&bundle.lead_department_id)
        } else {
            applicant.account.clone()
        };
        let body = pb::SubmitBundleRequest {
            request_id: self.request_id("bundle"),
            bundle_id: bundle_id.to_string(),
            applicant: Some(applicant.details.clone()),
            shared_materials: shared_uploads(&bundle),
            item_materials: first_stage_materials(self, &bundle).await,
        };
        self.cases()
            .submit_bundle(self.req(&who, body))
            .await
            .unwrap_or_else(|e| panic!("{}: submit {bundle_id}: {e:?}", self.label))
            .into_inner()
    }
}
