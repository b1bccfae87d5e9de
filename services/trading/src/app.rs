//! The trading service: its database, its clock, its master key, and the chronograph that
//! moves projects on as their periods end. Reads go to the database (no cached state), so
//! replicas on PostgreSQL always agree.

use std::sync::{Arc, Weak};
use std::time::Duration;

use onewindow_kit::clock::Clock;
use onewindow_kit::db::Db;
use onewindow_kit::error::Error;
use onewindow_kit::uploads;

use crate::domain::bid::MAX_TOTAL_BYTES;
use crate::seal::MasterKey;

/// Largest request decoded: a bid with documents up to the domain's total, and room for the
/// rest of the message, so that the domain, not the transport, refuses a document over its
/// limits. Answers (a bid's document) are not limited on the way out: tonic's default.
pub const MAX_MESSAGE_BYTES: usize = MAX_TOTAL_BYTES + uploads::MESSAGE_ROOM;

/// How often the chronograph looks for periods that have ended.
const CHRONOGRAPH_PERIOD: Duration = Duration::from_secs(1);

#[derive(Clone)]
pub struct Trading {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    clock: Clock,
    keys: MasterKey,
    /// Held by each chronograph pass, and by the demo while it replays its weeks of history
    /// on a clock of its own: the live chronograph must not move the demo's projects on
    /// (an auction closed as failed before its quotes are replayed) while it is written.
    passes: Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for Trading {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trading")
            .field("clock", &self.inner.clock)
            .finish_non_exhaustive()
    }
}

impl Trading {
    /// The service on `db`, with bids sealed under `master_key`, and its chronograph running
    /// for as long as the service (or a clone of it) lives.
    pub async fn start(db: Db, clock: Clock, master_key: [u8; 32]) -> Result<Trading, Error> {
        let trading = Trading::new(db, clock, MasterKey::new(master_key));
        let weak = Arc::downgrade(&trading.inner);
        tokio::spawn(chronograph(weak));
        Ok(trading)
    }

    /// Without a chronograph (demo loading runs on a clock of its own).
    pub(crate) fn new(db: Db, clock: Clock, keys: MasterKey) -> Trading {
        Trading {
            inner: Arc::new(Inner {
                db,
                clock,
                keys,
                passes: Arc::default(),
            }),
        }
    }

    /// The same service seen through another clock, without a chronograph.
    pub(crate) fn with_clock(&self, clock: Clock) -> Trading {
        Trading {
            inner: Arc::new(Inner {
                db: self.inner.db.clone(),
                clock,
                keys: self.inner.keys.clone(),
                passes: self.inner.passes.clone(),
            }),
        }
    }

    /// Keeps the chronograph from making a pass until the guard is dropped.
    pub(crate) async fn hold_chronograph(&self) -> tokio::sync::OwnedMutexGuard<()> {
        self.inner.passes.clone().lock_owned().await
    }

    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    pub(crate) fn keys(&self) -> &MasterKey {
        &self.inner.keys
    }

    /// Makes every move that time has brought, now; returns how many projects moved. The
    /// chronograph calls this every second; tests call it after moving their clock.
    pub async fn tick(&self) -> Result<usize, Error> {
        crate::chronograph::tick(self).await
    }

    /// The gRPC service, each call's token verified into a principal first.
    pub fn grpc_service(
        &self,
        verifier: onewindow_kit::auth::TokenVerifier,
    ) -> tonic::service::interceptor::InterceptedService<
        onewindow_proto::trading::v1::trading_service_server::TradingServiceServer<
            crate::rpc::TradingRpc,
        >,
        impl tonic::service::Interceptor + Clone,
    > {
        tonic::service::interceptor::InterceptedService::new(
            onewindow_proto::trading::v1::trading_service_server::TradingServiceServer::new(
                crate::rpc::TradingRpc::new(self.clone()),
            )
            .max_decoding_message_size(MAX_MESSAGE_BYTES),
            verifier.interceptor(),
        )
    }

    /// Loads the demo projects (modelled on Datong's trading center) when there are none.
    pub async fn load_demo_if_empty(&self) -> Result<Option<String>, Error> {
        crate::demo::load_if_empty(self).await
    }
}

async fn chronograph(weak: Weak<Inner>) {
    loop {
        tokio::time::sleep(CHRONOGRAPH_PERIOD).await;
        let Some(inner) = weak.upgrade() else { return };
        let trading = Trading { inner };
        let _pass = trading.hold_chronograph().await;
        if let Err(e) = trading.tick().await {
            tracing::warn!(error = %e, "chronograph pass failed");
        }
    }
}
