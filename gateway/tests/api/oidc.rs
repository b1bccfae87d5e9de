//! Tokens of an OIDC provider: RS256, ES256 and EdDSA JWTs verified against a JWKS served by
//! a local test server, fetched once and cached.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use onewindow_gateway::auth::oidc::OidcVerifier;
use onewindow_gateway::OidcSettings;
use onewindow_kit::auth::Role;
use serde_json::{json, Value};

use crate::TestGateway;

struct Provider {
    jwks_url: String,
    fetches: Arc<AtomicUsize>,
    keys: Vec<(Algorithm, &'static str, EncodingKey)>,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A provider with one key of each accepted algorithm, its JWKS on a free local port.
async fn provider() -> Provider {
    use p256::pkcs8::EncodePrivateKey as _;
    let mut rng = rand::rngs::OsRng;

    let ec = p256::ecdsa::SigningKey::random(&mut rng);
    let point = ec.verifying_key().to_encoded_point(false);
    let ec_pem = ec.to_pkcs8_pem(Default::default()).unwrap();
    let ec_jwk = json!({"kty": "EC", "crv": "P-256", "kid": "ec-1", "alg": "ES256", "use": "sig",
        "x": b64(point.x().unwrap()), "y": b64(point.y().unwrap())});

    let ed = ed25519_dalek::SigningKey::generate(&mut rng);
    let ed_pem =
        ed25519_dalek::pkcs8::EncodePrivateKey::to_pkcs8_pem(&ed, Default::default()).unwrap();
    let ed_jwk = json!({"kty": "OKP", "crv": "Ed25519", "kid": "ed-1", "alg": "EdDSA", "use": "sig",
        "x": b64(ed.verifying_key().as_bytes())});

    let rsa_key = rsa::RsaPrivateKey::new(&mut rng, 2048).unwrap();
    let rsa_pem = rsa::pkcs8::EncodePrivateKey::to_pkcs8_pem(&rsa_key, Default::default()).unwrap();
    use rsa::traits::PublicKeyParts;
    let rsa_jwk = json!({"kty": "RSA", "kid": "rsa-1", "alg": "RS256", "use": "sig",
        "n": b64(&rsa_key.n().to_bytes_be()), "e": b64(&rsa_key.e().to_bytes_be())});

    let fetches = Arc::new(AtomicUsize::new(0));
    let counter = fetches.clone();
    let jwks = json!({"keys": [ec_jwk, ed_jwk, rsa_jwk]});
    let app = axum::Router::new().route(
        "/jwks",
        axum::routing::get(move || {
            let jwks = jwks.clone();
            counter.fetch_add(1, Ordering::SeqCst);
            async move { axum::Json(jwks) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Provider {
        jwks_url: format!("http://{addr}/jwks"),
        fetches,
        keys: vec![
            (
                Algorithm::ES256,
                "ec-1",
                EncodingKey::from_ec_pem(ec_pem.as_bytes()).unwrap(),
            ),
            (
                Algorithm::EdDSA,
                "ed-1",
                EncodingKey::from_ed_pem(ed_pem.as_bytes()).unwrap(),
            ),
            (
                Algorithm::RS256,
                "rsa-1",
                EncodingKey::from_rsa_pem(rsa_pem.as_bytes()).unwrap(),
            ),
        ],
    }
}

fn settings(p: &Provider) -> OidcSettings {
    OidcSettings {
        issuer: "https://sso.example.gov.cn/realms/datong".into(),
        audience: "onewindow".into(),
        jwks_url: p.jwks_url.clone(),
        roles_claim: "realm_access.roles".into(),
        ..OidcSettings::default()
    }
}

fn claims(audience: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "iss": "https://sso.example.gov.cn/realms/datong", "aud": audience,
        "sub": "u-42", "name": "王芳", "exp": now + 600, "iat": now,
        "realm_access": {"roles": ["approver", "offline_access"]},
        "department": "fgj", "region": "140200",
    })
}

fn sign(p: &Provider, alg: Algorithm, claims: &Value) -> String {
    let (_, kid, key) = p.keys.iter().find(|(a, _, _)| *a == alg).unwrap();
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_string());
    jsonwebtoken::encode(&header, claims, key).unwrap()
}

#[tokio::test]
async fn rs256_es256_and_eddsa_tokens_verify_against_the_cached_jwks() {
    let p = provider().await;
    let verifier = OidcVerifier::new(settings(&p)).unwrap();
    for alg in [Algorithm::ES256, Algorithm::EdDSA, Algorithm::RS256] {
        let principal = verifier
            .verify(&sign(&p, alg, &claims("onewindow")))
            .await
            .unwrap_or_else(|e| panic!("{alg:?}: {e}"));
        assert_eq!(principal.subject, "u-42");
        assert_eq!(
            principal.roles,
            vec![Role::Approver],
            "foreign roles are dropped"
        );
        assert_eq!(principal.department.as_deref(), Some("fgj"));
    }
    assert_eq!(
        p.fetches.load(Ordering::SeqCst),
        1,
        "the keys are fetched once"
    );

    let wrong_audience = sign(&p, Algorithm::ES256, &claims("another-app"));
    assert!(verifier.verify(&wrong_audience).await.is_err());

    let hs = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims("onewindow"),
        &EncodingKey::from_secret(b"guessable"),
    )
    .unwrap();
    assert!(
        verifier.verify(&hs).await.is_err(),
        "symmetric tokens are not accepted"
    );
}

#[tokio::test]
async fn the_gateway_accepts_provider_tokens_and_refuses_tampered_ones() {
    let p = provider().await;
    let oidc = settings(&p);
    let t = TestGateway::start_with(move |s| s.auth.oidc = Some(oidc)).await;
    let token = sign(&p, Algorithm::ES256, &claims("onewindow"));
    let r = t
        .http
        .get(t.url("/api/v1/openapi.json"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // The same signature over claims that grant more: refused.
    let parts: Vec<&str> = token.split('.').collect();
    let mut forged = claims("onewindow");
    forged["realm_access"]["roles"] = json!(["catalog_admin"]);
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64(forged.to_string().as_bytes()),
        parts[2]
    );
    let r = t
        .http
        .get(t.url("/api/v1/openapi.json"))
        .bearer_auth(&tampered)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // The built-in issuer's tokens still work beside the provider's.
    let r = t
        .http
        .get(t.url("/api/v1/regions"))
        .bearer_auth(t.token(Role::Supervisor))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
