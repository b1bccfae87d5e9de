//! The kit's gRPC server as the services use it: metrics of calls, pools, outbox and
//! consumers in the exposition, and TLS (mutual with a client CA) with certificates made
//! here for each test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use onewindow_kit::consumer::{local_source, BoxFuture, Consumer, EventSource, Handler};
use onewindow_kit::db::{Db, Tx};
use onewindow_kit::error::Error;
use onewindow_kit::metrics::{self, MetricsSettings};
use onewindow_kit::outbox::{self, NewEvent};
use onewindow_kit::remote::{self, ClientTls, PeerSettings, ServerTls};
use onewindow_kit::serve::GrpcServer;
use onewindow_proto::common::v1::{Event, WatchRequest};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tonic::server::NamedService;
use tonic::transport::Channel;
use tonic::Status;

// ------------------------------------------------------------------ a tiny service

/// Answers `Echo` with its request, or INVALID_ARGUMENT for a negative `after_seq`; an
/// `after_seq` of 999 panics and one of 1000 takes a minute.
#[derive(Clone)]
struct Echo;

const ECHO: &str = "/onewindow.echo.v1.EchoService/Echo";

impl NamedService for Echo {
    const NAME: &'static str = "onewindow.echo.v1.EchoService";
}

impl tonic::server::UnaryService<WatchRequest> for Echo {
    type Response = WatchRequest;
    type Future = BoxFuture<'static, Result<tonic::Response<WatchRequest>, Status>>;

    fn call(&mut self, request: tonic::Request<WatchRequest>) -> Self::Future {
        Box::pin(async move {
            let message = request.into_inner();
            match message.after_seq {
                999 => panic!("a handler that fails"),
                1000 => tokio::time::sleep(Duration::from_secs(60)).await,
                _ => {}
            }
            if message.after_seq < 0 {
                return Err(Status::invalid_argument("after_seq is negative"));
            }
            Ok(tonic::Response::new(message))
        })
    }
}

impl tower::Service<http::Request<tonic::body::Body>> for Echo {
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<tonic::body::Body>) -> Self::Future {
        Box::pin(async move {
            let codec = tonic_prost::ProstCodec::<WatchRequest, WatchRequest>::default();
            Ok(tonic::server::Grpc::new(codec).unary(Echo, req).await)
        })
    }
}

/// Echo under another service name, so that tests running at once count apart.
macro_rules! echo_named {
    ($ty:ident, $name:literal) => {
        #[derive(Clone)]
        struct $ty;

        impl NamedService for $ty {
            const NAME: &'static str = $name;
        }

        impl tower::Service<http::Request<tonic::body::Body>> for $ty {
            type Response = http::Response<tonic::body::Body>;
            type Error = Infallible;
            type Future = BoxFuture<'static, Result<Self::Response, Infallible>>;

            fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
                tower::Service::<http::Request<tonic::body::Body>>::poll_ready(&mut Echo, cx)
            }

            fn call(&mut self, req: http::Request<tonic::body::Body>) -> Self::Future {
                Echo.call(req)
            }
        }
    };
}

echo_named!(Counted, "onewindow.counted.v1.CountedService");
echo_named!(Pooled, "onewindow.pooled.v1.PooledService");
echo_named!(Local, "onewindow.local.v1.LocalService");

async fn echo(channel: &Channel, after_seq: i64) -> Result<i64, Status> {
    echo_at(channel, ECHO, after_seq).await
}

async fn echo_at(channel: &Channel, path: &str, after_seq: i64) -> Result<i64, Status> {
    let mut grpc = tonic::client::Grpc::new(channel.clone());
    grpc.ready()
        .await
        .map_err(|e| Status::unavailable(e.to_string()))?;
    let request = tonic::Request::new(WatchRequest {
        after_seq,
        kinds: Vec::new(),
    });
    let codec = tonic_prost::ProstCodec::<WatchRequest, WatchRequest>::default();
    let response = grpc.unary(request, path.parse().unwrap(), codec).await?;
    Ok(response.into_inner().after_seq)
}

/// Serves `grpc` on a free port until `stop`.
async fn start(grpc: GrpcServer, stop: &CancellationToken) -> SocketAddr {
    let server = grpc.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = server.local_addr();
    let stop = stop.clone();
    tokio::spawn(async move { server.run_until(stop.cancelled_owned()).await.unwrap() });
    addr
}

