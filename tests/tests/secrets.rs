//! The standalone center's own secrets stay out of its logs: while a person signs in at the
//! gateway (once with a wrong password, then with the right one), browses as that person and
//! an integrating system calls the API with a bearer token, the debug-level JSON logs hold
//! neither password, the session cookie, the CSRF nonce or key, the bearer token, the
//! token-signing private key nor the key that seals bids.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use onewindow::{Settings, Standalone};
use onewindow_kit::auth::{Principal, Role};
use onewindow_kit::config::{LogFormat, Secret, TelemetrySettings};
use onewindow_suite::logs::Captured;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;

/// The value of cookie `name` among a response's `Set-Cookie` headers.
fn cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find_map(|pair| pair.strip_prefix(&format!("{name}=")).map(str::to_string))
        .filter(|v| !v.is_empty())
}

fn csrf_field(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    html[at..].split('"').next().unwrap().to_string()
}

/// The base64 lines of a PEM block: what a leaked key would look like in a log.
fn pem_body(pem: &str) -> Vec<String> {
    pem.lines()
        .filter(|l| !l.starts_with("-----") && l.len() >= 16)
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_sessions_tokens_and_keys_never_reach_the_logs() {
    let logs = Captured::default();
    let writer = logs.clone();
    onewindow_kit::telemetry::init_with_writer(
        &TelemetrySettings {
            log_format: LogFormat::Json,
            log_filter: "debug,h2=info,hyper=info,tower=info,sqlx=info".into(),
            ..TelemetrySettings::default()
        },
        opentelemetry_sdk::trace::SdkTracerProvider::builder().build(),
        move || writer.clone(),
    )
    .unwrap();

    let password = format!("Pw-{}", hex::encode(rand::random::<[u8; 12]>()));
    let wrong = format!("Wrong-{}", hex::encode(rand::random::<[u8; 12]>()));
    let data = tempfile::tempdir().unwrap();
    let users = data.path().join("users.toml");
    let hash = onewindow_gateway::hash_password(&password).unwrap();
    std::fs::write(
        &users,
        format!(
            "[[users]]\nusername = \"clerk-secret\"\npassword_hash = \"{hash}\"\nname = \"测试窗口\"\n\
             roles = [\"clerk\"]\ndepartment = \"gsj\"\nregion = \"140200\"\n"
        ),
    )
    .unwrap();
    let mut settings = Settings {
        data_dir: data.path().display().to_string(),
        grpc_addr: "127.0.0.1:0".into(),
        ..Settings::default()
    };
    settings.gateway.listen_addr = "127.0.0.1:0".into();
    settings.gateway.auth.users_file = Some(users.display().to_string());
    let csrf_key = format!("Csrf-{}", hex::encode(rand::random::<[u8; 16]>()));
    settings.gateway.auth.csrf_key = Secret::new(csrf_key.clone());
    let issuer = Standalone::issuer(&settings).unwrap();
    let master_key = hex::encode(Standalone::master_key(&settings).unwrap());
    let signing_pem = std::fs::read_to_string(data.path().join("issuer-key.pem")).unwrap();
    let center = Standalone::build(settings).await.unwrap();
    let base = format!("http://{}", center.http_addr());
    let stop = tokio_util::sync::CancellationToken::new();
    let running = tokio::spawn(center.run_until(stop.clone().cancelled_owned()));
    let http = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap();

    // The login form, its CSRF cookie and field.
    let page = http.get(format!("{base}/login")).send().await.unwrap();
    let nonce = cookie(&page, "ow_csrf").expect("a CSRF cookie");
    let csrf = csrf_field(&page.text().await.unwrap());
    let login = |pw: &str| {
        http.post(format!("{base}/login"))
            .header(COOKIE, format!("ow_csrf={nonce}"))
            .form(&[
                ("username", "clerk-secret"),
                ("password", pw),
                ("next", "/work"),
                ("csrf", &csrf),
            ])
            .send()
    };
    assert_eq!(login(&wrong).await.unwrap().status(), 401);
    let signed_in = login(&password).await.unwrap();
    assert!(
        signed_in.status().is_redirection(),
        "{}",
        signed_in.status()
    );
    assert!(signed_in.headers().contains_key(LOCATION));
    let session = cookie(&signed_in, "ow_session").expect("a session cookie");
    let work = http
        .get(format!("{base}/work"))
        .header(COOKIE, format!("ow_csrf={nonce}; ow_session={session}"))
        .send()
        .await
        .unwrap();
    assert!(work.status().is_success(), "{}", work.status());

    // A department's system with a bearer token.
    let token = issuer
        .issue(
            &Principal {
                subject: "system-secret".into(),
                name: String::new(),
                roles: vec![Role::Supervisor],
                department: None,
                region: Some("140200".into()),
            },
            chrono::Utc::now().timestamp(),
            600,
        )
        .unwrap();
    let listed = http
        .get(format!("{base}/api/v1/cases"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(listed.status().is_success(), "{}", listed.status());
    // And a token that is refused is not echoed either.
    let forged = format!("{token}x");
    let refused = http
        .get(format!("{base}/api/v1/cases"))
        .bearer_auth(&forged)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);

    stop.cancel();
    running.await.unwrap().unwrap();

    let text = logs.text();
    assert!(text.lines().count() > 10, "the scenario was logged: {text}");
    let mut secrets = vec![
        password, wrong, session, nonce, csrf, token, forged, master_key,
    ];
    secrets.extend(pem_body(&signing_pem));
    let leaks = logs.leaks(&secrets);
    assert!(leaks.is_empty(), "the logs hold {leaks:?}");
}
