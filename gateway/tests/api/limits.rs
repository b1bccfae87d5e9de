//! The limits hold at the edge: bodies over the size limit, bodies trickled slower than the
//! request timeout, gRPC messages over the decoding limit, and over-long strings in a
//! request all end in a clear refusal (a problem document or an INVALID_ARGUMENT status),
//! never a hung connection or a 5xx from inside. Files are the exception that is let
//! through: a material as large as the cases service takes goes up by REST, past the body
//! limit of every other route, and comes back down whole.

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{TimeZone, Utc};
use onewindow_cases::Cases;
use onewindow_catalog::Catalog;
use onewindow_gateway::{Gateway, GatewaySettings, LimitSettings};
use onewindow_kit::auth::{Principal, Role, TokenIssuer};
use onewindow_kit::clock::Clock;
use onewindow_kit::consumer::local_source;
use onewindow_kit::serve::GrpcServer;
use onewindow_kit::testing::{self, TestDb};
use onewindow_kit::uploads;
use onewindow_proto::cases::v1 as cases_pb;
use onewindow_proto::cases::v1::case_service_client::CaseServiceClient;
use onewindow_proto::catalog::v1 as pb;
use onewindow_proto::catalog::v1::catalog_service_client::CatalogServiceClient;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

use crate::{TestGateway, INVESTMENT_ITEM};

/// Guards a test against hanging; the limits under test are far shorter.
const HANG: Duration = Duration::from_secs(60);

/// Sends `head` and the first bytes of a body, then nothing more, and reads what comes back
/// until the server closes or answers in full.
async fn raw_exchange(base: &str, head: &str, body_start: &[u8]) -> String {
    let addr = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body_start).await.unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(HANG, stream.read(&mut buf)).await {
            Err(_) => panic!("the gateway neither answered nor closed"),
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => {
                answer.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&answer);
                if let Some((headers, body)) = text.split_once("\r\n\r\n") {
                    let length = headers
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length: ")
                                .map(str::to_string)
                        })
                        .and_then(|v| v.trim().parse::<usize>().ok());
                    if length.is_some_and(|n| body.len() >= n) {
                        break;
                    }
                }
            }
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

fn status_of(answer: &str) -> u16 {
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer:?}"))
}

fn is_problem(answer: &str) -> bool {
    answer
        .lines()
        .any(|l| l.eq_ignore_ascii_case("content-type: application/problem+json"))
}

#[tokio::test]
async fn a_body_trickled_slower_than_the_timeout_is_cut_with_a_problem() {
    let t = TestGateway::start_with(|s| s.limits.request_timeout_secs = 1).await;
    let head = format!(
        "POST /api/v1/items/{INVESTMENT_ITEM}:cancel HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\n\
         content-length: 1000\r\n\r\n",
        t.base.trim_start_matches("http://")
    );
    // A tenth of the body, then silence: the rest never comes.
    let answer = raw_exchange(&t.base, &head, &[b' '; 100]).await;
    assert_eq!(status_of(&answer), 504, "{answer}");
    assert!(is_problem(&answer), "{answer}");
}

#[tokio::test]
async fn a_body_declared_over_the_limit_is_refused_before_it_is_read() {
    let t = TestGateway::start_with(|s| s.limits.max_body_bytes = 1024).await;
    let head = format!(
        "POST /api/v1/items/x:cancel HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\n\
         content-length: 1000000\r\nconnection: close\r\n\r\n",
        t.base.trim_start_matches("http://")
    );
    let answer = raw_exchange(&t.base, &head, b"{").await;
    assert_eq!(status_of(&answer), 413, "{answer}");
    assert!(is_problem(&answer), "{answer}");
}

