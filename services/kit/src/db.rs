//! The database of a service, chosen by URL: an embedded SQLite file (WAL, one writer
//! connection plus readers, `BEGIN IMMEDIATE` for writes) or PostgreSQL. One SQL text serves
//! both where it can (`$1` placeholders work on SQLite too); migrations are kept per engine.

use std::sync::{Arc, Weak};
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};
use tokio::sync::watch;

use crate::error::Error;

pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// The channel on which PostgreSQL replicas announce outbox commits to each other.
pub const OUTBOX_CHANNEL: &str = "onewindow_outbox";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self, Error> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            Err(Error::invalid(
                "database.url",
                "must start with sqlite: or postgres:",
            ))
        }
    }
}

/// Migrations of one schema, one set per engine.
pub struct Migrations {
    pub sqlite: &'static Migrator,
    pub postgres: &'static Migrator,
}

#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    backend: Backend,
    writer: AnyPool,
    reader: AnyPool,
    commits: watch::Sender<u64>,
    url: String,
}

impl Db {
    /// Connects; for SQLite the file is created if missing.
    pub async fn connect(url: &str, max_connections: Option<u32>) -> Result<Db, Error> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let (writer, reader) = match backend {
            Backend::Sqlite => {
                let url = with_create_mode(url);
                let options: AnyConnectOptions = url
                    .parse()
                    .map_err(|e: sqlx::Error| Error::invalid("database.url", e.to_string()))?;
                let writer = AnyPoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(Duration::from_secs(10))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(
                                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; \
                                 PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect_with(options.clone())
                    .await?;
                // The writer has switched the file to WAL before any reader opens it.
                let reader = AnyPoolOptions::new()
                    .max_connections(max_connections.unwrap_or(8))
                    .acquire_timeout(Duration::from_secs(10))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(
                                "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000; \
                                 PRAGMA query_only=ON;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?;
                (writer, reader)
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(max_connections.unwrap_or(16))
                    // While the server is out of reach a call waits this long for a
                    // connection, then answers UNAVAILABLE: well inside a client's deadline.
                    .acquire_timeout(Duration::from_secs(2))
                    .connect(url)
                    .await?;
                (pool.clone(), pool)
            }
        };
        let (commits, _) = watch::channel(0u64);
        let db = Db {
            inner: Arc::new(Inner {
                backend,
                writer,
                reader,
                commits,
                url: url.to_string(),
            }),
        };
        if backend == Backend::Postgres {
            db.spawn_commit_listener();
        }
        Ok(db)
    }

    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// The pool for reads (on SQLite: read-only connections beside the writer).
    pub fn reader(&self) -> &AnyPool {
        &self.inner.reader
    }

    pub fn writer(&self) -> &AnyPool {
        &self.inner.writer
    }

    /// Connections of each pool, in use and idle, for the metrics. SQLite has a writer and
    /// readers; PostgreSQL one pool for both.
    pub fn pool_stats(&self) -> Vec<PoolStats> {
        let stats = |pool: &'static str, p: &AnyPool| {
            let size = p.size() as usize;
            let idle = p.num_idle().min(size);
            PoolStats {
                pool,
                in_use: size - idle,
                idle,
            }
        };
        match self.inner.backend {
            Backend::Sqlite => vec![
                stats("sqlite_writer", &self.inner.writer),
                stats("sqlite_readers", &self.inner.reader),
            ],
            Backend::Postgres => vec![stats("postgres", &self.inner.writer)],
        }
    }

    /// A handle that does not keep the database open (metrics refreshed on scrape).
    pub fn downgrade(&self) -> WeakDb {
        WeakDb(Arc::downgrade(&self.inner))
    }

    /// Starts a write transaction. SQLite takes the write lock at once (`BEGIN IMMEDIATE`),
    /// so a transaction that reads before it writes cannot fail half-way on a busy lock.
    pub async fn begin(&self) -> Result<Tx, Error> {
        let tx = match self.inner.backend {
            Backend::Sqlite => self.inner.writer.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.inner.writer.begin().await?,
        };
        Ok(tx)
    }

