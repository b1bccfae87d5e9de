//! The services as real processes, for the fault tests: the built binaries started on
//! loopback ports with their settings in `ONEWINDOW_*` variables, awaited through
//! grpc.health.v1, killed (SIGKILL) or stopped (SIGTERM), and started again on the same port
//! and database. The web gateway runs as a process too, in front of them, awaited through
//! its `/readyz`. The tests never build: `cargo test --workspace` builds every binary of
//! the workspace before it runs a test, and a missing one is reported, not made.

mod gateway;
mod load;
mod pace;
mod trading;

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use onewindow_kit::auth::{Principal, Role, TokenIssuer};
use onewindow_kit::db::Db;
use tonic::Request;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

pub use gateway::{GatewayLoad, GatewayReport, WriteTally};
pub use load::{
    accepted_count, assert_acknowledged_writes_kept, cases_in_database, project_approval_clerk,
    stored_state, wait_until_followed, wait_until_scanned, AckedCase, Load, LoadReport, Projection,
};
pub use pace::Pace;
pub use trading::{AckedProject, TradingLoad, TradingReport, Transitions};

/// How long a process may take to answer SERVING after it was started.
const START_POLLS: u32 = 600;
const POLL: Duration = Duration::from_millis(50);

/// How long a process may take to exit after SIGTERM.
const STOP_POLLS: u32 = 400;