#[tokio::test]
async fn an_over_long_search_text_is_an_invalid_argument_naming_the_field() {
    let t = TestGateway::start().await;
    let long = "登".repeat(101);
    let r = t.get(&format!("/api/v1/items?query={long}")).await;
    assert_eq!(r.status(), 400);
    let p = crate::problem(r).await;
    assert_eq!(p["code"], "INVALID_ARGUMENT");
    assert_eq!(p["errors"][0]["field"], "query", "{p}");
    // At the limit it is a search like any other.
    let r = t
        .get(&format!("/api/v1/items?query={}", "登".repeat(100)))
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn a_grpc_message_over_the_decoding_limit_is_refused() {
    let t = TestGateway::start().await;
    let mut client = CatalogServiceClient::connect(format!("http://{}", t.catalog_addr))
        .await
        .unwrap()
        .max_encoding_message_size(64 * 1024 * 1024);
    // Five MiB of search text: over the server's 4 MiB decoding limit.
    let huge = pb::ListItemsRequest {
        query: "x".repeat(5 * 1024 * 1024),
        ..Default::default()
    };
    let status = client.list_items(huge).await.unwrap_err();
    assert!(
        matches!(
            status.code(),
            tonic::Code::OutOfRange | tonic::Code::ResourceExhausted
        ),
        "{status:?}"
    );
    // The server goes on serving.
    let fine = client
        .list_items(pb::ListItemsRequest {
            page_size: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(fine.get_ref().items.len(), 1);
}

#[tokio::test]
async fn a_large_body_under_the_gateway_limit_is_refused_as_a_client_error() {
    // Under the gateway's 8 MiB but over the services' 4 MiB: the refusal of the service
    // reaches the client as a problem it can act on, not a gateway failure.
    let t = TestGateway::start().await;
    let body = serde_json::json!({ "requestId": "big", "reason": "x".repeat(5 * 1024 * 1024) });
    let r = t
        .send_json(
            reqwest::Method::POST,
            &format!("/api/v1/items/{INVESTMENT_ITEM}:cancel"),
            Some(Role::CatalogAdmin),
            &body,
        )
        .await;
    assert!(r.status().is_client_error(), "{:?}", r.status());
    crate::problem(r).await;
}

// ------------------------------------------------------------ files on their way up and down

/// An item of 工商局 taken online, with materials `m1` and `m2`: 名称预先核准.
const NAME_CHECK: &str = "11140200017179254H010171001000";

/// The catalog and the cases service following it, the gateway in front of them.
struct Uploads {
    base: String,
    grpc: std::net::SocketAddr,
    issuer: TokenIssuer,
    http: reqwest::Client,
    stop: CancellationToken,
    _dbs: (TestDb, TestDb),
}

impl Drop for Uploads {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl Uploads {
    async fn start() -> Uploads {
        let (clock, _hand) = Clock::manual(Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap());
        let kit = &onewindow_kit::MIGRATIONS;
        let catalog_db = testing::sqlite(&[kit, &onewindow_catalog::MIGRATIONS]).await;
        let cases_db = testing::sqlite(&[kit, &onewindow_cases::MIGRATIONS]).await;
        let catalog = Catalog::start(catalog_db.db.clone(), clock.clone())
            .await
            .unwrap();
        catalog.load_demo_if_empty().await.unwrap();
        let stop = CancellationToken::new();
        let cases = Cases::new(cases_db.db.clone(), clock);
        cases.follow_catalog(local_source(catalog_db.db.clone()), stop.clone());
        let head = onewindow_kit::outbox::head(&catalog_db.db).await.unwrap();
        for _ in 0..400 {
            if cases.catalog_offset().await.unwrap() >= head {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let (issuer, _) = TokenIssuer::generate("onewindow", "onewindow").unwrap();
        let verifier = issuer.verifier().unwrap();
        let mut grpc = GrpcServer::new();
        grpc.add_service(
            catalog.grpc_service(verifier.clone()),
            catalog_db.db.clone(),
        );
        grpc.add_service(cases.grpc_service(verifier.clone()), cases_db.db.clone());
        let bound = grpc.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let grpc_addr = bound.local_addr();
        tokio::spawn(bound.run_until(stop.clone().cancelled_owned()));

        let mut settings = GatewaySettings::default();
        settings.upstreams.default = format!("http://{grpc_addr}");
        let gateway = Gateway::build(settings, Some(issuer.clone()), verifier)
            .await
            .unwrap();
        let bound = gateway.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let base = format!("http://{}", bound.local_addr());
        tokio::spawn(bound.run_until(stop.clone().cancelled_owned()));
        Uploads {
            base,
            grpc: grpc_addr,
            issuer,
            http: reqwest::Client::new(),
            stop,
            _dbs: (catalog_db, cases_db),
        }
    }

    /// A token of `subject` with `role`, of 工商局 in Datong.
    fn token(&self, subject: &str, role: Role) -> String {
        let principal = Principal {
            subject: subject.into(),
            name: format!("测试{role}"),
            roles: vec![role],
            department: (role != Role::Applicant).then(|| "gsj".to_string()),
            region: Some("140200".into()),
        };
        self.issuer
            .issue(&principal, Utc::now().timestamp(), 600)
            .unwrap()
    }

    async fn post(&self, path: &str, token: &str, body: Vec<u8>) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }
}

/// A file of `len` bytes that is not all one byte, so that a truncation or a shift shows.
fn scan(len: usize) -> Vec<u8> {
    let mut scan = b"%PDF-1.7\n".to_vec();
    scan.extend((scan.len()..len).map(|i| (i % 251) as u8));
    scan
}

/// A SubmitCase body in JSON with `content` as the file of material m1 (in base64).
fn submission(request_id: &str, content: &[u8]) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "requestId": request_id,
        "itemId": NAME_CHECK,
        "applicant": {
            "kind": "APPLICANT_KIND_PERSON",
            "name": "李四",
            "idType": "ID_TYPE_RESIDENT_ID_CARD",
            "idNumber": "14021319900307123X",
            "phone": "13912345678",
        },
        "materials": [{
            "materialId": "m1",
            "fileName": "申请书扫描件.pdf",
            "contentType": "application/pdf",
            "content": STANDARD.encode(content),
        }],
    }))
    .unwrap()
}

#[tokio::test]
async fn a_material_over_the_body_limit_goes_up_where_files_are_expected_and_nowhere_else() {
    let t = Uploads::start().await;
    let applicant = t.token("test-citizen", Role::Applicant);
    let limits = LimitSettings::default();
    // Over the 8 MiB of every other route (and tonic's 4 MiB), under a material's 20 MiB.
    let content = scan(limits.max_body_bytes + 1024);
    let body = submission("big-scan", &content);
    assert!(body.len() > limits.max_body_bytes && body.len() < limits.max_upload_bytes);

    let r = t.post("/api/v1/cases", &applicant, body.clone()).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let case: serde_json::Value = r.json().await.unwrap();
    assert_eq!(case["materials"][0]["sizeBytes"], content.len().to_string());
    assert_eq!(
        case["materials"][0]["sha256"],
        hex_sha256(&content),
        "the service stored the very bytes sent"
    );

    // A body as large to a route whose message carries no file is refused by its declared
    // length, before it is read (so only its first bytes are sent).
    let clerk = t.token("test-clerk", Role::Clerk);
    let head = format!(
        "POST /api/v1/cases/{}:accept HTTP/1.1\r\nhost: {}\r\nauthorization: Bearer {clerk}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        case["id"].as_str().unwrap(),
        t.base.trim_start_matches("http://"),
        body.len()
    );
    let answer = raw_exchange(&t.base, &head, &body[..1024]).await;
    assert_eq!(status_of(&answer), 413, "{answer}");
    assert!(is_problem(&answer), "{answer}");
    assert!(answer.contains("too large"), "{answer}");
}

#[tokio::test]
async fn a_material_over_its_limit_is_an_invalid_argument_naming_its_field() {
    let t = Uploads::start().await;
    let applicant = t.token("test-citizen", Role::Applicant);
    let content = scan(uploads::CASE_MATERIALS.per_file + 1);
    let r = t
        .post(
            "/api/v1/cases",
            &applicant,
            submission("huge-scan", &content),
        )
        .await;
    assert_eq!(r.status(), 400);
    let p = crate::problem(r).await;
    assert_eq!(p["code"], "INVALID_ARGUMENT", "{p}");
    assert_eq!(p["errors"][0]["field"], "materials[0].content", "{p}");
    assert!(
        p["errors"][0]["description"]
            .as_str()
            .unwrap()
            .contains("20 MiB"),
        "{p}"
    );
}

#[tokio::test]
async fn a_material_over_tonics_default_message_size_comes_back_down_whole() {
    let t = Uploads::start().await;
    // Straight to the service: the way up is not under test here.
    let content = scan(4 * uploads::MIB + 1024);
    let applicant = t.token("test-citizen", Role::Applicant);
    let mut cases = CaseServiceClient::connect(format!("http://{}", t.grpc))
        .await
        .unwrap();
    let mut request = tonic::Request::new(cases_pb::SubmitCaseRequest {
        request_id: "download".into(),
        item_id: NAME_CHECK.into(),
        applicant: Some(cases_pb::Applicant {
            kind: cases_pb::ApplicantKind::Person as i32,
            name: "李四".into(),
            id_type: cases_pb::IdType::ResidentIdCard as i32,
            id_number: "14021319900307123X".into(),
            phone: "13912345678".into(),
        }),
        materials: vec![cases_pb::MaterialUpload {
            material_id: "m1".into(),
            file_name: "申请书扫描件.pdf".into(),
            content_type: "application/pdf".into(),
            content: content.clone(),
        }],
    });
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {applicant}").parse().unwrap(),
    );
    let case = cases.submit_case(request).await.unwrap().into_inner();
    let material = &case.materials[0].id;

    let clerk = t.token("test-clerk", Role::Clerk);
    // Through the transcoder (google.api.HttpBody) and through the case page's link.
    for path in [
        format!("/api/v1/cases/{}/materials/{material}:content", case.id),
        format!("/cases/{}/materials/{material}", case.id),
    ] {
        let r = t.get(&path, &clerk).await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["content-type"], "application/pdf", "{path}");
        let body = r.bytes().await.unwrap();
        assert_eq!(body.len(), content.len(), "{path}");
        assert!(body.as_ref() == content.as_slice(), "{path}");
    }
}

