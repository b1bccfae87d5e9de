//! The catalog service: commands run as units of work against the database (reading the
//! rows they change inside the transaction, so replicas never plan from stale memory);
//! reads are served from an in-memory state that is reloaded after every commit, here or in
//! another replica.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use chrono::NaiveDate;
use onewindow_kit::calendar::{Calendar, YearSchedule};
use onewindow_kit::clock::Clock;
use onewindow_kit::db::Db;
use onewindow_kit::error::Error;

use crate::domain::{
    AdjustmentBatch, Bundle, CatalogView, Department, Directory, ItemId, ItemVersion, Moment,
    Region,
};
use crate::store::{self, JsonTable};

/// The region code under which national calendar years are stored.
pub const NATIONAL: &str = "000000";

/// Everything the catalog holds, as of the last commit.
#[derive(Debug, Clone, Default)]
pub struct State {
    pub directory: Directory,
    pub versions: BTreeMap<ItemId, Vec<ItemVersion>>,
    pub bundles: Vec<Bundle>,
    pub batches: Vec<AdjustmentBatch>,
    pub calendars: Calendars,
    /// The catalog in force on the day the state was loaded: what most reads serve.
    pub view: Arc<CatalogView>,
    /// The database's commit count seen before loading: a load started earlier never
    /// replaces one started later (a slow background reload racing a caller's refresh).
    pub generation: u64,
}

impl State {
    /// The catalog in force on `date`: the cached view, or one built for another day.
    pub fn view_on(&self, date: NaiveDate) -> Arc<CatalogView> {
        if self.view.date() == date {
            return self.view.clone();
        }
        Arc::new(CatalogView::build(
            date,
            self.versions.values().flatten().cloned(),
            self.directory.clone(),
            self.bundles.clone(),
        ))
    }

