//! The pages over plain HTTP, no browser needed: sign-in first for work pages, CSRF on every
//! form, the multipart application and its uncached receipt, escaping, downloads in a
//! sandbox, one action per form even when sent twice, the service's reason for a refusal,
//! anonymous complaints, and the big screen's figures, stream and script policy.

use onewindow_kit::auth::Role;
use onewindow_proto::cases::v1 as pb;
use onewindow_proto::cases::v1::case_service_client::CaseServiceClient;
use onewindow_proto::supervision::v1 as sup;
use onewindow_proto::supervision::v1::supervision_service_client::SupervisionServiceClient;

use crate::browser::PASSWORD;
use crate::Hall;

/// 企业名称预先核准 of 工商局: two required materials, m1 and m2.
const NAME_CHECK: &str = "11140200017179254H010171001000";
const BOUNDARY: &str = "onewindow-test-boundary";

/// A browser without a browser: cookies kept by hand.
struct Session<'a> {
    hall: &'a Hall,
    http: reqwest::Client,
    cookies: Vec<String>,
}

fn field(html: &str, name: &str) -> String {
    let needle = format!("name=\"{name}\" value=\"");
    let at = html
        .find(&needle)
        .unwrap_or_else(|| panic!("no {name} field"))
        + needle.len();
    html[at..].split('"').next().unwrap().to_string()
}

