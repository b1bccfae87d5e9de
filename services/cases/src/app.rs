//! The cases service: handles applications against the catalog terms it follows, in its
//! own database; every transition is one unit of work (idempotency, outbox, audit).

use onewindow_kit::auth::{Principal, TokenVerifier};
use onewindow_kit::clock::Clock;
use onewindow_kit::consumer::{Consumer, EventSource};
use onewindow_kit::db::Db;
use onewindow_kit::error::Error;
use onewindow_proto::cases::v1::case_service_server::CaseServiceServer;
use tokio_util::sync::CancellationToken;

use crate::domain::{Actor, DEFAULT_WARNING_DAYS};
use crate::follow::{CatalogFollower, CATALOG_STREAM};
use crate::rpc::CaseRpc;

#[derive(Clone)]
pub struct Cases {
    pub(crate) db: Db,
    pub(crate) clock: Clock,
    /// Working days before a due date from which a case shows an early warning.
    pub(crate) warning_days: u32,
}

impl Cases {
    pub fn new(db: Db, clock: Clock) -> Self {
        crate::metrics::export(&db);
        Cases {
            db,
            clock,
            warning_days: DEFAULT_WARNING_DAYS,
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Follows the catalog's events from where it stopped, until `stop`.
    pub fn follow_catalog(&self, source: impl EventSource + 'static, stop: CancellationToken) {
        let consumer = Consumer::new(CATALOG_STREAM, self.db.clone());
        tokio::spawn(consumer.run(source, CatalogFollower, stop));
    }

    /// The last catalog event applied.
    pub async fn catalog_offset(&self) -> Result<i64, Error> {
        Consumer::new(CATALOG_STREAM, self.db.clone())
            .offset()
            .await
    }

    /// The gRPC service, each call's token verified into a principal first.
    pub fn grpc_service(
        &self,
        verifier: TokenVerifier,
    ) -> tonic::service::interceptor::InterceptedService<
        CaseServiceServer<CaseRpc>,
        impl tonic::service::Interceptor + Clone,
    > {
        // Materials arrive inside the submission, so messages may be larger than tonic's
        // default: as large as the domain's largest submission and the rest of the message,
        // so that the domain, not the transport, refuses a file over its limits. Answers (a
        // material's content) are not limited on the way out: tonic's encoding default.
        tonic::service::interceptor::InterceptedService::new(
            CaseServiceServer::new(CaseRpc::new(self.clone()))
                .max_decoding_message_size(crate::rpc::MAX_MESSAGE_BYTES),
            verifier.interceptor(),
        )
    }
}

/// The domain's view of a caller.
pub fn actor_of(p: &Principal) -> Actor {
    Actor {
        subject: p.subject.clone(),
        roles: p.roles.clone(),
        department: p.department.clone(),
        region: p.region.clone(),
    }
}