    pub fn versions_map(&self) -> HashMap<ItemId, Vec<ItemVersion>> {
        self.versions
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// The official national calendar, national years an admin added, and regional overrides.
#[derive(Debug, Clone, Default)]
pub struct Calendars {
    national: Calendar,
    regional: BTreeMap<String, Vec<YearSchedule>>,
}

impl Calendars {
    pub fn new(stored: Vec<(String, i32, String)>) -> Result<Self, Error> {
        let mut national = Calendar::official();
        let mut regional: BTreeMap<String, Vec<YearSchedule>> = BTreeMap::new();
        for (region, year, toml) in stored {
            let schedule = YearSchedule::from_toml(&toml).map_err(|e| {
                Error::internal(anyhow::anyhow!("stored calendar {region}/{year}: {e}"))
            })?;
            if region == NATIONAL {
                national.set_year(schedule).map_err(Error::internal)?;
            } else {
                regional.entry(region).or_default().push(schedule);
            }
        }
        Ok(Calendars { national, regional })
    }

    /// True when `region` has its own schedule for `year`.
    pub fn is_regional(&self, region: &str, year: i32) -> bool {
        self.regional
            .get(region)
            .is_some_and(|years| years.iter().any(|y| y.year == year))
    }

    /// The calendar of a region: the national one with the region's own years over it.
    pub fn for_region(&self, region: &str) -> Calendar {
        let mut calendar = self.national.clone();
        if let Some(years) = self.regional.get(region) {
            for y in years {
                // Each was validated before it was stored.
                let _ = calendar.set_year(y.clone());
            }
        }
        calendar
    }
}

#[derive(Clone)]
pub struct Catalog {
    pub(crate) db: Db,
    pub(crate) clock: Clock,
    state: Arc<RwLock<Arc<State>>>,
}

impl Catalog {
    /// Loads the state and keeps it fresh: after every commit to the database (this
    /// process's, or on PostgreSQL another replica's) the state is reloaded.
    pub async fn start(db: Db, clock: Clock) -> Result<Catalog, Error> {
        let state = load_state(&db, clock.today()).await?;
        let catalog = Catalog {
            db: db.clone(),
            clock,
            state: Arc::new(RwLock::new(Arc::new(state))),
        };
        let weak = Arc::downgrade(&catalog.state);
        let mut commits = db.commits();
        let reload_clock = catalog.clock.clone();
        tokio::spawn(async move {
            while commits.changed().await.is_ok() {
                let Some(cell) = weak.upgrade() else { return };
                match load_state(&db, reload_clock.today()).await {
                    Ok(state) => replace(&cell, state),
                    Err(e) => tracing::warn!(error = %e, "catalog state reload failed"),
                }
            }
        });
        Ok(catalog)
    }

    pub fn state(&self) -> Arc<State> {
        let state = match self.state.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        // A version that starts (or ends) at midnight changes what is in force.
        let today = self.clock.today();
        if state.view.date() == today {
            return state;
        }
        let mut next = (*state).clone();
        next.view = state.view_on(today);
        let next = Arc::new(next);
        if let Ok(mut g) = self.state.write() {
            *g = next.clone();
        }
        next
    }

    /// Reloads at once, so a caller reads its own write.
    pub(crate) async fn refresh(&self) -> Result<Arc<State>, Error> {
        let state = load_state(&self.db, self.clock.today()).await?;
        replace(&self.state, state);
        Ok(self.state())
    }

    pub fn moment(&self) -> Moment {
        Moment::new(self.clock.now(), self.clock.today())
    }

    pub fn today(&self) -> NaiveDate {
        self.clock.today()
    }

    pub fn db(&self) -> &Db {
        &self.db
    }
}

fn replace(cell: &RwLock<Arc<State>>, state: State) {
    let mut g = match cell.write() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    if state.generation >= g.generation {
        *g = Arc::new(state);
    }
}

async fn load_state(db: &Db, today: NaiveDate) -> Result<State, Error> {
    let generation = *db.commits().borrow();
    let regions: Vec<Region> = store::load_regions(db).await?;
    let departments: Vec<Department> = store::load_departments(db).await?;
    let mut versions: BTreeMap<ItemId, Vec<ItemVersion>> = BTreeMap::new();
    for v in store::load_all_versions(db).await? {
        versions.entry(v.id.clone()).or_default().push(v);
    }
    let directory = Directory::new(departments, regions);
    let bundles: Vec<Bundle> = store::load_bodies(db, JsonTable::Bundle).await?;
    let view = CatalogView::build(
        today,
        versions.values().flatten().cloned(),
        directory.clone(),
        bundles.clone(),
    );
    Ok(State {
        directory,
        versions,
        bundles,
        batches: store::load_bodies(db, JsonTable::Batch).await?,
        calendars: Calendars::new(store::load_calendar_years(db).await?)?,
        view: Arc::new(view),
        generation,
    })
}

/// The demo catalog, modelled on Datong's (see `demo/README.md`).
const DEMO_CATALOG: &str = include_str!("../demo/catalog.json");

impl Catalog {
    /// The gRPC service, each call's token verified into a principal first.
    pub fn grpc_service(
        &self,
        verifier: onewindow_kit::auth::TokenVerifier,
    ) -> tonic::service::interceptor::InterceptedService<
        onewindow_proto::catalog::v1::catalog_service_server::CatalogServiceServer<
            crate::rpc::CatalogRpc,
        >,
        impl tonic::service::Interceptor + Clone,
    > {
        onewindow_proto::catalog::v1::catalog_service_server::CatalogServiceServer::with_interceptor(
            crate::rpc::CatalogRpc::new(self.clone()),
            verifier.interceptor(),
        )
    }

    /// Loads the demo catalog when the database holds none yet; returns what was loaded.
    pub async fn load_demo_if_empty(&self) -> Result<Option<String>, Error> {
        if !store::is_empty(&self.db).await? {
            return Ok(None);
        }
        let snapshot = crate::rpc::snapshot::from_json(DEMO_CATALOG)?;
        let system = onewindow_kit::auth::Principal {
            subject: "system:demo-loader".into(),
            name: String::new(),
            roles: vec![onewindow_kit::auth::Role::CatalogAdmin],
            department: None,
            region: None,
        };
        let request = onewindow_proto::catalog::v1::ImportCatalogRequest {
            request_id: "demo-catalog".into(),
            snapshot: Some(snapshot),
        };
        let begun = onewindow_kit::unit_of_work::UnitOfWork::begin::<
            onewindow_proto::catalog::v1::ImportCatalogResponse,
        >(
            &self.db,
            &self.clock,
            "ImportCatalog",
            &system,
            "demo-catalog",
            &request,
        )
        .await?;
        let onewindow_kit::unit_of_work::Begin::New(mut uow) = begun else {
            return Ok(None);
        };
        let directory = self.state().directory.clone();
        let snapshot = request
            .snapshot
            .as_ref()
            .ok_or_else(|| Error::internal(anyhow::anyhow!("demo snapshot vanished")))?;
        let loaded =
            crate::import::import(&mut uow, &request.request_id, snapshot, &directory).await?;
        uow.commit(&loaded).await?;
        self.refresh().await?;
        Ok(Some(format!(
            "{} departments, {} items, {} bundles, {} adjustment batches",
            loaded.departments, loaded.items, loaded.bundles, loaded.batches
        )))
    }

    /// The catalog in force as JSON (the import's format).
    pub fn export_json(&self) -> Result<String, Error> {
        crate::rpc::snapshot::to_json(&crate::rpc::snapshot::snapshot(&self.state()))
    }

    /// The catalog in force as CSV for Excel.
    pub fn export_csv(&self) -> String {
        crate::domain::catalog_csv(&self.state().view)
    }
}
