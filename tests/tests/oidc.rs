//! A service verifies the tokens of a deployment's OpenID Connect provider itself: keys from
//! the provider's JWKS (served here by a local HTTP server), fetched again when a token names a
//! new key id, at most as often as configured.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{TimeZone, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use onewindow_catalog::Catalog;
use onewindow_kit::clock::Clock;
use onewindow_kit::config::AuthSettings;
use onewindow_kit::oidc::OidcSettings;
use onewindow_kit::serve::GrpcServer;
use onewindow_kit::testing;
use onewindow_proto::catalog::v1 as pb;
use onewindow_proto::catalog::v1::catalog_service_client::CatalogServiceClient;
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;
use tonic::Code;

const ISSUER: &str = "https://sso.example.gov.cn/realms/datong";

/// An Ed25519 signing key of the provider and its JWK.
struct Key {
    kid: String,
    encoding: EncodingKey,
    jwk: Value,
}

fn key(kid: &str) -> Key {
    use ed25519_dalek::pkcs8::EncodePrivateKey;
    let signing = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
    let pem = signing.to_pkcs8_pem(Default::default()).unwrap();
    Key {
        kid: kid.into(),
        encoding: EncodingKey::from_ed_pem(pem.as_bytes()).unwrap(),
        jwk: json!({"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": kid,
            "x": URL_SAFE_NO_PAD.encode(signing.verifying_key().as_bytes())}),
    }
}

/// The provider's JWKS endpoint: the keys it publishes now, and how often they were fetched.
struct Provider {
    url: String,
    published: Arc<RwLock<Vec<Value>>>,
    fetches: Arc<AtomicUsize>,
}

impl Provider {
    async fn start(keys: &[&Key]) -> Provider {
        let published: Arc<RwLock<Vec<Value>>> =
            Arc::new(RwLock::new(keys.iter().map(|k| k.jwk.clone()).collect()));
        let fetches = Arc::new(AtomicUsize::new(0));
        let (p, f) = (published.clone(), fetches.clone());
        let app = axum::Router::new().route(
            "/certs",
            axum::routing::get(move || {
                f.fetch_add(1, Ordering::SeqCst);
                let keys = p.read().unwrap().clone();
                async move { axum::Json(json!({ "keys": keys })) }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/certs", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Provider {
            url,
            published,
            fetches,
        }
    }

    fn publish(&self, keys: &[&Key]) {
        *self.published.write().unwrap() = keys.iter().map(|k| k.jwk.clone()).collect();
    }
}

fn token(key: &Key, issuer: &str, expires_in: i64) -> String {
    let now = Utc::now().timestamp();
    let claims = json!({
        "iss": issuer, "aud": "onewindow", "sub": "u-admin-7", "name": "李华",
        "iat": now - 60, "exp": now + expires_in,
        "realm_access": {"roles": ["catalog_admin", "offline_access"]},
        "region": "140200",
    });
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, &claims, &key.encoding).unwrap()
}

/// The catalog with its demo data on a free port, verifying tokens as configured by `oidc`.
async fn catalog(
    oidc: OidcSettings,
) -> (
    CatalogServiceClient<Channel>,
    CancellationToken,
    testing::TestDb,
) {
    let db = testing::sqlite(&[&onewindow_kit::MIGRATIONS, &onewindow_catalog::MIGRATIONS]).await;
    let (clock, _hand) = Clock::manual(Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap());
    let catalog = Catalog::start(db.db.clone(), clock).await.unwrap();
    catalog.load_demo_if_empty().await.unwrap();
    let verifier = onewindow_kit::remote::verifier_from_files(&AuthSettings {
        oidc: Some(oidc),
        ..AuthSettings::default()
    })
    .unwrap();
    let mut grpc = GrpcServer::new();
    grpc.add_service(catalog.grpc_service(verifier), db.db.clone());
    let bound = grpc.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = bound.local_addr();
    let stop = CancellationToken::new();
    tokio::spawn(bound.run_until(stop.clone().cancelled_owned()));
    let channel = Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    (CatalogServiceClient::new(channel), stop, db)
}

fn settings(p: &Provider, min_refetch_secs: u64) -> OidcSettings {
    OidcSettings {
        issuer: ISSUER.into(),
        jwks_url: p.url.clone(),
        jwks_min_refetch_secs: min_refetch_secs,
        roles_claim: "realm_access.roles".into(),
        ..OidcSettings::default()
    }
}

/// A catalog admin's write: it succeeds only for a caller verified as catalog_admin.
async fn put_department(
    client: &mut CatalogServiceClient<Channel>,
    bearer: &str,
    id: &str,
) -> Result<pb::Department, tonic::Status> {
    let mut request = tonic::Request::new(pb::PutDepartmentRequest {
        request_id: format!("put-{id}"),
        department: Some(pb::Department {
            id: id.into(),
            name: "测试局".into(),
            region_code: "140200".into(),
            credit_code: "11140200017179254H".into(),
            ..Default::default()
        }),
    });
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {bearer}").parse().unwrap());
    client.put_department(request).await.map(|r| r.into_inner())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_accepts_provider_tokens_and_follows_a_key_rotation() {
    let first = key("2026-11");
    let p = Provider::start(&[&first]).await;
    let (mut client, stop, _db) = catalog(settings(&p, 0)).await;

    let department = put_department(&mut client, &token(&first, ISSUER, 600), "oidc-a")
        .await
        .expect("a provider's catalog_admin may write the catalog");
    assert_eq!(department.id, "oidc-a");

    let expired = put_department(&mut client, &token(&first, ISSUER, -3600), "oidc-b").await;
    assert_eq!(expired.unwrap_err().code(), Code::Unauthenticated);
    let stranger = put_department(
        &mut client,
        &token(&first, "https://sso.elsewhere.example", 600),
        "oidc-c",
    )
    .await;
    assert_eq!(stranger.unwrap_err().code(), Code::Unauthenticated);
    assert_eq!(p.fetches.load(Ordering::SeqCst), 1, "the keys are cached");

    // The provider rotates: a new key signs from now on, the old one is withdrawn.
    let second = key("2026-12");
    p.publish(&[&second]);
    put_department(&mut client, &token(&second, ISSUER, 600), "oidc-d")
        .await
        .expect("a token of the new key is accepted once its kid is fetched");
    assert_eq!(p.fetches.load(Ordering::SeqCst), 2);
    let withdrawn = put_department(&mut client, &token(&first, ISSUER, 600), "oidc-e").await;
    assert_eq!(withdrawn.unwrap_err().code(), Code::Unauthenticated);
    stop.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_key_ids_do_not_fetch_the_keys_more_often_than_configured() {
    let first = key("k1");
    let p = Provider::start(&[&first]).await;
    let (mut client, stop, _db) = catalog(settings(&p, 3600)).await;
    put_department(&mut client, &token(&first, ISSUER, 600), "rate-a")
        .await
        .unwrap();

    let forged = key("k-forged");
    for i in 0..5 {
        let refused = put_department(
            &mut client,
            &token(&forged, ISSUER, 600),
            &format!("rate-{i}"),
        )
        .await;
        assert_eq!(refused.unwrap_err().code(), Code::Unauthenticated);
    }
    assert_eq!(
        p.fetches.load(Ordering::SeqCst),
        1,
        "tokens naming unknown keys cannot make the service hammer the provider"
    );
    stop.cancel();
}
