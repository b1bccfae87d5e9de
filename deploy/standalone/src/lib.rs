//! The standalone assembly: every service in one process on SQLite files in a data
//! directory, one gRPC port, demo data loaded on first start.

#![forbid(unsafe_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use onewindow_cases::Cases;
use onewindow_catalog::Catalog;
use onewindow_gateway::{BoundGateway, Gateway, GatewaySettings};
use onewindow_kit::auth::{TokenIssuer, TokenVerifier};
use onewindow_kit::clock::Clock;
use onewindow_kit::config::{AuthSettings, DatabaseSettings, TelemetrySettings};
use onewindow_kit::consumer::{local_source, Consumer};
use onewindow_kit::db::Db;
use onewindow_kit::oidc::Jwks;
use onewindow_kit::serve::{BoundServer, GrpcServer};
use onewindow_supervision::verifier::InProcessCases;
use onewindow_supervision::{Supervision, SupervisionSettings};
use onewindow_trading::Trading;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Where the SQLite databases and the signing key live.
    pub data_dir: String,
    /// The gRPC address of every service.
    pub grpc_addr: String,
    /// Load the demo data into empty databases at start.
    pub demo_data: bool,
    pub telemetry: TelemetrySettings,
    pub auth: AuthSettings,
    /// Leave `url` empty for `sqlite://<data_dir>/catalog.db`.
    pub catalog: DatabaseSettings,
    /// Leave `url` empty for `sqlite://<data_dir>/cases.db`.
    pub cases: DatabaseSettings,
    /// Leave `url` empty for `sqlite://<data_dir>/trading.db`.
    pub trading: DatabaseSettings,
    /// Leave `url` empty for `sqlite://<data_dir>/supervision.db`.
    pub supervision: DatabaseSettings,
    /// Warning thresholds, rule severities, score weights.
    pub supervision_rules: SupervisionSettings,
    /// File of the 32-byte key that seals bids; created in the data directory if unset.
    pub trading_master_key_file: Option<String>,
    /// The web gateway; it calls the services of this process directly (its `upstreams`
    /// are not used).
    pub gateway: GatewaySettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            data_dir: "onewindow-data".into(),
            grpc_addr: "127.0.0.1:50051".into(),
            demo_data: true,
            telemetry: TelemetrySettings::default(),
            auth: AuthSettings::default(),
            catalog: DatabaseSettings::default(),
            cases: DatabaseSettings::default(),
            trading: DatabaseSettings::default(),
            supervision: DatabaseSettings::default(),
            supervision_rules: SupervisionSettings::default(),
            trading_master_key_file: None,
            gateway: GatewaySettings::default(),
        }
    }
}

impl Settings {
    fn database_url(&self, db: &DatabaseSettings, name: &str) -> String {
        if db.url.expose().is_empty() {
            format!("sqlite://{}/{name}.db", self.data_dir)
        } else {
            db.url.expose().clone()
        }
    }
}

pub struct Databases {
    pub catalog: Db,
    pub cases: Db,
    pub trading: Db,
    pub supervision: Db,
}

/// The running standalone server.
pub struct Standalone {
    server: BoundServer,
    gateway: BoundGateway,
    stop: CancellationToken,
}