fn plaintext(addr: SocketAddr) -> Channel {
    remote::channel(&PeerSettings::at([format!("http://{addr}")])).unwrap()
}

/// The exposition as a scraper gets it, over the metrics listener.
async fn scrape(addr: SocketAddr) -> String {
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.write_all(b"GET /metrics HTTP/1.1\r\nHost: metrics\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut response = String::new();
    tcp.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    response
}

/// The value of the sample written exactly as `series` (name and labels), if present.
fn sample(exposition: &str, series: &str) -> Option<f64> {
    exposition.lines().find_map(|line| {
        let value = line.strip_prefix(series)?.strip_prefix(' ')?;
        value.split(' ').next()?.parse().ok()
    })
}

// ------------------------------------------------------------------ metrics

#[tokio::test]
async fn grpc_calls_are_counted_by_service_method_and_status_code() {
    let db = onewindow_kit::testing::sqlite(&[&onewindow_kit::MIGRATIONS]).await;
    let stop = CancellationToken::new();
    let mut grpc = GrpcServer::new();
    grpc.add_service(Counted, db.db.clone());
    let addr = start(grpc, &stop).await;
    let listener = metrics::serve(&MetricsSettings {
        listen: Some("127.0.0.1:0".into()),
    })
    .await
    .unwrap()
    .unwrap();

    let channel = plaintext(addr);
    let path = "/onewindow.counted.v1.CountedService/Echo";
    assert_eq!(echo_at(&channel, path, 7).await.unwrap(), 7);
    assert_eq!(echo_at(&channel, path, 8).await.unwrap(), 8);
    let refused = echo_at(&channel, path, -1).await.unwrap_err();
    assert_eq!(refused.code(), tonic::Code::InvalidArgument);

    let text = scrape(listener.local_addr()).await;
    let labels = r#"{service="onewindow.counted.v1.CountedService",method="Echo"}"#;
    assert_eq!(
        sample(
            &text,
            &format!("onewindow_grpc_server_requests_total{labels}")
        ),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            &format!("onewindow_grpc_server_request_duration_seconds_count{labels}")
        ),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"onewindow_grpc_server_errors_total{service="onewindow.counted.v1.CountedService",method="Echo",code="INVALID_ARGUMENT"}"#
        ),
        Some(1.0),
        "{text}"
    );
    // Successful calls are no errors.
    assert!(!text.contains(r#"method="Echo",code="OK""#), "{text}");
    stop.cancel();
}

#[tokio::test]
async fn a_made_up_path_is_counted_as_unknown_not_by_its_name() {
    let db = onewindow_kit::testing::sqlite(&[&onewindow_kit::MIGRATIONS]).await;
    let stop = CancellationToken::new();
    let mut grpc = GrpcServer::new();
    grpc.add_service(Echo, db.db.clone());
    let addr = start(grpc, &stop).await;
    let mut client = tonic::client::Grpc::new(plaintext(addr));
    client.ready().await.unwrap();
    let codec = tonic_prost::ProstCodec::<WatchRequest, WatchRequest>::default();
    let answer = client
        .unary(
            tonic::Request::new(WatchRequest::default()),
            "/made.up.Service4711/Nothing".parse().unwrap(),
            codec,
        )
        .await
        .unwrap_err();
    assert_eq!(answer.code(), tonic::Code::Unimplemented);
    let text = metrics::render().await;
    assert!(!text.contains("Service4711"), "{text}");
    assert!(
        sample(
            &text,
            r#"onewindow_grpc_server_errors_total{service="unknown",method="unknown",code="UNIMPLEMENTED"}"#
        )
        .is_some_and(|n| n >= 1.0),
        "{text}"
    );
    stop.cancel();
}

async fn produce(db: &Db, n: usize) {
    for i in 0..n {
        let mut tx = db.begin().await.unwrap();
        outbox::append(
            &mut tx,
            db.backend(),
            1,
            NewEvent {
                kind: "test.happened".into(),
                object_type: "thing".into(),
                object_id: format!("t{i}"),
                payload: outbox::pack("onewindow.common.v1.WatchRequest", &WatchRequest::default()),
            },
        )
        .await
        .unwrap();
        db.commit(tx).await.unwrap();
    }
}

#[tokio::test]
async fn pools_and_the_outbox_head_of_a_served_database_are_exported() {
    let db = onewindow_kit::testing::sqlite(&[&onewindow_kit::MIGRATIONS]).await;
    let mut grpc = GrpcServer::new();
    grpc.add_service(Pooled, db.db.clone());

    let text = metrics::render().await;
    for pool in ["sqlite_writer", "sqlite_readers"] {
        for state in ["in_use", "idle"] {
            let series = format!(
                r#"onewindow_db_connections{{service="pooled",pool="{pool}",state="{state}"}}"#
            );
            assert!(sample(&text, &series).is_some(), "{series} in {text}");
        }
    }
    assert_eq!(
        sample(&text, r#"onewindow_outbox_head{stream="pooled"}"#),
        Some(0.0)
    );
    produce(&db.db, 2).await;
    let text = metrics::render().await;
    assert_eq!(
        sample(&text, r#"onewindow_outbox_head{stream="pooled"}"#),
        Some(2.0),
        "a commit makes the next scrape count again"
    );
    drop(grpc);
}

/// Applies the first event at once and each later one when the test allows it.
struct Gate(Arc<Semaphore>);

impl Handler for Gate {
    fn apply<'a>(&'a self, _: &'a mut Tx, event: &'a Event) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            if event.seq > 1 {
                self.0.acquire().await.map_err(Error::internal)?.forget();
            }
            Ok(())
        })
    }
}

