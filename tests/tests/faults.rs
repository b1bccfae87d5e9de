//! Faults between the processes and around them. A producer that is away for a while: the
//! cases service stops while supervision keeps following it, and once cases is back
//! supervision catches up with no event lost or applied twice. A database that goes away:
//! a small TCP proxy between the cases service and PostgreSQL drops every connection and
//! refuses new ones; the service reports NOT_SERVING and answers UNAVAILABLE at once, then
//! serves again when the proxy is restored, without a restart.
//!
//! SQLite has no counterpart of the second fault: the database is a file the process opens
//! itself, with no connection that can be cut while the process runs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use onewindow_kit::testing;
use onewindow_proto::cases::v1 as pb;
use onewindow_proto::cases::v1::case_service_client::CaseServiceClient;
use onewindow_suite::processes::{
    accepted_count, cases_in_database, free_port, fresh_database, health, Engine, Hall, Projection,
    SplitCenter,
};
use onewindow_suite::{clerk, Applicant};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;

// ------------------------------------------------------------------ a producer away

async fn supervision_catches_up_with_a_producer_that_was_away(engine: Engine<'_>) {
    let hall = Arc::new(Hall::new());
    let mut center = SplitCenter::open(&hall, engine).await;
    let label = center.label;

    let before = center.load(&hall, "before").spawn(2, 15, 0);
    let before = before.await.expect("the load before");
    let status = center.cases.terminate().await;
    assert!(status.success(), "{label}: cases stopped with {status}");
    // Supervision goes on serving while its producer is away, and keeps trying to follow.
    assert_eq!(
        health(&center.supervision.endpoint()).await,
        Some(ServingStatus::Serving),
        "{label}"
    );
    center.cases.start_serving().await;
    let after = center.load(&hall, "after").spawn(2, 15, 100);
    let after = after.await.expect("the load after");
    assert!(
        before.errors.is_empty() && after.errors.is_empty(),
        "{label}: {:?} {:?}",
        before.errors,
        after.errors
    );
    assert!(
        center.supervision.exited().is_none(),
        "{label}: supervision gave up:\n{}",
        center.supervision.log_tail()
    );

    let stored = cases_in_database(&center.cases_db).await;
    assert_eq!(stored.len(), 60, "{label}");
    center.wait_supervised(&center.supervision_db).await;
    Projection::read(&center.supervision_db)
        .await
        .assert_matches(label, &stored);
    let accepted = stored.values().filter(|s| *s == "in_progress").count() as i64;
    assert_eq!(
        accepted_count(&center.supervision_db).await,
        accepted,
        "{label}: each accept counted once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supervision_catches_up_after_the_cases_service_was_away_on_sqlite() {
    supervision_catches_up_with_a_producer_that_was_away(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supervision_catches_up_after_the_cases_service_was_away_on_postgres() {
    let Some(admin) = testing::postgres_admin_url() else {
        eprintln!("ONEWINDOW_TEST_POSTGRES is not set; skipped");
        return;
    };
    supervision_catches_up_with_a_producer_that_was_away(Engine::Postgres(&admin)).await;
}

// ------------------------------------------------------------------ a database away

/// A TCP proxy in front of a database server that can be cut (every connection dropped,
/// new ones refused: nothing listens) and restored on the same port.
struct Proxy {
    port: u16,
    upstream: SocketAddr,
    open: Mutex<Option<CancellationToken>>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Arc<Proxy> {
        let proxy = Arc::new(Proxy {
            port: free_port(),
            upstream,
            open: Mutex::new(None),
        });
        proxy.restore().await;
        proxy
    }

    async fn restore(&self) {
        let mut listener = None;
        for _ in 0..100 {
            match TcpListener::bind(("127.0.0.1", self.port)).await {
                Ok(l) => {
                    listener = Some(l);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
        let listener = listener.expect("the proxy's port is free again");
        let open = CancellationToken::new();
        *self.open.lock().unwrap() = Some(open.clone());
        let upstream = self.upstream;
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    _ = open.cancelled() => return,
                    accepted = listener.accept() => accepted,
                };
                let Ok((mut client, _)) = accepted else {
                    continue;
                };
                let open = open.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = open.cancelled() => {}
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                    }
                });
            }
        });
    }

    fn cut(&self) {
        if let Some(open) = self.open.lock().unwrap().take() {
            open.cancel();
        }
    }
}