impl Standalone {
    /// Opens (and migrates) every database, loads demo data on first start, binds the port.
    pub async fn build(settings: Settings) -> anyhow::Result<Standalone> {
        let dbs = Self::open_databases(&settings).await?;
        let clock = Clock::system();
        let catalog = Catalog::start(dbs.catalog.clone(), clock.clone()).await?;
        if settings.demo_data {
            if let Some(summary) = catalog.load_demo_if_empty().await? {
                tracing::info!(%summary, "demo catalog loaded");
            }
        }
        let stop = CancellationToken::new();
        let cases = Cases::new(dbs.cases.clone(), clock.clone());
        cases.follow_catalog(local_source(dbs.catalog.clone()), stop.clone());
        if settings.demo_data {
            cases_know_the_catalog(&cases, &dbs.catalog).await?;
            if let Some(summary) = cases.load_demo_if_empty().await? {
                tracing::info!(%summary, "demo cases created");
            }
        }
        let trading = Trading::start(
            dbs.trading.clone(),
            clock.clone(),
            Self::master_key(&settings)?,
        )
        .await?;
        if settings.demo_data {
            if let Some(summary) = trading.load_demo_if_empty().await? {
                tracing::info!(%summary, "demo trading projects created");
            }
        }
        let supervision = Supervision::start(
            dbs.supervision.clone(),
            clock.clone(),
            settings.supervision_rules.clone(),
            std::sync::Arc::new(InProcessCases(onewindow_cases::rpc::CaseRpc::new(
                cases.clone(),
            ))),
        )
        .await?;
        // What supervision follows is configuration: each stream by name and source. The
        // catalog first, so that the cases already stored meet the items they were made
        // under (their offices, the materials rules check) rather than arriving before them.
        supervision.follow("catalog", local_source(dbs.catalog.clone()), stop.clone());
        let follower = Consumer::new("supervision<-catalog", dbs.supervision.clone());
        if !catch_up(&dbs.catalog, || follower.offset()).await? {
            tracing::warn!(
                "supervision is still reading the catalog's events; following the cases meanwhile"
            );
        }
        supervision.follow("cases", local_source(dbs.cases.clone()), stop.clone());
        supervision.follow("trading", local_source(dbs.trading.clone()), stop.clone());
        // The first deadline scan once the stored cases are recorded, so that what is already
        // due shows at once rather than at the scanner's next tick.
        tokio::spawn({
            let (supervision, cases_db) = (supervision.clone(), dbs.cases.clone());
            let follower = Consumer::new("supervision<-cases", dbs.supervision.clone());
            async move {
                match catch_up(&cases_db, || follower.offset()).await {
                    Ok(true) => {
                        if let Err(e) = supervision.scan_now().await {
                            tracing::warn!(error = %e, "first deadline scan failed; the scanner tries again at its next tick");
                        }
                    }
                    Ok(false) => tracing::warn!("supervision is still reading the cases' events; their deadlines are scanned at the scanner's next tick"),
                    Err(e) => tracing::warn!(error = %e, "supervision's position on the cases' events not read"),
                }
            }
        });
        let verifier = Self::verifier(&settings)?;
        let mut grpc = GrpcServer::new();
        grpc.add_service(catalog.grpc_service(verifier.clone()), dbs.catalog.clone());
        grpc.add_service(cases.grpc_service(verifier.clone()), dbs.cases.clone());
        grpc.add_service(trading.grpc_service(verifier.clone()), dbs.trading.clone());
        grpc.add_service(
            supervision.grpc_service(verifier.clone()),
            dbs.supervision.clone(),
        );
        let addr: SocketAddr = settings
            .grpc_addr
            .parse()
            .with_context(|| format!("grpc_addr {} is not an address", settings.grpc_addr))?;
        // The gateway calls the services of this process directly: the same contracts,
        // authorization, tracing and metrics as a call from another process, without a
        // connection. Other clients reach them on the gRPC port.
        let local = grpc.in_process()?;
        let server = grpc.bind(addr).await?;
        let gateway_settings = settings.gateway.clone();
        let gateway_addr: SocketAddr = gateway_settings.listen_addr.parse().with_context(|| {
            format!(
                "gateway.listen_addr {} is not an address",
                gateway_settings.listen_addr
            )
        })?;
        let gateway = Gateway::build_in_process(
            gateway_settings,
            Some(Self::issuer(&settings)?),
            verifier,
            local,
        )
        .await?
        .bind(gateway_addr)
        .await?;
        Ok(Standalone {
            server,
            gateway,
            stop,
        })
    }

    pub fn grpc_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// Where browsers open OneWindow.
    pub fn http_addr(&self) -> SocketAddr {
        self.gateway.local_addr()
    }