async fn wait_for_offset(consumer: &Consumer, n: i64) {
    for _ in 0..400 {
        if consumer.offset().await.unwrap() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the consumer did not reach {n}");
}

#[tokio::test]
async fn consumer_lag_is_the_stream_head_minus_the_stored_offset() {
    let producer = onewindow_kit::testing::sqlite(&[&onewindow_kit::MIGRATIONS]).await;
    let follower = onewindow_kit::testing::sqlite(&[&onewindow_kit::MIGRATIONS]).await;
    produce(&producer.db, 3).await;
    let source = local_source(producer.db.clone());
    assert_eq!(source.head().await.unwrap(), Some(3));
    let gate = Arc::new(Semaphore::new(0));
    let consumer = Consumer::new("lagging<-producer", follower.db.clone());
    let stop = CancellationToken::new();
    tokio::spawn(
        consumer
            .clone()
            .run(source, Gate(gate.clone()), stop.clone()),
    );
    wait_for_offset(&consumer, 1).await;

    let series = r#"{consumer="lagging<-producer",stream="producer"}"#;
    let text = metrics::render().await;
    assert_eq!(
        sample(&text, &format!("onewindow_consumer_offset{series}")),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, &format!("onewindow_consumer_lag{series}")),
        Some(2.0)
    );

    gate.add_permits(2);
    wait_for_offset(&consumer, 3).await;
    let text = metrics::render().await;
    assert_eq!(
        sample(&text, &format!("onewindow_consumer_lag{series}")),
        Some(0.0)
    );
    stop.cancel();
}

// ------------------------------------------------------------------ TLS

/// A CA made for one test, with a server certificate for `localhost` and a client one.
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Pki {
        use rcgen::{
            BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose,
            IsCa, KeyPair, KeyUsagePurpose,
        };
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: String| std::fs::write(dir.path().join(name), text).unwrap();

        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "onewindow test ca");
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
        write("ca.crt", ca.pem());

        for (name, usage) in [
            ("server", ExtendedKeyUsagePurpose::ServerAuth),
            ("client", ExtendedKeyUsagePurpose::ClientAuth),
        ] {
            let key = KeyPair::generate().unwrap();
            let mut params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
            params.distinguished_name.push(DnType::CommonName, name);
            params.extended_key_usages = vec![usage];
            let cert = params.signed_by(&key, &ca).unwrap();
            write(&format!("{name}.crt"), cert.pem());
            write(&format!("{name}.key"), key.serialize_pem());
        }
        Pki { dir }
    }

    fn file(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    fn server(&self, client_ca: bool) -> ServerTls {
        ServerTls {
            cert_file: self.file("server.crt"),
            key_file: self.file("server.key"),
            client_ca_file: client_ca.then(|| self.file("ca.crt")),
        }
    }

    fn client(&self, with_certificate: bool) -> ClientTls {
        ClientTls {
            ca_file: self.file("ca.crt"),
            domain_name: Some("localhost".into()),
            cert_file: with_certificate.then(|| self.file("client.crt")),
            key_file: with_certificate.then(|| self.file("client.key")),
        }
    }
}