/// The path of a workspace binary, next to the test executable's own target directory
/// (`target/debug/deps/replicas-…` → `target/debug/onewindow-cases`).
pub fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable's path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test executable lives in target/<profile>/deps");
    let path = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --bins` first (cargo test --workspace builds it too)",
        path.display()
    );
    path
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("a bound address").port()
}

/// What every process of a test shares: the issuer's key pair (the public half in a file
/// the services read, the private half signing the test's tokens), the token the services
/// present to each other, the key sealing bids, and a directory for databases and logs.
pub struct Hall {
    dir: tempfile::TempDir,
    issuer: TokenIssuer,
    public_key_file: PathBuf,
    token_file: PathBuf,
    master_key_file: PathBuf,
}

impl Default for Hall {
    fn default() -> Self {
        Self::new()
    }
}

impl Hall {
    pub fn new() -> Hall {
        let dir = tempfile::tempdir().expect("temp dir");
        let (issuer, _) = TokenIssuer::generate("onewindow", "onewindow").expect("a key pair");
        let public_key_file = dir.path().join("issuer-public.pem");
        std::fs::write(&public_key_file, issuer.public_key_pem()).expect("write public key");
        let service = Principal {
            subject: "fault-tests".into(),
            name: String::new(),
            roles: vec![Role::Service],
            department: None,
            region: None,
        };
        let token_file = dir.path().join("service-token");
        let token = issuer
            .issue(&service, Utc::now().timestamp(), 3600)
            .expect("a service token");
        std::fs::write(&token_file, token).expect("write service token");
        let master_key_file = dir.path().join("master.key");
        std::fs::write(&master_key_file, "5a".repeat(32)).expect("write master key");
        Hall {
            dir,
            issuer,
            public_key_file,
            token_file,
            master_key_file,
        }
    }

    /// The directory that lives as long as the hall: SQLite files and process logs.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A SQLite URL of a file in the hall's directory.
    pub fn sqlite_url(&self, name: &str) -> String {
        format!("sqlite://{}/{name}.db", self.dir().display())
    }

    /// `who`'s signed token, valid for ten minutes.
    pub fn token(&self, who: &Principal) -> String {
        self.issuer
            .issue(who, Utc::now().timestamp(), 600)
            .expect("a token")
    }

    /// A request carrying `who`'s signed token.
    pub fn req<T>(&self, who: &Principal, body: T) -> Request<T> {
        let token = self.token(who);
        let mut r = Request::new(body);
        r.metadata_mut().insert(
            "authorization",
            format!("Bearer {token}").parse().expect("an ASCII header"),
        );
        r
    }

    fn common_env(&self, db_url: &str) -> Vec<(String, String)> {
        vec![
            ("ONEWINDOW_DATABASE__URL".into(), db_url.into()),
            (
                "ONEWINDOW_AUTH__PUBLIC_KEY_FILES".into(),
                format!("[\"{}\"]", self.public_key_file.display()),
            ),
            (
                "ONEWINDOW_TELEMETRY__LOG_FILTER".into(),
                "info,sqlx=warn,h2=warn,tower=warn,hyper=warn".into(),
            ),
        ]
    }

    fn peers_env(&self, peers: &[(&str, &[String])]) -> Vec<(String, String)> {
        let mut env = vec![(
            "ONEWINDOW_PEERS__TOKEN_FILE".into(),
            self.token_file.display().to_string(),
        )];
        for (name, endpoints) in peers {
            let upper = name.to_uppercase();
            env.push((
                format!("ONEWINDOW_PEERS__{upper}__ENDPOINTS"),
                endpoints.join(","),
            ));
            // Short steps, so a dead replica costs a retry rather than a long wait.
            env.push((
                format!("ONEWINDOW_PEERS__{upper}__CONNECT_TIMEOUT_MS"),
                "500".into(),
            ));
        }
        env
    }

    /// A catalog process on `db_url` (not started).
    pub fn catalog(&self, replica: &str, db_url: &str) -> Process {
        Process::new("onewindow-catalog", replica, self, self.common_env(db_url))
    }

    /// A cases process on `db_url`, following the catalog at `catalog` (not started).
    pub fn cases(&self, replica: &str, db_url: &str, catalog: &[String]) -> Process {
        let mut env = self.common_env(db_url);
        env.extend(self.peers_env(&[("catalog", catalog)]));
        Process::new("onewindow-cases", replica, self, env)
    }

    /// A trading process on `db_url` (not started).
    pub fn trading(&self, replica: &str, db_url: &str) -> Process {
        let mut env = self.common_env(db_url);
        env.push((
            "ONEWINDOW_MASTER_KEY_FILE".into(),
            self.master_key_file.display().to_string(),
        ));
        Process::new("onewindow-trading", replica, self, env)
    }

    /// A supervision process on `db_url` following cases, the catalog and trading (an
    /// empty list: not followed). Its scanner runs every second, and the early warning
    /// of every case and stage falls due at once, so that every accepted case is warned.
    pub fn supervision(
        &self,
        replica: &str,
        db_url: &str,
        cases: &[String],
        catalog: &[String],
        trading: &[String],
    ) -> Process {
        let mut env = self.common_env(db_url);
        env.extend(self.peers_env(&[("cases", cases), ("catalog", catalog), ("trading", trading)]));
        for (k, v) in [
            ("SCAN_INTERVAL_SECS", "1"),
            ("CASE_THRESHOLDS__EARLY_WARNING_DAYS", "60"),
            ("STAGE_THRESHOLDS__EARLY_WARNING_DAYS", "60"),
        ] {
            env.push((format!("ONEWINDOW_SUPERVISION__{k}"), v.into()));
        }
        Process::new("onewindow-supervision", replica, self, env)
    }
}

/// A fresh database for one service of a test: a SQLite file in the hall, or a new
/// PostgreSQL database (`owt_*`) on the test server. Returns its URL, migrated.
pub async fn fresh_database(
    hall: &Hall,
    engine: Engine<'_>,
    name: &str,
    schemas: &[&onewindow_kit::db::Migrations],
) -> String {
    let url = match engine {
        Engine::Sqlite => hall.sqlite_url(name),
        Engine::Postgres(admin) => onewindow_kit::testing::fresh_postgres_database(admin).await,
    };
    let db = Db::connect(&url, Some(2)).await.expect("connect");
    db.migrate(schemas).await.expect("migrate");
    db.close().await;
    url
}

/// Which engine a test runs on; PostgreSQL carries the admin URL of the test server.
#[derive(Debug, Clone, Copy)]
pub enum Engine<'a> {
    Sqlite,
    Postgres(&'a str),
}

impl Engine<'_> {
    pub fn label(&self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres(_) => "postgres",
        }
    }
}

/// A catalog database with the demo catalog in it, as a catalog process would load it.
pub async fn demo_catalog(hall: &Hall, engine: Engine<'_>) -> String {
    let url = fresh_database(
        hall,
        engine,
        "catalog",
        &[&onewindow_kit::MIGRATIONS, &onewindow_catalog::MIGRATIONS],
    )
    .await;
    let db = Db::connect(&url, Some(2)).await.expect("connect catalog");
    let catalog =
        onewindow_catalog::Catalog::start(db.clone(), onewindow_kit::clock::Clock::system())
            .await
            .expect("catalog");
    catalog.load_demo_if_empty().await.expect("demo catalog");
    db.close().await;
    url
}

/// One service process: its binary, port and settings survive restarts, so a restarted
/// replica comes back where its clients look for it, on the same database.
pub struct Process {
    label: String,
    bin: PathBuf,
    args: Vec<String>,
    port: u16,
    env: Vec<(String, String)>,
    probe: Probe,
    log: PathBuf,
    child: Option<Child>,
}

/// How a process tells that it serves: a service through grpc.health.v1, the gateway
/// through `GET /readyz` (every upstream SERVING).
#[derive(Debug, Clone, Copy)]
enum Probe {
    Grpc,
    Http,
}

impl Process {
    fn new(bin: &str, replica: &str, hall: &Hall, env: Vec<(String, String)>) -> Process {
        let label = format!("{bin}[{replica}]");
        Process {
            log: hall.dir().join(format!("{label}.log")),
            bin: binary(bin),
            args: Vec::new(),
            port: free_port(),
            env,
            probe: Probe::Grpc,
            label,
            child: None,
        }
    }

    /// `onewindow-cases[a]`, for messages.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The address its clients dial.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Sets (or replaces) one setting for the next start.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.into(), value.into()));
    }

    /// Starts the process; its output goes to a log in the hall, kept across restarts.
    pub fn start(&mut self) {
        assert!(self.child.is_none(), "{} is already running", self.label);
        let log = File::options()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("open the process log");
        let err = log.try_clone().expect("clone the log handle");
        let child = Command::new(&self.bin)
            .args(&self.args)
            .env("ONEWINDOW_GRPC_ADDR", format!("127.0.0.1:{}", self.port))
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.bin.display()));
        self.child = Some(child);
    }

    /// Starts the process and waits until it answers SERVING.
    pub async fn start_serving(&mut self) {
        self.start();
        self.wait_serving().await;
    }

    /// Waits, a bounded while, until grpc.health.v1 answers SERVING (the gateway: until
    /// `/readyz` answers 200); fails with the end of the process's log otherwise.
    pub async fn wait_serving(&mut self) {
        for _ in 0..START_POLLS {
            if let Some(status) = self.exited() {
                panic!(
                    "{} exited with {status} before serving:\n{}",
                    self.label,
                    self.log_tail()
                );
            }
            let serving = match self.probe {
                Probe::Grpc => health(&self.endpoint()).await == Some(ServingStatus::Serving),
                Probe::Http => http_ready(&self.endpoint()).await,
            };
            if serving {
                return;
            }
            tokio::time::sleep(POLL).await;
        }
        panic!(
            "{} never answered SERVING:\n{}",
            self.label,
            self.log_tail()
        );
    }

    /// SIGKILL: the process dies at once, in the middle of whatever it was doing.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM, then waits for the process to drain and exit; returns how it exited.
    pub async fn terminate(&mut self) -> ExitStatus {
        let mut child = self
            .child
            .take()
            .unwrap_or_else(|| panic!("{} is not running", self.label));
        let sent = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM {} failed", self.label);
        for _ in 0..STOP_POLLS {
            if let Some(status) = child.try_wait().expect("wait for the process") {
                return status;
            }
            tokio::time::sleep(POLL).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!(
            "{} did not stop after SIGTERM:\n{}",
            self.label,
            self.log_tail()
        );
    }

    /// Whether it has exited, and how.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.as_mut()?.try_wait().ok().flatten()
    }

    /// The last lines of its log, for failure messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The overall status grpc.health.v1 reports at `endpoint`, or `None` when nothing answers.
pub async fn health(endpoint: &str) -> Option<ServingStatus> {
    health_of(endpoint, "").await
}

/// Whether the gateway at `base` answers `/readyz` with 200.
async fn http_ready(base: &str) -> bool {
    let Ok(client) = reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .build()
    else {
        return false;
    };
    client
        .get(format!("{base}/readyz"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
}

/// The status of one service (`onewindow.cases.v1.CaseService`), or the overall one ("").
pub async fn health_of(endpoint: &str, service: &str) -> Option<ServingStatus> {
    let channel = tonic::transport::Endpoint::from_shared(endpoint.to_string())
        .ok()?
        .connect_timeout(Duration::from_millis(500))
        .timeout(Duration::from_secs(2))
        .connect()
        .await
        .ok()?;
    let reply = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: service.into(),
        })
        .await
        .ok()?;
    ServingStatus::try_from(reply.into_inner().status).ok()
}

/// The center split into processes, one of each: the catalog (with its demo data), the
/// cases service following it, and supervision following both (trading is not run). The
/// test keeps a connection to each database, to check what the processes left there.
pub struct SplitCenter {
    pub label: &'static str,
    pub catalog: Process,
    pub cases: Process,
    pub supervision: Process,
    pub catalog_db: Db,
    pub cases_db: Db,
    pub supervision_db: Db,
}

impl SplitCenter {
    /// Starts the three on fresh databases of `engine` and waits until the cases service
    /// knows the catalog's items.
    pub async fn open(hall: &Hall, engine: Engine<'_>) -> SplitCenter {
        let catalog_url = demo_catalog(hall, engine).await;
        let cases_url = fresh_database(
            hall,
            engine,
            "cases",
            &[&onewindow_kit::MIGRATIONS, &onewindow_cases::MIGRATIONS],
        )
        .await;
        let supervision_url = supervision_database(hall, engine, "supervision").await;
        let mut catalog = hall.catalog("1", &catalog_url);
        let mut cases = hall.cases("1", &cases_url, &[catalog.endpoint()]);
        let mut supervision = hall.supervision(
            "1",
            &supervision_url,
            &[cases.endpoint()],
            &[catalog.endpoint()],
            &[],
        );
        for p in [&mut catalog, &mut cases, &mut supervision] {
            p.start();
        }
        for p in [&mut catalog, &mut cases, &mut supervision] {
            p.wait_serving().await;
        }
        let center = SplitCenter {
            label: engine.label(),
            catalog,
            cases,
            supervision,
            catalog_db: open_db(&catalog_url).await,
            cases_db: open_db(&cases_url).await,
            supervision_db: open_db(&supervision_url).await,
        };
        wait_until_followed(
            center.label,
            &center.cases_db,
            onewindow_cases::follow::CATALOG_STREAM,
            &center.catalog_db,
        )
        .await;
        center
    }

    /// Load on this center's processes.
    pub fn load(&self, hall: &Arc<Hall>, tag: &str) -> Load {
        Load::new(
            hall.clone(),
            tag,
            &[self.cases.endpoint()],
            &[self.catalog.endpoint()],
        )
    }

    /// Waits until supervision (in `db`) has applied every event of cases and the catalog
    /// and scanned every deadline that has come.
    pub async fn wait_supervised(&self, db: &Db) {
        wait_until_followed(self.label, db, "supervision<-cases", &self.cases_db).await;
        wait_until_followed(self.label, db, "supervision<-catalog", &self.catalog_db).await;
        wait_until_scanned(self.label, db).await;
    }
}

/// A fresh, migrated supervision database.
pub async fn supervision_database(hall: &Hall, engine: Engine<'_>, name: &str) -> String {
    fresh_database(
        hall,
        engine,
        name,
        &[
            &onewindow_kit::MIGRATIONS,
            &onewindow_supervision::MIGRATIONS,
        ],
    )
    .await
}

/// The test's own connection to a database the processes use.
pub async fn open_db(url: &str) -> Db {
    Db::connect(url, Some(2))
        .await
        .expect("connect to a process's database")
}