impl<'a> Session<'a> {
    fn new(hall: &'a Hall) -> Session<'a> {
        Session {
            hall,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: Vec::new(),
        }
    }

    fn remember(&mut self, r: &reqwest::Response) {
        for c in r.headers().get_all("set-cookie") {
            let pair = c.to_str().unwrap().split(';').next().unwrap().to_string();
            let name = pair.split('=').next().unwrap().to_string();
            self.cookies.retain(|k| !k.starts_with(&format!("{name}=")));
            if !pair.ends_with('=') {
                self.cookies.push(pair);
            }
        }
    }

    async fn get(&mut self, path: &str) -> reqwest::Response {
        let r = self
            .http
            .get(format!("{}{path}", self.hall.base))
            .header("cookie", self.cookies.join("; "))
            .send()
            .await
            .unwrap();
        self.remember(&r);
        r
    }

    async fn html(&mut self, path: &str) -> String {
        let r = self.get(path).await;
        assert_eq!(r.status(), 200, "GET {path}");
        r.text().await.unwrap()
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let r = self
            .http
            .post(format!("{}{path}", self.hall.base))
            .header("cookie", self.cookies.join("; "))
            .form(form)
            .send()
            .await
            .unwrap();
        self.remember(&r);
        r
    }

    async fn sign_in(&mut self, username: &str) {
        let html = self.html("/login").await;
        let csrf = field(&html, "csrf");
        let r = self
            .post(
                "/login",
                &[
                    ("username", username),
                    ("password", PASSWORD),
                    ("csrf", &csrf),
                ],
            )
            .await;
        assert_eq!(r.status(), 303, "{username} signs in");
    }
}

/// A multipart body of text fields and `(field, file name, content)` files.
fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\ncontent-disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    for (name, file_name, content) in files {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\ncontent-disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\ncontent-type: application/pdf\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// An application submitted straight to the cases service by an applicant.
async fn submitted(hall: &Hall, file_name: &str) -> pb::Case {
    let token = hall.token("test-citizen", Role::Applicant, None);
    let mut cases = CaseServiceClient::connect(hall.grpc_url()).await.unwrap();
    let upload = |id: &str| pb::MaterialUpload {
        material_id: id.into(),
        file_name: file_name.into(),
        content_type: "application/pdf".into(),
        content: b"%PDF-1.4\n".to_vec(),
    };
    cases
        .submit_case(hall.request(
            &token,
            pb::SubmitCaseRequest {
                request_id: format!("http-test-{file_name}"),
                item_id: NAME_CHECK.into(),
                applicant: Some(pb::Applicant {
                    kind: pb::ApplicantKind::Person as i32,
                    name: "李四".into(),
                    id_type: pb::IdType::ResidentIdCard as i32,
                    id_number: "14021319900307123X".into(),
                    phone: "13912345678".into(),
                }),
                materials: vec![upload("m1"), upload("m2")],
            },
        ))
        .await
        .unwrap()
        .into_inner()
}

async fn case_now(hall: &Hall, case_id: &str) -> pb::Case {
    let mut cases = CaseServiceClient::connect(hall.grpc_url()).await.unwrap();
    cases
        .get_case(hall.as_supervisor(pb::GetCaseRequest {
            case_id: case_id.into(),
        }))
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn work_pages_send_the_anonymous_to_sign_in_and_back() {
    let hall = Hall::start().await;
    let mut s = Session::new(&hall);
    for path in ["/work", "/cases", "/supervision/warnings", "/bundle-cases"] {
        let r = s.get(path).await;
        assert_eq!(r.status(), 303, "{path}");
        let to = r.headers()["location"].to_str().unwrap().to_string();
        assert!(to.starts_with("/login?next=%2F"), "{path} -> {to}");
    }
    let r = s.get(&format!("/items/{NAME_CHECK}/apply")).await;
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn an_online_application_is_uploaded_and_its_receipt_is_never_cached() {
    let hall = Hall::start().await;
    let mut s = Session::new(&hall);
    s.sign_in("zhangsan").await;
    let form = s.html(&format!("/items/{NAME_CHECK}/apply")).await;
    assert!(form.contains("enctype=\"multipart/form-data\""));
    let csrf = field(&form, "csrf");
    let request_id = field(&form, "request_id");
    let body = multipart(
        &[
            ("csrf", &csrf),
            ("request_id", &request_id),
            ("kind", "person"),
            ("name", "张三"),
            ("id_type", "ID_TYPE_RESIDENT_ID_CARD"),
            ("id_number", "14021319900307123x"),
            ("phone", "13912345678"),
        ],
        &[
            ("file_m1", "申请书.pdf", b"%PDF-1.4 application\n"),
            ("file_m2", "身份证明.pdf", b"%PDF-1.4 identity\n"),
            // A file input left empty: no file, no material.
            ("file_m3", "", b""),
        ],
    );
    let r = s
        .http
        .post(format!("{}/items/{NAME_CHECK}/apply", hall.base))
        .header("cookie", s.cookies.join("; "))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let receipt = r.text().await.unwrap();
    let number = receipt.split("class=\"case-number\">").nth(1).unwrap();
    let number = number.split('<').next().unwrap();
    let code = receipt.split("class=\"query-code\">").nth(1).unwrap();
    assert_eq!(code.split('<').next().unwrap().len(), 8);
    let case_id = receipt.split("href=\"/cases/").nth(1).unwrap();
    let case = case_now(&hall, case_id.split('"').next().unwrap()).await;
    assert_eq!(case.case_number, number);
    assert_eq!(case.channel, pb::Channel::Online as i32);
    assert_eq!(case.applicant_subject, "zhangsan");
    let mut names: Vec<&str> = case.materials.iter().map(|m| m.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["申请书.pdf", "身份证明.pdf"]);
}

#[tokio::test]
async fn staff_forms_need_their_csrf_token_and_act_once_when_sent_twice() {
    let hall = Hall::start().await;
    let case = submitted(&hall, "twice.pdf").await;
    let mut s = Session::new(&hall);
    s.sign_in("clerk-gsj").await;
    let page = s.html(&format!("/cases/{}", case.id)).await;
    let accept = format!("/cases/{}/accept", case.id);

    let r = s.post(&accept, &[("note", "no token")]).await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        case_now(&hall, &case.id).await.state,
        pb::CaseState::Submitted as i32
    );

    let csrf = field(&page, "csrf");
    let request_id = field(&page, "request_id");
    let form = [
        ("csrf", csrf.as_str()),
        ("request_id", &request_id),
        ("note", "一次"),
    ];
    for _ in 0..2 {
        let r = s.post(&accept, &form).await;
        assert_eq!(r.status(), 303);
        assert_eq!(
            r.headers()["location"].to_str().unwrap(),
            format!("/cases/{}?done=accept", case.id)
        );
    }
    let now = case_now(&hall, &case.id).await;
    assert_eq!(now.state, pb::CaseState::InProgress as i32);
    let accepts = now.timeline.iter().filter(|e| e.action == "accept").count();
    assert_eq!(accepts, 1);
    assert!(s
        .html(&format!("/cases/{}?done=accept", case.id))
        .await
        .contains("class=\"done\""));
}

#[tokio::test]
async fn a_refused_action_shows_the_services_reason_and_a_way_back() {
    let hall = Hall::start().await;
    let case = submitted(&hall, "refused.pdf").await;
    let mut s = Session::new(&hall);
    // Intake is a clerk's; an approver of the department is refused by the service.
    s.sign_in("approver-gsj").await;
    let page = s.html(&format!("/cases/{}", case.id)).await;
    assert!(
        !page.contains("/accept\""),
        "no intake form for an approver"
    );
    let csrf = field(&page, "csrf");
    let r = s
        .post(&format!("/cases/{}/accept", case.id), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status(), 403);
    let html = r.text().await.unwrap();
    assert!(html.contains("only a clerk of gsj"), "{html}");
    assert!(html.contains(&format!("href=\"/cases/{}\"", case.id)));
}

#[tokio::test]
async fn what_applicants_upload_is_escaped_and_downloaded_in_a_sandbox() {
    let hall = Hall::start().await;
    let case = submitted(&hall, "<img src=x onerror=alert(1)>.pdf").await;
    let mut s = Session::new(&hall);
    s.sign_in("clerk-gsj").await;
    let page = s.html(&format!("/cases/{}", case.id)).await;
    assert!(!page.contains("<img src=x"));
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;.pdf"));

    let material = &case.materials[0];
    let r = s
        .get(&format!("/cases/{}/materials/{}", case.id, material.id))
        .await;
    assert_eq!(r.status(), 200);
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .starts_with("sandbox"));
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"%PDF-1.4\n");

    // Another department's clerk may not read it.
    let mut other = Session::new(&hall);
    other.sign_in("clerk-fgj").await;
    let r = other
        .get(&format!("/cases/{}/materials/{}", case.id, material.id))
        .await;
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn an_anonymous_complaint_sends_no_contact_details() {
    let hall = Hall::start().await;
    let mut s = Session::new(&hall);
    let form = s.html("/complaints/new").await;
    let csrf = field(&form, "csrf");
    let r = s
        .post(
            "/complaints",
            &[
                ("csrf", csrf.as_str()),
                ("kind", "COMPLAINT_KIND_COMPLAINT"),
                ("content", "窗口要求提供指南以外的材料。"),
                ("anonymous", "1"),
                ("name", "王五"),
                ("phone", "13800000000"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let html = r.text().await.unwrap();
    let tracking = html.split("class=\"tracking-number\">").nth(1).unwrap();
    let tracking = tracking.split('<').next().unwrap().to_string();
    let mut client = SupervisionServiceClient::connect(hall.grpc_url())
        .await
        .unwrap();
    let list = client
        .list_complaints(hall.as_supervisor(sup::ListComplaintsRequest::default()))
        .await
        .unwrap()
        .into_inner();
    let filed = list
        .complaints
        .iter()
        .find(|c| c.tracking_number == tracking)
        .expect("the complaint is filed");
    assert!(filed.anonymous);
    assert!(filed
        .complainant
        .as_ref()
        .is_none_or(|c| c.name.is_empty() && c.phone.is_empty()));
}

#[tokio::test]
async fn the_big_screen_shows_figures_without_script_and_streams_them() {
    let hall = Hall::start().await;
    let mut s = Session::new(&hall);
    let r = s.get("/screen").await;
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let html = r.text().await.unwrap();
    for figure in [
        "open_cases",
        "open_red_cards",
        "on_time_rate",
        "open_complaints",
    ] {
        assert!(
            html.contains(&format!("data-field=\"{figure}\"")),
            "{figure}"
        );
    }
    assert!(
        html.contains("http-equiv=\"refresh\""),
        "reloads without script"
    );
    // Every other page allows no script at all.
    let r = s.get("/statistics").await;
    assert!(r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("script-src 'none'"));

    let mut events = s.get("/screen/events").await;
    assert_eq!(events.headers()["content-type"], "text/event-stream");
    let first = tokio::time::timeout(std::time::Duration::from_secs(10), events.chunk())
        .await
        .expect("a first event")
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&first);
    assert!(text.contains("event: dashboard"), "{text}");
    assert!(text.contains("\"open_cases\""), "{text}");
}