fn over_tls(addr: SocketAddr, tls: ClientTls) -> Channel {
    remote::channel(&PeerSettings {
        tls: Some(tls),
        connect_timeout_ms: 2_000,
        request_timeout_ms: 5_000,
        ..PeerSettings::at([format!("https://{addr}")])
    })
    .unwrap()
}

async fn tls_server(pki: &Pki, client_ca: bool, stop: &CancellationToken) -> SocketAddr {
    let mut grpc = GrpcServer::new();
    grpc.configure(Some(&pki.server(client_ca)), None).unwrap();
    grpc.add_stateless_service(Echo);
    start(grpc, stop).await
}

#[tokio::test]
async fn a_tls_server_answers_a_tls_client_and_not_a_plaintext_one() {
    let pki = Pki::new();
    let stop = CancellationToken::new();
    let addr = tls_server(&pki, false, &stop).await;

    assert_eq!(
        echo(&over_tls(addr, pki.client(false)), 5).await.unwrap(),
        5
    );
    let plain = PeerSettings {
        connect_timeout_ms: 2_000,
        request_timeout_ms: 5_000,
        ..PeerSettings::at([format!("http://{addr}")])
    };
    assert!(echo(&remote::channel(&plain).unwrap(), 5).await.is_err());
    stop.cancel();
}

#[tokio::test]
async fn with_a_client_ca_only_clients_with_a_certificate_it_signed_are_served() {
    let pki = Pki::new();
    let stop = CancellationToken::new();
    let addr = tls_server(&pki, true, &stop).await;

    assert!(
        echo(&over_tls(addr, pki.client(false)), 5).await.is_err(),
        "a client without a certificate is refused"
    );
    assert_eq!(echo(&over_tls(addr, pki.client(true)), 6).await.unwrap(), 6);

    // A certificate from another CA is refused too.
    let stranger = Pki::new();
    let foreign = ClientTls {
        cert_file: Some(stranger.file("client.crt")),
        key_file: Some(stranger.file("client.key")),
        ..pki.client(false)
    };
    assert!(echo(&over_tls(addr, foreign), 7).await.is_err());
    stop.cancel();
}

