//! Export and import, events, audit, health and reflection.

use futures::StreamExt;
use onewindow_kit::auth::Role;
use onewindow_kit::outbox::unpack;
use onewindow_proto::catalog::v1 as pb;
use onewindow_proto::common::v1 as common;
use tonic::Code;

use crate::TestCatalog;

#[tokio::test]
async fn json_export_round_trips_through_import_into_an_empty_catalog() {
    for mut t in TestCatalog::on_every_engine().await {
        let exported = t
            .client
            .export_catalog(pb::ExportCatalogRequest {
                format: pb::ExportFormat::Json as i32,
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(exported.content_type, "application/json");
        let json = String::from_utf8(exported.data).unwrap();
        let snapshot = onewindow_catalog::rpc::snapshot::from_json(&json).unwrap();
        assert_eq!(snapshot.items.len(), 170);

        // A second, empty catalog takes the export and exports the same text.
        let db = onewindow_kit::testing::sqlite(&crate::SCHEMAS).await;
        let (clock, _hand) = onewindow_kit::clock::Clock::manual(t.hand_now());
        let empty = onewindow_catalog::Catalog::start(db.db.clone(), clock)
            .await
            .unwrap();
        let mut grpc = onewindow_kit::serve::GrpcServer::new();
        grpc.add_service(
            empty.grpc_service(t.issuer.verifier().unwrap()),
            db.db.clone(),
        );
        let bound = grpc.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let addr = bound.local_addr();
        tokio::spawn(bound.run_until(std::future::pending()));
        let mut other =
            pb::catalog_service_client::CatalogServiceClient::connect(format!("http://{addr}"))
                .await
                .unwrap();
        let loaded = other
            .import_catalog(t.admin(pb::ImportCatalogRequest {
                request_id: "import-1".into(),
                snapshot: Some(snapshot),
            }))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(loaded.items, 170);
        let again = other
            .export_catalog(pb::ExportCatalogRequest {
                format: pb::ExportFormat::Json as i32,
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            String::from_utf8(again.data).unwrap(),
            json,
            "{}",
            t.db.label
        );
    }
}

#[tokio::test]
async fn csv_export_opens_in_excel() {
    let mut t = TestCatalog::on_sqlite().await;
    let csv = t
        .client
        .export_catalog(pb::ExportCatalogRequest {
            format: pb::ExportFormat::Csv as i32,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(csv.content_type.starts_with("text/csv"));
    let text = String::from_utf8(csv.data).unwrap();
    assert!(text.starts_with('\u{feff}'));
    assert!(text.contains("事项名称"));
    assert_eq!(text.matches("\r\n").count(), 171);
}

#[tokio::test]
async fn publishing_emits_an_event_that_watchers_receive() {
    for mut t in TestCatalog::on_every_engine().await {
        let head = onewindow_kit::outbox::head(t.catalog.db()).await.unwrap();
        assert!(head >= 170, "the demo import announced its items");
        let mut stream = t
            .client
            .watch(common::WatchRequest {
                after_seq: head,
                kinds: vec!["catalog.item.cancelled".into()],
            })
            .await
            .unwrap()
            .into_inner();
        let item = t
            .client
            .list_items(pb::ListItemsRequest {
                page_size: 1,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .items
            .remove(0);
        t.client
            .cancel_item(t.admin(pb::CancelItemRequest {
                request_id: "cancel-1".into(),
                item_id: item.id.clone(),
                effective_date: "2026-12-31".into(),
                reason: "职能调整".into(),
            }))
            .await
            .unwrap();
        let event = tokio::time::timeout(std::time::Duration::from_secs(5), stream.next())
            .await
            .expect("event delivered")
            .unwrap()
            .unwrap();
        assert_eq!(event.seq, head + 1);
        let payload: pb::ItemCancelled = unpack(
            "onewindow.catalog.v1.ItemCancelled",
            event.payload.as_ref().unwrap(),
        )
        .unwrap();
        assert_eq!(payload.item_id, item.id);
        assert_eq!(payload.effective_date, "2026-12-31");

        let trail = t
            .client
            .get_audit_trail(t.as_role(
                Role::Supervisor,
                common::GetAuditTrailRequest {
                    object_type: "item".into(),
                    object_id: item.id.clone(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert!(trail.verified);
        assert_eq!(trail.entries.last().unwrap().action, "cancel");
        let public = t
            .client
            .get_audit_trail(common::GetAuditTrailRequest {
                object_type: "item".into(),
                object_id: item.id,
            })
            .await
            .unwrap_err();
        assert_eq!(public.code(), Code::Unauthenticated);
    }
}

#[tokio::test]
async fn the_june_2013_batch_counts_as_the_document_reports() {
    let mut t = TestCatalog::on_sqlite().await;
    let batches = t
        .client
        .list_adjustment_batches(pb::ListAdjustmentBatchesRequest {})
        .await
        .unwrap()
        .into_inner()
        .batches;
    assert_eq!(batches.len(), 1);
    let counts: Vec<(i32, i32, i32)> = batches[0]
        .counts
        .iter()
        .map(|c| (c.action, c.to_level, c.count))
        .collect();
    use pb::AdjustmentAction as A;
    assert!(counts.contains(&(A::Add as i32, 0, 8)), "{counts:?}");
    assert!(counts.contains(&(A::Cancel as i32, 0, 2)));
    assert!(counts.contains(&(A::Delegate as i32, pb::ItemLevel::City as i32, 48)));
    assert!(counts.contains(&(A::Delegate as i32, pb::ItemLevel::County as i32, 5)));
}

#[tokio::test]
async fn enterprise_registration_bundle_spans_five_departments_in_five_days() {
    let mut t = TestCatalog::on_sqlite().await;
    let bundles = t
        .client
        .list_bundles(pb::ListBundlesRequest {})
        .await
        .unwrap()
        .into_inner()
        .bundles;
    let enterprise = bundles
        .iter()
        .find(|b| b.name.contains("企业"))
        .expect("enterprise registration bundle");
    assert_eq!(enterprise.promised_limit_days, 5);
    assert_eq!(enterprise.department_ids.len(), 5);
    let construction = bundles.iter().find(|b| b.name.contains("建设")).unwrap();
    let items: usize = construction.stages.iter().map(|s| s.item_ids.len()).sum();
    assert_eq!(items, 24);
    assert_eq!(construction.department_ids.len(), 20);
}

#[tokio::test]
async fn health_follows_the_database_and_reflection_speaks_v1_and_v1alpha() {
    use tonic_health::pb::health_client::HealthClient;
    use tonic_health::pb::HealthCheckRequest;
    let t = TestCatalog::on_sqlite().await;
    let channel = tonic::transport::Channel::from_shared(format!("http://{}", t.addr))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut health = HealthClient::new(channel.clone());
    let service = "onewindow.catalog.v1.CatalogService".to_string();
    let mut status = 0;
    for _ in 0..50 {
        status = health
            .check(HealthCheckRequest {
                service: service.clone(),
            })
            .await
            .map(|r| r.into_inner().status)
            .unwrap_or(0);
        if status == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, 1, "SERVING");

    for v1 in [true, false] {
        let services = list_services(channel.clone(), v1).await;
        assert!(services.contains(&service), "{services:?}");
        assert!(services.iter().any(|s| s == "grpc.health.v1.Health"));
    }

    // The database goes away: health turns NOT_SERVING.
    t.catalog.db().close().await;
    let mut not_serving = false;
    for _ in 0..60 {
        let s = health
            .check(HealthCheckRequest {
                service: service.clone(),
            })
            .await
            .map(|r| r.into_inner().status)
            .unwrap_or(0);
        if s == 2 {
            not_serving = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        not_serving,
        "health must report NOT_SERVING without its database"
    );
}

async fn list_services(channel: tonic::transport::Channel, v1: bool) -> Vec<String> {
    if v1 {
        use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
        use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
        use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
        use tonic_reflection::pb::v1::ServerReflectionRequest;
        let mut client = ServerReflectionClient::new(channel);
        let req = ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        };
        let mut resp = client
            .server_reflection_info(futures::stream::iter([req]))
            .await
            .unwrap()
            .into_inner();
        match resp.next().await.unwrap().unwrap().message_response {
            Some(MessageResponse::ListServicesResponse(l)) => {
                l.service.into_iter().map(|s| s.name).collect()
            }
            other => panic!("unexpected {other:?}"),
        }
    } else {
        use tonic_reflection::pb::v1alpha::server_reflection_client::ServerReflectionClient;
        use tonic_reflection::pb::v1alpha::server_reflection_request::MessageRequest;
        use tonic_reflection::pb::v1alpha::server_reflection_response::MessageResponse;
        use tonic_reflection::pb::v1alpha::ServerReflectionRequest;
        let mut client = ServerReflectionClient::new(channel);
        let req = ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        };
        let mut resp = client
            .server_reflection_info(futures::stream::iter([req]))
            .await
            .unwrap()
            .into_inner();
        match resp.next().await.unwrap().unwrap().message_response {
            Some(MessageResponse::ListServicesResponse(l)) => {
                l.service.into_iter().map(|s| s.name).collect()
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn the_callers_trace_context_travels_into_the_event() {
    onewindow_kit::telemetry::init_with_provider(
        &onewindow_kit::config::TelemetrySettings {
            log_filter: "warn".into(),
            ..Default::default()
        },
        opentelemetry_sdk::trace::SdkTracerProvider::builder().build(),
    )
    .unwrap();
    opentelemetry::global::set_text_map_propagator(
        opentelemetry_sdk::propagation::TraceContextPropagator::new(),
    );
    let mut t = TestCatalog::on_sqlite().await;
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let mut req = t.admin(pb::PutCalendarYearRequest {
        request_id: "traced".into(),
        calendar: Some(pb::CalendarYear {
            region_code: "000000".into(),
            year: 2027,
            published: false,
            ..Default::default()
        }),
    });
    req.metadata_mut().insert(
        "traceparent",
        format!("00-{trace_id}-00f067aa0ba902b7-01")
            .parse()
            .unwrap(),
    );
    t.client.put_calendar_year(req).await.unwrap();
    let head = onewindow_kit::outbox::head(t.catalog.db()).await.unwrap();
    let events = onewindow_kit::outbox::read(t.catalog.db(), head - 1, 1)
        .await
        .unwrap();
    let traceparent = events[0]
        .trace_context
        .get("traceparent")
        .expect("traceparent kept");
    assert!(traceparent.contains(trace_id), "{traceparent}");
}
