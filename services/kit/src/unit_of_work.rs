//! One mutation as one transaction: the idempotency claim, the change, its outbox events and
//! its audit entries commit together or not at all.

use chrono::{DateTime, Utc};
use prost::Message;

use crate::audit::{self, Change};
use crate::auth::Principal;
use crate::clock::Clock;
use crate::db::{Db, Tx};
use crate::error::Error;
use crate::idempotency::{self, Claim, Key};
use crate::outbox::{self, NewEvent};

/// What beginning a mutation found.
pub enum Begin<T> {
    /// The request id was seen before: this was the answer; nothing else to do.
    Replay(T),
    /// A new request: go on with the unit of work.
    New(UnitOfWork),
}

pub struct UnitOfWork {
    db: Db,
    tx: Tx,
    key: Key,
    actor: String,
    now: DateTime<Utc>,
}

impl UnitOfWork {
    /// Begins a write transaction and claims `request_id` for `method` and the caller.
    pub async fn begin<T: Message + Default>(
        db: &Db,
        clock: &Clock,
        method: &str,
        principal: &Principal,
        request_id: &str,
        request: &impl Message,
    ) -> Result<Begin<T>, Error> {
        let now = clock.now();
        let mut tx = db.begin().await?;
        match idempotency::claim::<T>(
            &mut tx,
            method,
            &principal.subject,
            request_id,
            request,
            now.timestamp_millis(),
        )
        .await?
        {
            Claim::Replay(response) => Ok(Begin::Replay(response)),
            Claim::New(key) => Ok(Begin::New(UnitOfWork {
                db: db.clone(),
                tx,
                key,
                actor: principal.subject.clone(),
                now,
            })),
        }
    }

    pub fn tx(&mut self) -> &mut Tx {
        &mut self.tx
    }

    /// The instant of this mutation, the same for every row and event it writes.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// Appends an event to the outbox in this transaction.
    pub async fn event(
        &mut self,
        kind: &str,
        object_type: &str,
        object_id: &str,
        payload: prost_types::Any,
    ) -> Result<i64, Error> {
        outbox::append(
            &mut self.tx,
            self.db.backend(),
            self.now.timestamp_millis(),
            NewEvent {
                kind: kind.into(),
                object_type: object_type.into(),
                object_id: object_id.into(),
                payload,
            },
        )
        .await
    }

    /// Records the change in the object's audit trail, in this transaction.
    pub async fn audit(
        &mut self,
        object_type: &str,
        object_id: &str,
        action: &str,
        change_json: String,
    ) -> Result<(), Error> {
        let actor = self.actor.clone();
        audit::record(
            &mut self.tx,
            Change {
                object_type,
                object_id,
                actor: &actor,
                action,
                at_ms: self.now.timestamp_millis(),
                change_json,
            },
        )
        .await
    }

    /// Stores the response for retries and commits everything.
    pub async fn commit(mut self, response: &impl Message) -> Result<(), Error> {
        idempotency::complete(&mut self.tx, self.key, response).await?;
        self.db.commit(self.tx).await
    }
}