    /// Commits and wakes every local follower of the outbox.
    pub async fn commit(&self, tx: Tx) -> Result<(), Error> {
        tx.commit().await?;
        self.inner.commits.send_modify(|n| *n = n.wrapping_add(1));
        Ok(())
    }

    /// Changes whenever a transaction of this database commits (here, or on PostgreSQL in
    /// another replica).
    pub fn commits(&self) -> watch::Receiver<u64> {
        self.inner.commits.subscribe()
    }

    /// Runs the migrations of each schema in order. On PostgreSQL the migrator holds an
    /// advisory lock, so replicas starting together do not race.
    pub async fn migrate(&self, schemas: &[&Migrations]) -> Result<(), Error> {
        for m in schemas {
            let migrator = match self.inner.backend {
                Backend::Sqlite => m.sqlite,
                Backend::Postgres => m.postgres,
            };
            // Several schemas (the kit's and the service's) share one history table.
            let mut migrator = Migrator {
                migrations: migrator.migrations.clone(),
                ..Migrator::DEFAULT
            };
            migrator.set_ignore_missing(true);
            migrator
                .run(&self.inner.writer)
                .await
                .map_err(|e| Error::internal(anyhow::anyhow!("migration failed: {e}")))?;
        }
        Ok(())
    }

    /// True when the database answers a trivial query within a second.
    pub async fn ping(&self) -> bool {
        let q = sqlx::query("SELECT 1").execute(&self.inner.reader);
        matches!(
            tokio::time::timeout(Duration::from_secs(1), q).await,
            Ok(Ok(_))
        )
    }

    pub async fn close(&self) {
        self.inner.writer.close().await;
        self.inner.reader.close().await;
    }

    fn spawn_commit_listener(&self) {
        let url = self.inner.url.clone();
        let weak = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            loop {
                let Some(inner) = weak.upgrade() else { return };
                if inner.writer.is_closed() {
                    return;
                }
                drop(inner);
                match sqlx::postgres::PgListener::connect(&url).await {
                    Ok(mut listener) => {
                        if let Err(e) = listener.listen(OUTBOX_CHANNEL).await {
                            tracing::warn!(error = %e, "listen failed");
                        } else {
                            loop {
                                let recv =
                                    tokio::time::timeout(Duration::from_secs(5), listener.recv())
                                        .await;
                                let Some(inner) = weak.upgrade() else { return };
                                match recv {
                                    Ok(Ok(_)) => {
                                        inner.commits.send_modify(|n| *n = n.wrapping_add(1))
                                    }
                                    Ok(Err(e)) => {
                                        tracing::warn!(error = %e, "outbox listener lost its connection");
                                        break;
                                    }
                                    Err(_) if inner.writer.is_closed() => return,
                                    Err(_) => {}
                                }
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "outbox listener cannot connect"),
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }
}

/// The connections of one pool at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// `sqlite_writer`, `sqlite_readers` or `postgres`.
    pub pool: &'static str,
    pub in_use: usize,
    pub idle: usize,
}

/// A [`Db`] that may have been closed and dropped.
#[derive(Clone)]
pub struct WeakDb(Weak<Inner>);

impl WeakDb {
    /// The database, unless every `Db` handle is gone or it was closed.
    pub fn upgrade(&self) -> Option<Db> {
        let inner = self.0.upgrade()?;
        if inner.writer.is_closed() {
            return None;
        }
        Some(Db { inner })
    }
}

fn with_create_mode(url: &str) -> String {
    if url.contains("mode=") || url.contains(":memory:") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

/// Milliseconds since the epoch: how instants are stored, portable across both engines.
pub fn millis(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp_millis()
}

pub fn from_millis(ms: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}
