//! The cases service over a real socket, following a real catalog's events: submission,
//! intake, stages, conclusion, lookup, inbox, bundles, auth and bad input; on SQLite and,
//! when configured, PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod bundles;
mod inbox;
mod lifecycle;

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use onewindow_cases::Cases;
use onewindow_catalog::Catalog;
use onewindow_kit::auth::{Principal, Role, TokenIssuer};
use onewindow_kit::clock::{Clock, ManualClock};
use onewindow_kit::consumer::local_source;
use onewindow_kit::serve::GrpcServer;
use onewindow_kit::testing::{self, TestDb};
use onewindow_proto::cases::v1 as pb;
use onewindow_proto::cases::v1::case_service_client::CaseServiceClient;
use onewindow_proto::catalog::v1 as catalog;
use onewindow_proto::catalog::v1::catalog_service_client::CatalogServiceClient;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;
use tonic::Request;

pub struct Hall {
    pub cases: CaseServiceClient<Channel>,
    pub catalog: CatalogServiceClient<Channel>,
    pub issuer: TokenIssuer,
    pub hand: ManualClock,
    pub clock: Clock,
    pub service: Cases,
    pub label: &'static str,
    stop: CancellationToken,
    _dbs: (TestDb, TestDb),
}

impl Drop for Hall {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Monday 2026-11-30, 09:00 in Beijing.
pub fn monday() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 1, 0, 0).unwrap()
}

/// Waits until the cases service has applied every catalog event committed so far.
async fn sync(service: &Cases, catalog_db: &onewindow_kit::db::Db) {
    let head = onewindow_kit::outbox::head(catalog_db).await.unwrap();
    for _ in 0..400 {
        if service.catalog_offset().await.unwrap() >= head {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the cases service did not catch up with the catalog");
}

impl Hall {
    /// Waits until the cases service has followed the catalog up to now.
    pub async fn sync(&self) {
        sync(&self.service, &self._dbs.0.db).await;
    }

    /// A catalog with the demo data and a cases service following it, both on `engine`.
    pub async fn open(catalog_db: TestDb, cases_db: TestDb) -> Hall {
        let (clock, hand) = Clock::manual(monday());
        let label = cases_db.label;
        let cat = Catalog::start(catalog_db.db.clone(), clock.clone())
            .await
            .unwrap();
        cat.load_demo_if_empty().await.unwrap();
        let service = Cases::new(cases_db.db.clone(), clock.clone());
        let stop = CancellationToken::new();
        service.follow_catalog(local_source(catalog_db.db.clone()), stop.clone());
        sync(&service, &catalog_db.db).await;

        let (issuer, _) = TokenIssuer::generate("onewindow", "onewindow").unwrap();
        let mut grpc = GrpcServer::new();
        grpc.add_service(
            cat.grpc_service(issuer.verifier().unwrap()),
            catalog_db.db.clone(),
        );
        grpc.add_service(
            service.grpc_service(issuer.verifier().unwrap()),
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
        Hall {
            cases: CaseServiceClient::new(channel.clone()).max_decoding_message_size(64 << 20),
            catalog: CatalogServiceClient::new(channel),
            issuer,
            hand,
            clock,
            service,
            label,
            stop,
            _dbs: (catalog_db, cases_db),
        }
    }

    pub async fn on_every_engine() -> Vec<Hall> {
        let mut out = vec![Hall::on_sqlite().await];
        let schemas_cat = [&onewindow_kit::MIGRATIONS, &onewindow_catalog::MIGRATIONS];
        let schemas_cases = [&onewindow_kit::MIGRATIONS, &onewindow_cases::MIGRATIONS];
        if let (Some(a), Some(b)) = (
            testing::postgres(&schemas_cat).await,
            testing::postgres(&schemas_cases).await,
        ) {
            out.push(Hall::open(a, b).await);
        }
        out
    }

    pub async fn on_sqlite() -> Hall {
        Hall::open(
            testing::sqlite(&[&onewindow_kit::MIGRATIONS, &onewindow_catalog::MIGRATIONS]).await,
            testing::sqlite(&[&onewindow_kit::MIGRATIONS, &onewindow_cases::MIGRATIONS]).await,
        )
        .await
    }

    pub fn principal(role: Role, department: Option<&str>) -> Principal {
        Principal {
            subject: match department {
                Some(d) => format!("{role}-{d}"),
                None => format!("{role}-1"),
            },
            name: String::new(),
            roles: vec![role],
            department: department.map(str::to_string),
            region: Some("140200".into()),
        }
    }

    pub fn req<T>(&self, who: &Principal, body: T) -> Request<T> {
        let token = self.issuer.issue(who, Utc::now().timestamp(), 600).unwrap();
        let mut r = Request::new(body);
        r.metadata_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        r
    }

    pub fn advance_days(&self, days: i64) {
        self.hand.advance(chrono::Duration::days(days));
    }

    /// A demo item of a class (`ITEM_CLASS_PROMISED`...), with its steps.
    pub async fn item(&mut self, class: catalog::ItemClass, with_fees: bool) -> catalog::Item {
        let items = self
            .catalog
            .list_items(catalog::ListItemsRequest {
                page_size: 200,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .items;
        items
            .into_iter()
            .find(|i| {
                i.item_class == class as i32
                    && i.fees.is_empty() != with_fees
                    && i.service_mode == catalog::ServiceMode::Hall as i32
            })
            .expect("a demo item of that class")
    }
}

/// A valid resident ID number (GB 11643 check character).
pub fn resident_id(serial: u32) -> String {
    let first17 = format!("14020219850101{:03}", serial % 1000);
    let c = onewindow_cases::domain::applicant::resident_id_check_char(&first17).unwrap();
    format!("{first17}{c}")
}

pub fn applicant(serial: u32) -> pb::Applicant {
    pb::Applicant {
        kind: pb::ApplicantKind::Person as i32,
        name: "张三".into(),
        id_type: pb::IdType::ResidentIdCard as i32,
        id_number: resident_id(serial),
        phone: "13912345678".into(),
    }
}

/// Uploads for every required material of the item.
pub fn uploads(item: &catalog::Item) -> Vec<pb::MaterialUpload> {
    item.materials
        .iter()
        .filter(|m| m.required)
        .map(|m| pb::MaterialUpload {
            material_id: m.id.clone(),
            file_name: format!("{}.pdf", m.name),
            content_type: "application/pdf".into(),
            content: format!("%PDF-1.4 {}", m.name).into_bytes(),
        })
        .collect()
}