fn hex_sha256(content: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(content)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn uploads_past_the_turns_wait_then_are_turned_away_while_other_calls_pass() {
    let t = TestGateway::start_with(|s| {
        s.limits.max_concurrent_uploads = 1;
        s.limits.upload_wait_secs = 1;
    })
    .await;
    let token = t.token(Role::Applicant);
    let upload = |token: Option<&str>| {
        let mut r = t
            .http
            .post(t.url("/api/v1/cases"))
            .header("content-type", "application/json")
            .body("{}");
        if let Some(token) = token {
            r = r.bearer_auth(token);
        }
        r.send()
    };
    // An upload whose body trickles holds the only turn.
    let addr = t.base.trim_start_matches("http://");
    let mut holder = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/v1/cases HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {token}\r\n\
         content-type: application/json\r\ncontent-length: 1000\r\n\r\n{{"
    );
    holder.write_all(head.as_bytes()).await.unwrap();
    let busy = tokio::time::timeout(HANG, async {
        loop {
            let r = upload(Some(&token)).await.unwrap();
            if r.status() == 503 {
                return r;
            }
            // The holder had not taken its turn yet: this one went through.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("a second upload is turned away while the first holds the turn");
    assert_eq!(busy.headers()["retry-after"], "1");
    let problem = crate::problem(busy).await;
    assert_eq!(problem["code"], "UNAVAILABLE", "{problem}");
    // The application form waits for the same turns, and says so in words.
    let page = t
        .http
        .post(t.url(&format!("/items/{NAME_CHECK}/apply")))
        .bearer_auth(&token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart(&[], &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 503);
    let text = page.text().await.unwrap();
    assert!(text.contains("此刻上传文件的人较多"), "{text}");
    // Calls without files are not held up.
    assert_eq!(t.get("/api/v1/items?pageSize=1").await.status(), 200);
    // Nobody unknown waits for a turn at all.
    assert_eq!(upload(None).await.unwrap().status(), 401);
    // When the holder goes, the turn passes on.
    drop(holder);
    let next = tokio::time::timeout(HANG, async {
        loop {
            let r = upload(Some(&token)).await.unwrap();
            if r.status() != 503 {
                return r.status();
            }
        }
    })
    .await
    .expect("the turn passes on");
    assert_ne!(next, 401);
}

#[tokio::test]
async fn a_body_over_the_upload_limit_is_refused_before_it_is_read() {
    let t = TestGateway::start_with(|s| {
        s.limits.max_body_bytes = 1024;
        s.limits.max_upload_bytes = 64 * 1024;
    })
    .await;
    let post = |path: &str, length: usize| {
        format!(
            "POST {path} HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\n\
             content-length: {length}\r\nconnection: close\r\n\r\n",
            t.base.trim_start_matches("http://")
        )
    };
    // Past the global limit (the larger of the two): refused by the outer layer.
    let answer = raw_exchange(&t.base, &post("/api/v1/cases", 1_000_000), b"{").await;
    assert_eq!(status_of(&answer), 413, "{answer}");
    assert!(is_problem(&answer), "{answer}");
    // Within it, but past the limit of a route that takes no files: refused by the route.
    let answer = raw_exchange(&t.base, &post("/api/v1/items/x:cancel", 32 * 1024), b"{").await;
    assert_eq!(status_of(&answer), 413, "{answer}");
    assert!(is_problem(&answer), "{answer}");
}

/// A multipart body of text fields and `(field, file name, content)` files.
fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\ncontent-disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, file_name, content) in files {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\ncontent-disposition: form-data; name=\"{name}\"; \
                 filename=\"{file_name}\"\r\ncontent-type: application/pdf\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

const BOUNDARY: &str = "onewindow-test-boundary";

/// The value of the hidden field `name` in a form.
fn hidden_field(html: &str, name: &str) -> String {
    let needle = format!("name=\"{name}\" value=\"");
    let at = html.find(&needle).unwrap() + needle.len();
    html[at..].split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn the_application_form_takes_a_large_scan_and_refuses_too_many_bytes_in_words() {
    let t = Uploads::start().await;
    let applicant = t.token("test-citizen", Role::Applicant);
    let cookie = "ow_csrf=test-nonce-0123456789abcdef";
    let apply = format!("{}/items/{NAME_CHECK}/apply", t.base);
    let send = |fields: Vec<(&'static str, String)>, files: Vec<(&'static str, Vec<u8>)>| {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let files: Vec<(&str, &str, &[u8])> = files
            .iter()
            .map(|(k, v)| (*k, "扫描件.pdf", v.as_slice()))
            .collect();
        t.http
            .post(&apply)
            .bearer_auth(&applicant)
            .header("cookie", cookie)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(multipart(&fields, &files))
            .send()
    };
    let form = t
        .http
        .get(&apply)
        .bearer_auth(&applicant)
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        form.contains("20 MB"),
        "the form says how large a file may be"
    );
    let fields = |request_id: String| {
        vec![
            ("csrf", hidden_field(&form, "csrf")),
            ("request_id", request_id),
            ("kind", "person".to_string()),
            ("name", "张三".to_string()),
            ("id_type", "ID_TYPE_RESIDENT_ID_CARD".to_string()),
            ("id_number", "14021319900307123X".to_string()),
            ("phone", "13912345678".to_string()),
        ]
    };

    let big = scan(LimitSettings::default().max_body_bytes + 1024);
    let r = send(fields("web-big".into()), vec![("file_m1", big)])
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("case-number"));

    // Together over what a submission may carry: refused here, in words, not upstream.
    let each = uploads::CASE_MATERIALS.per_request / 2;
    let r = send(
        fields("web-too-much".into()),
        vec![("file_m1", scan(each)), ("file_m2", scan(each + 1))],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 413);
    let page = r.text().await.unwrap();
    assert!(page.contains("40 MB"), "{page}");
}
