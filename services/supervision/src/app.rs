//! The supervision service: its configuration and calendars, the scanner that issues
//! warnings as days pass, the followers of other services' streams, and the gRPC service.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use onewindow_kit::auth::TokenVerifier;
use onewindow_kit::calendar::{Calendar, YearSchedule};
use onewindow_kit::clock::Clock;
use onewindow_kit::consumer::{BoxFuture, Consumer, EventSource, EventStream};
use onewindow_kit::db::Db;
use onewindow_kit::error::Error;
use onewindow_proto::supervision::v1::supervision_service_server::SupervisionServiceServer;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::domain::catalog::Calendars;
use crate::domain::terms::EventRef;
use crate::domain::trading::TradingFacts;
use crate::domain::violation::Violation;
use crate::follow::Router;
use crate::rpc::performance::DashboardFeeds;
use crate::scanner::{self, ScanReport};
use crate::settings::SupervisionSettings;
use crate::verifier::CaseVerifier;

/// A source behind a box, itself a source.
struct Boxed(Box<dyn EventSource>);

impl EventSource for Boxed {
    fn watch(&self, after_seq: i64) -> BoxFuture<'_, Result<EventStream, Error>> {
        self.0.watch(after_seq)
    }

    fn head(&self) -> BoxFuture<'_, Result<Option<i64>, Error>> {
        self.0.head()
    }
}

/// What every part of the service shares.
pub(crate) struct Core {
    pub db: Db,
    pub clock: Clock,
    pub settings: SupervisionSettings,
    pub verifier: Arc<dyn CaseVerifier>,
    calendars: RwLock<Arc<Calendars>>,
    /// The big screens' dashboards, one feed per region watched.
    pub dashboards: DashboardFeeds,
}

impl Core {
    /// The working-day calendar of a region, as the catalog last announced it.
    pub fn calendar(&self, region: &str) -> Calendar {
        let calendars = match self.calendars.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        calendars.for_region(region)
    }

    /// Takes a year the catalog announced. Set before its transaction commits: were that
    /// to fail, the event is applied again with the same year, so memory is never wrong for
    /// long.
    pub fn set_calendar_year(&self, region: &str, schedule: YearSchedule) {
        let mut guard = match self.calendars.write() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        *guard = Arc::new(guard.with_year(region, schedule));
    }
}

#[derive(Clone)]
pub struct Supervision {
    pub(crate) core: Arc<Core>,
    scanner: Arc<ScannerGuard>,
}

/// Stops the scanner when the last handle of the service goes.
struct ScannerGuard(CancellationToken);

impl Drop for ScannerGuard {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

impl Supervision {
    /// Checks the settings, loads the calendars and starts the scanner, which looks for
    /// newly due deadlines every `scan_interval_secs` (and once at once).
    pub async fn start(
        db: Db,
        clock: Clock,
        settings: SupervisionSettings,
        verifier: Arc<dyn CaseVerifier>,
    ) -> Result<Supervision, Error> {
        settings.validate()?;
        crate::metrics::export(&db);
        let calendars = Calendars::new(crate::store::calendar_years(&db).await?);
        let core = Arc::new(Core {
            db,
            clock,
            settings,
            verifier,
            calendars: RwLock::new(Arc::new(calendars)),
            dashboards: DashboardFeeds::default(),
        });
        let stop = CancellationToken::new();
        let weak = Arc::downgrade(&core);
        let interval = Duration::from_secs(core.settings.scan_interval_secs);
        let token = stop.clone();
        tokio::spawn(async move {
            loop {
                {
                    let Some(core) = weak.upgrade() else { return };
                    if let Err(e) = scanner::scan(&core).await {
                        tracing::warn!(error = %e, "deadline scan failed; retrying at the next tick");
                    }
                }
                tokio::select! {
                    _ = token.cancelled() => return,
                    _ = tokio::time::sleep(interval) => {}
                }
            }
        });
        Ok(Supervision {
            core,
            scanner: Arc::new(ScannerGuard(stop)),
        })
    }

    /// Follows another service's stream until `stop`: its events are applied exactly once,
    /// each kind by the handler routed to it, the offset kept in supervision's database as
    /// `supervision<-{name}`. `name` also names the stream in evidence (`cases`, `catalog`).
    pub fn follow(
        &self,
        name: &str,
        source: impl EventSource + 'static,
        stop: CancellationToken,
    ) -> JoinHandle<()> {
        let consumer = Consumer::new(format!("supervision<-{name}"), self.core.db.clone());
        let router = Router::new(name, self.core.clone());
        tokio::spawn(consumer.run(source, router, stop))
    }

    /// Follows every stream of a list of (name, source): supervision's configuration of
    /// what it watches (`cases`, `catalog`, later `trading`).
    pub fn follow_all(
        &self,
        followers: Vec<(String, Box<dyn EventSource>)>,
        stop: CancellationToken,
    ) -> Vec<JoinHandle<()>> {
        followers
            .into_iter()
            .map(|(name, source)| self.follow(&name, Boxed(source), stop.clone()))
            .collect()
    }

    /// How many regions' dashboards are being computed for screens watching them.
    pub fn dashboard_feeds(&self) -> usize {
        self.core.dashboards.running()
    }

    /// Looks for newly due deadlines now (the scanner also does so on its own).
    pub async fn scan_now(&self) -> Result<ScanReport, Error> {
        scanner::scan(&self.core).await
    }

    /// Assesses a traded project for red flags and records them as violations (the
    /// trading stream's handler will call this with facts mapped from the contract).
    pub async fn assess_trading(
        &self,
        facts: &TradingFacts,
        evidence: &[EventRef],
    ) -> Result<Vec<Violation>, Error> {
        let mut tx = self.core.db.begin().await?;
        let recorded = crate::follow::trading::assess(&self.core, &mut tx, facts, evidence).await?;
        self.core.db.commit(tx).await?;
        Ok(recorded)
    }

    /// Stops the scanner (followers stop with their own tokens).
    pub fn shutdown(&self) {
        self.scanner.0.cancel();
    }

    pub fn db(&self) -> &Db {
        &self.core.db
    }

    pub fn settings(&self) -> &SupervisionSettings {
        &self.core.settings
    }

    /// The gRPC service, each call's token verified into a principal first.
    pub fn grpc_service(
        &self,
        verifier: TokenVerifier,
    ) -> tonic::service::interceptor::InterceptedService<
        SupervisionServiceServer<crate::rpc::SupervisionRpc>,
        impl tonic::service::Interceptor + Clone,
    > {
        SupervisionServiceServer::with_interceptor(
            crate::rpc::SupervisionRpc::new(self.core.clone()),
            verifier.interceptor(),
        )
    }
}
