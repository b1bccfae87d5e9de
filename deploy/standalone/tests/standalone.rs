//! The standalone binary's assembly: first start loads the demo catalog, a restart keeps
//! the data and loads nothing twice, and the issuer's tokens are accepted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use onewindow::{Settings, Standalone};
use onewindow_kit::auth::{Principal, Role};
use onewindow_proto::cases::v1 as cases_pb;
use onewindow_proto::cases::v1::case_service_client::CaseServiceClient;
use onewindow_proto::catalog::v1 as pb;
use onewindow_proto::catalog::v1::catalog_service_client::CatalogServiceClient;
use tokio_util::sync::CancellationToken;

fn settings(dir: &std::path::Path) -> Settings {
    let mut s = Settings {
        data_dir: dir.display().to_string(),
        grpc_addr: "127.0.0.1:0".into(),
        ..Settings::default()
    };
    s.gateway.listen_addr = "127.0.0.1:0".into();
    s
}

async fn run(
    settings: Settings,
) -> (
    CatalogServiceClient<tonic::transport::Channel>,
    std::net::SocketAddr,
    CancellationToken,
) {
    let app = Standalone::build(settings).await.unwrap();
    let addr = app.grpc_addr();
    let stop = CancellationToken::new();
    let token = stop.clone();
    tokio::spawn(async move { app.run_until(token.cancelled_owned()).await });
    let client = CatalogServiceClient::connect(format!("http://{addr}"))
        .await
        .unwrap();
    (client, addr, stop)
}

#[tokio::test]
async fn first_start_loads_the_demo_and_a_restart_keeps_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let (mut client, addr, stop) = run(settings(dir.path())).await;
    let stats = client
        .get_catalog_statistics(pb::GetCatalogStatisticsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stats.items_in_force, 170);

    // Demo cases in every state, some in bundles, readable by a supervisor.
    let issuer = Standalone::issuer(&settings(dir.path())).unwrap();
    let supervisor = Principal {
        subject: "sup".into(),
        name: String::new(),
        roles: vec![Role::Supervisor],
        department: None,
        region: Some("140200".into()),
    };
    let token = issuer
        .issue(&supervisor, chrono::Utc::now().timestamp(), 60)
        .unwrap();
    let mut cases = CaseServiceClient::connect(format!("http://{addr}"))
        .await
        .unwrap();
    let mut states = std::collections::BTreeSet::new();
    let mut total = 0;
    let mut page_token = String::new();
    loop {
        let mut req = tonic::Request::new(cases_pb::ListCasesRequest {
            page_size: 100,
            page_token: page_token.clone(),
            ..Default::default()
        });
        req.metadata_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        let page = cases.list_cases(req).await.unwrap().into_inner();
        total += page.cases.len();
        states.extend(page.cases.iter().map(|c| c.state));
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    assert!(total >= 48, "{total} demo cases");
    let every_state: std::collections::BTreeSet<i32> = [
        cases_pb::CaseState::Submitted,
        cases_pb::CaseState::SupplementRequested,
        cases_pb::CaseState::InProgress,
        cases_pb::CaseState::Concluded,
        cases_pb::CaseState::IntakeRefused,
        cases_pb::CaseState::Withdrawn,
    ]
    .into_iter()
    .map(|s| s as i32)
    .collect();
    let missing: Vec<_> = every_state
        .difference(&states)
        .filter_map(|s| cases_pb::CaseState::try_from(*s).ok())
        .collect();
    assert!(missing.is_empty(), "no demo case is {missing:?}");
    stop.cancel();

    let (mut client, _, stop) = run(settings(dir.path())).await;
    let stats = client
        .get_catalog_statistics(pb::GetCatalogStatisticsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stats.items_in_force, 170);

    // Tokens of the built-in issuer (the `token` subcommand) are accepted.
    let issuer = Standalone::issuer(&settings(dir.path())).unwrap();
    let admin = Principal {
        subject: "cli-admin".into(),
        name: String::new(),
        roles: vec![Role::CatalogAdmin],
        department: None,
        region: Some("140200".into()),
    };
    let token = issuer
        .issue(&admin, chrono::Utc::now().timestamp(), 60)
        .unwrap();
    let mut req = tonic::Request::new(onewindow_proto::common::v1::GetAuditTrailRequest {
        object_type: "catalog".into(),
        object_id: "import".into(),
    });
    req.metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    let trail = client.get_audit_trail(req).await.unwrap().into_inner();
    assert_eq!(trail.entries.len(), 1, "the demo was imported once");
    assert!(trail.verified);
    stop.cancel();
}

#[tokio::test]
async fn export_catalog_writes_the_catalog_in_force() {
    let dir = tempfile::tempdir().unwrap();
    let s = settings(dir.path());
    Standalone::seed(&s).await.unwrap();
    let csv = Standalone::export_catalog(&s, true).await.unwrap();
    assert!(csv.starts_with('\u{feff}'));
    let json = Standalone::export_catalog(&s, false).await.unwrap();
    assert!(json.contains("\"items\""));
}

#[tokio::test]
async fn the_gateway_serves_pages_and_rest_from_the_same_process() {
    let dir = tempfile::tempdir().unwrap();
    let app = Standalone::build(settings(dir.path())).await.unwrap();
    let http = app.http_addr();
    let stop = CancellationToken::new();
    let token = stop.clone();
    tokio::spawn(async move { app.run_until(token.cancelled_owned()).await });
    let ready = get(http, "/readyz").await;
    assert!(ready.contains("SERVING"), "{ready}");
    // The gateway calls the services of its own process, not its gRPC port.
    assert!(ready.contains("\"in-process\""), "{ready}");
    let items = get(http, "/api/v1/items?pageSize=1").await;
    assert!(items.contains("\"items\""), "{items}");
    let home = get(http, "/").await;
    assert!(home.contains("<html"), "the home page renders");
    stop.cancel();
}

/// A plain HTTP/1.1 GET, enough for a smoke test without an HTTP client crate.
async fn get(addr: std::net::SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    String::from_utf8_lossy(&out).into_owned()
}