#[tokio::test]
async fn the_plaintext_health_port_answers_probes_beside_a_tls_server() {
    use tonic_health::pb::health_check_response::ServingStatus;
    use tonic_health::pb::health_client::HealthClient;
    use tonic_health::pb::HealthCheckRequest;

    let pki = Pki::new();
    let db = onewindow_kit::testing::sqlite(&[&onewindow_kit::MIGRATIONS]).await;
    let mut grpc = GrpcServer::new();
    grpc.configure(Some(&pki.server(true)), Some("127.0.0.1:0"))
        .unwrap();
    grpc.add_service(Echo, db.db.clone());
    let server = grpc.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let health = server.health_addr().expect("a health port");
    let stop = CancellationToken::new();
    tokio::spawn({
        let stop = stop.clone();
        async move { server.run_until(stop.cancelled_owned()).await.unwrap() }
    });

    let mut client = HealthClient::new(plaintext(health));
    let mut status = ServingStatus::Unknown as i32;
    for _ in 0..200 {
        let answer = client
            .check(HealthCheckRequest {
                service: "onewindow.echo.v1.EchoService".into(),
            })
            .await;
        if let Ok(answer) = answer {
            status = answer.into_inner().status;
            if status == ServingStatus::Serving as i32 {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(status, ServingStatus::Serving as i32);
    // Only health is there: the service itself is not served in plaintext.
    assert!(echo(&plaintext(health), 1).await.is_err());
    stop.cancel();
}

// ------------------------------------------------------------------ in process

echo_named!(Moody, "onewindow.moody.v1.MoodyService");

const MOODY: &str = "/onewindow.moody.v1.MoodyService/Echo";

/// Calls `path` through `transport` with a deadline.
async fn echo_through(
    transport: &remote::Transport,
    path: &str,
    after_seq: i64,
    deadline: Duration,
) -> Result<i64, Status> {
    let mut grpc = tonic::client::Grpc::new(transport.clone());
    grpc.ready()
        .await
        .map_err(|e| Status::unavailable(e.to_string()))?;
    let mut request = tonic::Request::new(WatchRequest {
        after_seq,
        kinds: Vec::new(),
    });
    request.set_timeout(deadline);
    let codec = tonic_prost::ProstCodec::<WatchRequest, WatchRequest>::default();
    let response = grpc.unary(request, path.parse().unwrap(), codec).await?;
    Ok(response.into_inner().after_seq)
}

#[tokio::test]
async fn in_process_calls_answer_as_over_the_network_and_are_counted_the_same() {
    let db = onewindow_kit::testing::sqlite(&[&onewindow_kit::MIGRATIONS]).await;
    let mut grpc = GrpcServer::new();
    grpc.add_service(Local, db.db.clone());
    let local = grpc.in_process().unwrap();
    let stop = CancellationToken::new();
    let network = remote::over_network(plaintext(start(grpc, &stop).await));
    let second = Duration::from_secs(5);

    for transport in [&local, &network] {
        let path = "/onewindow.local.v1.LocalService/Echo";
        assert_eq!(echo_through(transport, path, 7, second).await.unwrap(), 7);
        let refused = echo_through(transport, path, -1, second).await.unwrap_err();
        assert_eq!(refused.code(), tonic::Code::InvalidArgument);
        assert_eq!(refused.message(), "after_seq is negative");
        let unknown = echo_through(transport, "/made.up.Service4712/Nothing", 1, second)
            .await
            .unwrap_err();
        assert_eq!(unknown.code(), tonic::Code::Unimplemented);
        // Reflection answers here too.
        let mut reflection =
            tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient::new(
                transport.clone(),
            );
        let asked = tonic_reflection::pb::v1::ServerReflectionRequest {
            host: String::new(),
            message_request: Some(
                tonic_reflection::pb::v1::server_reflection_request::MessageRequest::ListServices(
                    String::new(),
                ),
            ),
        };
        let mut answers = reflection
            .server_reflection_info(futures::stream::iter([asked]))
            .await
            .unwrap()
            .into_inner();
        let listed = format!("{:?}", answers.message().await.unwrap());
        assert!(
            listed.contains("onewindow.catalog.v1.CatalogService"),
            "{listed}"
        );
    }
    let text = metrics::render().await;
    let labels = r#"{service="onewindow.local.v1.LocalService",method="Echo"}"#;
    assert_eq!(
        sample(
            &text,
            &format!("onewindow_grpc_server_requests_total{labels}")
        ),
        Some(4.0),
        "both ways are counted: {text}"
    );
    stop.cancel();
}

#[tokio::test]
async fn an_in_process_call_ends_at_its_deadline() {
    let db = onewindow_kit::testing::sqlite(&[&onewindow_kit::MIGRATIONS]).await;
    let mut grpc = GrpcServer::new();
    grpc.add_service(Moody, db.db.clone());
    let local = grpc.in_process().unwrap();
    let started = std::time::Instant::now();
    let late = echo_through(&local, MOODY, 1000, Duration::from_millis(100))
        .await
        .unwrap_err();
    assert_eq!(late.code(), tonic::Code::DeadlineExceeded, "{late:?}");
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[tokio::test]
async fn a_handler_that_panics_in_process_answers_internal_and_the_next_call_is_served() {
    let db = onewindow_kit::testing::sqlite(&[&onewindow_kit::MIGRATIONS]).await;
    let mut grpc = GrpcServer::new();
    grpc.add_service(Moody, db.db.clone());
    let local = grpc.in_process().unwrap();
    let second = Duration::from_secs(5);
    let failed = echo_through(&local, MOODY, 999, second).await.unwrap_err();
    assert_eq!(failed.code(), tonic::Code::Internal, "{failed:?}");
    assert_eq!(echo_through(&local, MOODY, 3, second).await.unwrap(), 3);
}
