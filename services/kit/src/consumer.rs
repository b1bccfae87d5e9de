//! Following another service's event stream with exactly-once effects: each event's effect
//! and the consumer's offset commit in one transaction of the consumer's own database. The
//! offset row is locked first, so replicas following the same stream take turns and an
//! event applied by one is skipped by the others.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures::{Stream, StreamExt};
use onewindow_proto::common::v1::Event;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::db::{Db, Tx};
use crate::error::Error;

pub type EventStream = Pin<Box<dyn Stream<Item = Result<Event, Error>> + Send>>;
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where events come from: a function that opens a stream after a sequence number (a gRPC
/// `Watch` call, or the producer's outbox directly in one process).
pub trait EventSource: Send + Sync {
    fn watch(&self, after_seq: i64) -> BoxFuture<'_, Result<EventStream, Error>>;

    /// The stream's last sequence number, when this source can tell it cheaply (a producer
    /// in the same process); the consumer's lag is exported only then.
    fn head(&self) -> BoxFuture<'_, Result<Option<i64>, Error>> {
        Box::pin(async { Ok(None) })
    }
}

impl<F> EventSource for F
where
    F: Fn(i64) -> BoxFuture<'static, Result<EventStream, Error>> + Send + Sync,
{
    fn watch(&self, after_seq: i64) -> BoxFuture<'_, Result<EventStream, Error>> {
        (self)(after_seq)
    }
}

/// What a consumer does with one event, inside the transaction that also moves its offset.
pub trait Handler: Send + Sync {
    fn apply<'a>(&'a self, tx: &'a mut Tx, event: &'a Event) -> BoxFuture<'a, Result<(), Error>>;
}

/// The outcome of offering one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Done,
    /// Already applied (by this or another replica).
    Skipped,
}

#[derive(Clone)]
pub struct Consumer {
    name: String,
    db: Db,
}

impl Consumer {
    /// `name` identifies the stream followed, e.g. `cases<-catalog`.
    pub fn new(name: impl Into<String>, db: Db) -> Self {
        Consumer {
            name: name.into(),
            db,
        }
    }

    /// The last sequence number applied.
    pub async fn offset(&self) -> Result<i64, Error> {
        let v: Option<i64> =
            sqlx::query_scalar("SELECT last_seq FROM kit_consumer_offset WHERE consumer = $1")
                .bind(&self.name)
                .fetch_optional(self.db.reader())
                .await?;
        Ok(v.unwrap_or(0))
    }

    /// Applies one event exactly once.
    pub async fn apply(&self, event: &Event, handler: &dyn Handler) -> Result<Applied, Error> {
        let mut tx = self.db.begin().await?;
        sqlx::query(
            "INSERT INTO kit_consumer_offset (consumer, last_seq) VALUES ($1, 0) \
             ON CONFLICT (consumer) DO NOTHING",
        )
        .bind(&self.name)
        .execute(&mut *tx)
        .await?;
        // Locks the row until commit: a replica offering the same event waits here.
        let offset: i64 = sqlx::query_scalar(
            "UPDATE kit_consumer_offset SET last_seq = last_seq WHERE consumer = $1 \
             RETURNING last_seq",
        )
        .bind(&self.name)
        .fetch_one(&mut *tx)
        .await?;
        if event.seq <= offset {
            return Ok(Applied::Skipped);
        }
        if event.seq != offset + 1 {
            return Err(Error::internal(anyhow::anyhow!(
                "{}: event {} arrived after {offset}; the stream skipped events",
                self.name,
                event.seq
            )));
        }
        handler.apply(&mut tx, event).await?;
        sqlx::query("UPDATE kit_consumer_offset SET last_seq = $1 WHERE consumer = $2")
            .bind(event.seq)
            .bind(&self.name)
            .execute(&mut *tx)
            .await?;
        self.db.commit(tx).await?;
        Ok(Applied::Done)
    }

    /// The stream followed: what follows `<-` in the name (`cases<-catalog` follows
    /// `catalog`), else the whole name.
    pub fn stream(&self) -> &str {
        self.name
            .split_once("<-")
            .map_or(self.name.as_str(), |(_, stream)| stream)
    }

    /// Follows `source` until `stop`: catches up from the stored offset, then applies new
    /// events as they come; reconnects with backoff when the producer is unreachable.
    pub async fn run(
        self,
        source: impl EventSource + 'static,
        handler: impl Handler,
        stop: CancellationToken,
    ) {
        let source = Arc::new(source);
        self.export_position(&source);
        let mut backoff = Duration::from_millis(100);
        loop {
            if stop.is_cancelled() {
                return;
            }
            let result = self.follow(source.as_ref(), &handler, &stop).await;
            match result {
                Ok(()) => return,
                Err(e) => {
                    tracing::warn!(consumer = %self.name, error = %e, "event stream interrupted; retrying");
                }
            }
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
    }

    /// Exports the offset, and the lag behind the stream's head where the source knows
    /// it, at each scrape while `source` is followed.
    fn export_position<S: EventSource + 'static>(&self, source: &Arc<S>) {
        let source = Arc::downgrade(source);
        let consumer = self.clone();
        crate::metrics::on_scrape(move || {
            let source = source.upgrade()?;
            let consumer = consumer.clone();
            Some(Box::pin(async move {
                let (offset, head) = futures::join!(consumer.offset(), source.head());
                match offset {
                    Ok(offset) => crate::metrics::consumer_position(
                        &consumer.name,
                        consumer.stream(),
                        offset,
                        head.unwrap_or(None),
                    ),
                    Err(e) => {
                        tracing::warn!(consumer = %consumer.name, error = %e, "offset not read")
                    }
                }
            }))
        });
    }

    async fn follow(
        &self,
        source: &dyn EventSource,
        handler: &dyn Handler,
        stop: &CancellationToken,
    ) -> Result<(), Error> {
        let after = self.offset().await?;
        let mut stream = source.watch(after).await?;
        loop {
            let next = tokio::select! {
                _ = stop.cancelled() => return Ok(()),
                next = stream.next() => next,
            };
            let Some(event) = next else {
                return Err(Error::Unavailable("event stream ended".into()));
            };
            let event = event?;
            let span = tracing::info_span!("consume", consumer = %self.name, seq = event.seq, kind = %event.kind);
            crate::telemetry::set_parent_from(&span, &event.trace_context);
            self.apply(&event, handler).instrument(span).await?;
        }
    }
}

/// A source reading a producer's outbox in the same process (the standalone binary).
pub fn local_source(producer: Db) -> impl EventSource {
    LocalSource(producer)
}

struct LocalSource(Db);

impl EventSource for LocalSource {
    fn watch(&self, after_seq: i64) -> BoxFuture<'_, Result<EventStream, Error>> {
        let db = self.0.clone();
        Box::pin(async move {
            let stream = crate::outbox::watch(
                db,
                onewindow_proto::common::v1::WatchRequest {
                    after_seq,
                    kinds: Vec::new(),
                },
            );
            Ok(Box::pin(stream) as EventStream)
        })
    }

    fn head(&self) -> BoxFuture<'_, Result<Option<i64>, Error>> {
        Box::pin(async move { crate::outbox::head(&self.0).await.map(Some) })
    }
}
