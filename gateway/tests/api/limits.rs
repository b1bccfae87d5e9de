//! The limits hold at the edge: bodies over the size limit, bodies trickled slower than the
//! request timeout, gRPC messages over the decoding limit, and over-long strings in a
//! request all end in a clear refusal (a problem document or an INVALID_ARGUMENT status),
//! never a hung connection or a 5xx from inside.

use std::time::Duration;

use onewindow_proto::catalog::v1 as pb;
use onewindow_proto::catalog::v1::catalog_service_client::CatalogServiceClient;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use onewindow_kit::auth::Role;

use crate::{TestGateway, INVESTMENT_ITEM};

/// Guards a test against hanging; the limits under test are far shorter.
const HANG: Duration = Duration::from_secs(60);

/// Sends `head` and the first bytes of a body, then nothing more, and reads what comes back
/// until the server closes or answers in full.
async fn raw_exchange(t: &TestGateway, head: &str, body_start: &[u8]) -> String {
    let addr = t.base.trim_start_matches("http://");
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
    let answer = raw_exchange(&t, &head, &[b' '; 100]).await;
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
    let answer = raw_exchange(&t, &head, b"{").await;
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
