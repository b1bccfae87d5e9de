//! Personal data and secrets stay where they belong: an applicant's ID number and phone are
//! masked in every list, the inbox, the public lookup and every event; and the JSON logs a
//! deployment writes, captured while citizens apply and staff work, hold no ID number,
//! phone, bearer token or database password. On SQLite and, when `ONEWINDOW_TEST_POSTGRES`
//! names a server, PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;

use onewindow_kit::config::{LogFormat, Secret, TelemetrySettings};
use onewindow_proto::cases::v1 as pb;
use onewindow_suite::logs::Captured;
use onewindow_suite::{clerk, supervisor, Applicant, Center};
use tonic::Request;

/// 建设项目选址意见书 of the planning bureau (ghj).
const ITEM: &str = "11140200012773860D010139000000";
const DB_PASSWORD: &str = "Db-pa55word-never-logged";

/// The bearer token a request carries.
fn token_of<T>(r: &Request<T>) -> String {
    r.metadata()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap()
        .to_string()
}

fn assert_masked(label: &str, what: &str, a: Option<&pb::Applicant>, applicant: &Applicant) {
    let a = a.unwrap_or_else(|| panic!("{label}: {what} shows no applicant"));
    assert_ne!(a.id_number, applicant.id_number(), "{label}: {what}");
    assert_ne!(a.phone, applicant.phone(), "{label}: {what}");
    assert!(
        a.id_number.contains('*') && a.phone.contains('*'),
        "{label}: {what}: {a:?}"
    );
    assert_eq!(
        a.id_number.len(),
        applicant.id_number().len(),
        "{label}: {what}"
    );
}

#[tokio::test]
async fn no_list_public_view_event_or_log_line_gives_away_personal_data_or_secrets() {
    let logs = Captured::default();
    let writer = logs.clone();
    let settings = TelemetrySettings {
        log_format: LogFormat::Json,
        log_filter: "debug,h2=info,hyper=info,tower=info".into(),
        ..TelemetrySettings::default()
    };
    // The provider of a deployment without an OTLP endpoint: spans are not recorded, yet
    // their trace ids must still mark the log lines.
    onewindow_kit::telemetry::init_with_writer(
        &settings,
        onewindow_kit::telemetry::provider(&settings).unwrap(),
        move || writer.clone(),
    )
    .unwrap();

    let mut secrets: Vec<String> = vec![DB_PASSWORD.into()];
    let mut people = Vec::new();
    for c in Center::on_every_engine().await {
        let label = c.label;
        let applicant = Applicant::person(700 + people.len() as u32);
        let item = c.item(ITEM).await;
        let case = c.submit_case(&item, &applicant).await;
        secrets.extend([
            applicant.id_number().to_string(),
            applicant.id_number().to_ascii_lowercase(),
            applicant.phone().to_string(),
        ]);

        // The public lookup by number and query code.
        let public = c
            .cases()
            .lookup_case(pb::LookupCaseRequest {
                case_number: case.case_number.clone(),
                query_code: case.query_code.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_masked(
            label,
            "the public lookup",
            public.applicant.as_ref(),
            &applicant,
        );

        // A supervisor's list, and a clerk's search by the exact ID number.
        let r = c.req(&supervisor(), pb::ListCasesRequest::default());
        secrets.push(token_of(&r));
        let listed = c.cases().list_cases(r).await.unwrap().into_inner();
        let mine = listed.cases.iter().find(|x| x.id == case.id).unwrap();
        assert_masked(
            label,
            "the supervisor's list",
            mine.applicant.as_ref(),
            &applicant,
        );
        let r = c.req(
            &clerk(&item.department_id),
            pb::ListCasesRequest {
                applicant_id_number: applicant.id_number().to_string(),
                ..Default::default()
            },
        );
        secrets.push(token_of(&r));
        let found = c.cases().list_cases(r).await.unwrap().into_inner();
        assert_eq!(found.cases.len(), 1, "{label}");
        assert_masked(
            label,
            "the search",
            found.cases[0].applicant.as_ref(),
            &applicant,
        );

        // The clerk's inbox.
        let r = c.req(&clerk(&item.department_id), pb::GetInboxRequest::default());
        secrets.push(token_of(&r));
        let inbox = format!("{:?}", c.cases().get_inbox(r).await.unwrap().into_inner());
        assert!(inbox.contains(&case.case_number), "{label}: {inbox}");
        assert!(
            !inbox.contains(applicant.id_number()) && !inbox.contains(applicant.phone()),
            "{label}: the inbox shows personal data"
        );

        // A token that is not accepted is not echoed either.
        let mut forged = Request::new(pb::ListCasesRequest::default());
        let bad = format!("{}x", token_of(&c.req(&supervisor(), ())));
        forged
            .metadata_mut()
            .insert("authorization", format!("Bearer {bad}").parse().unwrap());
        secrets.push(bad);
        let refused = c.cases().list_cases(forged).await.unwrap_err();
        assert_eq!(refused.code(), tonic::Code::Unauthenticated, "{label}");

        c.assert_events_carry_no_personal_data(&[&applicant]).await;
        people.push(applicant);
    }

    // A database that cannot be reached: the error names the problem, not the password.
    let url = Secret::new(format!(
        "postgres://onewindow:{DB_PASSWORD}@127.0.0.1:1/onewindow"
    ));
    assert!(!format!("{url:?}").contains(DB_PASSWORD));
    let err = onewindow_kit::db::Db::connect(url.expose(), Some(1))
        .await
        .err()
        .expect("nothing listens on port 1");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(DB_PASSWORD), "{shown}");
    tracing::error!(error = %err, "cannot open the database");

    let text = logs.text();
    assert!(text.lines().count() > 10, "the scenario was logged: {text}");
    let mut in_requests = 0;
    for line in text.lines() {
        let parsed: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
        // A line logged while serving a call carries the call's trace id.
        if let Some(span) = parsed.get("span").filter(|s| s.get("rpc.method").is_some()) {
            in_requests += 1;
            let trace_id = span["trace_id"].as_str().unwrap_or_default();
            assert!(
                trace_id.len() == 32 && trace_id.bytes().all(|b| b.is_ascii_hexdigit()),
                "no trace id: {line}"
            );
        }
    }
    assert!(in_requests > 0, "no line was logged inside a call");
    let leaks = logs.leaks(&secrets);
    assert!(leaks.is_empty(), "the logs hold {leaks:?}");
    // Logs are flushed per line; nothing is left in a buffer.
    let _ = std::io::stdout().flush();
}