    /// Serves gRPC and HTTP until `shutdown`, then drains both.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send) -> anyhow::Result<()> {
        let stop = self.stop.clone();
        let grpc_stop = stop.clone();
        let http_stop = stop.clone();
        let grpc = self.server.run_until(grpc_stop.cancelled_owned());
        let http = self.gateway.run_until(http_stop.cancelled_owned());
        let signal = async move {
            shutdown.await;
            // Followers, schedulers and both servers stop together.
            stop.cancel();
        };
        let (grpc, http, ()) = tokio::join!(grpc, http, signal);
        grpc?;
        http?;
        Ok(())
    }

    pub async fn open_databases(settings: &Settings) -> anyhow::Result<Databases> {
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("cannot create data directory {}", settings.data_dir))?;
        let catalog = Db::connect(
            &settings.database_url(&settings.catalog, "catalog"),
            settings.catalog.max_connections,
        )
        .await?;
        catalog
            .migrate(&[&onewindow_kit::MIGRATIONS, &onewindow_catalog::MIGRATIONS])
            .await?;
        let cases = Db::connect(
            &settings.database_url(&settings.cases, "cases"),
            settings.cases.max_connections,
        )
        .await?;
        cases
            .migrate(&[&onewindow_kit::MIGRATIONS, &onewindow_cases::MIGRATIONS])
            .await?;
        let trading = Db::connect(
            &settings.database_url(&settings.trading, "trading"),
            settings.trading.max_connections,
        )
        .await?;
        trading
            .migrate(&[&onewindow_kit::MIGRATIONS, &onewindow_trading::MIGRATIONS])
            .await?;
        let supervision = Db::connect(
            &settings.database_url(&settings.supervision, "supervision"),
            settings.supervision.max_connections,
        )
        .await?;
        supervision
            .migrate(&[
                &onewindow_kit::MIGRATIONS,
                &onewindow_supervision::MIGRATIONS,
            ])
            .await?;
        Ok(Databases {
            catalog,
            cases,
            trading,
            supervision,
        })
    }

    /// Loads the demo data into empty databases.
    pub async fn seed(settings: &Settings) -> anyhow::Result<String> {
        let dbs = Self::open_databases(settings).await?;
        let clock = Clock::system();
        let catalog = Catalog::start(dbs.catalog.clone(), clock.clone()).await?;
        let mut loaded = Vec::new();
        if let Some(summary) = catalog.load_demo_if_empty().await? {
            loaded.push(summary);
        }
        let stop = CancellationToken::new();
        let cases = Cases::new(dbs.cases.clone(), clock);
        cases.follow_catalog(local_source(dbs.catalog.clone()), stop.clone());
        cases_know_the_catalog(&cases, &dbs.catalog).await?;
        if let Some(summary) = cases.load_demo_if_empty().await? {
            loaded.push(summary);
        }
        stop.cancel();
        Ok(if loaded.is_empty() {
            "the databases already hold data; nothing loaded".into()
        } else {
            format!("demo data loaded: {}", loaded.join("; "))
        })
    }

    pub async fn export_catalog(settings: &Settings, csv: bool) -> anyhow::Result<String> {
        let dbs = Self::open_databases(settings).await?;
        let catalog = Catalog::start(dbs.catalog, Clock::system()).await?;
        Ok(if csv {
            catalog.export_csv()
        } else {
            catalog.export_json()?
        })
    }

    /// The built-in issuer: its key is created in the data directory on first use.
    pub fn issuer(settings: &Settings) -> anyhow::Result<TokenIssuer> {
        let path = match &settings.auth.private_key_file {
            Some(p) => PathBuf::from(p),
            None => Path::new(&settings.data_dir).join("issuer-key.pem"),
        };
        let issuer = &settings.auth.issuer;
        let audience = &settings.auth.audience;
        if path.exists() {
            let pem = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            return Ok(TokenIssuer::from_private_pem(&pem, issuer, audience)?);
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let (issuer, pem) = TokenIssuer::generate(issuer, audience)?;
        write_private(&path, &pem)?;
        Ok(issuer)
    }

    /// The key that seals bids: from the configured file, or created (random, owner-only)
    /// in the data directory on first start. Losing it makes sealed bids unreadable.
    pub fn master_key(settings: &Settings) -> anyhow::Result<[u8; 32]> {
        let path = match &settings.trading_master_key_file {
            Some(p) => PathBuf::from(p),
            None => Path::new(&settings.data_dir).join("trading-master.key"),
        };
        if !path.exists() {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let key: [u8; 32] = rand::random();
            write_private(&path, &hex::encode(key))?;
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let bytes = hex::decode(text.trim())
            .with_context(|| format!("{} must hold 64 hexadecimal digits", path.display()))?;
        bytes
            .try_into()
            .map_err(|_| anyhow::anyhow!("{} must hold a 32-byte key", path.display()))
    }

    /// Accepts the built-in issuer's tokens and any configured public keys.
    pub fn verifier(settings: &Settings) -> anyhow::Result<TokenVerifier> {
        let mut pems = vec![Self::issuer(settings)?.public_key_pem().to_string()];
        for file in &settings.auth.public_key_files {
            pems.push(
                std::fs::read_to_string(file).with_context(|| format!("cannot read {file}"))?,
            );
        }
        let verifier = TokenVerifier::new(&pems, &settings.auth.issuer, &settings.auth.audience)?;
        // The gateway passes the provider's tokens on: the services accept the same provider.
        let oidc = settings
            .auth
            .oidc
            .as_ref()
            .or(settings.gateway.auth.oidc.as_ref());
        Ok(match oidc {
            Some(oidc) => verifier.with_oidc(std::sync::Arc::new(Jwks::new(oidc.clone())?)),
            None => verifier,
        })
    }
}

/// Waits until the cases service has applied every catalog event committed so far.
/// The demo cases are made of the demo items: the cases service must have read them first.
async fn cases_know_the_catalog(cases: &Cases, catalog: &Db) -> anyhow::Result<()> {
    if catch_up(catalog, || cases.catalog_offset()).await? {
        Ok(())
    } else {
        anyhow::bail!("the cases service did not catch up with the catalog's events")
    }
}

/// Waits up to 30 s for a follower (its `offset`) to apply every event `producer` had stored
/// when called; whether it did.
async fn catch_up<F, O>(producer: &Db, offset: O) -> anyhow::Result<bool>
where
    O: Fn() -> F,
    F: Future<Output = Result<i64, onewindow_kit::error::Error>>,
{
    let head = onewindow_kit::outbox::head(producer).await?;
    for _ in 0..600 {
        if offset().await? >= head {
            return Ok(true);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Ok(false)
}

#[cfg(unix)]
fn write_private(path: &Path, pem: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(pem.as_bytes())?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, pem: &str) -> anyhow::Result<()> {
    std::fs::write(path, pem).with_context(|| format!("cannot create {}", path.display()))
}