/// The host and port of a PostgreSQL URL (`postgres://user@host:port/db`).
fn server_of(url: &str) -> (String, u16) {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let authority = rest.split(['/', '?']).next().unwrap_or(rest);
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    match host_port.rsplit_once(':') {
        Some((h, p)) => (h.to_string(), p.parse().expect("a port")),
        None => (host_port.to_string(), 5432),
    }
}

/// How long a client waits for an answer; the service must answer well before.
const CLIENT_DEADLINE: Duration = Duration::from_secs(20);

async fn get_case(client: &CaseServiceClient<Channel>, hall: &Hall) -> Code {
    let req = hall.req(
        &clerk("fgw"),
        pb::GetCaseRequest {
            case_id: "no-such-case".into(),
        },
    );
    match client.clone().get_case(req).await {
        Ok(_) => Code::Ok,
        Err(status) => status.code(),
    }
}

async fn submit_case(client: &CaseServiceClient<Channel>, hall: &Hall) -> Code {
    let applicant = Applicant::person(7);
    let req = hall.req(
        &applicant.account,
        pb::SubmitCaseRequest {
            request_id: "while-the-database-is-away".into(),
            item_id: "no-such-item".into(),
            applicant: Some(applicant.details.clone()),
            materials: Vec::new(),
        },
    );
    match client.clone().submit_case(req).await {
        Ok(_) => Code::Ok,
        Err(status) => status.code(),
    }
}

async fn wait_for_health(endpoint: &str, wanted: ServingStatus) {
    for _ in 0..600 {
        if health(endpoint).await == Some(wanted) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{endpoint} never reported {wanted:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_goes_away_makes_the_service_unavailable_until_it_returns() {
    let Some(admin) = testing::postgres_admin_url() else {
        eprintln!("ONEWINDOW_TEST_POSTGRES is not set; skipped");
        return;
    };
    let hall = Hall::new();
    let direct = fresh_database(
        &hall,
        Engine::Postgres(&admin),
        "cases",
        &[&onewindow_kit::MIGRATIONS, &onewindow_cases::MIGRATIONS],
    )
    .await;
    let (host, port) = server_of(&direct);
    let upstream = tokio::net::lookup_host((host.as_str(), port))
        .await
        .expect("resolve the database server")
        .next()
        .expect("an address");
    let proxy = Proxy::start(upstream).await;
    let through_proxy = direct.replacen(
        &format!("{host}:{port}"),
        &format!("127.0.0.1:{}", proxy.port),
        1,
    );
    assert_ne!(through_proxy, direct, "the URL names its server and port");
    // No catalog runs: the service keeps trying to follow it, which is not at issue here.
    let mut cases = hall.cases(
        "1",
        &through_proxy,
        &[format!("http://127.0.0.1:{}", free_port())],
    );
    cases.start_serving().await;
    let channel = tonic::transport::Endpoint::from_shared(cases.endpoint())
        .unwrap()
        .timeout(CLIENT_DEADLINE)
        .connect_lazy();
    let client = CaseServiceClient::new(channel);
    assert_eq!(get_case(&client, &hall).await, Code::NotFound);

    proxy.cut();
    wait_for_health(&cases.endpoint(), ServingStatus::NotServing).await;
    for _ in 0..2 {
        // UNAVAILABLE, which a client may retry; not INTERNAL, and not the client's own
        // deadline running out (DEADLINE_EXCEEDED or CANCELLED) because the service hung.
        assert_eq!(get_case(&client, &hall).await, Code::Unavailable, "a read");
        assert_eq!(
            submit_case(&client, &hall).await,
            Code::Unavailable,
            "a write"
        );
    }

    proxy.restore().await;
    wait_for_health(&cases.endpoint(), ServingStatus::Serving).await;
    assert_eq!(get_case(&client, &hall).await, Code::NotFound);
    assert!(
        cases.exited().is_none(),
        "the service recovered by itself, not by a restart:\n{}",
        cases.log_tail()
    );
}
